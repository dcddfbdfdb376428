//! A small world for the web tests that need real areas, generated households and the demo
//! accounts (one per role), driven in-process through the router.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use fupin_core::access::Principal;
use fupin_core::{Household, StatusYear};
use fupin_services::demo_accounts::{self, DEMO_PASSWORD};
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::parse::status_snapshot;
use fupin_storage::{Db, RegistryWriter, WriteContext};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A database for one test world, holding the seed divisions: its folder, and on PostgreSQL
/// the scratch database, dropped with it (also when the test fails).
pub struct Database {
    pub backend: &'static str,
    pub db: Db,
    pub dir: tempfile::TempDir,
    pub scratch: Option<fupin_storage::scratch::ScratchPostgres>,
}

/// SQLite, and PostgreSQL when `FUPIN_TEST_POSTGRES` names a server (`prefix`: the scratch
/// database's name prefix).
pub async fn databases(prefix: &str) -> Vec<Database> {
    let mut out = vec![sqlite().await];
    if let Some(scratch) = fupin_storage::scratch::ScratchPostgres::create(prefix).await {
        let db = Db::connect(scratch.url()).await.unwrap();
        fupin_services::areas::load_seed_divisions(&db)
            .await
            .unwrap();
        out.push(Database {
            backend: "postgres",
            db,
            dir: tempfile::tempdir().unwrap(),
            scratch: Some(scratch),
        });
    }
    out
}

/// One world on each database of [`databases`], made by `world`.
pub async fn worlds<W, Made: std::future::Future<Output = W>>(
    prefix: &str,
    world: impl Fn(Database) -> Made,
) -> Vec<W> {
    let mut out = Vec::new();
    for database in databases(prefix).await {
        out.push(world(database).await);
    }
    out
}

/// A SQLite database in a temporary folder.
pub async fn sqlite() -> Database {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
    let db = Db::connect(&url).await.unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    Database {
        backend: "sqlite",
        db,
        dir,
        scratch: None,
    }
}

pub struct World {
    pub _dir: tempfile::TempDir,
    pub db: Db,
    /// The households as created, in id order (ids from 1).
    pub households: Vec<Household>,
}

/// The seed divisions and `n` generated households; `plant` may change the first (id 1, inside
/// every demo account's area) before it is written. The demo accounts exist.
pub async fn world(n: usize, plant: impl FnOnce(&mut Household, &mut StatusYear)) -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("w.sqlite3").display()
    ))
    .await
    .unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    let mut batch = generated(n, 11);
    // the first household written has at least two members, for a member other than the head
    let first = batch
        .iter()
        .position(|(h, _)| h.members.len() >= 2)
        .unwrap();
    batch.swap(0, first);
    let (h, s) = &mut batch[0];
    plant(h, s);
    let ids = write(&db, &batch).await;
    assert_eq!(ids[0], 1);
    demo_accounts::ensure(&db).await.unwrap();
    World {
        _dir: dir,
        db,
        households: batch.into_iter().map(|(h, _)| h).collect(),
    }
}

/// `n` households generated in the seed divisions' villages, each with its status snapshot.
pub fn generated(n: usize, seed: u64) -> Vec<(Household, StatusYear)> {
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: n,
        seed,
        last_year: 2023,
    };
    generate(&config, &geo)
        .map(|g| {
            let s = status_snapshot(&g.household, "test");
            (g.household, s)
        })
        .collect()
}

/// Writes households as the registry writer does for any change; their ids, in order.
pub async fn write(db: &Db, batch: &[(Household, StatusYear)]) -> Vec<i64> {
    let ctx = WriteContext {
        actor: "test".into(),
        reason: "test".into(),
        import_run: None,
    };
    let mut w = RegistryWriter::begin(db).await.unwrap();
    let ids = w.create(batch, &ctx).await.unwrap();
    w.commit().await.unwrap();
    ids
}

/// Who sends a request: nobody, a session, or an API token.
#[derive(Clone)]
pub struct Client {
    pub name: String,
    pub principal: Option<Principal>,
    pub cookie: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn anonymous() -> Self {
        Client {
            name: "anonymous".into(),
            principal: None,
            cookie: None,
            bearer: None,
        }
    }
}

pub async fn login(db: &Db, username: &str) -> Client {
    let l = fupin_services::accounts::login(db, username, DEMO_PASSWORD, "10.0.0.1", "test")
        .await
        .unwrap();
    Client {
        name: username.into(),
        principal: Some(l.session.user.principal()),
        cookie: Some(format!("fupin_session={}", l.session_secret)),
        bearer: None,
    }
}

/// Every demo account logged in.
pub async fn demo_clients(db: &Db) -> Vec<Client> {
    let mut clients = Vec::new();
    for name in demo_accounts::usernames() {
        clients.push(login(db, name).await);
    }
    clients
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// A GET with the client's credentials and the extra `headers`.
pub async fn get(app: &Router, c: &Client, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let (status, headers, bytes) = fetch(app, c, uri, headers).await;
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A GET's status, headers and raw bytes (images).
pub async fn fetch(
    app: &Router,
    c: &Client,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut r = Request::get(uri);
    if let Some(cookie) = &c.cookie {
        r = r.header(header::COOKIE, cookie);
    }
    if let Some(b) = &c.bearer {
        r = r.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let response = app
        .clone()
        .oneshot(r.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

/// A multipart form as a page's upload form sends it, `fields` first (the CSRF field among
/// them), then the file: its `Content-Type` and its body.
pub fn multipart(fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----fupin-test-boundary";
    let mut body = Vec::new();
    for (field, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Every household assessed for `year` with the card in force (as `fupin assess` does).
pub async fn assess_all(db: &Db, year: i32) -> fupin_services::assess::AssessSummary {
    let card = fupin_services::assess::card_for_run(db, None)
        .await
        .unwrap();
    fupin_services::assess::assess(
        db,
        &card,
        year,
        &fupin_core::access::Scope::operator(),
        &fupin_services::progress::Silent,
    )
    .await
    .unwrap()
}
