-- Field work (issue 27): helpers as people with an account only if they log in, their units,
-- pairings with start and end dates (a change writes a new row, domain.md §1.5), village work
-- teams, visits with their photos (kept by SHA-256 in the object store), village sign-ins, and
-- the monthly tallies the summaries read. Kept in step with the other backend's file.

-- 帮扶单位, named within the area that manages its helpers.
CREATE TABLE helper_units (
    id        INTEGER PRIMARY KEY,
    area_code TEXT NOT NULL,
    name      TEXT NOT NULL,
    level     TEXT NOT NULL DEFAULT '',
    UNIQUE (area_code, name)
);

-- 帮扶责任人: area_code is where they help (who manages them, and whose scope they are in).
CREATE TABLE helpers (
    id         INTEGER PRIMARY KEY,
    area_code  TEXT NOT NULL,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL DEFAULT '',
    unit_id    BIGINT REFERENCES helper_units (id),
    post       TEXT NOT NULL DEFAULT '',
    user_id    BIGINT UNIQUE REFERENCES users (id),
    created_at TEXT NOT NULL,
    left_on    TEXT
);
CREATE INDEX helpers_area ON helpers (area_code);
CREATE INDEX helpers_phone ON helpers (phone);

-- A household's helper from started_on; ended_on is set when another takes over (never
-- overwritten). One current helper per household.
CREATE TABLE pairings (
    id           INTEGER PRIMARY KEY,
    helper_id    BIGINT NOT NULL REFERENCES helpers (id),
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    started_on   TEXT NOT NULL,
    ended_on     TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX pairings_current ON pairings (household_id) WHERE ended_on IS NULL;
CREATE INDEX pairings_helper_current ON pairings (helper_id) WHERE ended_on IS NULL;
CREATE INDEX pairings_household ON pairings (household_id, started_on);

-- The pairs of issue 16 become helpers (their account's name and phone, no unit yet) and pairings; a
-- household paired with several accounts keeps the first as its helper and the others as
-- ended on the day of this migration.
INSERT INTO helpers (area_code, name, phone, user_id, created_at)
SELECT u.area_code, u.real_name, u.phone, u.id, MIN(p.since)
FROM helper_pairs p JOIN users u ON u.id = p.user_id
GROUP BY u.id, u.area_code, u.real_name, u.phone;
INSERT INTO pairings (helper_id, household_id, started_on, ended_on, created_at, created_by)
SELECT h.id, p.household_id, substr(p.since, 1, 10),
       CASE WHEN p.user_id = (SELECT q.user_id FROM helper_pairs q WHERE q.household_id = p.household_id
                              ORDER BY q.since, q.user_id LIMIT 1)
            THEN NULL ELSE substr(p.since, 1, 10) END,
       p.since, 'migration'
FROM helper_pairs p JOIN helpers h ON h.user_id = p.user_id
ORDER BY p.household_id, p.since, p.user_id;
DROP TABLE helper_pairs;

-- 驻村工作队 and 第一书记: who serves in which village, from when to when.
CREATE TABLE village_teams (
    id           INTEGER PRIMARY KEY,
    village_code TEXT NOT NULL,
    helper_id    BIGINT NOT NULL REFERENCES helpers (id),
    role         TEXT NOT NULL,
    started_on   TEXT NOT NULL,
    ended_on     TEXT
);
CREATE INDEX village_teams_village ON village_teams (village_code);
CREATE INDEX village_teams_helper ON village_teams (helper_id);

-- One visit as the phone sent it; client_id (made by the phone) makes a replayed sync a no-op.
-- village_code and month are the household's village and the Beijing month at the visit.
CREATE TABLE visits (
    id           INTEGER PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    helper_id    BIGINT NOT NULL REFERENCES helpers (id),
    village_code TEXT NOT NULL,
    visited_at   TEXT NOT NULL,
    month        TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    lat          REAL,
    lon          REAL,
    accuracy_m   REAL,
    distance_m   REAL,
    flags        TEXT NOT NULL,
    flagged      BOOLEAN NOT NULL,
    done         TEXT NOT NULL,
    needs        TEXT NOT NULL,
    changed      TEXT NOT NULL,
    photos       BIGINT NOT NULL,
    edited_at    TEXT
);
CREATE INDEX visits_household ON visits (household_id, visited_at);
CREATE INDEX visits_helper ON visits (helper_id, visited_at);
CREATE INDEX visits_village_month ON visits (village_code, month);

-- After the edit window a visit is corrected by appending, never rewritten.
CREATE TABLE visit_corrections (
    id          INTEGER PRIMARY KEY,
    visit_id    BIGINT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX visit_corrections_visit ON visit_corrections (visit_id);

-- A photo's bytes live in the object store under its SHA-256; this row says what they are.
CREATE TABLE photos (
    sha256    TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    bytes     BIGINT NOT NULL,
    taken_at  TEXT,
    lat       REAL,
    lon       REAL,
    stored_at TEXT NOT NULL
);
CREATE TABLE visit_photos (
    visit_id BIGINT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    sha256   TEXT NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (visit_id, position)
);
CREATE INDEX visit_photos_sha256 ON visit_photos (sha256);

-- 驻村签到: arriving at (in) and leaving (out) a village, with the phone's position.
CREATE TABLE village_signins (
    id           INTEGER PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    helper_id    BIGINT NOT NULL REFERENCES helpers (id),
    village_code TEXT NOT NULL,
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,
    day          TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    lat          REAL,
    lon          REAL,
    accuracy_m   REAL,
    distance_m   REAL,
    flags        TEXT NOT NULL
);
CREATE INDEX village_signins_helper ON village_signins (helper_id, day);
CREATE INDEX village_signins_village ON village_signins (village_code, day);

-- Monthly tallies, written with each visit: per helper and village, and per village (a
-- household visited by two helpers in a month counts once in the village's households).
CREATE TABLE visit_months (
    household_id BIGINT NOT NULL,
    month        TEXT NOT NULL,
    helper_id    BIGINT NOT NULL,
    village_code TEXT NOT NULL,
    visits       BIGINT NOT NULL,
    PRIMARY KEY (household_id, month, helper_id)
);
CREATE TABLE helper_tallies (
    month        TEXT NOT NULL,
    helper_id    BIGINT NOT NULL,
    village_code TEXT NOT NULL,
    visits       BIGINT NOT NULL,
    households   BIGINT NOT NULL,
    flagged      BIGINT NOT NULL,
    photos       BIGINT NOT NULL,
    PRIMARY KEY (month, helper_id, village_code)
);
CREATE TABLE village_tallies (
    month        TEXT NOT NULL,
    village_code TEXT NOT NULL,
    visits       BIGINT NOT NULL,
    households   BIGINT NOT NULL,
    flagged      BIGINT NOT NULL,
    photos       BIGINT NOT NULL,
    PRIMARY KEY (month, village_code)
);

-- Each household's latest visit, for "not visited in N days".
CREATE TABLE last_visits (
    household_id BIGINT PRIMARY KEY,
    village_code TEXT NOT NULL,
    visited_at   TEXT NOT NULL
);
