//! `/`: each user's start page — what they must do today, with links to the lists behind each
//! count, a helper cadre's own households, the area's figures and the latest changes in it —
//! and `/api/v1/workbench`, the same counts as JSON.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fupin_core::access::Action;
use fupin_services::workbench::{Awaiting, RECENT_CHANGES, Workbench};
use fupin_storage::FigureYear;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use utoipa::ToSchema;

use super::areas::{AreaRow, HouseholdRow};
use super::{AreaNames, area_href, household_href, wording};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

/// A count of things to do, linked to the list of them.
#[derive(Debug, Serialize)]
struct Todo {
    label: String,
    count: String,
    href: &'static str,
}

#[derive(Debug, Serialize)]
struct RecentLine {
    number: String,
    href: String,
    village: String,
    action: String,
    at: String,
    actor: String,
}

#[derive(Debug, Serialize)]
struct OwnArea {
    name: String,
    href: String,
    households: i64,
    poor: i64,
    exited: i64,
    monitored: i64,
}

#[derive(Debug, Serialize)]
struct Link {
    label: &'static str,
    href: &'static str,
}

/// "12", or "2000+" when the cases read were cut at the limit.
fn shown_count(n: usize, capped: bool) -> String {
    if capped {
        format!("{n}+")
    } else {
        n.to_string()
    }
}

fn todos(lang: Lang, bench: &Workbench) -> Option<Vec<Todo>> {
    if bench.awaiting.is_none()
        && bench.warnings.is_none()
        && bench.tasks.is_none()
        && bench.unread_announcements.is_none()
    {
        return None;
    }
    let mut out = Vec::new();
    if let Some(Awaiting {
        steps,
        objections,
        capped,
    }) = &bench.awaiting
    {
        for (n, key) in [
            (steps.len(), "todo_cases"),
            (objections.len(), "todo_objections"),
        ] {
            if n > 0 {
                out.push(Todo {
                    label: t(lang, key).into(),
                    count: shown_count(n, *capped),
                    href: "/cases?awaiting=me",
                });
            }
        }
    }
    if let Some(w) = bench.warnings {
        for (n, key, href) in [
            (w.open, "todo_warnings_open", "/warnings?state=open"),
            (
                w.verifying,
                "todo_warnings_verifying",
                "/warnings?state=verifying",
            ),
        ] {
            if n > 0 {
                out.push(Todo {
                    label: t(lang, key).into(),
                    count: n.to_string(),
                    href,
                });
            }
        }
    }
    let (to_do, overdue) = bench.tasks.unwrap_or_default();
    for (n, key, href) in [
        (to_do, "todo_tasks", "/tasks#to-do"),
        (overdue, "todo_tasks_overdue", "/tasks#to-do"),
        (
            bench.unread_announcements.unwrap_or_default(),
            "todo_announcements",
            "/announcements",
        ),
    ] {
        if n > 0 {
            out.push(Todo {
                label: t(lang, key).into(),
                count: n.to_string(),
                href,
            });
        }
    }
    Some(out)
}

/// The administration pages the caller's roles open.
fn admin_links(lang: Lang, caller: &Caller) -> Vec<Link> {
    [
        (Action::ManageUsers, "users", "/admin/users"),
        (Action::ManageTokens, "tokens", "/admin/tokens"),
        (Action::ViewAudit, "audit", "/admin/audit"),
    ]
    .into_iter()
    .filter(|(action, _, _)| caller.may(*action))
    .map(|(_, key, href)| Link {
        label: t(lang, key),
        href,
    })
    .collect()
}

/// `GET /`: the caller's start page.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    let who = caller.principal.as_ref().ok_or(AppError::Unauthorized)?;
    let viewer = caller.viewer();
    let today = chrono::Local::now().date_naive();
    let bench = Workbench::read(&state.db, who, &viewer, today)
        .await
        .map_err(AppError::internal)?;
    let recent = bench.recent.as_deref().unwrap_or_default();
    let mine = bench.my_households.as_deref().unwrap_or_default();
    let names = AreaNames::of(
        &state,
        recent
            .iter()
            .map(|c| c.village_code.as_str())
            .chain(mine.iter().map(|h| h.village_code.as_str()))
            .chain([who.area.as_str()]),
    )
    .await?;
    let d = &viewer.disclosure;
    let my_households = bench.my_households.as_ref().map(|items| {
        items
            .iter()
            .map(|h| HouseholdRow::new(h, lang, d, &names))
            .collect::<Vec<_>>()
    });
    let recent = bench.recent.as_ref().map(|changes| {
        changes
            .iter()
            .map(|c| RecentLine {
                number: c.number.clone(),
                href: household_href(c.household_id),
                village: names.name(&c.village_code),
                action: super::households::action_label(lang, &c.action),
                at: crate::time::local_time(&c.at),
                actor: wording::actor(lang, &c.actor),
            })
            .collect::<Vec<_>>()
    });
    let (area, children) = match &bench.area {
        Some((own, children)) => (
            Some(OwnArea {
                name: own.area.name.clone(),
                href: area_href(own.area.code.as_str()),
                households: own.figures.households,
                poor: own.figures.poor,
                exited: own.figures.exited,
                monitored: own.figures.monitored,
            }),
            children
                .iter()
                .map(|c| AreaRow::new(c, lang, FigureYear::Now, None))
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    let role = who
        .roles
        .iter()
        .map(|r| lang.label(*r))
        .collect::<Vec<_>>()
        .join(lang.list_separator());
    let html = state.render(
        "home.html",
        lang,
        &caller,
        context! {
            title => t(lang, "workbench"),
            role,
            area_name => names.name(who.area.as_str()),
            todos => todos(lang, &bench).map(Serde),
            my_households => my_households.map(Serde),
            area => area.map(Serde),
            children => Serde(children),
            year => None::<i32>,
            can_view_households => caller.may(Action::ViewHouseholds),
            // fewer than asked among the registry's latest: older ones are not looked for
            recent_partial => bench.recent_latest_only
                && recent.as_ref().is_some_and(|r| (r.len() as i64) < RECENT_CHANGES),
            recent => recent.map(Serde),
            admin_links => Serde(admin_links(lang, &caller)),
        },
    )?;
    Ok(html.into_response())
}

/// What the caller has to do today, counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkbenchJson {
    /// Cases whose next step the caller may take today (absent for roles that read no cases).
    cases_awaiting: Option<usize>,
    /// Cases whose objection the caller settles.
    objections: Option<usize>,
    /// True when more cases stood at the caller's steps than were read.
    capped: bool,
    /// Warnings open, and being verified, inside the jurisdiction.
    warnings_open: Option<i64>,
    warnings_verifying: Option<i64>,
    /// A helper cadre's own households (ids).
    my_households: Option<Vec<i64>>,
    /// Instructions still to answer, and how many of them are past their deadline.
    tasks_to_do: Option<i64>,
    tasks_overdue: Option<i64>,
    /// Announcements the caller has not read.
    announcements_unread: Option<i64>,
}

/// The caller's to-do counts, as the start page shows them.
#[utoipa::path(
    get,
    path = "/api/v1/workbench",
    responses((status = 200, body = WorkbenchJson), (status = 401, description = "Not logged in")),
    security(("bearer" = [])),
    tag = "accounts"
)]
pub async fn api(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WorkbenchJson>, AppError> {
    let who = caller.principal.as_ref().ok_or(AppError::Unauthorized)?;
    let today = chrono::Local::now().date_naive();
    let bench = Workbench::read(&state.db, who, &caller.viewer(), today)
        .await
        .map_err(AppError::internal)?;
    let awaiting = bench.awaiting.as_ref();
    Ok(Json(WorkbenchJson {
        cases_awaiting: awaiting.map(|a| a.steps.len()),
        objections: awaiting.map(|a| a.objections.len()),
        capped: awaiting.is_some_and(|a| a.capped),
        warnings_open: bench.warnings.map(|w| w.open),
        warnings_verifying: bench.warnings.map(|w| w.verifying),
        tasks_to_do: bench.tasks.map(|t| t.0),
        tasks_overdue: bench.tasks.map(|t| t.1),
        announcements_unread: bench.unread_announcements,
        my_households: bench
            .my_households
            .as_ref()
            .map(|h| h.iter().map(|h| h.id).collect()),
    }))
}
