//! Statements with `$n` placeholders run on either backend: [`Value`]s bound in order,
//! [`fetch_all`] and [`execute`], and on SQLite the placeholders made positional.

use sqlx::AssertSqlSafe;

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
    let sql = dialect_sql(tx, sql);
    macro_rules! query {
        () => {
            bind_all!(sqlx::query(AssertSqlSafe(sql)), values.iter().cloned())
        };
    }
    Ok(match tx {
        Tx::Sqlite(t) => query!().execute(&mut **t).await?.rows_affected(),
        Tx::SqliteRead(r) => crate::snapshot::execute(r.conn(), &sql, values)?,
        Tx::Postgres(t) => query!().execute(&mut **t).await?.rows_affected(),
    })
}

/// Runs one bookkeeping statement (a session's or token's last use) unless another writer holds
/// SQLite's lock, in which case it gives up at once and returns `false`: a page is never held
/// up behind an import for it, and the next request writes it.
pub(crate) async fn execute_unless_busy(
    db: &Db,
    sql: &str,
    values: &[Value],
) -> Result<bool, StorageError> {
    let Db::Sqlite(sqlite) = db else {
        let mut tx = db.begin().await?;
        execute(&mut tx, sql, values).await?;
        tx.commit().await?;
        return Ok(true);
    };
    let (pool, sql, values) = (
        sqlite.pool().clone(),
        anonymous_placeholders(sql),
        values.to_vec(),
    );
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

/// Rows decodable on both backends: by sqlx (`FromRow`), and on SQLite's read connections by
/// serde (`Deserialize`), both by column name.
pub trait AnyRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + serde::de::DeserializeOwned
    + Send
    + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + serde::de::DeserializeOwned
        + Send
        + Unpin
{
}

/// Runs one query on a connection of the pool, outside any transaction: one statement reads
/// one consistent state anyway (the session look-up of every request); on SQLite it runs on a
/// read connection on the caller's thread (`snapshot.rs`).
pub async fn fetch_once<T: AnyRow>(
    db: &Db,
    sql: &str,
    values: &[Value],
) -> Result<Vec<T>, StorageError> {
    Ok(match db {
        Db::Sqlite(s) => match s.readers() {
            Some(readers) => readers.fetch_once(sql, values)?,
            None => {
                let sql = AssertSqlSafe(anonymous_placeholders(sql));
                bind_all!(sqlx::query_as::<_, T>(sql), values.iter().cloned())
                    .fetch_all(s.pool())
                    .await?
            }
        },
        Db::Postgres(p) => {
            let sql = AssertSqlSafe(sql.to_string());
            bind_all!(sqlx::query_as::<_, T>(sql), values.iter().cloned())
                .fetch_all(p)
                .await?
        }
    })
}

/// Runs a query with `values` bound to `$1…` and decodes every row as `T`.
pub async fn fetch_all<T: AnyRow>(
    tx: &mut Tx,
    sql: &str,
    values: &[Value],
) -> Result<Vec<T>, StorageError> {
    let sql = dialect_sql(tx, sql);
    macro_rules! query {
        () => {
            bind_all!(
                sqlx::query_as::<_, T>(AssertSqlSafe(sql)),
                values.iter().cloned()
            )
        };
    }
    Ok(match tx {
        Tx::Sqlite(t) => query!().fetch_all(&mut **t).await?,
        Tx::SqliteRead(r) => crate::snapshot::fetch(r.conn(), &sql, values)?,
        Tx::Postgres(t) => query!().fetch_all(&mut **t).await?,
    })
}

/// `text` for a `LIKE … ESCAPE '\'` pattern: its `%`, `_` and `\` match themselves.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(escape_like("新村"), "新村");
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
