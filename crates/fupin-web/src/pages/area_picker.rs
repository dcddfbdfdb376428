//! The area picker of forms that name an area (a new account's, a warning's new responsible
//! area): a list of the areas the caller may name, by name and indented under their parents,
//! and a search by name for those too deep to list — never a 12-digit code typed by hand.
//! Works without script: the search is a GET of the same page (`area_q`), the choice a select.

use fupin_core::access::Scope;
use fupin_core::{Area, AreaCode, AreaLevel};
use serde::Serialize;

use crate::AppState;
use crate::error::AppError;

/// Areas listed without a search (a county's townships and villages fit).
const LISTED: usize = 400;
/// Areas a search shows.
const FOUND: usize = 50;

/// The picker's search, from the page's query string (`?area_q=`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct AreaQuery {
    #[serde(default)]
    pub area_q: Option<String>,
}

/// One choice of the select.
#[derive(Debug, Serialize)]
pub struct AreaOption {
    code: String,
    label: String,
    selected: bool,
}

/// What the template lays out (`area_picker.html`).
#[derive(Debug, Serialize)]
pub struct AreaPicker {
    options: Vec<AreaOption>,
    /// The name searched for, as typed.
    query: String,
    /// A search found nothing: the listed areas are shown instead.
    none_found: bool,
    /// The list stops above the villages (a large scope): the deeper areas are found by name.
    partial: bool,
}

impl AreaPicker {
    /// The picker for `scope`: the areas matching `query` when one is given (each named with
    /// the path below the scope's own area), otherwise the scope's areas to the deepest level
    /// that fits. `selected` is chosen where it is among them.
    pub async fn of(
        state: &AppState,
        scope: &Scope,
        query: Option<&str>,
        selected: Option<&str>,
    ) -> Result<Self, AppError> {
        let query = query.map(str::trim).unwrap_or_default().to_string();
        let found = if query.is_empty() {
            Vec::new()
        } else {
            state.db.areas_to_pick(scope, Some(&query), FOUND).await?
        };
        let none_found = !query.is_empty() && found.is_empty();
        let (areas, labels, partial) = if found.is_empty() {
            let listed = state.db.areas_to_pick(scope, None, LISTED).await?;
            let deepest = listed.iter().map(|a| a.level).max();
            let partial = deepest.is_some_and(|l| l < AreaLevel::Village);
            let top = listed.iter().map(|a| a.level).min();
            let labels = listed.iter().map(|a| indented(a, top)).collect();
            (listed, labels, partial)
        } else {
            let labels = with_paths(state, scope, &found).await?;
            (found, labels, false)
        };
        let selected = selected.and_then(|c| AreaCode::parse(c).ok());
        let options = areas
            .iter()
            .zip(labels)
            .map(|(a, label)| AreaOption {
                code: a.code.to_string(),
                label,
                selected: selected.as_ref() == Some(&a.code),
            })
            .collect();
        Ok(Self {
            options,
            query,
            none_found,
            partial,
        })
    }
}

/// The name, indented one full-width space per level below the list's top.
fn indented(area: &Area, top: Option<AreaLevel>) -> String {
    let depth = top.map_or(0, |t| area.level.number() - t.number());
    let indent = "\u{3000}".repeat(usize::try_from(depth).unwrap_or(0));
    format!("{indent}{}", area.name)
}

/// Each found area named with the areas above it, below the scope's own ("某镇 / 某村"), so
/// that two villages of one name are told apart.
async fn with_paths(
    state: &AppState,
    scope: &Scope,
    found: &[Area],
) -> Result<Vec<String>, AppError> {
    let own = match scope.areas() {
        fupin_core::access::Territory::Area(a) => Some(a.level()),
        _ => None,
    };
    let above = |a: &Area| -> Vec<AreaCode> {
        AreaLevel::ALL
            .into_iter()
            .filter(|l| *l < a.level && own.is_none_or(|o| *l > o))
            .map(|l| a.code.ancestor(l))
            .collect()
    };
    let names = super::AreaNames::of(
        state,
        found
            .iter()
            .flat_map(above)
            .collect::<Vec<_>>()
            .iter()
            .map(AreaCode::as_str),
    )
    .await?;
    Ok(found
        .iter()
        .map(|a| {
            let mut path: Vec<String> = above(a).iter().map(|c| names.name(c.as_str())).collect();
            path.push(a.name.clone());
            path.join(" / ")
        })
        .collect())
}
