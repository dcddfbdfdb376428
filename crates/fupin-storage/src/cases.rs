//! Procedure cases and their events (the state machines live in `fupin_core::workflow`).

use fupin_core::AreaCode;
use fupin_core::access::Scope;

use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// A case as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct CaseRow {
    pub id: i64,
    pub procedure: String,
    pub village_code: String,
    pub household_id: Option<i64>,
    /// Who or what the case is about, as shown in lists (the applicant, the household number).
    pub subject: String,
    /// What was proposed (JSON: the new household's cells, a monitoring category …).
    pub proposal: String,
    pub step: String,
    pub notice_from: Option<String>,
    pub held: bool,
    pub opened_at: String,
    pub updated_at: String,
}

/// One act on a case.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct CaseEvent {
    pub at: String,
    pub actor: String,
    /// The act (JSON of `fupin_core::workflow::Act`, or `open`).
    pub act: String,
    pub step_after: String,
    pub note: String,
}

/// What a step leaves a case as.
#[derive(Debug, Clone)]
pub struct CaseUpdate {
    pub step: String,
    pub notice_from: Option<String>,
    pub held: bool,
    pub household_id: Option<i64>,
    pub event: CaseEvent,
}

pub(crate) const CASE_SELECT: &str = "SELECT id, procedure, village_code, household_id, subject, proposal, step, \
    notice_from, held, opened_at, updated_at FROM cases";

/// A new case with its opening event; its id.
#[allow(clippy::too_many_arguments)]
pub async fn open_case(
    tx: &mut Tx,
    procedure: &str,
    village: &AreaCode,
    household_id: Option<i64>,
    subject: &str,
    proposal: &str,
    step: &str,
    event: &CaseEvent,
) -> Result<i64, StorageError> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Id {
        id: i64,
    }
    let rows: Vec<Id> = fetch_all(
        tx,
        "INSERT INTO cases (procedure, village_code, household_id, subject, proposal, step, notice_from, \
         held, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, FALSE, $7, $8) RETURNING id",
        &[
            Value::Text(procedure.into()),
            Value::Text(village.to_string()),
            Value::OptI64(household_id),
            Value::Text(subject.into()),
            Value::Text(proposal.into()),
            Value::Text(step.into()),
            Value::Text(event.at.clone()),
            Value::Text(event.at.clone()),
        ],
    )
    .await?;
    let id = rows.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
    append_event(tx, id, event).await?;
    Ok(id)
}

async fn append_event(tx: &mut Tx, case_id: i64, e: &CaseEvent) -> Result<(), StorageError> {
    execute(
        tx,
        "INSERT INTO case_events (case_id, at, actor, act, step_after, note) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::I64(case_id),
            Value::Text(e.at.clone()),
            Value::Text(e.actor.clone()),
            Value::Text(e.act.clone()),
            Value::Text(e.step_after.clone()),
            Value::Text(e.note.clone()),
        ],
    )
    .await?;
    Ok(())
}

/// Records a step: the case's new state and the event, in the caller's transaction (so that
/// what an announcement changes in the registry commits with it).
pub async fn record_step(tx: &mut Tx, case_id: i64, u: &CaseUpdate) -> Result<(), StorageError> {
    execute(
        tx,
        "UPDATE cases SET step = $1, notice_from = $2, held = $3, \
         household_id = COALESCE($4, household_id), updated_at = $5 WHERE id = $6",
        &[
            Value::Text(u.step.clone()),
            Value::OptText(u.notice_from.clone()),
            Value::Bool(u.held),
            Value::OptI64(u.household_id),
            Value::Text(u.event.at.clone()),
            Value::I64(case_id),
        ],
    )
    .await?;
    append_event(tx, case_id, &u.event).await
}

/// The case if its village lies in `scope`'s area, within a transaction (locked on PostgreSQL).
pub async fn case_for_update(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> Result<Option<CaseRow>, StorageError> {
    let lock = tx.backend().for_update();
    case_in(tx, scope, id, lock).await
}

/// The case if it lies in `scope`, read with `lock` (a row lock's clause, or nothing).
async fn case_in(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    lock: &str,
) -> Result<Option<CaseRow>, StorageError> {
    let rows: Vec<CaseRow> = fetch_all(
        tx,
        &format!(
            "{CASE_SELECT} WHERE id = $1 AND {}{lock}",
            crate::scope::counted(scope, "")
        ),
        &[Value::I64(id)],
    )
    .await?;
    Ok(rows.into_iter().next())
}

impl Db {
    /// A case inside `scope`'s area.
    pub async fn case(&self, scope: &Scope, id: i64) -> Result<Option<CaseRow>, StorageError> {
        // no row lock: a reader cannot take one (PostgreSQL's `READ ONLY`), nor needs to
        case_in(&mut self.reader().await?, scope, id, "").await
    }

    /// The events of a case inside `scope`'s area (none for one outside it).
    pub async fn case_events(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<CaseEvent>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT at, actor, act, step_after, note FROM case_events WHERE case_id = $1 \
                 AND case_id IN (SELECT id FROM cases WHERE {}) ORDER BY id",
                crate::scope::counted(scope, "")
            ),
            &[Value::I64(id)],
        )
        .await
    }

    /// Cases inside `scope`'s area, open ones first, newest first; at most `limit`.
    pub async fn cases_within(
        &self,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<CaseRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{CASE_SELECT} WHERE {} ORDER BY CASE WHEN step IN ('announced', 'rejected', 'withdrawn') \
                 THEN 1 ELSE 0 END, updated_at DESC, id DESC LIMIT $1",
                crate::scope::counted(scope, "")
            ),
            &[Value::I64(limit)],
        )
        .await
    }

    /// Cases of one household, newest first.
    pub async fn household_cases(
        &self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<CaseRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{CASE_SELECT} WHERE household_id = $1 AND {} ORDER BY id DESC",
                crate::scope::counted(scope, "")
            ),
            &[Value::I64(household_id)],
        )
        .await
    }
}

/// The steps at which a case's notice is public: posted, past (under review), announced.
const PUBLIC_STEPS: &str = "'notice', 'township_reviewed', 'county_approved', 'announced'";

impl Db {
    /// Cases whose public notice has been posted (running, under review after it, or announced),
    /// in `area` if given: running notices first, then the newest. Public, so no scope: a notice
    /// is posted for everyone to read. With the total for paging.
    pub async fn public_notices(
        &self,
        area: Option<&AreaCode>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<CaseRow>, i64), StorageError> {
        let (lo, hi) = match area {
            Some(a) => a.descendant_range(),
            None => ("000000000000".into(), "999999999999".into()),
        };
        let filter = format!(
            "notice_from IS NOT NULL AND step IN ({PUBLIC_STEPS}) AND village_code BETWEEN $1 AND $2"
        );
        let mut conn = self.reader().await?;
        let rows = fetch_all(
            &mut conn,
            &format!(
                "{CASE_SELECT} WHERE {filter} ORDER BY CASE WHEN step = 'notice' THEN 0 ELSE 1 END, \
                 notice_from DESC, id DESC LIMIT $3 OFFSET $4"
            ),
            &[
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
            &format!("SELECT COUNT(*) AS n FROM cases WHERE {filter}"),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok((rows, total.first().map_or(0, |c| c.n)))
    }

    /// One case whose notice is public (see [`Db::public_notices`]).
    pub async fn public_notice(&self, id: i64) -> Result<Option<CaseRow>, StorageError> {
        let rows: Vec<CaseRow> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "{CASE_SELECT} WHERE id = $1 AND notice_from IS NOT NULL AND step IN ({PUBLIC_STEPS})"
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }
}
