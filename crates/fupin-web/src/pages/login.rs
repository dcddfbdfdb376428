//! `/login` and `/logout`: the session cookie's beginning and end.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::message::Explained;
use fupin_services::accounts::{self, AccountError};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Caller, SESSION_COOKIE, is_https, secret_cookie};
use crate::error::AppError;
use crate::i18n::{Lang, t};

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site: never `//host` or `https://…` (no open redirect).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

fn render_form(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    username: &str,
    next: &str,
    error: Option<String>,
) -> Result<axum::response::Html<String>, AppError> {
    state.render(
        "login.html",
        lang,
        caller,
        context! { title => t(lang, "login"), username, next, error },
    )
}

/// `GET /login`.
pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if caller.principal.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    Ok(render_form(&state, lang, &caller, "", next, None)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref()).to_string();
    let username = f.username.trim().to_lowercase();
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match accounts::login(
        &state.db,
        &username,
        &f.password,
        &caller.client_addr,
        agent,
    )
    .await
    {
        Ok(login) => {
            let to = if login.session.user.must_change_password {
                "/account/password".to_string()
            } else {
                next
            };
            let mut response = Redirect::to(&to).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                secret_cookie(
                    SESSION_COOKIE,
                    &login.session_secret,
                    is_https(&state, &headers),
                    None,
                ),
            );
            Ok(response)
        }
        Err(e) => match e.downcast::<AccountError>() {
            Ok(refusal) => {
                let page = render_form(
                    &state,
                    lang,
                    &caller,
                    &username,
                    &next,
                    Some(crate::i18n::message(lang, &refusal.message())),
                )?;
                Ok(match refusal {
                    AccountError::Throttled { retry_after } => (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, retry_after.to_string())],
                        page,
                    )
                        .into_response(),
                    _ => (StatusCode::UNAUTHORIZED, page).into_response(),
                })
            }
            Err(e) => Err(AppError::internal(e)),
        },
    }
}

/// `POST /logout`: ends the session here and in the database.
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(secret) = &caller.session_secret {
        accounts::logout(&state.db, &caller.actor(), secret)
            .await
            .map_err(AppError::internal)?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        secret_cookie(SESSION_COOKIE, "", is_https(&state, &headers), Some(0)),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/households/3")), "/households/3");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
