//! `fupin areas indicators FILE`: the figures of village and county exit that the registry does
//! not hold (`fupin_core::assessment::area_exit::Indicator`), one row per area and year: the
//! columns 区划代码 (code) and 年度 (year), then any indicator columns by their Chinese or
//! English names (通硬化路/road, 安全饮水/water … 抽查脱贫人口/sampled_exited …). A blank cell
//! is unknown. Village indicators belong on village rows, survey figures on county rows.
//! All-or-nothing: every bad row is reported with its row number, column and reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use fupin_core::assessment::area_exit::{Indicator, Indicators, check_indicators};
use fupin_core::{AreaCode, AreaLevel};
use fupin_storage::{Db, IndicatorValue};

use crate::sheet::{
    Format, SheetWriter, bad_cell, find_column, header_name, refuse_bad_rows, repeats_row,
};
use fupin_core::Message;

const CODE: (&str, &str) = ("区划代码", "code");
const YEAR: (&str, &str) = ("年度", "year");

/// Reads and checks an indicator sheet. Errors name the row, the column and the reason.
pub fn parse(path: &Path) -> Result<Vec<IndicatorValue>> {
    let mut rows = crate::sheet::open(path)?;
    let header = crate::sheet::header_row(&mut rows)?;
    let code_col = find_column(&header, CODE.0, CODE.1)?;
    let year_col = find_column(&header, YEAR.0, YEAR.1)?;
    let mut columns = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let name = header_name(cell);
        if i == code_col || i == year_col || name.is_empty() {
            continue;
        }
        let indicator = Indicator::parse(name).with_context(|| {
            let name = fupin_core::fields::excerpt(name);
            format!("未知的列“{name}” / unknown column {name:?}")
        })?;
        columns.push((i, indicator));
    }
    if columns.is_empty() {
        bail!("没有指标列 / no indicator columns (e.g. 通硬化路, 抽查脱贫人口)");
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = BTreeMap::new();
    for row in rows {
        let (row_no, cells) = row?;
        let get = |i: usize| cells.get(i).map_or("", str::trim);
        if (0..header.len()).all(|i| get(i).is_empty()) {
            continue;
        }
        let bad = |column: &str, value: &str, reason: &str| {
            bad_cell(row_no, column, value, &Message::localized(reason))
        };
        let area = match AreaCode::parse(get(code_col)) {
            Ok(a) => a,
            Err(e) => {
                errors.push(bad(CODE.0, get(code_col), &e.to_string()));
                continue;
            }
        };
        let Some(year) = get(year_col)
            .parse::<i32>()
            .ok()
            .filter(|y| (1980..=2100).contains(y))
        else {
            errors.push(bad(
                YEAR.0,
                get(year_col),
                "年度应为1980–2100的整数 / year must be a whole number 1980–2100",
            ));
            continue;
        };
        if let Some(first) = seen.insert((area.to_string(), year), row_no) {
            errors.push(repeats_row(row_no, format!("{area} {year}"), first));
            continue;
        }
        let mut values = Indicators::new();
        for (i, indicator) in &columns {
            if get(*i).is_empty() {
                continue;
            }
            match indicator.parse_value(get(*i)) {
                Ok(v) => {
                    values.insert(*indicator, v);
                }
                Err(reason) => errors.push(bad(indicator.label(), get(*i), &reason)),
            }
        }
        if let Err((indicator, reason)) = check_indicators(area.level(), &values) {
            let value = values[&indicator].to_string();
            errors.push(bad(indicator.label(), &value, &reason));
            continue;
        }
        out.extend(values.into_iter().map(|(indicator, value)| IndicatorValue {
            area: area.clone(),
            year,
            indicator,
            value,
        }));
    }
    refuse_bad_rows(&errors)?;
    Ok(out)
}

/// Reads an indicator sheet and loads it (replacing values of the same area, year and indicator).
pub async fn import_indicators(db: &Db, path: &Path, source: &str) -> Result<u64> {
    let values = parse(path)?;
    if values.is_empty() {
        bail!("{}: no values / 没有数据", path.display());
    }
    Ok(db.load_indicators(&values, source).await?)
}

/// Plausible indicators for a generated registry, fixed by each area's code and the year: village
/// facilities arriving over the years (most villages have all of them by the last year),
/// collective income growing, and from 2017 a county evaluation survey whose rates fall on
/// both sides of the thresholds.
pub fn write_generated(
    path: &Path,
    format: Format,
    villages: &BTreeSet<AreaCode>,
    years: (i32, i32),
) -> Result<u64> {
    let village_columns = [
        Indicator::Road,
        Indicator::Bus,
        Indicator::Water,
        Indicator::Power,
        Indicator::Broadcast,
        Indicator::CultureCentre,
        Indicator::Clinic,
        Indicator::Broadband,
        Indicator::CollectiveIncome,
    ];
    let county_columns = [
        Indicator::SampledExited,
        Indicator::WronglyExited,
        Indicator::SampledNonRegistered,
        Indicator::Omitted,
        Indicator::SurveyedHouseholds,
        Indicator::ApprovingHouseholds,
    ];
    let mut header = vec![CODE.0, YEAR.0];
    header.extend(
        village_columns
            .iter()
            .chain(&county_columns)
            .map(|i| i.label()),
    );
    let mut w = SheetWriter::create(path, format, &header, "出列摘帽指标")?;
    let (first, last) = years;
    let blanks = |n: usize| std::iter::repeat_n(String::new(), n);
    let mut rows = 0;
    for year in first..=last {
        let progress = u64::from((year - first).unsigned_abs());
        for village in villages {
            let mut cells = vec![village.to_string(), year.to_string()];
            for indicator in &village_columns[..8] {
                let roll = stable_hash(village.as_str(), indicator.code()) % 100;
                cells.push(u8::from(roll < 45 + 12 * progress).to_string());
            }
            let base = stable_hash(village.as_str(), "income") % 40_000;
            cells.push((base + 8_000 * progress).to_string());
            cells.extend(blanks(county_columns.len()));
            w.write_row(&cells)?;
            rows += 1;
        }
        if year < 2017 {
            continue;
        }
        let counties: BTreeSet<AreaCode> = villages
            .iter()
            .map(|v| v.ancestor(AreaLevel::County))
            .collect();
        for county in counties {
            let roll = |what: &str| stable_hash(county.as_str(), &format!("{what}{year}"));
            let mut cells = vec![county.to_string(), year.to_string()];
            cells.extend(blanks(village_columns.len()));
            cells.extend(
                [
                    500,
                    roll("wrong") % 13,
                    500,
                    roll("omitted") % 12,
                    1_000,
                    880 + roll("approval") % 110,
                ]
                .map(|n| n.to_string()),
            );
            w.write_row(&cells)?;
            rows += 1;
        }
    }
    w.finish()?;
    Ok(rows)
}

/// A stable number from an area code and a name (FNV-1a), so generated data repeats exactly.
pub(crate) fn stable_hash(code: &str, what: &str) -> u64 {
    code.bytes()
        .chain(what.bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_wide_sheet_gives_one_value_per_filled_cell() {
        let (_d, path) = sheet(
            "区划代码,年度,通硬化路,安全饮水,村集体经济收入,sampled_exited,wrongly_exited\n\
             522726100201,2019,是,,\"52,000\",,\n\
             522726,2019,,,,500,7\n",
        );
        let values = parse(&path).unwrap();
        let find = |area: &str, i: Indicator| {
            values
                .iter()
                .find(|v| v.area.as_str() == area && v.indicator == i)
                .map(|v| v.value)
        };
        let village = "522726100201";
        assert_eq!(find(village, Indicator::Road), Some(1));
        assert_eq!(find(village, Indicator::Water), None, "blank is unknown");
        assert_eq!(find(village, Indicator::CollectiveIncome), Some(52_000));
        assert_eq!(find("522726000000", Indicator::WronglyExited), Some(7));
        assert_eq!(values.len(), 4);
    }

    #[test]
    fn bad_rows_are_all_named_and_nothing_is_returned() {
        let (_d, path) = sheet(
            "区划代码,年度,通硬化路,抽查脱贫人口,错退人口\n\
             522726100201,2019,maybe,,\n\
             522726,2019,,100,101\n\
             522726100201,2019,是,,\n\
             522726100202,2019,,5,\n",
        );
        let e = parse(&path).unwrap_err().to_string();
        assert!(e.contains("4 行有误"), "{e}");
        assert!(
            e.contains("第2行") && e.contains("[通硬化路] “maybe”"),
            "{e}"
        );
        assert!(e.contains("第3行") && e.contains("[错退人口]"), "{e}");
        assert!(e.contains("第4行") && e.contains("重复"), "{e}");
        assert!(e.contains("第5行") && e.contains("[抽查脱贫人口]"), "{e}");
        let (_d, unknown) = sheet("区划代码,年度,通高铁\n522726100201,2019,是\n");
        let e = parse(&unknown).unwrap_err().to_string();
        assert!(e.contains("通高铁"), "{e}");
    }

    #[test]
    fn generated_indicators_load_back_and_improve_over_the_years() {
        let villages: BTreeSet<AreaCode> = (1..=40)
            .map(|i| AreaCode::parse(&format!("522726100{i:03}")).unwrap())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.csv");
        let rows = write_generated(&path, Format::Csv, &villages, (2014, 2020)).unwrap();
        assert_eq!(
            rows,
            40 * 7 + 4,
            "villages every year, the county 2017–2020"
        );
        let values = parse(&path).unwrap();
        let roads = |year| {
            values
                .iter()
                .filter(|v| v.year == year && v.indicator == Indicator::Road && v.value == 1)
                .count()
        };
        assert!(
            roads(2014) < roads(2020),
            "{} → {}",
            roads(2014),
            roads(2020)
        );
        assert_eq!(roads(2020), 40);
    }
}
