//! Positions on the ground: the distance between two, and whether a phone's position can be a
//! place in China at all. Great-circle distance on a sphere of the mean earth radius: within a
//! village the error against the ellipsoid is far below a phone's accuracy.

use crate::GeoPoint;

/// Mean earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A position a phone reported: where, and how sure it was (the radius of 68 % confidence, as
/// the browser's `coords.accuracy` gives it), if it said.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
}

impl Fix {
    pub fn point(&self) -> GeoPoint {
        GeoPoint {
            lon: self.lon,
            lat: self.lat,
        }
    }
}

/// Metres between two points along the earth's surface (haversine).
pub fn distance_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// China's extent with a margin (WGS-84 degrees; GCJ-02 offsets are a few hundred metres and
/// stay inside): a position outside it, not a number, or the (0,0) a failed fix reports cannot
/// be a visit in a Chinese village. A box, not the border: it only has to catch nonsense.
pub fn plausible_in_china(p: GeoPoint) -> bool {
    p.lat.is_finite()
        && p.lon.is_finite()
        && (3.0..=54.0).contains(&p.lat)
        && (73.0..=136.0).contains(&p.lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    #[test]
    fn distance_matches_known_ones() {
        // one degree of latitude is 111.2 km on the mean sphere
        let d = distance_m(at(26.0, 107.0), at(27.0, 107.0));
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
        // Beijing (Tiananmen) to Shanghai (People's Square): 1,067 km
        let d = distance_m(at(39.9087, 116.3975), at(31.2304, 121.4737));
        assert!((d - 1_067_000.0).abs() < 3_000.0, "{d}");
        assert_eq!(distance_m(at(26.0, 107.0), at(26.0, 107.0)), 0.0);
        // symmetric, and small distances are not lost to rounding
        let (a, b) = (at(26.25, 107.5), at(26.2545, 107.5));
        assert!((distance_m(a, b) - distance_m(b, a)).abs() < 1e-9);
        assert!(
            (distance_m(a, b) - 500.4).abs() < 1.0,
            "{}",
            distance_m(a, b)
        );
    }

    #[test]
    fn positions_outside_china_or_at_null_island_are_implausible() {
        assert!(plausible_in_china(at(26.2, 107.5))); // Dushan, Guizhou
        assert!(plausible_in_china(at(53.4, 122.3))); // Mohe
        assert!(plausible_in_china(at(18.2, 109.5))); // Sanya
        assert!(!plausible_in_china(at(0.0, 0.0)));
        assert!(!plausible_in_china(at(48.85, 2.35))); // Paris
        assert!(!plausible_in_china(at(f64::NAN, 107.0)));
        assert!(!plausible_in_china(at(107.5, 26.2))); // latitude and longitude swapped
    }
}
