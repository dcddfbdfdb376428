//! The scan for help on paper only (形式帮扶): a period's visits read with their positions, the
//! patterns found by `fupin_core::field::patterns`, and the warnings they raise
//! (`fupin_core::warnings::nominal_help`), which the registry scan stores with the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use fupin_core::access::Scope;
use fupin_core::field::patterns::{self, PatternSettings, VisitFact};
use fupin_core::warnings::Finding;
use fupin_core::warnings::nominal_help::{self, Named};
use fupin_core::{AreaCode, GeoPoint};
use fupin_storage::Db;
use fupin_storage::field::patterns::VisitPlace;

use crate::error::Result;

/// The warnings the visits recorded in `scope`'s subtree since `since` raise.
pub async fn findings_since(
    db: &Db,
    scope: &Scope,
    since: DateTime<Utc>,
    settings: &PatternSettings,
) -> Result<Vec<Finding>> {
    let since = since.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let placed = db.visits_placed_since(scope, &since).await?;
    let mut photos: HashMap<i64, Vec<String>> = HashMap::new();
    for p in db.shared_photos_since(scope, &since).await? {
        photos.entry(p.visit_id).or_default().push(p.sha256);
    }
    let facts: Vec<VisitFact> = placed
        .into_iter()
        .filter_map(|v| fact(v, &mut photos))
        .collect();
    let found = patterns::find(&facts, settings);
    let (mut households, mut helpers) = (BTreeSet::new(), BTreeSet::new());
    for p in &found {
        let (hs, ps) = p.people();
        households.extend(hs);
        helpers.extend(ps);
    }
    let households: Vec<i64> = households.into_iter().collect();
    let helpers: Vec<i64> = helpers.into_iter().collect();
    let (numbered, names) = db.pattern_names(&households, &helpers).await?;
    let mut named = Named {
        households: BTreeMap::new(),
        helpers: names.into_iter().map(|h| (h.id, h.name)).collect(),
    };
    for h in numbered {
        // a household whose village is not a code raises nothing rather than a wrong area
        if let Ok(village) = AreaCode::parse(&h.village_code) {
            named.households.insert(h.id, (h.number, village));
        }
    }
    Ok(nominal_help::findings(&found, &named))
}

/// A visit as the patterns read it; its time unreadable, it is left out.
fn fact(v: VisitPlace, photos: &mut HashMap<i64, Vec<String>>) -> Option<VisitFact> {
    let at = DateTime::parse_from_rfc3339(&v.visited_at)
        .ok()?
        .timestamp();
    let point =
        |lat: Option<f64>, lon: Option<f64>| lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon });
    Some(VisitFact {
        id: v.id,
        helper_id: v.helper_id,
        household_id: v.household_id,
        at,
        position: point(v.lat, v.lon),
        home: point(v.home_lat, v.home_lon),
        photos: photos.remove(&v.id).unwrap_or_default(),
    })
}
