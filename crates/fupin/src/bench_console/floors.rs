//! The floors the console's pages are measured against, in the same run and under the same
//! load: `/healthz` (the whole middleware stack, the session looked up, one trivial database
//! round trip) and the bare household read below.
//!
//! The bare read is the cheapest read of one household through the same stack: the same
//! server, the same identification (`fupin_web::auth::identify`: the session cookie looked up
//! as for a page), the same scoped read of the household's record (`Db::household`, one read
//! transaction) — and nothing else: no audit entry, no other section, no template, no
//! compression. It is served at [`BARE_PATH`] only by the router this benchmark builds for
//! itself on loopback ([`with_floors`]); the console's route table (`fupin_web::routes`) does
//! not have it, so `fupin serve` never answers an unaudited read of personal data.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fupin_web::AppState;
use fupin_web::auth::Caller;

/// Where the bench-only router answers the bare read of household `{id}`.
pub const BARE_PATH: &str = "/bench/floor/households";

/// The console's router with the bare read added beside it (for this benchmark only).
pub fn with_floors(state: AppState) -> Router {
    let bare = Router::new()
        .route(&format!("{BARE_PATH}/{{id}}"), get(bare_household))
        .layer(from_fn_with_state(state.clone(), fupin_web::auth::identify))
        .with_state(state.clone());
    fupin_web::router_with(state).merge(bare)
}

/// The household's record within the caller's scope, answered with its number (200), or 404.
async fn bare_household(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Response {
    match state.db.household(&caller.viewer().scope, id).await {
        Ok(Some(record)) => (StatusCode::OK, record.household.number).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `households` (paths `/households/{id}`) as the bare reads of the same households.
pub fn bare_paths(households: &[String]) -> Vec<String> {
    households
        .iter()
        .map(|p| p.replacen("/households/", &format!("{BARE_PATH}/"), 1))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn bare_paths_name_the_same_households() {
        assert_eq!(
            super::bare_paths(&["/households/42".into()]),
            ["/bench/floor/households/42"]
        );
    }
}
