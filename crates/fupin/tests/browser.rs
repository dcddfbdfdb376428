//! Pages in a real headless Chromium: the demo regions' real village names and a household page
//! with its members, rendered by the browser from the running server.
//!
//! Needs Debian's `chromium` (CI installs it). Without it the test is skipped, unless
//! `FUPIN_BROWSER_TESTS=1` demands it (as `.ci/run` does).

use std::process::Command;

use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// The DOM Chromium builds for `url`, at a phone's width.
fn dump_dom(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=360,800",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_from_province_to_a_household_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("FUPIN_BROWSER_TESTS").is_err(),
            "FUPIN_BROWSER_TESTS is set but chromium is missing"
        );
        eprintln!("chromium not installed: browser test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = fupin_storage::Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("b.sqlite3").display()
    ))
    .await
    .unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: 400,
        seed: 3,
        last_year: 2023,
    };
    let index = db.area_index().await.unwrap();
    fupin_services::generated::write_registry(
        generate(&config, &geo),
        &index,
        dir.path(),
        &[Format::Csv],
        &Silent,
    )
    .unwrap();
    let opts = ImportOptions {
        skip_invalid: false,
        actor: "browser-test".into(),
        report: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    };
    let s = fupin_services::import::import_households(
        &db,
        &dir.path().join("households.csv"),
        &opts,
        &Silent,
    )
    .await
    .unwrap();
    assert!(s.committed);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = fupin_web::router(db.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // a county of the demo regions: its townships by their real names
    let county = tokio::task::spawn_blocking({
        let (b, url) = (browser, format!("{base}/areas/522726000000"));
        move || dump_dom(b, &url)
    })
    .await
    .unwrap();
    assert!(county.contains("独山县"), "county page names the county");
    assert!(
        county.contains("<meta name=\"viewport\""),
        "phone viewport declared"
    );

    // a village that has households: its real name and its household list
    let (list, _) = db
        .household_list(
            &fupin_core::access::Scope::everything(),
            &fupin_core::AreaCode::parse("52").unwrap(),
            0,
            1,
        )
        .await
        .unwrap();
    let first = &list[0];
    let village = index
        .name(&fupin_core::AreaCode::parse(&first.village_code).unwrap())
        .unwrap()
        .to_string();
    let village_dom = tokio::task::spawn_blocking({
        let (b, url) = (browser, format!("{base}/areas/{}", first.village_code));
        move || dump_dom(b, &url)
    })
    .await
    .unwrap();
    assert!(
        village_dom.contains(&village),
        "village page shows the real village name {village}"
    );
    assert!(
        village_dom.contains(&first.number),
        "village page lists household {}",
        first.number
    );

    // the household page: members by name, ID numbers masked
    let record = db
        .household(&fupin_core::access::Scope::everything(), first.id)
        .await
        .unwrap()
        .unwrap();
    let household_dom = tokio::task::spawn_blocking({
        let (b, url) = (browser, format!("{base}/households/{}", first.id));
        move || dump_dom(b, &url)
    })
    .await
    .unwrap();
    for m in &record.household.members {
        assert!(household_dom.contains(&m.name), "member {} shown", m.name);
        assert!(
            !household_dom.contains(m.id_number.as_str()),
            "full ID number never shown"
        );
    }
}
