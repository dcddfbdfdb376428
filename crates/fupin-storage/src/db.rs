//! The database handle: SQLite (a file, the embedded default) or PostgreSQL, chosen by URL.
//!
//! Queries are written once with `$1` placeholders and run on either backend (`sql.rs`). Only
//! bulk loading differs (PostgreSQL `COPY`, SQLite batched inserts), fenced in `bulk.rs`, and
//! SQLite's reads, which run on connections of their own on the caller's thread (`snapshot.rs`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StorageError;
use crate::snapshot::{Readers, SqliteRead};

/// How long a SQLite writer waits for another's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `$body` with `$pool` bound to the concrete sqlx pool of either backend.
#[macro_export]
macro_rules! dispatch {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(sqlite) => {
                let $pool = sqlite.pool();
                $body
            }
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// A SQLite database: sqlx's pool (writes, migrations) and the read connections (`snapshot.rs`;
/// none for an in-memory database, whose reads then go through the pool).
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pool: SqlitePool,
    readers: Option<Arc<Readers>>,
}

impl SqliteDb {
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn readers(&self) -> Option<&Arc<Readers>> {
        self.readers.as_ref()
    }
}

/// An open transaction on either backend. Dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// A SQLite read transaction stepped on the caller's thread ([`Db::reader`]).
    SqliteRead(SqliteRead),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// What every SQLite connection is set to besides the journal and the locks.
const SQLITE_PRAGMAS: &[(&str, &str)] = &[
    // 64 MiB page cache; 16 MiB measured the same for a 1M import, 256 MiB 40% slower
    ("cache_size", "-65536"),
    ("temp_store", "memory"),
    // reads map the file instead of copying pages (whole-area batches read gigabytes); 2 GiB is
    // the most the bundled SQLite maps
    ("mmap_size", "2147418112"),
];

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
            let opts = SQLITE_PRAGMAS.iter().fold(
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT),
                |o, (name, value)| o.pragma(*name, *value),
            );
            let pool = SqlitePoolOptions::new()
                // two readers, a writer and a side query of one batch, and the console besides
                .max_connections(6)
                .connect_with(opts)
                .await?;
            let readers = file_of(&pool).map(|f| Readers::new(&f, SQLITE_PRAGMAS));
            Db::Sqlite(SqliteDb { pool, readers })
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies pending migrations (embedded in the binary, one folder per backend).
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Db::Sqlite(s) => sqlx::migrate!("./migrations/sqlite").run(&s.pool).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        crate::policy::seed_defaults(self).await?;
        let mut tx = self.begin().await?;
        if crate::figures::missing(&mut tx).await? {
            crate::figures::rebuild(&mut tx).await?;
        }
        crate::search_index::build_if_missing(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The database file, on SQLite (`None` on PostgreSQL and for an in-memory database).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        match self {
            Db::Sqlite(s) => file_of(&s.pool),
            Db::Postgres(_) => None,
        }
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
            Db::Sqlite(s) => Tx::Sqlite(s.pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Begins a read-only snapshot: every statement in it sees the database as it was at the
    /// first (SQLite's deferred transaction in WAL mode, which never blocks a writer's lock;
    /// PostgreSQL's `REPEATABLE READ`, where the default `READ COMMITTED` would give each
    /// statement a snapshot of its own). On SQLite its statements run on the caller's thread
    /// (`snapshot.rs`): meant for what a page or a batch's page reads, not for reads that take
    /// seconds.
    pub async fn reader(&self) -> Result<Tx, StorageError> {
        Ok(match self {
            Db::Sqlite(SqliteDb {
                readers: Some(r), ..
            }) => Tx::SqliteRead(SqliteRead::begin(r)?),
            Db::Sqlite(s) => Tx::Sqlite(s.pool.begin().await?),
            Db::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }

    pub async fn close(&self) {
        if let Db::Sqlite(SqliteDb {
            readers: Some(r), ..
        }) = self
        {
            r.close();
        }
        dispatch!(self, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StorageError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::SqliteRead(r) => r.end()?,
            Tx::Postgres(t) => t.commit().await?,
        }
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
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            // a read transaction has nothing to undo: ending it is the same
            Tx::SqliteRead(r) => r.end()?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) | Tx::SqliteRead(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The file of a SQLite pool; `None` for an in-memory database.
fn file_of(pool: &SqlitePool) -> Option<std::path::PathBuf> {
    let file = pool.connect_options().get_filename().to_path_buf();
    let in_memory = file.as_os_str().is_empty() || file.as_os_str() == ":memory:";
    (!in_memory).then_some(file)
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
