//! `fupin bench`: generate N households, then time import into SQLite (and PostgreSQL) and
//! export, each beside its raw floor measured in the same run: parsing the CSV alone, and
//! PostgreSQL's own `COPY` of the same file into a plain table.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use fupin_core::access::{Scope, Viewer};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

use crate::cli::{BenchArgs, GenArgs, GenFormat, chrono_today};

/// The result table, printed a line at a time so that a later failure loses nothing.
struct Table;

impl Table {
    fn start() -> Self {
        println!("| step | seconds | ratio to floor |");
        println!("|---|---:|---:|");
        Table
    }

    fn push(&mut self, what: impl std::fmt::Display, seconds: f64, floor: Option<f64>) {
        let ratio = floor.map_or(String::from("—"), |f| format!("{:.1}×", seconds / f));
        println!("| {what} | {seconds:.1} | {ratio} |");
    }
}

pub async fn run(args: BenchArgs) -> Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let mut lines = Table::start();
    let data = args.dir.join("data");

    let t = Instant::now();
    let written = GenArgs {
        households: args.households,
        seed: 2014,
        last_year: 2023,
        out: data.clone(),
        format: GenFormat::Csv,
        departments: false,
    }
    .run(&Silent)?;
    lines.push(
        format!(
            "gen {} households ({} members) to CSV",
            written.households, written.members
        ),
        t.elapsed().as_secs_f64(),
        None,
    );
    let csv = data.join("households.csv");

    let t = Instant::now();
    let parsed = parse_only(&csv)?;
    let parse_floor = t.elapsed().as_secs_f64();
    lines.push(
        format!("floor: parse the CSV only ({parsed} rows)"),
        parse_floor,
        None,
    );

    let opts = ImportOptions {
        skip_invalid: false,
        actor: "bench".into(),
        report: None,
        today: chrono_today(),
        audit: fupin_services::audit::Actor::cli(),
        scope: None,
    };
    if !args.skip_sqlite {
        sqlite_steps(&args, &csv, &opts, parse_floor, &mut lines).await?;
    }

    if let Some(pg) = &args.postgres {
        reset_postgres(pg).await?;
        let copy_floor = raw_copy(pg, &csv).await?;
        lines.push(
            "floor: PostgreSQL COPY of the same CSV into a plain text table",
            copy_floor,
            None,
        );
        let db = crate::connect(pg).await?;
        fupin_services::areas::load_seed_divisions(&db).await?;
        let t = Instant::now();
        let s = fupin_services::import::import_households(&db, &csv, &opts, &Silent).await?;
        anyhow::ensure!(
            s.committed && s.created as usize == args.households,
            "PostgreSQL import: {:?}",
            s.first_errors
        );
        lines.push(
            "import households.csv into PostgreSQL (full validation)",
            t.elapsed().as_secs_f64(),
            Some(copy_floor),
        );
        db.close().await;
    }

    println!(
        "peak memory (VmHWM): {}",
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

/// Import, re-import and export on a fresh SQLite file.
async fn sqlite_steps(
    args: &BenchArgs,
    csv: &Path,
    opts: &ImportOptions,
    parse_floor: f64,
    lines: &mut Table,
) -> Result<()> {
    let sqlite = args.dir.join("bench.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    let db = crate::connect(&format!("sqlite://{}", sqlite.display())).await?;
    fupin_services::areas::load_seed_divisions(&db).await?;
    let t = Instant::now();
    let s = fupin_services::import::import_households(&db, csv, opts, &Silent).await?;
    anyhow::ensure!(
        s.committed && s.created as usize == args.households,
        "SQLite import: {:?}",
        s.first_errors
    );
    lines.push(
        "import households.csv into SQLite (full validation)",
        t.elapsed().as_secs_f64(),
        Some(parse_floor),
    );

    let t = Instant::now();
    let s = fupin_services::import::import_households(&db, csv, opts, &Silent).await?;
    anyhow::ensure!(
        s.unchanged as usize == args.households,
        "re-import changed something"
    );
    lines.push(
        "re-import the same file into SQLite (all unchanged)",
        t.elapsed().as_secs_f64(),
        Some(parse_floor),
    );

    let t = Instant::now();
    let mut exported = 0;
    for province in db
        .area_children(&Scope::operator(), None, fupin_storage::FigureYear::Now)
        .await?
    {
        let file = args
            .dir
            .join(format!("export-{}.csv", province.area.code.prefix()));
        exported += fupin_services::export::export_households(
            &db,
            &Viewer::operator(),
            &province.area.code,
            &file,
            Format::Csv,
            &Silent,
        )
        .await?
        .rows;
    }
    lines.push(
        format!("export SQLite → CSV ({exported} rows, per province)"),
        t.elapsed().as_secs_f64(),
        Some(parse_floor),
    );
    db.close().await;

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

/// Drops and creates the scratch database `url` names, so the import starts from nothing.
pub(crate) async fn reset_postgres(url: &str) -> Result<()> {
    let (name, mut admin) = admin_of(url).await?;
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await?;
    }
    Ok(())
}

/// The database name `url` gives (checked to be a plain identifier) and a connection to the
/// server's `postgres` database, to create or drop it from.
pub(crate) async fn admin_of(url: &str) -> Result<(String, sqlx::PgConnection)> {
    use sqlx::ConnectOptions;
    let target: sqlx::postgres::PgConnectOptions = url.parse().context("PostgreSQL URL")?;
    let name = target
        .get_database()
        .context("the PostgreSQL URL names no database")?
        .to_string();
    anyhow::ensure!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name {name:?}: use letters, digits and _"
    );
    let admin = target
        .database("postgres")
        .connect()
        .await
        .context("PostgreSQL")?;
    Ok((name, admin))
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
