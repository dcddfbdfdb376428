//! `fupin audit verify` and `fupin migrate` against someone with the database's credentials, on
//! SQLite and (with `FUPIN_TEST_POSTGRES`) PostgreSQL: triggers dropped are reported and put
//! back; a chain rebuilt with fresh hashes is located by the checkpoint file kept before.

use std::path::Path;
use std::process::Output;

use fupin_core::audit::GENESIS;
use fupin_storage::{Db, NewAuditEntry};

fn fupin(url: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("USER", "operator-test")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn sql(db: &Db, statement: &str) -> Result<(), sqlx::Error> {
    let statement = sqlx::AssertSqlSafe(statement.to_string());
    fupin_storage::dispatch!(db, p => sqlx::raw_sql(statement).execute(p).await.map(|_| ()))
}

fn drop_guards(backend: &str) -> &'static str {
    match backend {
        "sqlite" => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
        _ => "DROP TRIGGER audit_log_no_update ON audit_log",
    }
}

fn verify(url: &str, checkpoints: &Path, every: &str) -> Output {
    let file = checkpoints.to_str().unwrap();
    fupin(
        url,
        &["audit", "verify", "--checkpoints", file, "--every", every],
    )
}

/// Entry `k` edited and every hash from there on recomputed and written back: a chain as
/// consistent as the original, which no trigger stops once they are dropped.
async fn rebuild_from(db: &Db, k: i64) {
    let entries = db.audit_after(0, 1000).await.unwrap();
    let mut prev = GENESIS.to_string();
    for mut e in entries {
        if e.id == k {
            e.detail = "rewritten".into();
        }
        if e.id >= k {
            e = e.seal(&prev);
            let update =
                "UPDATE audit_log SET detail = $1, prev_hash = $2, hash = $3 WHERE id = $4";
            fupin_storage::dispatch!(db, p => sqlx::query(update)
                .bind(&e.detail)
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .bind(e.id)
                .execute(p)
                .await
                .map(|_| ())
                .unwrap());
        }
        prev = e.hash;
    }
}

async fn check(backend: &str, url: &str, dir: &Path) {
    let db = Db::connect(url).await.unwrap();
    let entry = |i: i64| NewAuditEntry {
        actor: "cli:operator-test".into(),
        action: "user.create".into(),
        target_kind: "user".into(),
        target_id: format!("u{i}"),
        ..NewAuditEntry::default()
    };
    db.append_audit((1..=12).map(entry).collect())
        .await
        .unwrap();
    let every4 = dir.join("every4.txt");
    let every1 = dir.join("every1.txt");

    // first runs create the files: checkpoints every 4 entries and the head, or every entry
    let first = verify(url, &every4, "4");
    assert!(first.status.success(), "{backend}: {first:?}");
    assert!(
        stdout(&first).contains("checkpoints saved to") && stdout(&first).contains("3 new"),
        "{backend}: {}",
        stdout(&first)
    );
    let ids = |path: &Path| -> Vec<i64> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect()
    };
    assert_eq!(ids(&every4), [4, 8, 12], "{backend}");
    assert!(verify(url, &every1, "1").status.success(), "{backend}");
    assert_eq!(ids(&every1), (1..=12).collect::<Vec<_>>(), "{backend}");

    // the triggers dropped: reported, exit 1 though the chain is intact, nothing appended
    sql(&db, drop_guards(backend)).await.unwrap();
    db.append_audit(vec![entry(13)]).await.unwrap();
    let open = verify(url, &every4, "4");
    assert_eq!(open.status.code(), Some(1), "{backend}: {open:?}");
    let out = stdout(&open);
    assert!(
        out.contains("append-only triggers are missing, disabled or altered")
            && out.contains("audit_log_no_update")
            && out.contains("the hash chain itself is intact: 13 entries"),
        "{backend}: {out}"
    );
    assert_eq!(ids(&every4), [4, 8, 12], "{backend}: no checkpoint taken");

    // migrate puts them back and says so (and the trail records it); once only
    let migrated = fupin(url, &["migrate"]);
    assert!(migrated.status.success(), "{backend}: {migrated:?}");
    assert!(
        stdout(&migrated).contains("restored the audit trail's append-only triggers: "),
        "{backend}: {}",
        stdout(&migrated)
    );
    let again = stdout(&fupin(url, &["migrate"]));
    assert!(!again.contains("restored"), "{backend}: {again}");
    let passed = verify(url, &every4, "4");
    assert!(passed.status.success(), "{backend}: {passed:?}");
    assert!(
        stdout(&passed).contains("audit trail intact: 14 entries checked"),
        "{backend}: {}",
        stdout(&passed)
    );
    assert_eq!(ids(&every4), [4, 8, 12, 14], "{backend}");
    let last = db.audit_after(13, 1).await.unwrap();
    assert_eq!(last[0].action, "audit.guards_restored", "{backend}");
    let refused = sql(&db, "UPDATE audit_log SET detail = 'x' WHERE id = 3").await;
    assert!(
        refused.unwrap_err().to_string().contains("append-only"),
        "{backend}"
    );

    // rebuilt from entry 6 and the triggers put back: only the checkpoints can tell, between
    // entry 4 (every 4) or 5 (every entry) and the first that differs
    sql(&db, drop_guards(backend)).await.unwrap();
    rebuild_from(&db, 6).await;
    assert!(fupin(url, &["migrate"]).status.success());
    let plain = fupin(url, &["audit", "verify"]);
    assert!(
        plain.status.success(),
        "{backend}: the chain itself is consistent"
    );
    let before = std::fs::read_to_string(&every4).unwrap();
    let located = verify(url, &every4, "4");
    assert_eq!(located.status.code(), Some(1), "{backend}: {located:?}");
    let out = stdout(&located);
    assert!(
        out.contains("AUDIT TRAIL BROKEN")
            && out.contains(
                "rewritten after entry 4 (the last matching checkpoint), by entry 8 at the latest"
            ),
        "{backend}: {out}"
    );
    assert_eq!(std::fs::read_to_string(&every4).unwrap(), before);
    let exact = stdout(&verify(url, &every1, "1"));
    assert!(
        exact.contains("rewritten from entry 6 on"),
        "{backend}: {exact}"
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_triggers_and_a_rebuilt_chain_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.sqlite3").display());
    check("sqlite", &url, dir.path()).await;

    if let Some(scratch) = fupin_storage::scratch::ScratchPostgres::create("fupin_audit_cli").await
    {
        let dir = tempfile::tempdir().unwrap();
        check("postgres", scratch.url(), dir.path()).await;
    }
}

#[test]
fn a_bad_checkpoint_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.sqlite3").display());
    let file = dir.path().join("cp.txt");
    std::fs::write(&file, format!("# mine\n1 {GENESIS}\n2 not-a-hash\n")).unwrap();
    let bad = verify(&url, &file, "1000");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("cp.txt, line 3: the hash of entry 2 is not 64 hex digits"),
        "{err}"
    );
    let alone = fupin(&url, &["audit", "verify", "--every", "5"]);
    assert!(!alone.status.success(), "--every needs --checkpoints");
}
