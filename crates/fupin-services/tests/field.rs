//! Field work against real databases: the "one helps four" limit and a change of helper kept as
//! history; visits recorded once per client id with their tallies, refused outside the helper's
//! households or with bad photos, flagged by distance; the month's summaries and the households
//! nobody visited.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fupin_core::access::{Principal, Role, Scope};
use fupin_core::field::VisitFlag;
use fupin_core::{AreaCode, AreaLevel, GeoPoint};
use fupin_services::audit::Actor;
use fupin_services::error::ServiceError;
use fupin_services::field::pairing::{self, HelperForm, Paired};
use fupin_services::field::visits::{VisitUpload, record_visit};
use fupin_services::field::{PhotoStore, summaries};
use fupin_services::sheet::Format;
use fupin_storage::Db;
use fupin_storage::accounts::NewUser;

mod common;
use common::{backends, generated, import};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn form(area: &AreaCode, name: &str, phone: &str) -> HelperForm {
    HelperForm {
        area: area.clone(),
        name: name.into(),
        phone: phone.into(),
        unit: "县教育局".into(),
        unit_level: None,
        post: "干部".into(),
        user_id: None,
    }
}

fn refused_with(e: ServiceError, key: &str) {
    match e {
        ServiceError::Refused(m) if m.key == key => {}
        ServiceError::Invalid(issues) if issues.iter().any(|i| i.message.key == key) => {}
        other => panic!("expected {key}, got {other:?}"),
    }
}

/// The households of the county of household 1, with their villages and locations.
async fn county_households(db: &Db) -> (AreaCode, Vec<(i64, AreaCode, Option<GeoPoint>)>) {
    let op = Scope::operator();
    let first = db.household(&op, 1).await.unwrap().unwrap().household;
    let county = first.village_code.ancestor(AreaLevel::County);
    let mut out = Vec::new();
    for id in 1..=60 {
        if let Some(r) = db.household(&op, id).await.unwrap() {
            let h = r.household;
            if county.contains(&h.village_code) {
                out.push((id, h.village_code.clone(), h.location));
            }
        }
    }
    (county, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_helper_takes_four_households_and_a_change_keeps_the_history() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            import(&t.db, &generated(dir.path(), 60, Format::Csv), false)
                .await
                .committed
        );
        let (county, hs) = county_households(&t.db).await;
        assert!(
            hs.len() >= 6,
            "{}: {} households in the county",
            t.name,
            hs.len()
        );
        let scope = Scope::operator_within(Some(county.clone()));
        let actor = Actor::cli();
        let today = day("2026-06-01");
        let a = pairing::create_helper(
            &t.db,
            &scope,
            &actor,
            &form(&hs[0].1, "王芳", "13812345678"),
        )
        .await
        .unwrap();
        let b = pairing::create_helper(&t.db, &scope, &actor, &form(&county, "李强", ""))
            .await
            .unwrap();
        for (id, _, _) in &hs[..4] {
            let done = pairing::pair(&t.db, &scope, &actor, *id, a, day("2020-01-01"), today).await;
            assert_eq!(done.unwrap(), Paired::New, "{}", t.name);
        }
        // the fifth household of four is refused, with the limit in the message
        let e = pairing::pair(&t.db, &scope, &actor, hs[4].0, a, day("2020-01-01"), today)
            .await
            .unwrap_err();
        refused_with(e, "pairing.limit");
        // the helper's area widened to hold every household paired with them
        let helper = t.db.helper(&scope, a).await.unwrap().unwrap();
        assert_eq!(helper.households, 4);
        let area = AreaCode::parse(&helper.area_code).unwrap();
        assert!(
            hs[..4].iter().all(|(_, v, _)| area.contains(v)),
            "{}",
            t.name
        );

        // a change of helper ends the old row the day before and keeps it
        let changed =
            pairing::pair(&t.db, &scope, &actor, hs[0].0, b, day("2026-03-01"), today).await;
        assert_eq!(changed.unwrap(), Paired::Changed);
        let history =
            t.db.reader()
                .await
                .unwrap()
                .pairings_of_household(&scope, hs[0].0)
                .await
                .unwrap();
        assert_eq!(history.len(), 2, "{}", t.name);
        assert_eq!(
            (history[0].helper_id, history[0].ended_on.as_deref()),
            (b, None)
        );
        assert_eq!(history[0].started_on, "2026-03-01");
        assert_eq!(
            (history[1].helper_id, history[1].ended_on.as_deref()),
            (a, Some("2026-02-28"))
        );
        // the place it freed is taken
        pairing::pair(&t.db, &scope, &actor, hs[4].0, a, day("2026-03-01"), today)
            .await
            .unwrap();
        // no pairing from the future, none of the same helper twice, none outside the scope
        let e = pairing::pair(&t.db, &scope, &actor, hs[5].0, b, day("2026-06-02"), today).await;
        refused_with(e.unwrap_err(), "pairing.future");
        let e = pairing::pair(&t.db, &scope, &actor, hs[0].0, b, today, today).await;
        refused_with(e.unwrap_err(), "pairing.already");
        let elsewhere = Scope::operator_within(Some(AreaCode::parse("110101001001").unwrap()));
        let e = pairing::pair(&t.db, &elsewhere, &actor, hs[5].0, b, today, today).await;
        assert!(matches!(e, Err(ServiceError::NotFound)), "{}", t.name);
        // the area lists the households still without a helper
        let (unpaired, n) =
            t.db.unpaired_households(&scope, &county, 100, 0)
                .await
                .unwrap();
        assert_eq!(n as usize, hs.len() - 5, "{}", t.name);
        assert!(
            unpaired
                .iter()
                .all(|h| !hs[..5].iter().any(|(id, _, _)| *id == h.id))
        );
        t.drop_database().await;
    }
}

/// A tiny JPEG's first bytes (enough for the signature check).
fn jpeg(tag: u8) -> Vec<u8> {
    let mut b = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, tag,
    ];
    b.resize(2048, tag);
    b
}

fn upload(
    client: u32,
    household: i64,
    at: &str,
    place: Option<GeoPoint>,
    photos: Vec<Vec<u8>>,
) -> VisitUpload {
    VisitUpload {
        client_id: format!("00000000-0000-4000-8000-{client:012}"),
        household_id: household,
        visited_at: at.into(),
        lat: place.map(|p| p.lat),
        lon: place.map(|p| p.lon),
        accuracy_m: Some(12.0),
        done: "宣讲政策，核实两不愁三保障".into(),
        needs: "希望学技术".into(),
        changed: vec!["housing".into()],
        photos,
    }
}

/// A point `metres` north of `p`.
fn north(p: GeoPoint, metres: f64) -> GeoPoint {
    GeoPoint {
        lat: p.lat + metres / 111_195.08,
        lon: p.lon,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_is_recorded_once_flagged_by_distance_and_counted_in_its_month() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            import(&t.db, &generated(dir.path(), 30, Format::Csv), false)
                .await
                .committed
        );
        let (county, hs) = county_households(&t.db).await;
        let (home_id, village, home) = hs.iter().find(|h| h.2.is_some()).cloned().unwrap();
        let home = home.unwrap();
        let other = hs.iter().find(|h| h.0 != home_id).unwrap().0;
        let user_id =
            t.db.create_user(
                &NewUser {
                    username: "bangfu".into(),
                    real_name: "王芳".into(),
                    area: county.clone(),
                    phone: "13812345678".into(),
                    roles: vec![Role::HelperCadre],
                    password_hash: "x".into(),
                    must_change_password: false,
                },
                Actor::cli().entry("user.create", "user", "bangfu", county.as_str(), ""),
            )
            .await
            .unwrap();
        let county_scope = Scope::operator_within(Some(county.clone()));
        let helper = pairing::create_helper(
            &t.db,
            &county_scope,
            &Actor::cli(),
            &HelperForm {
                user_id: Some(user_id),
                ..form(&village, "王芳", "13812345678")
            },
        )
        .await
        .unwrap();
        pairing::pair(
            &t.db,
            &county_scope,
            &Actor::cli(),
            home_id,
            helper,
            day("2020-01-01"),
            day("2026-11-01"),
        )
        .await
        .unwrap();
        let me = Principal {
            user_id,
            username: "bangfu".into(),
            area: county.clone(),
            roles: vec![Role::HelperCadre],
            token_actions: None,
        };
        let scope = Scope::of(&me);
        let actor = Actor::user(me.clone(), "127.0.0.1");
        let store = PhotoStore::in_memory();
        let now: DateTime<Utc> = "2026-11-05T03:00:00Z".parse().unwrap();
        let record = |u: VisitUpload, now: DateTime<Utc>| {
            let (db, store, scope, actor) =
                (t.db.clone(), store.clone(), scope.clone(), actor.clone());
            async move {
                let who = fupin_services::field::Visitor {
                    scope: &scope,
                    actor: &actor,
                    user_id,
                };
                record_visit(&db, &store, &who, u, now).await
            }
        };

        let first = record(
            upload(
                1,
                home_id,
                "2026-11-05T02:00:00Z",
                Some(north(home, 100.0)),
                vec![jpeg(1), jpeg(2)],
            ),
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert!(first.new && first.flags.is_empty(), "{}: {first:?}", t.name);
        assert_eq!(first.distance_m, Some(100.0));
        // the same sync again: nothing new, the same answer
        let again = record(
            upload(
                1,
                home_id,
                "2026-11-05T02:00:00Z",
                Some(north(home, 100.0)),
                vec![jpeg(1), jpeg(2)],
            ),
            now,
        )
        .await
        .unwrap();
        assert_eq!((again.id, again.new), (first.id, false));
        // a second visit that month, 800 m away: flagged, the household counted once
        let far = record(
            upload(
                2,
                home_id,
                "2026-11-20T02:00:00Z",
                Some(north(home, 800.0)),
                vec![jpeg(1)],
            ),
            now + Duration::days(15),
        )
        .await
        .unwrap();
        assert_eq!(far.flags, vec![VisitFlag::Far]);
        let rows = summaries::by_area(&t.db, &scope, &county, "2026-11")
            .await
            .unwrap();
        let total = summaries::total(&rows);
        assert_eq!(
            (
                total.visits,
                total.households,
                total.flagged,
                total.photos,
                total.paired
            ),
            (2, 1, 1, 3, 1),
            "{}",
            t.name
        );
        let by_village = summaries::by_area(
            &t.db,
            &scope,
            &village.ancestor(AreaLevel::Township),
            "2026-11",
        )
        .await
        .unwrap();
        assert_eq!(
            by_village
                .iter()
                .find(|r| r.code == village.as_str())
                .map(|r| r.visits),
            Some(2)
        );
        let helpers = summaries::by_helper(&t.db, &Scope::operator(), &county, "2026-11")
            .await
            .unwrap();
        assert_eq!(helpers.len(), 1);
        assert_eq!(
            (helpers[0].visits, helpers[0].households, helpers[0].paired),
            (2, 1, 1)
        );
        assert!(
            t.db.visits_of_household(&scope, home_id, 10)
                .await
                .unwrap()
                .len()
                == 2
        );

        // refusals: another household, no photos, not an image, a client id of another visit
        let e = record(
            upload(3, other, "2026-11-05T02:00:00Z", None, vec![jpeg(1)]),
            now,
        )
        .await;
        refused_with(e.unwrap_err(), "visit.not_yours");
        let e = record(
            upload(4, home_id, "2026-11-05T02:00:00Z", None, vec![]),
            now,
        )
        .await;
        refused_with(e.unwrap_err(), "visit.photo_count");
        let e = record(
            upload(
                5,
                home_id,
                "2026-11-05T02:00:00Z",
                None,
                vec![b"%PDF-1.4".to_vec()],
            ),
            now,
        )
        .await;
        refused_with(e.unwrap_err(), "photo.not_image");
        let e = record(
            upload(1, other, "2026-11-05T02:00:00Z", None, vec![jpeg(1)]),
            now,
        )
        .await;
        refused_with(e.unwrap_err(), "visit.client_id_taken");
        assert_eq!(
            t.db.visits_of_household(&Scope::operator(), home_id, 10)
                .await
                .unwrap()
                .len(),
            2
        );

        // notes may be rewritten for a day, then only corrected
        let edit = |now: DateTime<Utc>| {
            let (db, scope, actor) = (t.db.clone(), scope.clone(), actor.clone());
            async move {
                fupin_services::field::visits::edit_visit(
                    &db,
                    &scope,
                    &actor,
                    first.id,
                    &fupin_services::field::visits::Notes {
                        done: "改写".into(),
                        ..Default::default()
                    },
                    now,
                )
                .await
            }
        };
        edit(now + Duration::hours(23)).await.unwrap();
        refused_with(
            edit(now + Duration::hours(25)).await.unwrap_err(),
            "visit.edit_closed",
        );
        fupin_services::field::visits::correct_visit(
            &t.db,
            &scope,
            &actor,
            first.id,
            "补充：户主外出务工",
        )
        .await
        .unwrap();
        let (row, photos, corrections) = t.db.visit(&scope, first.id).await.unwrap().unwrap();
        assert_eq!(
            (row.done.as_str(), photos.len(), corrections.len()),
            ("改写", 2, 1)
        );

        // the county's one paired household is overdue more than 30 days after its last visit
        let (overdue, n, days) =
            summaries::not_visited(&t.db, &Scope::operator(), &county, day("2026-12-21"), 50, 0)
                .await
                .unwrap();
        assert_eq!((n, days), (1, 30), "{}", t.name);
        assert_eq!(overdue[0].household.id, home_id);
        let (_, n, _) =
            summaries::not_visited(&t.db, &Scope::operator(), &county, day("2026-12-20"), 50, 0)
                .await
                .unwrap();
        assert_eq!(n, 0, "{}", t.name);

        // the first visit's photo sent again for another household: help on paper only,
        // raised once as a warning of the area holding both households
        let (other_village, _) = hs
            .iter()
            .find(|h| h.0 == other)
            .map(|h| (h.1.clone(), h.2))
            .unwrap();
        pairing::pair(
            &t.db,
            &county_scope,
            &Actor::cli(),
            other,
            helper,
            day("2026-11-01"),
            day("2026-11-01"),
        )
        .await
        .unwrap();
        let copied = record(
            upload(6, other, "2026-11-06T02:00:00Z", None, vec![jpeg(1)]),
            now + Duration::days(1),
        )
        .await
        .unwrap();
        // both overdue now, the one seen longest ago first
        let (overdue, n, _) =
            summaries::not_visited(&t.db, &Scope::operator(), &county, day("2026-12-21"), 50, 0)
                .await
                .unwrap();
        assert_eq!(n, 2, "{}", t.name);
        assert_eq!(
            overdue.iter().map(|o| o.household.id).collect::<Vec<_>>(),
            [other, home_id]
        );
        let scan_at: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().unwrap();
        let rules = fupin_core::warnings::RuleSettings::default();
        let cli = Actor::cli();
        let scan = || {
            fupin_services::compare::warnings::scan_nominal_help(&t.db, &cli, None, &rules, scan_at)
        };
        let first_scan = scan().await.unwrap();
        assert_eq!(first_scan.found.get("nominal_help"), Some(&1), "{}", t.name);
        assert_eq!(first_scan.raised.opened, 1);
        let (warnings, _) =
            t.db.warnings_within(&Scope::operator(), &Default::default(), 0, 10)
                .await
                .unwrap();
        let w = warnings.iter().find(|w| w.rule == "nominal_help").unwrap();
        let both = fupin_core::warnings::nominal_help::common_area(
            [village.clone(), other_village].iter(),
        )
        .unwrap();
        assert_eq!(w.area_code, both.as_str(), "{}", t.name);
        let evidence: fupin_core::warnings::Evidence = serde_json::from_str(&w.evidence).unwrap();
        assert_eq!(evidence.visits, [first.id, far.id, copied.id]);
        // scanned again: the same evidence, the same warning
        let again = scan().await.unwrap();
        assert_eq!((again.raised.opened, again.raised.still_open), (0, 1));
        // sixty-two days later the visits are out of the window
        let late = fupin_services::compare::warnings::scan_nominal_help(
            &t.db,
            &Actor::cli(),
            None,
            &rules,
            scan_at + Duration::days(63),
        )
        .await
        .unwrap();
        assert!(late.found.is_empty(), "{:?}", late.found);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pairing_sheet_is_imported_whole_or_not_at_all_and_twice_is_once() {
    use fupin_services::field::pairing_sheet;
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            import(&t.db, &generated(dir.path(), 60, Format::Csv), false)
                .await
                .committed
        );
        let (county, hs) = county_households(&t.db).await;
        let scope = Scope::operator_within(Some(county.clone()));
        let today = day("2026-06-01");
        let numbers: Vec<String> = {
            let (_, rows) = pairing_sheet::export(&t.db, &scope, &county).await.unwrap();
            rows.into_iter().map(|r| r[0].clone()).take(6).collect()
        };
        assert_eq!(numbers.len(), 6.min(hs.len()));
        let header = "户编号,所在村,帮扶责任人,联系电话,帮扶单位,单位隶属关系,职务,帮扶起始时间\n";
        let sheet = |rows: &[(usize, &str, &str)]| {
            let mut text = header.to_string();
            for (i, name, phone) in rows {
                text += &if name.is_empty() {
                    format!("{},,,,,,,\n", numbers[*i])
                } else {
                    format!(
                        "{},,{name},{phone},县教育局,县直,干部,2019/5/1\n",
                        numbers[*i]
                    )
                };
            }
            let path = dir.path().join("pairs.csv");
            std::fs::write(&path, text).unwrap();
            path
        };
        // five households for one helper: the fifth row is named, nothing is written
        let five = sheet(&[
            (0, "王芳", "13812345678"),
            (1, "王芳", "13812345678"),
            (2, "王 芳", "138 1234 5678"),
            (3, "王芳", "13812345678"),
            (4, "王芳", "13812345678"),
            (5, "", ""),
        ]);
        match pairing_sheet::import(&t.db, &scope, &Actor::cli(), &five, today).await {
            Err(ServiceError::BadRows { count, shown }) => {
                assert!(count >= 1, "{}", t.name);
                assert!(shown.iter().all(|m| m.key == "sheet.bad_row"), "{shown:?}");
            }
            other => panic!("{}: expected bad rows, got {other:?}", t.name),
        }
        assert_eq!(
            t.db.helpers_in(&scope, &county, "", 10, 0).await.unwrap().1,
            0,
            "{}",
            t.name
        );
        // four for her and one for another helper sharing her office phone's number: in, once
        let good = sheet(&[
            (0, "王芳", "13812345678"),
            (1, "王芳", "13812345678"),
            (2, "王 芳", "138 1234 5678"),
            (3, "王芳", "13812345678"),
            (4, "李强", "13812345678"),
            (5, "", ""),
        ]);
        let s = pairing_sheet::import(&t.db, &scope, &Actor::cli(), &good, today)
            .await
            .unwrap();
        assert_eq!(
            (
                s.rows,
                s.paired,
                s.changed,
                s.unchanged,
                s.helpers_created,
                s.blank
            ),
            (6, 5, 0, 0, 2, 1),
            "{}",
            t.name
        );
        let again = pairing_sheet::import(&t.db, &scope, &Actor::cli(), &good, today)
            .await
            .unwrap();
        assert_eq!(
            (
                again.paired,
                again.changed,
                again.unchanged,
                again.helpers_created
            ),
            (0, 0, 5, 0),
            "{}",
            t.name
        );
        // the export shows them
        let (_, rows) = pairing_sheet::export(&t.db, &scope, &county).await.unwrap();
        let helper_of = |n: &str| {
            rows.iter()
                .find(|r| r[0] == n)
                .map(|r| r[2].clone())
                .unwrap()
        };
        assert_eq!(
            (helper_of(&numbers[0]), helper_of(&numbers[4])),
            ("王芳".into(), "李强".into())
        );
        t.drop_database().await;
    }
}
