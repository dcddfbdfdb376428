//! The Content-Security-Policy every answer carries (no scripts, the inlined style sheet
//! allowed by its hash, no inline style attributes) leaves the pages styled in a real browser:
//! a policy that blocked the style sheet would leave them unstyled, and one that blocked a style
//! attribute would leave the card's QR code at its default size.

use serde_json::json;

use super::*;

/// A computed style property of the first element matching `css`.
async fn computed(c: &Client, css: &str, property: &str) -> String {
    let v = c
        .execute(
            "const e = document.querySelector(arguments[0]);
             return e ? getComputedStyle(e)[arguments[1]] : null;",
            vec![json!(css), json!(property)],
        )
        .await
        .unwrap();
    v.as_str()
        .unwrap_or_else(|| panic!("no {css} on the page"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_policy_leaves_the_pages_styled_in_chromium() {
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
    account(&db, "cunguan", "村干部", village, Role::VillageOfficial).await;
    let base = serve(&db).await;
    let _keep = dir;
    let driver = start_driver().await;
    let c = browser(&driver).await;

    // the login page: the style sheet applies (style.css: body and header colours)
    c.goto(&format!("{base}/login")).await.unwrap();
    wait_for_path(&c, "/login").await;
    assert_eq!(
        computed(&c, "body", "backgroundColor").await,
        "rgb(245, 246, 248)"
    );
    assert_eq!(
        computed(&c, "header.top", "backgroundColor").await,
        "rgb(166, 27, 27)"
    );
    // the form still posts (form-action 'self')
    log_in(&c, "cunguan").await;
    wait_for_path(&c, "/").await;

    // the card: the QR code is 28 mm square without a style attribute (96 px to the inch)
    let card = format!("{base}/households/{}/card", list[0].id);
    c.goto(&card).await.unwrap();
    wait_for_path(&c, &format!("/households/{}/card", list[0].id)).await;
    let size = c
        .execute(
            "const r = document.querySelector('svg.qr').getBoundingClientRect();
             return [r.width, r.height];",
            vec![],
        )
        .await
        .unwrap();
    let expected = 28.0 * 96.0 / 25.4;
    for side in size.as_array().unwrap() {
        let side = side.as_f64().unwrap();
        assert!((side - expected).abs() < 1.0, "{size} px, not 28 mm");
    }
    assert_eq!(
        computed(&c, "header.top", "backgroundColor").await,
        "rgb(166, 27, 27)"
    );
    c.close().await.unwrap();
}
