//! What a request may cost before a handler sees it. Each route of the table says what body it
//! takes ([`BodyKind`]); once the route's rule has let the caller in, a declared
//! `Content-Length` over the route's limit is refused with 413 before a byte of the body is
//! read, and the body is then read only through [`cap`]: at most the limit (a chunked body
//! stops there too) and with an idle timeout. The connection's own timeouts are [`Timeouts`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_http::timeout::{TimeoutBody, TimeoutError};

use crate::AppState;
use crate::error::ErrorPage;

/// The largest form post (the measure catalogue's TOML is the biggest, ~150 KB encoded).
pub const FORM_LIMIT: usize = 256 * 1024;
/// The largest JSON body of the API (a warning's act and its note).
pub const JSON_LIMIT: usize = 64 * 1024;

/// What body a route takes, and so how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A form (or nothing, for a GET): [`FORM_LIMIT`].
    Form,
    /// The API's JSON: [`JSON_LIMIT`].
    Json,
    /// A scanned document (multipart): the archive limit and the form's other fields.
    Archive,
    /// A department list (multipart): the list limit and the form's other fields.
    List,
    /// A visit (multipart): its photos at the photo limit each, and its notes.
    Visit,
    /// A report on an instruction (multipart): its attachments at their limit each, its text.
    Report,
}

impl BodyKind {
    /// The largest body of this kind, in bytes.
    pub fn limit(self, state: &AppState) -> usize {
        match self {
            BodyKind::Form => FORM_LIMIT,
            BodyKind::Json => JSON_LIMIT,
            BodyKind::Archive => state.archive_limit.saturating_add(FORM_LIMIT),
            BodyKind::List => state.list_limit.saturating_add(FORM_LIMIT),
            BodyKind::Visit => state
                .photos
                .max_bytes
                .saturating_mul(fupin_core::field::visit::PHOTOS_MAX)
                .saturating_add(FORM_LIMIT),
            BodyKind::Report => (fupin_services::tasks::instructions::DEFAULT_MAX_FILE_BYTES
                as usize)
                .saturating_mul(fupin_core::tasks::instruction::MAX_FILES)
                .saturating_add(FORM_LIMIT),
        }
    }
}

/// How long a connection may take over each part of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A request's line and headers must have arrived within this (a client sending half a
    /// header and waiting is dropped).
    pub header: Duration,
    /// The longest wait for the next piece of a body.
    pub body_idle: Duration,
    /// A whole request until its answer begins: long enough for the largest list uploaded on a
    /// slow line (64 MiB at 1 Mbit/s takes 9 minutes) and its import.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header: Duration::from_secs(30),
            body_idle: Duration::from_secs(60),
            request: Duration::from_secs(15 * 60),
        }
    }
}

/// The body's length as the request declares it (`Content-Length`, or a body of known size).
pub(crate) fn declared_length(request: &Request) -> Option<u64> {
    let header = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let hint = request.body().size_hint().lower();
    match header {
        Some(n) => Some(n.max(hint)),
        None => (hint > 0).then_some(hint),
    }
}

const TOO_LARGE: u8 = 1;
const TOO_SLOW: u8 = 2;

/// How a capped body ended early, if it did: seen after the handler, whatever it made of the
/// error (a multipart parser's message, a form rejection), so the answer is 413 or 408.
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyOutcome(Arc<AtomicU8>);

impl BodyOutcome {
    /// The answer the body's end calls for, if it was cut short by the limit or the timeout.
    pub(crate) fn refusal(&self, limit: usize) -> Option<Response> {
        match self.0.load(Ordering::Relaxed) {
            TOO_LARGE => Some(too_large(limit)),
            TOO_SLOW => Some(too_slow()),
            _ => None,
        }
    }
}

/// The request with its body read through the limit and the idle timeout.
pub(crate) fn cap(request: Request, limit: usize, idle: Duration) -> (Request, BodyOutcome) {
    let outcome = BodyOutcome::default();
    let seen = outcome.0.clone();
    let request = request.map(|body| {
        let capped = Limited::new(TimeoutBody::new(idle, body), limit).map_err(move |e| {
            if e.is::<LengthLimitError>() {
                seen.store(TOO_LARGE, Ordering::Relaxed);
            } else if e.is::<TimeoutError>() {
                seen.store(TOO_SLOW, Ordering::Relaxed);
            }
            e
        });
        Body::new(capped)
    });
    (request, outcome)
}

fn refusal(status: StatusCode, detail: fupin_core::Message) -> Response {
    let mut response = (status, status.canonical_reason().unwrap_or("error")).into_response();
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response.extensions_mut().insert(ErrorPage {
        status,
        detail: Some(detail),
        issues: Vec::new(),
    });
    response
}

/// 413, naming the limit.
pub(crate) fn too_large(limit: usize) -> Response {
    let size = if limit >= 1024 * 1024 {
        format!("{:.0} MiB", limit as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", limit / 1024)
    };
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        fupin_core::Message::new("request_too_large").with("size", size),
    )
}

/// 408: the body stopped arriving.
pub(crate) fn too_slow() -> Response {
    refusal(
        StatusCode::REQUEST_TIMEOUT,
        fupin_core::Message::new("request_too_slow"),
    )
}
