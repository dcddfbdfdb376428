//! Loading an empty registry fast: secondary indexes, unique and foreign-key constraints of the
//! registry tables are dropped inside the loading transaction and rebuilt before it commits.
//!
//! Building an index once over sorted data and checking a foreign key with one join is much
//! cheaper than maintaining them row by row (PostgreSQL checks each foreign key with a query per
//! row: about 45% of a province load, see BENCHMARKS.md). Integrity is the same: every
//! constraint is re-created, and so re-validated, before the commit, and a failure rolls the
//! whole load back, the dropped definitions included (DDL is transactional on both backends).
//! The definitions are read from the database catalogue, so they always match the migrations.

use crate::sql::{execute, fetch_all};
use crate::{Backend, StorageError, Tx};

/// The tables a household import writes.
const TABLES: &[&str] = &[
    "households",
    "members",
    "household_incomes",
    "household_status_years",
    "change_log",
    "name_grams",
    "household_codes",
];

/// What was dropped, in the order it must be re-created.
#[derive(Debug, Default)]
pub struct Deferred {
    restore: Vec<String>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Definition {
    drop_sql: String,
    create_sql: String,
}

/// Drops the registry tables' secondary indexes and constraints (not primary keys) and returns
/// how to re-create them. Takes exclusive locks on PostgreSQL, so concurrent writers wait.
pub async fn defer(tx: &mut Tx) -> Result<Deferred, StorageError> {
    let definitions: Vec<Definition> = match tx.backend() {
        Backend::Postgres => {
            // foreign keys first (they may rely on unique keys), then unique keys, then indexes
            let tables = TABLES.join(",");
            let sql = format!(
                "SELECT 'ALTER TABLE ' || c.conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(c.conname) AS drop_sql,
                        'ALTER TABLE ' || c.conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) AS create_sql,
                        CASE c.contype WHEN 'f' THEN 0 ELSE 1 END AS step
                   FROM pg_constraint c
                  WHERE c.contype IN ('f', 'u')
                    AND c.conrelid::regclass::text = ANY(string_to_array('{tables}', ','))
                 UNION ALL
                 SELECT 'DROP INDEX ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid), 2
                   FROM pg_index i
                  WHERE NOT i.indisprimary
                    AND i.indrelid::regclass::text = ANY(string_to_array('{tables}', ','))
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                 ORDER BY step, drop_sql"
            );
            fetch_all(tx, &sql, &[]).await?
        }
        // SQLite cannot drop constraints; its explicit indexes are what can be deferred
        Backend::Sqlite => {
            let tables: Vec<String> = TABLES.iter().map(|t| format!("'{t}'")).collect();
            let sql = format!(
                "SELECT 'DROP INDEX ' || name AS drop_sql, sql AS create_sql
                   FROM sqlite_master
                  WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({})
                  ORDER BY name",
                tables.join(",")
            );
            fetch_all(tx, &sql, &[]).await?
        }
    };
    let mut deferred = Deferred::default();
    for d in definitions {
        execute(tx, &d.drop_sql, &[]).await?;
        deferred.restore.push(d.create_sql);
    }
    // re-create in reverse: indexes, then unique keys, then the foreign keys that may use them
    deferred.restore.reverse();
    Ok(deferred)
}

/// Re-creates (and so re-validates) everything [`defer`] dropped.
pub async fn restore(tx: &mut Tx, deferred: Deferred) -> Result<(), StorageError> {
    if tx.backend() == Backend::Postgres {
        // sorts for the index builds in memory rather than in temporary files (default 64 MB)
        execute(tx, "SET LOCAL maintenance_work_mem = '1GB'", &[]).await?;
    }
    for sql in deferred.restore {
        tracing::debug!(%sql, "re-creating");
        execute(tx, &sql, &[]).await?;
    }
    Ok(())
}
