//! `/notices`: the public notice list (公示公告栏), for anyone. A case appears once its notice is
//! posted, and stays through review and announcement; `/notices/{id}` is the printable notice.
//! Only what the paper notice in the village shows: the procedure, the head's name and the
//! household number, the village and the dates.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use fupin_core::AreaCode;
use fupin_core::AreaLevel;
use fupin_core::workflow::Step;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::cases::{notice_period, notice_sheet, procedure_label};
use super::{Pager, parse_page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

const PER_PAGE: u64 = 50;

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    area: Option<String>,
    page: Option<String>,
}

#[derive(Debug, Serialize)]
struct NoticeLine {
    href: String,
    procedure: &'static str,
    subject: String,
    village: String,
    village_href: String,
    period: String,
    state: String,
    running: bool,
}

/// Where a public notice stands, in words.
fn state_label(lang: Lang, step: Option<Step>, held: bool, over: bool) -> (String, bool) {
    let key = match step {
        Some(Step::Notice) if held => "notice_held",
        Some(Step::Notice) if over => "notice_over",
        Some(Step::Notice) => "notice_running",
        Some(Step::Announced) => "notice_announced",
        _ => "notice_under_review",
    };
    (
        t(lang, key).to_string(),
        step == Some(Step::Notice) && !over,
    )
}

fn notices_href(area: Option<&AreaCode>) -> String {
    match area {
        Some(a) => format!("/notices?area={a}"),
        None => "/notices".into(),
    }
}

/// `GET /notices?area=CODE&page=N`.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let area = match query.area.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(AreaCode::parse(code)?),
    };
    let page = parse_page(query.page.as_deref())?;
    let (rows, total) = state
        .db
        .public_notices(
            area.as_ref(),
            ((page - 1) * PER_PAGE) as i64,
            PER_PAGE as i64,
        )
        .await?;
    let mut codes: Vec<AreaCode> = rows
        .iter()
        .filter_map(|r| AreaCode::parse(&r.village_code).ok())
        .flat_map(|v| [v.ancestor(AreaLevel::Township), v])
        .collect();
    codes.extend(area.clone());
    let names = state.db.area_names(&codes).await?;
    let name = |code: &AreaCode| names.get(code.as_str()).cloned().unwrap_or_default();
    let policy = state.db.policy().await?;
    let today = chrono::Local::now().date_naive();
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(period) = notice_period(&policy, r)? else {
            continue;
        };
        let village = AreaCode::parse(&r.village_code).map_err(|_| AppError::NotFound)?;
        let over = period.until.is_some_and(|u| today >= u);
        let (words, running) = state_label(lang, Step::parse(&r.step), r.held, over);
        lines.push(NoticeLine {
            href: format!("/notices/{}", r.id),
            procedure: procedure_label(lang, &r.procedure),
            subject: r.subject.clone(),
            village: format!(
                "{}{}",
                name(&village.ancestor(AreaLevel::Township)),
                name(&village)
            ),
            village_href: notices_href(Some(&village)),
            period: match period.until {
                Some(u) => format!(
                    "{} – {}",
                    fupin_core::date::iso(period.from),
                    fupin_core::date::iso(u)
                ),
                None => fupin_core::date::iso(period.from),
            },
            state: words,
            running,
        });
    }
    let pager = Pager::new(
        &notices_href(area.as_ref()),
        page,
        PER_PAGE,
        total.max(0) as u64,
        rows.len() as u64,
    );
    let html = state.render(
        "notices.html",
        lang,
        &caller,
        context! {
            title => t(lang, "public_notices"),
            area => area.as_ref().map(name),
            notices => Serde(lines),
            pager => Serde(pager),
        },
    )?;
    Ok(html.into_response())
}

/// `GET /notices/{id}`: the printable notice of a case whose notice is public.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let row = state
        .db
        .public_notice(id)
        .await?
        .ok_or(AppError::NotFound)?;
    notice_sheet(&state, lang, &caller, &row, "/notices").await
}
