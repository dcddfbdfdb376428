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
            ),
            Role::OfficeLeader => matches!(
                action,
                ViewAreas | ViewHouseholds | ExportHouseholds | ViewWarnings
            ),
            // they verify the warnings of their village on the spot
            Role::VillageOfficial => matches!(
                action,
                ViewAreas
                    | ViewHouseholds
                    | EditHouseholds
                    | RecordMeasures
                    | ViewWarnings
                    | WorkWarnings
            ),
            // households: only those paired with them (see `Principal::household_reach`); they
            // record what they delivered to them
            Role::HelperCadre => matches!(action, ViewAreas | ViewHouseholds | RecordMeasures),
            Role::Inspector => matches!(
                action,
                ViewAreas | ViewHouseholds | ViewAudit | ViewWarnings
            ),
            Role::CallCentre => matches!(action, ViewAreas | ViewHouseholds),
            // they bring their department's lists and see how a run went, in figures; the
            // warnings name registry members and stay with the poverty office
            Role::DepartmentOfficer => matches!(action, ViewAreas | CompareLists),
            Role::Admin => matches!(action, ViewAreas | ManageUsers | ViewAudit | ManageTokens),
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
    /// None: counts and lists of areas only.
    Nothing,
}

/// The jurisdiction every registry read and write is confined to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Root of the subtree (the user's area); `None`: the whole registry.
    pub area: Option<AreaCode>,
    pub households: HouseholdReach,
}

impl Scope {
    /// The whole registry, for the command line run by the machine's operator.
    pub fn everything() -> Self {
        Self {
            area: None,
            households: HouseholdReach::Subtree,
        }
    }

    /// Whether `area` lies in the scope's subtree.
    pub fn contains_area(&self, area: &AreaCode) -> bool {
        self.area.as_ref().is_none_or(|root| root.contains(area))
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
        Scope {
            area: Some(self.area.clone()),
            households: self.household_reach(),
        }
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
            scope: Scope::everything(),
            disclosure: crate::masking::Disclosure::full(),
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
