//! `fupin bench-field`: field work at province scale (issue 27). The generated registry (shared
//! with `fupin bench`) is loaded into DIR/field.sqlite3 with a helper for every four households
//! and a visit to every household in each of twelve months (the visits and their tallies; the
//! photo rows, which no timed query reads, are left out). Then, alternating in rounds:
//!
//! - a county's and the province's month summary (by child area, helper and unit, as the
//!   summary page reads them) and a county's "not visited in 30 days", each against the floor
//!   of reading the same area's households' ids and places;
//! - the sync: visits with three 100 KB photos each posted to `/api/v1/field/visits` through the
//!   router by concurrent clients (multipart parsed, photos hashed and stored, rows, tallies and
//!   audit written), against the floor of writing the same bytes to files with the same
//!   concurrency;
//! - the weight of the field pages on first load (the page, its script and service worker).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fupin_core::access::{Action, Role, Scope};
use fupin_core::{AreaCode, AreaLevel, GeoPoint};
use fupin_services::field::generated::{self, Paired};
use fupin_services::field::summaries;
use fupin_services::progress::Silent;
use fupin_storage::Db;
use fupin_storage::sql::Value;
use rand::{Rng, SeedableRng};
use tower::ServiceExt;

use crate::cli::{BenchFieldArgs, GenArgs, GenFormat};

const ROUNDS: usize = 5;
const USER: &str = "bench-field";

pub async fn run(args: BenchFieldArgs) -> Result<()> {
    let data = args.dir.join("data");
    if !data.join("households.csv").exists() {
        GenArgs {
            households: args.households,
            seed: 2014,
            last_year: 2023,
            out: data.clone(),
            format: GenFormat::Csv,
            departments: false,
        }
        .run(&Silent)?;
    }
    let db = crate::connect(&format!(
        "sqlite://{}",
        args.dir.join("field.sqlite3").display()
    ))
    .await?;
    crate::bench_console::ensure_loaded(&db, &data, "SQLite").await?;
    let (province, county) = busiest(&db).await?;
    if db.visits_recorded().await? == 0 {
        load_year(&db).await?;
    }
    let month = fupin_core::field::visit::month_of(chrono::Utc::now() - chrono::Duration::days(31));
    let today = fupin_core::field::visit::beijing_date(chrono::Utc::now());
    let op = Scope::operator();
    let size = |a: &AreaCode| {
        let a = a.clone();
        let db = db.clone();
        async move {
            db.household_places(&Scope::operator(), Some(&a))
                .await
                .map(|p| p.len())
        }
    };
    println!(
        "county {county}: {} households; province {province}: {} households; {} visits in all",
        size(&county).await?,
        size(&province).await?,
        db.visits_recorded().await?
    );
    println!("| query | area | median ms | max ms | floor ms | ÷ floor |");
    println!("|---|---|---:|---:|---:|---:|");
    for (what, area) in [
        ("month summary", &county),
        ("month summary", &province),
        ("not visited 30 days", &county),
    ] {
        let mut times = Vec::new();
        let mut floors = Vec::new();
        let mut by_area = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let n = db.household_places(&op, Some(area)).await?.len();
            floors.push(t.elapsed());
            anyhow::ensure!(n > 0, "no households in {area}");
            let t = Instant::now();
            if what == "month summary" {
                let rows = summaries::by_area(&db, &op, area, &month).await?;
                by_area.push(t.elapsed());
                let helpers = summaries::by_helper(&db, &op, area, &month).await?;
                let units = summaries::by_unit(&helpers);
                anyhow::ensure!(!rows.is_empty() && !units.is_empty(), "an empty summary");
            } else {
                summaries::not_visited(&db, &op, area, today, 50, 0).await?;
            }
            times.push(t.elapsed());
        }
        let (m, f) = (median(&times), median(&floors));
        println!(
            "| {what} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            if area.level() == AreaLevel::Province {
                "province"
            } else {
                "county"
            },
            ms(m),
            ms(*times.iter().max().expect("rounds")),
            ms(f),
            m.as_secs_f64() / f.as_secs_f64()
        );
        if !by_area.is_empty() {
            println!(
                "|   of which by child area (visits and paired households) | | {:.1} | | | |",
                ms(median(&by_area))
            );
        }
    }
    // help on paper only: the scan's read of the province's visits, then the whole scan
    let within = Scope::operator_within(Some(province.clone()));
    let since = chrono::Utc::now() - chrono::Duration::days(62);
    let t = Instant::now();
    let read = db
        .visits_placed_since(&within, &since.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .await?
        .len();
    let floor = t.elapsed();
    let t = Instant::now();
    let found =
        fupin_services::field::patterns::findings_since(&db, &within, since, &Default::default())
            .await?;
    let scan = t.elapsed();
    println!(
        "help on paper only, 62 days of the province: {read} visits read in {:.2} s; \
         scanned (read, photos shared, patterns, names) in {:.2} s ({:.1}× the read): {} warnings",
        floor.as_secs_f64(),
        scan.as_secs_f64(),
        scan.as_secs_f64() / floor.as_secs_f64(),
        found.len()
    );
    let token = ingest(&db, &args.dir, args.ingest, args.clients).await?;
    weight(&db, &token).await?;
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

/// The province and county of the first household.
async fn busiest(db: &Db) -> Result<(AreaCode, AreaCode)> {
    let first = db
        .household(&Scope::operator(), 1)
        .await?
        .context("an empty registry")?;
    let village = first.household.village_code;
    Ok((
        village.ancestor(AreaLevel::Province),
        village.ancestor(AreaLevel::County),
    ))
}

/// A helper for every four households of the registry, and a visit to each in every one of the
/// last twelve months, loaded month by month.
async fn load_year(db: &Db) -> Result<()> {
    let t = Instant::now();
    let places = db.household_places(&Scope::operator(), None).await?;
    let mut helpers = Vec::new();
    let mut pairings = Vec::new();
    let mut paired = Vec::new();
    for (i, chunk) in places.chunks(4).enumerate() {
        let helper = i as i64 + 1;
        helpers.push(vec![
            Value::I64(helper),
            Value::Text(chunk[0].village_code.clone()),
            Value::Text(format!("帮扶人{helper}")),
            Value::Text(format!("139{:08}", helper % 100_000_000)),
            Value::Text(String::new()),
            Value::Text("2019-01-01T00:00:00Z".into()),
        ]);
        for p in chunk {
            pairings.push(vec![
                Value::I64(helper),
                Value::I64(p.id),
                Value::Text("2019-01-01".into()),
                Value::Text("2019-01-01T00:00:00Z".into()),
                Value::Text("bench".into()),
                Value::Text(p.village_code.clone()),
                Value::Text("2019-01-01".into()),
            ]);
            paired.push(Paired {
                household_id: p.id,
                helper_id: helper,
                village_code: p.village_code.clone(),
                home: p.lat.zip(p.lon).map(|(lat, lon)| GeoPoint { lat, lon }),
            });
        }
    }
    let mut tx = db.begin().await?;
    let (h, p) = (helpers.len(), pairings.len());
    fupin_storage::bulk::insert_rows(
        &mut tx,
        "helpers",
        &["id", "area_code", "name", "phone", "post", "created_at"],
        helpers,
    )
    .await?;
    fupin_storage::bulk::insert_rows(
        &mut tx,
        "pairings",
        &[
            "helper_id",
            "household_id",
            "started_on",
            "created_at",
            "created_by",
            "village_code",
            "seen_at",
        ],
        pairings,
    )
    .await?;
    tx.commit().await?;
    println!(
        "paired {p} households with {h} helpers in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(27);
    let months = generated::months_to(
        fupin_core::field::visit::beijing_date(chrono::Utc::now()),
        12,
    );
    let mut serial = 1;
    let mut total = 0;
    for month in &months {
        let visits = generated::year(
            &paired,
            std::slice::from_ref(month),
            chrono::Utc::now(),
            1.0,
            &mut rng,
            false,
            serial,
            |_| "bench".into(),
        );
        serial += visits.len() as u64;
        total += visits.len();
        let rows: Vec<_> = visits.into_iter().map(|g| g.visit).collect();
        let mut tx = db.begin().await?;
        for chunk in rows.chunks(100_000) {
            tx.load_visits(chunk, false).await?;
        }
        tx.commit().await?;
        println!("  {month}: {} visits", rows.len());
    }
    let mut tx = db.begin().await?;
    tx.rebuild_tallies().await?;
    tx.commit().await?;
    db.analyze().await?;
    println!(
        "loaded {total} visits and their tallies in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A multipart body: the visit's JSON and its photos.
fn multipart(json: &str, photos: &[Vec<u8>]) -> (String, Vec<u8>) {
    let boundary = "fupin-bench-boundary-7d3a";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"visit\"; filename=\"blob\"\r\nContent-Type: application/json\r\n\r\n{json}\r\n").as_bytes());
    for (i, p) in photos.iter().enumerate() {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"photo-{i}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes());
        body.extend_from_slice(p);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A 100 KB photo: a JPEG's signature, then noise.
fn photo(rng: &mut impl Rng) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.resize(100 * 1024, 0);
    rng.fill(&mut b[4..]);
    b
}

/// `n` visits posted by `clients` concurrent clients against the floor of writing their photos.
async fn ingest(db: &Db, dir: &Path, n: usize, clients: usize) -> Result<String> {
    let actor = fupin_services::audit::Actor::cli();
    let province = busiest(db).await?.0;
    if db.user_with_hash(USER).await?.is_none() {
        let form = fupin_services::accounts::AccountForm {
            username: USER.into(),
            real_name: "压测帮扶人".into(),
            area: province.clone(),
            phone: "13800000000".into(),
            roles: vec![Role::VillageOfficial],
            password: "Pf-2026-visits-7q".into(),
        };
        fupin_services::accounts::add_user(db, &actor, form, false).await?;
    }
    let user = db.user_with_hash(USER).await?.context("the bench user")?.0;
    if db.helper_of_user(user.id).await?.is_none() {
        let form = fupin_services::field::pairing::HelperForm {
            area: province.clone(),
            name: "压测帮扶人".into(),
            phone: String::new(),
            unit: "压测单位".into(),
            unit_level: None,
            post: String::new(),
            user_id: Some(user.id),
        };
        fupin_services::field::pairing::create_helper(db, &Scope::operator(), &actor, &form)
            .await?;
    }
    let (_, token) = fupin_services::accounts::create_token(
        db,
        &actor,
        USER,
        "bench",
        &[Action::RecordVisits, Action::ViewHouseholds],
        1,
    )
    .await?;
    let places = db
        .household_places(&Scope::operator(), Some(&province))
        .await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let run = chrono::Utc::now().timestamp();
    let mut bodies = Vec::with_capacity(n);
    for i in 0..n {
        let p = &places[rng.random_range(0..places.len())];
        let json = serde_json::json!({
            "client_id": format!("{:08x}-0000-4000-8000-{i:012x}", run as u32),
            "household_id": p.id,
            "visited_at": chrono::Utc::now().to_rfc3339(),
            "lat": p.lat, "lon": p.lon, "accuracy_m": 15.0,
            "done": "压测走访", "changed": ["housing"],
        })
        .to_string();
        let photos: Vec<Vec<u8>> = (0..3).map(|_| photo(&mut rng)).collect();
        bodies.push((multipart(&json, &photos), photos));
    }
    let mut state = fupin_web::AppState::new(db.clone());
    state.photos =
        fupin_services::field::PhotoStore::open(&dir.join("field-photos").to_string_lossy())?;
    let router = fupin_web::router_with(state);
    let floor_dir = dir.join("field-floor");
    println!();
    println!("| round | visits | sync s | visits/s | floor (write the photos) s | ÷ floor |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let bodies = Arc::new(bodies);
    for round in 1..=3 {
        let _ = std::fs::remove_dir_all(&floor_dir);
        std::fs::create_dir_all(&floor_dir)?;
        let floor = {
            let t = Instant::now();
            let mut tasks = Vec::new();
            for c in 0..clients {
                let (bodies, floor_dir) = (bodies.clone(), floor_dir.clone());
                tasks.push(tokio::task::spawn_blocking(move || -> Result<()> {
                    for i in (c..bodies.len()).step_by(clients) {
                        for (k, p) in bodies[i].1.iter().enumerate() {
                            std::fs::write(floor_dir.join(format!("{round}-{i}-{k}")), p)?;
                        }
                    }
                    Ok(())
                }));
            }
            for t in tasks {
                t.await??;
            }
            t.elapsed()
        };
        // each round posts the same visits again under new client ids (a round's replays of
        // the first would be answered without storing anything)
        let t = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (bodies, router, token) = (bodies.clone(), router.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                for i in (c..bodies.len()).step_by(clients) {
                    let ((ct, raw), _) = &bodies[i];
                    let raw =
                        replace_once(raw, b"-0000-4000-", format!("-{round:04}-4000-").as_bytes());
                    let r = router
                        .clone()
                        .oneshot(
                            Request::post("/api/v1/field/visits")
                                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                                .header(header::CONTENT_TYPE, ct.as_str())
                                .body(Body::from(raw))
                                .expect("a request"),
                        )
                        .await
                        .expect("an answer");
                    anyhow::ensure!(
                        r.status() == StatusCode::CREATED,
                        "visit {i}: {}",
                        r.status()
                    );
                }
                Ok::<(), anyhow::Error>(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        let sync = t.elapsed();
        println!(
            "| {round} | {n} | {:.2} | {:.0} | {:.2} | {:.1} |",
            sync.as_secs_f64(),
            n as f64 / sync.as_secs_f64(),
            floor.as_secs_f64(),
            sync.as_secs_f64() / floor.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&floor_dir);
    Ok(token)
}

/// The first occurrence of `from` in `bytes` replaced by `to` (same length).
fn replace_once(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if let Some(at) = bytes.windows(from.len()).position(|w| w == from) {
        out[at..at + to.len()].copy_from_slice(to);
    }
    out
}

/// The field pages' weight on first load: the households page as the bench user gets it, its
/// script and its service worker, uncompressed.
async fn weight(db: &Db, token: &str) -> Result<()> {
    let router = fupin_web::router_with(fupin_web::AppState::new(db.clone()));
    let mut total = 0;
    println!();
    println!("| field page, first load | bytes |");
    println!("|---|---:|");
    for uri in ["/field/", "/field/field.js", "/field/sw.js"] {
        let r = router
            .clone()
            .oneshot(
                Request::get(uri)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("an answer");
        anyhow::ensure!(r.status() == StatusCode::OK, "{uri}: {}", r.status());
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await?.len();
        total += bytes;
        println!("| `{uri}` | {bytes} |");
    }
    println!("| all | {total} |");
    Ok(())
}
