//! `fupin export households --area CODE`: the registry back into the household sheet (and the
//! history sheet), in exactly the shape import reads, so export → import round-trips.

use std::path::Path;

use anyhow::Result;
use fupin_core::access::Viewer;
use fupin_core::masking::sensitivity;
use fupin_core::record::{household_value, member_value};
use fupin_core::{AreaCode, AreaLevel, CodeList, Field, Household, IncomeFormula};

use crate::history::YearRow;
use fupin_storage::{AreaIndex, Db};

use crate::columns::{HISTORY_SHEET, household_sheet};
use crate::progress::Progress;
use crate::sheet::{Format, SheetWriter};

/// Households read from the database at a time.
const PAGE: i64 = 2_000;

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportSummary {
    pub households: u64,
    pub rows: u64,
}

/// Writes every household inside `area` (one row per member).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn export_households(
    db: &Db,
    viewer: &Viewer,
    area: &AreaCode,
    path: &Path,
    format: Format,
    progress: &dyn Progress,
) -> Result<ExportSummary> {
    let columns = household_sheet();
    let header: Vec<&str> = columns.iter().map(|f| f.zh()).collect();
    let mut out = SheetWriter::create(path, format, &header, "户籍信息")?;
    let areas = db.area_index().await?;
    let (total, _) = db.registry_size(&viewer.scope, area).await?;
    progress.start(Some(total as u64));
    let mut summary = ExportSummary::default();
    let mut after = 0;
    loop {
        let page = db
            .households_after(&viewer.scope, area, after, PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for stored in &page {
            for mut cells in household_rows(&stored.household, &areas, &columns) {
                for (cell, field) in cells.iter_mut().zip(&columns) {
                    if sensitivity(*field).is_some() {
                        *cell = viewer.disclosure.field(*field, cell);
                    }
                }
                out.write_row(&cells)?;
                summary.rows += 1;
            }
            summary.households += 1;
        }
        progress.advance(page.len() as u64);
    }
    out.finish()?;
    progress.finish();
    Ok(summary)
}

/// Writes the yearly status and income of every household inside `area`.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn export_history(
    db: &Db,
    viewer: &Viewer,
    area: &AreaCode,
    path: &Path,
    format: Format,
    progress: &dyn Progress,
) -> Result<ExportSummary> {
    let header: Vec<&str> = HISTORY_SHEET.iter().map(|f| f.zh()).collect();
    let mut out = SheetWriter::create(path, format, &header, "年度信息")?;
    let (total, _) = db.registry_size(&viewer.scope, area).await?;
    progress.start(Some(total as u64));
    let max = db.max_household_id().await?;
    let mut summary = ExportSummary::default();
    let mut after = 0;
    while after < max {
        let up_to = after + PAGE * 4;
        let page = db
            .history_between(&viewer.scope, area, after, up_to)
            .await?;
        for (number, statuses, incomes) in &page {
            for row in crate::history::year_rows(statuses, incomes) {
                let cells = history_cells(number, &row);
                out.write_row(&cells)?;
                summary.rows += 1;
            }
            summary.households += 1;
        }
        progress.advance(page.len() as u64);
        after = up_to;
    }
    out.finish()?;
    progress.finish();
    Ok(summary)
}

/// The sheet rows of one household: one per member, household columns repeated.
pub fn household_rows(h: &Household, areas: &AreaIndex, columns: &[Field]) -> Vec<Vec<String>> {
    let household_cells: Vec<String> = columns
        .iter()
        .map(|&f| match f {
            Field::County => area_name(areas, &h.village_code, AreaLevel::County),
            Field::Township => area_name(areas, &h.village_code, AreaLevel::Township),
            Field::Village => area_name(areas, &h.village_code, AreaLevel::Village),
            _ => household_value(h, f),
        })
        .collect();
    h.members
        .iter()
        .map(|m| {
            columns
                .iter()
                .zip(&household_cells)
                .map(|(&f, hv)| {
                    if is_member_field(f) {
                        member_value(m, f)
                    } else {
                        hv.clone()
                    }
                })
                .collect()
        })
        .collect()
}

/// The history-sheet row of one household year.
pub fn history_cells(number: &str, row: &YearRow) -> Vec<String> {
    HISTORY_SHEET
        .iter()
        .map(|&f| match f {
            Field::HouseholdNo => number.to_string(),
            Field::Year => row.year.to_string(),
            Field::Status => row.status.map(|s| s.zh().to_string()).unwrap_or_default(),
            Field::StatusReason => row.reason.clone(),
            _ => row.income.as_ref().map_or_else(String::new, |i| match f {
                Field::HouseholdSize => i.household_size.to_string(),
                Field::Wage => i.wage.yuan_string(),
                Field::Business => i.business.yuan_string(),
                Field::Property => i.property.yuan_string(),
                Field::Transfer => i.transfer.yuan_string(),
                Field::ProductionExpenditure => i.production_expenditure.yuan_string(),
                Field::PerCapitaIncome => i
                    .per_capita(IncomeFormula::CURRENT)
                    .map(|f| f.yuan_string())
                    .unwrap_or_default(),
                _ => String::new(),
            }),
        })
        .collect()
}

fn is_member_field(f: Field) -> bool {
    fupin_core::record::MEMBER_FIELDS.contains(&f)
}

fn area_name(areas: &AreaIndex, village: &AreaCode, level: AreaLevel) -> String {
    areas
        .name(&village.ancestor(level))
        .unwrap_or_default()
        .to_string()
}
