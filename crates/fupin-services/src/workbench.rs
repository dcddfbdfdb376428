//! A user's start page: what they must do today and where they stand, read in one snapshot
//! within their jurisdiction — the cases whose next step is theirs (objections to settle
//! among them), the warnings still to work, a helper cadre's own households, the latest
//! changes in the area, the area's figures with its children's, the instructions to answer
//! and the announcements not yet read.
//!
//! Each section is there only for a user whose roles allow what it lists; the lists behind the
//! counts (`/cases?awaiting=me`, `/warnings?state=…`) select with the same functions, so the
//! count and the list agree.

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use fupin_core::access::{Action, HouseholdReach, Principal, Viewer};
use fupin_core::workflow::{Step, standing_before_steps_of};
use fupin_core::{AreaLevel, PolicySet};
use fupin_storage::{AreaCount, CaseRow, Db, FigureYear, HouseholdListItem, RecentChange, Tx};

use crate::cases::{case_of, notice_days};

/// Cases read to find those awaiting a user at most (a county's open cases fit many times).
pub const AWAITING_LIMIT: i64 = 2_000;
/// Changes listed on a start page.
pub const RECENT_CHANGES: i64 = 10;
/// A helper cadre's households listed on their start page (all of them, in practice).
pub const MY_HOUSEHOLDS: i64 = 50;

/// Cases whose next act is the user's today.
#[derive(Debug, Clone, Default)]
pub struct Awaiting {
    /// The user may take the next step.
    pub steps: Vec<CaseRow>,
    /// An objection stands and the user settles it.
    pub objections: Vec<CaseRow>,
    /// More cases stood at the user's steps than were read ([`AWAITING_LIMIT`]).
    pub capped: bool,
}

/// Warnings still to work inside the user's area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenWarnings {
    pub open: i64,
    pub verifying: i64,
}

/// The start page of one user.
#[derive(Debug, Clone, Default)]
pub struct Workbench {
    pub awaiting: Option<Awaiting>,
    pub warnings: Option<OpenWarnings>,
    pub my_households: Option<Vec<HouseholdListItem>>,
    pub recent: Option<Vec<RecentChange>>,
    /// The changes were looked for among the registry's latest only (a county or larger area:
    /// see `fupin_storage::workbench::RECENT_WINDOW`); older ones of the area are not listed.
    pub recent_latest_only: bool,
    /// The user's own area with its figures, and its children's.
    pub area: Option<(AreaCount, Vec<AreaCount>)>,
    /// Instructions still to answer, and how many of them are overdue.
    pub tasks: Option<(i64, i64)>,
    /// Announcements not yet read.
    pub unread_announcements: Option<i64>,
}

impl Workbench {
    /// What `who` (seen as `viewer`) has to do on `today`, in one read transaction.
    pub async fn read(db: &Db, who: &Principal, viewer: &Viewer, today: NaiveDate) -> Result<Self> {
        let scope = &viewer.scope;
        let mut tx = db.reader().await?;
        let mut bench = Workbench::default();
        if who.may(Action::ViewHouseholds) {
            bench.awaiting = Some(awaiting_in(&mut tx, who, viewer, today).await?);
            // a village's or a township's households are few: their changes are found however
            // old; a larger area's among the registry's latest only
            let small = scope
                .area()
                .is_some_and(|a| a.level() >= AreaLevel::Township);
            bench.recent = Some(tx.recent_changes(scope, RECENT_CHANGES, small).await?);
            bench.recent_latest_only = !small;
            if let HouseholdReach::Paired(_) = scope.households() {
                let (items, _) = tx
                    .household_list(scope, &who.area, 0, MY_HOUSEHOLDS)
                    .await?;
                bench.my_households = Some(items);
            }
        }
        if who.may(Action::ViewWarnings) {
            let mut w = OpenWarnings::default();
            for c in tx.open_warning_counts(scope).await? {
                match c.state.as_str() {
                    "open" => w.open += c.n,
                    "verifying" => w.verifying += c.n,
                    _ => {}
                }
            }
            bench.warnings = Some(w);
        }
        if who.may(Action::ViewAreas)
            && let Some(own) = tx.area_count(scope, &who.area, FigureYear::Now).await?
        {
            let children = tx
                .area_children(scope, Some(&who.area), FigureYear::Now)
                .await?;
            bench.area = Some((own, children));
        }
        if who.may(Action::HandleTasks) {
            let to_do = crate::tasks::instructions::to_do(db, who, today).await?;
            let overdue = to_do.iter().filter(|(_, due)| due.is_overdue()).count();
            bench.tasks = Some((to_do.len() as i64, overdue as i64));
        }
        if who.may(Action::ReadAnnouncements) {
            let (_, _, unread) = db
                .announcements_for(scope, who.user_id, &who.area, 0, 0)
                .await?;
            bench.unread_announcements = Some(unread);
        }
        Ok(bench)
    }
}

/// The cases awaiting `who` on `today` (see [`Workbench::awaiting`]), for the list behind the
/// start page's count.
pub async fn awaiting(
    db: &Db,
    who: &Principal,
    viewer: &Viewer,
    today: NaiveDate,
) -> Result<Awaiting> {
    awaiting_in(&mut db.reader().await?, who, viewer, today).await
}

async fn awaiting_in(
    tx: &mut Tx,
    who: &Principal,
    viewer: &Viewer,
    today: NaiveDate,
) -> Result<Awaiting> {
    let at = standing_before_steps_of(who);
    let codes: Vec<(&str, &str)> = at.iter().map(|(p, s)| (p.code(), s.code())).collect();
    let rows = tx
        .cases_standing_at(&viewer.scope, &codes, AWAITING_LIMIT + 1)
        .await?;
    let policy = tx.policy().await?;
    let mut out = Awaiting {
        capped: rows.len() as i64 > AWAITING_LIMIT,
        ..Awaiting::default()
    };
    for row in rows.into_iter().take(AWAITING_LIMIT as usize) {
        match offered(&policy, who, &row, today) {
            Some(Offered::Step) => out.steps.push(row),
            Some(Offered::Objection) => out.objections.push(row),
            None => {}
        }
    }
    Ok(out)
}

enum Offered {
    Step,
    Objection,
}

/// Whether `who` can act on the case today: settle its objection, or take its next step.
fn offered(
    policy: &PolicySet,
    who: &Principal,
    row: &CaseRow,
    today: NaiveDate,
) -> Option<Offered> {
    let case = case_of(row)?;
    if case.step.is_final() {
        return None;
    }
    let offer = case.offer(who, today, notice_days(policy, &case, today.year()));
    if case.held && case.step == Step::Notice {
        return offer.resolve.then_some(Offered::Objection);
    }
    offer.advance.is_ok().then_some(Offered::Step)
}
