//! Jurisdiction, enforced here and only here: every registry read takes a [`Scope`], and this
//! module turns it into the SQL condition that confines `households` to the user's subtree
//! (and, for helper cadres, to their paired households). Handlers never filter by hand.
//!
//! The condition is rendered with literals, not parameters: area codes are validated 12-digit
//! strings and user ids integers, so nothing a user types can reach it, and each query keeps
//! its own `$n` numbering.

use fupin_core::AreaCode;
use fupin_core::access::{HouseholdReach, Scope};

/// `village_code` range of a subtree (`None`: everything).
fn range(area: Option<&AreaCode>) -> Option<(String, String)> {
    area.map(AreaCode::descendant_range)
}

/// The condition on `households` (columns prefixed with `prefix`, e.g. `"h."`) that keeps only
/// rows `scope` reaches as records: its subtree, narrowed to paired households for a helper.
pub(crate) fn households(scope: &Scope, prefix: &str) -> String {
    let mut parts = Vec::new();
    if let Some((lo, hi)) = range(scope.area.as_ref()) {
        debug_assert!(lo.bytes().chain(hi.bytes()).all(|b| b.is_ascii_digit()));
        parts.push(format!("{prefix}village_code BETWEEN '{lo}' AND '{hi}'"));
    }
    match scope.households {
        HouseholdReach::Subtree => {}
        HouseholdReach::Paired(user) => parts.push(format!(
            "{prefix}id IN (SELECT household_id FROM helper_pairs WHERE user_id = {user})"
        )),
        HouseholdReach::Nothing => parts.push("1 = 0".into()),
    }
    if parts.is_empty() {
        "1 = 1".into()
    } else {
        parts.join(" AND ")
    }
}

/// The condition on `households` for figures (counts by area): the whole subtree. Counts are
/// aggregate, so a helper cadre sees those of their area, not only of their paired households.
pub(crate) fn counted(scope: &Scope, prefix: &str) -> String {
    within(scope, &format!("{prefix}village_code"))
}

/// The condition that keeps rows whose area code `column` lies in the scope's subtree (cases,
/// warnings: things assigned to an area rather than read as a household's record).
pub(crate) fn within(scope: &Scope, column: &str) -> String {
    match range(scope.area.as_ref()) {
        Some((lo, hi)) => format!("{column} BETWEEN '{lo}' AND '{hi}'"),
        None => "1 = 1".into(),
    }
}

/// The condition that keeps rows owned by an area (`column`: its code, `''` for the whole
/// installation) that the scope may use: owned inside its subtree, or by an area it lies in
/// (department lists: visible within their owner's subtree and above, never to a neighbour).
pub(crate) fn owned(scope: &Scope, column: &str) -> String {
    let Some(area) = scope.area.as_ref() else {
        return "1 = 1".into();
    };
    let mut above = vec![String::from("''")];
    for level in fupin_core::AreaLevel::ALL {
        if level <= area.level() {
            above.push(format!("'{}'", area.ancestor(level)));
        }
    }
    debug_assert!(
        above
            .iter()
            .all(|a| a.bytes().all(|b| b == b'\'' || b.is_ascii_digit()))
    );
    format!(
        "({column} IN ({}) OR {})",
        above.join(", "),
        within(scope, column)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(reach: HouseholdReach) -> Scope {
        Scope {
            area: Some(AreaCode::parse("522726").unwrap()),
            households: reach,
        }
    }

    #[test]
    fn conditions_confine_to_the_subtree_and_pairs() {
        assert_eq!(
            households(&scope(HouseholdReach::Subtree), "h."),
            "h.village_code BETWEEN '522726000000' AND '522726999999'"
        );
        assert!(
            households(&scope(HouseholdReach::Paired(9)), "")
                .ends_with("id IN (SELECT household_id FROM helper_pairs WHERE user_id = 9)")
        );
        assert!(households(&scope(HouseholdReach::Nothing), "").ends_with("1 = 0"));
        assert_eq!(households(&Scope::everything(), ""), "1 = 1");
        assert_eq!(
            counted(&scope(HouseholdReach::Paired(9)), ""),
            "village_code BETWEEN '522726000000' AND '522726999999'"
        );
    }

    #[test]
    fn owned_rows_are_those_of_the_subtree_and_above() {
        assert_eq!(
            owned(&scope(HouseholdReach::Nothing), "s.area_code"),
            "(s.area_code IN ('', '520000000000', '522700000000', '522726000000') \
             OR s.area_code BETWEEN '522726000000' AND '522726999999')"
        );
        assert_eq!(owned(&Scope::everything(), "area_code"), "1 = 1");
    }
}
