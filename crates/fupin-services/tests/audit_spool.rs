//! Reads are audited before they are served, and a long import does not hold them up (issue
//! 24, item 14). Before, read entries were batched in memory and a batch that waited 30 s for
//! SQLite's write lock during an import was dropped: pages served, never audited.

use std::time::{Duration, Instant};

use fupin_services::audit::{Actor, AuditSink, verify};
use fupin_services::progress::Silent;
use fupin_storage::{AuditSpool, Db, NewAuditEntry};

mod common;
use common::{TestDb, backends, clerk};

fn read(i: usize) -> NewAuditEntry {
    Actor::cli().entry("read", "household", format!("h{i}"), "522726000000", "page")
}

async fn chain_len(db: &Db) -> usize {
    db.audit_after(0, 10_000).await.unwrap().len()
}

async fn sql(db: &Db, statement: &str) {
    let statement = sqlx::AssertSqlSafe(statement.to_string());
    fupin_storage::dispatch!(db, p => sqlx::raw_sql(statement).execute(p).await.map(|_| ()))
        .unwrap();
}

/// An import's transaction stands in for any writer holding the lock for long.
async fn hold_write_lock(db: &Db) -> fupin_storage::Tx {
    let mut tx = db.begin().await.unwrap();
    fupin_storage::sql::execute(
        &mut tx,
        "UPDATE areas SET name = name WHERE code = '522726000000'",
        &[],
    )
    .await
    .unwrap();
    tx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_recorded_at_once_while_a_writer_holds_the_lock() {
    for t in backends().await {
        let sink = AuditSink::start(t.db.clone());
        let import = hold_write_lock(&t.db).await;
        let started = Instant::now();
        for i in 0..20 {
            sink.record(read(i)).await.unwrap();
        }
        let took = started.elapsed();
        // before: each read waited for (or was dropped after) the writer's 30 s
        assert!(
            took < Duration::from_secs(2),
            "{}: 20 reads took {took:?} behind a writer",
            t.name
        );
        if let Some(spool) = AuditSpool::beside(&t.db).await.unwrap() {
            // acknowledged means durable: all twenty are on disk while the writer still waits
            assert_eq!(spool.waiting().await.unwrap(), 20);
            spool.close().await;
        }
        import.commit().await.unwrap();
        sink.flush().await;
        assert_eq!(chain_len(&t.db).await, 20, "{}", t.name);
        let v = verify(&t.db, Default::default(), &Silent).await.unwrap();
        assert!(v.broken.is_none(), "{}", t.name);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spooled_reads_survive_a_stop_and_are_moved_once() {
    let t = backends().await.remove(0);
    assert_eq!(t.name, "sqlite");
    let spool = AuditSpool::beside(&t.db).await.unwrap().unwrap();
    let entries: Vec<NewAuditEntry> = (0..5).map(read).collect();
    spool.push(&entries).await.unwrap();
    // a mover that died after committing three entries to the chain, before it could
    // remove them from the spool
    let first_three = spool.oldest(3).await.unwrap();
    let id = spool_id(&t).await;
    assert_eq!(t.db.move_spooled(&id, first_three).await.unwrap(), 3);
    assert_eq!(spool.waiting().await.unwrap(), 5);
    spool.close().await;

    // the next start moves what was left, and only that
    let sink = AuditSink::start(t.db.clone());
    sink.flush().await;
    let chain = t.db.audit_after(0, 100).await.unwrap();
    let targets: Vec<&str> = chain.iter().map(|e| e.target_id.as_str()).collect();
    assert_eq!(targets, ["h0", "h1", "h2", "h3", "h4"]);
    let spool = AuditSpool::beside(&t.db).await.unwrap().unwrap();
    assert_eq!(spool.waiting().await.unwrap(), 0);
    t.drop_database().await;
}

async fn spool_id(t: &TestDb) -> String {
    let file = t.db.sqlite_file().unwrap();
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        fupin_storage::audit_spool::spool_path(&file).display()
    ))
    .await
    .unwrap();
    sqlx::query_scalar("SELECT id FROM spool_identity")
        .fetch_one(&pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_cannot_be_recorded_is_refused() {
    for t in backends().await {
        match t.name.as_str() {
            "sqlite" => {
                let spool = AuditSpool::beside(&t.db).await.unwrap().unwrap();
                spool.close().await;
                let file = fupin_storage::audit_spool::spool_path(&t.db.sqlite_file().unwrap());
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
                    .await
                    .unwrap();
                sqlx::raw_sql(
                    "CREATE TRIGGER disk_full BEFORE INSERT ON spool BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                )
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
            }
            _ => {
                sql(
                    &t.db,
                    "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'disk full'; END $$; \
                     CREATE TRIGGER disk_full BEFORE INSERT ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION disk_full()",
                )
                .await
            }
        }
        let sink = AuditSink::start(t.db.clone());
        let refused = sink.record(read(1)).await.unwrap_err();
        assert!(
            refused.to_string().contains("disk full"),
            "{}: {refused}",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_in_use_is_not_held_up_by_a_writer() {
    for t in backends().await {
        let cli = Actor::cli();
        fupin_services::accounts::add_user(&t.db, &cli, clerk("reader"), false)
            .await
            .unwrap();
        // a session opened a while ago: this request slides its expiry, a write
        let opened = chrono::Utc::now() - chrono::Duration::minutes(5);
        let login = fupin_services::accounts::login_at(
            &t.db,
            "reader",
            "Correct-Horse-9",
            "203.0.113.9",
            "test",
            opened,
        )
        .await
        .unwrap();
        let import = hold_write_lock(&t.db).await;
        let started = Instant::now();
        let session = fupin_services::accounts::session(&t.db, &login.session_secret)
            .await
            .unwrap();
        let took = started.elapsed();
        assert!(session.is_some(), "{}", t.name);
        // before: the slide waited for the lock for 30 s, then failed the request
        assert!(took < Duration::from_secs(2), "{}: {took:?}", t.name);
        import.commit().await.unwrap();
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_moves_spooled_reads_into_the_chain_first() {
    let t = backends().await.remove(0);
    let spool = AuditSpool::beside(&t.db).await.unwrap().unwrap();
    let entries: Vec<NewAuditEntry> = (0..3).map(read).collect();
    spool.push(&entries).await.unwrap();
    spool.close().await;
    let v = verify(&t.db, Default::default(), &Silent).await.unwrap();
    assert_eq!((v.checked, v.spooled), (3, 0));
    assert!(v.passed());
    t.drop_database().await;
}
