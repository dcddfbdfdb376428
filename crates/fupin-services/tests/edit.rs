//! Editing households from forms, on both databases: saved changes are logged with their
//! reason, a save over a newer version is refused, bad fields are named, members come and go.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use fupin_core::access::Scope;
use fupin_core::codes::{Relation, Sex};
use fupin_core::{AreaCode, CodeList, Field, IdNumber};
use fupin_services::audit::Actor;
use fupin_services::edit::{Departure, Edit, EditError, EditRequest, edit_household};
use fupin_services::sheet::Format;

mod common;
use common::{backends, generated, import};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn cells(pairs: &[(Field, &str)]) -> BTreeMap<Field, String> {
    pairs.iter().map(|(f, v)| (*f, v.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_checked_versioned_and_logged() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 20, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let all = Scope::operator();
        let actor = Actor::cli();
        let id = 3;
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        let v1 = rec.version;
        let edit = |version: i64, edit: Edit, reason: &str| EditRequest {
            household_id: id,
            version,
            edit,
            reason: reason.into(),
        };

        // a household field, saved and logged with its reason
        let phone = Edit::Household(cells(&[(Field::Phone, "13577778888")]));
        let saved = edit_household(
            &t.db,
            &actor,
            &all,
            edit(v1, phone.clone(), "电话变更"),
            today(),
        )
        .await
        .unwrap();
        assert_eq!(saved.version, v1 + 1, "{}", t.name);
        assert_eq!(saved.changes.len(), 1, "{}: {:?}", t.name, saved.changes);
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(rec.household.phone, "13577778888");
        assert_eq!(rec.version, v1 + 1);
        assert_eq!(rec.changes[0].reason, "电话变更");
        assert_eq!(rec.changes[0].actor, actor.name);

        // a second editor still on the first version is refused; nothing changes
        let other = Edit::Household(cells(&[(Field::Phone, "13500000000")]));
        let e = edit_household(&t.db, &actor, &all, edit(v1, other, "另一人修改"), today())
            .await
            .unwrap_err();
        assert!(matches!(e, EditError::Conflict { .. }), "{}: {e}", t.name);
        assert!(e.to_string().contains(&actor.name));
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(
            (rec.household.phone.as_str(), rec.version),
            ("13577778888", v1 + 1)
        );

        // bad fields are named, with the member they concern; nothing is written
        let v = rec.version;
        let bad = Edit::Household(cells(&[
            (Field::Phone, "12"),
            (Field::RegisteredYear, "1890"),
        ]));
        let EditError::Invalid(issues) =
            edit_household(&t.db, &actor, &all, edit(v, bad, "错误"), today())
                .await
                .unwrap_err()
        else {
            panic!("{}: invalid expected", t.name)
        };
        let fields: Vec<Option<Field>> = issues.iter().map(|i| i.field).collect();
        assert!(
            fields.contains(&Some(Field::Phone)),
            "{}: {issues:?}",
            t.name
        );
        assert!(fields.contains(&Some(Field::RegisteredYear)), "{issues:?}");
        assert!(issues.iter().all(|i| i.member.is_none()));
        let wrong_birth = Edit::Member {
            index: 1,
            cells: cells(&[(Field::BirthDate, "1901-01-01")]),
        };
        let EditError::Invalid(issues) =
            edit_household(&t.db, &actor, &all, edit(v, wrong_birth, "错误"), today())
                .await
                .unwrap_err()
        else {
            panic!("invalid expected")
        };
        assert!(
            issues
                .iter()
                .any(|i| i.field == Some(Field::BirthDate) && i.member == Some(1)),
            "{}: {issues:?}",
            t.name
        );
        // every message has its text in a table
        let tables = fupin_services::message_tables();
        assert!(
            issues
                .iter()
                .all(|i| i.message.bilingual(&tables).is_some())
        );
        let no_reason = edit_household(&t.db, &actor, &all, edit(v, phone.clone(), "  "), today())
            .await
            .unwrap_err();
        assert!(matches!(no_reason, EditError::Invalid(_)));
        assert_eq!(t.db.household(&all, id).await.unwrap().unwrap().version, v);

        // a newborn joins; an ID registered in another household is refused
        let head = rec.household.head().unwrap().clone();
        let birth = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let baby_id = IdNumber::compose(&head.id_number.as_str()[..6], birth, 77, Sex::Female);
        let newborn = |id: &str| {
            Edit::AddMember(cells(&[
                (Field::MemberName, "新生儿"),
                (Field::IdNumber, id),
                (Field::Relation, Relation::Granddaughter.zh()),
                (Field::Ethnicity, "汉族"),
                (Field::Education, "学龄前儿童"),
                (Field::Schooling, "非在校生"),
                (Field::Health, "健康"),
                (Field::Labour, "无劳动力"),
                (Field::MigrantWork, "未务工"),
                (Field::MigrantMonths, "0"),
                (Field::MedicalInsurance, "是"),
                (Field::PensionInsurance, "否"),
                (Field::Dibao, "否"),
                (Field::CriticalIllnessInsurance, "是"),
            ]))
        };
        let elsewhere = t.db.household(&all, 5).await.unwrap().unwrap().household;
        let taken = elsewhere.members[0].id_number.to_string();
        let EditError::Invalid(issues) = edit_household(
            &t.db,
            &actor,
            &all,
            edit(v, newborn(&taken), "新增"),
            today(),
        )
        .await
        .unwrap_err() else {
            panic!("invalid expected")
        };
        assert!(
            issues.iter().any(|i| i.field == Some(Field::IdNumber)
                && i.message.to_string().contains(&elsewhere.number)),
            "{}: {issues:?}",
            t.name
        );
        let size = rec.household.members.len();
        let saved = edit_household(
            &t.db,
            &actor,
            &all,
            edit(v, newborn(baby_id.as_str()), "新生儿落户"),
            today(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(rec.household.members.len(), size + 1, "{}", t.name);
        assert!(saved.changes.iter().any(|c| c.field.ends_with(":added")));

        // a member dies: removed, with the date and reason in the log
        let gone = rec.household.members.last().unwrap().name.clone();
        let death = Edit::RemoveMember {
            index: size,
            why: Departure::Death,
            on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        };
        edit_household(
            &t.db,
            &actor,
            &all,
            edit(saved.version, death, "医院死亡证明"),
            today(),
        )
        .await
        .unwrap();
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(rec.household.members.len(), size, "{}", t.name);
        assert!(rec.changes[0].reason.contains("死亡") && rec.changes[0].reason.contains(&gone));
        assert!(rec.changes[0].reason.contains("2026-11-01"));

        // outside the editor's jurisdiction the household does not exist
        let province = if rec.household.village_code.as_str().starts_with("52") {
            "21"
        } else {
            "52"
        };
        let scope = Scope::operator_within(Some(AreaCode::parse(province).unwrap()));
        let e = edit_household(
            &t.db,
            &actor,
            &scope,
            edit(rec.version, phone, "越权"),
            today(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, EditError::NotFound), "{}", t.name);
        t.drop_database().await;
    }
}

/// Splitting moves the chosen members to a new household of the same village; merging moves a
/// household's members into another and closes it. Both sides are logged with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn households_split_and_merge() {
    use fupin_core::codes::HouseholdStatus;
    use fupin_services::restructure::{
        MergeRequest, SplitRequest, merge_households, split_household,
    };
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 40, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let all = Scope::operator();
        let actor = Actor::cli();
        // a household of at least three: two non-heads leave
        let mut id = 0;
        let mut rec = None;
        for i in 1..=40 {
            let r = t.db.household(&all, i).await.unwrap().unwrap();
            if r.household.members.len() >= 3 {
                id = i;
                rec = Some(r);
                break;
            }
        }
        let rec = rec.expect("a household of three");
        let old = &rec.household;
        let leaving: Vec<usize> = (0..old.members.len())
            .filter(|i| old.members[*i].relation != Relation::Head)
            .take(2)
            .collect();
        let number = format!("{}9", old.number);
        let split = |version: i64, members: Vec<usize>, head: usize, number: &str| SplitRequest {
            household_id: id,
            version,
            members,
            new_head: head,
            new_number: number.into(),
            reason: "子女成家分户".into(),
        };
        // refused: the head leaving, everyone leaving, an existing number
        let head = old
            .members
            .iter()
            .position(|m| m.relation == Relation::Head)
            .unwrap();
        for bad in [
            split(rec.version, vec![head], head, &number),
            split(
                rec.version,
                (0..old.members.len()).collect(),
                leaving[0],
                &number,
            ),
            split(rec.version, leaving.clone(), leaving[0], &old.number),
        ] {
            let e = split_household(&t.db, &actor, &all, bad, today())
                .await
                .unwrap_err();
            assert!(matches!(e, EditError::Invalid(_)), "{}: {e}", t.name);
        }
        let new_id = split_household(
            &t.db,
            &actor,
            &all,
            split(rec.version, leaving.clone(), leaving[0], &number),
            today(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        let a = t.db.household(&all, id).await.unwrap().unwrap();
        let b = t.db.household(&all, new_id).await.unwrap().unwrap();
        assert_eq!(
            a.household.members.len(),
            old.members.len() - 2,
            "{}",
            t.name
        );
        assert_eq!(b.household.members.len(), 2);
        assert_eq!(b.household.number, number);
        assert_eq!(b.household.village_code, old.village_code);
        assert_eq!(
            b.household.head().unwrap().name,
            old.members[leaving[0]].name
        );
        assert!(a.changes[0].reason.contains("分户") && a.changes[0].reason.contains(&number));
        assert!(b.changes[0].reason.contains(&old.number));
        // a stale split is refused
        let e = split_household(
            &t.db,
            &actor,
            &all,
            split(rec.version, leaving.clone(), leaving[0], "X1"),
            today(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, EditError::Conflict { .. }), "{}", t.name);

        // merge the new household back: its members return, it is closed and empty
        let merge = MergeRequest {
            into_id: id,
            into_version: a.version,
            from_number: number.clone(),
            reason: "合户".into(),
        };
        merge_households(&t.db, &actor, &all, merge, today())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        let a = t.db.household(&all, id).await.unwrap().unwrap();
        let b = t.db.household(&all, new_id).await.unwrap().unwrap();
        assert_eq!(a.household.members.len(), old.members.len(), "{}", t.name);
        assert!(b.household.members.is_empty());
        assert_eq!(b.household.status, HouseholdStatus::Closed);
        assert!(a.changes[0].reason.contains("合户") && b.changes[0].reason.contains("合户"));
        // the village's figures count the people once
        let figures =
            t.db.area_children(
                &all,
                Some(&old.village_code.ancestor(fupin_core::AreaLevel::Township)),
                fupin_storage::FigureYear::Now,
            )
            .await
            .unwrap();
        let village = figures
            .iter()
            .find(|c| c.area.code == old.village_code)
            .unwrap();
        t.db.rebuild_figures().await.unwrap();
        let rebuilt =
            t.db.area_children(
                &all,
                Some(&old.village_code.ancestor(fupin_core::AreaLevel::Township)),
                fupin_storage::FigureYear::Now,
            )
            .await
            .unwrap();
        let again = rebuilt
            .iter()
            .find(|c| c.area.code == old.village_code)
            .unwrap();
        assert_eq!(village.figures, again.figures, "{}", t.name);
        t.drop_database().await;
    }
}
