//! The card as the template lays it out (labelled, masked for the viewer, its code drawn), one
//! household's and a village's in one print job.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use fupin_core::access::Sensitive;
use fupin_core::assessment::checklist::Dimension;
use fupin_core::assessment::index::Band;
use fupin_core::income::{self, LineStanding};
use fupin_core::income_items::IncomeCategory;
use fupin_core::masking::Disclosure;
use fupin_core::{AreaCode, AreaLevel, Fen};
use fupin_services::dossier::household::Shown;
use fupin_services::household_card::{self, HouseholdCard};
use fupin_storage::household_cards::CardsOf;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::code::{QR_MM, code_url, public_base, undrawable};
use super::{YearQuery, card_year, category_field};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::{DASH, household_href, or_dash};
use crate::qr;

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
    /// How much smaller the card prints ("", dense, denser, densest): see [`density`].
    density: &'static str,
}
impl CardView {
    /// The card's table lines (members, plan, deliveries, income) decide how small it prints.
    fn with_density(mut self) -> Self {
        let plan: usize = self.plan.iter().map(MeasureLine::printed_lines).sum();
        let lines = self.members.len()
            + plan
            + self.received.len()
            + self.income.iter().map(|g| g.items.len() + 1).sum::<usize>()
            + self.helpers.len();
        self.density = density(lines);
        self
    }
}

impl MeasureLine {
    /// The printed lines the plan's row takes at full size: its longest cell wrapped in its
    /// column (about 11 characters for the measure, 24 for the standard, 30 for the reason).
    fn printed_lines(&self) -> usize {
        let wrapped = |text: &str, width: usize| text.chars().count().div_ceil(width);
        wrapped(&self.name, 11)
            .max(wrapped(&self.standard, 24))
            .max(wrapped(&self.reason, 30))
            .max(1)
    }
}

/// A card of `lines` printed table lines fits one A4 sheet at full size up to
/// [`FULL_SIZE_LINES`]; beyond, it is printed smaller in steps (the print sheet's `zoom`).
fn density(lines: usize) -> &'static str {
    match lines {
        0..=FULL_SIZE_LINES => "",
        25..=30 => "dense",
        31..=38 => "denser",
        _ => "densest",
    }
}

/// Printed table lines a card holds at full size on A4 (measured: Chromium's PDF of the demo's
/// cards, with room to spare).
const FULL_SIZE_LINES: usize = 24;

/// The plan as a card prints it: one line per measure, its members together and the household's
/// part of the reasons ("户状态为…") said once — a measure owed to three members is one line.
fn by_measure(lang: Lang, lines: impl Iterator<Item = MeasureLine>) -> Vec<MeasureLine> {
    let mut out: Vec<MeasureLine> = Vec::new();
    for line in lines {
        match out.iter_mut().find(|o| o.name == line.name) {
            Some(o) => {
                o.member = format!("{}{}{}", o.member, lang.list_separator(), line.member);
                let member_part = line
                    .reason
                    .split_once(['；', ';'])
                    .map_or(line.reason.as_str(), |(_, rest)| rest.trim());
                o.reason = format!("{}{}{member_part}", o.reason, lang.pick("；", "; "));
            }
            None => out.push(line),
        }
    }
    out
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
    ) -> Result<Self, AppError> {
        let h = &c.household;
        // ages at the end of the card's year, as the measures' rules read them
        let year_end = NaiveDate::from_ymd_opt(c.year, 12, 31)
            .ok_or_else(|| AppError::Internal(format!("no year {}", c.year)))?;
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
                .zip(Shown::of(h, d).members)
                .map(|(m, shown)| MemberLine {
                    name: shown.name,
                    id_number: shown.id_number,
                    relation: lang.label(m.relation),
                    sex: lang.label(m.sex),
                    age: m.age_on(year_end),
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
            plan: by_measure(
                lang,
                c.owed().map(|e| MeasureLine {
                    name: e.name.clone(),
                    member: e
                        .member
                        .as_ref()
                        .map_or_else(|| DASH.into(), |n| d.show(Sensitive::Name, n)),
                    standard: or_dash(e.standard.clone()),
                    reason: e.reason.clone(),
                }),
            ),
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
            density: "",
        }
        .with_density())
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
pub(super) async fn render_cards(
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
        views.push(CardView::new(c, lang, d, &village_names[code], &base)?);
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
            // typing a year's income lines is an edit; a reader is not offered it
            can_edit => caller.may(fupin_core::access::Action::EditHouseholds),
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
    let (rec, d) = crate::pages::read_household(&state, &caller, id, "card").await?;
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
        .ok_or_else(|| AppError::invalid("not_a_village", &code))?;
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
        Some(crate::pages::area_href(village.as_str())),
        false,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, member: &str, reason: &str) -> MeasureLine {
        MeasureLine {
            name: name.into(),
            member: member.into(),
            standard: "每人每年110元".into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn a_measure_owed_to_several_members_is_one_line() {
        let lines = [
            line("养老保险代缴", "陈桂", "户状态为脱贫享受政策；陈桂：年龄62"),
            line("医疗救助", "—", "户状态为脱贫享受政策"),
            line("养老保险代缴", "蔡永", "户状态为脱贫享受政策；蔡永：年龄65"),
        ];
        let plan = by_measure(Lang::Zh, lines.into_iter());
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].member, "陈桂、蔡永");
        assert_eq!(
            plan[0].reason,
            "户状态为脱贫享受政策；陈桂：年龄62；蔡永：年龄65"
        );
        assert_eq!(plan[1].name, "医疗救助");
    }

    #[test]
    fn longer_cards_print_smaller() {
        assert_eq!(density(FULL_SIZE_LINES), "");
        assert_eq!(density(FULL_SIZE_LINES + 1), "dense");
        assert_eq!(density(35), "denser");
        assert_eq!(density(60), "densest");
        // a row counts as the lines its longest cell wraps to
        let long = line("医疗救助", "—", &"户状态为脱贫享受政策".repeat(7));
        assert_eq!(long.printed_lines(), 3);
        assert_eq!(line("低保", "—", "户状态为未脱贫").printed_lines(), 1);
    }
}
