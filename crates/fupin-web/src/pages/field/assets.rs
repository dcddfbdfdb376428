//! The field pages' script and service worker, compiled into the binary and served from
//! `/field/` (the service worker's scope is the folder it is served from). Revalidated on every
//! load (`no-cache`), so a new version reaches the phones the next time they are online.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const SCRIPT: &str = include_str!("../../field_assets/field.js");
const WORKER: &str = include_str!("../../field_assets/sw.js");

/// A script. A service worker runs under the policy its own script is served with (not the
/// page's): the default `default-src 'none'` would block the fetches it makes for the pages.
fn javascript(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; connect-src 'self'",
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /field/field.js`.
pub async fn script() -> Response {
    javascript(SCRIPT)
}

/// `GET /field/sw.js`.
pub async fn worker() -> Response {
    javascript(WORKER)
}
