//! Generated field work: a year of visits to paired households as helpers make them (most
//! months, in daytime, from near the household, one to three photos), for the demo and the
//! benchmark. Photos are the demo picture with a comment naming the visit, so each is a valid
//! JPEG with a hash of its own.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use fupin_core::GeoPoint;
use fupin_core::field::visit::{self, VisitFacts};
use fupin_storage::field::visits::{NewPhoto, NewVisit};
use rand::Rng;
use sha2::{Digest, Sha256};

/// The demo's picture of a farmhouse (96 × 72, 1.4 KB).
pub const DEMO_PHOTO: &[u8] = include_bytes!("../../data/demo_photo.jpg");

/// The demo picture with a JPEG comment segment (`FF FE`) saying `tag` right after its start:
/// a valid image whose hash is its own.
pub fn photo(tag: &str) -> Vec<u8> {
    let text = tag.as_bytes();
    let len = (text.len() + 2) as u16;
    let mut out = Vec::with_capacity(DEMO_PHOTO.len() + text.len() + 4);
    out.extend_from_slice(&DEMO_PHOTO[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text);
    out.extend_from_slice(&DEMO_PHOTO[2..]);
    out
}

/// A household paired with a helper, as the generator needs it.
#[derive(Debug, Clone)]
pub struct Paired {
    pub household_id: i64,
    pub helper_id: i64,
    pub village_code: String,
    pub home: Option<GeoPoint>,
}

/// A visit and the bytes of its photos (empty where only the rows are wanted).
pub struct Generated {
    pub visit: NewVisit,
    pub photo_bytes: Vec<Vec<u8>>,
}

/// A point `north` and `east` metres from `p`.
pub fn offset(p: GeoPoint, north: f64, east: f64) -> GeoPoint {
    GeoPoint {
        lat: p.lat + north / 111_195.08,
        lon: p.lon + east / (111_195.08 * p.lat.to_radians().cos()),
    }
}

/// One visit of `h` at `at` from `position`, with `photos` photos (bytes made when `bytes`).
pub fn visit_at(
    h: &Paired,
    at: chrono::DateTime<Utc>,
    position: Option<(GeoPoint, f64)>,
    photos: usize,
    bytes: bool,
    serial: u64,
    recorded_by: &str,
) -> Generated {
    let mut photo_bytes = Vec::new();
    let mut rows = Vec::new();
    for i in 0..photos {
        let tag = format!("fupin demo visit {serial} photo {i}");
        // the bench keeps rows only: a hash of the tag, and a photo's usual size
        let (sha256, size) = if bytes {
            let b = photo(&tag);
            let hash = (hex::encode(Sha256::digest(&b)), b.len() as i64);
            photo_bytes.push(b);
            hash
        } else {
            (hex::encode(Sha256::digest(tag.as_bytes())), 100 * 1024)
        };
        rows.push(NewPhoto {
            sha256,
            kind: "image/jpeg".into(),
            bytes: size,
            taken_at: None,
            lat: None,
            lon: None,
        });
    }
    let fix = position.map(|(p, accuracy)| fupin_core::field::Fix {
        lat: p.lat,
        lon: p.lon,
        accuracy_m: Some(accuracy),
    });
    let review = visit::review(&VisitFacts {
        fix,
        household: h.home,
        radius_m: 500.0,
        visited_at: at,
        recorded_at: at,
        photos: &[],
    });
    Generated {
        visit: NewVisit {
            client_id: format!(
                "{:08x}-0000-4000-8000-{:012x}",
                serial >> 48,
                serial & 0xffff_ffff_ffff
            ),
            household_id: h.household_id,
            helper_id: h.helper_id,
            village_code: h.village_code.clone(),
            visited_at: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            month: visit::month_of(at),
            recorded_at: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            recorded_by: recorded_by.to_string(),
            lat: fix.map(|f| f.lat),
            lon: fix.map(|f| f.lon),
            accuracy_m: fix.and_then(|f| f.accuracy_m),
            distance_m: review.distance_m,
            flags: review
                .flags
                .iter()
                .map(|f| fupin_core::CodeList::code(*f))
                .collect::<Vec<_>>()
                .join(","),
            flagged: review.flags.iter().any(|f| f.doubts_presence()),
            done: String::new(),
            needs: String::new(),
            changed: String::new(),
            photos: rows,
        },
        photo_bytes,
    }
}

const DONE: &[&str] = &[
    "宣讲惠民政策，核实家庭收入",
    "了解产业发展情况，指导养殖防疫",
    "核实两不愁三保障情况，查看住房",
    "帮助联系务工岗位，登记就业意愿",
    "送去慰问物资，了解子女上学情况",
    "协助办理医保报销，核实慢病签约",
];
const NEEDS: &[&str] = &[
    "",
    "",
    "希望学习种植技术",
    "需要小额信贷",
    "房屋需要维修",
    "子女就业",
];

/// The visits of `months` (first days) to `households`, none after `until`: each month a
/// `share` of the households is visited once, in daytime Beijing, from within a phone's error of the home.
#[allow(clippy::too_many_arguments)]
pub fn year(
    households: &[Paired],
    months: &[NaiveDate],
    until: chrono::DateTime<Utc>,
    share: f64,
    rng: &mut impl Rng,
    bytes: bool,
    first_serial: u64,
    recorded_by: impl Fn(&Paired) -> String,
) -> Vec<Generated> {
    let mut out = Vec::new();
    let mut serial = first_serial;
    for month in months {
        let days = month
            .checked_add_months(chrono::Months::new(1))
            .map_or(28, |next| (next - *month).num_days());
        for h in households {
            if !rng.random_bool(share) {
                continue;
            }
            let day = *month + Duration::days(rng.random_range(0..days));
            let hour = rng.random_range(1..9); // 09:00–17:00 Beijing
            let at = Utc
                .with_ymd_and_hms(
                    day.year(),
                    day.month(),
                    day.day(),
                    hour,
                    rng.random_range(0..60),
                    0,
                )
                .single()
                .expect("a valid time");
            if at > until {
                continue;
            }
            let position = h.home.map(|home| {
                let spread = if rng.random_bool(0.03) { 900.0 } else { 60.0 };
                let p = offset(
                    home,
                    rng.random_range(-spread..spread),
                    rng.random_range(-spread..spread),
                );
                (p, rng.random_range(8.0..45.0))
            });
            let photos = rng.random_range(1..=3);
            let mut g = visit_at(h, at, position, photos, bytes, serial, &recorded_by(h));
            g.visit.done = DONE[rng.random_range(0..DONE.len())].to_string();
            g.visit.needs = NEEDS[rng.random_range(0..NEEDS.len())].to_string();
            out.push(g);
            serial += 1;
        }
    }
    out
}

/// The first days of the `n` months up to the one holding `today`, oldest first.
pub fn months_to(today: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let first = today.with_day(1).expect("day one");
    (0..n)
        .rev()
        .filter_map(|back| first.checked_sub_months(chrono::Months::new(back)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_photos_are_jpegs_with_hashes_of_their_own() {
        let (a, b) = (photo("a"), photo("b"));
        assert_eq!(
            fupin_core::field::photo::ImageKind::sniff(&a),
            Some(fupin_core::field::photo::ImageKind::Jpeg)
        );
        assert_ne!(Sha256::digest(&a), Sha256::digest(&b));
        assert_eq!(a.len(), DEMO_PHOTO.len() + 5);
    }

    #[test]
    fn months_end_at_today() {
        let m = months_to("2026-12-07".parse().unwrap(), 3);
        assert_eq!(
            m,
            ["2026-10-01", "2026-11-01", "2026-12-01"].map(|d| d.parse::<NaiveDate>().unwrap())
        );
    }
}
