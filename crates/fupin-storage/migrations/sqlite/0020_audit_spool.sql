-- Reads of personal records are audited before they are served (issue 24, item 14). On SQLite
-- an import holds the one write lock for its whole length, so a read's entry is first written
-- to a spool of its own (a second SQLite file beside this one, see src/audit/spool.rs) and
-- moved into the chain when the lock is free. The move appends the entries and records here,
-- in the same transaction, the last spool sequence number moved: a move cut short by a crash
-- after its commit is not repeated. Kept in step with the other backend's 0020_audit_spool.sql
-- (PostgreSQL appends reads to the chain directly and leaves this table empty).
CREATE TABLE audit_spool_drained (
    spool TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
