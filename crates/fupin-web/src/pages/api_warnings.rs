//! `/api/v1/warnings…`: the warnings of the caller's jurisdiction for machine clients, with the
//! same scope, disclosure and audit as the pages, and the verification acts as JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use fupin_core::AreaCode;
use fupin_core::CodeList;
use fupin_core::warnings::disclosure::shown;
use fupin_core::warnings::{Act, Rule, WarningState};
use fupin_services::compare::warnings::{self as service, WarningView};
use fupin_storage::warnings::{WarningFilter, WarningRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;

const MAX_LIMIT: i64 = 1_000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// An area inside the jurisdiction (12 digits or a prefix of a level).
    area: Option<String>,
    /// A rule code, e.g. `dead_listed`.
    rule: Option<String>,
    /// `open`, `verifying`, `confirmed` or `dismissed`.
    state: Option<String>,
    /// Only open and being verified.
    #[serde(default)]
    unresolved: bool,
    #[serde(default)]
    offset: i64,
    /// At most 1000 (default 100).
    limit: Option<i64>,
}

/// A warning as the API gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningJson {
    id: i64,
    /// Rule code (`payroll`, `vehicle`, `housing`, `business`, `dead_listed`, `dead_paid`,
    /// `duplicate`, `missed`, `wrong_exit`, `amount_mismatch`, `nominal_help`).
    rule: String,
    rule_label: &'static str,
    /// `open`, `verifying`, `confirmed`, `dismissed`.
    state: String,
    resolution: Option<String>,
    area_code: String,
    household_id: Option<i64>,
    related_household_id: Option<i64>,
    /// Masked as the caller's roles require.
    subject: String,
    opened_at: String,
    last_seen_at: String,
    closed_at: Option<String>,
    /// The department records, the registry member linked and the rule's facts, masked as
    /// the caller's roles require (only in single-warning answers).
    #[schema(value_type = Option<Object>)]
    evidence: Option<serde_json::Value>,
    /// The history (only in single-warning answers).
    events: Option<Vec<EventJson>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    at: String,
    actor: String,
    state_after: String,
    note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningPage {
    total: i64,
    warnings: Vec<WarningJson>,
}

fn json_of(caller: &Caller, w: &WarningRow) -> WarningJson {
    let evidence = serde_json::from_str(&w.evidence).unwrap_or_default();
    let (_, subject) = shown(&caller.viewer().disclosure, &evidence, &w.subject);
    WarningJson {
        id: w.id,
        rule: w.rule.clone(),
        rule_label: Rule::parse(&w.rule).map_or("", |r| r.zh()),
        state: w.state.clone(),
        resolution: w.resolution.clone(),
        area_code: w.area_code.clone(),
        household_id: w.household_id,
        related_household_id: w.related_household_id,
        subject,
        opened_at: w.opened_at.clone(),
        last_seen_at: w.last_seen_at.clone(),
        closed_at: w.closed_at.clone(),
        evidence: None,
        events: None,
    }
}

fn full_json(caller: &Caller, view: &WarningView) -> Result<WarningJson, AppError> {
    let mut json = json_of(caller, &view.warning);
    let (evidence, _) = shown(
        &caller.viewer().disclosure,
        &view.evidence,
        &view.warning.subject,
    );
    json.evidence =
        Some(serde_json::to_value(evidence).map_err(|e| AppError::Internal(e.to_string()))?);
    json.events = Some(
        view.events
            .iter()
            .map(|e| EventJson {
                at: e.at.clone(),
                actor: e.actor.clone(),
                state_after: e.state_after.clone(),
                note: e.note.clone(),
            })
            .collect(),
    );
    Ok(json)
}

/// The warnings of the caller's jurisdiction, unresolved and longest waiting first.
#[utoipa::path(
    get,
    path = "/api/v1/warnings",
    params(WarningQuery),
    responses(
        (status = 200, description = "A page of warnings", body = WarningPage),
        (status = 400, description = "A malformed area, rule or state"),
        (status = 404, description = "The area is outside the jurisdiction"),
    ),
    security(("bearer" = [])),
    tag = "warnings"
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<WarningQuery>,
) -> Result<Json<WarningPage>, AppError> {
    let scope = caller.viewer().scope;
    let area = q
        .area
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(|a| AreaCode::parse(a.trim()).map_err(AppError::from))
        .transpose()?;
    if area.as_ref().is_some_and(|a| !scope.contains_area(a)) {
        return Err(AppError::NotFound);
    }
    let code = |text: &Option<String>, valid: fn(&str) -> bool, what: &str| match text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Ok(None),
        Some(t) if valid(t) => Ok(Some(t.to_string())),
        Some(t) => Err(AppError::BadRequest(
            fupin_core::Message::new("invalid_value")
                .with("what", what)
                .with("value", t),
        )),
    };
    let filter = WarningFilter {
        rule: code(&q.rule, |t| Rule::parse(t).is_some(), "rule")?,
        state: code(&q.state, |t| WarningState::parse(t).is_some(), "state")?,
        unresolved: q.unresolved,
        area,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let (rows, total) = service::list(
        &state.db,
        &state.audit,
        &caller.actor(),
        &scope,
        &filter,
        q.offset.max(0),
        limit,
    )
    .await
    .map_err(AppError::internal)?;
    Ok(Json(WarningPage {
        total,
        warnings: rows.iter().map(|w| json_of(&caller, w)).collect(),
    }))
}

/// One warning with its evidence and history; audited as a read of personal data.
#[utoipa::path(
    get,
    path = "/api/v1/warnings/{id}",
    params(("id" = i64, Path, description = "Warning id")),
    responses(
        (status = 200, description = "The warning", body = WarningJson),
        (status = 404, description = "No such warning in the jurisdiction"),
    ),
    security(("bearer" = [])),
    tag = "warnings"
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WarningJson>, AppError> {
    let view = service::view(
        &state.db,
        &state.audit,
        &caller.actor(),
        &caller.viewer().scope,
        id,
    )
    .await
    .map_err(AppError::internal)?
    .ok_or(AppError::NotFound)?;
    Ok(Json(full_json(&caller, &view)?))
}

/// A verification act, as `{"act": "verify", "note": …}`, `{"act": "confirm", "resolution":
/// "remove"|"correct"|"recover"|"include"|"reexamine", "note": …}`, `{"act": "dismiss",
/// "reason": …}` or `{"act": "assign", "area": "…"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ActJson(Act);

/// Does one act to a warning: refused (400) when the state machine or the jurisdiction does
/// not allow it.
#[utoipa::path(
    post,
    path = "/api/v1/warnings/{id}/acts",
    params(("id" = i64, Path, description = "Warning id")),
    request_body = ActJson,
    responses(
        (status = 200, description = "The warning after the act", body = WarningJson),
        (status = 400, description = "The act was refused, with the reason"),
        (status = 404, description = "No such warning in the jurisdiction"),
    ),
    security(("bearer" = [])),
    tag = "warnings"
)]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(ActJson(act)): Json<ActJson>,
) -> Result<Json<WarningJson>, AppError> {
    let scope = caller.viewer().scope;
    let view = service::act(&state.db, &caller.actor(), &scope, id, act).await?;
    Ok(Json(full_json(&caller, &view)?))
}
