-- Optimistic concurrency: every write of a household raises its version; an edit form carries
-- the version it was read at, and a save against a newer one is refused (nothing overwritten).
-- Kept in step with the other backend's 0005_versions.sql.
ALTER TABLE households ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
