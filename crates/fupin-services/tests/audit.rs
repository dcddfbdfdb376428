//! The audit trail against real databases: the application cannot change it, and
//! `fupin audit verify` (`fupin_services::audit::verify`) finds an entry edited, removed or the
//! chain rebuilt by someone with direct access to the database.

use fupin_core::audit::{ChainBreak, ChainVerifier};
use fupin_services::audit::{Actor, Verification, record, verify};
use fupin_services::progress::Silent;
use fupin_storage::Db;

mod common;
use common::{TestDb, backends};

async fn sql(db: &Db, statement: &str) -> Result<(), sqlx::Error> {
    let statement = sqlx::AssertSqlSafe(statement.to_string());
    fupin_storage::dispatch!(db, p => sqlx::raw_sql(statement).execute(p).await.map(|_| ()))
}

/// What an intruder with the database's own credentials does first: switch the guard off.
async fn disable_guard(t: &TestDb) {
    let statement = match t.name.as_str() {
        "sqlite" => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
        _ => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    };
    sql(&t.db, statement).await.unwrap();
}

async fn five_entries(db: &Db) {
    let actor = Actor::cli();
    for i in 1..=5 {
        let entry = actor.entry("user.create", "user", format!("u{i}"), "522726000000", "");
        record(db, entry).await.unwrap();
    }
}

async fn check(db: &Db, anchor: Option<(i64, String)>) -> Verification {
    let verifier = match anchor {
        Some((id, hash)) => ChainVerifier::with_anchor(id, &hash),
        None => ChainVerifier::default(),
    };
    verify(db, verifier, &Silent).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_cannot_change_the_trail() {
    for t in backends().await {
        five_entries(&t.db).await;
        let v = check(&t.db, None).await;
        assert_eq!((v.checked, v.broken.as_ref()), (5, None), "{}", t.name);
        assert_eq!(v.head.0, 5);
        for statement in [
            "UPDATE audit_log SET detail = 'x' WHERE id = 2",
            "DELETE FROM audit_log WHERE id = 5",
        ] {
            let refused = sql(&t.db, statement).await;
            assert!(
                refused.unwrap_err().to_string().contains("append-only"),
                "{}: {statement}",
                t.name
            );
        }
        assert!(check(&t.db, None).await.broken.is_none());
        t.drop_database().await;
    }
}

/// With its triggers gone the trail could have been rewritten unseen: verification fails even
/// though the chain is intact, and records no checkpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trail_without_its_guards_does_not_pass() {
    for t in backends().await {
        five_entries(&t.db).await;
        let recording = || ChainVerifier::default().recording(2, 0);
        let v = verify(&t.db, recording(), &Silent).await.unwrap();
        assert!(v.passed() && v.missing_guards.is_empty(), "{}", t.name);
        let ids: Vec<i64> = v.new_checkpoints.iter().map(|c| c.id).collect();
        assert_eq!(ids, [2, 4, 5], "{}", t.name);
        disable_guard(&t).await;
        let v = verify(&t.db, recording(), &Silent).await.unwrap();
        assert_eq!((v.checked, v.broken.as_ref()), (5, None), "{}", t.name);
        assert!(
            v.missing_guards
                .contains(&"audit_log_no_update".to_string()),
            "{}: {:?}",
            t.name,
            v.missing_guards
        );
        assert!(!v.passed() && v.new_checkpoints.is_empty(), "{}", t.name);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_an_edited_or_deleted_entry() {
    for t in backends().await {
        five_entries(&t.db).await;
        disable_guard(&t).await;
        sql(
            &t.db,
            "UPDATE audit_log SET actor = 'someone else' WHERE id = 3",
        )
        .await
        .unwrap();
        let v = check(&t.db, None).await;
        assert_eq!(v.broken, Some(ChainBreak::Edited { id: 3 }), "{}", t.name);
        assert_eq!(v.checked, 2, "entries before the edit are intact");
        t.drop_database().await;
    }
    for t in backends().await {
        five_entries(&t.db).await;
        disable_guard(&t).await;
        sql(&t.db, "DELETE FROM audit_log WHERE id = 4")
            .await
            .unwrap();
        let v = check(&t.db, None).await;
        assert_eq!(
            v.broken,
            Some(ChainBreak::Missing { after: 3, at: 5 }),
            "{}",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anchor_catches_a_cut_or_a_rebuilt_chain() {
    for t in backends().await {
        five_entries(&t.db).await;
        let head = check(&t.db, None).await.head;
        disable_guard(&t).await;
        // the newest entry removed: the chain that is left is consistent …
        sql(&t.db, "DELETE FROM audit_log WHERE id = 5")
            .await
            .unwrap();
        assert!(check(&t.db, None).await.broken.is_none(), "{}", t.name);
        // … but no longer reaches the head kept outside the database
        let v = check(&t.db, Some(head.clone())).await;
        assert_eq!(
            v.broken,
            Some(ChainBreak::Truncated {
                last: 4,
                expected: 5
            }),
            "{}",
            t.name
        );
        t.drop_database().await;
    }
    for t in backends().await {
        five_entries(&t.db).await;
        let head = check(&t.db, None).await.head;
        disable_guard(&t).await;
        // every entry rewritten and re-sealed, the whole chain recomputed
        let entries = t.db.audit_after(0, 100).await.unwrap();
        sql(&t.db, "DELETE FROM audit_log").await.unwrap();
        let mut prev = fupin_core::audit::GENESIS.to_string();
        for mut e in entries {
            e.detail = "rewritten".into();
            let e = e.seal(&prev);
            prev = e.hash.clone();
            let statement = format!(
                "INSERT INTO audit_log (id, at, actor, user_id, action, target_kind, target_id, \
                 area_code, client_addr, detail, prev_hash, hash) VALUES ({}, '{}', '{}', NULL, \
                 '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')",
                e.id,
                e.at,
                e.actor,
                e.action,
                e.target_kind,
                e.target_id,
                e.area_code,
                e.client_addr,
                e.detail,
                e.prev_hash,
                e.hash
            );
            sql(&t.db, &statement).await.unwrap();
        }
        assert!(check(&t.db, None).await.broken.is_none(), "{}", t.name);
        let v = check(&t.db, Some(head)).await;
        assert_eq!(
            v.broken,
            Some(ChainBreak::Rewritten {
                id: 5,
                last_matching: None
            }),
            "{}",
            t.name
        );
        t.drop_database().await;
    }
}

/// Reads recorded one after another reach the chain while the stream goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_reads_are_written_while_the_stream_goes_on() {
    use fupin_services::audit::AuditSink;
    for t in backends().await {
        let sink = AuditSink::start(t.db.clone());
        let actor = Actor::cli();
        // one read every 100 ms for 2.5 s: the mover runs every second meanwhile
        for i in 0..25 {
            let entry = actor.entry("read", "household", format!("h{i}"), "522726000000", "page");
            sink.record(entry).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let written = t.db.audit_after(0, 100).await.unwrap().len();
        assert!(
            written >= 5,
            "{}: only {written} of 25 written so far",
            t.name
        );
        sink.flush().await;
        assert_eq!(t.db.audit_after(0, 100).await.unwrap().len(), 25);
        assert!(check(&t.db, None).await.broken.is_none());
        t.drop_database().await;
    }
}
