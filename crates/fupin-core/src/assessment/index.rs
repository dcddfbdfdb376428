//! The poverty index (贫困指数): a scorecard of weighted indicators giving 0–100 per household,
//! with a breakdown of every indicator (its value, its points, why). The card is data (TOML; the
//! default is `data/poverty_index.toml`, documented there), checked when loaded: a province adopts
//! its own without code changes, and every score keeps the version of its card.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::checklist::out_of_school;
use crate::codes::{CodeList, Education, Health, HouseGrade, Labour, MigrantWork};
use crate::household::Household;
use crate::income::{IncomeFormula, IncomeYear};
use crate::message::{Message, Strings};
use crate::money::Fen;

/// The shipped default card.
pub const DEFAULT_CARD: &str = include_str!("../../data/poverty_index.toml");

/// A measure of a household a card can score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    HouseCondition,
    HousingAreaPerPerson,
    IncomeToLine,
    ArableLandPerPerson,
    SafeWater,
    LabourShare,
    MigrantWork,
    HealthBurden,
    CompulsoryEducation,
    AdultEducation,
    MedicalInsurance,
}

impl Source {
    /// The categories of a categorical source (`None`: numeric).
    pub fn categories(self) -> Option<&'static [&'static str]> {
        match self {
            Source::HouseCondition => {
                Some(&["A", "B", "C", "D", "relocated", "ungraded", "no_house"])
            }
            Source::SafeWater | Source::CompulsoryEducation => Some(&["yes", "no"]),
            Source::MigrantWork => Some(&["none", "part_year", "half_year_or_more"]),
            _ => None,
        }
    }
}

/// A source's value for one household.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    Category(&'static str),
    Number(f64),
    Unknown,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Category(c) => f.write_str(c),
            Value::Number(n) => write!(f, "{}", (n * 100.0).round() / 100.0),
            Value::Unknown => f.write_str("—"),
        }
    }
}

impl Value {
    /// The value in words: a category's in each language (the card names it by its code).
    pub fn message(&self) -> Message {
        let m = Message::new("index.value");
        match self {
            Value::Category(code) => {
                let (zh, en) = category_words(code);
                m.with_label("value", zh, en)
            }
            other => m.with("value", other),
        }
    }
}

/// The words of a category a source gives (its code where none are known).
fn category_words(code: &'static str) -> (&'static str, &'static str) {
    match code {
        "relocated" => ("易地搬迁", "relocated"),
        "no_house" => ("无住房", "no house"),
        "ungraded" => ("未鉴定", "not graded"),
        "yes" => ("是", "yes"),
        "no" => ("否", "no"),
        "none" => ("无", "none"),
        "half_year_or_more" => ("半年以上", "half a year or more"),
        "part_year" => ("不足半年", "part of a year"),
        grade => HouseGrade::parse(grade).map_or((grade, grade), |g| (g.zh(), g.en())),
    }
}

/// What a household gives the card's sources in a year.
pub struct Subject<'a> {
    pub household: &'a Household,
    pub income: Option<&'a IncomeYear>,
    /// The year's exit income line for the household's place.
    pub line: Option<Fen>,
    pub year: i32,
}

impl Subject<'_> {
    pub fn value(&self, source: Source) -> Value {
        let h = self.household;
        let n = h.members.len().max(1) as f64;
        let share = |pick: &dyn Fn(&crate::household::Member) -> f64| {
            if h.members.is_empty() {
                Value::Unknown
            } else {
                Value::Number(h.members.iter().map(pick).sum::<f64>() / n)
            }
        };
        let c = &h.conditions;
        match source {
            Source::HouseCondition => Value::Category(if c.relocated {
                "relocated"
            } else if c.housing_area_m2 <= 0.0 {
                "no_house"
            } else {
                match c.house_grade {
                    Some(g) => g.code(),
                    None => "ungraded",
                }
            }),
            Source::HousingAreaPerPerson => Value::Number(c.housing_area_m2 / n),
            Source::IncomeToLine => {
                let pc = self
                    .income
                    .and_then(|i| i.per_capita(IncomeFormula::CURRENT));
                match (pc, self.line) {
                    (Some(pc), Some(line)) if line.0 > 0 => {
                        Value::Number(pc.0 as f64 / line.0 as f64)
                    }
                    _ => Value::Unknown,
                }
            }
            Source::ArableLandPerPerson => Value::Number(c.arable_land_mu / n),
            Source::SafeWater => Value::Category(if c.water_safe && !c.water_difficult {
                "yes"
            } else {
                "no"
            }),
            Source::LabourShare => share(&|m| match m.labour {
                Labour::Ordinary | Labour::Skilled => 1.0,
                Labour::Weak => 0.5,
                Labour::Lost | Labour::None => 0.0,
            }),
            Source::MigrantWork => {
                let best = h
                    .members
                    .iter()
                    .filter(|m| m.migrant != MigrantWork::None)
                    .map(|m| m.migrant_months)
                    .max();
                Value::Category(match best {
                    None | Some(0) => "none",
                    Some(m) if m >= 6 => "half_year_or_more",
                    Some(_) => "part_year",
                })
            }
            Source::HealthBurden => share(&|m| {
                f64::from(u8::from(matches!(
                    m.health,
                    Health::Serious | Health::Disabled
                )))
            }),
            Source::CompulsoryEducation => {
                let (_, out) = out_of_school(h, self.year);
                Value::Category(if out.is_empty() { "yes" } else { "no" })
            }
            Source::AdultEducation => {
                let adults: Vec<_> = h
                    .members
                    .iter()
                    .filter(|m| {
                        chrono::NaiveDate::from_ymd_opt(self.year, 12, 31)
                            .is_some_and(|d| crate::household::age_on(m.birth_date, d) >= 16)
                    })
                    .collect();
                if adults.is_empty() {
                    Value::Unknown
                } else {
                    let schooled = adults
                        .iter()
                        .filter(|m| {
                            matches!(
                                m.education,
                                Education::Junior | Education::Senior | Education::College
                            )
                        })
                        .count();
                    Value::Number(schooled as f64 / adults.len() as f64)
                }
            }
            Source::MedicalInsurance => share(&|m| f64::from(u8::from(m.medical_insurance))),
        }
    }
}

/// One step of a numeric indicator: the first whose bound holds gives its fraction.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
    pub points: f64,
}

/// Which rule of an indicator gave its points.
enum Why<'c> {
    Unknown,
    Category,
    Step(&'c Step),
    NoStep,
}

impl Step {
    fn holds(&self, v: f64) -> bool {
        self.at_least.is_none_or(|b| v >= b) && self.at_most.is_none_or(|b| v <= b)
    }

    fn describe(&self) -> String {
        match (self.at_least, self.at_most) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            (Some(a), None) => format!("≥ {a}"),
            (None, Some(b)) => format!("≤ {b}"),
            (None, None) => "—".into(),
        }
    }
}

/// One indicator of a card.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    /// Which look it belongs to (house, grain, labour, school …), for grouping.
    pub look: String,
    pub label: String,
    #[serde(default)]
    pub label_en: String,
    pub weight: f64,
    pub source: Source,
    /// Fraction when the source has no value.
    #[serde(default)]
    pub unknown: f64,
    #[serde(default)]
    pub categories: BTreeMap<String, f64>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub otherwise: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    pub poor_below: f64,
    pub stable_from: f64,
}

/// A scorecard.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub version: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub bands: Bands,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

/// Why a card cannot be used: names the indicator and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CardError {
    #[error("评分卡格式错误 / the card does not parse: {0}")]
    Syntax(String),
    #[error("评分卡缺少版本号 / the card has no version")]
    NoVersion,
    #[error("指标“{id}”重复 / indicator {id} appears twice")]
    DuplicateId { id: String },
    #[error("权重合计应为100，实为{0} / weights add up to {0}, not 100")]
    Weights(f64),
    #[error("指标“{id}”的{field}：{reason} / indicator {id}, {field}: {reason}")]
    Indicator {
        id: String,
        field: &'static str,
        reason: String,
    },
    #[error("分档：{0} / bands: {0}")]
    Bands(String),
}

fn fraction_ok(f: f64) -> bool {
    (0.0..=1.0).contains(&f)
}

impl Card {
    /// Parses and checks a card.
    pub fn parse(text: &str) -> Result<Card, CardError> {
        let card: Card = toml::from_str(text).map_err(|e| CardError::Syntax(e.to_string()))?;
        card.check()?;
        Ok(card)
    }

    pub fn default_card() -> Card {
        Card::parse(DEFAULT_CARD).expect("the shipped card is valid")
    }

    fn check(&self) -> Result<(), CardError> {
        if self.version.trim().is_empty() {
            return Err(CardError::NoVersion);
        }
        let b = &self.bands;
        if !(0.0..=100.0).contains(&b.poor_below)
            || !(0.0..=100.0).contains(&b.stable_from)
            || b.poor_below > b.stable_from
        {
            return Err(CardError::Bands(format!(
                "需 0 ≤ poor_below ≤ stable_from ≤ 100 / need 0 ≤ {} ≤ {} ≤ 100",
                b.poor_below, b.stable_from
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for i in &self.indicators {
            let bad = |field: &'static str, reason: String| CardError::Indicator {
                id: i.id.clone(),
                field,
                reason,
            };
            if !seen.insert(i.id.as_str()) {
                return Err(CardError::DuplicateId { id: i.id.clone() });
            }
            if !i.weight.is_finite() || i.weight <= 0.0 {
                return Err(bad("weight", "应为正数 / must be positive".into()));
            }
            if !fraction_ok(i.unknown) || !fraction_ok(i.otherwise) {
                return Err(bad(
                    "unknown/otherwise",
                    "应在0到1之间 / must be 0 to 1".into(),
                ));
            }
            match i.source.categories() {
                Some(allowed) => {
                    if !i.steps.is_empty() {
                        return Err(bad(
                            "steps",
                            "分类指标不用分段 / a categorical source takes categories".into(),
                        ));
                    }
                    for (k, f) in &i.categories {
                        if !allowed.contains(&k.as_str()) {
                            return Err(bad(
                                "categories",
                                format!(
                                    "“{k}”不是此来源的取值（{}）/ not a value of this source",
                                    allowed.join("、")
                                ),
                            ));
                        }
                        if !fraction_ok(*f) {
                            return Err(bad(
                                "categories",
                                format!("{k} = {f}：应在0到1之间 / must be 0 to 1"),
                            ));
                        }
                    }
                    if let Some(missing) = allowed.iter().find(|a| !i.categories.contains_key(**a))
                    {
                        return Err(bad(
                            "categories",
                            format!("缺少“{missing}” / {missing} missing"),
                        ));
                    }
                }
                None => {
                    if !i.categories.is_empty() {
                        return Err(bad(
                            "categories",
                            "数值指标用分段 / a numeric source takes steps".into(),
                        ));
                    }
                    if i.steps.is_empty() {
                        return Err(bad("steps", "缺少分段 / no steps".into()));
                    }
                    for s in &i.steps {
                        if s.at_least.is_none() && s.at_most.is_none() {
                            return Err(bad(
                                "steps",
                                "每段需要 at_least 或 at_most / each step needs a bound".into(),
                            ));
                        }
                        if !fraction_ok(s.points) {
                            return Err(bad(
                                "steps",
                                format!("points = {}：应在0到1之间 / must be 0 to 1", s.points),
                            ));
                        }
                    }
                }
            }
        }
        let total: f64 = self.indicators.iter().map(|i| i.weight).sum();
        if (total - 100.0).abs() > 1e-6 {
            return Err(CardError::Weights(total));
        }
        Ok(())
    }

    /// An indicator's fraction of its weight for a value, and which rule gave it.
    fn fraction<'c>(&'c self, i: &'c Indicator, value: &Value) -> (f64, Why<'c>) {
        match value {
            Value::Unknown => (i.unknown, Why::Unknown),
            Value::Category(c) => (i.categories.get(*c).copied().unwrap_or(0.0), Why::Category),
            Value::Number(v) => match i.steps.iter().find(|s| s.holds(*v)) {
                Some(s) => (s.points, Why::Step(s)),
                None => (i.otherwise, Why::NoStep),
            },
        }
    }

    /// The total, the band and each indicator's points, without the words (the batch's path;
    /// [`Card::score`] gives the same numbers with the breakdown).
    pub fn points(&self, subject: &Subject) -> (f64, Band, Vec<f64>) {
        let points: Vec<f64> = self
            .indicators
            .iter()
            .map(|i| round1(i.weight * self.fraction(i, &subject.value(i.source)).0))
            .collect();
        let total = round1(points.iter().sum());
        (total, self.band(total), points)
    }

    /// Scores a household.
    pub fn score(&self, subject: &Subject) -> Score {
        let mut parts = Vec::with_capacity(self.indicators.len());
        for i in &self.indicators {
            let value = subject.value(i.source);
            let (fraction, why) = self.fraction(i, &value);
            let why = match why {
                Why::Unknown => Message::new("index.no_value"),
                Why::Category => {
                    Message::new("index.category").nested("value", &value.message(), &[MESSAGES])
                }
                Why::Step(s) => Message::new("index.step").with("step", s.describe()),
                Why::NoStep => Message::new("index.no_step"),
            };
            parts.push(Part {
                id: i.id.clone(),
                look: i.look.clone(),
                label: i.label.clone(),
                label_en: i.label_en.clone(),
                value: value.message(),
                weight: i.weight,
                points: round1(i.weight * fraction),
                why,
            });
        }
        let total = round1(parts.iter().map(|p| p.points).sum());
        Score {
            card_version: self.version.clone(),
            total,
            band: self.band(total),
            parts,
        }
    }

    pub fn band(&self, total: f64) -> Band {
        if total < self.bands.poor_below {
            Band::Poor
        } else if total < self.bands.stable_from {
            Band::AtRisk
        } else {
            Band::Stable
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Where a score falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Below the first bound: truly poor (真贫).
    Poor,
    /// Could exit, but at risk.
    AtRisk,
    /// Stable.
    Stable,
}

impl Band {
    pub fn code(self) -> &'static str {
        match self {
            Band::Poor => "poor",
            Band::AtRisk => "at_risk",
            Band::Stable => "stable",
        }
    }
    pub fn parse(code: &str) -> Option<Band> {
        [Band::Poor, Band::AtRisk, Band::Stable]
            .into_iter()
            .find(|b| b.code() == code)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Band::Poor => "贫困（<60）",
            Band::AtRisk => "可退出但有风险",
            Band::Stable => "稳定",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Band::Poor => "poor",
            Band::AtRisk => "could exit, at risk",
            Band::Stable => "stable",
        }
    }
}

/// One indicator's contribution.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Part {
    pub id: String,
    pub look: String,
    pub label: String,
    pub label_en: String,
    /// The value the card read, in words.
    pub value: Message,
    pub weight: f64,
    pub points: f64,
    /// Why these points: the category or the step the value fell in.
    pub why: Message,
}

/// A household's score with its breakdown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    pub card_version: String,
    pub total: f64,
    pub band: Band,
    pub parts: Vec<Part>,
}

/// The texts of the score's explanations.
pub const MESSAGES: Strings = &[
    ("index.value", "{value}", "{value}"),
    ("index.no_value", "无数据", "no value"),
    ("index.category", "取值 {value}", "value {value}"),
    ("index.step", "{step} 档", "step {step}"),
    ("index.no_step", "低于各档", "no step"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::HouseGrade;
    use crate::testing::sample_household;

    fn income(per_capita_fen: i64, size: u32) -> IncomeYear {
        IncomeYear {
            year: 2019,
            wage: Fen(per_capita_fen * i64::from(size)),
            business: Fen(0),
            property: Fen(0),
            transfer: Fen(0),
            production_expenditure: Fen(0),
            household_size: size,
        }
    }

    #[test]
    fn the_default_card_is_valid_and_weighs_100() {
        let card = Card::default_card();
        assert_eq!(card.version, "default-2024.1");
        let total: f64 = card.indicators.iter().map(|i| i.weight).sum();
        assert_eq!(total, 100.0);
        assert_eq!(
            (card.bands.poor_below, card.bands.stable_from),
            (60.0, 80.0)
        );
    }

    #[test]
    fn a_household_strong_everywhere_scores_100_and_weak_everywhere_scores_low() {
        let card = Card::default_card();
        let mut h = sample_household();
        h.conditions.house_grade = Some(HouseGrade::A);
        h.conditions.housing_area_m2 = 100.0;
        h.conditions.arable_land_mu = 6.0;
        h.conditions.water_safe = true;
        h.conditions.water_difficult = false;
        for m in &mut h.members {
            m.labour = Labour::Ordinary;
            m.education = Education::Senior;
            m.medical_insurance = true;
            m.migrant = MigrantWork::OutOfProvince;
            m.migrant_months = 10;
        }
        let inc = income(600_000, 2);
        let s = card.score(&Subject {
            household: &h,
            income: Some(&inc),
            line: Some(Fen(400_000)),
            year: 2019,
        });
        assert_eq!(s.total, 100.0, "{:#?}", s.parts);
        assert_eq!(s.band, Band::Stable);
        assert_eq!(s.parts.len(), card.indicators.len());

        h.conditions.house_grade = Some(HouseGrade::D);
        h.conditions.housing_area_m2 = 20.0;
        h.conditions.arable_land_mu = 0.2;
        h.conditions.water_safe = false;
        for m in &mut h.members {
            m.labour = Labour::Lost;
            m.health = Health::Serious;
            m.migrant = MigrantWork::None;
            m.education = Education::Illiterate;
            m.medical_insurance = false;
        }
        let poor = income(200_000, 2);
        let s = card.score(&Subject {
            household: &h,
            income: Some(&poor),
            line: Some(Fen(400_000)),
            year: 2019,
        });
        assert!(s.total < 60.0, "{}", s.total);
        assert_eq!(s.band, Band::Poor);
        let house = s.parts.iter().find(|p| p.id == "house_safety").unwrap();
        let words = house.value.texts(&[MESSAGES]).unwrap();
        assert_eq!(
            (words, house.points),
            (
                ("D级".into(), "grade D (whole building dangerous)".into()),
                0.0
            )
        );
    }

    #[test]
    fn bands_at_their_bounds() {
        let card = Card::default_card();
        assert_eq!(card.band(59.9), Band::Poor);
        assert_eq!(card.band(60.0), Band::AtRisk, "60 exactly could exit");
        assert_eq!(card.band(79.9), Band::AtRisk);
        assert_eq!(card.band(80.0), Band::Stable, "80 exactly is stable");
    }

    #[test]
    fn steps_are_read_in_order_with_their_bounds() {
        let card = Card::default_card();
        let h = sample_household();
        let at = |ratio_fen: i64| {
            let inc = income(ratio_fen, 2);
            let s = card.score(&Subject {
                household: &h,
                income: Some(&inc),
                line: Some(Fen(100_000)),
                year: 2019,
            });
            s.parts.iter().find(|p| p.id == "income").unwrap().points
        };
        assert_eq!(at(150_000), 20.0, "1.5 × the line exactly");
        assert_eq!(at(149_999), 16.0, "just under 1.5");
        assert_eq!(at(100_000), 10.0, "on the line: ratio 1.0");
        assert_eq!(at(69_999), 0.0);
        let unknown = card.score(&Subject {
            household: &h,
            income: None,
            line: Some(Fen(100_000)),
            year: 2019,
        });
        let part = unknown.parts.iter().find(|p| p.id == "income").unwrap();
        let words = part.value.texts(&[MESSAGES]).unwrap();
        assert_eq!((words, part.points), (("—".into(), "—".into()), 0.0));
    }

    #[test]
    fn bad_cards_are_refused_naming_the_indicator_and_field() {
        let card = DEFAULT_CARD;
        let e = Card::parse(&card.replace(
            "weight = 15\nsource = \"house_condition\"",
            "weight = 16\nsource = \"house_condition\"",
        ))
        .unwrap_err();
        assert_eq!(e, CardError::Weights(101.0));
        let e =
            Card::parse(&card.replace("source = \"house_condition\"", "source = \"house_colour\""))
                .unwrap_err();
        assert!(matches!(e, CardError::Syntax(_)), "{e}");
        assert!(e.to_string().contains("house_colour"), "{e}");
        let e = Card::parse(&card.replace("relocated = 1.0", "relocated = 1.5")).unwrap_err();
        assert!(
            matches!(&e, CardError::Indicator { id, field: "categories", .. } if id == "house_safety"),
            "{e}"
        );
        let e = Card::parse(&card.replace("ungraded = 0.5\n", "")).unwrap_err();
        assert!(e.to_string().contains("ungraded"), "{e}");
        let e = Card::parse(&card.replace("id = \"land\"", "id = \"income\"")).unwrap_err();
        assert_eq!(
            e,
            CardError::DuplicateId {
                id: "income".into()
            }
        );
        let e = Card::parse(&card.replace("poor_below = 60.0", "poor_below = 90.0")).unwrap_err();
        assert!(matches!(e, CardError::Bands(_)));
        let e = Card::parse(&card.replace(
            "otherwise = 0.0\n\n[[indicator]]\nid = \"land\"",
            "wrong = 1\n\n[[indicator]]\nid = \"land\"",
        ))
        .unwrap_err();
        assert!(e.to_string().contains("wrong"), "{e}");
    }
}
