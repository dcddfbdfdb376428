//! The login throttle (issue 24, item 11) on both databases: attempts counted atomically,
//! per account and per address with growing waits, the wait said exactly, and one client
//! guessing behind a shared address keeping nobody else out.

use chrono::{DateTime, Duration, Utc};
use fupin_core::AreaCode;
use fupin_core::access::Role;
use fupin_services::accounts::{self, AccountError, AccountForm};
use fupin_services::audit::Actor;
use fupin_storage::{AuditFilter, Db};

mod common;
use common::backends;

const PASSWORD: &str = "Shiyan-2020-mm";

async fn add(db: &Db, username: &str) {
    let form = AccountForm {
        username: username.into(),
        real_name: "测试".into(),
        area: AreaCode::parse("522726").unwrap(),
        phone: "13800000000".into(),
        roles: vec![Role::OfficeStaff],
        password: PASSWORD.into(),
    };
    accounts::add_user(db, &Actor::cli(), form, false)
        .await
        .unwrap();
}

/// The refusal of a login at `now`, or `None` when it succeeded.
async fn attempt(
    db: &Db,
    username: &str,
    password: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> Option<AccountError> {
    match accounts::login_at(db, username, password, addr, "test", now).await {
        Ok(_) => None,
        Err(e) => Some(
            e.downcast::<AccountError>()
                .expect("a refusal, not a failure"),
        ),
    }
}

fn throttled(refusal: &Option<AccountError>) -> Option<u64> {
    match refusal {
        Some(AccountError::Throttled { retry_after }) => Some(*retry_after),
        _ => None,
    }
}

async fn audited(db: &Db, action: &str) -> i64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    };
    db.audit_entries(None, &filter, 0, 1).await.unwrap().1
}

fn t0() -> DateTime<Utc> {
    // not on a whole second: waits are said in whole seconds, rounded up
    "2025-03-01T08:00:00.300Z".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_are_checked_no_more_than_the_limit() {
    for t in backends().await {
        let db = &t.db;
        add(db, "staff").await;
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    accounts::login(&db, "staff", "wrong-password", "10.1.0.1", "test").await
                })
            })
            .collect();
        let mut wrong = 0;
        let mut refused = 0;
        for a in attempts {
            match a.await.unwrap().unwrap_err().downcast::<AccountError>() {
                Ok(AccountError::WrongCredentials) => wrong += 1,
                Ok(AccountError::Throttled { .. }) => refused += 1,
                other => panic!("{}: {other:?}", t.name),
            }
        }
        let limit = accounts::MAX_FAILURES_PER_ACCOUNT;
        assert_eq!(wrong, limit, "{}: checked against the hash", t.name);
        assert_eq!(refused, 20 - limit, "{}", t.name);
        assert_eq!(audited(db, "login.failed").await, limit, "{}", t.name);
        assert_eq!(audited(db, "login.throttled").await, 20 - limit);
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_waits_longer_after_each_failure_and_is_cleared_by_a_success() {
    for t in backends().await {
        let db = &t.db;
        add(db, "staff").await;
        let now = t0();
        for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT {
            let r = attempt(db, "staff", "wrong", "10.2.0.1", now).await;
            assert!(matches!(r, Some(AccountError::WrongCredentials)), "{r:?}");
        }
        // from anywhere, even with the right password: 1, then 2, then 4 minutes
        let mut at = now;
        for minutes in [1, 2, 4] {
            let wait = Duration::minutes(minutes);
            let r = attempt(db, "staff", PASSWORD, "10.2.0.9", at).await;
            assert_eq!(throttled(&r), Some(wait.num_seconds() as u64), "{}", t.name);
            let almost = at + wait - Duration::milliseconds(1);
            let r = attempt(db, "staff", PASSWORD, "10.2.0.2", almost).await;
            assert_eq!(throttled(&r), Some(1), "{}", t.name);
            at += wait;
            let r = attempt(db, "staff", "wrong", "10.2.0.3", at).await;
            assert!(matches!(r, Some(AccountError::WrongCredentials)), "{r:?}");
        }
        // at most 15 minutes between tries, however many failures
        for _ in 0..4 {
            let r = attempt(db, "staff", "wrong", "10.2.0.3", at).await;
            let wait = throttled(&r).expect("waiting");
            assert!(wait <= 15 * 60, "{wait} s");
            at += Duration::seconds(wait as i64);
            let r = attempt(db, "staff", "wrong", "10.2.0.3", at).await;
            assert!(matches!(r, Some(AccountError::WrongCredentials)), "{r:?}");
        }
        let r = attempt(db, "staff", "wrong", "10.2.0.3", at).await;
        assert_eq!(throttled(&r), Some(15 * 60), "{}", t.name);
        // the right password once the wait is over; then the count starts again
        at += Duration::minutes(15);
        assert!(
            attempt(db, "staff", PASSWORD, "10.2.0.4", at)
                .await
                .is_none()
        );
        let r = attempt(db, "staff", "wrong", "10.2.0.4", at).await;
        assert!(matches!(r, Some(AccountError::WrongCredentials)), "{r:?}");
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_said_is_the_wait() {
    for t in backends().await {
        let db = &t.db;
        add(db, "staff").await;
        let now = t0();
        for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT {
            attempt(db, "staff", "wrong", "10.3.0.1", now).await;
        }
        let later = now + Duration::milliseconds(10_500);
        let r = attempt(db, "staff", PASSWORD, "10.3.0.1", later).await;
        let wait = throttled(&r).expect("waiting");
        assert_eq!(wait, 50, "{}: 49.5 s left, said in whole seconds", t.name);
        let back = later + Duration::seconds(wait as i64);
        let early = back - Duration::seconds(1);
        assert!(throttled(&attempt(db, "staff", PASSWORD, "10.3.0.1", early).await).is_some());
        assert!(
            attempt(db, "staff", PASSWORD, "10.3.0.1", back)
                .await
                .is_none(),
            "{}: checked when told",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_guessing_behind_a_shared_address_keeps_nobody_else_out() {
    for t in backends().await {
        let db = &t.db;
        for u in ["victim", "regular", "newcomer"] {
            add(db, u).await;
        }
        let proxy = "10.4.0.1";
        let now = t0();
        // a regular user of the address (a session opened from it before)
        assert!(attempt(db, "regular", PASSWORD, proxy, now).await.is_none());

        // one client hammers one account: that account waits, nobody else does
        for _ in 0..30 {
            attempt(db, "victim", "guess", proxy, now).await;
        }
        assert!(throttled(&attempt(db, "victim", PASSWORD, proxy, now).await).is_some());
        assert!(
            attempt(db, "newcomer", PASSWORD, proxy, now)
                .await
                .is_none(),
            "{}: a first login from the address is not held up by another account's guesses",
            t.name
        );

        // the client sweeps over many accounts from the address: past fifty failures (the
        // five on the hammered account among them) the address waits, seconds at first, never
        // more than a minute …
        let mut swept = 0;
        loop {
            let r = attempt(db, &format!("sweep{swept}"), "guess", proxy, now).await;
            if throttled(&r).is_some() {
                break;
            }
            assert!(matches!(r, Some(AccountError::WrongCredentials)), "{r:?}");
            swept += 1;
            assert!(swept <= accounts::MAX_FAILURES_PER_ADDRESS, "{}", t.name);
        }
        assert_eq!(
            swept + accounts::MAX_FAILURES_PER_ACCOUNT,
            accounts::MAX_FAILURES_PER_ADDRESS,
            "{}",
            t.name
        );
        let mut at = now;
        let mut longest = 0;
        for i in 0..12 {
            let r = attempt(db, &format!("more{i}"), "guess", proxy, at).await;
            let wait = throttled(&r).expect("the address waits");
            longest = longest.max(wait);
            at += Duration::seconds(wait as i64);
            let r = attempt(db, &format!("more{i}"), "guess", proxy, at).await;
            assert!(matches!(r, Some(AccountError::WrongCredentials)), "{r:?}");
        }
        assert_eq!(longest, 60, "{}", t.name);
        // … the address's regular users log in at once …
        assert!(
            attempt(db, "regular", PASSWORD, proxy, at).await.is_none(),
            "{}: a regular user of the address",
            t.name
        );
        // … a user new to the address waits a minute at most, then gets in
        add(db, "another").await;
        let r = attempt(db, "another", PASSWORD, proxy, at).await;
        let wait = throttled(&r).expect("a new user waits for the address");
        assert!(wait <= 60, "{wait}");
        let back = at + Duration::seconds(wait as i64);
        assert!(
            attempt(db, "another", PASSWORD, proxy, back)
                .await
                .is_none()
        );
        // and other addresses never noticed
        assert!(
            attempt(db, "newcomer", PASSWORD, "10.4.0.2", at)
                .await
                .is_none()
        );
        t.drop_database().await;
    }
}
