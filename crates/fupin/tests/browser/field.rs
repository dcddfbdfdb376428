//! A helper's visits on a phone in Chromium (issue 27): the households nearest first from the
//! emulated position; a visit near the household recorded as it is and one two kilometres away
//! flagged; then, the server unreachable, three visits with photos kept on the phone, the
//! pages opening from the service worker's cache and the outbox listing them; the server back,
//! all three arrive once, and sending again changes nothing. At 360 px throughout.

use fupin_core::GeoPoint;
use fupin_core::access::Scope;
use fupin_services::field::pairing::{self, HelperForm};

use super::*;

/// A chromedriver endpoint running a DevTools command on the page.
#[derive(Debug)]
struct Cdp(serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

async fn cdp(c: &Client, cmd: &str, params: serde_json::Value) {
    c.issue_cmd(Cdp(serde_json::json!({ "cmd": cmd, "params": params })))
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
}

/// The phone is at `p` (to within 10 m).
async fn stand_at(c: &Client, p: GeoPoint) {
    cdp(
        c,
        "Emulation.setGeolocationOverride",
        serde_json::json!({ "latitude": p.lat, "longitude": p.lon, "accuracy": 10 }),
    )
    .await;
}

/// A point `metres` north of `p`.
fn north(p: GeoPoint, metres: f64) -> GeoPoint {
    GeoPoint {
        lat: p.lat + metres / 111_195.08,
        lon: p.lon,
    }
}

/// The console on `listener`'s port until `stop` is sent (then the port refuses connections,
/// as a server out of a phone's reach does).
async fn serve_on(
    db: &fupin_storage::Db,
    listener: tokio::net::TcpListener,
) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app =
        fupin_web::router(db.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap()
    });
    stop
}

async fn visits(
    db: &fupin_storage::Db,
    household: i64,
) -> Vec<fupin_storage::field::visits::VisitRow> {
    db.visits_of_household(&Scope::operator(), household, 100)
        .await
        .unwrap()
}

/// The household's visits once there are `n` (the phone sends in the background), else panics
/// with what the page says.
async fn arrived(
    c: &Client,
    db: &fupin_storage::Db,
    household: i64,
    n: usize,
) -> Vec<fupin_storage::field::visits::VisitRow> {
    for _ in 0..100 {
        let v = visits(db, household).await;
        if v.len() >= n {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{n} visits of {household} did not arrive: {}",
        text(c).await
    );
}

/// Records a visit on the open visit page: notes, two photos, save; waits for its result line.
async fn record(c: &Client, photos: &[std::path::PathBuf]) {
    assert!(
        c.find(Locator::Css("#visit-form")).await.is_ok(),
        "not a visit page: {} {}",
        c.current_url().await.unwrap(),
        text(c).await
    );
    // the position has arrived (the script fills the hidden field)
    for _ in 0..100 {
        let lat = c
            .execute(
                "return document.querySelector('input[name=lat]').value",
                vec![],
            )
            .await
            .unwrap();
        if lat.as_str().is_some_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fill(c, "textarea[name=done]", "宣讲政策，查看住房").await;
    let input = c.find(Locator::Css("input[name=photos]")).await.unwrap();
    for p in photos {
        input.send_keys(&p.display().to_string()).await.unwrap();
    }
    click(c, "#visit-form button[type=submit]").await;
    // stored on the phone once the result links to the outbox (before, the photos are still
    // being shrunk, and leaving the page would lose the visit)
    for _ in 0..300 {
        if c.find(Locator::Css(".field-result a[href='/field/queue']"))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no result after saving: {}", text(c).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helper_records_visits_on_and_off_line_and_each_arrives_once_in_chromium() {
    if !installed() {
        return;
    }
    let (dir, db, _) = registry().await;
    // the helper and three households of one county with recorded locations
    let everything = Scope::operator();
    let first = db
        .household(&everything, 1)
        .await
        .unwrap()
        .unwrap()
        .household;
    let village = first.village_code.clone();
    account(
        &db,
        "bangfu",
        "王芳",
        village.ancestor(fupin_core::AreaLevel::County),
        Role::HelperCadre,
    )
    .await;
    let user = db.user_with_hash("bangfu").await.unwrap().unwrap().0;
    let form = HelperForm {
        area: village.clone(),
        name: "王芳".into(),
        phone: "13812345678".into(),
        unit: "县教育局".into(),
        unit_level: None,
        post: "教师".into(),
        user_id: Some(user.id),
    };
    let helper = pairing::create_helper(&db, &everything, &Actor::cli(), &form)
        .await
        .unwrap();
    let county = village.ancestor(fupin_core::AreaLevel::County);
    let places: Vec<_> = db
        .household_places(&everything, Some(&county))
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.lat.is_some())
        .take(3)
        .collect();
    assert_eq!(places.len(), 3, "three located households in the county");
    let since = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for p in &places {
        pairing::pair(&db, &everything, &Actor::cli(), p.id, helper, since, since)
            .await
            .unwrap();
    }
    let home = |i: usize| GeoPoint {
        lat: places[i].lat.unwrap(),
        lon: places[i].lon.unwrap(),
    };
    // two photos on disk, as the phone's camera would give them
    let photos: Vec<std::path::PathBuf> = (0..2)
        .map(|i| {
            let path = dir.path().join(format!("photo-{i}.jpg"));
            std::fs::write(
                &path,
                fupin_services::field::generated::photo(&format!("browser {i}")),
            )
            .unwrap();
            path
        })
        .collect();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let stop = serve_on(&db, listener).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    cdp(
        &c,
        "Browser.grantPermissions",
        serde_json::json!({ "permissions": ["geolocation"], "origin": base }),
    )
    .await;
    stand_at(&c, north(home(2), 30.0)).await;
    c.goto(&format!("{base}/login?next=/field/")).await.unwrap();
    log_in(&c, "bangfu").await;
    wait_for_path(&c, "/field/").await;
    // nearest first: the third household, 30 m away
    for _ in 0..100 {
        let first = c
            .execute(
                "return document.querySelector('#my-households li').dataset.household",
                vec![],
            )
            .await
            .unwrap();
        if first.as_str() == Some(&places[2].id.to_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let order = c
        .execute("return [...document.querySelectorAll('#my-households li')].map(l => l.dataset.household + ' ' + l.querySelector('.distance').textContent)", vec![])
        .await
        .unwrap();
    assert_eq!(
        order[0].as_str().unwrap(),
        format!("{} 30 米", places[2].id),
        "{order}"
    );
    assert!(
        fits_width(&c).await,
        "/field/ at 360 px: {:?}",
        too_wide(&c).await
    );

    // near the household: recorded without a flag; two kilometres away: flagged
    stand_at(&c, north(home(0), 40.0)).await;
    c.goto(&format!("{base}/field/households/{}", places[0].id))
        .await
        .unwrap();
    record(&c, &photos).await;
    assert!(
        fits_width(&c).await,
        "visit page at 360 px: {:?}",
        too_wide(&c).await
    );
    let near = arrived(&c, &db, places[0].id, 1).await;
    assert_eq!(near.len(), 1);
    assert_eq!((near[0].flags.as_str(), near[0].photos), ("", 2));
    assert!(
        (near[0].distance_m.unwrap() - 40.0).abs() <= 2.0,
        "{:?}",
        near[0].distance_m
    );
    stand_at(&c, north(home(1), 2_000.0)).await;
    c.goto(&format!("{base}/field/households/{}", places[1].id))
        .await
        .unwrap();
    record(&c, &photos[..1]).await;
    let far = arrived(&c, &db, places[1].id, 1).await;
    assert_eq!(far.len(), 1);
    assert_eq!(far[0].flags, "far");

    // every visit page has been cached; the server goes out of reach
    c.goto(&format!("{base}/field/")).await.unwrap();
    let cached = format!(
        "const done = arguments[arguments.length - 1];
         Promise.all([{}].map(u => caches.match(u))).then(r => done(r.every(Boolean)), () => done(false));",
        places
            .iter()
            .map(|p| format!("'{base}/field/households/{}'", p.id))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for _ in 0..100 {
        if c.execute_async(&cached, vec![]).await.unwrap().as_bool() == Some(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stand_at(&c, north(home(2), 20.0)).await;
    for (i, p) in [&places[2], &places[2], &places[0]].iter().enumerate() {
        c.goto(&format!("{base}/field/households/{}", p.id))
            .await
            .unwrap();
        let page = text(&c).await;
        assert!(page.contains("登记走访"), "visit page {i} offline: {page}");
        record(&c, &photos).await;
    }
    c.goto(&format!("{base}/field/queue")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let queued = c
        .execute(
            "return document.querySelectorAll('#queue li.state-queued').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(queued.as_u64(), Some(3), "{}", text(&c).await);
    assert_eq!(
        visits(&db, places[2].id).await.len(),
        0,
        "nothing reached the server"
    );

    // back in reach: all three arrive, once
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let _stop = serve_on(&db, listener).await;
    let waiting = || async {
        c.execute("return document.querySelectorAll('#queue li.state-queued, #queue li.state-sending').length", vec![])
            .await
            .unwrap()
            .as_u64()
    };
    for _ in 0..100 {
        if waiting().await == Some(0) {
            break;
        }
        if let Ok(button) = c.find(Locator::Css("#sync-now")).await {
            let _ = button.click().await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(waiting().await, Some(0), "{}", text(&c).await);
    let (two, zero) = (places[2].id, places[0].id);
    let arrived = |db: fupin_storage::Db| async move {
        (visits(&db, two).await.len(), visits(&db, zero).await.len())
    };
    // the household visited twice offline has both; the first one, its online visit and this
    assert_eq!(arrived(db.clone()).await, (2, 2));
    // sending again, and a reload: still the same
    click(&c, "#sync-now").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(arrived(db.clone()).await, (2, 2));
    let photos_of_one = visits(&db, places[2].id).await[0].photos;
    assert_eq!(photos_of_one, 2);
    assert!(
        fits_width(&c).await,
        "outbox at 360 px: {:?}",
        too_wide(&c).await
    );
    c.close().await.unwrap();
}
