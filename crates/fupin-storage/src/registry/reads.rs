//! The registry's reads through [`Db`]: one household's record, pages of a list, the units of
//! a streaming export and its history, counts, and the next free household number.

use std::collections::HashMap;

use fupin_core::access::Scope;
use fupin_core::{AreaCode, Fen, IncomeYear, StatusYear};

use super::{
    ChangeEntry, Count, HouseholdListItem, HouseholdRecord, INCOME_SELECT, IncomeLine, LIST_SELECT,
    Stored, load_where,
};
use crate::rows::*;
use crate::sql::{Value, fetch_all};
use crate::{Db, StorageError, Tx, scope};

impl Db {
    /// One household with its members, yearly incomes, status history and change log; `None`
    /// when it does not exist or lies outside `scope` (the two are indistinguishable).
    pub async fn household(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<HouseholdRecord>, StorageError> {
        self.reader().await?.household(scope, id).await
    }

    /// The id of the household with this number, if `scope` reaches it.
    pub async fn household_id(
        &self,
        scope: &Scope,
        number: &str,
    ) -> Result<Option<i64>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Id {
            id: i64,
        }
        let rows: Vec<Id> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT id FROM households WHERE number = $1 AND {}",
                scope::households(scope, "")
            ),
            &[Value::Text(number.to_string())],
        )
        .await?;
        Ok(rows.first().map(|r| r.id))
    }

    /// A page of the households inside `area` that `scope` reaches, ordered by number.
    pub async fn household_list(
        &self,
        scope: &Scope,
        area: &AreaCode,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<HouseholdListItem>, i64), StorageError> {
        self.reader()
            .await?
            .household_list(scope, area, offset, limit)
            .await
    }

    /// Households inside `area` with id greater than `after_id`, at most `limit`, in id order —
    /// the unit of a streaming export.
    pub async fn households_after(
        &self,
        scope: &Scope,
        area: &AreaCode,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Stored>, StorageError> {
        let (lo, hi) = area.descendant_range();
        let mut tx = self.reader().await?;
        load_where(
            &mut tx,
            &format!(
                "id IN (SELECT id FROM households WHERE village_code BETWEEN $1 AND $2 AND id > $3 AND {} \
                 ORDER BY id LIMIT $4)",
                scope::households(scope, "")
            ),
            &[Value::Text(lo), Value::Text(hi), Value::I64(after_id), Value::I64(limit)],
        )
        .await
    }

    /// Yearly status and income of households inside `area` with id in `(after_id, up_to]`,
    /// keyed by household number (for the history export).
    pub async fn history_between(
        &self,
        scope: &Scope,
        area: &AreaCode,
        after_id: i64,
        up_to: i64,
    ) -> Result<Vec<(String, Vec<StatusYear>, Vec<IncomeYear>)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Num {
            id: i64,
            number: String,
        }
        let (lo, hi) = area.descendant_range();
        let mut tx = self.reader().await?;
        let range = [
            Value::Text(lo),
            Value::Text(hi),
            Value::I64(after_id),
            Value::I64(up_to),
        ];
        let within = format!(
            "village_code BETWEEN $1 AND $2 AND id > $3 AND id <= $4 AND {}",
            scope::households(scope, "")
        );
        let filter = format!("household_id IN (SELECT id FROM households WHERE {within})");
        let nums: Vec<Num> = fetch_all(
            &mut tx,
            &format!("SELECT id, number FROM households WHERE {within} ORDER BY id"),
            &range,
        )
        .await?;
        let status: Vec<StatusRow> = fetch_all(
            &mut tx,
            &format!("SELECT household_id, year, status, reason FROM household_status_years WHERE {filter} ORDER BY household_id, year"),
            &range,
        )
        .await?;
        let incomes: Vec<IncomeRow> = fetch_all(
            &mut tx,
            &format!("{INCOME_SELECT} WHERE {filter} ORDER BY household_id, year"),
            &range,
        )
        .await?;
        let mut out: Vec<(String, Vec<StatusYear>, Vec<IncomeYear>)> =
            Vec::with_capacity(nums.len());
        let mut index = HashMap::with_capacity(nums.len());
        for n in nums {
            index.insert(n.id, out.len());
            out.push((n.number, Vec::new(), Vec::new()));
        }
        for s in status {
            if let Some(&i) = index.get(&s.household_id) {
                out[i].1.push(s.into_status()?);
            }
        }
        for r in incomes {
            if let Some(&i) = index.get(&r.household_id) {
                out[i].2.push(r.into_income());
            }
        }
        Ok(out)
    }

    /// Number of households and members inside `area`, counted within `scope`'s subtree.
    pub async fn registry_size(
        &self,
        scope: &Scope,
        area: &AreaCode,
    ) -> Result<(i64, i64), StorageError> {
        self.reader().await?.registry_size(scope, area).await
    }

    /// A free household number for a new household of `village`: the village code and the next
    /// sequence after the highest number under it (as `5227261002010001` … continue).
    pub async fn next_household_number(&self, village: &AreaCode) -> Result<String, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Max {
            number: Option<String>,
        }
        let prefix = village.to_string();
        let rows: Vec<Max> = fetch_all(
            &mut self.reader().await?,
            "SELECT MAX(number) AS number FROM households WHERE number >= $1 AND number < $2",
            &[
                Value::Text(prefix.clone()),
                Value::Text(format!("{prefix}~")),
            ],
        )
        .await?;
        let last = rows.into_iter().next().and_then(|m| m.number);
        Ok(next_number(&prefix, last.as_deref()))
    }

    /// The highest household id in the registry (the end of a streaming export).
    pub async fn max_household_id(&self) -> Result<i64, StorageError> {
        let rows: Vec<Count> = fetch_all(
            &mut self.reader().await?,
            "SELECT COALESCE(MAX(id), 0) AS n FROM households",
            &[],
        )
        .await?;
        Ok(rows.first().map_or(0, |c| c.n))
    }
}

impl Tx {
    /// [`Db::household_list`] inside this transaction.
    pub async fn household_list(
        &mut self,
        scope: &Scope,
        area: &AreaCode,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<HouseholdListItem>, i64), StorageError> {
        let (lo, hi) = area.descendant_range();
        let within = scope::households(scope, "h.");
        let items: Vec<HouseholdListItem> = fetch_all(
            self,
            &format!(
                "{LIST_SELECT} WHERE h.village_code BETWEEN $1 AND $2 AND {within} \
                 ORDER BY h.number LIMIT $3 OFFSET $4"
            ),
            &[
                Value::Text(lo.clone()),
                Value::Text(hi.clone()),
                Value::I64(limit),
                Value::I64(offset),
            ],
        )
        .await?;
        let total: Vec<Count> = fetch_all(
            self,
            &format!("SELECT COUNT(*) AS n FROM households h WHERE h.village_code BETWEEN $1 AND $2 AND {within}"),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok((items, total.first().map_or(0, |c| c.n)))
    }

    /// [`Db::household`] inside this transaction (a snapshot read with other sections).
    pub async fn household(
        &mut self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<HouseholdRecord>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Stamps {
            created_at: String,
            updated_at: String,
            version: i64,
        }
        let filter = format!("id = $1 AND {}", scope::households(scope, ""));
        let stored = load_where(self, &filter, &[Value::I64(id)]).await?;
        let Some(household) = stored.into_iter().next().map(|s| s.household) else {
            return Ok(None);
        };
        let stamps: Vec<Stamps> = fetch_all(
            self,
            "SELECT created_at, updated_at, version FROM households WHERE id = $1",
            &[Value::I64(id)],
        )
        .await?;
        let stamps = stamps.into_iter().next().ok_or(StorageError::NotFound)?;
        let incomes: Vec<IncomeRow> = fetch_all(
            self,
            &format!("{INCOME_SELECT} WHERE household_id = $1 ORDER BY year"),
            &[Value::I64(id)],
        )
        .await?;
        let status: Vec<StatusRow> = fetch_all(
            self,
            "SELECT household_id, year, status, reason FROM household_status_years \
             WHERE household_id = $1 ORDER BY year",
            &[Value::I64(id)],
        )
        .await?;
        let changes: Vec<ChangeEntry> = fetch_all(
            self,
            "SELECT at, actor, action, diff, reason FROM change_log WHERE household_id = $1 ORDER BY id DESC",
            &[Value::I64(id)],
        )
        .await?;
        Ok(Some(HouseholdRecord {
            id,
            household,
            incomes: incomes
                .into_iter()
                .map(|r| {
                    let per_capita = r.per_capita.map(Fen);
                    let income = r.into_income();
                    IncomeLine {
                        net: income.net(),
                        income,
                        per_capita,
                    }
                })
                .collect(),
            status_years: status
                .into_iter()
                .map(StatusRow::into_status)
                .collect::<Result<_, _>>()?,
            changes,
            created_at: stamps.created_at,
            updated_at: stamps.updated_at,
            version: stamps.version,
        }))
    }
}

/// The number after `last` (digits kept at their width), or the village's first.
fn next_number(prefix: &str, last: Option<&str>) -> String {
    match last.and_then(|l| l.strip_prefix(prefix).map(|seq| (seq, seq.parse::<u64>()))) {
        Some((seq, Ok(n))) => format!("{prefix}{:0width$}", n + 1, width = seq.len()),
        _ => format!("{prefix}0001"),
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::registry_size`] inside this transaction.
    pub async fn registry_size(
        &mut self,
        scope: &Scope,
        area: &AreaCode,
    ) -> Result<(i64, i64), StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Size {
            households: i64,
            members: i64,
        }
        let (lo, hi) = area.descendant_range();
        let rows: Vec<Size> = fetch_all(
            self,
            &format!(
                "SELECT CAST(COALESCE(SUM(households), 0) AS BIGINT) AS households, \
                 CAST(COALESCE(SUM(members), 0) AS BIGINT) AS members \
                 FROM village_figures WHERE village_code BETWEEN $1 AND $2 AND {}",
                scope::counted(scope, "")
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok(rows.first().map_or((0, 0), |s| (s.households, s.members)))
    }
}

#[cfg(test)]
mod number_tests {
    #[test]
    fn next_numbers_continue_the_village_sequence() {
        assert_eq!(super::next_number("522726100201", None), "5227261002010001");
        assert_eq!(
            super::next_number("522726100201", Some("5227261002010041")),
            "5227261002010042"
        );
        assert_eq!(
            super::next_number("522726100201", Some("5227261002019999")),
            "52272610020110000"
        );
        assert_eq!(
            super::next_number("522726100201", Some("522726100201-A")),
            "5227261002010001"
        );
    }
}
