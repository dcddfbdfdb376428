//! `fupin areas import FILE`: administrative divisions from a JSON array of
//! `{code, name, level, parent}` (the shape of `data/seed_divisions.json`) or a CSV/XLSX sheet
//! with the columns code, name, level, parent.

use std::path::Path;

use anyhow::{Context, Result, bail};
use fupin_core::{Area, AreaCode, AreaLevel};
use fupin_storage::{AreaLoad, Db};

/// The divisions of the demo regions, shipped with fupin (source: see data/README.md).
pub const SEED_DIVISIONS: &str = include_str!("../../../data/seed_divisions.json");
/// County boundary polygons of the demo regions.
pub const SEED_BOUNDARIES: &str = include_str!("../../../data/seed_boundaries.geojson");

pub fn parse_json(text: &str) -> Result<Vec<Area>> {
    serde_json::from_str(text)
        .context("division file: expected a JSON array of {code, name, level, parent}")
}

/// The longest division name taken (the longest real ones run to about 20 characters).
const AREA_NAME_CHARS: usize = 50;

fn parse_sheet(path: &Path) -> Result<Vec<Area>> {
    let mut rows = crate::sheet::open(path)?;
    let header = crate::sheet::header_row(&mut rows)?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .with_context(|| format!("missing column {name}"))
    };
    let (c, n, l, p) = (col("code")?, col("name")?, col("level")?, col("parent")?);
    let mut out = Vec::new();
    for row in rows {
        let (row_no, cells) = row?;
        let get = |i: usize| cells.get(i).map_or("", str::trim);
        let area = (|| -> Result<Area> {
            if let Some(len) = fupin_core::fields::over_limit(get(n), AREA_NAME_CHARS) {
                bail!(
                    "名称超过{AREA_NAME_CHARS}个字符（共{len}个） / name longer than {AREA_NAME_CHARS} characters ({len})"
                );
            }
            Ok(Area {
                code: AreaCode::parse(get(c))?,
                name: get(n).to_string(),
                level: get(l).parse::<AreaLevel>()?,
                parent: match get(p) {
                    "" => None,
                    code => Some(AreaCode::parse(code)?),
                },
            })
        })()
        .with_context(|| format!("row {row_no}"))?;
        out.push(area);
    }
    Ok(out)
}

/// Reads a division file and loads it; nothing is written if any record is wrong.
pub async fn import_areas(db: &Db, path: &Path) -> Result<AreaLoad> {
    let areas = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => parse_json(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        )?,
        _ => parse_sheet(path)?,
    };
    if areas.is_empty() {
        bail!("{}: no areas in the file", path.display());
    }
    Ok(db.load_areas(&areas).await?)
}

/// Loads the shipped divisions of the demo regions.
pub async fn load_seed_divisions(db: &Db) -> Result<AreaLoad> {
    Ok(db.load_areas(&parse_json(SEED_DIVISIONS)?).await?)
}
