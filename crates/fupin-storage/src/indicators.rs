//! Area indicators: the figures of village and county exit that the registry does not hold
//! (facilities, collective income, the county evaluation's sample survey), per area and year.

use std::collections::HashMap;

use fupin_core::AreaCode;
use fupin_core::assessment::area_exit::{Indicator, Indicators};
use fupin_core::validation::AreaLookup;

use crate::areas::FigureYear;
use crate::rows::placeholders;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// One loaded figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorValue {
    pub area: AreaCode,
    pub year: i32,
    pub indicator: Indicator,
    pub value: i64,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Row {
    area_code: String,
    year: i32,
    indicator: String,
    value: i64,
}

impl Db {
    /// Loads indicator values (replacing those of the same area, year and indicator) in one
    /// transaction; every area must exist. Returns how many values were written.
    pub async fn load_indicators(
        &self,
        values: &[IndicatorValue],
        source: &str,
    ) -> Result<u64, StorageError> {
        let index = self.area_index().await?;
        if let Some(v) = values.iter().find(|v| index.level_of(&v.area).is_none()) {
            return Err(StorageError::Invalid(format!("unknown area {}", v.area)));
        }
        let mut tx = self.begin().await?;
        for v in values {
            execute(
                &mut tx,
                "INSERT INTO area_indicators (area_code, year, indicator, value, source) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (area_code, year, indicator) \
                 DO UPDATE SET value = excluded.value, source = excluded.source",
                &[
                    Value::Text(v.area.to_string()),
                    Value::I32(v.year),
                    Value::Text(v.indicator.code().into()),
                    Value::I64(v.value),
                    Value::Text(source.into()),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(values.len() as u64)
    }

    /// The indicators of these areas for a year; for now, each area's latest year that has any.
    /// Areas without indicators are absent. Names of unknown indicators (a newer version's
    /// data) are skipped.
    pub async fn indicators(
        &self,
        areas: &[&AreaCode],
        year: FigureYear,
    ) -> Result<HashMap<String, Indicators>, StorageError> {
        self.reader().await?.indicators(areas, year).await
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::indicators`] inside this transaction.
    pub async fn indicators(
        &mut self,
        areas: &[&AreaCode],
        year: FigureYear,
    ) -> Result<HashMap<String, Indicators>, StorageError> {
        let mut latest: HashMap<String, (i32, Indicators)> = HashMap::new();
        for chunk in areas.chunks(500) {
            let mut args: Vec<Value> = chunk.iter().map(|c| Value::Text(c.to_string())).collect();
            let mut sql = format!(
                "SELECT area_code, year, indicator, value FROM area_indicators \
                 WHERE area_code IN ({})",
                placeholders(args.len())
            );
            if let FigureYear::Year(y) = year {
                sql.push_str(&format!(" AND year = ${}", args.len() + 1));
                args.push(Value::I32(y));
            }
            let rows: Vec<Row> = fetch_all(self, &sql, &args).await?;
            for r in rows {
                let Some(indicator) = Indicator::parse(&r.indicator) else {
                    continue;
                };
                let entry = latest
                    .entry(r.area_code)
                    .or_insert_with(|| (r.year, Indicators::new()));
                if r.year > entry.0 {
                    *entry = (r.year, Indicators::new());
                }
                if r.year == entry.0 {
                    entry.1.insert(indicator, r.value);
                }
            }
        }
        Ok(latest.into_iter().map(|(k, (_, v))| (k, v)).collect())
    }
}
