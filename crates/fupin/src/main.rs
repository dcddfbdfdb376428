//! The `fupin` command: run the platform, load and export the registry, generate data, measure.

mod admin;
mod bench;
mod bench_console;
mod bench_field;
mod checkpoints;
mod cli;
mod compare;
mod demo;
mod field;
mod measures;
mod progress;
mod tasks;
mod warnings;

use std::path::Path;

use anyhow::{Context, Result};
use clap::Parser;
use fupin_core::AreaCode;
use fupin_core::access::{Scope, Viewer};
use fupin_services::audit::Actor;
use fupin_services::sheet::Format;
use fupin_storage::Db;

use cli::{AreasCommand, Cli, Command, ExportCommand, ImportCommand};
use progress::Bar;

/// mimalloc instead of glibc's allocator: imports allocate and free millions of small strings
/// across three threads, where glibc spent a quarter of the time in its own bookkeeping.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let url = cli.database_url.clone();
    let ok = std::process::ExitCode::SUCCESS;
    match cli.command {
        Command::Demo(args) => demo::run(args).await?,
        Command::Serve {
            addr,
            secure_cookies,
            public_url,
            allowed_hosts,
            archive_max_mb,
            list_max_mb,
            photos,
            photo_max_mb,
            rules,
            timeouts,
        } => {
            let rules = warnings::rule_settings(rules.as_deref())?;
            let public_url = public_url
                .as_deref()
                .map(fupin_web::check_public_url)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let db = connect(&url).await?;
            restore_audit_guards(&db).await?;
            let mut photos = match photos {
                Some(location) => fupin_services::field::PhotoStore::open(&location)?,
                None => fupin_services::field::PhotoStore::beside(&db)?,
            };
            photos.max_bytes = photo_max_mb as usize * 1024 * 1024;
            println!("fupin 正在运行 / running at http://{addr}/");
            let options = fupin_web::ServeOptions {
                secure_cookies,
                public_url,
                allowed_hosts,
                archive_limit: archive_max_mb as usize * 1024 * 1024,
                list_limit: list_max_mb as usize * 1024 * 1024,
                photos: Some(photos),
                rules,
                timeouts: timeouts.into(),
            };
            fupin_web::serve(db, addr, options).await?;
        }
        Command::Migrate => {
            restore_audit_guards(&connect(&url).await?).await?;
            println!("数据库已是最新 / database schema is up to date");
        }
        Command::Areas(AreasCommand::Import { file }) => {
            let db = connect(&url).await?;
            let load = fupin_services::areas::import_areas(&db, &file).await?;
            println!(
                "区划导入完成 / areas loaded: {} new, {} renamed, {} unchanged",
                load.inserted, load.updated, load.unchanged
            );
        }
        Command::Areas(AreasCommand::Population { file, source }) => {
            let db = connect(&url).await?;
            let n = fupin_services::population::import_populations(&db, &file, &source).await?;
            println!("人口数据导入完成 / populations loaded: {n} figures");
        }
        Command::Areas(AreasCommand::Indicators { file, source }) => {
            let db = connect(&url).await?;
            let n = fupin_services::indicators::import_indicators(&db, &file, &source).await?;
            println!("出列摘帽指标导入完成 / area indicators loaded: {n} values");
        }
        Command::Import(ImportCommand::Households(args)) => {
            let db = connect(&url).await?;
            let bar = Bar::rows("导入 importing");
            let s =
                fupin_services::import::import_households(&db, &args.file, &args.options(), &bar)
                    .await?;
            return Ok(print_import(&s));
        }
        Command::Import(ImportCommand::History(args)) => {
            let db = connect(&url).await?;
            let bar = Bar::rows("导入年度信息 importing history");
            let s = fupin_services::history::import_history(&db, &args.file, &args.options(), &bar)
                .await?;
            return Ok(print_import(&s));
        }
        Command::Export(command) => {
            let db = connect(&url).await?;
            let (args, history) = match &command {
                ExportCommand::Households(a) => (a, false),
                ExportCommand::History(a) => (a, true),
            };
            let area = AreaCode::parse(&args.area)?;
            let format = format_of(&args.out, args.format)?;
            let bar = Bar::rows("导出 exporting");
            let s = if history {
                fupin_services::export::export_history(
                    &db,
                    &Viewer::operator(),
                    &area,
                    &args.out,
                    format,
                    &bar,
                )
                .await?
            } else {
                fupin_services::export::export_households(
                    &db,
                    &Viewer::operator(),
                    &area,
                    &args.out,
                    format,
                    &bar,
                )
                .await?
            };
            let action = if history {
                "export.history"
            } else {
                "export.households"
            };
            let detail = format!("{} households to {}", s.households, args.out.display());
            let entry = Actor::cli().entry(action, "area", area.as_str(), area.as_str(), detail);
            fupin_services::audit::record(&db, entry).await?;
            println!(
                "已导出 exported {} households ({} rows) to {}",
                s.households,
                s.rows,
                args.out.display()
            );
        }
        Command::Gen(args) => {
            let started = std::time::Instant::now();
            let written = args.run(&Bar::rows("生成 generating"))?;
            println!(
                "已生成 generated {} households, {} members, {} history rows in {:.1} s: {}",
                written.households,
                written.members,
                written.history_rows,
                started.elapsed().as_secs_f64(),
                written
                    .files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for (kind, rows) in &written.department_rows {
                println!("  部门数据 department list {kind}: {rows} rows");
            }
        }
        Command::Bench(args) => bench::run(args).await?,
        Command::BenchConsole(args) => bench_console::run(args).await?,
        Command::BenchField(args) => bench_field::run(args).await?,
        Command::User(command) => admin::user(&connect(&url).await?, command).await?,
        Command::Token(command) => admin::token(&connect(&url).await?, command).await?,
        Command::Compare(args) => {
            let db = connect(&url).await?;
            crate::compare::run(&db, args).await?;
        }
        Command::Warnings(command) => {
            let db = connect(&url).await?;
            crate::warnings::run(&db, command).await?;
        }
        Command::Field(command) => {
            let db = connect(&url).await?;
            crate::field::run(&db, command).await?;
        }
        Command::Tasks(command) => {
            let db = connect(&url).await?;
            crate::tasks::run(&db, command).await?;
        }
        Command::Measures(command) => {
            let db = connect(&url).await?;
            crate::measures::run(&db, command).await?;
        }
        Command::Assess(args) => {
            let db = connect(&url).await?;
            let area = args
                .area
                .as_deref()
                .map(fupin_core::AreaCode::parse)
                .transpose()?;
            let text = args
                .card
                .as_ref()
                .map(|p| {
                    std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))
                })
                .transpose()?;
            let card = fupin_services::assess::card_for_run(&db, text.as_deref()).await?;
            let scope = Scope::operator_within(area);
            if args.evaluate {
                let bar = Bar::rows("预测检验 evaluating");
                let e =
                    fupin_services::assess::evaluate(&db, &card, args.year, &scope, &bar).await?;
                let pct = |n: u64| 100.0 * n as f64 / e.poor.max(1) as f64;
                let line = |a: &fupin_services::assess::Accuracy| {
                    format!(
                        "exactly {:.1}%, within a year {:.1}% (too early {:.1}%, too late {:.1}%)",
                        pct(a.exact),
                        pct(a.within_one),
                        pct(a.too_early),
                        pct(a.too_late)
                    )
                };
                println!(
                    "as of {}: {} poor households, checked against exits up to {}",
                    e.as_of, e.poor, e.last_year
                );
                println!("  exit year predicted {}", line(&e.accuracy));
                println!(
                    "  without the year's measures {} ({} households matched, {} predictions changed by their measures)",
                    line(&e.accuracy_without_measures),
                    e.matched,
                    e.changed_by_measures
                );
                return Ok(std::process::ExitCode::SUCCESS);
            }
            // a card loaded anew re-scores every year already assessed, beside the old scores
            let mut years = vec![args.year];
            if args.card.is_some() {
                for (y, _) in db.assessed_years(scope.area()).await? {
                    if !years.contains(&y) {
                        years.push(y);
                    }
                }
                years.sort_unstable();
            }
            for year in years {
                let bar = Bar::rows("评估 assessing");
                let s = fupin_services::assess::assess(&db, &card, year, &scope, &bar).await?;
                print_assessment(&s);
            }
        }
        Command::Audit(command) => {
            if !admin::audit(&connect(&url).await?, command).await? {
                return Ok(std::process::ExitCode::FAILURE);
            }
        }
    }
    Ok(ok)
}

fn print_assessment(s: &fupin_services::assess::AssessSummary) {
    println!(
        "{}年评估完成 / assessed {} households for {} with card {} in {:.1} s ({} closed or removed skipped)",
        s.year,
        s.assessed,
        s.year,
        s.card_version,
        s.elapsed.as_secs_f64(),
        s.skipped
    );
    println!(
        "  贫困 poor {} · 可退出有风险 at risk {} · 稳定 stable {} · 全部达标 all met {}",
        s.poor, s.at_risk, s.stable, s.all_met
    );
    for (d, n) in fupin_core::assessment::checklist::Dimension::ALL
        .iter()
        .zip(s.shortfalls)
    {
        println!("  未达标 not met · {} / {}: {n}", d.zh(), d.en());
    }
}

/// Puts back the audit trail's append-only triggers if someone dropped, disabled or altered
/// them, says so, and records it in the trail itself: the restore would otherwise erase the only
/// sign that the trail was open to rewriting.
async fn restore_audit_guards(db: &Db) -> Result<()> {
    let restored = db.restore_audit_guards().await?;
    if restored.is_empty() {
        return Ok(());
    }
    let names = restored.join(", ");
    println!(
        "已恢复审计日志的只追加触发器 / restored the audit trail's append-only triggers: {names}"
    );
    let detail = format!("restored: {names}");
    let entry = Actor::cli().entry("audit.guards_restored", "table", "audit_log", "", detail);
    fupin_services::audit::record(db, entry).await
}

pub async fn connect(url: &str) -> Result<Db> {
    Db::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", fupin_storage::redact(url)))
}

fn format_of(path: &Path, given: Option<cli::FileFormat>) -> Result<Format> {
    Ok(match given {
        Some(cli::FileFormat::Csv) => Format::Csv,
        Some(cli::FileFormat::Xlsx) => Format::Xlsx,
        None => Format::from_path(path)?,
    })
}

fn print_import(s: &fupin_services::import::ImportSummary) -> std::process::ExitCode {
    println!("文件 file: {} ({})", s.file, s.encoding);
    if !s.unknown_columns.is_empty() {
        // a hostile sheet may carry thousands of columns: name the first few, count the rest
        const SHOWN: usize = 20;
        let names = &s.unknown_columns[..s.unknown_columns.len().min(SHOWN)];
        let more = s.unknown_columns.len() - names.len();
        let more = if more > 0 {
            format!(" … 另有 {more} 列 and {more} more")
        } else {
            String::new()
        };
        println!(
            "未识别的列（已忽略） unknown columns (ignored): {}{more}",
            names.join(", ")
        );
    }
    println!(
        "读取 read {} rows, {} households: {} new, {} updated, {} unchanged, {} invalid; {} errors; {:.1} s",
        s.rows_read,
        s.households_read,
        s.created,
        s.updated,
        s.unchanged,
        s.invalid_households,
        s.errors,
        s.elapsed.as_secs_f64()
    );
    for e in &s.first_errors {
        println!("  {e}");
    }
    if s.errors > s.first_errors.len() as u64 {
        println!("  … {} more", s.errors - s.first_errors.len() as u64);
    }
    if let Some(r) = &s.report {
        println!("错误报告 error report: {}", r.display());
    }
    if s.committed {
        println!("已提交 committed.");
        std::process::ExitCode::SUCCESS
    } else {
        println!(
            "有错误，未导入任何数据 / errors found: nothing was imported (use --skip-invalid to import the valid households)."
        );
        std::process::ExitCode::FAILURE
    }
}
