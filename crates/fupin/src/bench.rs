//! `fupin bench`: generate N households, then time import into SQLite (and PostgreSQL) and
//! export, each beside its raw floor measured in the same run: parsing the CSV alone, and
//! PostgreSQL's own `COPY` of the same file into a plain table.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

use crate::cli::{BenchArgs, GenArgs, GenFormat, chrono_today};

struct Line {
    what: String,
    seconds: f64,
    floor: Option<f64>,
}

pub async fn run(args: BenchArgs) -> Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let mut lines = Vec::new();
    let data = args.dir.join("data");

    let t = Instant::now();
    let written = GenArgs {
        households: args.households,
        seed: 2014,
        last_year: 2023,
        out: data.clone(),
        format: GenFormat::Csv,
    }
    .run(&Silent)?;
    lines.push(Line {
        what: format!(
            "gen {} households ({} members) to CSV",
            written.households, written.members
        ),
        seconds: t.elapsed().as_secs_f64(),
        floor: None,
    });
    let csv = data.join("households.csv");

    let t = Instant::now();
    let parsed = parse_only(&csv)?;
    let parse_floor = t.elapsed().as_secs_f64();
    lines.push(Line {
        what: format!("floor: parse the CSV only ({parsed} rows)"),
        seconds: parse_floor,
        floor: None,
    });

    let opts = ImportOptions {
        skip_invalid: false,
        actor: "bench".into(),
        report: None,
        today: chrono_today(),
    };
    let sqlite = args.dir.join("bench.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    let db = crate::connect(&format!("sqlite://{}", sqlite.display())).await?;
    fupin_services::areas::load_seed_divisions(&db).await?;
    let t = Instant::now();
    let s = fupin_services::import::import_households(&db, &csv, &opts, &Silent).await?;
    anyhow::ensure!(
        s.committed && s.created as usize == args.households,
        "SQLite import: {:?}",
        s.first_errors
    );
    lines.push(Line {
        what: "import households.csv into SQLite (full validation)".into(),
        seconds: t.elapsed().as_secs_f64(),
        floor: Some(parse_floor),
    });

    let t = Instant::now();
    let s = fupin_services::import::import_households(&db, &csv, &opts, &Silent).await?;
    anyhow::ensure!(
        s.unchanged as usize == args.households,
        "re-import changed something"
    );
    lines.push(Line {
        what: "re-import the same file into SQLite (all unchanged)".into(),
        seconds: t.elapsed().as_secs_f64(),
        floor: Some(parse_floor),
    });

    let t = Instant::now();
    let mut exported = 0;
    for province in db.area_children(None).await? {
        let file = args
            .dir
            .join(format!("export-{}.csv", province.area.code.prefix()));
        exported += fupin_services::export::export_households(
            &db,
            &province.area.code,
            &file,
            Format::Csv,
            &Silent,
        )
        .await?
        .rows;
    }
    lines.push(Line {
        what: format!("export SQLite → CSV ({exported} rows, per province)"),
        seconds: t.elapsed().as_secs_f64(),
        floor: Some(parse_floor),
    });
    db.close().await;

    if let Some(pg) = &args.postgres {
        reset_postgres(pg).await?;
        let copy_floor = raw_copy(pg, &csv).await?;
        lines.push(Line {
            what: "floor: PostgreSQL COPY of the same CSV into a plain text table".into(),
            seconds: copy_floor,
            floor: None,
        });
        let db = crate::connect(pg).await?;
        fupin_services::areas::load_seed_divisions(&db).await?;
        let t = Instant::now();
        let s = fupin_services::import::import_households(&db, &csv, &opts, &Silent).await?;
        anyhow::ensure!(
            s.committed && s.created as usize == args.households,
            "PostgreSQL import: {:?}",
            s.first_errors
        );
        lines.push(Line {
            what: "import households.csv into PostgreSQL (full validation)".into(),
            seconds: t.elapsed().as_secs_f64(),
            floor: Some(copy_floor),
        });
        db.close().await;
    }

    println!("| step | seconds | ratio to floor |");
    println!("|---|---:|---:|");
    for l in &lines {
        let ratio = l
            .floor
            .map_or(String::from("—"), |f| format!("{:.1}×", l.seconds / f));
        println!("| {} | {:.1} | {} |", l.what, l.seconds, ratio);
    }
    println!(
        "peak memory (VmHWM): {}",
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

/// Reads every record of the CSV without interpreting it.
fn parse_only(path: &Path) -> Result<u64> {
    let mut n = 0;
    for row in fupin_services::sheet::open(path)? {
        row?;
        n += 1;
    }
    Ok(n)
}

/// Drops fupin's tables so the import starts from an empty registry.
async fn reset_postgres(url: &str) -> Result<()> {
    let pool = sqlx::PgPool::connect(url).await.context("PostgreSQL")?;
    sqlx::raw_sql(
        "DROP TABLE IF EXISTS change_log, import_runs, household_status_years, household_incomes, members, \
         households, areas, policy_params, bench_copy, _sqlx_migrations CASCADE",
    )
    .execute(&pool)
    .await?;
    pool.close().await;
    Ok(())
}

/// Seconds PostgreSQL's own `COPY … FROM STDIN (FORMAT csv)` takes for the file.
async fn raw_copy(url: &str, csv: &Path) -> Result<f64> {
    let header = std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(csv)?))
        .next()
        .context("empty CSV")??;
    let columns = header.trim_start_matches('\u{feff}').split(',').count();
    let cols: Vec<String> = (0..columns).map(|i| format!("c{i} text")).collect();
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE bench_copy ({})",
        cols.join(", ")
    )))
    .execute(&pool)
    .await?;
    let mut conn = pool.acquire().await?;
    let t = Instant::now();
    let mut copy = conn
        .copy_in_raw("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)")
        .await?;
    let file = tokio::fs::File::open(csv).await?;
    copy.read_from(file).await?;
    copy.finish().await?;
    let secs = t.elapsed().as_secs_f64();
    drop(conn);
    sqlx::raw_sql("DROP TABLE bench_copy")
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(secs)
}

fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}
