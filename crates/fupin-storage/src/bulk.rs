//! Bulk loading, the one place where the backends differ: PostgreSQL streams rows with `COPY`,
//! SQLite steps one prepared `INSERT` per row on the connection of the caller's transaction.

use sqlx::AssertSqlSafe;

use crate::cells::Cells;
use crate::{Db, StorageError, Tx};

/// A column value that binds on both backends and encodes for `COPY`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    I64(i64),
    I32(i32),
    OptI32(Option<i32>),
    OptI64(Option<i64>),
    F64(f64),
    OptF64(Option<f64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Bytes(Vec<u8>),
}

/// Binds each (owned) value in turn to a query of either backend (both accept the same Rust types).
macro_rules! bind_all {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values {
            q = match v {
                Value::I64(x) => q.bind(x),
                Value::I32(x) => q.bind(x),
                Value::OptI32(x) => q.bind(x),
                Value::OptI64(x) => q.bind(x),
                Value::F64(x) => q.bind(x),
                Value::OptF64(x) => q.bind(x),
                Value::Text(x) => q.bind(x),
                Value::OptText(x) => q.bind(x),
                Value::Bool(x) => q.bind(x),
                Value::Bytes(x) => q.bind(x),
            };
        }
        q
    }};
}

/// Bytes buffered before a `COPY` chunk is sent.
const COPY_CHUNK: usize = 1 << 20;

/// Inserts `rows` (each with one value per column) into `table`.
pub async fn insert_rows(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx {
        // a few rows (an audit entry, one household): `COPY`'s extra round trips cost tens of
        // milliseconds where one statement costs one
        Tx::Postgres(_) if rows.len() <= FEW_ROWS => {
            insert_values(tx, table, columns, &rows, "").await?
        }
        Tx::Postgres(t) => {
            let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
            let mut copy = t.copy_in_raw(&sql).await?;
            let mut buf = Vec::with_capacity(COPY_CHUNK + 4096);
            for row in &rows {
                encode_copy_row(&mut buf, row);
                if buf.len() >= COPY_CHUNK {
                    copy.send(std::mem::take(&mut buf)).await?;
                    buf.reserve(COPY_CHUNK + 4096);
                }
            }
            if !buf.is_empty() {
                copy.send(buf).await?;
            }
            copy.finish().await?;
        }
        Tx::Sqlite(t) => {
            let mut handle = t.lock_handle().await?;
            // SAFETY: while `handle` is held, sqlx's worker thread makes no calls on this
            // connection; the wrapper does not close the handle and is dropped before the lock.
            let conn =
                unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
            sqlite_insert(&conn, table, columns, &rows)?;
        }
    }
    Ok(())
}

/// Up to this many rows go to PostgreSQL as one `INSERT … VALUES`, more by `COPY`.
const FEW_ROWS: usize = 64;

/// Multi-row `INSERT … VALUES` statements (with `tail`, e.g. an `ON CONFLICT` clause), within
/// PostgreSQL's 65,535 parameters.
async fn insert_values(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
    tail: &str,
) -> Result<(), StorageError> {
    let per_statement = (60_000 / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| {
                let ps: Vec<String> = (1..=columns.len())
                    .map(|c| format!("${}", r * columns.len() + c))
                    .collect();
                format!("({})", ps.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} {tail}",
            columns.join(", "),
            tuples.join(", ")
        );
        let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
        execute(tx, &sql, &values).await?;
    }
    Ok(())
}

/// Inserts `rows`, or where a row with the same `keys` exists, replaces its other columns.
pub async fn upsert_rows(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    keys: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !keys.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let on_conflict = format!(
        "ON CONFLICT ({}) DO UPDATE SET {}",
        keys.join(", "),
        updates.join(", ")
    );
    match tx {
        Tx::Postgres(_) => insert_values(tx, table, columns, &rows, &on_conflict).await?,
        Tx::Sqlite(t) => {
            let mut handle = t.lock_handle().await?;
            // SAFETY: as in `insert_rows`
            let conn =
                unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({}) {on_conflict}",
                columns.join(", "),
                vec!["?"; columns.len()].join(",")
            );
            let mut stmt = conn.prepare(&sql)?;
            for row in &rows {
                stmt.execute(rusqlite::params_from_iter(row))?;
            }
        }
    }
    Ok(())
}

/// SQLite's fastest bulk path: one prepared single-row INSERT stepped per row, values bound
/// by reference. Going through sqlx instead (its worker thread, owned argument buffers and
/// statement-per-chunk) cost half an import's CPU (see BENCHMARKS.md).
fn sqlite_insert(
    conn: &rusqlite::Connection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<(), StorageError> {
    // several rows per statement: stepping a statement costs about as much as inserting a row
    let per_statement = (SQLITE_ROWS_PER_INSERT)
        .min(32_000 / columns.len().max(1))
        .max(1);
    let statement = |n: usize| {
        let row = format!("({})", vec!["?"; columns.len()].join(","));
        format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            vec![row; n].join(",")
        )
    };
    let mut full = conn.prepare(&statement(per_statement))?;
    let mut chunks = rows.chunks_exact(per_statement);
    for chunk in &mut chunks {
        full.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = conn.prepare(&statement(rest.len()))?;
        last.execute(rusqlite::params_from_iter(rest.iter().flatten()))?;
    }
    Ok(())
}

/// Rows per SQLite insert statement (fewer when the columns would pass the bind limit).
const SQLITE_ROWS_PER_INSERT: usize = 64;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as Owned, ValueRef};
        Ok(match self {
            Value::I64(x) | Value::OptI64(Some(x)) => ToSqlOutput::Owned(Owned::Integer(*x)),
            Value::I32(x) | Value::OptI32(Some(x)) => {
                ToSqlOutput::Owned(Owned::Integer((*x).into()))
            }
            Value::F64(x) | Value::OptF64(Some(x)) => ToSqlOutput::Owned(Owned::Real(*x)),
            Value::Bool(x) => ToSqlOutput::Owned(Owned::Integer((*x).into())),
            Value::Text(s) | Value::OptText(Some(s)) => {
                ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
            }
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::OptI32(None)
            | Value::OptI64(None)
            | Value::OptF64(None)
            | Value::OptText(None) => ToSqlOutput::Owned(Owned::Null),
        })
    }
}

/// Runs one statement with `values` bound to `$1…` on whichever backend `tx` is.
pub async fn execute(tx: &mut Tx, sql: &str, values: &[Value]) -> Result<u64, StorageError> {
    let sql = AssertSqlSafe(dialect_sql(tx, sql));
    Ok(
        crate::dispatch_tx!(tx, t => bind_all!(sqlx::query(sql), values.iter().cloned())
        .execute(&mut **t)
        .await?
        .rows_affected()),
    )
}

/// Runs one bookkeeping statement (a session's or token's last use) unless another writer holds
/// SQLite's lock, in which case it gives up at once and returns `false`: a page is never held
/// up behind an import for it, and the next request writes it.
pub(crate) async fn execute_unless_busy(
    db: &Db,
    sql: &str,
    values: &[Value],
) -> Result<bool, StorageError> {
    let Db::Sqlite(pool) = db else {
        let mut tx = db.begin().await?;
        execute(&mut tx, sql, values).await?;
        tx.commit().await?;
        return Ok(true);
    };
    let (pool, sql, values) = (pool.clone(), anonymous_placeholders(sql), values.to_vec());
    // on a task of its own: a request dropped midway cannot return the connection to the pool
    // with the lock wait still switched off
    let run = async move {
        let mut conn = pool.acquire().await?;
        sqlx::raw_sql("PRAGMA busy_timeout = 0")
            .execute(&mut *conn)
            .await?;
        let result = bind_all!(sqlx::query(AssertSqlSafe(sql)), values)
            .execute(&mut *conn)
            .await;
        let restore = format!(
            "PRAGMA busy_timeout = {}",
            crate::db::BUSY_TIMEOUT.as_millis()
        );
        sqlx::raw_sql(AssertSqlSafe(restore))
            .execute(&mut *conn)
            .await?;
        match result {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(e)) if is_busy(e.code().as_deref()) => Ok(false),
            Err(e) => Err(e.into()),
        }
    };
    tokio::spawn(run)
        .await
        .map_err(|e| StorageError::Invalid(format!("bookkeeping write: {e}")))?
}

/// SQLITE_BUSY and its extended codes (the primary code is the low byte).
fn is_busy(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 5)
}

/// The statement as the backend runs it best. On SQLite, `$1, $2, …` used once each and in
/// order become anonymous `?`: SQLite looks named parameters up linearly on every bind, which
/// makes long `IN (…)` lists quadratic.
fn dialect_sql(tx: &Tx, sql: &str) -> String {
    if matches!(tx, Tx::Postgres(_)) {
        return sql.to_string();
    }
    positional(sql).unwrap_or_else(|| sql.to_string())
}

/// `sql` as SQLite runs it best (see [`dialect_sql`]), for statements stepped through rusqlite.
pub(crate) fn anonymous_placeholders(sql: &str) -> String {
    positional(sql).unwrap_or_else(|| sql.to_string())
}

/// `sql` with `$n` replaced by `?`, if the parameters appear exactly as `$1, $2, …, $n`.
fn positional(sql: &str) -> Option<String> {
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1u32;
    let mut rest = sql;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let digits: String = rest[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.parse::<u32>().ok()? != expected {
            return None;
        }
        expected += 1;
        out.push('?');
        rest = &rest[i + 1 + digits.len()..];
    }
    out.push_str(rest);
    Some(out)
}

fn hex_string(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Appends one row in PostgreSQL's text `COPY` format.
fn encode_copy_row(buf: &mut Vec<u8>, row: &[Value]) {
    use std::io::Write;
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.push(b'\t');
        }
        let _ = match v {
            Value::I64(x) | Value::OptI64(Some(x)) => write!(buf, "{x}"),
            Value::I32(x) | Value::OptI32(Some(x)) => write!(buf, "{x}"),
            Value::F64(x) | Value::OptF64(Some(x)) => write!(buf, "{x}"),
            Value::Bool(x) => write!(buf, "{}", if *x { 't' } else { 'f' }),
            Value::Text(s) | Value::OptText(Some(s)) => {
                escape_copy_text(buf, s);
                Ok(())
            }
            // bytea's hex form, its backslash escaped for COPY's text format
            Value::Bytes(b) => write!(buf, "\\\\x{}", hex_string(b)),
            Value::OptI32(None)
            | Value::OptI64(None)
            | Value::OptF64(None)
            | Value::OptText(None) => {
                buf.extend_from_slice(b"\\N");
                Ok(())
            }
        };
    }
    buf.push(b'\n');
}

fn escape_copy_text(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// Rows decodable on both backends.
pub trait AnyRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// Runs a query with `values` bound to `$1…` and decodes every row as `T`.
pub async fn fetch_all<T: AnyRow>(
    tx: &mut Tx,
    sql: &str,
    values: &[Value],
) -> Result<Vec<T>, StorageError> {
    let sql = AssertSqlSafe(dialect_sql(tx, sql));
    Ok(
        crate::dispatch_tx!(tx, t => bind_all!(sqlx::query_as::<_, T>(sql), values.iter().cloned())
        .fetch_all(&mut **t)
        .await?),
    )
}

/// The rows of `query` with `values`, each converted by `convert` from its cells by position:
/// stepped through rusqlite on SQLite, streamed with `COPY` on PostgreSQL (see
/// [`crate::cells`]) — several times cheaper per value than sqlx's decoding, which counts when
/// a batch reads millions of rows.
pub(crate) async fn read_rows<T>(
    tx: &mut Tx,
    query: &str,
    values: &[Value],
    convert: impl Fn(&dyn Cells) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    match tx {
        Tx::Sqlite(t) => {
            let mut handle = t.lock_handle().await?;
            // SAFETY: while `handle` is held, sqlx's worker thread makes no calls on this
            // connection; the wrapper does not close the handle and is dropped before the lock.
            let conn =
                unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
            let mut stmt = conn.prepare(&anonymous_placeholders(query))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(convert(r)?);
            }
            Ok(out)
        }
        Tx::Postgres(t) => crate::cells::copy_out(t, query, values, &convert).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_and_mark_nulls() {
        let mut buf = Vec::new();
        encode_copy_row(
            &mut buf,
            &[
                Value::I64(7),
                Value::Text("a\tb\\c\nd".into()),
                Value::OptText(None),
                Value::Bool(true),
                Value::F64(1.5),
            ],
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "7\ta\\tb\\\\c\\nd\t\\N\tt\t1.5\n"
        );
    }

    #[test]
    fn ordered_parameters_become_positional() {
        assert_eq!(
            positional("a = $1 AND b IN ($2,$3)").as_deref(),
            Some("a = ? AND b IN (?,?)")
        );
        assert_eq!(positional("a = $2 AND b = $1"), None);
        assert_eq!(positional("a = $1 OR b = $1"), None);
        assert_eq!(
            positional("no parameters").as_deref(),
            Some("no parameters")
        );
    }
}
