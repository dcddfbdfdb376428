//! Procedure cases on the console: the list of a jurisdiction's cases, one case with its steps,
//! history and the acts the caller may take, the identification application form, and opening
//! an exit or monitoring case from a household page. Who may take which step is decided by
//! `fupin_core::workflow`; a refusal comes back on the case page with its reason.

use std::collections::BTreeMap;

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::codes::{CodeList, MonitoringCategory};
use fupin_core::workflow::{Act, Offer, Procedure, Refusal, Step};
use fupin_core::{AreaCode, Field};
use fupin_services::cases::{
    CaseError, HouseholdCase, act_on_case, apply_for_identification, open_for_household,
};
use fupin_services::edit::{EditError, NewHousehold};
use fupin_storage::CaseRow;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::{area_href, field, household_href};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, message, t};
use fupin_core::message::Explained;
use fupin_services::error::ServiceError;

fn case_href(id: i64) -> String {
    format!("/cases/{id}")
}

#[derive(Debug, Serialize)]
struct CaseLine {
    href: String,
    procedure: &'static str,
    subject: String,
    village_code: String,
    village: String,
    step: &'static str,
    closed: bool,
    updated_at: String,
    overdue: bool,
}

/// A case's decision deadline where the rules set one, and whether it has passed undecided.
fn deadline(
    policy: &fupin_core::PolicySet,
    row: &CaseRow,
    today: chrono::NaiveDate,
) -> Option<(String, bool)> {
    use chrono::Datelike;
    let procedure = Procedure::parse(&row.procedure)?;
    let village = AreaCode::parse(&row.village_code).ok()?;
    let case = fupin_core::workflow::Case::open(procedure, village.clone());
    let opened = fupin_core::date::parse_date(&crate::time::local_date(&row.opened_at))?;
    let days = policy.value(case.deadline_key()?, opened.year(), &village)?;
    let by = opened + chrono::Duration::days(days);
    let closed = Step::parse(&row.step).is_some_and(Step::is_final);
    Some((fupin_core::date::iso(by), !closed && today > by))
}

pub(super) fn procedure_label(lang: Lang, code: &str) -> &'static str {
    Procedure::parse(code).map_or("?", |p| lang.pick(p.zh(), p.en()))
}

fn step_label(lang: Lang, code: &str) -> &'static str {
    Step::parse(code).map_or("?", |s| lang.pick(s.zh(), s.en()))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct CasesQuery {
    /// `me`: only the cases whose next act is the caller's today (the start page's count).
    awaiting: Option<String>,
}

/// `GET /cases`, `GET /cases?awaiting=me`.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<CasesQuery>,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    let today = chrono::Local::now().date_naive();
    let mine = q.awaiting.as_deref() == Some("me");
    let rows = match (&caller.principal, mine) {
        (Some(who), true) => {
            let a = fupin_services::workbench::awaiting(&state.db, who, &viewer, today)
                .await
                .map_err(AppError::internal)?;
            let mut rows = a.objections;
            rows.extend(a.steps);
            rows
        }
        _ => state.db.cases_within(&viewer.scope, 200).await?,
    };
    let policy = state.db.policy().await?;
    let names = super::AreaNames::of(&state, rows.iter().map(|c| c.village_code.as_str())).await?;
    let lines: Vec<CaseLine> = rows
        .iter()
        .map(|c| CaseLine {
            href: case_href(c.id),
            procedure: procedure_label(lang, &c.procedure),
            subject: c.subject.clone(),
            village_code: c.village_code.clone(),
            village: names.name(&c.village_code),
            step: step_label(lang, &c.step),
            closed: Step::parse(&c.step).is_some_and(Step::is_final),
            updated_at: crate::time::local_time(&c.updated_at),
            overdue: deadline(&policy, c, today).is_some_and(|(_, late)| late),
        })
        .collect();
    let html = state.render(
        "cases.html",
        lang,
        &caller,
        context! {
            title => t(lang, if mine { "awaiting_me" } else { "cases" }),
            mine,
            cases => Serde(lines),
        },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Serialize)]
struct StepLine {
    label: &'static str,
    done: bool,
    current: bool,
}

#[derive(Debug, Serialize)]
struct EventLine {
    at: String,
    actor: String,
    act: String,
    step: &'static str,
    note: String,
}

/// The words for a recorded act.
fn act_label(lang: Lang, act: &str) -> String {
    let kind = serde_json::from_str::<serde_json::Value>(act)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from))
        .unwrap_or_else(|| act.to_string());
    t(lang, &format!("act_{kind}")).to_string()
}

/// Renders a case page, with a refusal's message when an act was turned down.
async fn case_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    refusal: Option<String>,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    let scope = &viewer.scope;
    let row = state.db.case(scope, id).await?.ok_or(AppError::NotFound)?;
    let events = state.db.case_events(scope, id).await?;
    // notes are typed whole: the household's personal values in them as this viewer may see them
    let household = match row.household_id {
        Some(h) => state.db.household(scope, h).await?.map(|r| r.household),
        None => None,
    };
    let note = |text: &str| match &household {
        Some(h) => viewer.disclosure.scrub(text, h),
        None => text.to_string(),
    };
    let case = fupin_services::cases::case_of(&row).ok_or(AppError::NotFound)?;
    let (procedure, step) = (case.procedure, case.step);
    let at = procedure.steps().iter().position(|s| *s == step);
    let steps: Vec<StepLine> = procedure
        .steps()
        .iter()
        .enumerate()
        .map(|(i, s)| StepLine {
            label: lang.pick(s.zh(), s.en()),
            done: at.is_some_and(|a| i <= a),
            current: at == Some(i),
        })
        .collect();
    let policy = state.db.policy().await?;
    let today = chrono::Local::now().date_naive();
    let due = deadline(&policy, &row, today);
    // only the acts this user may take now are offered; for the next step, whose it is
    let days = fupin_services::cases::notice_days(&policy, &case, chrono::Datelike::year(&today));
    let offer = caller
        .principal
        .as_ref()
        .map(|who| case.offer(who, today, days));
    let next = offer.as_ref().and_then(|o| o.advance.as_ref().ok());
    let next_refusal = match offer.as_ref().map(|o| &o.advance) {
        Some(Err(
            r @ (Refusal::WrongActor { .. } | Refusal::NoticeRunning { .. } | Refusal::Held),
        )) => Some(message(lang, &r.message())),
        _ => None,
    };
    let may = |act: fn(&Offer) -> bool| offer.as_ref().is_some_and(act);
    let lines: Vec<EventLine> = events
        .iter()
        .map(|e| EventLine {
            at: crate::time::local_time(&e.at),
            actor: super::wording::actor(lang, &e.actor),
            act: act_label(lang, &e.act),
            step: step_label(lang, &e.step_after),
            note: note(&e.note),
        })
        .collect();
    let village = super::AreaNames::of(state, [row.village_code.as_str()])
        .await?
        .name(&row.village_code);
    let html = state.render(
        "case.html",
        lang,
        caller,
        context! {
            title => format!("{} · {}", lang.pick(procedure.zh(), procedure.en()), row.subject),
            action => case_href(id),
            procedure => lang.pick(procedure.zh(), procedure.en()),
            subject => row.subject.clone(),
            village_href => area_href(&row.village_code),
            village_code => row.village_code.clone(),
            village,
            household_href => row.household_id.map(household_href),
            step => lang.pick(step.zh(), step.en()),
            closed => step.is_final(),
            held => row.held,
            notice_from => row.notice_from.clone(),
            next => next.map(|s| lang.pick(s.zh(), s.en())),
            next_refusal,
            can_object => may(|o| o.object),
            can_resolve => may(|o| o.resolve),
            can_reject => may(|o| o.reject),
            can_withdraw => may(|o| o.withdraw),
            deadline => due.as_ref().map(|(by, _)| by.clone()),
            overdue => due.is_some_and(|(_, late)| late),
            steps => Serde(steps),
            events => Serde(lines),
            refusal => refusal.clone(),
        },
    )?;
    Ok(super::page_with_refusal(html, refusal.is_some()))
}

/// `GET /cases/{id}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    case_page(&state, lang, &caller, id, None).await
}

/// `GET /cases/{id}/notice`: the public notice of a case in its notice period or after, as posted
/// in the village (printable). Names and the village group only: never ID numbers, phones,
/// bank accounts or health (domain.md §5.4).
pub async fn notice(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let row = state.db.case(&scope, id).await?.ok_or(AppError::NotFound)?;
    notice_sheet(&state, lang, &caller, &row, &case_href(id)).await
}

/// A case's printable notice (names only: the subject as posted in the village), or a note that
/// it has not been posted yet; `back` is the link above it.
pub(super) async fn notice_sheet(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    row: &CaseRow,
    back: &str,
) -> Result<Response, AppError> {
    let procedure = Procedure::parse(&row.procedure).ok_or(AppError::NotFound)?;
    let village = AreaCode::parse(&row.village_code).map_err(|_| AppError::NotFound)?;
    let policy = state.db.policy().await?;
    let Some(until) = notice_period(&policy, row)? else {
        let html = state.render(
            "notice.html",
            lang,
            caller,
            context! { title => procedure.zh(), not_yet => true, back },
        )?;
        return Ok(html.into_response());
    };
    let path = state.db.area_path(&village).await?;
    let place: Vec<String> = path.iter().map(|a| a.name.clone()).collect();
    let village = path.last().map(|a| a.name.clone()).unwrap_or_default();
    let html = state.render(
        "notice.html",
        lang,
        caller,
        context! {
            title => format!("{}公示", procedure.zh()),
            procedure => procedure.zh(),
            place => place.join(""),
            // an urban community (社区) is served by a residents' committee, a village by a
            // villagers' committee
            committee => if village.ends_with("社区") { "居民委员会" } else { "村民委员会" },
            village,
            subject => row.subject.clone(),
            from => fupin_core::date::iso(until.from),
            until => until.until.map(fupin_core::date::iso),
            days => until.days,
            not_yet => false,
            back,
        },
    )?;
    Ok(html.into_response())
}

/// When a case's notice runs: from, the first day it may close, and its days.
pub(super) struct NoticePeriod {
    pub from: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    pub days: u32,
}

/// The notice period of a case, `None` before its notice is posted. The days are the policy's
/// for the procedure, the village and the notice's year.
pub(super) fn notice_period(
    policy: &fupin_core::PolicySet,
    row: &CaseRow,
) -> Result<Option<NoticePeriod>, AppError> {
    let case = fupin_services::cases::case_of(row).ok_or(AppError::NotFound)?;
    let Some(from) = case.notice_from else {
        return Ok(None);
    };
    use chrono::Datelike;
    let days = fupin_services::cases::notice_days(policy, &case, from.year());
    Ok(Some(NoticePeriod {
        from,
        until: case.notice_until(days),
        days,
    }))
}

/// `POST /cases/{id}`: `act` = advance | reject | withdraw | object | resolve, with `reason`,
/// `by`, `upheld` as the act needs.
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    state.db.case(&scope, id).await?.ok_or(AppError::NotFound)?;
    let reason = field(&pairs, "reason");
    let act = match field(&pairs, "act").as_str() {
        "advance" => Act::Advance,
        "reject" => Act::Reject { reason },
        "withdraw" => Act::Withdraw { reason },
        "object" => Act::Object {
            by: field(&pairs, "by"),
            reason,
        },
        "resolve" => Act::ResolveObjection {
            upheld: field(&pairs, "upheld") == "yes",
            finding: reason,
        },
        other => return Err(AppError::invalid("invalid_act", other)),
    };
    let Some(who) = caller.principal.clone() else {
        return Err(AppError::Forbidden);
    };
    let today = chrono::Local::now().date_naive();
    match act_on_case(&state.db, &caller.actor(), &who, &scope, id, &act, today).await {
        Ok(_) => Ok(Redirect::to(&case_href(id)).into_response()),
        Err(e) => refused(&state, lang, &caller, id, e).await,
    }
}

async fn refused(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    e: CaseError,
) -> Result<Response, AppError> {
    let message = match e {
        CaseError::NotFound => return Err(AppError::NotFound),
        CaseError::Refused(r) => message(lang, &r.message()),
        CaseError::Edit(EditError::Invalid(issues)) => issues
            .into_iter()
            .map(|i| match i.field {
                Some(f) => format!("{}: {}", lang.field(f), message(lang, &i.message)),
                None => message(lang, &i.message),
            })
            .collect::<Vec<_>>()
            .join("；"),
        CaseError::Storage(e) => return Err(e.into()),
        CaseError::Edit(e) => return Err(AppError::internal(e.into())),
        CaseError::Other(e) => return Err(AppError::internal(e)),
    };
    case_page(state, lang, caller, id, Some(message)).await
}

/// `POST /households/{id}/cases`: `procedure` (exit, monitoring_entry, monitoring_removal),
/// `category` for monitoring entry, `reason`.
pub async fn open_household_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(household_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    state
        .db
        .household(&scope, household_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let procedure = Procedure::parse(&field(&pairs, "procedure"))
        .filter(|p| *p != Procedure::Identification)
        .ok_or_else(|| AppError::bad_request("choose_procedure"))?;
    let Some(who) = caller.principal.clone() else {
        return Err(AppError::Forbidden);
    };
    let request = HouseholdCase {
        procedure,
        household_id,
        category: MonitoringCategory::parse(&field(&pairs, "category")),
        note: field(&pairs, "reason"),
        today: chrono::Local::now().date_naive(),
    };
    match open_for_household(&state.db, &caller.actor(), &who, &scope, request).await {
        Ok(id) => Ok(Redirect::to(&case_href(id)).into_response()),
        Err(e) => Err(ServiceError::from(e).into()),
    }
}

/// `POST /areas/{code}/cases/new`: an identification application (the new-household form).
pub async fn apply(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let village = AreaCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let scope = caller.viewer().scope;
    if !scope.contains_area(&village) {
        return Err(AppError::NotFound);
    }
    let (mut household, mut head) = (BTreeMap::new(), BTreeMap::new());
    for (k, v) in &pairs {
        if let Some(f) = Field::ALL.iter().find(|f| f.code() == k) {
            if fupin_services::edit::member_form_fields().contains(f) {
                head.insert(*f, v.clone());
            } else {
                household.insert(*f, v.clone());
            }
        }
    }
    if household.is_empty() && head.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let Some(who) = caller.principal.clone() else {
        return Err(AppError::Forbidden);
    };
    let new = NewHousehold {
        village: village.clone(),
        number: field(&pairs, "number"),
        household,
        head,
        reason: field(&pairs, "reason"),
    };
    let today = chrono::Local::now().date_naive();
    match apply_for_identification(&state.db, &caller.actor(), &who, &scope, new, today).await {
        Ok(id) => Ok(Redirect::to(&case_href(id)).into_response()),
        Err(CaseError::Edit(EditError::Invalid(issues))) => {
            super::edit::new_household_page_for(
                &state, lang, &caller, &village, &pairs, &issues, true,
            )
            .await
        }
        Err(e) => Err(ServiceError::from(e).into()),
    }
}
