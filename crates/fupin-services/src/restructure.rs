//! Splitting a household (分户: some members form a new household, e.g. a son's family setting
//! up its own) and merging one into another (合户). Both touch two households in one
//! transaction, check the result with the registry's validation, and log each side with the
//! reason, so that either household's timeline tells what happened.
//!
//! Neither tells what exists outside the editor's jurisdiction: a new household's number must
//! start with its own village's code (refused before any lookup otherwise), so a number of
//! another place is never looked up; and the household merged in is looked up within the
//! jurisdiction only, one answer for "outside" and "nowhere".

use chrono::NaiveDate;
use fupin_core::access::Scope;
use fupin_core::codes::{HouseholdStatus, Relation};
use fupin_core::message::Explained;
use fupin_core::record::diff_households;
use fupin_core::validation::{numbered_in_village, valid_household_number, validate_household};
use fupin_core::{Household, Message};
use fupin_storage::{AreaIndex, Db, RegistryWriter, WriteContext};

use crate::audit::Actor;
use crate::edit::{EditError, FormIssue};
use crate::parse::status_snapshot;

/// Some members of a household leave it to form a new one.
#[derive(Debug, Clone)]
pub struct SplitRequest {
    pub household_id: i64,
    pub version: i64,
    /// Positions (0-based) of the members who leave.
    pub members: Vec<usize>,
    /// Which of them heads the new household.
    pub new_head: usize,
    /// The new household's number (户编号).
    pub new_number: String,
    pub reason: String,
}

/// One household joins another: its members move, it is closed.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    /// The household that stays.
    pub into_id: i64,
    pub into_version: i64,
    /// The number of the household that joins it (in the same jurisdiction).
    pub from_number: String,
    pub reason: String,
}

/// Where a household's validation problems find their texts.
const PROBLEMS: &[fupin_core::message::Strings] = &[
    fupin_core::validation::MESSAGES,
    fupin_core::id_number::MESSAGES,
];

fn problem(message: Message) -> EditError {
    EditError::Invalid(vec![FormIssue {
        field: None,
        member: None,
        message,
    }])
}

/// A household number already in use (whoever uses it).
pub fn taken(number: &str) -> Message {
    Message::new("edit.number_taken").with("number", number)
}

/// A household number not found within the jurisdiction: the same words whether it exists
/// elsewhere or nowhere.
pub fn not_within(number: &str) -> Message {
    Message::new("edit.no_household_within").with("number", number)
}

fn check_reason(reason: &str) -> Result<(), EditError> {
    if reason.trim().is_empty() {
        return Err(problem(Message::new("edit.reason_required")));
    }
    Ok(())
}

/// Validation problems of a household as form issues (`member_of` maps its positions back to
/// the form's).
fn checked(
    h: &Household,
    areas: &AreaIndex,
    today: NaiveDate,
    member_of: &[usize],
) -> Result<(), EditError> {
    let issues = validate_household(h, areas, today);
    if issues.is_empty() {
        return Ok(());
    }
    Err(EditError::Invalid(
        issues
            .into_iter()
            .map(|i| FormIssue {
                field: Some(i.field),
                member: i.member.and_then(|m| member_of.get(m).copied()),
                message: Message::new("edit.household_problem")
                    .with("number", &h.number)
                    .nested("problem", &i.problem.message(), PROBLEMS),
            })
            .collect(),
    ))
}

/// Splits a household; returns the new household's id.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn split_household(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    req: SplitRequest,
    today: NaiveDate,
) -> Result<i64, EditError> {
    check_reason(&req.reason)?;
    let number = req.new_number.trim().to_string();
    if !valid_household_number(&number) {
        return Err(problem(
            Message::new("edit.invalid_number").with("number", &number),
        ));
    }
    let mut writer = RegistryWriter::begin(db).await?;
    let (stored, version) = writer
        .household_for_edit(scope, req.household_id)
        .await?
        .ok_or(EditError::NotFound)?;
    if version != req.version {
        return Err(crate::edit::conflict(&mut writer, req.household_id).await?);
    }
    let old = stored.household;
    let mut leaving: Vec<usize> = req.members.clone();
    leaving.sort_unstable();
    leaving.dedup();
    if leaving.is_empty() || leaving.iter().any(|i| *i >= old.members.len()) {
        return Err(problem(Message::new("edit.choose_leaving")));
    }
    if leaving.len() == old.members.len() {
        return Err(problem(Message::new("edit.someone_stays")));
    }
    if !leaving.contains(&req.new_head) {
        return Err(problem(Message::new("edit.head_among_leaving")));
    }
    if leaving
        .iter()
        .any(|i| old.members[*i].relation == Relation::Head)
    {
        return Err(problem(Message::new("edit.head_cannot_leave")));
    }
    if !numbered_in_village(&number, &old.village_code) {
        return Err(problem(
            Message::new("edit.number_outside_village").with("village", &old.village_code),
        ));
    }
    // a number of this village's own: taken only by a household of the village (or by one
    // moved away since, and then the answer is the same)
    if !writer.ids_of(&[number.as_str()]).await?.is_empty() {
        return Err(problem(taken(&number)));
    }
    let staying: Vec<usize> = (0..old.members.len())
        .filter(|i| !leaving.contains(i))
        .collect();
    let mut remaining = old.clone();
    remaining.members = staying.iter().map(|i| old.members[*i].clone()).collect();
    let mut new = old.clone();
    new.number = number.clone();
    new.income = None;
    new.members = leaving
        .iter()
        .map(|i| {
            let mut m = old.members[*i].clone();
            // relations were to the old head: the new head is head, the others to be confirmed
            m.relation = if *i == req.new_head {
                Relation::Head
            } else {
                Relation::Other
            };
            m
        })
        .collect();
    // a household split off keeps the registration, status and year of the one it came from
    let areas = crate::edit::area_index(writer.tx(), &old.village_code).await?;
    checked(&remaining, &areas, today, &staying)?;
    checked(&new, &areas, today, &leaving)?;

    let names: Vec<&str> = new.members.iter().map(|m| m.name.as_str()).collect();
    let reason = format!(
        "分户：{}分出为新户{number}：{}",
        names.join("、"),
        req.reason.trim()
    );
    let ctx = WriteContext {
        actor: actor.name.clone(),
        reason: reason.clone(),
        import_run: None,
    };
    let changes = diff_households(&old, &remaining);
    writer
        .update(
            req.household_id,
            &remaining,
            &status_snapshot(&remaining, &reason),
            &changes,
            &ctx,
        )
        .await?;
    let from = format!("由户{}分户：{}", old.number, req.reason.trim());
    let new_ctx = WriteContext {
        reason: from.clone(),
        ..ctx
    };
    let ids = writer
        .create(&[(new.clone(), status_snapshot(&new, &from))], &new_ctx)
        .await?;
    let entry = actor.entry(
        "household.split",
        "household",
        req.household_id.to_string(),
        old.village_code.as_str(),
        reason,
    );
    writer.commit_audited(vec![entry]).await?;
    Ok(ids[0])
}

/// Merges a household into another: its members join (their relation to the new head is to be
/// confirmed: 其他 until then), and it is closed with the reason.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn merge_households(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    req: MergeRequest,
    today: NaiveDate,
) -> Result<(), EditError> {
    check_reason(&req.reason)?;
    let mut writer = RegistryWriter::begin(db).await?;
    let (into, version) = writer
        .household_for_edit(scope, req.into_id)
        .await?
        .ok_or(EditError::NotFound)?;
    if version != req.into_version {
        return Err(crate::edit::conflict(&mut writer, req.into_id).await?);
    }
    let from_number = req.from_number.trim();
    let not_found = || problem(not_within(from_number));
    let from_id = writer
        .id_within(scope, from_number)
        .await?
        .ok_or_else(not_found)?;
    if from_id == req.into_id {
        return Err(problem(Message::new("edit.merge_with_itself")));
    }
    let (from, _) = writer
        .household_for_edit(scope, from_id)
        .await?
        .ok_or_else(not_found)?;
    let (old_into, old_from) = (into.household, from.household);
    if old_from.status == HouseholdStatus::Closed {
        return Err(problem(
            Message::new("edit.already_closed").with("number", from_number),
        ));
    }
    let mut merged = old_into.clone();
    merged.members.extend(old_from.members.iter().map(|m| {
        let mut m = m.clone();
        m.relation = Relation::Other;
        m
    }));
    let areas = crate::edit::area_index(writer.tx(), &old_into.village_code).await?;
    let positions: Vec<usize> = (0..merged.members.len()).collect();
    checked(&merged, &areas, today, &positions)?;

    let reason = format!(
        "合户：户{from_number}并入户{}：{}",
        old_into.number,
        req.reason.trim()
    );
    let ctx = WriteContext {
        actor: actor.name.clone(),
        reason: reason.clone(),
        import_run: None,
    };
    // the joining household first: its members' ID numbers are freed before they move
    let mut closed = old_from.clone();
    closed.members.clear();
    closed.status = HouseholdStatus::Closed;
    closed.monitoring = None;
    let closed_changes = diff_households(&old_from, &closed);
    writer
        .update(
            from_id,
            &closed,
            &status_snapshot(&closed, &reason),
            &closed_changes,
            &ctx,
        )
        .await?;
    let changes = diff_households(&old_into, &merged);
    writer
        .update(
            req.into_id,
            &merged,
            &status_snapshot(&merged, &reason),
            &changes,
            &ctx,
        )
        .await?;
    let entry = actor.entry(
        "household.merge",
        "household",
        req.into_id.to_string(),
        old_into.village_code.as_str(),
        reason,
    );
    writer.commit_audited(vec![entry]).await?;
    Ok(())
}
