//! Households: reading records and lists, and the write session an import uses.
//!
//! Every write goes through [`RegistryWriter`], which records each change (who, when, what
//! old → new, why) in `change_log` inside the same transaction as the change itself.

use std::collections::HashMap;

use fupin_core::access::Scope;
use fupin_core::record::FieldChange;
use fupin_core::{AreaCode, Fen, Household, IncomeYear, StatusYear};

use crate::bulk::{insert_rows, upsert_rows};
use crate::rows::*;
use crate::sql::{Value, execute, fetch_all};
use crate::{Backend, Db, NewAuditEntry, StorageError, Tx, scope};

pub(crate) const HOUSEHOLD_SELECT: &str = "SELECT id, number, village_code, grp, address, phone, bank_name, \
    bank_account, standard, attribute, main_cause, other_causes, status, registered_year, exit_year, \
    monitoring, lon, lat, arable_land_mu, irrigated_land_mu, forest_land_mu, housing_area_m2, \
    house_structure, house_built_year, house_grade, relocated, electricity, water_source, \
    water_difficult, water_safe, cooking_fuel, road_distance_km, income_year, member_count, \
    created_at, updated_at FROM households";
pub(crate) const MEMBER_SELECT: &str = "SELECT household_id, seq, name, id_number, sex, birth_date, relation, \
    ethnicity, education, schooling, health, labour, migrant_work, migrant_months, medical_insurance, \
    pension_insurance, dibao, critical_illness_insurance FROM members";
pub(crate) const INCOME_SELECT: &str = "SELECT household_id, year, wage, business, property, transfer, \
    production_expenditure, household_size, per_capita, formula FROM household_incomes";

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

/// A stored household with its surrogate id.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub household: Household,
}

/// Everything the household page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdRecord {
    pub id: i64,
    pub household: Household,
    pub incomes: Vec<IncomeLine>,
    pub status_years: Vec<StatusYear>,
    pub changes: Vec<ChangeEntry>,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write; an edit must name the version it was made on.
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct IncomeLine {
    pub income: IncomeYear,
    pub net: Fen,
    pub per_capita: Option<Fen>,
}

/// One entry of a household's change history.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ChangeEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub diff: String,
    pub reason: String,
}

impl ChangeEntry {
    pub fn changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.diff).unwrap_or_default()
    }
}

/// A line of a household list.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct HouseholdListItem {
    pub id: i64,
    pub number: String,
    pub village_code: String,
    pub head_name: Option<String>,
    pub member_count: i32,
    pub status: String,
    pub attribute: String,
    pub main_cause: String,
}

/// The columns of a household list row (household table joined with its head's name).
pub(crate) const LIST_SELECT: &str = "SELECT h.id, h.number, h.village_code, \
    (SELECT m.name FROM members m WHERE m.household_id = h.id AND m.relation = 'head' LIMIT 1) AS head_name, \
    h.member_count, h.status, h.attribute, h.main_cause FROM households h";

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// Loads households with members and the income of their sheet year, by a `WHERE` on
/// `households` (`$1…` bound to `args`), in id order.
pub(crate) async fn load_where(
    tx: &mut Tx,
    filter: &str,
    args: &[Value],
) -> Result<Vec<Stored>, StorageError> {
    let rows: Vec<HouseholdRow> = fetch_all(
        tx,
        &format!("{HOUSEHOLD_SELECT} WHERE {filter} ORDER BY id"),
        args,
    )
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = rows.iter().map(|r| Value::I64(r.id)).collect();
    let id_list = placeholders(ids.len());
    let members: Vec<MemberRow> = fetch_all(
        tx,
        &format!("{MEMBER_SELECT} WHERE household_id IN ({id_list}) ORDER BY household_id, seq"),
        &ids,
    )
    .await?;
    let incomes: Vec<IncomeRow> = fetch_all(
        tx,
        &format!(
            "{INCOME_SELECT} i WHERE household_id IN ({id_list}) AND year = \
             (SELECT income_year FROM households h WHERE h.id = i.household_id)"
        ),
        &ids,
    )
    .await?;
    let mut by_id: HashMap<i64, Stored> = HashMap::with_capacity(rows.len());
    let order: Vec<i64> = rows.iter().map(|r| r.id).collect();
    for r in rows {
        let id = r.id;
        by_id.insert(
            id,
            Stored {
                id,
                household: r.into_household()?,
            },
        );
    }
    for m in members {
        if let Some(s) = by_id.get_mut(&m.household_id) {
            s.household.members.push(m.into_member()?);
        }
    }
    for i in incomes {
        if let Some(s) = by_id.get_mut(&i.household_id) {
            s.household.income = Some(i.into_income());
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect())
}

impl Db {
    /// One household with its members, yearly incomes, status history and change log; `None`
    /// when it does not exist or lies outside `scope` (the two are indistinguishable).
    pub async fn household(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<HouseholdRecord>, StorageError> {
        #[derive(sqlx::FromRow)]
        struct Stamps {
            created_at: String,
            updated_at: String,
            version: i64,
        }
        let mut tx = self.reader().await?;
        let filter = format!("id = $1 AND {}", scope::households(scope, ""));
        let stored = load_where(&mut tx, &filter, &[Value::I64(id)]).await?;
        let Some(household) = stored.into_iter().next().map(|s| s.household) else {
            return Ok(None);
        };
        let stamps: Vec<Stamps> = fetch_all(
            &mut tx,
            "SELECT created_at, updated_at, version FROM households WHERE id = $1",
            &[Value::I64(id)],
        )
        .await?;
        let stamps = stamps.into_iter().next().ok_or(StorageError::NotFound)?;
        let incomes: Vec<IncomeRow> = fetch_all(
            &mut tx,
            &format!("{INCOME_SELECT} WHERE household_id = $1 ORDER BY year"),
            &[Value::I64(id)],
        )
        .await?;
        let status: Vec<StatusRow> = fetch_all(
            &mut tx,
            "SELECT household_id, year, status, reason FROM household_status_years \
             WHERE household_id = $1 ORDER BY year",
            &[Value::I64(id)],
        )
        .await?;
        let changes: Vec<ChangeEntry> = fetch_all(
            &mut tx,
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

    /// The id of the household with this number, if `scope` reaches it.
    pub async fn household_id(
        &self,
        scope: &Scope,
        number: &str,
    ) -> Result<Option<i64>, StorageError> {
        #[derive(sqlx::FromRow)]
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
        let (lo, hi) = area.descendant_range();
        let mut tx = self.reader().await?;
        let within = scope::households(scope, "h.");
        let items: Vec<HouseholdListItem> = fetch_all(
            &mut tx,
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
            &mut tx,
            &format!("SELECT COUNT(*) AS n FROM households h WHERE h.village_code BETWEEN $1 AND $2 AND {within}"),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok((items, total.first().map_or(0, |c| c.n)))
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
        #[derive(sqlx::FromRow)]
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
        #[derive(sqlx::FromRow)]
        struct Size {
            households: i64,
            members: i64,
        }
        let (lo, hi) = area.descendant_range();
        let rows: Vec<Size> = fetch_all(
            &mut self.reader().await?,
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

    /// A free household number for a new household of `village`: the village code and the next
    /// sequence after the highest number under it (as `5227261002010001` … continue).
    pub async fn next_household_number(&self, village: &AreaCode) -> Result<String, StorageError> {
        #[derive(sqlx::FromRow)]
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
        #[derive(sqlx::FromRow)]
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
        #[derive(sqlx::FromRow)]
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
        #[derive(sqlx::FromRow)]
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
        #[derive(sqlx::FromRow)]
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
        #[derive(sqlx::FromRow)]
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

    /// Reserves `n` household ids.
    async fn allocate_ids(&mut self, n: usize) -> Result<Vec<i64>, StorageError> {
        match self.tx.backend() {
            // SQLite: the writer holds the database lock (BEGIN IMMEDIATE), so MAX(id) is stable
            Backend::Sqlite => {
                let first = match self.next_id {
                    Some(next) => next,
                    None => {
                        let rows: Vec<Count> = fetch_all(
                            &mut self.tx,
                            "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM households",
                            &[],
                        )
                        .await?;
                        rows.first().map_or(1, |c| c.n)
                    }
                };
                self.next_id = Some(first + n as i64);
                Ok((first..first + n as i64).collect())
            }
            // PostgreSQL: take them from the sequence in one round trip
            Backend::Postgres => {
                let rows: Vec<Count> = fetch_all(
                    &mut self.tx,
                    "SELECT nextval('households_id_seq') AS n FROM generate_series(1, $1)",
                    &[Value::I32(n as i32)],
                )
                .await?;
                Ok(rows.into_iter().map(|c| c.n).collect())
            }
        }
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
        let mut grams = Vec::with_capacity(batch.len() * 8);
        for ((h, status), &id) in batch.iter().zip(&ids) {
            grams.extend(crate::name_index::household_rows(id, h));
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
        insert_rows(
            &mut self.tx,
            "name_grams",
            crate::name_index::COLUMNS,
            grams,
        )
        .await?;
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
        // members are keyed by ID number; the sheet's version replaces the stored one
        execute(
            &mut self.tx,
            "DELETE FROM members WHERE household_id = $1",
            &[Value::I64(id)],
        )
        .await?;
        let members: Vec<Vec<Value>> = new
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| member_values(id, i + 1, m))
            .collect();
        insert_rows(&mut self.tx, "members", MEMBER_COLUMNS, members).await?;
        crate::name_index::replace(&mut self.tx, id, new).await?;
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
        if let Some(deferred) = self.deferred.take() {
            crate::deferred::restore(&mut self.tx, deferred).await?;
        }
        if let Some((lo, hi, by)) = self.created.take() {
            crate::household_cards::issue_missing_codes(&mut self.tx, lo, hi, &by, &self.now)
                .await?;
        }
        let touched = std::mem::take(&mut self.touched);
        crate::figures::refresh(&mut self.tx, touched).await?;
        self.tx.commit_audited(audit).await
    }

    pub async fn rollback(self) -> Result<(), StorageError> {
        self.tx.rollback().await
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

/// The number after `last` (digits kept at their width), or the village's first.
fn next_number(prefix: &str, last: Option<&str>) -> String {
    match last.and_then(|l| l.strip_prefix(prefix).map(|seq| (seq, seq.parse::<u64>()))) {
        Some((seq, Ok(n))) => format!("{prefix}{:0width$}", n + 1, width = seq.len()),
        _ => format!("{prefix}0001"),
    }
}

/// Current time as an ISO 8601 UTC string (stored as text on both backends).
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
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
