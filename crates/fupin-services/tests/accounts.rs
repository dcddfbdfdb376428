//! Accounts, logins, sessions, tokens and helper pairings against real databases (SQLite, and
//! PostgreSQL when `FUPIN_TEST_POSTGRES` is set): the same behaviour on both.

use fupin_core::AreaCode;
use fupin_core::access::{Action, HouseholdReach, Role, Scope};
use fupin_services::accounts::{self, AccountError, AccountForm};
use fupin_services::audit::Actor;

mod common;
use common::backends;

fn form(username: &str, area: &str, roles: &[Role]) -> AccountForm {
    AccountForm {
        username: username.into(),
        real_name: "测试".into(),
        area: AreaCode::parse(area).unwrap(),
        phone: "13800000000".into(),
        roles: roles.to_vec(),
        password: "Shiyan-2020-mm".into(),
    }
}

fn refusal(e: anyhow::Error) -> AccountError {
    e.downcast::<AccountError>()
        .expect("a refusal, not a failure")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_sessions_and_tokens_behave_alike_on_both_databases() {
    for t in backends().await {
        let db = &t.db;
        let cli = Actor::cli();
        let staff = form("staff", "522726", &[Role::OfficeStaff, Role::Inspector]);
        accounts::add_user(db, &cli, staff.clone(), false)
            .await
            .unwrap();
        let again = accounts::add_user(db, &cli, staff, false)
            .await
            .unwrap_err();
        assert!(
            matches!(refusal(again), AccountError::Taken(_)),
            "{}",
            t.name
        );
        let unknown = accounts::add_user(db, &cli, form("xyz", "529999", &[Role::Admin]), false)
            .await
            .unwrap_err();
        assert!(
            matches!(refusal(unknown), AccountError::UnknownArea(_)),
            "{}",
            t.name
        );
        accounts::add_user(db, &cli, form("gansu", "62", &[Role::Admin]), false)
            .await
            .unwrap();

        // roles come back in the table's order, the list is the subtree's
        let (user, _) = db.user_with_hash("staff").await.unwrap().unwrap();
        assert_eq!(
            user.roles,
            [Role::OfficeStaff, Role::Inspector],
            "{}",
            t.name
        );
        let in_guizhou = db
            .users_within(Some(&AreaCode::parse("52").unwrap()))
            .await
            .unwrap();
        let names: Vec<&str> = in_guizhou.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, ["staff"], "{}", t.name);
        assert_eq!(db.users_within(None).await.unwrap().len(), 2);

        // an administrator of Gansu cannot touch a Guizhou account
        let gansu = db.user_with_hash("gansu").await.unwrap().unwrap().0;
        let gansu_admin = Actor::user(gansu.principal(), "10.0.0.9");
        let refused = accounts::set_disabled(db, &gansu_admin, "staff", true)
            .await
            .unwrap_err();
        assert_eq!(refusal(refused), AccountError::Forbidden, "{}", t.name);

        // login, session, sliding expiry, logout
        let login = accounts::login(db, "staff", "Shiyan-2020-mm", "10.0.0.1", "ua")
            .await
            .unwrap();
        let session = accounts::session(db, &login.session_secret)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.user.username, "staff");
        assert_eq!(session.csrf_token, login.session.csrf_token);
        let actor = Actor::user(session.user.principal(), "10.0.0.1");
        accounts::logout(db, &actor, &login.session_secret)
            .await
            .unwrap();
        assert!(
            accounts::session(db, &login.session_secret)
                .await
                .unwrap()
                .is_none()
        );

        // throttled per account after five failures, per address after fifty (tests/throttling.rs)
        for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT {
            let e = accounts::login(db, "staff", "wrong", "10.0.0.2", "ua")
                .await
                .unwrap_err();
            assert_eq!(refusal(e), AccountError::WrongCredentials);
        }
        let e = accounts::login(db, "staff", "Shiyan-2020-mm", "10.0.0.3", "ua")
            .await
            .unwrap_err();
        assert!(
            matches!(refusal(e), AccountError::Throttled { .. }),
            "{}",
            t.name
        );
        for i in 0..accounts::MAX_FAILURES_PER_ADDRESS {
            let _ = accounts::login(db, &format!("nobody{i}"), "x", "10.0.0.4", "ua").await;
        }
        let e = accounts::login(db, "gansu", "Shiyan-2020-mm", "10.0.0.4", "ua")
            .await
            .unwrap_err();
        assert!(
            matches!(refusal(e), AccountError::Throttled { .. }),
            "{}: per address",
            t.name
        );
        assert!(
            accounts::login(db, "gansu", "Shiyan-2020-mm", "10.0.0.5", "ua")
                .await
                .is_ok()
        );

        // tokens: only actions the owner's roles allow (the others refused by name, nothing
        // dropped silently), revocable, ended by disabling
        let refused = accounts::create_token(
            db,
            &cli,
            "staff",
            "民政",
            &[Action::ViewHouseholds, Action::ManageUsers],
            30,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                refused.downcast_ref::<AccountError>(),
                Some(AccountError::NotHeld { actions, .. }) if actions == &[Action::ManageUsers]
            ),
            "{refused}"
        );
        let (id, secret) =
            accounts::create_token(db, &cli, "staff", "民政", &[Action::ViewHouseholds], 30)
                .await
                .unwrap();
        let p = accounts::token_principal(db, &secret)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            p.token_actions,
            Some(vec![Action::ViewHouseholds]),
            "{}",
            t.name
        );
        assert_eq!(p.username, "staff#民政");
        assert!(
            accounts::token_principal(db, "fpt_0")
                .await
                .unwrap()
                .is_none()
        );
        let tokens = db
            .tokens_within(Some(&AreaCode::parse("5227").unwrap()))
            .await
            .unwrap();
        assert_eq!(tokens.len(), 1);
        assert!(
            tokens[0].last_used_at.is_some(),
            "{}: use is recorded",
            t.name
        );
        let (_, second) =
            accounts::create_token(db, &cli, "staff", "second", &[Action::ViewAreas], 30)
                .await
                .unwrap();
        accounts::revoke_token(db, &cli, id).await.unwrap();
        assert!(
            accounts::token_principal(db, &secret)
                .await
                .unwrap()
                .is_none()
        );
        accounts::set_disabled(db, &cli, "staff", true)
            .await
            .unwrap();
        assert!(
            accounts::token_principal(db, &second)
                .await
                .unwrap()
                .is_none(),
            "{}: disabling ends tokens",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helper_reaches_only_paired_households_on_both_databases() {
    use fupin_services::generate::{GeneratorConfig, Geography, generate};
    use fupin_services::parse::status_snapshot;
    use fupin_storage::{RegistryWriter, WriteContext};
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: 60,
        seed: 5,
        last_year: 2023,
    };
    let batch: Vec<_> = generate(&config, &geo)
        .map(|g| {
            let s = status_snapshot(&g.household, "test");
            (g.household, s)
        })
        .collect();
    let ctx = WriteContext {
        actor: "test".into(),
        reason: "test".into(),
        import_run: None,
    };
    for t in backends().await {
        let mut w = RegistryWriter::begin(&t.db).await.unwrap();
        let ids = w.create(&batch, &ctx).await.unwrap();
        w.commit().await.unwrap();
        let province = AreaCode::parse(&batch[0].0.village_code.as_str()[..2]).unwrap();
        let f = form("helper", province.as_str(), &[Role::HelperCadre]);
        let helper_id = accounts::add_user(&t.db, &Actor::cli(), f, false)
            .await
            .unwrap();
        t.db.pair_helper(helper_id, ids[0]).await.unwrap();
        t.db.pair_helper(helper_id, ids[0]).await.unwrap();
        let helper = t.db.user(helper_id).await.unwrap().unwrap().principal();
        let scope = helper.scope();
        assert_eq!(scope.households(), HouseholdReach::Paired(helper_id));
        let (listed, total) =
            t.db.household_list(&scope, &province, 0, 100)
                .await
                .unwrap();
        assert_eq!((listed.len(), total), (1, 1), "{}", t.name);
        assert_eq!(listed[0].id, ids[0]);
        assert!(t.db.household(&scope, ids[0]).await.unwrap().is_some());
        let other = ids[1..]
            .iter()
            .zip(&batch[1..])
            .find(|(_, (h, _))| h.village_code.as_str()[..2] == province.as_str()[..2])
            .map(|(id, _)| *id)
            .expect("another household in the province");
        assert!(
            t.db.household(&scope, other).await.unwrap().is_none(),
            "{}",
            t.name
        );
        // figures by area cover the whole subtree
        let (all, _) = t.db.registry_size(&scope, &province).await.unwrap();
        let (everything, _) =
            t.db.registry_size(&Scope::operator(), &province)
                .await
                .unwrap();
        assert_eq!(all, everything, "{}", t.name);
        assert!(all > 1);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_failures_and_ended_sessions_are_purged() {
    for t in backends().await {
        let db = &t.db;
        accounts::add_user(
            db,
            &Actor::cli(),
            form("staff", "522726", &[Role::OfficeStaff]),
            false,
        )
        .await
        .unwrap();
        let old = accounts::login(db, "staff", "Shiyan-2020-mm", "10.0.0.1", "ua")
            .await
            .unwrap();
        let live = accounts::login(db, "staff", "Shiyan-2020-mm", "10.0.0.1", "ua")
            .await
            .unwrap();
        let _ = accounts::login(db, "staff", "wrong", "10.0.0.1", "ua").await;
        let _ = accounts::login(db, "staff", "wrong", "10.0.0.1", "ua").await;
        // one failure and one session from long ago
        let backdate = format!(
            "UPDATE login_failures SET at = '2020-01-01T00:00:00Z' WHERE id = (SELECT MIN(id) FROM login_failures); \
             UPDATE sessions SET expires_at = '2020-01-01T00:00:00Z' WHERE token_hash = '{}'",
            accounts::secret_hash(&old.session_secret)
        );
        let backdate = sqlx::AssertSqlSafe(backdate);
        fupin_storage::dispatch!(db, p => sqlx::raw_sql(backdate).execute(p).await.map(|_| ()).unwrap());
        assert_eq!(
            accounts::purge_stale(db).await.unwrap(),
            (1, 1),
            "{}",
            t.name
        );
        assert_eq!(
            accounts::purge_stale(db).await.unwrap(),
            (0, 0),
            "{}",
            t.name
        );
        assert!(
            accounts::session(db, &live.session_secret)
                .await
                .unwrap()
                .is_some()
        );
        t.drop_database().await;
    }
}
