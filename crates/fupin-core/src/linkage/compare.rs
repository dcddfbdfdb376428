//! The comparison vector of a (department record, registry member) pair: one agreement level
//! per field, packed into a `Pattern` of 3 bits a field so that the pairs of a whole run can be
//! counted by pattern (the model is estimated from those counts) and a link can store its
//! evidence in two bytes.

use super::name::NameAgreement;
use super::person::Person;

/// A compared field, in pattern order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkField {
    Id,
    Name,
    Birth,
    Sex,
    Place,
}

/// Level value meaning "one side has no value": it weighs nothing either way.
pub const MISSING: u8 = 7;

impl LinkField {
    pub const ALL: [LinkField; 5] = [Self::Id, Self::Name, Self::Birth, Self::Sex, Self::Place];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The agreement levels, closest first, as (Chinese, English) labels.
    pub fn levels(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Id => &[
                ("身份证号一致", "ID number equal"),
                ("身份证号差一位", "ID number one slip apart"),
                ("身份证号不同", "ID number different"),
            ],
            Self::Name => &[
                ("姓名一致", "name equal"),
                ("姓名同音", "name homophone"),
                ("姓名方言近音", "name dialect homophone"),
                ("姓名差一字", "name one character apart"),
                ("两字姓名差一字", "two-character name, one differs"),
                ("姓名不同", "name different"),
            ],
            Self::Birth => &[
                ("出生日期一致", "birth date equal"),
                ("出生日期月日颠倒", "birth day and month swapped"),
                ("出生日期差一项", "birth date one part different"),
                ("出生日期不同", "birth date different"),
            ],
            Self::Sex => &[("性别一致", "sex equal"), ("性别不同", "sex different")],
            Self::Place => &[
                ("同村", "same village"),
                ("同乡镇", "same township"),
                ("同县", "same county"),
                ("同市", "same city"),
                ("地区不同", "different place"),
            ],
        }
    }

    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Id => ("身份证号", "ID number"),
            Self::Name => ("姓名", "name"),
            Self::Birth => ("出生日期", "birth date"),
            Self::Sex => ("性别", "sex"),
            Self::Place => ("地区", "place"),
        }
    }
}

/// Agreement levels of the five fields, 3 bits each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern(pub u16);

impl Pattern {
    pub fn new(levels: [u8; 5]) -> Pattern {
        Pattern(
            levels
                .iter()
                .enumerate()
                .fold(0u16, |p, (i, &l)| p | (u16::from(l & 7) << (3 * i))),
        )
    }

    pub fn level(self, field: LinkField) -> u8 {
        ((self.0 >> (3 * field.index())) & 7) as u8
    }

    pub fn levels(self) -> [u8; 5] {
        LinkField::ALL.map(|f| self.level(f))
    }
}

/// Compares a department record with a registry member.
pub fn compare(record: &Person, member: &Person) -> Pattern {
    Pattern::new([
        id_level(record, member),
        both(&record.name, &member.name, |a, b| a.compare(b) as u8),
        both(&record.birth, &member.birth, |a, b| birth_level(*a, *b)),
        both(&record.sex, &member.sex, |a, b| u8::from(a != b)),
        both(&record.place, &member.place, |a, b| {
            place_level(a.shared_level(b))
        }),
    ])
}

fn both<T>(a: &Option<T>, b: &Option<T>, f: impl Fn(&T, &T) -> u8) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => f(a, b),
        _ => MISSING,
    }
}

fn id_level(record: &Person, member: &Person) -> u8 {
    both(&record.id, &member.id, |a, b| {
        if a == b {
            0
        } else if a.within_one_edit(b) {
            1
        } else {
            2
        }
    })
}

fn birth_level(a: super::person::Ymd, b: super::person::Ymd) -> u8 {
    if a == b {
        0
    } else if a.swapped() == Some(b) {
        1
    } else {
        let same = u8::from(a.year() == b.year())
            + u8::from(a.month() == b.month())
            + u8::from(a.day() == b.day());
        if same == 2 || one_digit_apart(a.0, b.0) {
            2
        } else {
            3
        }
    }
}

fn one_digit_apart(a: u32, b: u32) -> bool {
    let (mut a, mut b, mut diff) = (a, b, 0);
    while a > 0 || b > 0 {
        diff += u32::from(a % 10 != b % 10);
        a /= 10;
        b /= 10;
    }
    diff == 1
}

fn place_level(shared_digits: u8) -> u8 {
    match shared_digits {
        12 => 0,
        9 => 1,
        6 => 2,
        4 => 3,
        _ => 4,
    }
}

const _: () = assert!(NameAgreement::ALL.len() <= 7);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Sex;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        day(2026, 12, 1)
    }

    #[test]
    fn a_record_with_a_slip_in_every_field_compares_level_by_level() {
        let id = crate::IdNumber::compose("522722", day(1980, 3, 4), 7, Sex::Female);
        let member = Person::member(&id, "张丽", day(1980, 3, 4), Sex::Female, "522722101201");
        let mut typo = id.as_str().to_string().into_bytes();
        typo[15] = if typo[15] == b'9' { b'0' } else { typo[15] + 1 };
        let record = Person::from_record(
            std::str::from_utf8(&typo).unwrap(),
            "章莉",
            Some(day(1980, 4, 3)),
            None,
            "522722101",
            today(),
        );
        assert!(!record.id_valid);
        let p = compare(&record, &member);
        assert_eq!(p.levels(), [1, 1, 1, 0, 1]);
        assert_eq!(LinkField::Name.levels()[1].0, "姓名同音");
    }

    #[test]
    fn what_a_record_lacks_weighs_nothing() {
        let id = crate::IdNumber::compose("522722", day(1980, 3, 4), 7, Sex::Female);
        let member = Person::member(&id, "张丽", day(1980, 3, 4), Sex::Female, "522722101201");
        let record = Person::from_record("", "张丽", None, None, "", today());
        assert_eq!(
            compare(&record, &member).levels(),
            [MISSING, 0, MISSING, MISSING, MISSING]
        );
    }

    #[test]
    fn birth_levels() {
        assert_eq!(
            birth_level(
                super::super::person::Ymd(19800304),
                super::super::person::Ymd(19800403)
            ),
            1
        );
        assert_eq!(
            birth_level(
                super::super::person::Ymd(19800304),
                super::super::person::Ymd(19800305)
            ),
            2
        );
        assert_eq!(
            birth_level(
                super::super::person::Ymd(19800304),
                super::super::person::Ymd(19810304)
            ),
            2
        );
        assert_eq!(
            birth_level(
                super::super::person::Ymd(19800304),
                super::super::person::Ymd(19700304)
            ),
            2,
            "one digit"
        );
        assert_eq!(
            birth_level(
                super::super::person::Ymd(19800304),
                super::super::person::Ymd(19750611)
            ),
            3
        );
    }
}
