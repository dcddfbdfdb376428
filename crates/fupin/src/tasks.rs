//! `fupin tasks …`: instructions from the command line, as the operator (every area).

use anyhow::Result;
use fupin_core::access::Scope;
use fupin_core::{AreaCode, AreaLevel};
use fupin_storage::Db;

use crate::cli::TasksCommand;

pub async fn run(db: &Db, command: TasksCommand) -> Result<()> {
    match command {
        TasksCommand::Overdue { area } => {
            let names = db.area_index().await?;
            // without an area: every province the installation holds (from its divisions, not
            // by reading its households)
            let areas: Vec<AreaCode> = match area {
                Some(a) => vec![AreaCode::parse(&a)?],
                None => names
                    .codes()
                    .filter_map(|c| AreaCode::parse(c).ok())
                    .filter(|c| c.level() == AreaLevel::Province)
                    .collect(),
            };
            let today = fupin_core::field::visit::beijing_date(chrono::Utc::now());
            let (mut rows, mut total) = (Vec::new(), 0);
            for area in &areas {
                let (found, n) = db
                    .instructions_overdue(&Scope::operator(), area, &today.to_string(), 1_000, 0)
                    .await?;
                rows.extend(found);
                total += n;
            }
            let name = |code: &str| {
                AreaCode::parse(code)
                    .ok()
                    .and_then(|c| names.name(&c).map(str::to_string))
                    .unwrap_or_else(|| code.to_string())
            };
            println!("逾期未反馈 overdue: {total}");
            for r in &rows {
                let due = fupin_services::tasks::instructions::due(r, today);
                let to = if r.user_id == 0 {
                    name(&r.area_code)
                } else {
                    format!("{}（{}）", r.person, name(&r.area_code))
                };
                println!(
                    "{}\t{}\t{} → {}\t{}\t{}\t催办 reminded {}",
                    r.instruction_id,
                    r.title,
                    name(&r.issuing_area),
                    to,
                    r.deadline,
                    fupin_core::Message::bilingual(
                        &due.message(),
                        &fupin_services::message_tables()
                    )
                    .unwrap_or_default(),
                    r.reminders
                );
            }
        }
    }
    Ok(())
}
