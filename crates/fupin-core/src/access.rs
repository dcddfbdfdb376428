//! Who may do what, and over which households: roles, the permission table, what personal data
//! each role sees in full, and the jurisdiction a user acts in.
//!
//! This is the one place the rules are written down; storage turns a [`Scope`] into query
//! conditions, the web layer asks [`Principal::may`] before acting, and masking asks
//! [`Principal::reveals`]. `docs/ACCESS.md` prints the same table for people.

use std::fmt;

use crate::area::AreaCode;
use crate::codes::CodeList;

code_list! {
    /// A user's role. A user holds one or more, all bound to the user's one area.
    Role, "角色" {
        OfficeStaff = ("office_staff", "扶贫办工作人员", "poverty-office staff"),
        OfficeLeader = ("office_leader", "扶贫办领导", "poverty-office leader"),
        VillageOfficial = ("village_official", "村干部/第一书记", "village official / first secretary"),
        HelperCadre = ("helper_cadre", "帮扶干部", "helper cadre"),
        Inspector = ("inspector", "督查巡查人员", "inspector"),
        CallCentre = ("call_centre", "呼叫中心坐席", "call-centre agent"),
        DepartmentOfficer = ("department_officer", "行业部门数据专员", "department data officer"),
        Admin = ("admin", "系统管理员", "system administrator"),
    }
}

code_list! {
    /// Something a user may be allowed to do (always within their jurisdiction).
    Action, "操作" {
        ViewAreas = ("view_areas", "查看区域统计", "view area statistics"),
        ViewHouseholds = ("view_households", "查看农户档案", "view household records"),
        EditHouseholds = ("edit_households", "编辑农户档案", "edit household records"),
        ImportRegistry = ("import_registry", "导入建档立卡数据", "import registry data"),
        ExportHouseholds = ("export_households", "导出农户数据", "export household data"),
        ManageUsers = ("manage_users", "管理用户账号", "manage user accounts"),
        ViewAudit = ("view_audit", "查看审计日志", "view the audit trail"),
        ManageTokens = ("manage_tokens", "管理接口令牌", "manage API tokens"),
        RecordMeasures = ("record_measures", "记录措施落实", "record measures delivered"),
        ManageCatalogue = ("manage_catalogue", "维护措施目录", "maintain the measures catalogue"),
        CompareLists = ("compare_lists", "部门数据比对", "load department lists and run comparisons"),
        ViewWarnings = ("view_warnings", "查看预警", "view warnings"),
        WorkWarnings = ("work_warnings", "核实处置预警", "verify and close warnings"),
        RecordVisits = ("record_visits", "登记走访和驻村签到", "record visits and village sign-ins"),
        ManageHelpers = ("manage_helpers", "管理帮扶责任人和结对", "manage helpers and pairings"),
        ViewFieldWork = ("view_field_work", "查看帮扶工作统计", "view field-work figures"),
        IssueTasks = ("issue_tasks", "下达任务和通知公告", "issue instructions and announcements"),
        HandleTasks = ("handle_tasks", "签收办理任务", "acknowledge and report on instructions"),
        ReadAnnouncements = ("read_announcements", "阅读通知公告", "read announcements"),
    }
}

code_list! {
    /// Personal data shown in full only to some roles; masked for everyone else and in public.
    Sensitive, "敏感信息" {
        Name = ("name", "姓名", "name"),
        IdNumber = ("id_number", "身份证号码", "ID number"),
        Phone = ("phone", "联系电话", "telephone"),
        BankAccount = ("bank_account", "银行账号", "bank account"),
        Health = ("health", "健康与残疾状况", "health and disability"),
        BirthDate = ("birth_date", "出生日期", "birth date"),
        Location = ("location", "精确位置", "exact location"),
    }
}

impl Role {
    /// The permission table: what this role may do.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::OfficeStaff => matches!(
                action,
                ViewAreas
                    | ViewHouseholds
                    | EditHouseholds
                    | ImportRegistry
                    | ExportHouseholds
                    | RecordMeasures
                    | ManageCatalogue
                    | CompareLists
                    | ViewWarnings
                    | WorkWarnings
                    | ManageHelpers
                    | ViewFieldWork
                    | IssueTasks
                    | HandleTasks
                    | ReadAnnouncements
            ),
            Role::OfficeLeader => matches!(
                action,
                ViewAreas
                    | ViewHouseholds
                    | ExportHouseholds
                    | ViewWarnings
                    | ViewFieldWork
                    | IssueTasks
                    | HandleTasks
                    | ReadAnnouncements
            ),
            // they verify the warnings of their village on the spot; first secretaries and work
            // teams visit households and sign in at the village
            Role::VillageOfficial => matches!(
                action,
                ViewAreas
                    | ViewHouseholds
                    | EditHouseholds
                    | RecordMeasures
                    | ViewWarnings
                    | WorkWarnings
                    | RecordVisits
                    | ViewFieldWork
                    | HandleTasks
                    | ReadAnnouncements
            ),
            // households: only those paired with them (see `Principal::household_reach`); they
            // record what they delivered to them and their visits
            Role::HelperCadre => matches!(
                action,
                ViewAreas
                    | ViewHouseholds
                    | RecordMeasures
                    | RecordVisits
                    | HandleTasks
                    | ReadAnnouncements
            ),
            Role::Inspector => matches!(
                action,
                ViewAreas
                    | ViewHouseholds
                    | ViewAudit
                    | ViewWarnings
                    | ViewFieldWork
                    | HandleTasks
                    | ReadAnnouncements
            ),
            Role::CallCentre => matches!(action, ViewAreas | ViewHouseholds | ReadAnnouncements),
            // they bring their department's lists and see how a run went, in figures; the
            // warnings name registry members and stay with the poverty office
            Role::DepartmentOfficer => {
                matches!(action, ViewAreas | CompareLists | ReadAnnouncements)
            }
            Role::Admin => matches!(
                action,
                ViewAreas | ManageUsers | ViewAudit | ManageTokens | ReadAnnouncements
            ),
        }
    }

    /// Masking table: which personal data this role sees in full (where it sees the record).
    pub fn reveals(self, s: Sensitive) -> bool {
        use Sensitive::*;
        match self {
            // the people who register, verify and help the household
            Role::OfficeStaff | Role::VillageOfficial | Role::HelperCadre | Role::Inspector => true,
            // leaders steer by figures; a name is enough to discuss a case
            Role::OfficeLeader => matches!(s, Name | Health),
            // the call centre phones households and checks who they are talking to
            Role::CallCentre => matches!(s, Name | Phone | BirthDate),
            Role::DepartmentOfficer | Role::Admin => false,
        }
    }
}

/// Which households a user reaches inside their area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdReach {
    /// Every household of the area's subtree.
    Subtree,
    /// Only the households paired with this user (结对帮扶), in the subtree.
    Paired(i64),
    /// This one household and nothing else (the public card reached through its code).
    Only(i64),
    /// None: counts and lists of areas only.
    Nothing,
}

/// The part of the area tree a [`Scope`] reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Territory {
    /// No area at all: every condition built from it keeps nothing.
    Nowhere,
    /// The subtree rooted at this area.
    Area(AreaCode),
    /// The whole installation: only the machine's operator at the command line.
    Installation,
}

/// The jurisdiction every read and write of personal data is confined to.
///
/// Its fields are private, so a scope comes only from its constructors: [`Scope::of`] for a
/// logged-in user or token, [`Scope::nobody`] for someone who is not, and the explicitly named
/// [`Scope::operator`], [`Scope::operator_within`] and [`Scope::public_card`]. A caller without
/// an area reaches nothing; nothing reaches the whole registry without saying so.
///
/// ```compile_fail,E0451
/// use fupin_core::access::{HouseholdReach, Scope, Territory};
/// let everything = Scope { territory: Territory::Installation, households: HouseholdReach::Subtree };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    territory: Territory,
    households: HouseholdReach,
}

impl Scope {
    /// The jurisdiction of a logged-in user or API token: their area, and the households their
    /// roles reach in it.
    pub fn of(p: &Principal) -> Self {
        Self {
            territory: Territory::Area(p.area.clone()),
            households: p.household_reach(),
        }
    }

    /// Someone not logged in: no area, no household.
    pub fn nobody() -> Self {
        Self {
            territory: Territory::Nowhere,
            households: HouseholdReach::Nothing,
        }
    }

    /// The machine's operator at the command line: the whole installation.
    pub fn operator() -> Self {
        Self::operator_within(None)
    }

    /// The operator confined to `area` (a command's `--area`); the whole installation without.
    pub fn operator_within(area: Option<AreaCode>) -> Self {
        Self {
            territory: area.map_or(Territory::Installation, Territory::Area),
            households: HouseholdReach::Subtree,
        }
    }

    /// The public card of one household, reached through its code: that household, wherever it
    /// is, and no area's rows (cases, warnings, counts) at all.
    pub fn public_card(household_id: i64) -> Self {
        Self {
            territory: Territory::Installation,
            households: HouseholdReach::Only(household_id),
        }
    }

    /// The same jurisdiction narrowed to `area`'s subtree; `None` when `area` lies outside it.
    /// A scope only ever narrows this way, never widens.
    pub fn narrowed_to(&self, area: &AreaCode) -> Option<Self> {
        self.contains_area(area).then(|| Self {
            territory: Territory::Area(area.clone()),
            households: self.households,
        })
    }

    /// The same jurisdiction with no household reached (figures by area only).
    pub fn without_households(&self) -> Self {
        Self {
            territory: self.territory.clone(),
            households: HouseholdReach::Nothing,
        }
    }

    /// Where household records may lie.
    pub fn territory(&self) -> &Territory {
        &self.territory
    }

    /// Where rows assigned to an area (cases, warnings, counts, area pages) may lie: the
    /// territory, except for a scope of one household, which reaches no area's rows.
    pub fn areas(&self) -> &Territory {
        match self.households {
            HouseholdReach::Only(_) => &Territory::Nowhere,
            _ => &self.territory,
        }
    }

    /// Which households inside the territory are reached.
    pub fn households(&self) -> HouseholdReach {
        self.households
    }

    /// The root of the subtree, if the scope is confined to one.
    pub fn area(&self) -> Option<&AreaCode> {
        match &self.territory {
            Territory::Area(a) => Some(a),
            _ => None,
        }
    }

    /// Whether `area`'s rows lie in the scope (see [`Scope::areas`]).
    pub fn contains_area(&self, area: &AreaCode) -> bool {
        match self.areas() {
            Territory::Nowhere => false,
            Territory::Area(root) => root.contains(area),
            Territory::Installation => true,
        }
    }
}

/// Who is acting: a logged-in user or an API token, with their area and roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub area: AreaCode,
    pub roles: Vec<Role>,
    /// Set when acting through an API token: the actions the token was limited to.
    pub token_actions: Option<Vec<Action>>,
}

impl Principal {
    /// Whether any of the principal's roles allows `action` (and the token, if any, too).
    pub fn may(&self, action: Action) -> bool {
        self.roles.iter().any(|r| r.allows(action))
            && self
                .token_actions
                .as_ref()
                .is_none_or(|allowed| allowed.contains(&action))
    }

    /// Whether `s` is shown in full to this principal.
    pub fn reveals(&self, s: Sensitive) -> bool {
        self.roles.iter().any(|r| r.reveals(s))
    }

    pub fn household_reach(&self) -> HouseholdReach {
        if !self.may(Action::ViewHouseholds) {
            return HouseholdReach::Nothing;
        }
        let everywhere = self
            .roles
            .iter()
            .any(|r| *r != Role::HelperCadre && r.allows(Action::ViewHouseholds));
        if everywhere {
            HouseholdReach::Subtree
        } else {
            HouseholdReach::Paired(self.user_id)
        }
    }

    pub fn scope(&self) -> Scope {
        Scope::of(self)
    }

    /// Whether this principal may administer accounts bound to `area` (their own subtree).
    pub fn administers(&self, area: &AreaCode) -> bool {
        self.may(Action::ManageUsers) && self.area.contains(area)
    }
}

/// Who is looking, reduced to what storage and output need: the jurisdiction to read in and
/// what personal data to show in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub scope: Scope,
    pub disclosure: crate::masking::Disclosure,
}

impl Viewer {
    /// The operator of the machine at the command line: the whole registry, nothing masked.
    pub fn operator() -> Self {
        Self {
            scope: Scope::operator(),
            disclosure: crate::masking::Disclosure::full(),
        }
    }
}

impl Viewer {
    /// Someone not logged in: no jurisdiction, everything personal masked.
    pub fn anonymous() -> Self {
        Self {
            scope: Scope::nobody(),
            disclosure: crate::masking::Disclosure::public(),
        }
    }

    /// The public card of one household: that household only, everything personal masked.
    pub fn public_card(household_id: i64) -> Self {
        Self {
            scope: Scope::public_card(household_id),
            disclosure: crate::masking::Disclosure::public(),
        }
    }
}

impl From<&Principal> for Viewer {
    fn from(p: &Principal) -> Self {
        Self {
            scope: p.scope(),
            disclosure: crate::masking::Disclosure::for_principal(p),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.username)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edit forms show values in full: a role that could edit what it sees masked would
    /// overwrite real values with their masks.
    #[test]
    fn whoever_may_edit_sees_everything() {
        for role in Role::ALL {
            if role.allows(Action::EditHouseholds) {
                for s in Sensitive::ALL {
                    assert!(role.reveals(*s), "{role:?} edits but {s:?} is masked");
                }
            }
        }
    }

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            user_id: 7,
            username: "u".into(),
            area: AreaCode::parse("522726").unwrap(),
            roles: roles.to_vec(),
            token_actions: None,
        }
    }

    #[test]
    fn only_staff_and_village_officials_edit() {
        let editors: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.allows(Action::EditHouseholds))
            .collect();
        assert_eq!(editors, [Role::OfficeStaff, Role::VillageOfficial]);
        assert!(!Role::Inspector.allows(Action::EditHouseholds));
        assert!(Role::Inspector.allows(Action::ViewHouseholds));
    }

    #[test]
    fn helpers_reach_only_their_paired_households() {
        assert_eq!(
            principal(&[Role::HelperCadre]).household_reach(),
            HouseholdReach::Paired(7)
        );
        assert_eq!(
            principal(&[Role::HelperCadre, Role::VillageOfficial]).household_reach(),
            HouseholdReach::Subtree
        );
        assert_eq!(
            principal(&[Role::Admin]).household_reach(),
            HouseholdReach::Nothing
        );
    }

    #[test]
    fn scopes_reach_only_what_their_constructor_names() {
        let county = AreaCode::parse("522726").unwrap();
        let village = AreaCode::parse("522726100200").unwrap();
        let elsewhere = AreaCode::parse("522727100200").unwrap();
        let staff = Scope::of(&principal(&[Role::OfficeStaff]));
        assert_eq!(staff.territory(), &Territory::Area(county.clone()));
        assert!(staff.contains_area(&village) && !staff.contains_area(&elsewhere));
        assert_eq!(
            Scope::of(&principal(&[Role::HelperCadre])).households(),
            HouseholdReach::Paired(7)
        );
        let nobody = Scope::nobody();
        assert_eq!(nobody.territory(), &Territory::Nowhere);
        assert_eq!(nobody.households(), HouseholdReach::Nothing);
        assert!(!nobody.contains_area(&village));
        assert!(Scope::operator().contains_area(&elsewhere));
        assert!(!Scope::operator_within(Some(county.clone())).contains_area(&elsewhere));
        let card = Scope::public_card(42);
        assert_eq!(card.households(), HouseholdReach::Only(42));
        assert_eq!(
            card.areas(),
            &Territory::Nowhere,
            "a card reaches no area's rows"
        );
        assert!(!card.contains_area(&village));
        assert_eq!(
            staff.without_households().households(),
            HouseholdReach::Nothing
        );
        let narrowed = staff.narrowed_to(&village).unwrap();
        assert_eq!(narrowed.territory(), &Territory::Area(village.clone()));
        assert!(narrowed.narrowed_to(&county).is_none(), "never widens");
        assert!(staff.narrowed_to(&elsewhere).is_none());
        assert!(card.narrowed_to(&village).is_none());
    }

    #[test]
    fn tokens_narrow_what_roles_allow() {
        let mut p = principal(&[Role::OfficeStaff]);
        p.token_actions = Some(vec![Action::ViewHouseholds, Action::ManageUsers]);
        assert!(p.may(Action::ViewHouseholds));
        assert!(!p.may(Action::EditHouseholds), "not granted to the token");
        assert!(!p.may(Action::ManageUsers), "not allowed to the role");
    }

    #[test]
    fn admins_administer_their_subtree_only() {
        let admin = principal(&[Role::Admin]);
        assert!(admin.administers(&AreaCode::parse("522726100").unwrap()));
        assert!(!admin.administers(&AreaCode::parse("522727").unwrap()));
        assert!(!admin.administers(&AreaCode::parse("52").unwrap()));
        assert!(!principal(&[Role::OfficeStaff]).administers(&AreaCode::parse("522726").unwrap()));
    }

    #[test]
    fn masking_follows_the_table() {
        assert!(principal(&[Role::OfficeStaff]).reveals(Sensitive::IdNumber));
        assert!(!principal(&[Role::OfficeLeader]).reveals(Sensitive::IdNumber));
        assert!(principal(&[Role::CallCentre]).reveals(Sensitive::Phone));
        assert!(!principal(&[Role::CallCentre]).reveals(Sensitive::Health));
    }
}
