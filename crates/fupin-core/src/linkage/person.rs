//! A person as the linkage engine sees either side: an ID number as typed (valid or not), a
//! normalised name, birth date, sex and place. Department records fill what they have; a
//! registry member has everything.

use chrono::{Datelike, NaiveDate};

use super::name::Name;
use crate::codes::Sex;
use crate::id_number::{IdNumber, upgrade_15};

/// An ID number as typed: up to 19 upper-case characters (one extra is a typo to forgive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdText {
    bytes: [u8; 19],
    len: u8,
}

impl IdText {
    /// Keeps digits and `X`; an old 15-digit number is upgraded to 18. `None` when nothing
    /// that looks like an ID is left or it is far too long.
    pub fn new(text: &str) -> Option<IdText> {
        let mut bytes = [0u8; 19];
        let mut len = 0usize;
        for b in text.bytes() {
            if b.is_ascii_digit() || b == b'x' || b == b'X' {
                if len == bytes.len() {
                    return None; // far too long to be one slip away from a number
                }
                bytes[len] = b.to_ascii_uppercase();
                len += 1;
            }
        }
        if len == 15 && bytes[..15].iter().all(u8::is_ascii_digit) {
            let upgraded = upgrade_15(std::str::from_utf8(&bytes[..15]).ok()?);
            bytes[..18].copy_from_slice(upgraded.as_bytes());
            len = 18;
        }
        (len >= 10).then_some(IdText {
            bytes,
            len: len as u8,
        })
    }

    /// Whether this is a valid number as `IdNumber::parse` judges it (length, digits, a real
    /// birth date not after `today`, the check character), without allocating: a run checks
    /// millions.
    pub fn is_valid(&self, today: NaiveDate) -> bool {
        let b = self.as_bytes();
        b.len() == 18
            && b[..17].iter().all(u8::is_ascii_digit)
            && crate::id_number::check_char(&b[..17]) as u8 == b[17]
            && self
                .birth()
                .is_some_and(|d| d.year() >= 1880 && d <= Ymd::from(today))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    /// The 18 bytes of a full-length number, the key of the exact join.
    pub fn full(&self) -> Option<[u8; 18]> {
        (self.len == 18).then(|| self.bytes[..18].try_into().expect("18 bytes"))
    }

    /// Birth date in positions 7–14, when those digits are a real date.
    pub fn birth(&self) -> Option<Ymd> {
        let digits = std::str::from_utf8(self.as_bytes().get(6..14)?).ok()?;
        crate::date::from_digits(digits).map(Ymd::from)
    }

    /// Sex from the 17th character.
    pub fn sex(&self) -> Option<Sex> {
        let d = *self.as_bytes().get(16)?;
        d.is_ascii_digit().then(|| {
            if (d - b'0') % 2 == 1 {
                Sex::Male
            } else {
                Sex::Female
            }
        })
    }

    /// Address code and sequence (positions 1–6 and 15–17), for blocking on a number whose
    /// birth-date digits were mistyped.
    pub fn address_and_sequence(&self) -> Option<u64> {
        let b = self.as_bytes();
        if b.len() != 18 {
            return None;
        }
        let digits = b[..6].iter().chain(&b[14..17]);
        let mut key = 0u64;
        for d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            key = key * 10 + u64::from(d - b'0');
        }
        Some(key)
    }

    /// At most one edit apart: one character replaced, two neighbours swapped, or one
    /// character missing or extra.
    pub fn within_one_edit(&self, other: &IdText) -> bool {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        if a.len() == b.len() {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).take(3).collect();
            return match diff.as_slice() {
                [] | [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            };
        }
        let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
        if long.len() != short.len() + 1 {
            return false;
        }
        let same = short.iter().zip(long).take_while(|(x, y)| x == y).count();
        short[same..] == long[same + 1..]
    }
}

/// A date as `yyyymmdd` in one number: cheap to store, compare and block on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ymd(pub u32);

impl From<NaiveDate> for Ymd {
    fn from(d: NaiveDate) -> Self {
        Ymd(d.year() as u32 * 10_000 + d.month() * 100 + d.day())
    }
}

impl Ymd {
    pub fn year(self) -> u32 {
        self.0 / 10_000
    }
    pub fn month(self) -> u32 {
        self.0 / 100 % 100
    }
    pub fn day(self) -> u32 {
        self.0 % 100
    }
    /// The date with day and month exchanged, when that is a different real date.
    pub fn swapped(self) -> Option<Ymd> {
        let (m, d) = (self.month(), self.day());
        (m != d && d <= 12)
            .then(|| NaiveDate::from_ymd_opt(self.year() as i32, d, m))
            .flatten()
            .map(Ymd::from)
    }
}

/// A place as a prefix of a 12-digit statistical code: 2, 4, 6, 9 or 12 digits known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    /// The code padded to 12 digits with zeros.
    code: u64,
    digits: u8,
}

impl Place {
    /// Reads the digits of `text`; a code padded with zeros (`520100000000`) counts only
    /// the digits before the padding that is a whole level.
    pub fn new(text: &str) -> Option<Place> {
        let t = text.trim();
        if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut digits = [12usize, 9, 6, 4, 2].into_iter().find(|&n| n <= t.len())?;
        let padded = format!("{t:0<12}");
        while digits > 2 && padded[..digits].ends_with(zeros_of_level(digits)) {
            digits = [2, 4, 6, 9, 12]
                .into_iter()
                .rev()
                .find(|&n| n < digits)
                .unwrap_or(2);
        }
        Some(Place {
            code: padded.parse().ok()?,
            digits: digits as u8,
        })
    }

    /// How many leading digits two places share at a whole level: 12, 9, 6, 4, 2 or 0.
    pub fn shared_level(&self, other: &Place) -> u8 {
        let known = self.digits.min(other.digits);
        for n in [12u8, 9, 6, 4, 2] {
            if n <= known {
                let div = 10u64.pow(12 - u32::from(n));
                if self.code / div == other.code / div {
                    return n;
                }
            }
        }
        0
    }
}

fn zeros_of_level(digits: usize) -> &'static str {
    match digits {
        12 => "000",
        9 => "000",
        6 => "00",
        _ => "00",
    }
}

/// Either side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Person {
    pub id: Option<IdText>,
    /// The ID number passed its checksum and date checks.
    pub id_valid: bool,
    pub name: Option<Name>,
    pub birth: Option<Ymd>,
    pub sex: Option<Sex>,
    pub place: Option<Place>,
}

impl Person {
    /// A department record: birth date and sex missing from their own columns are read from
    /// the ID number when its digits allow, as any clerk cleaning the list would.
    pub fn from_record(
        id: &str,
        name: &str,
        birth: Option<NaiveDate>,
        sex: Option<Sex>,
        place: &str,
        today: NaiveDate,
    ) -> Person {
        let id_text = IdText::new(id);
        let id_valid = id_text.is_some_and(|t| t.is_valid(today));
        Person {
            id: id_text,
            id_valid,
            name: Name::new(name),
            birth: birth
                .map(Ymd::from)
                .or_else(|| id_text.and_then(|t| t.birth())),
            sex: sex.or_else(|| id_text.and_then(|t| t.sex())),
            place: Place::new(place),
        }
    }

    /// A registry member: its ID number was validated when it was written, so it is not
    /// checked again (a run reads millions).
    pub fn registered(
        id: &str,
        name: &str,
        birth: Option<NaiveDate>,
        sex: Option<Sex>,
        place: Option<Place>,
    ) -> Person {
        Person {
            id: IdText::new(id),
            id_valid: true,
            name: Name::new(name),
            birth: birth.map(Ymd::from),
            sex,
            place,
        }
    }

    /// A registry member from its typed parts.
    pub fn member(id: &IdNumber, name: &str, birth: NaiveDate, sex: Sex, village: &str) -> Person {
        Person::registered(
            id.as_str(),
            name,
            Some(birth),
            Some(sex),
            Place::new(village),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(s: &str) -> IdText {
        IdText::new(s).unwrap()
    }

    #[test]
    fn one_edit_forgives_one_slip_of_the_finger_and_no_more() {
        let a = id("52272219800314001X");
        assert!(a.within_one_edit(&id("52272219800314001X")));
        assert!(a.within_one_edit(&id("52272219800314007X")), "one digit");
        assert!(
            a.within_one_edit(&id("52272219803014001X")),
            "neighbours swapped"
        );
        assert!(a.within_one_edit(&id("5227221980031401X")), "one left out");
        assert!(a.within_one_edit(&id("522722198003140013X")), "one extra");
        assert!(!a.within_one_edit(&id("52272219800314117X")), "two digits");
        assert!(!a.within_one_edit(&id("522722198003141X")), "two left out");
    }

    #[test]
    fn old_numbers_are_upgraded_and_noise_is_dropped() {
        assert_eq!(
            id("522722800314001").as_str(),
            upgrade_15("522722800314001")
        );
        assert_eq!(id(" 5227 2219 8003 1400 1x").as_str(), "52272219800314001X");
        assert!(IdText::new("无").is_none());
        assert!(IdText::new("12345").is_none());
    }

    #[test]
    fn parts_of_a_number_are_read_even_when_it_is_invalid() {
        let t = id("522722198003140011");
        assert!(IdNumber::parse(t.as_str(), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).is_err());
        assert_eq!(t.birth(), Some(Ymd(19800314)));
        assert_eq!(t.sex(), Some(Sex::Male));
        assert_eq!(t.address_and_sequence(), Some(522_722_001));
        assert_eq!(id("52272219801314001X").birth(), None, "month 13");
    }

    #[test]
    fn swapped_dates_only_when_both_are_real_and_different() {
        assert_eq!(Ymd(19800304).swapped(), Some(Ymd(19800403)));
        assert_eq!(Ymd(19800313).swapped(), None);
        assert_eq!(Ymd(19800303).swapped(), None);
    }

    #[test]
    fn places_share_whole_levels_only() {
        let village = Place::new("522722101201").unwrap();
        assert_eq!(
            village.shared_level(&Place::new("522722101201").unwrap()),
            12
        );
        assert_eq!(
            village.shared_level(&Place::new("522722101999").unwrap()),
            9
        );
        assert_eq!(village.shared_level(&Place::new("522722").unwrap()), 6);
        assert_eq!(
            village.shared_level(&Place::new("522722000000").unwrap()),
            6
        );
        assert_eq!(village.shared_level(&Place::new("522701").unwrap()), 4);
        assert_eq!(village.shared_level(&Place::new("530000").unwrap()), 0);
        assert!(Place::new("52a").is_none());
    }

    proptest! {
        #[test]
        fn validity_is_judged_as_the_registry_judges_it(
            digits in "[0-9]{17}[0-9X]",
            year in 1850i32..2030,
            month in 1u32..13,
            day in 1u32..29,
            fix_check in proptest::bool::ANY,
        ) {
            let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let mut text = format!("{}{year:04}{month:02}{day:02}{}", &digits[..6], &digits[14..]);
            if fix_check {
                let c = crate::id_number::check_char(&text.as_bytes()[..17]);
                text.replace_range(17.., &c.to_string());
            }
            let t = id(&text);
            prop_assert_eq!(t.is_valid(today), IdNumber::parse(&text, today).is_ok(), "{}", text);
        }

        #[test]
        fn one_edit_is_symmetric(a in "[0-9X]{16,19}", b in "[0-9X]{16,19}") {
            let (x, y) = (id(&a), id(&b));
            prop_assert_eq!(x.within_one_edit(&y), y.within_one_edit(&x));
            prop_assert!(x.within_one_edit(&x));
        }

        #[test]
        fn any_single_replacement_is_one_edit(a in "[0-9]{18}", i in 0usize..18, d in 0u8..10) {
            let mut b = a.clone().into_bytes();
            b[i] = b'0' + d;
            let b = String::from_utf8(b).unwrap();
            prop_assert!(id(&a).within_one_edit(&id(&b)));
        }
    }
}
