//! XLSX files in, streamed: the zip's parts are checked against [`super::limits`] before
//! anything is inflated, then each worksheet is read cell by cell (calamine's
//! `worksheet_cells_reader`) on a thread of its own and handed over in batches of rows.
//!
//! Reading a sheet as a range, as before, allocated rows × columns cells between the first and
//! the last cell holding a value: a 1.5 KB file with values at A1 and XFD1048576 asked for
//! 550 GB. Here only cells holding values are kept, a value past [`MAX_COLUMNS`] refuses the
//! file, and rows and cells are counted as they come.
//!
//! Sizes: the central directory declares each part's packed and inflated size; a part over
//! its limit, a workbook over [`MAX_UNCOMPRESSED`], or a part inflating more than
//! [`MAX_RATIO`] times its packed size (a zip bomb) is refused before it is read. The `zip`
//! crate fails a part whose data inflates past its declared size ("File is larger than its
//! declared uncompressed size"), so a part cannot lie its way past these checks either.

use std::borrow::Cow;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::{Context, Result};
use calamine::{DataRef, Reader as _, Xlsx, XlsxError};
use fupin_core::Message;

use super::limits::{
    MAX_CELL_BYTES, MAX_CELLS, MAX_COLUMNS, MAX_PART, MAX_RATIO, MAX_ROW_BYTES, MAX_ROWS,
    MAX_SHEET_XML, MAX_SHEETS, MAX_UNCOMPRESSED, RATIO_FLOOR, bytes, column_letter,
};
use super::{Row, SheetRows, refused};

/// Rows handed over at a time, and batches the reader may run ahead.
const BATCH: usize = 512;
const AHEAD: usize = 8;

type Batch = Result<Vec<(usize, Row)>>;

/// Reads every worksheet in order; the first sheet's first row is the header. Later sheets
/// continue the data (exports split at Excel's 1,048,576-row limit): their first row holding
/// values is their header and is skipped, and rows are numbered through the workbook as if
/// the sheets were one (the first sheet's rows as Excel numbers them).
pub(super) fn open(path: &Path) -> Result<SheetRows> {
    check_parts(path)?;
    let mut book: Xlsx<BufReader<File>> =
        calamine::open_workbook(path).with_context(|| format!("cannot open {}", path.display()))?;
    let names = book.sheet_names();
    if names.len() > MAX_SHEETS {
        return Err(refused(
            Message::new("sheet.too_many_sheets")
                .with("n", names.len())
                .with("max", MAX_SHEETS),
        ));
    }
    let (send, receive) = sync_channel::<Batch>(AHEAD);
    std::thread::Builder::new()
        .name("xlsx-reader".into())
        .spawn(move || {
            let mut out = Sender {
                send,
                rows: Vec::with_capacity(BATCH),
            };
            match read_sheets(&mut book, &names, &mut out) {
                Ok(()) => out.flush(),
                // nobody to tell when the receiver has gone
                Err(e) => drop(out.send.send(Err(e))),
            }
        })?;
    Ok(SheetRows {
        inner: Box::new(Received {
            receive,
            batch: Vec::new().into_iter(),
        }),
        encoding: "XLSX",
    })
}

/// The parts of the zip against the limits, from their declared sizes.
fn check_parts(path: &Path) -> Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|_| refused(Message::new("sheet.not_xlsx")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i)?;
        let name = part.name().map(Cow::into_owned).unwrap_or_default();
        let (size, packed) = (part.size(), part.compressed_size());
        let sheet = name.starts_with("xl/worksheets/") && name.ends_with(".xml");
        let limit = if sheet { MAX_SHEET_XML } else { MAX_PART };
        if size > limit {
            return Err(refused(
                Message::new("sheet.part_too_large")
                    .with("part", &name)
                    .with("size", bytes(size))
                    .with("limit", bytes(limit)),
            ));
        }
        if size > RATIO_FLOOR && size > packed.saturating_mul(MAX_RATIO) {
            let ratio = size / packed.max(1);
            return Err(refused(
                Message::new("sheet.zip_bomb")
                    .with("part", &name)
                    .with("packed", bytes(packed))
                    .with("size", bytes(size))
                    .with("ratio", ratio)
                    .with("max", MAX_RATIO),
            ));
        }
        total = total.saturating_add(size);
    }
    if total > MAX_UNCOMPRESSED {
        return Err(refused(
            Message::new("sheet.workbook_too_large")
                .with("size", bytes(total))
                .with("limit", bytes(MAX_UNCOMPRESSED)),
        ));
    }
    Ok(())
}

/// The reader thread's end of the channel: rows gathered into batches.
struct Sender {
    send: SyncSender<Batch>,
    rows: Vec<(usize, Row)>,
}

impl Sender {
    /// Queues a row; false when the receiver has gone (nobody reads on: stop).
    fn push(&mut self, row: (usize, Row)) -> bool {
        self.rows.push(row);
        self.rows.len() < BATCH || self.flush_batch()
    }

    fn flush_batch(&mut self) -> bool {
        let full = std::mem::replace(&mut self.rows, Vec::with_capacity(BATCH));
        self.send.send(Ok(full)).is_ok()
    }

    fn flush(mut self) {
        if !self.rows.is_empty() {
            self.flush_batch();
        }
    }
}

/// The receiving end: rows of the batches in order; a reading error ends them.
struct Received {
    receive: Receiver<Batch>,
    batch: std::vec::IntoIter<(usize, Row)>,
}

impl Iterator for Received {
    type Item = Result<(usize, Row)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.batch.next() {
                return Some(Ok(row));
            }
            match self.receive.recv().ok()? {
                Ok(rows) => self.batch = rows.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Counts over the whole workbook.
#[derive(Default)]
struct Counts {
    rows: usize,
    cells: u64,
    /// The row number last given (later sheets continue from it).
    numbered: usize,
}

fn read_sheets(book: &mut Xlsx<BufReader<File>>, names: &[String], out: &mut Sender) -> Result<()> {
    let mut counts = Counts::default();
    for (i, name) in names.iter().enumerate() {
        let mut cells = match book.worksheet_cells_reader(name) {
            Ok(reader) => reader,
            // a chart sheet: nothing to read
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(sheet_error(name, e)),
        };
        let mut sheet = SheetState {
            name,
            first: i == 0,
            base: counts.numbered,
            header: None,
            row: None,
        };
        while let Some(cell) = cells.next_cell().map_err(|e| sheet_error(name, e))? {
            let value = cell.get_value();
            if matches!(value, DataRef::Empty) {
                continue;
            }
            let (r, c) = cell.get_position();
            if c as usize >= MAX_COLUMNS {
                return Err(refused(
                    Message::new("sheet.cell_past_columns")
                        .with("sheet", name)
                        .with("cell", format!("{}{}", column_letter(c), r + 1))
                        .with("col", c + 1)
                        .with("max", MAX_COLUMNS),
                ));
            }
            if sheet.row.as_ref().is_none_or(|b| b.index != r) {
                if let Some(done) = sheet.row.take()
                    && !sheet.emit(done, &mut counts, out)?
                {
                    return Ok(());
                }
                sheet.row = Some(RowBuilder::new(r));
            }
            counts.cells += 1;
            if counts.cells > MAX_CELLS {
                return Err(refused(
                    Message::new("sheet.too_many_cells").with("max", MAX_CELLS),
                ));
            }
            let text = cell_text(value);
            let row = sheet.row.as_mut().expect("started above");
            if text.len() > MAX_CELL_BYTES {
                return Err(refused(
                    Message::new("sheet.xlsx_cell_too_large")
                        .with("sheet", name)
                        .with("cell", format!("{}{}", column_letter(c), r + 1))
                        .with("n", bytes(text.len() as u64))
                        .with("limit", bytes(MAX_CELL_BYTES as u64)),
                ));
            }
            row.set(c as usize, &text);
            if row.bytes > MAX_ROW_BYTES {
                return Err(refused(
                    Message::new("sheet.xlsx_row_too_long")
                        .with("sheet", name)
                        .with("row", r + 1)
                        .with("limit", bytes(MAX_ROW_BYTES as u64)),
                ));
            }
        }
        if let Some(done) = sheet.row.take()
            && !sheet.emit(done, &mut counts, out)?
        {
            return Ok(());
        }
    }
    Ok(())
}

fn sheet_error(name: &str, e: XlsxError) -> anyhow::Error {
    // the zip crate's words for a part inflating past the size its archive declared
    if e.to_string()
        .contains("larger than its declared uncompressed size")
    {
        return refused(Message::new("sheet.inflates_past_declared").with("sheet", name));
    }
    // the parser's own words stay in the log; the reader is told the sheet
    tracing::info!(sheet = name, error = %e, "unreadable worksheet");
    refused(Message::new("sheet.unreadable_sheet").with("sheet", name))
}

/// One worksheet as it is read.
struct SheetState<'a> {
    name: &'a str,
    first: bool,
    /// The row number the previous sheets ended on.
    base: usize,
    /// A later sheet's header row (skipped), once seen.
    header: Option<u32>,
    row: Option<RowBuilder>,
}

impl SheetState<'_> {
    /// Numbers and sends a finished row; false when nobody reads on.
    fn emit(&mut self, row: RowBuilder, counts: &mut Counts, out: &mut Sender) -> Result<bool> {
        let number = if self.first {
            row.index as usize + 1
        } else {
            match self.header {
                None => {
                    self.header = Some(row.index);
                    return Ok(true);
                }
                Some(h) => self.base + row.index.saturating_sub(h) as usize,
            }
        };
        counts.numbered = number;
        counts.rows += 1;
        if counts.rows > MAX_ROWS {
            return Err(refused(
                Message::new("sheet.too_many_rows")
                    .with("max", MAX_ROWS)
                    .with("sheet", self.name),
            ));
        }
        Ok(out.push((number, row.finish())))
    }
}

/// A row's cells as they arrive, usually left to right: written straight into the record.
struct RowBuilder {
    index: u32,
    record: Row,
    /// Cells that came out of order (rare): placed by column at the end.
    late: Vec<(usize, String)>,
    bytes: usize,
}

impl RowBuilder {
    fn new(index: u32) -> Self {
        RowBuilder {
            index,
            record: Row::new(),
            late: Vec::new(),
            bytes: 0,
        }
    }

    fn set(&mut self, column: usize, text: &str) {
        self.bytes += text.len();
        if column < self.record.len() {
            self.late.push((column, text.to_string()));
            return;
        }
        while self.record.len() < column {
            self.record.push_field("");
        }
        self.record.push_field(text);
    }

    fn finish(self) -> Row {
        if self.late.is_empty() {
            return self.record;
        }
        let mut cells: Vec<String> = self.record.iter().map(String::from).collect();
        for (column, text) in self.late {
            cells[column] = text;
        }
        cells.into()
    }
}

/// Cell text as a person would read it in Excel. Whole numbers lose their ".0"; dates become
/// YYYY-MM-DD. Long digit strings stored as numbers (ID numbers!) keep their digits only up to
/// f64 precision — validation will report them.
pub(super) fn cell_text<'a>(d: &'a DataRef<'_>) -> Cow<'a, str> {
    match d {
        DataRef::Empty => "".into(),
        DataRef::String(s) => s.trim().into(),
        DataRef::SharedString(s) => s.trim().into(),
        DataRef::Int(i) => i.to_string().into(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64).into(),
        DataRef::Float(f) => f.to_string().into(),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.into(),
        DataRef::DateTime(dt) => excel_date(dt.as_f64()).into(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.get(..10).unwrap_or(s).into(),
        DataRef::Error(e) => format!("#{e:?}").into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_cells_read_as_people_see_them() {
        assert_eq!(cell_text(&DataRef::Float(2014.0)), "2014");
        assert_eq!(cell_text(&DataRef::Float(1.5)), "1.5");
        assert_eq!(cell_text(&DataRef::String(" 因病 ".into())), "因病");
        assert_eq!(cell_text(&DataRef::SharedString(" 因学 ")), "因学");
        assert_eq!(cell_text(&DataRef::Empty), "");
        assert_eq!(excel_date(29342.0), "1980-05-01");
    }

    #[test]
    fn cells_out_of_order_land_in_their_columns() {
        let mut row = RowBuilder::new(0);
        row.set(2, "c");
        row.set(0, "a");
        let r = row.finish();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec!["a", "", "c"]);
    }
}
