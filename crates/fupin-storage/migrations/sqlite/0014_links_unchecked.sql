-- A run's links are written only by the run itself, in the transaction that creates the run,
-- millions at a time; the reference to comparison_runs is not checked per row (as on
-- PostgreSQL, where the check took two thirds of writing them). Runs are never deleted.
-- SQLite cannot drop a reference: the table is made again without it.
ALTER TABLE record_links RENAME TO record_links_checked;
CREATE TABLE record_links (
    run_id       BIGINT NOT NULL,
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
INSERT INTO record_links SELECT * FROM record_links_checked;
DROP TABLE record_links_checked;
