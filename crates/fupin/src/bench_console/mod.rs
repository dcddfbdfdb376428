//! `fupin bench-console`: server time of the console's pages on a province-sized registry.
//!
//! For each database (SQLite, and PostgreSQL when given): load the generated registry once
//! (households, history, populations), log in as the office staff of the largest province, then
//! time fixed request lists one request at a time through the router (server time, no
//! network): the province's area page, its office's start page, name searches (full names and given names alone, drawn
//! from the registry), household pages (random households), a village's cards. Then the
//! household page's throughput under concurrent load from a second process on loopback (`wrk`).
//!
//! Every page is also given as a multiple of two floors measured in the same run, one request
//! at a time and under the same `wrk` load ([`floors`]): `/healthz` and the bare, unaudited read
//! of the same households' records. The machine's speed changes between runs (other builds,
//! the VM); the multiples are what compare across runs.
//!
//! With `--during-import N`, household pages are read instead while N households are imported
//! ([`during_import`]); with `--console-import N`, a sheet imported on the console is timed
//! against the command line's import of it ([`console_import`]).

mod console_import;
mod during_import;
mod floors;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fupin_core::access::{Role, Scope};
use fupin_core::search::clean_name;
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_storage::{Db, FigureYear};
use tower::ServiceExt;

use crate::cli::{BenchConsoleArgs, GenArgs, GenFormat, chrono_today};

const BENCH_USER: &str = "bench-staff";
const BENCH_PASSWORD: &str = "Bench-2020-pw";
/// The village size the card print job is timed on (issue 6: 500 households in ≤ 2 s).
const CARDS_VILLAGE: i64 = 500;

pub async fn run(args: BenchConsoleArgs) -> Result<()> {
    if let Some(incoming) = args.during_import {
        return during_import::run(&args, incoming).await;
    }
    if let Some(n) = args.console_import {
        return console_import::run(&args, n).await;
    }
    let data = args.dir.join("data");
    if !data.join("households.csv").exists() {
        let t = Instant::now();
        GenArgs {
            households: args.households,
            seed: 2014,
            last_year: 2023,
            out: data.clone(),
            format: GenFormat::Csv,
            departments: false,
        }
        .run(&Silent)?;
        println!(
            "generated {} households in {:.1} s",
            args.households,
            t.elapsed().as_secs_f64()
        );
    }
    let sqlite = format!("sqlite://{}", args.dir.join("console.sqlite3").display());
    let mut targets = vec![("SQLite", sqlite)];
    if let Some(pg) = &args.postgres {
        targets.push(("PostgreSQL", pg.clone()));
    }
    println!(
        "| database | page | requests | p50 ms | p95 ms | max ms | p50 ÷ /healthz | p50 ÷ bare read |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let mut throughput = Vec::new();
    for (name, url) in targets {
        if name == "PostgreSQL" {
            create_database_if_missing(&url).await?;
        }
        let db = crate::connect(&url).await?;
        ensure_loaded(&db, &data, name).await?;
        let bench = Bench::prepare(db.clone(), args.requests).await?;
        let cards_page = format!(
            "village cards ({} households, print job)",
            bench.cards_village_size
        );
        // every list timed first, so that each row, the floors' too, is given against both
        let mut timed = Vec::new();
        for (page, uris) in [
            (FLOOR_HEALTHZ, &bench.healthz),
            (FLOOR_BARE, &bench.bare),
            ("area page of the province", &bench.area),
            ("start page of the province's office", &bench.start),
            ("name search", &bench.names),
            ("household page", &bench.households),
            (cards_page.as_str(), &bench.cards),
        ] {
            let times = bench.time(uris).await?;
            timed.push((page, times.len(), Summary::of(&times)));
        }
        let (healthz, bare) = (timed[0].2.p50, timed[1].2.p50);
        for (page, n, s) in timed {
            println!(
                "| {name} | {page} | {n} | {:.2} | {:.2} | {:.1} | {:.1}× | {:.1}× |",
                s.p50,
                s.p95,
                s.max,
                s.p50 / healthz,
                s.p50 / bare
            );
        }
        throughput.push((name, bench.load(&args).await?));
        bench.state.audit.flush().await;
        db.close().await;
    }
    println!();
    println!(
        "wrk -t2 -c{} -d{}s, each in turn; \"× floor\": the floor's requests/s ÷ the page's \
         (what one page costs in floors)",
        args.connections, args.seconds
    );
    println!();
    println!("| database | requests | requests/s | × /healthz | × bare read | wrk |");
    println!("|---|---|---:|---:|---:|---|");
    for (name, runs) in throughput {
        let rate = |label: &str| {
            runs.iter()
                .find(|r: &&Load| r.label == label)
                .map_or(f64::NAN, |r| r.rate)
        };
        let (healthz, bare) = (rate(FLOOR_HEALTHZ), rate(FLOOR_BARE));
        for r in &runs {
            println!(
                "| {name} | {} | {:.0} | {:.2}× | {:.2}× | {} |",
                r.label,
                r.rate,
                healthz / r.rate,
                bare / r.rate,
                r.line
            );
        }
    }
    Ok(())
}

/// The floors' names in the tables.
const FLOOR_HEALTHZ: &str = "floor: /healthz";
const FLOOR_BARE: &str = "floor: bare household read (unaudited, bench only)";

/// Loads the generated registry into an empty database (once: a loaded one is reused).
pub(crate) async fn ensure_loaded(db: &Db, data: &Path, name: &str) -> Result<()> {
    if db.max_household_id().await? > 0 {
        println!("{name}: reusing the registry already loaded");
        return Ok(());
    }
    fupin_services::areas::load_seed_divisions(db).await?;
    let opts = import_options();
    let t = Instant::now();
    let s = import_households(db, &data.join("households.csv"), name).await?;
    let households = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let h = fupin_services::history::import_history(db, &data.join("history.csv"), &opts, &Silent)
        .await?;
    anyhow::ensure!(h.committed, "{name} history: {:?}", h.first_errors);
    let history = t.elapsed().as_secs_f64();
    fupin_services::population::import_populations(db, &data.join("populations.csv"), "generated")
        .await?;
    db.analyze().await?;
    println!(
        "{name}: loaded {} households in {households:.1} s, their history in {history:.1} s",
        s.created
    );
    Ok(())
}

/// How the bench imports: all or nothing, as `fupin import households` does.
fn import_options() -> ImportOptions {
    ImportOptions {
        skip_invalid: false,
        actor: "bench".into(),
        report: None,
        today: chrono_today(),
        audit: fupin_services::audit::Actor::cli(),
        scope: None,
    }
}

/// Imports a households file; an error unless it committed.
async fn import_households(
    db: &Db,
    file: &Path,
    name: &str,
) -> Result<fupin_services::import::ImportSummary> {
    let s = fupin_services::import::import_households(db, file, &import_options(), &Silent)
        .await
        .with_context(|| format!("{name} import of {}", file.display()))?;
    anyhow::ensure!(s.committed, "{name} import: {:?}", s.first_errors);
    Ok(s)
}

/// Creates the PostgreSQL database the URL names unless it exists (a loaded one is reused).
async fn create_database_if_missing(url: &str) -> Result<()> {
    let (name, mut admin) = crate::bench::admin_of(url).await?;
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_none() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
    }
    Ok(())
}

struct Bench {
    /// One application state for every request, so that its audit writer is flushed at the end.
    state: fupin_web::AppState,
    cookie: String,
    area: Vec<String>,
    /// `/`: the bench user's start page (to-dos, the latest changes, the province's figures).
    start: Vec<String>,
    names: Vec<String>,
    households: Vec<String>,
    /// `/healthz`, as many times as there are households.
    healthz: Vec<String>,
    /// The bare reads of the same households ([`floors`]).
    bare: Vec<String>,
    /// The cards of the province's village nearest 500 households, for the last year of the
    /// history.
    cards: Vec<String>,
    cards_village_size: i64,
}

impl Bench {
    /// Logs in as the office staff of the largest province and draws the request lists.
    async fn prepare(db: Db, n: usize) -> Result<Self> {
        let provinces = db
            .area_children(&Scope::operator(), None, FigureYear::Now)
            .await?;
        let province = provinces
            .iter()
            .max_by_key(|p| p.figures.households)
            .context("no province")?
            .area
            .code
            .clone();
        if db
            .users_within(None)
            .await?
            .iter()
            .all(|u| u.username != BENCH_USER)
        {
            let form = fupin_services::accounts::AccountForm {
                username: BENCH_USER.into(),
                real_name: "基准测试".into(),
                area: province.clone(),
                phone: "13800000000".into(),
                roles: vec![Role::OfficeStaff],
                password: BENCH_PASSWORD.into(),
            };
            let actor = fupin_services::audit::Actor::cli();
            fupin_services::accounts::add_user(&db, &actor, form, false).await?;
        }
        let login =
            fupin_services::accounts::login(&db, BENCH_USER, BENCH_PASSWORD, "bench", "bench")
                .await?;
        let cookie = format!("fupin_session={}", login.session_secret);

        // a fixed pseudo-random walk over household ids (the same lists every run)
        let max = db.max_household_id().await?;
        let scope = Scope::operator_within(Some(province.clone()));
        let mut households = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let mut x: u64 = 2014;
        while households.len() < n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = (x >> 33) as i64 % max + 1;
            let Some(record) = db.household(&scope, id).await? else {
                continue;
            };
            households.push(format!("/households/{id}"));
            let member =
                &record.household.members[(x as usize >> 7) % record.household.members.len()];
            let full = clean_name(&member.name);
            let given: String = full.chars().skip(1).collect();
            // full names and given names alone (a part of a name), alternately
            let q = if names.len() % 2 == 1 && given.chars().count() >= 2 {
                given
            } else {
                full
            };
            names.push(format!("/search?q={}", percent(&q)));
        }
        let area = vec![format!("/areas/{province}"); n];
        let (village, cards_village_size) = db
            .village_near_size(&province, CARDS_VILLAGE)
            .await?
            .context("no village")?;
        // a print job is heavier than a page: a tenth as many requests, at least ten
        let cards = vec![format!("/areas/{village}/cards?year=2023"); (n / 10).max(10)];
        let mut state = fupin_web::AppState::new(db);
        // the bench times the search itself: its one user would be throttled after 30 searches
        // by the per-user limit (429), which a person at a desk never reaches
        state.search_limiter = std::sync::Arc::new(fupin_web::SearchLimiter::new(0));
        Ok(Self {
            state,
            cookie,
            area,
            start: vec!["/".into(); n],
            names,
            healthz: vec!["/healthz".into(); households.len()],
            bare: floors::bare_paths(&households),
            households,
            cards,
            cards_village_size,
        })
    }

    /// Each request in turn through the router; the time until the body is complete.
    async fn time(&self, uris: &[String]) -> Result<Vec<Duration>> {
        let router = floors::with_floors(self.state.clone());
        // warm up: the first requests fill the page cache and the statement caches
        for uri in uris.iter().take(10) {
            self.get(&router, uri).await?;
        }
        let mut times = Vec::with_capacity(uris.len());
        for uri in uris {
            let t = Instant::now();
            self.get(&router, uri).await?;
            times.push(t.elapsed());
        }
        Ok(times)
    }

    async fn get(&self, router: &axum::Router, uri: &str) -> Result<()> {
        let (status, bytes) = fetch(router, &self.cookie, uri).await?;
        anyhow::ensure!(status == StatusCode::OK, "{uri}: {status}");
        anyhow::ensure!(bytes > 0, "{uri}: empty body");
        Ok(())
    }

    /// Serves on loopback and runs `wrk` over the floors and the household pages in turn, the
    /// same settings for each.
    async fn load(&self, args: &BenchConsoleArgs) -> Result<Vec<Load>> {
        if std::process::Command::new("wrk")
            .arg("--version")
            .output()
            .is_err()
        {
            println!("load test skipped: wrk is not installed (apt-get install wrk)");
            return Ok(Vec::new());
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = floors::with_floors(self.state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let mut runs = Vec::new();
        for (label, uris) in [
            (FLOOR_HEALTHZ, &self.healthz),
            (FLOOR_BARE, &self.bare),
            ("household page", &self.households),
        ] {
            runs.push(self.wrk(args, addr, label, uris).await?);
        }
        server.abort();
        Ok(runs)
    }

    /// One `wrk` run walking `uris` with the session cookie.
    async fn wrk(
        &self,
        args: &BenchConsoleArgs,
        addr: std::net::SocketAddr,
        label: &'static str,
        uris: &[String],
    ) -> Result<Load> {
        let script = write_wrk_script(&args.dir, uris, &self.cookie)?;
        let out = tokio::process::Command::new("wrk")
            .arg("-t2")
            .arg(format!("-c{}", args.connections))
            .arg(format!("-d{}s", args.seconds))
            .arg("-s")
            .arg(&script)
            .arg(format!("http://{addr}"))
            .output()
            .await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let pick = |prefix: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(prefix))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        let errors = pick("Non-2xx");
        let rate = pick("Requests/sec")
            .rsplit(' ')
            .next()
            .and_then(|r| r.parse::<f64>().ok())
            .with_context(|| format!("wrk gave no rate for {label}: {text}"))?;
        Ok(Load {
            label,
            rate,
            line: format!(
                "{}{}",
                pick("Latency"),
                if errors.is_empty() {
                    String::new()
                } else {
                    format!("; {errors}")
                }
            ),
        })
    }
}

/// One `wrk` run: what was walked, requests per second, its latency line (and any non-2xx).
struct Load {
    label: &'static str,
    rate: f64,
    line: String,
}

/// One request through the router with the session cookie, read to the end of its body: the
/// status and the body's length.
async fn fetch(router: &axum::Router, cookie: &str, uri: &str) -> Result<(StatusCode, usize)> {
    let request = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 << 20).await?;
    Ok((status, body.len()))
}

/// A wrk script that walks `uris` in order with the session cookie.
fn write_wrk_script(dir: &Path, uris: &[String], cookie: &str) -> Result<PathBuf> {
    let list: Vec<String> = uris.iter().map(|u| format!("{u:?}")).collect();
    let script = format!(
        "local paths = {{{}}}\nlocal i = 0\nwrk.headers[\"Cookie\"] = {cookie:?}\n\
         request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
        list.join(", ")
    );
    let path = dir.join("households.lua");
    std::fs::write(&path, script)?;
    Ok(path)
}

/// Percent-encodes a query value (names are Chinese).
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Nearest-rank percentiles of request times, in milliseconds (all 0 for no requests).
struct Summary {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

impl Summary {
    fn of(times: &[Duration]) -> Self {
        let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| match ms.len() {
            0 => 0.0,
            n => ms[((n as f64 * q).ceil() as usize).clamp(1, n) - 1],
        };
        Summary {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = Summary::of(&times);
        assert_eq!((s.p50, s.p95, s.p99, s.max), (50.0, 95.0, 99.0, 100.0));
        assert_eq!(Summary::of(&[]).max, 0.0);
        assert_eq!(percent("王 a"), "%E7%8E%8B%20a");
    }
}
