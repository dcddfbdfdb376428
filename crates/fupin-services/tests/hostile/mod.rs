//! Hostile spreadsheets, made by the tests themselves (also used by the CLI's and the web's
//! tests through `#[path]`): a workbook with values at A1 and XFD1048576, and zip bombs whose
//! worksheet inflates to gigabytes from a couple of megabytes.
#![allow(dead_code)] // each test file uses some of them

use std::io::{Read, Write};
use std::path::Path;

/// A workbook with `header` and `row` at the top and one more value at XFD1048576, the last
/// cell of a sheet: 1.5 KB on disk, 550 GB as a range.
pub fn far_cell_xlsx(path: &Path, header: &[&str], row: &[&str]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in row.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(path).unwrap();
}

/// A workbook whose one worksheet holds `header` and then rows of one number in column B until
/// it inflates to `inflated` bytes, packed about 1000:1 (a few MB for gigabytes). Its central
/// directory declares `declared` bytes for the sheet (the truth when `None`: refused for its
/// ratio; a small lie instead must be caught while it inflates).
pub fn zip_bomb_xlsx(path: &Path, header: &[&str], inflated: u64, declared: Option<u64>) {
    // the parts of an ordinary workbook, the worksheet replaced
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet();
    let plain = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut parts: Vec<Part> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        if name == "xl/worksheets/sheet1.xml" {
            continue;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        parts.push(Part::stored(&name, data));
    }

    let mut head = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>"#,
    );
    for h in header {
        head.push_str(&format!(r#"<c t="inlineStr"><is><t>{h}</t></is></c>"#));
    }
    head.push_str("</row>");
    let tail = "</sheetData></worksheet>";
    // rows without positions: calamine counts them; column A empty, B holding a value
    let unit = "<row><c/><c><v>1</v></c></row>";
    let chunk = unit.repeat((1 << 20) / unit.len());
    let body = inflated.saturating_sub((head.len() + tail.len()) as u64);
    let repeats = body / chunk.len() as u64;

    let (packed_chunk, chunk_crc) = (
        deflate_segment(chunk.as_bytes(), false),
        crc(chunk.as_bytes()),
    );
    let mut data = deflate_segment(head.as_bytes(), false);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(head.as_bytes());
    for _ in 0..repeats {
        data.extend_from_slice(&packed_chunk);
        hasher.combine(&chunk_crc);
    }
    data.extend_from_slice(&deflate_segment(tail.as_bytes(), true));
    hasher.update(tail.as_bytes());
    let size = head.len() as u64 + repeats * chunk.len() as u64 + tail.len() as u64;
    parts.push(Part {
        name: "xl/worksheets/sheet1.xml".into(),
        method: 8,
        crc: hasher.finalize(),
        size: declared.unwrap_or(size) as u32,
        data,
    });
    write_zip(path, &parts);
}

fn crc(bytes: &[u8]) -> crc32fast::Hasher {
    let mut h = crc32fast::Hasher::new();
    h.update(bytes);
    h
}

/// Raw deflate of `bytes` on its own, ending on a byte boundary (a sync flush) so segments
/// can follow one another; the last one ends the stream.
fn deflate_segment(bytes: &[u8], last: bool) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(bytes.len() / 100 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = c.total_in() as usize;
        c.compress_vec(&bytes[consumed..], &mut out, flush).unwrap();
        if c.total_in() as usize == bytes.len() && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity());
    }
    out
}

struct Part {
    name: String,
    /// 0 stored, 8 deflated
    method: u16,
    crc: u32,
    /// The inflated size the archive declares.
    size: u32,
    data: Vec<u8>,
}

impl Part {
    fn stored(name: &str, data: Vec<u8>) -> Part {
        Part {
            name: name.into(),
            method: 0,
            crc: crc32fast::hash(&data),
            size: data.len() as u32,
            data,
        }
    }
}

/// A zip archive of `parts` (local headers, data, central directory, end record).
fn write_zip(path: &Path, parts: &[Part]) {
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    let u16le = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let u32le = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for p in parts {
        let offset = out.len() as u32;
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20);
        u16le(&mut out, 0);
        u16le(&mut out, p.method);
        u16le(&mut out, 0);
        u16le(&mut out, 0x21);
        u32le(&mut out, p.crc);
        u32le(&mut out, p.data.len() as u32);
        u32le(&mut out, p.size);
        u16le(&mut out, p.name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&p.data);

        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20);
        u16le(&mut central, 20);
        u16le(&mut central, 0);
        u16le(&mut central, p.method);
        u16le(&mut central, 0);
        u16le(&mut central, 0x21);
        u32le(&mut central, p.crc);
        u32le(&mut central, p.data.len() as u32);
        u32le(&mut central, p.size);
        u16le(&mut central, p.name.len() as u16);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(p.name.as_bytes());
    }
    let central_at = out.len() as u32;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, parts.len() as u16);
    u16le(&mut out, parts.len() as u16);
    u32le(&mut out, central.len() as u32);
    u32le(&mut out, central_at);
    u16le(&mut out, 0);
    std::fs::File::create(path)
        .unwrap()
        .write_all(&out)
        .unwrap();
}

/// The household sheet's header (every column an export writes).
pub fn household_header() -> Vec<&'static str> {
    use fupin_core::CodeList as _;
    fupin_services::columns::household_sheet()
        .iter()
        .map(|f| f.zh())
        .collect()
}
