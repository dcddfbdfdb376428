//! The household card (明白卡) on the pages: one household's card, a village's cards in one
//! print job (a page each), the QR code (SVG, PNG) and where it leads (`/q/{token}`: the full
//! record for an official whose jurisdiction holds the household, the masked public card for
//! anyone else), the code's re-issue, and the form for the year's income lines.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use fupin_core::access::{Action, Sensitive};
use fupin_core::assessment::checklist::Dimension;
use fupin_core::assessment::index::Band;
use fupin_core::income::{self, LineStanding};
use fupin_core::income_items::{IncomeCategory, TypedItem};
use fupin_core::masking::Disclosure;
use fupin_core::{AreaCode, AreaLevel, Fen, Field};
use fupin_services::household_card::{self, HouseholdCard, IncomeLinesError};
use fupin_storage::household_cards::CardsOf;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::{DASH, household_href, or_dash};
use crate::AppState;
use crate::auth::{Caller, is_https};
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::qr;

/// The QR code's printed size on the card.
const QR_MM: u32 = 28;
/// Blank rows the income form offers beyond the lines already typed.
const SPARE_LINES: usize = 6;

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
            .ok_or_else(|| AppError::BadRequest(format!("年份无效 / invalid year {text:?}"))),
        None => Ok(state.db.last_status_year().await?.unwrap_or(this_year)),
    }
}

/// Where the QR codes point: the public URL when one is set; otherwise `scheme://host` of the
/// request, only if the host is one the console knows it is reached under (a forged `Host` is
/// never printed on a card, and `X-Forwarded-Host` is not trusted at all).
fn public_base(state: &AppState, headers: &HeaderMap) -> Result<String, AppError> {
    if let Some(url) = &state.public_url {
        return Ok(url.clone());
    }
    // a request without a Host header can only come from inside the process (tests)
    let host = match headers.get(header::HOST) {
        None => "localhost",
        Some(h) => h.to_str().unwrap_or_default(),
    };
    if !known_host(&state.allowed_hosts, host) {
        return Err(AppError::BadRequest(
            "本平台未登记此访问地址，无法生成二维码：请管理员设置 FUPIN_PUBLIC_URL 或 \
             FUPIN_ALLOWED_HOSTS / the console is not known under this host name, so no code \
             can point to it: the administrator sets FUPIN_PUBLIC_URL or FUPIN_ALLOWED_HOSTS"
                .into(),
        ));
    }
    let scheme = if is_https(state, headers) {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}"))
}

/// Whether `host` (`name` or `name:port`) names one of `allowed` (ports are not compared).
fn known_host(allowed: &[String], host: &str) -> bool {
    if host.is_empty() || host.len() > 255 {
        return false;
    }
    let name = match host.rsplit_once(':') {
        // an IPv6 literal's own colons end at its bracket
        Some((name, port))
            if !port.contains(']')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        Some((_, port)) if !port.contains(']') => return false,
        _ => host,
    };
    allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
}

pub fn code_url(base: &str, token: &str) -> String {
    format!("{base}/q/{token}")
}

#[derive(Debug, Serialize)]
struct MemberLine {
    name: String,
    id_number: String,
    relation: &'static str,
    sex: &'static str,
    age: u32,
    schooling: &'static str,
    health: String,
    labour: &'static str,
}

#[derive(Debug, Serialize)]
struct HelperLine {
    name: String,
    phone: String,
    unit: String,
}

#[derive(Debug, Serialize)]
struct ItemLine {
    item: String,
    amount: String,
}

#[derive(Debug, Serialize)]
struct CategoryLines {
    label: &'static str,
    items: Vec<ItemLine>,
    subtotal: String,
}

#[derive(Debug, Serialize)]
struct MeasureLine {
    name: String,
    member: String,
    standard: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct ReceivedLine {
    name: String,
    member: String,
    delivered_on: String,
    amount: String,
    unit: String,
}

/// One card as the template lays it out: labelled, masked for the viewer, the QR drawn.
#[derive(Debug, Serialize)]
struct CardView {
    id: i64,
    href: String,
    year: i32,
    number: String,
    village: String,
    group: String,
    address: String,
    head: String,
    status: &'static str,
    attribute: &'static str,
    main_cause: &'static str,
    other_causes: String,
    members: Vec<MemberLine>,
    helpers: Vec<HelperLine>,
    income: Vec<CategoryLines>,
    typed: bool,
    gross: String,
    net: String,
    household_size: String,
    per_capita: String,
    line: String,
    standing: &'static str,
    score: String,
    band: String,
    expected_exit: String,
    shortfalls: String,
    plan: Vec<MeasureLine>,
    received: Vec<ReceivedLine>,
    qr_svg: String,
    code_url: String,
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

fn yuan(f: Fen) -> String {
    f.yuan_string()
}

impl CardView {
    fn new(
        c: &HouseholdCard,
        lang: Lang,
        d: &Disclosure,
        village: &str,
        base: &str,
        today: NaiveDate,
    ) -> Result<Self, AppError> {
        let h = &c.household;
        let name_of = |id: &str| {
            h.members
                .iter()
                .find(|m| m.id_number.as_str() == id)
                .map_or_else(|| DASH.to_string(), |m| d.show(Sensitive::Name, &m.name))
        };
        let catalogue_name = |code: &str| {
            c.entitled
                .iter()
                .find(|e| e.code == code)
                .map_or_else(|| code.to_string(), |e| e.name.clone())
        };
        let income = c.income.as_ref();
        let category_total = |cat: IncomeCategory| {
            income.map(|i| match cat {
                IncomeCategory::Wage => i.wage,
                IncomeCategory::Business => i.business,
                IncomeCategory::Property => i.property,
                IncomeCategory::Transfer => i.transfer,
                IncomeCategory::Expenditure => i.production_expenditure,
            })
        };
        let code = code_url(base, &c.code);
        let qr_svg = qr::svg(&code, QR_MM).map_err(undrawable)?;
        let a = c.assessment.as_ref();
        let shortfalls: Vec<&str> = a
            .map(|a| {
                Dimension::ALL
                    .iter()
                    .filter(|dim| outcome_of(a, **dim) == "not_met")
                    .map(|dim| lang.pick(dim.zh(), dim.en()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(CardView {
            id: c.id,
            href: household_href(c.id),
            year: c.year,
            number: h.number.clone(),
            village: village.to_string(),
            group: or_dash(h.group.clone()),
            address: or_dash(h.address.clone()),
            head: h
                .head()
                .map_or_else(|| DASH.into(), |m| d.show(Sensitive::Name, &m.name)),
            status: lang.label(h.status),
            attribute: lang.label(h.attribute),
            main_cause: lang.label(h.main_cause),
            other_causes: or_dash(
                h.other_causes
                    .iter()
                    .map(|c| lang.label(*c))
                    .collect::<Vec<_>>()
                    .join(lang.list_separator()),
            ),
            members: h
                .members
                .iter()
                .map(|m| MemberLine {
                    name: d.show(Sensitive::Name, &m.name),
                    id_number: d.show(Sensitive::IdNumber, m.id_number.as_str()),
                    relation: lang.label(m.relation),
                    sex: lang.label(m.sex),
                    age: m.age_on(today),
                    schooling: lang.label(m.schooling),
                    health: d.show(Sensitive::Health, lang.label(m.health)),
                    labour: lang.label(m.labour),
                })
                .collect(),
            helpers: c
                .helpers
                .iter()
                .map(|x| HelperLine {
                    name: x.real_name.clone(),
                    phone: x.phone.clone(),
                    unit: x.area_name.clone(),
                })
                .collect(),
            income: IncomeCategory::ALL
                .iter()
                .map(|cat| CategoryLines {
                    label: lang.field(category_field(*cat)),
                    items: c
                        .items
                        .iter()
                        .filter(|i| i.category == *cat)
                        .map(|i| ItemLine {
                            item: i.item.clone(),
                            amount: yuan(i.amount),
                        })
                        .collect(),
                    subtotal: category_total(*cat).map_or_else(|| DASH.into(), yuan),
                })
                .collect(),
            typed: !c.items.is_empty(),
            gross: income.map_or_else(|| DASH.into(), |i| yuan(i.gross())),
            net: income.map_or_else(|| DASH.into(), |i| yuan(i.net())),
            household_size: income.map_or_else(|| DASH.into(), |i| i.household_size.to_string()),
            per_capita: c.per_capita.map_or_else(|| DASH.into(), yuan),
            line: c.line.map_or_else(|| DASH.into(), yuan),
            standing: t(
                lang,
                match income::standing(c.per_capita, c.line) {
                    LineStanding::Above => "above_line",
                    LineStanding::NotAbove => "not_above_line",
                    LineStanding::Unknown => "unknown",
                },
            ),
            score: a.map_or_else(|| DASH.into(), |a| format!("{:.1}", a.score)),
            band: a
                .and_then(|a| Band::parse(&a.band))
                .map_or_else(|| DASH.into(), |b| lang.pick(b.zh(), b.en()).to_string()),
            expected_exit: a
                .and_then(|a| a.expected_exit_year)
                .map_or_else(|| DASH.into(), |y| y.to_string()),
            shortfalls: if a.is_none() {
                DASH.into()
            } else if shortfalls.is_empty() {
                t(lang, "none").to_string()
            } else {
                shortfalls.join(lang.list_separator())
            },
            plan: c
                .owed()
                .map(|e| MeasureLine {
                    name: e.name.clone(),
                    member: e
                        .member
                        .as_ref()
                        .map_or_else(|| DASH.into(), |n| d.show(Sensitive::Name, n)),
                    standard: or_dash(e.standard.clone()),
                    reason: e.reason.clone(),
                })
                .collect(),
            received: c
                .deliveries
                .iter()
                .map(|x| ReceivedLine {
                    name: catalogue_name(&x.measure_code),
                    member: if x.member_id_number.is_empty() {
                        t(lang, "whole_household").to_string()
                    } else {
                        name_of(&x.member_id_number)
                    },
                    delivered_on: x.delivered_on.clone(),
                    amount: x.amount.map_or_else(|| DASH.into(), |f| yuan(Fen(f))),
                    unit: or_dash(x.unit.clone()),
                })
                .collect(),
            qr_svg,
            code_url: code,
        })
    }
}

fn outcome_of(a: &fupin_storage::AssessmentRow, d: Dimension) -> &str {
    match d {
        Dimension::Income => &a.income,
        Dimension::FoodAndClothing => &a.food_clothing,
        Dimension::CompulsoryEducation => &a.compulsory_education,
        Dimension::BasicMedical => &a.basic_medical,
        Dimension::SafeHousing => &a.safe_housing,
        Dimension::SafeWater => &a.safe_water,
    }
}

/// Renders cards with the print sheet's layout.
#[allow(clippy::too_many_arguments)]
async fn render_cards(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    headers: &HeaderMap,
    cards: &[HouseholdCard],
    d: &Disclosure,
    title: String,
    back: Option<String>,
    public: bool,
) -> Result<Response, AppError> {
    let base = public_base(state, headers)?;
    let today = chrono::Local::now().date_naive();
    let mut village_names = std::collections::HashMap::new();
    let mut views = Vec::with_capacity(cards.len());
    for c in cards {
        let code = &c.household.village_code;
        if !village_names.contains_key(code) {
            let name = state
                .db
                .area_path(code)
                .await?
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join("");
            village_names.insert(code.clone(), name);
        }
        views.push(CardView::new(
            c,
            lang,
            d,
            &village_names[code],
            &base,
            today,
        )?);
    }
    let html = state.render(
        "cards.html",
        lang,
        caller,
        context! {
            title,
            cards => Serde(views),
            back,
            public,
            year => cards.first().map(|c| c.year),
        },
    )?;
    Ok(html.into_response())
}

/// `GET /households/{id}/card?year=`: one household's card, ready to print.
pub async fn household_card(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = card_year(&state, &q).await?;
    let (rec, d) = super::read_household(&state, &caller, id, "card").await?;
    let cards = household_card::cards(
        &state.db,
        &caller.viewer(),
        CardsOf::Household(rec.id),
        year,
        lang == Lang::En,
    )
    .await
    .map_err(AppError::internal)?;
    let title = format!(
        "{} {} · {year}",
        t(lang, "household_card"),
        rec.household.number
    );
    render_cards(
        &state,
        lang,
        &caller,
        &headers,
        &cards,
        &d,
        title,
        Some(household_href(id)),
        false,
    )
    .await
}

/// `GET /areas/{code}/cards?year=`: every card of a village in one print job, a page each.
pub async fn village_cards(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let village = AreaCode::parse(&code)
        .ok()
        .filter(|c| c.level() == AreaLevel::Village)
        .ok_or_else(|| {
            AppError::BadRequest(format!("请选择一个村 / {code:?} is not a village code"))
        })?;
    let viewer = caller.viewer();
    // a village outside the jurisdiction does not exist for the caller
    state
        .db
        .area(&viewer.scope, &village)
        .await?
        .ok_or(AppError::NotFound)?;
    let year = card_year(&state, &q).await?;
    let cards = household_card::cards(
        &state.db,
        &viewer,
        CardsOf::Village(&village),
        year,
        lang == Lang::En,
    )
    .await
    .map_err(AppError::internal)?;
    let entry = caller.actor().entry(
        "read",
        "village_cards",
        village.to_string(),
        village.as_str(),
        format!("{year}: {} cards", cards.len()),
    );
    state.audit.record(entry).await?;
    let title = format!("{} {village} · {year}", t(lang, "village_cards"));
    render_cards(
        &state,
        lang,
        &caller,
        &headers,
        &cards,
        &viewer.disclosure,
        title,
        Some(super::area_href(village.as_str())),
        false,
    )
    .await
}

/// `GET /q/{token}`: where a card's QR code leads. An official whose jurisdiction holds the
/// household goes to the full record; anyone else sees the masked public card; a revoked or
/// unknown code is a 404, as is anything not shaped like a code.
pub async fn scan(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !household_card::looks_like_code(&token) {
        return Err(AppError::NotFound);
    }
    let id = state
        .db
        .code_household(&token)
        .await?
        .ok_or(AppError::NotFound)?;
    if caller.may(Action::ViewHouseholds)
        && state
            .db
            .household(&caller.viewer().scope, id)
            .await?
            .is_some()
    {
        return Ok(Redirect::to(&household_href(id)).into_response());
    }
    let year = card_year(&state, &YearQuery::default()).await?;
    // the public card: read outside any jurisdiction, everything personal masked
    let public = fupin_core::access::Viewer::public_card(id);
    let cards = household_card::cards(
        &state.db,
        &public,
        CardsOf::Household(id),
        year,
        lang == Lang::En,
    )
    .await
    .map_err(AppError::internal)?;
    let Some(card) = cards.first() else {
        return Err(AppError::NotFound);
    };
    let entry = caller.actor().entry(
        "read",
        "household",
        card.household.number.clone(),
        card.household.village_code.as_str(),
        "public card (masked)",
    );
    state.audit.record(entry).await?;
    let title = format!("{} {}", t(lang, "household_card"), card.household.number);
    render_cards(
        &state,
        lang,
        &caller,
        &headers,
        &cards,
        &Disclosure::public(),
        title,
        None,
        true,
    )
    .await
}

/// The live code of a household the caller may see (every household has one from its creation).
async fn live_code(state: &AppState, caller: &Caller, id: i64) -> Result<String, AppError> {
    let codes = state.db.live_codes(&caller.viewer().scope, &[id]).await?;
    codes.get(&id).cloned().ok_or(AppError::NotFound)
}

/// A code that cannot be drawn (the URL too long) is the request's fault: the host it named.
fn undrawable(_: qrcode::types::QrError) -> AppError {
    AppError::BadRequest("地址过长，无法生成二维码 / the address is too long for a QR code".into())
}

/// `GET /households/{id}/qr.svg`.
pub async fn qr_svg(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let token = live_code(&state, &caller, id).await?;
    let url = code_url(&public_base(&state, &headers)?, &token);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        // the drawn element carries its namespace already: a standalone file as it is
        qr::svg(&url, QR_MM).map_err(undrawable)?
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], body).into_response())
}

/// `GET /households/{id}/qr.png`.
pub async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let token = live_code(&state, &caller, id).await?;
    let url = code_url(&public_base(&state, &headers)?, &token);
    let png = qr::png(&url, 8).map_err(undrawable)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// `POST /households/{id}/code`: a new code; cards printed with the old one lead nowhere.
pub async fn reissue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    household_card::reissue_code(&state.db, &caller.viewer().scope, &caller.actor(), id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("{}/card", household_href(id))).into_response())
}

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
    let (rec, _) = super::read_household(state, caller, id, "income form").await?;
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
            let errors = errors.iter().map(ToString::to_string).collect();
            income_form_page(&state, lang, &caller, id, year, lines, errors).await
        }
        Err(IncomeLinesError::Other(e)) => Err(AppError::internal(e)),
    }
}
