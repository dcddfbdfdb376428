-- Village and county exit (issue 5): the figures the registry does not hold, per area and year:
-- a village's facilities and collective income, a county's evaluation sample survey (三率一度).
-- Names are fupin_core::assessment::area_exit::Indicator codes. Kept in step with the other
-- backend's 0009_area_indicators.sql.
CREATE TABLE area_indicators (
    area_code TEXT NOT NULL REFERENCES areas (code),
    year      INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    value     BIGINT NOT NULL CHECK (value >= 0),
    source    TEXT NOT NULL,
    PRIMARY KEY (area_code, year, indicator)
);

-- People of exited households (the base of the estimated wrongly exited). The figures are
-- emptied so that opening the database rebuilds them with the new column.
ALTER TABLE village_figures ADD COLUMN exited_members BIGINT NOT NULL DEFAULT 0;
ALTER TABLE village_year_figures ADD COLUMN exited_members BIGINT NOT NULL DEFAULT 0;
DELETE FROM village_figures;
DELETE FROM village_year_figures;
