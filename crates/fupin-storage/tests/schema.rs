//! The SQLite and PostgreSQL migrations must describe the same schema: same tables, same
//! columns in the same order, same nullability, keys and indexes. Types may differ only in
//! the spelling each backend needs (INTEGER PRIMARY KEY vs BIGSERIAL, REAL vs DOUBLE PRECISION,
//! BLOB vs BYTEA).

use std::collections::BTreeMap;
use std::path::Path;

/// table → column lines normalised (tables dropped and renamed followed) to (name, NOT NULL?, constraints), plus index statements.
fn schema(dir: &str) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let mut tables = BTreeMap::new();
    let mut indexes = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap();
        let mut current: Option<String> = None;
        for line in sql
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("--") && !l.is_empty())
        {
            if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                let name = rest.split_whitespace().next().unwrap().to_string();
                tables.insert(name.clone(), Vec::new());
                current = Some(name);
            } else if line.starts_with(");") || line == ") WITHOUT ROWID;" {
                // WITHOUT ROWID is a SQLite storage choice, not a difference in the columns
                current = None;
            } else if let Some(rest) = line.strip_prefix("DROP TABLE ") {
                // a table rebuilt: it goes with its indexes
                let name = rest.split([' ', ';']).next().unwrap_or_default();
                tables.remove(name);
                indexes.retain(|i: &String| !i.contains(&format!(" ON {name} (")));
            } else if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
                if let Some((from, to)) = rest.trim_end_matches(';').split_once(" RENAME TO ") {
                    let columns = tables.remove(from).expect("the renamed table exists");
                    tables.insert(to.to_string(), columns);
                    for i in &mut indexes {
                        *i = i.replace(&format!(" ON {from} ("), &format!(" ON {to} ("));
                    }
                } else if let Some((table, column)) =
                    rest.trim_end_matches(';').split_once(" ADD COLUMN ")
                {
                    tables
                        .get_mut(table)
                        .expect("the altered table exists")
                        .push(normalise(column));
                } else {
                    drop_reference(&mut tables, rest);
                }
            } else if let Some(rest) = line.strip_prefix("DROP INDEX ") {
                let name = rest.trim_end_matches(';');
                indexes.retain(|i| !i.contains(&format!(" INDEX {name} ON ")));
            } else if line.starts_with("CREATE INDEX") || line.starts_with("CREATE UNIQUE INDEX") {
                indexes.push(line.to_string());
            } else if let Some(t) = &current {
                tables.get_mut(t).unwrap().push(normalise(line));
            }
        }
    }
    (tables, indexes)
}

/// `t DROP CONSTRAINT t_col_fkey;` (PostgreSQL's default name for a column's reference)
/// removes the reference from column `col` of `t`; other alterations (but `ADD COLUMN`, read
/// above) change no column.
fn drop_reference(tables: &mut BTreeMap<String, Vec<String>>, alteration: &str) {
    let words: Vec<&str> = alteration
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    let [table, "DROP", "CONSTRAINT", name] = words[..] else {
        return;
    };
    let column = name
        .strip_prefix(&format!("{table}_"))
        .and_then(|c| c.strip_suffix("_fkey"))
        .unwrap_or_else(|| panic!("{name} is not a column's reference"));
    for c in tables.get_mut(table).unwrap() {
        if c.starts_with(&format!("{column} ")) {
            let end = c.find(" REFERENCES").expect("the column has a reference");
            c.truncate(end);
        }
    }
}

fn normalise(column: &str) -> String {
    let c = column.trim_end_matches(',');
    let c = c
        .replace("BIGSERIAL PRIMARY KEY", "<id> PRIMARY KEY")
        .replace("INTEGER PRIMARY KEY", "<id> PRIMARY KEY")
        .replace("DOUBLE PRECISION", "<real>")
        .replace("REAL", "<real>")
        .replace("BYTEA", "<bytes>")
        .replace("BLOB", "<bytes>");
    let mut words = c.split_whitespace();
    let name = words.next().unwrap_or("").to_string();
    let rest: Vec<&str> = words.collect();
    // foreign-key id columns are INTEGER on SQLite (its only integer type) and BIGINT on PostgreSQL
    let rest = rest
        .join(" ")
        .replacen("INTEGER REFERENCES", "<int> REFERENCES", 1)
        .replacen("BIGINT REFERENCES", "<int> REFERENCES", 1);
    let rest = if name.ends_with("_id") {
        rest.replacen("INTEGER NOT NULL", "<int> NOT NULL", 1)
            .replacen("BIGINT NOT NULL", "<int> NOT NULL", 1)
    } else {
        rest
    };
    format!("{name} {rest}")
}

#[test]
fn sqlite_and_postgres_migrations_stay_in_step() {
    let (sqlite, sqlite_idx) = schema("migrations/sqlite");
    let (postgres, postgres_idx) = schema("migrations/postgres");
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (table, columns) in &sqlite {
        assert_eq!(columns, &postgres[table], "columns of {table}");
    }
    assert_eq!(sqlite_idx, postgres_idx, "same indexes");
    assert!(sqlite.contains_key("households") && sqlite["households"].len() > 30);
}
