//! The month's field work for an area (`/field/summary`): per child area, unit and helper —
//! visits, households visited of those paired, flagged visits, photos — and the paired
//! households nobody visited lately (`/field/overdue`).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use fupin_core::AreaLevel;
use fupin_core::access::Sensitive;
use fupin_services::field::summaries::{self, AreaMonth, HelperMonth, UnitMonth};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::helpers::area_of;
use super::{month_or_current, today};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::{AreaNames, Pager, household_href, parse_page};

#[derive(Debug, Default, Deserialize)]
pub struct SummaryQuery {
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub month: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
}

/// Helpers listed one by one below this level's areas (a county's thousands are summed by unit).
const HELPERS_LISTED: usize = 300;

#[derive(Debug, Serialize)]
struct AreaLine {
    name: String,
    href: Option<String>,
    #[serde(flatten)]
    figures: AreaMonth,
    /// Households visited of those paired, in percent.
    coverage: String,
}

fn coverage(visited: i64, paired: i64) -> String {
    if paired == 0 {
        "—".into()
    } else {
        format!("{:.0}%", visited as f64 * 100.0 / paired as f64)
    }
}

/// The months a summary may be asked for: this one and the eleven before it.
fn recent_months() -> Vec<String> {
    let mut d = today().with_day0(0).expect("day one exists");
    let mut out = Vec::new();
    for _ in 0..12 {
        out.push(d.format("%Y-%m").to_string());
        d = d.checked_sub_months(chrono::Months::new(1)).unwrap_or(d);
    }
    out
}

use chrono::Datelike;

/// `GET /field/summary?area=&month=`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let month = month_or_current(q.month.as_deref());
    let scope = caller.viewer().scope;
    let rows = summaries::by_area(&state.db, &scope, &area.code, &month).await?;
    let total = summaries::total(&rows);
    let names = AreaNames::of(&state, rows.iter().map(|r| r.code.as_str())).await?;
    let at_village = area.code.level() == AreaLevel::Village;
    let lines: Vec<AreaLine> = rows
        .into_iter()
        .map(|r| AreaLine {
            name: names.name(&r.code),
            href: (!at_village).then(|| {
                let code = fupin_core::AreaCode::parse(&r.code)
                    .map(|c| c.to_string())
                    .unwrap_or(r.code.clone());
                format!("/field/summary?area={code}&month={month}")
            }),
            coverage: coverage(r.households, r.paired),
            figures: r,
        })
        .collect();
    let helpers: Vec<HelperMonth> =
        summaries::by_helper(&state.db, &scope, &area.code, &month).await?;
    let units: Vec<UnitMonth> = summaries::by_unit(&helpers);
    let idle = helpers
        .iter()
        .filter(|h| h.paired > 0 && h.visits == 0)
        .count();
    let listed: Vec<&HelperMonth> = if helpers.len() <= HELPERS_LISTED {
        helpers.iter().collect()
    } else {
        Vec::new()
    };
    let html = state.render(
        "field_summary.html",
        lang,
        &caller,
        context! {
            title => format!("{} · {} · {month}", t(lang, "field_summary"), area.name),
            area => area.code.to_string(),
            area_name => area.name.clone(),
            month,
            months => recent_months(),
            areas => Serde(lines),
            total => Serde(&total),
            total_coverage => coverage(total.households, total.paired),
            units => Serde(units),
            helpers => Serde(listed),
            helpers_total => helpers.len(),
            idle,
        },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Serialize)]
struct OverdueLine {
    href: String,
    number: String,
    head: String,
    village: String,
    helper: String,
    helper_href: String,
    last_visit: Option<String>,
    since: String,
}

const PER_PAGE: u64 = 50;

/// `GET /field/overdue?area=&page=`.
pub async fn overdue(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let page = parse_page(q.page.as_deref())?;
    let viewer = caller.viewer();
    let (rows, total, days) = summaries::not_visited(
        &state.db,
        &viewer.scope,
        &area.code,
        today(),
        PER_PAGE as i64,
        ((page - 1) * PER_PAGE) as i64,
    )
    .await?;
    let names = AreaNames::of(
        &state,
        rows.iter().map(|r| r.household.village_code.as_str()),
    )
    .await?;
    let lines: Vec<OverdueLine> = rows
        .iter()
        .map(|r| OverdueLine {
            href: household_href(r.household.id),
            number: r.household.number.clone(),
            head: r
                .household
                .head_name
                .as_deref()
                .map(|n| viewer.disclosure.show(Sensitive::Name, n))
                .unwrap_or_default(),
            village: names.name(&r.household.village_code),
            helper: r.helper_name.clone(),
            helper_href: format!("/field/helpers/{}", r.helper_id),
            last_visit: r.last_visit.clone(),
            since: r.paired_since.clone(),
        })
        .collect();
    let pager = Pager::new(
        &format!("/field/overdue?area={}", area.code),
        page,
        PER_PAGE,
        total as u64,
        lines.len() as u64,
    );
    let html = state.render(
        "field_overdue.html",
        lang,
        &caller,
        context! {
            title => format!("{} · {}", t(lang, "not_visited"), area.name),
            area => area.code.to_string(),
            area_name => area.name.clone(),
            days,
            total,
            households => Serde(lines),
            pager => Serde(pager),
        },
    )?;
    Ok(html.into_response())
}
