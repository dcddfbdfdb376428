//! Measures delivered (措施落实) and the stored results of matching: each household's
//! entitlements and gaps of a year, with per-village counts by measure for area pages.

use std::collections::HashMap;

use fupin_core::AreaCode;
use fupin_core::access::Scope;

use crate::bulk::{insert_rows, upsert_rows};
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx, scope};

/// A measure delivered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct Delivery {
    pub household_id: i64,
    pub measure_code: String,
    /// The member it went to ('' for the household).
    pub member_id_number: String,
    pub year: i32,
    pub delivered_on: String,
    /// Fen, where money.
    pub amount: Option<i64>,
    /// The unit that delivered it.
    pub unit: String,
    /// What proves it (a voucher number, a list, a photo's reference).
    pub evidence: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

const DELIVERY_COLUMNS: &str = "household_id, measure_code, member_id_number, year, delivered_on, \
    amount, unit, evidence, recorded_by, recorded_at";

impl Delivery {
    fn values(&self) -> Vec<Value> {
        vec![
            Value::I64(self.household_id),
            Value::Text(self.measure_code.clone()),
            Value::Text(self.member_id_number.clone()),
            Value::I32(self.year),
            Value::Text(self.delivered_on.clone()),
            Value::OptI64(self.amount),
            Value::Text(self.unit.clone()),
            Value::Text(self.evidence.clone()),
            Value::Text(self.recorded_by.clone()),
            Value::Text(self.recorded_at.clone()),
        ]
    }
}

/// Records deliveries in `tx`; one already recorded for the same household, measure, member and
/// year is replaced (a correction), so a retried load never counts twice. Within `rows` the
/// last of two with the same key stands.
pub async fn record_deliveries(tx: &mut Tx, rows: &[Delivery]) -> Result<(), StorageError> {
    let mut last: HashMap<(i64, &str, &str, i32), usize> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        last.insert(
            (r.household_id, &r.measure_code, &r.member_id_number, r.year),
            i,
        );
    }
    let mut keep: Vec<usize> = last.into_values().collect();
    keep.sort_unstable();
    let columns: Vec<&str> = DELIVERY_COLUMNS.split(", ").collect();
    upsert_rows(
        tx,
        "measure_deliveries",
        &columns,
        &["household_id", "measure_code", "member_id_number", "year"],
        keep.into_iter().map(|i| rows[i].values()).collect(),
    )
    .await
}

/// A household's matching result of a year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct HouseholdMeasures {
    pub household_id: i64,
    pub year: i32,
    pub catalogue_version: String,
    pub village_code: String,
    pub entitled: i32,
    pub delivered: i32,
    pub gaps: i32,
    pub entitled_codes: String,
    pub gap_codes: String,
    pub computed_at: String,
}

const HOUSEHOLD_COLUMNS: &[&str] = &[
    "household_id",
    "year",
    "catalogue_version",
    "village_code",
    "entitled",
    "delivered",
    "gaps",
    "entitled_codes",
    "gap_codes",
    "computed_at",
];

impl HouseholdMeasures {
    fn values(&self) -> Vec<Value> {
        vec![
            Value::I64(self.household_id),
            Value::I32(self.year),
            Value::Text(self.catalogue_version.clone()),
            Value::Text(self.village_code.clone()),
            Value::I32(self.entitled),
            Value::I32(self.delivered),
            Value::I32(self.gaps),
            Value::Text(self.entitled_codes.clone()),
            Value::Text(self.gap_codes.clone()),
            Value::Text(self.computed_at.clone()),
        ]
    }
}

/// Counts of one measure in one village and year.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize,
)]
pub struct MeasureCounts {
    pub entitled: i64,
    pub delivered: i64,
    pub gaps: i64,
}

impl std::ops::AddAssign for MeasureCounts {
    fn add_assign(&mut self, o: Self) {
        self.entitled += o.entitled;
        self.delivered += o.delivered;
        self.gaps += o.gaps;
    }
}

/// An open replacement of an area's matching results for a year (see
/// [`Db::measure_writer`]): rows are pushed while the area is read; `finish` writes the
/// village counts and commits. Dropped unfinished, nothing changes.
pub struct MeasureWriter {
    tx: Tx,
}

impl MeasureWriter {
    pub async fn push(&mut self, rows: &[HouseholdMeasures]) -> Result<(), StorageError> {
        insert_rows(
            &mut self.tx,
            "household_measures",
            HOUSEHOLD_COLUMNS,
            rows.iter().map(HouseholdMeasures::values).collect(),
        )
        .await
    }

    /// Writes the counts by (village, measure) and commits.
    pub async fn finish(
        mut self,
        year: i32,
        counts: &HashMap<(String, String), MeasureCounts>,
    ) -> Result<(), StorageError> {
        let rows: Vec<Vec<Value>> = counts
            .iter()
            .map(|((village, measure), c)| {
                vec![
                    Value::Text(village.clone()),
                    Value::I32(year),
                    Value::Text(measure.clone()),
                    Value::I64(c.entitled),
                    Value::I64(c.delivered),
                    Value::I64(c.gaps),
                ]
            })
            .collect();
        insert_rows(
            &mut self.tx,
            "village_measure_figures",
            &[
                "village_code",
                "year",
                "measure_code",
                "entitled",
                "delivered",
                "gaps",
            ],
            rows,
        )
        .await?;
        self.tx.commit().await
    }
}

/// What identifies a household and its members when records refer to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdKeys {
    pub id: i64,
    pub village_code: String,
    /// The members' ID numbers.
    pub members: Vec<String>,
}

/// A household with gaps, for the lists of an area or a helper.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct GapLine {
    pub household_id: i64,
    pub number: String,
    pub village_code: String,
    pub head_name: Option<String>,
    pub gaps: i32,
    pub gap_codes: String,
}

/// A helper cadre's paired households with gaps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct HelperGaps {
    pub helper_id: i64,
    pub real_name: String,
    pub households: i64,
    pub with_gaps: i64,
    pub gaps: i64,
}

fn range(area: Option<&AreaCode>) -> (String, String) {
    match area {
        Some(a) => a.descendant_range(),
        None => ("000000000000".into(), "999999999999".into()),
    }
}

impl Db {
    /// Starts replacing the matching results of `area` for `year`.
    pub async fn measure_writer(
        &self,
        area: Option<&AreaCode>,
        year: i32,
    ) -> Result<MeasureWriter, StorageError> {
        let (lo, hi) = range(area);
        let mut tx = self.begin().await?;
        let key = [Value::I32(year), Value::Text(lo), Value::Text(hi)];
        execute(
            &mut tx,
            "DELETE FROM household_measures WHERE year = $1 AND village_code BETWEEN $2 AND $3",
            &key,
        )
        .await?;
        execute(
            &mut tx,
            "DELETE FROM village_measure_figures WHERE year = $1 AND village_code BETWEEN $2 AND $3",
            &key,
        )
        .await?;
        Ok(MeasureWriter { tx })
    }

    /// A household's deliveries, newest year first, if `scope` reaches it.
    pub async fn household_deliveries(
        &self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<Delivery>, StorageError> {
        self.reader()
            .await?
            .household_deliveries(scope, household_id)
            .await
    }

    /// A household's stored matching results, newest year first, if `scope` reaches it.
    pub async fn household_measures(
        &self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<HouseholdMeasures>, StorageError> {
        self.reader()
            .await?
            .household_measures(scope, household_id)
            .await
    }

    /// The years matched inside `area`, newest first.
    pub async fn matched_years(&self, area: &AreaCode) -> Result<Vec<i32>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            year: i32,
        }
        let (lo, hi) = area.descendant_range();
        let rows: Vec<Row> = fetch_all(
            &mut self.reader().await?,
            "SELECT DISTINCT year FROM village_measure_figures WHERE village_code BETWEEN $1 AND $2 \
             ORDER BY year DESC",
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok(rows.into_iter().map(|r| r.year).collect())
    }

    /// Counts by measure inside `area` (within `scope`) for a year.
    pub async fn measure_counts(
        &self,
        scope: &Scope,
        area: &AreaCode,
        year: i32,
    ) -> Result<HashMap<String, MeasureCounts>, StorageError> {
        if !scope.contains_area(area) {
            return Ok(HashMap::new());
        }
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            measure_code: String,
            #[sqlx(flatten)]
            #[serde(flatten)]
            counts: MeasureCounts,
        }
        let (lo, hi) = area.descendant_range();
        let rows: Vec<Row> = fetch_all(
            &mut self.reader().await?,
            "SELECT measure_code, CAST(SUM(entitled) AS BIGINT) AS entitled, \
             CAST(SUM(delivered) AS BIGINT) AS delivered, CAST(SUM(gaps) AS BIGINT) AS gaps \
             FROM village_measure_figures WHERE year = $1 AND village_code BETWEEN $2 AND $3 \
             GROUP BY measure_code",
            &[Value::I32(year), Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.measure_code, r.counts))
            .collect())
    }

    /// Households with gaps inside `area` for a year (within `scope`), most gaps first; with
    /// the total for paging.
    pub async fn gap_households(
        &self,
        scope: &Scope,
        area: &AreaCode,
        year: i32,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<GapLine>, i64), StorageError> {
        if !scope.contains_area(area) {
            return Ok((Vec::new(), 0));
        }
        let (lo, hi) = area.descendant_range();
        let filter = format!(
            "m.year = $1 AND m.village_code BETWEEN $2 AND $3 AND m.gaps > 0 AND {}",
            scope::households(scope, "h.")
        );
        let mut conn = self.reader().await?;
        let lines: Vec<GapLine> = fetch_all(
            &mut conn,
            &format!(
                "SELECT h.id AS household_id, h.number, h.village_code, \
                 (SELECT x.name FROM members x WHERE x.household_id = h.id AND x.relation = 'head' LIMIT 1) AS head_name, \
                 m.gaps, m.gap_codes FROM household_measures m JOIN households h ON h.id = m.household_id \
                 WHERE {filter} ORDER BY m.gaps DESC, h.number LIMIT $4 OFFSET $5"
            ),
            &[
                Value::I32(year),
                Value::Text(lo.clone()),
                Value::Text(hi.clone()),
                Value::I64(limit),
                Value::I64(offset),
            ],
        )
        .await?;
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Count {
            n: i64,
        }
        let total: Vec<Count> = fetch_all(
            &mut conn,
            &format!(
                "SELECT COUNT(*) AS n FROM household_measures m JOIN households h ON h.id = m.household_id \
                 WHERE {filter}"
            ),
            &[Value::I32(year), Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok((lines, total.first().map_or(0, |c| c.n)))
    }

    /// Each helper cadre paired with households inside `area` (within `scope`): how many of
    /// their households have gaps in `year`, most first.
    pub async fn helper_gaps(
        &self,
        scope: &Scope,
        area: &AreaCode,
        year: i32,
    ) -> Result<Vec<HelperGaps>, StorageError> {
        if !scope.contains_area(area) {
            return Ok(Vec::new());
        }
        let (lo, hi) = area.descendant_range();
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT hp.id AS helper_id, hp.name AS real_name, CAST(COUNT(*) AS BIGINT) AS households, \
                 CAST(SUM(CASE WHEN m.gaps > 0 THEN 1 ELSE 0 END) AS BIGINT) AS with_gaps, \
                 CAST(COALESCE(SUM(m.gaps), 0) AS BIGINT) AS gaps \
                 FROM pairings p JOIN helpers hp ON hp.id = p.helper_id \
                 JOIN households h ON h.id = p.household_id \
                 LEFT JOIN household_measures m ON m.household_id = h.id AND m.year = $1 \
                 WHERE p.ended_on IS NULL AND h.village_code BETWEEN $2 AND $3 AND {} \
                 GROUP BY hp.id, hp.name ORDER BY 5 DESC, hp.name",
                scope::households(scope, "h.")
            ),
            &[Value::I32(year), Value::Text(lo), Value::Text(hi)],
        )
        .await
    }
}

impl Db {
    /// Households by number within `scope`: id, village and the members' ID numbers.
    pub async fn households_by_number(
        &self,
        scope: &Scope,
        numbers: &[&str],
    ) -> Result<HashMap<String, HouseholdKeys>, StorageError> {
        self.reader()
            .await?
            .households_by_number(scope, numbers)
            .await
    }
}

impl Tx {
    /// [`Db::households_by_number`] inside this transaction (a writer reads in its own, never on
    /// a second connection while it holds the write lock).
    pub async fn households_by_number(
        &mut self,
        scope: &Scope,
        numbers: &[&str],
    ) -> Result<HashMap<String, HouseholdKeys>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            id: i64,
            number: String,
            village_code: String,
            id_number: Option<String>,
        }
        let mut unique: Vec<&str> = numbers.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut out: HashMap<String, HouseholdKeys> = HashMap::new();
        for chunk in unique.chunks(500) {
            let args: Vec<Value> = chunk.iter().map(|n| Value::Text((*n).into())).collect();
            let rows: Vec<Row> = fetch_all(
                self,
                &format!(
                    "SELECT h.id, h.number, h.village_code, m.id_number FROM households h \
                     LEFT JOIN members m ON m.household_id = h.id \
                     WHERE h.number IN ({}) AND {}",
                    crate::rows::placeholders(args.len()),
                    scope::households(scope, "h.")
                ),
                &args,
            )
            .await?;
            for r in rows {
                let entry = out.entry(r.number).or_insert(HouseholdKeys {
                    id: r.id,
                    village_code: r.village_code,
                    members: Vec::new(),
                });
                entry.members.extend(r.id_number);
            }
        }
        Ok(out)
    }
}

/// A household's stored matchings, newest year first.
const MATCHINGS_COLUMNS: &str = "m.household_id, m.year, m.catalogue_version, m.village_code, m.entitled, \
    m.delivered, m.gaps, m.entitled_codes, m.gap_codes, m.computed_at";
const MATCHINGS: scope::HouseholdRows =
    scope::HouseholdRows("household_measures", "m", MATCHINGS_COLUMNS, "m.year DESC");

/// A household's deliveries, newest year first.
const DELIVERIES_COLUMNS: &str = "d.household_id, d.measure_code, d.member_id_number, d.year, d.delivered_on, \
    d.amount, d.unit, d.evidence, d.recorded_by, d.recorded_at";
const DELIVERIES: scope::HouseholdRows = scope::HouseholdRows(
    "measure_deliveries",
    "d",
    DELIVERIES_COLUMNS,
    "d.year DESC, d.delivered_on DESC, d.id",
);

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::household_measures`] inside this transaction.
    pub async fn household_measures(
        &mut self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<HouseholdMeasures>, StorageError> {
        fetch_all(self, &MATCHINGS.sql(scope), &[Value::I64(household_id)]).await
    }

    /// [`Db::household_deliveries`] inside this transaction.
    pub async fn household_deliveries(
        &mut self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<Delivery>, StorageError> {
        fetch_all(self, &DELIVERIES.sql(scope), &[Value::I64(household_id)]).await
    }
}
