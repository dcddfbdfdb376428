//! Field work (驻村帮扶): helpers paired with households, their visits with the phone's
//! position and photos, village sign-in, and the signs of help that exists only on paper.
//! Rules only; the records live in `fupin-storage/src/field/`, the use-cases in
//! `fupin-services/src/field/`.

pub mod geo;
pub mod pairing;
pub mod patterns;
pub mod photo;
pub mod visit;

use chrono::NaiveDate;

pub use geo::{Fix, distance_m, plausible_in_china};
pub use visit::{ChangedItem, VisitFlag};

/// A paired household is overdue for a visit when neither its last visit nor, if it has none
/// since, the start of its pairing lies within `days` days of `today` (policy
/// `not_visited_days`): a household paired yesterday is not yet "never visited".
pub fn overdue(
    last_visit: Option<NaiveDate>,
    paired_since: NaiveDate,
    today: NaiveDate,
    days: i64,
) -> bool {
    let since = last_visit.map_or(paired_since, |v| v.max(paired_since));
    (today - since).num_days() > days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn overdue_counts_from_the_last_visit_or_the_pairing() {
        let today = d("2026-12-07");
        assert!(!overdue(Some(d("2026-11-07")), d("2020-01-01"), today, 30));
        assert!(overdue(Some(d("2026-11-06")), d("2020-01-01"), today, 30));
        assert!(!overdue(None, d("2026-11-20"), today, 30));
        assert!(overdue(None, d("2026-11-06"), today, 30));
        // a visit to the household before this helper took it over does not count
        assert!(!overdue(Some(d("2026-01-01")), d("2026-11-20"), today, 30));
    }
}
