//! Where households can be placed: the villages of the division list, their address names,
//! and county boundaries for drawing plausible coordinates.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use fupin_core::{Area, AreaCode, AreaLevel, GeoPoint};
use geo::{BoundingRect, Contains, InteriorPoint, MultiPolygon, Point, Rect};
use rand::Rng;

use super::pick::{normal, round_to};
use super::region::Region;

/// Kilometres per degree of latitude.
const KM_PER_DEGREE: f64 = 111.2;

/// The villages households are placed in, with their counties and county outlines.
/// Built once and shared by any number of [`generate`](super::generate) runs.
pub struct Geography {
    pub(super) counties: Vec<County>,
    /// Sorted by code, so generation does not depend on the order of the division records.
    pub(super) villages: Vec<Village>,
    pub(super) township_count: usize,
}

pub(super) struct County {
    pub code: AreaCode,
    pub region: Region,
    /// `None` when the boundary file has no outline for the county (households then get no
    /// location).
    pub shape: Option<Shape>,
}

pub(super) struct Village {
    pub code: AreaCode,
    pub name: String,
    pub county: usize,
    pub township: usize,
    /// "独山县麻尾镇甲乙村": county, township and short village name, for 家庭住址.
    pub address: String,
}

/// A county outline with its bounding box (checked first: most rejected points fail it).
pub(super) struct Shape {
    polygon: MultiPolygon<f64>,
    bbox: Rect<f64>,
}

impl Geography {
    /// Builds from the division records and the boundary GeoJSON (features with a 12-digit
    /// `code` property and Polygon or MultiPolygon geometry; only county features are used).
    pub fn new(areas: &[Area], boundaries_geojson: &str) -> anyhow::Result<Self> {
        let mut shapes = county_shapes(boundaries_geojson)?;
        let names: BTreeMap<&AreaCode, &str> =
            areas.iter().map(|a| (&a.code, a.name.as_str())).collect();
        let name_of = |code: &AreaCode| names.get(code).copied().unwrap_or("");

        let mut village_areas: Vec<&Area> = areas
            .iter()
            .filter(|a| a.level == AreaLevel::Village)
            .collect();
        if village_areas.is_empty() {
            bail!("区划数据中没有村级区划 / the divisions contain no villages");
        }
        village_areas.sort_by(|a, b| a.code.cmp(&b.code));

        let mut counties: Vec<County> = Vec::new();
        let mut county_index: BTreeMap<AreaCode, usize> = BTreeMap::new();
        let mut township_index: BTreeMap<AreaCode, usize> = BTreeMap::new();
        let mut villages = Vec::with_capacity(village_areas.len());
        for area in village_areas {
            let county_code = area.code.ancestor(AreaLevel::County);
            let township_code = area.code.ancestor(AreaLevel::Township);
            let county = *county_index.entry(county_code.clone()).or_insert_with(|| {
                counties.push(County {
                    region: Region::for_county(county_code.county6()),
                    shape: shapes.remove(&county_code),
                    code: county_code.clone(),
                });
                counties.len() - 1
            });
            let next_township = township_index.len();
            let township = *township_index
                .entry(township_code.clone())
                .or_insert(next_township);
            let address = format!(
                "{}{}{}",
                name_of(&county_code),
                name_of(&township_code),
                short_village_name(&area.name)
            );
            villages.push(Village {
                code: area.code.clone(),
                name: area.name.clone(),
                county,
                township,
                address,
            });
        }
        Ok(Self {
            counties,
            villages,
            township_count: township_index.len(),
        })
    }

    pub fn village_count(&self) -> usize {
        self.villages.len()
    }

    /// The villages households are placed in: code and name as in the division records.
    pub fn villages(&self) -> impl Iterator<Item = (&AreaCode, &str)> {
        self.villages.iter().map(|v| (&v.code, v.name.as_str()))
    }

    /// Whether `point` lies inside the outline of `county` (a county code or any code inside
    /// it); `None` when the county has no outline.
    pub fn county_contains(&self, county: &AreaCode, point: GeoPoint) -> Option<bool> {
        let code = county.ancestor(AreaLevel::County);
        let c = self.counties.iter().find(|c| c.code == code)?;
        c.shape.as_ref().map(|s| s.contains(point.lon, point.lat))
    }
}

impl Shape {
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        (min.x..=max.x).contains(&lon)
            && (min.y..=max.y).contains(&lat)
            && self.polygon.contains(&Point::new(lon, lat))
    }

    /// A uniformly random point inside the outline, rounded to 6 decimals.
    pub fn random_point(&self, rng: &mut impl Rng) -> (f64, f64) {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        for _ in 0..10_000 {
            let lon = round_to(min.x + rng.random::<f64>() * (max.x - min.x), 6);
            let lat = round_to(min.y + rng.random::<f64>() * (max.y - min.y), 6);
            if self.contains(lon, lat) {
                return (lon, lat);
            }
        }
        // a sliver of a county: fall back to a point known to be inside
        let p = self.polygon.interior_point().expect("non-empty outline");
        (p.x(), p.y())
    }

    /// A point scattered normally (σ = `sigma_km`) around `centre` and inside the outline,
    /// or `None` after a few misses (the caller then uses the centre).
    pub fn point_near(
        &self,
        rng: &mut impl Rng,
        centre: (f64, f64),
        sigma_km: f64,
    ) -> Option<(f64, f64)> {
        let dlat = sigma_km / KM_PER_DEGREE;
        let dlon = dlat / centre.1.to_radians().cos().max(0.1);
        (0..16).find_map(|_| {
            let lon = round_to(centre.0 + normal(rng) * dlon, 6);
            let lat = round_to(centre.1 + normal(rng) * dlat, 6);
            self.contains(lon, lat).then_some((lon, lat))
        })
    }
}

/// County outlines from the boundary file, keyed by 12-digit code.
fn county_shapes(geojson_text: &str) -> anyhow::Result<BTreeMap<AreaCode, Shape>> {
    let collection: geojson::FeatureCollection = geojson_text
        .parse()
        .context("边界文件不是GeoJSON要素集 / boundary file is not a GeoJSON FeatureCollection")?;
    let mut out = BTreeMap::new();
    for feature in collection.features {
        let Some(code) = feature
            .property("code")
            .and_then(|v| v.as_str())
            .and_then(|s| AreaCode::parse(s).ok())
            .filter(|c| c.level() == AreaLevel::County)
        else {
            continue;
        };
        let Some(geometry) = feature.geometry else {
            continue;
        };
        let polygon = match geo::Geometry::<f64>::try_from(geometry)
            .with_context(|| format!("{code}: 边界几何无效 / invalid boundary geometry"))?
        {
            geo::Geometry::MultiPolygon(m) => m,
            geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
            _ => bail!("{code}: 边界应为多边形 / boundary must be a (multi)polygon"),
        };
        let Some(bbox) = polygon.bounding_rect() else {
            continue;
        };
        out.insert(code, Shape { polygon, bbox });
    }
    Ok(out)
}

/// "阳坪村村民委员会" → "阳坪村", "冠山社区居民委员会" → "冠山社区", "田屯村委会" → "田屯村".
fn short_village_name(name: &str) -> String {
    let name = name.trim();
    for (suffix, ending) in [
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", ""),
        ("居委会", ""),
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            if stem.is_empty() {
                break;
            }
            let mut short = stem.to_string();
            if !ending.is_empty() && !short.ends_with(ending) {
                short.push_str(ending);
            }
            return short;
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::short_village_name;

    #[test]
    fn village_names_lose_the_committee_suffix() {
        assert_eq!(short_village_name("阳坪村村民委员会"), "阳坪村");
        assert_eq!(short_village_name("新寨村民委员会"), "新寨村");
        assert_eq!(short_village_name("冠山社区居民委员会"), "冠山社区");
        assert_eq!(short_village_name("田屯村委会"), "田屯村");
        assert_eq!(short_village_name("西关社区"), "西关社区");
    }
}
