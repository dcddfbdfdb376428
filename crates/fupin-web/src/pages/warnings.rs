//! Warnings (智能预警) on the console: counts and ageing by area with the list of a
//! jurisdiction's warnings (filtered by area, rule and state), one warning with its evidence
//! and history, and the verification acts. Everything is read through the caller's scope; the
//! evidence is shown through the caller's disclosure (`fupin_core::warnings::disclosure`).

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::Message;
use fupin_core::access::Action;
use fupin_core::message::Explained;
use fupin_core::warnings::disclosure::{ShownEvidence, shown};
use fupin_core::warnings::verification::AGEING_BUCKETS;
use fupin_core::warnings::{Act, Resolution, Rule, WarningState};
use fupin_core::{AreaCode, CodeList};
use fupin_services::compare::warnings::{self as service, AreaWarnings, WarningView};
use fupin_services::error::ServiceError;
use fupin_storage::warnings::{WarningFilter, WarningRow};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::area_picker::AreaPicker;
use super::{Pager, area_href, household_href, parse_page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

const PER_PAGE: u64 = 50;

pub(super) fn warning_href(id: i64) -> String {
    format!("/warnings/{id}")
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    state: String,
    page: Option<String>,
}

#[derive(Debug, Serialize)]
struct AreaLine {
    code: String,
    name: String,
    href: String,
    open: i64,
    verifying: i64,
    confirmed: i64,
    dismissed: i64,
    ageing: Vec<i64>,
}

/// A warning as a list shows it.
#[derive(Debug, Serialize)]
pub(super) struct WarningLine {
    href: String,
    rule: &'static str,
    state: &'static str,
    unresolved: bool,
    area_code: String,
    area: String,
    subject: String,
    opened_at: String,
    days: i64,
}

impl WarningLine {
    pub(super) fn new(
        lang: Lang,
        caller: &Caller,
        w: &WarningRow,
        today: chrono::NaiveDate,
        names: &super::AreaNames,
    ) -> Self {
        let state = WarningState::parse(&w.state);
        let evidence = serde_json::from_str(&w.evidence).unwrap_or_default();
        let (_, subject) = shown(&caller.viewer().disclosure, &evidence, &w.subject);
        let opened_at = crate::time::local_date(&w.opened_at);
        let opened = fupin_core::date::parse_date(&opened_at);
        WarningLine {
            href: warning_href(w.id),
            rule: Rule::parse(&w.rule).map_or("?", |r| lang.label(r)),
            state: state.map_or("?", |s| lang.label(s)),
            unresolved: state.is_some_and(|s| !s.is_closed()),
            area_code: w.area_code.clone(),
            area: names.name(&w.area_code),
            subject,
            opened_at,
            days: opened.map_or(0, |d| (today - d).num_days()),
        }
    }
}

#[derive(Debug, Serialize)]
struct Choice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

fn choices<T: CodeList + Copy + 'static>(lang: Lang, all: &[T], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            code: v.code(),
            label: lang.label(*v),
            selected: v.code() == selected,
        })
        .collect()
}

/// `GET /warnings`: counts by area under `?area=` (the caller's area by default) and the
/// warnings there, unresolved and longest waiting first.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let area = match q.area.trim() {
        "" => None,
        a => Some(AreaCode::parse(a)?),
    };
    let rule = Rule::parse(q.rule.trim());
    let wanted_state = WarningState::parse(q.state.trim());
    let page = parse_page(q.page.as_deref())?;
    let today = chrono::Local::now().date_naive();
    let summary = service::summary(&state.db, &scope, area.as_ref(), today)
        .await
        .map_err(AppError::internal)?;
    let mut areas = Vec::new();
    for row in summary.iter().skip(1) {
        areas.push(area_line(&state, &scope, row).await?);
    }
    let total = summary.first().cloned().unwrap_or_default();
    let filter = WarningFilter {
        rule: rule.map(|r| r.code().to_string()),
        state: wanted_state.map(|s| s.code().to_string()),
        unresolved: false,
        area: area.clone(),
    };
    let offset = ((page - 1) * PER_PAGE) as i64;
    let (rows, count) = service::list(
        &state.db,
        &state.audit,
        &caller.actor(),
        &scope,
        &filter,
        offset,
        PER_PAGE as i64,
    )
    .await
    .map_err(AppError::internal)?;
    let names = super::AreaNames::of(&state, rows.iter().map(|w| w.area_code.as_str())).await?;
    let lines: Vec<WarningLine> = rows
        .iter()
        .map(|w| WarningLine::new(lang, &caller, w, today, &names))
        .collect();
    let base = format!(
        "/warnings?area={}&rule={}&state={}",
        area.as_ref().map_or("", AreaCode::as_str),
        rule.map_or("", |r| r.code()),
        wanted_state.map_or("", |s| s.code()),
    );
    let pager = Pager::new(&base, page, PER_PAGE, count as u64, lines.len() as u64);
    let area_name = match &area {
        Some(a) => state.db.area(&scope, a).await?.map(|x| x.name),
        None => None,
    };
    let html = state.render(
        "warnings.html",
        lang,
        &caller,
        context! {
            title => t(lang, "warnings"),
            area => area.as_ref().map(ToString::to_string),
            area_name,
            total => Serde(total_line(&total)),
            unresolved => total.unresolved(),
            areas => Serde(areas),
            buckets => AGEING_BUCKETS.iter().map(|b| lang.pick(b.0, b.1)).collect::<Vec<_>>(),
            rules => Serde(choices(lang, Rule::ALL, q.rule.trim())),
            states => Serde(choices(lang, WarningState::ALL, q.state.trim())),
            warnings => Serde(lines),
            count,
            pager => Serde(pager),
        },
    )?;
    Ok(html.into_response())
}

fn total_line(t: &AreaWarnings) -> AreaLine {
    AreaLine {
        code: t.area_code.clone(),
        name: String::new(),
        href: String::new(),
        open: t.open,
        verifying: t.verifying,
        confirmed: t.confirmed,
        dismissed: t.dismissed,
        ageing: t.ageing.to_vec(),
    }
}

async fn area_line(
    state: &AppState,
    scope: &fupin_core::access::Scope,
    row: &AreaWarnings,
) -> Result<AreaLine, AppError> {
    let mut line = total_line(row);
    if let Ok(code) = AreaCode::parse(&row.area_code) {
        line.name = state
            .db
            .area(scope, &code)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        line.href = format!("/warnings?area={code}");
    }
    Ok(line)
}

#[derive(Debug, Serialize)]
struct EventLine {
    at: String,
    actor: String,
    state: &'static str,
    note: String,
}

/// Renders one warning, with a refusal's message when an act was turned down.
async fn warning_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    refusal: Option<String>,
    area_q: Option<&str>,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    let view = service::view(&state.db, &state.audit, &caller.actor(), &viewer.scope, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let (mut evidence, subject): (ShownEvidence, String) =
        shown(&viewer.disclosure, &view.evidence, &view.warning.subject);
    let events: Vec<EventLine> = view
        .events
        .iter()
        .map(|e| EventLine {
            at: crate::time::local_time(&e.at),
            actor: super::wording::actor(lang, &e.actor),
            state: WarningState::parse(&e.state_after).map_or("?", |s| lang.label(s)),
            note: super::wording::warning_note(lang, &e.act, &e.note),
        })
        .collect();
    // the run's page is for those who compare lists, and only a run inside their area
    let run_href = match view.warning.last_run_id {
        Some(run) if caller.may(Action::CompareLists) => state
            .db
            .run_within(&viewer.scope, run)
            .await?
            .map(|_| format!("/compare/runs/{run}")),
        _ => None,
    };
    // the link's grounds in words of the page's language; the weights for analysts
    let parts = evidence
        .link
        .as_ref()
        .map_or(&[][..], |l| l.parts.as_slice());
    let link_words = parts
        .iter()
        .map(|p| lang.pick(&p.zh, &p.en))
        .collect::<Vec<_>>()
        .join(lang.list_separator());
    let link_weights = parts
        .iter()
        .filter_map(|p| {
            p.weight
                .map(|w| format!("{} {w:+.1}", lang.pick(&p.zh, &p.en)))
        })
        .collect::<Vec<_>>()
        .join("; ");
    // the responsible area and the records' places by name
    let names = super::AreaNames::of(
        state,
        evidence
            .records
            .iter()
            .map(|r| r.place.as_str())
            .chain([view.warning.area_code.as_str()]),
    )
    .await?;
    let area_name = names.name(&view.warning.area_code);
    for r in &mut evidence.records {
        let name = names.name(&r.place);
        if name != r.place {
            r.place = format!("{name}（{}）", r.place);
        }
    }
    let WarningView {
        warning: w,
        rule,
        state: current,
        ..
    } = &view;
    // the new responsible area is picked by name among those the caller may name
    let picker = if caller.may(Action::WorkWarnings) && !current.is_closed() {
        Some(AreaPicker::of(state, &viewer.scope, area_q, Some(&w.area_code)).await?)
    } else {
        None
    };
    let html = state.render(
        "warning.html",
        lang,
        caller,
        context! {
            title => format!("{} · {subject}", lang.label(*rule)),
            action => warning_href(id),
            id,
            rule => lang.label(*rule),
            rule_code => rule.code(),
            state => lang.label(*current),
            closed => current.is_closed(),
            resolution => w.resolution.as_deref().and_then(Resolution::parse).map(|r| lang.label(r)),
            subject,
            area_code => w.area_code.clone(),
            area_name => area_name,
            area_href => area_href(&w.area_code),
            household_href => w.household_id.map(household_href),
            related_href => w.related_household_id.map(household_href),
            opened_at => crate::time::local_date(&w.opened_at),
            last_seen_at => crate::time::local_date(&w.last_seen_at),
            run_href,
            evidence => Serde(evidence),
            link_words,
            link_weights,
            events => Serde(events),
            can_work => caller.may(Action::WorkWarnings),
            resolutions => Serde(choices(lang, Resolution::ALL, "")),
            refusal => refusal.clone(),
            picker => Serde(picker),
            picker_action => format!("{}#assign", warning_href(id)),
            picker_open => area_q.is_some(),
        },
    )?;
    Ok(super::page_with_refusal(html, refusal.is_some()))
}

/// `GET /warnings/{id}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<super::area_picker::AreaQuery>,
) -> Result<Response, AppError> {
    warning_page(&state, lang, &caller, id, None, q.area_q.as_deref()).await
}

/// Every field optional: a malformed form is refused on the warning's page, after the scope
/// check, never by the extractor before it.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    act: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    resolution: String,
}

impl ActForm {
    fn act(&self) -> Result<Act, Message> {
        Ok(match self.act.as_str() {
            "assign" => Act::Assign {
                area: AreaCode::parse(self.area.trim()).map_err(|e| e.message())?,
            },
            "verify" => Act::Verify {
                note: self.note.clone(),
            },
            "confirm" => Act::Confirm {
                resolution: Resolution::parse(&self.resolution)
                    .ok_or_else(|| Message::new("choose_resolution"))?,
                note: self.note.clone(),
            },
            "dismiss" => Act::Dismiss {
                reason: self.note.clone(),
            },
            other => return Err(Message::new("invalid_act").with("value", other)),
        })
    }
}

/// `POST /warnings/{id}`: one verification act; a refusal comes back on the warning's page.
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let refusal = match form.act() {
        Err(m) => crate::i18n::message(lang, &m),
        Ok(act) => match service::act(&state.db, &caller.actor(), &scope, id, act).await {
            Ok(_) => return Ok(Redirect::to(&warning_href(id)).into_response()),
            Err(ServiceError::Refused(m)) => crate::i18n::message(lang, &m),
            Err(e) => return Err(e.into()),
        },
    };
    let message = format!("{}: {refusal}", t(lang, "act_refused"));
    warning_page(&state, lang, &caller, id, Some(message), None).await
}
