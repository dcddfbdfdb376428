//! One error type for every page handler. It becomes a response with the right status and a
//! marker; the page middleware (`render::pages`) turns the marker into a rendered error page in
//! the request's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fupin_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A malformed path or query value; the text is shown to the user.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("template: {0:#}")]
    Template(#[from] minijinja::Error),
    /// Not logged in (the API; pages redirect to the login form instead).
    #[error("unauthorized")]
    Unauthorized,
    /// Logged in, but no role allows this.
    #[error("forbidden")]
    Forbidden,
    /// A form post without the caller's CSRF token (stale page or forged request).
    #[error("csrf token missing or wrong")]
    CsrfRejected,
    #[error("internal: {0}")]
    Internal(String),
    /// A read whose audit entry could not be written: it is not served.
    #[error("{0}")]
    Unrecorded(#[from] fupin_services::audit::Unrecorded),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Storage(StorageError::NotFound) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Storage(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::Unrecorded(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A failure of a use-case: its own refusals are shown, anything else is internal.
    pub fn internal(e: anyhow::Error) -> Self {
        let e = match e.downcast::<fupin_services::audit::Unrecorded>() {
            Ok(u) => return AppError::Unrecorded(u),
            Err(e) => e,
        };
        match e.downcast::<StorageError>() {
            Ok(s) => AppError::Storage(s),
            Err(e) => AppError::Internal(format!("{e:#}")),
        }
    }
}

/// Left in the response's extensions for the page middleware to render.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// A user-facing detail (never internals).
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let detail = match self {
            AppError::BadRequest(text) => Some(text),
            AppError::CsrfRejected => {
                Some("表单已过期，请刷新页面后重试 / the form has expired: reload the page and try again".into())
            }
            AppError::Unrecorded(_) => Some(
                "未能记入审计日志，暂不能查阅，请稍后重试 / the read could not be recorded in the audit trail: try again shortly".into(),
            ),
            _ => None,
        };
        // plain-text body in case nothing renders the page (e.g. the router used bare)
        let body = status.canonical_reason().unwrap_or("error");
        let mut response = (status, body).into_response();
        response
            .extensions_mut()
            .insert(ErrorPage { status, detail });
        response
    }
}
