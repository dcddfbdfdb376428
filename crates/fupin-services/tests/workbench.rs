//! The start page's counts against real databases: each level sees the cases whose next step is
//! its own (a running notice is not yet the township's, an objection is), nothing of another
//! village, and the latest changes of its own area only.

use chrono::NaiveDate;
use fupin_core::access::{Principal, Role, Scope, Viewer};
use fupin_core::workflow::{Act, Step};
use fupin_core::{AreaCode, AreaLevel};
use fupin_services::audit::Actor;
use fupin_services::cases::{act_on_case, apply_for_identification};
use fupin_services::demo_cases::application;
use fupin_services::sheet::Format;
use fupin_services::workbench::Workbench;

mod common;
use common::{backends, generated, import};

fn who(id: i64, area: &AreaCode, role: Role) -> Principal {
    Principal {
        user_id: id,
        username: format!("{role:?}{id}"),
        area: area.clone(),
        roles: vec![role],
        token_actions: None,
    }
}

async fn bench(db: &fupin_storage::Db, p: &Principal, today: NaiveDate) -> Workbench {
    Workbench::read(db, p, &Viewer::from(p), today)
        .await
        .unwrap()
}

fn ids(rows: &[fupin_storage::CaseRow]) -> Vec<i64> {
    rows.iter().map(|c| c.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_level_counts_the_cases_whose_next_act_is_its_own() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 30, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let model =
            t.db.household(&Scope::operator(), 1)
                .await
                .unwrap()
                .unwrap()
                .household;
        let v = model.village_code.clone();
        let village = who(1, &v, Role::VillageOfficial);
        let township = who(2, &v.ancestor(AreaLevel::Township), Role::OfficeStaff);
        let county = who(3, &v.ancestor(AreaLevel::County), Role::OfficeLeader);
        let actor = Actor::cli();
        let scope = Scope::operator_within(Some(v.ancestor(AreaLevel::County)));
        let day = NaiveDate::from_ymd_opt(2019, 3, 1).unwrap();
        let after = day + chrono::Duration::days(7);

        // two applications: one stays in the village's hands, one goes into its notice
        let mut cases = Vec::new();
        for serial in [11, 12] {
            let new = application(&model, &format!("申请人{serial}"), serial);
            cases.push(
                apply_for_identification(&t.db, &actor, &village, &scope, new, day)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", t.name)),
            );
        }
        let (kept, noticed) = (cases[0], cases[1]);
        let act = |p: &Principal, id: i64, a: Act, d: NaiveDate| {
            let (db, actor, scope, p) = (t.db.clone(), actor.clone(), scope.clone(), p.clone());
            async move {
                act_on_case(&db, &actor, &p, &scope, id, &a, d)
                    .await
                    .unwrap()
            }
        };
        for _ in 0..4 {
            act(&village, noticed, Act::Advance, day).await;
        }

        // the village: both are its to take on (the noticed one only after its notice)
        let b = bench(&t.db, &village, day).await;
        let awaiting = b.awaiting.unwrap();
        assert_eq!(ids(&awaiting.steps), [kept], "{}", t.name);
        assert!(awaiting.objections.is_empty() && !awaiting.capped);
        // the township: nothing while the notice runs, the noticed case once it has run
        let ids_of = |b: Workbench| ids(&b.awaiting.unwrap().steps);
        assert!(
            ids_of(bench(&t.db, &township, day).await).is_empty(),
            "{}",
            t.name
        );
        assert_eq!(
            ids_of(bench(&t.db, &township, after).await),
            [noticed],
            "{}",
            t.name
        );
        assert!(
            ids_of(bench(&t.db, &county, after).await).is_empty(),
            "{}",
            t.name
        );

        // an objection: the township settles it, and no longer sees a step to take
        act(
            &village,
            noticed,
            Act::Object {
                by: "村民".into(),
                reason: "收入不实".into(),
            },
            day,
        )
        .await;
        let b = bench(&t.db, &township, after).await.awaiting.unwrap();
        assert!(b.steps.is_empty(), "{}", t.name);
        assert_eq!(ids(&b.objections), [noticed], "{}", t.name);
        act(
            &township,
            noticed,
            Act::ResolveObjection {
                upheld: false,
                finding: "核实无误".into(),
            },
            day,
        )
        .await;
        // dismissed: the notice runs again from that day, then the township reviews, then the
        // county's turn
        assert_eq!(ids_of(bench(&t.db, &township, after).await), [noticed]);
        assert_eq!(
            act(&township, noticed, Act::Advance, after).await,
            Step::TownshipReviewed
        );
        assert_eq!(
            ids_of(bench(&t.db, &county, after).await),
            [noticed],
            "{}",
            t.name
        );

        // another village sees none of it, and none of this village's changes
        let mut other = None;
        for id in 2..=30 {
            let h =
                t.db.household(&Scope::operator(), id)
                    .await
                    .unwrap()
                    .unwrap()
                    .household;
            if h.village_code != v {
                other = Some(who(4, &h.village_code, Role::VillageOfficial));
                break;
            }
        }
        let other = other.expect("the generated households lie in several villages");
        let b = bench(&t.db, &other, after).await;
        assert!(b.awaiting.unwrap().steps.is_empty(), "{}", t.name);
        let recent = b.recent.unwrap();
        assert!(!recent.is_empty(), "{}: its own imports", t.name);
        assert!(
            recent.iter().all(|c| c.village_code == other.area.as_str()),
            "{}: {recent:?}",
            t.name
        );
        // the village's figures are its own
        let (own, _) = bench(&t.db, &village, after).await.area.unwrap();
        assert_eq!(own.area.code, v, "{}", t.name);
        assert!(own.figures.households > 0);
        t.drop_database().await;
    }
}
