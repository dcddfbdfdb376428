//! Dates as county offices write them, parsed and written without format-string machinery
//! (a province import reads 3M birth dates; chrono's `parse_from_str` was 2% of it).

use chrono::{Datelike, NaiveDate};

/// Dates as offices write them: 1980-05-01, 1980/5/1, 19800501, 1980.05.01, 1980年5月1日,
/// and a date-time whose time is ignored (1980-05-01 00:00:00).
pub fn parse_date(t: &str) -> Option<NaiveDate> {
    let t = t.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return from_digits(t);
    }
    let t = t.strip_suffix('日').unwrap_or(t);
    let date_part = t.split([' ', 'T']).next().unwrap_or("");
    let mut parts = date_part.split(['-', '/', '.', '年', '月']);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || !(1..=2).contains(&m.len())
        || !(1..=2).contains(&d.len())
    {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(y)? as i32, digits(m)?, digits(d)?)
}

/// `YYYYMMDD` (as in an ID number's birth date).
pub fn from_digits(t: &str) -> Option<NaiveDate> {
    if t.len() != 8 {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&t[..4])? as i32, digits(&t[4..6])?, digits(&t[6..])?)
}

/// `YYYY-MM-DD`, the form fupin stores and exports.
pub fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_in_office_formats() {
        let d = NaiveDate::from_ymd_opt(1980, 5, 1);
        for t in [
            "1980-05-01",
            "1980/5/1",
            "19800501",
            "1980.05.01",
            "1980年5月1日",
            "1980-05-01 00:00:00",
            " 1980-5-01 ",
            "1980-5-1",
        ] {
            assert_eq!(parse_date(t), d, "{t}");
        }
        for bad in [
            "1980-02-30",
            "soon",
            "1980-05",
            "1980-05-01-02",
            "80-05-01",
            "1980-+5-01",
            "1980-005-01",
            "19800230",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn date_parser_never_panics(s in "\\PC{0,20}") {
            let _ = parse_date(&s);
        }

        #[test]
        fn dates_round_trip_and_agree_with_chrono(days in 0i64..60_000) {
            let d = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(iso(d), d.format("%Y-%m-%d").to_string());
            prop_assert_eq!(parse_date(&iso(d)), Some(d));
            prop_assert_eq!(parse_date(&d.format("%Y%m%d").to_string()), Some(d));
            prop_assert_eq!(parse_date(&d.format("%Y/%-m/%-d").to_string()), Some(d));
        }

        #[test]
        fn eight_characters_parse_as_chrono_does(s in "[0-9]{8}") {
            prop_assert_eq!(from_digits(&s), NaiveDate::parse_from_str(&s, "%Y%m%d").ok());
        }
    }
}
