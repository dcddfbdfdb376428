//! fupin's web layer: server-rendered pages (login, areas → villages → households, account and
//! administration) and a JSON API, in Chinese by default and English on request, light enough
//! for a 360-px phone.
//!
//! - [`router`] builds every route over a [`fupin_storage::Db`]; [`serve`] binds and runs it
//!   (with a header read timeout: [`serve_on`]);
//! - `routes`: the route table, each route with its access rule and the body it takes; `auth`:
//!   who is asking (session cookie or bearer token), CSRF, and the rules; `limits`: bodies
//!   capped per route, and the timeouts;
//! - `pages::*`: the handlers and their view models;
//! - `render`: the embedded templates and the middleware every page passes through
//!   (language, error pages, headers); `i18n`: the language and the UI string catalog;
//! - `error`: [`AppError`], the one error type of the handlers, and the one mapping of the
//!   use-cases' `ServiceError` to it; `request_id`: the id on every log line of a request and on
//!   an internal error's page.

pub mod auth;
mod error;
pub mod i18n;
pub mod limits;
mod pages;
mod qr;
mod render;
pub mod request_id;
pub mod routes;
mod time;
mod uploads;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fupin_services::audit::AuditSink;
use fupin_storage::Db;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
pub use pages::search_limit::SearchLimiter;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use i18n::Lang;
pub use limits::Timeouts;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Reads of personal records, appended to the audit trail in batches.
    pub audit: AuditSink,
    /// Mark cookies `Secure` even without `X-Forwarded-Proto: https` (for TLS terminated here).
    pub secure_cookies: bool,
    /// Where the household QR codes point (`https://fupin.example.gov.cn`); unset, the host the
    /// request came to, if it is one of `allowed_hosts`.
    pub public_url: Option<String>,
    /// Host names a request may come to when no public URL is set, for the QR codes (a forged
    /// `Host` is never printed on a card); `X-Forwarded-Host` is not trusted: behind a proxy,
    /// set the public URL.
    pub allowed_hosts: Vec<String>,
    /// The largest archive (scanned document) accepted, in bytes.
    pub archive_limit: usize,
    /// The largest department list uploaded through the console, in bytes (bigger lists go
    /// through `fupin compare import`).
    pub list_limit: usize,
    /// The warning rules' settings a comparison started on the console raises warnings with.
    pub rules: Arc<fupin_core::warnings::RuleSettings>,
    /// How long a request may take over its headers, its body and its whole.
    pub timeouts: Timeouts,
    /// Searches per user and minute (`FUPIN_SEARCHES_PER_MINUTE`).
    pub search_limiter: Arc<SearchLimiter>,
    /// Department lists uploaded and waiting for their column mapping.
    pub(crate) lists: Arc<uploads::Holder<pages::comparison::mapping::StagedList>>,
    /// Household sheets being imported (or imported) from the console, with their reports.
    pub(crate) imports: Arc<uploads::Holder<pages::household_sheet::ImportJob>>,
    /// One console import writes the registry at a time; the others wait for this.
    pub(crate) import_slot: Arc<tokio::sync::Semaphore>,
    /// Where visit photos are kept (`--photos`): by default a directory beside the SQLite
    /// file, or `fupin-photos` in the working directory.
    pub photos: fupin_services::field::PhotoStore,
}

impl AppState {
    /// Must run inside the Tokio runtime (it starts the audit writer).
    pub fn new(db: Db) -> Self {
        let photos = default_photo_store(&db);
        Self {
            audit: AuditSink::start(db.clone()),
            db,
            templates: Arc::new(render::environment()),
            secure_cookies: false,
            public_url: None,
            allowed_hosts: LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect(),
            archive_limit: fupin_core::archive::DEFAULT_MAX_BYTES,
            list_limit: DEFAULT_LIST_LIMIT,
            rules: Arc::default(),
            timeouts: Timeouts::default(),
            search_limiter: Arc::new(SearchLimiter::from_env()),
            lists: Arc::default(),
            imports: Arc::default(),
            import_slot: Arc::new(tokio::sync::Semaphore::new(1)),
            photos,
        }
    }
}

/// The database's default photo store; in memory, with a warning, where it cannot be opened
/// (`fupin serve --photos` opens its store itself and stops on failure).
fn default_photo_store(db: &Db) -> fupin_services::field::PhotoStore {
    fupin_services::field::PhotoStore::beside(db).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "photo directory unusable; photos kept in memory");
        fupin_services::field::PhotoStore::in_memory()
    })
}

/// The names of this machine every console answers to.
pub const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Checks a public URL given at start (`FUPIN_PUBLIC_URL`): `http(s)://host[:port][/path]`,
/// short enough for a card's code; returns it without a trailing slash.
pub fn check_public_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("{url:?}: the public URL must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let fine = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
    if host.is_empty() || !host.chars().all(fine) || !rest.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!("{url:?}: not a host name with an optional path"));
    }
    if url.len() + "/q/".len() + 32 > qr::MAX_URL {
        return Err(format!("{url:?}: too long for a card's code"));
    }
    Ok(url.to_string())
}

/// 64 MiB: a county's largest lists (medical insurance) as CSV.
pub const DEFAULT_LIST_LIMIT: usize = 64 * 1024 * 1024;

/// Every route of the web layer, with tracing and gzip compression.
pub fn router(db: Db) -> Router {
    router_with(AppState::new(db))
}

pub fn router_with(state: AppState) -> Router {
    routes::router(&state)
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        // inside the page middleware, so that a 408 gets the headers every answer gets
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.timeouts.request,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            render::pages,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(axum::middleware::from_fn(request_id::assign))
        .with_state(state)
}

/// How the console is served, beyond its address.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// See [`AppState::secure_cookies`].
    pub secure_cookies: bool,
    /// See [`AppState::public_url`].
    pub public_url: Option<String>,
    /// Host names allowed besides this machine's loopback names and the listening address
    /// (see [`AppState::allowed_hosts`]).
    pub allowed_hosts: Vec<String>,
    /// See [`AppState::archive_limit`].
    pub archive_limit: usize,
    /// See [`AppState::list_limit`].
    pub list_limit: usize,
    /// See [`AppState::photos`] (`None`: the database's default).
    pub photos: Option<fupin_services::field::PhotoStore>,
    /// See [`AppState::rules`].
    pub rules: fupin_core::warnings::RuleSettings,
    /// See [`AppState::timeouts`].
    pub timeouts: Timeouts,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            public_url: None,
            allowed_hosts: Vec::new(),
            archive_limit: fupin_core::archive::DEFAULT_MAX_BYTES,
            list_limit: DEFAULT_LIST_LIMIT,
            photos: None,
            rules: fupin_core::warnings::RuleSettings::default(),
            timeouts: Timeouts::default(),
        }
    }
}

/// Binds `addr` and serves [`router`] until Ctrl-C (or SIGTERM), letting requests in flight
/// finish and the audit trail's pending reads be written.
pub async fn serve(db: Db, addr: SocketAddr, options: ServeOptions) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(addr = %listener.local_addr()?, "fupin web listening");
    tokio::spawn(purge_hourly(db.clone()));
    let mut state = AppState::new(db);
    state.secure_cookies = options.secure_cookies;
    state.public_url = match options.public_url.as_deref().map(check_public_url) {
        Some(Ok(url)) => Some(url),
        Some(Err(e)) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)),
        None => None,
    };
    let bound = listener.local_addr()?.ip();
    if !bound.is_unspecified() {
        state.allowed_hosts.push(match bound {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        });
    }
    state.allowed_hosts.extend(options.allowed_hosts);
    state.archive_limit = options.archive_limit;
    state.list_limit = options.list_limit;
    if let Some(photos) = options.photos {
        state.photos = photos;
    }
    state.rules = Arc::new(options.rules);
    state.timeouts = options.timeouts;
    let audit = state.audit.clone();
    let timeouts = state.timeouts;
    serve_on(listener, router_with(state), timeouts, shutdown_signal()).await;
    audit.flush().await;
    tracing::info!("fupin web stopped");
    Ok(())
}

/// Serves `app` on `listener` (HTTP/1.1, each request with its peer's [`ConnectInfo`]) until
/// `shutdown` completes, then lets the requests in flight finish. Unlike `axum::serve`, a
/// connection whose request line and headers have not all arrived within
/// [`Timeouts::header`] is closed (the body's and the whole request's timeouts are the
/// router's: [`router_with`]).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // out of file descriptors and the like: wait rather than spin
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Old failed logins and ended sessions go, at start and every hour.
async fn purge_hourly(db: Db) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match fupin_services::accounts::purge_stale(&db).await {
            Ok((failures, sessions)) if failures + sessions > 0 => {
                tracing::info!(failures, sessions, "purged stale logins and sessions");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot purge stale logins and sessions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Liveness with a trivial database round trip.
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.max_household_id().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
