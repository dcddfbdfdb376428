-- Indexes of the comprehensive query (综合查询). Kept in step with the other backend's file.

-- The two-character pieces of the names of each household's members (fupin_core::search::
-- name_grams), so that a part of a name ("小明") is found without scanning every member.
-- Written by the registry writer with the members.
CREATE TABLE name_grams (
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    gram         TEXT NOT NULL
);
CREATE INDEX name_grams_gram ON name_grams (gram, household_id);
CREATE INDEX name_grams_household ON name_grams (household_id);

-- The last four characters of an ID number (a search by its last 4–8 characters).
CREATE INDEX members_id_tail ON members (substr(id_number, 15, 4));

CREATE INDEX households_phone ON households (phone);
