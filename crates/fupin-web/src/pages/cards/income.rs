//! The form for a year's income lines: typed by category, item and amount; saved, the year's
//! income becomes their sums.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::income::{self, LineStanding};
use fupin_core::income_items::{IncomeCategory, TypedItem};
use fupin_core::{Fen, IncomeFormula, IncomeYear};
use fupin_services::household_card::{self, IncomeLinesError, IncomePreview};
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

/// One figure of the year's income: as it stands, and as the typed lines would make it.
#[derive(Debug, Serialize)]
struct FigureLine {
    label: String,
    before: String,
    after: String,
    changed: bool,
}

/// The year's income figure by figure, before and (with a preview) after.
fn figure_lines(
    lang: Lang,
    before: Option<&IncomeYear>,
    preview: Option<&IncomePreview>,
) -> Vec<FigureLine> {
    let yuan = |f: Option<Fen>| f.map_or_else(|| "—".to_string(), |f| f.yuan_string());
    let standing = |per_capita: Option<Fen>, line: Option<Fen>| {
        t(
            lang,
            match income::standing(per_capita, line) {
                LineStanding::Above => "above_line",
                LineStanding::NotAbove => "not_above_line",
                LineStanding::Unknown => "unknown",
            },
        )
        .to_string()
    };
    let after = preview.map(|p| &p.after);
    let mut rows: Vec<(String, String, String)> = IncomeCategory::ALL
        .iter()
        .map(|c| {
            let of = |i: &IncomeYear| match c {
                IncomeCategory::Wage => i.wage,
                IncomeCategory::Business => i.business,
                IncomeCategory::Property => i.property,
                IncomeCategory::Transfer => i.transfer,
                IncomeCategory::Expenditure => i.production_expenditure,
            };
            (
                lang.field(category_field(*c)).to_string(),
                yuan(before.map(of)),
                yuan(after.map(of)),
            )
        })
        .collect();
    rows.push((
        t(lang, "net_income").to_string(),
        yuan(before.map(IncomeYear::net)),
        yuan(after.map(IncomeYear::net)),
    ));
    let per_capita_before = before.and_then(|i| i.per_capita(IncomeFormula::CURRENT));
    rows.push((
        lang.field(fupin_core::Field::PerCapitaIncome).to_string(),
        yuan(per_capita_before),
        yuan(preview.and_then(IncomePreview::per_capita_after)),
    ));
    if let Some(p) = preview {
        rows.push((
            t(lang, "exit_line").to_string(),
            standing(p.per_capita_before(), p.line),
            standing(p.per_capita_after(), p.line),
        ));
    }
    rows.into_iter()
        .map(|(label, before, after)| FigureLine {
            changed: preview.is_some() && before != after,
            label,
            before,
            after,
        })
        .collect()
}

/// What the form was sent with, beyond the lines.
#[derive(Debug, Default)]
struct Sent {
    reason: String,
    /// The digest of the lines whose preview the person saw.
    previewed: String,
    confirm: bool,
}

impl Sent {
    fn of(pairs: &[(String, String)]) -> Self {
        use crate::pages::field;
        Sent {
            reason: field(pairs, "reason"),
            previewed: field(pairs, "previewed"),
            confirm: field(pairs, "confirm") == "1",
        }
    }
}

/// A digest of typed lines: a confirmation counts only for the lines that were previewed.
fn digest(lines: &[TypedItem]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for l in lines {
        for part in [&l.category, &l.item, &l.amount] {
            h.update(part.trim().as_bytes());
            h.update([0]);
        }
    }
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn income_form_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    year: i32,
    lines: Vec<FormLine>,
    errors: Vec<String>,
    preview: Option<(IncomePreview, String)>,
    reason: &str,
) -> Result<Response, AppError> {
    let (rec, _) = crate::pages::read_household(state, caller, id, "income form").await?;
    let before = rec
        .incomes
        .iter()
        .find(|l| l.income.year == year)
        .map(|l| l.income.clone());
    let figures = figure_lines(lang, before.as_ref(), preview.as_ref().map(|(p, _)| p));
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
            figures => Serde(figures),
            preview => preview.is_some(),
            previewed => preview.map(|(_, d)| d),
            reason,
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
    income_form_page(&state, lang, &caller, id, year, lines, vec![], None, "").await
}

/// `POST /households/{id}/income?year=`: first shows what the lines would change (before and
/// after, the income line's verdict included); saves them — the year's income becomes their
/// sums — only when those previewed lines are confirmed, with a reason for the change log.
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
    let sent = Sent::of(&pairs);
    let scope = caller.viewer().scope;
    let as_typed = |typed: &[TypedItem]| -> Vec<FormLine> {
        typed
            .iter()
            .map(|l| FormLine {
                category: l.category.clone(),
                item: l.item.clone(),
                amount: l.amount.clone(),
            })
            .collect()
    };
    let page = |errors: Vec<String>, preview: Option<(IncomePreview, String)>| {
        let (state, caller, lines) = (&state, &caller, as_typed(&typed));
        let reason = sent.reason.clone();
        async move {
            income_form_page(
                state, lang, caller, id, year, lines, errors, preview, &reason,
            )
            .await
        }
    };
    let refused = |e: IncomeLinesError| -> Result<Vec<String>, AppError> {
        match e {
            IncomeLinesError::NotFound => Err(AppError::NotFound),
            IncomeLinesError::Lines(errors) => Ok(errors
                .iter()
                .map(|e| crate::i18n::message(lang, &fupin_core::message::Explained::message(e)))
                .collect()),
            IncomeLinesError::NoReason => Ok(vec![t(lang, "income_reason_needed").to_string()]),
            IncomeLinesError::Other(e) => Err(AppError::internal(e)),
        }
    };
    let lines_digest = digest(&typed);
    let preview =
        match household_card::preview_income_lines(&state.db, &scope, id, year, &typed).await {
            Ok(p) => p,
            // as typed, blank rows included: the messages count rows from the top
            Err(e) => return page(refused(e)?, None).await,
        };
    if !(sent.confirm && sent.previewed == lines_digest) {
        return page(vec![], Some((preview, lines_digest))).await;
    }
    match household_card::save_income_lines(
        &state.db,
        &scope,
        &caller.actor(),
        id,
        year,
        &typed,
        &sent.reason,
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/card?year={year}", household_href(id))).into_response())
        }
        Err(e) => page(refused(e)?, Some((preview, lines_digest))).await,
    }
}
