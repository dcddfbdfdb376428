-- Warnings (issue 7, 智能预警): what the rules found in comparison runs and in the registry,
-- and how each was verified. Kept in step with the other backend's 0013_warnings.sql.

-- One warning per rule and evidence: `evidence_key` is built from the evidence itself (the
-- department record's content, the member's ID number …), so a comparison run again finds the
-- key taken and neither duplicates nor reopens it; a dismissed warning stays dismissed.
CREATE TABLE warnings (
    id                   BIGSERIAL PRIMARY KEY,
    rule                 TEXT NOT NULL,
    evidence_key         TEXT NOT NULL,
    -- the area responsible for verifying it (a village's 12 digits, or a coarser area padded)
    area_code            TEXT NOT NULL,
    household_id         BIGINT REFERENCES households (id) ON DELETE SET NULL,
    related_household_id BIGINT REFERENCES households (id) ON DELETE SET NULL,
    subject              TEXT NOT NULL,
    -- JSON of fupin_core::warnings::Evidence: the department records, the link, the facts
    evidence             TEXT NOT NULL,
    -- the run that first raised it (NULL for a registry scan) and the last one that found it
    run_id               BIGINT REFERENCES comparison_runs (id) ON DELETE SET NULL,
    last_run_id          BIGINT REFERENCES comparison_runs (id) ON DELETE SET NULL,
    state                TEXT NOT NULL,
    resolution           TEXT,
    opened_at            TEXT NOT NULL,
    last_seen_at         TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    closed_at            TEXT,
    UNIQUE (rule, evidence_key)
);
CREATE INDEX warnings_area ON warnings (area_code, state);
CREATE INDEX warnings_household ON warnings (household_id);
CREATE INDEX warnings_related ON warnings (related_household_id);

-- Append-only: who did what to a warning, when, and where it left it.
CREATE TABLE warning_events (
    id          BIGSERIAL PRIMARY KEY,
    warning_id  BIGINT NOT NULL REFERENCES warnings (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    act         TEXT NOT NULL,
    state_after TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX warning_events_warning ON warning_events (warning_id);
