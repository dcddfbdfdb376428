//! [`RegistryWriter`]: every write to the registry, in one transaction, each change logged in
//! `change_log` (who, when, what old → new, why) with it.

use std::collections::HashMap;

use fupin_core::access::Scope;
use fupin_core::record::FieldChange;
use fupin_core::{Household, IncomeYear, StatusYear};

use super::{ChangeEntry, Count, INCOME_SELECT, Stored, load_where, now_utc};
use crate::bulk::{insert_rows, upsert_rows};
use crate::rows::*;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, NewAuditEntry, StorageError, Tx, scope};

/// Largest `IN (…)` list sent in one statement.
const IN_CHUNK: usize = 900;

/// Runs `sql` (whose `{in}` is replaced by a placeholder list) once per chunk of `keys`, so that
/// long key lists stay within every backend's bind limit, and gathers the rows.
async fn fetch_in<T: crate::sql::AnyRow>(
    tx: &mut Tx,
    sql: &str,
    keys: &[&str],
) -> Result<Vec<T>, StorageError> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(IN_CHUNK) {
        let args: Vec<Value> = chunk.iter().map(|k| Value::Text(k.to_string())).collect();
        let sql = sql.replace("{in}", &placeholders(args.len()));
        out.extend(fetch_all::<T>(tx, &sql, &args).await?);
    }
    Ok(out)
}

/// New yearly rows of one household (status, income) and what they change.
pub type YearsUpdate = (i64, Vec<StatusYear>, Vec<IncomeYear>, Vec<FieldChange>);

/// Who is writing and why; stamped on every change record.
#[derive(Debug, Clone)]
pub struct WriteContext {
    pub actor: String,
    pub reason: String,
    pub import_run: Option<i64>,
}

/// Outcome counts of an import run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub invalid: i64,
}

/// A write transaction over the registry. Nothing is visible to others until [`commit`];
/// dropping it rolls everything back.
///
/// [`commit`]: RegistryWriter::commit
pub struct RegistryWriter {
    tx: Tx,
    now: String,
    next_id: Option<i64>,
    /// Indexes and constraints dropped for a bulk load, re-created at commit.
    deferred: Option<crate::deferred::Deferred>,
    /// Villages whose figures are refreshed at commit.
    touched: crate::figures::Touched,
    /// The ids of the households created (lowest, highest) and by whom: they get their card's
    /// code at commit, so that no page view ever has to write one.
    created: Option<(i64, i64, String)>,
    /// Search index entries of the households created, written in the indexes' order at commit.
    search: crate::search_index::Pending,
}

impl RegistryWriter {
    pub async fn begin(db: &Db) -> Result<Self, StorageError> {
        Ok(Self {
            tx: db.begin().await?,
            now: now_utc(),
            next_id: None,
            deferred: None,
            touched: Default::default(),
            created: None,
            search: Default::default(),
        })
    }

    pub fn now(&self) -> &str {
        &self.now
    }

    /// The transaction, for writes that must commit with the registry's (an audit entry).
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Whether the registry holds no household yet (seen inside this transaction).
    pub async fn registry_is_empty(&mut self) -> Result<bool, StorageError> {
        let rows: Vec<Count> = fetch_all(
            &mut self.tx,
            "SELECT COUNT(*) AS n FROM (SELECT id FROM households LIMIT 1) AS any_household",
            &[],
        )
        .await?;
        Ok(rows.first().is_none_or(|c| c.n == 0))
    }

    /// Records the start of an import run; returns its id. The file's fingerprint comes with
    /// [`finish_run`](Self::finish_run), so that it can be computed while the file is read.
    pub async fn start_run(
        &mut self,
        kind: &str,
        file_name: &str,
        actor: &str,
        mode: &str,
    ) -> Result<i64, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Id {
            id: i64,
        }
        let rows: Vec<Id> = fetch_all(
            &mut self.tx,
            "INSERT INTO import_runs (kind, file_name, file_sha256, actor, mode, started_at, outcome, \
             rows_read, households_created, households_updated, households_unchanged, households_invalid) \
             VALUES ($1, $2, '', $3, $4, $5, 'running', 0, 0, 0, 0, 0) RETURNING id",
            &[
                Value::Text(kind.into()),
                Value::Text(file_name.into()),
                Value::Text(actor.into()),
                Value::Text(mode.into()),
                Value::Text(self.now.clone()),
            ],
        )
        .await?;
        rows.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }

    pub async fn finish_run(
        &mut self,
        run: i64,
        file_sha256: &str,
        outcome: &str,
        c: RunCounts,
    ) -> Result<(), StorageError> {
        execute(
            &mut self.tx,
            "UPDATE import_runs SET finished_at = $1, outcome = $2, rows_read = $3, households_created = $4, \
             households_updated = $5, households_unchanged = $6, households_invalid = $7, file_sha256 = $8 \
             WHERE id = $9",
            &[
                Value::Text(now_utc()),
                Value::Text(outcome.into()),
                Value::I64(c.rows_read),
                Value::I64(c.created),
                Value::I64(c.updated),
                Value::I64(c.unchanged),
                Value::I64(c.invalid),
                Value::Text(file_sha256.into()),
                Value::I64(run),
            ],
        )
        .await?;
        Ok(())
    }

    /// Stored households with these numbers (members and sheet-year income attached).
    pub async fn existing(
        &mut self,
        numbers: &[&str],
    ) -> Result<HashMap<String, Stored>, StorageError> {
        let mut out = HashMap::new();
        for chunk in numbers.chunks(IN_CHUNK) {
            let args: Vec<Value> = chunk.iter().map(|n| Value::Text(n.to_string())).collect();
            let filter = format!("number IN ({})", placeholders(args.len()));
            for s in load_where(&mut self.tx, &filter, &args).await? {
                out.insert(s.household.number.clone(), s);
            }
        }
        Ok(out)
    }

    /// A household `scope` reaches, with its version, held against other writers until this
    /// transaction ends (SQLite's writer holds the database; PostgreSQL locks the row).
    pub async fn household_for_edit(
        &mut self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<(Stored, i64)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Version {
            version: i64,
        }
        let lock = self.tx.backend().for_update();
        let rows: Vec<Version> = fetch_all(
            &mut self.tx,
            &format!(
                "SELECT version FROM households WHERE id = $1 AND {}{lock}",
                scope::households(scope, "")
            ),
            &[Value::I64(id)],
        )
        .await?;
        let Some(version) = rows.first().map(|r| r.version) else {
            return Ok(None);
        };
        let stored = load_where(&mut self.tx, "id = $1", &[Value::I64(id)]).await?;
        Ok(stored.into_iter().next().map(|s| (s, version)))
    }

    /// The last change-log entry of a household (who changed it last, when).
    pub async fn last_change(&mut self, id: i64) -> Result<Option<ChangeEntry>, StorageError> {
        let rows: Vec<ChangeEntry> = fetch_all(
            &mut self.tx,
            "SELECT at, actor, action, diff, reason FROM change_log WHERE household_id = $1 \
             ORDER BY id DESC LIMIT 1",
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Ids of the stored households with these numbers.
    pub async fn ids_of(&mut self, numbers: &[&str]) -> Result<HashMap<String, i64>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Num {
            id: i64,
            number: String,
        }
        let rows: Vec<Num> = fetch_in(
            &mut self.tx,
            "SELECT id, number FROM households WHERE number IN ({in})",
            numbers,
        )
        .await?;
        Ok(rows.into_iter().map(|r| (r.number, r.id)).collect())
    }

    /// The id of the household numbered `number`, if `scope` reaches it (outside: as if none).
    pub async fn id_within(
        &mut self,
        scope: &Scope,
        number: &str,
    ) -> Result<Option<i64>, StorageError> {
        let rows: Vec<Count> = fetch_all(
            &mut self.tx,
            &format!(
                "SELECT id AS n FROM households WHERE number = $1 AND {}",
                scope::households(scope, "")
            ),
            &[Value::Text(number.into())],
        )
        .await?;
        Ok(rows.first().map(|c| c.n))
    }

    /// For ID numbers already registered, the household that holds each: its number when
    /// `scope` reaches it, `None` when it lies outside (where is not the editor's to know).
    pub async fn id_owners_within(
        &mut self,
        scope: &Scope,
        ids: &[&str],
    ) -> Result<HashMap<String, Option<String>>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Owner {
            id_number: String,
            number: String,
            within: i32,
        }
        let rows: Vec<Owner> = fetch_in(
            &mut self.tx,
            &format!(
                "SELECT m.id_number, h.number, CASE WHEN {} THEN 1 ELSE 0 END AS within \
                 FROM members m JOIN households h ON h.id = m.household_id \
                 WHERE m.id_number IN ({{in}})",
                scope::households(scope, "h.")
            ),
            ids,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|o| (o.id_number, (o.within == 1).then_some(o.number)))
            .collect())
    }

    /// For ID numbers already registered, the number of the household that holds each.
    pub async fn id_owners(
        &mut self,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Owner {
            id_number: String,
            number: String,
        }
        let rows: Vec<Owner> = fetch_in(
            &mut self.tx,
            "SELECT m.id_number, h.number FROM members m JOIN households h ON h.id = m.household_id \
             WHERE m.id_number IN ({in})",
            ids,
        )
        .await?;
        Ok(rows.into_iter().map(|o| (o.id_number, o.number)).collect())
    }

    /// Reserves `n` household ids (`Tx::reserve_ids`: the households' sequence on PostgreSQL,
    /// after `MAX(id)` under the writer's lock on SQLite).
    async fn allocate_ids(&mut self, n: usize) -> Result<Vec<i64>, StorageError> {
        self.tx
            .reserve_ids("households", n, &mut self.next_id)
            .await
    }

    /// Inserts new households (with members, sheet-year income and a status snapshot) in bulk.
    pub async fn create(
        &mut self,
        batch: &[(Household, StatusYear)],
        ctx: &WriteContext,
    ) -> Result<Vec<i64>, StorageError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.allocate_ids(batch.len()).await?;
        let (first, last) = (ids[0], ids[ids.len() - 1]);
        self.created = Some(match self.created.take() {
            Some((lo, hi, by)) => (lo.min(first), hi.max(last), by),
            None => (first, last, ctx.actor.clone()),
        });
        let mut households = Vec::with_capacity(batch.len());
        let mut members = Vec::with_capacity(batch.len() * 4);
        let mut incomes = Vec::new();
        let mut statuses = Vec::with_capacity(batch.len());
        let mut log = Vec::with_capacity(batch.len());
        for ((h, status), &id) in batch.iter().zip(&ids) {
            self.search.add_household(id, h);
            households.push(household_values(id, h, &self.now));
            members.extend(
                h.members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| member_values(id, i + 1, m)),
            );
            if let Some(inc) = &h.income {
                incomes.push(income_values(id, inc));
            }
            statuses.push(status_values(id, status));
            log.push(self.change_row(id, "create", "[]", ctx));
            self.touched.village(h.village_code.as_str());
        }
        insert_rows(&mut self.tx, "households", HOUSEHOLD_COLUMNS, households).await?;
        insert_rows(&mut self.tx, "members", MEMBER_COLUMNS, members).await?;
        insert_rows(&mut self.tx, "household_incomes", INCOME_COLUMNS, incomes).await?;
        insert_rows(
            &mut self.tx,
            "household_status_years",
            STATUS_COLUMNS,
            statuses,
        )
        .await?;
        insert_rows(&mut self.tx, "change_log", CHANGE_COLUMNS, log).await?;
        Ok(ids)
    }

    /// Replaces a stored household by a new version and logs the differences.
    pub async fn update(
        &mut self,
        id: i64,
        new: &Household,
        status: &StatusYear,
        changes: &[FieldChange],
        ctx: &WriteContext,
    ) -> Result<(), StorageError> {
        // the village it may leave loses it from its figures
        for old in crate::figures::villages_of(&mut self.tx, &[id]).await? {
            self.touched.village(&old);
        }
        self.touched.village(new.village_code.as_str());
        let mut values = household_values(id, new, &self.now);
        values.remove(
            HOUSEHOLD_COLUMNS
                .iter()
                .position(|c| *c == "created_at")
                .expect("column"),
        );
        let id_value = values.remove(0);
        let sets: Vec<String> = HOUSEHOLD_COLUMNS
            .iter()
            .filter(|c| **c != "id" && **c != "created_at")
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE households SET {}, version = version + 1 WHERE id = ${}",
            sets.join(", "),
            values.len() + 1
        );
        values.push(id_value);
        execute(&mut self.tx, &sql, &values).await?;
        // its helper's pairing is counted in the village it is in
        execute(
            &mut self.tx,
            "UPDATE pairings SET village_code = $1 WHERE household_id = $2 AND ended_on IS NULL \
             AND village_code <> $1",
            &[Value::Text(new.village_code.to_string()), Value::I64(id)],
        )
        .await?;
        // members are keyed by ID number; the sheet's version replaces the stored one, and
        // the former members say which search index entries go (those pending are written
        // first: the household may have been created in this transaction)
        self.search.write(&mut self.tx).await?;
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Former {
            name: String,
            id_number: String,
        }
        let former: Vec<(String, String)> = fetch_all::<Former>(
            &mut self.tx,
            "DELETE FROM members WHERE household_id = $1 RETURNING name, id_number",
            &[Value::I64(id)],
        )
        .await?
        .into_iter()
        .map(|f| (f.name, f.id_number))
        .collect();
        let members: Vec<Vec<Value>> = new
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| member_values(id, i + 1, m))
            .collect();
        insert_rows(&mut self.tx, "members", MEMBER_COLUMNS, members).await?;
        crate::search_index::replace(&mut self.tx, id, &former, new).await?;
        if let Some(inc) = &new.income {
            self.upsert_income(id, inc).await?;
        }
        self.upsert_status(id, status).await?;
        self.log_change(id, "update", changes, ctx).await
    }

    /// Writes yearly history (status and income per year) of households that have some,
    /// replacing the years given and keeping the others, and logs what changed for each.
    pub async fn write_years(
        &mut self,
        rows: &[YearsUpdate],
        ctx: &WriteContext,
    ) -> Result<(), StorageError> {
        let mut statuses = Vec::new();
        let mut incomes = Vec::new();
        let mut log = Vec::with_capacity(rows.len());
        self.touched.households(rows.iter().map(|r| r.0));
        for (id, s, i, changes) in rows {
            statuses.extend(s.iter().map(|s| status_values(*id, s)));
            incomes.extend(i.iter().map(|i| income_values(*id, i)));
            let diff = serde_json::to_string(changes).unwrap_or_else(|_| "[]".into());
            log.push(self.change_row(*id, "history", &diff, ctx));
        }
        let keys = &["household_id", "year"];
        upsert_rows(
            &mut self.tx,
            "household_status_years",
            STATUS_COLUMNS,
            keys,
            statuses,
        )
        .await?;
        upsert_rows(
            &mut self.tx,
            "household_incomes",
            INCOME_COLUMNS,
            keys,
            incomes,
        )
        .await?;
        insert_rows(&mut self.tx, "change_log", CHANGE_COLUMNS, log).await
    }

    /// Stored yearly status and income rows of these households.
    pub async fn years_of(
        &mut self,
        ids: &[i64],
    ) -> Result<HashMap<i64, (Vec<StatusYear>, Vec<IncomeYear>)>, StorageError> {
        let mut out: HashMap<i64, (Vec<StatusYear>, Vec<IncomeYear>)> = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let args: Vec<Value> = chunk.iter().map(|i| Value::I64(*i)).collect();
            let list = placeholders(args.len());
            let status: Vec<StatusRow> = fetch_all(
                &mut self.tx,
                &format!("SELECT household_id, year, status, reason FROM household_status_years WHERE household_id IN ({list}) ORDER BY year"),
                &args,
            )
            .await?;
            let incomes: Vec<IncomeRow> = fetch_all(
                &mut self.tx,
                &format!("{INCOME_SELECT} WHERE household_id IN ({list}) ORDER BY year"),
                &args,
            )
            .await?;
            for s in status {
                out.entry(s.household_id)
                    .or_default()
                    .0
                    .push(s.into_status()?);
            }
            for i in incomes {
                out.entry(i.household_id)
                    .or_default()
                    .1
                    .push(i.into_income());
            }
        }
        Ok(out)
    }

    /// Bulk-inserts yearly rows for households that have none yet (first history load).
    pub async fn insert_years(
        &mut self,
        rows: &[(i64, Vec<StatusYear>, Vec<IncomeYear>)],
        ctx: &WriteContext,
    ) -> Result<(), StorageError> {
        let mut statuses = Vec::new();
        let mut incomes = Vec::new();
        let mut log = Vec::with_capacity(rows.len());
        self.touched.households(rows.iter().map(|r| r.0));
        for (id, s, i) in rows {
            statuses.extend(s.iter().map(|s| status_values(*id, s)));
            incomes.extend(i.iter().map(|i| income_values(*id, i)));
            log.push(self.change_row(*id, "history", "[]", ctx));
        }
        insert_rows(
            &mut self.tx,
            "household_status_years",
            STATUS_COLUMNS,
            statuses,
        )
        .await?;
        insert_rows(&mut self.tx, "household_incomes", INCOME_COLUMNS, incomes).await?;
        insert_rows(&mut self.tx, "change_log", CHANGE_COLUMNS, log).await?;
        Ok(())
    }

    async fn upsert_income(&mut self, id: i64, inc: &IncomeYear) -> Result<(), StorageError> {
        execute(
            &mut self.tx,
            "INSERT INTO household_incomes (household_id, year, wage, business, property, transfer, \
             production_expenditure, household_size, per_capita, formula) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (household_id, year) DO UPDATE SET wage = excluded.wage, business = excluded.business, \
             property = excluded.property, transfer = excluded.transfer, \
             production_expenditure = excluded.production_expenditure, household_size = excluded.household_size, \
             per_capita = excluded.per_capita, formula = excluded.formula",
            &income_values(id, inc),
        )
        .await?;
        Ok(())
    }

    async fn upsert_status(&mut self, id: i64, s: &StatusYear) -> Result<(), StorageError> {
        execute(
            &mut self.tx,
            "INSERT INTO household_status_years (household_id, year, status, reason) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (household_id, year) DO UPDATE SET status = excluded.status, reason = excluded.reason",
            &status_values(id, s),
        )
        .await?;
        Ok(())
    }

    /// Appends one change-log entry with its field changes (old → new).
    async fn log_change(
        &mut self,
        id: i64,
        action: &str,
        changes: &[FieldChange],
        ctx: &WriteContext,
    ) -> Result<(), StorageError> {
        let diff = serde_json::to_string(changes).unwrap_or_else(|_| "[]".into());
        let row = self.change_row(id, action, &diff, ctx);
        insert_rows(&mut self.tx, "change_log", CHANGE_COLUMNS, vec![row]).await
    }

    fn change_row(&self, id: i64, action: &str, diff: &str, ctx: &WriteContext) -> Vec<Value> {
        vec![
            Value::I64(id),
            Value::Text(self.now.clone()),
            Value::Text(ctx.actor.clone()),
            Value::Text(action.into()),
            Value::Text(diff.into()),
            Value::Text(ctx.reason.clone()),
            Value::OptI64(ctx.import_run),
        ]
    }

    /// Loads faster into an empty registry: indexes and constraints of the registry tables are
    /// dropped now and re-created (so re-validated) by [`commit`](Self::commit).
    pub async fn defer_constraints(&mut self) -> Result<(), StorageError> {
        if self.deferred.is_none() {
            self.deferred = Some(crate::deferred::defer(&mut self.tx).await?);
            self.touched.everything();
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StorageError> {
        self.commit_audited(Vec::new()).await
    }

    /// Commits with the audit entries that record the change (see [`Tx::commit_audited`]).
    pub async fn commit_audited(mut self, audit: Vec<NewAuditEntry>) -> Result<(), StorageError> {
        let started = std::time::Instant::now();
        // the search's entries are sorted beside the codes and the indexes being built
        let search = self.search.sort_aside();
        if let Some(deferred) = self.deferred.take() {
            // into an empty registry: the codes go before their indexes, built once over them
            self.issue_codes(true, started).await?;
            crate::deferred::restore(&mut self.tx, deferred).await?;
            tracing::debug!(elapsed = ?started.elapsed(), "indexes and constraints rebuilt");
        } else {
            self.issue_codes(false, started).await?;
        }
        search.write(&mut self.tx).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "search indexes written");
        let touched = std::mem::take(&mut self.touched);
        crate::figures::refresh(&mut self.tx, touched).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "village figures refreshed");
        self.tx.commit_audited(audit).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "committed");
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StorageError> {
        self.tx.rollback().await
    }

    /// Gives the households created their card's code (`fresh`: see
    /// [`issue_missing_codes`](crate::household_cards::issue_missing_codes)).
    async fn issue_codes(
        &mut self,
        fresh: bool,
        started: std::time::Instant,
    ) -> Result<(), StorageError> {
        let Some((lo, hi, by)) = self.created.take() else {
            return Ok(());
        };
        crate::household_cards::issue_missing_codes(&mut self.tx, lo, hi, &by, &self.now, fresh)
            .await?;
        tracing::debug!(elapsed = ?started.elapsed(), "card codes issued");
        Ok(())
    }
}

const CHANGE_COLUMNS: &[&str] = &[
    "household_id",
    "at",
    "actor",
    "action",
    "diff",
    "reason",
    "import_run_id",
];
