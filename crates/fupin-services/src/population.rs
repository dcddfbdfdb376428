//! `fupin areas population FILE`: the rural registered population (农村户籍人口) of areas by
//! year, the denominator of poverty incidence. A CSV/XLSX sheet with the columns 区划代码 (code),
//! 年度 (year) and 农村户籍人口 (rural_population); any level of area. All-or-nothing: every bad
//! row is reported with its row number, column and reason, and nothing is written.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, bail};
use fupin_core::{AreaCode, AreaLevel};
use fupin_storage::Db;

use crate::sheet::{Format, SheetWriter, bad_cell, find_column, refuse_bad_rows, repeats_row};
use fupin_core::Message;

/// The columns, Chinese first (the name written), then the accepted English name.
pub const COLUMNS: [(&str, &str); 3] = [
    ("区划代码", "code"),
    ("年度", "year"),
    ("农村户籍人口", "rural_population"),
];

/// One figure: an area's rural population in a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationRow {
    pub area: AreaCode,
    pub year: i32,
    pub rural: i64,
}

/// Reads and checks a population sheet. Errors name the row, the column and the reason.
pub fn parse(path: &Path) -> Result<Vec<PopulationRow>> {
    let mut rows = crate::sheet::open(path)?;
    let header = crate::sheet::header_row(&mut rows)?;
    let mut col = [0usize; 3];
    for (slot, (zh, en)) in col.iter_mut().zip(COLUMNS) {
        *slot = find_column(&header, zh, en)?;
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let (row_no, cells) = row?;
        let get = |i: usize| cells.get(col[i]).map_or("", str::trim);
        if (0..3).all(|i| get(i).is_empty()) {
            continue;
        }
        match parse_row(get(0), get(1), get(2)) {
            Ok(r) => out.push((row_no, r)),
            Err((i, reason)) => errors.push(bad_cell(
                row_no,
                COLUMNS[i].0,
                get(i),
                &Message::localized(reason),
            )),
        }
    }
    let mut seen = BTreeMap::new();
    for (row_no, r) in &out {
        if let Some(first) = seen.insert((r.area.to_string(), r.year), *row_no) {
            errors.push(repeats_row(
                *row_no,
                format!("{} {}", r.area, r.year),
                first,
            ));
        }
    }
    refuse_bad_rows(&errors)?;
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// Checks one row's cells; on error, the index of the bad column and the reason.
fn parse_row(code: &str, year: &str, rural: &str) -> Result<PopulationRow, (usize, String)> {
    let area = AreaCode::parse(code).map_err(|e| (0, e.to_string()))?;
    let year = year
        .parse::<i32>()
        .ok()
        .filter(|y| (1980..=2100).contains(y))
        .ok_or((
            1,
            "年度应为1980–2100的整数 / year must be a whole number 1980–2100".into(),
        ))?;
    let rural = rural
        .replace([',', '，'], "")
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or((
            2,
            "人口应为非负整数 / population must be a whole number ≥ 0".into(),
        ))?;
    Ok(PopulationRow { area, year, rural })
}

/// Reads a population sheet and loads it (replacing figures of the same area and year).
pub async fn import_populations(db: &Db, path: &Path, source: &str) -> Result<u64> {
    let rows = parse(path)?;
    if rows.is_empty() {
        bail!("{}: no rows / 没有数据", path.display());
    }
    let rows: Vec<(AreaCode, i32, i64)> = rows
        .into_iter()
        .map(|r| (r.area, r.year, r.rural))
        .collect();
    Ok(db.load_populations(&rows, source).await?)
}

/// Plausible rural populations for a generated registry: each village several times its
/// registered people (a fixed multiple from its code, so poverty incidence varies by village),
/// declining 1% a year as people move to towns; every ancestor the sum of its villages.
pub struct PopulationWriter {
    village_people: BTreeMap<String, i64>,
    years: Option<(i32, i32)>,
}

impl PopulationWriter {
    pub fn new() -> Self {
        Self {
            village_people: BTreeMap::new(),
            years: None,
        }
    }

    pub fn add(&mut self, village: &AreaCode, people: usize, years: impl Iterator<Item = i32>) {
        *self.village_people.entry(village.to_string()).or_default() += people as i64;
        for y in years {
            self.years = Some(match self.years {
                None => (y, y),
                Some((lo, hi)) => (lo.min(y), hi.max(y)),
            });
        }
    }

    /// The villages added and the first and last year seen.
    pub fn villages_and_years(&self) -> (std::collections::BTreeSet<AreaCode>, Option<(i32, i32)>) {
        let villages = self
            .village_people
            .keys()
            .filter_map(|v| AreaCode::parse(v).ok())
            .collect();
        (villages, self.years)
    }

    /// Writes the sheet; returns the number of rows.
    pub fn write(&self, path: &Path, format: Format) -> Result<u64> {
        let header: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        let mut w = SheetWriter::create(path, format, &header, "农村户籍人口")?;
        let Some((first, last)) = self.years else {
            w.finish()?;
            return Ok(0);
        };
        let mut by_area: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for (village, people) in &self.village_people {
            let code = AreaCode::parse(village)?;
            // 3× to 14× the registered people: incidence from about 7% to 33% at the start
            let multiple = 3 + code.as_str().bytes().map(u64::from).sum::<u64>() % 12;
            let base = *people * multiple as i64;
            for year in first..=last {
                let pop = base * (100 - i64::from(year - first)) / 100;
                for level in AreaLevel::ALL {
                    let area = code.ancestor(level).to_string();
                    *by_area.entry((area, year)).or_default() += pop;
                }
            }
        }
        for ((area, year), pop) in &by_area {
            w.write_row(&[area.clone(), year.to_string(), pop.to_string()])?;
        }
        w.finish()?;
        Ok(by_area.len() as u64)
    }
}

impl Default for PopulationWriter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rows_are_checked_field_by_field() {
        assert_eq!(
            parse_row("522726100201", "2019", "1,234"),
            Ok(PopulationRow {
                area: AreaCode::parse("522726100201").unwrap(),
                year: 2019,
                rural: 1234
            })
        );
        assert_eq!(parse_row("52272", "2019", "5").unwrap_err().0, 0);
        assert_eq!(parse_row("522726", "19", "5").unwrap_err().0, 1);
        assert_eq!(parse_row("522726", "2019", "-5").unwrap_err().0, 2);
        assert_eq!(parse_row("522726", "2019", "五百").unwrap_err().0, 2);
    }

    #[test]
    fn a_sheet_with_bad_rows_names_them_all_and_yields_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(
            &path,
            "区划代码,年度,农村户籍人口\n522726,2019,1000\n522726,20x9,1000\n522726,2019,10\n",
        )
        .unwrap();
        let e = parse(&path).unwrap_err().to_string();
        assert!(e.contains("第3行") && e.contains("[年度]"), "{e}");
        assert!(e.contains("第4行") && e.contains("第2行"), "{e}");
    }

    proptest! {
        #[test]
        fn any_cells_either_parse_or_name_a_column(code in "\\PC{0,14}", year in "\\PC{0,6}", rural in "\\PC{0,10}") {
            match parse_row(&code, &year, &rural) {
                Ok(r) => {
                    prop_assert!(r.rural >= 0);
                    prop_assert!((1980..=2100).contains(&r.year));
                }
                Err((i, reason)) => {
                    prop_assert!(i < 3);
                    prop_assert!(!reason.is_empty());
                }
            }
        }
    }

    #[test]
    fn generated_populations_sum_up_the_tree() {
        let mut w = PopulationWriter::new();
        let v1 = AreaCode::parse("522726100201").unwrap();
        let v2 = AreaCode::parse("522726100202").unwrap();
        w.add(&v1, 10, 2014..=2016);
        w.add(&v2, 20, 2014..=2016);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        let n = w.write(&path, Format::Csv).unwrap();
        let rows = parse(&path).unwrap();
        assert_eq!(n as usize, rows.len());
        let get = |code: &str, year| {
            rows.iter()
                .find(|r| r.area.as_str() == code && r.year == year)
                .unwrap()
                .rural
        };
        let (a, b) = (get("522726100201", 2014), get("522726100202", 2014));
        assert!(a >= 30 && b >= 60, "at least 3× the registered people");
        assert_eq!(get("522726100000", 2014), a + b);
        assert_eq!(get("520000000000", 2014), a + b);
        assert!(get("522726100201", 2016) < a, "declines");
    }
}
