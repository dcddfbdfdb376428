//! The databases integration tests run against: SQLite always, PostgreSQL too when
//! `FUPIN_TEST_POSTGRES` names a server (CI sets it; each test gets a database of its own).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::import::{ImportOptions, ImportSummary, import_households};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;
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

#[allow(dead_code)] // not every test file imports
pub fn options(skip_invalid: bool) -> ImportOptions {
    ImportOptions {
        skip_invalid,
        actor: "test".into(),
        report: None,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        audit: fupin_services::audit::Actor::cli(),
    }
}

#[allow(dead_code)]
/// Writes `n` generated households to `dir` in `format`; returns the household sheet's path.
pub fn generated(dir: &Path, n: usize, format: Format) -> PathBuf {
    generated_with(dir, n, format, false)
}

#[allow(dead_code)]
/// As [`generated`], with the department lists and their truth under `dir/departments/`.
pub fn generated_with(dir: &Path, n: usize, format: Format, departments: bool) -> PathBuf {
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: n,
        seed: 7,
        last_year: 2023,
    };
    let index = fupin_storage::AreaIndex::from_areas(&areas);
    let mut lists = departments.then(|| {
        fupin_services::compare::generated::DepartmentSheets::create(dir, config.seed, 2023)
            .unwrap()
    });
    fupin_services::generated::write_registry(
        generate(&config, &geo),
        &index,
        dir,
        &[format],
        lists.as_mut(),
        &Silent,
    )
    .unwrap();
    if let Some(lists) = lists {
        lists.finish().unwrap();
    }
    dir.join(match format {
        Format::Csv => "households.csv",
        Format::Xlsx => "households.xlsx",
    })
}

#[allow(dead_code)]
pub async fn import(db: &Db, path: &Path, skip_invalid: bool) -> ImportSummary {
    import_households(db, path, &options(skip_invalid), &Silent)
        .await
        .unwrap()
}

#[allow(dead_code)]
/// An office clerk of a county, with a password the policy accepts.
pub fn clerk(username: &str) -> fupin_services::accounts::AccountForm {
    fupin_services::accounts::AccountForm {
        username: username.into(),
        real_name: "王五".into(),
        area: fupin_core::AreaCode::parse("522726").unwrap(),
        phone: "13800138000".into(),
        roles: vec![fupin_core::access::Role::OfficeStaff],
        password: "Correct-Horse-9".into(),
    }
}
