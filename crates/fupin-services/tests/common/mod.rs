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
    /// PostgreSQL's database of this test, dropped with it (also when the test fails).
    _scratch: Option<fupin_storage::scratch::ScratchPostgres>,
}

impl TestDb {
    pub async fn drop_database(self) {
        // connections closed first, so that the drop does not have to end them
        self.db.close().await;
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
        _scratch: None,
    });
    if let Some(scratch) = fupin_storage::scratch::ScratchPostgres::create("fupin_test").await {
        let db = Db::connect(scratch.url()).await.unwrap();
        fupin_services::areas::load_seed_divisions(&db)
            .await
            .unwrap();
        out.push(TestDb {
            db,
            name: "postgres".into(),
            _dir: tempfile::tempdir().unwrap(),
            _scratch: Some(scratch),
        });
    }
    out
}

#[allow(dead_code)] // not every test file imports
pub fn options(skip_invalid: bool) -> ImportOptions {
    ImportOptions {
        skip_invalid,
        actor: "test".into(),
        report: None,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        audit: fupin_services::audit::Actor::cli(),
        scope: None,
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
