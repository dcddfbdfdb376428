//! Instructions and announcements against real databases: an instruction goes down to
//! townships and a named helper, never sideways; each recipient acknowledges and reports for
//! itself only; the issuer reminds once a day and sees who is overdue; attachments are read
//! only by the issuing side and their recipient; an announcement is read by its areas' people
//! with a receipt each, and by nobody else.

use chrono::{Duration, NaiveDate};
use fupin_core::AreaCode;
use fupin_core::access::{Principal, Role, Scope};
use fupin_core::tasks::instruction::Due;
use fupin_services::audit::Actor;
use fupin_services::error::ServiceError;
use fupin_services::field::PhotoStore;
use fupin_services::tasks::announcements::{self, AnnounceForm};
use fupin_services::tasks::instructions::{self, IssueForm, Upload};
use fupin_storage::Db;
use fupin_storage::accounts::NewUser;

mod common;
use common::backends;

const COUNTY: &str = "522726000000";
const TOWN_A: &str = "522726001000";
const TOWN_B: &str = "522726108000";
const NEXT_COUNTY: &str = "522730000000";

async fn user(db: &Db, username: &str, area: &str, role: Role) -> Principal {
    let area = AreaCode::parse(area).unwrap();
    let user_id = db
        .create_user(
            &NewUser {
                username: username.into(),
                real_name: format!("{username}同志"),
                area: area.clone(),
                phone: "13800000000".into(),
                roles: vec![role],
                password_hash: "x".into(),
                must_change_password: false,
            },
            Actor::cli().entry("user.create", "user", username, area.as_str(), ""),
        )
        .await
        .unwrap();
    Principal {
        user_id,
        username: username.into(),
        area,
        roles: vec![role],
        token_actions: None,
    }
}

fn refused_with(e: ServiceError, key: &str) {
    match e {
        ServiceError::Refused(m) if m.key == key => {}
        ServiceError::Invalid(issues) if issues.iter().any(|i| i.message.key == key) => {}
        other => panic!("expected {key}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instruction_goes_down_is_answered_reminded_and_closed() {
    for t in backends().await {
        let db = &t.db;
        let county = user(db, "xian", COUNTY, Role::OfficeStaff).await;
        let town_a = user(db, "xiang_a", TOWN_A, Role::OfficeStaff).await;
        let town_b = user(db, "xiang_b", TOWN_B, Role::OfficeStaff).await;
        let helper = user(db, "bangfu", COUNTY, Role::HelperCadre).await;
        user(db, "waixian", NEXT_COUNTY, Role::OfficeStaff).await;
        let actor = |p: &Principal| Actor::user(p.clone(), "127.0.0.1");
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        let form = |areas: &[&str], users: &[&str]| IssueForm {
            title: "核查危房改造进度".into(),
            text: "请于期限前报送核查表".into(),
            deadline: Some(today + Duration::days(3)),
            areas: areas.iter().map(|a| a.to_string()).collect(),
            usernames: users.iter().map(|u| u.to_string()).collect(),
        };
        // never to itself, a neighbour or a person of another county
        for (areas, users, key) in [
            (&[COUNTY][..], &[][..], "tasks.not_subordinate"),
            (&[NEXT_COUNTY][..], &[][..], "tasks.not_subordinate"),
            (&[TOWN_A][..], &["waixian"][..], "tasks.person_outside"),
            (&[][..], &[][..], "tasks.no_recipients"),
        ] {
            let e = instructions::issue(db, &county, &actor(&county), &form(areas, users), today)
                .await
                .unwrap_err();
            refused_with(e, key);
        }
        let id = instructions::issue(
            db,
            &county,
            &actor(&county),
            &form(&[TOWN_A, TOWN_B, TOWN_A], &["bangfu"]),
            today,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", t.name));

        // each sees its own to-do, due soon
        let todo = instructions::to_do(db, &town_a, today).await.unwrap();
        assert_eq!(todo.len(), 1, "{}", t.name);
        assert_eq!(todo[0].1, Due::Soon(3));
        let mine_a = todo[0].0.id;
        let mine_b = instructions::to_do(db, &town_b, today).await.unwrap()[0]
            .0
            .id;
        let mine_helper = instructions::to_do(db, &helper, today).await.unwrap()[0]
            .0
            .id;
        assert!(
            instructions::to_do(db, &county, today)
                .await
                .unwrap()
                .is_empty()
        );

        // nobody acknowledges for another
        let e = instructions::acknowledge(db, &town_b, &actor(&town_b), mine_a)
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::NotFound), "{e:?}");
        instructions::acknowledge(db, &town_a, &actor(&town_a), mine_a)
            .await
            .unwrap();
        instructions::acknowledge(db, &town_a, &actor(&town_a), mine_a)
            .await
            .unwrap();

        // a report with a PDF; an executable is refused before anything is written
        let store = PhotoStore::in_memory();
        let pdf = b"%PDF-1.4 report".to_vec();
        let bad = instructions::report(
            db,
            &store,
            &town_a,
            &actor(&town_a),
            mine_a,
            instructions::Report {
                text: "已核查",
                files: &[Upload {
                    name: "a.exe".into(),
                    bytes: b"MZ\x90".to_vec(),
                }],
            },
            1 << 20,
        )
        .await
        .unwrap_err();
        refused_with(bad, "tasks.file_type");
        instructions::report(
            db,
            &store,
            &town_a,
            &actor(&town_a),
            mine_a,
            instructions::Report {
                text: "已核查12户，2户需加固",
                files: &[Upload {
                    name: "核查表.pdf".into(),
                    bytes: pdf.clone(),
                }],
            },
            1 << 20,
        )
        .await
        .unwrap();
        assert!(
            instructions::to_do(db, &town_a, today)
                .await
                .unwrap()
                .is_empty()
        );

        // the issuing side sees every recipient; a recipient only its own
        let county_scope = Scope::of(&county);
        let seen = instructions::seen(db, &county, &county_scope, id)
            .await
            .unwrap();
        assert!(seen.issuer);
        assert_eq!(seen.recipients.len(), 3, "{}", t.name);
        assert_eq!(
            (seen.instruction.acknowledged, seen.instruction.reported),
            (1, 1)
        );
        let seen_b = instructions::seen(db, &town_b, &Scope::of(&town_b), id)
            .await
            .unwrap();
        assert!(!seen_b.issuer);
        assert_eq!(
            seen_b.recipients.iter().map(|r| r.id).collect::<Vec<_>>(),
            [mine_b]
        );
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&pdf))
        };
        let (file, bytes) = instructions::attachment(db, &store, &county, &county_scope, id, &sha)
            .await
            .unwrap();
        assert_eq!(
            (file.file_name.as_str(), bytes),
            ("核查表.pdf", pdf.clone())
        );
        assert!(
            instructions::attachment(db, &store, &town_a, &Scope::of(&town_a), id, &sha)
                .await
                .is_ok()
        );
        let e = instructions::attachment(db, &store, &town_b, &Scope::of(&town_b), id, &sha)
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::NotFound), "{e:?}");

        // reminders: once a day, never for a report, never by a recipient
        instructions::remind(db, &county_scope, &actor(&county), mine_b, today)
            .await
            .unwrap();
        refused_with(
            instructions::remind(db, &county_scope, &actor(&county), mine_b, today)
                .await
                .unwrap_err(),
            "tasks.reminded_today",
        );
        instructions::remind(
            db,
            &county_scope,
            &actor(&county),
            mine_b,
            today + Duration::days(1),
        )
        .await
        .unwrap();
        refused_with(
            instructions::remind(db, &county_scope, &actor(&county), mine_a, today)
                .await
                .unwrap_err(),
            "tasks.reported_already",
        );
        let e = instructions::remind(db, &Scope::of(&town_b), &actor(&town_b), mine_b, today)
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::NotFound), "{e:?}");

        // past the deadline: township B and the helper are overdue
        let later = today + Duration::days(5);
        let (overdue, n) = db
            .instructions_overdue(&county_scope, &county.area, &later.to_string(), 50, 0)
            .await
            .unwrap();
        assert_eq!(n, 2, "{}", t.name);
        assert_eq!(overdue.len(), 2);
        assert!(overdue.iter().any(|r| r.id == mine_b && r.reminders == 2));
        assert_eq!(
            instructions::to_do(db, &helper, later).await.unwrap()[0].1,
            Due::Overdue(2)
        );
        // a township's office sees the overdue of its own area only
        let (theirs, _) = db
            .instructions_overdue(&Scope::of(&town_a), &town_a.area, &later.to_string(), 50, 0)
            .await
            .unwrap();
        assert!(theirs.is_empty());

        // closed: nothing more is acknowledged
        instructions::close(db, &county_scope, &actor(&county), id)
            .await
            .unwrap();
        refused_with(
            instructions::acknowledge(db, &helper, &actor(&helper), mine_helper)
                .await
                .unwrap_err(),
            "tasks.closed",
        );
        assert!(
            instructions::to_do(db, &helper, later)
                .await
                .unwrap()
                .is_empty()
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_is_read_by_its_areas_people_with_a_receipt_each() {
    for t in backends().await {
        let db = &t.db;
        let county = user(db, "xian", COUNTY, Role::OfficeStaff).await;
        let town_a = user(db, "xiang_a", TOWN_A, Role::OfficeStaff).await;
        let village = user(db, "cun_a", "522726001001", Role::VillageOfficial).await;
        let town_b = user(db, "xiang_b", TOWN_B, Role::OfficeStaff).await;
        let actor = Actor::user(county.clone(), "127.0.0.1");
        let e = announcements::announce(
            db,
            &county,
            &actor,
            &AnnounceForm {
                title: "通知".into(),
                text: "内容".into(),
                areas: vec![NEXT_COUNTY.into()],
            },
        )
        .await
        .unwrap_err();
        refused_with(e, "tasks.not_subordinate");
        let id = announcements::announce(
            db,
            &county,
            &actor,
            &AnnounceForm {
                title: "关于开展年度动态调整的通知".into(),
                text: "各乡镇：请组织开展……".into(),
                areas: vec![TOWN_A.into()],
            },
        )
        .await
        .unwrap();
        // township A and its village read it; township B does not see it at all
        let (listed, n, unread) = db
            .announcements_for(&Scope::of(&village), village.user_id, &village.area, 20, 0)
            .await
            .unwrap();
        assert_eq!((listed.len(), n, unread), (1, 1, 1), "{}", t.name);
        let read = announcements::read(db, &town_a, &Scope::of(&town_a), id)
            .await
            .unwrap();
        assert!(read.addressed && read.receipts.is_none());
        announcements::read(db, &town_a, &Scope::of(&town_a), id)
            .await
            .unwrap();
        let e = announcements::read(db, &town_b, &Scope::of(&town_b), id)
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::NotFound), "{e:?}");
        let (_, n, _) = db
            .announcements_for(&Scope::of(&town_b), town_b.user_id, &town_b.area, 20, 0)
            .await
            .unwrap();
        assert_eq!(n, 0);
        // the county sees the receipts: one read of two reached, read once however often
        let seen = announcements::read(db, &county, &Scope::of(&county), id)
            .await
            .unwrap();
        assert!(!seen.addressed);
        assert_eq!(seen.announcement.readers, 1, "{}", t.name);
        let receipts = seen.receipts.unwrap();
        assert_eq!(receipts.len(), 2, "{receipts:?}");
        assert!(
            receipts
                .iter()
                .any(|r| r.user_id == town_a.user_id && r.read_at.is_some())
        );
        assert!(
            receipts
                .iter()
                .any(|r| r.user_id == village.user_id && r.read_at.is_none())
        );
        t.drop_database().await;
    }
}
