-- A household's card code (一户一码) is issued when the household is created, by the registry
-- writer, so that no page view writes (issue 24: a GET issued the first code). Households
-- created before get theirs here: 128 random bits as 32 hex digits. Kept in step with the
-- other backend's 0019_codes_at_creation.sql.
INSERT INTO household_codes (token, household_id, issued_at, issued_by)
SELECT lower(hex(randomblob(16))), h.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'migration 0019'
  FROM households h
 WHERE NOT EXISTS (SELECT 1 FROM household_codes c
                    WHERE c.household_id = h.id AND c.revoked_at IS NULL);
