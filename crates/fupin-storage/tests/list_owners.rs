//! Migration 0017 gives every department list an owning area. Lists loaded before it are given
//! the area of the account that uploaded them (the operator's: the whole installation), a list
//! two areas uploaded under one name is split between them, and nothing of their snapshots,
//! records or runs is lost — on both databases (PostgreSQL when `FUPIN_TEST_POSTGRES` is set).

use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The version before the one under test.
const BEFORE: i64 = 16;

/// What the old schema holds: two counties' accounts, a list both uploaded under one name (and
/// the operator too), a token's upload, the operator's own list, a list never loaded, and a run
/// with its records over the second county's snapshot.
const OLD_ROWS: &[&str] = &[
    "INSERT INTO areas (code, name, level, parent_code) VALUES ('520000000000', '贵州省', 1, NULL)",
    "INSERT INTO areas (code, name, level, parent_code) VALUES ('522726000000', '独山县', 3, '520000000000')",
    "INSERT INTO areas (code, name, level, parent_code) VALUES ('522727000000', '平塘县', 3, '520000000000')",
    "INSERT INTO users (id, username, real_name, area_code, phone, password_hash, must_change_password, disabled, created_at, updated_at) \
     VALUES (1, 'dushan', '甲', '522726000000', '13800000000', 'x', FALSE, FALSE, 't', 't')",
    "INSERT INTO users (id, username, real_name, area_code, phone, password_hash, must_change_password, disabled, created_at, updated_at) \
     VALUES (2, 'pingtang', '乙', '522727000000', '13800000000', 'x', FALSE, FALSE, 't', 't')",
    "INSERT INTO department_sources (id, name, kind, mapping, created_at) VALUES (1, '公安车辆', 'vehicle', '[]', 't')",
    "INSERT INTO department_sources (id, name, kind, mapping, created_at) VALUES (2, '民政死亡', 'death', '[]', 't')",
    "INSERT INTO department_sources (id, name, kind, mapping, created_at) VALUES (3, '空名单', 'death', '[]', 't')",
    "INSERT INTO department_sources (id, name, kind, mapping, created_at) VALUES (4, '令牌名单', 'death', '[]', 't')",
    "INSERT INTO department_snapshots (id, source_id, as_of, file_name, sha256, records, imported_by, imported_at) \
     VALUES (1, 1, '2024-01-01', 'a.csv', 'a', 1, 'dushan', 't')",
    "INSERT INTO department_snapshots (id, source_id, as_of, file_name, sha256, records, imported_by, imported_at) \
     VALUES (2, 1, '2024-02-01', 'b.csv', 'b', 1, 'pingtang', 't')",
    "INSERT INTO department_snapshots (id, source_id, as_of, file_name, sha256, records, imported_by, imported_at) \
     VALUES (3, 1, '2024-03-01', 'c.csv', 'c', 1, 'cli:root', 't')",
    "INSERT INTO department_snapshots (id, source_id, as_of, file_name, sha256, records, imported_by, imported_at) \
     VALUES (4, 2, '2024-01-01', 'd.csv', 'd', 1, 'cli:operator', 't')",
    "INSERT INTO department_snapshots (id, source_id, as_of, file_name, sha256, records, imported_by, imported_at) \
     VALUES (5, 4, '2024-01-01', 'e.csv', 'e', 1, 'pingtang#nightly', 't')",
    "INSERT INTO department_records (snapshot_id, row_no, record_key, id_number, name, place, detail) \
     VALUES (2, 2, 'K1', '', '张三', '', '')",
    "INSERT INTO comparison_runs (id, snapshot_id, area_code, settings, started_by, started_at) \
     VALUES (1, 2, '522727000000', '{}', 'pingtang', 't')",
];

/// (snapshot, its source's owner, its source's name), by snapshot.
const EXPECTED: &[(i64, &str, &str)] = &[
    (1, "522726000000", "公安车辆"),
    (2, "522727000000", "公安车辆"),
    (3, "", "公安车辆"),
    (4, "", "民政死亡"),
    (5, "522727000000", "令牌名单"),
];

macro_rules! check_backend {
    ($pool:expr, $migrator:expr, $name:expr) => {{
        let pool = $pool;
        $migrator.run_to(BEFORE, &pool).await.unwrap();
        for sql in OLD_ROWS {
            sqlx::raw_sql(*sql).execute(&pool).await.unwrap();
        }
        $migrator.run(&pool).await.unwrap();
        let owners: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT n.id, s.area_code, s.name FROM department_snapshots n \
             JOIN department_sources s ON s.id = n.source_id ORDER BY n.id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let want: Vec<(i64, String, String)> = EXPECTED
            .iter()
            .map(|(id, area, name)| (*id, area.to_string(), name.to_string()))
            .collect();
        assert_eq!(owners, want, "{}", $name);
        // the first uploader keeps the source itself; the list never loaded is the operator's
        let kept: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, area_code FROM department_sources WHERE id IN (1, 3) ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            kept,
            vec![(1, "522726000000".to_string()), (3, String::new())],
            "{}",
            $name
        );
        let (records, runs): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM department_records WHERE snapshot_id = 2), \
             (SELECT COUNT(*) FROM comparison_runs WHERE snapshot_id = 2)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((records, runs), (1, 1), "{}: records and runs kept", $name);
        // one name per owner, and new sources are numbered after the old
        let duplicate = sqlx::raw_sql(
            "INSERT INTO department_sources (area_code, name, kind, mapping, created_at) \
             VALUES ('522726000000', '公安车辆', 'vehicle', '[]', 't')",
        )
        .execute(&pool)
        .await;
        assert!(duplicate.is_err(), "{}: (owner, name) is unique", $name);
        sqlx::raw_sql(
            "INSERT INTO department_sources (area_code, name, kind, mapping, created_at) \
             VALUES ('522727000000', '民政死亡', 'death', '[]', 't')",
        )
        .execute(&pool)
        .await
        .unwrap();
        // the snapshots still reference the sources: removing one removes its snapshots
        sqlx::raw_sql("DELETE FROM department_sources WHERE id = 2")
            .execute(&pool)
            .await
            .unwrap();
        let (left,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM department_snapshots WHERE id = 4")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(left, 0, "{}: the reference cascades as before", $name);
    }};
}

#[tokio::test]
async fn existing_lists_get_their_uploaders_areas() {
    let dir = tempfile::tempdir().unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("old.sqlite3"))
        .create_if_missing(true)
        .foreign_keys(true);
    // one connection: the one the migration switched foreign keys off and on again on
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    check_backend!(pool.clone(), SQLITE, "sqlite");
    let violations: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    let fks: (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(fks.0, 1, "foreign keys are on again after the migration");

    if let Some(scratch) = fupin_storage::scratch::ScratchPostgres::create("fupin_owners").await {
        let pool = sqlx::PgPool::connect(scratch.url()).await.unwrap();
        check_backend!(pool.clone(), POSTGRES, "postgres");
        pool.close().await;
    }
}
