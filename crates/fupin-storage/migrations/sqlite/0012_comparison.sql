-- Big-data comparison (issue 7): department lists kept as dated snapshots, and the runs that
-- link a snapshot to the registry's members. Kept in step with the other backend's
-- 0012_comparison.sql.

-- A department list delivered again and again (名称 such as "县公安局机动车"), with the column
-- mapping it is read through (JSON: [[field, [header, …]], …]).
CREATE TABLE department_sources (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    mapping    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One delivery of a source's list. The same file imported twice is one snapshot: its hash is
-- part of the key, so a retried import never duplicates.
CREATE TABLE department_snapshots (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES department_sources (id) ON DELETE CASCADE,
    as_of       TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    records     BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source_id, sha256)
);

-- The rows of a snapshot as read (the ID number as typed: linkage copes with what it is).
-- WITHOUT ROWID here and for record_links: rows keyed by (parent, row number) are written
-- millions at a time, and one B-tree instead of a table plus its key index halves the writing.
CREATE TABLE department_records (
    snapshot_id BIGINT NOT NULL REFERENCES department_snapshots (id) ON DELETE CASCADE,
    row_no      BIGINT NOT NULL,
    record_key  TEXT NOT NULL,
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    sex         TEXT,
    birth_date  TEXT,
    place       TEXT NOT NULL,
    event_date  TEXT,
    amount      BIGINT,
    detail      TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, row_no)
) WITHOUT ROWID;

-- A comparison of one snapshot with the registry's members within an area ('' for all): the settings it ran with, the model it
-- estimated (so every link's explanation can be rebuilt) and its counts.
CREATE TABLE comparison_runs (
    id          INTEGER PRIMARY KEY,
    snapshot_id BIGINT NOT NULL REFERENCES department_snapshots (id) ON DELETE CASCADE,
    area_code   TEXT NOT NULL,
    settings    TEXT NOT NULL,
    model       TEXT,
    stats       TEXT,
    started_by  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);

-- Each record's outcome in a run with a member found (a record without any is absent):
-- pattern holds the agreement level of every field, 3 bits each (fupin_core::linkage::Pattern);
-- decision 0 match, 1 review, 2 no match; method 0 exact ID, 1 probabilistic.
CREATE TABLE record_links (
    run_id       BIGINT NOT NULL REFERENCES comparison_runs (id) ON DELETE CASCADE,
    row_no       BIGINT NOT NULL,
    member_id    BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    runner_up    BIGINT,
    pattern      INTEGER NOT NULL,
    bits         REAL NOT NULL,
    probability  REAL NOT NULL,
    decision     INTEGER NOT NULL,
    method       INTEGER NOT NULL,
    PRIMARY KEY (run_id, row_no)
) WITHOUT ROWID;
