//! Bulk loading and bulk reading, where the backends work differently: PostgreSQL streams rows
//! with `COPY`, SQLite steps one prepared statement per row on the connection of the caller's
//! transaction.

use crate::cells::Cells;
use crate::sql::{Value, anonymous_placeholders, execute};
use crate::{StorageError, Tx};

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
        // refused by the connection (`query_only`): a read snapshot does not write
        Tx::SqliteRead(r) => sqlite_insert(r.conn(), table, columns, &rows)?,
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
    let sqlite_upsert = |conn: &rusqlite::Connection| -> Result<(), StorageError> {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({}) {on_conflict}",
            columns.join(", "),
            vec!["?"; columns.len()].join(",")
        );
        let mut stmt = conn.prepare(&sql)?;
        for row in &rows {
            stmt.execute(rusqlite::params_from_iter(row))?;
        }
        Ok(())
    };
    match tx {
        Tx::Postgres(_) => insert_values(tx, table, columns, &rows, &on_conflict).await?,
        Tx::Sqlite(t) => {
            let mut handle = t.lock_handle().await?;
            // SAFETY: as in `insert_rows`
            let conn =
                unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
            sqlite_upsert(&conn)?;
        }
        // refused by the connection (`query_only`): a read snapshot does not write
        Tx::SqliteRead(r) => sqlite_upsert(r.conn())?,
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
    let per_statement = sqlite_rows_per_insert(columns.len());
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

/// Rows per SQLite insert statement. Narrow rows go several to a statement: stepping a statement
/// costs about as much as inserting a two-column row. Wide rows go one to a statement: SQLite
/// runs a multi-row `VALUES` list through a co-routine, which for a household's 36 columns costs
/// more than the steps it saves (a 200,000-household import wrote its rows in 4.6–4.8 s at 64
/// rows a statement, 3.8–3.9 s at one; BENCHMARKS.md).
fn sqlite_rows_per_insert(columns: usize) -> usize {
    const NARROW: usize = 4;
    if columns <= NARROW { 64 } else { 1 }
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
    let step = |conn: &rusqlite::Connection| -> Result<Vec<T>, StorageError> {
        let mut stmt = conn.prepare(&anonymous_placeholders(query))?;
        crate::snapshot::bind(&mut stmt, values)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(convert(r)?);
        }
        Ok(out)
    };
    match tx {
        Tx::Sqlite(t) => {
            let mut handle = t.lock_handle().await?;
            // SAFETY: while `handle` is held, sqlx's worker thread makes no calls on this
            // connection; the wrapper does not close the handle and is dropped before the lock.
            let conn =
                unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
            step(&conn)
        }
        Tx::SqliteRead(r) => step(r.conn()),
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
}
