-- Area figures kept per village, so that an area page sums a few thousand rows instead of
-- scanning its households. Written only by the registry writer at commit (storage/figures.rs)
-- for the villages a transaction touched; a province's figures are the sums of its villages'.
-- Kept in step with the other backend's 0003_figures.sql.

-- Now: from the households' current fields.
CREATE TABLE village_figures (
    village_code TEXT PRIMARY KEY REFERENCES areas (code),
    households   BIGINT NOT NULL,
    members      BIGINT NOT NULL,
    poor         BIGINT NOT NULL,
    poor_members BIGINT NOT NULL,
    exited       BIGINT NOT NULL,
    monitored    BIGINT NOT NULL
);

-- By year: from each household's status of that year (household_status_years), counted in the
-- household's present village; people are that year's household size where an income line
-- records it, else the present member count.
CREATE TABLE village_year_figures (
    village_code TEXT NOT NULL REFERENCES areas (code),
    year         INTEGER NOT NULL,
    households   BIGINT NOT NULL,
    members      BIGINT NOT NULL,
    poor         BIGINT NOT NULL,
    poor_members BIGINT NOT NULL,
    exited       BIGINT NOT NULL,
    returned     BIGINT NOT NULL,
    PRIMARY KEY (village_code, year)
);

-- Rural registered population (农村户籍人口) of an area in a year: the denominator of poverty
-- incidence. Loaded from statistics (`fupin areas population FILE`), any level of area.
CREATE TABLE area_populations (
    area_code TEXT NOT NULL REFERENCES areas (code),
    year      INTEGER NOT NULL,
    rural     BIGINT NOT NULL CHECK (rural >= 0),
    source    TEXT NOT NULL,
    PRIMARY KEY (area_code, year)
);
