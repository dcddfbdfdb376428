//! The form for a year's income lines: typed by category, item and amount; saved, the year's
//! income becomes their sums.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::income_items::{IncomeCategory, TypedItem};
use fupin_services::household_card::{self, IncomeLinesError};
use fupin_storage::household_cards::CardsOf;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::{YearQuery, card_year, category_field};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::household_href;

/// Blank rows the income form offers beyond the lines already typed.
const SPARE_LINES: usize = 6;
/// The income form's rows: `category`, `item` and `amount` repeated, in order.
fn typed_lines(pairs: &[(String, String)]) -> Vec<TypedItem> {
    let mut lines: Vec<TypedItem> = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            "category" => lines.push(TypedItem {
                category: value.clone(),
                ..Default::default()
            }),
            "item" | "amount" => {
                if let Some(last) = lines.last_mut() {
                    if key == "item" {
                        last.item = value.clone();
                    } else {
                        last.amount = value.clone();
                    }
                }
            }
            _ => {}
        }
    }
    lines
}

#[derive(Debug, Serialize)]
struct FormLine {
    category: String,
    item: String,
    amount: String,
}

async fn income_form_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    year: i32,
    lines: Vec<FormLine>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let (rec, _) = crate::pages::read_household(state, caller, id, "income form").await?;
    let mut lines = lines;
    lines.extend((0..SPARE_LINES).map(|_| FormLine {
        category: String::new(),
        item: String::new(),
        amount: String::new(),
    }));
    let html = state.render(
        "income_lines.html",
        lang,
        caller,
        context! {
            title => format!("{} {} · {year}", t(lang, "income_lines"), rec.household.number),
            number => rec.household.number.clone(),
            href => household_href(id),
            year,
            lines => Serde(lines),
            errors,
            categories => IncomeCategory::ALL
                .iter()
                .map(|c| (c.code(), lang.field(category_field(*c))))
                .collect::<Vec<_>>(),
        },
    )?;
    Ok(html.into_response())
}

/// `GET /households/{id}/income?year=`: the year's income lines to type.
pub async fn income_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = card_year(&state, &q).await?;
    let cards = state
        .db
        .card_rows(&caller.viewer().scope, CardsOf::Household(id), year)
        .await?;
    let lines = cards
        .items
        .get(&id)
        .map(|items| {
            items
                .iter()
                .map(|i| FormLine {
                    category: i.category.code().into(),
                    item: i.item.clone(),
                    amount: i.amount.yuan_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    income_form_page(&state, lang, &caller, id, year, lines, vec![]).await
}

/// `POST /households/{id}/income?year=`: saves the lines; the year's income becomes their sums.
pub async fn save_income(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let year = card_year(&state, &q).await?;
    let typed = typed_lines(&pairs);
    match household_card::save_income_lines(
        &state.db,
        &caller.viewer().scope,
        &caller.actor(),
        id,
        year,
        &typed,
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/card?year={year}", household_href(id))).into_response())
        }
        Err(IncomeLinesError::NotFound) => Err(AppError::NotFound),
        Err(IncomeLinesError::Lines(errors)) => {
            // as typed, blank rows included: the messages count rows from the top
            let lines = typed
                .into_iter()
                .map(|l| FormLine {
                    category: l.category,
                    item: l.item,
                    amount: l.amount,
                })
                .collect();
            let errors = errors
                .iter()
                .map(|e| crate::i18n::message(lang, &fupin_core::message::Explained::message(e)))
                .collect();
            income_form_page(&state, lang, &caller, id, year, lines, errors).await
        }
        Err(IncomeLinesError::Other(e)) => Err(AppError::internal(e)),
    }
}
