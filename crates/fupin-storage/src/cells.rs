//! Reading millions of rows on either backend at the speed of the database, not of a driver's
//! per-row decoding: SQLite's rows are stepped through rusqlite, PostgreSQL's are streamed with
//! `COPY (query) TO STDOUT` and split here. One converter reads a row's cells by position on
//! both ([`Cells`]).

use futures_util::StreamExt;

use crate::StorageError;
use crate::sql::Value;

/// The cells of one row, by column position.
pub trait Cells {
    fn int(&self, i: usize) -> Result<i64, StorageError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError>;
    fn real(&self, i: usize) -> Result<f64, StorageError>;
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StorageError>;
    /// A boolean: SQLite's 0/1, PostgreSQL's `BOOLEAN`.
    fn flag(&self, i: usize) -> Result<bool, StorageError>;
    fn text(&self, i: usize) -> Result<&str, StorageError>;
    fn opt_text(&self, i: usize) -> Result<Option<&str>, StorageError>;

    /// An `INTEGER` cell that must fit an `i32` (years, counts, sequence numbers).
    fn small(&self, i: usize) -> Result<i32, StorageError> {
        to_small(self.int(i)?, i)
    }

    fn opt_small(&self, i: usize) -> Result<Option<i32>, StorageError> {
        self.opt_int(i)?.map(|v| to_small(v, i)).transpose()
    }
}

fn to_small(v: i64, i: usize) -> Result<i32, StorageError> {
    i32::try_from(v).map_err(|_| StorageError::Corrupt(format!("column {i} out of range: {v}")))
}

impl Cells for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64, StorageError> {
        Ok(self.get(i)?)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError> {
        Ok(self.get(i)?)
    }

    fn real(&self, i: usize) -> Result<f64, StorageError> {
        Ok(self.get(i)?)
    }

    fn opt_real(&self, i: usize) -> Result<Option<f64>, StorageError> {
        Ok(self.get(i)?)
    }

    fn flag(&self, i: usize) -> Result<bool, StorageError> {
        Ok(self.get(i)?)
    }

    fn text(&self, i: usize) -> Result<&str, StorageError> {
        self.opt_text(i)?
            .ok_or_else(|| StorageError::Corrupt(format!("column {i} is empty (NULL)")))
    }

    fn opt_text(&self, i: usize) -> Result<Option<&str>, StorageError> {
        use rusqlite::types::ValueRef;
        match self.get_ref(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(Some)
                .map_err(|e| StorageError::Corrupt(format!("column {i} is not UTF-8: {e}"))),
            other => Err(StorageError::Corrupt(format!(
                "column {i} holds {:?}, not text",
                other.data_type()
            ))),
        }
    }
}

/// One line of PostgreSQL's text `COPY` output, split into fields and unescaped.
#[derive(Default)]
struct CopyRow {
    bytes: Vec<u8>,
    /// Each field's span in `bytes`; `None` for NULL.
    fields: Vec<Option<(usize, usize)>>,
}

impl CopyRow {
    /// Takes `line` (without its newline): fields split at tabs, `\N` is NULL, backslash
    /// escapes undone (COPY writes `\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`).
    fn parse(&mut self, line: &[u8]) {
        self.bytes.clear();
        self.fields.clear();
        for field in line.split(|&b| b == b'\t') {
            if field == b"\\N" {
                self.fields.push(None);
                continue;
            }
            let start = self.bytes.len();
            let mut escaped = false;
            for &b in field {
                if escaped {
                    self.bytes.push(match b {
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0b,
                        other => other,
                    });
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else {
                    self.bytes.push(b);
                }
            }
            self.fields.push(Some((start, self.bytes.len())));
        }
    }

    fn field(&self, i: usize) -> Result<Option<&str>, StorageError> {
        let span = self
            .fields
            .get(i)
            .ok_or_else(|| StorageError::Corrupt(format!("COPY row has no column {i}")))?;
        span.map(|(a, b)| {
            std::str::from_utf8(&self.bytes[a..b])
                .map_err(|e| StorageError::Corrupt(format!("column {i} is not UTF-8: {e}")))
        })
        .transpose()
    }

    fn parsed<T: std::str::FromStr>(&self, i: usize) -> Result<Option<T>, StorageError> {
        self.field(i)?
            .map(|s| {
                s.parse().map_err(|_| {
                    StorageError::Corrupt(format!("column {i} is not a number: {s:?}"))
                })
            })
            .transpose()
    }
}

fn required<T>(v: Option<T>, i: usize) -> Result<T, StorageError> {
    v.ok_or_else(|| StorageError::Corrupt(format!("column {i} is empty (NULL)")))
}

impl Cells for CopyRow {
    fn int(&self, i: usize) -> Result<i64, StorageError> {
        required(self.parsed(i)?, i)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError> {
        self.parsed(i)
    }

    fn real(&self, i: usize) -> Result<f64, StorageError> {
        required(self.parsed(i)?, i)
    }

    fn opt_real(&self, i: usize) -> Result<Option<f64>, StorageError> {
        self.parsed(i)
    }

    fn flag(&self, i: usize) -> Result<bool, StorageError> {
        match self.text(i)? {
            "t" => Ok(true),
            "f" => Ok(false),
            other => Err(StorageError::Corrupt(format!(
                "column {i} is not a boolean: {other:?}"
            ))),
        }
    }

    fn text(&self, i: usize) -> Result<&str, StorageError> {
        required(self.field(i)?, i)
    }

    fn opt_text(&self, i: usize) -> Result<Option<&str>, StorageError> {
        self.field(i)
    }
}

/// Every row of `query` (its `$n` parameters given by `values`) streamed with `COPY … TO
/// STDOUT` and converted by `convert`.
pub(crate) async fn copy_out<T>(
    conn: &mut sqlx::PgConnection,
    query: &str,
    values: &[Value],
    convert: &impl Fn(&dyn Cells) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    let sql = format!("COPY ({}) TO STDOUT", inline_parameters(query, values)?);
    let mut stream = conn.copy_out_raw(&sql).await?;
    let (mut pending, mut row, mut out) = (Vec::<u8>::new(), CopyRow::default(), Vec::new());
    while let Some(chunk) = stream.next().await {
        // PostgreSQL sends a row per message, but nothing promises it: a line cut at a
        // chunk's end waits in `pending` for the rest
        pending.extend_from_slice(&chunk?);
        let mut consumed = 0;
        while let Some(end) = pending[consumed..].iter().position(|&b| b == b'\n') {
            row.parse(&pending[consumed..consumed + end]);
            out.push(convert(&row)?);
            consumed += end + 1;
        }
        pending.drain(..consumed);
    }
    if !pending.is_empty() {
        return Err(StorageError::Corrupt(
            "COPY output ends inside a row".into(),
        ));
    }
    Ok(out)
}

/// `query` with each `$n` replaced by the literal of `values[n - 1]`: `COPY` takes no
/// parameters. Numbers are written as numbers, text as a quoted literal (quotes doubled;
/// PostgreSQL's standard-conforming strings keep backslashes as they are).
fn inline_parameters(query: &str, values: &[Value]) -> Result<String, StorageError> {
    let mut out = String::with_capacity(query.len() + 16 * values.len());
    let mut rest = query;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let digits = rest[i + 1..].bytes().take_while(u8::is_ascii_digit).count();
        let n: usize = rest[i + 1..i + 1 + digits]
            .parse()
            .map_err(|_| StorageError::Invalid(format!("a lone $ in {query:?}")))?;
        let value = n
            .checked_sub(1)
            .and_then(|k| values.get(k))
            .ok_or_else(|| StorageError::Invalid(format!("${n} has no value in {query:?}")))?;
        out.push_str(&literal(value)?);
        rest = &rest[i + 1 + digits..];
    }
    out.push_str(rest);
    Ok(out)
}

fn literal(v: &Value) -> Result<String, StorageError> {
    Ok(match v {
        Value::I64(x) | Value::OptI64(Some(x)) => x.to_string(),
        Value::I32(x) | Value::OptI32(Some(x)) => x.to_string(),
        Value::F64(x) | Value::OptF64(Some(x)) if x.is_finite() => format!("{x:?}"),
        Value::Bool(x) => x.to_string(),
        Value::Text(s) | Value::OptText(Some(s)) if !s.contains('\0') => {
            format!("'{}'", s.replace('\'', "''"))
        }
        Value::OptI32(None) | Value::OptI64(None) | Value::OptF64(None) | Value::OptText(None) => {
            "NULL".into()
        }
        other => {
            return Err(StorageError::Invalid(format!(
                "{other:?} cannot be written into a COPY query"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_split_unescape_and_mark_nulls() {
        let mut row = CopyRow::default();
        row.parse(b"42\ta\\tb\\\\c\\nd\t\\N\t\t-1.5");
        assert_eq!(row.int(0).unwrap(), 42);
        assert_eq!(row.text(1).unwrap(), "a\tb\\c\nd");
        assert_eq!(row.opt_text(2).unwrap(), None);
        assert!(row.text(2).is_err(), "NULL where a value is required");
        assert_eq!(row.text(3).unwrap(), "", "an empty string is not NULL");
        assert_eq!(row.real(4).unwrap(), -1.5);
        row.parse(b"t\tf\t1");
        assert!(row.flag(0).unwrap());
        assert!(!row.flag(1).unwrap());
        assert!(row.flag(2).is_err());
        assert!(row.int(1).is_err());
        assert!(row.text(5).is_err(), "no such column");
    }

    #[test]
    fn optional_reals_and_small_integers() {
        let mut row = CopyRow::default();
        row.parse(b"\\N\t106.7\t2147483647\t2147483648\t\\N");
        assert_eq!(row.opt_real(0).unwrap(), None);
        assert_eq!(row.opt_real(1).unwrap(), Some(106.7));
        assert_eq!(row.small(2).unwrap(), i32::MAX);
        assert!(row.small(3).is_err(), "beyond an i32");
        assert_eq!(row.opt_small(4).unwrap(), None);
        assert!(row.small(4).is_err(), "NULL where a value is required");
    }

    #[test]
    fn parameters_become_literals() {
        let q = inline_parameters(
            "SELECT a FROM t WHERE b = $2 AND c > $1 AND d = $10",
            &[
                Value::I64(7),
                Value::Text("o'brien \\ x".into()),
                Value::OptI32(None),
                Value::I32(0),
                Value::I32(0),
                Value::I32(0),
                Value::I32(0),
                Value::I32(0),
                Value::I32(0),
                Value::OptText(None),
            ],
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT a FROM t WHERE b = 'o''brien \\ x' AND c > 7 AND d = NULL"
        );
        assert!(inline_parameters("a = $2", &[Value::I64(1)]).is_err());
        assert!(inline_parameters("a = $", &[]).is_err());
        assert!(inline_parameters("a = $1", &[Value::Bytes(vec![1])]).is_err());
        assert!(inline_parameters("a = $1", &[Value::Text("a\0b".into())]).is_err());
    }
}
