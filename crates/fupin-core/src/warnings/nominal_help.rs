//! Help on paper only (形式帮扶): the field patterns ([`crate::field::patterns`]) raised as
//! warnings that a person verifies like any other. Each warning is the area's that holds every
//! household of its evidence (a village, or the county when the households are in two of its
//! villages), so that nobody outside that area learns of households beyond their own.

use std::collections::BTreeMap;

use super::rules::{Evidence, Finding, Rule};
use crate::AreaCode;
use crate::codes::CodeList;
use crate::field::patterns::Pattern;

/// What the patterns' sentences name: each household's number and village, each helper's name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Named {
    pub households: BTreeMap<i64, (String, AreaCode)>,
    pub helpers: BTreeMap<i64, String>,
}

impl Named {
    fn helper(&self, id: i64) -> String {
        self.helpers
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }
}

/// The smallest area that holds all of `codes` (the first one's province when they span two).
pub fn common_area<'a>(codes: impl Iterator<Item = &'a AreaCode>) -> Option<AreaCode> {
    codes.cloned().reduce(|a, b| a.common(&b))
}

/// The warning each pattern raises; a pattern about households the registry no longer knows
/// (none of them named) raises none.
pub fn findings(patterns: &[Pattern], named: &Named) -> Vec<Finding> {
    patterns.iter().filter_map(|p| finding(p, named)).collect()
}

fn finding(pattern: &Pattern, named: &Named) -> Option<Finding> {
    let (households, visits, subject, fact) = match pattern {
        Pattern::OneSpot {
            helper_id,
            spot,
            radius_m,
            visits,
            households,
            far,
        } => (
            households,
            visits.clone(),
            format!("{} · 多户同点走访", named.helper(*helper_id)),
            format!(
                "帮扶责任人{}在同一地点（{:.5}, {:.5}，半径{radius_m}米内）记录了{}户的{}次走访，\
                 其中{far}户的登记位置离该点较远",
                named.helper(*helper_id),
                spot.lat,
                spot.lon,
                households.len(),
                visits.len()
            ),
        ),
        Pattern::SharedPhoto {
            sha256,
            visits,
            households,
            helpers,
        } => (
            households,
            visits.clone(),
            format!("照片{} · 多户共用", &sha256[..sha256.len().min(12)]),
            format!(
                "同一张照片（SHA-256 {sha256}）出现在{}户的{}次走访中，记录人：{}",
                households.len(),
                visits.len(),
                helpers
                    .iter()
                    .map(|h| named.helper(*h))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ),
        Pattern::TooFast {
            helper_id,
            from_visit,
            to_visit,
            households,
            distance_m,
            minutes,
            speed_kmh,
        } => (
            households,
            vec![*from_visit, *to_visit],
            format!("{} · 走访间移动过快", named.helper(*helper_id)),
            format!(
                "帮扶责任人{}相继两次走访的位置相距{:.1}公里，间隔{minutes}分钟，{}",
                named.helper(*helper_id),
                distance_m / 1000.0,
                if *speed_kmh < 0.0 {
                    "记录于同一时刻".to_string()
                } else {
                    format!("折合时速{speed_kmh}公里")
                }
            ),
        ),
    };
    let mut known: Vec<i64> = households
        .iter()
        .copied()
        .filter(|h| named.households.contains_key(h))
        .collect();
    known.dedup();
    let area = common_area(known.iter().map(|h| &named.households[h].1))?;
    let mut facts = vec![fact];
    facts.extend(known.iter().map(|h| {
        let (number, village) = &named.households[h];
        format!("户{number}（{village}）")
    }));
    facts.push(format!(
        "走访记录：{}",
        visits
            .iter()
            .map(|v| format!("#{v}"))
            .collect::<Vec<_>>()
            .join("、")
    ));
    Some(Finding {
        rule: Rule::NominalHelp,
        area,
        household_id: known.first().copied(),
        related_household_id: known.get(1).copied(),
        subject,
        key: format!("{}|{}", Rule::NominalHelp.code(), pattern.key()),
        evidence: Evidence {
            facts,
            visits,
            ..Evidence::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GeoPoint;

    fn code(c: &str) -> AreaCode {
        AreaCode::parse(c).unwrap()
    }

    fn named() -> Named {
        Named {
            households: BTreeMap::from([
                (10, ("52272610100100001".into(), code("522726101001"))),
                (11, ("52272610100100002".into(), code("522726101001"))),
                (12, ("52272610200300001".into(), code("522726102003"))),
                (13, ("52270110100100001".into(), code("522701101001"))),
            ]),
            helpers: BTreeMap::from([(1, "王芳".into())]),
        }
    }

    fn shared(households: Vec<i64>) -> Pattern {
        Pattern::SharedPhoto {
            sha256: "ab".repeat(32),
            visits: vec![5, 6],
            households,
            helpers: vec![1],
        }
    }

    #[test]
    fn the_common_area_is_the_smallest_holding_all() {
        let villages = [code("522726101001"), code("522726101001")];
        assert_eq!(common_area(villages.iter()), Some(code("522726101001")));
        let two = [code("522726101001"), code("522726102003")];
        assert_eq!(common_area(two.iter()), Some(code("522726000000")));
        let counties = [code("522726101001"), code("522701101001")];
        assert_eq!(common_area(counties.iter()), Some(code("522700000000")));
        let provinces = [code("522726101001"), code("110101001001")];
        assert_eq!(common_area(provinces.iter()), Some(code("520000000000")));
        assert_eq!(common_area([].iter()), None);
    }

    #[test]
    fn a_warning_belongs_to_the_area_holding_its_households() {
        let one_village = findings(&[shared(vec![10, 11])], &named());
        assert_eq!(one_village.len(), 1);
        let f = &one_village[0];
        assert_eq!(f.rule, Rule::NominalHelp);
        assert_eq!(f.area, code("522726101001"));
        assert_eq!(
            (f.household_id, f.related_household_id),
            (Some(10), Some(11))
        );
        assert_eq!(
            f.key,
            format!("nominal_help|shared_photo:{}", "ab".repeat(32))
        );
        assert_eq!(f.evidence.visits, vec![5, 6]);
        assert!(
            f.evidence.facts[0].contains("2户的2次走访"),
            "{:?}",
            f.evidence.facts
        );
        assert!(f.evidence.facts[0].contains("王芳"));
        // two villages of a county: the county's; two counties: the city's
        assert_eq!(
            findings(&[shared(vec![10, 12])], &named())[0].area,
            code("522726000000")
        );
        assert_eq!(
            findings(&[shared(vec![10, 13])], &named())[0].area,
            code("522700000000")
        );
        // households the registry no longer holds raise nothing
        assert!(findings(&[shared(vec![98, 99])], &named()).is_empty());
    }

    #[test]
    fn a_fast_move_names_both_visits_and_the_speed() {
        let fast = Pattern::TooFast {
            helper_id: 1,
            from_visit: 7,
            to_visit: 8,
            households: vec![10, 12],
            distance_m: 60_000.0,
            minutes: 29.0,
            speed_kmh: 124.0,
        };
        let f = &findings(&[fast], &named())[0];
        assert_eq!(f.area, code("522726000000"));
        assert_eq!(f.key, "nominal_help|too_fast:7-8");
        assert!(f.evidence.facts[0].contains("相距60.0公里，间隔29分钟，折合时速124公里"));
        assert_eq!(f.evidence.facts.last().unwrap(), "走访记录：#7、#8");
        let spot = Pattern::OneSpot {
            helper_id: 2,
            spot: GeoPoint {
                lat: 25.83,
                lon: 107.54,
            },
            radius_m: 50.0,
            visits: vec![1, 2, 3],
            households: vec![10, 11],
            far: 2,
        };
        let f = &findings(&[spot], &named())[0];
        // a helper the scan could not name is shown by id
        assert!(f.subject.starts_with("#2 · "), "{}", f.subject);
    }
}
