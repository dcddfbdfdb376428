//! The audit trail: appended in hash-chained batches, browsed by area subtree, read in id
//! order for verification. There is no update or delete here, and the tables' triggers refuse
//! them from anywhere else.

use fupin_core::AreaCode;
use fupin_core::audit::{AuditEntry, GENESIS};

use crate::sql::{Value, fetch_all};
use crate::{Db, StorageError, Tx};

/// An entry to append (the chain fields are filled in by [`Db::append_audit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at: String,
    pub actor: String,
    pub user_id: Option<i64>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub area_code: String,
    pub client_addr: String,
    pub detail: String,
}

/// What the audit page filters on.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_id: Option<String>,
    /// ISO dates or timestamps, inclusive lower and exclusive upper bound.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Row {
    id: i64,
    at: String,
    actor: String,
    user_id: Option<i64>,
    action: String,
    target_kind: String,
    target_id: String,
    area_code: String,
    client_addr: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            user_id: r.user_id,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            area_code: r.area_code,
            client_addr: r.client_addr,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const SELECT: &str = "SELECT id, at, actor, user_id, action, target_kind, target_id, area_code, \
    client_addr, detail, prev_hash, hash FROM audit_log";

const COLUMNS: &[&str] = &[
    "id",
    "at",
    "actor",
    "user_id",
    "action",
    "target_kind",
    "target_id",
    "area_code",
    "client_addr",
    "detail",
    "prev_hash",
    "hash",
];

impl Db {
    /// Appends entries to the chain in one transaction. Appenders are serialised (SQLite's
    /// write lock; on PostgreSQL a table lock that only other appenders wait for), so each
    /// entry links to the one before it.
    pub async fn append_audit(&self, entries: Vec<NewAuditEntry>) -> Result<(), StorageError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        append_in(&mut tx, entries).await?;
        tx.commit().await
    }

    /// Entries of `area`'s subtree (every entry when `None`), newest first.
    pub async fn audit_entries(
        &self,
        area: Option<&AreaCode>,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<AuditEntry>, i64), StorageError> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        let mut push = |condition: &str, value: String| {
            values.push(Value::Text(value));
            conditions.push(condition.replace('?', &format!("${}", values.len())));
        };
        if let Some(area) = area {
            let (lo, hi) = area.descendant_range();
            push("area_code >= ?", lo);
            push("area_code <= ?", hi);
        }
        if let Some(a) = &filter.actor {
            push("actor = ?", a.clone());
        }
        if let Some(a) = &filter.action {
            push("action = ?", a.clone());
        }
        if let Some(t) = &filter.target_id {
            push("target_id = ?", t.clone());
        }
        if let Some(f) = &filter.from {
            push("at >= ?", f.clone());
        }
        if let Some(t) = &filter.to {
            push("at < ?", t.clone());
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let mut tx = self.reader().await?;
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Count {
            n: i64,
        }
        let total: Vec<Count> = fetch_all(
            &mut tx,
            &format!("SELECT COUNT(*) AS n FROM audit_log{clause}"),
            &values,
        )
        .await?;
        let n = values.len();
        values.push(Value::I64(limit));
        values.push(Value::I64(offset));
        let rows: Vec<Row> = fetch_all(
            &mut tx,
            &format!(
                "{SELECT}{clause} ORDER BY id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            &values,
        )
        .await?;
        Ok((
            rows.into_iter().map(AuditEntry::from).collect(),
            total.first().map_or(0, |c| c.n),
        ))
    }

    /// Up to `limit` entries after `after_id`, in id order (for verification in batches).
    pub async fn audit_after(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let rows: Vec<Row> = fetch_all(
            &mut self.reader().await?,
            &format!("{SELECT} WHERE id > $1 ORDER BY id LIMIT $2"),
            &[Value::I64(after_id), Value::I64(limit)],
        )
        .await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}

/// Appends inside an open write transaction (so that a registry change and its audit entry
/// commit together).
pub async fn append_in(tx: &mut Tx, entries: Vec<NewAuditEntry>) -> Result<(), StorageError> {
    // conflicts only with itself and writers: readers of the trail are not blocked
    tx.lock_table("audit_log", "SHARE ROW EXCLUSIVE").await?;
    let last: Vec<Row> = fetch_all(tx, &format!("{SELECT} ORDER BY id DESC LIMIT 1"), &[]).await?;
    let (mut id, mut prev) = last
        .into_iter()
        .next()
        .map_or((0, GENESIS.to_string()), |r| (r.id, r.hash));
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        id += 1;
        let sealed = AuditEntry {
            id,
            at: e.at,
            actor: e.actor,
            user_id: e.user_id,
            action: e.action,
            target_kind: e.target_kind,
            target_id: e.target_id,
            area_code: e.area_code,
            client_addr: e.client_addr,
            detail: e.detail,
            prev_hash: String::new(),
            hash: String::new(),
        }
        .seal(&prev);
        prev = sealed.hash.clone();
        rows.push(vec![
            Value::I64(sealed.id),
            Value::Text(sealed.at),
            Value::Text(sealed.actor),
            Value::OptI64(sealed.user_id),
            Value::Text(sealed.action),
            Value::Text(sealed.target_kind),
            Value::Text(sealed.target_id),
            Value::Text(sealed.area_code),
            Value::Text(sealed.client_addr),
            Value::Text(sealed.detail),
            Value::Text(sealed.prev_hash),
            Value::Text(sealed.hash),
        ]);
    }
    crate::bulk::insert_rows(tx, "audit_log", COLUMNS, rows).await
}
