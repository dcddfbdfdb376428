//! Reading a department list (CSV in UTF-8 or GBK, or XLSX) through a column mapping. The
//! mapping says which header holds which field; the kind's default mapping is used unless the
//! source saved its own. A list is taken whole or not at all: every row that cannot be read is
//! named with its row, column and reason, and nothing is kept.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use fupin_core::Message;
use fupin_core::departments::{ColumnMapping, DepartmentRecord, RecordField};

use crate::sheet::{Row, bad_row, header_name, refuse_counted, refused};

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

/// The column of the first of `headers` that `names` holds.
fn column_of(names: &[&str], headers: &[String]) -> Option<usize> {
    headers
        .iter()
        .find_map(|h| names.iter().position(|n| n.eq_ignore_ascii_case(h.trim())))
}

/// Where each mapped field sits in the header, and the headers left unread.
fn locate(header: &Row, mapping: &ColumnMapping) -> Result<(Located, Vec<String>)> {
    let names: Vec<&str> = header.iter().map(header_name).collect();
    let mut found = Vec::new();
    for (field, headers) in mapping {
        if let Some(i) = column_of(&names, headers) {
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
            return Err(refused(
                Message::new("list.missing_column")
                    .with_label("field", required.zh(), required.en())
                    .with("tried", tried),
            ));
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

/// The head of a list as the column-mapping form shows it: its headers, its first rows, and
/// the column each field would be read from.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPreview {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Every field, with the column the mappings find for it (`None`: not read).
    pub columns: Vec<(RecordField, Option<usize>)>,
    pub encoding: &'static str,
}

impl ListPreview {
    /// The mapping that reads each field from the column chosen for it (`None`: not read).
    /// A column without a header cannot be named by one and is not offered.
    pub fn mapping(&self, chosen: &[(RecordField, Option<usize>)]) -> ColumnMapping {
        chosen
            .iter()
            .filter_map(|(field, column)| {
                let header = self.headers.get((*column)?)?;
                (!header.is_empty()).then(|| (*field, vec![header.clone()]))
            })
            .collect()
    }
}

/// The headers and first `rows` rows of `path`, each field placed by the first of `mappings`
/// that finds it (a source's saved mapping, then its kind's default).
pub fn preview(path: &Path, mappings: &[&ColumnMapping], rows: usize) -> Result<ListPreview> {
    let mut all = crate::sheet::open(path)?;
    let encoding = all.encoding;
    let header = crate::sheet::header_row(&mut all)?;
    let headers: Vec<String> = header
        .iter()
        .map(|h| fupin_core::fields::excerpt(header_name(h)).into_owned())
        .collect();
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    let columns = RecordField::ALL
        .iter()
        .map(|field| {
            let found = mappings.iter().find_map(|m| {
                let (_, headers) = m.iter().find(|(f, _)| f == field)?;
                column_of(&names, headers)
            });
            (*field, found)
        })
        .collect();
    let mut first = Vec::new();
    for row in all.take(rows) {
        let (_, cells) = row?;
        first.push(
            (0..headers.len())
                .map(|i| fupin_core::fields::excerpt(cells.get(i).unwrap_or("")).into_owned())
                .collect(),
        );
    }
    Ok(ListPreview {
        headers,
        rows: first,
        columns,
        encoding,
    })
}

/// Reads the whole list or refuses it with every bad row counted and the first ones named.
pub fn read(path: &Path, mapping: &ColumnMapping) -> Result<ListRead> {
    let mut rows = crate::sheet::open(path)?;
    let encoding = rows.encoding;
    let header = crate::sheet::header_row(&mut rows)?;
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
                let column = fupin_core::fields::excerpt(header_name(header.get(i).unwrap_or("")));
                problems.push(
                    Message::new("list.in_column")
                        .with("column", column)
                        .nested("reason", &why, &crate::message_tables()),
                );
            }
        }
        if record.key.is_empty() {
            problems.push(Message::new("list.key_empty").with_label(
                "field",
                RecordField::Key.zh(),
                RecordField::Key.en(),
            ));
        } else if let Some(first) = keys.insert(record.key.clone(), row_no) {
            problems.push(
                Message::new("list.key_repeats")
                    .with_label("field", RecordField::Key.zh(), RecordField::Key.en())
                    .with("key", fupin_core::fields::excerpt(&record.key))
                    .with("first", first),
            );
        }
        if record.id_number.is_empty() && record.name.is_empty() {
            problems.push(Message::new("list.nothing_to_link"));
        }
        if problems.is_empty() {
            records.push((row_no, record));
        } else {
            bad += 1;
            if errors.len() < SHOWN {
                errors.push(bad_row(row_no, &problems));
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

/// The texts of the messages of reading department lists.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "list.missing_column",
        "缺少“{field}”列（可用列名：{tried}）",
        "missing the {field} column (headers tried: {tried})",
    ),
    (
        "list.in_column",
        "[{column}] {reason}",
        "[{column}] {reason}",
    ),
    ("list.key_empty", "{field}为空", "{field} is empty"),
    (
        "list.key_repeats",
        "{field}“{key}”与第{first}行重复",
        "{field} “{key}” repeats row {first}",
    ),
    (
        "list.nothing_to_link",
        "身份证号和姓名都为空，无从比对",
        "neither ID number nor name: nothing to link by",
    ),
    (
        "list.mapping_unknown_field",
        "映射文件中没有“{field}”这一字段（可用：{fields}）",
        "the column mapping names no field “{field}” (fields: {fields})",
    ),
    (
        "list.mapping_not_headers",
        "映射文件中“{field}”应为列名的列表，如 [\"姓名\"]",
        "the column mapping's {field} must be a list of headers, such as [\"姓名\"]",
    ),
    (
        "list.mapping_invalid",
        "映射文件第{line}行有误",
        "the column mapping is not valid at line {line}",
    ),
];

/// A column mapping written as TOML, one field per line with the headers to try:
/// `key = ["参保编号"]`, `id_number = ["公民身份号码", "身份证号"]`. Fields left out are not read.
pub fn parse_mapping(text: &str) -> Result<ColumnMapping> {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        // the parser's own words stay in the log; the reader is told the line
        tracing::info!(error = %e, "a column mapping that does not parse");
        let line = e
            .span()
            .map_or(1, |s| text[..s.start].matches('\n').count() + 1);
        refused(Message::new("list.mapping_invalid").with("line", line))
    })?;
    let mut mapping = std::collections::BTreeMap::new();
    for (name, headers) in &table {
        let name_only: serde::de::value::StrDeserializer<serde::de::value::Error> =
            name.as_str().into_deserializer();
        let field = RecordField::deserialize(name_only).map_err(|_| {
            let fields: Vec<String> = RecordField::ALL
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok()?.as_str().map(str::to_string))
                .collect();
            refused(
                Message::new("list.mapping_unknown_field")
                    .with("field", fupin_core::fields::excerpt(name))
                    .with("fields", fields.join(", ")),
            )
        })?;
        let headers: Option<Vec<String>> = headers
            .as_array()
            .and_then(|all| all.iter().map(|h| h.as_str().map(str::to_string)).collect());
        let headers = headers
            .ok_or_else(|| refused(Message::new("list.mapping_not_headers").with("field", name)))?;
        mapping.insert(field, headers);
    }
    Ok(mapping.into_iter().collect())
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
        assert!(format!("{e:#}").contains("没有“colour”这一字段"), "{e:#}");
        let e = parse_mapping("name = \"姓名\"").unwrap_err();
        assert!(format!("{e:#}").contains("应为列名的列表"), "{e:#}");
        let e = parse_mapping("key = [\"编号\"]\nname = [").unwrap_err();
        assert!(format!("{e:#}").contains("映射文件第2行有误"), "{e:#}");
    }

    #[test]
    fn a_preview_places_fields_by_the_saved_mapping_then_the_default() {
        let f = write("编号,户主,公民身份号码,备注\nA1,张三,52272219800314001X,x\nA2,李四,,\n");
        let saved: ColumnMapping = vec![(RecordField::Name, vec!["户主".into()])];
        let default = DepartmentKind::Medical.default_mapping();
        let p = preview(f.path(), &[&saved, &default], 5).unwrap();
        assert_eq!(p.headers, ["编号", "户主", "公民身份号码", "备注"]);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[1], ["A2", "李四", "", ""]);
        let at = |field| p.columns.iter().find(|(f, _)| *f == field).unwrap().1;
        assert_eq!(at(RecordField::Key), Some(0), "the default's 编号");
        assert_eq!(at(RecordField::Name), Some(1), "the saved 户主");
        assert_eq!(at(RecordField::IdNumber), Some(2));
        assert_eq!(at(RecordField::Amount), None);
        // the columns chosen on the form become the mapping saved with the source
        let chosen = [
            (RecordField::Key, Some(0)),
            (RecordField::Name, Some(1)),
            (RecordField::Detail, Some(3)),
            (RecordField::Date, None),
            (RecordField::Place, Some(9)),
        ];
        let m = p.mapping(&chosen);
        assert_eq!(
            m,
            vec![
                (RecordField::Key, vec!["编号".to_string()]),
                (RecordField::Name, vec!["户主".to_string()]),
                (RecordField::Detail, vec!["备注".to_string()]),
            ]
        );
        let read = read(f.path(), &m).unwrap();
        assert_eq!(read.records[0].1.detail, "x");
        assert_eq!(read.unused, vec!["公民身份号码".to_string()]);
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
