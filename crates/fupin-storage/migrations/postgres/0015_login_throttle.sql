-- Login throttling (fupin_services::accounts): one counter per account and per client address,
-- each with its failures and the time before which no further attempt is checked. A login
-- attempt locks and charges its counters in one transaction before the password is checked,
-- so concurrent attempts cannot all pass. `login_failures` stays as the record of failures.
CREATE TABLE login_throttle (
    counter  TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at  TEXT NOT NULL,
    next_at  TEXT NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
