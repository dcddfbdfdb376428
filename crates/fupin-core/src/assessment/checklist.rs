//! The household exit checklist, "one standard met, two no-worries, three guarantees" plus safe
//! drinking water (一达标两不愁三保障 + 饮水安全), `domain.md` §4.1. Each dimension is met, not
//! met or unknown for a household and year, and names the registry fields it was read from.
//!
//! The registry keeps members and living conditions as they are now, and income by year: a
//! year's income test uses that year's income, the other dimensions the current record.

use chrono::NaiveDate;

use crate::codes::{Health, Schooling};
use crate::household::Household;
use crate::income::{IncomeFormula, IncomeYear, LineStanding, standing};
use crate::message::{Message, Strings};
use crate::money::Fen;

/// Compulsory-education age, inclusive (义务教育: "no child aged 6-15 out of school").
pub const SCHOOL_AGE: std::ops::RangeInclusive<u32> = 6..=15;

/// The dimensions of the exit test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 一达标: per-capita net income above the year's line.
    Income,
    /// 不愁吃、不愁穿.
    FoodAndClothing,
    /// 义务教育有保障.
    CompulsoryEducation,
    /// 基本医疗有保障.
    BasicMedical,
    /// 住房安全有保障.
    SafeHousing,
    /// 饮水安全.
    SafeWater,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Income,
        Dimension::FoodAndClothing,
        Dimension::CompulsoryEducation,
        Dimension::BasicMedical,
        Dimension::SafeHousing,
        Dimension::SafeWater,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Income => "income",
            Self::FoodAndClothing => "food_clothing",
            Self::CompulsoryEducation => "compulsory_education",
            Self::BasicMedical => "basic_medical",
            Self::SafeHousing => "safe_housing",
            Self::SafeWater => "safe_water",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Income => "收入达标",
            Self::FoodAndClothing => "不愁吃穿",
            Self::CompulsoryEducation => "义务教育有保障",
            Self::BasicMedical => "基本医疗有保障",
            Self::SafeHousing => "住房安全有保障",
            Self::SafeWater => "饮水安全",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Income => "income above the line",
            Self::FoodAndClothing => "food and clothing",
            Self::CompulsoryEducation => "compulsory education",
            Self::BasicMedical => "basic medical care",
            Self::SafeHousing => "safe housing",
            Self::SafeWater => "safe drinking water",
        }
    }
}

/// The outcome of one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Met,
    NotMet,
    Unknown,
}

/// One dimension's outcome with the evidence: the fields read and what they said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub dimension: Dimension,
    pub outcome: Outcome,
    /// The registry fields the outcome was read from (field codes).
    pub fields: Vec<&'static str>,
    /// What they said, in words.
    pub evidence: Message,
}

/// The whole checklist of a household for a year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checklist {
    pub year: i32,
    pub checks: Vec<Check>,
}

impl Checklist {
    pub fn outcome(&self, d: Dimension) -> Outcome {
        self.checks
            .iter()
            .find(|c| c.dimension == d)
            .map_or(Outcome::Unknown, |c| c.outcome)
    }

    /// Every dimension met: the household passes the exit test for the year.
    pub fn all_met(&self) -> bool {
        self.checks.iter().all(|c| c.outcome == Outcome::Met)
    }

    /// The dimensions not met (the shortfalls, 短板).
    pub fn shortfalls(&self) -> Vec<Dimension> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::NotMet)
            .map(|c| c.dimension)
            .collect()
    }
}

/// Checks a household for `year` against `line` (the year's exit income line for its place).
pub fn check(
    h: &Household,
    income: Option<&IncomeYear>,
    line: Option<Fen>,
    year: i32,
) -> Checklist {
    let per_capita = income.and_then(|i| i.per_capita(IncomeFormula::CURRENT));
    let income_standing = standing(per_capita, line);
    let checks = vec![
        income_check(income_standing, per_capita, line, year),
        food_check(h, income_standing),
        education_check(h, year),
        medical_check(h),
        housing_check(h),
        water_check(h),
    ];
    Checklist { year, checks }
}

fn yuan(f: Option<Fen>) -> String {
    f.map_or_else(|| "—".into(), |f| f.yuan_string())
}

fn income_check(s: LineStanding, per_capita: Option<Fen>, line: Option<Fen>, year: i32) -> Check {
    let outcome = match s {
        LineStanding::Above => Outcome::Met,
        LineStanding::NotAbove => Outcome::NotMet,
        LineStanding::Unknown => Outcome::Unknown,
    };
    Check {
        dimension: Dimension::Income,
        outcome,
        fields: vec!["per_capita_income", "exit_income_line"],
        evidence: Message::new("check.income")
            .with("year", year)
            .with("per_capita", yuan(per_capita))
            .with("line", yuan(line)),
    }
}

/// Food and clothing: the registry has no field of its own for them. Income above the line, or
/// subsistence allowance (低保, which guarantees basic living), is taken as met; income below the
/// line without it as not met; no income record as unknown. A visit's own finding, when the
/// workflows record one, will take precedence.
fn food_check(h: &Household, income: LineStanding) -> Check {
    let dibao = h.members.iter().any(|m| m.dibao);
    let outcome = match (income, dibao) {
        (LineStanding::Above, _) | (_, true) => Outcome::Met,
        (LineStanding::NotAbove, false) => Outcome::NotMet,
        (LineStanding::Unknown, false) => Outcome::Unknown,
    };
    Check {
        dimension: Dimension::FoodAndClothing,
        outcome,
        fields: vec!["per_capita_income", "dibao"],
        evidence: {
            let (zh, en) = match income {
                LineStanding::Above => ("高于标准", "above the line"),
                LineStanding::NotAbove => ("未高于标准", "not above the line"),
                LineStanding::Unknown => ("未知", "unknown"),
            };
            let (who_zh, who_en) = if dibao {
                ("有成员", "a member")
            } else {
                ("无成员", "nobody")
            };
            Message::new("check.food")
                .with_label("income", zh, en)
                .with_label("who", who_zh, who_en)
        },
    }
}

/// Age on 1 September of `year` (the school year's start).
fn school_age_on(birth: NaiveDate, year: i32) -> u32 {
    NaiveDate::from_ymd_opt(year, 9, 1)
        .map(|d| crate::household::age_on(birth, d))
        .unwrap_or(0)
}

/// The members of compulsory-school age in `year`, and those of them out of school for other than
/// health reasons (serious illness or disability keeps a child home without failing the test).
pub fn out_of_school(h: &Household, year: i32) -> (usize, Vec<String>) {
    let (children, out) = children_out_of_school(h, year);
    let named = out
        .into_iter()
        .map(|(name, age)| format!("{name}（{age}岁）"))
        .collect();
    (children, named)
}

/// As [`out_of_school`], each child as name and age.
fn children_out_of_school(h: &Household, year: i32) -> (usize, Vec<(&str, u32)>) {
    let mut children = 0;
    let mut out = Vec::new();
    for m in &h.members {
        let age = school_age_on(m.birth_date, year);
        if !SCHOOL_AGE.contains(&age) {
            continue;
        }
        children += 1;
        let health_reason = matches!(m.health, Health::Serious | Health::Disabled);
        if m.schooling == Schooling::NotInSchool && !health_reason {
            out.push((m.name.as_str(), age));
        }
    }
    (children, out)
}

/// Compulsory education: no child of 6–15 out of school, except for health reasons (serious
/// illness or disability keeps a child home without failing the test).
fn education_check(h: &Household, year: i32) -> Check {
    let (children, out) = children_out_of_school(h, year);
    let outcome = if out.is_empty() {
        Outcome::Met
    } else {
        Outcome::NotMet
    };
    let evidence = if children == 0 {
        Message::new("check.no_school_age")
    } else if out.is_empty() {
        Message::new("check.all_in_school").with("children", children)
    } else {
        let zh: Vec<String> = out
            .iter()
            .map(|(n, age)| format!("{n}（{age}岁）"))
            .collect();
        let en: Vec<String> = out.iter().map(|(n, age)| format!("{n} ({age})")).collect();
        Message::new("check.out_of_school").with_list("names", &zh, &en)
    };
    Check {
        dimension: Dimension::CompulsoryEducation,
        outcome,
        fields: vec!["birth_date", "schooling", "health"],
        evidence,
    }
}

/// Basic medical care: every member in the resident basic medical insurance.
fn medical_check(h: &Household) -> Check {
    let without: Vec<&str> = h
        .members
        .iter()
        .filter(|m| !m.medical_insurance)
        .map(|m| m.name.as_str())
        .collect();
    Check {
        dimension: Dimension::BasicMedical,
        outcome: if without.is_empty() {
            Outcome::Met
        } else {
            Outcome::NotMet
        },
        fields: vec!["medical_insurance"],
        evidence: if without.is_empty() {
            Message::new("check.all_insured")
        } else {
            Message::new("check.not_insured").with_list("names", &without, &without)
        },
    }
}

/// Safe housing: a house graded A or B, or relocated (易地扶贫搬迁); C or D, or no house, fails;
/// no grade recorded for a house is unknown.
fn housing_check(h: &Household) -> Check {
    let c = &h.conditions;
    let (outcome, evidence) = if c.relocated {
        (Outcome::Met, Message::new("check.relocated"))
    } else if c.housing_area_m2 <= 0.0 {
        (Outcome::NotMet, Message::new("check.no_house"))
    } else {
        match c.house_grade {
            Some(g) if g.is_dangerous() => (
                Outcome::NotMet,
                Message::new("check.dangerous_house").with_label("grade", g.zh(), g.code()),
            ),
            Some(g) => (
                Outcome::Met,
                Message::new("check.house_grade").with_label("grade", g.zh(), g.code()),
            ),
            None => (Outcome::Unknown, Message::new("check.not_graded")),
        }
    };
    Check {
        dimension: Dimension::SafeHousing,
        outcome,
        fields: vec!["house_grade", "housing_area_m2", "relocated"],
        evidence,
    }
}

/// Safe drinking water: recorded safe and not difficult.
fn water_check(h: &Household) -> Check {
    let c = &h.conditions;
    let outcome = if c.water_safe && !c.water_difficult {
        Outcome::Met
    } else {
        Outcome::NotMet
    };
    Check {
        dimension: Dimension::SafeWater,
        outcome,
        fields: vec!["water_safe", "water_difficult"],
        evidence: {
            let (safe_zh, safe_en) = if c.water_safe {
                ("安全", "safe")
            } else {
                ("不安全", "not safe")
            };
            let (hard_zh, hard_en) = if c.water_difficult {
                ("困难", "difficult to get")
            } else {
                ("不困难", "not difficult to get")
            };
            Message::new("check.water")
                .with_label("safe", safe_zh, safe_en)
                .with_label("difficult", hard_zh, hard_en)
        },
    }
}

use crate::codes::CodeList;

/// The texts of the checklist's evidence.
pub const MESSAGES: Strings = &[
    (
        "check.income",
        "{year}年人均纯收入{per_capita}元，标准{line}元",
        "{year}: per-capita net income {per_capita} yuan against the line of {line}",
    ),
    (
        "check.food",
        "收入{income}；{who}享受低保",
        "income {income}; {who} on the subsistence allowance",
    ),
    ("check.no_school_age", "无6–15岁成员", "no member aged 6–15"),
    (
        "check.all_in_school",
        "{children}名6–15岁成员均在校",
        "all {children} members aged 6–15 in school",
    ),
    (
        "check.out_of_school",
        "未在校：{names}",
        "out of school: {names}",
    ),
    (
        "check.all_insured",
        "全员参加基本医疗保险",
        "every member insured",
    ),
    (
        "check.not_insured",
        "未参保：{names}",
        "not insured: {names}",
    ),
    ("check.relocated", "易地扶贫搬迁安置", "relocated"),
    ("check.no_house", "无住房", "no house"),
    (
        "check.dangerous_house",
        "危房{grade}",
        "dangerous house, grade {grade}",
    ),
    ("check.house_grade", "住房{grade}", "house grade {grade}"),
    ("check.not_graded", "未鉴定房屋等级", "house not graded"),
    (
        "check.water",
        "饮水{safe}、{difficult}",
        "water {safe}, {difficult}",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::HouseGrade;
    use crate::testing::sample_household;

    fn income(per_capita_fen: i64) -> IncomeYear {
        IncomeYear {
            year: 2019,
            wage: Fen(per_capita_fen * 2),
            business: Fen(0),
            property: Fen(0),
            transfer: Fen(0),
            production_expenditure: Fen(0),
            household_size: 2,
        }
    }

    #[test]
    fn income_must_be_strictly_above_the_line() {
        let h = sample_household();
        let line = Some(Fen(321_800));
        let above = check(&h, Some(&income(321_801)), line, 2019);
        assert_eq!(above.outcome(Dimension::Income), Outcome::Met);
        let on = check(&h, Some(&income(321_800)), line, 2019);
        assert_eq!(
            on.outcome(Dimension::Income),
            Outcome::NotMet,
            "exactly on the line"
        );
        let below = check(&h, Some(&income(321_799)), line, 2019);
        assert_eq!(
            below.outcome(Dimension::Income),
            Outcome::NotMet,
            "one fen below"
        );
        let none = check(&h, None, line, 2019);
        assert_eq!(none.outcome(Dimension::Income), Outcome::Unknown);
        let (zh, en) = above.checks[0].evidence.texts(&[MESSAGES]).unwrap();
        assert!(zh.contains("人均纯收入3218.01元"), "{zh}");
        assert!(en.contains("per-capita net income 3218.01 yuan"), "{en}");
    }

    #[test]
    fn food_follows_income_or_the_subsistence_allowance() {
        let mut h = sample_household();
        for m in &mut h.members {
            m.dibao = false;
        }
        let line = Some(Fen(300_000));
        let poor = check(&h, Some(&income(100_000)), line, 2019);
        assert_eq!(poor.outcome(Dimension::FoodAndClothing), Outcome::NotMet);
        h.members[0].dibao = true;
        let on_dibao = check(&h, Some(&income(100_000)), line, 2019);
        assert_eq!(on_dibao.outcome(Dimension::FoodAndClothing), Outcome::Met);
    }

    #[test]
    fn school_age_children_out_of_school_fail_unless_for_health() {
        let mut h = sample_household();
        // the child turns 6 on 1 September 2016 exactly, 16 on 1 September 2026
        h.members[1].birth_date = NaiveDate::from_ymd_opt(2010, 9, 1).unwrap();
        h.members[1].schooling = Schooling::NotInSchool;
        h.members[1].health = Health::Healthy;
        let at = |h: &Household, year| {
            check(h, None, None, year).outcome(Dimension::CompulsoryEducation)
        };
        assert_eq!(at(&h, 2015), Outcome::Met, "aged 5: not yet of school age");
        assert_eq!(at(&h, 2016), Outcome::NotMet, "aged 6 exactly");
        assert_eq!(at(&h, 2025), Outcome::NotMet, "aged 15");
        assert_eq!(
            at(&h, 2026),
            Outcome::Met,
            "aged 16: past compulsory education"
        );
        h.members[1].health = Health::Disabled;
        assert_eq!(at(&h, 2020), Outcome::Met, "kept home by disability");
        h.members[1].health = Health::Healthy;
        h.members[1].schooling = Schooling::Primary;
        assert_eq!(at(&h, 2020), Outcome::Met);
    }

    #[test]
    fn medical_needs_everyone_insured() {
        let mut h = sample_household();
        for m in &mut h.members {
            m.medical_insurance = true;
        }
        assert_eq!(
            check(&h, None, None, 2019).outcome(Dimension::BasicMedical),
            Outcome::Met
        );
        h.members[1].medical_insurance = false;
        let c = check(&h, None, None, 2019);
        assert_eq!(c.outcome(Dimension::BasicMedical), Outcome::NotMet);
        let (zh, en) = c.checks[3].evidence.texts(&[MESSAGES]).unwrap();
        assert!(
            zh.starts_with("未参保") && zh.contains(&h.members[1].name),
            "{zh}"
        );
        assert!(
            en.starts_with("not insured") && en.contains(&h.members[1].name),
            "{en}"
        );
    }

    #[test]
    fn housing_by_grade_relocation_or_no_house() {
        let mut h = sample_household();
        h.conditions.relocated = false;
        h.conditions.housing_area_m2 = 80.0;
        let grade = |h: &Household| check(h, None, None, 2019).outcome(Dimension::SafeHousing);
        for (g, want) in [
            (Some(HouseGrade::A), Outcome::Met),
            (Some(HouseGrade::B), Outcome::Met),
            (Some(HouseGrade::C), Outcome::NotMet),
            (Some(HouseGrade::D), Outcome::NotMet),
            (None, Outcome::Unknown),
        ] {
            h.conditions.house_grade = g;
            assert_eq!(grade(&h), want, "{g:?}");
        }
        h.conditions.house_grade = Some(HouseGrade::D);
        h.conditions.relocated = true;
        assert_eq!(grade(&h), Outcome::Met, "relocated");
        h.conditions.relocated = false;
        h.conditions.housing_area_m2 = 0.0;
        h.conditions.house_grade = None;
        assert_eq!(grade(&h), Outcome::NotMet, "no house");
    }

    #[test]
    fn water_safe_and_not_difficult() {
        let mut h = sample_household();
        h.conditions.water_safe = true;
        h.conditions.water_difficult = false;
        assert_eq!(
            check(&h, None, None, 2019).outcome(Dimension::SafeWater),
            Outcome::Met
        );
        h.conditions.water_difficult = true;
        assert_eq!(
            check(&h, None, None, 2019).outcome(Dimension::SafeWater),
            Outcome::NotMet
        );
    }

    #[test]
    fn all_met_and_shortfalls() {
        let mut h = sample_household();
        for m in &mut h.members {
            m.medical_insurance = true;
            m.schooling = Schooling::NotInSchool;
            m.birth_date = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
        }
        h.conditions.house_grade = Some(HouseGrade::A);
        h.conditions.housing_area_m2 = 80.0;
        h.conditions.water_safe = true;
        h.conditions.water_difficult = false;
        let c = check(&h, Some(&income(500_000)), Some(Fen(400_000)), 2020);
        assert!(c.all_met(), "{c:?}");
        h.conditions.house_grade = Some(HouseGrade::C);
        let c = check(&h, Some(&income(500_000)), Some(Fen(400_000)), 2020);
        assert_eq!(c.shortfalls(), vec![Dimension::SafeHousing]);
    }
}
