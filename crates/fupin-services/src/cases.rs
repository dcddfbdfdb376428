//! Running the procedures (`fupin_core::workflow`) against the registry: cases opened by the
//! village, each act checked by the state machine and recorded with who did it, and the
//! announcement changing the registry in the same transaction: a household registered (and
//! assessed), exited, or put under or taken off monitoring.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use fupin_core::access::{Principal, Scope};
use fupin_core::codes::{CodeList, HouseholdStatus, MonitoringCategory};
use fupin_core::message::Explained;
use fupin_core::record::diff_households;
use fupin_core::workflow::{Act, Case, Procedure, Refusal, Step};
use fupin_core::{AreaCode, Field};

use crate::error::ServiceError;
use fupin_storage::cases::{case_for_update, open_case, record_step};
use fupin_storage::{CaseEvent, CaseUpdate, Db, RegistryWriter, WriteContext};

use crate::audit::Actor;
use crate::edit::{
    EditError, NewHousehold, parse_new_household, prepare_new_household, write_new_household,
};
use crate::parse::status_snapshot;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such case within the caller's jurisdiction.
    #[error("no such case")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Storage(#[from] fupin_storage::StorageError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The texts of the case use-cases' own messages (the rules' are in `fupin_core::workflow`).
pub const MESSAGES: fupin_core::message::Strings = &[(
    "case.state_does_not_fit",
    "该户当前状态不适用“{procedure}”",
    "This household's state does not fit {procedure}",
)];

/// A case's refusals are the rules'; the rest maps as everywhere.
impl From<CaseError> for ServiceError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound => ServiceError::NotFound,
            CaseError::Refused(r) => ServiceError::Refused(r.message()),
            CaseError::Edit(e) => e.into(),
            CaseError::Storage(e) => e.into(),
            CaseError::Other(e) => e.into(),
        }
    }
}

/// What a case proposes: for an identification the household (its number, its cells and its
/// head's), for a monitoring entry the category.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Proposal {
    number: String,
    household: BTreeMap<String, String>,
    head: BTreeMap<String, String>,
    category: Option<String>,
}

fn by_code(cells: &BTreeMap<Field, String>) -> BTreeMap<String, String> {
    cells
        .iter()
        .map(|(f, v)| (f.code().to_string(), v.clone()))
        .collect()
}

fn by_field(cells: &BTreeMap<String, String>) -> BTreeMap<Field, String> {
    cells
        .iter()
        .filter_map(|(k, v)| Field::parse(k).map(|f| (f, v.clone())))
        .collect()
}

fn event(actor: &Actor, act: &str, step: Step, note: &str) -> CaseEvent {
    CaseEvent {
        at: fupin_storage::now_utc(),
        actor: actor.name.clone(),
        act: act.to_string(),
        step_after: step.code().to_string(),
        note: note.to_string(),
    }
}

/// Opens an identification case for a household that applies (or is nominated): the proposed
/// household is checked as a registration would be, and kept with the case until announced.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn apply_for_identification(
    db: &Db,
    actor: &Actor,
    who: &Principal,
    scope: &Scope,
    new: NewHousehold,
    today: NaiveDate,
) -> Result<i64, CaseError> {
    Case::may_open(who, Procedure::Identification, &new.village)?;
    let h = prepare_new_household(db, scope, &new, today).await?;
    let head = h.head().map(|m| m.name.clone()).unwrap_or_default();
    let proposal = Proposal {
        number: new.number.trim().to_string(),
        household: by_code(&new.household),
        head: by_code(&new.head),
        category: None,
    };
    let mut tx = db.begin().await?;
    let id = open_case(
        &mut tx,
        Procedure::Identification.code(),
        &new.village,
        None,
        &format!("{head}（{}）", proposal.number),
        &serde_json::to_string(&proposal).map_err(anyhow::Error::from)?,
        Step::Applied.code(),
        &event(actor, "open", Step::Applied, new.reason.trim()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An exit, monitoring-entry (with its category) or monitoring-removal case to open.
#[derive(Debug, Clone)]
pub struct HouseholdCase {
    pub procedure: Procedure,
    pub household_id: i64,
    pub category: Option<MonitoringCategory>,
    pub note: String,
    pub today: NaiveDate,
}

/// Opens a case for a registered household.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn open_for_household(
    db: &Db,
    actor: &Actor,
    who: &Principal,
    scope: &Scope,
    request: HouseholdCase,
) -> Result<i64, CaseError> {
    let HouseholdCase {
        procedure,
        household_id,
        category,
        note,
        today,
    } = request;
    let rec = db
        .household(scope, household_id)
        .await?
        .ok_or(CaseError::NotFound)?;
    let h = &rec.household;
    Case::may_open(who, procedure, &h.village_code)?;
    if note.trim().is_empty() {
        return Err(Refusal::ReasonRequired.into());
    }
    let fits = match procedure {
        Procedure::Identification => false,
        Procedure::Exit => h.status.is_poor(),
        Procedure::MonitoringEntry => h.monitoring.is_none() && category.is_some(),
        Procedure::MonitoringRemoval => h.monitoring.is_some(),
    };
    if !fits {
        return Err(EditError::Invalid(vec![crate::edit::FormIssue {
            field: None,
            member: None,
            message: fupin_core::Message::new("case.state_does_not_fit").with_label(
                "procedure",
                procedure.zh(),
                procedure.en(),
            ),
        }])
        .into());
    }
    if procedure == Procedure::MonitoringRemoval {
        let policy = db.policy().await?;
        let months = policy
            .value(
                fupin_core::PolicyKey::MonitoringMinMonths,
                today.year(),
                &h.village_code,
            )
            .unwrap_or(6)
            .max(0) as u32;
        let since = monitored_since(db, scope, &rec).await?;
        // measures delivered while monitored (any, where the start is not known)
        let from = since.map(fupin_core::date::iso).unwrap_or_default();
        let delivered = db
            .household_deliveries(scope, rec.id)
            .await?
            .iter()
            .filter(|d| d.delivered_on >= from)
            .count();
        fupin_core::workflow::removal_precheck(h, since, today, months, delivered)?;
    }
    let proposal = serde_json::json!({ "category": category.map(|c| c.code()) }).to_string();
    let mut tx = db.begin().await?;
    let id = open_case(
        &mut tx,
        procedure.code(),
        &h.village_code,
        Some(household_id),
        &format!(
            "{}（{}）",
            h.head().map(|m| m.name.as_str()).unwrap_or_default(),
            h.number
        ),
        &proposal,
        Step::Applied.code(),
        &event(actor, "open", Step::Applied, note.trim()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// When a household's current monitoring began: the announcement of its monitoring-entry case,
/// else the year its status history records the entry (纳入防返贫监测), else unknown.
async fn monitored_since(
    db: &Db,
    scope: &Scope,
    rec: &fupin_storage::HouseholdRecord,
) -> Result<Option<NaiveDate>, CaseError> {
    let announced = db
        .household_cases(scope, rec.id)
        .await?
        .into_iter()
        .filter(|c| {
            c.procedure == Procedure::MonitoringEntry.code() && c.step == Step::Announced.code()
        })
        .filter_map(|c| {
            c.updated_at
                .get(..10)
                .and_then(fupin_core::date::parse_date)
        })
        .max();
    if announced.is_some() {
        return Ok(announced);
    }
    Ok(rec
        .status_years
        .iter()
        .filter(|s| s.reason.contains("纳入防返贫监测"))
        .map(|s| s.year)
        .max()
        .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)))
}

/// The case a stored row holds (`None` for a row whose codes this version does not know).
pub fn case_of(row: &fupin_storage::CaseRow) -> Option<Case> {
    Some(Case {
        procedure: Procedure::parse(&row.procedure)?,
        village: AreaCode::parse(&row.village_code).ok()?,
        step: Step::parse(&row.step)?,
        notice_from: row
            .notice_from
            .as_deref()
            .and_then(fupin_core::date::parse_date),
        held: row.held,
    })
}

/// The days a notice of `case` runs when posted in `year`: the policy's for its procedure and
/// village, 7 where the policy has none.
pub fn notice_days(policy: &fupin_core::PolicySet, case: &Case, year: i32) -> u32 {
    policy
        .value(case.notice_key(), year, &case.village)
        .unwrap_or(7)
        .max(0) as u32
}

/// Takes one act on a case. An announcement changes the registry in the same transaction; an
/// identification's new household is then assessed with the card in force.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn act_on_case(
    db: &Db,
    actor: &Actor,
    who: &Principal,
    scope: &Scope,
    case_id: i64,
    act: &Act,
    today: NaiveDate,
) -> Result<Step, CaseError> {
    let policy = db.policy().await?;
    let mut writer = RegistryWriter::begin(db).await?;
    let row = case_for_update(writer.tx(), scope, case_id)
        .await?
        .ok_or(CaseError::NotFound)?;
    let mut case = case_of(&row).ok_or(CaseError::NotFound)?;
    let village = case.village.clone();
    let step = case.act(act, who, today, notice_days(&policy, &case, today.year()))?;
    let note = match act {
        Act::Advance => String::new(),
        Act::Reject { reason } | Act::Withdraw { reason } => reason.clone(),
        Act::Object { by, reason } => format!("{by}：{reason}"),
        Act::ResolveObjection { finding, .. } => finding.clone(),
    };
    let reason = format!("{}：{}", case.procedure.zh(), step.zh());
    let mut household_id = row.household_id;
    if step == Step::Announced {
        household_id =
            Some(announce(db, &mut writer, actor, scope, &case, &row, today, &reason).await?);
    }
    let update = CaseUpdate {
        step: step.code().into(),
        notice_from: case.notice_from.map(fupin_core::date::iso),
        held: case.held,
        household_id,
        event: event(
            actor,
            &serde_json::to_string(act).map_err(anyhow::Error::from)?,
            step,
            &note,
        ),
    };
    record_step(writer.tx(), case_id, &update).await?;
    let entry = actor.entry(
        "case.act",
        "case",
        case_id.to_string(),
        village.as_str(),
        format!("{} → {}", case.procedure.code(), step.code()),
    );
    writer.commit_audited(vec![entry]).await?;
    if step == Step::Announced && case.procedure == Procedure::Identification {
        let card = crate::assess::card_for_run(db, None).await?;
        // the village's households again, with the one just identified
        let village_scope = scope.narrowed_to(&village).ok_or_else(|| {
            anyhow::anyhow!("the case's village lies outside the scope it was read in")
        })?;
        crate::assess::assess(
            db,
            &card,
            today.year(),
            &village_scope,
            &crate::progress::Silent,
        )
        .await?;
    }
    Ok(step)
}

/// What an announcement changes in the registry; the household's id.
#[allow(clippy::too_many_arguments)]
async fn announce(
    db: &Db,
    writer: &mut RegistryWriter,
    actor: &Actor,
    scope: &Scope,
    case: &Case,
    row: &fupin_storage::CaseRow,
    today: NaiveDate,
    reason: &str,
) -> Result<i64, CaseError> {
    let proposal: Proposal = serde_json::from_str(&row.proposal).map_err(anyhow::Error::from)?;
    if case.procedure == Procedure::Identification {
        let new = NewHousehold {
            village: case.village.clone(),
            number: proposal.number.clone(),
            household: by_field(&proposal.household),
            head: by_field(&proposal.head),
            reason: reason.to_string(),
        };
        // uniqueness is checked by the write, inside this transaction
        let mut h = parse_new_household(db, scope, &new, today).await?;
        h.status = HouseholdStatus::Poor;
        h.registered_year = today.year();
        h.exit_year = None;
        return Ok(write_new_household(writer, actor, scope, h, reason).await?);
    }
    let id = row.household_id.ok_or(CaseError::NotFound)?;
    let (stored, _) = writer
        .household_for_edit(scope, id)
        .await?
        .ok_or(CaseError::NotFound)?;
    let old = stored.household;
    let mut new = old.clone();
    match case.procedure {
        Procedure::Exit => {
            new.status = HouseholdStatus::ExitedWithPolicy;
            new.exit_year = Some(today.year());
        }
        Procedure::MonitoringEntry => {
            new.monitoring = proposal
                .category
                .as_deref()
                .and_then(MonitoringCategory::parse);
        }
        Procedure::MonitoringRemoval => new.monitoring = None,
        Procedure::Identification => unreachable!("handled above"),
    }
    let ctx = WriteContext {
        actor: actor.name.clone(),
        reason: reason.to_string(),
        import_run: None,
    };
    let changes = diff_households(&old, &new);
    writer
        .update(id, &new, &status_snapshot(&new, reason), &changes, &ctx)
        .await?;
    Ok(id)
}
