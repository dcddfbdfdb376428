//! `/areas` (the provinces) and `/areas/{code}` (an area: breadcrumb, the areas within with
//! their counts, and for a village its households, 50 a page).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::PolicySet;
use fupin_core::area::{format_incidence, poverty_incidence_bp};
use fupin_core::codes::{Cause, HouseholdStatus, PovertyAttribute};
use fupin_core::{AreaCode, AreaLevel};
use fupin_services::dossier::AreaDossier;
use fupin_storage::{AreaCount, FigureYear, Figures, HouseholdListItem};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::area_exit::{self, Badge, badge};
use super::{Crumb, Pager, area_crumbs, area_href, household_href, or_dash, parse_page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use fupin_core::access::Sensitive;
use fupin_core::masking::Disclosure;

pub const PER_PAGE: u64 = 50;

/// An area in a list of areas, with its figures.
#[derive(Debug, Serialize)]
pub(super) struct AreaRow {
    code: String,
    name: String,
    level: String,
    href: String,
    /// The search that lists the households its poor-household figure counts (figures of now
    /// only: the search reads the households as they are).
    poor_href: Option<String>,
    #[serde(flatten)]
    figures: Figures,
    incidence: Option<String>,
    /// For a village or county: its exit standard as a whole.
    exit: Option<Badge>,
}

impl AreaRow {
    pub(super) fn new(
        c: &AreaCount,
        lang: Lang,
        year: FigureYear,
        policy: Option<&PolicySet>,
    ) -> Self {
        let bp = c
            .rural_population
            .and_then(|r| poverty_incidence_bp(c.figures.poor_members, r));
        AreaRow {
            code: c.area.code.to_string(),
            name: c.area.name.clone(),
            level: lang.level(c.area.level).to_string(),
            href: with_year(&area_href(c.area.code.as_str()), year),
            poor_href: (year == FigureYear::Now)
                .then(|| format!("/search?area={}&poor=1", c.area.code)),
            figures: c.figures.clone(),
            incidence: bp.map(format_incidence),
            exit: policy
                .and_then(|p| area_exit::verdict(p, c, year))
                .map(|v| badge(lang, v.outcome)),
        }
    }
}

/// One line of an area's figures by year.
#[derive(Debug, Serialize)]
struct YearRow {
    year: i32,
    href: String,
    #[serde(flatten)]
    figures: Figures,
    incidence: Option<String>,
}

/// A choice in the year bar: now, or one of the years the registry has.
#[derive(Debug, Serialize)]
struct YearChoice {
    label: String,
    href: String,
    current: bool,
}

fn incidence(f: &Figures, rural: Option<i64>) -> Option<String> {
    rural
        .and_then(|r| poverty_incidence_bp(f.poor_members, r))
        .map(format_incidence)
}

fn with_year(href: &str, year: FigureYear) -> String {
    match year {
        FigureYear::Now => href.to_string(),
        FigureYear::Year(y) => format!("{href}?year={y}"),
    }
}

/// `?year=2019`, or now when absent.
fn parse_year(text: Option<&str>) -> Result<FigureYear, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(FigureYear::Now),
        Some(t) => t
            .parse::<i32>()
            .ok()
            .filter(|y| (1980..=2100).contains(y))
            .map(FigureYear::Year)
            .ok_or_else(|| AppError::invalid("invalid_year", t)),
    }
}

#[derive(Debug, Serialize)]
struct Totals {
    households: i64,
    members: i64,
}

/// A line of a village's household list.
#[derive(Debug, Serialize)]
pub(super) struct HouseholdRow {
    number: String,
    village_code: String,
    village: String,
    village_href: String,
    href: String,
    head: String,
    members: i32,
    status: String,
    attribute: String,
    main_cause: String,
}

impl HouseholdRow {
    /// The head's name as shown (masked as the row was made).
    pub(super) fn head(&self) -> String {
        self.head.clone()
    }

    pub(super) fn new(
        h: &HouseholdListItem,
        lang: Lang,
        d: &Disclosure,
        names: &super::AreaNames,
    ) -> Self {
        HouseholdRow {
            number: h.number.clone(),
            village_code: h.village_code.clone(),
            village: names.name(&h.village_code),
            village_href: area_href(&h.village_code),
            href: household_href(h.id),
            head: or_dash(d.show(Sensitive::Name, h.head_name.as_deref().unwrap_or_default())),
            members: h.member_count,
            status: lang.code_label::<HouseholdStatus>(&h.status),
            attribute: lang.code_label::<PovertyAttribute>(&h.attribute),
            main_cause: lang.code_label::<Cause>(&h.main_cause),
        }
    }
}

#[derive(Debug, Serialize)]
struct HouseholdList {
    rows: Vec<HouseholdRow>,
    pager: Pager,
}

#[derive(Debug, Deserialize)]
pub struct AreaQuery {
    page: Option<String>,
    year: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct IndexQuery {
    year: Option<String>,
}

/// `GET /areas`: the provinces.
pub async fn index(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(query): Query<IndexQuery>,
) -> Result<Response, AppError> {
    let year = parse_year(query.year.as_deref())?;
    let children = state
        .db
        .area_children(&caller.viewer().scope, None, year)
        .await?;
    let totals = Totals {
        households: children.iter().map(|c| c.figures.households).sum(),
        members: children.iter().map(|c| c.figures.members).sum(),
    };
    let rows: Vec<AreaRow> = children
        .iter()
        .map(|c| AreaRow::new(c, lang, year, None))
        .collect();
    let crumbs = vec![Crumb {
        name: t(lang, "all_areas").to_string(),
        href: None,
    }];
    let page = state.render(
        "area.html",
        lang,
        &caller,
        context! {
            title => t(lang, "all_areas"),
            area => (),
            crumbs => Serde(crumbs),
            children => Serde(rows),
            totals => Serde(totals),
            year => year_label(year),
            years => (),
            trend => (),
            assessment => (),
            exit => (),
            can_view_households => false,
            households => (),
        },
    )?;
    Ok(page.into_response())
}

/// `GET /areas/{code}`: one area.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(raw): Path<String>,
    Query(query): Query<AreaQuery>,
) -> Result<Response, AppError> {
    let code = AreaCode::parse(&raw)?;
    if code.as_str() != raw {
        // "52" or "522726" → the canonical 12-digit address
        return Ok(Redirect::permanent(&area_href(code.as_str())).into_response());
    }
    let page = parse_page(query.page.as_deref())?;
    let year = parse_year(query.year.as_deref())?;
    let viewer = caller.viewer();
    let offset = ((page - 1) * PER_PAGE) as i64;
    let dossier = AreaDossier::read(&state.db, &viewer, &code, year, (offset, PER_PAGE as i64))
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let area = &dossier.area;
    let mut crumbs = area_crumbs(lang, &viewer.scope, &dossier.path);
    if let Some(last) = crumbs.last_mut() {
        last.href = None;
    }
    let (households, members) = dossier.size;
    let base = area_href(code.as_str());
    let by_year = &dossier.by_year;
    let mut years = vec![YearChoice {
        label: t(lang, "now").to_string(),
        href: base.clone(),
        current: year == FigureYear::Now,
    }];
    years.extend(by_year.iter().map(|y| YearChoice {
        label: y.year.to_string(),
        href: with_year(&base, FigureYear::Year(y.year)),
        current: year == FigureYear::Year(y.year),
    }));
    let trend: Vec<YearRow> = by_year
        .iter()
        .map(|y| YearRow {
            year: y.year,
            href: with_year(&base, FigureYear::Year(y.year)),
            figures: y.figures.clone(),
            incidence: incidence(&y.figures, dossier.populations.get(&y.year).copied()),
        })
        .collect();
    // a household list is a village's own
    let names = super::AreaNames::known([(area.code.to_string(), area.name.clone())]);
    let list = dossier.households.as_ref().map(|h| HouseholdList {
        pager: Pager::new(
            &base,
            page,
            PER_PAGE,
            h.total.max(0) as u64,
            h.items.len() as u64,
        ),
        rows: h
            .items
            .iter()
            .map(|item| HouseholdRow::new(item, lang, &viewer.disclosure, &names))
            .collect(),
    });
    let policy = &dossier.policy;
    let rows: Vec<AreaRow> = dossier
        .children
        .iter()
        .map(|c| AreaRow::new(c, lang, year, Some(policy)))
        .collect();
    let exit = dossier
        .own
        .as_ref()
        .and_then(|own| area_exit::verdict(policy, own, year))
        .map(|v| area_exit::section(lang, area.level == AreaLevel::Village, &v));
    let assessment = assessment_rows(&dossier);
    let html = state.render(
        "area.html",
        lang,
        &caller,
        context! {
            title => area.name.clone(),
            area => context! {
                code => area.code.to_string(),
                name => area.name.clone(),
                level => lang.level(area.level),
                is_village => area.level == AreaLevel::Village,
            },
            crumbs => Serde(crumbs),
            children => Serde(rows),
            totals => Serde(Totals { households, members }),
            year => year_label(year),
            years => Serde(years),
            trend => Serde(trend),
            // households are registered, and applications made, in a village
            can_add => caller.may(fupin_core::access::Action::EditHouseholds)
                && area.level == AreaLevel::Village,
            can_view_households => caller.may(fupin_core::access::Action::ViewHouseholds),
            assessment => assessment.map(Serde),
            exit => exit.map(Serde),
            households => list.map(Serde),
        },
    )?;
    Ok(html.into_response())
}

/// The latest assessment's counts for each child area (bands, shortfalls).
#[derive(Debug, Serialize)]
struct AssessmentTable {
    year: i32,
    card: String,
    rows: Vec<AssessmentLine>,
}

#[derive(Debug, Serialize)]
struct AssessmentLine {
    name: String,
    href: String,
    #[serde(flatten)]
    figures: fupin_storage::AssessmentFigures,
}

fn assessment_rows(dossier: &AreaDossier) -> Option<AssessmentTable> {
    let counts = dossier.assessment.as_ref()?;
    let rows = dossier
        .children
        .iter()
        .map(|c| AssessmentLine {
            name: c.area.name.clone(),
            href: area_href(c.area.code.as_str()),
            figures: counts
                .by_prefix
                .get(c.area.code.prefix())
                .cloned()
                .unwrap_or_default(),
        })
        .collect();
    Some(AssessmentTable {
        year: counts.year,
        card: counts.card.clone(),
        rows,
    })
}

/// The year a page shows, for the template (`None`: now).
fn year_label(year: FigureYear) -> Option<i32> {
    match year {
        FigureYear::Now => None,
        FigureYear::Year(y) => Some(y),
    }
}
