//! `fupin measures …`: the catalogue, deliveries and matching from the command line.

use anyhow::{Context, Result};
use fupin_core::access::Scope;
use fupin_storage::Db;

use crate::cli::MeasuresCommand;
use crate::progress::Bar;

pub async fn run(db: &Db, command: MeasuresCommand) -> Result<()> {
    match command {
        MeasuresCommand::Import { file } => {
            let c = fupin_services::measures::import_catalogue(db, &file).await?;
            println!(
                "措施目录已启用 / catalogue in force: {} ({} measures)",
                c.version,
                c.measures.len()
            );
        }
        MeasuresCommand::Export { file } => {
            let text = fupin_services::measures::export_catalogue(db).await?;
            match file {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
        MeasuresCommand::Deliveries { file } => {
            let catalogue = fupin_services::measures::catalogue_for_run(db, None).await?;
            let bar = Bar::rows("措施落实 loading deliveries");
            let s = fupin_services::deliveries::import_deliveries(
                db,
                &Scope::operator(),
                &catalogue,
                &fupin_services::audit::Actor::cli(),
                &file,
                &bar,
            )
            .await?;
            println!(
                "措施落实已记录 / deliveries recorded: {} for {} households in {:.1} s",
                s.rows,
                s.households,
                s.elapsed.as_secs_f64()
            );
        }
        MeasuresCommand::Match { year, area } => {
            let area = area
                .as_deref()
                .map(fupin_core::AreaCode::parse)
                .transpose()?;
            let catalogue = fupin_services::measures::catalogue_for_run(db, None).await?;
            let bar = Bar::rows("措施匹配 matching");
            let s = fupin_services::measures::match_households(
                db,
                &catalogue,
                year,
                &Scope::operator_within(area),
                &bar,
            )
            .await?;
            println!(
                "{} households matched for {} under {} in {:.1} s: {} entitlements, {} delivered, {} gaps in {} households",
                s.households,
                s.year,
                s.catalogue_version,
                s.elapsed.as_secs_f64(),
                s.entitlements,
                s.delivered,
                s.gaps,
                s.households_with_gaps
            );
        }
    }
    Ok(())
}
