//! Village exit (贫困村出列) and county exit (贫困县摘帽), `domain.md` §4.2–4.3: the registry
//! decides the poverty-incidence test; the other criteria (roads, water, clinics, collective
//! income; the county's wrong-exit and omission rates and public approval, measured by sample
//! surveys) are recorded elsewhere and stay unknown here until they are loaded.

use crate::assessment::checklist::Outcome;
use crate::policy::{PolicyKey, PolicySet};
use crate::{AreaCode, AreaLevel};

/// The incidence test of an area that can exit (a village or a county) for a year: incidence
/// strictly below the threshold ("< 2%", "< 3% in the west"). `None` for other levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IncidenceTest {
    pub outcome: Outcome,
    /// Incidence and threshold in hundredths of a percent.
    pub incidence_bp: Option<i64>,
    pub threshold_bp: Option<i64>,
}

pub fn incidence_test(
    policy: &PolicySet,
    area: &AreaCode,
    year: i32,
    incidence_bp: Option<i64>,
) -> Option<IncidenceTest> {
    let key = match area.level() {
        AreaLevel::Village => PolicyKey::VillageExitIncidenceMaxBp,
        AreaLevel::County => PolicyKey::CountyIncidenceMaxBp,
        _ => return None,
    };
    let threshold_bp = policy.value(key, year, area);
    let outcome = match (incidence_bp, threshold_bp) {
        (Some(i), Some(t)) if i < t => Outcome::Met,
        (Some(_), Some(_)) => Outcome::NotMet,
        _ => Outcome::Unknown,
    };
    Some(IncidenceTest {
        outcome,
        incidence_bp,
        threshold_bp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidence_must_be_strictly_below_the_threshold_of_the_region() {
        let policy = PolicySet::defaults();
        let village_east = AreaCode::parse("210881001001").unwrap();
        let village_west = AreaCode::parse("522726100201").unwrap();
        let at = |code: &AreaCode, bp| incidence_test(&policy, code, 2019, Some(bp)).unwrap();
        assert_eq!(at(&village_east, 199).outcome, Outcome::Met);
        assert_eq!(
            at(&village_east, 200).outcome,
            Outcome::NotMet,
            "exactly 2%"
        );
        assert_eq!(
            at(&village_west, 299).outcome,
            Outcome::Met,
            "Guizhou: below 3%"
        );
        assert_eq!(
            at(&village_west, 300).outcome,
            Outcome::NotMet,
            "exactly 3%"
        );
        let county = AreaCode::parse("522726").unwrap();
        assert_eq!(at(&county, 250).threshold_bp, Some(300));
        let unknown = incidence_test(&policy, &county, 2019, None).unwrap();
        assert_eq!(unknown.outcome, Outcome::Unknown);
        assert!(incidence_test(&policy, &AreaCode::parse("52").unwrap(), 2019, Some(1)).is_none());
    }
}
