//! CSV files in: UTF-8, or GBK/GB18030 as Chinese Excel writes it, read record by record with
//! the limits of [`super::limits`] and the checks that keep a stray quote from swallowing rows.
//!
//! A `"` opening a cell that is never closed makes the CSV grammar run that cell on over every
//! following line. The `csv` crate accepts that silently, so each record is checked: a line
//! inside a cell that holds a whole row's worth of commas is rows read into one cell (the file's
//! lines and records cannot be reconciled), and a last cell running over lines up to the end of
//! a file that does not end with its closing quote is an unclosed quote. Both refuse the file
//! naming the row and the column. A row longer than [`MAX_ROW_BYTES`] (a 40 MB cell, or a quote
//! swallowing a big file) is refused while it is read, not after it has been held whole.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use encoding_rs::{GB18030, UTF_8};
use fupin_core::Message;

use super::formula;
use super::limits::{MAX_CELL_BYTES, MAX_COLUMNS, MAX_ROW_BYTES, bytes};
use super::{Row, SheetRows, refused};

/// The `csv` reader's buffer: it reads this far ahead of the record it is on.
const BUFFER: usize = 1 << 20;

/// Sniffs the encoding: a BOM, or valid UTF-8 in the first 256 KiB, means UTF-8; otherwise the
/// file is taken as GB18030 (a superset of GBK and GB2312).
pub(super) fn sniff_encoding(head: &[u8]) -> &'static encoding_rs::Encoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return UTF_8;
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        // a multi-byte character cut at the end of the sample is still UTF-8
        Err(e) if e.error_len().is_none() => UTF_8,
        Err(_) => GB18030,
    }
}

pub(super) fn open(path: &Path) -> Result<SheetRows> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut head = vec![0u8; 256 * 1024];
    let n = read_up_to(&mut file, &mut head)?;
    head.truncate(n);
    let encoding = sniff_encoding(&head);
    let file = File::open(path)?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(BufReader::with_capacity(1 << 20, file));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // cells are trimmed where they are read (HeaderMap::get): trimming whole records here
        // rebuilt every record, 6% of an import
        .buffer_capacity(BUFFER)
        .from_reader(Metered::new(decoded));
    let rows = CsvRows {
        reader,
        row: 0,
        header: Vec::new(),
        last_cell_open: None,
        done: false,
    };
    Ok(SheetRows {
        inner: Box::new(rows),
        encoding: encoding.name(),
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The decoded text on its way to the `csv` reader: counts what it hands over so a row that
/// grows past [`MAX_ROW_BYTES`] is stopped, and keeps the file's last byte that is not white
/// space (whether the file ends with a closing quote).
struct Metered<R> {
    inner: R,
    /// Bytes handed to the `csv` reader.
    fed: u64,
    /// Where the record being read starts (set after each record).
    record_start: u64,
    /// Set when a row was stopped for its length.
    too_long: bool,
    /// The last byte read that is not white space.
    last_byte: u8,
}

impl<R> Metered<R> {
    fn new(inner: R) -> Self {
        Metered {
            inner,
            fed: 0,
            record_start: 0,
            too_long: false,
            last_byte: 0,
        }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // the reader holds at most its buffer beyond the record it is on
        if self.fed - self.record_start > (MAX_ROW_BYTES + BUFFER) as u64 {
            self.too_long = true;
            return Err(std::io::Error::other("row too long"));
        }
        let n = self.inner.read(buf)?;
        self.fed += n as u64;
        if let Some(&b) = buf[..n].iter().rev().find(|b| !b.is_ascii_whitespace()) {
            self.last_byte = b;
        }
        Ok(n)
    }
}

struct CsvRows<R: Read> {
    reader: csv::Reader<Metered<R>>,
    /// The record last read (1-based; the header is row 1).
    row: usize,
    /// The header's cells, to name columns in messages.
    header: Vec<String>,
    /// The column of the last record's last cell when it ran over lines (a quote left open at
    /// the end of the file does that).
    last_cell_open: Option<usize>,
    done: bool,
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<(usize, Row)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut record = Row::new();
        let read = self.reader.read_record(&mut record);
        let row = self.row + 1;
        let item = match read {
            Ok(true) => {
                self.row = row;
                let end = self.reader.position().byte();
                self.reader.get_mut().record_start = end;
                self.check(row, record).map(|r| (row, r))
            }
            Ok(false) => {
                self.done = true;
                return self.unclosed_at_end().map(Err);
            }
            Err(_) if self.reader.get_ref().too_long => Err(refused(
                Message::new("sheet.row_too_long")
                    .with("row", row)
                    .with("limit", bytes(MAX_ROW_BYTES as u64)),
            )),
            Err(e) => {
                // the parser's own words stay in the log; the reader is told the row
                tracing::info!(row, error = %e, "unreadable CSV");
                Err(refused(
                    Message::new("sheet.unreadable_csv").with("row", row),
                ))
            }
        };
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

impl<R: Read> CsvRows<R> {
    /// `message` naming column `i` as `{column}`: the header's text, else its number.
    fn with_column(&self, message: Message, i: usize) -> Message {
        match self.header.get(i).map(|h| super::header_name(h)) {
            Some(h) if !h.is_empty() => message.with("column", h),
            _ => message.nested(
                "column",
                &Message::new("sheet.column_number").with("n", i + 1),
                &[super::MESSAGES],
            ),
        }
    }

    /// A record's limits and line checks; the record with guards taken off.
    fn check(&mut self, row: usize, record: Row) -> Result<Row> {
        if record.len() > MAX_COLUMNS {
            return Err(refused(
                Message::new("sheet.too_many_columns")
                    .with("row", row)
                    .with("n", record.len())
                    .with("max", MAX_COLUMNS),
            ));
        }
        // rows read into one cell first: that cell is also often over the size limit, and the
        // stray quote is what to say
        self.last_cell_open = None;
        if super::has_line_break(record.as_slice()) {
            self.check_lines(row, &record)?;
        }
        // whole-record tests first: a row of short cells, with no ' at all, is most rows
        let text = record.as_slice();
        if text.len() > MAX_CELL_BYTES
            && let Some(i) = record.iter().position(|c| c.len() > MAX_CELL_BYTES)
        {
            let m = Message::new("sheet.cell_too_large")
                .with("row", row)
                .with("n", bytes(record[i].len() as u64))
                .with("limit", bytes(MAX_CELL_BYTES as u64));
            return Err(refused(self.with_column(m, i)));
        }
        let guarded = memchr::memchr(b'\'', text.as_bytes()).is_some()
            && record.iter().any(formula::may_be_guarded);
        if self.header.is_empty() {
            self.header = record
                .iter()
                .map(|h| fupin_core::fields::excerpt(h).into_owned())
                .collect();
        }
        Ok(if guarded {
            record.iter().map(formula::unguard).collect()
        } else {
            record
        })
    }

    /// Cells running over lines: refused when a line of one holds a whole row's commas.
    fn check_lines(&mut self, row: usize, record: &Row) -> Result<()> {
        let columns = self.header.len().max(record.len());
        // a row of n columns has n - 1 commas; two at the least, so a line of a remark is not
        // taken for a row of a two-column file
        let row_commas = columns.saturating_sub(1).max(2);
        let first_line = record.position().map_or(0, |p| p.line());
        for (i, cell) in record.iter().enumerate() {
            if !cell.contains(['\n', '\r']) {
                continue;
            }
            let before = record.range(i).map_or(0, |r| r.start);
            let line_of_cell = first_line + line_breaks(&record.as_slice()[..before]);
            for (k, line) in cell.split('\n').enumerate().skip(1) {
                let commas = line.matches(',').count();
                if commas >= row_commas {
                    let m = Message::new("sheet.cell_over_lines")
                        .with("row", row)
                        .with("from", line_of_cell)
                        .with("to", line_of_cell + line_breaks(cell))
                        .with("line", line_of_cell + k as u64)
                        .with("commas", commas);
                    return Err(refused(self.with_column(m, i)));
                }
            }
            if i + 1 == record.len() {
                self.last_cell_open = Some(i);
            }
        }
        Ok(())
    }

    /// At the end of the file: the last record's last cell ran over lines and the file does
    /// not end with a closing quote, so the quote that opened the cell was never closed.
    fn unclosed_at_end(&self) -> Option<anyhow::Error> {
        let column = self.last_cell_open?;
        if self.reader.get_ref().last_byte == b'"' {
            return None;
        }
        let row = self.row;
        let m = Message::new("sheet.unclosed_quote").with("row", row);
        Some(refused(self.with_column(m, column)))
    }
}

/// Line ends in `text` (`\r\n` counted once).
fn line_breaks(text: &str) -> u64 {
    let lf = text.matches('\n').count();
    let lone_cr = text.matches('\r').count() - text.matches("\r\n").count();
    (lf + lone_cr) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_utf8_and_gbk() {
        assert_eq!(sniff_encoding("户编号,姓名".as_bytes()), UTF_8);
        let (gbk, _, _) = encoding_rs::GBK.encode("户编号,姓名");
        assert_eq!(sniff_encoding(&gbk), GB18030);
        // a UTF-8 character cut by the sample boundary
        let s = "户编号".as_bytes();
        assert_eq!(sniff_encoding(&s[..4]), UTF_8);
    }

    fn read(text: &str) -> Result<Vec<(usize, Vec<String>)>> {
        let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::fs::write(f.path(), text).unwrap();
        open(f.path())?
            .map(|r| r.map(|(n, row)| (n, row.iter().map(String::from).collect())))
            .collect()
    }

    #[test]
    fn a_remark_over_two_lines_is_read_whole() {
        let rows = read("户编号,姓名,备注\nH1,王芳,\"第一行\n第二行\"\nH2,李四,\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].1[2], "第一行\n第二行");
        assert_eq!((rows[2].0, rows[2].1[0].as_str()), (3, "H2"));
        // the last cell of the file over two lines, properly closed
        let rows = read("户编号,姓名,备注\nH1,王芳,\"第一行\n第二行\"\r\n").unwrap();
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn an_unclosed_quote_at_the_end_names_its_row_and_column() {
        let e = read("户编号,姓名,备注\nH1,王芳,\"见附件\nH2,李四\n").unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("第2行“备注”列的引号没有闭合"), "{e}");
    }

    #[test]
    fn rows_swallowed_between_two_stray_quotes_are_refused() {
        let e = read("户编号,姓名,备注\nH1,王芳,\"见附件\nH2,李四,\nH3,张三,\"\nH4,赵五,\n")
            .unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("第2行“备注”列"), "{e}");
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn a_huge_row_is_stopped_while_it_is_read() {
        let text = format!("户编号,姓名\nH1,{}\n", "王".repeat(2_000_000));
        let e = format!("{:#}", read(&text).unwrap_err());
        assert!(e.contains("第2行超过1 MiB"), "{e}");
        let text = format!("户编号,姓名\nH1,{}\n", "王".repeat(30_000));
        let e = format!("{:#}", read(&text).unwrap_err());
        assert!(e.contains("第2行“姓名”列的单元格有87.9 KiB"), "{e}");
        let text = format!("{}\n", ",".repeat(MAX_COLUMNS));
        let e = format!("{:#}", read(&text).unwrap_err());
        assert!(e.contains("超过1024列"), "{e}");
    }

    #[test]
    fn guards_are_taken_off() {
        let rows = read("a,b,c\n'=1+2,'-2+3,'-350.5\n").unwrap();
        assert_eq!(rows[1].1, vec!["=1+2", "-2+3", "'-350.5"]);
    }
}
