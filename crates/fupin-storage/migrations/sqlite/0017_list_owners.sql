-- no-transaction
-- Department lists belong to an area (issue 24, item 4): a source is owned by the area of the
-- account that uploaded it ('' for the whole installation: lists the operator imported with
-- `fupin compare import`), visible and usable within that area's subtree and above, and its
-- name is unique within its owner only (a county naming its list like another county's must
-- learn nothing of the other). Kept in step with the other backend's 0017_list_owners.sql.
--
-- SQLite cannot change a table's UNIQUE constraint: department_sources is made again under its
-- own name. Its snapshots keep pointing at it by name only with foreign keys off and the
-- legacy renaming (else renaming the old table would re-point them, and dropping it cascade
-- to them), which cannot be switched inside a transaction: hence no-transaction and the
-- explicit one below.
PRAGMA foreign_keys = OFF;
PRAGMA legacy_alter_table = ON;
BEGIN;
ALTER TABLE department_sources RENAME TO department_sources_unowned;
CREATE TABLE department_sources (
    id         INTEGER PRIMARY KEY,
    area_code  TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    mapping    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (area_code, name)
);
-- The owner of an existing list: the area of the account that uploaded its first snapshot
-- (an API token's uploads as `user#token`), else the whole installation.
INSERT INTO department_sources (id, area_code, name, kind, mapping, created_at)
SELECT s.id,
       COALESCE((SELECT COALESCE(u.area_code, '') FROM department_snapshots n
                 LEFT JOIN users u ON u.username = CASE WHEN instr(n.imported_by, '#') > 0
                     THEN substr(n.imported_by, 1, instr(n.imported_by, '#') - 1)
                     ELSE n.imported_by END
                 WHERE n.source_id = s.id ORDER BY n.id LIMIT 1), ''),
       s.name, s.kind, s.mapping, s.created_at
FROM department_sources_unowned s;
DROP TABLE department_sources_unowned;
-- Snapshots another area's account uploaded under the same name go to a source of that area.
CREATE TEMP TABLE snapshot_owners AS
SELECT n.id AS snapshot_id, n.source_id,
       COALESCE(u.area_code, '') AS area_code
FROM department_snapshots n
LEFT JOIN users u ON u.username = CASE WHEN instr(n.imported_by, '#') > 0
    THEN substr(n.imported_by, 1, instr(n.imported_by, '#') - 1)
    ELSE n.imported_by END;
INSERT INTO department_sources (area_code, name, kind, mapping, created_at)
SELECT DISTINCT o.area_code, s.name, s.kind, s.mapping, s.created_at
FROM snapshot_owners o JOIN department_sources s ON s.id = o.source_id
WHERE o.area_code <> s.area_code;
UPDATE department_snapshots SET source_id = (
    SELECT t.id FROM snapshot_owners o
    JOIN department_sources s ON s.id = o.source_id
    JOIN department_sources t ON t.name = s.name AND t.area_code = o.area_code
    WHERE o.snapshot_id = department_snapshots.id)
WHERE id IN (SELECT o.snapshot_id FROM snapshot_owners o
             JOIN department_sources s ON s.id = o.source_id
             WHERE o.area_code <> s.area_code);
DROP TABLE snapshot_owners;
COMMIT;
PRAGMA legacy_alter_table = OFF;
PRAGMA foreign_keys = ON;
