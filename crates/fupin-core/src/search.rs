//! The comprehensive query (综合查询): what the text of a search box asks for, the filters beside
//! it, and how names are cut into the two-character pieces the name index holds. Kept apart from
//! storage so the rules (what counts as an ID number, an ID tail, a phone, a household number or
//! a name) are tested on their own.

use std::collections::BTreeSet;
use std::fmt;

use crate::AreaCode;
use crate::access::Sensitive;
use crate::codes::{Cause, HouseholdStatus, PovertyAttribute};

/// Shortest household-number prefix searched (a township's code): shorter ones match whole
/// counties, and 4–8 digits are read as the end of an ID number.
pub const MIN_NUMBER_PREFIX: usize = 9;
/// An ID tail is the last 4 to 8 characters of an ID number.
pub const ID_TAIL: std::ops::RangeInclusive<usize> = 4..=8;
/// Fewest characters of a name searched: one character (a surname) matches too many people.
pub const MIN_NAME_CHARS: usize = 2;
/// Characters at the end of an ID number that a masked ID still shows (`2108**********5778`,
/// `fupin_core::masking::id_number`): all a role shown masked numbers may search by.
pub const VISIBLE_ID_TAIL: usize = 4;

/// A key the registry is searched by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// A full 18-character resident ID number (check letter upper-cased).
    IdNumber(String),
    /// The last 4–8 characters of an ID number (check letter upper-cased).
    IdTail(String),
    /// A mobile number (11 digits starting with 1).
    Phone(String),
    /// The start of a household number (户编号), digits only.
    HouseholdNumber(String),
    /// A name or part of one (at least two characters, separators removed).
    Name(String),
}

impl SearchKey {
    /// The message key of the kind of search, for pages.
    pub fn kind(&self) -> &'static str {
        match self {
            SearchKey::IdNumber(_) => "by_id_number",
            SearchKey::IdTail(_) => "by_id_tail",
            SearchKey::Phone(_) => "by_phone",
            SearchKey::HouseholdNumber(_) => "by_household_number",
            SearchKey::Name(_) => "by_name",
        }
    }

    /// Whether someone who sees a datum in full only where `reveals` says so may search by
    /// this key. A search confirms what it names: a role shown `2108**********5778` could
    /// otherwise try the few dozen checksum-valid numbers fitting the mask one by one and learn
    /// the full number. So a key may hold no more of a datum than its masked form shows: of an
    /// ID number its last [`VISIBLE_ID_TAIL`] characters, of a phone or name nothing.
    pub fn permitted(&self, reveals: impl Fn(Sensitive) -> bool) -> Result<(), SearchProblem> {
        let (needs, problem) = match self {
            SearchKey::IdNumber(_) => (Sensitive::IdNumber, SearchProblem::IdWithheld),
            SearchKey::IdTail(t) if t.len() > VISIBLE_ID_TAIL => {
                (Sensitive::IdNumber, SearchProblem::IdWithheld)
            }
            SearchKey::Phone(_) => (Sensitive::Phone, SearchProblem::PhoneWithheld),
            SearchKey::Name(_) => (Sensitive::Name, SearchProblem::NameWithheld),
            SearchKey::IdTail(_) | SearchKey::HouseholdNumber(_) => return Ok(()),
        };
        if reveals(needs) { Ok(()) } else { Err(problem) }
    }
}

impl fmt::Display for SearchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchKey::IdNumber(s) => write!(f, "id_number:{s}"),
            SearchKey::IdTail(s) => write!(f, "id_tail:{s}"),
            SearchKey::Phone(s) => write!(f, "phone:{s}"),
            SearchKey::HouseholdNumber(s) => write!(f, "household_number:{s}"),
            SearchKey::Name(s) => write!(f, "name:{s}"),
        }
    }
}

/// Why a text cannot be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchProblem {
    Empty,
    NotAKey,
    IdWithheld,
    PhoneWithheld,
    NameWithheld,
}

impl crate::message::Explained for SearchProblem {
    fn message(&self) -> crate::Message {
        crate::Message::new(match self {
            Self::Empty => "search.empty",
            Self::NotAKey => "search.not_a_key",
            Self::IdWithheld => "search.id_withheld",
            Self::PhoneWithheld => "search.phone_withheld",
            Self::NameWithheld => "search.name_withheld",
        })
    }
}

crate::explained_error!(SearchProblem, &[MESSAGES]);

/// The texts of [`SearchProblem`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "search.empty",
        "请输入查询内容",
        "Enter something to search for",
    ),
    (
        "search.not_a_key",
        "请输入姓名（至少两个字）、身份证号（完整18位或末4–8位）、手机号或户编号（至少9位）",
        "Enter a name (at least two characters), an ID number (all 18 characters or the last 4–8), a mobile number or a household number (at least 9 digits)",
    ),
    (
        "search.id_withheld",
        "您看到的身份证号是遮挡的，只能按末4位查询（或按姓名、户编号）",
        "ID numbers are shown to you masked: search by their last 4 characters (or by a name or household number)",
    ),
    (
        "search.phone_withheld",
        "您看到的手机号是遮挡的，不能按手机号查询（请按姓名、户编号）",
        "Phone numbers are shown to you masked: search by a name or household number instead",
    ),
    (
        "search.name_withheld",
        "您看到的姓名是遮挡的，不能按姓名查询（请按户编号）",
        "Names are shown to you masked: search by a household number instead",
    ),
];

/// Characters dropped from names before matching: spaces and the separators of transcribed
/// minority names (阿依古丽·买买提).
fn is_name_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '·' | '•' | '.' | '．' | '・')
}

/// A name as it is matched: separators removed.
pub fn clean_name(name: &str) -> String {
    name.chars().filter(|c| !is_name_separator(*c)).collect()
}

/// The distinct two-character pieces of a name (a one-character name is its own piece). The
/// name index stores these per household; a query's pieces must all be present.
pub fn name_grams(name: &str) -> BTreeSet<String> {
    let chars: Vec<char> = clean_name(name).chars().collect();
    if chars.len() == 1 {
        return BTreeSet::from([chars[0].to_string()]);
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// Classifies search text; spaces are ignored.
pub fn classify(text: &str) -> Result<SearchKey, SearchProblem> {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(SearchProblem::Empty);
    }
    let upper = s.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let digits_then_check = |b: &[u8]| {
        b.split_last().is_some_and(|(last, rest)| {
            rest.iter().all(u8::is_ascii_digit) && (last.is_ascii_digit() || *last == b'X')
        })
    };
    if bytes.len() == 18 && digits_then_check(bytes) {
        return Ok(SearchKey::IdNumber(upper));
    }
    let all_digits = bytes.iter().all(u8::is_ascii_digit);
    if ID_TAIL.contains(&bytes.len()) && digits_then_check(bytes) {
        return Ok(SearchKey::IdTail(upper));
    }
    if all_digits && bytes.len() == 11 && bytes[0] == b'1' {
        return Ok(SearchKey::Phone(upper));
    }
    if all_digits && (MIN_NUMBER_PREFIX..=30).contains(&bytes.len()) {
        return Ok(SearchKey::HouseholdNumber(upper));
    }
    let name = clean_name(&s);
    let letters_only = name.chars().all(|c| c.is_alphabetic());
    if letters_only && name.chars().count() >= MIN_NAME_CHARS && name.chars().count() <= 30 {
        return Ok(SearchKey::Name(name));
    }
    Err(SearchProblem::NotAKey)
}

/// How a result list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Number,
    Village,
    Members,
    Status,
    Registered,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Number,
        SortKey::Village,
        SortKey::Members,
        SortKey::Status,
        SortKey::Registered,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Number => "number",
            SortKey::Village => "village",
            SortKey::Members => "members",
            SortKey::Status => "status",
            SortKey::Registered => "registered",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == text)
    }
}

/// A comprehensive query: an optional search key and filters, all narrowing (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdQuery {
    pub key: Option<SearchKey>,
    /// Within this area (the viewer's jurisdiction applies anyway).
    pub area: Option<AreaCode>,
    pub status: Option<HouseholdStatus>,
    pub attribute: Option<PovertyAttribute>,
    /// Main or other cause.
    pub cause: Option<Cause>,
    pub registered_year: Option<i32>,
    pub exit_year: Option<i32>,
    /// Paired now with this helper (`helpers.id`).
    pub helper: Option<i64>,
    /// Only households under monitoring (监测对象).
    pub monitored: bool,
    /// Only poor households (未脱贫 or 返贫: `HouseholdStatus::is_poor`), as area tables count
    /// them.
    pub poor: bool,
    pub sort: SortKey,
    pub descending: bool,
}

impl HouseholdQuery {
    /// Whether anything narrows the query (an empty query would list the whole jurisdiction).
    pub fn is_empty(&self) -> bool {
        self.key.is_none()
            && self.area.is_none()
            && self.status.is_none()
            && self.attribute.is_none()
            && self.cause.is_none()
            && self.registered_year.is_none()
            && self.exit_year.is_none()
            && self.helper.is_none()
            && !self.monitored
            && !self.poor
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_by_shape() {
        assert_eq!(
            classify(" 52272619700304002x "),
            Ok(SearchKey::IdNumber("52272619700304002X".into()))
        );
        assert_eq!(
            classify("5227 2610 0201"),
            Ok(SearchKey::HouseholdNumber("522726100201".into()))
        );
        assert_eq!(classify("002x"), Ok(SearchKey::IdTail("002X".into())));
        assert_eq!(classify("304002"), Ok(SearchKey::IdTail("304002".into())));
        assert_eq!(
            classify("138 1234 5678"),
            Ok(SearchKey::Phone("13812345678".into()))
        );
        assert_eq!(
            classify("522726100"),
            Ok(SearchKey::HouseholdNumber("522726100".into()))
        );
        assert_eq!(classify("王芳"), Ok(SearchKey::Name("王芳".into())));
        assert_eq!(classify("小明"), Ok(SearchKey::Name("小明".into())));
        assert_eq!(
            classify("阿依古丽·买买提"),
            Ok(SearchKey::Name("阿依古丽买买提".into()))
        );
        assert_eq!(
            classify("王"),
            Err(SearchProblem::NotAKey),
            "a surname alone"
        );
        assert_eq!(classify("123"), Err(SearchProblem::NotAKey), "too short");
        assert_eq!(classify("X1234"), Err(SearchProblem::NotAKey));
        assert_eq!(classify("王芳1"), Err(SearchProblem::NotAKey));
        assert_eq!(classify("   "), Err(SearchProblem::Empty));
    }

    #[test]
    fn names_are_cut_into_pairs() {
        let g: Vec<String> = name_grams("王小明").into_iter().collect();
        assert_eq!(g, vec!["小明", "王小"]);
        assert_eq!(name_grams("芳").into_iter().collect::<Vec<_>>(), vec!["芳"]);
        assert_eq!(name_grams("阿依·古丽").len(), 3);
        assert!(name_grams("").is_empty());
    }

    #[test]
    fn a_masked_datum_is_searched_by_no_more_than_its_mask_shows() {
        let leader = |s: Sensitive| crate::access::Role::OfficeLeader.reveals(s);
        let staff = |s: Sensitive| crate::access::Role::OfficeStaff.reveals(s);
        let call_centre = |s: Sensitive| crate::access::Role::CallCentre.reveals(s);
        let key = |t: &str| classify(t).unwrap();
        let full = key("21080219800101577X");
        assert_eq!(full.permitted(leader), Err(SearchProblem::IdWithheld));
        assert_eq!(full.permitted(call_centre), Err(SearchProblem::IdWithheld));
        assert_eq!(full.permitted(staff), Ok(()));
        // the last four are on the mask; a fifth is not
        assert_eq!(key("577X").permitted(leader), Ok(()));
        for tail in ["1577X", "01577X", "101577X", "0101577X"] {
            assert_eq!(key(tail).permitted(leader), Err(SearchProblem::IdWithheld));
            assert_eq!(key(tail).permitted(staff), Ok(()));
        }
        assert_eq!(
            key("13812345678").permitted(leader),
            Err(SearchProblem::PhoneWithheld)
        );
        assert_eq!(key("13812345678").permitted(call_centre), Ok(()));
        assert_eq!(key("王小明").permitted(leader), Ok(()));
        assert_eq!(
            key("王小明").permitted(|_| false),
            Err(SearchProblem::NameWithheld)
        );
        assert_eq!(key("522726100201").permitted(|_| false), Ok(()));
    }

    proptest! {
        /// Whatever is typed, a role shown ID numbers masked gets no key holding more than the
        /// mask's last four characters of one.
        #[test]
        fn no_key_past_a_mask(text in "[0-9Xx ]{0,24}") {
            let leader = |s: Sensitive| crate::access::Role::OfficeLeader.reveals(s);
            if let Ok(key) = classify(&text)
                && key.permitted(leader).is_ok()
            {
                match &key {
                    SearchKey::IdNumber(_) | SearchKey::Phone(_) => {
                        prop_assert!(false, "{key:?} allowed")
                    }
                    SearchKey::IdTail(t) => prop_assert!(t.len() <= VISIBLE_ID_TAIL),
                    // names the leader sees; household numbers are not ID numbers
                    SearchKey::Name(_) | SearchKey::HouseholdNumber(_) => {}
                }
            }
        }

        #[test]
        fn keys_hold_only_what_storage_can_use(text in "\\PC{0,30}") {
            match classify(&text) {
                Ok(SearchKey::IdNumber(s)) => prop_assert!(s.len() == 18 && !s.contains('x')),
                Ok(SearchKey::IdTail(s)) => prop_assert!(ID_TAIL.contains(&s.len()) && !s.contains('x')),
                Ok(SearchKey::Phone(s)) => prop_assert!(s.len() == 11 && s.starts_with('1')),
                Ok(SearchKey::HouseholdNumber(s)) => {
                    prop_assert!(s.len() >= MIN_NUMBER_PREFIX && s.bytes().all(|b| b.is_ascii_digit()))
                }
                Ok(SearchKey::Name(s)) => {
                    prop_assert!(s.chars().count() >= MIN_NAME_CHARS);
                    prop_assert!(!s.contains(['%', '_', '\'']));
                    // every piece of the query is a piece of the name itself
                    let own = name_grams(&s);
                    prop_assert!(!own.is_empty());
                }
                Err(_) => {}
            }
        }

        #[test]
        fn a_part_of_a_name_has_only_pieces_of_the_name(name in "[\\u{4e00}-\\u{4e20}]{2,5}", from in 0usize..5, len in 2usize..5) {
            let chars: Vec<char> = name.chars().collect();
            let from = from.min(chars.len() - 2);
            let to = (from + len).min(chars.len());
            let part: String = chars[from..to].iter().collect();
            let all = name_grams(&name);
            prop_assert!(name_grams(&part).is_subset(&all));
        }
    }
}
