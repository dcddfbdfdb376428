//! Where the audit entries of reads wait, durably, while SQLite's one writer is busy.
//!
//! A read of personal records is audited before it is served. On SQLite an import holds the
//! write lock for as long as it runs (a province file: minutes), and a read cannot wait that
//! long; so its entry is committed to the spool — a second SQLite file beside the database,
//! in WAL mode like it — and moved into the hash chain when the lock is free
//! ([`Db::move_spooled`]). The move records the last sequence number it moved in the
//! database's `audit_spool_drained`, in the chain's own transaction, so a move cut short by a
//! crash is neither lost nor repeated. PostgreSQL has no such lock and gets no spool.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::sql::{Value, execute, fetch_all};
use crate::{Backend, Db, NewAuditEntry, StorageError};

const SCHEMA: &str = "\
CREATE TABLE IF NOT EXISTS spool_identity (id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spool (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    area_code TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    detail TEXT NOT NULL
);";

/// The spool of one SQLite database. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct AuditSpool {
    pool: SqlitePool,
    /// Names this spool in `audit_spool_drained` (a spool file made anew gets a new one, so
    /// its sequence numbers starting again at 1 are not taken for moved ones).
    id: String,
}

/// The spool file of a database file: `fupin.sqlite3` → `fupin.sqlite3-audit-spool`.
pub fn spool_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-audit-spool");
    PathBuf::from(name)
}

impl AuditSpool {
    /// Opens (or creates) the spool beside `db`; `None` on PostgreSQL.
    pub async fn beside(db: &Db) -> Result<Option<Self>, StorageError> {
        if db.backend() != Backend::Sqlite {
            return Ok(None);
        }
        let options = match db.sqlite_file() {
            Some(file) => SqliteConnectOptions::new().filename(spool_path(&file)),
            None => SqliteConnectOptions::new().in_memory(true),
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // as durable as the registry's own commits (WAL, NORMAL): a killed process loses
            // nothing; FULL, an fsync per batch, halved the pages served (BENCHMARKS.md)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            // one connection: an in-memory spool is per connection, and writes take turns anyway
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM spool_identity")
            .fetch_optional(&mut *tx)
            .await?;
        let id = match found {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO spool_identity (id) VALUES (lower(hex(randomblob(16)))) RETURNING id",
            )
            .fetch_one(&mut *tx)
            .await?,
        };
        tx.commit().await?;
        Ok(Some(Self { pool, id }))
    }

    /// Commits entries to the spool, in order, in one transaction.
    pub async fn push(&self, entries: &[NewAuditEntry]) -> Result<(), StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for e in entries {
            sqlx::query(
                "INSERT INTO spool (at, actor, user_id, action, target_kind, target_id, area_code, \
                 client_addr, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&e.at)
            .bind(&e.actor)
            .bind(e.user_id)
            .bind(&e.action)
            .bind(&e.target_kind)
            .bind(&e.target_id)
            .bind(&e.area_code)
            .bind(&e.client_addr)
            .bind(&e.detail)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Up to `limit` of the oldest waiting entries, with their sequence numbers.
    pub async fn oldest(&self, limit: i64) -> Result<Vec<(i64, NewAuditEntry)>, StorageError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, user_id, action, target_kind, target_id, area_code, \
             client_addr, detail FROM spool ORDER BY seq LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.try_get("seq")?,
                    NewAuditEntry {
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        user_id: r.try_get("user_id")?,
                        action: r.try_get("action")?,
                        target_kind: r.try_get("target_kind")?,
                        target_id: r.try_get("target_id")?,
                        area_code: r.try_get("area_code")?,
                        client_addr: r.try_get("client_addr")?,
                        detail: r.try_get("detail")?,
                    },
                ))
            })
            .collect()
    }

    /// Removes the entries up to `seq`, once they are in the chain.
    pub async fn forget_through(&self, seq: i64) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM spool WHERE seq <= ?")
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many entries wait to be moved into the chain.
    pub async fn waiting(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM spool")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Moves every waiting entry into `db`'s chain, a thousand at a time; how many were moved.
    pub async fn move_all(&self, db: &Db) -> Result<u64, StorageError> {
        let mut moved = 0;
        loop {
            let batch = self.oldest(1000).await?;
            let Some(&(last, _)) = batch.last() else {
                return Ok(moved);
            };
            moved += db.move_spooled(&self.id, batch).await?;
            self.forget_through(last).await?;
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Drained {
    last_seq: i64,
}

impl Db {
    /// Appends spooled entries to the chain, skipping those an earlier move already appended,
    /// and records the last one moved, all in one transaction. Returns how many were appended.
    pub async fn move_spooled(
        &self,
        spool: &str,
        entries: Vec<(i64, NewAuditEntry)>,
    ) -> Result<u64, StorageError> {
        let Some(&(last, _)) = entries.last() else {
            return Ok(0);
        };
        let mut tx = self.begin().await?;
        let done: Vec<Drained> = fetch_all(
            &mut tx,
            "SELECT last_seq FROM audit_spool_drained WHERE spool = $1",
            &[Value::Text(spool.to_string())],
        )
        .await?;
        let after = done.first().map_or(0, |d| d.last_seq);
        let fresh: Vec<NewAuditEntry> = entries
            .into_iter()
            .filter(|(seq, _)| *seq > after)
            .map(|(_, e)| e)
            .collect();
        let n = fresh.len() as u64;
        if last > after {
            execute(
                &mut tx,
                "INSERT INTO audit_spool_drained (spool, last_seq) VALUES ($1, $2) \
                 ON CONFLICT (spool) DO UPDATE SET last_seq = excluded.last_seq",
                &[Value::Text(spool.to_string()), Value::I64(last)],
            )
            .await?;
        }
        tx.commit_audited(fresh).await?;
        Ok(n)
    }
}
