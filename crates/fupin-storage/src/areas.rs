//! Administrative areas: loading division files and walking the tree.

use std::collections::HashMap;

use fupin_core::access::Scope;
use fupin_core::codes::HouseholdStatus;
use fupin_core::validation::AreaLookup;
use fupin_core::{Area, AreaCode, AreaLevel, CodeList};

use crate::bulk::{Value, execute, fetch_all};
use crate::{Db, StorageError};

#[derive(sqlx::FromRow)]
struct AreaRow {
    code: String,
    name: String,
    level: i32,
    parent_code: Option<String>,
}

impl AreaRow {
    fn into_area(self) -> Result<Area, StorageError> {
        let corrupt = |e: String| StorageError::Corrupt(e);
        Ok(Area {
            code: AreaCode::parse(&self.code).map_err(|e| corrupt(e.to_string()))?,
            name: self.name,
            level: AreaLevel::from_number(i64::from(self.level))
                .ok_or_else(|| corrupt(format!("area level {}", self.level)))?,
            parent: self
                .parent_code
                .map(|p| AreaCode::parse(&p))
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

/// What loading a division file did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AreaLoad {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// All areas in memory, for validation and name look-ups (a whole country's 700k areas fit).
#[derive(Debug, Default, Clone)]
pub struct AreaIndex {
    by_code: HashMap<String, (AreaLevel, String)>,
}

impl AreaIndex {
    /// An index over areas already in memory (e.g. a division file not yet loaded).
    pub fn from_areas(areas: &[Area]) -> Self {
        Self {
            by_code: areas
                .iter()
                .map(|a| (a.code.to_string(), (a.level, a.name.clone())))
                .collect(),
        }
    }

    pub fn name(&self, code: &AreaCode) -> Option<&str> {
        self.by_code.get(code.as_str()).map(|(_, n)| n.as_str())
    }
    pub fn len(&self) -> usize {
        self.by_code.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
}

impl AreaLookup for AreaIndex {
    fn level_of(&self, code: &AreaCode) -> Option<AreaLevel> {
        self.by_code.get(code.as_str()).map(|(l, _)| *l)
    }
}

/// An area with the registry's current figures inside it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AreaCount {
    pub area: Area,
    /// Household records (whatever their status) and their people.
    pub households: i64,
    pub members: i64,
    /// Households now poor (未脱贫 or 返贫: `HouseholdStatus::is_poor`) and their people.
    pub poor: i64,
    pub poor_members: i64,
    /// Households now exited (`HouseholdStatus::is_exited`).
    pub exited: i64,
    /// Households now under monitoring (监测对象, any category).
    pub monitored: i64,
}

#[derive(Default, sqlx::FromRow)]
struct PrefixCount {
    prefix: String,
    households: i64,
    members: i64,
    poor: i64,
    poor_members: i64,
    exited: i64,
    monitored: i64,
}

/// `status IN ('…', …)` for the statuses `pick` selects: the rule stays in the core's code list,
/// the codes are constants (no user input reaches the SQL).
fn status_in(pick: fn(HouseholdStatus) -> bool) -> String {
    let codes: Vec<String> = HouseholdStatus::ALL
        .iter()
        .filter(|s| pick(**s))
        .map(|s| format!("'{}'", s.code()))
        .collect();
    format!("status IN ({})", codes.join(", "))
}

impl Db {
    /// Inserts or renames areas, parents before children, in one transaction. Each record is
    /// checked against its code's structure first; nothing is written if any is wrong.
    pub async fn load_areas(&self, areas: &[Area]) -> Result<AreaLoad, StorageError> {
        for a in areas {
            a.check()
                .map_err(|e| StorageError::Invalid(e.to_string()))?;
        }
        let mut sorted: Vec<&Area> = areas.iter().collect();
        sorted.sort_by_key(|a| (a.level, a.code.clone()));
        let existing = self.area_index().await?;
        let mut tx = self.begin().await?;
        let mut load = AreaLoad::default();
        let mut new_rows = Vec::new();
        for a in sorted {
            match existing.by_code.get(a.code.as_str()) {
                Some((_, name)) if *name == a.name => load.unchanged += 1,
                Some(_) => {
                    execute(
                        &mut tx,
                        "UPDATE areas SET name = $1 WHERE code = $2",
                        &[Value::Text(a.name.clone()), Value::Text(a.code.to_string())],
                    )
                    .await?;
                    load.updated += 1;
                }
                None => {
                    new_rows.push(vec![
                        Value::Text(a.code.to_string()),
                        Value::Text(a.name.clone()),
                        Value::I32(a.level as i32),
                        Value::OptText(a.parent.as_ref().map(|p| p.to_string())),
                    ]);
                    load.inserted += 1;
                }
            }
        }
        crate::bulk::insert_rows(
            &mut tx,
            "areas",
            &["code", "name", "level", "parent_code"],
            new_rows,
        )
        .await?;
        tx.commit().await?;
        Ok(load)
    }

    pub async fn area_index(&self) -> Result<AreaIndex, StorageError> {
        let rows: Vec<AreaRow> = fetch_all(
            &mut self.reader().await?,
            "SELECT code, name, level, parent_code FROM areas",
            &[],
        )
        .await?;
        let mut by_code = HashMap::with_capacity(rows.len());
        for r in rows {
            let level = AreaLevel::from_number(i64::from(r.level))
                .ok_or_else(|| StorageError::Corrupt(format!("area level {}", r.level)))?;
            by_code.insert(r.code, (level, r.name));
        }
        Ok(AreaIndex { by_code })
    }

    /// An area inside `scope`'s subtree (`None` for one outside it, as for an unknown code).
    pub async fn area(&self, scope: &Scope, code: &AreaCode) -> Result<Option<Area>, StorageError> {
        if !scope.contains_area(code) {
            return Ok(None);
        }
        let code = code.to_string();
        let rows: Vec<AreaRow> = fetch_all(
            &mut self.reader().await?,
            "SELECT code, name, level, parent_code FROM areas WHERE code = $1",
            &[Value::Text(code)],
        )
        .await?;
        rows.into_iter().next().map(AreaRow::into_area).transpose()
    }

    /// The chain from the province down to `code` (for breadcrumbs), as far as it is known.
    /// Names only: division names are public, and no figures come with them.
    pub async fn area_path(&self, code: &AreaCode) -> Result<Vec<Area>, StorageError> {
        let codes: Vec<Value> = AreaLevel::ALL
            .iter()
            .filter(|l| **l <= code.level())
            .map(|l| Value::Text(code.ancestor(*l).to_string()))
            .collect();
        let sql = format!(
            "SELECT code, name, level, parent_code FROM areas WHERE code IN ({}) ORDER BY level",
            crate::rows::placeholders(codes.len())
        );
        let rows: Vec<AreaRow> = fetch_all(&mut self.reader().await?, &sql, &codes).await?;
        rows.into_iter().map(AreaRow::into_area).collect()
    }

    /// The children of `parent` with household and member counts; with no parent, the top of
    /// what `scope` sees (the provinces, or the scope's own area). Empty outside the scope.
    pub async fn area_children(
        &self,
        scope: &Scope,
        parent: Option<&AreaCode>,
    ) -> Result<Vec<AreaCount>, StorageError> {
        if parent.is_some_and(|p| !scope.contains_area(p)) {
            return Ok(Vec::new());
        }
        let (sql, args) = match (parent, &scope.area) {
            (None, Some(own)) => (
                "SELECT code, name, level, parent_code FROM areas WHERE code = $1",
                vec![Value::Text(own.to_string())],
            ),
            (Some(p), _) => (
                "SELECT code, name, level, parent_code FROM areas WHERE parent_code = $1 ORDER BY code",
                vec![Value::Text(p.to_string())],
            ),
            (None, None) => (
                "SELECT code, name, level, parent_code FROM areas WHERE parent_code IS NULL ORDER BY code",
                vec![],
            ),
        };
        let rows: Vec<AreaRow> = fetch_all(&mut self.reader().await?, sql, &args).await?;
        let children: Vec<Area> = rows
            .into_iter()
            .map(AreaRow::into_area)
            .collect::<Result<_, _>>()?;
        let Some(level) = children.first().map(|c| c.level) else {
            return Ok(Vec::new());
        };
        // one grouped scan over the parent's (or the scope's own) subtree: counts never leave it
        let (lo, hi) = match parent.or(scope.area.as_ref()) {
            Some(p) => p.descendant_range(),
            None => ("000000000000".into(), "999999999999".into()),
        };
        let len = level.prefix_len() as i32;
        let (poor, exited) = (
            status_in(HouseholdStatus::is_poor),
            status_in(HouseholdStatus::is_exited),
        );
        let counts: Vec<PrefixCount> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT substr(village_code, 1, $1) AS prefix, COUNT(*) AS households, \
                 COALESCE(SUM(member_count), 0) AS members, \
                 SUM(CASE WHEN {poor} THEN 1 ELSE 0 END) AS poor, \
                 SUM(CASE WHEN {poor} THEN member_count ELSE 0 END) AS poor_members, \
                 SUM(CASE WHEN {exited} THEN 1 ELSE 0 END) AS exited, \
                 SUM(CASE WHEN monitoring IS NOT NULL THEN 1 ELSE 0 END) AS monitored \
                 FROM households WHERE village_code BETWEEN $2 AND $3 GROUP BY 1"
            ),
            &[Value::I32(len), Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        let mut by_prefix: HashMap<String, PrefixCount> =
            counts.into_iter().map(|c| (c.prefix.clone(), c)).collect();
        Ok(children
            .into_iter()
            .map(|area| {
                let c = by_prefix.remove(area.code.prefix()).unwrap_or_default();
                AreaCount {
                    area,
                    households: c.households,
                    members: c.members,
                    poor: c.poor,
                    poor_members: c.poor_members,
                    exited: c.exited,
                    monitored: c.monitored,
                }
            })
            .collect())
    }
}
