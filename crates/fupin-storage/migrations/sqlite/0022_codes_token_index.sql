-- A card's token becomes a unique index instead of the table's primary key (issue 25), so that
-- a load into an empty registry can issue its households' codes in household order and build
-- the token's index once afterwards (src/deferred.rs), instead of inserting 200,000 random
-- tokens one by one into a B-tree (0.5 s of a 200,000-household import, BENCHMARKS.md). A
-- token is still unique and looked up by its index. Kept in step with the other backend's file.
CREATE TABLE household_codes_by_household (
    token        TEXT NOT NULL,
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    issued_at    TEXT NOT NULL,
    issued_by    TEXT NOT NULL,
    revoked_at   TEXT
);
INSERT INTO household_codes_by_household (token, household_id, issued_at, issued_by, revoked_at)
    SELECT token, household_id, issued_at, issued_by, revoked_at FROM household_codes
     ORDER BY household_id, issued_at;
DROP TABLE household_codes;
ALTER TABLE household_codes_by_household RENAME TO household_codes;
CREATE UNIQUE INDEX household_codes_token ON household_codes (token);
CREATE UNIQUE INDEX household_codes_live ON household_codes (household_id) WHERE revoked_at IS NULL;
