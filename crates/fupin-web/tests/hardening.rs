//! Requests meant to exhaust the server (issue 24, item 9), the login throttle's `Retry-After`
//! on the page (item 11) and the headers of every answer (item 12). The body tests run a real
//! server on a loopback port, talked to byte by byte, and count every byte of request bodies
//! the application reads (a counting layer around the router).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fupin_core::AreaCode;
use fupin_core::access::{Action, Role};
use fupin_services::accounts::{self, AccountForm};
use fupin_services::audit::Actor;
use fupin_storage::Db;
use fupin_web::{AppState, Timeouts};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

mod common;

const PASSWORD: &str = "Tianqi-2020-pw";
const MIB: u64 = 1024 * 1024;
const BOUNDARY: &str = "----hardening";

/// The tests measure the process's memory and count bytes: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct World {
    _dir: tempfile::TempDir,
    db: Db,
    /// A household within the clerk's county.
    household: i64,
    /// The clerk's session cookie (office staff of the household's county).
    session: String,
    /// A bearer token of the clerk's, allowed to view and edit households.
    token: String,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("h.sqlite3").display());
    let db = Db::connect(&url).await.unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    let batch = common::generated(5, 24);
    let ids = common::write(&db, &batch).await;
    let county = &batch[0].0.village_code.as_str()[..6];
    let form = AccountForm {
        username: "clerk".into(),
        real_name: "县扶贫办 职员".into(),
        area: AreaCode::parse(county).unwrap(),
        phone: "13800000000".into(),
        roles: vec![Role::OfficeStaff],
        password: PASSWORD.into(),
    };
    accounts::add_user(&db, &Actor::cli(), form, false)
        .await
        .unwrap();
    let login = accounts::login(&db, "clerk", PASSWORD, "127.0.0.1", "test")
        .await
        .unwrap();
    let (_, token) = accounts::create_token(
        &db,
        &Actor::cli(),
        "clerk",
        "scanner",
        &[Action::ViewHouseholds, Action::EditHouseholds],
        30,
    )
    .await
    .unwrap();
    World {
        _dir: dir,
        db,
        household: ids[0],
        session: format!("fupin_session={}", login.session_secret),
        token,
    }
}

/// A server on a loopback port, stopped when dropped.
struct Server {
    addr: SocketAddr,
    /// Bytes of request bodies the application has read, all requests together.
    read: Arc<AtomicU64>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(state: AppState) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let read = Arc::new(AtomicU64::new(0));
    let counter = read.clone();
    let timeouts = state.timeouts;
    let app = fupin_web::router_with(state).layer(tower::util::MapRequestLayer::new(
        move |request: Request<Body>| {
            let counter = counter.clone();
            request.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    if let Some(data) = frame.data_ref() {
                        counter.fetch_add(data.len() as u64, Ordering::Relaxed);
                    }
                    frame
                }))
            })
        },
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(fupin_web::serve_on(listener, app, timeouts, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        read,
        _stop: stop,
    }
}

/// The resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// What came back on a raw connection.
#[derive(Debug)]
struct Answer {
    status: Option<u16>,
    head: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }
}

/// Sends `head`, then a body of `body_len` bytes (as chunks of the chunked encoding when
/// `chunked`) in 64 KiB pieces while reading the answer's head; stops sending when the server
/// stops reading or has answered. `None` status: no answer within 20 s.
async fn exchange(addr: SocketAddr, head: String, body_len: u64, chunked: bool) -> Answer {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rx, mut tx) = stream.into_split();
    let writer = tokio::spawn(async move {
        tx.write_all(head.as_bytes()).await?;
        let piece = vec![b'x'; 64 * 1024];
        let mut sent = 0u64;
        while sent < body_len {
            let n = piece.len().min((body_len - sent) as usize);
            if chunked {
                tx.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                tx.write_all(&piece[..n]).await?;
                tx.write_all(b"\r\n").await?;
            } else {
                tx.write_all(&piece[..n]).await?;
            }
            sent += n as u64;
        }
        if chunked {
            tx.write_all(b"0\r\n\r\n").await?;
        }
        tx.flush().await?;
        // keep the sending half open until the answer is read
        std::future::pending::<()>().await;
        Ok::<_, std::io::Error>(())
    });
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    writer.abort();
    let head = String::from_utf8_lossy(&got).into_owned();
    let status = read
        .ok()
        .and_then(|()| head.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok());
    Answer { status, head }
}

/// The head of a multipart post of `len` bytes (the body's bytes are not a valid form: the
/// server must not get that far).
fn multipart_head(path: &str, cookie: &str, auth: Option<&str>, len: Option<u64>) -> String {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nCookie: {cookie}\r\n"
    );
    if let Some(token) = auth {
        head += &format!("Authorization: Bearer {token}\r\n");
    }
    match len {
        Some(n) => head += &format!("Content-Length: {n}\r\n"),
        None => head += "Transfer-Encoding: chunked\r\n",
    }
    head + "\r\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_anonymous_uploads_are_turned_away_unread() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let server = start(AppState::new(w.db.clone())).await;
    let csrf = "a".repeat(64);
    // a pre-login CSRF cookie and field that match: only the rule may refuse
    let cookie = format!("fupin_csrf={csrf}");
    let before = rss();
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let uploads: Vec<_> = (0..20)
        .map(|_| {
            let head = multipart_head("/compare/lists", &cookie, None, Some(60 * MIB));
            tokio::spawn(exchange(server.addr, head, 60 * MIB, false))
        })
        .collect();
    for upload in uploads {
        let answer = upload.await.unwrap();
        assert_eq!(answer.status, Some(303), "{}", answer.head);
        assert!(
            answer
                .header("location")
                .is_some_and(|l| l.starts_with("/login")),
            "{}",
            answer.head
        );
    }
    sampler.abort();
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    let read = server.read.load(Ordering::Relaxed);
    assert_eq!(read, 0, "bytes of the bodies read by the application");
    assert!(grew < 64 * MIB, "the server's memory grew by {grew} bytes");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_upload_declaring_a_gibibyte_is_refused_before_it_is_sent() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let server = start(AppState::new(w.db.clone())).await;
    let path = format!("/households/{}/archives", w.household);
    let head = multipart_head(&path, "lang=zh", Some(&w.token), Some(1024 * MIB));
    // nothing of the body is sent: the answer must not wait for it
    let answer = exchange(server.addr, head, 0, false).await;
    assert_eq!(answer.status, Some(413), "{}", answer.head);
    assert_eq!(server.read.load(Ordering::Relaxed), 0);
    // the same upload declaring a size within the limit is let through to the handler
    let small = multipart_head(&path, "lang=zh", Some(&w.token), Some(10));
    let answer = exchange(server.addr, small, 10, false).await;
    assert_ne!(answer.status, Some(413), "{}", answer.head);
    assert!(server.read.load(Ordering::Relaxed) > 0, "this body is read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chunked_body_stops_at_the_routes_limit() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let mut state = AppState::new(w.db.clone());
    state.archive_limit = MIB as usize;
    let server = start(state).await;
    let slack = 2 * 64 * 1024 + 8 * 1024;

    // an archive of the token's, sent without a length: 64 MiB, the limit 1 MiB (+ the form)
    let path = format!("/households/{}/archives", w.household);
    let head = multipart_head(&path, "lang=zh", Some(&w.token), None);
    let answer = exchange(server.addr, head, 64 * MIB, true).await;
    assert_eq!(answer.status, Some(413), "{}", answer.head);
    let read = server.read.swap(0, Ordering::Relaxed);
    let limit = MIB + fupin_web::limits::FORM_LIMIT as u64;
    assert!(read <= limit + slack, "{read} bytes read, limit {limit}");

    // a form (the login page's, anyone's) without a length: 16 MiB, the limit 256 KiB
    let head = "POST /login HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/x-www-form-urlencoded\r\n\
                Transfer-Encoding: chunked\r\n\r\n"
        .to_string();
    let answer = exchange(server.addr, head, 16 * MIB, true).await;
    assert_eq!(answer.status, Some(413), "{}", answer.head);
    let read = server.read.load(Ordering::Relaxed);
    let limit = fupin_web::limits::FORM_LIMIT as u64;
    assert!(read <= limit + slack, "{read} bytes read, limit {limit}");
}

fn short_timeouts() -> Timeouts {
    Timeouts {
        header: Duration::from_secs(1),
        body_idle: Duration::from_secs(1),
        request: Duration::from_secs(60),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_sending_half_a_header_is_dropped_after_the_timeout() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let mut state = AppState::new(w.db.clone());
    state.timeouts = short_timeouts();
    let server = start(state).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nAccept: te")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection is still open after 10 s");
    let after = started.elapsed();
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "closed after {after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_body_that_stops_arriving_is_answered_408() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let mut state = AppState::new(w.db.clone());
    state.timeouts = short_timeouts();
    let server = start(state).await;
    let head = "POST /login HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 1000\r\n\r\nusername=x&pa"
        .to_string();
    let started = Instant::now();
    let answer = exchange(server.addr, head, 0, false).await;
    assert_eq!(answer.status, Some(408), "{}", answer.head);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// The login page's refusal says when to come back, and that is when an attempt is checked
/// again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_throttled_login_says_when_to_retry() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let app = fupin_web::router(w.db.clone());
    let csrf = "b".repeat(64);
    let attempt = |password: &str| {
        Request::post("/login")
            .header(header::COOKIE, format!("fupin_csrf={csrf}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "_csrf={csrf}&username=clerk&password={password}"
            )))
            .unwrap()
    };
    for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT {
        let r = app.clone().oneshot(attempt("wrong-1")).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().get(header::RETRY_AFTER).is_none());
    }
    let r = app.clone().oneshot(attempt(PASSWORD)).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let first = accounts::ACCOUNT_BACKOFF.first.num_seconds();
    assert!(
        (first - 2..=first).contains(&wait),
        "Retry-After {wait}, expected about {first}"
    );
    let body = r.into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains(&format!("{wait} 秒")), "{page}");
}

/// The answer to `uri` (a session cookie or a bearer token as given).
async fn get(w: &World, uri: &str, session: bool, bearer: bool) -> axum::response::Response {
    let mut r = Request::get(uri);
    if session {
        r = r.header(header::COOKIE, &w.session);
    }
    if bearer {
        r = r.header(header::AUTHORIZATION, format!("Bearer {}", w.token));
    }
    fupin_web::router(w.db.clone())
        .oneshot(r.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn sha256_source(text: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let household = format!("/households/{}", w.household);
    let answers = [
        (
            "household page",
            get(&w, &household, true, false).await,
            200,
        ),
        (
            "card page",
            get(&w, &format!("{household}/card"), true, false).await,
            200,
        ),
        (
            "error page",
            get(&w, "/households/999999", true, false).await,
            404,
        ),
        ("login page", get(&w, "/login", false, false).await, 200),
        ("redirect", get(&w, "/areas", false, false).await, 303),
        ("API", get(&w, "/api/v1/me", false, true).await, 200),
        ("API error", get(&w, "/api/v1/me", false, false).await, 401),
    ];
    for (what, r, status) in answers {
        assert_eq!(r.status().as_u16(), status, "{what}");
        let h = r.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "img-src 'self' data:",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{what}: {directive} not in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        assert!(!csp.contains("script-src"), "{what}: no scripts at all");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{what}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin", "{what}");
        assert_eq!(h[header::CACHE_CONTROL], "no-store", "{what}");
        let html = h
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        if html {
            let body = r.into_body().collect().await.unwrap().to_bytes();
            let page = String::from_utf8_lossy(&body);
            // a style attribute or a script would be blocked by the policy
            assert!(!page.contains(" style="), "{what}: {page}");
            assert!(!page.contains("<script"), "{what}");
        }
    }
}

/// The policy allows the inlined style sheet by its hash: the hash of `style.css` as it is
/// now, and the page's `<style>` is that file.
#[tokio::test]
async fn the_policy_follows_the_style_sheet() {
    let _serial = SERIAL.lock().await;
    let w = world().await;
    let css = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/templates/style.css"
    ))
    .unwrap();
    let r = get(&w, "/login", false, false).await;
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    let style_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("style-src "))
        .unwrap_or_else(|| panic!("no style-src in {csp}"));
    assert_eq!(style_src, format!("style-src {}", sha256_source(&css)));
    let body = r.into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&body);
    let inlined: Vec<&str> = page
        .split("<style>")
        .skip(1)
        .map(|s| s.split("</style>").next().unwrap())
        .collect();
    assert_eq!(inlined, [css.as_str()], "one <style>, the file as it is");
}
