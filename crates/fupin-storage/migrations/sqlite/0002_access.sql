-- Accounts and roles, sessions, login throttling, API tokens, helper pairings and the audit
-- trail. Kept in step with ../postgres/0002_access.sql (tests/schema.rs compares them).

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    real_name            TEXT NOT NULL,
    area_code            TEXT NOT NULL REFERENCES areas (code),
    phone                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    disabled             BOOLEAN NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX users_area ON users (area_code);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- A login session: the cookie holds a random token, only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    client_addr  TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, counted per account and per client address to throttle guessing.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    username    TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_addr ON login_failures (client_addr, at);

-- A machine client acts as its owner (area and roles), narrowed to the token's actions.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    actions      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- 结对帮扶: which helper cadre is paired with which household.
CREATE TABLE helper_pairs (
    user_id      INTEGER NOT NULL REFERENCES users (id),
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    since        TEXT NOT NULL,
    PRIMARY KEY (user_id, household_id)
);
CREATE INDEX helper_pairs_household ON helper_pairs (household_id);

-- Append-only and hash-chained: each entry's hash covers its fields and the previous hash.
-- user_id is deliberately not a foreign key: the trail outlives the accounts it names.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    user_id     BIGINT,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    area_code   TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_area ON audit_log (area_code, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
