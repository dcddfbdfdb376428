//! `fupin bench-console --console-import N`: a household sheet imported on the console against
//! the same sheet imported as `fupin import households` does (issue 26).
//!
//! N households are generated once under DIR/console-import-N/ and the sheet is cut to the
//! province holding most of them (a console import stays inside its uploader's area). Then, in
//! alternating rounds, each into a fresh SQLite database holding the seed divisions: the
//! command line's import of the file, and the console's — the multipart upload through the
//! router as the province's office staff, the import in the background, its page read every
//! 50 ms until it shows the outcome. The console's time is the whole: upload, job and polling.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fupin_core::access::Role;
use fupin_core::{AreaCode, CodeList, Field};
use fupin_services::progress::Silent;
use fupin_services::sheet::{Format, SheetWriter};
use tower::ServiceExt;

use super::{BENCH_PASSWORD, BENCH_USER, import_households};
use crate::cli::{BenchConsoleArgs, GenArgs, GenFormat};

/// Rounds of each import.
const ROUNDS: usize = 3;

pub async fn run(args: &BenchConsoleArgs, n: usize) -> Result<()> {
    let folder = args.dir.join(format!("console-import-{n}"));
    let (sheet, province, households) = prepare_sheet(&folder, n)?;
    println!(
        "sheet: {households} households of {province} ({} MB)",
        std::fs::metadata(&sheet)?.len() / 1_000_000
    );
    println!(
        "| round | command line s | console s | of which the upload s | console ÷ command line |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut ratios = Vec::new();
    for round in 1..=ROUNDS {
        let cli = {
            let db = fresh(&folder, "cli").await?;
            let t = Instant::now();
            let s = import_households(&db, &sheet, "command line").await?;
            let elapsed = t.elapsed();
            anyhow::ensure!(s.created as usize == households, "created {}", s.created);
            db.close().await;
            elapsed
        };
        let (console, upload) = {
            let db = fresh(&folder, "console").await?;
            let elapsed = console_import(&db, &sheet, &province).await?;
            let created = db
                .registry_size(&fupin_core::access::Scope::operator(), &province)
                .await?
                .0;
            anyhow::ensure!(created as usize == households, "created {created}");
            db.close().await;
            elapsed
        };
        let ratio = console.as_secs_f64() / cli.as_secs_f64();
        ratios.push(ratio);
        println!(
            "| {round} | {:.2} | {:.2} | {:.2} | {ratio:.2}× |",
            cli.as_secs_f64(),
            console.as_secs_f64(),
            upload.as_secs_f64()
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!("median console ÷ command line: {:.2}×", ratios[ROUNDS / 2]);
    Ok(())
}

/// The generated sheet cut to its largest province: the file, the province, its households.
fn prepare_sheet(folder: &Path, n: usize) -> Result<(PathBuf, AreaCode, usize)> {
    let data = folder.join("data");
    if !data.join("households.csv").exists() {
        GenArgs {
            households: n,
            seed: 2014,
            last_year: 2023,
            out: data.clone(),
            format: GenFormat::Csv,
            departments: false,
        }
        .run(&Silent)?;
    }
    let read = || -> Result<_> {
        let mut rows = fupin_services::sheet::open(&data.join("households.csv"))?;
        let header = fupin_services::sheet::header_row(&mut rows)?;
        let names: Vec<String> = header.iter().map(str::to_string).collect();
        let village = names
            .iter()
            .position(|h| h == Field::VillageCode.zh())
            .context("no village code column")?;
        Ok((rows, names, village))
    };
    // the province with most rows
    let (rows, _, village) = read()?;
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for row in rows {
        let (_, cells) = row?;
        *counts
            .entry(cells.get(village).unwrap_or("")[..2].to_string())
            .or_default() += 1;
    }
    let prefix = counts
        .into_iter()
        .max_by_key(|(_, c)| *c)
        .map(|(p, _)| p)
        .context("an empty sheet")?;
    let province = AreaCode::parse(&format!("{prefix}0000"))?;
    let sheet = folder.join(format!("province-{prefix}.csv"));
    let (rows, names, village) = read()?;
    let header: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut out = SheetWriter::create(&sheet, Format::Csv, &header, "户籍信息")?;
    let number = names
        .iter()
        .position(|h| h == Field::HouseholdNo.zh())
        .context("no household number column")?;
    let mut households = std::collections::HashSet::new();
    for row in rows {
        let (_, cells) = row?;
        if cells.get(village).unwrap_or("").starts_with(&prefix) {
            households.insert(cells.get(number).unwrap_or("").to_string());
            let all: Vec<&str> = (0..names.len())
                .map(|i| cells.get(i).unwrap_or(""))
                .collect();
            out.write_row(&all)?;
        }
    }
    out.finish()?;
    Ok((sheet, province, households.len()))
}

/// A fresh SQLite database under `folder` with the seed divisions.
async fn fresh(folder: &Path, name: &str) -> Result<fupin_storage::Db> {
    let file = folder.join(format!("{name}.sqlite3"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let db = crate::connect(&format!("sqlite://{}", file.display())).await?;
    fupin_services::areas::load_seed_divisions(&db).await?;
    Ok(db)
}

/// Uploads the sheet on the console as the province's office staff and waits for its page to
/// show the outcome; the time from the upload's start to the outcome, and to the upload's
/// answer (the file held, the job started).
async fn console_import(
    db: &fupin_storage::Db,
    sheet: &Path,
    province: &AreaCode,
) -> Result<(Duration, Duration)> {
    let form = fupin_services::accounts::AccountForm {
        username: BENCH_USER.into(),
        real_name: "基准测试".into(),
        area: province.clone(),
        phone: "13800000000".into(),
        roles: vec![Role::OfficeStaff],
        password: BENCH_PASSWORD.into(),
    };
    let actor = fupin_services::audit::Actor::cli();
    fupin_services::accounts::add_user(db, &actor, form, false).await?;
    let login =
        fupin_services::accounts::login(db, BENCH_USER, BENCH_PASSWORD, "bench", "bench").await?;
    let cookie = format!("fupin_session={}", login.session_secret);
    let router = fupin_web::router_with(fupin_web::AppState::new(db.clone()));
    let bytes = std::fs::read(sheet)?;

    let t = Instant::now();
    let boundary = "fupin-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nall_or_nothing\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sheet.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n",
        login.session.csrf_token
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post("/registry/sheet/imports")
        .header(header::COOKIE, &cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))?;
    let response = router.clone().oneshot(request).await?;
    anyhow::ensure!(
        response.status() == StatusCode::SEE_OTHER,
        "upload answered {}",
        response.status()
    );
    let uploaded = t.elapsed();
    let job = response.headers()[header::LOCATION].to_str()?.to_string();
    loop {
        let request = Request::get(&job)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        let response = router.clone().oneshot(request).await?;
        let page = axum::body::to_bytes(response.into_body(), 16 << 20).await?;
        let page = String::from_utf8_lossy(&page);
        if !page.contains("http-equiv=\"refresh\"") {
            anyhow::ensure!(
                page.contains("导入完成"),
                "the import did not commit: {page}"
            );
            return Ok((t.elapsed(), uploaded));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
