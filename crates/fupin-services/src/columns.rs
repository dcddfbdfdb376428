//! The column sets of the two sheets fupin reads and writes, and how headers map to fields.
//!
//! **Household sheet** (户籍信息): one row per member, household columns repeated on each row
//! (or left blank on the members' rows, as merged cells export). **History sheet** (年度信息):
//! one row per household and year with status and income. Headers are matched by the Chinese
//! name (with or without the unit in brackets), the English key, or a common alias.

use std::collections::HashMap;

use fupin_core::record::{HOUSEHOLD_FIELDS, MEMBER_FIELDS};
use fupin_core::{CodeList, Field, Message};

use crate::sheet::{self, Row};

/// Household sheet columns in export order: household number and area names first.
pub fn household_sheet() -> Vec<Field> {
    let mut cols = vec![
        Field::HouseholdNo,
        Field::County,
        Field::Township,
        Field::Village,
    ];
    cols.extend(
        HOUSEHOLD_FIELDS
            .iter()
            .copied()
            .filter(|f| *f != Field::HouseholdNo),
    );
    cols.extend(MEMBER_FIELDS.iter().copied());
    cols
}

/// History sheet columns in export order.
pub const HISTORY_SHEET: &[Field] = &[
    Field::HouseholdNo,
    Field::Year,
    Field::Status,
    Field::StatusReason,
    Field::HouseholdSize,
    Field::Wage,
    Field::Business,
    Field::Property,
    Field::Transfer,
    Field::ProductionExpenditure,
    Field::PerCapitaIncome,
];

/// Household-level fields of the household sheet: everything but the number and the members'
/// own columns. They must agree on every row of a household.
pub fn household_level_fields() -> Vec<Field> {
    household_sheet()
        .into_iter()
        .filter(|f| *f != Field::HouseholdNo && !MEMBER_FIELDS.contains(f))
        .collect()
}

/// Opens a sheet and maps its header row, refusing a file that lacks a `required` column.
pub fn open_sheet(
    path: &std::path::Path,
    required: &[Field],
) -> anyhow::Result<(sheet::SheetRows, HeaderMap)> {
    let mut rows = sheet::open(path)?;
    let header = sheet::header_row(&mut rows)?;
    let map = HeaderMap::new(&header).map_err(crate::sheet::refused)?;
    let missing = map.missing(required);
    if !missing.is_empty() {
        let zh: Vec<&str> = missing.iter().map(|f| f.zh()).collect();
        let en: Vec<&str> = missing.iter().map(|f| f.en()).collect();
        return Err(crate::sheet::refused(
            Message::new("sheet.missing_columns").with_list("columns", &zh, &en),
        ));
    }
    Ok((rows, map))
}

/// Headers other offices use for the same field.
const ALIASES: &[(&str, Field)] = &[
    ("户号", Field::HouseholdNo),
    ("户编码", Field::HouseholdNo),
    ("家庭编号", Field::HouseholdNo),
    ("区划代码", Field::VillageCode),
    ("行政区划代码", Field::VillageCode),
    ("村代码", Field::VillageCode),
    ("县(市、区)", Field::County),
    ("县区", Field::County),
    ("乡(镇)", Field::Township),
    ("乡", Field::Township),
    ("镇", Field::Township),
    ("村", Field::Village),
    ("组", Field::Group),
    ("村组", Field::Group),
    ("住址", Field::Address),
    ("电话", Field::Phone),
    ("手机号码", Field::Phone),
    ("致贫原因", Field::MainCause),
    ("贫困户状态", Field::Status),
    ("脱贫状态", Field::Status),
    ("识别年度", Field::RegisteredYear),
    ("建档年度", Field::RegisteredYear),
    ("身份证号", Field::IdNumber),
    ("身份证号码", Field::IdNumber),
    ("公民身份号码", Field::IdNumber),
    ("证件号码(身份证号)", Field::IdNumber),
    ("成员姓名", Field::MemberName),
    ("户主关系", Field::Relation),
    ("劳动能力", Field::Labour),
    ("在校生情况", Field::Schooling),
    ("务工情况", Field::MigrantWork),
    ("是否低保", Field::Dibao),
    ("低保人口", Field::Dibao),
    ("人均纯收入", Field::PerCapitaIncome),
    ("人口数", Field::HouseholdSize),
];

fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .replace(['（', '）'], "")
        .replace(['(', ')'], "")
        .replace([' ', '\u{3000}', '*'], "")
        .to_lowercase()
}

/// Header text → field, for every field and alias.
fn lookup() -> HashMap<String, Field> {
    let mut m = HashMap::new();
    for &f in Field::ALL {
        m.insert(normalise(f.zh()), f);
        m.insert(normalise(f.zh_bare()), f);
        m.insert(normalise(f.code()), f);
        m.insert(normalise(f.en()), f);
    }
    for (alias, f) in ALIASES {
        m.insert(normalise(alias), *f);
    }
    m
}

/// Where each field sits in a file's header row.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    /// Column of each field, indexed by the field's position in `Field::ALL`.
    index: Vec<Option<usize>>,
    /// The same, as (field, column) pairs for going through a row.
    columns: Vec<(Field, usize)>,
    headers: Vec<String>,
    /// Headers that matched no field (reported, then ignored).
    pub unknown: Vec<String>,
}

impl HeaderMap {
    pub fn new(headers: &Row) -> Result<Self, Message> {
        // kept for messages only: cut, as a header cell may be as long as any cell
        let headers: Vec<String> = headers
            .iter()
            .map(|h| fupin_core::fields::excerpt(h.trim()).into_owned())
            .collect();
        let table = lookup();
        let mut index = vec![None; Field::ALL.len()];
        let mut unknown = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            match table.get(&normalise(h)) {
                Some(f) => {
                    if let Some(prev) = index[*f as usize].replace(i) {
                        return Err(Message::new("sheet.same_column_twice")
                            .with("first", prev + 1)
                            .with("second", i + 1)
                            .label("field", *f));
                    }
                }
                None => unknown.push(h.clone()),
            }
        }
        let columns = Field::ALL
            .iter()
            .filter_map(|f| Some((*f, index[*f as usize]?)))
            .collect();
        Ok(Self {
            index,
            columns,
            headers,
            unknown,
        })
    }

    /// Fields among `required` that the header lacks.
    pub fn missing(&self, required: &[Field]) -> Vec<Field> {
        required.iter().copied().filter(|f| !self.has(*f)).collect()
    }

    pub fn has(&self, f: Field) -> bool {
        self.index[f as usize].is_some()
    }

    /// The fields the header has, with their columns.
    pub fn columns(&self) -> &[(Field, usize)] {
        &self.columns
    }

    /// The cell of `field` in `row`, trimmed ("" when the column or the cell is absent).
    pub fn get<'a>(&self, row: &'a Row, field: Field) -> &'a str {
        self.index[field as usize]
            .and_then(|i| row.get(i))
            .map_or("", str::trim)
    }

    /// The column name to show for `field`: the file's own header if it has one.
    pub fn column_name(&self, field: Field) -> String {
        self.index[field as usize]
            .map_or_else(|| field.zh().to_string(), |i| self.headers[i].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_chinese_english_bare_and_aliases() {
        let headers: Vec<String> = [
            "户编号",
            "身份证号码",
            "耕地面积",
            "Relation to head",
            "wage",
            "备注",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = HeaderMap::new(&Row::from(headers)).unwrap();
        let row: Row = ["H1", "X", "2.5", "户主", "100", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(m.get(&row, Field::HouseholdNo), "H1");
        assert_eq!(m.get(&row, Field::IdNumber), "X");
        assert_eq!(m.get(&row, Field::ArableLand), "2.5");
        assert_eq!(m.get(&row, Field::Relation), "户主");
        assert_eq!(m.get(&row, Field::Wage), "100");
        assert_eq!(m.unknown, vec!["备注".to_string()]);
        assert_eq!(m.column_name(Field::IdNumber), "身份证号码");
        assert_eq!(
            m.missing(&[Field::HouseholdNo, Field::MainCause]),
            vec![Field::MainCause]
        );
    }

    #[test]
    fn rejects_a_field_given_twice() {
        let headers: Vec<String> = ["身份证号", "证件号码"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(HeaderMap::new(&Row::from(headers)).is_err());
    }

    #[test]
    fn every_export_header_maps_back_to_its_field() {
        let headers: Vec<String> = household_sheet()
            .iter()
            .map(|f| f.zh().to_string())
            .collect();
        let m = HeaderMap::new(&Row::from(headers)).unwrap();
        assert!(m.unknown.is_empty());
        assert!(m.missing(&household_sheet()).is_empty());
    }
}
