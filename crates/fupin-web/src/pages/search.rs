//! `/search`: find households within the jurisdiction by a resident ID number or the start of a
//! household number. Every search is audited (it tells whether a person is registered).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use fupin_core::search::{SearchKey, classify};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::areas::HouseholdRow;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

/// Most results listed; a prefix matching more asks for more digits.
const LIMIT: i64 = 100;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /search?q=…`.
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q = query.q.unwrap_or_default();
    let viewer = caller.viewer();
    let (rows, problem) = if q.trim().is_empty() {
        (None, None)
    } else {
        match classify(&q) {
            Ok(key) => {
                let found = state
                    .db
                    .search_households(&viewer.scope, &key, LIMIT + 1)
                    .await?;
                let area = caller
                    .principal
                    .as_ref()
                    .map(|p| p.area.to_string())
                    .unwrap_or_default();
                let entry = caller.actor().entry(
                    "search",
                    "query",
                    key.to_string(),
                    &area,
                    format!("{} found", found.len().min(LIMIT as usize)),
                );
                state.audit.send(entry).await;
                let rows: Vec<HouseholdRow> = found
                    .iter()
                    .take(LIMIT as usize)
                    .map(|h| HouseholdRow::new(h, lang, &viewer.disclosure))
                    .collect();
                let more = found.len() > LIMIT as usize;
                let kind = match key {
                    SearchKey::IdNumber(_) => "by_id_number",
                    SearchKey::HouseholdNumber(_) => "by_household_number",
                };
                (Some((rows, more, t(lang, kind))), None)
            }
            Err(problem) => (None, Some(problem.to_string())),
        }
    };
    let (results, more, kind) = match rows {
        Some((rows, more, kind)) => (Some(rows), more, kind),
        None => (None, false, ""),
    };
    let html = state.render(
        "search.html",
        lang,
        &caller,
        context! {
            title => t(lang, "search"),
            q,
            problem,
            results => results.map(Serde),
            more,
            kind,
            limit => LIMIT,
        },
    )?;
    Ok(html.into_response())
}
