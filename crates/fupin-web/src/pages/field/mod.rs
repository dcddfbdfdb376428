//! Field work's pages (`fupin_services::field`): the helper's phone pages that work offline
//! (`phone`, with the script and service worker of `assets`), a visit and its photos
//! (`visits`), helpers, pairings and work teams for the office (`helpers`, `teams`), the
//! month's figures and the households nobody visited (`summary`), and the JSON API (`api`).

pub mod api;
pub mod api_office;
pub mod assets;
pub mod helpers;
pub mod phone;
pub mod summary;
pub mod teams;
pub mod visits;

use fupin_core::codes::CodeList;
use fupin_core::field::{ChangedItem, VisitFlag};
use fupin_storage::field::visits::VisitRow;
use serde::Serialize;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use fupin_services::error::ServiceError;

use crate::error::AppError;
use crate::i18n::{self, Lang};

/// A form turned down, as its page shows it: the words, and the status — 400 where a rule
/// refused the act, 422 where the input was wrong.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub text: String,
    pub status: StatusCode,
}

impl Refusal {
    /// A use-case's refusal in the page's language; anything else stays an error.
    pub fn of(lang: Lang, e: ServiceError) -> Result<Self, AppError> {
        let (text, status) = match e {
            ServiceError::Refused(m) => (i18n::message(lang, &m), StatusCode::BAD_REQUEST),
            ServiceError::Invalid(issues) => (
                issues
                    .iter()
                    .map(|i| i18n::message(lang, &i.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ServiceError::BadRows { count, shown } => {
                let mut lines = vec![i18n::message(
                    lang,
                    &fupin_services::error::bad_rows_headline(count),
                )];
                lines.extend(shown.iter().map(|m| i18n::message(lang, m)));
                (lines.join("\n"), StatusCode::UNPROCESSABLE_ENTITY)
            }
            e => return Err(e.into()),
        };
        Ok(Self { text, status })
    }

    /// The text of a refusal for the template.
    pub fn text(r: &Option<Self>) -> Option<String> {
        r.as_ref().map(|r| r.text.clone())
    }
}

/// A page's answer, with its refusal's status if it shows one.
pub fn answer(html: Html<String>, refusal: &Option<Refusal>) -> Response {
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    (status, html).into_response()
}

/// A visit as a list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitLine {
    pub id: i64,
    pub visited_at: String,
    pub helper: String,
    /// The flags in words, joined; empty when none.
    pub flags: String,
    pub done: String,
    pub photos: i64,
}

/// Codes stored comma-separated, in words.
pub fn labels<T: CodeList>(codes: &str, lang: Lang) -> String {
    codes
        .split(',')
        .filter_map(|c| T::parse(c.trim()))
        .map(|v| lang.label(v))
        .collect::<Vec<_>>()
        .join(lang.list_separator())
}

pub fn flag_words(codes: &str, lang: Lang) -> String {
    labels::<VisitFlag>(codes, lang)
}

pub fn item_words(codes: &str, lang: Lang) -> String {
    labels::<ChangedItem>(codes, lang)
}

/// Visit rows as lines of a list (notes cut to a line).
pub fn visit_lines(rows: &[VisitRow], lang: Lang) -> Vec<VisitLine> {
    rows.iter()
        .map(|v| VisitLine {
            id: v.id,
            visited_at: v.visited_at.clone(),
            helper: v.helper_name.clone(),
            flags: flag_words(&v.flags, lang),
            done: v.done.chars().take(60).collect(),
            photos: v.photos,
        })
        .collect()
}

/// The month a `?month=` asks for ("2026-11"), else the current one in Beijing time.
pub fn month_or_current(asked: Option<&str>) -> String {
    asked
        .filter(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_ok())
        .map(str::to_string)
        .unwrap_or_else(|| fupin_core::field::visit::month_of(chrono::Utc::now()))
}

/// Beijing's date today.
pub fn today() -> chrono::NaiveDate {
    fupin_core::field::visit::beijing_date(chrono::Utc::now())
}
