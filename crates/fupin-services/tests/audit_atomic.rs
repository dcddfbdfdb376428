//! A change and the audit entry that records it commit together (issue 24, item 13): when the
//! entry cannot be appended, the change is not made either. Before, the import committed its
//! households and wrote its entry afterwards in a transaction of its own, so a crash (or a
//! failed append) in between left 200,000 households imported and no trace of who did it.
//!
//! The failure is injected with a trigger that refuses every insert into `audit_log`.

use fupin_services::accounts;
use fupin_services::audit::Actor;
use fupin_services::import::import_households;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;
use fupin_storage::{AuditFilter, Db};

mod common;
use common::{TestDb, backends, clerk, generated, options};

async fn sql(db: &Db, statement: &str) {
    let statement = sqlx::AssertSqlSafe(statement.to_string());
    fupin_storage::dispatch!(db, p => sqlx::raw_sql(statement).execute(p).await.map(|_| ()))
        .unwrap();
}

/// Every append to the trail fails from now on, as a full disk or a crash at that point would.
async fn refuse_appends(t: &TestDb) {
    let statement = match t.name.as_str() {
        "sqlite" => {
            "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        }
        _ => {
            "CREATE FUNCTION audit_refused() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$; \
             CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log \
             FOR EACH STATEMENT EXECUTE FUNCTION audit_refused()"
        }
    };
    sql(&t.db, statement).await;
}

async fn allow_appends(t: &TestDb) {
    let statement = match t.name.as_str() {
        "sqlite" => "DROP TRIGGER audit_refused",
        _ => "DROP TRIGGER audit_refused ON audit_log",
    };
    sql(&t.db, statement).await;
}

async fn households(db: &Db) -> i64 {
    let count = "SELECT COUNT(*) FROM households";
    fupin_storage::dispatch!(db, p => sqlx::query_scalar(count).fetch_one(p).await).unwrap()
}

async fn entries(db: &Db, action: &str) -> Vec<String> {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    let (rows, _) = db.audit_entries(None, &filter, 0, 100).await.unwrap();
    rows.into_iter().map(|e| e.detail).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_without_its_audit_entry_is_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let file = generated(dir.path(), 40, Format::Csv);
    for t in backends().await {
        refuse_appends(&t).await;
        let failed = import_households(&t.db, &file, &options(false), &Silent).await;
        assert!(
            failed.is_err(),
            "{}: the import succeeded unaudited",
            t.name
        );
        assert_eq!(households(&t.db).await, 0, "{}: households left", t.name);

        allow_appends(&t).await;
        let s = import_households(&t.db, &file, &options(false), &Silent)
            .await
            .unwrap();
        assert!(s.committed && s.created > 0, "{}", t.name);
        assert_eq!(households(&t.db).await, s.created as i64, "{}", t.name);
        let recorded = entries(&t.db, "import.households").await;
        assert_eq!(
            recorded,
            [format!(
                "committed: {} new, 0 updated, 0 unchanged, 0 invalid",
                s.created
            )],
            "{}",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_without_their_audit_entry_are_not_made() {
    for t in backends().await {
        let db = &t.db;
        let cli = Actor::cli();
        accounts::add_user(db, &cli, clerk("kept"), false)
            .await
            .unwrap();
        refuse_appends(&t).await;

        assert!(
            accounts::add_user(db, &cli, clerk("ghost"), false)
                .await
                .is_err()
        );
        assert!(
            db.user_with_hash("ghost").await.unwrap().is_none(),
            "{}",
            t.name
        );

        assert!(
            accounts::set_disabled(db, &cli, "kept", true)
                .await
                .is_err()
        );
        let (kept, hash) = db.user_with_hash("kept").await.unwrap().unwrap();
        assert!(!kept.disabled, "{}: disabled unaudited", t.name);

        assert!(accounts::reset_password(db, &cli, "kept").await.is_err());
        assert_eq!(db.user_with_hash("kept").await.unwrap().unwrap().1, hash);

        let login = accounts::login(db, "kept", "Correct-Horse-9", "203.0.113.9", "test").await;
        assert!(login.is_err(), "{}: a session opened unaudited", t.name);

        allow_appends(&t).await;
        let login = accounts::login(db, "kept", "Correct-Horse-9", "203.0.113.9", "test")
            .await
            .unwrap();
        assert!(
            accounts::session(db, &login.session_secret)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(entries(db, "user.create").await.len(), 1, "{}", t.name);
        assert_eq!(entries(db, "login").await.len(), 1, "{}", t.name);
        t.drop_database().await;
    }
}
