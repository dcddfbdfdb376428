//! `/api/v1/field/helpers…`, `/unpaired`, `/teams…`, `/pairing-sheet`: the office's side of
//! field work for machine clients — helpers and their households, pairing, the households
//! without a helper, village work teams and the pairing sheet — with the scope, masking,
//! refusals and audit of the pages (the same use-cases; a refusal answers 400 or 422 as JSON).

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use fupin_core::access::Sensitive;
use fupin_core::field::pairing::TeamRole;
use fupin_core::{AreaCode, CodeList};
use fupin_services::error::ServiceError;
use fupin_services::field::pairing::{self, Paired};
use fupin_services::field::pairing_sheet::{self, PairingImport};
use fupin_storage::field::helpers::HelperRow;
use fupin_storage::field::teams::TeamMember;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::helpers::{Posted, area_of};
use super::today;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::{UploadForm, parse_page};

const PER_PAGE: i64 = 50;

/// The query of the office's lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficeQuery {
    /// An area inside the jurisdiction (default: the caller's own).
    area: Option<String>,
    /// Part of a helper's name, phone or unit.
    q: Option<String>,
    /// 50 a page.
    page: Option<String>,
}

/// A page of helpers.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelperPage {
    total: i64,
    #[schema(value_type = Vec<Object>)]
    helpers: Vec<HelperRow>,
}

fn offset(page: Option<&str>) -> Result<i64, AppError> {
    Ok((parse_page(page)? as i64 - 1) * PER_PAGE)
}

#[utoipa::path(
    get,
    path = "/api/v1/field/helpers",
    params(OfficeQuery),
    responses((status = 200, description = "The area's helpers with their current households", body = HelperPage), (status = 404, description = "The area is outside the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn helpers(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OfficeQuery>,
) -> Result<Json<HelperPage>, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let (helpers, total) = state
        .db
        .helpers_in(
            &caller.viewer().scope,
            &area.code,
            q.q.as_deref().unwrap_or_default().trim(),
            PER_PAGE,
            offset(q.page.as_deref())?,
        )
        .await?;
    Ok(Json(HelperPage { total, helpers }))
}

/// A new record's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/field/helpers",
    request_body = Posted,
    responses((status = 201, description = "Registered", body = Created), (status = 400, description = "Refused (an unknown account)"), (status = 422, description = "Invalid particulars")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn create_helper(
    State(state): State<AppState>,
    caller: Caller,
    Json(p): Json<Posted>,
) -> Result<Response, AppError> {
    if p.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let area = area_of(&state, &caller, Some(&p.area)).await?;
    let form = p.form(&state, area.code).await?;
    let id =
        pairing::create_helper(&state.db, &caller.viewer().scope, &caller.actor(), &form).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// A helper's household, as the office sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairedHousehold {
    id: i64,
    number: String,
    village_code: String,
    /// Masked as the caller's roles require.
    head_name: String,
    paired_since: String,
    last_visit: Option<String>,
}

/// A helper with their households and their places in village teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelperDetail {
    #[schema(value_type = Object)]
    helper: HelperRow,
    households: Vec<PairedHousehold>,
    #[schema(value_type = Vec<Object>)]
    teams: Vec<TeamMember>,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/helpers/{id}",
    params(("id" = i64, Path, description = "Helper id")),
    responses((status = 200, description = "The helper", body = HelperDetail), (status = 404, description = "No such helper in the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn helper(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<HelperDetail>, AppError> {
    let viewer = caller.viewer();
    let helper = state
        .db
        .helper(&viewer.scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let households = state
        .db
        .households_of_helper(&viewer.scope, id)
        .await?
        .into_iter()
        .map(|h| PairedHousehold {
            id: h.id,
            number: h.number,
            village_code: h.village_code,
            head_name: h
                .head_name
                .map(|n| viewer.disclosure.show(Sensitive::Name, &n))
                .unwrap_or_default(),
            paired_since: h.started_on,
            last_visit: h.last_visit,
        })
        .collect();
    let teams = state.db.villages_of_helper(id).await?;
    Ok(Json(HelperDetail {
        helper,
        households,
        teams,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/field/helpers/{id}",
    params(("id" = i64, Path, description = "Helper id")),
    request_body = Posted,
    responses((status = 204, description = "Changed"), (status = 400, description = "Refused (an unknown account)"), (status = 404, description = "No such helper in the jurisdiction"), (status = 422, description = "Invalid particulars")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn update_helper(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(p): Json<Posted>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let old = state
        .db
        .helper(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let area = AreaCode::parse(&old.area_code).map_err(|_| AppError::NotFound)?;
    let left_on = if p.left {
        Some(day_or_today(&p.left_on)?)
    } else {
        None
    };
    let form = p.form(&state, area).await?;
    pairing::update_helper(&state.db, &scope, &caller.actor(), id, &form, left_on).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `YYYY-MM-DD`, or today when empty.
fn day_or_today(text: &str) -> Result<NaiveDate, ServiceError> {
    match text.trim() {
        "" => Ok(today()),
        t => pairing_sheet::parse_day(t).ok_or_else(|| ServiceError::refused("pairing.bad_day")),
    }
}

/// A household to pair with the helper: by id or by its number.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PairJson {
    household_id: Option<i64>,
    /// The household's number (户编号), when no id is given.
    number: Option<String>,
    /// `YYYY-MM-DD` (default: today); not in the future.
    #[serde(default)]
    since: String,
}

/// What pairing did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairedJson {
    /// `new`, or `changed` when another helper's pairing was ended the day before.
    status: &'static str,
}

#[utoipa::path(
    post,
    path = "/api/v1/field/helpers/{id}/pairings",
    params(("id" = i64, Path, description = "Helper id")),
    request_body = PairJson,
    responses((status = 201, description = "Paired", body = PairedJson), (status = 400, description = "Refused: the helper's limit, a day in the future, an unknown household"), (status = 404, description = "No such helper in the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn pair(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(p): Json<PairJson>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    state
        .db
        .helper(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let household = match (p.household_id, p.number.as_deref().map(str::trim)) {
        (Some(household), _) => household,
        (None, Some(number)) if !number.is_empty() => state
            .db
            .households_by_number(&scope, &[number])
            .await?
            .get(number)
            .map(|k| k.id)
            .ok_or_else(|| ServiceError::refused("pairing.unknown_household"))?,
        _ => return Err(AppError::bad_request("empty_form")),
    };
    let since = day_or_today(&p.since)?;
    let done = pairing::pair(
        &state.db,
        &scope,
        &caller.actor(),
        household,
        id,
        since,
        today(),
    )
    .await?;
    let status = match done {
        Paired::New => "new",
        Paired::Changed => "changed",
    };
    Ok((StatusCode::CREATED, Json(PairedJson { status })).into_response())
}

/// A household of the area without a helper.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnpairedJson {
    id: i64,
    number: String,
    village_code: String,
    /// Masked as the caller's roles require.
    head_name: String,
    /// The household's status code.
    status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnpairedPage {
    total: i64,
    households: Vec<UnpairedJson>,
}

#[utoipa::path(
    get,
    path = "/api/v1/field/unpaired",
    params(OfficeQuery),
    responses((status = 200, description = "Households of the area without a helper", body = UnpairedPage), (status = 404, description = "The area is outside the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn unpaired(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OfficeQuery>,
) -> Result<Json<UnpairedPage>, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let viewer = caller.viewer();
    let (rows, total) = state
        .db
        .unpaired_households(
            &viewer.scope,
            &area.code,
            PER_PAGE,
            offset(q.page.as_deref())?,
        )
        .await?;
    Ok(Json(UnpairedPage {
        total,
        households: rows
            .into_iter()
            .map(|r| UnpairedJson {
                id: r.id,
                number: r.number,
                village_code: r.village_code,
                head_name: r
                    .head_name
                    .map(|n| viewer.disclosure.show(Sensitive::Name, &n))
                    .unwrap_or_default(),
                status: r.status,
            })
            .collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/field/teams",
    params(OfficeQuery),
    responses((status = 200, description = "The current members of the area's village teams", body = [Object]), (status = 404, description = "The area is outside the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn teams(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OfficeQuery>,
) -> Result<Json<Vec<TeamMember>>, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    Ok(Json(
        state
            .db
            .teams_in(&caller.viewer().scope, &area.code, false)
            .await?,
    ))
}

/// A helper joining a village's team.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct JoinJson {
    village_code: String,
    helper_id: i64,
    /// `first_secretary`, `leader` or `member`.
    role: String,
    /// `YYYY-MM-DD` (default: today).
    since: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/field/teams",
    request_body = JoinJson,
    responses((status = 201, description = "Joined", body = Created), (status = 400, description = "Refused: an unknown role, a helper outside the area"), (status = 404, description = "Not a village of the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn join_team(
    State(state): State<AppState>,
    caller: Caller,
    Json(j): Json<JoinJson>,
) -> Result<Response, AppError> {
    if j.village_code.trim().is_empty() || j.helper_id == 0 {
        return Err(AppError::bad_request("empty_form"));
    }
    let village = AreaCode::parse(j.village_code.trim()).map_err(|_| AppError::NotFound)?;
    let role =
        TeamRole::parse(&j.role).ok_or_else(|| ServiceError::refused("team_choose_helper"))?;
    let id = pairing::join_team(
        &state.db,
        &caller.viewer().scope,
        &caller.actor(),
        &village,
        j.helper_id,
        role,
        day_or_today(&j.since)?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/field/teams/{id}/end",
    params(("id" = i64, Path, description = "Team place id")),
    responses((status = 204, description = "The member left the team today"), (status = 404, description = "No such place in the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn leave_team(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    pairing::leave_team(
        &state.db,
        &caller.viewer().scope,
        &caller.actor(),
        id,
        today(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/field/pairing-sheet",
    request_body(content_type = "multipart/form-data", description = "A part `file`: the filled-in pairing sheet (CSV or XLSX)"),
    responses((status = 200, description = "Imported whole", body = Object), (status = 422, description = "Nothing imported: every bad row named")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn import_sheet(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
) -> Result<Json<PairingImport>, AppError> {
    let upload = UploadForm::read(&state, request).await??;
    if upload.bytes.is_empty() {
        return Err(ServiceError::refused("compare.choose_file").into());
    }
    let (_dir, path) =
        fupin_services::compare::run::uploaded_file(&upload.file_name, &upload.bytes)
            .map_err(ServiceError::from)?;
    Ok(Json(
        pairing_sheet::import(
            &state.db,
            &caller.viewer().scope,
            &caller.actor(),
            &path,
            today(),
        )
        .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/field/pairing-sheet",
    params(
        ("area" = Option<String>, Query, description = "An area inside the jurisdiction (default: the caller's own)"),
        ("format" = Option<String>, Query, description = "`csv`, else XLSX"),
    ),
    responses((status = 200, description = "The area's households with their current helpers, as the sheet the import reads"), (status = 404, description = "The area is outside the jurisdiction")),
    security(("bearer" = [])),
    tag = "field"
)]
pub async fn export_sheet(
    state: State<AppState>,
    lang: crate::i18n::Lang,
    caller: Caller,
    query: Query<super::helpers::SheetQuery>,
) -> Result<Response, AppError> {
    // the page's download, audited the same way
    super::helpers::export(state, lang, caller, query).await
}
