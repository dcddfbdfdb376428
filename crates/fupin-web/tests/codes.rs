//! A household's code (issue 24, item 5): the card's URL comes from the configured public URL or
//! from a host the console knows, never from a forged `Host` or `X-Forwarded-Host`; hostile
//! headers are refused, never a panic; and reading a card never writes (every household has its
//! code from its creation).

use axum::http::StatusCode;
use fupin_web::{AppState, check_public_url, router_with};

mod common;
use common::{Client, fetch, get, login, world};

/// The URL a code PNG holds.
fn decoded(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes.to_vec()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    img.detect_grids()[0].decode().unwrap().1
}

async fn code_rows(state: &AppState) -> i64 {
    let mut tx = state.db.begin().await.unwrap();
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct N {
        n: i64,
    }
    let rows: Vec<N> =
        fupin_storage::sql::fetch_all(&mut tx, "SELECT COUNT(*) AS n FROM household_codes", &[])
            .await
            .unwrap();
    rows[0].n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_point_only_at_known_hosts_and_reading_them_writes_nothing() {
    let w = world(30, |_, _| {}).await;
    let state = AppState::new(w.db.clone());
    let app = router_with(state.clone());
    let village = login(&w.db, "village").await;
    let token =
        w.db.live_codes(&fupin_core::access::Scope::operator(), &[1])
            .await
            .unwrap()[&1]
            .clone();
    let created = code_rows(&state).await;
    assert_eq!(
        created, 30,
        "every household has its code from its creation"
    );

    // this machine's own name: the code points at it
    let (status, _, png) = fetch(
        &app,
        &village,
        "/households/1/qr.png",
        &[("host", "localhost:8080")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decoded(&png), format!("http://localhost:8080/q/{token}"));

    // the SVG download is one well-formed element with its namespace once
    let svg = get(&app, &village, "/households/1/qr.svg", &[]).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.body.matches("xmlns=").count(), 1, "{}", svg.body);

    // a forwarded host is not trusted: the code still points at the host asked
    let forged = [
        ("host", "127.0.0.1:8080"),
        ("x-forwarded-host", "evil.example.com"),
    ];
    let (status, _, png) = fetch(&app, &village, "/households/1/qr.png", &forged).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decoded(&png), format!("http://127.0.0.1:8080/q/{token}"));
    let huge = "h".repeat(3000);
    let forged = [("host", "localhost"), ("x-forwarded-host", huge.as_str())];
    let (status, _, png) = fetch(&app, &village, "/households/1/qr.png", &forged).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decoded(&png), format!("http://localhost/q/{token}"));

    // an unknown or absurd host is refused with what to do, on every page that draws a code
    for host in [
        "evil.example.com",
        "localhost.evil.example.com:80",
        huge.as_str(),
        "localhost:80x",
    ] {
        for uri in [
            "/households/1/qr.png".to_string(),
            "/households/1/qr.svg".to_string(),
            "/households/1/card".to_string(),
            format!("/areas/{}/cards", w.households[0].village_code),
        ] {
            let a = get(&app, &village, &uri, &[("host", host)]).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri} at {host}");
            assert!(a.body.contains("FUPIN_PUBLIC_URL"), "{uri}: {}", a.body);
            assert!(!a.body.contains("evil.example.com"), "{uri}: {}", a.body);
        }
    }
    // the public card draws its code too: at a known host only
    let public = format!("/q/{token}");
    let anonymous = Client::anonymous();
    let a = get(&app, &anonymous, &public, &[("host", "evil.example.com")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = get(&app, &anonymous, &public, &[("host", "localhost:8080")]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains(&format!("http://localhost:8080{public}")));

    // a configured public URL wins over any header
    let mut configured = AppState::new(w.db.clone());
    configured.public_url = Some(check_public_url("https://fupin.example.gov.cn/").unwrap());
    let configured_app = router_with(configured);
    let (status, _, png) = fetch(
        &configured_app,
        &village,
        "/households/1/qr.png",
        &[
            ("host", "evil.example.com"),
            ("x-forwarded-host", "evil.example.com"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        decoded(&png),
        format!("https://fupin.example.gov.cn/q/{token}")
    );

    // none of these reads wrote a code
    for uri in [
        "/households/1/card".to_string(),
        format!("/areas/{}/cards", w.households[0].village_code),
        format!("/q/{token}"),
    ] {
        let a = get(&app, &village, &uri, &[]).await;
        assert!(a.status.is_success() || a.status.is_redirection(), "{uri}");
    }
    assert_eq!(code_rows(&state).await, created, "a GET wrote a code");
}

#[test]
fn a_public_url_is_checked_before_it_is_printed_on_cards() {
    assert_eq!(
        check_public_url("https://fupin.example.gov.cn/").unwrap(),
        "https://fupin.example.gov.cn"
    );
    assert_eq!(
        check_public_url("http://10.1.2.3:8080/fupin").unwrap(),
        "http://10.1.2.3:8080/fupin"
    );
    for bad in [
        "fupin.example.gov.cn",
        "ftp://fupin.example.gov.cn",
        "https://",
        "https://evil.example.com\"><script>",
        "https://a b.cn",
        &format!("https://{}.cn", "a".repeat(300)),
    ] {
        assert!(check_public_url(bad).is_err(), "{bad}");
    }
}
