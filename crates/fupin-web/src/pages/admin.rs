//! `/admin/…`: accounts, API tokens and the audit trail of the administrator's own subtree.
//! Accounts outside it answer 404, as if they did not exist.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use fupin_core::access::{Action, Role};
use fupin_core::message::Explained;
use fupin_core::{AreaCode, CodeList};
use fupin_services::accounts::{self, AccountError, AccountForm};
use fupin_storage::{AuditFilter, User};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::area_picker::AreaPicker;
use super::wording;
use super::{Pager, parse_page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

/// The administrator's own area (the rule layer has checked they are logged in).
fn home_area(caller: &Caller) -> Result<AreaCode, AppError> {
    caller
        .principal
        .as_ref()
        .map(|p| p.area.clone())
        .ok_or(AppError::Unauthorized)
}

/// A refusal of a use-case is shown on the form; anything else is an error.
fn refusal(lang: Lang, e: anyhow::Error) -> Result<String, AppError> {
    match e.downcast::<AccountError>() {
        Ok(r) => Ok(crate::i18n::message(lang, &r.message())),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// A page with a form: 400 when it shows a refusal, so that scripts and tests see it failed.
fn form_response(error: &Option<String>, html: Html<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, html).into_response()
}

#[derive(Debug, Serialize)]
struct UserRow {
    username: String,
    real_name: String,
    area: String,
    area_name: String,
    roles: String,
    disabled: bool,
    href: String,
}

fn user_row(lang: Lang, u: &User, area_name: &str) -> UserRow {
    let roles: Vec<&str> = u.roles.iter().map(|r| lang.label(*r)).collect();
    UserRow {
        username: u.username.clone(),
        real_name: u.real_name.clone(),
        area: u.area.to_string(),
        area_name: area_name.to_string(),
        roles: roles.join(lang.list_separator()),
        disabled: u.disabled,
        href: format!("/admin/users/{}", u.username),
    }
}

#[derive(Debug, Serialize)]
struct Choice {
    code: &'static str,
    label: &'static str,
}

fn role_choices(lang: Lang) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            code: r.code(),
            label: lang.label(*r),
        })
        .collect()
}

async fn users_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    error: Option<String>,
    created: Option<String>,
    pick: Pick<'_>,
) -> Result<Response, AppError> {
    let area = home_area(caller)?;
    let picker = AreaPicker::of(state, &caller.viewer().scope, pick.query, pick.selected).await?;
    let users = state.db.users_within(Some(&area)).await?;
    let names = super::AreaNames::of(state, users.iter().map(|u| u.area.as_str())).await?;
    let rows: Vec<UserRow> = users
        .iter()
        .map(|u| user_row(lang, u, &names.name(u.area.as_str())))
        .collect();
    let html = state.render(
        "users.html",
        lang,
        caller,
        context! {
            title => t(lang, "users"),
            users => Serde(rows),
            roles => Serde(role_choices(lang)),
            picker => Serde(picker),
            picker_action => "/admin/users#create",
            error => error.clone(),
            created,
        },
    )?;
    Ok(form_response(&error, html))
}

/// `GET /admin/users`: the accounts of the subtree and a form for a new one.
pub async fn users(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<super::area_picker::AreaQuery>,
) -> Result<Response, AppError> {
    let pick = Pick {
        query: q.area_q.as_deref(),
        selected: None,
    };
    users_page(&state, lang, &caller, None, None, pick).await
}

/// What the users page's area picker shows: the areas found by a name, and the one chosen.
#[derive(Debug, Default, Clone, Copy)]
struct Pick<'a> {
    query: Option<&'a str>,
    selected: Option<&'a str>,
}

/// The form's fields (roles repeat: `role=a&role=b`).
#[derive(Debug, Default)]
pub struct NewUserForm {
    username: String,
    real_name: String,
    area: String,
    phone: String,
    roles: Vec<String>,
}

impl NewUserForm {
    fn parse(body: &str) -> Self {
        let mut f = Self::default();
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            let v = v.trim().to_string();
            match &*k {
                "username" => f.username = v.to_lowercase(),
                "real_name" => f.real_name = v,
                "area" => f.area = v,
                "phone" => f.phone = v,
                "role" => f.roles.push(v),
                _ => {}
            }
        }
        f
    }
}

/// `POST /admin/users`: creates an account with a temporary password, shown once.
pub async fn create_user(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    body: String,
) -> Result<Response, AppError> {
    let f = NewUserForm::parse(&body);
    let pick = Pick {
        query: None,
        selected: Some(&f.area),
    };
    let Ok(area) = AreaCode::parse(&f.area) else {
        let error = Some(format!("{}: {}", t(lang, "area"), f.area));
        return users_page(&state, lang, &caller, error, None, pick).await;
    };
    let Some(roles) = f
        .roles
        .iter()
        .map(|r| Role::parse(r))
        .collect::<Option<Vec<_>>>()
    else {
        return Err(AppError::bad_request("unknown_role"));
    };
    let temporary = accounts::temporary_password();
    let form = AccountForm {
        username: f.username.clone(),
        real_name: f.real_name,
        area,
        phone: f.phone,
        roles,
        password: temporary.clone(),
    };
    match accounts::add_user(&state.db, &caller.actor(), form, true).await {
        Ok(_) => {
            let created = Some(format!(
                "{} — {}: {temporary}",
                f.username,
                t(lang, "temporary_password")
            ));
            users_page(&state, lang, &caller, None, created, Pick::default()).await
        }
        Err(e) => {
            let error = Some(refusal(lang, e)?);
            users_page(&state, lang, &caller, error, None, pick).await
        }
    }
}

/// The account `username` if the caller administers its area; 404 otherwise.
async fn administered(state: &AppState, caller: &Caller, username: &str) -> Result<User, AppError> {
    let (user, _) = state
        .db
        .user_with_hash(username)
        .await?
        .ok_or(AppError::NotFound)?;
    match &caller.principal {
        Some(p) if p.administers(&user.area) => Ok(user),
        _ => Err(AppError::NotFound),
    }
}

async fn user_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    user: &User,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let names = super::AreaNames::of(state, [user.area.as_str()]).await?;
    let row = user_row(lang, user, &names.name(user.area.as_str()));
    let filter = AuditFilter {
        actor: Some(user.username.clone()),
        ..AuditFilter::default()
    };
    let area = home_area(caller)?;
    let (entries, _) = state.db.audit_entries(Some(&area), &filter, 0, 20).await?;
    Ok(state
        .render(
            "user.html",
            lang,
            caller,
            context! {
                title => user.real_name.clone(),
                user => Serde(row),
                phone => user.phone.clone(),
                created_at => crate::time::local_time(&user.created_at),
                must_change => user.must_change_password,
                entries => Serde(audit_rows(state, lang, caller, &entries).await?),
                notice,
            },
        )?
        .into_response())
}

/// `GET /admin/users/{username}`.
pub async fn user(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let user = administered(&state, &caller, &username).await?;
    user_page(&state, lang, &caller, &user, None).await
}

#[derive(Debug, Deserialize)]
pub struct StateForm {
    disabled: String,
}

/// `POST /admin/users/{username}/state`: disable (ending sessions and tokens) or enable.
pub async fn set_state(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    Form(f): Form<StateForm>,
) -> Result<Response, AppError> {
    let user = administered(&state, &caller, &username).await?;
    let disabled = f.disabled == "true";
    accounts::set_disabled(&state.db, &caller.actor(), &user.username, disabled)
        .await
        .map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/admin/users/{username}")).into_response())
}

/// `POST /admin/users/{username}/password`: a temporary password, shown once.
pub async fn reset_password(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let user = administered(&state, &caller, &username).await?;
    let temporary = accounts::reset_password(&state.db, &caller.actor(), &user.username)
        .await
        .map_err(AppError::internal)?;
    let user = administered(&state, &caller, &username).await?;
    let notice = Some(format!("{}: {temporary}", t(lang, "temporary_password")));
    user_page(&state, lang, &caller, &user, notice).await
}

#[derive(Debug, Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    username: String,
    actions: String,
    expires_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    error: Option<String>,
    secret: Option<String>,
) -> Result<Response, AppError> {
    let area = home_area(caller)?;
    let rows: Vec<TokenRow> = state
        .db
        .tokens_within(Some(&area))
        .await?
        .into_iter()
        .map(|tk| TokenRow {
            id: tk.id,
            name: tk.name,
            username: tk.username,
            actions: tk
                .actions
                .iter()
                .map(|a| lang.label(*a))
                .collect::<Vec<_>>()
                .join(lang.list_separator()),
            expires_at: crate::time::local_time(&tk.expires_at),
            revoked_at: tk.revoked_at.as_deref().map(crate::time::local_time),
            last_used_at: tk.last_used_at.as_deref().map(crate::time::local_time),
        })
        .collect();
    let actions: Vec<Choice> = Action::ALL
        .iter()
        .map(|a| Choice {
            code: a.code(),
            label: lang.label(*a),
        })
        .collect();
    let html = state.render(
        "tokens.html",
        lang,
        caller,
        context! {
            title => t(lang, "tokens"),
            tokens => Serde(rows),
            actions => Serde(actions),
            error => error.clone(),
            secret,
        },
    )?;
    Ok(form_response(&error, html))
}

/// `GET /admin/tokens`.
pub async fn tokens(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    tokens_page(&state, lang, &caller, None, None).await
}

/// `POST /admin/tokens`: `owner`, `name`, `days` and repeated `action`.
pub async fn create_token(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    body: String,
) -> Result<Response, AppError> {
    let (mut owner, mut name, mut days, mut actions) = (String::new(), String::new(), 90, vec![]);
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match &*k {
            "owner" => owner = v.trim().to_lowercase(),
            "name" => name = v.trim().to_string(),
            "days" => days = v.trim().parse().unwrap_or(0),
            "action" => actions.extend(Action::parse(&v)),
            _ => {}
        }
    }
    // an owner outside the subtree is refused like an unknown one
    let created =
        accounts::create_token(&state.db, &caller.actor(), &owner, &name, &actions, days).await;
    match created {
        Ok((_, secret)) => tokens_page(&state, lang, &caller, None, Some(secret)).await,
        Err(e) => {
            let message = refusal(lang, e).unwrap_or_else(|_| t(lang, "no_such_user").to_string());
            tokens_page(&state, lang, &caller, Some(message), None).await
        }
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    accounts::revoke_token(&state.db, &caller.actor(), id)
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok(Redirect::to("/admin/tokens").into_response())
}

#[derive(Debug, Serialize)]
struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    /// What kind of record, in words, and which (its id, a username, a file: data).
    target_kind: String,
    target: String,
    area_code: String,
    area: String,
    client_addr: String,
    detail: String,
}

impl AuditRow {
    /// An entry as `d` may read it: a search's text masked like the data it names.
    fn new(
        e: &fupin_core::audit::AuditEntry,
        lang: Lang,
        d: &fupin_core::masking::Disclosure,
        names: &super::AreaNames,
    ) -> Self {
        let target = super::search::shown_in_audit(&e.target_kind, &e.target_id, d);
        AuditRow {
            id: e.id,
            at: crate::time::local_time(&e.at),
            actor: wording::actor(lang, &e.actor),
            action: wording::audit_action(lang, &e.action),
            target_kind: wording::audit_target(lang, &e.target_kind),
            target,
            area_code: e.area_code.clone(),
            area: names.name(&e.area_code),
            client_addr: e.client_addr.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// Audit entries as `caller` may read them, their areas named.
async fn audit_rows(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    entries: &[fupin_core::audit::AuditEntry],
) -> Result<Vec<AuditRow>, AppError> {
    let names = super::AreaNames::of(state, entries.iter().map(|e| e.area_code.as_str())).await?;
    let d = caller.viewer().disclosure;
    Ok(entries
        .iter()
        .map(|e| AuditRow::new(e, lang, &d, &names))
        .collect())
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

const AUDIT_PAGE: u64 = 50;

/// `GET /admin/audit`: the trail of the caller's subtree, newest first, filtered.
pub async fn audit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let area = home_area(&caller)?;
    let page = parse_page(q.page.as_deref())?;
    let filter = AuditFilter {
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        target_id: non_empty(&q.target),
        from: non_empty(&q.from),
        to: non_empty(&q.to),
    };
    let offset = ((page - 1) * AUDIT_PAGE) as i64;
    let (entries, total) = state
        .db
        .audit_entries(Some(&area), &filter, offset, AUDIT_PAGE as i64)
        .await?;
    let mut base = String::from("/admin/audit?");
    for (k, v) in [
        ("actor", &filter.actor),
        ("action", &filter.action),
        ("target", &filter.target_id),
        ("from", &filter.from),
        ("to", &filter.to),
    ] {
        if let Some(v) = v {
            let v: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
            base.push_str(&format!("{k}={v}&"));
        }
    }
    let base = base.trim_end_matches(['&', '?']).to_string();
    let pager = Pager::new(&base, page, AUDIT_PAGE, total as u64, entries.len() as u64);
    Ok(state
        .render(
            "audit.html",
            lang,
            &caller,
            context! {
                title => t(lang, "audit"),
                entries => Serde(audit_rows(&state, lang, &caller, &entries).await?),
                q => Serde(q),
                pager => Serde(pager),
            },
        )?
        .into_response())
}
