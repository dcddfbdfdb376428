//! The access matrix: every route of the route table × every demo account (one per role, along
//! one real chain of areas), an API token and nobody, × a resource inside and outside the
//! account's subtree. The answer must be what the route's rule and the permission table say,
//! and no page or API answer may carry an outside household's number, head or village.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use fupin_core::access::{Action, Role, Scope};
use fupin_core::{AreaCode, CodeList};
use fupin_services::accounts::{self, AccountForm};
use fupin_services::audit::Actor;
use fupin_services::demo_accounts::{self, DEMO_PASSWORD};
use fupin_storage::{AuditFilter, Db};
use fupin_web::auth::Rule;
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

struct World {
    /// The database's folder and, on PostgreSQL, its scratch database (dropped with the world).
    _database: (
        tempfile::TempDir,
        Option<fupin_storage::scratch::ScratchPostgres>,
    ),
    backend: &'static str,
    db: Db,
    state: fupin_web::AppState,
    /// A household inside every demo account's subtree (and paired with the helper).
    inside: Household,
    /// A household of another province: outside every demo account's subtree.
    outside: Household,
    /// Accounts the user routes act on, inside and outside the admin's subtree.
    target_user: (String, String),
    /// Tokens the revoke route acts on, owned inside and outside.
    target_token: (i64, i64),
    /// Procedure cases of the inside and the outside household.
    target_case: (i64, i64),
    /// A scanned archive of the inside household.
    archive: i64,
    /// Comparison runs over the inside and the outside village.
    target_run: (i64, i64),
    /// Warnings assigned to the inside and the outside village.
    target_warning: (i64, i64),
    /// The department list every account may use (the operator's).
    list_source: i64,
    /// Field work of the inside and the outside household: helpers, work-team places, visits
    /// and their photos.
    field: FieldWorld,
    /// An instruction (with a report and its attachment) and an announcement issued in the
    /// inside and in the outside village.
    tasks: TaskWorld,
}

struct TaskWorld {
    instruction: (i64, i64),
    announcement: (i64, i64),
    file: (String, String),
}

struct FieldWorld {
    helper: (i64, i64),
    team: (i64, i64),
    visit: (i64, i64),
    photo: (String, String),
}

/// A department list owned by the outside household's province: no answer to anyone here may
/// name it or its file.
const OUTSIDE_LIST: [&str; 2] = ["外省民政厅死亡名单", "外省死亡名单.csv"];

#[derive(Clone)]
struct Household {
    id: i64,
    number: String,
    village: String,
    head: String,
    head_id_number: String,
}

/// The world on SQLite.
async fn world() -> World {
    world_on(common::sqlite().await).await
}

/// The world on SQLite, and on PostgreSQL when configured.
async fn worlds() -> Vec<World> {
    common::worlds("fupin_access", world_on).await
}

async fn world_on(database: common::Database) -> World {
    let common::Database {
        backend,
        db,
        dir,
        scratch,
    } = database;
    let batch = common::generated(400, 11);
    let ids = common::write(&db, &batch).await;
    let household = |i: usize| {
        let h = &batch[i].0;
        Household {
            id: ids[i],
            number: h.number.clone(),
            village: h.village_code.to_string(),
            head: h.head().unwrap().name.clone(),
            head_id_number: h.head().unwrap().id_number.to_string(),
        }
    };
    let first = ids.iter().position(|id| *id == 1).unwrap();
    let inside = household(first);
    let province = &inside.village[..2];
    let other = batch
        .iter()
        .position(|(h, _)| &h.village_code.as_str()[..2] != province)
        .expect("generated households in a second province");
    let outside = household(other);

    demo_accounts::ensure(&db).await.unwrap();
    let helper = db.user_with_hash("helper").await.unwrap().unwrap().0;
    db.pair_helper(helper.id, inside.id).await.unwrap();

    // accounts and tokens for the administration routes to act on
    let cli = Actor::cli();
    let add = |username: &str, area: &str| AccountForm {
        username: username.into(),
        real_name: "测试对象".into(),
        area: AreaCode::parse(area).unwrap(),
        phone: "13800000001".into(),
        roles: vec![Role::OfficeStaff],
        password: "Tianqi-2020-pw".into(),
    };
    let in_form = add("target", &inside.village);
    let out_form = add("outsider", &outside.village);
    accounts::add_user(&db, &cli, in_form, false).await.unwrap();
    accounts::add_user(&db, &cli, out_form, false)
        .await
        .unwrap();
    let views = [Action::ViewHouseholds];
    let (in_token, _) = accounts::create_token(&db, &cli, "target", "in", &views, 30)
        .await
        .unwrap();
    let (out_token, _) = accounts::create_token(&db, &cli, "outsider", "out", &views, 30)
        .await
        .unwrap();
    let mut cases = Vec::new();
    for h in [&inside, &outside] {
        let mut tx = db.begin().await.unwrap();
        let event = fupin_storage::CaseEvent {
            at: fupin_storage::now_utc(),
            actor: "test".into(),
            act: "open".into(),
            step_after: "applied".into(),
            note: "test".into(),
        };
        let village = AreaCode::parse(&h.village).unwrap();
        let id = fupin_storage::cases::open_case(
            &mut tx,
            "exit",
            &village,
            Some(h.id),
            &h.head,
            "{}",
            "applied",
            &event,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        cases.push(id);
    }
    let upload = fupin_services::archives::Upload {
        title: "户口簿".into(),
        file_name: "hukou.pdf".into(),
        bytes: b"%PDF-1.4\n%%EOF\n".to_vec(),
    };
    let everyone = fupin_core::access::Scope::operator();
    fupin_services::archives::attach(&db, &everyone, &Actor::cli(), inside.id, upload, 1 << 20)
        .await
        .unwrap();
    let archive = db.archives_of(&everyone, inside.id).await.unwrap()[0].id;
    let (target_run, target_warning, list_source) =
        comparison(&db, dir.path(), &inside, &outside).await;
    let mut state = fupin_web::AppState::new(db.clone());
    state.photos = fupin_services::field::PhotoStore::in_memory();
    let field = field_world(&db, &state.photos, &inside, &outside).await;
    let tasks = task_world(&db, &state.photos, &inside, &outside).await;
    World {
        _database: (dir, scratch),
        backend,
        db,
        state,
        inside,
        outside,
        target_user: ("target".into(), "outsider".into()),
        target_token: (in_token, out_token),
        target_case: (cases[0], cases[1]),
        archive,
        target_run,
        target_warning,
        list_source,
        field,
        tasks,
    }
}

/// An instruction of each village's office to itself (its report with an attachment) and an
/// announcement to its people, written as the target and the outsider.
async fn task_world(
    db: &Db,
    photos: &fupin_services::field::PhotoStore,
    inside: &Household,
    outside: &Household,
) -> TaskWorld {
    use fupin_storage::tasks::instructions::NewFile;
    let mut out = Vec::new();
    for (h, username) in [(inside, "target"), (outside, "outsider")] {
        let user = db.user_with_hash(username).await.unwrap().unwrap().0;
        let bytes = format!("%PDF-1.4 matrix {username}").into_bytes();
        let sha256 = photos.put_file(&bytes).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let village = [(h.village.clone(), 0)];
        let id = tx
            .insert_instruction(
                &h.village,
                "矩阵任务",
                "报送",
                "2030-01-01",
                user.id,
                &village,
            )
            .await
            .unwrap();
        let announcement = tx
            .insert_announcement(
                &h.village,
                "矩阵通知",
                "通知",
                user.id,
                std::slice::from_ref(&h.village),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let recipient = db.recipients_of(id).await.unwrap()[0].id;
        let mut tx = db.begin().await.unwrap();
        let file = NewFile {
            sha256: sha256.clone(),
            file_name: "矩阵.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: bytes.len() as i64,
        };
        tx.insert_report(recipient, "已报送", username, &[file])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        out.push((id, announcement, sha256));
    }
    TaskWorld {
        instruction: (out[0].0, out[1].0),
        announcement: (out[0].1, out[1].1),
        file: (out[0].2.clone(), out[1].2.clone()),
    }
}

/// A helper with an account, paired with the household, in its village's work team, and one
/// visit with a photo: for the inside household the demo's helper cadre, for the outside one
/// the outsider's account.
async fn field_world(
    db: &Db,
    photos: &fupin_services::field::PhotoStore,
    inside: &Household,
    outside: &Household,
) -> FieldWorld {
    use fupin_services::field::{pairing, visits};
    let everyone = fupin_core::access::Scope::operator();
    let cli = Actor::cli();
    let mut out = Vec::new();
    for (h, username, n) in [(inside, "helper", 1), (outside, "outsider", 2)] {
        let user = db.user_with_hash(username).await.unwrap().unwrap().0;
        let village = AreaCode::parse(&h.village).unwrap();
        let helper = match db.helper_of_user(user.id).await.unwrap() {
            Some(helper) => helper.id,
            None => {
                let form = pairing::HelperForm {
                    area: village.clone(),
                    name: "外省帮扶人".into(),
                    phone: String::new(),
                    unit: "外省单位".into(),
                    unit_level: None,
                    post: String::new(),
                    user_id: Some(user.id),
                };
                let id = pairing::create_helper(db, &everyone, &cli, &form)
                    .await
                    .unwrap();
                let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
                pairing::pair(db, &everyone, &cli, h.id, id, day, day)
                    .await
                    .unwrap();
                id
            }
        };
        let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let role = fupin_core::field::pairing::TeamRole::Member;
        let team = pairing::join_team(db, &everyone, &cli, &village, helper, role, day)
            .await
            .unwrap();
        let mut photo = vec![0xFF, 0xD8, 0xFF, 0xE0, n];
        photo.resize(512, n);
        let upload = visits::VisitUpload {
            client_id: format!("00000000-0000-4000-8000-00000000000{n}"),
            household_id: h.id,
            visited_at: "2024-05-01T02:00:00Z".into(),
            done: "走访".into(),
            photos: vec![photo.clone()],
            ..visits::VisitUpload::default()
        };
        let actor = Actor::user(user.principal(), "127.0.0.1");
        let now = "2024-05-01T03:00:00Z".parse().unwrap();
        let who = fupin_services::field::Visitor {
            scope: &everyone,
            actor: &actor,
            user_id: user.id,
        };
        let v = visits::record_visit(db, photos, &who, upload, now)
            .await
            .unwrap();
        use sha2::Digest;
        out.push((helper, team, v.id, hex_of(&sha2::Sha256::digest(&photo))));
    }
    FieldWorld {
        helper: (out[0].0, out[1].0),
        team: (out[0].1, out[1].1),
        visit: (out[0].2, out[1].2),
        photo: (out[0].3.clone(), out[1].3.clone()),
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A death list naming both households' heads, compared once over each village, and a
/// warning about each household.
async fn comparison(
    db: &Db,
    dir: &std::path::Path,
    inside: &Household,
    outside: &Household,
) -> ((i64, i64), (i64, i64), i64) {
    use fupin_services::compare::run as compare;
    let list = dir.join("deaths.csv");
    let mut csv = String::from("死亡证明编号,身份证号,姓名,死亡日期\n");
    for (i, h) in [inside, outside].iter().enumerate() {
        csv += &format!("SW{i},{},{},2024-03-01\n", h.head_id_number, h.head);
    }
    std::fs::write(&list, csv).unwrap();
    let cli = Actor::cli();
    let today = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let kind = Some(fupin_core::departments::DepartmentKind::Death);
    let imported = compare::import_list(db, &cli, None, "县卫健局", kind, None, &list, today)
        .await
        .unwrap();
    let elsewhere = dir.join(OUTSIDE_LIST[1]);
    std::fs::copy(&list, &elsewhere).unwrap();
    let province = AreaCode::parse(&outside.village[..2]).unwrap();
    let owner = Some(&province);
    compare::import_list(
        db,
        &cli,
        owner,
        OUTSIDE_LIST[0],
        kind,
        None,
        &elsewhere,
        today,
    )
    .await
    .unwrap();
    let mut runs = Vec::new();
    let mut warnings = Vec::new();
    for h in [inside, outside] {
        let village = AreaCode::parse(&h.village).unwrap();
        let settings = fupin_core::linkage::Settings::default();
        let silent = fupin_services::progress::Silent;
        let run = compare::run(
            db,
            &cli,
            imported.snapshot_id,
            Some(&village),
            &settings,
            today,
            &silent,
        )
        .await
        .unwrap();
        runs.push(run.run_id);
        let mut tx = db.begin().await.unwrap();
        let w = fupin_storage::warnings::NewWarning {
            rule: "dead_listed".into(),
            evidence_key: format!("matrix|{}", h.number),
            area_code: h.village.clone(),
            household_id: Some(h.id),
            related_household_id: None,
            subject: format!("{} {}", h.number, h.head),
            evidence: "{\"records\":[],\"link\":null,\"facts\":[]}".into(),
        };
        fupin_storage::warnings::raise(
            &mut tx,
            &[w],
            Some(run.run_id),
            "test",
            "2025-01-01T00:00:00Z",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (rows, _) = db
            .warnings_within(&Scope::operator(), &Default::default(), 0, 100)
            .await
            .unwrap();
        let id = rows
            .iter()
            .find(|r| r.evidence_key == format!("matrix|{}", h.number))
            .unwrap()
            .id;
        warnings.push(id);
    }
    (
        (runs[0], runs[1]),
        (warnings[0], warnings[1]),
        imported.source.id,
    )
}

/// Who sends the requests of one row of the matrix.
struct Client {
    name: String,
    /// `None`: nobody logged in.
    principal: Option<fupin_core::access::Principal>,
    cookie: Option<String>,
    csrf: String,
    bearer: Option<String>,
}

async fn login(db: &Db, username: &str) -> Client {
    let l = accounts::login(db, username, DEMO_PASSWORD, "10.0.0.1", "test")
        .await
        .unwrap();
    Client {
        name: username.into(),
        principal: Some(l.session.user.principal()),
        cookie: Some(format!("fupin_session={}", l.session_secret)),
        csrf: l.session.csrf_token,
        bearer: None,
    }
}

struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

async fn send(app: &Router, c: &Client, method: &Method, uri: &str, form: &str) -> Answer {
    let mut r = Request::builder().method(method.clone()).uri(uri);
    let mut cookies = vec!["fupin_csrf=".to_string() + &"a".repeat(64)];
    if let Some(cookie) = &c.cookie {
        cookies.push(cookie.clone());
    }
    r = r.header(header::COOKIE, cookies.join("; "));
    if let Some(b) = &c.bearer {
        r = r.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    let body = if *method == Method::POST && uri.starts_with("/api/") {
        // the API takes JSON; a session's CSRF token goes in the header
        r = r.header(header::CONTENT_TYPE, "application/json");
        let csrf = if c.cookie.is_some() {
            c.csrf.clone()
        } else {
            "a".repeat(64)
        };
        r = r.header("x-csrf-token", csrf);
        form.to_string()
    } else if *method == Method::POST {
        r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let csrf = if c.cookie.is_some() {
            c.csrf.clone()
        } else {
            "a".repeat(64)
        };
        format!("_csrf={csrf}&{form}")
    } else {
        String::new()
    };
    let response = app
        .clone()
        .oneshot(r.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        location,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The concrete request for a route template, on the inside or the outside resource.
fn request_for(w: &World, path: &str, inside: bool) -> (String, String) {
    let h = if inside { &w.inside } else { &w.outside };
    let user = if inside {
        &w.target_user.0
    } else {
        &w.target_user.1
    };
    let token = if inside {
        w.target_token.0
    } else {
        w.target_token.1
    };
    let pick = |(i, o): (i64, i64)| if inside { i } else { o }.to_string();
    let uri = path
        .replace("{n}", "1")
        .replace("{archive}", &w.archive.to_string())
        .replace("{code}", &h.village)
        .replace("{username}", user)
        .replace(
            "{sha256}",
            match (path.starts_with("/tasks/"), inside) {
                (true, true) => &w.tasks.file.0,
                (true, false) => &w.tasks.file.1,
                (false, true) => &w.field.photo.0,
                (false, false) => &w.field.photo.1,
            },
        )
        .replace(
            "{id}",
            &if path.starts_with("/admin/tokens") {
                token.to_string()
            } else if path.contains("/field/visits/") {
                pick(w.field.visit)
            } else if path.contains("/tasks/") {
                pick(w.tasks.instruction)
            } else if path.contains("/announcements/") {
                pick(w.tasks.announcement)
            } else if path.contains("/field/helpers/") {
                pick(w.field.helper)
            } else if path.contains("/field/teams/") {
                pick(w.field.team)
            } else if path.starts_with("/compare/runs/") {
                pick(w.target_run)
            } else if path.contains("/warnings/") {
                pick(w.target_warning)
            } else if path.starts_with("/cases/") || path.starts_with("/notices/") {
                if inside {
                    w.target_case.0
                } else {
                    w.target_case.1
                }
                .to_string()
            } else {
                h.id.to_string()
            },
        );
    // a search always asks for the outside household's head: nobody here may find it
    let uri = if path == "/search" {
        format!("/search?q={}", w.outside.head_id_number)
    } else {
        uri
    };
    let form = match path {
        "/login" => "username=nobody&password=wrong-password-1",
        "/account/password" => "current=wrong&new=x&repeat=x",
        "/admin/users/{username}/state" => "disabled=false",
        "/compare/runs" => return (uri, format!("source={}", w.list_source)),
        "/compare/lists/{token}" => "column_key=0&column_name=1",
        "/warnings/{id}" => "act=verify&note=matrix",
        "/api/v1/warnings/{id}/acts" => r#"{"act":"verify","note":"matrix"}"#,
        // blank: turned down after the helper is found (or not) in reach
        "/api/v1/field/helpers/{id}" | "/api/v1/field/helpers/{id}/pairings" => "{}",
        "/api/v1/tasks/{id}/acknowledge" | "/api/v1/tasks/{id}/remind" => "{}",
        _ => "",
    };
    (uri, form.to_string())
}

/// Whether the route's `{token}` names an upload held for its uploader alone (a list waiting
/// for its columns, a household sheet's import).
fn held_upload(path: &str) -> bool {
    path.starts_with("/compare/lists/") || path.starts_with("/registry/sheet/imports/")
}

/// An upload held for `c` behind such a route, posted as `c` (its token; `None` for a client
/// who may not upload). A sheet's import is waited for, so that its row report exists.
async fn held_token(app: &Router, c: &Client, path: &str) -> Option<String> {
    c.cookie.as_ref()?;
    let (upload, file, bytes) = if path.starts_with("/compare/lists/") {
        let list = "号牌号码,所有人,身份证号\n贵J10001,张三,\n";
        ("/compare/lists", "矩阵车辆.csv", list.as_bytes().to_vec())
    } else {
        // a household of one number and nothing else: every other column a problem
        let header: Vec<&str> = fupin_services::columns::household_sheet()
            .iter()
            .map(|f| f.zh())
            .collect();
        let sheet = format!("{}\nX1{}\n", header.join(","), ",".repeat(header.len() - 1));
        (
            "/registry/sheet/imports",
            "矩阵户籍.csv",
            sheet.into_bytes(),
        )
    };
    let mut fields = vec![("_csrf", c.csrf.as_str())];
    if upload == "/compare/lists" {
        fields.extend([("source", "矩阵名单"), ("kind", "vehicle")]);
    }
    let (kind, body) = common::multipart(&fields, file, &bytes);
    let request = Request::post(upload)
        .header(header::COOKIE, c.cookie.clone().unwrap_or_default())
        .header(header::CONTENT_TYPE, kind)
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    if response.status() != StatusCode::SEE_OTHER {
        return None;
    }
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    if upload == "/registry/sheet/imports" {
        for _ in 0..200 {
            let page = send(app, c, &Method::GET, &location, "").await;
            if !page.body.contains("http-equiv=\"refresh\"") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    location.rsplit('/').next().map(str::to_string)
}

/// Whether the route acts on a resource that can lie outside the caller's subtree.
fn has_resource(path: &str) -> bool {
    path.contains('{')
}

#[derive(Debug, PartialEq)]
enum Expect {
    /// A public route: whatever the handler answers (a wrong password is 401, too many 429),
    /// never a refusal by the rules or a server error.
    Public,
    /// A public route naming a resource (a posted notice): as public, or 404 where the resource
    /// is not public (the test's cases are not on notice).
    PublicResource,
    /// Anything but a refusal (2xx, 3xx; 400 for a form the handler turned down).
    Allowed,
    ToLogin,
    Unauthorized,
    Forbidden,
    NotFound,
}

fn expected(rule: Rule, c: &Client, path: &str, inside: bool) -> Expect {
    let api = path.starts_with("/api/");
    let Some(p) = &c.principal else {
        return match (rule, api) {
            (Rule::Public, _) if has_resource(path) => Expect::PublicResource,
            (Rule::Public, _) => Expect::Public,
            (_, true) => Expect::Unauthorized,
            (_, false) => Expect::ToLogin,
        };
    };
    match rule {
        Rule::Public if has_resource(path) => Expect::PublicResource,
        Rule::Public => Expect::Public,
        Rule::LoggedIn if c.bearer.is_some() && path.starts_with("/account/") => Expect::Forbidden,
        Rule::LoggedIn => Expect::Allowed,
        Rule::May(a) if !p.may(a) => Expect::Forbidden,
        Rule::May(_) if has_resource(path) && !inside => Expect::NotFound,
        Rule::May(_) => Expect::Allowed,
    }
}

fn check(e: &Expect, a: &Answer) -> bool {
    match e {
        Expect::Public => {
            !a.status.is_server_error()
                && a.status != StatusCode::FORBIDDEN
                && a.status != StatusCode::NOT_FOUND
        }
        Expect::Allowed => {
            a.status.is_success()
                || a.status.is_redirection()
                || a.status == StatusCode::BAD_REQUEST
        }
        Expect::PublicResource => !a.status.is_server_error() && a.status != StatusCode::FORBIDDEN,
        Expect::ToLogin => {
            a.status == StatusCode::SEE_OTHER && a.location.starts_with("/login?next=")
        }
        Expect::Unauthorized => a.status == StatusCode::UNAUTHORIZED,
        Expect::Forbidden => a.status == StatusCode::FORBIDDEN,
        Expect::NotFound => a.status == StatusCode::NOT_FOUND,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_the_table_says() {
    for w in worlds().await {
        every_route_answers_as_the_table_says(&w).await;
        w.db.close().await;
    }
}

async fn every_route_answers_as_the_table_says(w: &World) {
    let app = fupin_web::router_with(w.state.clone());
    let mut clients = vec![Client {
        name: "anonymous".into(),
        principal: None,
        cookie: None,
        csrf: String::new(),
        bearer: None,
    }];
    for username in demo_accounts::usernames() {
        clients.push(login(&w.db, username).await);
    }
    let (_, secret) = accounts::create_token(
        &w.db,
        &Actor::cli(),
        "county",
        "matrix",
        &[Action::ViewHouseholds, Action::ViewAreas],
        30,
    )
    .await
    .unwrap();
    let token_principal = accounts::token_principal(&w.db, &secret).await.unwrap();
    clients.push(Client {
        name: "token".into(),
        principal: token_principal,
        cookie: None,
        csrf: String::new(),
        bearer: Some(secret),
    });

    let outside_marks = [
        w.outside.number.clone(),
        w.outside.head.clone(),
        w.outside.village.clone(),
        OUTSIDE_LIST[0].to_string(),
        OUTSIDE_LIST[1].to_string(),
    ];
    let table = fupin_web::routes::table();
    assert!(table.len() >= 20, "the route table lists every route");
    let mut failures = Vec::new();
    let mut seen: HashMap<Expect, usize> = HashMap::new();
    // logging out ends the session the rest of the row needs: last
    let mut routes: Vec<_> = table.iter().collect();
    routes.sort_by_key(|r| r.path == "/logout");
    for c in &clients {
        for r in &routes {
            let variants: &[bool] = if has_resource(r.path) {
                &[true, false]
            } else {
                &[true]
            };
            for &inside in variants {
                let (mut uri, form) = request_for(w, r.path, inside);
                if held_upload(r.path) {
                    // the caller's own upload inside; outside, one that is not theirs
                    let token = match inside {
                        true => held_token(&app, c, r.path).await,
                        false => None,
                    };
                    uri = r.path.replace("{token}", &token.unwrap_or("0".repeat(64)));
                }
                let answer = send(&app, c, &r.method, &uri, &form).await;
                let want = expected(r.rule, c, r.path, inside);
                if !check(&want, &answer) {
                    failures.push(format!(
                        "{} {} {uri} as {}: expected {want:?}, got {} {}",
                        r.method, r.path, c.name, answer.status, answer.location
                    ));
                }
                for mark in &outside_marks {
                    if answer.body.contains(mark.as_str()) {
                        failures.push(format!(
                            "{} {uri} as {}: the answer shows {mark:?} of an outside household",
                            r.method, c.name
                        ));
                    }
                }
                *seen.entry(want).or_default() += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "on {}:\n{}",
        w.backend,
        failures.join("\n")
    );
    // the matrix exercised every kind of answer
    for e in [
        Expect::Public,
        Expect::Allowed,
        Expect::ToLogin,
        Expect::Unauthorized,
        Expect::Forbidden,
        Expect::NotFound,
    ] {
        assert!(
            seen.get(&e).copied().unwrap_or(0) > 0,
            "{e:?} never expected"
        );
    }
}

impl std::hash::Hash for Expect {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
    }
}
impl Eq for Expect {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpers_see_only_their_paired_households() {
    for w in worlds().await {
        helpers_see_only_their_paired_households_on(&w).await;
        w.db.close().await;
    }
}

async fn helpers_see_only_their_paired_households_on(w: &World) {
    let app = fupin_web::router_with(w.state.clone());
    // a village of several households, and a helper there paired with one of them
    let everything = Scope::operator();
    let county = AreaCode::parse(&w.inside.village[..6]).unwrap();
    let (in_county, _) =
        w.db.household_list(&everything, &county, 0, 1000)
            .await
            .unwrap();
    let mut per_village: HashMap<&str, usize> = HashMap::new();
    for h in &in_county {
        *per_village.entry(h.village_code.as_str()).or_default() += 1;
    }
    let (village, _) = per_village
        .iter()
        .find(|(_, n)| **n >= 2)
        .expect("a village with two households");
    let village = AreaCode::parse(village).unwrap();
    let form = AccountForm {
        username: "helper2".into(),
        real_name: "帮扶干部二".into(),
        area: village.clone(),
        phone: "13800000002".into(),
        roles: vec![Role::HelperCadre],
        password: DEMO_PASSWORD.into(),
    };
    let id = accounts::add_user(&w.db, &Actor::cli(), form, false)
        .await
        .unwrap();
    let (all, _) =
        w.db.household_list(&everything, &village, 0, 1000)
            .await
            .unwrap();
    w.db.pair_helper(id, all[0].id).await.unwrap();
    // a household's helpers are read within a scope like the household itself
    assert_eq!(
        w.db.reader()
            .await
            .unwrap()
            .pairings_of_household(&everything, all[0].id)
            .await
            .unwrap()
            .len(),
        1
    );
    let outside = AreaCode::parse(&w.outside.village).unwrap();
    let elsewhere = Scope::operator_within(Some(outside));
    assert!(
        w.db.reader()
            .await
            .unwrap()
            .pairings_of_household(&elsewhere, all[0].id)
            .await
            .unwrap()
            .is_empty()
    );

    let helper = login(&w.db, "helper2").await;
    let village_page = send(
        &app,
        &helper,
        &Method::GET,
        &format!("/areas/{village}"),
        "",
    )
    .await;
    assert_eq!(village_page.status, StatusCode::OK);
    for (i, h) in all.iter().enumerate() {
        let paired = i == 0;
        let page = send(
            &app,
            &helper,
            &Method::GET,
            &format!("/households/{}", h.id),
            "",
        )
        .await;
        let want = if paired {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(
            page.status, want,
            "{}: household {} paired={paired}",
            w.backend, h.id
        );
        assert_eq!(
            village_page.body.contains(&h.number),
            paired,
            "{}",
            h.number
        );
        let api = send(
            &app,
            &helper,
            &Method::GET,
            &format!("/api/v1/households/{}", h.id),
            "",
        )
        .await;
        assert_eq!(api.status, want, "{}: API household {}", w.backend, h.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masking_follows_the_role_on_pages_and_api() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let rec =
        w.db.household(&Scope::operator(), w.inside.id)
            .await
            .unwrap()
            .unwrap();
    let head = rec.household.head().unwrap().clone();
    let full_id = head.id_number.as_str().to_string();
    let masked_id = fupin_core::masking::id_number(&full_id);
    let page = format!("/households/{}", w.inside.id);
    let api = format!("/api/v1/households/{}", w.inside.id);
    // office staff: in full; a leader: names but not ID numbers; the call centre: phone, not ID
    for (who, shows_id, shows_name) in [
        ("county", true, true),
        ("city", false, true),
        ("callcentre", false, true),
    ] {
        let c = login(&w.db, who).await;
        for uri in [&page, &api] {
            let a = send(&app, &c, &Method::GET, uri, "").await;
            assert_eq!(a.status, StatusCode::OK, "{who} {uri}");
            assert_eq!(a.body.contains(&full_id), shows_id, "{who} {uri}: full ID");
            assert_eq!(
                a.body.contains(&masked_id),
                !shows_id,
                "{who} {uri}: masked ID"
            );
            assert_eq!(a.body.contains(&head.name), shows_name, "{who} {uri}: name");
        }
    }
    let c = login(&w.db, "city").await;
    let a = send(&app, &c, &Method::GET, &api, "").await;
    let phone = &rec.household.phone;
    if phone.len() == 11 {
        assert!(
            !a.body.contains(phone.as_str()),
            "a leader sees masked phones"
        );
        assert!(a.body.contains(&fupin_core::masking::phone(phone)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_writes_are_audited_and_forms_need_their_token() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let county = login(&w.db, "county").await;
    let a = send(
        &app,
        &county,
        &Method::GET,
        &format!("/households/{}", w.inside.id),
        "",
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    w.state.audit.flush().await;
    let filter = AuditFilter {
        actor: Some("county".into()),
        action: Some("read".into()),
        target_id: Some(w.inside.number.clone()),
        ..AuditFilter::default()
    };
    let (entries, n) = w.db.audit_entries(None, &filter, 0, 10).await.unwrap();
    assert_eq!(n, 1, "one read recorded");
    assert_eq!(entries[0].area_code, w.inside.village);
    assert_eq!(entries[0].client_addr, "unknown");

    // a form post with a wrong token changes nothing
    let admin = login(&w.db, "admin").await;
    let mut forged = Client {
        csrf: "0".repeat(64),
        ..admin
    };
    let a = send(
        &app,
        &forged,
        &Method::POST,
        "/admin/users/target/state",
        "disabled=true",
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        !w.db
            .user_with_hash("target")
            .await
            .unwrap()
            .unwrap()
            .0
            .disabled
    );
    forged.csrf = login(&w.db, "admin").await.csrf;
    // (a token of another session is no better)
    let a = send(
        &app,
        &forged,
        &Method::POST,
        "/admin/users/target/state",
        "disabled=true",
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let admin = login(&w.db, "admin").await;
    let a = send(
        &app,
        &admin,
        &Method::POST,
        "/admin/users/target/state",
        "disabled=true",
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(
        w.db.user_with_hash("target")
            .await
            .unwrap()
            .unwrap()
            .0
            .disabled
    );
    let filter = AuditFilter {
        action: Some("user.disable".into()),
        ..AuditFilter::default()
    };
    let (_, n) = w.db.audit_entries(None, &filter, 0, 10).await.unwrap();
    assert_eq!(n, 1);
    // a disabled account's login fails like a wrong password
    let refused = accounts::login(&w.db, "target", "Tianqi-2020-pw", "10.0.0.2", "t").await;
    assert!(refused.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_throttled_per_account_and_sessions_end_at_logout() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT {
        assert!(
            accounts::login(&w.db, "county", "wrong-pass-1", "10.0.0.3", "t")
                .await
                .is_err()
        );
    }
    let e = accounts::login(&w.db, "county", DEMO_PASSWORD, "10.0.0.4", "t")
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.downcast_ref::<accounts::AccountError>(),
            Some(accounts::AccountError::Throttled { .. })
        ),
        "the right password is refused too while throttled"
    );
    // another account from the same address is not affected
    let c = login(&w.db, "township").await;
    let a = send(&app, &c, &Method::GET, "/areas", "").await;
    assert_eq!(a.status, StatusCode::OK);
    let a = send(&app, &c, &Method::POST, "/logout", "").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = send(&app, &c, &Method::GET, "/areas", "").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "the session ended");
    assert!(a.location.starts_with("/login"));
}

/// `docs/ACCESS.md` prints the permission table, the masking table and the route table; they
/// must be the ones the code enforces.
#[test]
fn the_documented_tables_are_the_enforced_ones() {
    use fupin_core::access::Sensitive;
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ACCESS.md"))
        .unwrap();
    let mark = |b: bool| if b { "✓" } else { "" };
    let mut roles = String::from("| role |");
    for a in Action::ALL {
        roles.push_str(&format!(" {} |", a.code()));
    }
    roles.push_str(&format!("\n|---|{}\n", "---|".repeat(Action::ALL.len())));
    for r in Role::ALL {
        roles.push_str(&format!("| {} {} |", r.code(), r.zh()));
        for a in Action::ALL {
            roles.push_str(&format!(" {} |", mark(r.allows(*a))));
        }
        roles.push('\n');
    }
    let mut masking = String::from("| role |");
    for s in Sensitive::ALL {
        masking.push_str(&format!(" {} |", s.code()));
    }
    masking.push_str(&format!("\n|---|{}\n", "---|".repeat(Sensitive::ALL.len())));
    for r in Role::ALL {
        masking.push_str(&format!("| {} |", r.code()));
        for s in Sensitive::ALL {
            masking.push_str(&format!(" {} |", mark(r.reveals(*s))));
        }
        masking.push('\n');
    }
    let mut routes = String::from("| method | path | rule |\n|---|---|---|\n");
    for r in fupin_web::routes::table() {
        let rule = match r.rule {
            Rule::Public => "public".to_string(),
            Rule::LoggedIn => "logged in".to_string(),
            Rule::May(a) => format!("may `{}`", a.code()),
        };
        routes.push_str(&format!("| {} | `{}` | {rule} |\n", r.method, r.path));
    }
    for (what, table) in [("roles", roles), ("masking", masking), ("routes", routes)] {
        assert!(
            doc.contains(&table),
            "docs/ACCESS.md lacks the current {what} table:\n{table}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_work_within_their_subtree() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let admin = login(&w.db, "admin").await;
    let create = |username: &str, area: &str| {
        format!(
            "username={username}&real_name=%E6%9D%8E%E5%9B%9B&area={area}&phone=13800000009&role=office_staff&role=inspector"
        )
    };
    // inside: created, with a temporary password shown once
    let a = send(
        &app,
        &admin,
        &Method::POST,
        "/admin/users",
        &create("lisi", &w.inside.village),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("lisi — 临时密码"), "{}", a.body);
    let (lisi, _) = w.db.user_with_hash("lisi").await.unwrap().unwrap();
    assert!(lisi.must_change_password);
    assert_eq!(lisi.roles, [Role::OfficeStaff, Role::Inspector]);
    // outside: refused, nothing created
    let a = send(
        &app,
        &admin,
        &Method::POST,
        "/admin/users",
        &create("wangwu", &w.outside.village),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("无权管理"), "{}", a.body);
    assert!(w.db.user_with_hash("wangwu").await.unwrap().is_none());
    // the list shows the subtree's accounts only
    let a = send(&app, &admin, &Method::GET, "/admin/users", "").await;
    assert!(a.body.contains(">lisi<") && a.body.contains(">target<"));
    assert!(!a.body.contains("outsider"));

    // an account named as an audit entry's target: its kind in words, the username as data
    let user_target = |username: &str| format!("用户 <span translate=\"no\">{username}</span>");
    // the audit page: the subtree's entries, filtered, in words ("用户", not "user")
    let a = send(
        &app,
        &admin,
        &Method::GET,
        "/admin/audit?action=user.create",
        "",
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body.contains(&user_target("lisi")) && a.body.contains(&user_target("target")),
        "{}",
        a.body
    );
    assert!(
        !a.body.contains(&user_target("outsider")),
        "another province's entry shown"
    );
    assert!(!a.body.contains(">登录<"), "filtered by action");
    let inspector = login(&w.db, "inspector").await;
    let a = send(
        &app,
        &inspector,
        &Method::GET,
        "/admin/audit?action=user.create",
        "",
    )
    .await;
    assert!(
        a.body.contains(&user_target("village")),
        "the county's accounts"
    );
    assert!(
        !a.body.contains(&user_target("province")),
        "not the province's own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_password_must_be_changed_first() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let temporary = accounts::reset_password(&w.db, &Actor::cli(), "county")
        .await
        .unwrap();
    let l = accounts::login(&w.db, "county", &temporary, "10.0.0.5", "t")
        .await
        .unwrap();
    let c = Client {
        name: "county".into(),
        principal: Some(l.session.user.principal()),
        cookie: Some(format!("fupin_session={}", l.session_secret)),
        csrf: l.session.csrf_token,
        bearer: None,
    };
    let a = send(&app, &c, &Method::GET, "/areas", "").await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (StatusCode::SEE_OTHER, "/account/password")
    );
    let weak = format!("current={temporary}&new=short&repeat=short");
    let a = send(&app, &c, &Method::POST, "/account/password", &weak).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("至少 10 个字符"), "{}", a.body);
    let good = format!("current={temporary}&new=Xin-mima-2024&repeat=Xin-mima-2024");
    let a = send(&app, &c, &Method::POST, "/account/password", &good).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = send(&app, &c, &Method::GET, "/areas", "").await;
    assert_eq!(a.status, StatusCode::OK, "this session goes on");
    assert!(
        accounts::login(&w.db, "county", "Xin-mima-2024", "10.0.0.5", "t")
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_and_expired_tokens_answer_401() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let uri = format!("/api/v1/households/{}", w.inside.id);
    let mut tokens = Vec::new();
    for name in ["revoked", "expired"] {
        let (id, secret) = accounts::create_token(
            &w.db,
            &Actor::cli(),
            "county",
            name,
            &[Action::ViewHouseholds],
            30,
        )
        .await
        .unwrap();
        let c = Client {
            name: name.into(),
            principal: None,
            cookie: None,
            csrf: String::new(),
            bearer: Some(secret),
        };
        assert_eq!(
            send(&app, &c, &Method::GET, &uri, "").await.status,
            StatusCode::OK
        );
        tokens.push((id, c));
    }
    accounts::revoke_token(&w.db, &Actor::cli(), tokens[0].0)
        .await
        .unwrap();
    let expire = sqlx::AssertSqlSafe(format!(
        "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE id = {}",
        tokens[1].0
    ));
    fupin_storage::dispatch!(&w.db, p => sqlx::raw_sql(expire).execute(p).await.map(|_| ()).unwrap());
    for (_, c) in &tokens {
        let a = send(&app, c, &Method::GET, &uri, "").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", c.name);
        assert!(
            a.body.contains("\"status\":401"),
            "a JSON error: {}",
            a.body
        );
    }
}

/// The router has no route but those of the table: no other file of the web layer adds one
/// (so every route has a rule, and the matrix above walks them all).
#[test]
fn routes_come_only_from_the_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.clone()];
    let mut offenders = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("routes.rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for needle in [".route(", ".nest(", ".merge(", ".route_service("] {
                if text.contains(needle) {
                    offenders.push(format!("{}: {needle}", path.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "routes outside routes.rs: {offenders:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_api_route() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let nobody = Client {
        name: "anonymous".into(),
        principal: None,
        cookie: None,
        csrf: String::new(),
        bearer: None,
    };
    let a = send(&app, &nobody, &Method::GET, "/api/v1/openapi.json", "").await;
    assert_eq!(a.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let mut routed: Vec<String> = fupin_web::routes::table()
        .iter()
        .filter(|r| r.path.starts_with("/api/") && r.path != "/api/v1/openapi.json")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed, "the document and the router agree");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_are_worked_through_the_api() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let token = |username: &'static str, actions: &'static [Action]| {
        let db = w.db.clone();
        async move {
            let (_, secret) =
                accounts::create_token(&db, &Actor::cli(), username, "api", actions, 30)
                    .await
                    .unwrap();
            Client {
                name: username.into(),
                principal: None,
                cookie: None,
                csrf: String::new(),
                bearer: Some(secret),
            }
        }
    };
    let staff = token("county", &[Action::ViewWarnings, Action::WorkWarnings]).await;
    let (inside, outside) = w.target_warning;
    let a = send(&app, &staff, &Method::GET, "/api/v1/warnings", "").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let page: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let ids: Vec<i64> = page["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&inside) && !ids.contains(&outside), "{ids:?}");
    assert_eq!(page["total"].as_i64().unwrap(), ids.len() as i64);
    let bad = send(
        &app,
        &staff,
        &Method::GET,
        "/api/v1/warnings?rule=nonsense",
        "",
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let one = format!("/api/v1/warnings/{inside}");
    let a = send(&app, &staff, &Method::GET, &one, "").await;
    let json: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(json["state"], "open");
    assert!(json["events"].as_array().unwrap().len() == 1, "{json}");
    let acts = format!("{one}/acts");
    let verify = r#"{"act":"verify","note":"电话核实"}"#;
    let a = send(&app, &staff, &Method::POST, &acts, verify).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let json: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(json["state"], "verifying");
    let no_reason = r#"{"act":"dismiss","reason":"  "}"#;
    let a = send(&app, &staff, &Method::POST, &acts, no_reason).await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "a dismissal needs its reason"
    );
    let away = r#"{"act":"assign","area":"110101000000"}"#;
    let a = send(&app, &staff, &Method::POST, &acts, away).await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "not outside the jurisdiction"
    );
    let dismiss = r#"{"act":"dismiss","reason":"死亡记录有误，本人健在"}"#;
    let a = send(&app, &staff, &Method::POST, &acts, dismiss).await;
    let json: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(json["state"], "dismissed");
    let a = send(&app, &staff, &Method::POST, &acts, verify).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "closed is final");

    let outside_acts = format!("/api/v1/warnings/{outside}/acts");
    let a = send(&app, &staff, &Method::POST, &outside_acts, dismiss).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // a token without the work action may read but not act
    let reader = token("county", &[Action::ViewWarnings]).await;
    let a = send(&app, &reader, &Method::POST, &acts, verify).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpers_pairings_and_teams_are_managed_through_the_api() {
    let w = world().await;
    let app = fupin_web::router_with(w.state.clone());
    let (_, secret) = accounts::create_token(
        &w.db,
        &Actor::cli(),
        "county",
        "api",
        &[
            Action::ManageHelpers,
            Action::ViewFieldWork,
            Action::ViewHouseholds,
        ],
        30,
    )
    .await
    .unwrap();
    let office = Client {
        name: "county".into(),
        principal: None,
        cookie: None,
        csrf: String::new(),
        bearer: Some(secret),
    };
    let json = |a: &Answer| -> serde_json::Value {
        serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("{}: {}", a.status, a.body))
    };
    // the county's helpers: the inside one, never the outsider's
    let a = send(&app, &office, &Method::GET, "/api/v1/field/helpers", "").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let ids: Vec<i64> = json(&a)["helpers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&w.field.helper.0) && !ids.contains(&w.field.helper.1));

    // a new helper takes the inside household over from the demo's helper
    let new = format!(
        r#"{{"area":"{}","name":"李强","phone":"13900001111","unit":"县农业局","post":"科员"}}"#,
        w.inside.village
    );
    let a = send(&app, &office, &Method::POST, "/api/v1/field/helpers", &new).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = json(&a)["id"].as_i64().unwrap();
    let pairings = format!("/api/v1/field/helpers/{id}/pairings");
    let body = format!(r#"{{"number":"{}"}}"#, w.inside.number);
    let a = send(&app, &office, &Method::POST, &pairings, &body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(json(&a)["status"], "changed");
    let a = send(
        &app,
        &office,
        &Method::GET,
        &format!("/api/v1/field/helpers/{id}"),
        "",
    )
    .await;
    let detail = json(&a);
    assert_eq!(detail["helper"]["name"], "李强");
    assert_eq!(detail["households"][0]["id"].as_i64(), Some(w.inside.id));
    // the outside household is refused as unknown, not as someone else's
    let body = format!(r#"{{"number":"{}"}}"#, w.outside.number);
    let a = send(&app, &office, &Method::POST, &pairings, &body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(!a.body.contains(&w.outside.village), "{}", a.body);
    // a future start is refused with the rule's words
    let body = format!(r#"{{"household_id":{},"since":"2999-01-01"}}"#, w.inside.id);
    let a = send(&app, &office, &Method::POST, &pairings, &body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    // the outsider's helper is not there to change
    let other = format!("/api/v1/field/helpers/{}", w.field.helper.1);
    let a = send(&app, &office, &Method::POST, &other, &new).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    // the first secretary joins and leaves the village's team
    let join = format!(
        r#"{{"village_code":"{}","helper_id":{id},"role":"first_secretary"}}"#,
        w.inside.village
    );
    let a = send(&app, &office, &Method::POST, "/api/v1/field/teams", &join).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let place = json(&a)["id"].as_i64().unwrap();
    let area = format!("/api/v1/field/teams?area={}", w.inside.village);
    let a = send(&app, &office, &Method::GET, &area, "").await;
    assert!(
        json(&a)
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"].as_i64() == Some(place) && m["role"] == "first_secretary")
    );
    let end = format!("/api/v1/field/teams/{place}/end");
    let a = send(&app, &office, &Method::POST, &end, "").await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = send(&app, &office, &Method::GET, &area, "").await;
    assert!(
        !json(&a)
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"].as_i64() == Some(place))
    );

    // the pairing sheet out and back in: nothing changes, nothing of the outside in it
    let sheet = format!(
        "/api/v1/field/pairing-sheet?area={}&format=csv",
        w.inside.village
    );
    let a = send(&app, &office, &Method::GET, &sheet, "").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains(&w.inside.number) && a.body.contains("李强"));
    assert!(!a.body.contains(&w.outside.number));
    let (kind, body) = common::multipart(&[], "结对帮扶表.csv", a.body.as_bytes());
    let request = Request::post("/api/v1/field/pairing-sheet")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", office.bearer.clone().unwrap()),
        )
        .header(header::CONTENT_TYPE, kind)
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let imported: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, StatusCode::OK, "{imported}");
    assert_eq!(imported["paired"], 0, "{imported}");
    assert_eq!(imported["changed"], 0, "{imported}");
    assert!(imported["unchanged"].as_i64().unwrap() >= 1, "{imported}");

    // the village's households without a helper: the inside one is not among them
    let unpaired = format!("/api/v1/field/unpaired?area={}", w.inside.village);
    let a = send(&app, &office, &Method::GET, &unpaired, "").await;
    let page = json(&a);
    assert!(
        !page["households"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"].as_i64() == Some(w.inside.id))
    );
    assert!(page["total"].as_i64().is_some());
    w.db.close().await;
}
