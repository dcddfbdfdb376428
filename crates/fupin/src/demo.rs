//! `fupin demo`: a working platform on a fresh machine — the real divisions of the demo regions,
//! realistic generated households imported through the same path as any county's spreadsheet,
//! and the web console.

use anyhow::Result;
use fupin_core::CodeList;
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

use crate::cli::{DemoArgs, chrono_today};
use crate::progress::Bar;

pub async fn run(args: DemoArgs) -> Result<()> {
    if args.fresh {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", args.db.display()));
        }
    }
    let url = format!("sqlite://{}", args.db.display());
    let db = crate::connect(&url).await?;
    let areas = fupin_services::areas::load_seed_divisions(&db).await?;
    if areas.inserted > 0 {
        println!("已载入区划 loaded {} administrative areas", areas.inserted);
    }
    if db.max_household_id().await? == 0 {
        let dir =
            std::env::temp_dir().join(format!("fupin-demo-{}-{}", args.seed, args.households));
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
        fupin_services::generated::write_registry(
            generate(&config, &geo),
            &index,
            &dir,
            &[Format::Csv],
            None,
            &Silent,
        )?;
        let opts = ImportOptions {
            skip_invalid: false,
            actor: "demo".into(),
            report: None,
            today: chrono_today(),
        };
        let s = fupin_services::import::import_households(
            &db,
            &dir.join("households.csv"),
            &opts,
            &Bar::rows("导入 importing"),
        )
        .await?;
        anyhow::ensure!(s.committed, "demo import failed: {:?}", s.first_errors);
        crate::audit_import(&db, "import.households", &s).await?;
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
        crate::audit_import(&db, "import.history", &h).await?;
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
        let a = fupin_services::assess::assess(&db, &card, config.last_year, None, &Silent).await?;
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
        let _ = std::fs::remove_dir_all(&dir);
    }
    let accounts = fupin_services::demo_accounts::ensure(&db).await?;
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
