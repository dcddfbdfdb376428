//! User accounts and roles, login sessions, login failures and the login throttle's counters,
//! API tokens and helper pairings.
//!
//! Secrets never reach the database in clear: passwords arrive hashed (argon2id, by the
//! services layer), session and API tokens are stored as their SHA-256.

use fupin_core::access::{Action, Principal, Role};
use fupin_core::{AreaCode, CodeList};

use crate::NewAuditEntry;
use crate::registry::now_utc;
use crate::sql::{Value, execute, execute_unless_busy, fetch_all};
use crate::{Db, StorageError};

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub real_name: String,
    pub area: AreaCode,
    pub phone: String,
    pub roles: Vec<Role>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: String,
}

impl User {
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username.clone(),
            area: self.area.clone(),
            roles: self.roles.clone(),
            token_actions: None,
        }
    }
}

/// What creating an account needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub real_name: String,
    pub area: AreaCode,
    pub phone: String,
    pub roles: Vec<Role>,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct UserRow {
    id: i64,
    username: String,
    real_name: String,
    area_code: String,
    phone: String,
    password_hash: String,
    // read flattened into the session's row, where serde needs to be told 0/1 is a flag
    #[serde(deserialize_with = "crate::snapshot::flag")]
    must_change_password: bool,
    #[serde(deserialize_with = "crate::snapshot::flag")]
    disabled: bool,
    created_at: String,
    roles: String,
}

impl UserRow {
    fn into_user(self) -> Result<(User, String), StorageError> {
        let area = AreaCode::parse(&self.area_code)
            .map_err(|e| StorageError::Corrupt(format!("user {}: {e}", self.username)))?;
        let mut roles = parse_list::<Role>(&self.roles)
            .map_err(|r| StorageError::Corrupt(format!("user {}: role {r}", self.username)))?;
        roles.sort();
        Ok((
            User {
                id: self.id,
                username: self.username,
                real_name: self.real_name,
                area,
                phone: self.phone,
                roles,
                must_change_password: self.must_change_password,
                disabled: self.disabled,
                created_at: self.created_at,
            },
            self.password_hash,
        ))
    }
}

/// Comma-separated codes (as `user_roles` is aggregated and `api_tokens.actions` stored).
fn parse_list<T: CodeList>(text: &str) -> Result<Vec<T>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| T::parse(s).ok_or_else(|| s.to_string()))
        .collect()
}

fn join_codes<T: CodeList>(items: &[T]) -> String {
    items.iter().map(|i| i.code()).collect::<Vec<_>>().join(",")
}

/// Users with their roles folded into one column, in the order roles are listed.
const USER_SELECT: &str = "SELECT u.id, u.username, u.real_name, u.area_code, u.phone, u.password_hash, \
    u.must_change_password, u.disabled, u.created_at, \
    COALESCE((SELECT {agg} FROM user_roles r WHERE r.user_id = u.id), '') AS roles{extra} \
    FROM users u";

/// A session as the web layer checks it on each request.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: String,
    pub client_addr: String,
    pub user_agent: String,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub actions: Vec<Action>,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct TokenRow {
    id: i64,
    user_id: i64,
    username: String,
    name: String,
    actions: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

impl TokenRow {
    fn into_token(self) -> Result<ApiToken, StorageError> {
        Ok(ApiToken {
            actions: parse_list::<Action>(&self.actions)
                .map_err(|a| StorageError::Corrupt(format!("token {}: action {a}", self.id)))?,
            id: self.id,
            user_id: self.user_id,
            username: self.username,
            name: self.name,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            last_used_at: self.last_used_at,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Id {
    id: i64,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Count {
    n: i64,
}

impl Db {
    fn user_select(&self) -> String {
        user_select(self.backend())
    }

    /// Creates an account with its roles; fails if the username is taken.
    pub async fn create_user(
        &self,
        u: &NewUser,
        audit: NewAuditEntry,
    ) -> Result<i64, StorageError> {
        let mut tx = self.begin().await?;
        let now = now_utc();
        let taken: Vec<Id> = fetch_all(
            &mut tx,
            "SELECT id FROM users WHERE username = $1",
            &[Value::Text(u.username.clone())],
        )
        .await?;
        if !taken.is_empty() {
            return Err(StorageError::Invalid(format!(
                "username {:?} is taken",
                u.username
            )));
        }
        let rows: Vec<Id> = fetch_all(
            &mut tx,
            "INSERT INTO users (username, real_name, area_code, phone, password_hash, \
             must_change_password, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                Value::Text(u.username.clone()),
                Value::Text(u.real_name.clone()),
                Value::Text(u.area.as_str().to_string()),
                Value::Text(u.phone.clone()),
                Value::Text(u.password_hash.clone()),
                Value::Bool(u.must_change_password),
                Value::Bool(false),
                Value::Text(now.clone()),
                Value::Text(now),
            ],
        )
        .await?;
        let id = rows.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
        set_roles(&mut tx, id, &u.roles).await?;
        tx.commit_audited(vec![audit]).await?;
        Ok(id)
    }

    /// The account and its password hash, by username.
    pub async fn user_with_hash(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StorageError> {
        let rows: Vec<UserRow> = fetch_all(
            &mut self.reader().await?,
            &format!("{} WHERE u.username = $1", self.user_select()),
            &[Value::Text(username.to_string())],
        )
        .await?;
        rows.into_iter().next().map(UserRow::into_user).transpose()
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>, StorageError> {
        let rows: Vec<UserRow> = crate::sql::fetch_once(
            self,
            &format!("{} WHERE u.id = $1", self.user_select()),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .map(UserRow::into_user)
            .transpose()?
            .map(|(u, _)| u))
    }

    /// Accounts bound to `area` or below (all accounts when `None`), by username.
    pub async fn users_within(&self, area: Option<&AreaCode>) -> Result<Vec<User>, StorageError> {
        let (lo, hi) = area.map_or_else(
            || ("0".repeat(12), "9".repeat(12)),
            AreaCode::descendant_range,
        );
        let rows: Vec<UserRow> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "{} WHERE u.area_code BETWEEN $1 AND $2 ORDER BY u.username",
                self.user_select()
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        rows.into_iter()
            .map(|r| r.into_user().map(|(u, _)| u))
            .collect()
    }

    /// Disables or re-enables an account; disabling also ends its sessions and tokens.
    pub async fn set_user_disabled(
        &self,
        id: i64,
        disabled: bool,
        audit: NewAuditEntry,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let now = now_utc();
        let n = execute(
            &mut tx,
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3",
            &[
                Value::Bool(disabled),
                Value::Text(now.clone()),
                Value::I64(id),
            ],
        )
        .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        if disabled {
            revoke_all(&mut tx, id, &now).await?;
        }
        tx.commit_audited(vec![audit]).await
    }

    /// Replaces an account's password hash; ends its other sessions.
    pub async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        audit: NewAuditEntry,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let now = now_utc();
        let n = execute(
            &mut tx,
            "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4",
            &[
                Value::Text(password_hash.to_string()),
                Value::Bool(must_change),
                Value::Text(now.clone()),
                Value::I64(id),
            ],
        )
        .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        execute(
            &mut tx,
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
            &[
                Value::Text(now),
                Value::I64(id),
                Value::Text(keep_session.unwrap_or("").to_string()),
            ],
        )
        .await?;
        tx.commit_audited(vec![audit]).await
    }

    pub async fn create_session(
        &self,
        s: &NewSession,
        audit: NewAuditEntry,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let now = now_utc();
        execute(
            &mut tx,
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
             expires_at, revoked_at, client_addr, user_agent) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)",
            &[
                Value::Text(s.token_hash.clone()),
                Value::I64(s.user_id),
                Value::Text(s.csrf_token.clone()),
                Value::Text(now.clone()),
                Value::Text(now),
                Value::Text(s.expires_at.clone()),
                Value::Text(s.client_addr.clone()),
                Value::Text(s.user_agent.clone()),
            ],
        )
        .await?;
        tx.commit_audited(vec![audit]).await
    }

    /// The live session with this token hash: not revoked, not expired at `now`, account enabled.
    pub async fn live_session(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<Session>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            #[sqlx(flatten)]
            #[serde(flatten)]
            user: UserRow,
            csrf_token: String,
            session_expires_at: String,
        }
        // one statement, no transaction: every request of a logged-in user runs it
        let sql = format!(
            "{} JOIN sessions s ON s.user_id = u.id \
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
             AND NOT u.disabled",
            user_select_with(
                self.backend(),
                ", s.csrf_token, s.expires_at AS session_expires_at"
            )
        );
        let rows: Vec<Row> = crate::sql::fetch_once(
            self,
            &sql,
            &[
                Value::Text(token_hash.to_string()),
                Value::Text(now.to_string()),
            ],
        )
        .await?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let (user, _) = row.user.into_user()?;
        Ok(Some(Session {
            user,
            csrf_token: row.csrf_token,
            expires_at: row.session_expires_at,
        }))
    }

    /// Extends a session that is in use (sliding expiry), unless another writer holds the
    /// lock: then the next request does it (`false`).
    pub async fn touch_session(
        &self,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<bool, StorageError> {
        execute_unless_busy(
            self,
            "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
            &[
                Value::Text(now_utc()),
                Value::Text(expires_at.to_string()),
                Value::Text(token_hash.to_string()),
            ],
        )
        .await
    }

    /// Ends a session; `audit` records who logged out (none for a session nobody holds).
    pub async fn revoke_session(
        &self,
        token_hash: &str,
        audit: Option<NewAuditEntry>,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        execute(
            &mut tx,
            "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
            &[Value::Text(now_utc()), Value::Text(token_hash.to_string())],
        )
        .await?;
        tx.commit_audited(audit.into_iter().collect()).await
    }

    pub async fn record_login_failure(
        &self,
        username: &str,
        addr: &str,
        audit: NewAuditEntry,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        execute(
            &mut tx,
            "INSERT INTO login_failures (username, client_addr, at) VALUES ($1, $2, $3)",
            &[
                Value::Text(username.to_string()),
                Value::Text(addr.to_string()),
                Value::Text(now_utc()),
            ],
        )
        .await?;
        tx.commit_audited(vec![audit]).await
    }

    /// Whether `username` has had a session opened from `addr` (sessions are kept 30 days after
    /// they end): the address is one the account's owner uses.
    pub async fn has_session_from(&self, username: &str, addr: &str) -> Result<bool, StorageError> {
        let rows: Vec<Count> = fetch_all(
            &mut self.reader().await?,
            "SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = $1 AND s.client_addr = $2",
            &[
                Value::Text(username.to_string()),
                Value::Text(addr.to_string()),
            ],
        )
        .await?;
        Ok(rows.first().is_some_and(|c| c.n > 0))
    }

    /// Opens the login throttle's counters for one attempt (a write transaction).
    pub async fn login_throttle(&self) -> Result<LoginThrottle, StorageError> {
        Ok(LoginThrottle {
            tx: self.begin().await?,
        })
    }

    /// Deletes failed logins recorded before `failures_before`, sessions that ended (expired
    /// or revoked) before `sessions_before` and throttle counters last charged before
    /// `throttle_before` and no longer waiting; returns how many failures and sessions went.
    /// Logins and logouts stay in the audit trail.
    pub async fn purge_stale(
        &self,
        failures_before: &str,
        sessions_before: &str,
        throttle_before: &str,
    ) -> Result<(u64, u64), StorageError> {
        let mut tx = self.begin().await?;
        execute(
            &mut tx,
            "DELETE FROM login_throttle WHERE last_at < $1 AND next_at < $1",
            &[Value::Text(throttle_before.to_string())],
        )
        .await?;
        let failures = execute(
            &mut tx,
            "DELETE FROM login_failures WHERE at < $1",
            &[Value::Text(failures_before.to_string())],
        )
        .await?;
        let sessions = execute(
            &mut tx,
            "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
            &[Value::Text(sessions_before.to_string())],
        )
        .await?;
        tx.commit().await?;
        Ok((failures, sessions))
    }

    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        actions: &[Action],
        token_hash: &str,
        expires_at: &str,
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<i64, StorageError> {
        let mut tx = self.begin().await?;
        let rows: Vec<Id> = fetch_all(
            &mut tx,
            "INSERT INTO api_tokens (token_hash, user_id, name, actions, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                Value::Text(token_hash.to_string()),
                Value::I64(user_id),
                Value::Text(name.to_string()),
                Value::Text(join_codes(actions)),
                Value::Text(now_utc()),
                Value::Text(expires_at.to_string()),
            ],
        )
        .await?;
        let id = rows.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
        tx.commit_audited(vec![audit(id)]).await?;
        Ok(id)
    }

    /// The principal a live token acts as (owner's area and roles, narrowed to its actions);
    /// its last use is recorded to the minute.
    pub async fn token_principal(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<Principal>, StorageError> {
        // one statement each, no transaction: every API call runs them (see `live_session`)
        let rows: Vec<TokenRow> = crate::sql::fetch_once(
            self,
            &format!(
                "{TOKEN_SELECT} WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"
            ),
            &[Value::Text(token_hash.to_string()), Value::Text(now.to_string())],
        )
        .await?;
        let Some(token) = rows
            .into_iter()
            .next()
            .map(TokenRow::into_token)
            .transpose()?
        else {
            return Ok(None);
        };
        let Some(owner) = self.user(token.user_id).await?.filter(|u| !u.disabled) else {
            return Ok(None);
        };
        // last use is kept to the minute: a client calling often does not write on every call
        let minute = |t: &str| t.get(..16).map(str::to_string);
        if token.last_used_at.as_deref().and_then(minute) != minute(now) {
            execute_unless_busy(
                self,
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                &[Value::Text(now.to_string()), Value::I64(token.id)],
            )
            .await?;
        }
        let mut p = owner.principal();
        p.username = format!("{}#{}", owner.username, token.name);
        p.token_actions = Some(token.actions);
        Ok(Some(p))
    }

    /// Tokens owned by accounts bound to `area` or below (all when `None`).
    pub async fn tokens_within(
        &self,
        area: Option<&AreaCode>,
    ) -> Result<Vec<ApiToken>, StorageError> {
        let (lo, hi) = area.map_or_else(
            || ("0".repeat(12), "9".repeat(12)),
            AreaCode::descendant_range,
        );
        let rows: Vec<TokenRow> = fetch_all(
            &mut self.reader().await?,
            &format!("{TOKEN_SELECT} WHERE u.area_code BETWEEN $1 AND $2 ORDER BY t.id"),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        rows.into_iter().map(TokenRow::into_token).collect()
    }

    pub async fn revoke_token(&self, id: i64, audit: NewAuditEntry) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let n = execute(
            &mut tx,
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[Value::Text(now_utc()), Value::I64(id)],
        )
        .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit_audited(vec![audit]).await
    }

    /// Pairs a user's helper record (made from the account if they have none) with a
    /// household from today, ending its current pairing; pairing twice changes nothing. No
    /// limit is checked: for the demo and tests (`fupin_services::field` pairs for people).
    pub async fn pair_helper(&self, user_id: i64, household_id: i64) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let helper = match fetch_all::<crate::field::visits::Id>(
            &mut tx,
            "SELECT id FROM helpers WHERE user_id = $1",
            &[Value::I64(user_id)],
        )
        .await?
        .first()
        {
            Some(h) => h.id,
            None => {
                let select = user_select(tx.backend());
                let users: Vec<UserRow> = fetch_all(
                    &mut tx,
                    &format!("{select} WHERE u.id = $1"),
                    &[Value::I64(user_id)],
                )
                .await?;
                let (user, _) = users
                    .into_iter()
                    .next()
                    .ok_or(StorageError::NotFound)?
                    .into_user()?;
                tx.insert_helper(&crate::field::helpers::NewHelper {
                    area_code: user.area.to_string(),
                    name: user.real_name,
                    phone: user.phone,
                    unit_id: None,
                    post: String::new(),
                    user_id: Some(user_id),
                })
                .await?
            }
        };
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        match tx.current_pairing(household_id).await? {
            Some(p) if p.helper_id == helper => return tx.commit().await,
            Some(p) => tx.end_pairing(p.id, &today).await?,
            None => {}
        }
        tx.insert_pairing(helper, household_id, &today, "pair_helper")
            .await?;
        tx.commit().await
    }
}

/// The users' columns with their roles listed as the backend spells a comma list.
fn user_select(backend: crate::Backend) -> String {
    user_select_with(backend, "")
}

/// The user query with `extra` columns (", s.x AS y") of tables joined after `users u`.
fn user_select_with(backend: crate::Backend, extra: &str) -> String {
    USER_SELECT
        .replace("{agg}", &backend.comma_list("r.role"))
        .replace("{extra}", extra)
}

/// A login throttle's counter: failures charged, when the last was, and the time before which
/// no further attempt is checked (ISO 8601 UTC with milliseconds; empty: never).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct ThrottleCounter {
    pub failures: i64,
    pub last_at: String,
    pub next_at: String,
}

/// The counters of one login attempt, locked until [`LoginThrottle::commit`]: concurrent
/// attempts on the same counter wait for each other (a row lock on PostgreSQL, SQLite's write
/// lock). Dropped without commit, nothing changes.
pub struct LoginThrottle {
    tx: crate::Tx,
}

impl LoginThrottle {
    /// The counter called `name`, locked (a new one counts from nothing). Lock several in one
    /// order everywhere (sorted by name) so that two attempts never wait for each other.
    pub async fn lock(&mut self, name: &str) -> Result<ThrottleCounter, StorageError> {
        execute(
            &mut self.tx,
            "INSERT INTO login_throttle (counter, failures, last_at, next_at) \
             VALUES ($1, 0, '', '') ON CONFLICT (counter) DO NOTHING",
            &[Value::Text(name.to_string())],
        )
        .await?;
        let lock = self.tx.backend().for_update();
        let rows: Vec<ThrottleCounter> = fetch_all(
            &mut self.tx,
            &format!(
                "SELECT failures, last_at, next_at FROM login_throttle WHERE counter = $1{lock}"
            ),
            &[Value::Text(name.to_string())],
        )
        .await?;
        rows.into_iter().next().ok_or(StorageError::NotFound)
    }

    /// Sets a counter locked by [`LoginThrottle::lock`].
    pub async fn set(&mut self, name: &str, c: &ThrottleCounter) -> Result<(), StorageError> {
        execute(
            &mut self.tx,
            "UPDATE login_throttle SET failures = $1, last_at = $2, next_at = $3 WHERE counter = $4",
            &[
                Value::I64(c.failures),
                Value::Text(c.last_at.clone()),
                Value::Text(c.next_at.clone()),
                Value::Text(name.to_string()),
            ],
        )
        .await?;
        Ok(())
    }

    /// Removes a counter (an account after a successful login).
    pub async fn forget(&mut self, name: &str) -> Result<(), StorageError> {
        execute(
            &mut self.tx,
            "DELETE FROM login_throttle WHERE counter = $1",
            &[Value::Text(name.to_string())],
        )
        .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StorageError> {
        self.tx.commit().await
    }
}

const TOKEN_SELECT: &str = "SELECT t.id, t.user_id, u.username, t.name, t.actions, t.created_at, \
    t.expires_at, t.revoked_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

async fn set_roles(tx: &mut crate::Tx, user_id: i64, roles: &[Role]) -> Result<(), StorageError> {
    execute(
        tx,
        "DELETE FROM user_roles WHERE user_id = $1",
        &[Value::I64(user_id)],
    )
    .await?;
    for role in roles {
        execute(
            tx,
            "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)",
            &[Value::I64(user_id), Value::Text(role.code().to_string())],
        )
        .await?;
    }
    Ok(())
}

async fn revoke_all(tx: &mut crate::Tx, user_id: i64, now: &str) -> Result<(), StorageError> {
    for table in ["sessions", "api_tokens"] {
        execute(
            tx,
            &format!(
                "UPDATE {table} SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
            ),
            &[Value::Text(now.to_string()), Value::I64(user_id)],
        )
        .await?;
    }
    Ok(())
}
