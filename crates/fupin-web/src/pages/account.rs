//! `/account/password`: a user changes their own password (and must, after a reset).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::message::Explained;
use fupin_services::accounts::{self, AccountError};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

fn page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    error: Option<String>,
) -> Result<axum::response::Html<String>, AppError> {
    state.render(
        "password.html",
        lang,
        caller,
        context! {
            title => t(lang, "change_password"),
            error,
            must_change => caller.must_change_password(),
            min_length => fupin_core::password::MIN_LENGTH,
        },
    )
}

/// `GET /account/password`.
pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    if caller.user.is_none() {
        // an API token has no password
        return Err(AppError::Forbidden);
    }
    Ok(page(&state, lang, &caller, None)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

/// `POST /account/password`.
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let Some(user) = &caller.user else {
        return Err(AppError::Forbidden);
    };
    if f.new != f.repeat {
        let error = Some(t(lang, "passwords_differ").to_string());
        return Ok((StatusCode::BAD_REQUEST, page(&state, lang, &caller, error)?).into_response());
    }
    let changed = accounts::change_password(
        &state.db,
        &caller.actor(),
        user,
        &f.current,
        &f.new,
        caller.session_secret.as_deref(),
    )
    .await;
    match changed {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(e) => match e.downcast::<AccountError>() {
            Ok(refusal) => {
                let text = crate::i18n::message(lang, &refusal.message());
                let page = page(&state, lang, &caller, Some(text))?;
                Ok((StatusCode::BAD_REQUEST, page).into_response())
            }
            Err(e) => Err(AppError::internal(e)),
        },
    }
}
