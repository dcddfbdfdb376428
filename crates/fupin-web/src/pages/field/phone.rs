//! The helper's phone pages (`/field/…`): my households, nearest first once the phone knows
//! where it is; a visit's form with position and photos; village sign-in; the outbox. They are
//! server-rendered and work without script; with it (`/field/field.js`) they open offline from
//! the service worker's cache and keep what is recorded in the phone until it is sent.

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::codes::CodeList;
use fupin_core::field::ChangedItem;
use fupin_core::field::visit::{PHOTOS_MAX, month_of};
use fupin_services::dossier::Sections;
use fupin_services::field::signins::{SigninUpload, record_signin};
use fupin_services::field::visits::{VisitUpload, record_visit};
use fupin_storage::field::helpers::HelperRow;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::Refusal;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::{AreaNames, UploadForm, read_dossier};

/// The texts the script shows, in the page's language (`#field-text`).
const SCRIPT_TEXTS: &[&str] = &[
    "queued",
    "sending",
    "sent",
    "refused",
    "retry",
    "discard",
    "discard_confirm",
    "login_needed",
    "offline",
    "nothing_queued",
    "position_wait",
    "position_ok",
    "position_denied",
    "position_unavailable",
    "photos_needed",
    "photos_too_many",
    "photo_not_image",
    "distance_m",
    "distance_km",
    "saved_offline",
    "sent_count",
    "queued_count",
    "refused_count",
    "visit_to",
    "signin_in",
    "signin_out",
    "server_error",
    "flags",
    "photo_count",
    "photo_too_big",
    "photo_remove",
    "open_queue",
    "preparing",
    "save_failed",
];

/// `#field-text`'s JSON: each script text under its own name (the catalogue keeps them as
/// `fieldjs_…`), safe inside a `<script>` element.
pub fn script_texts(lang: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = SCRIPT_TEXTS
        .iter()
        .map(|k| {
            let key = format!("fieldjs_{k}");
            (
                k.to_string(),
                serde_json::Value::String(t(lang, &key).to_string()),
            )
        })
        .collect();
    serde_json::Value::Object(map)
        .to_string()
        .replace("</", "<\\/")
}

/// What every field page carries for the script.
pub(crate) fn page_context(lang: Lang, caller: &Caller, page: &str) -> minijinja::Value {
    context! {
        field_page => page,
        field_text => script_texts(lang),
        user_id => caller.principal.as_ref().map(|p| p.user_id).unwrap_or_default(),
    }
}

/// A field page's answer, under the policy that lets its script run.
pub(crate) fn with_script(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        crate::render::FIELD_CSP.clone(),
    );
    response
}

/// The helper record of the caller's account, if they are one.
async fn me_as_helper(state: &AppState, caller: &Caller) -> Result<Option<HelperRow>, AppError> {
    match caller.principal.as_ref() {
        Some(p) => Ok(state.db.helper_of_user(p.user_id).await?),
        None => Ok(None),
    }
}

/// `GET /field`: the households page is `/field/`, inside the service worker's scope.
pub async fn root() -> Redirect {
    Redirect::to("/field/")
}

#[derive(Debug, Serialize)]
struct MyHousehold {
    id: i64,
    number: String,
    head: String,
    village: String,
    lat: Option<f64>,
    lon: Option<f64>,
    last_visit: Option<String>,
    /// Not visited this month.
    due: bool,
}

/// `GET /field/`: the caller's households with their last visits.
pub async fn households(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    let helper = me_as_helper(&state, &caller).await?;
    let mut rows = Vec::new();
    if let Some(h) = &helper {
        let list = state.db.households_of_helper(&viewer.scope, h.id).await?;
        let names = AreaNames::of(&state, list.iter().map(|r| r.village_code.as_str())).await?;
        let month = month_of(chrono::Utc::now());
        rows = list
            .into_iter()
            .map(|r| MyHousehold {
                due: r.last_visit.as_deref().is_none_or(|v| {
                    chrono::DateTime::parse_from_rfc3339(v)
                        .map(|t| month_of(t.to_utc()) != month)
                        .unwrap_or(true)
                }),
                id: r.id,
                head: r
                    .head_name
                    .map(|n| {
                        viewer
                            .disclosure
                            .show(fupin_core::access::Sensitive::Name, &n)
                    })
                    .unwrap_or_default(),
                number: r.number,
                village: names.name(&r.village_code),
                lat: r.lat,
                lon: r.lon,
                last_visit: r.last_visit,
            })
            .collect();
    }
    let teams = match &helper {
        Some(h) => !state.db.villages_of_helper(h.id).await?.is_empty(),
        None => false,
    };
    let html = state.render(
        "field_households.html",
        lang,
        &caller,
        context! {
            title => t(lang, "my_households"),
            households => Serde(rows),
            is_helper => helper.is_some(),
            signs_in => teams,
            ..page_context(lang, &caller, "households")
        },
    )?;
    Ok(with_script(html.into_response()))
}

/// The visit form of household `id` (read within the caller's scope, audited).
async fn visit_form(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let dossier = read_dossier(state, caller, id, "field", Sections::RECORD).await?;
    let h = &dossier.record.household;
    let head = h
        .head()
        .and_then(|head| h.members.iter().position(|m| std::ptr::eq(m, head)))
        .map(|i| dossier.shown.members[i].name.clone())
        .unwrap_or_default();
    let village = AreaNames::of(state, [h.village_code.as_str()])
        .await?
        .name(h.village_code.as_str());
    let items: Vec<(&str, &str)> = ChangedItem::ALL
        .iter()
        .map(|i| (i.code(), lang.label(*i)))
        .collect();
    let html = state.render(
        "field_visit.html",
        lang,
        caller,
        context! {
            title => format!("{} · {}", t(lang, "record_visit"), h.number),
            id,
            number => h.number.clone(),
            head,
            village,
            lat => h.location.map(|p| p.lat),
            lon => h.location.map(|p| p.lon),
            items => items,
            max_photos => PHOTOS_MAX,
            max_bytes => state.photos.max_bytes,
            client_id => fupin_services::field::visits::new_client_id(),
            refusal => Refusal::text(&refusal),
            ..page_context(lang, caller, "visit")
        },
    )?;
    Ok(with_script(super::answer(html, &refusal)))
}

/// `GET /field/households/{id}`.
pub async fn visit_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    visit_form(&state, lang, &caller, id, None).await
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A visit from the form's fields and photos.
fn upload_of(form: &UploadForm, household_id: i64) -> VisitUpload {
    VisitUpload {
        client_id: form.field("client_id").trim().to_string(),
        household_id,
        visited_at: form.field("visited_at").to_string(),
        lat: number(form.field("lat")),
        lon: number(form.field("lon")),
        accuracy_m: number(form.field("accuracy")),
        done: form.field("done").to_string(),
        needs: form.field("needs").to_string(),
        changed: form.fields_named("changed"),
        photos: form
            .files
            .iter()
            .filter(|(name, _)| name == "photos")
            .map(|(_, b)| b.clone())
            .collect(),
    }
}

/// `POST /field/households/{id}/visits`: the form sent without the script (the phone had a
/// connection and no script); the script sends to the API instead. The form carries the
/// client id the page was made with, so a form posted twice is one visit.
pub async fn submit_visit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    // a household outside the caller's reach is not there, whatever the body
    let scope = caller.viewer().scope;
    state
        .db
        .reader()
        .await?
        .household_place(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = UploadForm::read(&state, request).await??;
    let principal = caller.principal.as_ref().ok_or(AppError::NotFound)?;
    let mut upload = upload_of(&form, id);
    if upload.client_id.is_empty() {
        upload.client_id = fupin_services::field::visits::new_client_id();
    }
    if upload.visited_at.trim().is_empty() {
        upload.visited_at = chrono::Utc::now().to_rfc3339();
    }
    let done = record_visit(
        &state.db,
        &state.photos,
        &fupin_services::field::Visitor {
            scope: &caller.viewer().scope,
            actor: &caller.actor(),
            user_id: principal.user_id,
        },
        upload,
        chrono::Utc::now(),
    )
    .await;
    match done {
        Ok(r) => Ok(Redirect::to(&format!("/field/visits/{}", r.id)).into_response()),
        Err(e) => visit_form(&state, lang, &caller, id, Some(Refusal::of(lang, e)?)).await,
    }
}

#[derive(Debug, Serialize)]
struct SigninLine {
    kind: &'static str,
    at: String,
    village: String,
    flags: String,
}

/// The sign-in page, with a line on what was just recorded.
async fn signin_form(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    note: Option<String>,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let helper = me_as_helper(state, caller).await?;
    let (teams, recent) = match &helper {
        Some(h) => (
            state.db.villages_of_helper(h.id).await?,
            state.db.signins_of_helper(h.id, 10).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let names = AreaNames::of(
        state,
        teams
            .iter()
            .map(|m| m.village_code.as_str())
            .chain(recent.iter().map(|s| s.village_code.as_str())),
    )
    .await?;
    let villages: Vec<(String, String)> = teams
        .iter()
        .map(|m| (m.village_code.clone(), names.name(&m.village_code)))
        .collect();
    let recent: Vec<SigninLine> = recent
        .iter()
        .map(|s| SigninLine {
            kind: if s.kind == "in" {
                t(lang, "sign_in")
            } else {
                t(lang, "sign_out")
            },
            at: s.at.clone(),
            village: names.name(&s.village_code),
            flags: super::flag_words(&s.flags, lang),
        })
        .collect();
    let html = state.render(
        "field_signin.html",
        lang,
        caller,
        context! {
            title => t(lang, "village_signin"),
            villages => villages,
            recent => Serde(recent),
            note,
            refusal => Refusal::text(&refusal),
            ..page_context(lang, caller, "signin")
        },
    )?;
    Ok(with_script(super::answer(html, &refusal)))
}

/// `GET /field/signin`.
pub async fn signin_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    signin_form(&state, lang, &caller, None, None).await
}

#[derive(Debug, serde::Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    accuracy: String,
}

/// `POST /field/signin`: the form sent without the script.
pub async fn submit_signin(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    axum::Form(f): axum::Form<SigninForm>,
) -> Result<Response, AppError> {
    let principal = caller.principal.as_ref().ok_or(AppError::NotFound)?;
    if f.kind.is_empty() || f.village.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let upload = SigninUpload {
        client_id: if f.client_id.trim().is_empty() {
            fupin_services::field::visits::new_client_id()
        } else {
            f.client_id
        },
        kind: f.kind,
        village_code: f.village,
        at: if f.at.trim().is_empty() {
            chrono::Utc::now().to_rfc3339()
        } else {
            f.at
        },
        lat: number(&f.lat),
        lon: number(&f.lon),
        accuracy_m: number(&f.accuracy),
    };
    let done = record_signin(
        &state.db,
        &fupin_services::field::Visitor {
            scope: &caller.viewer().scope,
            actor: &caller.actor(),
            user_id: principal.user_id,
        },
        upload,
        chrono::Utc::now(),
    )
    .await;
    match done {
        Ok(s) => {
            let mut note = t(lang, "signin_recorded").to_string();
            if !s.flags.is_empty() {
                let words: Vec<&str> = s.flags.iter().map(|f| lang.label(*f)).collect();
                note = format!("{note}（{}）", words.join(lang.list_separator()));
            }
            signin_form(&state, lang, &caller, Some(note), None).await
        }
        Err(e) => signin_form(&state, lang, &caller, None, Some(Refusal::of(lang, e)?)).await,
    }
}

/// `GET /field/queue`: the outbox, drawn by the script from what the phone keeps.
pub async fn queue(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    let html = state.render(
        "field_queue.html",
        lang,
        &caller,
        context! {
            title => t(lang, "outbox"),
            ..page_context(lang, &caller, "queue")
        },
    )?;
    Ok(with_script(html.into_response()))
}
