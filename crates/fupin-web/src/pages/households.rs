//! `/households/{id}`: one household — overview, members, conditions, incomes, status history
//! and change log. Personal data is shown as the caller's roles allow (`fupin_core::masking`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use fupin_core::codes::*;
use fupin_core::income::{self, LineStanding};
use fupin_core::record::{FieldChange, LIST_SEPARATOR};
use fupin_core::{CodeList, Fen, Field, Household, Member, PolicyKey};
use fupin_services::dossier::Sections;
use fupin_services::dossier::household::{Shown, ShownMember};
use fupin_storage::{ChangeEntry, HouseholdRecord, IncomeLine};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::{DASH, area_crumbs, or_dash};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use fupin_core::access::Sensitive;
use fupin_core::masking::Disclosure;

/// A label and its value (overview and conditions lists).
#[derive(Debug, Serialize)]
struct Fact {
    label: String,
    value: String,
}

fn fact(label: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: label.to_string(),
        value: or_dash(value),
    }
}

#[derive(Debug, Serialize)]
struct MemberRow {
    name: String,
    id_number: String,
    sex: &'static str,
    age: u32,
    birth_year: i32,
    relation: &'static str,
    ethnicity: &'static str,
    education: &'static str,
    schooling: &'static str,
    health: String,
    labour: &'static str,
    migrant: String,
    coverage: String,
}

impl MemberRow {
    fn new(m: &Member, shown: &ShownMember, lang: Lang, today: NaiveDate, d: &Disclosure) -> Self {
        let migrant = if m.migrant == MigrantWork::None || m.migrant_months == 0 {
            lang.label(m.migrant).to_string()
        } else {
            let (label, months) = (lang.label(m.migrant), m.migrant_months);
            match lang {
                Lang::Zh => format!("{label}（{months}个月）"),
                Lang::En => format!("{label} ({months} months)"),
            }
        };
        let coverage: Vec<&str> = [
            (m.medical_insurance, "medical_short"),
            (m.pension_insurance, "pension_short"),
            (m.critical_illness_insurance, "critical_short"),
            (m.dibao, "dibao_short"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, key)| t(lang, key))
        .collect();
        MemberRow {
            name: shown.name.clone(),
            id_number: shown.id_number.clone(),
            sex: lang.label(m.sex),
            age: m.age_on(today),
            birth_year: m.birth_date.year(),
            relation: lang.label(m.relation),
            ethnicity: lang.label(m.ethnicity),
            education: lang.label(m.education),
            schooling: lang.label(m.schooling),
            health: d.show(Sensitive::Health, lang.label(m.health)),
            labour: lang.label(m.labour),
            migrant,
            coverage: if coverage.is_empty() {
                t(lang, "none").to_string()
            } else {
                coverage.join(lang.list_separator())
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct IncomeRow {
    year: i32,
    wage: String,
    business: String,
    property: String,
    transfer: String,
    production_expenditure: String,
    net: String,
    household_size: u32,
    per_capita: String,
    /// That year's income line for exit, where the household lives.
    line: String,
    standing: LineStanding,
    standing_label: &'static str,
}

impl IncomeRow {
    fn new(line: &IncomeLine, exit_line: Option<Fen>, lang: Lang) -> Self {
        let i = &line.income;
        let standing = income::standing(line.per_capita, exit_line);
        let standing_label = t(
            lang,
            match standing {
                LineStanding::Above => "above_line",
                LineStanding::NotAbove => "not_above_line",
                LineStanding::Unknown => "unknown",
            },
        );
        IncomeRow {
            year: i.year,
            wage: i.wage.yuan_string(),
            business: i.business.yuan_string(),
            property: i.property.yuan_string(),
            transfer: i.transfer.yuan_string(),
            production_expenditure: i.production_expenditure.yuan_string(),
            net: line.net.yuan_string(),
            household_size: i.household_size,
            per_capita: line
                .per_capita
                .map_or_else(|| DASH.into(), |f| f.yuan_string()),
            line: exit_line.map_or_else(|| DASH.into(), |f| f.yuan_string()),
            standing,
            standing_label,
        }
    }
}

#[derive(Debug, Serialize)]
struct HelperRow {
    name: String,
    phone: String,
    unit: String,
    post: String,
    started_on: String,
    ended_on: Option<String>,
}

#[derive(Debug, Serialize)]
struct StatusRow {
    year: i32,
    status: &'static str,
    reason: String,
}

#[derive(Debug, Serialize)]
struct ChangeRow {
    at: String,
    actor: String,
    action: String,
    reason: String,
    fields: Vec<FieldRow>,
}

#[derive(Debug, Serialize)]
struct FieldRow {
    label: String,
    old: String,
    new: String,
}

impl ChangeRow {
    fn new(c: &ChangeEntry, lang: Lang, household: &Household, d: &Disclosure) -> Self {
        let members = &household.members;
        let action = action_label(lang, &c.action);
        ChangeRow {
            at: crate::time::local_time(&c.at),
            actor: or_dash(super::wording::actor(lang, &c.actor)),
            action,
            reason: or_dash(d.scrub(&c.reason, household)),
            fields: c
                .changes()
                .iter()
                .map(|f| FieldRow::new(f, lang, members, d))
                .collect(),
        }
    }
}

/// A change log entry's action (`create`, `edit` …) in words; its code where none is known.
pub(super) fn action_label(lang: Lang, action: &str) -> String {
    crate::i18n::lookup(lang, &format!("action_{action}"))
        .map_or_else(|| action.to_string(), str::to_string)
}

/// A field by its code only (the change log stores codes).
fn field_by_code(code: &str) -> Option<Field> {
    Field::ALL.iter().copied().find(|f| f.code() == code)
}

impl FieldRow {
    fn new(change: &FieldChange, lang: Lang, members: &[Member], d: &Disclosure) -> Self {
        let (label, field) = match change.field.strip_prefix("member:") {
            Some(rest) => {
                let (id, what) = rest.rsplit_once(':').unwrap_or((rest, ""));
                let masked = d.show(Sensitive::IdNumber, id);
                let name = members
                    .iter()
                    .find(|m| m.id_number.as_str() == id)
                    .map(|m| d.show(Sensitive::Name, &m.name));
                let who = match (lang, name) {
                    (Lang::Zh, Some(name)) => format!("成员{name}（{masked}）"),
                    (Lang::Zh, None) => format!("成员（{masked}）"),
                    (Lang::En, Some(name)) => format!("Member {name} ({masked})"),
                    (Lang::En, None) => format!("Member ({masked})"),
                };
                let field = field_by_code(what);
                let what = match (what, field) {
                    ("order", _) => t(lang, "member_order").to_string(),
                    ("added", _) => t(lang, "member_added").to_string(),
                    ("removed", _) => t(lang, "member_removed").to_string(),
                    (_, Some(f)) => lang.field(f).to_string(),
                    (other, None) => other.to_string(),
                };
                (format!("{who}{}{what}", lang.pick("：", ": ")), field)
            }
            // a year's row of the history sheet (its status and income)
            None if change.field.starts_with("year:") => {
                let year = &change.field["year:".len()..];
                let row = fupin_core::Message::new("change_year_row").with("year", year);
                (crate::i18n::message(lang, &row), None)
            }
            None => {
                let field = field_by_code(&change.field);
                let label =
                    field.map_or_else(|| change.field.clone(), |f| lang.field(f).to_string());
                (label, field)
            }
        };
        let value = |v: &Option<String>| {
            let text = v.as_deref().unwrap_or_default();
            or_dash(match field {
                Some(f) => logged_value(lang, d, f, text),
                None => text.to_string(),
            })
        };
        FieldRow {
            label,
            old: value(&change.old),
            new: value(&change.new),
        }
    }
}

/// A logged value (written with Chinese labels) masked and shown in the page's language.
fn logged_value(lang: Lang, d: &Disclosure, field: Field, text: &str) -> String {
    fn relabel<T: CodeList>(lang: Lang, text: &str) -> String {
        T::parse(text).map_or_else(|| text.to_string(), |v| lang.label(v).to_string())
    }
    let text = d.field(field, text);
    match field {
        Field::Standard => relabel::<IdentificationStandard>(lang, &text),
        Field::Attribute => relabel::<PovertyAttribute>(lang, &text),
        Field::MainCause => relabel::<Cause>(lang, &text),
        Field::OtherCauses => text
            .split(LIST_SEPARATOR)
            .filter(|c| !c.trim().is_empty())
            .map(|c| relabel::<Cause>(lang, c))
            .collect::<Vec<_>>()
            .join(lang.list_separator()),
        Field::Status => relabel::<HouseholdStatus>(lang, &text),
        Field::Monitoring => relabel::<MonitoringCategory>(lang, &text),
        Field::HouseStructure => relabel::<HouseStructure>(lang, &text),
        Field::HouseGrade => relabel::<HouseGrade>(lang, &text),
        Field::WaterSource => relabel::<WaterSource>(lang, &text),
        Field::CookingFuel => relabel::<Fuel>(lang, &text),
        Field::Sex => relabel::<Sex>(lang, &text),
        Field::Relation => relabel::<Relation>(lang, &text),
        Field::Ethnicity => relabel::<Ethnicity>(lang, &text),
        Field::Education => relabel::<Education>(lang, &text),
        Field::Schooling => relabel::<Schooling>(lang, &text),
        Field::Health => relabel::<Health>(lang, &text),
        Field::Labour => relabel::<Labour>(lang, &text),
        Field::MigrantWork => relabel::<MigrantWork>(lang, &text),
        Field::Relocated
        | Field::Electricity
        | Field::WaterDifficult
        | Field::WaterSafe
        | Field::MedicalInsurance
        | Field::PensionInsurance
        | Field::Dibao
        | Field::CriticalIllnessInsurance => {
            parse_yes_no(&text).map_or(text, |v| lang.yes_no(v).to_string())
        }
        _ => text,
    }
}

fn overview(
    h: &Household,
    rec: &HouseholdRecord,
    shown: &Shown,
    lang: Lang,
    village: &str,
) -> Vec<Fact> {
    let label = |f: Field| lang.field(f);
    let causes: Vec<&str> = h.other_causes.iter().map(|c| lang.label(*c)).collect();
    let bank = match (h.bank_name.trim(), shown.bank_account.clone()) {
        ("", acct) => acct,
        (name, acct) if acct.is_empty() => name.to_string(),
        (name, acct) => format!("{name} {acct}"),
    };
    vec![
        fact(label(Field::HouseholdNo), h.number.clone()),
        fact(t(lang, "village"), village),
        fact(label(Field::Group), h.group.clone()),
        fact(label(Field::Address), h.address.clone()),
        fact(label(Field::Status), lang.label(h.status)),
        fact(label(Field::Attribute), lang.label(h.attribute)),
        fact(label(Field::Standard), lang.label(h.standard)),
        fact(label(Field::MainCause), lang.label(h.main_cause)),
        fact(
            label(Field::OtherCauses),
            causes.join(lang.list_separator()),
        ),
        fact(label(Field::RegisteredYear), h.registered_year.to_string()),
        fact(
            label(Field::ExitYear),
            h.exit_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        fact(
            label(Field::Monitoring),
            h.monitoring.map_or(t(lang, "none"), |m| lang.label(m)),
        ),
        fact(label(Field::Phone), shown.phone.clone()),
        fact(t(lang, "bank"), bank),
        fact(
            t(lang, "registered_at"),
            crate::time::local_time(&rec.created_at),
        ),
        fact(
            t(lang, "updated_at"),
            crate::time::local_time(&rec.updated_at),
        ),
    ]
}

fn conditions(h: &Household, lang: Lang) -> Vec<Fact> {
    let c = &h.conditions;
    let label = |f: Field| lang.field(f);
    let opt = |v: Option<&'static str>| v.unwrap_or_default();
    vec![
        fact(label(Field::ArableLand), c.arable_land_mu.to_string()),
        fact(label(Field::IrrigatedLand), c.irrigated_land_mu.to_string()),
        fact(label(Field::ForestLand), c.forest_land_mu.to_string()),
        fact(label(Field::HousingArea), c.housing_area_m2.to_string()),
        fact(
            label(Field::HouseStructure),
            opt(c.house_structure.map(|v| lang.label(v))),
        ),
        fact(
            label(Field::HouseBuiltYear),
            c.house_built_year
                .map(|y| y.to_string())
                .unwrap_or_default(),
        ),
        fact(
            label(Field::HouseGrade),
            opt(c.house_grade.map(|v| lang.label(v))),
        ),
        fact(label(Field::Relocated), lang.yes_no(c.relocated)),
        fact(label(Field::Electricity), lang.yes_no(c.electricity)),
        fact(
            label(Field::WaterSource),
            opt(c.water_source.map(|v| lang.label(v))),
        ),
        fact(label(Field::WaterDifficult), lang.yes_no(c.water_difficult)),
        fact(label(Field::WaterSafe), lang.yes_no(c.water_safe)),
        fact(
            label(Field::CookingFuel),
            opt(c.cooking_fuel.map(|v| lang.label(v))),
        ),
        fact(label(Field::RoadDistance), c.road_distance_km.to_string()),
    ]
}

/// `GET /households/{id}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = raw
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::invalid("invalid_household_id", &raw))?;
    page(&state, lang, &caller, id, None).await
}

/// The household page, with `message` (a refused form's reason) above the measures.
pub(super) async fn page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    message: Option<String>,
) -> Result<Response, AppError> {
    let may_see_warnings = caller.may(fupin_core::access::Action::ViewWarnings);
    let dossier =
        super::read_dossier(state, caller, id, "page", Sections::page(may_see_warnings)).await?;
    let (rec, d) = (&dossier.record, &dossier.disclosure);
    let h = &rec.household;
    let path = &dossier.area_path;
    let policy = dossier
        .policy
        .as_ref()
        .ok_or_else(|| AppError::Internal("the dossier was read without its policy".into()))?;
    let assessment = dossier
        .assessment
        .as_ref()
        .map(|e| super::assessment::AssessmentView::new(e, lang, h, d));
    let village = path
        .iter()
        .find(|a| a.code == h.village_code)
        .map_or_else(|| h.village_code.to_string(), |a| a.name.clone());
    let mut crumbs = area_crumbs(lang, &caller.viewer().scope, path);
    crumbs.push(super::Crumb {
        name: h.number.clone(),
        href: None,
    });
    let today = chrono::Local::now().date_naive();
    let head = h
        .head()
        .and_then(|head| h.members.iter().position(|m| std::ptr::eq(m, head)))
        .map(|i| dossier.shown.members[i].name.clone());
    let title = match &head {
        Some(name) => format!("{} · {name}", h.number),
        None => h.number.clone(),
    };
    let members: Vec<MemberRow> = h
        .members
        .iter()
        .zip(&dossier.shown.members)
        .map(|(m, shown)| MemberRow::new(m, shown, lang, today, d))
        .collect();
    let incomes: Vec<IncomeRow> = rec
        .incomes
        .iter()
        .map(|i| {
            let exit_line = policy.money(PolicyKey::ExitIncomeLine, i.income.year, &h.village_code);
            IncomeRow::new(i, exit_line, lang)
        })
        .collect();
    let helpers: Vec<HelperRow> = dossier
        .pairings
        .iter()
        .map(|p| HelperRow {
            name: p.name.clone(),
            phone: p.phone.clone(),
            unit: p.unit.clone().unwrap_or_default(),
            post: p.post.clone(),
            started_on: p.started_on.clone(),
            ended_on: p.ended_on.clone(),
        })
        .collect();
    let visits = crate::pages::field::visit_lines(&dossier.visits, lang);
    let statuses: Vec<StatusRow> = rec
        .status_years
        .iter()
        .map(|s| StatusRow {
            year: s.year,
            status: lang.label(s.status),
            reason: or_dash(d.scrub(&s.reason, h)),
        })
        .collect();
    let changes: Vec<ChangeRow> = rec
        .changes
        .iter()
        .map(|c| ChangeRow::new(c, lang, h, d))
        .collect();
    let measures = super::measures::household_section(lang, &dossier)
        .ok_or_else(|| AppError::Internal("the dossier was read without its measures".into()))?;
    let archives: Vec<super::archives::ArchiveRow> = dossier
        .archives
        .iter()
        .map(|a| super::archives::ArchiveRow::new(a, lang))
        .collect();
    // a household's warnings lie in its village or above it: names from its own path
    let names = super::AreaNames::known(path.iter().map(|a| (a.code.to_string(), a.name.clone())));
    let warnings: Vec<super::warnings::WarningLine> = dossier
        .warnings
        .iter()
        .map(|w| super::warnings::WarningLine::new(lang, caller, w, today, &names))
        .collect();
    let html = state.render(
        "household.html",
        lang,
        caller,
        context! {
            title,
            number => h.number.clone(),
            head,
            status => lang.label(h.status),
            crumbs => Serde(crumbs),
            overview => Serde(overview(h, rec, &dossier.shown, lang, &village)),
            members => Serde(members),
            conditions => Serde(conditions(h, lang)),
            incomes => Serde(incomes),
            statuses => Serde(statuses),
            changes => Serde(changes),
            helpers => Serde(helpers),
            visits => Serde(visits),
            masked => !d.reveals(Sensitive::IdNumber),
            can_edit => caller.may(fupin_core::access::Action::EditHouseholds),
            assessment => assessment.map(Serde),
            measures => Serde(measures),
            archives => Serde(archives),
            warnings => Serde(warnings),
            message,
            can_record => caller.may(fupin_core::access::Action::RecordMeasures),
            this_year => chrono::Local::now().year(),
            monitoring_categories => fupin_core::codes::MonitoringCategory::ALL
                .iter()
                .map(|c| (c.code(), lang.label(*c)))
                .collect::<Vec<_>>(),
            id => rec.id,
        },
    )?;
    Ok(html.into_response())
}
