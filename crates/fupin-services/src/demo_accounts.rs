//! The demo's accounts: one per kind of user, placed along one real chain of areas (province →
//! city → county → township → village) of the demo registry, and a helper cadre paired with
//! households of that village. Created once; running the demo again leaves them as they are.

use anyhow::{Context, Result};
use fupin_core::access::{Role, Scope};
use fupin_core::{AreaCode, AreaLevel};
use fupin_storage::Db;

use crate::accounts::{AccountForm, add_user};
use crate::audit::Actor;

/// The password of every demo account (printed by `fupin demo`; a demo holds generated data).
pub const DEMO_PASSWORD: &str = "fupin-demo-2020";
/// Households the demo helper cadre is paired with.
pub const HELPER_HOUSEHOLDS: i64 = 4;

/// A demo account as printed for the person trying the platform.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: &'static str,
    pub real_name: &'static str,
    pub role: Role,
    pub area: AreaCode,
    pub area_name: String,
}

/// (username, real name, role, level of the area it is bound to)
const ACCOUNTS: &[(&str, &str, Role, AreaLevel)] = &[
    ("admin", "管晓明", Role::Admin, AreaLevel::Province),
    (
        "province",
        "省扶贫办 王建国",
        Role::OfficeStaff,
        AreaLevel::Province,
    ),
    (
        "city",
        "市扶贫办 李振华",
        Role::OfficeLeader,
        AreaLevel::City,
    ),
    (
        "county",
        "县扶贫办 张丽",
        Role::OfficeStaff,
        AreaLevel::County,
    ),
    (
        "township",
        "乡镇扶贫站 刘洋",
        Role::OfficeStaff,
        AreaLevel::Township,
    ),
    (
        "village",
        "第一书记 陈静",
        Role::VillageOfficial,
        AreaLevel::Village,
    ),
    (
        "helper",
        "帮扶干部 杨帆",
        Role::HelperCadre,
        AreaLevel::Village,
    ),
    (
        "inspector",
        "督查组 赵刚",
        Role::Inspector,
        AreaLevel::County,
    ),
    (
        "callcentre",
        "呼叫中心 孙悦",
        Role::CallCentre,
        AreaLevel::Province,
    ),
    (
        "department",
        "县民政局 周强",
        Role::DepartmentOfficer,
        AreaLevel::County,
    ),
];

/// The demo accounts' usernames, one per kind of user, from the province down.
pub fn usernames() -> impl Iterator<Item = &'static str> {
    ACCOUNTS.iter().map(|(username, ..)| *username)
}

/// Creates the demo accounts where missing, along the areas of the registry's first household,
/// and pairs the helper with the first households of that village.
pub async fn ensure(db: &Db) -> Result<Vec<DemoAccount>> {
    let everything = Scope::operator();
    let first = db
        .household(&everything, 1)
        .await?
        .context("the demo registry is empty")?;
    let village = first.household.village_code.clone();
    let path = db.area_path(&village).await?;
    let actor = Actor {
        principal: None,
        name: "demo".into(),
        client_addr: "local".into(),
    };
    let mut out = Vec::new();
    for (username, real_name, role, level) in ACCOUNTS {
        let area = path
            .iter()
            .find(|a| a.level == *level)
            .with_context(|| format!("no {level:?} above village {village}"))?;
        if db.user_with_hash(username).await?.is_none() {
            let form = AccountForm {
                username: username.to_string(),
                real_name: real_name.to_string(),
                area: area.code.clone(),
                phone: "13800000000".into(),
                roles: vec![*role],
                password: DEMO_PASSWORD.into(),
            };
            add_user(db, &actor, form, false).await?;
        }
        out.push(DemoAccount {
            username,
            real_name,
            role: *role,
            area: area.code.clone(),
            area_name: area.name.clone(),
        });
    }
    let (helper, _) = db
        .user_with_hash("helper")
        .await?
        .context("the demo helper account is missing")?;
    let (paired, _) = db
        .household_list(&everything, &village, 0, HELPER_HOUSEHOLDS)
        .await?;
    for h in paired {
        db.pair_helper(helper.id, h.id).await?;
    }
    Ok(out)
}
