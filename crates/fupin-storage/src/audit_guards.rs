//! The triggers that keep `audit_log` append-only (migration 0002 of each backend). Anyone with
//! the database's credentials can drop or disable them, rewrite history and re-seal the chain;
//! so verification reports them when they are not in force as the migration made them, and
//! `fupin migrate` puts them back.

use sqlx::AssertSqlSafe;

use crate::{Db, StorageError, Tx};

/// SQLite: each trigger as migration 0002 creates it (SQLite keeps the statement's text, which
/// is compared with these, whitespace aside).
const SQLITE_GUARDS: &[(&str, &str)] = &[
    (
        "audit_log_no_update",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ),
    (
        "audit_log_no_delete",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ),
];

/// PostgreSQL: the function's body, as migration 0002 creates it (whitespace aside).
const PG_FUNCTION_BODY: &str = "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;";
const PG_FUNCTION: &str = "audit_log_append_only()";
const PG_TRIGGER: &str = "audit_log_no_update";

/// PostgreSQL's `tgtype` bits of `BEFORE UPDATE OR DELETE OR TRUNCATE … FOR EACH STATEMENT`:
/// BEFORE 2, DELETE 8, UPDATE 16, TRUNCATE 32 (ROW 1 and INSERT 4 unset).
const PG_TRIGGER_TYPE: i16 = 2 | 8 | 16 | 32;

/// The function and trigger again, whatever is left of them (replacing the function cannot
/// drop the trigger that uses it; the trigger is created afresh, hence enabled).
fn pg_restore_sql() -> String {
    format!(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql \
         AS $$ {PG_FUNCTION_BODY} $$;
         DROP TRIGGER IF EXISTS {PG_TRIGGER} ON audit_log;
         CREATE TRIGGER {PG_TRIGGER} BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
             FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();"
    )
}

impl Db {
    /// The append-only guards of `audit_log` that are missing, disabled or altered, by name
    /// (none when the trail is protected as the migrations left it).
    pub async fn missing_audit_guards(&self) -> Result<Vec<String>, StorageError> {
        let mut tx = self.reader().await?;
        let missing = missing_in(&mut tx).await?;
        tx.rollback().await?;
        Ok(missing)
    }

    /// Puts back the guards [`Db::missing_audit_guards`] reports, in one transaction (the trail
    /// is never left half guarded), and returns their names: none when nothing was missing.
    pub async fn restore_audit_guards(&self) -> Result<Vec<String>, StorageError> {
        let mut tx = self.begin().await?;
        let missing = missing_in(&mut tx).await?;
        if missing.is_empty() {
            tx.rollback().await?;
            return Ok(missing);
        }
        match &mut tx {
            Tx::Postgres(t) => sqlx::raw_sql(AssertSqlSafe(pg_restore_sql()))
                .execute(&mut **t)
                .await
                .map(drop)?,
            Tx::Sqlite(t) => sqlx::raw_sql(AssertSqlSafe(sqlite_restore_sql(&missing)))
                .execute(&mut **t)
                .await
                .map(drop)?,
            Tx::SqliteRead(_) => unreachable!("`Db::begin` opens a writer"),
        }
        tx.commit().await?;
        Ok(missing)
    }
}

async fn missing_in(tx: &mut Tx) -> Result<Vec<String>, StorageError> {
    match tx {
        Tx::Sqlite(_) | Tx::SqliteRead(_) => {
            let present: Vec<(String, String)> = crate::sql::fetch_all(
                tx,
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'",
                &[],
            )
            .await?;
            Ok(SQLITE_GUARDS
                .iter()
                .filter(|(name, sql)| !present.iter().any(|(n, s)| n == name && same_sql(s, sql)))
                .map(|(name, _)| name.to_string())
                .collect())
        }
        Tx::Postgres(t) => {
            let (body, trigger_ok): (Option<String>, bool) = sqlx::query_as(
                "SELECT (SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure($1)),
                        EXISTS (SELECT 1 FROM pg_trigger
                                WHERE tgrelid = to_regclass('audit_log') AND tgname = $2
                                  AND tgfoid = to_regprocedure($1) AND tgtype = $3
                                  AND tgenabled IN ('O', 'A'))",
            )
            .bind(PG_FUNCTION)
            .bind(PG_TRIGGER)
            .bind(PG_TRIGGER_TYPE)
            .fetch_one(&mut **t)
            .await?;
            let mut missing = Vec::new();
            if !body.is_some_and(|b| same_sql(&b, PG_FUNCTION_BODY)) {
                missing.push(PG_FUNCTION.to_string());
            }
            if !trigger_ok {
                missing.push(PG_TRIGGER.to_string());
            }
            Ok(missing)
        }
    }
}

/// Drops what is left of each missing trigger (an altered one keeps its name) and creates it.
fn sqlite_restore_sql(missing: &[String]) -> String {
    SQLITE_GUARDS
        .iter()
        .filter(|(name, _)| missing.iter().any(|m| m == name))
        .map(|(name, sql)| format!("DROP TRIGGER IF EXISTS {name}; {sql};\n"))
        .collect()
}

fn same_sql(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}
