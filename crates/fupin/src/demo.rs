//! `fupin demo`: a working platform on a fresh machine — the real divisions of the demo regions,
//! realistic generated households imported through the same path as any county's spreadsheet,
//! and the web console.

use std::path::{Path, PathBuf};

use anyhow::Result;
use fupin_core::departments::DepartmentKind;
use fupin_core::{AreaCode, AreaLevel, CodeList};
use fupin_services::audit::Actor;
use fupin_services::compare::generated::DepartmentSheets;
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

use crate::cli::{DemoArgs, chrono_today};

/// The lists the demo compares: those the warning rules read.
const DEMO_LISTS: [DepartmentKind; 6] = [
    DepartmentKind::Payroll,
    DepartmentKind::Vehicle,
    DepartmentKind::Housing,
    DepartmentKind::Business,
    DepartmentKind::Death,
    DepartmentKind::Assistance,
];

/// Loads the generated department lists and compares each with every province's registry,
/// so that the console opens with runs and warnings to work.
async fn compare_department_lists(db: &fupin_storage::Db, dir: &std::path::Path) -> Result<()> {
    use fupin_services::compare::{run as compare, warnings};
    let actor = Actor::cli();
    let today = chrono_today();
    let mut provinces: Vec<AreaCode> = db
        .household_villages(None)
        .await?
        .iter()
        .filter_map(|(_, v)| AreaCode::parse(v).ok())
        .map(|v| v.ancestor(AreaLevel::Province))
        .collect();
    provinces.sort();
    provinces.dedup();
    let mut opened = 0;
    for kind in DEMO_LISTS {
        let source = format!("演示·{}", kind.zh());
        let file = dir.join(format!("{}.csv", kind.code()));
        let list =
            compare::import_list(db, &actor, None, &source, Some(kind), None, &file, today).await?;
        for province in &provinces {
            let settings = fupin_core::linkage::Settings::default();
            let run = compare::run(
                db,
                &actor,
                list.snapshot_id,
                Some(province),
                &settings,
                today,
                &Silent,
            )
            .await?;
            let rules = fupin_core::warnings::RuleSettings::default();
            opened += warnings::raise_for_run(db, &actor, run.run_id, &rules)
                .await?
                .raised
                .opened;
        }
    }
    let scan = warnings::scan_registry(db, &actor, None, &Default::default()).await?;
    opened += scan.raised.opened;
    println!(
        "已比对 compared {} department lists: {opened} warnings to verify",
        DEMO_LISTS.len()
    );
    Ok(())
}
use crate::progress::Bar;

/// The files of a SQLite database and its audit spool, the database itself last.
const FILES: [&str; 6] = [
    "-wal",
    "-shm",
    "-audit-spool",
    "-audit-spool-wal",
    "-audit-spool-shm",
    "",
];

fn with_suffix(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// Deletes a database with its journal and its audit spool, which belong to it.
fn remove_database(db: &Path) {
    for suffix in FILES {
        let _ = std::fs::remove_file(with_suffix(db, suffix));
    }
}

/// Holds `<db>.lock` exclusively (waiting for another demo's build to finish).
async fn build_lock(db: &Path) -> Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(with_suffix(db, ".lock"))?;
    Ok(tokio::task::spawn_blocking(move || file.lock().map(|()| file)).await??)
}

/// Builds the demo database in `<db>.building` and renames it into place only when complete:
/// a build cut short leaves no database that looks ready, and the next run starts it again.
async fn build(args: &DemoArgs) -> Result<()> {
    let partial = with_suffix(&args.db, ".building");
    remove_database(&partial);
    let db = crate::connect(&format!("sqlite://{}", partial.display())).await?;
    let areas = fupin_services::areas::load_seed_divisions(&db).await?;
    if areas.inserted > 0 {
        println!("已载入区划 loaded {} administrative areas", areas.inserted);
    }
    {
        // a folder of this run's own: two demos started at once do not write each other's sheets
        let work = tempfile::Builder::new().prefix("fupin-demo-").tempdir()?;
        let dir = work.path();
        println!(
            "生成 {} 户演示数据 / generating {} demo households …",
            args.households, args.households
        );
        let seed_areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS)?;
        let geo = Geography::new(&seed_areas, fupin_services::areas::SEED_BOUNDARIES)?;
        let config = GeneratorConfig {
            households: args.households,
            seed: args.seed,
            ..GeneratorConfig::default()
        };
        let index = db.area_index().await?;
        let mut lists = DepartmentSheets::create(dir, config.seed, config.last_year)?;
        fupin_services::generated::write_registry(
            generate(&config, &geo),
            &index,
            dir,
            &[Format::Csv],
            Some(&mut lists),
            &Silent,
        )?;
        lists.finish()?;
        let opts = ImportOptions {
            skip_invalid: false,
            actor: "demo".into(),
            report: None,
            today: chrono_today(),
            audit: Actor::cli(),
            scope: None,
        };
        let s = fupin_services::import::import_households(
            &db,
            &dir.join("households.csv"),
            &opts,
            &Bar::rows("导入 importing"),
        )
        .await?;
        anyhow::ensure!(s.committed, "demo import failed: {:?}", s.first_errors);
        let h = fupin_services::history::import_history(
            &db,
            &dir.join("history.csv"),
            &opts,
            &Bar::rows("年度信息 history"),
        )
        .await?;
        anyhow::ensure!(
            h.committed,
            "demo history import failed: {:?}",
            h.first_errors
        );
        fupin_services::population::import_populations(
            &db,
            &dir.join("populations.csv"),
            "演示数据（生成）/ demo (generated)",
        )
        .await?;
        fupin_services::indicators::import_indicators(
            &db,
            &dir.join("indicators.csv"),
            "演示数据（生成）/ demo (generated)",
        )
        .await?;
        // every household scored and checked for the last year of its history
        let card = fupin_services::assess::card_for_run(&db, None).await?;
        let a = fupin_services::assess::assess(
            &db,
            &card,
            config.last_year,
            &fupin_core::access::Scope::operator(),
            &Silent,
        )
        .await?;
        println!(
            "已评估 assessed {} households for {} ({} poor by the index)",
            a.assessed, a.year, a.poor
        );
        println!(
            "已导入 imported {} households ({} member rows) in {:.1} s",
            s.created,
            s.rows_read,
            s.elapsed.as_secs_f64()
        );
        compare_department_lists(&db, &dir.join("departments")).await?;
    }
    db.close().await;
    for suffix in FILES {
        let from = with_suffix(&partial, suffix);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&args.db, suffix))?;
        }
    }
    Ok(())
}

pub async fn run(args: DemoArgs) -> Result<()> {
    if args.fresh {
        remove_database(&args.db);
    }
    let (db, accounts) = {
        // one build at a time: a demo started meanwhile waits here, then finds it built
        let _building = build_lock(&args.db).await?;
        if !args.db.exists() {
            build(&args).await?;
        }
        let db = crate::connect(&format!("sqlite://{}", args.db.display())).await?;
        let accounts = fupin_services::demo_accounts::ensure(&db).await?;
        // cases waiting at each level, opened by the demo's own people
        fupin_services::demo_cases::ensure(&db, chrono_today()).await?;
        // helpers, work teams, a year of visits and sign-ins in the first township
        let photos = fupin_services::field::PhotoStore::beside(&db)?;
        if let Some(f) = fupin_services::field::demo::ensure(&db, &photos, chrono_today()).await? {
            println!(
                "帮扶工作 field work: {} helpers, {} households paired ({} waiting), {} visits, {} sign-ins",
                f.helpers, f.paired, f.unpaired, f.visits, f.signins
            );
            let actor = Actor::cli();
            let scan = fupin_services::compare::warnings::scan_nominal_help(
                &db,
                &actor,
                None,
                &Default::default(),
                chrono::Utc::now(),
            )
            .await?;
            println!(
                "  疑似形式帮扶 help on paper only: {} warnings to verify",
                scan.raised.opened
            );
        }
        // instructions down the chain and announcements, some answered, one overdue
        if let Some(t) = fupin_services::tasks::demo::ensure(&db, &photos, chrono_today()).await? {
            println!(
                "任务督办 instructions: {}, 通知公告 announcements: {}",
                t.instructions, t.announcements
            );
        }
        (db, accounts)
    };
    println!();
    println!("fupin 演示 demo: http://{}/", args.addr);
    println!("  数据库 database: {}", args.db.display());
    println!(
        "  登录 logins (密码 password: {}):",
        fupin_services::demo_accounts::DEMO_PASSWORD
    );
    for a in &accounts {
        println!(
            "    {:<11} {} — {} / {} @ {} {}",
            a.username,
            a.real_name,
            a.role.zh(),
            a.role.en(),
            a.area,
            a.area_name
        );
    }
    println!(
        "  帮扶干部 helper is paired with {} households of the village",
        fupin_services::demo_accounts::HELPER_HOUSEHOLDS
    );
    if args.no_serve {
        return Ok(());
    }
    Ok(fupin_web::serve(db, args.addr, fupin_web::ServeOptions::default()).await?)
}
