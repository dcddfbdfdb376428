//! Department lists and comparison runs: sources with their column mappings, dated snapshots of
//! the lists, their records, the runs and each record's link. Records and members are read in
//! pages for a run, converted on the fly by the caller (a province is millions of rows).
//!
//! A source belongs to an area (`area_code`, `''` for the whole installation): it is read only
//! within that area's subtree and above (`scope::owned`), and its name is unique per owner.

use fupin_core::AreaCode;
use fupin_core::access::Scope;

use crate::bulk::{insert_rows, read_rows};
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// Rows read per page when a run reads members or records.
const PAGE: i64 = 250_000;
/// Rows written per insert batch.
const WRITE_BATCH: usize = 50_000;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SourceRow {
    pub id: i64,
    /// The owning area's code; `''`: the whole installation (the operator's lists).
    pub area_code: String,
    pub name: String,
    pub kind: String,
    pub mapping: String,
    pub created_at: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct SnapshotRow {
    pub id: i64,
    pub source_id: i64,
    pub as_of: String,
    pub file_name: String,
    pub sha256: String,
    pub records: i64,
    pub imported_by: String,
    pub imported_at: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RunRow {
    pub id: i64,
    pub snapshot_id: i64,
    pub area_code: String,
    pub settings: String,
    pub model: Option<String>,
    pub stats: Option<String>,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// A run as the console lists it: with its list's source and snapshot.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RunListing {
    pub id: i64,
    pub source: String,
    pub kind: String,
    pub snapshot_id: i64,
    pub as_of: String,
    pub file_name: String,
    pub records: i64,
    pub area_code: String,
    pub settings: String,
    pub stats: Option<String>,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// Warnings a run raised or saw again, by rule and state.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct RunWarningCount {
    pub rule: String,
    pub state: String,
    /// Seen by this run.
    pub seen: i64,
    /// Of those, opened by it (the others were raised by an earlier run).
    pub opened: i64,
}

const RUN_LISTING: &str = "SELECT r.id, s.name AS source, s.kind, r.snapshot_id, n.as_of, n.file_name, \
     n.records, r.area_code, r.settings, r.stats, r.started_by, r.started_at, r.finished_at \
     FROM comparison_runs r JOIN department_snapshots n ON n.id = r.snapshot_id \
     JOIN department_sources s ON s.id = n.source_id";

/// A member as linkage reads it (borrowed from the row being stepped).
pub struct MemberView<'a> {
    pub member_id: i64,
    pub household_id: i64,
    pub name: &'a str,
    pub id_number: &'a str,
    pub sex: &'a str,
    pub birth_date: &'a str,
}

/// A department record as stored (borrowed from the row being stepped).
pub struct RecordView<'a> {
    pub row_no: i64,
    pub record_key: &'a str,
    pub id_number: &'a str,
    pub name: &'a str,
    pub sex: Option<&'a str>,
    pub birth_date: Option<&'a str>,
    pub place: &'a str,
    pub event_date: Option<&'a str>,
    pub amount: Option<i64>,
    pub detail: &'a str,
}

/// A record to store.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub row_no: i64,
    pub record_key: String,
    pub id_number: String,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub place: String,
    pub event_date: Option<String>,
    pub amount: Option<i64>,
    pub detail: String,
}

/// A record's link to store.
#[derive(Debug, Clone, Copy)]
pub struct NewLink {
    pub row_no: i64,
    pub member_id: i64,
    pub household_id: i64,
    pub runner_up: Option<i64>,
    pub pattern: i32,
    pub bits: f64,
    pub probability: f64,
    pub decision: i32,
    pub method: i32,
}

/// A link as exported: the record's key, the member's ID number, name and household number.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportedLink {
    pub row_no: i64,
    pub record_key: String,
    pub record_id_number: String,
    pub record_name: String,
    pub member_id_number: Option<String>,
    pub member_name: Option<String>,
    pub household_number: Option<String>,
    pub pattern: Option<i32>,
    pub bits: Option<f64>,
    pub probability: Option<f64>,
    pub decision: Option<i32>,
    pub method: Option<i32>,
}

const RECORD_COLUMNS: [&str; 11] = [
    "snapshot_id",
    "row_no",
    "record_key",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "place",
    "event_date",
    "amount",
    "detail",
];

const LINK_COLUMNS: [&str; 10] = [
    "run_id",
    "row_no",
    "member_id",
    "household_id",
    "runner_up",
    "pattern",
    "bits",
    "probability",
    "decision",
    "method",
];

const SOURCE_COLUMNS: &str = "id, area_code, name, kind, mapping, created_at";

/// The source of `owner` (`''`: the whole installation) named `name`, created with `kind` and
/// `mapping` if new; an existing source keeps its kind and gets the mapping given (a source's
/// latest mapping is the one it reads with).
pub async fn upsert_source(
    tx: &mut Tx,
    owner: &str,
    name: &str,
    kind: &str,
    mapping: &str,
    now: &str,
) -> Result<SourceRow, StorageError> {
    execute(
        tx,
        "INSERT INTO department_sources (area_code, name, kind, mapping, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (area_code, name) DO UPDATE SET mapping = excluded.mapping",
        &[
            Value::Text(owner.into()),
            Value::Text(name.into()),
            Value::Text(kind.into()),
            Value::Text(mapping.into()),
            Value::Text(now.into()),
        ],
    )
    .await?;
    let mut rows: Vec<SourceRow> = fetch_all(
        tx,
        &format!(
            "SELECT {SOURCE_COLUMNS} FROM department_sources WHERE area_code = $1 AND name = $2"
        ),
        &[Value::Text(owner.into()), Value::Text(name.into())],
    )
    .await?;
    rows.pop().ok_or(StorageError::NotFound)
}

/// Stores a snapshot unless the source already has this very file; returns its id and whether
/// it is new.
#[allow(clippy::too_many_arguments)]
pub async fn insert_snapshot(
    tx: &mut Tx,
    source_id: i64,
    as_of: &str,
    file_name: &str,
    sha256: &str,
    records: i64,
    imported_by: &str,
    now: &str,
) -> Result<(i64, bool), StorageError> {
    let added = execute(
        tx,
        "INSERT INTO department_snapshots (source_id, as_of, file_name, sha256, records, \
         imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (source_id, sha256) DO NOTHING",
        &[
            Value::I64(source_id),
            Value::Text(as_of.into()),
            Value::Text(file_name.into()),
            Value::Text(sha256.into()),
            Value::I64(records),
            Value::Text(imported_by.into()),
            Value::Text(now.into()),
        ],
    )
    .await?;
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Id {
        id: i64,
    }
    let ids: Vec<Id> = fetch_all(
        tx,
        "SELECT id FROM department_snapshots WHERE source_id = $1 AND sha256 = $2",
        &[Value::I64(source_id), Value::Text(sha256.into())],
    )
    .await?;
    Ok((ids.first().ok_or(StorageError::NotFound)?.id, added == 1))
}

pub async fn insert_records(
    tx: &mut Tx,
    snapshot_id: i64,
    records: impl IntoIterator<Item = NewRecord>,
) -> Result<(), StorageError> {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    for r in records {
        batch.push(vec![
            Value::I64(snapshot_id),
            Value::I64(r.row_no),
            Value::Text(r.record_key),
            Value::Text(r.id_number),
            Value::Text(r.name),
            Value::OptText(r.sex),
            Value::OptText(r.birth_date),
            Value::Text(r.place),
            Value::OptText(r.event_date),
            Value::OptI64(r.amount),
            Value::Text(r.detail),
        ]);
        if batch.len() == WRITE_BATCH {
            insert_rows(
                tx,
                "department_records",
                &RECORD_COLUMNS,
                std::mem::take(&mut batch),
            )
            .await?;
        }
    }
    insert_rows(tx, "department_records", &RECORD_COLUMNS, batch).await?;
    refresh_statistics(tx, "department_records").await
}

/// On PostgreSQL, the planner's statistics of a table a bulk load has just grown: without
/// them it estimated a 3M-row run's links as a few thousand and read a run's links back with
/// a nested loop over all of them, page after page (minutes). SQLite plans by its indexes.
async fn refresh_statistics(tx: &mut Tx, table: &'static str) -> Result<(), StorageError> {
    tx.analyze(table).await
}

pub async fn insert_run(
    tx: &mut Tx,
    snapshot_id: i64,
    area_code: &str,
    settings: &str,
    started_by: &str,
    now: &str,
) -> Result<i64, StorageError> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Id {
        id: i64,
    }
    let ids: Vec<Id> = fetch_all(
        tx,
        "INSERT INTO comparison_runs (snapshot_id, area_code, settings, started_by, started_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[
            Value::I64(snapshot_id),
            Value::Text(area_code.into()),
            Value::Text(settings.into()),
            Value::Text(started_by.into()),
            Value::Text(now.into()),
        ],
    )
    .await?;
    Ok(ids.first().ok_or(StorageError::NotFound)?.id)
}

pub async fn insert_links(
    tx: &mut Tx,
    run_id: i64,
    links: impl IntoIterator<Item = NewLink>,
) -> Result<(), StorageError> {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    for l in links {
        batch.push(vec![
            Value::I64(run_id),
            Value::I64(l.row_no),
            Value::I64(l.member_id),
            Value::I64(l.household_id),
            Value::OptI64(l.runner_up),
            Value::I32(l.pattern),
            Value::F64(l.bits),
            Value::F64(l.probability),
            Value::I32(l.decision),
            Value::I32(l.method),
        ]);
        if batch.len() == WRITE_BATCH {
            insert_rows(
                tx,
                "record_links",
                &LINK_COLUMNS,
                std::mem::take(&mut batch),
            )
            .await?;
        }
    }
    insert_rows(tx, "record_links", &LINK_COLUMNS, batch).await?;
    refresh_statistics(tx, "record_links").await
}

pub async fn finish_run(
    tx: &mut Tx,
    run_id: i64,
    model: &str,
    stats: &str,
    now: &str,
) -> Result<(), StorageError> {
    execute(
        tx,
        "UPDATE comparison_runs SET model = $1, stats = $2, finished_at = $3 WHERE id = $4",
        &[
            Value::Text(model.into()),
            Value::Text(stats.into()),
            Value::Text(now.into()),
            Value::I64(run_id),
        ],
    )
    .await?;
    Ok(())
}

impl Db {
    /// The source of `owner` (`''`: the whole installation) named `name`.
    pub async fn department_source(
        &self,
        owner: &str,
        name: &str,
    ) -> Result<Option<SourceRow>, StorageError> {
        let mut rows: Vec<SourceRow> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT {SOURCE_COLUMNS} FROM department_sources WHERE area_code = $1 AND name = $2"
            ),
            &[Value::Text(owner.into()), Value::Text(name.into())],
        )
        .await?;
        Ok(rows.pop())
    }

    /// Every source named `name`, whoever owns it (for the operator, who sees everything).
    pub async fn department_sources_named(
        &self,
        name: &str,
    ) -> Result<Vec<SourceRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT {SOURCE_COLUMNS} FROM department_sources WHERE name = $1 ORDER BY area_code"
            ),
            &[Value::Text(name.into())],
        )
        .await
    }

    /// The sources `scope` may see and use: owned within its subtree or above it.
    pub async fn department_sources(&self, scope: &Scope) -> Result<Vec<SourceRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT {SOURCE_COLUMNS} FROM department_sources WHERE {} ORDER BY name, area_code",
                crate::scope::owned(scope, "area_code")
            ),
            &[],
        )
        .await
    }

    /// Source `id` if `scope` may see and use it (else as if there were none).
    pub async fn department_source_within(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<SourceRow>, StorageError> {
        let mut rows: Vec<SourceRow> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT {SOURCE_COLUMNS} FROM department_sources WHERE id = $1 AND {}",
                crate::scope::owned(scope, "area_code")
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.pop())
    }

    /// A source's snapshots, newest first.
    pub async fn snapshots_of(&self, source_id: i64) -> Result<Vec<SnapshotRow>, StorageError> {
        let mut tx = self.reader().await?;
        fetch_all(
            &mut tx,
            "SELECT id, source_id, as_of, file_name, sha256, records, imported_by, imported_at \
             FROM department_snapshots WHERE source_id = $1 ORDER BY as_of DESC, id DESC",
            &[Value::I64(source_id)],
        )
        .await
    }

    /// A snapshot with the source it belongs to.
    pub async fn snapshot_with_source(
        &self,
        snapshot_id: i64,
    ) -> Result<Option<(SnapshotRow, SourceRow)>, StorageError> {
        let mut tx = self.reader().await?;
        let snapshot: Option<SnapshotRow> = fetch_all(
            &mut tx,
            "SELECT id, source_id, as_of, file_name, sha256, records, imported_by, imported_at \
             FROM department_snapshots WHERE id = $1",
            &[Value::I64(snapshot_id)],
        )
        .await?
        .pop();
        let Some(snapshot) = snapshot else {
            return Ok(None);
        };
        let source: Option<SourceRow> = fetch_all(
            &mut tx,
            &format!("SELECT {SOURCE_COLUMNS} FROM department_sources WHERE id = $1"),
            &[Value::I64(snapshot.source_id)],
        )
        .await?
        .pop();
        Ok(source.map(|s| (snapshot, s)))
    }

    pub async fn comparison_run(&self, id: i64) -> Result<Option<RunRow>, StorageError> {
        let mut tx = self.reader().await?;
        let mut rows: Vec<RunRow> = fetch_all(
            &mut tx,
            "SELECT id, snapshot_id, area_code, settings, model, stats, started_by, started_at, finished_at \
             FROM comparison_runs WHERE id = $1",
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.pop())
    }

    /// The latest runs whose area lies inside `scope` (a run over everything only for a scope
    /// over everything) and whose list `scope` may see, newest first.
    pub async fn runs_within(
        &self,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<RunListing>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{RUN_LISTING} WHERE {} AND {} ORDER BY r.id DESC LIMIT $1",
                crate::scope::within(scope, "r.area_code"),
                crate::scope::owned(scope, "s.area_code")
            ),
            &[Value::I64(limit)],
        )
        .await
    }

    /// One run inside `scope`, over a list `scope` may see.
    pub async fn run_within(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<RunListing>, StorageError> {
        let mut rows: Vec<RunListing> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "{RUN_LISTING} WHERE r.id = $1 AND {} AND {}",
                crate::scope::within(scope, "r.area_code"),
                crate::scope::owned(scope, "s.area_code")
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.pop())
    }

    /// The warnings run `id` last saw, inside `scope`, by rule and state.
    pub async fn run_warning_counts(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<RunWarningCount>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT rule, state, COUNT(*) AS seen, \
                 SUM(CASE WHEN run_id = $1 THEN 1 ELSE 0 END) AS opened FROM warnings \
                 WHERE last_run_id = $1 AND {} GROUP BY rule, state ORDER BY rule, state",
                crate::scope::within(scope, "area_code")
            ),
            &[Value::I64(id)],
        )
        .await
    }

    /// The latest finished run.
    pub async fn latest_run(&self) -> Result<Option<RunRow>, StorageError> {
        let mut tx = self.reader().await?;
        let mut rows: Vec<RunRow> = fetch_all(
            &mut tx,
            "SELECT id, snapshot_id, area_code, settings, model, stats, started_by, started_at, finished_at \
             FROM comparison_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await?;
        Ok(rows.pop())
    }

    /// The village code of every household within `area` (all with `None`), by household id.
    pub async fn household_villages(
        &self,
        area: Option<&AreaCode>,
    ) -> Result<Vec<(i64, String)>, StorageError> {
        let (lo, hi) = match area {
            Some(a) => a.descendant_range(),
            None => ("000000000000".into(), "999999999999".into()),
        };
        let mut tx = self.reader().await?;
        read_rows(
            &mut tx,
            "SELECT id, village_code FROM households WHERE village_code BETWEEN $1 AND $2 ORDER BY id",
            &[Value::Text(lo), Value::Text(hi)],
            |c| Ok((c.int(0)?, c.text(1)?.to_string())),
        )
        .await
    }

    /// The largest member id and the largest row number of a snapshot: where readers working
    /// side by side split their ranges.
    pub async fn linkage_extent(&self, snapshot_id: i64) -> Result<(i64, i64), StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Extent {
            members: i64,
            rows: i64,
        }
        let mut tx = self.reader().await?;
        let e: Vec<Extent> = fetch_all(
            &mut tx,
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM members) AS members, \
             (SELECT COALESCE(MAX(row_no), 0) FROM department_records WHERE snapshot_id = $1) AS rows",
            &[Value::I64(snapshot_id)],
        )
        .await?;
        Ok(e.first().map_or((0, 0), |e| (e.members, e.rows)))
    }

    /// The members whose id lies in `first..=last`, converted by `convert`, a page at a time
    /// in id order.
    pub async fn linkage_members<T>(
        &self,
        (first, last): (i64, i64),
        convert: impl Fn(MemberView<'_>) -> T,
    ) -> Result<Vec<T>, StorageError> {
        let mut tx = self.reader().await?;
        let mut out = Vec::new();
        let mut after = first - 1;
        loop {
            let query = "SELECT id, household_id, name, id_number, sex, birth_date FROM members \
                         WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3";
            let page: Vec<(i64, T)> = read_rows(
                &mut tx,
                query,
                &[Value::I64(after), Value::I64(last), Value::I64(PAGE)],
                |c| {
                    let id = c.int(0)?;
                    Ok((
                        id,
                        convert(MemberView {
                            member_id: id,
                            household_id: c.int(1)?,
                            name: c.text(2)?,
                            id_number: c.text(3)?,
                            sex: c.text(4)?,
                            birth_date: c.text(5)?,
                        }),
                    ))
                },
            )
            .await?;
            let Some(&(last, _)) = page.last() else { break };
            after = last;
            out.extend(page.into_iter().map(|(_, t)| t));
        }
        Ok(out)
    }

    /// The records of a snapshot whose row number lies in `first..=last`, converted by
    /// `convert`, a page at a time in row order.
    pub async fn snapshot_records<T>(
        &self,
        snapshot_id: i64,
        (first, last): (i64, i64),
        convert: impl Fn(RecordView<'_>) -> T,
    ) -> Result<Vec<T>, StorageError> {
        let mut tx = self.reader().await?;
        let mut out = Vec::new();
        let mut after = first - 1;
        loop {
            let query = "SELECT row_no, record_key, id_number, name, sex, birth_date, place, \
                         event_date, amount, detail FROM department_records \
                         WHERE snapshot_id = $1 AND row_no > $2 AND row_no <= $3 ORDER BY row_no LIMIT $4";
            let page: Vec<(i64, T)> = read_rows(
                &mut tx,
                query,
                &[
                    Value::I64(snapshot_id),
                    Value::I64(after),
                    Value::I64(last),
                    Value::I64(PAGE),
                ],
                |c| {
                    let row_no = c.int(0)?;
                    Ok((
                        row_no,
                        convert(RecordView {
                            row_no,
                            record_key: c.text(1)?,
                            id_number: c.text(2)?,
                            name: c.text(3)?,
                            sex: c.opt_text(4)?,
                            birth_date: c.opt_text(5)?,
                            place: c.text(6)?,
                            event_date: c.opt_text(7)?,
                            amount: c.opt_int(8)?,
                            detail: c.text(9)?,
                        }),
                    ))
                },
            )
            .await?;
            let Some(&(last, _)) = page.last() else { break };
            after = last;
            out.extend(page.into_iter().map(|(_, t)| t));
        }
        Ok(out)
    }

    /// Every record of a run's snapshot with its link (if any), in row order, a page at a time.
    pub async fn export_links(
        &self,
        run: &RunRow,
        each: &mut (dyn FnMut(Vec<ExportedLink>) -> Result<(), StorageError> + Send),
    ) -> Result<u64, StorageError> {
        let mut tx = self.reader().await?;
        let mut after = -1i64;
        let mut n = 0;
        loop {
            let page: Vec<ExportedLink> = fetch_all(
                &mut tx,
                "SELECT r.row_no, r.record_key, r.id_number AS record_id_number, r.name AS record_name, \
                 m.id_number AS member_id_number, m.name AS member_name, h.number AS household_number, \
                 l.pattern, l.bits, l.probability, l.decision, l.method \
                 FROM department_records r \
                 LEFT JOIN record_links l ON l.run_id = $1 AND l.row_no = r.row_no \
                 LEFT JOIN members m ON m.id = l.member_id \
                 LEFT JOIN households h ON h.id = l.household_id \
                 WHERE r.snapshot_id = $2 AND r.row_no > $3 ORDER BY r.row_no LIMIT $4",
                &[
                    Value::I64(run.id),
                    Value::I64(run.snapshot_id),
                    Value::I64(after),
                    Value::I64(PAGE / 5),
                ],
            )
            .await?;
            let Some(last) = page.last().map(|l| l.row_no) else {
                break;
            };
            after = last;
            n += page.len() as u64;
            each(page)?;
        }
        Ok(n)
    }
}
