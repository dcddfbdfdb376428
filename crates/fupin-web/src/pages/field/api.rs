//! `/api/v1/field/…`: field work for the phone's script and for machine clients, with the
//! scope, disclosure and audit of the pages. The visit and sign-in endpoints are idempotent on
//! the client's id: a replayed sync answers 200 with the visit it recorded the first time.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fupin_core::access::Sensitive;
use fupin_core::codes::CodeList;
use fupin_core::field::VisitFlag;
use fupin_services::dossier::Sections;
use fupin_services::field::signins::{SigninUpload, record_signin};
use fupin_services::field::summaries::{self, AreaMonth, HelperMonth, UnitMonth};
use fupin_services::field::visits::{VisitUpload, record_visit};
use fupin_storage::field::visits::VisitRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{helpers::area_of, month_or_current, today};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::{UploadForm, read_dossier};

/// Who the phone is logged in as, and the token its posts carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldSession {
    user_id: i64,
    /// Sent back as `X-CSRF-Token` (empty for a bearer token, which needs none).
    csrf: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/session",
    responses((status = 200, description = "The caller", body = FieldSession), (status = 401, description = "Not logged in")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn session(caller: Caller) -> Result<Json<FieldSession>, AppError> {
    let p = caller.principal.as_ref().ok_or(AppError::Unauthorized)?;
    Ok(Json(FieldSession {
        user_id: p.user_id,
        csrf: caller.csrf.clone(),
    }))
}

/// A flag as the API gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagJson {
    /// `far`, `inaccurate`, `no_position`, `implausible`, `household_unlocated`, `photo_far`,
    /// `photo_time`, `late_record`.
    code: &'static str,
    text: &'static str,
}

fn flags_json(flags: &[VisitFlag], lang: Lang) -> Vec<FlagJson> {
    flags
        .iter()
        .map(|f| FlagJson {
            code: f.code(),
            text: lang.label(*f),
        })
        .collect()
}

/// What a sync learns of its visit or sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Synced {
    id: i64,
    /// `created`, or `duplicate` for a client id recorded before.
    status: &'static str,
    flags: Vec<FlagJson>,
    distance_m: Option<f64>,
}

/// The `visit` part of a visit's upload.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitJson {
    /// A UUID the phone made for this visit.
    client_id: String,
    household_id: i64,
    /// RFC 3339.
    visited_at: String,
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
    done: String,
    #[serde(default)]
    needs: String,
    /// Among `food`, `clothing`, `education`, `medical`, `housing`, `water`.
    #[serde(default)]
    changed: Vec<String>,
}

/// A sync's answer: 201 for a record made now, 200 for one recorded before under its client id.
fn synced(
    new: bool,
    id: i64,
    flags: &[VisitFlag],
    distance_m: Option<f64>,
    lang: Lang,
) -> Response {
    let (status, word) = if new {
        (StatusCode::CREATED, "created")
    } else {
        (StatusCode::OK, "duplicate")
    };
    let body = Synced {
        id,
        status: word,
        flags: flags_json(flags, lang),
        distance_m,
    };
    (status, Json(body)).into_response()
}

#[utoipa::path(
    post,
    path = "/api/v1/field/visits",
    request_body(content_type = "multipart/form-data", description = "A part `visit` (JSON, VisitJson) and 1–6 parts `photo` (JPEG, PNG or WebP)"),
    responses(
        (status = 201, description = "Recorded", body = Synced),
        (status = 200, description = "Recorded before under this client id", body = Synced),
        (status = 400, description = "Refused: not the helper's household, not a helper, a client id of another visit"),
        (status = 413, description = "Too large"),
        (status = 422, description = "Invalid: notes, photos, time, client id"),
    ),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn visits(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    request: Request,
) -> Result<Response, AppError> {
    let principal = caller.principal.clone().ok_or(AppError::Unauthorized)?;
    let form = UploadForm::read(&state, request).await??;
    let json = form
        .files
        .iter()
        .find(|(name, _)| name == "visit")
        .map(|(_, b)| b.as_slice())
        .or_else(|| Some(form.field("visit").as_bytes()).filter(|b| !b.is_empty()))
        .ok_or_else(|| AppError::bad_request("field_visit_part_missing"))?;
    let v: VisitJson = serde_json::from_slice(json)
        .map_err(|_| AppError::bad_request("field_visit_part_missing"))?;
    let upload = VisitUpload {
        client_id: v.client_id,
        household_id: v.household_id,
        visited_at: v.visited_at,
        lat: v.lat,
        lon: v.lon,
        accuracy_m: v.accuracy_m,
        done: v.done,
        needs: v.needs,
        changed: v.changed,
        photos: form
            .files
            .into_iter()
            .filter(|(n, _)| n == "photo")
            .map(|(_, b)| b)
            .collect(),
    };
    let r = record_visit(
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
    .await?;
    Ok(synced(r.new, r.id, &r.flags, r.distance_m, lang))
}

/// A sign-in as the phone sends it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SigninJson {
    client_id: String,
    /// `in` or `out`.
    kind: String,
    village_code: String,
    /// RFC 3339.
    at: String,
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/field/signins",
    request_body = SigninJson,
    responses(
        (status = 201, description = "Recorded", body = Synced),
        (status = 200, description = "Recorded before under this client id", body = Synced),
        (status = 400, description = "Refused: not in this village's work team"),
        (status = 422, description = "Invalid"),
    ),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn signins(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Json(s): Json<SigninJson>,
) -> Result<Response, AppError> {
    let principal = caller.principal.clone().ok_or(AppError::Unauthorized)?;
    let upload = SigninUpload {
        client_id: s.client_id,
        kind: s.kind,
        village_code: s.village_code,
        at: s.at,
        lat: s.lat,
        lon: s.lon,
        accuracy_m: s.accuracy_m,
    };
    let r = record_signin(
        &state.db,
        &fupin_services::field::Visitor {
            scope: &caller.viewer().scope,
            actor: &caller.actor(),
            user_id: principal.user_id,
        },
        upload,
        chrono::Utc::now(),
    )
    .await?;
    Ok(synced(r.new, r.id, &r.flags, r.distance_m, lang))
}

/// One of the caller's households.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyHouseholdJson {
    id: i64,
    number: String,
    village_code: String,
    /// Masked as the caller's roles require.
    head_name: String,
    lat: Option<f64>,
    lon: Option<f64>,
    paired_since: String,
    last_visit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/households",
    responses((status = 200, description = "The caller's paired households", body = [MyHouseholdJson])),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn households(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MyHouseholdJson>>, AppError> {
    let principal = caller.principal.as_ref().ok_or(AppError::Unauthorized)?;
    let viewer = caller.viewer();
    let Some(helper) = state.db.helper_of_user(principal.user_id).await? else {
        return Ok(Json(Vec::new()));
    };
    let rows = state
        .db
        .households_of_helper(&viewer.scope, helper.id)
        .await?;
    let place = viewer.disclosure.reveals(Sensitive::Location);
    Ok(Json(
        rows.into_iter()
            .map(|r| MyHouseholdJson {
                id: r.id,
                number: r.number,
                village_code: r.village_code,
                head_name: r
                    .head_name
                    .map(|n| viewer.disclosure.show(Sensitive::Name, &n))
                    .unwrap_or_default(),
                lat: r.lat.filter(|_| place),
                lon: r.lon.filter(|_| place),
                paired_since: r.started_on,
                last_visit: r.last_visit,
            })
            .collect(),
    ))
}

/// A month's field work in an area.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryJson {
    area_code: String,
    month: String,
    #[schema(value_type = Object)]
    total: AreaMonth,
    /// One row per child area.
    #[schema(value_type = Vec<Object>)]
    areas: Vec<AreaMonth>,
    #[schema(value_type = Vec<Object>)]
    units: Vec<UnitMonth>,
    #[schema(value_type = Vec<Object>)]
    helpers: Vec<HelperMonth>,
}

/// The query of the summary and the overdue list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldQuery {
    /// An area inside the jurisdiction (default: the caller's own).
    area: Option<String>,
    /// `YYYY-MM` (default: this month, Beijing time).
    month: Option<String>,
    /// Page of the overdue list (50 a page).
    page: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/summary",
    params(FieldQuery),
    responses((status = 200, description = "The month's visits by area, unit and helper", body = SummaryJson), (status = 404, description = "The area is outside the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldQuery>,
) -> Result<Json<SummaryJson>, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let month = month_or_current(q.month.as_deref());
    let scope = caller.viewer().scope;
    let areas = summaries::by_area(&state.db, &scope, &area.code, &month).await?;
    let helpers = summaries::by_helper(&state.db, &scope, &area.code, &month).await?;
    Ok(Json(SummaryJson {
        area_code: area.code.to_string(),
        total: summaries::total(&areas),
        units: summaries::by_unit(&helpers),
        month,
        areas,
        helpers,
    }))
}

/// A paired household not visited lately.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueJson {
    household_id: i64,
    number: String,
    village_code: String,
    helper_id: i64,
    helper_name: String,
    paired_since: String,
    last_visit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverduePage {
    total: i64,
    /// The policy's days (`not_visited_days`).
    days: i64,
    households: Vec<OverdueJson>,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/overdue",
    params(FieldQuery),
    responses((status = 200, description = "Paired households not visited within the policy's days", body = OverduePage)),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn overdue(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldQuery>,
) -> Result<Json<OverduePage>, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let page = crate::pages::parse_page(q.page.as_deref())? as i64;
    let (rows, total, days) = summaries::not_visited(
        &state.db,
        &caller.viewer().scope,
        &area.code,
        today(),
        50,
        (page - 1) * 50,
    )
    .await?;
    Ok(Json(OverduePage {
        total,
        days,
        households: rows
            .into_iter()
            .map(|r| OverdueJson {
                household_id: r.household.id,
                number: r.household.number,
                village_code: r.household.village_code,
                helper_id: r.helper_id,
                helper_name: r.helper_name,
                paired_since: r.paired_since,
                last_visit: r.last_visit,
            })
            .collect(),
    }))
}

/// A visit as the API gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitOut {
    id: i64,
    helper: String,
    visited_at: String,
    recorded_at: String,
    /// Only for roles that see exact locations.
    lat: Option<f64>,
    lon: Option<f64>,
    distance_m: Option<f64>,
    flags: Vec<FlagJson>,
    done: String,
    needs: String,
    changed: Vec<String>,
    photos: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/households/{id}/visits",
    params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, description = "The household's latest 50 visits", body = [VisitOut]), (status = 404, description = "No such household in the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn household_visits(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<VisitOut>>, AppError> {
    // read as the household is (scope, disclosure, audit)
    let dossier = read_dossier(&state, &caller, id, "api", Sections::RECORD).await?;
    let h = &dossier.record.household;
    let d = &dossier.disclosure;
    let place = d.reveals(Sensitive::Location);
    let rows = state
        .db
        .visits_of_household(&caller.viewer().scope, id, 50)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|v| visit_out(v, lang, d, h, place))
            .collect(),
    ))
}

/// A stored visit as the API gives it to a viewer with disclosure `d` of its household `h`.
fn visit_out(
    v: VisitRow,
    lang: Lang,
    d: &fupin_core::masking::Disclosure,
    h: &fupin_core::Household,
    place: bool,
) -> VisitOut {
    VisitOut {
        id: v.id,
        flags: flags_json(&fupin_services::field::visits::flags_of(&v), lang),
        helper: v.helper_name,
        visited_at: v.visited_at,
        recorded_at: v.recorded_at,
        lat: v.lat.filter(|_| place),
        lon: v.lon.filter(|_| place),
        distance_m: v.distance_m,
        done: d.scrub(&v.done, h),
        needs: d.scrub(&v.needs, h),
        changed: v
            .changed
            .split(',')
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect(),
        photos: v.photos,
    }
}

/// A photo of a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoOut {
    sha256: String,
    /// Served to those who read one of its visits.
    href: String,
    taken_at: Option<String>,
    bytes: i64,
}

/// A correction appended to a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionOut {
    recorded_at: String,
    recorded_by: String,
    text: String,
}

/// A visit with its photos and corrections.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDetail {
    household_id: i64,
    #[serde(flatten)]
    visit: VisitOut,
    photo_list: Vec<PhotoOut>,
    corrections: Vec<CorrectionOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/visits/{id}",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 200, description = "The visit, its photos and corrections", body = VisitDetail), (status = 404, description = "No such visit of a household in the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn visit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<VisitDetail>, AppError> {
    let (v, photos, corrections) = state
        .db
        .visit(&caller.viewer().scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // read as the household is (scope, disclosure, audit)
    let dossier = read_dossier(&state, &caller, v.household_id, "api", Sections::RECORD).await?;
    let h = &dossier.record.household;
    let d = &dossier.disclosure;
    let place = d.reveals(Sensitive::Location);
    Ok(Json(VisitDetail {
        household_id: v.household_id,
        photo_list: photos
            .into_iter()
            .map(|p| PhotoOut {
                href: format!("/field/photos/{}", p.sha256),
                sha256: p.sha256,
                taken_at: p.taken_at,
                bytes: p.bytes,
            })
            .collect(),
        corrections: corrections
            .into_iter()
            .map(|c| CorrectionOut {
                recorded_at: c.recorded_at,
                recorded_by: c.recorded_by,
                text: d.scrub(&c.text, h),
            })
            .collect(),
        visit: visit_out(v, lang, d, h, place),
    }))
}
