-- Issue 27, item 6: instructions down the hierarchy (任务分派 / 跟踪督办) and announcements
-- (通知公告). Kept in step with the other backend's file.

-- An instruction of the office of area_code, to its recipients, due on deadline.
CREATE TABLE instructions (
    id         BIGSERIAL PRIMARY KEY,
    area_code  TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    deadline   TEXT NOT NULL,
    issued_by  BIGINT NOT NULL REFERENCES users (id),
    issued_at  TEXT NOT NULL,
    closed_at  TEXT
);
CREATE INDEX instructions_area ON instructions (area_code, issued_at);

-- One recipient: an area's office (user_id 0) or a named person (their account) of area_code.
-- state: sent, acknowledged, reported (fupin_core::tasks::instruction::Progress).
CREATE TABLE instruction_recipients (
    id              BIGSERIAL PRIMARY KEY,
    instruction_id  BIGINT NOT NULL REFERENCES instructions (id) ON DELETE CASCADE,
    area_code       TEXT NOT NULL,
    user_id         BIGINT NOT NULL,
    deadline        TEXT NOT NULL,
    state           TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    reported_at     TEXT,
    reminded_on     TEXT,
    reminders       BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX instruction_recipients_one ON instruction_recipients (instruction_id, area_code, user_id);
CREATE INDEX instruction_recipients_area ON instruction_recipients (area_code, state, deadline);
CREATE INDEX instruction_recipients_user ON instruction_recipients (user_id, state, deadline);

-- A recipient's report back; its attachments are kept by SHA-256 in the object store.
CREATE TABLE instruction_reports (
    id           BIGSERIAL PRIMARY KEY,
    recipient_id BIGINT NOT NULL REFERENCES instruction_recipients (id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    reported_at  TEXT NOT NULL,
    reported_by  TEXT NOT NULL
);
CREATE INDEX instruction_reports_recipient ON instruction_reports (recipient_id);
CREATE TABLE instruction_files (
    report_id    BIGINT NOT NULL REFERENCES instruction_reports (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX instruction_files_sha256 ON instruction_files (sha256);

-- An announcement of the office of area_code to the people of its areas.
CREATE TABLE announcements (
    id           BIGSERIAL PRIMARY KEY,
    area_code    TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    issued_by    BIGINT NOT NULL REFERENCES users (id),
    issued_at    TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX announcements_area ON announcements (area_code, issued_at);
CREATE TABLE announcement_areas (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    area_code       TEXT NOT NULL,
    PRIMARY KEY (announcement_id, area_code)
);
CREATE INDEX announcement_areas_area ON announcement_areas (area_code);
-- Read receipts: a person's first reading.
CREATE TABLE announcement_reads (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    read_at         TEXT NOT NULL,
    PRIMARY KEY (announcement_id, user_id)
);
