-- The registry (建档立卡): areas, households, members, yearly income and status, change log,
-- import runs and policy parameters. Kept in step with ../postgres/0001_registry.sql
-- (same tables, columns and keys; tests/schema.rs compares them).

CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    parent_code TEXT REFERENCES areas (code)
);
CREATE INDEX areas_parent ON areas (parent_code);

CREATE TABLE households (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    village_code      TEXT NOT NULL REFERENCES areas (code),
    grp               TEXT NOT NULL,
    address           TEXT NOT NULL,
    phone             TEXT NOT NULL,
    bank_name         TEXT NOT NULL,
    bank_account      TEXT NOT NULL,
    standard          TEXT NOT NULL,
    attribute         TEXT NOT NULL,
    main_cause        TEXT NOT NULL,
    other_causes      TEXT NOT NULL,
    status            TEXT NOT NULL,
    registered_year   INTEGER NOT NULL,
    exit_year         INTEGER,
    monitoring        TEXT,
    lon               REAL,
    lat               REAL,
    arable_land_mu    REAL NOT NULL,
    irrigated_land_mu REAL NOT NULL,
    forest_land_mu    REAL NOT NULL,
    housing_area_m2   REAL NOT NULL,
    house_structure   TEXT,
    house_built_year  INTEGER,
    house_grade       TEXT,
    relocated         BOOLEAN NOT NULL,
    electricity       BOOLEAN NOT NULL,
    water_source      TEXT,
    water_difficult   BOOLEAN NOT NULL,
    water_safe        BOOLEAN NOT NULL,
    cooking_fuel      TEXT,
    road_distance_km  REAL NOT NULL,
    income_year       INTEGER,
    member_count      INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX households_village ON households (village_code);

CREATE TABLE members (
    id                         INTEGER PRIMARY KEY,
    household_id               INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    seq                        INTEGER NOT NULL,
    name                       TEXT NOT NULL,
    id_number                  TEXT NOT NULL UNIQUE,
    sex                        TEXT NOT NULL,
    birth_date                 TEXT NOT NULL,
    relation                   TEXT NOT NULL,
    ethnicity                  TEXT NOT NULL,
    education                  TEXT NOT NULL,
    schooling                  TEXT NOT NULL,
    health                     TEXT NOT NULL,
    labour                     TEXT NOT NULL,
    migrant_work               TEXT NOT NULL,
    migrant_months             INTEGER NOT NULL,
    medical_insurance          BOOLEAN NOT NULL,
    pension_insurance          BOOLEAN NOT NULL,
    dibao                      BOOLEAN NOT NULL,
    critical_illness_insurance BOOLEAN NOT NULL
);
CREATE INDEX members_household ON members (household_id);

CREATE TABLE household_incomes (
    household_id           INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year                   INTEGER NOT NULL,
    wage                   BIGINT NOT NULL,
    business               BIGINT NOT NULL,
    property               BIGINT NOT NULL,
    transfer               BIGINT NOT NULL,
    production_expenditure BIGINT NOT NULL,
    household_size         INTEGER NOT NULL,
    per_capita             BIGINT,
    formula                TEXT NOT NULL,
    PRIMARY KEY (household_id, year)
);

CREATE TABLE household_status_years (
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    PRIMARY KEY (household_id, year)
);

CREATE TABLE import_runs (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL,
    file_name            TEXT NOT NULL,
    file_sha256          TEXT NOT NULL,
    actor                TEXT NOT NULL,
    mode                 TEXT NOT NULL,
    started_at           TEXT NOT NULL,
    finished_at          TEXT,
    outcome              TEXT NOT NULL,
    rows_read            BIGINT NOT NULL,
    households_created   BIGINT NOT NULL,
    households_updated   BIGINT NOT NULL,
    households_unchanged BIGINT NOT NULL,
    households_invalid   BIGINT NOT NULL
);

-- Who changed what, when and why. Append-only: rows are never updated or deleted.
CREATE TABLE change_log (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER REFERENCES households (id),
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    diff          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    import_run_id INTEGER REFERENCES import_runs (id)
);
CREATE INDEX change_log_household ON change_log (household_id);

CREATE TABLE policy_params (
    key       TEXT NOT NULL,
    region    TEXT NOT NULL,
    year_from INTEGER NOT NULL,
    value     BIGINT NOT NULL,
    evidence  TEXT NOT NULL,
    source    TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (key, region, year_from)
);
