//! The procedures that put households into the registry and take them out (`domain.md` §2.1,
//! §4.1, §5.3–5.4), as one state machine per procedure. Each step names who may take it (a role
//! at an area level of the case's village) and what it needs. A public notice runs for its
//! configured days and holds the case while an objection is open. Pure: callers load a case's
//! history, ask here whether an action is allowed and where it leads, and store the step.

use chrono::NaiveDate;

use crate::access::{Principal, Role};
use crate::{AreaCode, AreaLevel};

/// Which procedure a case follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 贫困户识别: application → visit → data comparison → democratic appraisal → public
    /// notice → township review → county approval → announcement.
    Identification,
    /// 贫困户退出: proposal → verification (the household agrees and signs) → appraisal →
    /// notice (≥ 7 days) → township verification → county approval → announcement.
    Exit,
    /// 监测对象纳入: declaration or discovery → visit with authorisation → data comparison →
    /// appraisal → village notice (≥ 5 days) → township review → county decision → entry.
    MonitoringEntry,
    /// 风险消除: proposal → verification → appraisal → notice → county approval → marked.
    MonitoringRemoval,
}

impl Procedure {
    pub fn parse(code: &str) -> Option<Procedure> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    pub const ALL: [Procedure; 4] = [
        Procedure::Identification,
        Procedure::Exit,
        Procedure::MonitoringEntry,
        Procedure::MonitoringRemoval,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Identification => "identification",
            Self::Exit => "exit",
            Self::MonitoringEntry => "monitoring_entry",
            Self::MonitoringRemoval => "monitoring_removal",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Identification => "贫困户识别",
            Self::Exit => "贫困户退出",
            Self::MonitoringEntry => "监测对象纳入",
            Self::MonitoringRemoval => "监测对象风险消除",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Identification => "identification of a poor household",
            Self::Exit => "exit from poverty",
            Self::MonitoringEntry => "entry into monitoring",
            Self::MonitoringRemoval => "risk elimination (end of monitoring)",
        }
    }

    /// The steps in order, from the first to the final one.
    pub fn steps(self) -> &'static [Step] {
        use Step::*;
        match self {
            Self::Identification => &[
                Applied,
                Visited,
                Compared,
                Appraised,
                Notice,
                TownshipReviewed,
                CountyApproved,
                Announced,
            ],
            Self::Exit => &[
                Applied,
                Visited,
                Appraised,
                Notice,
                TownshipReviewed,
                CountyApproved,
                Announced,
            ],
            Self::MonitoringEntry => &[
                Applied,
                Visited,
                Compared,
                Appraised,
                Notice,
                TownshipReviewed,
                CountyApproved,
                Announced,
            ],
            Self::MonitoringRemoval => &[
                Applied,
                Visited,
                Appraised,
                Notice,
                CountyApproved,
                Announced,
            ],
        }
    }
}

/// Where a case stands: the last step taken (or its end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Application, proposal or declaration recorded (申请/提名/申报).
    Applied,
    /// Household verification visit (入户核实), with the household's signed agreement or
    /// authorisation where the procedure needs it.
    Visited,
    /// Data comparison result attached (大数据比对).
    Compared,
    /// Village democratic appraisal (民主评议).
    Appraised,
    /// Public notice posted (公示); it runs for its days and holds while objections are open.
    Notice,
    /// Township review (乡镇审核).
    TownshipReviewed,
    /// County approval (县级审定).
    CountyApproved,
    /// Announced and done (公告): the registry changes.
    Announced,
    /// Turned down at a step (with the reason).
    Rejected,
    /// Withdrawn by the applicant or the village before a decision.
    Withdrawn,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Visited => "visited",
            Self::Compared => "compared",
            Self::Appraised => "appraised",
            Self::Notice => "notice",
            Self::TownshipReviewed => "township_reviewed",
            Self::CountyApproved => "county_approved",
            Self::Announced => "announced",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Applied => "已申请",
            Self::Visited => "已入户核实",
            Self::Compared => "已比对",
            Self::Appraised => "已民主评议",
            Self::Notice => "公示中",
            Self::TownshipReviewed => "乡镇已审核",
            Self::CountyApproved => "县级已审定",
            Self::Announced => "已公告",
            Self::Rejected => "未通过",
            Self::Withdrawn => "已撤回",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Visited => "visited and verified",
            Self::Compared => "compared with department data",
            Self::Appraised => "appraised by the village",
            Self::Notice => "on public notice",
            Self::TownshipReviewed => "reviewed by the township",
            Self::CountyApproved => "approved by the county",
            Self::Announced => "announced",
            Self::Rejected => "not approved",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub const ALL: [Step; 10] = [
        Step::Applied,
        Step::Visited,
        Step::Compared,
        Step::Appraised,
        Step::Notice,
        Step::TownshipReviewed,
        Step::CountyApproved,
        Step::Announced,
        Step::Rejected,
        Step::Withdrawn,
    ];

    pub fn parse(code: &str) -> Option<Step> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Announced | Self::Rejected | Self::Withdrawn)
    }

    /// The level of area whose staff take this step: the village for the steps in the village,
    /// the township and the county for theirs.
    pub fn level(self) -> AreaLevel {
        match self {
            Self::TownshipReviewed => AreaLevel::Township,
            Self::CountyApproved => AreaLevel::County,
            _ => AreaLevel::Village,
        }
    }
}

/// Something done to a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Act {
    /// Take the next step of the procedure.
    Advance,
    /// Turn the case down at this point, with the reason.
    Reject {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    /// An objection during the public notice (anyone may raise it; the village records it).
    Object {
        by: String,
        reason: String,
    },
    /// The objection checked: upheld (the case is turned down) or dismissed (the notice starts
    /// again for its full days).
    ResolveObjection {
        upheld: bool,
        finding: String,
    },
}

/// A case as it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    pub procedure: Procedure,
    pub village: AreaCode,
    pub step: Step,
    /// When the current notice started (while `step` is `Notice`).
    pub notice_from: Option<NaiveDate>,
    /// An objection is open: the case is held.
    pub held: bool,
}

/// The acts one user may take on a case now (see [`Case::offer`]). The next step's refusal
/// says who takes it, or until when the notice runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub advance: Result<Step, Refusal>,
    pub object: bool,
    pub resolve: bool,
    pub reject: bool,
    pub withdraw: bool,
}

/// Why an act is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The step the case closed at.
    Closed(Step),
    WrongActor {
        needed: AreaLevel,
        role: Role,
    },
    OutsideJurisdiction,
    NoticeRunning {
        until: NaiveDate,
    },
    Held,
    NotInNotice,
    NoObjection,
    ReasonRequired,
    MonitoredTooShort {
        months: u32,
        since: NaiveDate,
    },
    NoLabour,
    NoMeasure,
}

impl crate::message::Explained for Refusal {
    fn message(&self) -> crate::Message {
        use crate::Message;
        match self {
            Self::Closed(step) => {
                Message::new("case.closed").with_label("step", step.zh(), step.en())
            }
            Self::WrongActor { needed, role } => Message::new("case.wrong_actor")
                .with_label("level", needed.zh(), needed.as_str())
                .label("role", *role),
            Self::OutsideJurisdiction => Message::new("case.outside_jurisdiction"),
            Self::NoticeRunning { until } => {
                Message::new("case.notice_running").with("until", until)
            }
            Self::Held => Message::new("case.held"),
            Self::NotInNotice => Message::new("case.not_in_notice"),
            Self::NoObjection => Message::new("case.no_objection"),
            Self::ReasonRequired => Message::new("case.reason_required"),
            Self::MonitoredTooShort { months, since } => Message::new("case.monitored_too_short")
                .with("months", months)
                .with("since", since),
            Self::NoLabour => Message::new("case.no_labour"),
            Self::NoMeasure => Message::new("case.no_measure"),
        }
    }
}

crate::explained_error!(Refusal, &[MESSAGES]);

/// The texts of [`Refusal`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "case.closed",
        "该事项已办结（{step}）",
        "The case is closed ({step})",
    ),
    (
        "case.wrong_actor",
        "需由{level}的{role}办理",
        "Needs a {role} of the {level}",
    ),
    (
        "case.outside_jurisdiction",
        "不在您的管辖范围内",
        "Outside your jurisdiction",
    ),
    (
        "case.notice_running",
        "公示期未满（{until}前不能结束公示）",
        "The notice runs until {until}",
    ),
    (
        "case.held",
        "有异议尚未核实，事项暂停",
        "An objection is open: the case is held",
    ),
    (
        "case.not_in_notice",
        "仅在公示期间可提出或处理异议",
        "Objections belong to the notice period",
    ),
    (
        "case.no_objection",
        "没有待处理的异议",
        "No objection is open",
    ),
    ("case.reason_required", "请填写理由", "Give the reason"),
    (
        "case.monitored_too_short",
        "监测未满{months}个月（自{since}起），暂不能消除风险",
        "Monitored for less than {months} months (since {since})",
    ),
    (
        "case.no_labour",
        "全家无劳动能力，不标注风险消除",
        "A household with no one able to work is not marked as risk eliminated",
    ),
    (
        "case.no_measure",
        "监测期间尚未落实帮扶措施，暂不能消除风险",
        "No assistance measure delivered while monitored: the risk cannot be marked eliminated",
    ),
];

/// Whether a monitored household may start risk elimination (风险消除), `domain.md` §5.4:
/// monitored at least `min_months` (when its start is known), someone able to work, and at
/// least one assistance measure delivered while monitored (`measures_delivered`).
pub fn removal_precheck(
    household: &crate::Household,
    monitored_since: Option<NaiveDate>,
    today: NaiveDate,
    min_months: u32,
    measures_delivered: usize,
) -> Result<(), Refusal> {
    if !household.members.iter().any(|m| m.labour.can_work()) {
        return Err(Refusal::NoLabour);
    }
    if let Some(since) = monitored_since {
        let enough = since
            .checked_add_months(chrono::Months::new(min_months))
            .is_none_or(|d| today >= d);
        if !enough {
            return Err(Refusal::MonitoredTooShort {
                months: min_months,
                since,
            });
        }
    }
    if measures_delivered == 0 {
        return Err(Refusal::NoMeasure);
    }
    Ok(())
}

/// The roles that may take a step at its level.
fn roles_for(step: Step) -> &'static [Role] {
    match step.level() {
        AreaLevel::Village => &[Role::VillageOfficial],
        _ => &[Role::OfficeStaff, Role::OfficeLeader],
    }
}

/// Where a case stands when its next step is `who`'s to take — the steps just before those of
/// `who`'s level and roles, in every procedure — for the lists of what a user must do next. A
/// case found there may still wait (its notice running, an objection held): [`Case::offer`]
/// says whether the step can be taken today.
pub fn standing_before_steps_of(who: &Principal) -> Vec<(Procedure, Step)> {
    let takes = |step: Step| {
        step.level() == who.area.level() && who.roles.iter().any(|r| roles_for(step).contains(r))
    };
    let mut at: Vec<(Procedure, Step)> = Procedure::ALL
        .iter()
        .flat_map(|p| {
            p.steps()
                .windows(2)
                .filter(|w| takes(w[1]))
                .map(|w| (*p, w[0]))
        })
        .collect();
    // the township checks objections to every notice, whoever takes the step after it
    if takes(Step::TownshipReviewed) {
        for p in Procedure::ALL {
            if p.steps().contains(&Step::Notice) && !at.contains(&(p, Step::Notice)) {
                at.push((p, Step::Notice));
            }
        }
    }
    at
}

/// Checks that `who` may act on a case at `step`: one of the step's roles, posted in the area of
/// the step's level that contains the case's village.
fn check_actor(who: &Principal, case: &Case, step: Step) -> Result<(), Refusal> {
    let level = step.level();
    let roles = roles_for(step);
    if who.area != case.village.ancestor(level) {
        if !who.area.contains(&case.village) {
            return Err(Refusal::OutsideJurisdiction);
        }
        return Err(wrong_actor(level, roles));
    }
    if !who.roles.iter().any(|r| roles.contains(r)) {
        return Err(wrong_actor(level, roles));
    }
    Ok(())
}

fn wrong_actor(level: AreaLevel, roles: &[Role]) -> Refusal {
    Refusal::WrongActor {
        needed: level,
        role: roles[0],
    }
}

impl Case {
    /// A new case, started by its first step.
    pub fn open(procedure: Procedure, village: AreaCode) -> Case {
        Case {
            procedure,
            village,
            step: procedure.steps()[0],
            notice_from: None,
            held: false,
        }
    }

    /// Whether `who` may open a case of `procedure` for `village` (the village records the
    /// application, proposal or declaration).
    pub fn may_open(
        who: &Principal,
        procedure: Procedure,
        village: &AreaCode,
    ) -> Result<(), Refusal> {
        check_actor(who, &Case::open(procedure, village.clone()), Step::Applied)
    }

    /// The policy key of the days a case of this procedure has from opening to decision, where
    /// the rules set one (monitoring entry: a risk clue decided within 15 days).
    pub fn deadline_key(&self) -> Option<crate::PolicyKey> {
        (self.procedure == Procedure::MonitoringEntry)
            .then_some(crate::PolicyKey::MonitoringDecisionDays)
    }

    /// The notice period's policy key for this procedure.
    pub fn notice_key(&self) -> crate::PolicyKey {
        match self.procedure {
            Procedure::Identification => crate::PolicyKey::NoticeDaysIdentification,
            Procedure::Exit => crate::PolicyKey::NoticeDaysExit,
            Procedure::MonitoringEntry | Procedure::MonitoringRemoval => {
                crate::PolicyKey::NoticeDaysMonitoring
            }
        }
    }

    /// The step an advance leads to (`None` when final).
    pub fn next_step(&self) -> Option<Step> {
        let steps = self.procedure.steps();
        let at = steps.iter().position(|s| *s == self.step)?;
        steps.get(at + 1).copied()
    }

    /// Applies an act by `who` on `today`; `notice_days` is the procedure's notice period. The
    /// case is unchanged when the act is refused.
    pub fn act(
        &mut self,
        act: &Act,
        who: &Principal,
        today: NaiveDate,
        notice_days: u32,
    ) -> Result<Step, Refusal> {
        if self.step.is_final() {
            return Err(Refusal::Closed(self.step));
        }
        match act {
            Act::Advance => {
                let next = self.next_step().ok_or(Refusal::Closed(self.step))?;
                check_actor(who, self, next)?;
                if self.step == Step::Notice {
                    if self.held {
                        return Err(Refusal::Held);
                    }
                    let until = self.notice_until(notice_days);
                    if until.is_some_and(|u| today < u) {
                        return Err(Refusal::NoticeRunning {
                            until: until.expect("checked"),
                        });
                    }
                }
                self.step = next;
                if next == Step::Notice {
                    // kept after the notice: the notice sheet can still be printed
                    self.notice_from = Some(today);
                }
                Ok(next)
            }
            Act::Reject { reason } | Act::Withdraw { reason } => {
                if reason.trim().is_empty() {
                    return Err(Refusal::ReasonRequired);
                }
                // whoever would take the next step may turn the case down at it; the village
                // withdraws
                let at = match act {
                    Act::Withdraw { .. } => Step::Applied,
                    _ => self.next_step().unwrap_or(self.step),
                };
                check_actor(who, self, at)?;
                self.step = if matches!(act, Act::Withdraw { .. }) {
                    Step::Withdrawn
                } else {
                    Step::Rejected
                };
                self.held = false;
                Ok(self.step)
            }
            Act::Object { reason, .. } => {
                if self.step != Step::Notice {
                    return Err(Refusal::NotInNotice);
                }
                if reason.trim().is_empty() {
                    return Err(Refusal::ReasonRequired);
                }
                check_actor(who, self, Step::Notice)?;
                self.held = true;
                Ok(self.step)
            }
            Act::ResolveObjection { upheld, finding } => {
                if self.step != Step::Notice {
                    return Err(Refusal::NotInNotice);
                }
                if !self.held {
                    return Err(Refusal::NoObjection);
                }
                if finding.trim().is_empty() {
                    return Err(Refusal::ReasonRequired);
                }
                // the township checks objections
                check_actor(who, self, Step::TownshipReviewed)?;
                self.held = false;
                if *upheld {
                    self.step = Step::Rejected;
                } else {
                    self.notice_from = Some(today);
                }
                Ok(self.step)
            }
        }
    }

    /// What `who` is offered on the case on `today`: each act tried on a copy, so that the
    /// rules live in [`Case::act`] alone and a page offers no button the act would refuse.
    pub fn offer(&self, who: &Principal, today: NaiveDate, notice_days: u32) -> Offer {
        let tried = |act: Act| self.clone().act(&act, who, today, notice_days);
        let note = || String::from("-");
        Offer {
            advance: tried(Act::Advance),
            object: tried(Act::Object {
                by: note(),
                reason: note(),
            })
            .is_ok(),
            resolve: tried(Act::ResolveObjection {
                upheld: false,
                finding: note(),
            })
            .is_ok(),
            reject: tried(Act::Reject { reason: note() }).is_ok(),
            withdraw: tried(Act::Withdraw { reason: note() }).is_ok(),
        }
    }

    /// The first day the notice may be closed.
    pub fn notice_until(&self, notice_days: u32) -> Option<NaiveDate> {
        self.notice_from
            .map(|from| from + chrono::Duration::days(i64::from(notice_days)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VILLAGE: &str = "522726100201";

    fn who(area: &str, role: Role) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            area: AreaCode::parse(area).unwrap(),
            roles: vec![role],
            token_actions: None,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, 3, d).unwrap()
    }

    /// Who takes each step for the test case's village.
    fn actor_for(step: Step) -> Principal {
        match step.level() {
            AreaLevel::Village => who(VILLAGE, Role::VillageOfficial),
            AreaLevel::Township => who("522726100000", Role::OfficeStaff),
            _ => who("522726000000", Role::OfficeStaff),
        }
    }

    #[test]
    fn every_procedure_runs_to_its_announcement_by_the_right_actors() {
        for p in Procedure::ALL {
            let mut case = Case::open(p, AreaCode::parse(VILLAGE).unwrap());
            let mut today = day(1);
            let mut seen = vec![case.step];
            while let Some(next) = case.next_step() {
                if case.step == Step::Notice {
                    today = case.notice_until(7).unwrap();
                }
                assert_eq!(
                    case.act(&Act::Advance, &actor_for(next), today, 7),
                    Ok(next),
                    "{p:?}"
                );
                seen.push(next);
            }
            assert_eq!(seen, p.steps(), "{p:?}");
            assert_eq!(case.step, Step::Announced);
            let e = case.act(&Act::Advance, &actor_for(Step::Applied), today, 7);
            assert!(matches!(e, Err(Refusal::Closed(_))));
        }
    }

    #[test]
    fn each_level_waits_on_the_steps_before_its_own() {
        let at = |who: &Principal| {
            let mut steps: Vec<Step> = standing_before_steps_of(who)
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            steps.sort_by_key(|s| s.code());
            steps.dedup();
            steps
        };
        let village = who(VILLAGE, Role::VillageOfficial);
        let village_steps = at(&village);
        assert!(
            village_steps.contains(&Step::Applied) && village_steps.contains(&Step::CountyApproved)
        );
        assert!(!village_steps.contains(&Step::Notice));
        assert_eq!(at(&actor_for(Step::TownshipReviewed)), [Step::Notice]);
        // the county approves after the township's review, and ends a removal's notice
        assert_eq!(
            at(&actor_for(Step::CountyApproved)),
            [Step::Notice, Step::TownshipReviewed]
        );
        // a helper cadre or a province takes no step
        assert!(at(&who(VILLAGE, Role::HelperCadre)).is_empty());
        assert!(at(&who("520000000000", Role::OfficeStaff)).is_empty());
    }

    #[test]
    fn each_user_is_offered_only_the_acts_the_case_would_accept() {
        let village = AreaCode::parse(VILLAGE).unwrap();
        let mut case = Case::open(Procedure::Identification, village);
        while case.step != Step::Notice {
            let next = case.next_step().unwrap();
            case.act(&Act::Advance, &actor_for(next), day(1), 7)
                .unwrap();
        }
        // in the notice the village records objections and may withdraw; the township's review
        // is not offered to it, and it is told whose step that is
        let official = who(VILLAGE, Role::VillageOfficial);
        let offer = case.offer(&official, day(2), 7);
        assert!(matches!(
            offer.advance,
            Err(Refusal::WrongActor {
                needed: AreaLevel::Township,
                ..
            })
        ));
        assert!(offer.object && offer.withdraw && !offer.reject && !offer.resolve);
        // the township may turn it down, but closes the notice only when it has run
        let township = actor_for(Step::TownshipReviewed);
        let offer = case.offer(&township, day(2), 7);
        assert!(matches!(offer.advance, Err(Refusal::NoticeRunning { .. })));
        assert!(offer.reject && !offer.withdraw && !offer.object);
        let after = case.notice_until(7).unwrap();
        assert_eq!(
            case.offer(&township, after, 7).advance,
            Ok(Step::TownshipReviewed)
        );
        // offering changes nothing
        let before = case.clone();
        let _ = case.offer(&township, after, 7);
        assert_eq!(case, before);
    }

    #[test]
    fn the_wrong_role_level_or_place_is_refused_and_changes_nothing() {
        let mut case = Case::open(Procedure::Identification, AreaCode::parse(VILLAGE).unwrap());
        // the visit is the village's: a helper cadre, a county clerk, another village cannot
        for (area, role) in [
            (VILLAGE, Role::HelperCadre),
            ("522726000000", Role::OfficeStaff),
            ("522726100202", Role::VillageOfficial),
            ("210881001001", Role::VillageOfficial),
        ] {
            let before = case.clone();
            assert!(
                case.act(&Act::Advance, &who(area, role), day(1), 7)
                    .is_err(),
                "{area} {role:?}"
            );
            assert_eq!(case, before);
        }
        let e = case.act(
            &Act::Advance,
            &who("210881001001", Role::VillageOfficial),
            day(1),
            7,
        );
        assert_eq!(e, Err(Refusal::OutsideJurisdiction));
        // up to the township review: a village official cannot review for the township
        for _ in 0..4 {
            let next = case.next_step().unwrap();
            case.act(&Act::Advance, &actor_for(next), day(1), 7)
                .unwrap();
        }
        assert_eq!(case.step, Step::Notice);
        let e = case.act(
            &Act::Advance,
            &who(VILLAGE, Role::VillageOfficial),
            day(20),
            7,
        );
        assert!(matches!(e, Err(Refusal::WrongActor { .. })), "{e:?}");
    }

    #[test]
    fn a_notice_runs_its_days_and_an_objection_holds_it() {
        let mut case = Case::open(Procedure::Exit, AreaCode::parse(VILLAGE).unwrap());
        for _ in 0..3 {
            let next = case.next_step().unwrap();
            case.act(&Act::Advance, &actor_for(next), day(1), 7)
                .unwrap();
        }
        assert_eq!((case.step, case.notice_from), (Step::Notice, Some(day(1))));
        let township = actor_for(Step::TownshipReviewed);
        // day 7 is within the 7 days; day 8 is the first day it may close
        assert_eq!(
            case.act(&Act::Advance, &township, day(7), 7),
            Err(Refusal::NoticeRunning { until: day(8) })
        );
        let village = actor_for(Step::Notice);
        let objection = Act::Object {
            by: "村民甲".into(),
            reason: "家有轿车".into(),
        };
        case.act(&objection, &village, day(5), 7).unwrap();
        assert!(case.held);
        assert_eq!(
            case.act(&Act::Advance, &township, day(9), 7),
            Err(Refusal::Held)
        );
        // dismissed: the notice starts again for its full days
        let dismiss = Act::ResolveObjection {
            upheld: false,
            finding: "车辆为亲属所有".into(),
        };
        assert!(
            case.act(&dismiss, &village, day(9), 7).is_err(),
            "the township checks objections"
        );
        case.act(&dismiss, &township, day(9), 7).unwrap();
        assert_eq!((case.held, case.notice_from), (false, Some(day(9))));
        assert!(case.act(&Act::Advance, &township, day(15), 7).is_err());
        assert_eq!(
            case.act(&Act::Advance, &township, day(16), 7),
            Ok(Step::TownshipReviewed)
        );
        // objections belong to the notice
        assert_eq!(
            case.act(&objection, &village, day(16), 7),
            Err(Refusal::NotInNotice)
        );
    }

    #[test]
    fn an_upheld_objection_turns_the_case_down() {
        let mut case = Case::open(Procedure::Identification, AreaCode::parse(VILLAGE).unwrap());
        for _ in 0..4 {
            let next = case.next_step().unwrap();
            case.act(&Act::Advance, &actor_for(next), day(1), 7)
                .unwrap();
        }
        let village = actor_for(Step::Notice);
        let township = actor_for(Step::TownshipReviewed);
        case.act(
            &Act::Object {
                by: "村民乙".into(),
                reason: "财政供养".into(),
            },
            &village,
            day(2),
            7,
        )
        .unwrap();
        let upheld = Act::ResolveObjection {
            upheld: true,
            finding: "核实属实".into(),
        };
        assert_eq!(case.act(&upheld, &township, day(3), 7), Ok(Step::Rejected));
        assert!(matches!(
            case.act(&Act::Advance, &township, day(20), 7),
            Err(Refusal::Closed(_))
        ));
    }

    #[test]
    fn risk_elimination_needs_six_months_a_measure_and_someone_able_to_work() {
        use crate::codes::Labour;
        let mut h = crate::testing::sample_household();
        let since = NaiveDate::from_ymd_opt(2022, 1, 15).unwrap();
        let at = |h: &crate::Household, d: NaiveDate| removal_precheck(h, Some(since), d, 6, 1);
        assert_eq!(
            at(&h, NaiveDate::from_ymd_opt(2022, 7, 14).unwrap()),
            Err(Refusal::MonitoredTooShort { months: 6, since })
        );
        assert_eq!(
            at(&h, NaiveDate::from_ymd_opt(2022, 7, 15).unwrap()),
            Ok(()),
            "six months exactly"
        );
        assert_eq!(
            removal_precheck(&h, None, since, 6, 1),
            Ok(()),
            "start unknown"
        );
        assert_eq!(
            removal_precheck(&h, Some(since), since + chrono::Duration::days(400), 6, 0),
            Err(Refusal::NoMeasure),
            "no measure delivered while monitored"
        );
        for m in &mut h.members {
            m.labour = Labour::Lost;
        }
        assert_eq!(
            at(&h, NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()),
            Err(Refusal::NoLabour)
        );
    }

    #[test]
    fn rejection_and_withdrawal_need_a_reason_and_the_right_actor() {
        let mut case = Case::open(
            Procedure::MonitoringEntry,
            AreaCode::parse(VILLAGE).unwrap(),
        );
        let village = actor_for(Step::Visited);
        let empty = Act::Reject { reason: " ".into() };
        assert_eq!(
            case.act(&empty, &village, day(1), 5),
            Err(Refusal::ReasonRequired)
        );
        let county = actor_for(Step::CountyApproved);
        let reject = Act::Reject {
            reason: "收入高于监测范围".into(),
        };
        assert!(
            case.act(&reject, &county, day(1), 5).is_err(),
            "the visit is the village's"
        );
        assert_eq!(case.act(&reject, &village, day(1), 5), Ok(Step::Rejected));
        let mut case = Case::open(Procedure::Exit, AreaCode::parse(VILLAGE).unwrap());
        let withdraw = Act::Withdraw {
            reason: "户主不同意退出".into(),
        };
        assert_eq!(
            case.act(&withdraw, &village, day(1), 7),
            Ok(Step::Withdrawn)
        );
    }
}
