//! fupin's web layer: a server-rendered, read-only browse of the registry (areas → villages →
//! households) in Chinese by default and English on request, light enough for a 360-px phone.
//!
//! - [`router`] builds every route over a [`fupin_storage::Db`]; [`serve`] binds and runs it;
//! - `pages::areas`, `pages::households`: the handlers and their view models;
//! - `render`: the embedded templates and the middleware every page passes through
//!   (language, error pages, headers); `i18n`: the language and the UI string catalog;
//! - `error`: [`AppError`], the one error type of the handlers; `mask`: what personal data
//!   looks like on a public page.

mod error;
pub mod i18n;
mod mask;
mod pages;
mod render;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fupin_storage::Db;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use i18n::Lang;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub templates: Arc<minijinja::Environment<'static>>,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            templates: Arc::new(render::environment()),
        }
    }
}

/// Every route of the web layer, with tracing and gzip compression.
pub fn router(db: Db) -> Router {
    let state = AppState::new(db);
    Router::new()
        .route("/", get(|| async { Redirect::to("/areas") }))
        .route("/healthz", get(healthz))
        .route("/areas", get(pages::areas::index))
        .route("/areas/{code}", get(pages::areas::show))
        .route("/households/{id}", get(pages::households::show))
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            render::pages,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Binds `addr` and serves [`router`] until Ctrl-C (or SIGTERM), letting requests in flight
/// finish.
pub async fn serve(db: Db, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(addr = %listener.local_addr()?, "fupin web listening");
    axum::serve(listener, router(db))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("fupin web stopped");
    Ok(())
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
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.max_household_id().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
