//! `/households/{id}/split` and `/households/{id}/merge`: splitting members off into a new
//! household, and merging another household into this one (`fupin_services::restructure`).

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::codes::Relation;
use fupin_services::edit::EditError;
use fupin_services::restructure::{MergeRequest, SplitRequest, merge_households, split_household};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::{household_href, read_household};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, message, t};
use fupin_services::edit::conflict_message;

#[derive(Debug, Serialize)]
struct MemberChoice {
    index: usize,
    name: String,
    relation: String,
    is_head: bool,
    checked: bool,
}

/// The posted fields, repeated ones (`member`) kept.
struct Posted(Vec<(String, String)>);

impl Posted {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn version(&self) -> Result<i64, AppError> {
        self.get("version")
            .parse()
            .map_err(|_| AppError::bad_request("form_version_missing"))
    }
}

/// A refused submission to show again: what was posted and why it was refused.
struct Refusal<'a> {
    posted: &'a Posted,
    problems: Vec<String>,
    status: StatusCode,
}

/// Renders the split or merge form (`kind`), fresh or after a refusal.
async fn page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    kind: &str,
    refusal: Option<Refusal<'_>>,
) -> Result<Response, AppError> {
    let posted = refusal.as_ref().map(|r| r.posted);
    let (rec, d) = read_household(state, caller, id, kind).await?;
    let h = &rec.household;
    let chosen: Vec<&str> = posted.map(|p| p.all("member")).unwrap_or_default();
    let members: Vec<MemberChoice> = h
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| MemberChoice {
            index: i,
            name: d.show(fupin_core::access::Sensitive::Name, &m.name),
            relation: lang.label(m.relation).to_string(),
            is_head: m.relation == Relation::Head,
            checked: chosen.contains(&i.to_string().as_str()),
        })
        .collect();
    let suggested = match posted {
        Some(p) => p.get("new_number").to_string(),
        None => state.db.next_household_number(&h.village_code).await?,
    };
    let title_key = if kind == "split" {
        "split_household"
    } else {
        "merge_household"
    };
    let html = state.render(
        "restructure.html",
        lang,
        caller,
        context! {
            title => format!("{} {}", t(lang, title_key), h.number),
            kind,
            action => format!("/households/{id}/{kind}"),
            back => household_href(id),
            version => rec.version,
            members => Serde(members),
            new_number => suggested,
            new_head => posted.map(|p| p.get("new_head").to_string()).unwrap_or_default(),
            from_number => posted.map(|p| p.get("from_number").to_string()).unwrap_or_default(),
            reason => posted.map(|p| p.get("reason").to_string()).unwrap_or_default(),
            problems => refusal.as_ref().map(|r| r.problems.clone()).unwrap_or_default(),
        },
    )?;
    let status = refusal.map_or(StatusCode::OK, |r| r.status);
    Ok((status, html).into_response())
}

/// `GET /households/{id}/split`.
pub async fn split_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    page(&state, lang, &caller, id, "split", None).await
}

/// `GET /households/{id}/merge`.
pub async fn merge_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    page(&state, lang, &caller, id, "merge", None).await
}

/// `POST /households/{id}/split`: `member` (repeated), `new_head`, `new_number`, `reason`.
pub async fn split_submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    // outside the jurisdiction the household does not exist, whatever was posted
    read_household(&state, &caller, id, "split").await?;
    let posted = Posted(pairs);
    let index = |s: &str| s.parse::<usize>().ok();
    let request = SplitRequest {
        household_id: id,
        version: posted.version()?,
        members: posted.all("member").into_iter().filter_map(index).collect(),
        new_head: index(posted.get("new_head")).unwrap_or(usize::MAX),
        new_number: posted.get("new_number").to_string(),
        reason: posted.get("reason").to_string(),
    };
    let today = chrono::Local::now().date_naive();
    let result = split_household(
        &state.db,
        &caller.actor(),
        &caller.viewer().scope,
        request,
        today,
    )
    .await;
    match result {
        Ok(new_id) => Ok(Redirect::to(&household_href(new_id)).into_response()),
        Err(e) => refused(&state, lang, &caller, id, "split", &posted, e).await,
    }
}

/// `POST /households/{id}/merge`: `from_number`, `reason`.
pub async fn merge_submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    read_household(&state, &caller, id, "merge").await?;
    let posted = Posted(pairs);
    let request = MergeRequest {
        into_id: id,
        into_version: posted.version()?,
        from_number: posted.get("from_number").to_string(),
        reason: posted.get("reason").to_string(),
    };
    let today = chrono::Local::now().date_naive();
    let result = merge_households(
        &state.db,
        &caller.actor(),
        &caller.viewer().scope,
        request,
        today,
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&household_href(id)).into_response()),
        Err(e) => refused(&state, lang, &caller, id, "merge", &posted, e).await,
    }
}

/// The form again with why it was refused (422 for problems, 409 for a newer version).
async fn refused(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    kind: &str,
    posted: &Posted,
    e: EditError,
) -> Result<Response, AppError> {
    let (problems, status) = match e {
        EditError::NotFound => return Err(AppError::NotFound),
        EditError::Invalid(issues) => (
            issues.iter().map(|i| message(lang, &i.message)).collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        EditError::Conflict { at, by } => (
            vec![message(lang, &conflict_message(&at, &by))],
            StatusCode::CONFLICT,
        ),
        EditError::Storage(e) => return Err(e.into()),
        EditError::Other(e) => return Err(AppError::internal(e)),
    };
    {
        let refusal = Refusal {
            posted,
            problems,
            status,
        };
        page(state, lang, caller, id, kind, Some(refusal)).await
    }
}
