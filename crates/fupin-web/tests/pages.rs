//! The pages against a real SQLite database, driven in-process through the router.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use fupin_core::assessment::area_exit::Indicator;
use fupin_core::codes::*;
use fupin_core::record::FieldChange;
use fupin_core::{
    Area, AreaCode, AreaLevel, Conditions, Fen, Household, IdNumber, IncomeYear, Member, StatusYear,
};
use fupin_storage::{Db, IndicatorValue, RegistryWriter, WriteContext};
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

const VILLAGE: &str = "522726100201";

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    /// The `Cookie` of a logged-in province office leader.
    session: String,
    id: i64,
    head_id: IdNumber,
    child_id: IdNumber,
}

fn area(code: &str, name: &str, level: AreaLevel, parent: Option<&str>) -> Area {
    Area {
        code: AreaCode::parse(code).unwrap(),
        name: name.into(),
        level,
        parent: parent.map(|p| AreaCode::parse(p).unwrap()),
    }
}

fn member(name: &str, relation: Relation, birth: NaiveDate, seq: u16, sex: Sex) -> Member {
    Member {
        name: name.into(),
        id_number: IdNumber::compose("522726", birth, seq, sex),
        sex,
        birth_date: birth,
        relation,
        ethnicity: Ethnicity::Buyei,
        education: Education::Primary,
        schooling: Schooling::NotInSchool,
        health: Health::Chronic,
        labour: Labour::Ordinary,
        migrant: MigrantWork::OutOfProvince,
        migrant_months: 8,
        medical_insurance: true,
        pension_insurance: true,
        dibao: false,
        critical_illness_insurance: true,
    }
}

fn household(number: &str) -> Household {
    let head = member(
        "王芳",
        Relation::Head,
        NaiveDate::from_ymd_opt(1970, 3, 4).unwrap(),
        1,
        Sex::Female,
    );
    let mut child = member(
        "王小明",
        Relation::Son,
        NaiveDate::from_ymd_opt(2010, 5, 1).unwrap(),
        3,
        Sex::Male,
    );
    child.schooling = Schooling::Primary;
    child.labour = Labour::None;
    child.migrant = MigrantWork::None;
    child.migrant_months = 0;
    Household {
        number: number.into(),
        village_code: AreaCode::parse(VILLAGE).unwrap(),
        group: "一组".into(),
        address: "独山县基长镇甲定村一组".into(),
        phone: "13812345678".into(),
        bank_name: "农村信用社".into(),
        bank_account: "6228480123456789012".into(),
        standard: IdentificationStandard::National,
        attribute: PovertyAttribute::Ordinary,
        main_cause: Cause::Illness,
        other_causes: vec![Cause::LackSkills],
        status: HouseholdStatus::ExitedWithPolicy,
        registered_year: 2014,
        exit_year: Some(2018),
        monitoring: None,
        location: None,
        conditions: Conditions {
            arable_land_mu: 3.5,
            housing_area_m2: 80.0,
            house_structure: Some(HouseStructure::BrickConcrete),
            house_grade: Some(HouseGrade::B),
            electricity: true,
            water_source: Some(WaterSource::TreatedTap),
            water_safe: true,
            cooking_fuel: Some(Fuel::Electricity),
            road_distance_km: 0.5,
            ..Conditions::default()
        },
        income: Some(IncomeYear {
            year: 2020,
            wage: Fen(1_234_500),
            business: Fen(200_000),
            property: Fen(0),
            transfer: Fen(100_000),
            production_expenditure: Fen(50_000),
            household_size: 2,
        }),
        members: vec![head, child],
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fupin.db");
    let db = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    db.load_areas(&[
        area("520000000000", "贵州省", AreaLevel::Province, None),
        area(
            "522700000000",
            "黔南布依族苗族自治州",
            AreaLevel::City,
            Some("520000000000"),
        ),
        area(
            "522726000000",
            "独山县",
            AreaLevel::County,
            Some("522700000000"),
        ),
        area(
            "522726100000",
            "基长镇",
            AreaLevel::Township,
            Some("522726000000"),
        ),
        area(VILLAGE, "甲定村", AreaLevel::Village, Some("522726100000")),
    ])
    .await
    .unwrap();
    let h = household("5227261002010001");
    let (head_id, child_id) = (
        h.members[0].id_number.clone(),
        h.members[1].id_number.clone(),
    );
    let status = StatusYear {
        year: 2020,
        status: HouseholdStatus::ExitedWithPolicy,
        reason: "稳定脱贫".into(),
    };
    let ctx = WriteContext {
        actor: "测试员".into(),
        reason: "首次录入".into(),
        import_run: None,
    };
    let mut w = RegistryWriter::begin(&db).await.unwrap();
    let ids = w
        .create(&[(h.clone(), status.clone())], &ctx)
        .await
        .unwrap();
    w.commit().await.unwrap();
    let id = ids[0];

    // a logged update touching sensitive fields, to check the change log masks them
    let mut updated = h.clone();
    updated.phone = "13999998888".into();
    updated.members[1].education = Education::Junior;
    let changes = vec![
        FieldChange {
            field: "phone".into(),
            old: Some(h.phone.clone()),
            new: Some(updated.phone.clone()),
        },
        FieldChange {
            field: format!("member:{}:education", child_id),
            old: Some("小学".into()),
            new: Some("初中".into()),
        },
        FieldChange {
            field: format!("member:{}:id_number", child_id),
            old: Some(child_id.to_string()),
            new: Some(child_id.to_string()),
        },
    ];
    let mut w = RegistryWriter::begin(&db).await.unwrap();
    w.update(id, &updated, &status, &changes, &ctx)
        .await
        .unwrap();
    w.commit().await.unwrap();

    // an office leader of the province: sees names and health in full, the rest masked
    let form = fupin_services::accounts::AccountForm {
        username: "leader".into(),
        real_name: "省扶贫办 领导".into(),
        area: AreaCode::parse("52").unwrap(),
        phone: "13800000000".into(),
        roles: vec![fupin_core::access::Role::OfficeLeader],
        password: "Tianqi-2020-pw".into(),
    };
    let actor = fupin_services::audit::Actor::cli();
    fupin_services::accounts::add_user(&db, &actor, form, false)
        .await
        .unwrap();
    // a helper cadre paired with the household
    let helper = fupin_services::accounts::AccountForm {
        username: "bangfu".into(),
        real_name: "帮扶干部李四".into(),
        area: AreaCode::parse(VILLAGE).unwrap(),
        phone: "13700001111".into(),
        roles: vec![fupin_core::access::Role::HelperCadre],
        password: "Tianqi-2020-pw".into(),
    };
    let helper_id = fupin_services::accounts::add_user(&db, &actor, helper, false)
        .await
        .unwrap();
    db.pair_helper(helper_id, id).await.unwrap();
    let login = fupin_services::accounts::login(&db, "leader", "Tianqi-2020-pw", "test", "test")
        .await
        .unwrap();

    Fixture {
        _dir: dir,
        db,
        session: format!("fupin_session={}", login.session_secret),
        id,
        head_id,
        child_id,
    }
}

#[derive(Clone)]
struct App {
    router: Router,
    session: String,
}

fn app(f: &Fixture) -> App {
    App {
        router: fupin_web::router(f.db.clone()),
        session: f.session.clone(),
    }
}

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn get(app: App, uri: &str) -> Page {
    get_with(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Sends `request` with the session cookie added to its own cookies.
async fn get_with(app: App, mut request: Request<Body>) -> Page {
    let cookie = match request.headers().get(header::COOKIE) {
        Some(c) => format!("{}; {}", c.to_str().unwrap(), app.session),
        None => app.session.clone(),
    };
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    let response = app.router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

#[tokio::test]
async fn healthz_and_root() {
    let f = fixture().await;
    let p = get(app(&f), "/healthz").await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.body, "ok");
    // the start page: the user's area with its figures, and the menu leads back to it
    let p = get(app(&f), "/").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<h1>工作台</h1>"), "{}", p.body);
    assert!(p.body.contains("id=\"area-heading\""), "{}", p.body);
    assert!(p.body.contains("<a href=\"/\">工作台</a>"));
}

#[tokio::test]
async fn areas_list_provinces_with_counts() {
    let f = fixture().await;
    let p = get(app(&f), "/areas").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"<html lang="zh-CN">"#));
    assert!(
        p.body
            .contains(r#"<a href="/areas/520000000000">贵州省</a>"#),
        "{}",
        p.body
    );
    // one household of two people, exited (with policies), not monitored; no population loaded
    assert!(
        p.body.contains(
            r#"<td class="num">1</td><td class="num">2</td><td class="num">0</td><td class="num">0</td><td class="num">—</td><td class="num">1</td><td class="num">0</td>"#
        ),
        "{}",
        p.body
    );
    assert!(
        p.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn area_pages_have_breadcrumbs_and_children() {
    let f = fixture().await;
    let p = get(app(&f), "/areas/522726000000").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body
            .contains(r#"<a href="/areas/520000000000">贵州省</a>"#)
    );
    assert!(
        p.body
            .contains(r#"<a href="/areas/522700000000">黔南布依族苗族自治州</a>"#)
    );
    assert!(
        p.body
            .contains(r#"<span aria-current="page">独山县</span>"#)
    );
    assert!(
        p.body
            .contains(r#"<a href="/areas/522726100000">基长镇</a>"#)
    );
    // short codes redirect to the canonical address
    let p = get(app(&f), "/areas/522726").await;
    assert_eq!(p.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(p.headers[header::LOCATION], "/areas/522726000000");
}

#[tokio::test]
async fn village_page_lists_households() {
    let f = fixture().await;
    let p = get(app(&f), &format!("/areas/{VILLAGE}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(&format!(
            r#"<a href="/households/{}">5227261002010001</a>"#,
            f.id
        )),
        "{}",
        p.body
    );
    assert!(p.body.contains("<td>王芳</td>"));
    assert!(p.body.contains("脱贫享受政策"));
    assert!(p.body.contains("一般贫困户"));
    assert!(p.body.contains("因病"));
    // past the last page: an empty list, not an error; a bad page number: 400
    let p = get(app(&f), &format!("/areas/{VILLAGE}?page=3")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("本村没有登记的贫困户"));
    let p = get(app(&f), &format!("/areas/{VILLAGE}?page=x")).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn household_page_masks_personal_data() {
    let f = fixture().await;
    let p = get(app(&f), &format!("/households/{}", f.id)).await;
    assert_eq!(p.status, StatusCode::OK);
    let body = &p.body;
    // members, with masked ID numbers only
    assert!(body.contains("王芳") && body.contains("王小明"));
    assert!(body.contains(&f.head_id.masked()), "{body}");
    assert!(body.contains(&f.child_id.masked()));
    for id in [&f.head_id, &f.child_id] {
        assert!(!body.contains(id.as_str()), "full ID {id} leaked");
        assert!(
            !body.contains(&id.as_str()[6..14]),
            "birth date of {id} leaked"
        );
    }
    // phone and bank account masked, in the overview and the change log
    assert!(body.contains("139****8888"));
    assert!(body.contains("138****5678"));
    assert!(!body.contains("13999998888") && !body.contains("13812345678"));
    assert!(body.contains("**** 9012"));
    assert!(!body.contains("6228480123456789012"));
    // header, labels, income, status history, change log
    assert!(body.contains("脱贫享受政策"));
    assert!(body.contains("因病") && body.contains("缺技术"));
    assert!(body.contains("布依族"));
    assert!(body.contains(r#"<a href="/areas/522726100201">甲定村</a>"#));
    assert!(body.contains("<td>2020</td>"));
    assert!(body.contains("12345.00"), "wage");
    assert!(body.contains("14845.00"), "net income"); // 12345 + 2000 + 1000 - 500
    assert!(body.contains("7422.50"), "per capita");
    // against that year's exit line (2020: 4,000 yuan), and the helper
    assert!(body.contains("4000.00"), "the 2020 line");
    assert!(body.contains(r#"<span class="standing above">高于标准</span>"#));
    assert!(body.contains("帮扶干部李四") && body.contains("13700001111"));
    assert!(body.contains("稳定脱贫"));
    assert!(body.contains("测试员") && body.contains("首次录入"));
    assert!(body.contains("联系电话"));
    assert!(
        body.contains("成员王小明（5227**********")
            && body.contains("文化程度")
            && body.contains("初中")
    );
}

#[tokio::test]
async fn english_by_parameter_then_cookie() {
    let f = fixture().await;
    let p = get(app(&f), &format!("/households/{}?lang=en", f.id)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"<html lang="en">"#));
    assert!(p.body.contains("exited, still receiving policies"));
    assert!(p.body.contains("Members") && p.body.contains("wage income (yuan)"));
    assert!(
        p.body.contains("junior secondary"),
        "change log values are relabelled"
    );
    assert!(!p.body.contains("脱贫享受政策"));
    let cookie = p.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("lang=en"), "{cookie}");

    let request = Request::get("/areas")
        .header(header::COOKIE, "lang=en")
        .body(Body::empty())
        .unwrap();
    let p = get_with(app(&f), request).await;
    assert!(p.body.contains("All areas"));
    assert!(p.headers.get(header::SET_COOKIE).is_none());

    let p = get(app(&f), &format!("/areas/{VILLAGE}?lang=en")).await;
    assert!(p.body.contains("village · 522726100201"), "{}", p.body);
    assert!(p.body.contains("exited, still receiving policies") && p.body.contains("illness"));
    let p = get(app(&f), "/areas?lang=zh").await;
    assert!(p.body.contains("全部地区"));
    assert!(
        p.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("lang=zh")
    );
}

#[tokio::test]
async fn errors_are_rendered_with_status() {
    let f = fixture().await;
    let p = get(app(&f), "/households/999999").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("未找到"), "{}", p.body);
    let p = get(app(&f), "/households/abc").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = get(app(&f), "/areas/12ab").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("12位数字"), "{}", p.body);
    let p = get(app(&f), "/areas/530000000000").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = get(app(&f), "/nowhere?lang=en").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("Not found") && p.body.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn pages_are_gzipped_on_request() {
    let f = fixture().await;
    let request = Request::get(format!("/households/{}", f.id))
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::COOKIE, &f.session)
        .body(Body::empty())
        .unwrap();
    let response = app(&f).router.oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}

/// Page weights for a weak connection: every page is one HTML response (CSS inline, no
/// scripts, no images, no web fonts); gzipped sizes stay within a budget. Printed with
/// `cargo test -p fupin-web --test pages page_weights -- --nocapture` (BENCHMARKS.md).
#[tokio::test]
async fn page_weights_stay_light() {
    use std::io::Read;
    let f = fixture().await;
    let budget = 12 * 1024;
    for uri in [
        "/login".to_string(),
        "/areas".to_string(),
        "/areas/522726000000".to_string(),
        format!("/areas/{VILLAGE}"),
        format!("/households/{}", f.id),
        "/search".to_string(),
        "/search?q=%E5%B0%8F%E6%98%8E".to_string(),
        "/areas/522726000000?year=2020".to_string(),
    ] {
        // the login form as someone not logged in sees it, the rest as the leader
        let cookie = if uri == "/login" {
            "lang=zh"
        } else {
            &f.session
        };
        let request = Request::get(&uri)
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let response = app(&f).router.oneshot(request).await.unwrap();
        let status = response.status();
        let gzipped = response.into_body().collect().await.unwrap().to_bytes();
        let mut html = String::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_string(&mut html)
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{uri}: {html}");
        for external in ["<script", "<img", "@font-face", "<link rel=\"stylesheet\""] {
            assert!(!html.contains(external), "{uri}: {external}");
        }
        println!(
            "page weight {uri}: {} bytes gzipped ({} bytes HTML)",
            gzipped.len(),
            html.len()
        );
        assert!(gzipped.len() <= budget, "{uri}: {} bytes", gzipped.len());
    }
}

#[tokio::test]
async fn search_by_keys_and_filters() {
    let f = fixture().await;
    // the leader is shown ID numbers and phones masked: no search by them (oracles.rs has the
    // same searches by office staff, who find the household)
    let p = get(
        app(&f),
        &format!("/search?q={}", f.child_id.as_str().to_lowercase()),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("只能按末4位查询"), "{}", p.body);
    assert!(!p.body.contains("5227261002010001"), "{}", p.body);
    let p = get(app(&f), "/search?q=522726100201").await;
    assert!(p.body.contains("按户编号") && p.body.contains("5227261002010001"));
    let p = get(app(&f), "/search?q=5227261002019").await;
    assert!(p.body.contains("在您的管辖范围内没有找到"));
    // part of a name: the child 王小明, shown as the matched person (ID masked for a leader)
    let p = get(app(&f), "/search?q=%E5%B0%8F%E6%98%8E").await;
    assert!(
        p.body.contains("按姓名") && p.body.contains("王小明（之子）"),
        "{}",
        p.body
    );
    assert!(!p.body.contains(f.child_id.as_str()), "ID masked");
    let tail = &f.child_id.as_str()[14..];
    let p = get(app(&f), &format!("/search?q={tail}")).await;
    assert!(
        p.body.contains("按身份证号末位") && p.body.contains("5227261002010001"),
        "{}",
        p.body
    );
    let p = get(app(&f), "/search?q=13999998888").await;
    assert!(
        p.body.contains("不能按手机号查询") && !p.body.contains("5227261002010001"),
        "{}",
        p.body
    );
    // filters alone, and with a key
    let p = get(app(&f), "/search?status=exited_with_policy&cause=illness").await;
    assert!(p.body.contains("5227261002010001"), "{}", p.body);
    let p = get(app(&f), "/search?q=%E5%B0%8F%E6%98%8E&status=poor").await;
    assert!(p.body.contains("在您的管辖范围内没有找到"));
    // the results as a workbook, masked as the page is
    let p = get(app(&f), "/search?q=%E5%B0%8F%E6%98%8E").await;
    assert!(
        p.body
            .contains(r#"href="/search/export?q=%E5%B0%8F%E6%98%8E""#),
        "{}",
        p.body
    );
    let request = Request::get("/search/export?q=%E5%B0%8F%E6%98%8E")
        .header(header::COOKIE, &f.session)
        .body(Body::empty())
        .unwrap();
    let response = app(&f).router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let rows: Vec<Vec<String>> = fupin_services::sheet::open(&path)
        .unwrap()
        .map(|r| r.unwrap().1.iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "5227261002010001");
    assert!(rows[1][2].starts_with("王小明（之子）"), "{rows:?}");
    assert!(
        !rows[1][2].contains(f.child_id.as_str()),
        "ID masked for a leader"
    );
    assert_eq!(rows[1][4], "甲定村");

    // a bad field is named beside it; nothing is searched
    let p = get(app(&f), "/search?q=%E7%8E%8B&status=rich&registered=20x").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("至少两个字"), "{}", p.body);
    assert!(
        p.body
            .contains(r#"name="status" aria-invalid="true" aria-describedby="err-status""#),
        "{}",
        p.body
    );
    assert!(p.body.contains(r#"id="err-registered""#));
    assert!(!p.body.contains("共找到"));
    // the searches are in the audit trail (the sink writes within a moment)
    let filter = fupin_storage::AuditFilter {
        action: Some("search".into()),
        ..Default::default()
    };
    let mut n = 0;
    for _ in 0..50 {
        n = f.db.audit_entries(None, &filter, 0, 10).await.unwrap().1;
        if n >= 8 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(n, 8, "eight searches with a key (two of them refused)");
}

/// An area page shows figures now and of a chosen year, with poverty incidence against the
/// loaded rural population of that year.
#[tokio::test]
async fn area_figures_by_year_with_incidence() {
    let f = fixture().await;
    let ctx = WriteContext {
        actor: "测试员".into(),
        reason: "补录历年状态".into(),
        import_run: None,
    };
    let mut w = RegistryWriter::begin(&f.db).await.unwrap();
    let poor_2019 = StatusYear {
        year: 2019,
        status: HouseholdStatus::Poor,
        reason: "识别".into(),
    };
    w.write_years(&[(f.id, vec![poor_2019], vec![], vec![])], &ctx)
        .await
        .unwrap();
    w.commit().await.unwrap();
    let county = AreaCode::parse("522726").unwrap();
    f.db.load_populations(&[(county.clone(), 2019, 400), (county, 2020, 390)], "测试")
        .await
        .unwrap();
    let row = |cells: &[&str]| -> String {
        cells
            .iter()
            .map(|c| format!(r#"<td class="num">{c}</td>"#))
            .collect()
    };

    // the 2019 evaluation survey of the county: every rate passes
    let survey = [
        (Indicator::SampledExited, 500),
        (Indicator::WronglyExited, 5),
        (Indicator::SampledNonRegistered, 500),
        (Indicator::Omitted, 4),
        (Indicator::SurveyedHouseholds, 1_000),
        (Indicator::ApprovingHouseholds, 950),
    ]
    .map(|(indicator, value)| IndicatorValue {
        area: AreaCode::parse("522726").unwrap(),
        year: 2019,
        indicator,
        value,
    });
    f.db.load_indicators(&survey, "测试").await.unwrap();
    // a county row: its figures, then its exit standard as a whole, then the rest
    let county_row = |cells: &[&str], test: &str, rest: &[&str]| -> String {
        format!("{}<td>{test}</td>{}", row(cells), row(rest))
    };
    // now: exited, none poor; the latest population (2020) gives 0.00%, the latest survey
    // (2019) passes: met
    let p = get(app(&f), "/areas/522700000000").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(&county_row(
            &["1", "2", "0", "0", "0.00%"],
            r#"<span class="standing above">达标</span>"#,
            &["1", "0"]
        )),
        "{}",
        p.body
    );

    // 2019: poor, two people of 400: 0.50%, with the survey: met (Guizhou: below 3%);
    // the last column is the returned households
    let p = get(app(&f), "/areas/522700000000?year=2019").await;
    assert!(
        p.body.contains(&county_row(
            &["1", "2", "1", "2", "0.50%"],
            r#"<span class="standing above">达标</span>"#,
            &["0", "0"]
        )),
        "{}",
        p.body
    );
    assert!(
        p.body.contains(r#"<b aria-current="page">2019</b>"#),
        "{}",
        p.body
    );
    assert!(p.body.contains(r#"href="/areas/522726000000?year=2019""#));

    // the county's own figures by year, each with its incidence
    let p = get(app(&f), "/areas/522726000000").await;
    assert!(
        p.body
            .contains(r#"<td><a href="/areas/522726000000?year=2019">2019</a></td>"#)
    );
    assert!(
        p.body
            .contains(&row(&["1", "2", "1", "2", "0.50%", "0", "0"])),
        "{}",
        p.body
    );
    assert!(
        p.body
            .contains(&row(&["1", "2", "0", "0", "0.00%", "1", "0"])),
        "{}",
        p.body
    );

    // the county's own exit standard of 2019, criterion by criterion: omission 4 of 500 (0.80%),
    // comprehensive = (2 + 0.8% × 398 non-registered + 1% × 0 exited) / 400 = 1.29%
    let p = get(app(&f), "/areas/522726000000?year=2019").await;
    for (name, value, test) in [
        ("综合贫困发生率", "1.29%", "&lt; 3.00%"),
        ("脱贫人口错退率", "1.00%", "&lt; 2.00%"),
        ("贫困人口漏评率", "0.80%", "&lt; 2.00%"),
        ("群众认可度", "95.00%", "≥ 90.00%"),
    ] {
        let line = format!(
            r#"<td>{name}</td><td class="num">{value}</td><td>{test}</td><td><span class="standing above">达标</span></td>"#
        );
        assert!(p.body.contains(&line), "{line}\n{}", p.body);
    }

    // 2020 has a population but no survey: unknown
    let p = get(app(&f), "/areas/522700000000?year=2020").await;
    assert!(
        p.body.contains(&county_row(
            &["1", "2", "0", "0", "0.00%"],
            r#"<span class="standing unknown">未知</span>"#,
            &["1", "0"]
        )),
        "{}",
        p.body
    );

    assert_eq!(
        get(app(&f), "/areas/522726000000?year=abc").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// A village official edits a member: the form shows the values, a bad field comes back named
/// beside its input, a good save lands in the timeline, and a save made on an older version is
/// refused with the current values shown.
#[tokio::test]
async fn a_village_official_edits_and_a_stale_save_is_refused() {
    let f = fixture().await;
    let login = village_official(&f.db).await;
    let official = || App {
        router: fupin_web::router(f.db.clone()),
        session: format!("fupin_session={}", login.session_secret),
    };
    let csrf = login.session.csrf_token.clone();
    let post = |uri: String, body: String| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };

    // the household page offers the forms; the leader's does not
    let p = get(official(), &format!("/households/{}", f.id)).await;
    assert!(
        p.body
            .contains(&format!(r#"href="/households/{}/members/2/edit""#, f.id)),
        "{}",
        p.body
    );
    let p = get(app(&f), &format!("/households/{}", f.id)).await;
    assert!(!p.body.contains("/edit"));

    let p = get(official(), &format!("/households/{}/members/2/edit", f.id)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains(r#"value="王小明""#), "{}", p.body);
    let version = {
        let at = p.body.find(r#"name="version" value=""#).unwrap() + 22;
        p.body[at..].split('"').next().unwrap().to_string()
    };

    // a bad birth date: 422, named beside the field, nothing saved
    let body = format!("_csrf={csrf}&version={version}&birth_date=1901-01-01&reason=x");
    let p = get_with(
        official(),
        post(format!("/households/{}/members/2/edit", f.id), body),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains(r#"id="err-birth_date""#), "{}", p.body);
    assert!(p.body.contains("1901-01-01"), "what was typed is kept");

    // a good save: back to the household, the timeline names the change and its reason
    let body = format!(
        "_csrf={csrf}&version={version}&education=%E9%AB%98%E4%B8%AD&reason=%E5%8D%87%E5%AD%A6"
    );
    let p = get_with(
        official(),
        post(format!("/households/{}/members/2/edit", f.id), body),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = get(official(), &format!("/households/{}", f.id)).await;
    assert!(
        p.body.contains("升学") && p.body.contains("cunguan"),
        "{}",
        p.body
    );
    assert!(p.body.contains("高中"));

    // the same old version again: refused, 409, the current value shown
    let body =
        format!("_csrf={csrf}&version={version}&education=%E5%B0%8F%E5%AD%A6&reason=%E6%97%A7");
    let p = get_with(
        official(),
        post(format!("/households/{}/members/2/edit", f.id), body),
    )
    .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(
        p.body.contains(r#"id="conflict""#) && p.body.contains("cunguan"),
        "{}",
        p.body
    );
    let rec =
        f.db.household(&fupin_core::access::Scope::operator(), f.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(rec.household.members[1].education, Education::Senior);

    // split the son off into a household of his own, then merge it back
    let p = get(official(), &format!("/households/{}/split", f.id)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(r#"value="5227261002010002""#),
        "a free number is offered: {}",
        p.body
    );
    let version = rec.version;
    let body = format!(
        "_csrf={csrf}&version={version}&member=1&new_head=1&new_number=5227261002010002&reason=%E5%88%86%E6%88%B7"
    );
    let p = get_with(
        official(),
        post(format!("/households/{}/split", f.id), body),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let new_href = p.headers[header::LOCATION].to_str().unwrap().to_string();
    let p = get(official(), &new_href).await;
    assert!(
        p.body.contains("5227261002010002") && p.body.contains("王小明"),
        "{}",
        p.body
    );
    let rec =
        f.db.household(&fupin_core::access::Scope::operator(), f.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(rec.household.members.len(), 1);
    // a refused merge names why, beside the form
    let body = format!(
        "_csrf={csrf}&version={}&from_number=999&reason=x",
        rec.version
    );
    let p = get_with(
        official(),
        post(format!("/households/{}/merge", f.id), body),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains(r#"id="problems""#) && p.body.contains("999"),
        "{}",
        p.body
    );
    let body = format!(
        "_csrf={csrf}&version={}&from_number=5227261002010002&reason=%E5%90%88%E6%88%B7",
        rec.version
    );
    let p = get_with(
        official(),
        post(format!("/households/{}/merge", f.id), body),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let rec =
        f.db.household(&fupin_core::access::Scope::operator(), f.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(rec.household.members.len(), 2);
}

/// After `fupin assess`, the household page shows the poverty index, the exit test with its
/// evidence, and the breakdown; the area page counts the assessments of its children.
#[tokio::test]
async fn assessment_shows_on_household_and_area_pages() {
    let f = fixture().await;
    let s = common::assess_all(&f.db, 2020).await;
    assert_eq!(s.assessed, 1);
    let p = get(app(&f), &format!("/households/{}", f.id)).await;
    assert!(
        p.body.contains("贫困指数") && p.body.contains("default-2024.1"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("住房安全有保障") && p.body.contains("B级"),
        "{}",
        p.body
    );
    assert!(p.body.contains("贫困指数明细") && p.body.contains("人均住房面积"));
    let p = get(app(&f), "/areas/522726000000").await;
    assert!(
        p.body.contains("评估") && p.body.contains("2020"),
        "{}",
        p.body
    );
}

/// A monitoring entry has fifteen days from its clue to the county's decision: a case past them
/// shows as overdue on the list and on its page, with the date it was due.
#[tokio::test]
async fn an_undecided_monitoring_case_past_its_deadline_is_overdue() {
    let f = fixture().await;
    let opened = chrono::Local::now().date_naive() - chrono::Duration::days(20);
    let event = fupin_storage::CaseEvent {
        at: format!("{}T08:00:00Z", fupin_core::date::iso(opened)),
        actor: "测试员".into(),
        act: "open".into(),
        step_after: "applied".into(),
        note: "因病支出骤增".into(),
    };
    let mut tx = f.db.begin().await.unwrap();
    let id = fupin_storage::cases::open_case(
        &mut tx,
        "monitoring_entry",
        &AreaCode::parse(VILLAGE).unwrap(),
        Some(f.id),
        "王芳（5227261002010001）",
        r#"{"category":"sudden_hardship"}"#,
        "applied",
        &event,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let due = fupin_core::date::iso(opened + chrono::Duration::days(15));
    let p = get(app(&f), &format!("/cases/{id}")).await;
    assert!(
        p.body.contains(&due) && p.body.contains(r#"id="overdue""#),
        "{}",
        p.body
    );
    let p = get(app(&f), "/cases").await;
    assert!(
        p.body.contains("已超期") && p.body.contains("监测对象纳入"),
        "{}",
        p.body
    );
}

/// Opens an exit case for the fixture's household and moves it to `step`, its notice posted
/// on `notice_from` if given; its id.
async fn case_at(f: &Fixture, step: &str, notice_from: Option<&str>) -> i64 {
    let event = |step: &str| fupin_storage::CaseEvent {
        at: fupin_storage::now_utc(),
        actor: "test".into(),
        act: "advance".into(),
        step_after: step.into(),
        note: String::new(),
    };
    let mut tx = f.db.begin().await.unwrap();
    let village = AreaCode::parse(VILLAGE).unwrap();
    let id = fupin_storage::cases::open_case(
        &mut tx,
        "exit",
        &village,
        Some(f.id),
        "王大山（5227261002010001）",
        "{}",
        "applied",
        &event("applied"),
    )
    .await
    .unwrap();
    let update = fupin_storage::CaseUpdate {
        step: step.into(),
        notice_from: notice_from.map(str::to_string),
        held: false,
        household_id: None,
        event: event(step),
    };
    fupin_storage::cases::record_step(&mut tx, id, &update)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// The public notice list shows, to anyone, the cases whose notice is posted, with the dates
/// and the head's name only; a case not yet on notice is neither listed nor printable.
#[tokio::test]
async fn public_notices_list_posted_cases_for_anyone() {
    let f = fixture().await;
    let today = chrono::Local::now().date_naive();
    let posted = fupin_core::date::iso(today);
    let running = case_at(&f, "notice", Some(&posted)).await;
    let announced = case_at(&f, "announced", Some("2020-03-02")).await;
    let appraised = case_at(&f, "appraised", None).await;
    let anonymous = App {
        router: fupin_web::router(f.db.clone()),
        session: String::new(),
    };

    let p = get(anonymous.clone(), "/notices").await;
    assert_eq!(p.status, StatusCode::OK);
    let until = fupin_core::date::iso(today + chrono::Duration::days(7));
    let running_line = format!(
        r#"<td><a href="/notices/{running}">贫困户退出</a></td><td>王大山（5227261002010001）</td><td><a href="/notices?area={VILLAGE}">基长镇甲定村</a></td><td>{posted} – {until}</td><td><b>公示中</b></td>"#
    );
    assert!(p.body.contains(&running_line), "{running_line}\n{}", p.body);
    assert!(
        p.body
            .contains(r#"<td>2020-03-02 – 2020-03-09</td><td>已公告</td>"#),
        "{}",
        p.body
    );
    assert!(
        p.body.find(&format!("/notices/{running}")) < p.body.find(&format!("/notices/{announced}")),
        "running notices first"
    );
    assert!(!p.body.contains(&format!("/notices/{appraised}\"")));
    assert!(!p.body.contains(f.head_id.as_str()), "no ID numbers");

    // the printable notice of a posted case; 404 for one not posted
    let p = get(anonymous.clone(), &format!("/notices/{running}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("公示期：") && p.body.contains(&until),
        "{}",
        p.body
    );
    let p = get(anonymous.clone(), &format!("/notices/{appraised}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // by area: another county has none; a bad code is refused
    let p = get(anonymous.clone(), "/notices?area=522701").await;
    assert!(p.body.contains("暂无公示"), "{}", p.body);
    let p = get(anonymous.clone(), &format!("/notices?area={VILLAGE}")).await;
    assert!(p.body.contains(&format!("/notices/{announced}")));
    assert_eq!(
        get(anonymous, "/notices?area=52x").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// The helper sees the household's entitlements with their reasons, records a delivery (a bad
/// date is refused on the page), and the area's gap list and the catalogue page follow.
#[tokio::test]
async fn measures_entitlements_deliveries_gaps_and_catalogue() {
    let f = fixture().await;
    let login = fupin_services::accounts::login(&f.db, "bangfu", "Tianqi-2020-pw", "t", "t")
        .await
        .unwrap();
    let helper = || App {
        router: fupin_web::router(f.db.clone()),
        session: format!("fupin_session={}", login.session_secret),
    };
    let csrf = login.session.csrf_token.clone();
    let post = |uri: String, body: String| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // what the core says the household is entitled to in its latest year (2020)
    let all = fupin_core::access::Scope::operator();
    let rec = f.db.household(&all, f.id).await.unwrap().unwrap();
    let catalogue = fupin_core::measures::Catalogue::default_catalogue();
    let expected = fupin_core::measures::entitlements(&catalogue, &rec.household, 2020, None);
    assert!(!expected.is_empty(), "the fixture is entitled to something");
    let p = get(helper(), &format!("/households/{}", f.id)).await;
    assert!(p.body.contains(r#"id="measures""#), "{}", p.body);
    for e in &expected {
        let m = catalogue.measure(&e.measure).unwrap();
        assert!(
            p.body.contains(&format!("{} {}", m.code, m.name)),
            "{}",
            m.code
        );
    }
    assert!(
        p.body.contains(&expected[0].reason),
        "{}",
        expected[0].reason
    );

    // record the first entitlement; a bad date first
    let first = &expected[0];
    let choice = match first.member {
        Some(i) => format!("{}:{}", first.measure, i + 1),
        None => first.measure.clone(),
    };
    let form = |date: &str| {
        format!(
            "_csrf={csrf}&entitlement={}&year=2020&delivered_on={date}&amount=&unit=%E6%B0%91%E6%94%BF%E5%B1%80&evidence=%E8%8A%B1%E5%90%8D%E5%86%8C",
            choice.replace(':', "%3A")
        )
    };
    let uri = format!("/households/{}/deliveries", f.id);
    let p = get_with(helper(), post(uri.clone(), form("2020-13-40"))).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"class="error""#), "{}", p.body);
    let p = get_with(helper(), post(uri.clone(), form("2020-06-01"))).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = get(helper(), &format!("/households/{}", f.id)).await;
    assert!(p.body.contains("<td>2020-06-01</td>"), "{}", p.body);
    assert!(p.body.contains("<td>民政局</td>"));
    // the province leader may look but not record
    let p = get_with(app(&f), post(uri, form("2020-06-01"))).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // after matching, the village lists what is still missing
    let s = fupin_services::measures::match_households(
        &f.db,
        &catalogue,
        2020,
        &fupin_core::access::Scope::operator(),
        &fupin_services::progress::Silent,
    )
    .await
    .unwrap();
    assert_eq!(s.delivered, 1);
    let p = get(app(&f), &format!("/areas/{VILLAGE}/measures")).await;
    assert_eq!(p.status, StatusCode::OK);
    if s.gaps > 0 {
        assert!(p.body.contains("5227261002010001"), "{}", p.body);
        assert!(
            p.body.contains("帮扶干部李四"),
            "the helper's line: {}",
            p.body
        );
    }

    // the catalogue: shown to staff, a broken one refused with its measure named
    let p = get(app(&f), "/admin/measures").await;
    assert!(p.body.contains(&catalogue.version), "{}", p.body);
    assert!(p.body.contains("EDU-01"));
    let broken = "version%20%3D%20%22x%22%0A%5B%5Bmeasure%5D%5D%0Acode%20%3D%20%22Z-1%22";
    let p = get_with(
        helper(),
        post(
            "/admin/measures".into(),
            format!("_csrf={csrf}&toml={broken}"),
        ),
    )
    .await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "helpers do not maintain it"
    );
    // office staff may: each problem is named in the page's language (issue 25, section 2)
    let county = AreaCode::parse(VILLAGE)
        .unwrap()
        .ancestor(fupin_core::AreaLevel::County);
    let staff = logged_in(
        &f.db,
        "keyuan",
        county,
        fupin_core::access::Role::OfficeStaff,
    )
    .await;
    let toml = "version = \"x\"\n[[measure]]\ncode = \"Z-1\"\nname = \"甲\"\ncategory = \"educaton\"\n\
                department = \"县教育局\"\nstandard = \"x\"\nper = \"household\"\nwhen = [\"household.monitored\"]\n";
    let encoded: String = toml
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let body = format!("_csrf={}&toml={encoded}", staff.session.csrf_token);
    for (lang, expected, foreign) in [
        ("zh", "措施Z-1：[category] 未知类别", "unknown category"),
        ("en", "measure Z-1: [category] unknown category", "未知类别"),
    ] {
        let as_staff = App {
            router: fupin_web::router(f.db.clone()),
            session: format!("fupin_session={}", staff.session_secret),
        };
        let uri = format!("/admin/measures?lang={lang}");
        let p = get_with(as_staff, post(uri, body.clone())).await;
        assert!(p.body.contains(expected), "{lang}: {}", p.body);
        assert!(!p.body.contains(foreign), "{lang}: {}", p.body);
    }
    let export = get(app(&f), "/admin/measures/export").await;
    assert!(export.body.contains("[[measure]]"));
}

/// The village's official (`cunguan`), logged in.
async fn village_official(db: &Db) -> fupin_services::accounts::Login {
    let village = AreaCode::parse(VILLAGE).unwrap();
    logged_in(
        db,
        "cunguan",
        village,
        fupin_core::access::Role::VillageOfficial,
    )
    .await
}

/// A new account of `role` bound to `area`, logged in.
async fn logged_in(
    db: &Db,
    username: &str,
    area: AreaCode,
    role: fupin_core::access::Role,
) -> fupin_services::accounts::Login {
    let form = fupin_services::accounts::AccountForm {
        username: username.into(),
        real_name: "村干部张三".into(),
        area,
        phone: "13600001111".into(),
        roles: vec![role],
        password: "Tianqi-2020-pw".into(),
    };
    let actor = fupin_services::audit::Actor::cli();
    fupin_services::accounts::add_user(db, &actor, form, false)
        .await
        .unwrap();
    fupin_services::accounts::login(db, username, "Tianqi-2020-pw", "t", "t")
        .await
        .unwrap()
}

/// The code (`/q/…`) printed on a page.
fn code_on(body: &str) -> String {
    let at = body.find("/q/").expect("a code URL on the card") + 3;
    body[at..at + 32].to_string()
}

/// A multipart upload form with the CSRF field first, as the page's form sends it.
fn upload(uri: String, csrf: &str, title: &str, name: &str, bytes: &[u8]) -> Request<Body> {
    let (content_type, body) = common::multipart(&[("_csrf", csrf), ("title", title)], name, bytes);
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn household_card_its_code_income_lines_and_archives() {
    let f = fixture().await;
    let login = village_official(&f.db).await;
    let official = || App {
        router: fupin_web::router(f.db.clone()),
        session: format!("fupin_session={}", login.session_secret),
    };
    let anonymous = || App {
        router: fupin_web::router(f.db.clone()),
        session: "lang=zh".into(),
    };
    let csrf = login.session.csrf_token.clone();
    let card_uri = format!("/households/{}/card", f.id);

    // the card: basics, members, helper, income, the QR code drawn in place
    let p = get(official(), &card_uri).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    for text in [
        "精准扶贫明白卡",
        "5227261002010001",
        "帮扶干部李四",
        "甲定村",
        "<svg class=\"qr\"",
    ] {
        assert!(p.body.contains(text), "{text} missing: {}", p.body);
    }
    assert!(p.body.contains("王芳"), "the official sees names");
    let token = code_on(&p.body);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!token.contains(&f.head_id.to_string()));
    // the same code on the next print, and on the village's print job
    assert_eq!(code_on(&get(official(), &card_uri).await.body), token);
    let p = get(official(), &format!("/areas/{VILLAGE}/cards")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.body.matches("<article class=\"card-sheet").count(), 1);
    assert_eq!(code_on(&p.body), token);
    let p = get(official(), "/areas/522726100000/cards").await;
    assert_eq!(
        p.status,
        StatusCode::BAD_REQUEST,
        "a township is no village"
    );

    // the PNG holds the same URL, at the host the request came to (one the console knows)
    let request = Request::get(format!("/households/{}/qr.png", f.id))
        .header(header::HOST, "localhost:8080")
        .body(Body::empty())
        .unwrap();
    let response = official().router.oneshot({
        let mut r = request;
        r.headers_mut().insert(
            header::COOKIE,
            format!("fupin_session={}", login.session_secret)
                .parse()
                .unwrap(),
        );
        r
    });
    let response = response.await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    let png = response.into_body().collect().await.unwrap().to_bytes();
    let decoder = png::Decoder::new(std::io::Cursor::new(png.to_vec()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let (_, url) = img.detect_grids()[0].decode().unwrap();
    assert_eq!(url, format!("http://localhost:8080/q/{token}"));

    // scanned: an official with the household in reach goes to the record …
    let p = get(official(), &format!("/q/{token}")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.headers[header::LOCATION], format!("/households/{}", f.id));
    // … anyone else sees the masked card
    let p = get(anonymous(), &format!("/q/{token}")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("精准扶贫明白卡") && p.body.contains("王*"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("王芳") && !p.body.contains(&f.head_id.to_string()));
    assert!(!p.body.contains("/income?"), "no forms on the public card");
    assert_eq!(
        get(anonymous(), "/q/0123").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(anonymous(), &format!("/q/{}", "0".repeat(32)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // a new code: the old one leads nowhere
    let post = |uri: String, body: String| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // voiding every printed card is confirmed, with a reason; without, nothing changes
    let reissue = format!("/households/{}/code", f.id);
    let p = get_with(official(), post(reissue.clone(), format!("_csrf={csrf}"))).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("勾选确认"), "{}", p.body);
    assert_eq!(code_on(&get(official(), &card_uri).await.body), token);
    let p = get_with(
        official(),
        post(
            reissue,
            format!("_csrf={csrf}&reason=%E9%81%97%E5%A4%B1&confirm=1"),
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(anonymous(), &format!("/q/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    let new = code_on(&get(official(), &card_uri).await.body);
    assert_ne!(new, token);
    assert_eq!(
        get(anonymous(), &format!("/q/{new}")).await.status,
        StatusCode::OK
    );

    // the year's income lines: a bad amount is named, nothing saved; good lines make the income
    let lines = "category=wage&item=%E5%8A%A1%E5%B7%A5&amount=8000\
                 &category=business&item=%E7%83%9F%E5%8F%B6&amount=abc";
    let p = get_with(
        official(),
        post(
            format!("/households/{}/income?year=2020", f.id),
            format!("_csrf={csrf}&{lines}"),
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("第2行") && p.body.contains("amount"),
        "{}",
        p.body
    );
    let lines = "category=wage&item=%E5%8A%A1%E5%B7%A5&amount=8000\
                 &category=business&item=%E7%83%9F%E5%8F%B6&amount=3000\
                 &category=expenditure&item=%E5%8C%96%E8%82%A5&amount=1000\
                 &category=wage&item=&amount=";
    // first a second look: the year's figures before and after, nothing saved yet
    let income_uri = format!("/households/{}/income?year=2020", f.id);
    let p = get_with(
        official(),
        post(income_uri.clone(), format!("_csrf={csrf}&{lines}")),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("保存后的变化") && p.body.contains("id=\"confirm-income\""),
        "{}",
        p.body
    );
    let previewed = p
        .body
        .split("name=\"previewed\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the preview names the lines it showed")
        .to_string();
    let card = get(official(), &format!("{card_uri}?year=2020")).await;
    assert!(!card.body.contains("烟叶"), "a preview saves nothing");
    // confirmed without a reason: refused; lines changed since the preview: previewed again
    let confirm = |reason: &str, lines: &str| {
        format!("_csrf={csrf}&{lines}&reason={reason}&previewed={previewed}&confirm=1")
    };
    let p = get_with(official(), post(income_uri.clone(), confirm("", lines))).await;
    assert!(p.body.contains("请填写修改原因"), "{}", p.body);
    let edited = lines.replace("amount=3000", "amount=3100");
    let p = get_with(official(), post(income_uri.clone(), confirm("x", &edited))).await;
    assert_eq!(
        p.status,
        StatusCode::OK,
        "new lines are shown before they are saved"
    );
    let p = get_with(
        official(),
        post(
            income_uri.clone(),
            confirm("%E5%85%A5%E6%88%B7%E6%A0%B8%E5%AE%9E", lines),
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = get(official(), &format!("{card_uri}?year=2020")).await;
    // (8000 + 3000 − 1000) / 2 members = 5000.00
    assert!(
        p.body.contains("烟叶") && p.body.contains("5000.00"),
        "{}",
        p.body
    );

    // archives: a PDF is kept and served as it came; other files and forged posts are refused
    let pdf = b"%PDF-1.4\n%test scan\n%%EOF\n";
    let uri = format!("/households/{}/archives", f.id);
    let p = get_with(
        official(),
        upload(uri.clone(), &csrf, "户口簿", "hukou.pdf", pdf),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = get_with(
        official(),
        upload(uri.clone(), &csrf, "病毒", "x.pdf", b"MZ\x90\0"),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("档案未保存"), "{}", p.body);
    let p = get_with(
        official(),
        upload(uri.clone(), "forged", "户口簿", "h.pdf", pdf),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = get(official(), &format!("/households/{}", f.id)).await;
    assert_eq!(p.body.matches("/archives/").count(), 1, "{}", p.body);
    let at = p
        .body
        .find(&format!("/households/{}/archives/", f.id))
        .unwrap();
    let href = p.body[at..].split('"').next().unwrap().to_string();
    let response = official()
        .router
        .oneshot({
            let mut r = Request::get(&href).body(Body::empty()).unwrap();
            r.headers_mut().insert(
                header::COOKIE,
                format!("fupin_session={}", login.session_secret)
                    .parse()
                    .unwrap(),
            );
            r
        })
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], pdf);
    assert_eq!(
        get(anonymous(), &href).await.status,
        StatusCode::SEE_OTHER,
        "to the login"
    );
}
