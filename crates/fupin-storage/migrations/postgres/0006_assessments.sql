-- Assessment (issue 5): poverty-index scores and the exit checklist per household, year and
-- scorecard version. Kept in step with the other backend's 0006_assessments.sql.

-- Every scorecard used, with its text: a score is always explained by the card that made it.
CREATE TABLE scorecards (
    version   TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

-- One assessment of a household for a year under a card. A new card adds rows; re-running the
-- same card and year replaces them. Outcomes are met / not_met / unknown.
CREATE TABLE assessments (
    household_id         BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year                 INTEGER NOT NULL,
    card_version         TEXT NOT NULL,
    score                DOUBLE PRECISION NOT NULL,
    band                 TEXT NOT NULL,
    income               TEXT NOT NULL,
    food_clothing        TEXT NOT NULL,
    compulsory_education TEXT NOT NULL,
    basic_medical        TEXT NOT NULL,
    safe_housing         TEXT NOT NULL,
    safe_water           TEXT NOT NULL,
    points               TEXT NOT NULL,
    expected_exit_year   INTEGER,
    computed_at          TEXT NOT NULL,
    PRIMARY KEY (household_id, year, card_version)
);

-- Per-village counts of the assessments, for area pages (summed like village_figures).
CREATE TABLE village_assessment_figures (
    village_code       TEXT NOT NULL REFERENCES areas (code),
    year               INTEGER NOT NULL,
    card_version       TEXT NOT NULL,
    assessed           BIGINT NOT NULL,
    band_poor          BIGINT NOT NULL,
    band_at_risk       BIGINT NOT NULL,
    band_stable        BIGINT NOT NULL,
    all_met            BIGINT NOT NULL,
    short_income       BIGINT NOT NULL,
    short_food         BIGINT NOT NULL,
    short_education    BIGINT NOT NULL,
    short_medical      BIGINT NOT NULL,
    short_housing      BIGINT NOT NULL,
    short_water        BIGINT NOT NULL,
    PRIMARY KEY (village_code, year, card_version)
);
