//! The database handle: SQLite (a file, the embedded default) or PostgreSQL, chosen by URL.
//!
//! Queries are written once with `$1` placeholders and run on either backend through
//! [`dispatch!`], which expands the same body for each pool type. Only bulk loading differs
//! (PostgreSQL `COPY`, SQLite batched inserts), fenced in `bulk.rs`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StorageError;

/// How long a SQLite writer waits for another's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `$body` with `$pool` bound to the concrete pool (or transaction) of either backend.
#[macro_export]
macro_rules! dispatch {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Same as [`dispatch!`] for an open transaction.
#[macro_export]
macro_rules! dispatch_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite($conn) => $body,
            $crate::Tx::Postgres($conn) => $body,
        }
    };
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend. Dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Db {
    /// Connects and brings the schema up to date. `url` is `sqlite://path`, `sqlite:path`,
    /// `postgres://…` / `postgresql://…`, or a bare file path (SQLite, created if missing).
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            Db::Postgres(pool)
        } else if url.contains("://") && !url.starts_with("sqlite://") {
            return Err(StorageError::UnsupportedUrl(redact(url)));
        } else {
            let opts = if url.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(url)?
            } else {
                SqliteConnectOptions::new().filename(url)
            };
            let opts = opts
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                // 64 MiB page cache; 16 MiB measured the same for a 1M import, 256 MiB 40% slower
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                // reads map the file instead of copying pages (whole-area batches read
                // gigabytes); 2 GiB is the most the bundled SQLite maps
                .pragma("mmap_size", "2147418112");
            let pool = SqlitePoolOptions::new()
                // two readers, a writer and a side query of one batch, and the console besides
                .max_connections(6)
                .connect_with(opts)
                .await?;
            Db::Sqlite(pool)
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies pending migrations (embedded in the binary, one folder per backend).
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        crate::policy::seed_defaults(self).await?;
        let mut tx = self.begin().await?;
        if crate::figures::missing(&mut tx).await? {
            crate::figures::rebuild(&mut tx).await?;
        }
        crate::name_index::build_if_missing(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The database file, on SQLite (`None` on PostgreSQL and for an in-memory database).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        let Db::Sqlite(p) = self else {
            return None;
        };
        let file = p.connect_options().get_filename().to_path_buf();
        let in_memory = file.as_os_str().is_empty() || file.as_os_str() == ":memory:";
        (!in_memory).then_some(file)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`)
    /// so that id allocation inside it cannot race another writer.
    pub async fn begin(&self) -> Result<Tx, StorageError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Begins a read-only snapshot (deferred on SQLite, so it never blocks a writer's lock).
    pub async fn reader(&self) -> Result<Tx, StorageError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        dispatch!(self, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StorageError> {
        dispatch_tx!(self, t => t.commit().await?);
        Ok(())
    }

    /// Appends `audit` to the trail and commits: a change and the entries recording it land
    /// together or not at all (appended last, so the trail's lock is held only for the commit).
    pub async fn commit_audited(
        mut self,
        audit: Vec<crate::NewAuditEntry>,
    ) -> Result<(), StorageError> {
        crate::audit::append_in(&mut self, audit).await?;
        self.commit().await
    }

    pub async fn rollback(self) -> Result<(), StorageError> {
        dispatch_tx!(self, t => t.rollback().await?);
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A URL with any password removed, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
