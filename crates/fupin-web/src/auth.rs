//! Who is asking. The [`identify`] middleware turns a session cookie or a bearer token into a
//! [`Caller`] and checks the CSRF token of every form post; the route table's [`Rule`]
//! (see `routes`) then decides whether the request may go on. Jurisdiction is not checked here:
//! handlers pass [`Caller::viewer`] to storage, which confines every query to it.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::access::{Action, HouseholdReach, Principal, Scope, Viewer};
use fupin_core::masking::Disclosure;
use fupin_services::accounts;
use fupin_services::audit::Actor;
use fupin_storage::User;

use crate::AppState;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "fupin_session";
/// Before login there is no session to bind a CSRF token to: a random cookie is (double submit).
pub const PRELOGIN_COOKIE: &str = "fupin_csrf";
/// Name of the hidden form field (or `X-CSRF-Token` header) carrying the token.
pub const CSRF_FIELD: &str = "_csrf";
/// Largest form body read for the CSRF check.
const FORM_LIMIT: usize = 256 * 1024;

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
            None => Viewer {
                scope: Scope {
                    area: None,
                    households: HouseholdReach::Nothing,
                },
                disclosure: Disclosure::public(),
            },
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

/// The middleware in front of every route: identifies the caller, checks CSRF on unsafe
/// methods, and hands the [`Caller`] to the rule layer and the handler.
pub async fn identify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let secure = is_https(&state, request.headers());
    match identified(&state, request).await {
        Ok((request, new_prelogin)) => {
            let mut response = next.run(request).await;
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
    request: Request,
) -> Result<(Request, Option<String>), AppError> {
    let client_addr = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    let headers = request.headers();
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
    let mut request = if is_safe(request.method()) || caller.via_token() {
        request
    } else {
        // the one upload of a different size: a department list
        let limit = if request.uri().path() == "/compare/lists" {
            state.list_limit
        } else {
            state.archive_limit
        };
        check_csrf(request, &caller.csrf, limit).await?
    };
    request.extensions_mut().insert(caller);
    Ok((request, new_prelogin))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses an unsafe request whose form field or header does not carry `expected`. The body is
/// read (forms are small; a multipart upload at most `upload_limit` and its fields) and put
/// back for the handler.
async fn check_csrf(
    request: Request,
    expected: &str,
    upload_limit: usize,
) -> Result<Request, AppError> {
    let (parts, body) = request.into_parts();
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok());
    let limit = if boundary.is_some() {
        upload_limit + FORM_LIMIT
    } else {
        FORM_LIMIT
    };
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::BadRequest("表单过大 / form too large".into()))?;
    let form_token = match boundary {
        Some(b) => multipart_value(bytes.clone(), b, CSRF_FIELD).await,
        None => form_urlencoded_value(&bytes, CSRF_FIELD),
    };
    let given = header_token.or(form_token).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(AppError::CsrfRejected);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A text field of a multipart body (the upload forms put the CSRF field first).
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
