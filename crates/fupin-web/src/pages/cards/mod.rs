//! The household card (明白卡) on the pages: one household's card, a village's cards in one
//! print job (a page each), the QR code (SVG, PNG) and where it leads (`/q/{token}`: the full
//! record for an official whose jurisdiction holds the household, the masked public card for
//! anyone else), the code's re-issue, and the form for the year's income lines.
//!
//! - `card`: the card as the template lays it out, one household's, a village's;
//! - `code`: the code on it, as SVG or PNG, where it leads, its re-issue;
//! - `income`: the form for the year's income lines.

use chrono::Datelike;
use fupin_core::Field;
use fupin_core::income_items::IncomeCategory;
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;

mod card;
mod code;
mod income;

pub use card::{household_card, village_cards};
pub use code::{qr_png, qr_svg, reissue, scan};
pub use income::{income_form, save_income};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: Option<String>,
}

/// `?year=`: a year from 2000 to next year; absent, the last year with statuses recorded (else
/// this year).
async fn card_year(state: &AppState, q: &YearQuery) -> Result<i32, AppError> {
    let this_year = chrono::Local::now().year();
    match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=this_year + 1).contains(y))
            .ok_or_else(|| AppError::invalid("invalid_year", text)),
        None => Ok(state.db.last_status_year().await?.unwrap_or(this_year)),
    }
}
/// The registry field a category of income lines sums into.
fn category_field(c: IncomeCategory) -> Field {
    match c {
        IncomeCategory::Wage => Field::Wage,
        IncomeCategory::Business => Field::Business,
        IncomeCategory::Property => Field::Property,
        IncomeCategory::Transfer => Field::Transfer,
        IncomeCategory::Expenditure => Field::ProductionExpenditure,
    }
}
