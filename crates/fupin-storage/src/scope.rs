//! Jurisdiction, enforced here and only here: every registry read takes a [`Scope`], and this
//! module turns it into the SQL condition that confines `households` to the user's subtree
//! (and, for helper cadres, to their paired households). Handlers never filter by hand.
//!
//! The condition is rendered with literals, not parameters: area codes are validated 12-digit
//! strings and user ids integers, so nothing a user types can reach it, and each query keeps
//! its own `$n` numbering.

use fupin_core::access::{HouseholdReach, Scope, Territory};

/// Keeps nothing: the condition of a scope that reaches no area or no household.
const NOTHING: &str = "1 = 0";

/// The condition that keeps rows whose area code `column` lies in `territory`.
fn in_territory(territory: &Territory, column: &str) -> Option<String> {
    match territory {
        Territory::Nowhere => Some(NOTHING.into()),
        Territory::Area(area) => {
            let (lo, hi) = area.descendant_range();
            debug_assert!(lo.bytes().chain(hi.bytes()).all(|b| b.is_ascii_digit()));
            Some(format!("{column} BETWEEN '{lo}' AND '{hi}'"))
        }
        Territory::Installation => None,
    }
}

fn all_of(parts: Vec<String>) -> String {
    if parts.is_empty() {
        "1 = 1".into()
    } else {
        parts.join(" AND ")
    }
}

/// The condition on `households` (columns prefixed with `prefix`, e.g. `"h."`) that keeps only
/// rows `scope` reaches as records: its subtree, narrowed to paired households for a helper.
pub(crate) fn households(scope: &Scope, prefix: &str) -> String {
    let mut parts: Vec<String> = in_territory(scope.territory(), &format!("{prefix}village_code"))
        .into_iter()
        .collect();
    match scope.households() {
        HouseholdReach::Subtree => {}
        HouseholdReach::Paired(user) => parts.push(format!(
            "{prefix}id IN (SELECT p.household_id FROM pairings p JOIN helpers hp ON hp.id = \
             p.helper_id WHERE hp.user_id = {user} AND p.ended_on IS NULL)"
        )),
        HouseholdReach::Only(id) => parts.push(format!("{prefix}id = {id}")),
        HouseholdReach::Nothing => parts.push(NOTHING.into()),
    }
    all_of(parts)
}

/// The condition on current `pairings` (columns prefixed with `prefix`) that keeps those whose
/// household `scope` reaches as a record — [`households`] said of the pairing, which keeps its
/// household's village: lists of paired households read by village without the households.
pub(crate) fn pairings(scope: &Scope, prefix: &str) -> String {
    let mut parts: Vec<String> = in_territory(scope.territory(), &format!("{prefix}village_code"))
        .into_iter()
        .collect();
    match scope.households() {
        HouseholdReach::Subtree => {}
        HouseholdReach::Paired(user) => parts.push(format!(
            "{prefix}helper_id IN (SELECT hp.id FROM helpers hp WHERE hp.user_id = {user})"
        )),
        HouseholdReach::Only(id) => parts.push(format!("{prefix}household_id = {id}")),
        HouseholdReach::Nothing => parts.push(NOTHING.into()),
    }
    all_of(parts)
}

/// The condition on `instruction_recipients` (columns prefixed with `prefix`) that keeps the
/// recipients `reach` answers for: the user by name, and their area's office if they answer
/// for it.
pub(crate) fn recipients(reach: &fupin_core::tasks::instruction::Reach, prefix: &str) -> String {
    let area = reach.area.as_str();
    debug_assert!(area.bytes().all(|b| b.is_ascii_digit()));
    let person = format!("{prefix}user_id = {}", reach.user_id);
    if reach.office {
        format!("({person} OR ({prefix}user_id = 0 AND {prefix}area_code = '{area}'))")
    } else {
        person
    }
}

/// The condition that keeps rows about one household (`column`: its id, a column of the outer
/// query that `households` does not have) whose household `scope` reaches: for details read by
/// id (events, helpers, codes) without trusting the caller to have read the household first.
/// A correlated `EXISTS`, so that each row costs one look-up by primary key: `column IN
/// (SELECT id FROM households WHERE …)` had SQLite list every household of the scope's subtree
/// first (27 ms for a province of 180,000 households, on every household page with a helper).
pub(crate) fn of_household(scope: &Scope, column: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM households scoped WHERE scoped.id = {column} AND {})",
        households(scope, "scoped.")
    )
}

/// The rows about one household kept in a table of their own (its assessments, matchings,
/// deliveries, archives), read by the household's id (`$1`) and joined to it for the scope:
/// the table and the name the query gives it (its `household_id` names the household), the
/// columns (qualified by that name) and the order.
pub(crate) struct HouseholdRows(
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub &'static str,
);

impl HouseholdRows {
    /// `SELECT {columns} … ORDER BY {order}` for household `$1` if `scope` reaches it.
    pub(crate) fn sql(&self, scope: &Scope) -> String {
        let Self(table, alias, columns, order) = self;
        format!(
            "SELECT {columns} FROM {table} {alias} JOIN households h ON h.id = {alias}.household_id \
             WHERE {alias}.household_id = $1 AND {} ORDER BY {order}",
            households(scope, "h.")
        )
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
    all_of(in_territory(scope.areas(), column).into_iter().collect())
}

/// The condition that keeps rows owned by an area (`column`: its code, `''` for the whole
/// installation) that the scope may use: owned inside its subtree, or by an area it lies in
/// (department lists: visible within their owner's subtree and above, never to a neighbour).
pub(crate) fn owned(scope: &Scope, column: &str) -> String {
    let area = match scope.areas() {
        Territory::Nowhere => return NOTHING.into(),
        Territory::Installation => return "1 = 1".into(),
        Territory::Area(area) => area,
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
    use fupin_core::AreaCode;
    use fupin_core::access::{Principal, Role};

    /// A user of county 522726 with `role`, user id 9.
    fn scope(role: Role) -> Scope {
        Scope::of(&Principal {
            user_id: 9,
            username: "u".into(),
            area: AreaCode::parse("522726").unwrap(),
            roles: vec![role],
            token_actions: None,
        })
    }

    #[test]
    fn conditions_confine_to_the_subtree_and_pairs() {
        assert_eq!(
            households(&scope(Role::OfficeStaff), "h."),
            "h.village_code BETWEEN '522726000000' AND '522726999999'"
        );
        assert!(
            households(&scope(Role::HelperCadre), "")
                .ends_with("hp.user_id = 9 AND p.ended_on IS NULL)")
        );
        assert!(households(&scope(Role::Admin), "").ends_with("1 = 0"));
        assert_eq!(
            pairings(&scope(Role::OfficeStaff), "p."),
            "p.village_code BETWEEN '522726000000' AND '522726999999'"
        );
        assert!(
            pairings(&scope(Role::HelperCadre), "p.")
                .ends_with("p.helper_id IN (SELECT hp.id FROM helpers hp WHERE hp.user_id = 9)")
        );
        assert!(pairings(&scope(Role::Admin), "p.").ends_with("1 = 0"));
        assert_eq!(
            pairings(&Scope::public_card(42), "p."),
            "p.household_id = 42"
        );
        assert_eq!(households(&Scope::operator(), ""), "1 = 1");
        assert_eq!(
            counted(&scope(Role::HelperCadre), ""),
            "village_code BETWEEN '522726000000' AND '522726999999'"
        );
    }

    #[test]
    fn without_an_area_nothing_is_kept() {
        let nobody = Scope::nobody();
        assert_eq!(households(&nobody, ""), "1 = 0 AND 1 = 0");
        assert_eq!(counted(&nobody, ""), "1 = 0");
        assert_eq!(within(&nobody, "area_code"), "1 = 0");
        assert_eq!(owned(&nobody, "area_code"), "1 = 0");
    }

    #[test]
    fn a_public_card_reaches_its_household_and_no_area() {
        let card = Scope::public_card(42);
        assert_eq!(households(&card, "h."), "h.id = 42");
        assert_eq!(within(&card, "area_code"), "1 = 0");
        assert_eq!(owned(&card, "area_code"), "1 = 0");
        assert_eq!(
            of_household(&card, "household_id"),
            "EXISTS (SELECT 1 FROM households scoped WHERE scoped.id = household_id AND scoped.id = 42)"
        );
    }

    #[test]
    fn owned_rows_are_those_of_the_subtree_and_above() {
        assert_eq!(
            owned(&scope(Role::Admin), "s.area_code"),
            "(s.area_code IN ('', '520000000000', '522700000000', '522726000000') \
             OR s.area_code BETWEEN '522726000000' AND '522726999999')"
        );
        assert_eq!(owned(&Scope::operator(), "area_code"), "1 = 1");
    }
}
