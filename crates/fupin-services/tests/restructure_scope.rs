//! Writes from the console tell nothing of what exists outside the editor's jurisdiction (issue
//! 24, item 3), on both databases: splitting, merging, registering a household and adding a
//! member answer a number of another province exactly as a number that exists nowhere, a new
//! household's number must start with its village's code, and a real collision inside the
//! jurisdiction is still refused.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use fupin_core::access::Scope;
use fupin_core::codes::{Relation, Sex};
use fupin_core::{AreaCode, AreaLevel, CodeList, Field, Household, IdNumber};
use fupin_services::audit::Actor;
use fupin_services::edit::{
    Edit, EditError, EditRequest, NewHousehold, create_household, edit_household, form_cells,
};
use fupin_services::restructure::{MergeRequest, SplitRequest, merge_households, split_household};
use fupin_services::sheet::Format;

mod common;
use common::{backends, generated, import};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// The messages of a refusal, with `number` written as `N` (the one thing allowed to differ
/// between two refusals of two numbers).
fn refusal(e: EditError, number: &str) -> Vec<String> {
    match e {
        EditError::Invalid(issues) => issues
            .into_iter()
            .map(|i| {
                let text = i.message.bilingual(&fupin_services::message_tables());
                text.unwrap_or_default().replace(number, "N")
            })
            .collect(),
        e => vec![format!("{e:?}")],
    }
}

/// A number shaped like `taken` (same village prefix and length) that no household has.
fn unused_like(taken: &str, all: &[Household]) -> String {
    let prefix = &taken[..12];
    (1..)
        .map(|n: u32| format!("{prefix}{:0>width$}", 9000 + n, width = taken.len() - 12))
        .find(|c| all.iter().all(|h| h.number != *c))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_outside_the_jurisdiction_is_confirmed_by_a_write() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 60, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let everything = Scope::operator();
        let mut all = Vec::new();
        for id in 1..=60 {
            if let Some(r) = t.db.household(&everything, id).await.unwrap() {
                all.push((id, r.version, r.household));
            }
        }
        // the editor: a county office; the household split has a member who is not its head
        let (id, version, home) = all
            .iter()
            .find(|(_, _, h)| {
                h.members
                    .iter()
                    .filter(|m| m.relation != Relation::Head)
                    .count()
                    >= 2
            })
            .cloned()
            .expect("a household of three");
        let county = home.village_code.ancestor(AreaLevel::County);
        let scope = Scope::operator_within(Some(county.clone()));
        let (_, _, far) = all
            .iter()
            .find(|(_, _, h)| h.village_code.as_str()[..2] != home.village_code.as_str()[..2])
            .cloned()
            .expect("a household of another province");
        let households: Vec<Household> = all.iter().map(|(_, _, h)| h.clone()).collect();
        let nowhere = unused_like(&far.number, &households);
        let actor = Actor::cli();
        let leaving = home
            .members
            .iter()
            .position(|m| m.relation != Relation::Head)
            .unwrap();
        let split = |number: &str| SplitRequest {
            household_id: id,
            version,
            members: vec![leaving],
            new_head: leaving,
            new_number: number.into(),
            reason: "子女成家分户".into(),
        };

        // a split into another province's number: the same answer whether it is taken or not,
        // and that answer is about the village's code, not about the number
        let taken = split_household(&t.db, &actor, &scope, split(&far.number), today())
            .await
            .unwrap_err();
        let free = split_household(&t.db, &actor, &scope, split(&nowhere), today())
            .await
            .unwrap_err();
        let taken = refusal(taken, &far.number);
        assert_eq!(taken, refusal(free, &nowhere), "{}", t.name);
        assert!(
            taken[0].contains("须以本村区划代码") && taken[0].contains(home.village_code.as_str()),
            "{}: {taken:?}",
            t.name
        );
        // another township's prefix (a village that exists or not) is refused the same way
        let township = home.village_code.ancestor(AreaLevel::Township);
        let elsewhere_in_county = all
            .iter()
            .map(|(_, _, h)| &h.village_code)
            .find(|v| county.contains(v) && !township.contains(v))
            .cloned()
            .unwrap_or_else(|| {
                let code = format!("{}{}", &county.as_str()[..6], "199201");
                AreaCode::parse(&code).unwrap()
            });
        for prefix in [
            elsewhere_in_county.as_str(),
            &format!("{}999", township.prefix()),
        ] {
            let number = format!("{prefix}0001");
            let e = split_household(&t.db, &actor, &scope, split(&number), today())
                .await
                .unwrap_err();
            let why = refusal(e, &number);
            assert!(
                why[0].contains("须以本村区划代码"),
                "{}: {number} {why:?}",
                t.name
            );
        }
        let rec = t.db.household(&everything, id).await.unwrap().unwrap();
        assert_eq!(rec.version, version, "{}: nothing written", t.name);

        // the village's own number: split off; the same number again is a collision, refused
        let own = format!("{}9001", home.village_code);
        let new_id = split_household(&t.db, &actor, &scope, split(&own), today())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        let rec = t.db.household(&everything, id).await.unwrap().unwrap();
        let stay = rec
            .household
            .members
            .iter()
            .position(|m| m.relation != Relation::Head)
            .unwrap();
        let again = SplitRequest {
            version: rec.version,
            members: vec![stay],
            new_head: stay,
            ..split(&own)
        };
        let e = split_household(&t.db, &actor, &scope, again, today())
            .await
            .unwrap_err();
        let why = refusal(e, &own);
        assert!(why[0].contains("已被使用"), "{}: {why:?}", t.name);

        // a merge with another province's household and with one that exists nowhere: one
        // answer; with the household just split off (inside): done
        let merge = |version: i64, number: &str| MergeRequest {
            into_id: id,
            into_version: version,
            from_number: number.into(),
            reason: "合户".into(),
        };
        let taken = merge_households(
            &t.db,
            &actor,
            &scope,
            merge(rec.version, &far.number),
            today(),
        )
        .await
        .unwrap_err();
        let free = merge_households(&t.db, &actor, &scope, merge(rec.version, &nowhere), today())
            .await
            .unwrap_err();
        let taken = refusal(taken, &far.number);
        assert_eq!(taken, refusal(free, &nowhere), "{}", t.name);
        assert!(taken[0].contains("管辖范围内没有"), "{}: {taken:?}", t.name);
        merge_households(&t.db, &actor, &scope, merge(rec.version, &own), today())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        let joined = t.db.household(&everything, new_id).await.unwrap().unwrap();
        assert!(joined.household.members.is_empty(), "{}", t.name);

        // a newborn given an ID number registered in another province: refused without saying
        // where; one registered inside: the household is named, as before
        let rec = t.db.household(&everything, id).await.unwrap().unwrap();
        let add = |version: i64, id_number: &str| EditRequest {
            household_id: id,
            version,
            edit: Edit::AddMember(newborn(id_number)),
            reason: "新生儿落户".into(),
        };
        let far_id = far.members[0].id_number.to_string();
        let e = edit_household(&t.db, &actor, &scope, add(rec.version, &far_id), today())
            .await
            .unwrap_err();
        let why = refusal(e, &far_id).join(" ");
        assert!(why.contains("已在其他地方登记"), "{}: {why}", t.name);
        for mark in [far.number.as_str(), &far.village_code.as_str()[..6]] {
            assert!(!why.contains(mark), "{}: {mark} named in {why}", t.name);
        }
        let near = all
            .iter()
            .find(|(other, _, h)| *other != id && county.contains(&h.village_code))
            .map(|(_, _, h)| h.clone())
            .expect("another household of the county");
        let near_id = near.members[0].id_number.to_string();
        let e = edit_household(&t.db, &actor, &scope, add(rec.version, &near_id), today())
            .await
            .unwrap_err();
        let why = refusal(e, &near_id).join(" ");
        assert!(why.contains(&near.number), "{}: {why}", t.name);

        // a household registered under another province's number, taken or not: one answer
        let register = |number: &str| {
            let (mut household, members) = form_cells(&home);
            household.insert(Field::Status, "未脱贫".into());
            household.insert(Field::ExitYear, String::new());
            let mut head = members[0].clone();
            let birth = NaiveDate::from_ymd_opt(1975, 6, 1).unwrap();
            let id_number = IdNumber::compose(home.village_code.county6(), birth, 373, Sex::Male);
            head.insert(Field::MemberName, "申请人甲".into());
            head.insert(Field::IdNumber, id_number.to_string());
            head.insert(Field::BirthDate, "1975-06-01".into());
            head.insert(Field::Sex, "男".into());
            head.insert(Field::Labour, "普通劳动力".into());
            NewHousehold {
                village: home.village_code.clone(),
                number: number.into(),
                household,
                head,
                reason: "新识别".into(),
            }
        };
        let taken = create_household(&t.db, &actor, &scope, register(&far.number), today())
            .await
            .unwrap_err();
        let free = create_household(&t.db, &actor, &scope, register(&nowhere), today())
            .await
            .unwrap_err();
        let taken = refusal(taken, &far.number);
        assert_eq!(taken, refusal(free, &nowhere), "{}", t.name);
        assert!(
            taken.join(" ").contains("须以本村区划代码"),
            "{}: {taken:?}",
            t.name
        );
        t.drop_database().await;
    }
}

fn newborn(id_number: &str) -> BTreeMap<Field, String> {
    [
        (Field::MemberName, "新生儿"),
        (Field::IdNumber, id_number),
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
    ]
    .into_iter()
    .map(|(f, v)| (f, v.to_string()))
    .collect()
}
