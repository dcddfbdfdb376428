//! Resident ID numbers (公民身份号码, GB 11643-1999).
//!
//! 18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male),
//! ISO 7064 MOD 11-2 check character. The address code is deliberately *not* checked against the
//! current division list: codes are retired when divisions change, and people keep their numbers.

use chrono::{Datelike, NaiveDate};
use std::fmt;

use crate::codes::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A validated 18-character ID number, stored with an upper-case `X`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    OldFormat { upgraded: String },
    Length(usize),
    Character { position: usize, found: char },
    BirthDate(String),
    FutureBirth(NaiveDate),
    Checksum { expected: char, found: char },
}

impl crate::message::Explained for IdError {
    fn message(&self) -> crate::Message {
        use crate::Message;
        match self {
            IdError::Empty => Message::new("id.empty"),
            IdError::OldFormat { upgraded } => {
                Message::new("id.old_format").with("upgraded", upgraded)
            }
            IdError::Length(n) => Message::new("id.length").with("n", n),
            IdError::Character { position, found } => Message::new("id.character")
                .with("position", position)
                .with("found", found),
            IdError::BirthDate(text) => Message::new("id.birth_date").with("date", text),
            IdError::FutureBirth(date) => Message::new("id.future_birth").with("date", date),
            IdError::Checksum { expected, found } => Message::new("id.checksum")
                .with("expected", expected)
                .with("found", found),
        }
    }
}

crate::explained_error!(IdError, &[MESSAGES]);

/// The texts of [`IdError`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    ("id.empty", "为空", "empty"),
    (
        "id.old_format",
        "15位旧号码，应为18位：{upgraded}",
        "old 15-digit number, the 18-digit form is {upgraded}",
    ),
    (
        "id.length",
        "长度为{n}，应为18位",
        "{n} characters, 18 expected",
    ),
    (
        "id.character",
        "第{position}位字符“{found}”无效",
        "invalid character {found} at position {position}",
    ),
    (
        "id.birth_date",
        "出生日期{date}不是有效日期",
        "birth date {date} is not a real date",
    ),
    (
        "id.future_birth",
        "出生日期{date}晚于今天",
        "birth date {date} is in the future",
    ),
    (
        "id.checksum",
        "校验码应为{expected}，实为{found}",
        "check character should be {expected}, found {found}",
    ),
];

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    debug_assert_eq!(first17.len(), 17);
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

impl IdNumber {
    /// Validates and normalises (trims, upper-cases `x`). `today` bounds the birth date.
    pub fn parse(text: &str, today: NaiveDate) -> Result<Self, IdError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(IdError::Empty);
        }
        let chars: Vec<char> = t.chars().collect();
        if chars.len() == 15 && chars.iter().all(char::is_ascii_digit) {
            return Err(IdError::OldFormat {
                upgraded: upgrade_15(t),
            });
        }
        if chars.len() != 18 {
            return Err(IdError::Length(chars.len()));
        }
        for (i, c) in chars.iter().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && (*c == 'X' || *c == 'x'));
            if !ok {
                return Err(IdError::Character {
                    position: i + 1,
                    found: *c,
                });
            }
        }
        let upper = t.to_ascii_uppercase();
        let bytes = upper.as_bytes();
        let birth = birth_from_digits(&upper[6..14])?;
        if birth > today {
            return Err(IdError::FutureBirth(birth));
        }
        let expected = check_char(&bytes[..17]);
        let found = char::from(bytes[17]);
        if expected != found {
            return Err(IdError::Checksum { expected, found });
        }
        Ok(Self(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit address code of the county of registration (may be a retired code).
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_from_digits(&self.0[6..14]).expect("validated on parse")
    }

    pub fn sex(&self) -> Sex {
        let seq = self.0.as_bytes()[16] - b'0';
        if seq % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// Masked for lists and public views: address code kept, birth date and sequence hidden.
    pub fn masked(&self) -> String {
        crate::masking::id_number(&self.0)
    }

    /// Builds a valid number from its parts (the generator and tests use this). `sequence` < 500
    /// gives 500 distinct numbers per sex for one address code and birth date.
    pub fn compose(address6: &str, birth: NaiveDate, sequence: u16, sex: Sex) -> Self {
        debug_assert!(address6.len() == 6 && sequence < 500);
        // the third sequence digit carries the sex
        let sex_digit = (sequence % 5) * 2 + if sex == Sex::Male { 1 } else { 0 };
        let first17 = format!(
            "{}{:04}{:02}{:02}{:02}{}",
            address6,
            birth.year(),
            birth.month(),
            birth.day(),
            sequence / 5 % 100,
            sex_digit
        );
        let c = check_char(first17.as_bytes());
        Self(format!("{first17}{c}"))
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn birth_from_digits(d: &str) -> Result<NaiveDate, IdError> {
    crate::date::from_digits(d)
        .filter(|b| b.year() >= 1880)
        .ok_or_else(|| IdError::BirthDate(d.to_string()))
}

/// The 18-digit form of an old 15-digit number (insert "19", append the check character).
pub fn upgrade_15(old: &str) -> String {
    let first17 = format!("{}19{}", &old[..6], &old[6..15]);
    let c = check_char(first17.as_bytes());
    format!("{first17}{c}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn standard_examples_pass() {
        for id in [
            "11010519491231002X",
            "440524188001010014",
            "370101190102039973",
        ] {
            let parsed = IdNumber::parse(id, today()).unwrap();
            assert_eq!(parsed.as_str(), id);
        }
        let p = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(p.as_str(), "11010519491231002X");
        assert_eq!(p.sex(), Sex::Female);
        assert_eq!(
            p.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(p.masked(), "1101**********002X");
    }

    #[test]
    fn rejects_each_kind_of_bad_number() {
        assert_eq!(IdNumber::parse("", today()), Err(IdError::Empty));
        assert_eq!(
            IdNumber::parse("1101051949123100", today()),
            Err(IdError::Length(16))
        );
        assert!(matches!(
            IdNumber::parse("11010519491231002Y", today()),
            Err(IdError::Character { position: 18, .. })
        ));
        assert!(matches!(
            IdNumber::parse("110105194902300021", today()),
            Err(IdError::BirthDate(_))
        ));
        assert_eq!(
            IdNumber::parse("110105194912310021", today()),
            Err(IdError::Checksum {
                expected: 'X',
                found: '1'
            })
        );
        assert!(matches!(
            IdNumber::parse("110105491231002", today()),
            Err(IdError::OldFormat { upgraded }) if upgraded == "11010519491231002X"
        ));
    }

    proptest! {
        #[test]
        fn composed_numbers_validate_and_round_trip(
            addr in 110000u32..660000,
            days in 0i64..(365 * 110),
            seq in 0u16..500,
            male in any::<bool>(),
        ) {
            let birth = NaiveDate::from_ymd_opt(1915, 1, 1).unwrap() + chrono::Duration::days(days);
            let sex = if male { Sex::Male } else { Sex::Female };
            let id = IdNumber::compose(&addr.to_string(), birth, seq, sex);
            let parsed = IdNumber::parse(id.as_str(), today()).unwrap();
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(parsed.address_code(), addr.to_string());
        }

        #[test]
        fn any_single_digit_change_is_caught(
            addr in 110000u32..660000,
            days in 0i64..(365 * 100),
            pos in 0usize..17,
            delta in 1u8..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::compose(&addr.to_string(), birth, 7, Sex::Male);
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let altered = String::from_utf8(bytes).unwrap();
            // MOD 11-2 detects every single-digit substitution; a changed date may also be invalid
            prop_assert!(IdNumber::parse(&altered, today()).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s, today());
        }
    }
}
