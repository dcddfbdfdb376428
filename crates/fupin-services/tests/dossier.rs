//! The household dossier (issue 25, section 3), on both databases: confined to the viewer's
//! scope (outside it: nothing, and nothing audited; a helper cadre: only the paired
//! households), its personal values masked as the viewer's disclosure says, every section read,
//! and exactly one audit entry for each dossier returned.

use fupin_core::access::{Principal, Role, Scope, Viewer};
use fupin_core::masking::{self, Disclosure};
use fupin_core::{AreaCode, AreaLevel, Household};
use fupin_services::audit::{Actor, AuditSink};
use fupin_services::dossier::{HouseholdDossier, Sections};
use fupin_services::sheet::Format;
use fupin_storage::{AuditFilter, Db};

mod common;
use common::{backends, generated, import};

/// What this test writes as `via`, to count its own entries.
const VIA: &str = "dossier test";

/// A user of `area` with `role`; their principal.
async fn user(db: &Db, username: &str, area: &AreaCode, role: Role) -> Principal {
    let form = fupin_services::accounts::AccountForm {
        username: username.into(),
        real_name: "测试员".into(),
        area: area.clone(),
        phone: "13800138000".into(),
        roles: vec![role],
        password: "Correct-Horse-9".into(),
    };
    let id = fupin_services::accounts::add_user(db, &Actor::cli(), form, false)
        .await
        .unwrap();
    db.user(id).await.unwrap().unwrap().principal()
}

/// Household `id` as `principal` sees it, the whole page's sections, audited as `VIA`.
async fn read(
    db: &Db,
    audit: &AuditSink,
    principal: &Principal,
    viewer: &Viewer,
    id: i64,
) -> Option<HouseholdDossier> {
    let actor = Actor::user(principal.clone(), "127.0.0.1");
    HouseholdDossier::read(db, audit, &actor, viewer, id, VIA, Sections::page(true))
        .await
        .unwrap()
}

/// The household reads of this test in the trail, by target (household number).
async fn audited(db: &Db, audit: &AuditSink) -> Vec<String> {
    audit.flush().await;
    let filter = AuditFilter {
        action: Some("read".into()),
        ..Default::default()
    };
    let (rows, _) = db.audit_entries(None, &filter, 0, 1000).await.unwrap();
    let mut out: Vec<String> = rows
        .into_iter()
        .filter(|e| e.detail == VIA && e.target_kind == "household")
        .map(|e| e.target_id)
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dossier_is_confined_masked_and_audited_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = generated(dir.path(), 60, Format::Csv);
    for t in backends().await {
        let db = &t.db;
        assert!(import(db, &file, false).await.committed, "{}", t.name);
        let audit = AuditSink::start(db.clone());
        let all: Vec<(i64, Household)> = {
            let mut out = Vec::new();
            for id in 1..=60 {
                if let Some(r) = db.household(&Scope::operator(), id).await.unwrap() {
                    out.push((id, r.household));
                }
            }
            out
        };
        let (home_id, home) = all[0].clone();
        let county = home.village_code.ancestor(AreaLevel::County);
        let (near_id, near) = all
            .iter()
            .find(|(id, h)| *id != home_id && h.village_code.ancestor(AreaLevel::County) == county)
            .cloned()
            .expect("two households of one county");
        let (far_id, _) = all
            .iter()
            .find(|(_, h)| h.village_code.ancestor(AreaLevel::County) != county)
            .cloned()
            .expect("a household of another county");

        // an office clerk of the county: their households in full, nothing of another county
        let clerk = user(db, "clerk", &county, Role::OfficeStaff).await;
        let clerk_view = Viewer::from(&clerk);
        let d = read(db, &audit, &clerk, &clerk_view, home_id)
            .await
            .unwrap_or_else(|| panic!("{}: the clerk's own household", t.name));
        assert_eq!(d.record.id, home_id);
        assert_eq!(d.record.household.number, home.number);
        let villages: Vec<&AreaCode> = d.area_path.iter().map(|a| &a.code).collect();
        assert_eq!(villages.last(), Some(&&home.village_code), "{}", t.name);
        assert!(d.policy.is_some() && d.measures.is_some(), "{}", t.name);
        assert_eq!(d.shown.members[0].name, home.members[0].name);
        assert_eq!(
            d.shown.members[0].id_number,
            home.members[0].id_number.as_str()
        );
        let far = read(db, &audit, &clerk, &clerk_view, far_id).await;
        assert!(far.is_none(), "{}: another county's household", t.name);

        // the same clerk's scope with the public's disclosure: every personal value masked
        let masked = Viewer {
            scope: clerk.scope(),
            disclosure: Disclosure::public(),
        };
        let m = read(db, &audit, &clerk, &masked, home_id).await.unwrap();
        for (shown, member) in m.shown.members.iter().zip(&home.members) {
            assert_eq!(shown.name, masking::name(&member.name), "{}", t.name);
            assert_eq!(
                shown.id_number,
                masking::id_number(member.id_number.as_str())
            );
            assert_ne!(shown.id_number, member.id_number.as_str());
        }
        assert_eq!(m.shown.phone, masking::phone(&home.phone));
        assert_eq!(m.disclosure, Disclosure::public());

        // a helper cadre of the county, paired with one household: that one only
        let helper = user(db, "helper", &county, Role::HelperCadre).await;
        db.pair_helper(helper.user_id, home_id).await.unwrap();
        let helper_view = Viewer::from(&helper);
        let paired = read(db, &audit, &helper, &helper_view, home_id)
            .await
            .unwrap_or_else(|| panic!("{}: the helper's paired household", t.name));
        assert_eq!(paired.pairings.len(), 1, "{}", t.name);
        assert_eq!(paired.pairings[0].ended_on, None);
        let unpaired = read(db, &audit, &helper, &helper_view, near_id).await;
        assert!(unpaired.is_none(), "{}: an unpaired household", t.name);

        // the record alone, for the API: one entry as well
        let actor = Actor::user(clerk.clone(), "127.0.0.1");
        let record = HouseholdDossier::read(
            db,
            &audit,
            &actor,
            &clerk_view,
            near_id,
            VIA,
            Sections::RECORD,
        )
        .await
        .unwrap()
        .unwrap();
        assert!(record.policy.is_none() && record.measures.is_none());
        assert!(record.area_path.is_empty() && record.pairings.is_empty());

        // one entry per dossier returned, none for the ones refused
        let mut expected = vec![
            home.number.clone(),
            home.number.clone(),
            home.number.clone(),
            near.number.clone(),
        ];
        expected.sort();
        assert_eq!(audited(db, &audit).await, expected, "{}", t.name);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_area_dossier_is_confined_to_the_scope() {
    use fupin_services::dossier::AreaDossier;
    use fupin_storage::FigureYear;
    let dir = tempfile::tempdir().unwrap();
    let file = generated(dir.path(), 40, Format::Csv);
    for t in backends().await {
        let db = &t.db;
        assert!(import(db, &file, false).await.committed, "{}", t.name);
        let home = db
            .household(&Scope::operator(), 1)
            .await
            .unwrap()
            .unwrap()
            .household;
        let village = home.village_code.clone();
        let county = village.ancestor(AreaLevel::County);
        let clerk = Viewer::from(&user(db, "clerk", &county, Role::OfficeStaff).await);
        let page = (0, 50);
        let d = AreaDossier::read(db, &clerk, &county, FigureYear::Now, page)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{}: the clerk's own county", t.name));
        assert_eq!(d.area.code, county);
        assert_eq!(d.path.last().map(|a| &a.code), Some(&county));
        assert!(d.size.0 >= 1 && !d.children.is_empty(), "{}", t.name);
        assert!(
            d.households.is_none(),
            "{}: a county lists no households",
            t.name
        );
        let v = AreaDossier::read(db, &clerk, &village, FigureYear::Now, page)
            .await
            .unwrap()
            .unwrap();
        let listed = v.households.expect("a village lists its households");
        assert!(listed.items.iter().any(|h| h.number == home.number));
        // the province above the clerk's county, and another province: nothing
        let province = village.ancestor(AreaLevel::Province);
        let other = AreaCode::parse(if province.as_str().starts_with("11") {
            "12"
        } else {
            "11"
        })
        .unwrap();
        for outside in [province, other] {
            let read = AreaDossier::read(db, &clerk, &outside, FigureYear::Now, page).await;
            assert!(read.unwrap().is_none(), "{}: {outside} read", t.name);
        }
        t.drop_database().await;
    }
}

/// A reader is one snapshot on both databases: a change committed while it is open is not seen
/// by its later statements (each of a page's sections sees the same database), and the next
/// reader sees it.
#[tokio::test]
async fn a_reader_sees_one_snapshot_while_a_writer_commits() {
    use fupin_core::policy::{Evidence, PolicyKey, PolicyParam};
    use fupin_storage::sql::fetch_all;

    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Count {
        n: i64,
    }
    async fn params(tx: &mut fupin_storage::Tx) -> i64 {
        let rows: Vec<Count> = fetch_all(tx, "SELECT COUNT(*) AS n FROM policy_params", &[])
            .await
            .unwrap();
        rows[0].n
    }
    for t in backends().await {
        let db = &t.db;
        let mut reader = db.reader().await.unwrap();
        let before = params(&mut reader).await;
        let new_line = PolicyParam {
            key: PolicyKey::ALL[0],
            region: Some(AreaCode::parse("522726000000").unwrap()),
            year_from: 2031,
            value: 1,
            evidence: Evidence::Verified,
            source: "test".into(),
            note: String::new(),
        };
        db.set_policy(&new_line).await.unwrap();
        assert_eq!(
            params(&mut reader).await,
            before,
            "{}: the open reader",
            t.name
        );
        reader.commit().await.unwrap();
        let mut next = db.reader().await.unwrap();
        assert_eq!(
            params(&mut next).await,
            before + 1,
            "{}: the next reader",
            t.name
        );
        drop(next);
        t.drop_database().await;
    }
}
