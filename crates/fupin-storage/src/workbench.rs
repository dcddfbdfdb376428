//! What a user's start page reads beside the lists it links to: the open cases standing at
//! given steps (whose next step the user may take), the warnings still to work by state, and
//! the latest changes to households of the user's area. Each read takes the caller's scope and
//! runs inside the caller's read transaction, so the page's figures come from one snapshot.

use fupin_core::access::Scope;

use crate::cases::CaseRow;
use crate::sql::{Value, fetch_all};
use crate::{StorageError, Tx};

/// A change to a household, as a start page lists it: which household, when, by whom, what
/// kind of change. No reason or field values: those are read, masked, on the household's page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct RecentChange {
    pub household_id: i64,
    pub number: String,
    pub village_code: String,
    pub at: String,
    pub actor: String,
    pub action: String,
}

/// Open warnings of one state inside a scope.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct StateCount {
    pub state: String,
    pub n: i64,
}

impl Tx {
    /// Open cases inside `scope` standing at one of `at` (procedure code, step code), the
    /// oldest change first (the longest waiting on top); at most `limit`.
    pub async fn cases_standing_at(
        &mut self,
        scope: &Scope,
        at: &[(&str, &str)],
        limit: i64,
    ) -> Result<Vec<CaseRow>, StorageError> {
        if at.is_empty() {
            return Ok(Vec::new());
        }
        let mut values = Vec::with_capacity(at.len() * 2 + 1);
        let pairs: Vec<String> = at
            .iter()
            .map(|(procedure, step)| {
                values.push(Value::Text((*procedure).into()));
                values.push(Value::Text((*step).into()));
                format!(
                    "(procedure = ${} AND step = ${})",
                    values.len() - 1,
                    values.len()
                )
            })
            .collect();
        values.push(Value::I64(limit));
        fetch_all(
            self,
            &format!(
                "{} WHERE ({}) AND {} ORDER BY updated_at, id LIMIT ${}",
                crate::cases::CASE_SELECT,
                pairs.join(" OR "),
                crate::scope::counted(scope, ""),
                values.len()
            ),
            &values,
        )
        .await
    }

    /// Warnings inside `scope` that are still to be worked (not closed), by state.
    pub async fn open_warning_counts(
        &mut self,
        scope: &Scope,
    ) -> Result<Vec<StateCount>, StorageError> {
        fetch_all(
            self,
            &format!(
                "SELECT state, COUNT(*) AS n FROM warnings WHERE state IN ('open', 'verifying') \
                 AND {} GROUP BY state",
                crate::scope::within(scope, "area_code")
            ),
            &[],
        )
        .await
    }

    /// The latest `limit` changes to households `scope` reaches, newest first, looked for among
    /// the registry's latest [`RECENT_WINDOW`] changes, walked from the newest (a few
    /// milliseconds whatever the scope). Where that finds fewer and `beyond` is set, by the
    /// scope's households instead: quick for a village or a township, but a third of a second
    /// for a province whose households changed long ago (BENCHMARKS.md), so the caller sets it
    /// for small scopes only.
    pub async fn recent_changes(
        &mut self,
        scope: &Scope,
        limit: i64,
        beyond: bool,
    ) -> Result<Vec<RecentChange>, StorageError> {
        const COLUMNS: &str = "c.household_id, h.number, h.village_code, c.at, c.actor, c.action";
        let households = crate::scope::households(scope, "h.");
        // CROSS JOIN keeps SQLite walking change_log newest first instead of the scope's index
        let recent: Vec<RecentChange> = fetch_all(
            self,
            &format!(
                "SELECT {COLUMNS} FROM change_log c CROSS JOIN households h \
                 WHERE c.id > (SELECT COALESCE(MAX(id), 0) FROM change_log) - $2 \
                 AND h.id = c.household_id AND {households} ORDER BY c.id DESC LIMIT $1"
            ),
            &[Value::I64(limit), Value::I64(RECENT_WINDOW)],
        )
        .await?;
        if recent.len() as i64 >= limit || !beyond {
            return Ok(recent);
        }
        fetch_all(
            self,
            &format!(
                "SELECT {COLUMNS} FROM change_log c JOIN households h ON h.id = c.household_id \
                 WHERE {households} ORDER BY c.id DESC LIMIT $1"
            ),
            &[Value::I64(limit)],
        )
        .await
    }
}

/// Changes, counted back from the newest, that a start page looks through first.
pub const RECENT_WINDOW: i64 = 10_000;
