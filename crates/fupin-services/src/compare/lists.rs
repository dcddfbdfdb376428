//! Reading a department list (CSV in UTF-8 or GBK, or XLSX) through a column mapping. The
//! mapping says which header holds which field; the kind's default mapping is used unless the
//! source saved its own. A list is taken whole or not at all: every row that cannot be read is
//! named with its row, column and reason, and nothing is kept.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use fupin_core::departments::{ColumnMapping, DepartmentRecord, RecordField};

use crate::sheet::{Row, header_name, refuse_counted};

/// Rows shown in a refusal; the rest are counted.
const SHOWN: usize = 20;

/// A list read whole.
#[derive(Debug, Clone)]
pub struct ListRead {
    /// Records with their row number in the file.
    pub records: Vec<(usize, DepartmentRecord)>,
    /// Headers the mapping did not use (reported, then ignored).
    pub unused: Vec<String>,
    pub encoding: &'static str,
}

/// Each mapped field with its column.
type Located = Vec<(RecordField, usize)>;

/// Where each mapped field sits in the header, and the headers left unread.
fn locate(header: &Row, mapping: &ColumnMapping) -> Result<(Located, Vec<String>)> {
    let names: Vec<&str> = header.iter().map(header_name).collect();
    let mut found = Vec::new();
    for (field, headers) in mapping {
        if let Some(i) = headers
            .iter()
            .find_map(|h| names.iter().position(|n| n.eq_ignore_ascii_case(h.trim())))
        {
            found.push((*field, i));
        }
    }
    for required in [RecordField::Key, RecordField::Name] {
        if !found.iter().any(|(f, _)| *f == required) {
            let tried = mapping
                .iter()
                .find(|(f, _)| *f == required)
                .map(|(_, h)| h.join("、"))
                .unwrap_or_default();
            bail!(
                "缺少“{}”列（可用列名：{tried}） / missing the {} column (headers tried: {tried})",
                required.zh(),
                required.en()
            );
        }
    }
    let used: Vec<usize> = found.iter().map(|(_, i)| *i).collect();
    let unused = names
        .iter()
        .enumerate()
        .filter(|(i, n)| !n.is_empty() && !used.contains(i))
        .map(|(_, n)| fupin_core::fields::excerpt(n).into_owned())
        .collect();
    Ok((found, unused))
}

/// Reads the whole list or refuses it with every bad row counted and the first ones named.
pub fn read(path: &Path, mapping: &ColumnMapping) -> Result<ListRead> {
    let mut rows = crate::sheet::open(path)?;
    let encoding = rows.encoding;
    let header = rows.next().context("文件为空 / empty file")??.1;
    let (columns, unused) = locate(&header, mapping)?;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut bad = 0usize;
    let mut keys: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let (row_no, cells) = row?;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut record = DepartmentRecord::default();
        let mut problems = Vec::new();
        for &(field, i) in &columns {
            let cell = cells.get(i).unwrap_or("");
            if let Err(why) = record.set(field, cell) {
                problems.push(format!(
                    "[{}] {why}",
                    fupin_core::fields::excerpt(header_name(header.get(i).unwrap_or("")))
                ));
            }
        }
        if record.key.is_empty() {
            problems.push(format!(
                "{}为空 / {} is empty",
                RecordField::Key.zh(),
                RecordField::Key.en()
            ));
        } else if let Some(first) = keys.insert(record.key.clone(), row_no) {
            problems.push(format!(
                "{}“{}”与第{first}行重复 / {} {:?} repeats row {first}",
                RecordField::Key.zh(),
                record.key,
                RecordField::Key.en(),
                record.key
            ));
        }
        if record.id_number.is_empty() && record.name.is_empty() {
            problems.push(
                "身份证号和姓名都为空，无从比对 / neither ID number nor name: nothing to link by"
                    .into(),
            );
        }
        if problems.is_empty() {
            records.push((row_no, record));
        } else {
            bad += 1;
            if errors.len() < SHOWN {
                errors.push(format!(
                    "第{row_no}行 row {row_no}: {}",
                    problems.join("; ")
                ));
            }
        }
    }
    refuse_counted(bad, &errors)?;
    Ok(ListRead {
        records,
        unused,
        encoding,
    })
}

/// A column mapping written as TOML, one field per line with the headers to try:
/// `key = ["参保编号"]`, `id_number = ["公民身份号码", "身份证号"]`. Fields left out are not read.
pub fn parse_mapping(text: &str) -> Result<ColumnMapping> {
    let table: std::collections::BTreeMap<RecordField, Vec<String>> =
        toml::from_str(text).context("映射文件有误 / the column mapping is not valid")?;
    Ok(table.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fupin_core::departments::DepartmentKind;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn a_list_is_read_through_its_kinds_headers() {
        let f = write(
            "号牌号码,所有人,身份证号,车辆类型,初次登记日期,购置价格,备注\n\
             贵A12345,张三,52272219800314001X,小型轿车,2021-05-01,86000,\n\
             贵A54321,李四,,轻型货车,2020/3/1,,二手\n",
        );
        let read = read(f.path(), &DepartmentKind::Vehicle.default_mapping()).unwrap();
        assert_eq!(read.records.len(), 2);
        let (row, r) = &read.records[0];
        assert_eq!(
            (*row, r.key.as_str(), r.name.as_str()),
            (2, "贵A12345", "张三")
        );
        assert_eq!(r.amount, Some(fupin_core::Fen::from_yuan(86_000)));
        assert_eq!(read.records[1].1.id_number, "");
        assert_eq!(read.unused, vec!["备注".to_string()]);
    }

    #[test]
    fn bad_rows_are_named_and_nothing_is_kept() {
        let f = write(
            "号牌号码,所有人,身份证号,初次登记日期\n\
             贵A1,张三,,2021-13-01\n\
             贵A1,李四,,\n\
             贵A2,,,\n",
        );
        let e = read(f.path(), &DepartmentKind::Vehicle.default_mapping())
            .unwrap_err()
            .to_string();
        assert!(e.contains("3 行有误"), "{e}");
        assert!(e.contains("row 2") && e.contains("初次登记日期"), "{e}");
        assert!(e.contains("row 3") && e.contains("repeats row 2"), "{e}");
        assert!(
            e.contains("row 4") && e.contains("nothing to link by"),
            "{e}"
        );
    }

    #[test]
    fn a_mapping_file_names_fields_and_their_headers() {
        let m = parse_mapping("key = [\"编号\"]\nname = [\"户主\", \"姓名\"]\n").unwrap();
        assert_eq!(m[0], (RecordField::Key, vec!["编号".to_string()]));
        assert_eq!(m[1].1, vec!["户主".to_string(), "姓名".to_string()]);
        let e = parse_mapping("colour = [\"x\"]").unwrap_err();
        assert!(format!("{e:#}").contains("colour"), "{e:#}");
    }

    #[test]
    fn a_list_without_a_key_column_is_refused_with_the_headers_tried() {
        let f = write("姓名,身份证号\n张三,\n");
        let e = read(f.path(), &DepartmentKind::Medical.default_mapping())
            .unwrap_err()
            .to_string();
        assert!(e.contains("参保编号"), "{e}");
    }
}
