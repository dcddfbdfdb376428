//! Accounts, logins, sessions and API tokens: the use-cases behind `fupin user …`,
//! `fupin token …`, the login page and the admin pages.
//!
//! Passwords are hashed with argon2id (OWASP's parameters, the crate's defaults); session and
//! API tokens are 32 random bytes shown once and stored as their SHA-256. Every change here is
//! written to the audit trail by the same call.

use anyhow::{Result, bail};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use fupin_core::access::{Action, Principal, Role};
use fupin_core::message::Explained;
use fupin_core::{AreaCode, CodeList, Message, password};
use fupin_storage::{Db, NewSession, NewUser, Session, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::Actor;

/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// A throttle counter forgets its failures after this long without one (longer than the
/// longest wait, so that waiting out the backoff does not also reset it).
pub const THROTTLE_WINDOW: Duration = Duration::hours(1);
/// Failed logins of an account checked without delay; then [`ACCOUNT_BACKOFF`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed logins from one address, on accounts never used from there, checked without delay;
/// then [`ADDRESS_BACKOFF`]. Much higher than an account's: many people may share an address.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 50;
/// One account, from anywhere: five tries, then 1, 2, 4, 8, 15, 15 … minutes between tries.
pub const ACCOUNT_BACKOFF: Backoff = Backoff {
    free: MAX_FAILURES_PER_ACCOUNT,
    first: Duration::minutes(1),
    max: Duration::minutes(15),
};
/// One address guessing at accounts not used from it: fifty tries, then 2, 4 … 60 seconds
/// between tries: slows a sweep over many accounts, and never keeps someone sharing the
/// address (a proxy, an office's NAT) out for more than a minute. See `docs/ACCESS.md`.
pub const ADDRESS_BACKOFF: Backoff = Backoff {
    free: MAX_FAILURES_PER_ADDRESS,
    first: Duration::seconds(2),
    max: Duration::minutes(1),
};
/// Longest an API token may live.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// Why an account operation was refused; shown to the user through [`Explained::message`].
#[derive(Debug, PartialEq, Eq)]
pub enum AccountError {
    BadUsername,
    NoRealName,
    BadPhone,
    NoRole,
    UnknownArea(String),
    WeakPassword(password::PasswordProblem),
    WrongCredentials,
    /// Too many failed logins: the next attempt is checked in `retry_after` seconds.
    Throttled {
        retry_after: u64,
    },
    WrongCurrentPassword,
    Forbidden,
    BadExpiry,
    NoAction,
    NoTokenName,
    /// Actions asked for a token that its owner's roles do not allow: refused, never dropped
    /// without a word.
    NotHeld {
        owner: String,
        actions: Vec<Action>,
    },
    /// The username is taken.
    Taken(String),
}

impl Explained for AccountError {
    fn message(&self) -> Message {
        match self {
            Self::BadUsername => Message::new("account.bad_username"),
            Self::NoRealName => Message::new("account.no_real_name"),
            Self::BadPhone => Message::new("account.bad_phone"),
            Self::NoRole => Message::new("account.no_role"),
            Self::UnknownArea(code) => Message::new("account.unknown_area").with("code", code),
            Self::WeakPassword(p) => p.message(),
            Self::WrongCredentials => Message::new("account.wrong_credentials"),
            Self::Throttled { retry_after } => {
                Message::new("account.throttled").with("seconds", retry_after)
            }
            Self::WrongCurrentPassword => Message::new("account.wrong_current_password"),
            Self::Forbidden => Message::new("account.forbidden"),
            Self::BadExpiry => Message::new("account.bad_expiry").with("days", MAX_TOKEN_DAYS),
            Self::NoAction => Message::new("account.no_action"),
            Self::NoTokenName => Message::new("account.no_token_name"),
            Self::NotHeld { owner, actions } => {
                let zh: Vec<&str> = actions.iter().map(|a| a.zh()).collect();
                let en: Vec<&str> = actions.iter().map(|a| a.en()).collect();
                Message::new("account.actions_not_held")
                    .with("owner", owner)
                    .with_list("actions", &zh, &en)
            }
            Self::Taken(username) => Message::new("account.taken").with("username", username),
        }
    }
}

fupin_core::explained_error!(AccountError, &[MESSAGES, password::MESSAGES]);

/// The texts of [`AccountError`]'s messages.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "account.bad_username",
        "用户名须为 3–32 位小写字母、数字或 . _ -",
        "Username: 3–32 of a-z 0-9 . _ -",
    ),
    (
        "account.no_real_name",
        "姓名不能为空",
        "The real name is required",
    ),
    (
        "account.bad_phone",
        "联系电话无效",
        "Invalid telephone number",
    ),
    (
        "account.no_role",
        "至少选择一个角色",
        "Choose at least one role",
    ),
    (
        "account.unknown_area",
        "区划代码{code}不存在",
        "No such area {code}",
    ),
    (
        "account.wrong_credentials",
        "用户名或密码错误",
        "Wrong username or password",
    ),
    (
        "account.throttled",
        "登录失败次数过多，请 {seconds} 秒后再试",
        "Too many failed logins: try again in {seconds} s",
    ),
    (
        "account.wrong_current_password",
        "原密码错误",
        "The current password is wrong",
    ),
    (
        "account.forbidden",
        "无权管理该账号或区域",
        "Not allowed for this account or area",
    ),
    (
        "account.bad_expiry",
        "有效期须为 1–{days} 天",
        "A token lives 1–{days} days",
    ),
    (
        "account.no_action",
        "令牌须至少允许一项操作",
        "A token needs at least one action",
    ),
    (
        "account.actions_not_held",
        "用户 {owner} 的角色不含以下操作，令牌不能授予：{actions}。请取消勾选后再创建。",
        "The roles of {owner} do not allow: {actions}. A token cannot grant them; untick them and create it again.",
    ),
    (
        "account.no_token_name",
        "令牌名称不能为空",
        "The token needs a name",
    ),
    (
        "account.taken",
        "用户名“{username}”已被使用",
        "The username {username} is taken",
    ),
];

impl From<password::PasswordProblem> for AccountError {
    fn from(p: password::PasswordProblem) -> Self {
        Self::WeakPassword(p)
    }
}

/// What creating an account needs (the password in clear, checked against the policy).
#[derive(Debug, Clone)]
pub struct AccountForm {
    pub username: String,
    pub real_name: String,
    pub area: AreaCode,
    pub phone: String,
    pub roles: Vec<Role>,
    pub password: String,
}

pub fn valid_username(u: &str) -> bool {
    (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Hashes on a blocking thread: argon2 is meant to take tens of milliseconds of CPU.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
    })
    .await?
}

async fn password_matches(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A fresh secret: 32 random bytes as hex (session cookies, API tokens, CSRF tokens).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A password handed out by an administrator (to be changed at first login): satisfies the
/// policy, avoids look-alike characters.
pub fn temporary_password() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    let mut s: String = (0..8).map(|_| pick(LETTERS)).collect();
    s.push('-');
    s.extend((0..4).map(|_| pick(DIGITS)));
    s
}

fn check_form(form: &AccountForm) -> Result<(), AccountError> {
    if !valid_username(&form.username) {
        return Err(AccountError::BadUsername);
    }
    if form.real_name.trim().is_empty() {
        return Err(AccountError::NoRealName);
    }
    if !fupin_core::validation::valid_phone(&form.phone) {
        return Err(AccountError::BadPhone);
    }
    if form.roles.is_empty() {
        return Err(AccountError::NoRole);
    }
    password::check(&form.username, &form.password)?;
    Ok(())
}

/// Refuses unless `actor` may administer accounts in `area` (the command line may).
fn ensure_administers(actor: &Actor, area: &AreaCode) -> Result<(), AccountError> {
    match &actor.principal {
        Some(p) if !p.administers(area) => Err(AccountError::Forbidden),
        _ => Ok(()),
    }
}

/// Creates an account. `must_change_password`: the password was handed over by someone else.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn add_user(
    db: &Db,
    actor: &Actor,
    form: AccountForm,
    must_change_password: bool,
) -> Result<i64> {
    check_form(&form)?;
    ensure_administers(actor, &form.area)?;
    if db
        .area_names(std::slice::from_ref(&form.area))
        .await?
        .is_empty()
    {
        bail!(AccountError::UnknownArea(form.area.to_string()));
    }
    let new = NewUser {
        username: form.username.clone(),
        real_name: form.real_name.trim().to_string(),
        area: form.area.clone(),
        phone: form.phone.trim().to_string(),
        roles: form.roles.clone(),
        password_hash: hash_password(&form.password).await?,
        must_change_password,
    };
    let roles: Vec<&str> = form.roles.iter().map(|r| r.code()).collect();
    let audit = actor.entry(
        "user.create",
        "user",
        form.username.clone(),
        form.area.as_str(),
        format!("roles={}", roles.join(",")),
    );
    db.create_user(&new, audit).await.map_err(|e| match e {
        fupin_storage::StorageError::Invalid(_) => {
            anyhow::Error::new(AccountError::Taken(form.username.clone()))
        }
        e => e.into(),
    })
}

/// The account `actor` may administer, by username.
async fn administered(db: &Db, actor: &Actor, username: &str) -> Result<User> {
    let Some((user, _)) = db.user_with_hash(username).await? else {
        bail!(crate::error::ServiceError::NotFound);
    };
    ensure_administers(actor, &user.area)?;
    Ok(user)
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn set_disabled(db: &Db, actor: &Actor, username: &str, disabled: bool) -> Result<()> {
    let user = administered(db, actor, username).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    let audit = actor.entry(action, "user", username, user.area.as_str(), "");
    Ok(db.set_user_disabled(user.id, disabled, audit).await?)
}

/// Sets a temporary password (returned, to hand over) that must be changed at the next login;
/// ends the account's sessions.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn reset_password(db: &Db, actor: &Actor, username: &str) -> Result<String> {
    let user = administered(db, actor, username).await?;
    let temporary = temporary_password();
    let hash = hash_password(&temporary).await?;
    let audit = actor.entry(
        "user.reset_password",
        "user",
        username,
        user.area.as_str(),
        "",
    );
    db.set_password(user.id, &hash, true, None, audit).await?;
    Ok(temporary)
}

/// A user changes their own password; their other sessions end.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    user: &User,
    current: &str,
    new: &str,
    this_session: Option<&str>,
) -> Result<()> {
    let Some((_, hash)) = db.user_with_hash(&user.username).await? else {
        bail!(AccountError::WrongCurrentPassword);
    };
    if !password_matches(current, &hash).await {
        bail!(AccountError::WrongCurrentPassword);
    }
    password::check(&user.username, new).map_err(AccountError::from)?;
    let hash = hash_password(new).await?;
    let keep = this_session.map(secret_hash);
    let audit = actor.entry(
        "user.change_password",
        "user",
        user.username.clone(),
        user.area.as_str(),
        "",
    );
    Ok(db
        .set_password(user.id, &hash, false, keep.as_deref(), audit)
        .await?)
}

/// A new login session: the secret goes into the cookie, never into the database.
#[derive(Debug)]
pub struct Login {
    pub session_secret: String,
    pub session: Session,
}

/// How a throttle counter slows attempts: `free` failures are checked without waiting; after
/// the last of them the next attempt waits `first`, and each further failure doubles the wait,
/// up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: i64,
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait after `failures` failures.
    pub fn delay(&self, failures: i64) -> Duration {
        if failures < self.free {
            return Duration::zero();
        }
        let doublings = (failures - self.free).min(30) as u32;
        self.first
            .checked_mul(1 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }
}

/// Checks a username and password and opens a session, throttled (see [`login_at`]).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn login(
    db: &Db,
    username: &str,
    password: &str,
    client_addr: &str,
    user_agent: &str,
) -> Result<Login> {
    login_at(db, username, password, client_addr, user_agent, Utc::now()).await
}

/// [`login`] at `now`. Throttled by two counters, each with its [`Backoff`]: the account's
/// (every attempt on it, from anywhere) and the address's — unless the account has had a
/// session from this address, so that one client guessing behind a shared address cannot keep
/// that address's regular users out. Before the password is checked the attempt is charged
/// to its counters as a failure, atomically (counters locked, charged, committed), and refused
/// with the wait left if a counter is still waiting: of concurrent attempts only as many are
/// checked as the counters allow. A successful login clears the account's counter and gives
/// the address back the attempt. Every attempt is audited.
pub async fn login_at(
    db: &Db,
    username: &str,
    password: &str,
    client_addr: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<Login> {
    let anonymous = Actor {
        principal: None,
        name: username.chars().take(64).collect(),
        client_addr: client_addr.to_string(),
    };
    let account = format!("account:{}", anonymous.name);
    let address = format!("address:{client_addr}");
    let regular = db.has_session_from(username, client_addr).await?;
    let mut counters = vec![(account.as_str(), &ACCOUNT_BACKOFF)];
    if !regular {
        counters.push((address.as_str(), &ADDRESS_BACKOFF));
    }
    if let Some(until) = charge(db, &counters, now).await? {
        let audit = anonymous.entry("login.throttled", "user", username, "", "");
        db.record_login_failure(username, client_addr, audit)
            .await?;
        let wait = u64::try_from((until - now).num_milliseconds()).unwrap_or(0);
        let retry_after = wait.div_ceil(1000).max(1);
        bail!(AccountError::Throttled { retry_after });
    }
    let found = db.user_with_hash(username).await?;
    let user = match found {
        Some((user, hash)) if !user.disabled && password_matches(password, &hash).await => user,
        found => {
            if found.is_none() {
                // as slow as a real check, so that timing does not tell which usernames exist
                let _ = hash_password(password).await;
            }
            let area = found.map(|(u, _)| u.area.to_string()).unwrap_or_default();
            let audit = anonymous.entry("login.failed", "user", username, &area, "");
            db.record_login_failure(username, client_addr, audit)
                .await?;
            bail!(AccountError::WrongCredentials);
        }
    };
    let mut throttle = db.login_throttle().await?;
    if !regular {
        let mut c = throttle.lock(&address).await?;
        c.failures = (c.failures - 1).max(0);
        let next = stamp(now + ADDRESS_BACKOFF.delay(c.failures));
        c.next_at = c.next_at.min(next);
        throttle.set(&address, &c).await?;
    }
    throttle.forget(&account).await?;
    throttle.commit().await?;
    let session_secret = new_secret();
    let new = NewSession {
        token_hash: secret_hash(&session_secret),
        user_id: user.id,
        csrf_token: new_secret(),
        expires_at: iso(now + SESSION_IDLE),
        client_addr: client_addr.to_string(),
        user_agent: user_agent.chars().take(200).collect(),
    };
    let actor = Actor::user(user.principal(), client_addr);
    let audit = actor.entry("login", "user", username, user.area.as_str(), "");
    db.create_session(&new, audit).await?;
    Ok(Login {
        session_secret,
        session: Session {
            user,
            csrf_token: new.csrf_token,
            expires_at: new.expires_at,
        },
    })
}

/// Charges an attempt to each counter, or, if one of them is still waiting, to none: then
/// the time the last of them waits until. Counters are locked in name order (no two attempts
/// wait for each other) and committed together.
async fn charge(
    db: &Db,
    counters: &[(&str, &Backoff)],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let mut counters = counters.to_vec();
    counters.sort_by_key(|(name, _)| *name);
    let (now_s, forget_before) = (stamp(now), stamp(now - THROTTLE_WINDOW));
    let mut throttle = db.login_throttle().await?;
    let mut locked = Vec::with_capacity(counters.len());
    let mut until: Option<DateTime<Utc>> = None;
    for (name, backoff) in counters {
        let c = throttle.lock(name).await?;
        if c.next_at > now_s {
            let next = DateTime::parse_from_rfc3339(&c.next_at)
                .map_err(|e| anyhow::anyhow!("throttle counter {name}: {e}"))?
                .with_timezone(&Utc);
            until = until.max(Some(next));
        }
        locked.push((name, backoff, c));
    }
    if until.is_some() {
        return Ok(until);
    }
    for (name, backoff, mut c) in locked {
        c.failures = if c.last_at < forget_before {
            1
        } else {
            c.failures + 1
        };
        c.last_at = now_s.clone();
        c.next_at = stamp(now + backoff.delay(c.failures));
        throttle.set(name, &c).await?;
    }
    throttle.commit().await?;
    Ok(None)
}

/// A throttle counter's time: to the millisecond, so that `Retry-After` is exact.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The live session behind a cookie's secret, its expiry slid forward (written at most once a
/// minute, so that browsing does not write on every request).
pub async fn session(db: &Db, secret: &str) -> Result<Option<Session>> {
    let now = Utc::now();
    let hash = secret_hash(secret);
    let Some(mut session) = db.live_session(&hash, &iso(now)).await? else {
        return Ok(None);
    };
    let slid = now + SESSION_IDLE;
    if iso(slid - Duration::minutes(1)) > session.expires_at {
        session.expires_at = iso(slid);
        db.touch_session(&hash, &session.expires_at).await?;
    }
    Ok(Some(session))
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn logout(db: &Db, actor: &Actor, secret: &str) -> Result<()> {
    let audit = actor
        .principal
        .as_ref()
        .map(|p| actor.entry("logout", "user", p.username.clone(), p.area.as_str(), ""));
    Ok(db.revoke_session(&secret_hash(secret), audit).await?)
}

/// Creates an API token for `owner`, limited to `actions` (each also allowed to the owner's
/// roles), valid `days`. Returns the id and the secret, which is shown once.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_token(
    db: &Db,
    actor: &Actor,
    owner: &str,
    name: &str,
    actions: &[Action],
    days: i64,
) -> Result<(i64, String)> {
    if name.trim().is_empty() {
        bail!(AccountError::NoTokenName);
    }
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        bail!(AccountError::BadExpiry);
    }
    let user = administered(db, actor, owner).await?;
    let (granted, not_held): (Vec<Action>, Vec<Action>) = actions
        .iter()
        .partition(|a| user.roles.iter().any(|r| r.allows(**a)));
    if !not_held.is_empty() {
        bail!(AccountError::NotHeld {
            owner: owner.to_string(),
            actions: not_held,
        });
    }
    if granted.is_empty() {
        bail!(AccountError::NoAction);
    }
    let secret = format!("fpt_{}", new_secret());
    let expires = iso(Utc::now() + Duration::days(days));
    let codes: Vec<&str> = granted.iter().map(|a| a.code()).collect();
    let detail = format!(
        "owner={owner} name={} actions={} expires={expires}",
        name.trim(),
        codes.join(",")
    );
    let audit = |id: i64| {
        actor.entry(
            "token.create",
            "token",
            id.to_string(),
            user.area.as_str(),
            detail,
        )
    };
    let id = db
        .create_token(
            user.id,
            name.trim(),
            &granted,
            &secret_hash(&secret),
            &expires,
            audit,
        )
        .await?;
    Ok((id, secret))
}

/// The principal a bearer token acts as, if it is live.
pub async fn token_principal(db: &Db, secret: &str) -> Result<Option<Principal>> {
    Ok(db
        .token_principal(&secret_hash(secret), &iso(Utc::now()))
        .await?)
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn revoke_token(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let area = actor.principal.as_ref().map(|p| &p.area);
    let tokens = db.tokens_within(area).await?;
    let Some(token) = tokens.iter().find(|t| t.id == id) else {
        bail!(crate::error::ServiceError::NotFound);
    };
    let owner = administered(db, actor, &token.username).await?;
    let audit = actor.entry(
        "token.revoke",
        "token",
        id.to_string(),
        owner.area.as_str(),
        "",
    );
    Ok(db.revoke_token(id, audit).await?)
}

/// Failed logins are kept this long (far beyond the throttling window, for inspection).
pub const KEEP_FAILURES: Duration = Duration::days(7);
/// Ended sessions are kept this long.
pub const KEEP_SESSIONS: Duration = Duration::days(30);

/// Removes failed logins and ended sessions older than they are kept, and throttle counters
/// that have forgotten their failures (run by the server at start and then hourly).
pub async fn purge_stale(db: &Db) -> Result<(u64, u64)> {
    let now = Utc::now();
    Ok(db
        .purge_stale(
            &iso(now - KEEP_FAILURES),
            &iso(now - KEEP_SESSIONS),
            &stamp(now - THROTTLE_WINDOW),
        )
        .await?)
}

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
