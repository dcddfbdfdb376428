//! Spreadsheets in and out: CSV (UTF-8, or GBK/GB18030 as Chinese Excel writes it) and XLSX.
//!
//! Reading yields rows of cell text with their 1-based row number in the file (the header is
//! row 1), whatever the format, so import reports can say "row 1234, column 证件号码".

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use calamine::{Data, Reader as _};
use encoding_rs::{GB18030, UTF_8};

/// A file format, from the extension or `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv" | "txt") => Ok(Format::Csv),
            Some("xlsx" | "xlsm") => Ok(Format::Xlsx),
            Some("xls") => bail!(
                "{}: old .xls files are not supported; save as .xlsx or CSV",
                path.display()
            ),
            _ => bail!(
                "{}: unknown file type (expected .csv or .xlsx)",
                path.display()
            ),
        }
    }
}

/// One row's cells: a single buffer per row, not a string per cell (imports read millions).
pub type Row = csv::StringRecord;

/// Rows of a sheet: `(row number, cells)`.
pub struct SheetRows {
    inner: Box<dyn Iterator<Item = Result<(usize, Row)>> + Send>,
    /// The encoding a CSV file was read in ("UTF-8", "GB18030"), for the summary.
    pub encoding: &'static str,
}

impl Iterator for SheetRows {
    type Item = Result<(usize, Row)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

/// Opens a CSV or XLSX file for reading.
pub fn open(path: &Path) -> Result<SheetRows> {
    match Format::from_path(path)? {
        Format::Csv => open_csv(path),
        Format::Xlsx => open_xlsx(path),
    }
}

/// Sniffs the encoding: a BOM, or valid UTF-8 in the first 256 KiB, means UTF-8; otherwise the
/// file is taken as GB18030 (a superset of GBK and GB2312).
fn sniff_encoding(head: &[u8]) -> &'static encoding_rs::Encoding {
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

fn open_csv(path: &Path) -> Result<SheetRows> {
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
        .buffer_capacity(1 << 20)
        .from_reader(decoded);
    let mut records = reader.into_records();
    let mut row = 0usize;
    let inner = std::iter::from_fn(move || {
        row += 1;
        let current = row;
        records.next().map(|r| {
            r.map(|rec| (current, rec))
                .with_context(|| format!("row {current}: unreadable CSV"))
        })
    });
    Ok(SheetRows {
        inner: Box::new(inner),
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

/// Reads every worksheet in order; the first sheet's first row is the header. Later sheets
/// continue the data (exports split at Excel's 1,048,576-row limit): their header row is
/// skipped and rows are numbered through the workbook as if the sheets were one.
fn open_xlsx(path: &Path) -> Result<SheetRows> {
    let mut wb = calamine::open_workbook_auto(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let names = wb.sheet_names().to_vec();
    let mut rows: Vec<Row> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let range = wb
            .worksheet_range(name)
            .with_context(|| format!("{}: cannot read sheet {name}", path.display()))?;
        let skip = usize::from(i > 0);
        for r in range.rows().skip(skip) {
            rows.push(r.iter().map(cell_text).collect::<Vec<_>>().into());
        }
    }
    let inner = rows.into_iter().enumerate().map(|(i, r)| Ok((i + 1, r)));
    Ok(SheetRows {
        inner: Box::new(inner),
        encoding: "XLSX",
    })
}

/// Cell text as a person would read it in Excel. Whole numbers lose their ".0"; dates become
/// YYYY-MM-DD. Long digit strings stored as numbers (ID numbers!) keep their digits only up to
/// f64 precision — validation will report them.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel date serial (days since 1899-12-30) as YYYY-MM-DD.
fn excel_date(serial: f64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    match epoch.checked_add_signed(chrono::Duration::days(serial.floor() as i64)) {
        Some(d) => fupin_core::date::iso(d),
        None => serial.to_string(),
    }
}

/// Writes rows to a CSV (UTF-8 with BOM, so Excel shows Chinese correctly) or an XLSX file.
pub enum SheetWriter {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Xlsx(Box<XlsxSheets>),
}

pub struct XlsxSheets {
    book: rust_xlsxwriter::Workbook,
    path: std::path::PathBuf,
    header: Vec<String>,
    sheet_base: String,
    sheet_no: usize,
    row: u32,
}

/// Data rows per worksheet (Excel's limit minus the header).
const XLSX_ROWS_PER_SHEET: u32 = 1_048_575;

impl SheetWriter {
    pub fn create(path: &Path, format: Format, header: &[&str], sheet_name: &str) -> Result<Self> {
        let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        match format {
            Format::Csv => {
                let mut file = BufWriter::with_capacity(
                    1 << 20,
                    File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                );
                file.write_all(&[0xEF, 0xBB, 0xBF])?;
                let mut w = csv::Writer::from_writer(file);
                w.write_record(&header)?;
                Ok(SheetWriter::Csv(Box::new(w)))
            }
            Format::Xlsx => {
                let mut x = XlsxSheets {
                    book: rust_xlsxwriter::Workbook::new(),
                    path: path.to_path_buf(),
                    header,
                    sheet_base: sheet_name.to_string(),
                    sheet_no: 0,
                    row: 0,
                };
                x.new_sheet()?;
                Ok(SheetWriter::Xlsx(Box::new(x)))
            }
        }
    }

    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        match self {
            SheetWriter::Csv(w) => w.write_record(cells.iter().map(|c| c.as_ref()))?,
            SheetWriter::Xlsx(x) => x.write_row(cells)?,
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        match self {
            SheetWriter::Csv(mut w) => w.flush()?,
            SheetWriter::Xlsx(mut x) => {
                let path = x.path.clone();
                x.book
                    .save(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?
            }
        }
        Ok(())
    }
}

/// An XLSX workbook in memory (a download from a page): text cells, as every sheet fupin writes.
pub fn xlsx_bytes(header: &[&str], sheet_name: &str, rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut x = XlsxSheets {
        book: rust_xlsxwriter::Workbook::new(),
        path: std::path::PathBuf::new(),
        header: header.iter().map(|s| s.to_string()).collect(),
        sheet_base: sheet_name.to_string(),
        sheet_no: 0,
        row: 0,
    };
    x.new_sheet()?;
    for r in rows {
        x.write_row(r)?;
    }
    Ok(x.book.save_to_buffer()?)
}

impl XlsxSheets {
    fn new_sheet(&mut self) -> Result<()> {
        self.sheet_no += 1;
        let name = if self.sheet_no == 1 {
            self.sheet_base.clone()
        } else {
            format!("{}{}", self.sheet_base, self.sheet_no)
        };
        let sheet = self.book.add_worksheet_with_constant_memory()?;
        sheet.set_name(&name)?;
        for (c, h) in self.header.iter().enumerate() {
            sheet.write_string(0, c as u16, h)?;
        }
        self.row = 0;
        Ok(())
    }

    fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        if self.row == XLSX_ROWS_PER_SHEET {
            self.new_sheet()?;
        }
        self.row += 1;
        let sheet = self
            .book
            .worksheets_mut()
            .last_mut()
            .context("no worksheet")?;
        for (c, v) in cells.iter().enumerate() {
            // always text: ID numbers and account numbers must not become floats
            sheet.write_string(self.row, c as u16, v.as_ref())?;
        }
        Ok(())
    }
}

/// A header cell as written, without a UTF-8 BOM or surrounding blanks.
pub fn header_name(cell: &str) -> &str {
    cell.trim().trim_start_matches('\u{feff}').trim()
}

/// The index of the column named `zh` (or `en`, any case) in a header row.
pub fn find_column(header: &Row, zh: &str, en: &str) -> Result<usize> {
    header
        .iter()
        .position(|h| {
            let h = header_name(h);
            h == zh || h.eq_ignore_ascii_case(en)
        })
        .with_context(|| format!("缺少列“{zh}” / missing column {en}"))
}

/// An all-or-nothing load's refusal: every bad row counted, the first 20 shown.
pub fn refuse_bad_rows(errors: &[String]) -> Result<()> {
    refuse_counted(errors.len(), &errors[..errors.len().min(20)])
}

/// As [`refuse_bad_rows`] where only `shown` of the `count` bad rows were kept.
pub fn refuse_counted(count: usize, shown: &[String]) -> Result<()> {
    if count == 0 {
        return Ok(());
    }
    bail!(
        "{count} 行有误，未写入 / {count} bad rows, nothing written:\n{}",
        shown.join("\n")
    )
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

    #[test]
    fn an_in_memory_workbook_reads_back() {
        let rows = vec![vec!["5227261002010001".to_string(), "王芳".to_string()]];
        let bytes = xlsx_bytes(&["户编号", "户主"], "查询结果", &rows).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let read: Vec<Vec<String>> = open(&path)
            .unwrap()
            .map(|r| r.unwrap().1.iter().map(String::from).collect())
            .collect();
        assert_eq!(read[0], vec!["户编号", "户主"]);
        assert_eq!(read[1], rows[0], "the number stays text");
    }

    #[test]
    fn excel_cells_read_as_people_see_them() {
        assert_eq!(cell_text(&Data::Float(2014.0)), "2014");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::String(" 因病 ".into())), "因病");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(excel_date(29342.0), "1980-05-01");
    }
}
