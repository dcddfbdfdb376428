//! fupin's web layer: server-rendered pages (login, areas → villages → households, account and
//! administration) and a JSON API, in Chinese by default and English on request, light enough
//! for a 360-px phone.
//!
//! - [`router`] builds every route over a [`fupin_storage::Db`]; [`serve`] binds and runs it;
//! - `routes`: the route table, each route with its access rule; `auth`: who is asking
//!   (session cookie or bearer token), CSRF, and the rules;
//! - `pages::*`: the handlers and their view models;
//! - `render`: the embedded templates and the middleware every page passes through
//!   (language, error pages, headers); `i18n`: the language and the UI string catalog;
//! - `error`: [`AppError`], the one error type of the handlers.

pub mod auth;
mod error;
pub mod i18n;
mod pages;
mod qr;
mod render;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fupin_services::audit::AuditSink;
use fupin_storage::Db;
pub use pages::search_limit::SearchLimiter;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use i18n::Lang;

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
    /// request came to.
    pub public_url: Option<String>,
    /// The largest archive (scanned document) accepted, in bytes.
    pub archive_limit: usize,
    /// The largest department list uploaded through the console, in bytes (bigger lists go
    /// through `fupin compare import`).
    pub list_limit: usize,
    /// The warning rules' settings a comparison started on the console raises warnings with.
    pub rules: Arc<fupin_core::warnings::RuleSettings>,
    /// Searches per user and minute (`FUPIN_SEARCHES_PER_MINUTE`).
    pub search_limiter: Arc<SearchLimiter>,
}

impl AppState {
    /// Must run inside the Tokio runtime (it starts the audit writer).
    pub fn new(db: Db) -> Self {
        Self {
            audit: AuditSink::start(db.clone()),
            db,
            templates: Arc::new(render::environment()),
            secure_cookies: false,
            public_url: None,
            archive_limit: fupin_core::archive::DEFAULT_MAX_BYTES,
            list_limit: DEFAULT_LIST_LIMIT,
            rules: Arc::default(),
            search_limiter: Arc::new(SearchLimiter::from_env()),
        }
    }
}

/// 64 MiB: a county's largest lists (medical insurance) as CSV.
pub const DEFAULT_LIST_LIMIT: usize = 64 * 1024 * 1024;

/// Every route of the web layer, with tracing and gzip compression.
pub fn router(db: Db) -> Router {
    router_with(AppState::new(db))
}

pub fn router_with(state: AppState) -> Router {
    routes::router()
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            render::pages,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// How the console is served, beyond its address.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// See [`AppState::secure_cookies`].
    pub secure_cookies: bool,
    /// See [`AppState::public_url`].
    pub public_url: Option<String>,
    /// See [`AppState::archive_limit`].
    pub archive_limit: usize,
    /// See [`AppState::list_limit`].
    pub list_limit: usize,
    /// See [`AppState::rules`].
    pub rules: fupin_core::warnings::RuleSettings,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            public_url: None,
            archive_limit: fupin_core::archive::DEFAULT_MAX_BYTES,
            list_limit: DEFAULT_LIST_LIMIT,
            rules: fupin_core::warnings::RuleSettings::default(),
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
    state.public_url = options.public_url;
    state.archive_limit = options.archive_limit;
    state.list_limit = options.list_limit;
    state.rules = Arc::new(options.rules);
    let audit = state.audit.clone();
    let app = router_with(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    audit.flush().await;
    tracing::info!("fupin web stopped");
    Ok(())
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
