//! The demo's cases: identification applications in the demo accounts' village standing at
//! each stage — just applied, in a notice that has run, in a notice with an objection, reviewed
//! by the township — so that the start pages of the village, the township and the county open
//! with work waiting. Opened once, by the demo's own people; running the demo again adds none.

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use fupin_core::access::{Principal, Scope};
use fupin_core::codes::Sex;
use fupin_core::workflow::Act;
use fupin_core::{AreaCode, AreaLevel, Field, Household, IdNumber};
use fupin_storage::Db;

use crate::audit::Actor;
use crate::cases::{act_on_case, apply_for_identification};
use crate::edit::{NewHousehold, form_cells};

/// The applicants, each with where their case is left.
const APPLICANTS: [(&str, Stage); 4] = [
    ("杨桂兰", Stage::Applied),
    ("刘德胜", Stage::NoticeRun),
    ("周秀英", Stage::Objected),
    ("吴国平", Stage::TownshipReviewed),
];

#[derive(Clone, Copy)]
enum Stage {
    Applied,
    /// Its notice posted long enough ago to have run: the township's to review.
    NoticeRun,
    /// In its notice, with an objection for the township to settle.
    Objected,
    TownshipReviewed,
}

/// One of the demo's people, acting as themselves.
async fn demo_person(db: &Db, username: &str) -> Result<Principal> {
    let (user, _) = db
        .user_with_hash(username)
        .await?
        .with_context(|| format!("the demo account {username} is missing"))?;
    Ok(user.principal())
}

/// An application for a household modelled on `model` (its village, its kind of cells), with
/// a head of its own named `name`: numbered `{village}98{serial}`, the head's ID number made
/// from `serial` (below 100; distinct serials make distinct applicants).
pub fn application(model: &Household, name: &str, serial: u16) -> NewHousehold {
    let (mut household, members) = form_cells(model);
    household.insert(Field::Status, "未脱贫".into());
    household.insert(Field::ExitYear, String::new());
    let mut head = members.first().cloned().unwrap_or_default();
    let birth = NaiveDate::from_ymd_opt(1968 + i32::from(serial % 20), 3, 1).expect("a date");
    let id = IdNumber::compose(model.village_code.county6(), birth, 400 + serial, Sex::Male);
    head.insert(Field::MemberName, name.into());
    head.insert(Field::IdNumber, id.to_string());
    head.insert(Field::BirthDate, fupin_core::date::iso(birth));
    head.insert(Field::Sex, "男".into());
    head.insert(Field::Labour, "普通劳动力".into());
    NewHousehold {
        village: model.village_code.clone(),
        number: format!("{}98{serial:02}", model.village_code),
        household,
        head,
        reason: "农户本人申请，村民小组评议".into(),
    }
}

/// Opens the demo's cases in the village of household 1, unless it already has cases.
pub async fn ensure(db: &Db, today: NaiveDate) -> Result<()> {
    let model = db
        .household(&Scope::operator(), 1)
        .await?
        .context("the demo registry is empty")?
        .household;
    let village: AreaCode = model.village_code.clone();
    let county_scope = Scope::operator_within(Some(village.ancestor(AreaLevel::County)));
    if !db
        .cases_within(&Scope::operator_within(Some(village.clone())), 1)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let official = demo_person(db, "village").await?;
    let township = demo_person(db, "township").await?;
    let actor_of = |p: &Principal| Actor::user(p.clone(), "demo");
    // the notices that have run were posted three weeks ago
    let earlier = today - Duration::days(21);
    for (serial, (name, stage)) in (1u16..).zip(APPLICANTS) {
        let opened = match stage {
            Stage::Applied => today,
            _ => earlier,
        };
        let new = application(&model, name, serial);
        let id = apply_for_identification(
            db,
            &actor_of(&official),
            &official,
            &county_scope,
            new,
            opened,
        )
        .await?;
        let act = |who: &Principal, act: Act, day: NaiveDate| {
            let (actor, who) = (actor_of(who), who.clone());
            let scope = county_scope.clone();
            async move { act_on_case(db, &actor, &who, &scope, id, &act, day).await }
        };
        if matches!(stage, Stage::Applied) {
            continue;
        }
        // visited, compared, appraised, into the notice
        let notice_from = match stage {
            Stage::Objected => today,
            _ => earlier,
        };
        for _ in 0..4 {
            act(&official, Act::Advance, notice_from).await?;
        }
        match stage {
            Stage::Objected => {
                let objection = Act::Object {
                    by: "同组村民".into(),
                    reason: "反映其子女在县城有商品房，请核实".into(),
                };
                act(&official, objection, today).await?;
            }
            Stage::TownshipReviewed => {
                act(&township, Act::Advance, today).await?;
            }
            _ => {}
        }
    }
    Ok(())
}
