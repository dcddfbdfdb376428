//! One error type for every page handler. It becomes a response with the right status and a
//! marker; the page middleware (`render::pages`) turns the marker into a rendered error page or
//! API body in the request's language. A use-case's [`ServiceError`] is mapped here, once.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fupin_core::Message;
use fupin_services::error::{FieldIssue, ServiceError};
use fupin_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A malformed path, query or form value; the message is shown to the user.
    #[error("bad request: {0}")]
    BadRequest(Message),
    /// The rules refuse the act; the message says why.
    #[error("refused: {0}")]
    Refused(Message),
    /// Form input wrong in these places.
    #[error("invalid: {} issue(s)", .0.len())]
    Invalid(Vec<FieldIssue>),
    /// A file refused whole: how many rows are wrong, and the first of them.
    #[error("{count} bad rows")]
    BadRows { count: usize, shown: Vec<Message> },
    /// Someone else changed the record first.
    #[error("conflict: {0}")]
    Conflict(Message),
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
            AppError::BadRequest(_) | AppError::Refused(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) | AppError::BadRows { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Storage(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::Unrecorded(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A failure of a use-case returned through `anyhow`: its own kinds keep their meaning.
    pub fn internal(e: anyhow::Error) -> Self {
        ServiceError::from(e).into()
    }

    pub fn bad_request(key: &'static str) -> Self {
        AppError::BadRequest(Message::new(key))
    }

    /// A malformed `value` (a path or query part), named in the message `key`.
    pub fn invalid(key: &'static str, value: impl std::fmt::Display) -> Self {
        AppError::BadRequest(Message::new(key).with("value", value))
    }
}

/// A malformed area code in a path or query.
impl From<fupin_core::area::AreaCodeError> for AppError {
    fn from(e: fupin_core::area::AreaCodeError) -> Self {
        AppError::BadRequest(fupin_core::message::Explained::message(&e))
    }
}

/// The one mapping of a use-case's error to what the web answers.
impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Refused(m) => AppError::Refused(m),
            ServiceError::Invalid(issues) => AppError::Invalid(issues),
            ServiceError::BadRows { count, shown } => AppError::BadRows { count, shown },
            ServiceError::Conflict(m) => AppError::Conflict(m),
            ServiceError::Unrecorded(u) => AppError::Unrecorded(u),
            ServiceError::Internal(e) => match e.downcast::<StorageError>() {
                Ok(s) => AppError::Storage(s),
                Err(e) => AppError::Internal(format!("{e:#}")),
            },
        }
    }
}

/// Left in the response's extensions for the page middleware to render.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// What the user is told beyond the status (never internals).
    pub detail: Option<Message>,
    /// The marked fields of a refused form.
    pub issues: Vec<FieldIssue>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // inside the request's span: the log line carries the id the user is shown
            tracing::error!(error = %self, "request failed");
        }
        let (detail, issues) = match self {
            AppError::BadRequest(m) | AppError::Refused(m) | AppError::Conflict(m) => {
                (Some(m), Vec::new())
            }
            AppError::Invalid(issues) => (Some(Message::new("correct_marked_fields")), issues),
            AppError::BadRows { count, shown } => (
                Some(fupin_services::error::bad_rows_headline(count)),
                shown
                    .into_iter()
                    .map(|message| FieldIssue {
                        field: None,
                        member: None,
                        message,
                    })
                    .collect(),
            ),
            AppError::CsrfRejected => (Some(Message::new("form_expired")), Vec::new()),
            AppError::Unrecorded(_) => (Some(Message::new("read_unrecorded")), Vec::new()),
            _ => (None, Vec::new()),
        };
        // plain-text body in case nothing renders the page (e.g. the router used bare)
        let body = status.canonical_reason().unwrap_or("error");
        let mut response = (status, body).into_response();
        response.extensions_mut().insert(ErrorPage {
            status,
            detail,
            issues,
        });
        response
    }
}
