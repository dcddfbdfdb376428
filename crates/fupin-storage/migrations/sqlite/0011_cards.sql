-- The household card (明白卡), its code (一户一码) and its archives (issue 6). Kept in step with
-- the other backend's 0011_cards.sql.

-- The code printed on a household's card: an unguessable token (never the ID or household
-- number). At most one is live per household; issuing a new one revokes the old, and a revoked
-- token leads nowhere.
CREATE TABLE household_codes (
    token        TEXT PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    issued_at    TEXT NOT NULL,
    issued_by    TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX household_codes_live ON household_codes (household_id) WHERE revoked_at IS NULL;

-- The lines of a year's income and expenditure as typed for the card (收入明白卡); their sums by
-- category are the year's household_incomes row.
CREATE TABLE income_items (
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    category     TEXT NOT NULL,
    item         TEXT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (household_id, year, seq)
);

-- Scanned paper documents of a household (PDF, JPEG, PNG), checked by their first bytes. The
-- same file attached twice is one archive: the hash is part of the key.
CREATE TABLE household_archives (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    title        TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    body         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    UNIQUE (household_id, sha256)
);

-- Matching reads a year's deliveries by household: with the codes in the index it never reads
-- the table (a province has ten million deliveries a year).
DROP INDEX measure_deliveries_year;
CREATE INDEX measure_deliveries_codes ON measure_deliveries (year, household_id, measure_code, member_id_number);
