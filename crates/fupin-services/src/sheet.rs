//! Spreadsheets in and out: CSV (UTF-8, or GBK/GB18030 as Chinese Excel writes it) and XLSX.
//!
//! Reading yields rows of cell text with their 1-based row number in the file (the header is
//! row 1), whatever the format, so import reports can say "row 1234, column 证件号码". Every
//! file is read within [`limits`] (cells, rows, columns, an XLSX's inflated size), so a hostile
//! file is refused with a message instead of exhausting memory. Every CSV written has its
//! formula-like cells guarded ([`formula`]), and every CSV read has those guards taken off.

mod csv_read;
pub mod formula;
pub mod limits;
mod xlsx_read;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use fupin_core::Message;

use crate::error::ServiceError;

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
            Some("xls") => Err(refused(Message::new("sheet.xls"))),
            _ => Err(refused(Message::new("sheet.unknown_type"))),
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

/// Opens a CSV or XLSX file for reading, within [`limits`].
pub fn open(path: &Path) -> Result<SheetRows> {
    match Format::from_path(path)? {
        Format::Csv => csv_read::open(path),
        Format::Xlsx => xlsx_read::open(path),
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
                let mut w = SheetWriter::Csv(Box::new(csv::Writer::from_writer(file)));
                w.write_row(&header)?;
                Ok(w)
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
            SheetWriter::Csv(w) => {
                // the one place CSV cells are written: none reaches a spreadsheet as a formula
                for c in cells {
                    w.write_field(formula::guard(c.as_ref()).as_bytes())?;
                }
                w.write_record(std::iter::empty::<&[u8]>())?;
            }
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

/// Whether text holds a line break (searched in every row read, hence memchr).
pub fn has_line_break(text: &str) -> bool {
    memchr::memchr2(b'\n', b'\r', text.as_bytes()).is_some()
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
        .ok_or_else(|| {
            refused(Message::new("sheet.missing_column").with_label(
                "column",
                zh.to_string(),
                en.to_string(),
            ))
        })
}

/// An all-or-nothing load's refusal: every bad row counted, the first 20 shown.
pub fn refuse_bad_rows(errors: &[Message]) -> Result<()> {
    refuse_counted(errors.len(), &errors[..errors.len().min(20)])
}

/// As [`refuse_bad_rows`] where only `shown` of the `count` bad rows were kept.
pub fn refuse_counted(count: usize, shown: &[Message]) -> Result<()> {
    if count == 0 {
        return Ok(());
    }
    Err(ServiceError::BadRows {
        count,
        shown: shown.to_vec(),
    }
    .into())
}

/// The first row of a sheet, its header; a file without one is refused as empty.
pub fn header_row(rows: &mut SheetRows) -> Result<Row> {
    match rows.next() {
        Some(row) => Ok(row?.1),
        None => Err(refused(Message::new("sheet.empty"))),
    }
}

/// A file refused whole, for the reason `message` gives.
pub(crate) fn refused(message: Message) -> anyhow::Error {
    ServiceError::Refused(message).into()
}

/// A cell refused: its row, column (header) and value, and why.
pub fn bad_cell(row: usize, column: &str, value: &str, reason: &Message) -> Message {
    Message::new("sheet.bad_cell")
        .with("row", row)
        .with("column", fupin_core::fields::excerpt(column))
        .with("value", fupin_core::fields::excerpt(value))
        .nested("reason", reason, &crate::message_tables())
}

/// A row refused for `reasons`.
pub fn bad_row(row: usize, reasons: &[Message]) -> Message {
    Message::new("sheet.bad_row").with("row", row).nested_all(
        "reasons",
        reasons,
        "; ",
        &crate::message_tables(),
    )
}

/// A row that repeats an earlier one's `what` (an area and year, say).
pub fn repeats_row(row: usize, what: String, first: usize) -> Message {
    Message::new("sheet.repeats_row")
        .with("row", row)
        .with("what", what)
        .with("first", first)
}

/// The texts of the messages of reading and writing sheets.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "sheet.xls",
        "不支持旧的 .xls 文件，请另存为 .xlsx 或 CSV",
        "old .xls files are not supported; save as .xlsx or CSV",
    ),
    (
        "sheet.unknown_type",
        "未知的文件类型（应为 .csv 或 .xlsx）",
        "unknown file type (expected .csv or .xlsx)",
    ),
    ("sheet.empty", "文件为空", "the file is empty"),
    (
        "sheet.not_a_sheet",
        "“{file}”不是CSV或XLSX文件",
        "“{file}” is not a CSV or XLSX file",
    ),
    (
        "sheet.same_column_twice",
        "第{first}列和第{second}列都是“{field}”",
        "columns {first} and {second} are both {field}",
    ),
    (
        "sheet.missing_column",
        "缺少列“{column}”",
        "missing column {column}",
    ),
    (
        "sheet.missing_columns",
        "缺少必需的列：{columns}",
        "missing required columns: {columns}",
    ),
    (
        "sheet.bad_rows",
        "{count} 行有误，未写入",
        "{count} bad rows, nothing written",
    ),
    (
        "sheet.bad_cell",
        "第{row}行 [{column}] “{value}”：{reason}",
        "row {row} [{column}] “{value}”: {reason}",
    ),
    (
        "sheet.bad_row",
        "第{row}行：{reasons}",
        "row {row}: {reasons}",
    ),
    (
        "sheet.repeats_row",
        "第{row}行：{what} 与第{first}行重复",
        "row {row}: {what} repeats row {first}",
    ),
    ("sheet.column_number", "第{n}列", "column {n}"),
    (
        "sheet.row_too_long",
        "第{row}行超过{limit}，未读入（单元格过大或引号未闭合）",
        "row {row} is longer than {limit} and was not read (an oversized cell or an unclosed quote)",
    ),
    (
        "sheet.unreadable_csv",
        "第{row}行不是可读的CSV",
        "row {row}: unreadable CSV",
    ),
    (
        "sheet.too_many_columns",
        "第{row}行有{n}列，超过{max}列的上限",
        "row {row} has {n} columns, more than {max}",
    ),
    (
        "sheet.cell_too_large",
        "第{row}行“{column}”列的单元格有{n}，超过{limit}",
        "row {row}, column {column}: a cell of {n}, over {limit}",
    ),
    (
        "sheet.cell_over_lines",
        "第{row}行“{column}”列的单元格从文件第{from}行跨到第{to}行，第{line}行有{commas}个逗号，是整行数据：多半是引号未闭合，把后面的行读进了这一格，行数对不上",
        "row {row}, column {column}: the cell runs from line {from} to line {to} of the file and line {line} holds {commas} commas, a whole row: most likely an unclosed quote read the rows after it into this cell, so lines and rows do not add up",
    ),
    (
        "sheet.unclosed_quote",
        "第{row}行“{column}”列的引号没有闭合，文件其余部分都读进了这一格",
        "row {row}, column {column}: an unclosed quote read the rest of the file into this cell",
    ),
    (
        "sheet.not_xlsx",
        "不是有效的XLSX文件",
        "not a valid XLSX file (not a zip archive)",
    ),
    (
        "sheet.too_many_sheets",
        "有{n}个工作表，超过{max}个的上限",
        "{n} sheets, more than {max}",
    ),
    (
        "sheet.part_too_large",
        "“{part}”解压后有{size}，超过{limit}的上限",
        "part {part} inflates to {size}, over the limit of {limit}",
    ),
    (
        "sheet.zip_bomb",
        "“{part}”从{packed}解压到{size}（{ratio}:1，上限{max}:1），像是压缩炸弹，拒绝读取",
        "part {part} inflates from {packed} to {size} ({ratio}:1, limit {max}:1): a zip bomb, not read",
    ),
    (
        "sheet.workbook_too_large",
        "解压后共{size}，超过{limit}的上限",
        "the workbook inflates to {size}, over the limit of {limit}",
    ),
    (
        "sheet.cell_past_columns",
        "工作表“{sheet}”的{cell}单元格在第{col}列，超过{max}列的上限",
        "sheet {sheet}: cell {cell} is in column {col}, more than {max} columns",
    ),
    (
        "sheet.too_many_cells",
        "工作簿的单元格超过{max}个",
        "the workbook holds more than {max} cells",
    ),
    (
        "sheet.xlsx_cell_too_large",
        "工作表“{sheet}”的{cell}单元格有{n}，超过{limit}",
        "sheet {sheet}: cell {cell} holds {n}, over {limit}",
    ),
    (
        "sheet.xlsx_row_too_long",
        "工作表“{sheet}”第{row}行超过{limit}",
        "sheet {sheet}: row {row} is longer than {limit}",
    ),
    (
        "sheet.inflates_past_declared",
        "工作表“{sheet}”解压后超过其声明的大小，文件已损坏或是压缩炸弹，拒绝读取",
        "sheet {sheet} inflates past its declared size: a damaged file or a zip bomb, not read",
    ),
    (
        "sheet.unreadable_sheet",
        "无法读取工作表“{sheet}”",
        "cannot read sheet {sheet}",
    ),
    (
        "sheet.too_many_rows",
        "工作簿超过{max}行（在工作表“{sheet}”）",
        "the workbook holds more than {max} rows (at sheet {sheet})",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_csv_written_reads_back_with_its_formulas_guarded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let row = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "@SUM(1)",
            "-350.50",
            "'=1",
            "王芳",
        ];
        let mut w =
            SheetWriter::create(&path, Format::Csv, &["a", "b", "c", "d", "e"], "x").unwrap();
        w.write_row(&row).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(1),-350.50,''=1,王芳"),
            "{text}"
        );
        let read: Vec<Vec<String>> = open(&path)
            .unwrap()
            .map(|r| r.unwrap().1.iter().map(String::from).collect())
            .collect();
        assert_eq!(read[1], row);
    }
}
