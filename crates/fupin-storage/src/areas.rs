//! Administrative areas: loading division files and walking the tree.

use std::collections::HashMap;

use fupin_core::access::{Scope, Territory};
use fupin_core::assessment::area_exit::{Indicators, RegistryCounts};
use fupin_core::validation::AreaLookup;
use fupin_core::{Area, AreaCode, AreaLevel};

use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

#[derive(sqlx::FromRow, serde::Deserialize)]
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
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.by_code.keys().map(String::as_str)
    }
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// Only the areas inside `scope`: to a reader checking codes against it, the rest are
    /// unknown, as if they did not exist.
    pub fn within(mut self, scope: &Scope) -> Self {
        self.by_code
            .retain(|code, _| AreaCode::parse(code).is_ok_and(|c| scope.contains_area(&c)));
        self
    }
}

impl AreaLookup for AreaIndex {
    fn level_of(&self, code: &AreaCode) -> Option<AreaLevel> {
        self.by_code.get(code.as_str()).map(|(l, _)| *l)
    }
}

/// Which figures: the registry as it is now, or as it stood in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureYear {
    Now,
    Year(i32),
}

/// Counts inside an area (`households` are household records whatever their status).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, sqlx::FromRow, serde::Deserialize,
)]
pub struct Figures {
    pub households: i64,
    pub members: i64,
    /// Households poor (未脱贫 or 返贫: `HouseholdStatus::is_poor`) and their people.
    pub poor: i64,
    pub poor_members: i64,
    /// Households exited (`HouseholdStatus::is_exited`).
    pub exited: i64,
    pub exited_members: i64,
    /// Under monitoring (监测对象, any category): known now only, 0 for a year.
    pub monitored: i64,
    /// Returned to poverty (返贫) in that year: 0 for now.
    pub returned: i64,
}

/// An area with the registry's figures inside it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AreaCount {
    pub area: Area,
    pub figures: Figures,
    /// Rural registered population of the year (for now: the latest year known), if loaded.
    pub rural_population: Option<i64>,
    /// The exit figures the registry does not hold, of the year (for now: the latest year).
    pub indicators: Indicators,
}

impl AreaCount {
    /// What the exit rules read from the registry.
    pub fn registry_counts(&self) -> RegistryCounts {
        RegistryCounts {
            poor_members: self.figures.poor_members,
            exited_members: self.figures.exited_members,
            members: self.figures.members,
            rural_population: self.rural_population,
        }
    }
}

/// One year's figures of an area's whole subtree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct YearFigures {
    pub year: i32,
    pub figures: Figures,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct PrefixFigures {
    prefix: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    figures: Figures,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct YearRow {
    year: i32,
    #[sqlx(flatten)]
    #[serde(flatten)]
    figures: Figures,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Population {
    area_code: String,
    year: i32,
    rural: i64,
}

/// The summed figure columns of `village_figures` (now) or `village_year_figures`, with the
/// columns one of them lacks as 0. Sums are cast back to integers (PostgreSQL sums to numeric).
fn summed(year: FigureYear) -> (&'static str, String) {
    let sum = |c: &str| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}");
    let common = [
        "households",
        "members",
        "poor",
        "poor_members",
        "exited",
        "exited_members",
    ]
    .map(sum)
    .join(", ");
    match year {
        FigureYear::Now => (
            "village_figures",
            format!(
                "{common}, {}, CAST(0 AS BIGINT) AS returned",
                sum("monitored")
            ),
        ),
        FigureYear::Year(_) => (
            "village_year_figures",
            format!(
                "{common}, CAST(0 AS BIGINT) AS monitored, {}",
                sum("returned")
            ),
        ),
    }
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
        self.reader().await?.area(scope, code).await
    }

    /// The chain from the province down to `code` (for breadcrumbs), as far as it is known.
    /// Names only: division names are public, and no figures come with them.
    pub async fn area_path(&self, code: &AreaCode) -> Result<Vec<Area>, StorageError> {
        self.reader().await?.area_path(code).await
    }

    /// The areas a form may offer inside `scope` (an area picker). With `named`, those whose
    /// name holds the text, shallowest first, at most `limit`; without, the scope's subtree
    /// down to the deepest level that keeps the list within `limit`, in tree order (a county's
    /// townships and villages; a province's cities and counties, the rest found by name).
    pub async fn areas_to_pick(
        &self,
        scope: &Scope,
        named: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Area>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct LevelCount {
            level: i32,
            n: i64,
        }
        let within = crate::scope::within(scope, "code");
        let columns = "SELECT code, name, level, parent_code FROM areas";
        let mut tx = self.reader().await?;
        let rows: Vec<AreaRow> = match named.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => {
                let pattern = format!("%{}%", crate::sql::escape_like(text));
                let sql = format!(
                    "{columns} WHERE {within} AND name LIKE $1 ESCAPE '\\' ORDER BY level, code LIMIT {limit}"
                );
                fetch_all(&mut tx, &sql, &[Value::Text(pattern)]).await?
            }
            None => {
                let sql = format!(
                    "SELECT level, COUNT(*) AS n FROM areas WHERE {within} GROUP BY level ORDER BY level"
                );
                let counts: Vec<LevelCount> = fetch_all(&mut tx, &sql, &[]).await?;
                let mut total = 0;
                let mut deepest = 0;
                for c in counts {
                    total += usize::try_from(c.n).unwrap_or(usize::MAX);
                    if total > limit && deepest > 0 {
                        break;
                    }
                    deepest = c.level;
                }
                let sql = format!(
                    "{columns} WHERE {within} AND level <= {deepest} ORDER BY code LIMIT {limit}"
                );
                fetch_all(&mut tx, &sql, &[]).await?
            }
        };
        rows.into_iter().map(AreaRow::into_area).collect()
    }

    /// The names of these areas (division names are public), by code; unknown codes absent.
    pub async fn area_names(
        &self,
        codes: &[AreaCode],
    ) -> Result<HashMap<String, String>, StorageError> {
        let mut out = HashMap::new();
        for chunk in codes.chunks(500) {
            let args: Vec<Value> = chunk.iter().map(|c| Value::Text(c.to_string())).collect();
            let sql = format!(
                "SELECT code, name, level, parent_code FROM areas WHERE code IN ({})",
                crate::rows::placeholders(args.len())
            );
            let rows: Vec<AreaRow> = fetch_all(&mut self.reader().await?, &sql, &args).await?;
            out.extend(rows.into_iter().map(|r| (r.code, r.name)));
        }
        Ok(out)
    }

    /// The children of `parent` with their figures (now or of a year); with no parent, the top of
    /// what `scope` sees (the provinces, or the scope's own area). Empty outside the scope.
    pub async fn area_children(
        &self,
        scope: &Scope,
        parent: Option<&AreaCode>,
        year: FigureYear,
    ) -> Result<Vec<AreaCount>, StorageError> {
        self.reader()
            .await?
            .area_children(scope, parent, year)
            .await
    }

    /// One area inside `scope` with its own figures (now or of a year).
    pub async fn area_count(
        &self,
        scope: &Scope,
        code: &AreaCode,
        year: FigureYear,
    ) -> Result<Option<AreaCount>, StorageError> {
        self.reader().await?.area_count(scope, code, year).await
    }

    /// The figures of `area`'s whole subtree for each year the registry has, oldest first.
    pub async fn area_years(
        &self,
        scope: &Scope,
        area: &AreaCode,
    ) -> Result<Vec<YearFigures>, StorageError> {
        self.reader().await?.area_years(scope, area).await
    }

    /// Rural population of each area in `year` (for now: its latest year), where loaded.
    pub async fn populations(
        &self,
        areas: &[&AreaCode],
        year: FigureYear,
    ) -> Result<HashMap<String, i64>, StorageError> {
        self.reader().await?.populations(areas, year).await
    }

    /// Recomputes every village's figures from the registry (they are kept by each write; this
    /// is for checking that, and for repair).
    pub async fn rebuild_figures(&self) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        crate::figures::rebuild(&mut tx).await?;
        tx.commit().await
    }

    /// Rural population of one area by year, where loaded.
    pub async fn population_years(
        &self,
        area: &AreaCode,
    ) -> Result<HashMap<i32, i64>, StorageError> {
        self.reader().await?.population_years(area).await
    }

    /// Loads rural population figures (replacing those of the same area and year) in one
    /// transaction; every area must exist. Returns how many rows were written.
    pub async fn load_populations(
        &self,
        rows: &[(AreaCode, i32, i64)],
        source: &str,
    ) -> Result<u64, StorageError> {
        let index = self.area_index().await?;
        if let Some((code, _, _)) = rows.iter().find(|(c, _, _)| index.level_of(c).is_none()) {
            return Err(StorageError::Invalid(format!("unknown area {code}")));
        }
        let mut tx = self.begin().await?;
        for (code, year, rural) in rows {
            execute(
                &mut tx,
                "INSERT INTO area_populations (area_code, year, rural, source) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (area_code, year) DO UPDATE SET rural = excluded.rural, source = excluded.source",
                &[
                    Value::Text(code.to_string()),
                    Value::I32(*year),
                    Value::I64(*rural),
                    Value::Text(source.into()),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::area_path`] inside this transaction.
    pub async fn area_path(&mut self, code: &AreaCode) -> Result<Vec<Area>, StorageError> {
        let codes: Vec<Value> = AreaLevel::ALL
            .iter()
            .filter(|l| **l <= code.level())
            .map(|l| Value::Text(code.ancestor(*l).to_string()))
            .collect();
        let sql = format!(
            "SELECT code, name, level, parent_code FROM areas WHERE code IN ({}) ORDER BY level",
            crate::rows::placeholders(codes.len())
        );
        let rows: Vec<AreaRow> = fetch_all(self, &sql, &codes).await?;
        rows.into_iter().map(AreaRow::into_area).collect()
    }

    /// [`Db::populations`] inside this transaction.
    pub async fn populations(
        &mut self,
        areas: &[&AreaCode],
        year: FigureYear,
    ) -> Result<HashMap<String, i64>, StorageError> {
        let mut out: HashMap<String, (i32, i64)> = HashMap::new();
        for chunk in areas.chunks(500) {
            let mut args: Vec<Value> = chunk.iter().map(|c| Value::Text(c.to_string())).collect();
            let mut sql = format!(
                "SELECT area_code, year, rural FROM area_populations WHERE area_code IN ({})",
                crate::rows::placeholders(args.len())
            );
            if let FigureYear::Year(y) = year {
                sql.push_str(&format!(" AND year = ${}", args.len() + 1));
                args.push(Value::I32(y));
            }
            let rows: Vec<Population> = fetch_all(self, &sql, &args).await?;
            for p in rows {
                let e = out.entry(p.area_code).or_insert((p.year, p.rural));
                if p.year > e.0 {
                    *e = (p.year, p.rural);
                }
            }
        }
        Ok(out.into_iter().map(|(k, (_, v))| (k, v)).collect())
    }

    /// Areas of one level with their figures, from one grouped read of the villages' figures in
    /// `subtree` (a code range), their rural populations and their exit indicators.
    async fn counts_of(
        &mut self,
        areas: Vec<Area>,
        (lo, hi): (String, String),
        year: FigureYear,
    ) -> Result<Vec<AreaCount>, StorageError> {
        let Some(level) = areas.first().map(|c| c.level) else {
            return Ok(Vec::new());
        };
        let (table, columns) = summed(year);
        let mut args = vec![
            Value::I32(level.prefix_len() as i32),
            Value::Text(lo),
            Value::Text(hi),
        ];
        let mut sql = format!(
            "SELECT substr(village_code, 1, $1) AS prefix, {columns} FROM {table} \
             WHERE village_code BETWEEN $2 AND $3"
        );
        if let FigureYear::Year(y) = year {
            sql.push_str(" AND year = $4");
            args.push(Value::I32(y));
        }
        sql.push_str(" GROUP BY 1");
        let counts: Vec<PrefixFigures> = fetch_all(self, &sql, &args).await?;
        let mut by_prefix: HashMap<String, Figures> =
            counts.into_iter().map(|c| (c.prefix, c.figures)).collect();
        let codes: Vec<&AreaCode> = areas.iter().map(|c| &c.code).collect();
        let mut populations = self.populations(&codes, year).await?;
        let mut indicators = self.indicators(&codes, year).await?;
        Ok(areas
            .into_iter()
            .map(|area| AreaCount {
                figures: by_prefix.remove(area.code.prefix()).unwrap_or_default(),
                rural_population: populations.remove(area.code.as_str()),
                indicators: indicators.remove(area.code.as_str()).unwrap_or_default(),
                area,
            })
            .collect())
    }

    /// [`Db::population_years`] inside this transaction.
    pub async fn population_years(
        &mut self,
        area: &AreaCode,
    ) -> Result<HashMap<i32, i64>, StorageError> {
        let rows: Vec<Population> = fetch_all(
            self,
            "SELECT area_code, year, rural FROM area_populations WHERE area_code = $1",
            &[Value::Text(area.to_string())],
        )
        .await?;
        Ok(rows.into_iter().map(|p| (p.year, p.rural)).collect())
    }

    /// [`Db::area_years`] inside this transaction.
    pub async fn area_years(
        &mut self,
        scope: &Scope,
        area: &AreaCode,
    ) -> Result<Vec<YearFigures>, StorageError> {
        if !scope.contains_area(area) {
            return Ok(Vec::new());
        }
        let (lo, hi) = area.descendant_range();
        let (table, columns) = summed(FigureYear::Year(0));
        let rows: Vec<YearRow> = fetch_all(
            self,
            &format!(
                "SELECT year, {columns} FROM {table} WHERE village_code BETWEEN $1 AND $2 \
                 GROUP BY year ORDER BY year"
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| YearFigures {
                year: r.year,
                figures: r.figures,
            })
            .collect())
    }

    /// [`Db::area_count`] inside this transaction.
    pub async fn area_count(
        &mut self,
        scope: &Scope,
        code: &AreaCode,
        year: FigureYear,
    ) -> Result<Option<AreaCount>, StorageError> {
        let Some(area) = self.area(scope, code).await? else {
            return Ok(None);
        };
        let subtree = code.descendant_range();
        Ok(self.counts_of(vec![area], subtree, year).await?.pop())
    }

    /// [`Db::area_children`] inside this transaction.
    pub async fn area_children(
        &mut self,
        scope: &Scope,
        parent: Option<&AreaCode>,
        year: FigureYear,
    ) -> Result<Vec<AreaCount>, StorageError> {
        if parent.is_some_and(|p| !scope.contains_area(p)) {
            return Ok(Vec::new());
        }
        let own = match scope.areas() {
            Territory::Nowhere => return Ok(Vec::new()),
            Territory::Area(own) => Some(own),
            Territory::Installation => None,
        };
        let (sql, args) = match (parent, own) {
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
        let rows: Vec<AreaRow> = fetch_all(self, sql, &args).await?;
        let children: Vec<Area> = rows
            .into_iter()
            .map(AreaRow::into_area)
            .collect::<Result<_, _>>()?;
        // figures never leave the parent's (or the scope's) subtree
        let subtree = match parent.or(own) {
            Some(p) => p.descendant_range(),
            None => ("000000000000".into(), "999999999999".into()),
        };
        self.counts_of(children, subtree, year).await
    }

    /// [`Db::area`] inside this transaction.
    pub async fn area(
        &mut self,
        scope: &Scope,
        code: &AreaCode,
    ) -> Result<Option<Area>, StorageError> {
        if !scope.contains_area(code) {
            return Ok(None);
        }
        let code = code.to_string();
        let rows: Vec<AreaRow> = fetch_all(
            self,
            "SELECT code, name, level, parent_code FROM areas WHERE code = $1",
            &[Value::Text(code)],
        )
        .await?;
        rows.into_iter().next().map(AreaRow::into_area).transpose()
    }
}
