-- The county's exit pace an assessment's prediction used, so that a household page can give the
-- same reasons later. Kept in step with the other backend's 0007_assessment_pace.sql.
ALTER TABLE assessments ADD COLUMN county_pace DOUBLE PRECISION;
