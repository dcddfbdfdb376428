//! Editing forms of a household: its own fields (status change included, with its reason), a
//! member's, a new member, a member leaving (death, moving out). Each form carries the version
//! of the household it was read at; `fupin_services::edit` refuses a save over a newer one.
//! Editors see values in full (every role that may edit reveals everything: core's tests).

use std::collections::BTreeMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::{AreaCode, AreaLevel, CodeList, Field};
use fupin_services::edit::{
    Departure, Edit, EditError, EditRequest, FormIssue, InputKind, NewHousehold, create_household,
    edit_household, form_cells, household_form_fields, input_kind, member_form_fields,
};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::{household_href, read_household};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, message, t};
use fupin_services::edit::conflict_message;

/// One input of a form, labelled and with its problem, if any.
#[derive(Debug, Serialize)]
struct Input {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    optional: bool,
    error: Option<String>,
}

/// The inputs for `fields` with `values`, marking the problems of `member` (None: household).
fn inputs(
    lang: Lang,
    fields: &[Field],
    values: &BTreeMap<Field, String>,
    issues: &[FormIssue],
    member: Option<usize>,
) -> Vec<Input> {
    fields
        .iter()
        .map(|&f| {
            let (kind, options, optional) = match input_kind(f) {
                InputKind::Text => ("text", Vec::new(), false),
                InputKind::Number => ("number", Vec::new(), false),
                InputKind::Year => ("year", Vec::new(), false),
                InputKind::Date => ("date", Vec::new(), false),
                InputKind::Choice { options, optional } => (
                    "choice",
                    options
                        .iter()
                        .map(|o| (o.value.to_string(), lang.pick(o.zh, o.en).to_string()))
                        .collect(),
                    optional,
                ),
            };
            let error = issues
                .iter()
                .filter(|i| i.field == Some(f) && (i.member == member || i.member.is_none()))
                .map(|i| message(lang, &i.message))
                .next();
            Input {
                name: f.code(),
                label: lang.field(f),
                kind,
                value: values.get(&f).cloned().unwrap_or_default(),
                options,
                optional,
                error,
            }
        })
        .collect()
}

/// What a form posts: field cells by code, plus `version`, `reason` and form controls.
struct Posted {
    cells: BTreeMap<Field, String>,
    fields: BTreeMap<String, String>,
}

impl Posted {
    fn new(pairs: Vec<(String, String)>) -> Self {
        let mut cells = BTreeMap::new();
        let mut fields = BTreeMap::new();
        for (k, v) in pairs {
            match Field::ALL.iter().find(|f| f.code() == k) {
                Some(f) => {
                    cells.insert(*f, v);
                }
                None => {
                    fields.insert(k, v);
                }
            }
        }
        Self { cells, fields }
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    fn version(&self) -> Result<i64, AppError> {
        self.get("version")
            .parse()
            .map_err(|_| AppError::bad_request("form_version_missing"))
    }
}

/// A rendered form page.
struct FormPage<'a> {
    title: String,
    action: String,
    household_id: i64,
    number: &'a str,
    version: i64,
    reason: &'a str,
    inputs: Vec<Input>,
    general: Vec<String>,
    conflict: Option<String>,
    /// For a member's form: the position (1-based) of the member, to offer "leaves the household".
    member: Option<usize>,
}

fn render_form(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    page: FormPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = state.render(
        "edit.html",
        lang,
        caller,
        context! {
            title => page.title,
            action => page.action,
            back => household_href(page.household_id),
            number => page.number,
            version => page.version,
            reason => page.reason,
            inputs => Serde(page.inputs),
            general => page.general,
            conflict => page.conflict,
            member => page.member,
            remove_action => page.member.map(|n| format!("/households/{}/members/{n}/remove", page.household_id)),
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /households/{id}/edit`.
pub async fn household_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (rec, _) = read_household(&state, &caller, id, "edit").await?;
    let (cells, _) = form_cells(&rec.household);
    let page = FormPage {
        title: format!("{} {}", t(lang, "edit_household"), rec.household.number),
        action: format!("/households/{id}/edit"),
        household_id: id,
        number: &rec.household.number,
        version: rec.version,
        reason: "",
        inputs: inputs(lang, &household_form_fields(), &cells, &[], None),
        general: Vec::new(),
        conflict: None,
        member: None,
    };
    render_form(&state, lang, &caller, page, StatusCode::OK)
}

/// `GET /households/{id}/members/{n}/edit` (n counts from 1).
pub async fn member_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, AppError> {
    let (rec, _) = read_household(&state, &caller, id, "edit").await?;
    let (_, members) = form_cells(&rec.household);
    let cells = n
        .checked_sub(1)
        .and_then(|i| members.get(i))
        .ok_or(AppError::NotFound)?;
    let page = FormPage {
        title: format!(
            "{} {} · {}",
            t(lang, "edit_member"),
            rec.household.number,
            rec.household.members[n - 1].name
        ),
        action: format!("/households/{id}/members/{n}/edit"),
        household_id: id,
        number: &rec.household.number,
        version: rec.version,
        reason: "",
        inputs: inputs(lang, member_form_fields(), cells, &[], Some(n - 1)),
        general: Vec::new(),
        conflict: None,
        member: Some(n),
    };
    render_form(&state, lang, &caller, page, StatusCode::OK)
}

/// `GET /households/{id}/members/new`.
pub async fn new_member_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (rec, _) = read_household(&state, &caller, id, "edit").await?;
    let page = FormPage {
        title: format!("{} {}", t(lang, "add_member"), rec.household.number),
        action: format!("/households/{id}/members/new"),
        household_id: id,
        number: &rec.household.number,
        version: rec.version,
        reason: "",
        inputs: inputs(lang, member_form_fields(), &BTreeMap::new(), &[], None),
        general: Vec::new(),
        conflict: None,
        member: None,
    };
    render_form(&state, lang, &caller, page, StatusCode::OK)
}

/// `POST /households/{id}/edit`.
pub async fn household_submit(
    state: State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let posted = Posted::new(pairs);
    let edit = Edit::Household(posted.cells.clone());
    submit(state, lang, caller, id, posted, edit, Target::Household).await
}

/// `POST /households/{id}/members/{n}/edit`.
pub async fn member_submit(
    state: State<AppState>,
    lang: Lang,
    caller: Caller,
    Path((id, n)): Path<(i64, usize)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let posted = Posted::new(pairs);
    let index = n.checked_sub(1).ok_or(AppError::NotFound)?;
    let edit = Edit::Member {
        index,
        cells: posted.cells.clone(),
    };
    submit(state, lang, caller, id, posted, edit, Target::Member(index)).await
}

/// `POST /households/{id}/members/new`.
pub async fn new_member_submit(
    state: State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let posted = Posted::new(pairs);
    let edit = Edit::AddMember(posted.cells.clone());
    submit(state, lang, caller, id, posted, edit, Target::NewMember).await
}

/// `POST /households/{id}/members/{n}/remove`: `why` (death, move_out), `on` (a date), reason.
pub async fn remove_member(
    state: State<AppState>,
    lang: Lang,
    caller: Caller,
    Path((id, n)): Path<(i64, usize)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let posted = Posted::new(pairs);
    let index = n.checked_sub(1).ok_or(AppError::NotFound)?;
    let why = Departure::parse(posted.get("why"));
    let on = fupin_core::date::parse_date(posted.get("on"));
    let edit = match (why, on) {
        (Some(why), Some(on)) => Edit::RemoveMember { index, why, on },
        _ => {
            // still 404 outside the jurisdiction before any complaint about the form
            read_household(&state, &caller, id, "edit").await?;
            return Err(AppError::bad_request("departure_required"));
        }
    };
    submit(state, lang, caller, id, posted, edit, Target::Member(index)).await
}

/// The new-household form: the household's fields, the head's, a free number.
async fn new_household_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    village: &AreaCode,
    posted: Option<&Posted>,
    issues: &[FormIssue],
    for_case: bool,
) -> Result<Response, AppError> {
    let area = state
        .db
        .area(&caller.viewer().scope, village)
        .await?
        .filter(|a| a.level == AreaLevel::Village)
        .ok_or(AppError::NotFound)?;
    let number = match posted {
        Some(p) => p.get("number").to_string(),
        None => state.db.next_household_number(village).await?,
    };
    let empty = BTreeMap::new();
    let cells = posted.map_or(&empty, |p| &p.cells);
    let head_fields: Vec<Field> = member_form_fields()
        .iter()
        .copied()
        .filter(|f| *f != Field::Relation)
        .collect();
    let general: Vec<String> = issues
        .iter()
        .filter(|i| i.field.is_none() || i.field == Some(Field::HouseholdNo))
        .map(|i| message(lang, &i.message))
        .collect();
    let html = state.render(
        "edit.html",
        lang,
        caller,
        context! {
            title => format!(
                "{} · {}",
                t(lang, if for_case { "apply_identification" } else { "new_household" }),
                area.name
            ),
            action => if for_case {
                format!("/areas/{village}/cases/new")
            } else {
                format!("/areas/{village}/households/new")
            },
            back => super::area_href(village.as_str()),
            back_label => area.name,
            version => 0,
            reason => posted.map(|p| p.get("reason").to_string()).unwrap_or_default(),
            new_number => number,
            inputs => Serde(inputs(lang, &household_form_fields(), cells, issues, None)),
            head_inputs => Serde(inputs(lang, &head_fields, cells, issues, Some(0))),
            general,
            conflict => (),
            member => (),
            remove_action => (),
        },
    )?;
    let status = if issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

fn village_code(raw: &str) -> Result<AreaCode, AppError> {
    AreaCode::parse(raw).map_err(|_| AppError::NotFound)
}

/// `GET /areas/{code}/households/new`: register a household in a village.
pub async fn new_household_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    new_household_page(
        &state,
        lang,
        &caller,
        &village_code(&code)?,
        None,
        &[],
        false,
    )
    .await
}

/// `GET /areas/{code}/cases/new`: apply for identification (the same form; a case is opened).
pub async fn identification_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    new_household_page(
        &state,
        lang,
        &caller,
        &village_code(&code)?,
        None,
        &[],
        true,
    )
    .await
}

/// The new-household form again with what was posted and its problems.
pub async fn new_household_page_for(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    village: &AreaCode,
    pairs: &[(String, String)],
    issues: &[FormIssue],
    for_case: bool,
) -> Result<Response, AppError> {
    let posted = Posted::new(pairs.to_vec());
    new_household_page(
        state,
        lang,
        caller,
        village,
        Some(&posted),
        issues,
        for_case,
    )
    .await
}

/// `POST /areas/{code}/households/new`.
pub async fn new_household_submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let village = village_code(&code)?;
    let viewer = caller.viewer();
    if !viewer.scope.contains_area(&village) {
        return Err(AppError::NotFound);
    }
    let posted = Posted::new(pairs);
    if posted.cells.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let (mut household, mut head) = (BTreeMap::new(), BTreeMap::new());
    for (f, v) in &posted.cells {
        if member_form_fields().contains(f) {
            head.insert(*f, v.clone());
        } else {
            household.insert(*f, v.clone());
        }
    }
    let new = NewHousehold {
        village: village.clone(),
        number: posted.get("number").to_string(),
        household,
        head,
        reason: posted.get("reason").to_string(),
    };
    let today = chrono::Local::now().date_naive();
    match create_household(&state.db, &caller.actor(), &viewer.scope, new, today).await {
        Ok(id) => Ok(Redirect::to(&household_href(id)).into_response()),
        Err(EditError::NotFound) => Err(AppError::NotFound),
        Err(EditError::Invalid(issues)) => {
            new_household_page(
                &state,
                lang,
                &caller,
                &village,
                Some(&posted),
                &issues,
                false,
            )
            .await
        }
        Err(EditError::Conflict { .. }) => {
            Err(AppError::Internal("conflict on a new household".into()))
        }
        Err(EditError::Storage(e)) => Err(e.into()),
        Err(EditError::Other(e)) => Err(AppError::internal(e)),
    }
}

/// Which form a submission came from (to show it again with its problems).
#[derive(Clone, Copy)]
enum Target {
    Household,
    Member(usize),
    NewMember,
}

async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    id: i64,
    posted: Posted,
    edit: Edit,
    target: Target,
) -> Result<Response, AppError> {
    // the household first: outside the jurisdiction it does not exist, whatever was posted
    let (rec, _) = read_household(&state, &caller, id, "edit").await?;
    let version = posted.version()?;
    let reason = posted.get("reason").to_string();
    let request = EditRequest {
        household_id: id,
        version,
        edit,
        reason: reason.clone(),
    };
    let today = chrono::Local::now().date_naive();
    let viewer = caller.viewer();
    let (issues, conflict, status) =
        match edit_household(&state.db, &caller.actor(), &viewer.scope, request, today).await {
            Ok(_) => return Ok(Redirect::to(&household_href(id)).into_response()),
            Err(EditError::NotFound) => return Err(AppError::NotFound),
            Err(EditError::Invalid(issues)) => (issues, None, StatusCode::UNPROCESSABLE_ENTITY),
            Err(EditError::Conflict { at, by }) => (
                Vec::new(),
                Some(message(lang, &conflict_message(&at, &by))),
                StatusCode::CONFLICT,
            ),
            Err(EditError::Storage(e)) => return Err(e.into()),
            Err(EditError::Other(e)) => return Err(AppError::internal(e)),
        };
    // the form again, with what was typed and each problem beside its field
    let general: Vec<String> = issues
        .iter()
        .filter(|i| i.field.is_none() || !shown_on(target, i))
        .map(|i| match i.field {
            Some(f) => format!("{}: {}", lang.field(f), message(lang, &i.message)),
            None => message(lang, &i.message),
        })
        .collect();
    let (fields, member, title_key, action, member_no) = match target {
        Target::Household => (
            household_form_fields(),
            None,
            "edit_household",
            format!("/households/{id}/edit"),
            None,
        ),
        Target::Member(i) => (
            member_form_fields().to_vec(),
            Some(i),
            "edit_member",
            format!("/households/{id}/members/{}/edit", i + 1),
            Some(i + 1),
        ),
        Target::NewMember => (
            member_form_fields().to_vec(),
            Some(rec.household.members.len()),
            "add_member",
            format!("/households/{id}/members/new"),
            None,
        ),
    };
    // invalid: the form as typed; after a conflict: the current values (the editor's own were
    // made on an older version; saving them again would overwrite what they have not seen)
    let mut values = match target {
        Target::Household => form_cells(&rec.household).0,
        Target::Member(i) => form_cells(&rec.household)
            .1
            .get(i)
            .cloned()
            .unwrap_or_default(),
        Target::NewMember => BTreeMap::new(),
    };
    if conflict.is_none() {
        values.extend(posted.cells.clone());
    }
    let page = FormPage {
        title: format!("{} {}", t(lang, title_key), rec.household.number),
        action,
        household_id: id,
        number: &rec.household.number,
        version: rec.version,
        reason: &reason,
        inputs: inputs(lang, &fields, &values, &issues, member),
        general,
        conflict,
        member: member_no,
    };
    render_form(&state, lang, &caller, page, status)
}

/// Whether an issue is shown beside an input of the form it came from.
fn shown_on(target: Target, issue: &FormIssue) -> bool {
    let Some(f) = issue.field else {
        return false;
    };
    match target {
        Target::Household => household_form_fields().contains(&f),
        Target::Member(_) | Target::NewMember => member_form_fields().contains(&f),
    }
}
