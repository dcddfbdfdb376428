//! The databases integration tests run against: SQLite always, PostgreSQL too when
//! `FUPIN_TEST_POSTGRES` names a server (CI sets it; each test gets a database of its own).

use fupin_storage::Db;

pub struct TestDb {
    pub db: Db,
    pub name: String,
    _dir: tempfile::TempDir,
    cleanup: Option<(String, String)>,
}

impl TestDb {
    pub async fn drop_database(self) {
        self.db.close().await;
        if let Some((admin_url, db_name)) = self.cleanup {
            let pool = sqlx::PgPool::connect(&admin_url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"
            )))
            .execute(&pool)
            .await
            .unwrap();
        }
    }
}

/// A fresh, migrated database on each configured backend, with the seed divisions loaded.
pub async fn backends() -> Vec<TestDb> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
    let db = Db::connect(&url).await.unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    out.push(TestDb {
        db,
        name: "sqlite".into(),
        _dir: dir,
        cleanup: None,
    });
    if let Ok(admin_url) = std::env::var("FUPIN_TEST_POSTGRES") {
        let db_name = format!("fupin_test_{}_{}", std::process::id(), rand_suffix());
        let pool = sqlx::PgPool::connect(&admin_url).await.unwrap();
        // a lock left held by a test fails its waiters within a minute instead of hanging CI
        for sql in [
            format!("CREATE DATABASE {db_name}"),
            format!("ALTER DATABASE {db_name} SET lock_timeout = '60s'"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let db = Db::connect(&format!("{base}/{db_name}")).await.unwrap();
        fupin_services::areas::load_seed_divisions(&db)
            .await
            .unwrap();
        out.push(TestDb {
            db,
            name: "postgres".into(),
            _dir: tempfile::tempdir().unwrap(),
            cleanup: Some((admin_url, db_name)),
        });
    }
    out
}

fn rand_suffix() -> u32 {
    rand::random()
}
