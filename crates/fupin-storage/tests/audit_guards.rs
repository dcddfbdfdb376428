//! The append-only triggers of `audit_log`: reported when dropped, disabled or altered, and put
//! back by `Db::restore_audit_guards` (what `fupin migrate` runs) — on both databases
//! (PostgreSQL when `FUPIN_TEST_POSTGRES` is set).

use fupin_storage::{Db, NewAuditEntry};

async fn sql(db: &Db, statement: &str) -> Result<(), sqlx::Error> {
    let statement = sqlx::AssertSqlSafe(statement.to_string());
    fupin_storage::dispatch!(db, p => sqlx::raw_sql(statement).execute(p).await.map(|_| ()))
}

/// Ways to switch the guard off, each with the guards it leaves missing.
fn tamperings(backend: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    if backend == "sqlite" {
        vec![
            (
                "DROP TRIGGER audit_log_no_update",
                vec!["audit_log_no_update"],
            ),
            (
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
                vec!["audit_log_no_update", "audit_log_no_delete"],
            ),
            // the name kept, the refusal gone
            (
                "DROP TRIGGER audit_log_no_delete; CREATE TRIGGER audit_log_no_delete \
                 BEFORE DELETE ON audit_log BEGIN SELECT 1; END",
                vec!["audit_log_no_delete"],
            ),
        ]
    } else {
        vec![
            (
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
                vec!["audit_log_no_update"],
            ),
            (
                "DROP TRIGGER audit_log_no_update ON audit_log",
                vec!["audit_log_no_update"],
            ),
            (
                "DROP FUNCTION audit_log_append_only() CASCADE",
                vec!["audit_log_append_only()", "audit_log_no_update"],
            ),
            // the function kept, its refusal gone
            (
                "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$",
                vec!["audit_log_append_only()"],
            ),
            // fires only for replication sessions: not for anyone else
            (
                "ALTER TABLE audit_log ENABLE REPLICA TRIGGER audit_log_no_update",
                vec!["audit_log_no_update"],
            ),
        ]
    }
}

async fn check(db: &Db, backend: &str) {
    let entry = NewAuditEntry {
        actor: "test".into(),
        action: "user.create".into(),
        ..NewAuditEntry::default()
    };
    db.append_audit(vec![entry.clone(), entry]).await.unwrap();
    assert!(
        db.missing_audit_guards().await.unwrap().is_empty(),
        "{backend}"
    );
    assert!(
        db.restore_audit_guards().await.unwrap().is_empty(),
        "{backend}"
    );
    for (tamper, missing) in tamperings(backend) {
        sql(db, tamper).await.unwrap();
        assert_eq!(
            db.missing_audit_guards().await.unwrap(),
            missing,
            "{backend}: {tamper}"
        );
        assert_eq!(db.restore_audit_guards().await.unwrap(), missing);
        assert!(db.missing_audit_guards().await.unwrap().is_empty());
        for refused in [
            "UPDATE audit_log SET detail = 'x' WHERE id = 1",
            "DELETE FROM audit_log WHERE id = 2",
        ] {
            let e = sql(db, refused).await.unwrap_err();
            assert!(
                e.to_string().contains("append-only"),
                "{backend}: {refused} after {tamper}: {e}"
            );
        }
    }
}

#[tokio::test]
async fn missing_guards_are_reported_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.sqlite3").display());
    let db = Db::connect(&url).await.unwrap();
    check(&db, "sqlite").await;
    db.close().await;

    if let Some(scratch) = fupin_storage::scratch::ScratchPostgres::create("fupin_guards").await {
        let db = Db::connect(scratch.url()).await.unwrap();
        check(&db, "postgres").await;
        db.close().await;
    }
}
