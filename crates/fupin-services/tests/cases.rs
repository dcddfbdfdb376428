//! Procedures against real databases: a household identified through every step lands in the
//! registry (assessed), then exits through its own procedure; each act is recorded; wrong actors
//! and early notice closes are refused.

use chrono::{Datelike, NaiveDate};
use fupin_core::access::{Principal, Role, Scope};
use fupin_core::codes::HouseholdStatus;
use fupin_core::workflow::{Act, Procedure, Refusal, Step};
use fupin_core::{AreaCode, AreaLevel, Field, IdNumber};
use fupin_services::audit::Actor;
use fupin_services::cases::{
    CaseError, HouseholdCase, act_on_case, apply_for_identification, open_for_household,
};
use fupin_services::edit::{NewHousehold, form_cells};
use fupin_services::sheet::Format;

mod common;
use common::{backends, generated, import};

fn who(area: &AreaCode, role: Role) -> Principal {
    Principal {
        user_id: 1,
        username: format!("{role:?}"),
        area: area.clone(),
        roles: vec![role],
        token_actions: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identification_then_exit_through_every_step() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 20, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let all = Scope::operator();
        let model = t.db.household(&all, 1).await.unwrap().unwrap().household;
        let village_code = model.village_code.clone();
        let village = who(&village_code, Role::VillageOfficial);
        let township = who(
            &village_code.ancestor(AreaLevel::Township),
            Role::OfficeStaff,
        );
        let county = who(
            &village_code.ancestor(AreaLevel::County),
            Role::OfficeLeader,
        );
        let actor = Actor::cli();
        let scope = Scope::operator_within(Some(village_code.ancestor(AreaLevel::County)));

        // the village records an application for a household not yet registered
        let (mut household, members) = form_cells(&model);
        household.insert(Field::Status, "未脱贫".into());
        household.insert(Field::ExitYear, String::new());
        let mut head = members[0].clone();
        let birth = NaiveDate::from_ymd_opt(1975, 6, 1).unwrap();
        let id_number = IdNumber::compose(
            village_code.county6(),
            birth,
            373,
            fupin_core::codes::Sex::Male,
        );
        head.insert(Field::MemberName, "申请人甲".into());
        head.insert(Field::IdNumber, id_number.to_string());
        head.insert(Field::BirthDate, "1975-06-01".into());
        head.insert(Field::Sex, "男".into());
        head.insert(Field::Labour, "普通劳动力".into());
        let number = format!("{}9901", village_code);
        let new = NewHousehold {
            village: village_code.clone(),
            number: number.clone(),
            household,
            head,
            reason: "农户申请".into(),
        };
        let today = NaiveDate::from_ymd_opt(2019, 3, 1).unwrap();
        // only the village opens it
        let refused =
            apply_for_identification(&t.db, &actor, &township, &scope, new.clone(), today).await;
        assert!(matches!(refused, Err(CaseError::Refused(_))), "{}", t.name);
        let case_id = apply_for_identification(&t.db, &actor, &village, &scope, new, today)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));

        let act = |p: &Principal, day: NaiveDate| {
            let db = t.db.clone();
            let (actor, scope, p) = (actor.clone(), scope.clone(), p.clone());
            async move { act_on_case(&db, &actor, &p, &scope, case_id, &Act::Advance, day).await }
        };
        for step in [Step::Visited, Step::Compared, Step::Appraised, Step::Notice] {
            assert_eq!(act(&village, today).await.unwrap(), step, "{}", t.name);
        }
        // the notice runs its days (7 by default); the village cannot review for the township
        let e = act(&township, today).await.unwrap_err();
        assert!(
            matches!(e, CaseError::Refused(Refusal::NoticeRunning { .. })),
            "{}: {e}",
            t.name
        );
        let later = today + chrono::Duration::days(7);
        assert!(act(&village, later).await.is_err());
        assert_eq!(act(&township, later).await.unwrap(), Step::TownshipReviewed);
        assert_eq!(act(&county, later).await.unwrap(), Step::CountyApproved);
        assert_eq!(act(&village, later).await.unwrap(), Step::Announced);

        // registered, poor, assessed; every act in the case's history
        let id =
            t.db.household_id(&all, &number)
                .await
                .unwrap()
                .expect("registered");
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(rec.household.status, HouseholdStatus::Poor);
        assert_eq!(rec.household.registered_year, 2019);
        assert!(
            !t.db
                .household_assessments(&all, id)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            t.name
        );
        let events = t.db.case_events(&all, case_id).await.unwrap();
        assert_eq!(events.len(), 8, "{}: open + 7 acts", t.name);
        // read by id, the events still keep to the reader's jurisdiction
        let elsewhere = Scope::operator_within(Some(AreaCode::parse("110101").unwrap()));
        for outside in [elsewhere, Scope::nobody(), Scope::public_card(id)] {
            let none = t.db.case_events(&outside, case_id).await.unwrap();
            assert!(
                none.is_empty(),
                "{}: {outside:?} reads a case's events",
                t.name
            );
        }
        assert_eq!(events.last().unwrap().step_after, "announced");
        let case = t.db.case(&scope, case_id).await.unwrap().unwrap();
        assert_eq!(case.household_id, Some(id));
        assert!(matches!(
            act(&village, later).await,
            Err(CaseError::Refused(Refusal::Closed(_)))
        ));

        // then it exits through its own procedure
        let exit = open_for_household(
            &t.db,
            &actor,
            &village,
            &scope,
            HouseholdCase {
                procedure: Procedure::Exit,
                household_id: id,
                category: None,
                note: "收入稳定超过标准".into(),
                today: NaiveDate::from_ymd_opt(2020, 10, 1).unwrap(),
            },
        )
        .await
        .unwrap();
        let act_exit = |p: &Principal, day: NaiveDate| {
            let db = t.db.clone();
            let (actor, scope, p) = (actor.clone(), scope.clone(), p.clone());
            async move { act_on_case(&db, &actor, &p, &scope, exit, &Act::Advance, day).await }
        };
        let d = NaiveDate::from_ymd_opt(2020, 10, 1).unwrap();
        for _ in 0..3 {
            act_exit(&village, d).await.unwrap();
        }
        let d2 = d + chrono::Duration::days(7);
        act_exit(&township, d2).await.unwrap();
        act_exit(&county, d2).await.unwrap();
        assert_eq!(act_exit(&village, d2).await.unwrap(), Step::Announced);
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(rec.household.status, HouseholdStatus::ExitedWithPolicy);
        assert_eq!(rec.household.exit_year, Some(2020));
        assert!(rec.changes[0].reason.contains("贫困户退出"));

        // monitored as unstable (the monitoring era: a 5-day notice); risk elimination waits six
        // months, then may start
        let m = NaiveDate::from_ymd_opt(2021, 3, 1).unwrap();
        let entry = open_for_household(
            &t.db,
            &actor,
            &village,
            &scope,
            HouseholdCase {
                procedure: Procedure::MonitoringEntry,
                household_id: id,
                category: Some(fupin_core::codes::MonitoringCategory::Unstable),
                note: "收入骤降".into(),
                today: m,
            },
        )
        .await
        .unwrap();
        let m5 = m + chrono::Duration::days(5);
        let steps = [
            (&village, m),
            (&village, m),
            (&village, m),
            (&village, m),
            (&township, m5),
            (&county, m5),
            (&village, m5),
        ];
        for (p, day) in steps {
            act_on_case(&t.db, &actor, p, &scope, entry, &Act::Advance, day)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        }
        let rec = t.db.household(&all, id).await.unwrap().unwrap();
        assert_eq!(
            rec.household.monitoring,
            Some(fupin_core::codes::MonitoringCategory::Unstable)
        );
        let removal = |today: NaiveDate| HouseholdCase {
            procedure: Procedure::MonitoringRemoval,
            household_id: id,
            category: None,
            note: "收入恢复".into(),
            today,
        };
        // the entry was announced today (the database's clock): six months from now it may start
        let now = chrono::Local::now().date_naive();
        let early = open_for_household(&t.db, &actor, &village, &scope, removal(now)).await;
        assert!(
            matches!(
                early,
                Err(CaseError::Refused(Refusal::MonitoredTooShort { .. }))
            ),
            "{}: {early:?}",
            t.name
        );
        // six months on, still no measure delivered while monitored: refused
        let later = now + chrono::Duration::days(190);
        let bare = open_for_household(&t.db, &actor, &village, &scope, removal(later)).await;
        assert!(
            matches!(bare, Err(CaseError::Refused(Refusal::NoMeasure))),
            "{}: {bare:?}",
            t.name
        );
        // a measure delivered (an employment subsidy) after the entry: it may start
        let catalogue = fupin_services::measures::catalogue_for_run(&t.db, None)
            .await
            .unwrap();
        let measure = catalogue
            .measures
            .iter()
            .find(|m| m.per == fupin_core::measures::Per::Household)
            .unwrap();
        let delivery = fupin_services::measures::NewDelivery {
            household_number: rec.household.number.clone(),
            measure_code: measure.code.clone(),
            member_id_number: String::new(),
            year: now.year(),
            delivered_on: now,
            amount: None,
            unit: measure.department.clone(),
            evidence: "发放记录".into(),
        };
        fupin_services::measures::record(&t.db, &scope, &catalogue, &actor, &[(1, delivery)])
            .await
            .unwrap();
        open_for_household(&t.db, &actor, &village, &scope, removal(later))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        t.drop_database().await;
    }
}
