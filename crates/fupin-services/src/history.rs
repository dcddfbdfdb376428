//! The history sheet: one row per household and year with the status at the end of the year,
//! the reason it changed, and the year's income. `fupin import history FILE` loads it for
//! households already in the registry; re-importing the same file changes nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use fupin_core::fields::excerpt;
use fupin_core::record::FieldChange;
use fupin_core::validation::{FIRST_REGISTRY_YEAR, Problem};
use fupin_core::{CodeList, Fen, Field, IncomeYear, StatusYear, codes::HouseholdStatus};
use fupin_storage::{Db, RegistryWriter, WriteContext};

use crate::columns::HeaderMap;
use crate::import::{ImportOptions, ImportSummary};
use crate::parse::RowIssue;
use crate::progress::Progress;
use crate::sheet::{self, Row};

/// One year of one household, as the history sheet shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct YearRow {
    pub year: i32,
    pub status: Option<HouseholdStatus>,
    pub reason: String,
    pub income: Option<IncomeYear>,
}

/// Merges yearly statuses and incomes into rows ordered by year.
pub fn year_rows(statuses: &[StatusYear], incomes: &[IncomeYear]) -> Vec<YearRow> {
    let mut by_year: BTreeMap<i32, YearRow> = BTreeMap::new();
    for s in statuses {
        let r = by_year.entry(s.year).or_insert_with(|| empty_row(s.year));
        r.status = Some(s.status);
        r.reason = s.reason.clone();
    }
    for i in incomes {
        by_year
            .entry(i.year)
            .or_insert_with(|| empty_row(i.year))
            .income = Some(i.clone());
    }
    by_year.into_values().collect()
}

fn empty_row(year: i32) -> YearRow {
    YearRow {
        year,
        status: None,
        reason: String::new(),
        income: None,
    }
}

const REQUIRED: &[Field] = &[Field::HouseholdNo, Field::Year, Field::Status];
const MONEY: &[Field] = &[
    Field::Wage,
    Field::Business,
    Field::Property,
    Field::Transfer,
    Field::ProductionExpenditure,
];

/// Parses one history row.
fn parse_row(
    map: &HeaderMap,
    row_no: usize,
    row: &Row,
    this_year: i32,
) -> Result<YearRow, Vec<RowIssue>> {
    let mut issues = Vec::new();
    crate::parse::cell_issues(map, row_no, row, &mut issues);
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut fail = |field: Field, problem: Problem| {
        issues.push(RowIssue {
            row: row_no,
            field,
            value: map.get(row, field).to_string(),
            problem,
        })
    };
    let year = match map
        .get(row, Field::Year)
        .trim_end_matches('年')
        .parse::<i32>()
    {
        Ok(y) if (FIRST_REGISTRY_YEAR..=this_year).contains(&y) => Some(y),
        Ok(y) => {
            fail(
                Field::Year,
                Problem::YearOutOfRange {
                    value: y,
                    min: FIRST_REGISTRY_YEAR,
                    max: this_year,
                },
            );
            None
        }
        Err(_) => {
            fail(Field::Year, Problem::Required);
            None
        }
    };
    let status_text = map.get(row, Field::Status);
    let status = match HouseholdStatus::parse(status_text) {
        Some(s) => Some(s),
        None if status_text.is_empty() => None,
        None => {
            fail(
                Field::Status,
                fupin_core::validation::unknown_code::<HouseholdStatus>(status_text),
            );
            None
        }
    };
    let has_income = MONEY.iter().any(|f| !map.get(row, *f).is_empty());
    let mut money = [Fen::ZERO; 5];
    for (slot, f) in money.iter_mut().zip(MONEY) {
        match Fen::parse_yuan(map.get(row, *f)) {
            Ok(v) if v.is_negative() => fail(*f, Problem::NegativeMoney),
            Ok(v) => *slot = v,
            Err(e) => fail(
                *f,
                Problem::Explained(fupin_core::message::Explained::message(&e)),
            ),
        }
    }
    let size = map.get(row, Field::HouseholdSize).parse::<u32>().ok();
    if has_income && size.is_none_or(|s| s == 0) {
        fail(Field::HouseholdSize, Problem::Required);
    }
    let Some(year) = year else { return Err(issues) };
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(YearRow {
        year,
        status,
        reason: map.get(row, Field::StatusReason).to_string(),
        income: has_income.then(|| IncomeYear {
            year,
            wage: money[0],
            business: money[1],
            property: money[2],
            transfer: money[3],
            production_expenditure: money[4],
            household_size: size.unwrap_or(1),
        }),
    })
}

/// Imports a history sheet. Same all-or-nothing / skip-invalid rules as the household import.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn import_history(
    db: &Db,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportSummary> {
    use chrono::Datelike;
    let started = Instant::now();
    let (rows, map) = crate::columns::open_sheet(path, REQUIRED)?;
    progress.start(None);
    let this_year = opts.today.year();
    // parse everything first: history sheets are small beside the household sheet
    let mut by_household: Vec<(String, usize, Vec<YearRow>)> = Vec::new();
    let mut issues: Vec<RowIssue> = Vec::new();
    let mut summary = ImportSummary {
        file: path.display().to_string(),
        encoding: rows.encoding,
        unknown_columns: map.unknown.clone(),
        ..Default::default()
    };
    for row in rows {
        let (row_no, cells) = row?;
        summary.rows_read += 1;
        let number = map.get(&cells, Field::HouseholdNo).to_string();
        match parse_row(&map, row_no, &cells, this_year) {
            Ok(r) => match by_household.last_mut() {
                Some((n, _, years)) if *n == number => years.push(r),
                _ => by_household.push((number, row_no, vec![r])),
            },
            Err(e) => issues.extend(e),
        }
    }
    let mut writer = RegistryWriter::begin(db).await?;
    let ctx = WriteContext {
        actor: opts.actor.clone(),
        reason: format!(
            "导入年度信息 {}",
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ),
        import_run: None,
    };
    let mut fresh = Vec::new();
    let mut changed = Vec::new();
    for chunk in by_household.chunks(1_000) {
        let numbers: Vec<&str> = chunk.iter().map(|(n, _, _)| n.as_str()).collect();
        let ids = writer.ids_of(&numbers).await?;
        let id_list: Vec<i64> = ids.values().copied().collect();
        let stored = writer.years_of(&id_list).await?;
        for (number, first_row, years) in chunk {
            summary.households_read += 1;
            let Some(&id) = ids.get(number) else {
                issues.push(RowIssue {
                    row: *first_row,
                    field: Field::HouseholdNo,
                    value: number.clone(),
                    problem: Problem::UnknownHousehold(number.clone()),
                });
                summary.invalid_households += 1;
                continue;
            };
            let statuses: Vec<StatusYear> = years
                .iter()
                .filter_map(|y| {
                    y.status.map(|status| StatusYear {
                        year: y.year,
                        status,
                        reason: y.reason.clone(),
                    })
                })
                .collect();
            let incomes: Vec<IncomeYear> = years.iter().filter_map(|y| y.income.clone()).collect();
            match stored.get(&id) {
                None => {
                    fresh.push((id, statuses, incomes));
                    summary.created += 1;
                }
                Some((old_s, old_i)) => {
                    let changes =
                        year_changes(&year_rows(old_s, old_i), &year_rows(&statuses, &incomes));
                    if changes.is_empty() {
                        summary.unchanged += 1;
                    } else {
                        changed.push((id, statuses, incomes, changes));
                        summary.updated += 1;
                    }
                }
            }
        }
        writer.write_years(&changed, &ctx).await?;
        changed.clear();
        progress.advance(chunk.len() as u64);
    }
    writer.insert_years(&fresh, &ctx).await?;
    let report_path = opts
        .report
        .clone()
        .unwrap_or_else(|| path.with_extension("errors.csv"));
    summary.errors = issues.len() as u64;
    if !issues.is_empty() {
        let mut w = sheet::SheetWriter::create(
            &report_path,
            sheet::Format::Csv,
            &["行号 row", "列 column", "值 value", "原因 reason"],
            "错误",
        )?;
        for i in &issues {
            let line = [
                i.row.to_string(),
                map.column_name(i.field),
                excerpt(&i.value).into_owned(),
                i.problem.to_string(),
            ];
            if summary.first_errors.len() < 20 {
                summary.first_errors.push(format!(
                    "第{}行 [{}] “{}”: {}",
                    line[0], line[1], line[2], line[3]
                ));
            }
            w.write_row(&line)?;
        }
        w.finish()?;
        summary.report = Some(report_path);
    }
    summary.committed = opts.skip_invalid || issues.is_empty();
    if summary.committed {
        let audit = summary.audit_entry(&opts.audit, "import.history");
        writer.commit_audited(vec![audit]).await?;
    } else {
        writer.rollback().await?;
        summary.created = 0;
        summary.updated = 0;
        // nothing changed, yet the refused attempt is recorded
        crate::audit::record(db, summary.audit_entry(&opts.audit, "import.history")).await?;
    }
    summary.elapsed = started.elapsed();
    progress.finish();
    Ok(summary)
}

/// Year-by-year differences, for the change log.
pub(crate) fn year_changes(old: &[YearRow], new: &[YearRow]) -> Vec<FieldChange> {
    let show = |r: Option<&YearRow>| {
        r.map(|r| {
            let status = r.status.map_or("", |s| s.zh());
            let income = r.income.as_ref().map_or(String::new(), |i| {
                format!(
                    "{} {} {} {} {} /{}",
                    i.wage,
                    i.business,
                    i.property,
                    i.transfer,
                    i.production_expenditure,
                    i.household_size
                )
            });
            format!("{status} {} {income}", r.reason)
        })
    };
    let years: std::collections::BTreeSet<i32> = old.iter().chain(new).map(|r| r.year).collect();
    years
        .into_iter()
        .filter_map(|y| {
            let (a, b) = (
                old.iter().find(|r| r.year == y),
                new.iter().find(|r| r.year == y),
            );
            // rows absent from the new sheet are kept, not deleted
            let b = b?;
            (a != Some(b)).then(|| FieldChange {
                field: format!("year:{y}"),
                old: show(a),
                new: show(Some(b)),
            })
        })
        .collect()
}
