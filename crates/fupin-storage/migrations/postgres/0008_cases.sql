-- Procedure cases (issue 5): identification, exit, monitoring entry and removal, each a state
-- machine of fupin_core::workflow, with every act in case_events. Kept in step with the other
-- backend's 0008_cases.sql.
CREATE TABLE cases (
    id           BIGSERIAL PRIMARY KEY,
    procedure    TEXT NOT NULL,
    village_code TEXT NOT NULL REFERENCES areas (code),
    household_id BIGINT REFERENCES households (id),
    subject      TEXT NOT NULL,
    proposal     TEXT NOT NULL,
    step         TEXT NOT NULL,
    notice_from  TEXT,
    held         BOOLEAN NOT NULL,
    opened_at    TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX cases_village ON cases (village_code);

-- Append-only: who did what to a case, when, and where it left it.
CREATE TABLE case_events (
    id         BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    act        TEXT NOT NULL,
    step_after TEXT NOT NULL,
    note       TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id);
