//! `fupin bench-console --during-import N`: household pages while N households are imported
//! (issue 24).
//!
//! A registry of `--households` + N households is generated once and its households sheet split
//! in two: the first `--households` households (`base.csv`) and the rest (`incoming.csv`). For
//! each database: load `base.csv` into a fresh database, log in as the bench's office staff,
//! then let `--clients` clients walk the household pages through the router (the pseudo-random
//! walk of [`Bench::prepare`]), each request timed from sending it until its body is complete:
//! first with nothing else running (idle), for as long as the import should take, then while
//! `incoming.csv` is imported (all or nothing, as `fupin import households` does) until it ends.
//! Each page read is audited through the application's audit writer; after both phases the
//! reads audited are counted against the pages served.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::http::StatusCode;
use fupin_core::{CodeList, Field};
use fupin_services::progress::Silent;
use fupin_storage::{AuditFilter, Db};

use super::{BENCH_USER, Bench, Summary, fetch, import_households};
use crate::cli::{BenchConsoleArgs, GenArgs, GenFormat};

/// A request slower than this is a stall.
const STALL: Duration = Duration::from_secs(1);

pub async fn run(args: &BenchConsoleArgs, incoming: usize) -> Result<()> {
    anyhow::ensure!(args.clients > 0, "--clients: at least one");
    let folder = args
        .dir
        .join(format!("during-{}-{incoming}", args.households));
    let files = prepare_files(&folder, args.households, incoming)?;
    let sqlite = folder.join("during.sqlite3");
    let mut targets = vec![("SQLite", format!("sqlite://{}", sqlite.display()))];
    if let Some(pg) = &args.postgres {
        targets.push(("PostgreSQL", pg.clone()));
    }
    for (name, url) in targets {
        if name == "PostgreSQL" {
            recreate_database(&url).await?;
        } else {
            remove_sqlite(&sqlite)?;
        }
        let db = crate::connect(&url).await?;
        measure(name, &db, &files, args, incoming).await?;
        db.close().await;
    }
    Ok(())
}

/// The two halves of the generated households sheet.
struct Files {
    base: PathBuf,
    incoming: PathBuf,
    base_households: usize,
}

/// Generates the registry and splits it, unless done before.
fn prepare_files(folder: &Path, base: usize, incoming: usize) -> Result<Files> {
    let files = Files {
        base: folder.join("base.csv"),
        incoming: folder.join("incoming.csv"),
        base_households: base,
    };
    // incoming.csv is renamed into place last
    if files.base.exists() && files.incoming.exists() {
        return Ok(files);
    }
    let all = folder.join("households.csv");
    let t = Instant::now();
    GenArgs {
        households: base + incoming,
        seed: 2014,
        last_year: 2023,
        out: folder.to_path_buf(),
        format: GenFormat::Csv,
        departments: false,
    }
    .run(&Silent)?;
    println!(
        "generated {} households in {:.1} s",
        base + incoming,
        t.elapsed().as_secs_f64()
    );
    let parts = [
        files.base.with_extension("part"),
        files.incoming.with_extension("part"),
    ];
    let written = split_households(&all, base, &parts)?;
    anyhow::ensure!(
        written == (base, incoming),
        "{}: split into {written:?} households, expected {base} and {incoming}",
        all.display()
    );
    std::fs::rename(&parts[0], &files.base)?;
    std::fs::rename(&parts[1], &files.incoming)?;
    Ok(files)
}

/// Copies the rows of a households sheet (one row per member, a household's rows together)
/// into two files, the header into both: the first `base` households into the first, the rest
/// into the second. The households written to each.
fn split_households(all: &Path, base: usize, to: &[PathBuf; 2]) -> Result<(usize, usize)> {
    let mut reader =
        csv::Reader::from_path(all).with_context(|| format!("cannot read {}", all.display()))?;
    let header = reader.headers()?.clone();
    let column = fupin_services::sheet::find_column(
        &header,
        Field::HouseholdNo.zh(),
        Field::HouseholdNo.en(),
    )?;
    let mut writers = Vec::new();
    for path in to {
        let mut w = csv::Writer::from_path(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        w.write_byte_record(reader.byte_headers()?)?;
        writers.push(w);
    }
    let mut counts = [0usize; 2];
    let mut last = Vec::new();
    let mut half = 0;
    let mut row = csv::ByteRecord::new();
    while reader.read_byte_record(&mut row)? {
        let number = row
            .get(column)
            .context("a row without a household number")?;
        if number != last.as_slice() {
            last = number.to_vec();
            half = usize::from(counts[0] >= base);
            counts[half] += 1;
        }
        writers[half].write_byte_record(&row)?;
    }
    for mut w in writers {
        w.flush()?;
    }
    Ok((counts[0], counts[1]))
}

/// Deletes a SQLite database and its journal files.
fn remove_sqlite(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot delete {}", file.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Drops the PostgreSQL database the URL names and creates it empty, as `fupin bench` does:
/// only a bench's (its name says so), as bench-console otherwise keeps its database.
async fn recreate_database(url: &str) -> Result<()> {
    let target: sqlx::postgres::PgConnectOptions = url.parse().context("PostgreSQL URL")?;
    let name = target.get_database().unwrap_or_default();
    anyhow::ensure!(
        name.contains("bench"),
        "--during-import drops and re-creates the PostgreSQL database {name:?}: \
         give one whose name contains \"bench\""
    );
    crate::bench::reset_postgres(url).await
}

/// Loads the base, reads pages idle and during the import, prints the table and the audit check.
async fn measure(
    name: &'static str,
    db: &Db,
    files: &Files,
    args: &BenchConsoleArgs,
    incoming: usize,
) -> Result<()> {
    fupin_services::areas::load_seed_divisions(db).await?;
    let t = Instant::now();
    let loaded = import_households(db, &files.base, name).await?;
    let load = t.elapsed();
    db.analyze().await?;
    let bench = Bench::prepare(db.clone(), args.requests).await?;
    // the same pace as the base's load, without readers
    let idle_for = load.mul_f64(incoming as f64 / files.base_households as f64);
    println!(
        "{name}: loaded {} households in {:.1} s; {} clients read household pages for {:.1} s \
         idle, then while {incoming} households are imported",
        loaded.created,
        load.as_secs_f64(),
        args.clients,
        idle_for.as_secs_f64()
    );
    let readers = Readers::new(&bench, args.clients);
    readers.warm_up().await?;
    let mut audited = AuditedReads::start(&bench).await?;

    let running = readers.start();
    tokio::time::sleep(idle_for).await;
    let idle = running.stop().await?;
    let idle_audited = audited.since_last().await?;

    let running = readers.start();
    let t = Instant::now();
    let import = tokio::spawn({
        let (db, file) = (db.clone(), files.incoming.clone());
        async move { import_households(&db, &file, name).await }
    });
    let outcome = import.await?;
    let import_time = t.elapsed();
    let during = running.stop().await?;
    let during_audited = audited.since_last().await?;

    println!();
    println!(
        "| database | phase | seconds | import s | requests | pages/s | p50 ms | p99 ms | max ms \
         | over 1 s | non-200 | served (200) | audited |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    idle.row(name, "idle", None, idle_audited);
    during.row(name, "during import", Some(import_time), during_audited);
    println!();
    match &outcome {
        Ok(s) => println!(
            "{name} import: {} households created in {:.1} s",
            s.created,
            import_time.as_secs_f64()
        ),
        Err(e) => println!(
            "{name} import FAILED after {:.1} s: {e:#}",
            import_time.as_secs_f64()
        ),
    }
    let served = idle.served() + during.served();
    println!(
        "{name} unaudited reads: {} (pages served {served}, reads audited {}: idle {}, during \
         the import {})",
        served as i64 - (idle_audited + during_audited),
        idle_audited + during_audited,
        idle.served() as i64 - idle_audited,
        during.served() as i64 - during_audited
    );
    println!();
    Ok(())
}

/// The bench user's reads on the audit trail, counted after everything sent was written.
struct AuditedReads<'a> {
    bench: &'a Bench,
    last: i64,
}

impl<'a> AuditedReads<'a> {
    async fn start(bench: &'a Bench) -> Result<Self> {
        let mut counter = Self { bench, last: 0 };
        counter.last = counter.total().await?;
        Ok(counter)
    }

    /// The reads audited since the last call.
    async fn since_last(&mut self) -> Result<i64> {
        let total = self.total().await?;
        let n = total - self.last;
        self.last = total;
        Ok(n)
    }

    async fn total(&self) -> Result<i64> {
        self.bench.state.audit.flush().await;
        // a page view: action "read", target kind "household", detail "page"
        // (pages::read_household); the bench user reads nothing else
        let filter = AuditFilter {
            actor: Some(BENCH_USER.into()),
            action: Some("read".into()),
            ..AuditFilter::default()
        };
        let (_, total) = self
            .bench
            .state
            .db
            .audit_entries(None, &filter, 0, 1)
            .await?;
        Ok(total)
    }
}

/// Clients walking the household pages through one router.
struct Readers {
    router: axum::Router,
    cookie: Arc<str>,
    pages: Arc<[String]>,
    clients: usize,
}

impl Readers {
    fn new(bench: &Bench, clients: usize) -> Self {
        Self {
            router: fupin_web::router_with(bench.state.clone()),
            cookie: bench.cookie.as_str().into(),
            pages: bench.households.as_slice().into(),
            clients,
        }
    }

    /// Each page once, unmeasured: the page cache and the statement caches filled.
    async fn warm_up(&self) -> Result<()> {
        for uri in self.pages.iter() {
            fetch(&self.router, &self.cookie, uri).await?;
        }
        Ok(())
    }

    /// Starts the clients, each at its own place in the walk, reading until stopped.
    fn start(&self) -> Running {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..self.clients)
            .map(|i| {
                let (router, cookie, pages, stop) = (
                    self.router.clone(),
                    self.cookie.clone(),
                    self.pages.clone(),
                    stop.clone(),
                );
                let mut next = i * pages.len() / self.clients;
                tokio::spawn(async move {
                    let mut samples = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let uri = &pages[next % pages.len()];
                        next += 1;
                        let t = Instant::now();
                        let status = fetch(&router, &cookie, uri).await.ok().map(|(s, _)| s);
                        samples.push((t.elapsed(), status));
                    }
                    samples
                })
            })
            .collect();
        Running {
            stop,
            started: Instant::now(),
            tasks,
        }
    }
}

struct Running {
    stop: Arc<AtomicBool>,
    started: Instant,
    tasks: Vec<tokio::task::JoinHandle<Vec<Sample>>>,
}

/// A request's time from sending it to the end of its body, and its status (none: no answer).
type Sample = (Duration, Option<StatusCode>);

impl Running {
    /// Stops the clients; the phase ends when the last request in flight is answered.
    async fn stop(self) -> Result<Phase> {
        self.stop.store(true, Ordering::Relaxed);
        let mut samples = Vec::new();
        for task in self.tasks {
            samples.extend(task.await?);
        }
        Ok(Phase {
            seconds: self.started.elapsed().as_secs_f64(),
            times: samples.iter().map(|(t, _)| *t).collect(),
            statuses: samples.into_iter().map(|(_, s)| s).collect(),
        })
    }
}

/// The requests of one phase: their times and statuses (none: no answer).
struct Phase {
    seconds: f64,
    times: Vec<Duration>,
    statuses: Vec<Option<StatusCode>>,
}

impl Phase {
    fn served(&self) -> usize {
        self.statuses
            .iter()
            .filter(|s| **s == Some(StatusCode::OK))
            .count()
    }

    fn row(&self, database: &str, phase: &str, import: Option<Duration>, audited: i64) {
        let s = Summary::of(&self.times);
        let n = self.times.len();
        println!(
            "| {database} | {phase} | {:.1} | {} | {n} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {audited} |",
            self.seconds,
            import.map_or("—".into(), |d| format!("{:.1}", d.as_secs_f64())),
            n as f64 / self.seconds,
            s.p50,
            s.p99,
            s.max,
            self.times.iter().filter(|t| **t > STALL).count(),
            n - self.served(),
            self.served(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_splits_between_households() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let all = dir.join("households.csv");
        std::fs::write(
            &all,
            "\u{feff}户编号,姓名\n1,a\n1,b\n2,\"c,d\"\n3,e\n3,f\n3,g\n4,h\n",
        )
        .unwrap();
        let to = [dir.join("base.csv"), dir.join("incoming.csv")];
        assert_eq!(split_households(&all, 2, &to).unwrap(), (2, 2));
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        assert!(read(&to[0]).ends_with("户编号,姓名\n1,a\n1,b\n2,\"c,d\"\n"));
        assert!(read(&to[1]).ends_with("户编号,姓名\n3,e\n3,f\n3,g\n4,h\n"));
    }
}
