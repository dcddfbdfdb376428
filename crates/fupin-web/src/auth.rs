//! Who is asking. The [`identify`] middleware turns a session cookie or a bearer token into a
//! [`Caller`] without reading the body; the route table's [`Rule`] (see `routes`) then decides
//! whether the request may go on, and only then is the body's CSRF token checked
//! ([`check_csrf`]). Jurisdiction is not checked here:
//! handlers pass [`Caller::viewer`] to storage, which confines every query to it.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use bytes::BytesMut;
use fupin_core::access::{Action, Principal, Viewer};
use fupin_services::accounts;
use fupin_services::audit::Actor;
use fupin_storage::User;
use futures_util::StreamExt;
use http_body_util::LengthLimitError;

use crate::AppState;
use crate::error::AppError;
use crate::limits::FORM_LIMIT;

pub const SESSION_COOKIE: &str = "fupin_session";
/// Before login there is no session to bind a CSRF token to: a random cookie is (double submit).
pub const PRELOGIN_COOKIE: &str = "fupin_csrf";
/// Name of the hidden form field (or `X-CSRF-Token` header) carrying the token.
pub const CSRF_FIELD: &str = "_csrf";

/// Who sent the request and what they may reach.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Option<Principal>,
    /// The account behind a session (not set for API tokens).
    pub user: Option<User>,
    /// The session cookie's secret (to end the session at logout).
    pub session_secret: Option<String>,
    /// The token a form of this caller must carry.
    pub csrf: String,
    pub client_addr: String,
}

impl Caller {
    /// Someone not logged in; `csrf` is the pre-login token their forms carry.
    pub fn anonymous(csrf: String, client_addr: String) -> Self {
        Self {
            principal: None,
            user: None,
            session_secret: None,
            csrf,
            client_addr,
        }
    }

    /// Authenticated by `Authorization: Bearer` (a principal without a session's account):
    /// no cookies are involved, so no CSRF check either.
    pub fn via_token(&self) -> bool {
        self.principal.is_some() && self.user.is_none()
    }

    /// The jurisdiction and disclosure every read of this caller is confined to; nothing at all
    /// for someone not logged in.
    pub fn viewer(&self) -> Viewer {
        match &self.principal {
            Some(p) => Viewer::from(p),
            None => Viewer::anonymous(),
        }
    }

    pub fn actor(&self) -> Actor {
        match &self.principal {
            Some(p) => Actor::user(p.clone(), self.client_addr.clone()),
            None => Actor {
                principal: None,
                name: "anonymous".into(),
                client_addr: self.client_addr.clone(),
            },
        }
    }

    pub fn may(&self, action: Action) -> bool {
        self.principal.as_ref().is_some_and(|p| p.may(action))
    }

    /// Logged in with a password that must be changed before anything else.
    pub fn must_change_password(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.must_change_password)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| AppError::Internal("the identify middleware did not run".into()))
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Set-Cookie` for a secret: HttpOnly, SameSite=Lax, Secure when served over HTTPS.
pub fn secret_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).expect("cookie of hex characters")
}

/// Whether the request reached us over HTTPS (directly configured, or said by the proxy).
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The middleware in front of every route: identifies the caller and hands the [`Caller`] to
/// the rule layer and the handler. It reads no body: the route's rule decides first, then the
/// body's size and the CSRF token are checked (`routes::authorize`, [`check_csrf`]).
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let secure = is_https(&state, request.headers());
    let client_addr = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    match identified(&state, client_addr, request.headers()).await {
        Ok((caller, new_prelogin)) => {
            request.extensions_mut().insert(caller.clone());
            let mut response = next.run(request).await;
            if response
                .extensions()
                .get::<crate::error::ErrorPage>()
                .is_some()
            {
                // the error page keeps the caller's menu: an error is not a logout
                response.extensions_mut().insert(caller);
            }
            if let Some(token) = new_prelogin {
                response.headers_mut().append(
                    header::SET_COOKIE,
                    secret_cookie(PRELOGIN_COOKIE, &token, secure, None),
                );
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn identified(
    state: &AppState,
    client_addr: String,
    headers: &HeaderMap,
) -> Result<(Caller, Option<String>), AppError> {
    let mut new_prelogin = None;
    let caller = if let Some(secret) = bearer(headers) {
        let principal = accounts::token_principal(&state.db, secret)
            .await
            .map_err(AppError::internal)?
            .ok_or(AppError::Unauthorized)?;
        Caller {
            principal: Some(principal),
            user: None,
            session_secret: None,
            csrf: String::new(),
            client_addr,
        }
    } else {
        let secret = cookie(headers, SESSION_COOKIE).map(str::to_string);
        let session = match &secret {
            Some(s) => accounts::session(&state.db, s)
                .await
                .map_err(AppError::internal)?,
            None => None,
        };
        match session {
            Some(session) => Caller {
                principal: Some(session.user.principal()),
                user: Some(session.user),
                session_secret: secret,
                csrf: session.csrf_token,
                client_addr,
            },
            None => {
                let csrf = match cookie(headers, PRELOGIN_COOKIE) {
                    Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        t.to_string()
                    }
                    _ => {
                        let t = accounts::new_secret();
                        new_prelogin = Some(t.clone());
                        t
                    }
                };
                Caller::anonymous(csrf, client_addr)
            }
        }
    };
    Ok((caller, new_prelogin))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses an unsafe request of a session (or of someone not logged in) whose `X-CSRF-Token`
/// header or form field does not carry the caller's token; requests with a bearer token carry
/// no cookies and are not checked. A form (at most [`FORM_LIMIT`]) is read whole and put back
/// for the handler; a multipart upload is read only as far as its CSRF field (which the upload
/// forms send first) and handed on as a stream. Called by the rule layer after the rule and
/// the declared length, on a body already capped (`limits::cap`): a read error is the cap's.
pub(crate) async fn check_csrf(request: Request, caller: &Caller) -> Result<Request, Response> {
    if is_safe(request.method()) || caller.via_token() {
        return Ok(request);
    }
    let expected = caller.csrf.as_str();
    let (parts, body) = request.into_parts();
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    if let Some(given) = header_token {
        verify_token(given, expected).map_err(IntoResponse::into_response)?;
        return Ok(Request::from_parts(parts, body));
    }
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok());
    let body = match boundary {
        Some(boundary) => {
            let (given, body) = multipart_token(body, boundary)
                .await
                .map_err(IntoResponse::into_response)?;
            verify_token(given.as_deref().unwrap_or_default(), expected)
                .map_err(IntoResponse::into_response)?;
            body
        }
        None => {
            let bytes = to_bytes(body, FORM_LIMIT).await.map_err(|e| {
                if caused_by::<LengthLimitError>(&e) {
                    crate::limits::too_large(FORM_LIMIT)
                } else {
                    tracing::debug!(error = %e, "cannot read a form");
                    AppError::bad_request("form_unreadable").into_response()
                }
            })?;
            let given = form_urlencoded_value(&bytes, CSRF_FIELD).unwrap_or_default();
            verify_token(&given, expected).map_err(IntoResponse::into_response)?;
            Body::from(bytes)
        }
    };
    Ok(Request::from_parts(parts, body))
}

fn verify_token(given: &str, expected: &str) -> Result<(), AppError> {
    if expected.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(AppError::CsrfRejected);
    }
    Ok(())
}

/// Whether an error of reading a body has an `E` among its causes.
fn caused_by<E: std::error::Error + 'static>(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<E>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Reads a multipart body until its CSRF field is complete (looking at most [`FORM_LIMIT`]
/// bytes); gives back the token, if found, and the body whole again: the bytes read, then the
/// rest still unread.
async fn multipart_token(body: Body, boundary: String) -> Result<(Option<String>, Body), AppError> {
    let mut stream = body.into_data_stream();
    let mut head = BytesMut::new();
    let mut token = None;
    while head.len() < FORM_LIMIT {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "cannot read a form");
                return Err(AppError::bad_request("form_unreadable"));
            }
            None => {
                token = multipart_value(head.clone().freeze(), boundary, CSRF_FIELD).await;
                break;
            }
        }
        token = multipart_value(head.clone().freeze(), boundary.clone(), CSRF_FIELD).await;
        if token.is_some() {
            break;
        }
    }
    let head = head.freeze();
    let first = futures_util::stream::once(async move { Ok::<_, axum::Error>(head) });
    Ok((token, Body::from_stream(first.chain(stream))))
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A text field of a multipart body; `None` also when the body ends before the field does.
async fn multipart_value(body: bytes::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a route requires of its caller (the route table gives every route one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in user (their own account pages).
    LoggedIn,
    /// A logged-in user one of whose roles allows the action (and the token, if any).
    May(Action),
}

/// Why the rule layer turned a request away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A page for someone not logged in: the login form, then back to `next`.
    ToLogin { next: String },
    /// The API for someone not logged in.
    Unauthorized,
    /// A temporary password must be changed first.
    ChangePassword,
    /// No role of the caller allows the route.
    Forbidden,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::ToLogin { next } => {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            Refusal::Unauthorized => AppError::Unauthorized.into_response(),
            Refusal::ChangePassword => Redirect::to("/account/password").into_response(),
            Refusal::Forbidden => AppError::Forbidden.into_response(),
        }
    }
}

impl Rule {
    /// Checks `caller` against the rule; pages send the anonymous to the login page, the API
    /// answers 401.
    pub fn check(self, caller: &Caller, path_and_query: &str, api: bool) -> Result<(), Refusal> {
        if self == Rule::Public {
            return Ok(());
        }
        if caller.principal.is_none() {
            return Err(if api {
                Refusal::Unauthorized
            } else {
                Refusal::ToLogin {
                    next: path_and_query.to_string(),
                }
            });
        }
        let exempt = path_and_query.starts_with("/account/") || path_and_query == "/logout";
        if caller.must_change_password() && !exempt {
            return Err(Refusal::ChangePassword);
        }
        match self {
            Rule::May(action) if !caller.may(action) => Err(Refusal::Forbidden),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    const BOUNDARY: &str = "XyZ";

    fn form(fields: &[(&str, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    /// The body as a stream of `chunk`-byte pieces.
    fn chunked(bytes: &[u8], chunk: usize) -> Body {
        let pieces: Vec<Result<bytes::Bytes, std::io::Error>> = bytes
            .chunks(chunk)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        Body::from_stream(futures_util::stream::iter(pieces))
    }

    #[tokio::test]
    async fn the_csrf_field_is_found_in_any_chunking_and_the_body_given_back_whole() {
        let token = "ab".repeat(32);
        let file = vec![7u8; 100_000];
        let bytes = form(&[(CSRF_FIELD, token.as_bytes()), ("file", &file)]);
        for chunk in [1, 7, 64, 4096, bytes.len()] {
            let (found, body) = multipart_token(chunked(&bytes, chunk), BOUNDARY.into())
                .await
                .unwrap();
            assert_eq!(found.as_deref(), Some(token.as_str()), "chunks of {chunk}");
            let again = body.collect().await.unwrap().to_bytes();
            assert_eq!(&again[..], &bytes[..], "chunks of {chunk}");
        }
    }

    #[tokio::test]
    async fn a_token_cut_short_or_sent_after_the_file_is_not_found() {
        let token = "ab".repeat(32);
        let whole = form(&[(CSRF_FIELD, token.as_bytes())]);
        let cut = &whole[..whole.len() - 20];
        let (found, _) = multipart_token(chunked(cut, 5), BOUNDARY.into())
            .await
            .unwrap();
        assert_ne!(found.as_deref(), Some(token.as_str()));
        // the field comes too late: no more than FORM_LIMIT is looked at
        let file = vec![7u8; FORM_LIMIT + 1];
        let late = form(&[("file", &file), (CSRF_FIELD, token.as_bytes())]);
        let (found, body) = multipart_token(chunked(&late, 4096), BOUNDARY.into())
            .await
            .unwrap();
        assert_eq!(found, None);
        assert_eq!(body.collect().await.unwrap().to_bytes().len(), late.len());
    }
}
