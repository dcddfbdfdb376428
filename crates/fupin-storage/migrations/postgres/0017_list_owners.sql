-- Department lists belong to an area (issue 24, item 4): a source is owned by the area of the
-- account that uploaded it ('' for the whole installation: lists the operator imported with
-- `fupin compare import`), visible and usable within that area's subtree and above, and its
-- name is unique within its owner only (a county naming its list like another county's must
-- learn nothing of the other). Kept in step with the other backend's 0017_list_owners.sql,
-- which has to make the table again: so does this one, under the same name.
ALTER TABLE department_sources RENAME TO department_sources_unowned;
ALTER TABLE department_sources_unowned RENAME CONSTRAINT department_sources_pkey TO department_sources_unowned_pkey;
ALTER TABLE department_sources_unowned RENAME CONSTRAINT department_sources_name_key TO department_sources_unowned_name_key;
ALTER SEQUENCE department_sources_id_seq RENAME TO department_sources_unowned_id_seq;
CREATE TABLE department_sources (
    id         BIGSERIAL PRIMARY KEY,
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
                 LEFT JOIN users u ON u.username = split_part(n.imported_by, '#', 1)
                 WHERE n.source_id = s.id ORDER BY n.id LIMIT 1), ''),
       s.name, s.kind, s.mapping, s.created_at
FROM department_sources_unowned s;
SELECT setval(pg_get_serial_sequence('department_sources', 'id'),
              (SELECT COALESCE(MAX(id), 0) + 1 FROM department_sources), false);
-- the snapshots' reference goes with the old table and comes back on the new one
DROP TABLE department_sources_unowned CASCADE;
ALTER TABLE department_snapshots ADD CONSTRAINT department_snapshots_source_id_fkey FOREIGN KEY (source_id) REFERENCES department_sources (id) ON DELETE CASCADE;
-- Snapshots another area's account uploaded under the same name go to a source of that area.
CREATE TEMP TABLE snapshot_owners AS
SELECT n.id AS snapshot_id, n.source_id, COALESCE(u.area_code, '') AS area_code
FROM department_snapshots n
LEFT JOIN users u ON u.username = split_part(n.imported_by, '#', 1);
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
