-- Issue 27's figures: "not visited in N days" and the paired households of a county read only
-- current pairings, by village. Each pairing keeps its household's village (moved with the
-- household) and when the household was last seen by the work: the later of the pairing's
-- start and the household's latest visit (raised with each visit). Kept in step with the other
-- backend's file.
ALTER TABLE pairings ADD COLUMN village_code TEXT NOT NULL DEFAULT '';
ALTER TABLE pairings ADD COLUMN seen_at TEXT NOT NULL DEFAULT '';
UPDATE pairings SET village_code = COALESCE((SELECT h.village_code FROM households h
    WHERE h.id = pairings.household_id), '');
UPDATE pairings SET seen_at = MAX(started_on, COALESCE((SELECT l.visited_at FROM last_visits l
    WHERE l.household_id = pairings.household_id), ''));
CREATE INDEX pairings_village_seen ON pairings (village_code, seen_at, household_id) WHERE ended_on IS NULL;
