//! What a sheet may hold before it is refused, for every reader of sheets (the CLI's imports,
//! `/compare/lists`). Real files sit far inside them: a 200,000-household county sheet has about
//! 60 columns, cells of a few dozen bytes, and its XLSX worksheet inflates about 12:1. A file
//! past one is refused with a message saying which, before the excess is read into memory.

/// Bytes of one cell's text (a name is at most 50 characters; a 64 KiB cell is no data).
pub const MAX_CELL_BYTES: usize = 64 * 1024;
/// Bytes of one row: a CSV reader stops reading a row this long instead of growing it.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;
/// Columns: of a row (CSV), or the furthest one holding a value (XLSX).
pub const MAX_COLUMNS: usize = 1_024;
/// Rows holding values, over all sheets of a workbook.
pub const MAX_ROWS: usize = 20_000_000;
/// Cells holding values, over all sheets of a workbook.
pub const MAX_CELLS: u64 = 400_000_000;
/// Worksheets of a workbook.
pub const MAX_SHEETS: usize = 256;
/// Inflated bytes of one worksheet's XML, which is streamed (a full sheet of 1,048,576 rows of
/// the household sheet is about 3.3 GB).
pub const MAX_SHEET_XML: u64 = 4 << 30;
/// Inflated bytes of any other part of an XLSX (the shared strings, styles and workbook are
/// read whole by calamine, so this bounds its memory; bigger registries come as CSV).
pub const MAX_PART: u64 = 128 << 20;
/// Inflated bytes of a whole workbook.
pub const MAX_UNCOMPRESSED: u64 = 16 << 30;
/// How many times its packed size a part may inflate to: spreadsheets inflate about 10:1, a
/// zip bomb about 1000:1 (the usual threshold, Apache POI's among them, is 100).
pub const MAX_RATIO: u64 = 100;
/// Parts smaller than this are not held to the ratio (a near-empty styles part inflates 50:1).
pub const RATIO_FLOOR: u64 = 1 << 20;

/// A byte count as people read it: "64 KiB", "4 GiB", "3.2 MiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    if v.fract() == 0.0 {
        format!("{v:.0} {unit}")
    } else {
        format!("{v:.1} {unit}")
    }
}

/// A column as Excel names it: 0 → "A", 16383 → "XFD".
pub fn column_letter(index: u32) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_columns_read_as_people_write_them() {
        assert_eq!(bytes(MAX_CELL_BYTES as u64), "64 KiB");
        assert_eq!(bytes(MAX_SHEET_XML), "4 GiB");
        assert_eq!(bytes(3_355_443), "3.2 MiB");
        assert_eq!(bytes(10), "10 B");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
    }
}
