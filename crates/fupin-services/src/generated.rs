//! Writing a generated registry to files in the import shapes: `households.{csv,xlsx}` (one row
//! per member), `history.{csv,xlsx}` (one row per household and year) and
//! `populations.{csv,xlsx}` (plausible rural populations by area and year) and
//! `indicators.{csv,xlsx}` (village facilities and county surveys, for area exit) and
//! `deliveries.{csv,xlsx}` (measures delivered in each household's last year, most of what it
//! is entitled to under the default catalogue).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use fupin_core::{CodeList, StatusYear};
use fupin_storage::AreaIndex;

use crate::columns::{HISTORY_SHEET, household_sheet};
use crate::export::{history_cells, household_rows};
use crate::generate::GeneratedHousehold;
use crate::history::year_rows;
use crate::population::PopulationWriter;
use crate::progress::Progress;
use crate::sheet::{Format, SheetWriter};

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WrittenFiles {
    pub households: u64,
    pub members: u64,
    pub history_rows: u64,
    pub files: Vec<PathBuf>,
    /// Rows of each generated department list, by kind code.
    pub department_rows: Vec<(String, u64)>,
}

/// Writes `households` into `dir` in each of `formats`, and feeds each to the department
/// lists when they are being generated too.
pub fn write_registry(
    households: impl Iterator<Item = GeneratedHousehold>,
    areas: &AreaIndex,
    dir: &Path,
    formats: &[Format],
    mut departments: Option<&mut crate::compare::generated::DepartmentSheets>,
    progress: &dyn Progress,
) -> Result<WrittenFiles> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let columns = household_sheet();
    let header: Vec<&str> = columns.iter().map(|f| f.zh()).collect();
    let history_header: Vec<&str> = HISTORY_SHEET.iter().map(|f| f.zh()).collect();
    let mut written = WrittenFiles::default();
    let mut writers = Vec::new();
    for &format in formats {
        let ext = extension(format);
        let (h, y) = (
            dir.join(format!("households.{ext}")),
            dir.join(format!("history.{ext}")),
        );
        writers.push((
            SheetWriter::create(&h, format, &header, "户籍信息")?,
            SheetWriter::create(&y, format, &history_header, "年度信息")?,
        ));
        written.files.extend([h, y]);
    }
    let mut populations = PopulationWriter::new();
    let catalogue = fupin_core::measures::Catalogue::default_catalogue();
    let mut delivery_sheets = Vec::new();
    for &format in formats {
        let path = dir.join(format!("deliveries.{}", extension(format)));
        delivery_sheets.push(crate::deliveries::sheet(&path, format)?);
        written.files.push(path);
    }
    for g in households {
        if let Some(lists) = departments.as_deref_mut() {
            lists.add(&g)?;
        }
        for d in crate::deliveries::generated_for(&catalogue, &g) {
            for w in &mut delivery_sheets {
                w.write_row(&crate::deliveries::cells(&d))?;
            }
        }
        let rows = household_rows(&g.household, areas, &columns);
        let statuses: Vec<StatusYear> = g.history.iter().map(|r| r.status.clone()).collect();
        let incomes: Vec<_> = g.history.iter().map(|r| r.income.clone()).collect();
        let years = year_rows(&statuses, &incomes);
        populations.add(
            &g.household.village_code,
            g.household.members.len(),
            statuses.iter().map(|s| s.year),
        );
        for (hw, yw) in &mut writers {
            for r in &rows {
                hw.write_row(r)?;
            }
            for y in &years {
                yw.write_row(&history_cells(&g.household.number, y))?;
            }
        }
        written.households += 1;
        written.members += rows.len() as u64;
        written.history_rows += years.len() as u64;
        if written.households % 10_000 == 0 {
            progress.advance(10_000);
        }
    }
    for (hw, yw) in writers {
        hw.finish()?;
        yw.finish()?;
    }
    for w in delivery_sheets {
        w.finish()?;
    }
    for &format in formats {
        let path = dir.join(format!("populations.{}", extension(format)));
        populations.write(&path, format)?;
        written.files.push(path);
        if let (villages, Some(years)) = populations.villages_and_years() {
            let path = dir.join(format!("indicators.{}", extension(format)));
            crate::indicators::write_generated(&path, format, &villages, years)?;
            written.files.push(path);
        }
    }
    progress.finish();
    Ok(written)
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    }
}
