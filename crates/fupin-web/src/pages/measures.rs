//! Measures on the pages: a household's entitlements (with the reasons) and deliveries, the
//! form recording a delivery, an area's gaps by measure, household and helper, and the
//! catalogue for the people who maintain it.

use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::access::{Action, Sensitive};
use fupin_core::measures::{Catalogue, Per};
use fupin_core::{AreaCode, Fen};
use fupin_services::dossier::HouseholdDossier;
use fupin_services::measures::{
    EntitlementLine, NewDelivery, catalogue_in_force, entitlement_lines,
};
use fupin_storage::{Delivery, DocumentKind};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::{Pager, area_crumbs, area_href, household_href, or_dash, parse_page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, message, t};
use fupin_services::error::ServiceError;

#[derive(Debug, Serialize)]
struct DeliveryRow {
    year: i32,
    code: String,
    name: String,
    member: String,
    delivered_on: String,
    amount: String,
    unit: String,
    evidence: String,
}

/// A choice in the delivery form: "CODE" or "CODE:seq" and its words.
#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// The household page's measures section.
#[derive(Debug, Serialize)]
pub(super) struct MeasuresView {
    year: i32,
    catalogue: String,
    entitled: Vec<EntitlementLine>,
    gaps: usize,
    deliveries: Vec<DeliveryRow>,
    choices: Vec<Choice>,
}

/// The measures section of the household page, from the dossier's measures (`None` when the
/// dossier was read without them).
pub(super) fn household_section(lang: Lang, dossier: &HouseholdDossier) -> Option<MeasuresView> {
    let section = dossier.measures.as_ref()?;
    let (rec, d) = (&dossier.record, &dossier.disclosure);
    let catalogue = &section.catalogue;
    let deliveries = &section.deliveries;
    let year = section.year(rec);
    let h = &rec.household;
    let income = rec
        .incomes
        .iter()
        .find(|i| i.income.year == year)
        .map(|i| &i.income);
    let status = rec
        .status_years
        .iter()
        .find(|s| s.year == year)
        .map_or(h.status, |s| s.status);
    let mut as_of_year = h.clone();
    as_of_year.status = status;
    let english = lang == Lang::En;
    let entitled = entitlement_lines(catalogue, &as_of_year, year, income, deliveries, english, d);
    let choices = entitled
        .iter()
        .filter(|e| !e.delivered)
        .map(|e| Choice {
            value: match e.member_seq {
                Some(seq) => format!("{}:{seq}", e.code),
                None => e.code.clone(),
            },
            label: match &e.member {
                Some(name) => format!("{} {} · {name}", e.code, e.name),
                None => format!("{} {}", e.code, e.name),
            },
        })
        .collect();
    let member_name = |id: &str| {
        h.members
            .iter()
            .find(|m| m.id_number.as_str() == id)
            .map(|m| d.show(Sensitive::Name, &m.name))
            .unwrap_or_default()
    };
    Some(MeasuresView {
        year,
        catalogue: catalogue.version.clone(),
        gaps: entitled.iter().filter(|e| !e.delivered).count(),
        entitled,
        deliveries: deliveries
            .iter()
            .map(|x: &Delivery| DeliveryRow {
                year: x.year,
                code: x.measure_code.clone(),
                name: catalogue
                    .measure(&x.measure_code)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                member: or_dash(member_name(&x.member_id_number)),
                delivered_on: x.delivered_on.clone(),
                amount: x.amount.map(|f| Fen(f).yuan_string()).unwrap_or_default(),
                unit: x.unit.clone(),
                evidence: d.scrub(&x.evidence, h),
            })
            .collect(),
        choices,
    })
}

/// Every field optional to the extractor, so that a wrong household is a 404 and a bad field a
/// message on the page, never a bare 422.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeliveryForm {
    entitlement: String,
    year: String,
    delivered_on: String,
    amount: String,
    unit: String,
    evidence: String,
}

/// `POST /households/{id}/deliveries`: records one delivery of an entitlement.
pub async fn record_delivery(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<DeliveryForm>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let rec = state
        .db
        .household(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let h = &rec.household;
    let (code, seq) = match form.entitlement.split_once(':') {
        Some((c, s)) => (c.to_string(), s.parse::<usize>().ok()),
        None => (form.entitlement.clone(), None),
    };
    let member = seq
        .and_then(|s| h.members.get(s.wrapping_sub(1)))
        .map(|m| m.id_number.as_str().to_string())
        .unwrap_or_default();
    let bad = |m: String| super::households::page(&state, lang, &caller, id, Some(m));
    let Some(year) = form
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1980..=2100).contains(y))
    else {
        return bad(format!("{}: {}", t(lang, "year"), form.year)).await;
    };
    let Some(delivered_on) = fupin_core::date::parse_date(&form.delivered_on) else {
        return bad(format!(
            "{}: {}",
            t(lang, "delivered_on"),
            t(lang, "invalid_date")
        ))
        .await;
    };
    let amount = match form.amount.trim() {
        "" => None,
        text => match Fen::parse_yuan(text) {
            Ok(f) => Some(f),
            Err(_) => return bad(format!("{}: {text}", t(lang, "amount_yuan"))).await,
        },
    };
    let delivery = NewDelivery {
        household_number: h.number.clone(),
        measure_code: code,
        member_id_number: member,
        year,
        delivered_on,
        amount,
        unit: form.unit,
        evidence: form.evidence,
    };
    let catalogue = catalogue_in_force(&state.db)
        .await
        .map_err(AppError::internal)?;
    match fupin_services::measures::record(
        &state.db,
        &scope,
        &catalogue,
        &caller.actor(),
        &[(1, delivery)],
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}#measures", household_href(id))).into_response()),
        Err(ServiceError::Refused(m)) => bad(message(lang, &m)).await,
        Err(ServiceError::Invalid(issues)) => {
            let reasons: Vec<String> = issues.iter().map(|i| message(lang, &i.message)).collect();
            bad(reasons.join("；")).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct GapQuery {
    year: Option<i32>,
    page: Option<String>,
}

#[derive(Debug, Serialize)]
struct MeasureLine {
    code: String,
    name: String,
    category: &'static str,
    entitled: i64,
    delivered: i64,
    gaps: i64,
}

#[derive(Debug, Serialize)]
struct GapRow {
    href: String,
    number: String,
    head: String,
    village_code: String,
    gaps: i32,
    codes: String,
}

#[derive(Debug, Serialize)]
struct HelperRow {
    name: String,
    households: i64,
    with_gaps: i64,
    gaps: i64,
}

pub const GAPS_PER_PAGE: u64 = 50;

/// `GET /areas/{code}/measures?year=`: an area's measures by delivery and gap, the households
/// with gaps and each helper's share.
pub async fn area_gaps(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(raw): Path<String>,
    Query(q): Query<GapQuery>,
) -> Result<Response, AppError> {
    let code = AreaCode::parse(&raw)?;
    let viewer = caller.viewer();
    let area = state
        .db
        .area(&viewer.scope, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let years = state.db.matched_years(&code).await?;
    let year = q.year.or(years.first().copied());
    let page = parse_page(q.page.as_deref())?;
    let path = state.db.area_path(&code).await?;
    let crumbs = area_crumbs(lang, &viewer.scope, &path);
    let catalogue = catalogue_in_force(&state.db)
        .await
        .map_err(AppError::internal)?;
    let (mut lines, mut gaps, mut helpers, mut pager) = (Vec::new(), Vec::new(), Vec::new(), None);
    if let Some(year) = year {
        let counts = state.db.measure_counts(&viewer.scope, &code, year).await?;
        lines = catalogue
            .measures
            .iter()
            .filter_map(|m| {
                counts.get(&m.code).map(|c| MeasureLine {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    category: lang.label(m.category),
                    entitled: c.entitled,
                    delivered: c.delivered,
                    gaps: c.gaps,
                })
            })
            .collect();
        lines.sort_by(|a, b| b.gaps.cmp(&a.gaps).then(a.code.cmp(&b.code)));
        let offset = (page - 1) * GAPS_PER_PAGE;
        let (rows, total) = state
            .db
            .gap_households(
                &viewer.scope,
                &code,
                year,
                offset as i64,
                GAPS_PER_PAGE as i64,
            )
            .await?;
        let base = format!("{}/measures?year={year}", area_href(code.as_str()));
        pager = Some(Pager::new(
            &base,
            page,
            GAPS_PER_PAGE,
            total.max(0) as u64,
            rows.len() as u64,
        ));
        gaps = rows
            .iter()
            .map(|r| GapRow {
                href: household_href(r.household_id),
                number: r.number.clone(),
                head: or_dash(
                    viewer
                        .disclosure
                        .show(Sensitive::Name, r.head_name.as_deref().unwrap_or_default()),
                ),
                village_code: r.village_code.clone(),
                gaps: r.gaps,
                codes: r.gap_codes.clone(),
            })
            .collect();
        helpers = state
            .db
            .helper_gaps(&viewer.scope, &code, year)
            .await?
            .into_iter()
            .map(|h| HelperRow {
                name: h.real_name,
                households: h.households,
                with_gaps: h.with_gaps,
                gaps: h.gaps,
            })
            .collect();
    }
    let html = state.render(
        "measures_area.html",
        lang,
        &caller,
        context! {
            title => format!("{} · {}", area.name, t(lang, "measures")),
            crumbs => Serde(crumbs),
            area_href => area_href(code.as_str()),
            year,
            years => years.iter().map(|y| (*y, format!("{}/measures?year={y}", area_href(code.as_str())))).collect::<Vec<_>>(),
            catalogue => catalogue.version.clone(),
            lines => Serde(lines),
            gaps => Serde(gaps),
            pager => pager.map(Serde),
            helpers => Serde(helpers),
        },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Serialize)]
struct CatalogueRow {
    code: String,
    name: String,
    category: &'static str,
    department: String,
    standard: String,
    per: &'static str,
    years: String,
    /// As written in the catalogue file.
    rule: String,
    /// The same in words.
    rule_words: String,
    source: String,
}

fn catalogue_rows(c: &Catalogue, lang: Lang) -> Vec<CatalogueRow> {
    c.measures
        .iter()
        .map(|m| CatalogueRow {
            code: m.code.clone(),
            name: m.name.clone(),
            category: lang.label(m.category),
            department: m.department.clone(),
            standard: m.standard.clone(),
            per: t(
                lang,
                match m.per {
                    Per::Household => "per_household",
                    Per::Member => "per_member",
                },
            ),
            years: m.years.map(|(a, b)| format!("{a}–{b}")).unwrap_or_default(),
            rule: m
                .household
                .iter()
                .chain(&m.member)
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
                .join("；"),
            rule_words: m
                .household
                .iter()
                .chain(&m.member)
                .map(|c| c.words(lang == Lang::En))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; ")),
            source: m.source.clone(),
        })
        .collect()
}

/// `GET /admin/measures`: the catalogue in force, its versions, and a form to load a new one.
pub async fn catalogue_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    render_catalogue(&state, lang, &caller, None, None).await
}

async fn render_catalogue(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    text: Option<&str>,
    errors: Option<Vec<String>>,
) -> Result<Response, AppError> {
    let catalogue = catalogue_in_force(&state.db)
        .await
        .map_err(AppError::internal)?;
    let versions: Vec<(String, String)> = state
        .db
        .documents(DocumentKind::MeasureCatalogue)
        .await?
        .into_iter()
        .map(|d| (d.version, d.loaded_at))
        .collect();
    let html = state.render(
        "measures_catalogue.html",
        lang,
        caller,
        context! {
            title => t(lang, "measure_catalogue"),
            version => catalogue.version.clone(),
            count => catalogue.measures.len(),
            rows => Serde(catalogue_rows(&catalogue, lang)),
            versions,
            text => text.map_or_else(|| catalogue.to_toml(), str::to_string),
            errors,
            can_manage => caller.may(Action::ManageCatalogue),
        },
    )?;
    Ok(html.into_response())
}

/// A catalogue's problem in the page's language: its measure, its field, why.
fn catalogue_problem(lang: Lang, p: &fupin_core::measures::catalogue::CatalogueProblem) -> String {
    let mut text = String::new();
    if let Some(m) = &p.measure {
        let at = fupin_core::Message::new("catalogue.in_measure").with("measure", m);
        text += &message(lang, &at);
    }
    if let Some(field) = &p.field {
        text += &format!("[{field}] ");
    }
    text + &message(lang, &p.reason)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogueForm {
    toml: String,
}

/// `POST /admin/measures`: checks a catalogue and puts it in force; every problem is shown
/// with its measure and field, and nothing is loaded.
pub async fn load_catalogue(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Form(form): Form<CatalogueForm>,
) -> Result<Response, AppError> {
    match Catalogue::from_toml(&form.toml) {
        Err(e) => {
            let errors = e.0.iter().map(|p| catalogue_problem(lang, p)).collect();
            render_catalogue(&state, lang, &caller, Some(&form.toml), Some(errors)).await
        }
        Ok(c) => {
            fupin_services::measures::catalogue_for_run(&state.db, Some(&form.toml))
                .await
                .map_err(AppError::internal)?;
            let entry = caller.actor().entry(
                "measures.catalogue",
                "catalogue",
                c.version.clone(),
                "",
                format!("{} measures", c.measures.len()),
            );
            state.audit.record(entry).await?;
            Ok(Redirect::to("/admin/measures").into_response())
        }
    }
}

/// `GET /admin/measures/export`: the catalogue in force as a TOML file.
pub async fn export_catalogue(State(state): State<AppState>) -> Result<Response, AppError> {
    let catalogue = catalogue_in_force(&state.db)
        .await
        .map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"measures-{}.toml\"",
                    catalogue.version
                ),
            ),
        ],
        catalogue.to_toml(),
    )
        .into_response())
}
