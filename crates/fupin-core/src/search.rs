//! What the text of a search box asks for. Kept apart from storage so the rule (what counts as
//! an ID number, what as a household number) is tested on its own.

use std::fmt;

/// Shortest household-number prefix searched: shorter ones match whole counties.
pub const MIN_NUMBER_PREFIX: usize = 6;

/// A key the registry is searched by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// A full 18-character resident ID number (check letter upper-cased).
    IdNumber(String),
    /// The start of a household number (户编号), digits only.
    HouseholdNumber(String),
}

impl fmt::Display for SearchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchKey::IdNumber(s) => write!(f, "id_number:{s}"),
            SearchKey::HouseholdNumber(s) => write!(f, "household_number:{s}"),
        }
    }
}

/// Why a text cannot be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SearchProblem {
    #[error("请输入查询内容 / enter something to search for")]
    Empty,
    #[error(
        "请输入完整的18位身份证号，或至少6位户编号 / enter a full 18-character ID number or at least 6 digits of a household number"
    )]
    NotAKey,
}

/// Classifies search text; spaces are ignored.
pub fn classify(text: &str) -> Result<SearchKey, SearchProblem> {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(SearchProblem::Empty);
    }
    let bytes = s.as_bytes();
    let id_shape = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X' || bytes[17] == b'x');
    if id_shape {
        return Ok(SearchKey::IdNumber(s.to_ascii_uppercase()));
    }
    if bytes.iter().all(u8::is_ascii_digit) && (MIN_NUMBER_PREFIX..=30).contains(&bytes.len()) {
        return Ok(SearchKey::HouseholdNumber(s));
    }
    Err(SearchProblem::NotAKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_and_household_numbers() {
        assert_eq!(
            classify(" 52272619700304002x "),
            Ok(SearchKey::IdNumber("52272619700304002X".into()))
        );
        assert_eq!(
            classify("5227 2610 0201"),
            Ok(SearchKey::HouseholdNumber("522726100201".into()))
        );
        assert_eq!(classify("52272"), Err(SearchProblem::NotAKey), "too short");
        assert_eq!(classify("王芳"), Err(SearchProblem::NotAKey));
        assert_eq!(classify("   "), Err(SearchProblem::Empty));
    }

    proptest! {
        #[test]
        fn keys_hold_only_what_storage_can_use(text in "\\PC{0,30}") {
            match classify(&text) {
                Ok(SearchKey::IdNumber(s)) => prop_assert!(s.len() == 18 && !s.contains('x')),
                Ok(SearchKey::HouseholdNumber(s)) => {
                    prop_assert!(s.len() >= MIN_NUMBER_PREFIX && s.bytes().all(|b| b.is_ascii_digit()))
                }
                Err(_) => {}
            }
        }
    }
}
