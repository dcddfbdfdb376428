//! `/api/v1/…`: JSON for machine clients (API tokens) and scripts, under the same rules,
//! jurisdiction, masking and audit as the pages.

use axum::Json;
use axum::extract::{Path, State};
use chrono::Datelike;
use fupin_core::access::Sensitive;
use fupin_core::{AreaCode, CodeList};
use fupin_services::dossier::Sections;
use fupin_storage::FigureYear;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    username: String,
    area: String,
    roles: Vec<&'static str>,
    actions: Vec<&'static str>,
}

/// Who the token or session acts as, and what it may do.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    responses((status = 200, body = Me), (status = 401, description = "Not logged in")),
    security(("bearer" = [])),
    tag = "accounts"
)]
pub async fn me(caller: Caller) -> Result<Json<Me>, AppError> {
    let p = caller.principal.as_ref().ok_or(AppError::Unauthorized)?;
    Ok(Json(Me {
        username: p.username.clone(),
        area: p.area.to_string(),
        roles: p.roles.iter().map(|r| r.code()).collect(),
        actions: fupin_core::access::Action::ALL
            .iter()
            .filter(|a| p.may(**a))
            .map(|a| a.code())
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaJson {
    code: String,
    name: String,
    level: u8,
    households: i64,
    members: i64,
    children: Vec<ChildJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildJson {
    code: String,
    name: String,
    households: i64,
    members: i64,
}

/// An area of the jurisdiction with its children's counts.
#[utoipa::path(
    get,
    path = "/api/v1/areas/{code}",
    params(("code" = String, Path, description = "Area code (12 digits)")),
    responses(
        (status = 200, body = AreaJson),
        (status = 404, description = "No such area in the jurisdiction"),
    ),
    security(("bearer" = [])),
    tag = "areas"
)]
pub async fn area(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<AreaJson>, AppError> {
    let code = AreaCode::parse(&raw)?;
    let scope = caller.viewer().scope;
    let area = state
        .db
        .area(&scope, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let (households, members) = state.db.registry_size(&scope, &code).await?;
    let children = state
        .db
        .area_children(&scope, Some(&code), FigureYear::Now)
        .await?
        .into_iter()
        .map(|c| ChildJson {
            code: c.area.code.to_string(),
            name: c.area.name,
            households: c.figures.households,
            members: c.figures.members,
        })
        .collect();
    Ok(Json(AreaJson {
        code: area.code.to_string(),
        name: area.name,
        level: area.level as u8,
        households,
        members,
        children,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdJson {
    id: i64,
    number: String,
    village_code: String,
    status: &'static str,
    attribute: &'static str,
    main_cause: &'static str,
    phone: String,
    members: Vec<MemberJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberJson {
    name: String,
    id_number: String,
    sex: &'static str,
    birth_year: i32,
    relation: &'static str,
    health: String,
}

/// One household, masked as the caller's roles require; audited.
#[utoipa::path(
    get,
    path = "/api/v1/households/{id}",
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, body = HouseholdJson),
        (status = 404, description = "No such household within reach"),
    ),
    security(("bearer" = [])),
    tag = "households"
)]
pub async fn household(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdJson>, AppError> {
    let dossier = super::read_dossier(&state, &caller, id, "api", Sections::RECORD).await?;
    let (rec, d) = (&dossier.record, &dossier.disclosure);
    let h = &rec.household;
    Ok(Json(HouseholdJson {
        id: rec.id,
        number: h.number.clone(),
        village_code: h.village_code.to_string(),
        status: h.status.code(),
        attribute: h.attribute.code(),
        main_cause: h.main_cause.code(),
        phone: dossier.shown.phone.clone(),
        members: h
            .members
            .iter()
            .zip(&dossier.shown.members)
            .map(|(m, shown)| MemberJson {
                name: shown.name.clone(),
                id_number: shown.id_number.clone(),
                sex: m.sex.code(),
                birth_year: m.birth_date.year(),
                relation: m.relation.code(),
                health: d.show(Sensitive::Health, m.health.code()),
            })
            .collect(),
    }))
}

/// The API's OpenAPI document: every `/api/v1` route, derived from the handlers themselves.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "fupin API",
        description = "精准扶贫数据平台 JSON API. Authenticate with `Authorization: Bearer fpt_…` \
            (tokens: `fupin token create` or /admin/tokens); every answer is confined to the \
            token owner's jurisdiction and masked as its roles require (docs/ACCESS.md)."
    ),
    paths(
        me,
        super::workbench::api,
        area,
        household,
        super::api_warnings::list,
        super::api_warnings::show,
        super::api_warnings::act,
        super::field::api::session,
        super::field::api::visits,
        super::field::api::signins,
        super::field::api::households,
        super::field::api::summary,
        super::field::api::overdue,
        super::field::api::household_visits,
        super::field::api::visit,
        super::field::api_office::helpers,
        super::field::api_office::create_helper,
        super::field::api_office::helper,
        super::field::api_office::update_helper,
        super::field::api_office::pair,
        super::field::api_office::unpaired,
        super::field::api_office::teams,
        super::field::api_office::join_team,
        super::field::api_office::leave_team,
        super::field::api_office::export_sheet,
        super::field::api_office::import_sheet,
        super::tasks::api::list,
        super::tasks::api::issue,
        super::tasks::api::show,
        super::tasks::api::acknowledge,
        super::tasks::api::remind,
        super::tasks::api::report,
        super::tasks::api::announcements,
        super::tasks::api::announce,
        super::tasks::api::announcement
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
