-- The search's own indexes become their own keys (issue 25): the name index one B-tree ordered
-- by (piece, household), the order a search reads it in, instead of a table and two indexes
-- over it; the ID-number tails a table of the same shape instead of an index over an expression
-- of members. The writer appends their entries in key order (src/search_index.rs), which costs
-- a fraction of what building the indexes did; a household's entries are found again from its
-- members' former names and ID numbers, so no index by household is kept. Nor is a reference
-- to the household: the entries are derived from the members (written only with them, and
-- households are never deleted), and checking it cost a lookup in the households table for
-- every entry (2.9 s of a 200,000-household import, BENCHMARKS.md). Kept in step with the other
-- backend's file.
CREATE TABLE name_grams_by_piece (
    household_id BIGINT NOT NULL,
    gram         TEXT NOT NULL,
    PRIMARY KEY (gram, household_id)
);
INSERT INTO name_grams_by_piece (household_id, gram)
    SELECT DISTINCT household_id, gram FROM name_grams ORDER BY gram, household_id;
DROP TABLE name_grams;
ALTER TABLE name_grams_by_piece RENAME TO name_grams;

CREATE TABLE id_tails (
    household_id BIGINT NOT NULL,
    tail         TEXT NOT NULL,
    PRIMARY KEY (tail, household_id)
);
INSERT INTO id_tails (household_id, tail)
    SELECT DISTINCT household_id, substr(id_number, 15, 4) FROM members
     WHERE length(id_number) >= 15
     ORDER BY substr(id_number, 15, 4), household_id;
DROP INDEX members_id_tail;
