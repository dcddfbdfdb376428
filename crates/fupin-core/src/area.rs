//! Administrative areas: five levels identified by 12-digit statistical division codes
//! (统计用区划代码): `PP CC DD TTT VVV` — province, city, county, township, village.

use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum AreaLevel {
    Province = 1,
    City = 2,
    County = 3,
    Township = 4,
    Village = 5,
}

impl AreaLevel {
    pub const ALL: [AreaLevel; 5] = [
        Self::Province,
        Self::City,
        Self::County,
        Self::Township,
        Self::Village,
    ];

    /// How many leading digits of the 12-digit code identify an area of this level.
    pub fn prefix_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::City => 4,
            Self::County => 6,
            Self::Township => 9,
            Self::Village => 12,
        }
    }

    pub fn number(self) -> i64 {
        self as i64
    }

    pub fn from_number(n: i64) -> Option<Self> {
        Self::ALL
            .get(usize::try_from(n).ok()?.checked_sub(1)?)
            .copied()
    }

    pub fn child(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Province => "省",
            Self::City => "市",
            Self::County => "县",
            Self::Township => "乡镇",
            Self::Village => "村",
        }
    }
}

impl FromStr for AreaLevel {
    type Err = AreaCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s || l.zh() == s)
            .ok_or_else(|| AreaCodeError::Level(crate::fields::excerpt(s).into_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaCodeError {
    Format(String),
    NoLevel(String),
    Level(String),
}

impl crate::message::Explained for AreaCodeError {
    fn message(&self) -> crate::Message {
        let (key, value) = match self {
            Self::Format(v) => ("area_code.format", v),
            Self::NoLevel(v) => ("area_code.no_level", v),
            Self::Level(v) => ("area_code.level", v),
        };
        crate::Message::new(key).with("value", value)
    }
}

crate::explained_error!(AreaCodeError, &[AREA_CODE_MESSAGES]);

/// The texts of [`AreaCodeError`]'s messages.
pub const AREA_CODE_MESSAGES: crate::message::Strings = &[
    (
        "area_code.format",
        "区划代码“{value}”应为12位数字",
        "Area code {value} must be 12 digits",
    ),
    (
        "area_code.no_level",
        "区划代码“{value}”的层级无法确定",
        "Area code {value} has no recognisable level",
    ),
    (
        "area_code.level",
        "未知层级“{value}”",
        "Unknown level {value}",
    ),
];

/// A 12-digit statistical division code. Shorter GB/T 2260 codes (2, 4, 6 digits) and 9-digit
/// township codes are accepted and padded with zeros.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(text: &str) -> Result<Self, AreaCodeError> {
        let t = text.trim();
        if !t.bytes().all(|b| b.is_ascii_digit()) || !matches!(t.len(), 2 | 4 | 6 | 9 | 12) {
            return Err(AreaCodeError::Format(
                crate::fields::excerpt(t).into_owned(),
            ));
        }
        let code = format!("{t:0<12}");
        if code[..2] == *"00" {
            return Err(AreaCodeError::NoLevel(code));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level implied by which trailing segments are zero.
    pub fn level(&self) -> AreaLevel {
        let c = &self.0;
        if &c[9..] != "000" {
            AreaLevel::Village
        } else if &c[6..9] != "000" {
            AreaLevel::Township
        } else if &c[4..6] != "00" {
            AreaLevel::County
        } else if &c[2..4] != "00" {
            AreaLevel::City
        } else {
            AreaLevel::Province
        }
    }

    /// The significant prefix: "52", "5227", "522726", "522726100", or all 12 digits.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// The code of the enclosing area at `level` (which must be at or above this code's level).
    pub fn ancestor(&self, level: AreaLevel) -> AreaCode {
        AreaCode(format!("{:0<12}", &self.0[..level.prefix_len()]))
    }

    /// The deepest area holding both this one and `other` (this one's province when they lie
    /// in two).
    pub fn common(&self, other: &AreaCode) -> AreaCode {
        AreaLevel::ALL
            .iter()
            .rev()
            .filter(|l| **l <= self.level() && **l <= other.level())
            .map(|l| self.ancestor(*l))
            .find(|a| a.contains(other))
            .unwrap_or_else(|| self.ancestor(AreaLevel::Province))
    }

    /// True when `other` lies inside this area (or is this area).
    pub fn contains(&self, other: &AreaCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    /// Inclusive bounds of every code inside this area, for range scans on an index.
    pub fn descendant_range(&self) -> (String, String) {
        let p = self.prefix();
        (format!("{p:0<12}"), format!("{p:9<12}"))
    }

    /// The 6-digit GB/T 2260 county code (meaningful at county level and below).
    pub fn county6(&self) -> &str {
        &self.0[..6]
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AreaCode {
    type Error = AreaCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(c: AreaCode) -> String {
        c.0
    }
}

/// One administrative area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Area {
    pub code: AreaCode,
    pub name: String,
    pub level: AreaLevel,
    pub parent: Option<AreaCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    #[error(
        "{code}: 层级为{declared:?}，代码显示为{implied:?} / declared level {declared:?}, code implies {implied:?}"
    )]
    LevelMismatch {
        code: AreaCode,
        declared: AreaLevel,
        implied: AreaLevel,
    },
    #[error(
        "{code}: 上级{parent}不是其上一级区划 / parent {parent} is not its enclosing area one level up"
    )]
    BadParent { code: AreaCode, parent: AreaCode },
    #[error("{code}: 缺少上级区划 / missing parent")]
    MissingParent { code: AreaCode },
    #[error("{0}: 名称为空 / empty name")]
    EmptyName(AreaCode),
}

impl Area {
    /// Checks the record against the structure of its code. A city-level parent may be skipped
    /// (county-level units directly under a province, code digits 3-4 = 90).
    pub fn check(&self) -> Result<(), AreaError> {
        let implied = self.code.level();
        if implied != self.level {
            return Err(AreaError::LevelMismatch {
                code: self.code.clone(),
                declared: self.level,
                implied,
            });
        }
        if self.name.trim().is_empty() {
            return Err(AreaError::EmptyName(self.code.clone()));
        }
        match (&self.parent, self.level) {
            (None, AreaLevel::Province) => Ok(()),
            (None, _) => Err(AreaError::MissingParent {
                code: self.code.clone(),
            }),
            (Some(p), _) => {
                if p.level() < self.level && p.contains(&self.code) && p != &self.code {
                    Ok(())
                } else {
                    Err(AreaError::BadParent {
                        code: self.code.clone(),
                        parent: p.clone(),
                    })
                }
            }
        }
    }
}

/// Poverty incidence (贫困发生率): registered poor people per hundred of the rural population,
/// in hundredths of a percent (1234 = 12.34%), rounded half up. `None` without a population:
/// the denominator is statistics (农村户籍人口; which population a province uses varies, see
/// domain.md), never guessed from the registry.
pub fn poverty_incidence_bp(poor_people: i64, rural_population: i64) -> Option<i64> {
    (rural_population > 0 && poor_people >= 0).then(|| {
        let scaled = i128::from(poor_people) * 10_000;
        let pop = i128::from(rural_population);
        ((scaled * 2 + pop) / (pop * 2)) as i64
    })
}

/// An incidence in hundredths of a percent written as a percentage ("12.34%").
pub fn format_incidence(bp: i64) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidence_rounds_half_up_and_needs_a_population() {
        assert_eq!(poverty_incidence_bp(2, 100), Some(200));
        assert_eq!(format_incidence(200), "2.00%");
        // 1/3 = 33.333…% → 33.33%; 2/3 = 66.666…% → 66.67%
        assert_eq!(poverty_incidence_bp(1, 3), Some(3333));
        assert_eq!(poverty_incidence_bp(2, 3), Some(6667));
        // exactly half a hundredth rounds up: 1/80000 = 0.00125% → 0.00%, 1/20000 = 0.005% → 0.01%
        assert_eq!(poverty_incidence_bp(1, 20_000), Some(1));
        assert_eq!(poverty_incidence_bp(1, 80_000), Some(0));
        assert_eq!(poverty_incidence_bp(5, 0), None);
        assert_eq!(format_incidence(5), "0.05%");
    }

    #[test]
    fn levels_from_codes() {
        let cases = [
            ("520000000000", AreaLevel::Province, "52"),
            ("522700000000", AreaLevel::City, "5227"),
            ("522726000000", AreaLevel::County, "522726"),
            ("522726100000", AreaLevel::Township, "522726100"),
            ("522726100201", AreaLevel::Village, "522726100201"),
        ];
        for (code, level, prefix) in cases {
            let c = AreaCode::parse(code).unwrap();
            assert_eq!(c.level(), level, "{code}");
            assert_eq!(c.prefix(), prefix);
        }
        assert_eq!(AreaCode::parse("522726").unwrap().as_str(), "522726000000");
    }

    #[test]
    fn containment_and_ranges() {
        let county = AreaCode::parse("522726000000").unwrap();
        let village = AreaCode::parse("522726100201").unwrap();
        let other = AreaCode::parse("522730100201").unwrap();
        assert!(county.contains(&village));
        assert!(!county.contains(&other));
        assert_eq!(
            county.descendant_range(),
            ("522726000000".into(), "522726999999".into())
        );
        assert_eq!(village.ancestor(AreaLevel::County), county);
    }

    #[test]
    fn rejects_malformed_codes() {
        assert!(AreaCode::parse("52272").is_err());
        assert!(AreaCode::parse("52272610020a").is_err());
        assert!(AreaCode::parse("000000000000").is_err());
    }

    #[test]
    fn checks_parent_structure() {
        let a = |code: &str, level, parent: Option<&str>| Area {
            code: AreaCode::parse(code).unwrap(),
            name: "x".into(),
            level,
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
        };
        assert!(
            a("522726100201", AreaLevel::Village, Some("522726100000"))
                .check()
                .is_ok()
        );
        assert!(
            a("522726100201", AreaLevel::Village, Some("522730100000"))
                .check()
                .is_err()
        );
        assert!(
            a("522726100201", AreaLevel::Township, Some("522726000000"))
                .check()
                .is_err()
        );
        assert!(a("522726000000", AreaLevel::County, None).check().is_err());
    }
}
