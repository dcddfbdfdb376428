//! Village work teams (驻村工作队) and first secretaries: who serves in the villages of an area,
//! their days present this month from their sign-ins, a member added or ended.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use fupin_core::AreaCode;
use fupin_core::access::Action;
use fupin_core::codes::CodeList;
use fupin_core::field::pairing::TeamRole;
use fupin_services::error::ServiceError;
use fupin_services::field::pairing;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::Refusal;
use super::helpers::area_of;
use super::{month_or_current, today};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::AreaNames;
use crate::pages::area_picker::AreaPicker;

#[derive(Debug, Default, Deserialize)]
pub struct TeamQuery {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    area_q: Option<String>,
}

#[derive(Debug, Serialize)]
struct MemberLine {
    id: i64,
    village: String,
    name: String,
    helper_href: String,
    unit: String,
    role: &'static str,
    since: String,
    days: i64,
    flagged: i64,
}

async fn page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    q: &TeamQuery,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let area = area_of(state, caller, q.area.as_deref()).await?;
    let month = month_or_current(q.month.as_deref());
    let scope = caller.viewer().scope;
    let members = state.db.teams_in(&scope, &area.code, false).await?;
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| AppError::NotFound)?;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let present = state
        .db
        .days_present(&scope, &area.code, &first.to_string(), &last.to_string())
        .await?;
    let names = AreaNames::of(state, members.iter().map(|m| m.village_code.as_str())).await?;
    let lines: Vec<MemberLine> = members
        .iter()
        .map(|m| {
            let days = present
                .iter()
                .find(|p| p.helper_id == m.helper_id && p.village_code == m.village_code);
            MemberLine {
                id: m.id,
                village: names.name(&m.village_code),
                name: m.name.clone(),
                helper_href: format!("/field/helpers/{}", m.helper_id),
                unit: m.unit.clone().unwrap_or_default(),
                role: TeamRole::parse(&m.role).map_or("", |r| lang.label(r)),
                since: m.started_on.clone(),
                days: days.map_or(0, |d| d.days),
                flagged: days.map_or(0, |d| d.flagged),
            }
        })
        .collect();
    let may_manage = caller.may(Action::ManageHelpers);
    let (picker, helpers) = if may_manage {
        let (helpers, _) = state.db.helpers_in(&scope, &area.code, "", 500, 0).await?;
        let helpers: Vec<(i64, String)> = helpers
            .into_iter()
            .filter(|h| h.left_on.is_none())
            .map(|h| {
                (
                    h.id,
                    format!("{}（{}）", h.name, h.unit.unwrap_or_default()),
                )
            })
            .collect();
        (
            Some(AreaPicker::of(state, &scope, q.area_q.as_deref(), None).await?),
            helpers,
        )
    } else {
        (None, Vec::new())
    };
    let roles: Vec<(&str, &str)> = TeamRole::ALL
        .iter()
        .map(|r| (r.code(), lang.label(*r)))
        .collect();
    let html = state.render(
        "field_teams.html",
        lang,
        caller,
        context! {
            title => format!("{} · {}", t(lang, "work_teams"), area.name),
            area => area.code.to_string(),
            area_name => area.name.clone(),
            month,
            members => Serde(lines),
            may_manage,
            picker => Serde(picker),
            picker_action => format!("/field/teams?area={}#join", area.code),
            helpers,
            roles,
            today => today().to_string(),
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(super::answer(html, &refusal))
}

/// `GET /field/teams?area=&month=`.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<TeamQuery>,
) -> Result<Response, AppError> {
    page(&state, lang, &caller, &q, None).await
}

/// `POST /field/teams`: a helper joins a village's team.
pub async fn join(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    body: String,
) -> Result<Response, AppError> {
    let (mut area, mut helper, mut role, mut since) =
        (String::new(), String::new(), String::new(), String::new());
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        let v = v.trim().to_string();
        match &*k {
            "area" => area = v,
            "helper" => helper = v,
            "role" => role = v,
            "since" => since = v,
            _ => {}
        }
    }
    if helper.is_empty() || area.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let village = AreaCode::parse(&area).map_err(|_| AppError::NotFound)?;
    let done = match (helper.parse::<i64>(), TeamRole::parse(&role)) {
        (Ok(helper), Some(role)) => {
            let since = NaiveDate::parse_from_str(&since, "%Y-%m-%d").unwrap_or_else(|_| today());
            pairing::join_team(
                &state.db,
                &caller.viewer().scope,
                &caller.actor(),
                &village,
                helper,
                role,
                since,
            )
            .await
        }
        _ => Err(ServiceError::refused("team_choose_helper")),
    };
    let back = village.ancestor(fupin_core::AreaLevel::Township.min(village.level()));
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/field/teams?area={back}")).into_response()),
        Err(e) => {
            let q = TeamQuery {
                area: Some(back.to_string()),
                ..TeamQuery::default()
            };
            let refusal = match e {
                // the village picked is not a village (a township of the list)
                ServiceError::NotFound if village.level() != fupin_core::AreaLevel::Village => {
                    Refusal {
                        text: t(lang, "team_pick_village").to_string(),
                        status: axum::http::StatusCode::BAD_REQUEST,
                    }
                }
                e => Refusal::of(lang, e)?,
            };
            page(&state, lang, &caller, &q, Some(refusal)).await
        }
    }
}

/// `POST /field/teams/{id}/end`: a member leaves the team today.
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let member = state
        .db
        .reader()
        .await?
        .team_member(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    pairing::leave_team(&state.db, &scope, &caller.actor(), id, today()).await?;
    let village = AreaCode::parse(&member.village_code).map_err(|_| AppError::NotFound)?;
    Ok(Redirect::to(&format!(
        "/field/teams?area={}",
        village.ancestor(fupin_core::AreaLevel::Township)
    ))
    .into_response())
}
