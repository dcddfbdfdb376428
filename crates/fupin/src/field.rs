//! `fupin field …`: the pairing sheet, the month's visits and the scan for help on paper only
//! from the command line, as the operator (the whole registry; imports audited as
//! `cli:<login>`).

use anyhow::Result;
use fupin_core::AreaCode;
use fupin_core::access::Scope;
use fupin_services::audit::Actor;
use fupin_services::field::{pairing_sheet, summaries};
use fupin_services::sheet::{Format, SheetWriter};
use fupin_storage::Db;

use crate::cli::FieldCommand;

pub async fn run(db: &Db, command: FieldCommand) -> Result<()> {
    let op = Scope::operator();
    match command {
        FieldCommand::PairingsExport { area, out } => {
            let area = AreaCode::parse(&area)?;
            let (header, mut rows) = pairing_sheet::export(db, &op, &area).await?;
            let codes: Vec<AreaCode> = rows
                .iter()
                .filter_map(|r| AreaCode::parse(&r[pairing_sheet::VILLAGE_COLUMN]).ok())
                .collect();
            let names = db.area_names(&codes).await?;
            for r in &mut rows {
                if let Some(name) = names.get(&r[pairing_sheet::VILLAGE_COLUMN]) {
                    r[pairing_sheet::VILLAGE_COLUMN] = name.clone();
                }
            }
            let mut w = SheetWriter::create(&out, Format::from_path(&out)?, &header, "结对帮扶表")?;
            for r in &rows {
                w.write_row(r)?;
            }
            w.finish()?;
            println!(
                "已导出 exported {} households to {}",
                rows.len(),
                out.display()
            );
        }
        FieldCommand::PairingsImport { file } => {
            let s = pairing_sheet::import(
                db,
                &op,
                &Actor::cli(),
                &file,
                fupin_core::field::visit::beijing_date(chrono::Utc::now()),
            )
            .await?;
            println!(
                "结对帮扶表已导入 / pairing sheet imported: {} rows, {} new pairings, {} helpers changed, {} unchanged, {} helpers registered, {} rows left blank",
                s.rows, s.paired, s.changed, s.unchanged, s.helpers_created, s.blank
            );
        }
        FieldCommand::Scan { area, rules } => {
            let area = area.as_deref().map(AreaCode::parse).transpose()?;
            let rules = crate::warnings::rule_settings(rules.as_deref())?;
            let started = std::time::Instant::now();
            let r = fupin_services::compare::warnings::scan_nominal_help(
                db,
                &Actor::cli(),
                area.as_ref(),
                &rules,
                chrono::Utc::now(),
            )
            .await?;
            crate::warnings::print_raised(&r, started.elapsed());
        }
        FieldCommand::Summary { area, month } => {
            let area = AreaCode::parse(&area)?;
            let month =
                month.unwrap_or_else(|| fupin_core::field::visit::month_of(chrono::Utc::now()));
            let rows = summaries::by_area(db, &op, &area, &month).await?;
            let names = db
                .area_names(
                    &rows
                        .iter()
                        .filter_map(|r| AreaCode::parse(&r.code).ok())
                        .collect::<Vec<_>>(),
                )
                .await?;
            println!(
                "{month} | 区划 area | 走访 visits | 走访户 households visited | 帮扶户 paired | 有提示 flagged | 照片 photos"
            );
            for r in rows.iter().chain(std::iter::once(&summaries::total(&rows))) {
                let name = AreaCode::parse(&r.code)
                    .ok()
                    .and_then(|c| names.get(c.as_str()).cloned())
                    .unwrap_or_else(|| "合计 total".into());
                println!(
                    "{name} | {} | {} | {} | {} | {}",
                    r.visits, r.households, r.paired, r.flagged, r.photos
                );
            }
            let (_, overdue, days) = summaries::not_visited(
                db,
                &op,
                &area,
                fupin_core::field::visit::beijing_date(chrono::Utc::now()),
                0,
                0,
            )
            .await?;
            println!(
                "超过 {days} 天未走访的帮扶户 / paired households not visited for over {days} days: {overdue}"
            );
        }
    }
    Ok(())
}
