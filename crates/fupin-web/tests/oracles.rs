//! What a user learns beyond what they are shown (issue 24, items 2–4), over HTTP against
//! SQLite and, with `FUPIN_TEST_POSTGRES` set, PostgreSQL:
//! - a role shown ID numbers masked cannot confirm a full one by searching for it; searches are
//!   audited and rate-limited per user (429 with `Retry-After`);
//! - splitting and merging answer a number of another province as one that exists nowhere;
//! - a department list is seen and used within its owner's area and above, never next door.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use fupin_core::access::{Role, Scope};
use fupin_core::codes::Relation;
use fupin_core::{AreaCode, AreaLevel, Household};
use fupin_services::accounts::{self, AccountForm};
use fupin_services::audit::Actor;
use fupin_services::demo_accounts::{self, DEMO_PASSWORD};
use fupin_storage::{AuditFilter, Db};
use fupin_web::SearchLimiter;
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

struct World {
    _dir: tempfile::TempDir,
    backend: &'static str,
    db: Db,
    state: fupin_web::AppState,
    /// A household of the demo accounts' village (id 1).
    inside: Household,
    /// A household of another province.
    outside: Household,
    /// The demo county.
    county: AreaCode,
    /// PostgreSQL's database of this world, dropped with it (also when the test fails).
    _scratch: Option<fupin_storage::scratch::ScratchPostgres>,
}

impl World {
    fn app(&self) -> Router {
        fupin_web::router_with(self.state.clone())
    }

    async fn end(self) {
        self.db.close().await;
    }
}

/// SQLite, and PostgreSQL when configured.
async fn worlds() -> Vec<World> {
    common::worlds("fupin_oracles", world).await
}

async fn world(database: common::Database) -> World {
    let common::Database {
        backend,
        db,
        dir,
        scratch,
    } = database;
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let batch = common::generated(200, 11);
    common::write(&db, &batch).await;
    demo_accounts::ensure(&db).await.unwrap();
    let everything = Scope::operator();
    let inside = db
        .household(&everything, 1)
        .await
        .unwrap()
        .unwrap()
        .household;
    let province = inside.village_code.ancestor(AreaLevel::Province);
    let outside = batch
        .iter()
        .map(|(h, _)| h)
        .find(|h| !province.contains(&h.village_code))
        .expect("a household of another province")
        .clone();
    let county = inside.village_code.ancestor(AreaLevel::County);
    // another county of the province where it has one, else of another province
    let counties = || {
        areas
            .iter()
            .filter(|a| a.level == AreaLevel::County && a.code != county)
    };
    let neighbour_county = counties()
        .find(|a| province.contains(&a.code))
        .or_else(|| counties().next())
        .expect("a second county")
        .code
        .clone();
    // office staff next door and in another province
    for (username, area) in [
        ("neighbour", &neighbour_county),
        ("faraway", &outside.village_code.ancestor(AreaLevel::County)),
    ] {
        let form = AccountForm {
            username: username.into(),
            real_name: "测试对象".into(),
            area: area.clone(),
            phone: "13800000001".into(),
            roles: vec![Role::OfficeStaff],
            password: DEMO_PASSWORD.into(),
        };
        accounts::add_user(&db, &Actor::cli(), form, false)
            .await
            .unwrap();
    }
    let state = fupin_web::AppState::new(db.clone());
    World {
        _dir: dir,
        backend,
        db,
        state,
        inside,
        outside,
        county,
        _scratch: scratch,
    }
}

struct Session {
    cookie: String,
    csrf: String,
}

async fn login(db: &Db, username: &str) -> Session {
    let l = accounts::login(db, username, DEMO_PASSWORD, "10.0.0.9", "test")
        .await
        .unwrap();
    Session {
        cookie: format!("fupin_session={}", l.session_secret),
        csrf: l.session.csrf_token,
    }
}

struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    location: String,
    body: String,
}

async fn send(
    app: &Router,
    s: &Session,
    method: Method,
    uri: &str,
    body: Body,
    kind: &str,
) -> Answer {
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, &s.cookie);
    if !kind.is_empty() {
        r = r.header(header::CONTENT_TYPE, kind);
    }
    let response = app.clone().oneshot(r.body(body).unwrap()).await.unwrap();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
    };
    let retry_after = header_text(header::RETRY_AFTER);
    let location = header_text(header::LOCATION).unwrap_or_default();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        retry_after,
        location,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &Router, s: &Session, uri: &str) -> Answer {
    send(app, s, Method::GET, uri, Body::empty(), "").await
}

async fn post(app: &Router, s: &Session, uri: &str, form: &str) -> Answer {
    let body = format!("_csrf={}&{form}", s.csrf);
    let kind = "application/x-www-form-urlencoded";
    send(app, s, Method::POST, uri, Body::from(body), kind).await
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_id_number_cannot_be_confirmed_by_searching() {
    for w in worlds().await {
        let app = w.app();
        let full = w.inside.head().unwrap().id_number.to_string();
        let search = |q: &str| format!("/search?q={}", encoded(q));
        // the leader (city) and the call centre (province) are shown 2108**********5778
        for who in ["city", "callcentre"] {
            let s = login(&w.db, who).await;
            for q in [full.clone(), full.to_lowercase(), full[13..].to_string()] {
                let a = get(&app, &s, &search(&q)).await;
                assert!(
                    a.body.contains("只能按末4位查询"),
                    "{} {who} {q}: {}",
                    w.backend,
                    a.body
                );
                assert!(
                    !a.body.contains(&w.inside.number),
                    "{} {who} {q}",
                    w.backend
                );
            }
            // the four characters the mask shows are searched as before
            let a = get(&app, &s, &search(&full[14..])).await;
            assert!(a.body.contains(&w.inside.number), "{} {who}", w.backend);
        }
        // office staff see full numbers and find the household by one
        let staff = login(&w.db, "county").await;
        let a = get(&app, &staff, &search(&full)).await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(
            a.body.contains(&w.inside.number),
            "{}: {}",
            w.backend,
            a.body
        );
        // who searched what: the leader's refused attempt too
        w.state.audit.flush().await;
        let filter = AuditFilter {
            actor: Some("city".into()),
            action: Some("search".into()),
            target_id: Some(format!("id_number:{full}")),
            ..AuditFilter::default()
        };
        let (entries, n) = w.db.audit_entries(None, &filter, 0, 10).await.unwrap();
        assert_eq!(n, 2, "{}: upper and lower case", w.backend);
        assert!(
            entries[0].detail.starts_with("refused"),
            "{}",
            entries[0].detail
        );
        let filter = AuditFilter {
            actor: Some("county".into()),
            action: Some("search".into()),
            ..AuditFilter::default()
        };
        let (entries, _) = w.db.audit_entries(None, &filter, 0, 10).await.unwrap();
        assert_eq!(
            entries[0].target_id,
            format!("id_number:{full}"),
            "{}",
            w.backend
        );
        assert_eq!(entries[0].detail, "1 found", "{}", w.backend);
        // the trail shows the search masked to an administrator, in full to an inspector
        let masked = fupin_core::masking::id_number(&full);
        for (who, in_full) in [("admin", false), ("inspector", true)] {
            let s = login(&w.db, who).await;
            let a = get(&app, &s, "/admin/audit?action=search").await;
            assert_eq!(a.status, StatusCode::OK, "{who}");
            assert_eq!(a.body.contains(&full), in_full, "{} {who}", w.backend);
            assert_eq!(a.body.contains(&masked), !in_full, "{} {who}", w.backend);
        }
        w.end().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_searches_is_answered_429() {
    for mut w in worlds().await {
        w.state.search_limiter = Arc::new(SearchLimiter::new(5));
        let app = w.app();
        let county = login(&w.db, "county").await;
        let name: String = w.inside.head().unwrap().name.clone();
        let q = format!("/search?q={}", encoded(&name));
        for i in 0..5 {
            let a = get(&app, &county, &q).await;
            assert_eq!(a.status, StatusCode::OK, "{} search {i}", w.backend);
        }
        for uri in [q.clone(), q.replacen("/search", "/search/export", 1)] {
            let a = get(&app, &county, &uri).await;
            assert_eq!(
                a.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{} {uri}",
                w.backend
            );
            let wait: u64 = a.retry_after.expect("Retry-After").parse().unwrap();
            assert!((1..=12).contains(&wait), "{wait}");
            assert!(a.body.contains("查询过于频繁"), "{}", a.body);
            assert!(!a.body.contains(&w.inside.number), "nothing searched");
        }
        // the form itself, and another user, are not held up
        assert_eq!(get(&app, &county, "/search").await.status, StatusCode::OK);
        let township = login(&w.db, "township").await;
        assert_eq!(get(&app, &township, &q).await.status, StatusCode::OK);
        w.end().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn splitting_and_merging_say_nothing_of_other_provinces() {
    for w in worlds().await {
        let app = w.app();
        let staff = login(&w.db, "county").await;
        let everything = Scope::operator();
        let (home, _) =
            w.db.household_list(&everything, &w.county, 0, 500)
                .await
                .unwrap();
        let mut target = None;
        for h in home {
            let rec = w.db.household(&everything, h.id).await.unwrap().unwrap();
            if let Some(i) = rec
                .household
                .members
                .iter()
                .position(|m| m.relation != Relation::Head)
            {
                target = Some((rec, i));
                break;
            }
        }
        let (rec, leaving) = target.expect("a household of two in the county");
        let far = &w.outside.number;
        let nowhere = format!("{}9999", &far[..12]);
        let split = |number: &str| {
            format!(
                "version={}&member={leaving}&new_head={leaving}&new_number={number}&reason=x",
                rec.version
            )
        };
        let merge = |number: &str| format!("version={}&from_number={number}&reason=x", rec.version);
        for (path, form) in [
            ("split", &split as &dyn Fn(&str) -> String),
            ("merge", &merge),
        ] {
            let uri = format!("/households/{}/{path}", rec.id);
            let taken = post(&app, &staff, &uri, &form(far)).await;
            let free = post(&app, &staff, &uri, &form(&nowhere)).await;
            assert_eq!(
                taken.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {path}",
                w.backend
            );
            assert_eq!(taken.status, free.status, "{} {path}", w.backend);
            assert_eq!(
                taken.body.replace(far.as_str(), "N"),
                free.body.replace(&nowhere, "N"),
                "{} {path}: the two answers differ",
                w.backend
            );
        }
        // and a split into another township's numbers is refused
        let other = format!("{}9990010001", &w.county.as_str()[..6]);
        let a = post(
            &app,
            &staff,
            &format!("/households/{}/split", rec.id),
            &split(&other),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", w.backend);
        assert!(a.body.contains("须以本村区划代码"), "{}", a.body);
        w.end().await;
    }
}

/// A list uploaded on `/compare/lists` (multipart) and imported through the columns its
/// mapping form proposes, as a user who agrees with them posts it.
async fn upload(app: &Router, s: &Session, source: &str, file: &str, csv: &str) -> Answer {
    let a = upload_only(app, s, source, file, csv).await;
    if a.status != StatusCode::SEE_OTHER {
        return a;
    }
    let form = get(app, s, &a.location).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    post(app, s, &a.location, &proposed_columns(&form.body)).await
}

/// The columns a mapping form proposes: each select's selected option, as the form posts them.
fn proposed_columns(page: &str) -> String {
    let mut posted = Vec::new();
    for select in page.split("<select name=\"").skip(1) {
        let name = &select[..select.find('"').unwrap()];
        let options = &select[..select.find("</select>").unwrap()];
        let value = options
            .split("<option value=\"")
            .skip(1)
            .find(|o| o.contains("\" selected>"))
            .map_or("", |o| &o[..o.find('"').unwrap()]);
        posted.push(format!("{name}={value}"));
    }
    posted.join("&")
}

/// A list uploaded on `/compare/lists` (multipart): held for its column mapping.
async fn upload_only(app: &Router, s: &Session, source: &str, file: &str, csv: &str) -> Answer {
    let boundary = "fupinoraclesboundary";
    let mut body = String::new();
    for (name, value) in [
        ("_csrf", s.csrf.as_str()),
        ("source", source),
        ("kind", "vehicle"),
    ] {
        body += &format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
    }
    body += &format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let kind = format!("multipart/form-data; boundary={boundary}");
    send(
        app,
        s,
        Method::POST,
        "/compare/lists",
        Body::from(body),
        &kind,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_list_stays_with_the_county_and_above() {
    for w in worlds().await {
        let app = w.app();
        let county = login(&w.db, "county").await;
        let head = w.inside.head().unwrap();
        let csv = format!(
            "号牌号码,所有人,身份证号,车辆类型,初次登记日期,购置价格\n贵J12345,{},{},小型轿车,2021-05-01,86000\n",
            head.name, head.id_number
        );
        let (source, file) = ("县公安局机动车", "独山县车辆2024.csv");
        let a = upload(&app, &county, source, file, &csv).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}: {}", w.backend, a.body);
        let id =
            w.db.department_source(w.county.as_str(), source)
                .await
                .unwrap()
                .expect("owned by the county")
                .id;
        // the county, its township and department officer, and the province above see it
        for who in ["county", "township", "department", "province"] {
            let s = login(&w.db, who).await;
            let a = get(&app, &s, "/compare").await;
            assert!(
                a.body.contains(source) && a.body.contains(file),
                "{} {who}: {}",
                w.backend,
                a.body
            );
        }
        // the county next door and another province do not, nor may they run it
        for who in ["neighbour", "faraway"] {
            let s = login(&w.db, who).await;
            let a = get(&app, &s, "/compare").await;
            assert_eq!(a.status, StatusCode::OK);
            assert!(
                !a.body.contains(source) && !a.body.contains(file),
                "{} {who}: {}",
                w.backend,
                a.body
            );
            let a = post(&app, &s, "/compare/runs", &format!("source={id}")).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{} {who}", w.backend);
            let a = post(&app, &s, "/compare/runs", "source=999999").await;
            assert_eq!(
                a.status,
                StatusCode::NOT_FOUND,
                "{} {who}: as none",
                w.backend
            );
        }
        // the county runs it; the province may too, over the county only
        let a = post(&app, &county, "/compare/runs", &format!("source={id}")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}: {}", w.backend, a.body);
        let run = a.location.clone();
        let province = login(&w.db, "province").await;
        let a = post(&app, &province, "/compare/runs", &format!("source={id}")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}: {}", w.backend, a.body);
        let province_run: i64 = a.location.rsplit('/').next().unwrap().parse().unwrap();
        let row = w.db.comparison_run(province_run).await.unwrap().unwrap();
        assert_eq!(row.area_code, w.county.as_str(), "{}", w.backend);
        assert_eq!(get(&app, &province, &run).await.status, StatusCode::OK);
        let neighbour = login(&w.db, "neighbour").await;
        assert_eq!(
            get(&app, &neighbour, &run).await.status,
            StatusCode::NOT_FOUND
        );
        let a = get(&app, &county, "/compare").await;
        assert!(
            a.body.contains(&run),
            "{}: the county's run listed",
            w.backend
        );
        w.end().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_is_read_through_the_columns_chosen_on_its_form() {
    for w in worlds().await {
        let app = w.app();
        let county = login(&w.db, "county").await;
        let head = w.inside.head().unwrap();
        let csv = format!(
            "车牌,车主姓名,证件号码,备注\n贵J77777,{},{},二手\n",
            head.name, head.id_number
        );
        let source = "县交警大队车辆";
        let a = upload_only(&app, &county, source, "车辆.csv", &csv).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}: {}", w.backend, a.body);
        let form = get(&app, &county, &a.location).await;
        assert!(
            form.body.contains("车主姓名") && form.body.contains("贵J77777"),
            "the first rows are shown: {}",
            form.body
        );
        // the ID number's header is one the kind's defaults know; the plate and owner are not
        let proposed = proposed_columns(&form.body);
        let chosen: Vec<&str> = proposed.split('&').filter(|p| !p.ends_with('=')).collect();
        assert_eq!(chosen, ["column_id_number=2"], "{}", w.backend);
        // the held list is the county's alone
        let neighbour = login(&w.db, "neighbour").await;
        let other = get(&app, &neighbour, &a.location).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", w.backend);
        // without its key column the list is not read, and nothing is kept
        let r = post(
            &app,
            &county,
            &a.location,
            "column_name=1&column_id_number=2",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", w.backend);
        assert!(
            r.body.contains("请为“记录编号”选择文件中的一列"),
            "{}",
            r.body
        );
        let saved = w.db.department_source(w.county.as_str(), source).await;
        assert!(saved.unwrap().is_none(), "{}", w.backend);
        let chosen = "column_key=0&column_name=1&column_id_number=2&column_detail=3";
        let r = post(&app, &county, &a.location, chosen).await;
        assert_eq!(
            (r.status, r.location.as_str()),
            (StatusCode::SEE_OTHER, "/compare#lists"),
            "{}: {}",
            w.backend,
            r.body
        );
        let saved = w.db.department_source(w.county.as_str(), source).await;
        let saved = saved
            .unwrap()
            .expect("the source and its columns are saved");
        assert!(saved.mapping.contains("车主姓名"), "{}", saved.mapping);
        // used up: the same form posted again imports nothing twice
        let again = post(&app, &county, &a.location, chosen).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", w.backend);
        // the source's next list is placed by the columns saved with it
        let csv = csv.replace("贵J77777", "贵J88888");
        let a = upload_only(&app, &county, source, "车辆2.csv", &csv).await;
        let form = get(&app, &county, &a.location).await;
        let proposed = proposed_columns(&form.body);
        for c in ["column_key=0", "column_name=1", "column_detail=3"] {
            assert!(proposed.contains(c), "{}: {proposed}", w.backend);
        }
    }
}

/// A household sheet uploaded on `/registry/sheet/imports` in `mode`; the import's page once
/// it has finished (it reloads itself until then), and its address.
async fn import_sheet(app: &Router, s: &Session, mode: &str, sheet: &[u8]) -> (String, Answer) {
    let fields = [("_csrf", s.csrf.as_str()), ("mode", mode)];
    let (kind, body) = common::multipart(&fields, "户籍信息表.csv", sheet);
    let a = send(
        app,
        s,
        Method::POST,
        "/registry/sheet/imports",
        Body::from(body),
        &kind,
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    for _ in 0..600 {
        let page = get(app, s, &a.location).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            return (a.location, page);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish in 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_sheet_goes_out_and_comes_back_within_the_jurisdiction() {
    for w in worlds().await {
        let app = w.app();
        let county = login(&w.db, "county").await;
        let export = format!("/registry/sheet/export?area={}&format=csv", w.county);
        let sheet = get(&app, &county, &export).await;
        assert_eq!(
            sheet.status,
            StatusCode::OK,
            "{}: {}",
            w.backend,
            sheet.body
        );
        assert!(
            sheet.body.contains(&w.inside.number) && !sheet.body.contains(&w.outside.number),
            "{}",
            w.backend
        );
        // another province's county is not there to export
        let far = w.outside.village_code.ancestor(AreaLevel::County);
        let a = get(&app, &county, &format!("/registry/sheet/export?area={far}")).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", w.backend);

        // the sheet as exported, imported again: every household unchanged
        let (_, page) = import_sheet(&app, &county, "all_or_nothing", sheet.body.as_bytes()).await;
        assert!(
            page.body.contains("导入完成"),
            "{}: {}",
            w.backend,
            page.body
        );
        assert!(
            page.body
                .contains("<th>新建户</th><td class=\"num\">0</td>"),
            "{}",
            page.body
        );

        // with a household of another province appended, nothing is written and its rows are named
        let areas = w.db.area_index().await.unwrap();
        let columns = fupin_services::columns::household_sheet();
        let mut mixed = sheet.body.clone();
        for row in fupin_services::export::household_rows(&w.outside, &areas, &columns) {
            mixed += &row.join(",");
            mixed += "\n";
        }
        let (job, page) = import_sheet(&app, &county, "all_or_nothing", mixed.as_bytes()).await;
        assert!(
            page.body.contains("整份文件未写入"),
            "{}: {}",
            w.backend,
            page.body
        );
        assert!(
            page.body.contains("id=\"import-problems\"")
                && page.body.contains(w.outside.village_code.as_str()),
            "{}",
            page.body
        );
        let report = get(&app, &county, &format!("{job}/errors.csv")).await;
        assert_eq!(report.status, StatusCode::OK, "{}", w.backend);
        assert!(report.body.contains(w.outside.village_code.as_str()));
        // the import and its report are the county's alone
        let neighbour = login(&w.db, "neighbour").await;
        assert_eq!(
            get(&app, &neighbour, &job).await.status,
            StatusCode::NOT_FOUND
        );
        // kept apart, the valid households go in and the other is reported
        let (_, page) = import_sheet(&app, &county, "skip_invalid", mixed.as_bytes()).await;
        assert!(
            page.body.contains("导入完成"),
            "{}: {}",
            w.backend,
            page.body
        );
        assert!(
            page.body
                .contains("<th>有错误的户</th><td class=\"num\">1</td>"),
            "{}",
            page.body
        );
    }
}
