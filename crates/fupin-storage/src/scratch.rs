//! A PostgreSQL database of one test's own, for the integration tests of every crate: created on
//! the server `FUPIN_TEST_POSTGRES` names, dropped when the value is dropped — also when the
//! test fails and unwinds, so that a failing run leaves no database behind.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AssertSqlSafe;

/// The variable that names the server (an admin URL, e.g. `postgres://postgres@127.0.0.1/test`).
pub const ENV: &str = "FUPIN_TEST_POSTGRES";

#[derive(Debug)]
pub struct ScratchPostgres {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchPostgres {
    /// A new, empty database named `<prefix>_<pid>_<n>_<nanos>`; `None` when [`ENV`] is not set.
    /// A lock held too long fails its waiters within a minute instead of hanging the run.
    pub async fn create(prefix: &str) -> Option<Self> {
        let admin_url = std::env::var(ENV).ok()?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        static MADE: AtomicU32 = AtomicU32::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}_{}_{n}_{nanos}", std::process::id());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{ENV}={admin_url}: {e}"));
        for sql in [
            format!("CREATE DATABASE {name}"),
            format!("ALTER DATABASE {name} SET lock_timeout = '60s'"),
        ] {
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&admin)
                .await
                .unwrap_or_else(|e| panic!("creating {name}: {e}"));
        }
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }

    /// The database's own URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // a runtime of its own on a thread of its own: drop may run inside a test's runtime
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = sqlx::PgPool::connect(&admin_url).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&admin)
                    .await
                    .ok()?;
                admin.close().await;
                Some(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("the scratch database {} was not dropped", self.name);
        }
    }
}
