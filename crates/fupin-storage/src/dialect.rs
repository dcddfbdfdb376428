//! What SQLite and PostgreSQL spell differently, in one place: row locks, table locks, planner
//! statistics, random tokens, string aggregation, reserving new ids. (Bulk loading and
//! column-position reads differ too, and live in `bulk` and `cells`; schema introspection for
//! deferred indexes and the audit guards in `deferred` and `audit_guards`.)

use crate::sql::{Value, execute, fetch_all};
use crate::{Backend, Db, StorageError, Tx};

impl Backend {
    /// Appended to a `SELECT` that reads rows about to be changed: PostgreSQL locks them;
    /// SQLite's writer (`BEGIN IMMEDIATE`) already holds the whole database.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// An expression giving 128 random bits as 32 hex digits.
    pub(crate) fn random_token(self) -> &'static str {
        match self {
            Backend::Sqlite => "lower(hex(randomblob(16)))",
            Backend::Postgres => "md5(gen_random_uuid()::text || gen_random_uuid()::text)",
        }
    }

    /// An aggregate joining `column` with commas (ordered on PostgreSQL).
    pub(crate) fn comma_list(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("group_concat({column}, ',')"),
            Backend::Postgres => format!("string_agg({column}, ',' ORDER BY {column})"),
        }
    }
}

impl Tx {
    /// Locks `table` in `mode` for the rest of the transaction on PostgreSQL; SQLite's writer
    /// already excludes every other.
    pub(crate) async fn lock_table(&mut self, table: &str, mode: &str) -> Result<(), StorageError> {
        if self.backend() == Backend::Postgres {
            execute(self, &format!("LOCK TABLE {table} IN {mode} MODE"), &[]).await?;
        }
        Ok(())
    }

    /// Reserves `n` ids for new rows of `table`: from its sequence `{table}_id_seq` on
    /// PostgreSQL, after `MAX(id)` on SQLite, where `next` (the caller's, `None` at first)
    /// carries on after the previous reservation of the same transaction.
    pub(crate) async fn reserve_ids(
        &mut self,
        table: &str,
        n: usize,
        next: &mut Option<i64>,
    ) -> Result<Vec<i64>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Id {
            n: i64,
        }
        match self.backend() {
            // SQLite: the writer holds the database lock (BEGIN IMMEDIATE), so MAX(id) is stable
            Backend::Sqlite => {
                let first = match *next {
                    Some(next) => next,
                    None => {
                        let rows: Vec<Id> = fetch_all(
                            self,
                            &format!("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM {table}"),
                            &[],
                        )
                        .await?;
                        rows.first().map_or(1, |c| c.n)
                    }
                };
                *next = Some(first + n as i64);
                Ok((first..first + n as i64).collect())
            }
            // PostgreSQL: take them from the sequence in one round trip
            Backend::Postgres => {
                let rows: Vec<Id> = fetch_all(
                    self,
                    &format!("SELECT nextval('{table}_id_seq') AS n FROM generate_series(1, $1)"),
                    &[Value::I32(n as i32)],
                )
                .await?;
                Ok(rows.into_iter().map(|c| c.n).collect())
            }
        }
    }

    /// Refreshes PostgreSQL's planner statistics of a table a bulk load has just grown (SQLite
    /// plans by its indexes).
    pub(crate) async fn analyze(&mut self, table: &str) -> Result<(), StorageError> {
        if self.backend() == Backend::Postgres {
            execute(self, &format!("ANALYZE {table}"), &[]).await?;
        }
        Ok(())
    }
}

impl Db {
    /// Refreshes the query planner's statistics after a bulk load, so that the next lookups by
    /// household number or ID number use the indexes (PostgreSQL otherwise plans for the empty
    /// tables it last analysed).
    pub async fn analyze(&self) -> Result<(), StorageError> {
        match self {
            Db::Sqlite(s) => sqlx::raw_sql("PRAGMA optimize")
                .execute(s.pool())
                .await
                .map(drop)?,
            Db::Postgres(p) => sqlx::raw_sql(
                "ANALYZE households, members, household_incomes, household_status_years, change_log",
            )
            .execute(p)
            .await
            .map(drop)?,
        }
        Ok(())
    }
}
