//! Masking of personal data. Nobody logs in yet, so the pages never show a full ID number,
//! telephone number, bank account, birth date or exact position.

use fupin_core::{Field, IdNumber};

/// An ID number as text (from the change log, where it is not parsed): the same shape as
/// [`IdNumber::masked`] for 18 characters, otherwise all but the first and last two hidden.
pub fn id_text(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    match chars.len() {
        18 => {
            let head: String = chars[..6].iter().collect();
            let tail: String = chars[14..].iter().collect();
            format!("{head}********{tail}")
        }
        n if n > 4 => {
            let head: String = chars[..2].iter().collect();
            let tail: String = chars[n - 2..].iter().collect();
            format!("{head}{}{tail}", "*".repeat(n - 4))
        }
        0 => String::new(),
        _ => "****".into(),
    }
}

pub fn id(id: &IdNumber) -> String {
    id.masked()
}

/// `13812341234` → `138****1234`; short numbers keep at most their last two digits.
pub fn phone(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    match n {
        0 => String::new(),
        n if n >= 8 => {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[n - 4..].iter().collect();
            format!("{head}****{tail}")
        }
        n if n >= 4 => format!("****{}", chars[n - 2..].iter().collect::<String>()),
        _ => "****".into(),
    }
}

/// Only the last four characters of an account number (spaces ignored).
pub fn bank_account(text: &str) -> String {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    match n {
        0 => String::new(),
        n if n > 4 => format!("**** {}", chars[n - 4..].iter().collect::<String>()),
        _ => "****".into(),
    }
}

/// A birth date `1970-03-04` reduced to its year.
pub fn birth_date(text: &str) -> String {
    match text.trim().split_once('-') {
        Some((year, _)) => format!("{year}-**-**"),
        None if text.trim().is_empty() => String::new(),
        None => "****".into(),
    }
}

/// A coordinate rounded to two decimals (about a kilometre).
pub fn coordinate(text: &str) -> String {
    match text.trim().parse::<f64>() {
        Ok(v) => format!("{v:.2}"),
        Err(_) if text.trim().is_empty() => String::new(),
        Err(_) => "****".into(),
    }
}

/// A logged value of `field` as it may be shown publicly.
pub fn logged_value(field: Field, text: &str) -> String {
    match field {
        Field::Phone => phone(text),
        Field::BankAccount => bank_account(text),
        Field::IdNumber => id_text(text),
        Field::BirthDate => birth_date(text),
        Field::Longitude | Field::Latitude => coordinate(text),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(phone("13812341234"), "138****1234");
        assert_eq!(phone("0851-5551234"), "085****1234");
        assert_eq!(phone("12345"), "****45");
        assert_eq!(phone("12"), "****");
        assert_eq!(phone(""), "");
        assert_eq!(bank_account("6228 4801 2345 6789 012"), "**** 9012");
        assert_eq!(bank_account("123"), "****");
        assert_eq!(id_text("52272619700304001X"), "522726********001X");
        assert_eq!(id_text("5227261970"), "52******70");
        assert_eq!(birth_date("1970-03-04"), "1970-**-**");
        assert_eq!(coordinate("107.512345"), "107.51");
        assert_eq!(logged_value(Field::Address, "一组"), "一组");
    }
}
