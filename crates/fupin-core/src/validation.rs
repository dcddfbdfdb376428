//! Registry validation as pure functions with typed errors.
//!
//! Each [`Issue`] names the field (and the member, when it concerns one) so that an import
//! report can point at the row and column, and a form at the input.

use chrono::{Datelike, NaiveDate};
use std::collections::HashSet;
use std::fmt;

use crate::area::{AreaCode, AreaLevel};
use crate::codes::{CodeList, HouseholdStatus, Labour, Relation, Sex};
use crate::fields::Field;
use crate::household::{Household, Member};
use crate::id_number::IdError;

/// First year of the registry's data (identification in 2014 used 2013 incomes).
pub const FIRST_REGISTRY_YEAR: i32 = 2013;

/// One problem found in a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub field: Field,
    /// Index of the member within the household, when the issue is about a member.
    pub member: Option<usize>,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Required,
    UnknownCode {
        list: &'static str,
        value: String,
    },
    Format {
        value: String,
        expected: &'static str,
        expected_en: &'static str,
    },
    IdNumber(IdError),
    BirthDateMismatch {
        from_id: NaiveDate,
    },
    SexMismatch {
        from_id: Sex,
    },
    HeadCount(usize),
    DuplicateIdInHousehold,
    NegativeMoney,
    Negative,
    TooManyOtherCauses(usize),
    RepeatedCause,
    ExitYearMissing,
    ExitBeforeRegistration,
    YearOutOfRange {
        value: i32,
        min: i32,
        max: i32,
    },
    SchoolingAge {
        age: u32,
        min: u32,
        max: u32,
    },
    ChildLabour {
        age: u32,
    },
    AreaUnknown(AreaCode),
    AreaNotVillage {
        code: AreaCode,
        level: &'static str,
        level_en: &'static str,
    },
    AreaNameMismatch {
        given: String,
        expected: String,
    },
    OutsideChina,
    HouseDetailsWithoutHouse,
    MigrantMonths,
    Phone,
    HouseholdNumber,
    ComputedMismatch {
        computed: String,
    },
    InconsistentWithinHousehold {
        first: String,
    },
    NotAdjacent(String),
    IdInOtherHousehold(String),
    /// Registered to a household outside the editor's jurisdiction: where is not said.
    IdRegisteredElsewhere,
    /// A household number registered outside the importer's jurisdiction: where is not said.
    NumberRegisteredElsewhere,
    UnknownHousehold(String),
    TooLong {
        max: usize,
        len: usize,
    },
    LineBreak,
    /// A value a rule of its own refused, with that rule's explanation (an amount, an area code).
    Explained(crate::Message),
}

impl crate::message::Explained for Problem {
    fn message(&self) -> crate::Message {
        use crate::Message;
        let m = Message::new;
        match self {
            Problem::Required => m("problem.required"),
            Problem::UnknownCode { list, value } => m("problem.unknown_code")
                .with("list", list)
                .with("value", value),
            Problem::Format {
                value,
                expected,
                expected_en,
            } => m("problem.format").with("value", value).with_label(
                "expected",
                *expected,
                *expected_en,
            ),
            Problem::IdNumber(e) => e.message(),
            Problem::BirthDateMismatch { from_id } => {
                m("problem.birth_date_mismatch").with("from_id", from_id)
            }
            Problem::SexMismatch { from_id } => {
                m("problem.sex_mismatch").label("from_id", *from_id)
            }
            Problem::HeadCount(n) => m("problem.head_count").with("n", n),
            Problem::DuplicateIdInHousehold => m("problem.duplicate_id_in_household"),
            Problem::NegativeMoney => m("problem.negative_money"),
            Problem::Negative => m("problem.negative"),
            Problem::TooManyOtherCauses(n) => m("problem.too_many_other_causes").with("n", n),
            Problem::RepeatedCause => m("problem.repeated_cause"),
            Problem::ExitYearMissing => m("problem.exit_year_missing"),
            Problem::ExitBeforeRegistration => m("problem.exit_before_registration"),
            Problem::YearOutOfRange { value, min, max } => m("problem.year_out_of_range")
                .with("value", value)
                .with("min", min)
                .with("max", max),
            Problem::SchoolingAge { age, min, max } => m("problem.schooling_age")
                .with("age", age)
                .with("min", min)
                .with("max", max),
            Problem::ChildLabour { age } => m("problem.child_labour").with("age", age),
            Problem::AreaUnknown(code) => m("problem.area_unknown").with("code", code),
            Problem::AreaNotVillage {
                code,
                level,
                level_en,
            } => m("problem.area_not_village")
                .with("code", code)
                .with_label("level", *level, *level_en),
            Problem::AreaNameMismatch { given, expected } => m("problem.area_name_mismatch")
                .with("given", given)
                .with("expected", expected),
            Problem::OutsideChina => m("problem.outside_china"),
            Problem::HouseDetailsWithoutHouse => m("problem.house_details_without_house"),
            Problem::MigrantMonths => m("problem.migrant_months"),
            Problem::Phone => m("problem.phone"),
            Problem::HouseholdNumber => m("problem.household_number"),
            Problem::ComputedMismatch { computed } => {
                m("problem.computed_mismatch").with("computed", computed)
            }
            Problem::InconsistentWithinHousehold { first } => {
                m("problem.inconsistent_within_household").with("first", first)
            }
            Problem::NotAdjacent(number) => m("problem.not_adjacent").with("number", number),
            Problem::IdInOtherHousehold(number) => {
                m("problem.id_in_other_household").with("number", number)
            }
            Problem::IdRegisteredElsewhere => m("problem.id_registered_elsewhere"),
            Problem::NumberRegisteredElsewhere => m("problem.number_registered_elsewhere"),
            Problem::UnknownHousehold(number) => {
                m("problem.unknown_household").with("number", number)
            }
            Problem::TooLong { max, len } => {
                m("problem.too_long").with("max", max).with("len", len)
            }
            Problem::LineBreak => m("problem.line_break"),
            Problem::Explained(message) => message.clone(),
        }
    }
}

crate::explained_error!(Problem, &[MESSAGES, crate::id_number::MESSAGES]);

/// The texts of [`Problem`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    ("problem.required", "必填", "required"),
    (
        "problem.unknown_code",
        "“{value}”不在{list}代码表中",
        "{value} is not in the code list",
    ),
    (
        "problem.format",
        "“{value}”不是{expected}",
        "{value} is not {expected}",
    ),
    (
        "problem.birth_date_mismatch",
        "与身份证号中的出生日期{from_id}不符",
        "differs from the birth date {from_id} in the ID number",
    ),
    (
        "problem.sex_mismatch",
        "与身份证号中的性别（{from_id}）不符",
        "differs from the sex in the ID number ({from_id})",
    ),
    (
        "problem.head_count",
        "户主应恰有1人，实有{n}人",
        "exactly one head expected, found {n}",
    ),
    (
        "problem.duplicate_id_in_household",
        "户内身份证号重复",
        "ID number repeated within the household",
    ),
    (
        "problem.negative_money",
        "金额不能为负",
        "amount must not be negative",
    ),
    ("problem.negative", "数值不能为负", "must not be negative"),
    (
        "problem.too_many_other_causes",
        "其他致贫原因至多2项，实有{n}项",
        "at most 2 other causes, found {n}",
    ),
    (
        "problem.repeated_cause",
        "其他致贫原因与主要致贫原因重复或自身重复",
        "other causes repeat the main cause or each other",
    ),
    (
        "problem.exit_year_missing",
        "已脱贫户应填写脱贫年度",
        "an exited household needs its exit year",
    ),
    (
        "problem.exit_before_registration",
        "脱贫年度早于纳入年度",
        "exit year before the year registered",
    ),
    (
        "problem.year_out_of_range",
        "年份{value}应在{min}至{max}之间",
        "year {value} should be between {min} and {max}",
    ),
    (
        "problem.schooling_age",
        "{age}岁与在校生状况不符（应为{min}-{max}岁）",
        "age {age} implausible for this schooling stage ({min}-{max})",
    ),
    (
        "problem.child_labour",
        "{age}岁未满16岁，不能为普通或技能劳动力",
        "aged {age}, under 16 cannot be ordinary or skilled labour",
    ),
    (
        "problem.area_unknown",
        "区划代码{code}不存在",
        "area code {code} does not exist",
    ),
    (
        "problem.area_not_village",
        "区划代码{code}是{level}级，应为村级",
        "area code {code} is a {level}, a village is required",
    ),
    (
        "problem.area_name_mismatch",
        "名称“{given}”与区划代码对应的“{expected}”不符",
        "name {given} does not match {expected} of the code",
    ),
    (
        "problem.outside_china",
        "坐标不在中国境内",
        "coordinates outside China",
    ),
    (
        "problem.house_details_without_house",
        "无住房（面积为0）时不应填写房屋结构、年份或等级",
        "no house (area 0) but structure, year or grade given",
    ),
    (
        "problem.migrant_months",
        "务工时间应在0-12个月",
        "months of migrant work must be 0-12",
    ),
    (
        "problem.phone",
        "电话号码格式不对",
        "not a telephone number",
    ),
    (
        "problem.household_number",
        "户编号只能由字母、数字和连字符组成，最长32位",
        "household number: letters, digits and hyphens, at most 32",
    ),
    (
        "problem.computed_mismatch",
        "与计算值{computed}不符",
        "differs from the computed value {computed}",
    ),
    (
        "problem.inconsistent_within_household",
        "同一户的各行此列不一致（首行为“{first}”）",
        "differs between rows of the same household (first row: {first})",
    ),
    (
        "problem.not_adjacent",
        "户编号{number}的各行不相邻（已在前面出现）",
        "rows of household {number} are not adjacent (it appeared earlier)",
    ),
    (
        "problem.id_in_other_household",
        "身份证号已登记在户{number}",
        "ID number already registered in household {number}",
    ),
    (
        "problem.id_registered_elsewhere",
        "身份证号已在其他地方登记，不能重复登记；如需迁入，请联系上级扶贫办",
        "ID number already registered elsewhere: to move the person here, ask the office above",
    ),
    (
        "problem.number_registered_elsewhere",
        "户编号已在本辖区以外登记，不能在此导入；如需迁入，请联系上级扶贫办",
        "household number registered outside your jurisdiction: it cannot be imported here; to move the household, ask the office above",
    ),
    (
        "problem.unknown_household",
        "户编号{number}不存在",
        "household {number} does not exist",
    ),
    (
        "problem.too_long",
        "超过{max}个字符（共{len}个）",
        "longer than {max} characters ({len})",
    ),
    (
        "problem.line_break",
        "单元格内有换行（CSV中多为引号未闭合）",
        "the cell holds a line break (in a CSV, usually an unclosed quote)",
    ),
];

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.member {
            Some(i) => write!(f, "成员{} {}: {}", i + 1, self.field.zh(), self.problem),
            None => write!(f, "{}: {}", self.field.zh(), self.problem),
        }
    }
}

/// A cell's text against its field's length and line rules ([`Field::max_chars`],
/// [`Field::may_break_lines`]): checked before the cell is read at all, so an oversized value
/// is refused once instead of travelling through parsing.
pub fn check_text(field: Field, value: &str) -> Option<Problem> {
    if let Some(len) = crate::fields::over_limit(value, field.max_chars()) {
        return Some(Problem::TooLong {
            max: field.max_chars(),
            len,
        });
    }
    (!field.may_break_lines() && value.contains(['\n', '\r'])).then_some(Problem::LineBreak)
}

/// What validation needs to know about administrative areas.
pub trait AreaLookup {
    /// The level of a known area, `None` if the code is unknown.
    fn level_of(&self, code: &AreaCode) -> Option<AreaLevel>;
}

/// Checks one household and its members. `today` bounds dates and years.
pub fn validate_household(h: &Household, areas: &dyn AreaLookup, today: NaiveDate) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut push = |field, member, problem| {
        out.push(Issue {
            field,
            member,
            problem,
        })
    };
    let this_year = today.year();

    if !valid_household_number(&h.number) {
        push(Field::HouseholdNo, None, Problem::HouseholdNumber);
    }
    for (field, text) in [
        (Field::Group, &h.group),
        (Field::Address, &h.address),
        (Field::Phone, &h.phone),
        (Field::BankName, &h.bank_name),
        (Field::BankAccount, &h.bank_account),
    ] {
        if let Some(p) = check_text(field, text) {
            push(field, None, p);
        }
    }
    match areas.level_of(&h.village_code) {
        None => push(
            Field::VillageCode,
            None,
            Problem::AreaUnknown(h.village_code.clone()),
        ),
        Some(AreaLevel::Village) => {}
        Some(level) => push(
            Field::VillageCode,
            None,
            Problem::AreaNotVillage {
                code: h.village_code.clone(),
                level: level.zh(),
                level_en: level.as_str(),
            },
        ),
    }
    if !h.phone.is_empty() && !valid_phone(&h.phone) {
        push(Field::Phone, None, Problem::Phone);
    }

    // causes
    if h.other_causes.len() > 2 {
        push(
            Field::OtherCauses,
            None,
            Problem::TooManyOtherCauses(h.other_causes.len()),
        );
    }
    let mut causes = HashSet::from([h.main_cause]);
    if !h.other_causes.iter().all(|c| causes.insert(*c)) {
        push(Field::OtherCauses, None, Problem::RepeatedCause);
    }

    // years and status
    let year_range = |value: i32| {
        (!(FIRST_REGISTRY_YEAR..=this_year).contains(&value)).then_some(Problem::YearOutOfRange {
            value,
            min: FIRST_REGISTRY_YEAR,
            max: this_year,
        })
    };
    if let Some(p) = year_range(h.registered_year) {
        push(Field::RegisteredYear, None, p);
    }
    match h.exit_year {
        Some(y) => {
            if let Some(p) = year_range(y) {
                push(Field::ExitYear, None, p);
            } else if y < h.registered_year {
                push(Field::ExitYear, None, Problem::ExitBeforeRegistration);
            }
        }
        None if h.status.is_exited() => push(Field::ExitYear, None, Problem::ExitYearMissing),
        None => {}
    }
    if h.status == HouseholdStatus::Returned && h.exit_year.is_none() {
        push(Field::ExitYear, None, Problem::ExitYearMissing);
    }

    if let Some(p) = h.location
        && (!(73.0..=136.0).contains(&p.lon) || !(3.0..=54.0).contains(&p.lat))
    {
        push(Field::Longitude, None, Problem::OutsideChina);
    }

    // conditions
    let c = &h.conditions;
    for (field, v) in [
        (Field::ArableLand, c.arable_land_mu),
        (Field::IrrigatedLand, c.irrigated_land_mu),
        (Field::ForestLand, c.forest_land_mu),
        (Field::HousingArea, c.housing_area_m2),
        (Field::RoadDistance, c.road_distance_km),
    ] {
        if v < 0.0 || !v.is_finite() {
            push(field, None, Problem::Negative);
        }
    }
    if c.housing_area_m2 == 0.0
        && (c.house_structure.is_some() || c.house_built_year.is_some() || c.house_grade.is_some())
    {
        push(Field::HousingArea, None, Problem::HouseDetailsWithoutHouse);
    }
    if let Some(y) = c.house_built_year
        && !(1900..=this_year).contains(&y)
    {
        let p = Problem::YearOutOfRange {
            value: y,
            min: 1900,
            max: this_year,
        };
        push(Field::HouseBuiltYear, None, p);
    }

    // income
    if let Some(inc) = &h.income {
        if let Some(p) = year_range(inc.year) {
            push(Field::IncomeYear, None, p);
        }
        for (field, v) in [
            (Field::Wage, inc.wage),
            (Field::Business, inc.business),
            (Field::Property, inc.property),
            (Field::Transfer, inc.transfer),
            (Field::ProductionExpenditure, inc.production_expenditure),
        ] {
            if v.is_negative() {
                push(field, None, Problem::NegativeMoney);
            }
        }
    }

    // members
    let heads = h
        .members
        .iter()
        .filter(|m| m.relation == Relation::Head)
        .count();
    if heads != 1 {
        push(Field::Relation, None, Problem::HeadCount(heads));
    }
    let mut ids = HashSet::new();
    for (i, m) in h.members.iter().enumerate() {
        if !ids.insert(m.id_number.as_str()) {
            push(Field::IdNumber, Some(i), Problem::DuplicateIdInHousehold);
        }
        for issue in validate_member(m, today) {
            push(issue.field, Some(i), issue.problem);
        }
    }
    out
}

/// Checks one member on its own (the ID number itself is validated when parsed).
pub fn validate_member(m: &Member, today: NaiveDate) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut push = |field, problem| {
        out.push(Issue {
            field,
            member: None,
            problem,
        })
    };
    if m.name.trim().is_empty() {
        push(Field::MemberName, Problem::Required);
    } else if let Some(p) = check_text(Field::MemberName, &m.name) {
        push(Field::MemberName, p);
    }
    let from_id = m.id_number.birth_date();
    if m.birth_date != from_id {
        push(Field::BirthDate, Problem::BirthDateMismatch { from_id });
    }
    if m.sex != m.id_number.sex() {
        push(
            Field::Sex,
            Problem::SexMismatch {
                from_id: m.id_number.sex(),
            },
        );
    }
    let age = m.age_on(today);
    if let Some((min, max)) = m.schooling.plausible_ages()
        && !(min..=max).contains(&age)
    {
        push(Field::Schooling, Problem::SchoolingAge { age, min, max });
    }
    if age < 16 && matches!(m.labour, Labour::Ordinary | Labour::Skilled) {
        push(Field::Labour, Problem::ChildLabour { age });
    }
    if m.migrant_months > 12 {
        push(Field::MigrantMonths, Problem::MigrantMonths);
    }
    out
}

pub fn valid_household_number(n: &str) -> bool {
    !n.is_empty() && n.len() <= 32 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether `number` is a number for a new household of `village`: the village's 12-digit code
/// followed by the household's own sequence (as `5227261002010001`). New households are
/// numbered so, which keeps a village's numbers its own: whether a number of another place is
/// taken is never asked.
pub fn numbered_in_village(number: &str, village: &AreaCode) -> bool {
    valid_household_number(number)
        && number
            .strip_prefix(village.as_str())
            .is_some_and(|sequence| !sequence.is_empty())
}

/// Mobile (11 digits starting with 1) or landline with optional area code and extension.
pub fn valid_phone(p: &str) -> bool {
    let digits = p.bytes().filter(u8::is_ascii_digit).count();
    p.bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b' ')
        && (7..=20).contains(&digits)
        && (!p.starts_with('1') || digits == 11)
}

/// The name a code list gives a value it does not know, for [`Problem::UnknownCode`].
pub fn unknown_code<T: CodeList>(value: &str) -> Problem {
    Problem::UnknownCode {
        list: T::LIST_ZH,
        value: crate::fields::excerpt(value).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::*;
    use crate::money::Fen;

    struct Areas;
    impl AreaLookup for Areas {
        fn level_of(&self, code: &AreaCode) -> Option<AreaLevel> {
            code.as_str().starts_with("522726").then(|| code.level())
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 12, 31).unwrap()
    }

    #[test]
    fn new_numbers_start_with_their_village() {
        let village = AreaCode::parse("522726100201").unwrap();
        assert!(numbered_in_village("5227261002010042", &village));
        assert!(numbered_in_village("522726100201-A", &village));
        for other in [
            "522726100201",     // the village's code alone
            "5227261002020001", // the next village
            "5227261012010001", // another township
            "2108021002010001", // another province
            "X5227261002010001",
            "52272610020100０1", // a full-width digit
        ] {
            assert!(!numbered_in_village(other, &village), "{other}");
        }
    }

    use crate::testing::sample_household as household;

    fn problems(h: &Household) -> Vec<(Field, Option<usize>, Problem)> {
        validate_household(h, &Areas, today())
            .into_iter()
            .map(|i| (i.field, i.member, i.problem))
            .collect()
    }

    #[test]
    fn a_good_household_passes() {
        assert_eq!(problems(&household()), vec![]);
    }

    #[test]
    fn exactly_one_head() {
        let mut h = household();
        h.members[1].relation = Relation::Head;
        assert_eq!(
            problems(&h),
            vec![(Field::Relation, None, Problem::HeadCount(2))]
        );
        h.members
            .iter_mut()
            .for_each(|m| m.relation = Relation::Other);
        assert_eq!(
            problems(&h),
            vec![(Field::Relation, None, Problem::HeadCount(0))]
        );
    }

    #[test]
    fn birth_date_and_sex_must_match_the_id() {
        let mut h = household();
        h.members[0].birth_date = NaiveDate::from_ymd_opt(1970, 3, 5).unwrap();
        h.members[0].sex = Sex::Male;
        let p = problems(&h);
        assert_eq!(p.len(), 2);
        assert!(matches!(
            p[0],
            (Field::BirthDate, Some(0), Problem::BirthDateMismatch { .. })
        ));
        assert!(matches!(
            p[1],
            (
                Field::Sex,
                Some(0),
                Problem::SexMismatch {
                    from_id: Sex::Female
                }
            )
        ));
    }

    #[test]
    fn schooling_and_labour_must_fit_the_age() {
        let mut h = household();
        h.members[0].schooling = Schooling::Primary;
        h.members[1].labour = Labour::Ordinary;
        assert_eq!(
            problems(&h),
            vec![
                (
                    Field::Schooling,
                    Some(0),
                    Problem::SchoolingAge {
                        age: 50,
                        min: 5,
                        max: 16
                    }
                ),
                (Field::Labour, Some(1), Problem::ChildLabour { age: 10 }),
            ]
        );
    }

    #[test]
    fn money_must_not_be_negative() {
        let mut h = household();
        h.income.as_mut().unwrap().transfer = Fen(-1);
        assert_eq!(
            problems(&h),
            vec![(Field::Transfer, None, Problem::NegativeMoney)]
        );
    }

    #[test]
    fn area_must_exist_and_be_a_village() {
        let mut h = household();
        h.village_code = AreaCode::parse("522730100201").unwrap();
        assert!(matches!(
            problems(&h)[0],
            (Field::VillageCode, None, Problem::AreaUnknown(_))
        ));
        h.village_code = AreaCode::parse("522726100000").unwrap();
        assert!(matches!(
            problems(&h)[0],
            (Field::VillageCode, None, Problem::AreaNotVillage { .. })
        ));
    }

    #[test]
    fn causes_status_and_years() {
        let mut h = household();
        h.other_causes = vec![Cause::Illness, Cause::LackLand, Cause::LackWater];
        h.exit_year = None;
        let p = problems(&h);
        assert!(p.contains(&(Field::OtherCauses, None, Problem::TooManyOtherCauses(3))));
        assert!(p.contains(&(Field::OtherCauses, None, Problem::RepeatedCause)));
        assert!(p.contains(&(Field::ExitYear, None, Problem::ExitYearMissing)));
        let mut h = household();
        h.exit_year = Some(2013);
        assert_eq!(
            problems(&h),
            vec![(Field::ExitYear, None, Problem::ExitBeforeRegistration)]
        );
    }

    #[test]
    fn text_fields_have_limits_and_no_line_breaks() {
        let mut h = household();
        h.address = "甲".repeat(201);
        h.members[1].name = "王".repeat(51);
        h.group = "一组\n二组".into();
        assert_eq!(
            problems(&h),
            vec![
                (Field::Group, None, Problem::LineBreak),
                (
                    Field::Address,
                    None,
                    Problem::TooLong { max: 200, len: 201 }
                ),
                (
                    Field::MemberName,
                    Some(1),
                    Problem::TooLong { max: 50, len: 51 }
                ),
            ]
        );
        assert_eq!(check_text(Field::MemberName, &"王".repeat(50)), None);
        assert_eq!(check_text(Field::StatusReason, "因病\n返贫"), None);
    }

    #[test]
    fn phone_numbers() {
        assert!(valid_phone("13800000000"));
        assert!(valid_phone("0854-3221234"));
        assert!(!valid_phone("1380000000"));
        assert!(!valid_phone("call me"));
    }
}
