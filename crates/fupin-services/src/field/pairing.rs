//! Helpers and pairings as use-cases: a helper written with their unit, a household paired
//! with a helper within the area's limit (policy `helper_household_limit`, "一帮四"), the
//! change written as a new row (`fupin_core::field::pairing::plan`), village work teams, all
//! audited with the write.

use chrono::{Datelike, NaiveDate};
use fupin_core::access::Scope;
use fupin_core::codes::CodeList;
use fupin_core::field::pairing::{self, Current, HelperDraft, PairingProblem, TeamRole, UnitLevel};
use fupin_core::message::Explained;
use fupin_core::{AreaCode, AreaLevel, PolicyKey};
use fupin_storage::field::helpers::{HelperRow, NewHelper};
use fupin_storage::{Db, Tx};

use crate::audit::Actor;
use crate::error::{Result, ServiceError};

/// A helper as a form or a sheet row gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperForm {
    /// Where they help (the area that manages them).
    pub area: AreaCode,
    pub name: String,
    pub phone: String,
    pub unit: String,
    pub unit_level: Option<UnitLevel>,
    pub post: String,
    /// The account they log in with, if any (its id).
    pub user_id: Option<i64>,
}

impl HelperForm {
    fn draft(&self) -> HelperDraft {
        HelperDraft {
            name: self.name.trim().to_string(),
            phone: self.phone.trim().to_string(),
            unit: self.unit.trim().to_string(),
            unit_level: self.unit_level,
            post: self.post.trim().to_string(),
        }
    }
}

/// Writes `form` as helper `id` (new when `None`) in `tx`; the id.
async fn write_helper(
    tx: &mut Tx,
    id: Option<i64>,
    form: &HelperForm,
    left_on: Option<String>,
) -> Result<i64> {
    let d = form.draft();
    let area = form.area.as_str();
    let level = d.unit_level.map(|l| l.code()).unwrap_or_default();
    let unit_id = Some(tx.unit_id(area, &d.unit, level).await?);
    let row = NewHelper {
        area_code: area.to_string(),
        name: d.name,
        phone: d.phone,
        unit_id,
        post: d.post,
        user_id: form.user_id,
    };
    match id {
        Some(id) => {
            tx.update_helper(id, &row, left_on).await?;
            Ok(id)
        }
        None => Ok(tx.insert_helper(&row).await?),
    }
}

/// Registers a helper in an area of `scope`; their id.
pub async fn create_helper(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    form: &HelperForm,
) -> Result<i64> {
    let problems = pairing::check_helper(&form.draft());
    if !problems.is_empty() {
        return Err(ServiceError::invalid(problems));
    }
    if !scope.contains_area(&form.area) {
        return Err(ServiceError::NotFound);
    }
    let mut tx = db.begin().await?;
    let id = write_helper(&mut tx, None, form, None).await?;
    let audit = actor.entry(
        "field.helper.create",
        "helper",
        id.to_string(),
        form.area.as_str(),
        format!("{} ({})", form.name.trim(), form.unit.trim()),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(id)
}

/// Changes helper `id`'s particulars; `left_on` marks them as having left (调离): their
/// current pairings stay until each household is given another helper.
pub async fn update_helper(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    form: &HelperForm,
    left_on: Option<NaiveDate>,
) -> Result<()> {
    let problems = pairing::check_helper(&form.draft());
    if !problems.is_empty() {
        return Err(ServiceError::invalid(problems));
    }
    let mut tx = db.begin().await?;
    let old = tx.helper(scope, id).await?.ok_or(ServiceError::NotFound)?;
    if !scope.contains_area(&form.area) {
        return Err(ServiceError::NotFound);
    }
    write_helper(&mut tx, Some(id), form, left_on.map(|d| d.to_string())).await?;
    let audit = actor.entry(
        "field.helper.update",
        "helper",
        id.to_string(),
        form.area.as_str(),
        format!("{} → {} ({})", old.name, form.name.trim(), form.unit.trim()),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(())
}

/// What pairing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paired {
    New,
    /// Another helper's pairing was ended.
    Changed,
}

/// Pairs household `household_id` with helper `helper_id` from `since` (not after `today`),
/// within `scope`; the household's current pairing, if any, ends the day before. A helper
/// whose area does not hold the household has it widened to the area holding both.
pub async fn pair(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    household_id: i64,
    helper_id: i64,
    since: NaiveDate,
    today: NaiveDate,
) -> Result<Paired> {
    if since > today {
        return Err(ServiceError::refused("pairing.future"));
    }
    let policy = db.policy().await?;
    let mut tx = db.begin().await?;
    let change = pair_in(
        &mut tx,
        &policy,
        scope,
        household_id,
        helper_id,
        since,
        &actor.name,
        true,
    )
    .await?;
    let audit = actor.entry(
        "field.pairing.set",
        "household",
        change.number.clone(),
        &change.village,
        format!(
            "helper {helper_id} from {since}{}",
            change
                .ended
                .map(|(h, d)| format!(", helper {h} until {d}"))
                .unwrap_or_default()
        ),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(if change.ended.is_some() {
        Paired::Changed
    } else {
        Paired::New
    })
}

/// One pairing written in a transaction.
pub(crate) struct PairChange {
    pub number: String,
    pub village: String,
    /// The helper whose pairing ended, and when.
    pub ended: Option<(i64, NaiveDate)>,
}

/// Pairs in `tx`; `check_limit` false when the caller checked the helper's load itself (the
/// sheet import, which checks it as it will be after the whole file).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn pair_in(
    tx: &mut Tx,
    policy: &fupin_core::PolicySet,
    scope: &Scope,
    household_id: i64,
    helper_id: i64,
    since: NaiveDate,
    by: &str,
    check_limit: bool,
) -> Result<PairChange> {
    let place = tx
        .household_place(scope, household_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let helper: HelperRow = tx
        .helper(scope, helper_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if helper.left_on.is_some() {
        return Err(PairingProblem::HelperLeft.message().into());
    }
    let village =
        AreaCode::parse(&place.village_code).map_err(|e| ServiceError::Internal(e.into()))?;
    let limit = if check_limit {
        policy
            .value(PolicyKey::HelperHouseholdLimit, since.year(), &village)
            .unwrap_or(4)
    } else {
        i64::MAX
    };
    let load = tx.lock_helper_load(helper_id).await?;
    let current = tx.current_pairing(household_id).await?;
    let plan = pairing::plan(
        current.as_ref().map(|c| Current {
            pairing_id: c.id,
            helper_id: c.helper_id,
            since: c.started_on.parse().unwrap_or(since),
        }),
        helper_id,
        load,
        limit,
        since,
    )
    .map_err(|p| ServiceError::Refused(p.message()))?;
    if let Some((id, day)) = plan.end {
        tx.end_pairing(id, &day.to_string()).await?;
    }
    tx.insert_pairing(helper_id, household_id, &since.to_string(), by)
        .await?;
    let helper_area =
        AreaCode::parse(&helper.area_code).map_err(|e| ServiceError::Internal(e.into()))?;
    if !helper_area.contains(&village) {
        tx.set_helper_area(helper_id, helper_area.common(&village).as_str())
            .await?;
    }
    Ok(PairChange {
        number: place.number,
        village: place.village_code,
        ended: current.zip(plan.end).map(|(c, (_, d))| (c.helper_id, d)),
    })
}

/// Puts a helper in a village's work team from `since`.
pub async fn join_team(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    village: &AreaCode,
    helper_id: i64,
    role: TeamRole,
    since: NaiveDate,
) -> Result<i64> {
    if village.level() != AreaLevel::Village || !scope.contains_area(village) {
        return Err(ServiceError::NotFound);
    }
    let mut tx = db.begin().await?;
    let helper = tx
        .helper(scope, helper_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let id = tx
        .insert_team_member(village.as_str(), helper_id, role.code(), &since.to_string())
        .await?;
    let audit = actor.entry(
        "field.team.join",
        "helper",
        helper_id.to_string(),
        village.as_str(),
        format!("{} as {} from {since}", helper.name, role.code()),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(id)
}

/// Ends a place in a work team on `day`; a place already ended stays as it was.
pub async fn leave_team(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    place_id: i64,
    day: NaiveDate,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let member = tx
        .team_member(scope, place_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if member.ended_on.is_some() {
        return Ok(());
    }
    tx.end_team_member(place_id, &day.to_string()).await?;
    let audit = actor.entry(
        "field.team.leave",
        "helper",
        member.helper_id.to_string(),
        &member.village_code,
        format!("{} left on {day}", member.name),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(())
}

/// The texts of this module's messages.
pub const MESSAGES: fupin_core::message::Strings = &[(
    "pairing.future",
    "结对开始日期不能晚于今天",
    "A pairing cannot start after today",
)];
