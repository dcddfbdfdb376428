//! Village figures: the counts an area page shows, kept per village (`village_figures` now,
//! `village_year_figures` by year) so that a province page sums its villages' rows instead of
//! scanning a million households. The registry writer notes which villages a transaction
//! touched and calls [`refresh`] before it commits, so figures and records change together.

use std::collections::BTreeSet;

use fupin_core::CodeList;
use fupin_core::codes::HouseholdStatus;

use crate::rows::placeholders;
use crate::sql::{Value, execute, fetch_all};
use crate::{StorageError, Tx};

/// Villages refreshed per statement.
const CHUNK: usize = 500;

/// Above this many touched households a full rebuild (one grouped scan) is cheaper than
/// refreshing village by village.
pub(crate) const FULL_REBUILD_FROM: usize = 50_000;

/// What a transaction changed, for the figures.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    villages: BTreeSet<String>,
    /// Households whose village is looked up at commit (history writes know only the id).
    households: Vec<i64>,
    all: bool,
}

impl Touched {
    pub(crate) fn village(&mut self, code: &str) {
        if !self.all && !self.villages.contains(code) {
            self.villages.insert(code.to_string());
        }
    }

    pub(crate) fn households(&mut self, ids: impl IntoIterator<Item = i64>) {
        if !self.all {
            self.households.extend(ids);
            if self.households.len() >= FULL_REBUILD_FROM {
                self.everything();
            }
        }
    }

    pub(crate) fn everything(&mut self) {
        self.all = true;
        self.villages.clear();
        self.households.clear();
    }

    fn is_empty(&self) -> bool {
        !self.all && self.villages.is_empty() && self.households.is_empty()
    }
}

/// `status IN ('…', …)` for the statuses `pick` selects: the rule stays in the core's code list,
/// the codes are constants (no user input reaches the SQL).
pub(crate) fn status_in(column: &str, pick: fn(HouseholdStatus) -> bool) -> String {
    let codes: Vec<String> = HouseholdStatus::ALL
        .iter()
        .filter(|s| pick(**s))
        .map(|s| format!("'{}'", s.code()))
        .collect();
    format!("{column} IN ({})", codes.join(", "))
}

/// Grouped counts of the households matching `filter` (columns of `households h`).
fn now_select(filter: &str) -> String {
    let poor = status_in("status", HouseholdStatus::is_poor);
    let exited = status_in("status", HouseholdStatus::is_exited);
    format!(
        "SELECT village_code, COUNT(*), COALESCE(SUM(member_count), 0), \
         SUM(CASE WHEN {poor} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN {poor} THEN member_count ELSE 0 END), \
         SUM(CASE WHEN {exited} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN {exited} THEN member_count ELSE 0 END), \
         SUM(CASE WHEN monitoring IS NOT NULL THEN 1 ELSE 0 END) \
         FROM households h WHERE {filter} GROUP BY village_code"
    )
}

/// Grouped counts by village and year of the status rows of households matching `filter`.
fn year_select(filter: &str) -> String {
    let poor = status_in("s.status", HouseholdStatus::is_poor);
    let exited = status_in("s.status", HouseholdStatus::is_exited);
    let returned = status_in("s.status", |s| s == HouseholdStatus::Returned);
    let people = "COALESCE(i.household_size, h.member_count)";
    format!(
        "SELECT h.village_code, s.year, COUNT(*), SUM({people}), \
         SUM(CASE WHEN {poor} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN {poor} THEN {people} ELSE 0 END), \
         SUM(CASE WHEN {exited} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN {exited} THEN {people} ELSE 0 END), \
         SUM(CASE WHEN {returned} THEN 1 ELSE 0 END) \
         FROM household_status_years s JOIN households h ON h.id = s.household_id \
         LEFT JOIN household_incomes i ON i.household_id = s.household_id AND i.year = s.year \
         WHERE {filter} GROUP BY h.village_code, s.year"
    )
}

const NOW_COLUMNS: &str =
    "village_code, households, members, poor, poor_members, exited, exited_members, monitored";
const YEAR_COLUMNS: &str =
    "village_code, year, households, members, poor, poor_members, exited, exited_members, returned";

/// Brings the figures of what `touched` names up to date, inside the writer's transaction.
pub(crate) async fn refresh(tx: &mut Tx, mut touched: Touched) -> Result<(), StorageError> {
    if touched.is_empty() {
        return Ok(());
    }
    if touched.all {
        return rebuild(tx).await;
    }
    for chunk in std::mem::take(&mut touched.households).chunks(CHUNK) {
        for v in villages_of(tx, chunk).await? {
            touched.village(&v);
        }
    }
    let villages: Vec<String> = touched.villages.into_iter().collect();
    for chunk in villages.chunks(CHUNK) {
        let args: Vec<Value> = chunk.iter().map(|v| Value::Text(v.clone())).collect();
        let list = placeholders(args.len());
        let filter = format!("h.village_code IN ({list})");
        for table in ["village_figures", "village_year_figures"] {
            execute(
                tx,
                &format!("DELETE FROM {table} WHERE village_code IN ({list})"),
                &args,
            )
            .await?;
        }
        execute(
            tx,
            &format!(
                "INSERT INTO village_figures ({NOW_COLUMNS}) {}",
                now_select(&filter)
            ),
            &args,
        )
        .await?;
        execute(
            tx,
            &format!(
                "INSERT INTO village_year_figures ({YEAR_COLUMNS}) {}",
                year_select(&filter)
            ),
            &args,
        )
        .await?;
    }
    Ok(())
}

/// The villages these households are in now.
pub(crate) async fn villages_of(tx: &mut Tx, ids: &[i64]) -> Result<Vec<String>, StorageError> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Village {
        village_code: String,
    }
    let args: Vec<Value> = ids.iter().map(|i| Value::I64(*i)).collect();
    let rows: Vec<Village> = fetch_all(
        tx,
        &format!(
            "SELECT DISTINCT village_code FROM households WHERE id IN ({})",
            placeholders(args.len())
        ),
        &args,
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.village_code).collect())
}

/// Recomputes every village's figures from the registry.
pub(crate) async fn rebuild(tx: &mut Tx) -> Result<(), StorageError> {
    execute(tx, "DELETE FROM village_figures", &[]).await?;
    execute(tx, "DELETE FROM village_year_figures", &[]).await?;
    execute(
        tx,
        &format!(
            "INSERT INTO village_figures ({NOW_COLUMNS}) {}",
            now_select("1 = 1")
        ),
        &[],
    )
    .await?;
    execute(
        tx,
        &format!(
            "INSERT INTO village_year_figures ({YEAR_COLUMNS}) {}",
            year_select("1 = 1")
        ),
        &[],
    )
    .await?;
    Ok(())
}

/// Whether the registry has households but no figures yet (a database made before the figures
/// existed): then they are built once when the database is opened.
pub(crate) async fn missing(tx: &mut Tx) -> Result<bool, StorageError> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Flags {
        households: i64,
        figures: i64,
    }
    let rows: Vec<Flags> = fetch_all(
        tx,
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM households LIMIT 1) AS h) AS households, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM village_figures LIMIT 1) AS f) AS figures",
        &[],
    )
    .await?;
    Ok(rows
        .first()
        .is_some_and(|f| f.households > 0 && f.figures == 0))
}
