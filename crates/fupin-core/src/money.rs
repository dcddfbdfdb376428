//! Money as integer fen (分). Never floats: sums and per-capita figures must be exact and
//! reproducible, and a spreadsheet's "1234.5" must come back as "1234.50", not "1234.4999".

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Format(String),
    Precision(String),
    Overflow(String),
}

impl crate::message::Explained for MoneyError {
    fn message(&self) -> crate::Message {
        let (key, text) = match self {
            MoneyError::Format(t) => ("money.format", t),
            MoneyError::Precision(t) => ("money.precision", t),
            MoneyError::Overflow(t) => ("money.overflow", t),
        };
        crate::Message::new(key).with("value", text)
    }
}

crate::explained_error!(MoneyError, &[MESSAGES]);

/// The texts of the messages of reading amounts.
pub const MESSAGES: crate::message::Strings = &[
    (
        "money.format",
        "“{value}”不是金额",
        "“{value}” is not an amount of money",
    ),
    (
        "money.precision",
        "“{value}”超过两位小数",
        "“{value}” has more than two decimal places",
    ),
    (
        "money.overflow",
        "金额过大：{value}",
        "amount too large: {value}",
    ),
];

/// The text an error quotes: cut, so a huge cell is not repeated in the message.
fn shown(text: &str) -> String {
    crate::fields::excerpt(text.trim()).into_owned()
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn from_yuan(yuan: i64) -> Self {
        Fen(yuan * 100)
    }

    /// Parses yuan as written in spreadsheets: "1234", "1234.5", "1,234.56", "-12.30", "￥88".
    /// Empty text is zero (blank cells mean no income of that kind).
    pub fn parse_yuan(text: &str) -> Result<Self, MoneyError> {
        let cleaned: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        if cleaned.is_empty() {
            return Ok(Fen::ZERO);
        }
        let (neg, body) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() && frac_part.is_empty()
            || !digits_ok(int_part)
            || !digits_ok(frac_part)
        {
            return Err(MoneyError::Format(shown(text)));
        }
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > 2 {
            return Err(MoneyError::Precision(shown(text)));
        }
        let overflow = || MoneyError::Overflow(shown(text));
        let whole: i64 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| overflow())?
        };
        let frac: i64 = format!("{frac_trimmed:0<2}").parse().unwrap_or(0);
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(overflow)?;
        Ok(Fen(if neg { -fen } else { fen }))
    }

    /// Yuan with two decimals, the form written back to spreadsheets.
    pub fn yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// Whole yuan, rounded half away from zero (for display in tables and charts).
    pub fn yuan_rounded(self) -> i64 {
        div_round(self.0, 100)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Integer division rounded half away from zero.
pub fn div_round(n: i64, d: i64) -> i64 {
    debug_assert!(d > 0);
    if n >= 0 {
        (n + d / 2) / d
    } else {
        -((-n + d / 2) / d)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan_string())
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, o: Fen) -> Fen {
        Fen(self.0 + o.0)
    }
}

impl Sub for Fen {
    type Output = Fen;
    fn sub(self, o: Fen) -> Fen {
        Fen(self.0 - o.0)
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_spreadsheet_forms() {
        assert_eq!(Fen::parse_yuan("1234"), Ok(Fen(123_400)));
        assert_eq!(Fen::parse_yuan("1234.5"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan("1,234.56"), Ok(Fen(123_456)));
        assert_eq!(Fen::parse_yuan("￥88元"), Ok(Fen(8_800)));
        assert_eq!(Fen::parse_yuan("-12.30"), Ok(Fen(-1_230)));
        assert_eq!(Fen::parse_yuan(".5"), Ok(Fen(50)));
        assert_eq!(Fen::parse_yuan("12.500"), Ok(Fen(1_250)));
        assert_eq!(Fen::parse_yuan(""), Ok(Fen(0)));
        assert!(matches!(
            Fen::parse_yuan("12.345"),
            Err(MoneyError::Precision(_))
        ));
        assert!(matches!(Fen::parse_yuan("abc"), Err(MoneyError::Format(_))));
        assert!(matches!(Fen::parse_yuan("."), Err(MoneyError::Format(_))));
        assert!(matches!(
            Fen::parse_yuan("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(Fen(-150).yuan_rounded(), -2);
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips(fen in -10_000_000_000i64..10_000_000_000) {
            let s = Fen(fen).yuan_string();
            prop_assert_eq!(Fen::parse_yuan(&s), Ok(Fen(fen)));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Fen::parse_yuan(&s);
        }
    }
}
