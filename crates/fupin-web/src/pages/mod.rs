//! Page handlers and their view models. Handlers turn storage records into plain, already
//! labelled and masked structures; templates only lay them out.

pub mod account;
pub mod admin;
pub mod api;
pub mod api_warnings;
pub mod archives;
pub mod area_exit;
pub mod area_picker;
pub mod areas;
pub mod assessment;
pub mod cards;
pub mod cases;
pub mod comparison;
pub mod edit;
pub mod field;
pub mod household_sheet;
pub mod households;
pub mod login;
pub mod measures;
pub mod notices;
pub mod restructure;
pub mod search;
pub mod search_limit;
pub mod tasks;
pub mod warnings;
pub mod wording;
pub mod workbench;

use fupin_core::Area;
use fupin_core::access::Scope;
use fupin_services::dossier::{HouseholdDossier, Sections};
use serde::Serialize;

use crate::error::AppError;
use crate::i18n::{Lang, t};

/// A household as `caller` may read it: inside their jurisdiction (404 outside, as if it did not
/// exist), with the disclosure their roles allow; the read goes to the audit trail. `via` says
/// which view read it (`page`, `api`). The record alone: see [`read_dossier`].
pub async fn read_household(
    state: &crate::AppState,
    caller: &crate::auth::Caller,
    id: i64,
    via: &str,
) -> Result<
    (
        fupin_storage::HouseholdRecord,
        fupin_core::masking::Disclosure,
    ),
    AppError,
> {
    let dossier = read_dossier(state, caller, id, via, Sections::RECORD).await?;
    Ok((dossier.record, dossier.disclosure))
}

/// The household's dossier with `sections`, read in one snapshot as `caller` may see it (404
/// outside their jurisdiction), the read recorded in the audit trail before it is returned.
pub async fn read_dossier(
    state: &crate::AppState,
    caller: &crate::auth::Caller,
    id: i64,
    via: &str,
    sections: Sections,
) -> Result<HouseholdDossier, AppError> {
    HouseholdDossier::read(
        &state.db,
        &state.audit,
        &caller.actor(),
        &caller.viewer(),
        id,
        via,
        sections,
    )
    .await
    .map_err(AppError::internal)?
    .ok_or(AppError::NotFound)
}

/// A multipart form (an upload) read whole: the file as the browser named it, and the other
/// fields (the CSRF field was checked before the handler).
#[derive(Debug, Default)]
pub struct UploadForm {
    pub file_name: String,
    pub bytes: Vec<u8>,
    fields: Vec<(String, String)>,
    /// Other file parts (a visit's photos, the API's JSON part), by field name, in order; an
    /// empty file input's empty part is left out.
    pub files: Vec<(String, Vec<u8>)>,
    /// The parts named `attachment` (a report's files), by the file's own name, in order.
    pub attachments: Vec<(String, Vec<u8>)>,
}

impl UploadForm {
    /// The text field `name` (empty where the form has none).
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of the text field `name` (a group of checkboxes).
    pub fn fields_named(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Reads the request's multipart body: a body that is not one is a bad request; one that
    /// breaks off is refused on the page (`form_unreadable`), like any other refusal.
    pub async fn read(
        state: &crate::AppState,
        request: axum::extract::Request,
    ) -> Result<Result<Self, fupin_services::error::ServiceError>, AppError> {
        use axum::extract::FromRequest;
        let mut form = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|e| {
                tracing::debug!(error = %e.body_text(), "cannot read an upload");
                AppError::bad_request("form_unreadable")
            })?;
        Ok(Self::fields_of(&mut form).await)
    }

    async fn fields_of(
        form: &mut axum::extract::Multipart,
    ) -> Result<Self, fupin_services::error::ServiceError> {
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            tracing::debug!(error = %e.body_text(), "cannot read an upload");
            fupin_services::error::ServiceError::refused("form_unreadable")
        };
        let mut u = Self::default();
        while let Some(field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "file" {
                u.file_name = field.file_name().unwrap_or_default().to_string();
                u.bytes = field.bytes().await.map_err(unreadable)?.to_vec();
            } else if name == "attachment" {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(unreadable)?.to_vec();
                if !bytes.is_empty() {
                    u.attachments.push((file_name, bytes));
                }
            } else if field.file_name().is_some() {
                let bytes = field.bytes().await.map_err(unreadable)?.to_vec();
                if !bytes.is_empty() {
                    u.files.push((name, bytes));
                }
            } else {
                let text = field.text().await.map_err(unreadable)?;
                u.fields.push((name, text));
            }
        }
        Ok(u)
    }
}

/// A download's `Content-Disposition`: the name in UTF-8 (RFC 6266) with a plain fallback.
pub fn attachment(file: &str, extension: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(file.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("attachment; filename=\"fupin.{extension}\"; filename*=UTF-8''{encoded}")
}

/// Shown where a value is missing.
pub const DASH: &str = "—";

/// One step of a breadcrumb; the last step has no link.
#[derive(Debug, Serialize)]
pub struct Crumb {
    pub name: String,
    pub href: Option<String>,
}

/// "All areas › province › … › area" for an area path: a step is linked only where `scope`
/// reaches (the areas above a user's own are named, not offered as pages that answer 404); the
/// caller decides whether to unlink the last.
pub fn area_crumbs(lang: Lang, scope: &Scope, path: &[Area]) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb {
        name: t(lang, "all_areas").to_string(),
        href: Some("/areas".into()),
    }];
    crumbs.extend(path.iter().map(|a| {
        Crumb {
            name: a.name.clone(),
            href: scope
                .contains_area(&a.code)
                .then(|| area_href(a.code.as_str())),
        }
    }));
    crumbs
}

/// The names of the areas some rows name, each looked up once: a page names an area, it does
/// not show its 12-digit code alone.
#[derive(Debug, Default)]
pub struct AreaNames(std::collections::HashMap<String, String>);

impl AreaNames {
    pub async fn of<'a>(
        state: &crate::AppState,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, AppError> {
        let mut parsed: Vec<fupin_core::AreaCode> = codes
            .into_iter()
            .filter_map(|c| fupin_core::AreaCode::parse(c).ok())
            .collect();
        parsed.sort();
        parsed.dedup();
        Ok(Self(state.db.area_names(&parsed).await?))
    }

    /// Names already read (an area page's own area).
    pub fn known(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    /// The area's name (a short code such as a county's six digits read as its full code);
    /// the code itself where the registry has no such area.
    pub fn name(&self, code: &str) -> String {
        let full = fupin_core::AreaCode::parse(code);
        full.as_ref()
            .ok()
            .and_then(|c| self.0.get(c.as_str()))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

pub fn area_href(code: &str) -> String {
    format!("/areas/{code}")
}

pub fn household_href(id: i64) -> String {
    format!("/households/{id}")
}

/// A posted form's field, trimmed; empty when absent (the first of a repeated one).
pub fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

pub fn or_dash(text: impl Into<String>) -> String {
    let text = text.into();
    if text.trim().is_empty() {
        DASH.into()
    } else {
        text
    }
}

/// A link of the page navigation; `href: None` with `gap` is an ellipsis, without it the
/// current page.
#[derive(Debug, Serialize)]
pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
    pub gap: bool,
}

/// Page navigation for `total` items, `per_page` a page, currently on `page` (1-based).
#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub first_item: u64,
    pub last_item: u64,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
}

impl Pager {
    pub fn new(base: &str, page: u64, per_page: u64, total: u64, shown: u64) -> Self {
        let pages = total.div_ceil(per_page).max(1);
        let sep = if base.contains('?') { '&' } else { '?' };
        let href = |p: u64| {
            if p == 1 {
                base.to_string()
            } else {
                format!("{base}{sep}page={p}")
            }
        };
        let mut links = Vec::new();
        let mut last_shown = 0;
        for p in 1..=pages {
            let near = p.abs_diff(page) <= 2;
            if p == 1 || p == pages || near {
                if last_shown + 1 < p {
                    links.push(PageLink {
                        label: "…".into(),
                        href: None,
                        current: false,
                        gap: true,
                    });
                }
                links.push(PageLink {
                    label: p.to_string(),
                    href: (p != page).then(|| href(p)),
                    current: p == page,
                    gap: false,
                });
                last_shown = p;
            }
        }
        let first_item = if shown == 0 {
            0
        } else {
            (page - 1) * per_page + 1
        };
        Pager {
            page,
            pages,
            first_item,
            last_item: first_item + shown.saturating_sub(1),
            total,
            prev: (page > 1).then(|| href((page - 1).min(pages))),
            next: (page < pages).then(|| href(page + 1)),
            links,
        }
    }
}

/// Parses `?page=`: absent means 1; anything but a positive integer is a bad request.
pub fn parse_page(text: Option<&str>) -> Result<u64, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(1),
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| AppError::invalid("invalid_page", t)),
    }
}

/// A page that answers a form: 422 when it shows why the form was refused, else 200.
pub fn page_with_refusal(
    html: axum::response::Html<String>,
    refused: bool,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = if refused {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    (status, html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_windows_and_gaps() {
        let p = Pager::new("/areas/x", 10, 50, 1000, 50);
        let labels: Vec<&str> = p.links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["1", "…", "8", "9", "10", "11", "12", "…", "20"]);
        assert_eq!(p.prev.as_deref(), Some("/areas/x?page=9"));
        assert_eq!(p.next.as_deref(), Some("/areas/x?page=11"));
        assert_eq!((p.first_item, p.last_item), (451, 500));
        let one = Pager::new("/a", 1, 50, 3, 3);
        assert_eq!((one.pages, one.prev, one.next), (1, None, None));
        assert_eq!(one.links.len(), 1);
        assert_eq!(Pager::new("/a", 2, 50, 60, 10).prev.as_deref(), Some("/a"));
    }

    #[test]
    fn pages_parse() {
        assert_eq!(parse_page(None).unwrap(), 1);
        assert_eq!(parse_page(Some("3")).unwrap(), 3);
        assert!(parse_page(Some("0")).is_err());
        assert!(parse_page(Some("x")).is_err());
    }
}
