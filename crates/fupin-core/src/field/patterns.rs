//! Signs of "nominal help" (形式帮扶) in a helper's visits, each with its evidence: many
//! households "visited" from one spot, the same photo on different households, and visits
//! farther apart than anyone could travel in the time between them. They raise warnings that
//! a person verifies; none of them proves anything alone.

use std::collections::{BTreeMap, BTreeSet};

use super::geo::distance_m;
use crate::GeoPoint;

/// The patterns' settings; the defaults are fupin's own choice (no source gives numbers) and
/// are named in docs/FIELD.md.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatternSettings {
    /// Visits whose positions lie this close together were made from one spot.
    pub spot_radius_m: f64,
    /// This many different households visited from one spot is a pattern …
    pub spot_min_households: usize,
    /// … when at least this many of them are recorded farther than `far_m` from the spot.
    pub spot_min_far: usize,
    pub far_m: f64,
    /// Faster than this between two visits is impossible on village roads.
    pub max_speed_kmh: f64,
    /// Shorter hops are within a phone's error and never count as too fast.
    pub speed_min_distance_m: f64,
}

impl Default for PatternSettings {
    fn default() -> Self {
        Self {
            spot_radius_m: 50.0,
            spot_min_households: 3,
            spot_min_far: 2,
            far_m: 500.0,
            max_speed_kmh: 120.0,
            speed_min_distance_m: 2_000.0,
        }
    }
}

/// One recorded visit, as the patterns read it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitFact {
    pub id: i64,
    pub helper_id: i64,
    pub household_id: i64,
    /// Seconds since the epoch.
    pub at: i64,
    pub position: Option<GeoPoint>,
    /// The household's recorded location.
    pub home: Option<GeoPoint>,
    /// The SHA-256 of each photo, hex.
    pub photos: Vec<String>,
}

/// A pattern and its evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pattern {
    /// One helper recorded visits to `households` from within `radius_m` of `spot`; `far` of
    /// them live farther than the setting from it.
    OneSpot {
        helper_id: i64,
        spot: GeoPoint,
        radius_m: f64,
        visits: Vec<i64>,
        households: Vec<i64>,
        far: usize,
    },
    /// The same picture (by its SHA-256) on visits to different households.
    SharedPhoto {
        sha256: String,
        visits: Vec<i64>,
        households: Vec<i64>,
        helpers: Vec<i64>,
    },
    /// Two successive visits of one helper farther apart than the time between them allows.
    TooFast {
        helper_id: i64,
        from_visit: i64,
        to_visit: i64,
        /// The two visits' households, in the same order.
        households: Vec<i64>,
        distance_m: f64,
        minutes: f64,
        speed_kmh: f64,
    },
}

impl Pattern {
    /// The households and the helpers the evidence names.
    pub fn people(&self) -> (Vec<i64>, Vec<i64>) {
        match self {
            Pattern::OneSpot {
                helper_id,
                households,
                ..
            }
            | Pattern::TooFast {
                helper_id,
                households,
                ..
            } => (households.clone(), vec![*helper_id]),
            Pattern::SharedPhoto {
                households,
                helpers,
                ..
            } => (households.clone(), helpers.clone()),
        }
    }

    /// What the warning is keyed by: the same evidence found again is the same warning.
    pub fn key(&self) -> String {
        match self {
            Pattern::OneSpot { visits, .. } => format!("one_spot:{}", join(visits)),
            Pattern::SharedPhoto { sha256, .. } => format!("shared_photo:{sha256}"),
            Pattern::TooFast {
                from_visit,
                to_visit,
                ..
            } => format!("too_fast:{from_visit}-{to_visit}"),
        }
    }
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Every pattern in `visits` (any order, any helpers).
pub fn find(visits: &[VisitFact], s: &PatternSettings) -> Vec<Pattern> {
    let mut by_helper: BTreeMap<i64, Vec<&VisitFact>> = BTreeMap::new();
    for v in visits {
        by_helper.entry(v.helper_id).or_default().push(v);
    }
    let mut out = Vec::new();
    for (helper, mut vs) in by_helper {
        vs.sort_by_key(|v| (v.at, v.id));
        out.extend(one_spot(helper, &vs, s));
        out.extend(too_fast(helper, &vs, s));
    }
    out.extend(shared_photos(visits));
    out
}

/// Greedy: each visit, in time order, gathers the not yet gathered visits within the radius of
/// its position; a gathering of enough households, enough of them far from the spot, is one
/// pattern. O(n²) per helper, who makes a few dozen visits a year.
fn one_spot(helper: i64, vs: &[&VisitFact], s: &PatternSettings) -> Vec<Pattern> {
    let mut taken = vec![false; vs.len()];
    let mut out = Vec::new();
    for (i, v) in vs.iter().enumerate() {
        let Some(spot) = v.position else { continue };
        if taken[i] {
            continue;
        }
        let near: Vec<usize> = (i..vs.len())
            .filter(|&j| !taken[j])
            .filter(|&j| {
                vs[j]
                    .position
                    .is_some_and(|p| distance_m(p, spot) <= s.spot_radius_m)
            })
            .collect();
        let households: BTreeSet<i64> = near.iter().map(|&j| vs[j].household_id).collect();
        if households.len() < s.spot_min_households {
            continue;
        }
        let far = households
            .iter()
            .filter(|&&h| {
                near.iter()
                    .find(|&&j| vs[j].household_id == h)
                    .and_then(|&j| vs[j].home)
                    .is_some_and(|home| distance_m(home, spot) > s.far_m)
            })
            .count();
        if far < s.spot_min_far {
            continue;
        }
        for &j in &near {
            taken[j] = true;
        }
        let mut visits: Vec<i64> = near.iter().map(|&j| vs[j].id).collect();
        visits.sort_unstable();
        out.push(Pattern::OneSpot {
            helper_id: helper,
            spot,
            radius_m: s.spot_radius_m,
            visits,
            households: households.into_iter().collect(),
            far,
        });
    }
    out
}

/// Successive visits with positions: farther apart than the minimum and faster than the
/// maximum (or at the same second) is a pattern.
fn too_fast(helper: i64, vs: &[&VisitFact], s: &PatternSettings) -> Vec<Pattern> {
    let located: Vec<(&VisitFact, GeoPoint)> = vs
        .iter()
        .filter_map(|v| v.position.map(|p| (*v, p)))
        .collect();
    located
        .windows(2)
        .filter_map(|pair| {
            let ((a, pa), (b, pb)) = (pair[0], pair[1]);
            let d = distance_m(pa, pb);
            if d <= s.speed_min_distance_m {
                return None;
            }
            let seconds = (b.at - a.at) as f64;
            let speed = if seconds > 0.0 {
                d / seconds * 3.6
            } else {
                f64::INFINITY
            };
            (speed > s.max_speed_kmh).then(|| Pattern::TooFast {
                helper_id: helper,
                from_visit: a.id,
                to_visit: b.id,
                households: vec![a.household_id, b.household_id],
                distance_m: d.round(),
                minutes: (seconds / 60.0 * 10.0).round() / 10.0,
                speed_kmh: if speed.is_finite() {
                    speed.round()
                } else {
                    -1.0
                },
            })
        })
        .collect()
}

/// A photo hash on visits to more than one household.
fn shared_photos(visits: &[VisitFact]) -> Vec<Pattern> {
    let mut by_hash: BTreeMap<&str, Vec<&VisitFact>> = BTreeMap::new();
    for v in visits {
        for h in &v.photos {
            by_hash.entry(h).or_default().push(v);
        }
    }
    by_hash
        .into_iter()
        .filter_map(|(hash, vs)| {
            let households: BTreeSet<i64> = vs.iter().map(|v| v.household_id).collect();
            (households.len() > 1).then(|| {
                let visits: BTreeSet<i64> = vs.iter().map(|v| v.id).collect();
                let helpers: BTreeSet<i64> = vs.iter().map(|v| v.helper_id).collect();
                Pattern::SharedPhoto {
                    sha256: hash.to_string(),
                    visits: visits.into_iter().collect(),
                    households: households.into_iter().collect(),
                    helpers: helpers.into_iter().collect(),
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: GeoPoint = GeoPoint {
        lat: 25.83,
        lon: 107.54,
    };

    /// A point `north` and `east` metres from the origin.
    fn at(north: f64, east: f64) -> GeoPoint {
        GeoPoint {
            lat: ORIGIN.lat + north / 111_195.08,
            lon: ORIGIN.lon + east / (111_195.08 * ORIGIN.lat.to_radians().cos()),
        }
    }

    fn visit(id: i64, household: i64, minute: i64, pos: GeoPoint, home: GeoPoint) -> VisitFact {
        VisitFact {
            id,
            helper_id: 1,
            household_id: household,
            at: 1_790_000_000 + minute * 60,
            position: Some(pos),
            home: Some(home),
            photos: vec![format!("{id:064x}")],
        }
    }

    fn kinds(ps: &[Pattern]) -> Vec<&'static str> {
        ps.iter()
            .map(|p| match p {
                Pattern::OneSpot { .. } => "one_spot",
                Pattern::SharedPhoto { .. } => "shared_photo",
                Pattern::TooFast { .. } => "too_fast",
            })
            .collect()
    }

    #[test]
    fn three_households_far_apart_visited_from_one_spot_is_a_pattern() {
        let s = PatternSettings::default();
        let homes = [at(0.0, 0.0), at(900.0, 0.0), at(0.0, 1200.0)];
        // all three "visited" from within 50 m of the first household, on three days
        let vs: Vec<VisitFact> = (0..3)
            .map(|i| {
                visit(
                    i + 1,
                    i + 10,
                    i * 1440,
                    at(i as f64 * 20.0, 0.0),
                    homes[i as usize],
                )
            })
            .collect();
        let found = find(&vs, &s);
        assert_eq!(
            found,
            vec![Pattern::OneSpot {
                helper_id: 1,
                spot: at(0.0, 0.0),
                radius_m: 50.0,
                visits: vec![1, 2, 3],
                households: vec![10, 11, 12],
                far: 2,
            }]
        );
        assert_eq!(found[0].key(), "one_spot:1,2,3");
        // 51 m away, the third visit is not from the spot: two households are not enough
        let mut apart = vs.clone();
        apart[2].position = Some(at(51.0, 0.0));
        assert!(find(&apart, &s).is_empty());
    }

    #[test]
    fn neighbours_visited_from_one_spot_are_not_a_pattern() {
        // three households in one compound, each within 500 m of the spot: a normal round
        let s = PatternSettings::default();
        let vs: Vec<VisitFact> = (0..3)
            .map(|i| {
                visit(
                    i + 1,
                    i + 10,
                    i * 30,
                    at(0.0, 0.0),
                    at(i as f64 * 250.0, 0.0),
                )
            })
            .collect();
        assert!(find(&vs, &s).is_empty());
        // one of them at 501 m: one far household is still below the minimum of two
        let mut one_far = vs.clone();
        one_far[2].home = Some(at(501.0, 0.0));
        assert!(find(&one_far, &s).is_empty());
        let mut two_far = one_far.clone();
        two_far[1].home = Some(at(0.0, 501.0));
        assert_eq!(kinds(&find(&two_far, &s)), vec!["one_spot"]);
    }

    #[test]
    fn speed_above_the_limit_between_successive_visits_is_a_pattern() {
        let s = PatternSettings::default();
        let home = at(0.0, 0.0);
        // 60 km in 30 minutes is exactly 120 km/h: not flagged; in 29 minutes it is
        let ok = [
            visit(1, 10, 0, at(0.0, 0.0), home),
            visit(2, 11, 30, at(60_000.0, 0.0), home),
        ];
        let d = distance_m(at(0.0, 0.0), at(60_000.0, 0.0));
        assert!((d - 60_000.0).abs() < 1.0);
        let fast = [ok[0].clone(), visit(2, 11, 29, at(60_000.0, 0.0), home)];
        let slow_enough = PatternSettings {
            max_speed_kmh: d / 1800.0 * 3.6,
            ..s.clone()
        };
        assert!(find(&ok, &slow_enough).is_empty());
        match &find(&fast, &s)[..] {
            [
                Pattern::TooFast {
                    from_visit: 1,
                    to_visit: 2,
                    speed_kmh,
                    minutes,
                    ..
                },
            ] => {
                assert_eq!(*minutes, 29.0);
                assert!((*speed_kmh - 124.0).abs() < 1.0, "{speed_kmh}");
            }
            other => panic!("{other:?}"),
        }
        // a hop of 2 km at the same second is the phone's error, not a journey
        let jitter = [
            visit(1, 10, 0, at(0.0, 0.0), home),
            visit(2, 11, 0, at(1_999.0, 0.0), home),
        ];
        assert!(find(&jitter, &s).is_empty());
        let same_second = [jitter[0].clone(), visit(2, 11, 0, at(2_001.0, 0.0), home)];
        assert_eq!(kinds(&find(&same_second, &s)), vec!["too_fast"]);
    }

    #[test]
    fn the_same_photo_on_two_households_is_a_pattern_but_not_on_one() {
        let s = PatternSettings::default();
        let mut a = visit(1, 10, 0, at(0.0, 0.0), at(0.0, 0.0));
        let mut b = visit(2, 11, 600, at(0.0, 0.0), at(0.0, 0.0));
        let mut c = visit(3, 10, 43_200, at(0.0, 0.0), at(0.0, 0.0));
        let hash = "ab".repeat(32);
        a.photos.push(hash.clone());
        c.photos.push(hash.clone());
        // the same household's photo sent twice is no pattern
        assert!(find(&[a.clone(), c.clone()], &s).is_empty());
        b.helper_id = 2;
        b.photos.push(hash.clone());
        let found = find(&[a, b, c], &s);
        assert_eq!(
            found,
            vec![Pattern::SharedPhoto {
                sha256: hash.clone(),
                visits: vec![1, 2, 3],
                households: vec![10, 11],
                helpers: vec![1, 2],
            }]
        );
        assert_eq!(found[0].key(), format!("shared_photo:{hash}"));
    }

    #[test]
    fn visits_without_positions_raise_no_place_patterns() {
        let s = PatternSettings::default();
        let mut vs: Vec<VisitFact> = (0..4)
            .map(|i| visit(i + 1, i + 10, i, at(0.0, 0.0), at(5_000.0, 0.0)))
            .collect();
        for v in &mut vs {
            v.position = None;
        }
        assert!(find(&vs, &s).is_empty());
    }
}
