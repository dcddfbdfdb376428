//! Hostile workbooks uploaded to `/compare/lists` (issue 24, item 6): a value at XFD1048576
//! (the old reader asked for 550 GB and the server died) and a zip bomb are refused with a
//! 422 naming what is wrong, and the server goes on answering.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fupin_core::access::Role;
use fupin_core::{Area, AreaCode, AreaLevel};
use fupin_storage::Db;
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

#[path = "../../fupin-services/tests/hostile/mod.rs"]
mod hostile;

struct Office {
    _dir: tempfile::TempDir,
    db: Db,
    /// One console for the test: an upload waits there for its column mapping.
    app: axum::Router,
    cookie: String,
    csrf: String,
}

fn area(code: &str, name: &str, level: AreaLevel, parent: Option<&str>) -> Area {
    Area {
        code: AreaCode::parse(code).unwrap(),
        name: name.into(),
        level,
        parent: parent.map(|p| AreaCode::parse(p).unwrap()),
    }
}

/// A county poverty office's staff member, logged in.
async fn office() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.load_areas(&[
        area("520000000000", "贵州省", AreaLevel::Province, None),
        area(
            "522700000000",
            "黔南州",
            AreaLevel::City,
            Some("520000000000"),
        ),
        area(
            "522726000000",
            "独山县",
            AreaLevel::County,
            Some("522700000000"),
        ),
    ])
    .await
    .unwrap();
    let form = fupin_services::accounts::AccountForm {
        username: "county".into(),
        real_name: "县扶贫办 工作人员".into(),
        area: AreaCode::parse("522726").unwrap(),
        phone: "13800000000".into(),
        roles: vec![Role::OfficeStaff],
        password: "Tianqi-2020-pw".into(),
    };
    fupin_services::accounts::add_user(&db, &fupin_services::audit::Actor::cli(), form, false)
        .await
        .unwrap();
    let login = fupin_services::accounts::login(&db, "county", "Tianqi-2020-pw", "t", "t")
        .await
        .unwrap();
    Office {
        _dir: dir,
        app: fupin_web::router(db.clone()),
        db,
        cookie: format!("fupin_session={}", login.session_secret),
        csrf: login.session.csrf_token.clone(),
    }
}

/// The list upload form as the page sends it, the CSRF field first.
fn list_upload(o: &Office, name: &str, bytes: &[u8]) -> Request<Body> {
    let fields = [
        ("_csrf", o.csrf.as_str()),
        ("source", "县民政局死亡登记"),
        ("kind", "death"),
        ("as_of", "2024-01-01"),
    ];
    let (content_type, body) = common::multipart(&fields, name, bytes);
    Request::post("/compare/lists")
        .header(header::COOKIE, &o.cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

async fn send(o: &Office, request: Request<Body>) -> (StatusCode, String) {
    let response = o.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Where an accepted upload waits for its column mapping.
async fn uploaded(o: &Office, request: Request<Body>) -> String {
    let response = o.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

async fn still_answering(o: &Office) {
    let (status, body) = send(o, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let request = Request::get("/compare")
        .header(header::COOKIE, &o.cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(o, request).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_workbooks_uploaded_as_lists_are_refused_and_the_server_answers_on() {
    let o = office().await;
    let dir = tempfile::tempdir().unwrap();
    let header = ["死亡证明编号", "姓名", "身份证号"];

    let far = dir.path().join("far.xlsx");
    hostile::far_cell_xlsx(&far, &header, &["D1", "王芳", ""]);
    let (status, body) = send(
        &o,
        list_upload(&o, "死亡.xlsx", &std::fs::read(&far).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("XFD1048576") && body.contains("超过1024列的上限"),
        "{body}"
    );
    still_answering(&o).await;

    let bomb = dir.path().join("bomb.xlsx");
    hostile::zip_bomb_xlsx(&bomb, &header, 2 << 30, None);
    let (status, body) = send(
        &o,
        list_upload(&o, "死亡.xlsx", &std::fs::read(&bomb).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("压缩炸弹"), "{body}");
    still_answering(&o).await;

    // nothing was kept of either, and an ordinary list still loads
    assert!(
        o.db.department_sources_named("县民政局死亡登记")
            .await
            .unwrap()
            .is_empty()
    );
    let good = "死亡证明编号,姓名,身份证号\nD1,王芳,\n";
    let (status, body) = send(&o, list_upload(&o, "死亡.csv", good.as_bytes())).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

/// A list with bad rows is refused in the page's language: the count and each row at fault,
/// and nothing of the other language (issue 25, section 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_with_bad_rows_is_refused_in_the_pages_language() {
    let o = office().await;
    let csv = "死亡证明编号,姓名,身份证号\n,王芳,\nD2,,\nD3,李四,\n".as_bytes();
    for (lang, expected, rows, foreign) in [
        (
            "zh",
            "名单未导入：2 行有误，未写入",
            ["第2行：记录编号为空", "第3行：身份证号和姓名都为空"],
            "bad rows, nothing written",
        ),
        (
            "en",
            "The list was not loaded: 2 bad rows, nothing written",
            [
                "row 2: record key is empty",
                "row 3: neither ID number nor name",
            ],
            "行有误",
        ),
    ] {
        // the rows are read once the columns are confirmed on the list's mapping form
        let location = uploaded(&o, list_upload(&o, "死亡.csv", csv)).await;
        let columns = format!(
            "_csrf={}&column_key=0&column_name=1&column_id_number=2",
            o.csrf
        );
        let request = Request::post(location)
            .header(header::COOKIE, format!("{}; lang={lang}", o.cookie))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(columns))
            .unwrap();
        let (status, body) = send(&o, request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains(expected), "{lang}: {body}");
        for row in rows {
            assert!(body.contains(row), "{lang}: {row} in {body}");
        }
        assert!(!body.contains(foreign), "{lang}: {body}");
    }
    assert!(
        o.db.department_sources_named("县民政局死亡登记")
            .await
            .unwrap()
            .is_empty(),
        "nothing of the list was kept"
    );
}
