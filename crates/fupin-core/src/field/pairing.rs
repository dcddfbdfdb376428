//! Pairing helpers with households (结对帮扶, domain.md §1.5 and §6.3): who a helper is, the
//! "one helps four" limit, and how a household changes helper — a new row from a date, the old
//! one ended the day before, never overwritten.

use std::fmt;

use chrono::NaiveDate;

use crate::codes::CodeList;
use crate::message::{Explained, Message};

code_list! {
    /// 单位隶属关系: the level a helping unit belongs to.
    UnitLevel, "单位隶属关系" {
        Central = ("central", "中央单位", "central"),
        Provincial = ("provincial", "省直", "provincial"),
        Municipal = ("municipal", "市直", "municipal"),
        County = ("county", "县直", "county"),
        Township = ("township", "乡镇", "township"),
        Village = ("village", "村级", "village"),
    }
}

code_list! {
    /// A place in a village work team (驻村工作队).
    TeamRole, "驻村职务" {
        FirstSecretary = ("first_secretary", "第一书记", "first secretary"),
        Leader = ("leader", "工作队队长", "team leader"),
        Member = ("member", "工作队队员", "team member"),
    }
}

/// The longest name, unit or post, in characters.
pub const TEXT_MAX_CHARS: usize = 60;

/// A helper as entered: a person, with an account only if they log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperDraft {
    pub name: String,
    pub phone: String,
    pub unit: String,
    pub unit_level: Option<UnitLevel>,
    pub post: String,
}

/// Why a pairing or a helper cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingProblem {
    NameMissing,
    TooLong {
        field: &'static str,
    },
    BadPhone,
    UnitMissing,
    /// The helper already has `limit` households (一帮四).
    LimitReached {
        limit: i64,
    },
    AlreadyPaired,
    /// A change may not start before the current pairing did.
    BeforeCurrent {
        since: NaiveDate,
    },
    HelperLeft,
}

impl Explained for PairingProblem {
    fn message(&self) -> Message {
        match self {
            Self::NameMissing => Message::new("pairing.name_missing"),
            Self::TooLong { field } => Message::new(match *field {
                "name" => "pairing.name_too_long",
                "unit" => "pairing.unit_too_long",
                _ => "pairing.post_too_long",
            })
            .with("max", TEXT_MAX_CHARS),
            Self::BadPhone => Message::new("pairing.bad_phone"),
            Self::UnitMissing => Message::new("pairing.unit_missing"),
            Self::LimitReached { limit } => Message::new("pairing.limit").with("limit", limit),
            Self::AlreadyPaired => Message::new("pairing.already"),
            Self::BeforeCurrent { since } => {
                Message::new("pairing.before_current").with("since", since)
            }
            Self::HelperLeft => Message::new("pairing.helper_left"),
        }
    }
}

crate::explained_error!(PairingProblem, &[MESSAGES]);

/// A telephone as people write it: a mobile (11 digits from 1) or a fixed line with its area
/// code ("0854-1234567"), spaces and dashes allowed; a `+86` prefix is dropped.
pub fn valid_phone(text: &str) -> bool {
    let digits: String = text
        .trim()
        .trim_start_matches("+86")
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    (digits.len() == 11 && digits.starts_with('1'))
        || ((10..=12).contains(&digits.len()) && digits.starts_with('0'))
}

/// Checks a helper as entered; every problem, in the form's order.
pub fn check_helper(h: &HelperDraft) -> Vec<PairingProblem> {
    let mut problems = Vec::new();
    if h.name.trim().is_empty() {
        problems.push(PairingProblem::NameMissing);
    }
    if !h.phone.trim().is_empty() && !valid_phone(&h.phone) {
        problems.push(PairingProblem::BadPhone);
    }
    if h.unit.trim().is_empty() {
        problems.push(PairingProblem::UnitMissing);
    }
    for (field, text) in [("name", &h.name), ("unit", &h.unit), ("post", &h.post)] {
        if text.trim().chars().count() > TEXT_MAX_CHARS {
            problems.push(PairingProblem::TooLong { field });
        }
    }
    problems
}

/// The current pairing of a household, as a change is planned against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    pub pairing_id: i64,
    pub helper_id: i64,
    pub since: NaiveDate,
}

/// What pairing a household with a helper from a date writes: the current row ended (the day
/// before, or the same day when both start that day), and the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub end: Option<(i64, NaiveDate)>,
    pub helper_id: i64,
    pub since: NaiveDate,
}

/// Plans pairing `helper_id` (who has `helper_count` current households of a `limit`) with a
/// household whose current pairing is `current`, from `since`.
pub fn plan(
    current: Option<Current>,
    helper_id: i64,
    helper_count: i64,
    limit: i64,
    since: NaiveDate,
) -> Result<Change, PairingProblem> {
    if let Some(c) = current {
        if c.helper_id == helper_id {
            return Err(PairingProblem::AlreadyPaired);
        }
        if since < c.since {
            return Err(PairingProblem::BeforeCurrent { since: c.since });
        }
    }
    if helper_count >= limit {
        return Err(PairingProblem::LimitReached { limit });
    }
    Ok(Change {
        end: current.map(|c| (c.pairing_id, since.pred_opt().unwrap_or(since).max(c.since))),
        helper_id,
        since,
    })
}

/// The texts of this module's messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "pairing.name_missing",
        "请填写帮扶责任人姓名",
        "Give the helper's name",
    ),
    (
        "pairing.name_too_long",
        "姓名不能超过{max}个字",
        "The name may have at most {max} characters",
    ),
    (
        "pairing.unit_too_long",
        "帮扶单位不能超过{max}个字",
        "The unit may have at most {max} characters",
    ),
    (
        "pairing.post_too_long",
        "职务不能超过{max}个字",
        "The post may have at most {max} characters",
    ),
    (
        "pairing.bad_phone",
        "联系电话格式不对（手机11位，或带区号的固定电话）",
        "The telephone is not valid (11-digit mobile, or a fixed line with its area code)",
    ),
    (
        "pairing.unit_missing",
        "请填写帮扶单位",
        "Give the helper's unit",
    ),
    (
        "pairing.limit",
        "该帮扶责任人已结对{limit}户，达到本地区每人帮扶户数上限",
        "This helper already has {limit} households, the most this area allows per helper",
    ),
    (
        "pairing.already",
        "该户已由此人帮扶",
        "This household is already paired with this helper",
    ),
    (
        "pairing.before_current",
        "调整日期不能早于现帮扶关系的开始日期 {since}",
        "A change cannot start before the current pairing began ({since})",
    ),
    (
        "pairing.helper_left",
        "该帮扶责任人已调离，不能再结对",
        "This helper has left and cannot be paired",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_limit_refuses_the_fifth_household_of_four() {
        assert!(plan(None, 7, 3, 4, d("2026-03-01")).is_ok());
        assert_eq!(
            plan(None, 7, 4, 4, d("2026-03-01")),
            Err(PairingProblem::LimitReached { limit: 4 })
        );
        // an area that allows five
        assert!(plan(None, 7, 4, 5, d("2026-03-01")).is_ok());
    }

    #[test]
    fn a_change_ends_the_current_row_the_day_before() {
        let current = Current {
            pairing_id: 11,
            helper_id: 3,
            since: d("2019-05-01"),
        };
        assert_eq!(
            plan(Some(current), 7, 0, 4, d("2026-03-01")),
            Ok(Change {
                end: Some((11, d("2026-02-28"))),
                helper_id: 7,
                since: d("2026-03-01"),
            })
        );
        // changed again on the day it began: the old row ends that day
        let today = Current {
            since: d("2026-03-01"),
            ..current
        };
        assert_eq!(
            plan(Some(today), 7, 0, 4, d("2026-03-01")).unwrap().end,
            Some((11, d("2026-03-01")))
        );
        assert_eq!(
            plan(Some(current), 3, 1, 4, d("2026-03-01")),
            Err(PairingProblem::AlreadyPaired)
        );
        assert_eq!(
            plan(Some(current), 7, 0, 4, d("2019-04-30")),
            Err(PairingProblem::BeforeCurrent {
                since: d("2019-05-01")
            })
        );
    }

    #[test]
    fn phones_are_mobiles_or_fixed_lines_with_area_codes() {
        for ok in [
            "13812345678",
            "+86 138 1234 5678",
            "0854-1234567",
            "010-12345678",
        ] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in [
            "1381234567",
            "23812345678",
            "1234567",
            "0854-12a4567",
            "138123456789",
        ] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }

    #[test]
    fn a_helper_needs_a_name_and_a_unit() {
        let draft = HelperDraft {
            name: "王芳".into(),
            phone: String::new(),
            unit: "县教育局".into(),
            unit_level: Some(UnitLevel::County),
            post: "干部".into(),
        };
        assert!(check_helper(&draft).is_empty());
        let bad = HelperDraft {
            name: " ".into(),
            phone: "123".into(),
            unit: String::new(),
            post: "长".repeat(TEXT_MAX_CHARS + 1),
            ..draft
        };
        assert_eq!(
            check_helper(&bad),
            vec![
                PairingProblem::NameMissing,
                PairingProblem::BadPhone,
                PairingProblem::UnitMissing,
                PairingProblem::TooLong { field: "post" },
            ]
        );
    }
}
