//! Warnings and their verification events (the rules and the state machine live in
//! `fupin_core::warnings`). Every read is confined to the scope's area by the warning's
//! responsible area, as cases are.

use fupin_core::access::Scope;

use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// A warning as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct WarningRow {
    pub id: i64,
    pub rule: String,
    pub evidence_key: String,
    pub area_code: String,
    pub household_id: Option<i64>,
    pub related_household_id: Option<i64>,
    pub subject: String,
    /// JSON of `fupin_core::warnings::Evidence`.
    pub evidence: String,
    pub run_id: Option<i64>,
    pub last_run_id: Option<i64>,
    pub state: String,
    pub resolution: Option<String>,
    pub opened_at: String,
    pub last_seen_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

const WARNING_SELECT: &str = "SELECT id, rule, evidence_key, area_code, household_id, \
    related_household_id, subject, evidence, run_id, last_run_id, state, resolution, opened_at, \
    last_seen_at, updated_at, closed_at FROM warnings";

/// A warning to raise (unless its rule and evidence key are taken).
#[derive(Debug, Clone)]
pub struct NewWarning {
    pub rule: String,
    pub evidence_key: String,
    pub area_code: String,
    pub household_id: Option<i64>,
    pub related_household_id: Option<i64>,
    pub subject: String,
    pub evidence: String,
}

/// One act on a warning.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, serde::Deserialize)]
pub struct WarningEvent {
    pub at: String,
    pub actor: String,
    /// JSON of `fupin_core::warnings::Act`, or `raise`.
    pub act: String,
    pub state_after: String,
    pub note: String,
}

/// What raising a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Raised {
    /// New warnings opened.
    pub opened: u64,
    /// Found again while still open or being verified (marked as seen by this run).
    pub still_open: u64,
    /// Found again after being closed: left closed, as the evidence is the same.
    pub kept_closed: u64,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct OpenedRow {
    id: i64,
    rule: String,
    evidence_key: String,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct StateRow {
    state: String,
}

/// Rows per statement when raising: a province's run raises tens of thousands of warnings,
/// and one statement each would spend most of the time on round trips.
const RAISE_BATCH: usize = 1_000;

/// Opens each warning not raised before (with its opening event) and marks those raised before
/// as seen again; closed ones stay closed. In the caller's transaction.
pub async fn raise(
    tx: &mut Tx,
    warnings: &[NewWarning],
    run_id: Option<i64>,
    actor: &str,
    now: &str,
) -> Result<Raised, StorageError> {
    let mut raised = Raised::default();
    let note = run_id.map_or_else(|| "registry scan".into(), |r| format!("run {r}"));
    // the same evidence found twice in one batch is one warning
    let mut taken = std::collections::HashSet::new();
    let warnings: Vec<&NewWarning> = warnings
        .iter()
        .filter(|w| taken.insert((w.rule.as_str(), w.evidence_key.as_str())))
        .collect();
    for chunk in warnings.chunks(RAISE_BATCH) {
        let opened = insert_new(tx, chunk, run_id, now).await?;
        raised.opened += opened.len() as u64;
        let event = WarningEvent {
            at: now.into(),
            actor: actor.into(),
            act: "raise".into(),
            state_after: "open".into(),
            note: note.clone(),
        };
        append_events(tx, opened.iter().map(|o| o.id), &event).await?;
        let opened: std::collections::HashSet<(&str, &str)> = opened
            .iter()
            .map(|o| (o.rule.as_str(), o.evidence_key.as_str()))
            .collect();
        let mut seen_again: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for w in chunk {
            if !opened.contains(&(w.rule.as_str(), w.evidence_key.as_str())) {
                seen_again.entry(&w.rule).or_default().push(&w.evidence_key);
            }
        }
        for (rule, keys) in seen_again {
            for state in mark_seen(tx, rule, &keys, run_id, now).await? {
                match state.state.as_str() {
                    "open" | "verifying" => raised.still_open += 1,
                    _ => raised.kept_closed += 1,
                }
            }
        }
    }
    Ok(raised)
}

/// Inserts the warnings whose (rule, evidence key) is free; returns those inserted.
async fn insert_new(
    tx: &mut Tx,
    chunk: &[&NewWarning],
    run_id: Option<i64>,
    now: &str,
) -> Result<Vec<OpenedRow>, StorageError> {
    const COLUMNS: usize = 12;
    let mut sql = String::from(
        "INSERT INTO warnings (rule, evidence_key, area_code, household_id, related_household_id, \
         subject, evidence, run_id, last_run_id, opened_at, last_seen_at, updated_at, state) VALUES ",
    );
    let mut values = Vec::with_capacity(chunk.len() * COLUMNS);
    for (i, w) in chunk.iter().enumerate() {
        let params: Vec<String> = (1..=COLUMNS)
            .map(|k| format!("${}", i * COLUMNS + k))
            .collect();
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({}, 'open')", params.join(", ")));
        values.extend([
            Value::Text(w.rule.clone()),
            Value::Text(w.evidence_key.clone()),
            Value::Text(w.area_code.clone()),
            Value::OptI64(w.household_id),
            Value::OptI64(w.related_household_id),
            Value::Text(w.subject.clone()),
            Value::Text(w.evidence.clone()),
            Value::OptI64(run_id),
            Value::OptI64(run_id),
            Value::Text(now.into()),
            Value::Text(now.into()),
            Value::Text(now.into()),
        ]);
    }
    sql.push_str(" ON CONFLICT (rule, evidence_key) DO NOTHING RETURNING id, rule, evidence_key");
    fetch_all(tx, &sql, &values).await
}

/// Marks warnings of `rule` with these keys as seen again (by `run_id`, if a run); their
/// states.
async fn mark_seen(
    tx: &mut Tx,
    rule: &str,
    keys: &[&str],
    run_id: Option<i64>,
    now: &str,
) -> Result<Vec<StateRow>, StorageError> {
    let placeholders: Vec<String> = (4..keys.len() + 4).map(|k| format!("${k}")).collect();
    let sql = format!(
        "UPDATE warnings SET last_run_id = COALESCE($1, last_run_id), last_seen_at = $2 \
         WHERE rule = $3 AND evidence_key IN ({}) RETURNING state",
        placeholders.join(", ")
    );
    let mut values = vec![
        Value::OptI64(run_id),
        Value::Text(now.into()),
        Value::Text(rule.into()),
    ];
    values.extend(keys.iter().map(|k| Value::Text((*k).into())));
    let rows = fetch_all(tx, &sql, &values).await?;
    if rows.len() != keys.len() {
        return Err(StorageError::NotFound);
    }
    Ok(rows)
}

async fn append_events(
    tx: &mut Tx,
    ids: impl Iterator<Item = i64>,
    e: &WarningEvent,
) -> Result<(), StorageError> {
    let ids: Vec<i64> = ids.collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO warning_events (warning_id, at, actor, act, state_after, note) VALUES ",
    );
    let mut values = Vec::with_capacity(ids.len() * 6);
    for (i, id) in ids.iter().enumerate() {
        let n = i * 6;
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6
        ));
        values.extend([
            Value::I64(*id),
            Value::Text(e.at.clone()),
            Value::Text(e.actor.clone()),
            Value::Text(e.act.clone()),
            Value::Text(e.state_after.clone()),
            Value::Text(e.note.clone()),
        ]);
    }
    execute(tx, &sql, &values).await?;
    Ok(())
}

async fn append_event(tx: &mut Tx, warning_id: i64, e: &WarningEvent) -> Result<(), StorageError> {
    append_events(tx, std::iter::once(warning_id), e).await
}

/// What an act leaves a warning as.
#[derive(Debug, Clone)]
pub struct WarningUpdate {
    pub state: String,
    pub area_code: String,
    pub resolution: Option<String>,
    pub closed: bool,
    pub event: WarningEvent,
}

/// Records an act: the warning's new state and the event.
pub async fn record_act(tx: &mut Tx, id: i64, u: &WarningUpdate) -> Result<(), StorageError> {
    execute(
        tx,
        "UPDATE warnings SET state = $1, area_code = $2, resolution = COALESCE($3, resolution), \
         updated_at = $4, closed_at = CASE WHEN $5 THEN $6 ELSE closed_at END WHERE id = $7",
        &[
            Value::Text(u.state.clone()),
            Value::Text(u.area_code.clone()),
            Value::OptText(u.resolution.clone()),
            Value::Text(u.event.at.clone()),
            Value::Bool(u.closed),
            Value::Text(u.event.at.clone()),
            Value::I64(id),
        ],
    )
    .await?;
    append_event(tx, id, &u.event).await
}

/// The warning if its area lies in `scope`, within a transaction (locked on PostgreSQL).
pub async fn warning_for_update(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> Result<Option<WarningRow>, StorageError> {
    let lock = tx.backend().for_update();
    warning_in(tx, scope, id, lock).await
}

/// The warning if it lies in `scope`, read with `lock` (a row lock's clause, or nothing).
async fn warning_in(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    lock: &str,
) -> Result<Option<WarningRow>, StorageError> {
    let rows: Vec<WarningRow> = fetch_all(
        tx,
        &format!(
            "{WARNING_SELECT} WHERE id = $1 AND {}{lock}",
            crate::scope::within(scope, "area_code")
        ),
        &[Value::I64(id)],
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// Which warnings a list shows.
#[derive(Debug, Clone, Default)]
pub struct WarningFilter {
    pub rule: Option<String>,
    pub state: Option<String>,
    /// Only open and being verified.
    pub unresolved: bool,
    /// Narrower than the scope: an area inside it.
    pub area: Option<fupin_core::AreaCode>,
}

/// Warnings per responsible area, state and opening day, for counts and ageing.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct WarningTally {
    pub area_code: String,
    pub rule: String,
    pub state: String,
    pub opened_on: String,
    pub n: i64,
}

impl Db {
    /// A warning inside `scope`'s area.
    pub async fn warning(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<WarningRow>, StorageError> {
        // no row lock: a reader cannot take one (PostgreSQL's `READ ONLY`), nor needs to
        warning_in(&mut self.reader().await?, scope, id, "").await
    }

    /// The events of a warning inside `scope` (none for one outside it).
    pub async fn warning_events(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<WarningEvent>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT at, actor, act, state_after, note FROM warning_events WHERE warning_id = $1 \
                 AND warning_id IN (SELECT id FROM warnings WHERE {}) ORDER BY id",
                crate::scope::within(scope, "area_code")
            ),
            &[Value::I64(id)],
        )
        .await
    }

    /// Warnings inside `scope`'s area matching `filter`, unresolved first, oldest first (the
    /// longest waiting need a person most); with the total for paging.
    pub async fn warnings_within(
        &self,
        scope: &Scope,
        filter: &WarningFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<WarningRow>, i64), StorageError> {
        let mut conditions = vec![crate::scope::within(scope, "area_code")];
        let mut values = Vec::new();
        if let Some(rule) = &filter.rule {
            values.push(Value::Text(rule.clone()));
            conditions.push(format!("rule = ${}", values.len()));
        }
        if let Some(state) = &filter.state {
            values.push(Value::Text(state.clone()));
            conditions.push(format!("state = ${}", values.len()));
        }
        if filter.unresolved {
            conditions.push("state IN ('open', 'verifying')".into());
        }
        if let Some(area) = &filter.area {
            let (lo, hi) = area.descendant_range();
            values.push(Value::Text(lo));
            values.push(Value::Text(hi));
            conditions.push(format!(
                "area_code BETWEEN ${} AND ${}",
                values.len() - 1,
                values.len()
            ));
        }
        let filter_sql = conditions.join(" AND ");
        let mut conn = self.reader().await?;
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Count {
            n: i64,
        }
        let total: Vec<Count> = fetch_all(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM warnings WHERE {filter_sql}"),
            &values,
        )
        .await?;
        let n = values.len();
        values.push(Value::I64(limit));
        values.push(Value::I64(offset));
        let rows = fetch_all(
            &mut conn,
            &format!(
                "{WARNING_SELECT} WHERE {filter_sql} ORDER BY CASE WHEN state IN ('open', 'verifying') \
                 THEN 0 ELSE 1 END, opened_at, id LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            &values,
        )
        .await?;
        Ok((rows, total.first().map_or(0, |c| c.n)))
    }

    /// The warnings about one household (as the household or the other one of a duplicate).
    pub async fn household_warnings(
        &self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<WarningRow>, StorageError> {
        self.reader()
            .await?
            .household_warnings(scope, household_id)
            .await
    }

    /// Counts by responsible area, rule, state and opening day inside `scope`.
    pub async fn warning_tallies(&self, scope: &Scope) -> Result<Vec<WarningTally>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT area_code, rule, state, SUBSTR(opened_at, 1, 10) AS opened_on, COUNT(*) AS n \
                 FROM warnings WHERE {} GROUP BY area_code, rule, state, SUBSTR(opened_at, 1, 10)",
                crate::scope::within(scope, "area_code")
            ),
            &[],
        )
        .await
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::household_warnings`] inside this transaction.
    pub async fn household_warnings(
        &mut self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<WarningRow>, StorageError> {
        fetch_all(
            self,
            &format!(
                "{WARNING_SELECT} WHERE (household_id = $1 OR related_household_id = $2) AND {} \
                 ORDER BY id DESC",
                crate::scope::within(scope, "area_code")
            ),
            &[Value::I64(household_id), Value::I64(household_id)],
        )
        .await
    }
}
