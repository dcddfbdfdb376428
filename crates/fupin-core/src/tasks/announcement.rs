//! An announcement (通知公告): a title and a text from an office to the people of areas within
//! its own (its whole subtree, or chosen areas below it). Everyone whose account lies in one of
//! those areas may read it; each first reading is a read receipt the issuer counts.

use super::instruction::{Problem, check_words};
use crate::AreaCode;

/// An announcement as its issuer wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub title: String,
    pub text: String,
    /// Where it goes: the issuer's own area (everyone in it) or areas below.
    pub areas: Vec<AreaCode>,
}

/// Checks an announcement of the office of `issuer`; every problem, in the form's order.
pub fn check(d: &Draft, issuer: &AreaCode) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_words(&d.title, &d.text, &mut problems);
    if d.areas.is_empty() {
        problems.push(Problem::NoRecipients);
    } else if d.areas.len() > super::instruction::MAX_RECIPIENTS {
        problems.push(Problem::TooManyRecipients);
    }
    if d.areas.iter().any(|a| !issuer.contains(a)) {
        problems.push(Problem::NotSubordinate);
    }
    problems
}

/// Whether an announcement to `areas` reaches a person whose account is in `area`.
pub fn reaches(areas: &[AreaCode], area: &AreaCode) -> bool {
    areas.iter().any(|a| a.contains(area))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> AreaCode {
        AreaCode::parse(c).unwrap()
    }

    #[test]
    fn an_announcement_goes_to_the_issuers_area_or_below() {
        let county = code("522726");
        let to = |areas: Vec<AreaCode>| Draft {
            title: "关于开展年度动态调整的通知".into(),
            text: "各乡镇：……".into(),
            areas,
        };
        assert!(check(&to(vec![county.clone()]), &county).is_empty());
        assert!(check(&to(vec![code("522726101")]), &county).is_empty());
        assert_eq!(
            check(&to(vec![code("522727")]), &county),
            [Problem::NotSubordinate]
        );
        assert_eq!(check(&to(Vec::new()), &county), [Problem::NoRecipients]);
    }

    #[test]
    fn it_reaches_the_people_of_its_areas_only() {
        let areas = [code("522726101"), code("522726103")];
        assert!(reaches(&areas, &code("522726101")));
        assert!(reaches(&areas, &code("522726103204")));
        assert!(!reaches(&areas, &code("522726102")));
        // the county office above is not among the readers of a township's announcement
        assert!(!reaches(&areas, &code("522726")));
    }
}
