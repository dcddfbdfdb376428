//! SQLite read snapshots stepped on the caller's thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement, `BEGIN` and end
//! of a transaction is a message to that thread and every row one back, and on two cores the
//! hand-overs cost more than the statements (a household page's twenty statements spent most
//! of their time waking threads; BENCHMARKS.md). A read transaction ([`crate::Db::reader`]) on
//! SQLite therefore runs on a connection of its own, opened by rusqlite on the same file and
//! kept in [`Readers`], and steps its statements where it is called. Rows decode by column name
//! through serde (every row type derives `serde::Deserialize` beside `sqlx::FromRow`), the
//! same names sqlx decodes by.
//!
//! These connections cannot write (`PRAGMA query_only`); writes go through sqlx's pool.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;

use crate::StorageError;
use crate::sql::{Value, anonymous_placeholders};

/// Idle read connections kept open; more are opened while more snapshots are open at once.
const IDLE_READERS: usize = 8;

/// Prepared statements each read connection keeps (a household page runs about twenty).
const CACHED_STATEMENTS: usize = 64;

/// The read connections of one SQLite database file.
pub(crate) struct Readers {
    file: PathBuf,
    pragmas: &'static [(&'static str, &'static str)],
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("file", &self.file).finish()
    }
}

impl Readers {
    /// Read connections to `file`, each set up with `pragmas` (those of the pool's
    /// connections, so that both read alike).
    pub(crate) fn new(file: &Path, pragmas: &'static [(&'static str, &'static str)]) -> Arc<Self> {
        Arc::new(Readers {
            file: file.to_path_buf(),
            pragmas,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn take(&self) -> Result<rusqlite::Connection, StorageError> {
        if let Some(conn) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(conn);
        }
        let conn = rusqlite::Connection::open_with_flags(
            &self.file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(crate::db::BUSY_TIMEOUT)?;
        for (name, value) in self.pragmas {
            conn.execute_batch(&format!("PRAGMA {name} = {value}"))?;
        }
        conn.execute_batch("PRAGMA query_only = ON")?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        Ok(conn)
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Closes the idle connections (open snapshots close theirs when they end).
    pub(crate) fn close(&self) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// One statement outside a transaction (it reads one consistent state by itself).
    pub(crate) fn fetch_once<T: DeserializeOwned>(
        &self,
        sql: &str,
        values: &[Value],
    ) -> Result<Vec<T>, StorageError> {
        let conn = self.take()?;
        let rows = fetch(&conn, &anonymous_placeholders(sql), values);
        self.give_back(conn);
        rows
    }
}

/// An open read transaction on a connection of [`Readers`]; dropped, it ends and its
/// connection goes back to be used again.
pub struct SqliteRead {
    conn: Option<rusqlite::Connection>,
    readers: Arc<Readers>,
}

impl SqliteRead {
    /// Begins a deferred transaction: its snapshot is taken at its first read and never blocks
    /// a writer.
    pub(crate) fn begin(readers: &Arc<Readers>) -> Result<Self, StorageError> {
        let conn = readers.take()?;
        conn.execute_batch("BEGIN")?;
        Ok(SqliteRead {
            conn: Some(conn),
            readers: readers.clone(),
        })
    }

    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        self.conn
            .as_ref()
            .expect("a snapshot's connection is there until it ends")
    }

    /// Ends the transaction and gives the connection back (an error leaves it closed).
    pub(crate) fn end(mut self) -> Result<(), StorageError> {
        let conn = self.conn.take().expect("ended once");
        conn.execute_batch("COMMIT")?;
        self.readers.give_back(conn);
        Ok(())
    }
}

impl Drop for SqliteRead {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // a connection whose transaction cannot be ended is closed, not reused
            if conn.is_autocommit() || conn.execute_batch("ROLLBACK").is_ok() {
                self.readers.give_back(conn);
            }
        }
    }
}

/// Runs `sql` (its placeholders as `sql::dialect_sql` leaves them) with `values` bound and
/// decodes every row as `T` by column name.
pub(crate) fn fetch<T: DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    values: &[Value],
) -> Result<Vec<T>, StorageError> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind(&mut stmt, values)?;
    serde_rusqlite::from_rows::<T>(stmt.raw_query())
        .map(|row| row.map_err(|e| StorageError::Corrupt(format!("a row of {sql:?}: {e}"))))
        .collect()
}

/// Runs one statement with `values` bound; the rows it changed.
pub(crate) fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    values: &[Value],
) -> Result<u64, StorageError> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind(&mut stmt, values)?;
    Ok(stmt.raw_execute()? as u64)
}

/// Binds `values` to the statement's parameters: `$n` (used in any order, any number of times)
/// to the n-th value, `?` to the next. (Callers make `$1, $2, …` in order `?` before:
/// SQLite looks a named parameter up by a linear search, which makes long `IN (…)` lists
/// quadratic.)
pub(crate) fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    values: &[Value],
) -> Result<(), StorageError> {
    for i in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(i) {
            Some(name) => name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| StorageError::Invalid(format!("parameter {name} is not $n")))?,
            None => i,
        };
        let value = values.get(n - 1).ok_or_else(|| {
            StorageError::Invalid(format!("no value for parameter {n} of {}", values.len()))
        })?;
        stmt.raw_bind_parameter(i, value)?;
    }
    Ok(())
}

/// A boolean column as SQLite stores it (0 or 1), for a row type read through `#[serde(flatten)]`
/// (serde buffers a flattened struct's cells, and a buffered integer is not a `bool`).
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or 0/1")
        }
        fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
    }
    d.deserialize_any(Flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> rusqlite::Connection {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c REAL, d INTEGER)")
            .unwrap();
        c.execute_batch("INSERT INTO t VALUES (1, 'x', 1.5, 1), (2, NULL, 2, 0)")
            .unwrap();
        c
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        a: i32,
        b: Option<String>,
        c: f64,
        d: bool,
    }

    #[test]
    fn rows_decode_by_name_and_numbered_parameters_bind_in_any_order() {
        let c = conn();
        let rows: Vec<Row> = fetch(
            &c,
            "SELECT d, c, b, a FROM t WHERE a >= $2 AND a <= $1 ORDER BY a",
            &[Value::I64(2), Value::I64(1)],
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                Row {
                    a: 1,
                    b: Some("x".into()),
                    c: 1.5,
                    d: true
                },
                Row {
                    a: 2,
                    b: None,
                    c: 2.0,
                    d: false
                },
            ]
        );
        let one: Vec<Row> = fetch(
            &c,
            "SELECT * FROM t WHERE a = $1 OR a = $1",
            &[Value::I64(2)],
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        let err = fetch::<Row>(&c, "SELECT * FROM t WHERE a = $2", &[Value::I64(2)]);
        assert!(err.is_err(), "a missing value is an error, not a NULL");
    }

    #[test]
    fn a_flattened_flag_reads_zero_and_one() {
        #[derive(serde::Deserialize)]
        struct Inner {
            #[serde(deserialize_with = "flag")]
            d: bool,
        }
        #[derive(serde::Deserialize)]
        struct Outer {
            a: i64,
            #[serde(flatten)]
            inner: Inner,
        }
        let rows: Vec<Outer> = fetch(&conn(), "SELECT a, d FROM t ORDER BY a", &[]).unwrap();
        let got: Vec<(i64, bool)> = rows.iter().map(|r| (r.a, r.inner.d)).collect();
        assert_eq!(got, vec![(1, true), (2, false)]);
    }
}
