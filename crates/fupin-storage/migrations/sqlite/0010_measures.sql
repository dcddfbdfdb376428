-- Measures (issue 6): the catalogues (措施大全), the measures delivered (措施落实), and each
-- household's entitlements and gaps of a year as the last matching run found them. Kept in
-- step with the other backend's 0010_measures.sql.

-- Every catalogue loaded, with its text (fupin_core::measures::Catalogue, TOML).
CREATE TABLE measure_catalogues (
    version   TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

-- A measure delivered to a household (or one member: member_id_number; '' for the household)
-- in a year. The key makes recording it again a correction, never a second delivery.
CREATE TABLE measure_deliveries (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    measure_code     TEXT NOT NULL,
    member_id_number TEXT NOT NULL,
    year             INTEGER NOT NULL,
    delivered_on     TEXT NOT NULL,
    amount           BIGINT CHECK (amount >= 0),
    unit             TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    UNIQUE (household_id, measure_code, member_id_number, year)
);
CREATE INDEX measure_deliveries_year ON measure_deliveries (year, household_id);

-- The last matching of a household for a year: what it is entitled to and which of those were
-- not delivered (codes, a member's seq after a colon: "EDU-01:3,MED-02").
CREATE TABLE household_measures (
    household_id      INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year              INTEGER NOT NULL,
    catalogue_version TEXT NOT NULL,
    village_code      TEXT NOT NULL REFERENCES areas (code),
    entitled          INTEGER NOT NULL,
    delivered         INTEGER NOT NULL,
    gaps              INTEGER NOT NULL,
    entitled_codes    TEXT NOT NULL,
    gap_codes         TEXT NOT NULL,
    computed_at       TEXT NOT NULL,
    PRIMARY KEY (household_id, year)
);
CREATE INDEX household_measures_village ON household_measures (year, village_code, gaps);

-- Per village, year and measure: entitlements, deliveries among them and gaps (summed like
-- village_figures for area pages).
CREATE TABLE village_measure_figures (
    village_code TEXT NOT NULL REFERENCES areas (code),
    year         INTEGER NOT NULL,
    measure_code TEXT NOT NULL,
    entitled     BIGINT NOT NULL,
    delivered    BIGINT NOT NULL,
    gaps         BIGINT NOT NULL,
    PRIMARY KEY (village_code, year, measure_code)
);
