//! Pages in a real headless Chromium driven through chromedriver (WebDriver): logging in with the
//! form, the demo regions' real village names, a household page with its members as the user's
//! role may see them, a household outside the user's county answering 404, and a 360-px phone
//! viewport without horizontal scrolling.
//!
//! Needs Debian's `chromium` and `chromium-driver` (CI installs them). Without them the test is
//! skipped, unless `FUPIN_BROWSER_TESTS=1` demands it (as `.ci/run` does).

mod comparison;
mod crawl;
mod csp;
mod field;
mod household_sheet;
mod print;
mod tasks;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use fupin_core::AreaCode;
use fupin_core::access::{Role, Scope};
use fupin_services::accounts::{AccountForm, add_user};
use fupin_services::audit::Actor;
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::import::ImportOptions;
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const COUNTY: &str = "522726";
const PASSWORD: &str = "browser-test-2020";

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn installed() -> bool {
    let present = [CHROMIUM, CHROMEDRIVER]
        .iter()
        .all(|p| std::path::Path::new(p).exists());
    if !present {
        assert!(
            std::env::var("FUPIN_BROWSER_TESTS").is_err(),
            "FUPIN_BROWSER_TESTS is set but chromium or chromedriver is missing"
        );
        eprintln!("chromium/chromedriver not installed: browser test skipped");
    }
    present
}

async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A headless Chromium with a phone-sized window.
async fn browser(driver: &Driver) -> Client {
    // one profile per browser: tests run side by side in one process
    static BROWSERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = BROWSERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = std::env::temp_dir().join(format!("fupin-chromium-{}-{n}", std::process::id()));
    let caps = serde_json::json!({
        "browserName": "chrome",
        // the console's messages, for the crawl's check of console errors
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=360,640",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("connect to chromedriver")
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits until a loaded page's address (path, query) satisfies `arrived`: a click that navigates
/// returns before the new page has arrived, and a loaded machine makes that visible.
async fn wait_for_url(c: &Client, what: &str, arrived: impl Fn(&str, Option<&str>) -> bool) {
    for _ in 0..200 {
        let url = c.current_url().await.unwrap();
        let ready = c
            .execute("return document.readyState", vec![])
            .await
            .unwrap();
        if arrived(url.path(), url.query()) && ready == "complete" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the browser never reached {what}: {}",
        c.current_url().await.unwrap()
    );
}

async fn wait_for_path(c: &Client, path: &str) {
    wait_for_url(c, path, |p, _| p == path).await;
}

/// A page whose path starts with `prefix` (a new record's page, whose id is not known).
async fn wait_for_path_prefix(c: &Client, prefix: &str) {
    wait_for_url(c, prefix, |p, _| p.starts_with(prefix)).await;
}

/// A page whose query holds `part` (a form sent to its own path).
async fn wait_for_query(c: &Client, part: &str) {
    wait_for_url(c, part, |_, q| q.is_some_and(|q| q.contains(part))).await;
}

/// The elements reaching past the viewport's right edge outside a scrolling box (to say what
/// breaks a layout).
async fn too_wide(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && !e.closest('.scroll'))
               .slice(0, 8)
               .map(e => e.tagName + '.' + e.className + ' ' + e.outerHTML.slice(0, 120))",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap_or_default()
}

/// The page fits the viewport's width: nothing makes the whole page scroll sideways (wide
/// tables scroll inside their own box).
async fn fits_width(c: &Client) -> bool {
    let v = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    v.as_bool().unwrap()
}

/// A registry of 400 generated households (with their history) in a fresh SQLite file.
async fn registry() -> (
    tempfile::TempDir,
    fupin_storage::Db,
    fupin_storage::AreaIndex,
) {
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
        None,
        &Silent,
    )
    .unwrap();
    let opts = ImportOptions {
        skip_invalid: false,
        actor: "browser-test".into(),
        report: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        audit: fupin_services::audit::Actor::cli(),
        scope: None,
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
    let h = fupin_services::history::import_history(
        &db,
        &dir.path().join("history.csv"),
        &opts,
        &Silent,
    )
    .await
    .unwrap();
    assert!(h.committed);
    (dir, db, index)
}

/// The demo built with the README's command (`households` of them) in a folder of its own, and
/// connected.
async fn demo(households: usize) -> (tempfile::TempDir, fupin_storage::Db) {
    let dir = tempfile::tempdir().unwrap();
    let file = demo_database(dir.path(), households);
    let db = fupin_storage::Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    (dir, db)
}

/// The demo database file itself (see [`demo`]).
fn demo_database(dir: &std::path::Path, households: usize) -> std::path::PathBuf {
    let db = dir.join("demo.sqlite3");
    let out = Command::new(env!("CARGO_BIN_EXE_fupin"))
        .args(["demo", "--no-serve", "--db"])
        .arg(&db)
        .args(["--households", &households.to_string()])
        .output()
        .expect("run fupin demo");
    assert!(
        out.status.success(),
        "fupin demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// Where the browser tests leave what CI keeps beside its log (screenshots, the printed cards):
/// `FUPIN_SCREENSHOTS`, by default `target/browser-screenshots`.
fn screenshot_dir() -> std::path::PathBuf {
    std::env::var_os("FUPIN_SCREENSHOTS").map_or_else(
        || {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/browser-screenshots")
        },
        std::path::PathBuf::from,
    )
}

/// An account with the test password.
async fn account(
    db: &fupin_storage::Db,
    username: &str,
    real_name: &str,
    area: AreaCode,
    role: Role,
) {
    let form = AccountForm {
        username: username.into(),
        real_name: real_name.into(),
        area,
        phone: "13800000000".into(),
        roles: vec![role],
        password: PASSWORD.into(),
    };
    add_user(db, &Actor::cli(), form, false).await.unwrap();
}

/// Fills in and sends the login form the browser shows.
async fn log_in(c: &Client, username: &str) {
    fill(c, "input[name=username]", username).await;
    fill(c, "input[name=password]", PASSWORD).await;
    click(c, "button[type=submit]").await;
}

async fn fill(c: &Client, css: &str, text: &str) {
    let input = c.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Serves the console on a free loopback port; its base URL.
async fn serve(db: &fupin_storage::Db) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app =
        fupin_web::router(db.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_and_browse_the_county_in_chromium() {
    if !installed() {
        return;
    }
    let (dir, db, index) = registry().await;
    // a leader of the county's poverty office: names in full, ID numbers masked
    account(
        &db,
        "dushan",
        "独山县扶贫办 领导",
        AreaCode::parse(COUNTY).unwrap(),
        Role::OfficeLeader,
    )
    .await;

    let base = serve(&db).await;
    let _keep = dir;

    let driver = start_driver().await;
    let c = browser(&driver).await;
    let county_url = format!("{base}/areas/{COUNTY}000000");

    // not logged in: sent to the login form, and back after logging in
    c.goto(&county_url).await.unwrap();
    assert!(c.current_url().await.unwrap().path() == "/login");
    assert!(fits_width(&c).await, "the login page fits a 360-px phone");
    log_in(&c, "dushan").await;
    wait_for_path(&c, &format!("/areas/{COUNTY}000000")).await;
    let county = text(&c).await;
    assert!(county.contains("独山县"), "county page names the county");
    assert!(county.contains("独山县扶贫办 领导"), "the user is shown");

    // a village of the county that has households: its real name and its household list
    let county_code = AreaCode::parse(COUNTY).unwrap();
    let (list, _) = db
        .household_list(&Scope::operator(), &county_code, 0, 1)
        .await
        .unwrap();
    let first = &list[0];
    let village = index
        .name(&AreaCode::parse(&first.village_code).unwrap())
        .unwrap()
        .to_string();
    c.goto(&format!("{base}/areas/{}", first.village_code))
        .await
        .unwrap();
    let village_page = text(&c).await;
    assert!(
        village_page.contains(&village),
        "real village name {village}"
    );
    assert!(
        village_page.contains(&first.number),
        "lists {}",
        first.number
    );

    // the household page: members by name, ID numbers masked, no sideways scrolling
    c.find(Locator::LinkText(&first.number))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, &format!("/households/{}", first.id)).await;
    let household_page = text(&c).await;
    let record = db
        .household(&Scope::operator(), first.id)
        .await
        .unwrap()
        .unwrap();
    for m in &record.household.members {
        assert!(household_page.contains(&m.name), "member {} shown", m.name);
        assert!(
            !household_page.contains(m.id_number.as_str()),
            "a leader never sees a full ID number"
        );
        assert!(household_page.contains(&m.id_number.masked()));
    }
    assert!(
        fits_width(&c).await,
        "the household page fits a 360-px phone"
    );

    // a household of another province: as if it did not exist
    let (elsewhere, _) = db
        .household_list(&Scope::operator(), &AreaCode::parse("21").unwrap(), 0, 1)
        .await
        .unwrap();
    c.goto(&format!("{base}/households/{}", elsewhere[0].id))
        .await
        .unwrap();
    let refused = text(&c).await;
    assert!(
        refused.contains("404") && refused.contains("未找到"),
        "{refused}"
    );
    assert!(!refused.contains(&elsewhere[0].number));

    // logging out ends the session
    c.goto(&county_url).await.unwrap();
    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/login").await;
    c.goto(&county_url).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    c.close().await.unwrap();
}

/// The daily work of a county office clerk on a 360×640 phone: drill down from the county to a
/// household, find people by part of a name and by the end of an ID number, edit a member and
/// see the change in the timeline, and have a save made over someone else's newer change
/// refused. Every page fits the phone's width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_drills_down_searches_and_edits_in_chromium() {
    if !installed() {
        return;
    }
    let (_dir, db, index) = registry().await;
    account(
        &db,
        "kezhang",
        "独山县扶贫办 科员",
        AreaCode::parse(COUNTY).unwrap(),
        Role::OfficeStaff,
    )
    .await;
    let base = serve(&db).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.goto(&format!("{base}/areas/{COUNTY}000000"))
        .await
        .unwrap();
    log_in(&c, "kezhang").await;
    wait_for_path(&c, &format!("/areas/{COUNTY}000000")).await;
    assert!(fits_width(&c).await, "the county page fits the phone");

    // drill down by the links: township, village, household
    let county_code = AreaCode::parse(COUNTY).unwrap();
    let (list, _) = db
        .household_list(&Scope::operator(), &county_code, 0, 1)
        .await
        .unwrap();
    let first = &list[0];
    let village = AreaCode::parse(&first.village_code).unwrap();
    let township = village.ancestor(fupin_core::AreaLevel::Township);
    for step in [&township, &village] {
        let name = index.name(step).unwrap().to_string();
        c.find(Locator::LinkText(&name))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(&c, &format!("/areas/{step}")).await;
        assert!(fits_width(&c).await, "{name} fits the phone");
        let crumbs = c
            .find(Locator::Css("nav.crumbs"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            crumbs.contains("独山县") && crumbs.contains(&name),
            "{crumbs}"
        );
    }
    c.find(Locator::LinkText(&first.number))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, &format!("/households/{}", first.id)).await;
    assert!(
        fits_width(&c).await,
        "the household page fits the phone: {:?}",
        too_wide(&c).await
    );
    let record = db
        .household(&Scope::operator(), first.id)
        .await
        .unwrap()
        .unwrap();
    let person = record.household.members.last().unwrap().clone();

    // search by part of a name (the given name alone) and by the last six of the ID number
    let given: String = fupin_core::search::clean_name(&person.name)
        .chars()
        .skip(1)
        .collect();
    let tail = &person.id_number.as_str()[12..];
    for q in [given.as_str(), tail] {
        if q.chars().count() < 2 {
            continue;
        }
        c.goto(&format!("{base}/search")).await.unwrap();
        fill(&c, "input[name=q]", q).await;
        click(&c, "form.search button[type=submit]").await;
        wait_for_query(&c, "q=").await;
        let found = text(&c).await;
        assert!(
            found.contains(&first.number),
            "{q} finds {}: {found}",
            first.number
        );
        assert!(
            found.contains(&person.name),
            "{q}: the matched person is shown"
        );
        assert!(fits_width(&c).await, "the search page fits the phone");
    }

    // edit the member's education from the household page; the timeline shows it
    let n = record.household.members.len();
    c.goto(&format!("{base}/households/{}", first.id))
        .await
        .unwrap();
    c.find(Locator::Css(&format!(
        "a[href='/households/{}/members/{n}/edit']",
        first.id
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_path(&c, &format!("/households/{}/members/{n}/edit", first.id)).await;
    assert!(fits_width(&c).await, "the edit form fits the phone");
    let other = if person.education == fupin_core::codes::Education::Senior {
        "初中"
    } else {
        "高中"
    };
    c.find(Locator::Css("select[name=education]"))
        .await
        .unwrap()
        .select_by_value(other)
        .await
        .unwrap();
    fill(&c, "form.edit input[name=reason]", "入户核实更正文化程度").await;
    click(&c, "form.edit button[type=submit]").await;
    wait_for_path(&c, &format!("/households/{}", first.id)).await;
    let page = text(&c).await;
    assert!(
        page.contains("入户核实更正文化程度") && page.contains("kezhang"),
        "{page}"
    );
    assert!(page.contains(other));

    // open the form, let someone else save first, then save: refused, nothing overwritten
    c.goto(&format!("{base}/households/{}/members/{n}/edit", first.id))
        .await
        .unwrap();
    let now = db
        .household(&Scope::operator(), first.id)
        .await
        .unwrap()
        .unwrap();
    let mut cells = std::collections::BTreeMap::new();
    cells.insert(fupin_core::Field::Health, "长期慢性病".to_string());
    fupin_services::edit::edit_household(
        &db,
        &Actor::cli(),
        &Scope::operator(),
        fupin_services::edit::EditRequest {
            household_id: first.id,
            version: now.version,
            edit: fupin_services::edit::Edit::Member {
                index: n - 1,
                cells,
            },
            reason: "另一位干部先保存".into(),
        },
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    )
    .await
    .unwrap();
    c.find(Locator::Css("select[name=education]"))
        .await
        .unwrap()
        .select_by_value("小学")
        .await
        .unwrap();
    fill(&c, "form.edit input[name=reason]", "过时的修改").await;
    click(&c, "form.edit button[type=submit]").await;
    wait_for_path(&c, &format!("/households/{}/members/{n}/edit", first.id)).await;
    let refused = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#conflict"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("未保存"), "{refused}");
    let after = db
        .household(&Scope::operator(), first.id)
        .await
        .unwrap()
        .unwrap();
    let m = &after.household.members[n - 1];
    assert_eq!(
        m.health,
        fupin_core::codes::Health::Chronic,
        "the other save stands"
    );
    assert_ne!(
        m.education,
        fupin_core::codes::Education::Primary,
        "the stale save did not land"
    );
    c.close().await.unwrap();
}

/// Identification from the village to the registry: a village official applies for a household
/// with the registration form, takes the village's steps, the township reviews, the county
/// approves, the village announces; the household then stands in the registry, poor, with its
/// poverty index and exit checklist on its page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identification_goes_from_the_village_to_the_registry_in_chromium() {
    if !installed() {
        return;
    }
    let (_dir, db, _index) = registry().await;
    // a notice period of no days from this year on, so that the test need not wait a week
    use chrono::Datelike;
    db.set_policy(&fupin_core::PolicyParam {
        key: fupin_core::PolicyKey::NoticeDaysIdentification,
        region: None,
        year_from: chrono::Local::now().year(),
        value: 0,
        evidence: fupin_core::policy::Evidence::Verified,
        source: "test".into(),
        note: "test".into(),
    })
    .await
    .unwrap();
    let county_code = AreaCode::parse(COUNTY).unwrap();
    let (list, _) = db
        .household_list(&Scope::operator(), &county_code, 0, 1)
        .await
        .unwrap();
    let model = db
        .household(&Scope::operator(), list[0].id)
        .await
        .unwrap()
        .unwrap()
        .household;
    let village = model.village_code.clone();
    let accounts = [
        ("cunguan", village.clone(), Role::VillageOfficial),
        (
            "xiangzhen",
            village.ancestor(fupin_core::AreaLevel::Township),
            Role::OfficeStaff,
        ),
        (
            "xianban",
            village.ancestor(fupin_core::AreaLevel::County),
            Role::OfficeLeader,
        ),
    ];
    for (username, area, role) in &accounts {
        account(
            &db,
            username,
            &format!("{username} 测试"),
            area.clone(),
            *role,
        )
        .await;
    }
    let base = serve(&db).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    let as_user = |username: &'static str| {
        let (c, base) = (&c, base.clone());
        async move {
            // whoever was logged in logs out first
            if let Ok(out) = c.find(Locator::Css("form[action='/logout'] button")).await {
                out.click().await.unwrap();
                wait_for_path(c, "/login").await;
            }
            c.goto(&format!("{base}/login")).await.unwrap();
            log_in(c, username).await;
            wait_for_url(c, "a page after the login", |p, _| p != "/login").await;
        }
    };

    // the village applies, from the village page's link
    as_user("cunguan").await;
    c.goto(&format!("{base}/areas/{village}")).await.unwrap();
    click(&c, &format!("a[href='/areas/{village}/cases/new']")).await;
    wait_for_path(&c, &format!("/areas/{village}/cases/new")).await;
    assert!(fits_width(&c).await, "the application form fits the phone");
    // the household's details as the official types them (copied from a registered neighbour)
    let (household, members) = fupin_services::edit::form_cells(&model);
    let birth = chrono::NaiveDate::from_ymd_opt(1979, 4, 2).unwrap();
    let id_number = fupin_core::IdNumber::compose(
        village.county6(),
        birth,
        388,
        fupin_core::codes::Sex::Female,
    );
    let mut cells: Vec<(String, String)> = household
        .iter()
        .chain(members[0].iter())
        .map(|(f, v)| (fupin_core::CodeList::code(*f).to_string(), v.clone()))
        .collect();
    for (name, value) in [
        ("name", "吴申请".to_string()),
        ("id_number", id_number.to_string()),
        ("birth_date", "1979-04-02".to_string()),
        ("sex", "女".to_string()),
        ("status", "未脱贫".to_string()),
        ("exit_year", String::new()),
        ("reason", "农户本人申请".to_string()),
    ] {
        cells.retain(|(k, _)| k != name);
        cells.push((name.to_string(), value));
    }
    let values = serde_json::to_value(&cells).unwrap();
    c.execute(
        "for (const [name, value] of arguments[0]) {
           const e = document.querySelector(`form.edit [name='${name}']`);
           if (e) { e.value = value; }
         }",
        vec![values],
    )
    .await
    .unwrap();
    let number = c
        .find(Locator::Css("input[name=number]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    click(&c, "form.edit button[type=submit]").await;
    wait_for_path_prefix(&c, "/cases/").await;
    let case_path = c.current_url().await.unwrap().path().to_string();
    assert!(case_path.starts_with("/cases/"), "{}", text(&c).await);

    // each step by whoever takes it; the page shows where the case stands
    let advance = |expect: &'static str| {
        let c = &c;
        async move {
            click(c, "#advance").await;
            for _ in 0..100 {
                let step = c.find(Locator::Css("#case-step")).await;
                if let Ok(step) = step
                    && step.text().await.unwrap_or_default() == expect
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("never reached {expect}: {}", text(c).await);
        }
    };
    for step in ["已入户核实", "已比对", "已民主评议", "公示中"] {
        advance(step).await;
    }
    assert!(fits_width(&c).await, "the case page fits the phone");
    // the notice as posted in the village: the applicant's name, never the ID number
    c.goto(&format!("{base}{case_path}/notice")).await.unwrap();
    let sheet = text(&c).await;
    assert!(
        sheet.contains("贫困户识别公示") && sheet.contains("吴申请"),
        "{sheet}"
    );
    assert!(
        !sheet.contains(id_number.as_str()),
        "no ID number on a public notice"
    );
    for (user, step) in [
        ("xiangzhen", "乡镇已审核"),
        ("xianban", "县级已审定"),
        ("cunguan", "已公告"),
    ] {
        as_user(user).await;
        c.goto(&format!("{base}{case_path}")).await.unwrap();
        advance(step).await;
    }

    // in the registry: poor, registered this year, assessed
    let page = text(&c).await;
    assert!(
        page.contains("办理记录") && page.contains("xianban"),
        "{page}"
    );
    click(&c, "a[href^='/households/']").await;
    wait_for_path_prefix(&c, "/households/").await;
    let page = text(&c).await;
    assert!(
        page.contains(&number) && page.contains("吴申请") && page.contains("未脱贫"),
        "{page}"
    );
    assert!(
        page.contains("贫困指数") && page.contains("住房安全有保障"),
        "{page}"
    );
    c.close().await.unwrap();
}

/// Pages of a PDF as Chromium writes it (each page object is written out plainly).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// The text of the QR code in a PNG screenshot.
fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        buf[(y * w + x) * channels] // the red channel of a black-and-white code
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the screenshot");
    grids[0].decode().unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_prints_its_cards_and_each_code_answers_by_who_scans_it_in_chromium() {
    if !installed() {
        return;
    }
    let (dir, db, _) = registry().await;
    let county = AreaCode::parse(COUNTY).unwrap();
    let (list, _) = db
        .household_list(&Scope::operator(), &county, 0, 1)
        .await
        .unwrap();
    let village = AreaCode::parse(&list[0].village_code).unwrap();
    let (households, total) = db
        .household_list(&Scope::operator(), &village, 0, 500)
        .await
        .unwrap();
    assert!(total >= 1);
    // a village official of that village: may type income lines and re-issue codes
    account(
        &db,
        "cunguan",
        "村干部",
        village.clone(),
        Role::VillageOfficial,
    )
    .await;
    let base = serve(&db).await;
    let _keep = dir;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.set_window_size(1024, 900).await.unwrap();

    // the village's print job: one card per household, each with its QR code
    let cards_url = format!("{base}/areas/{village}/cards");
    c.goto(&cards_url).await.unwrap();
    log_in(&c, "cunguan").await;
    wait_for_path(&c, &format!("/areas/{village}/cards")).await;
    let count = |css: &str| {
        let script = format!("return document.querySelectorAll('{css}').length");
        let c = c.clone();
        async move { c.execute(&script, vec![]).await.unwrap().as_u64().unwrap() }
    };
    assert_eq!(count("article.card-sheet").await, total as u64);
    assert_eq!(count("article.card-sheet svg.qr").await, total as u64);
    let page = text(&c).await;
    assert!(page.contains("精准扶贫明白卡") && page.contains(&households[0].number));
    // printed: every card starts on a page of its own, on A4
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    let pages = pdf_pages(&pdf);
    assert!(
        pages >= total as usize && pages <= 3 * total as usize,
        "{pages} pages for {total} cards"
    );

    // the first card's code, read off the screen as a phone would
    c.execute(
        "const q = document.querySelector('article.card-sheet svg.qr');
         q.style.width = '360px'; q.style.height = '360px';",
        vec![],
    )
    .await
    .unwrap();
    let shot = c
        .find(Locator::Css("article.card-sheet svg.qr"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    let url = decode_qr(&shot);
    assert!(url.starts_with(&format!("{base}/q/")), "{url}");
    let first = &households[0];

    // scanned by the official: the full record of the household
    c.goto(&url).await.unwrap();
    wait_for_path(&c, &format!("/households/{}", first.id)).await;
    let record = text(&c).await;
    let head = first.head_name.clone().unwrap_or_default();
    assert!(
        record.contains(&first.number) && record.contains(&head),
        "{record}"
    );

    // scanned by anyone else: the masked public card
    let anyone = browser(&driver).await;
    anyone.goto(&url).await.unwrap();
    let public = text(&anyone).await;
    assert!(
        public.contains("精准扶贫明白卡") && public.contains(&first.number),
        "{public}"
    );
    assert!(
        !public.contains(&head),
        "the head's name is masked: {public}"
    );

    // the official issues a new code, saying why and confirming that every printed card is
    // voided: the old one leads nowhere
    c.goto(&format!("{base}/households/{}", first.id))
        .await
        .unwrap();
    click(&c, "#reissue summary").await;
    fill(&c, "form[action$='/code'] input[name=reason]", "明白卡遗失").await;
    click(&c, "form[action$='/code'] input[name=confirm]").await;
    click(&c, "form[action$='/code'] button").await;
    wait_for_path(&c, &format!("/households/{}/card", first.id)).await;
    anyone.goto(&url).await.unwrap();
    let gone = text(&anyone).await;
    assert!(gone.contains("404"), "{gone}");
    let new_url: String = c
        .find(Locator::Css("figure.card-qr"))
        .await
        .unwrap()
        .attr("data-url")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(new_url, url);
    c.close().await.unwrap();
    anyone.close().await.unwrap();
}
