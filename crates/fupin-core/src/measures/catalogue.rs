//! The measures catalogue (措施大全): policy measures in categories, each with its issuing
//! department, amount or standard, period and an eligibility rule (see [`super::rule`]). Read
//! from TOML (`data/measures.toml` is the default, documented there); every measure is checked
//! when read and all problems are reported at once, naming the measure and the condition.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::rule::{Condition, Fact, Subject, describe, fields, first_member_field};
use super::rule::{household_facts, member_facts};
use crate::CodeList;
use crate::access::Sensitive;
use crate::household::Household;
use crate::income::IncomeYear;
use crate::masking::Disclosure;
use crate::message::{Message, Strings};

code_list! {
    Category, "措施类别" {
        Education = ("education", "教育扶贫", "education"),
        Medical = ("medical", "健康扶贫", "medical"),
        SocialSecurity = ("social_security", "社会保障兜底", "social security"),
        Employment = ("employment", "就业扶贫", "employment"),
        Housing = ("housing", "危房改造", "housing"),
        Industry = ("industry", "产业扶贫", "industry"),
        Credit = ("credit", "金融扶贫", "credit"),
        Relocation = ("relocation", "易地扶贫搬迁", "relocation"),
        Ecological = ("ecological", "生态补偿", "ecological compensation"),
        Infrastructure = ("infrastructure", "基础设施", "infrastructure"),
        Other = ("other", "其他", "other"),
    }
}

/// Whether a measure is given to the household once or to each eligible member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Household,
    Member,
}

/// A measure as written in the catalogue file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasureText {
    code: String,
    name: String,
    category: String,
    department: String,
    /// The amount or standard in words ("每生每年1,000元").
    standard: String,
    /// Yuan per household or member a year, where the measure is money.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount_yuan: Option<i64>,
    per: Per,
    /// First and last year the measure applies (inclusive), when limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    years: Option<[i32; 2]>,
    /// Where the measure and its numbers come from.
    #[serde(default)]
    source: String,
    /// Conditions that must all hold; member conditions must hold for one member.
    when: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueText {
    version: String,
    #[serde(default)]
    title: String,
    #[serde(rename = "measure")]
    measures: Vec<MeasureText>,
}

/// A checked measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub department: String,
    pub standard: String,
    pub amount_yuan: Option<i64>,
    pub per: Per,
    pub years: Option<(i32, i32)>,
    pub source: String,
    pub household: Vec<Condition>,
    pub member: Vec<Condition>,
}

impl Measure {
    pub fn applies_in(&self, year: i32) -> bool {
        self.years
            .is_none_or(|(from, to)| from <= year && year <= to)
    }
}

/// A checked catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    pub version: String,
    pub title: String,
    pub measures: Vec<Measure>,
    text: CatalogueText,
}

/// One problem of a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueProblem {
    /// The measure's code (or its place, "#3", when it has none).
    pub measure: Option<String>,
    pub field: Option<String>,
    pub reason: Message,
}

/// In both languages, for the command line (a page renders the parts in its own).
impl std::fmt::Display for CatalogueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(m) = &self.measure {
            write!(f, "措施 measure {m}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "[{field}] ")?;
        }
        let tables = [MESSAGES, super::rule::MESSAGES];
        match self.reason.bilingual(&tables) {
            Some(text) => f.write_str(&text),
            None => write!(f, "{}", self.reason),
        }
    }
}

/// Every problem found in a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogueError(pub Vec<CatalogueProblem>);

impl std::fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "措施目录有{}处错误，未加载 / {} problems in the catalogue, nothing loaded:",
            self.0.len(),
            self.0.len()
        )?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// The texts of the messages of reading a catalogue.
pub const MESSAGES: Strings = &[
    (
        "catalogue.toml",
        "目录第{line}行有误：{detail}",
        "the catalogue is not valid at line {line}: {detail}",
    ),
    ("catalogue.no_version", "版本不能为空", "version is empty"),
    ("catalogue.code_twice", "编号重复", "code used twice"),
    ("catalogue.no_measures", "没有措施", "no measures"),
    ("catalogue.empty", "不能为空", "must not be empty"),
    (
        "catalogue.bad_code",
        "编号只能由字母、数字、-、_组成，至多20位",
        "a code is letters, digits, - and _ only, at most 20",
    ),
    (
        "catalogue.unknown_category",
        "未知类别“{category}”；可用：{allowed}",
        "unknown category “{category}”; allowed: {allowed}",
    ),
    (
        "catalogue.negative_amount",
        "金额不能为负",
        "must not be negative",
    ),
    (
        "catalogue.years_reversed",
        "起始年{from}晚于终止年{to}",
        "first year {from} after last year {to}",
    ),
    (
        "catalogue.no_condition",
        "至少需要一个条件",
        "at least one condition is needed",
    ),
    (
        "catalogue.in_measure",
        "措施{measure}：",
        "measure {measure}: ",
    ),
];

/// The catalogue shipped with fupin.
pub const DEFAULT_CATALOGUE: &str = include_str!("../../data/measures.toml");

impl Catalogue {
    pub fn default_catalogue() -> Self {
        Self::from_toml(DEFAULT_CATALOGUE).expect("the shipped catalogue is valid")
    }

    pub fn from_toml(text: &str) -> Result<Self, CatalogueError> {
        let parsed: CatalogueText = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(1, |s| text[..s.start].matches('\n').count() + 1);
            CatalogueError(vec![CatalogueProblem {
                measure: None,
                field: None,
                // the parser's words name the key at fault ("unknown field `colour`")
                reason: Message::new("catalogue.toml")
                    .with("line", line)
                    .with("detail", e.message().trim()),
            }])
        })?;
        let mut problems = Vec::new();
        if parsed.version.trim().is_empty() {
            problems.push(problem(
                None,
                Some("version"),
                Message::new("catalogue.no_version"),
            ));
        }
        let mut seen = BTreeSet::new();
        let mut measures = Vec::new();
        for (i, m) in parsed.measures.iter().enumerate() {
            let label = if m.code.trim().is_empty() {
                format!("#{}", i + 1)
            } else {
                m.code.clone()
            };
            match check_measure(m) {
                Ok(measure) => {
                    if !seen.insert(measure.code.clone()) {
                        problems.push(problem(
                            Some(&label),
                            Some("code"),
                            Message::new("catalogue.code_twice"),
                        ));
                    }
                    measures.push(measure);
                }
                Err(mut found) => {
                    for p in &mut found {
                        p.measure = Some(label.clone());
                    }
                    problems.extend(found);
                }
            }
        }
        if parsed.measures.is_empty() {
            problems.push(problem(None, None, Message::new("catalogue.no_measures")));
        }
        if !problems.is_empty() {
            return Err(CatalogueError(problems));
        }
        Ok(Catalogue {
            version: parsed.version.trim().to_string(),
            title: parsed.title.clone(),
            measures,
            text: parsed,
        })
    }

    /// The catalogue written back as TOML (what `fupin measures export` writes).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.text).expect("a catalogue serialises")
    }

    pub fn measure(&self, code: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.code == code)
    }
}

fn problem(measure: Option<&str>, field: Option<&str>, reason: Message) -> CatalogueProblem {
    CatalogueProblem {
        measure: measure.map(str::to_string),
        field: field.map(str::to_string),
        reason,
    }
}

fn check_measure(m: &MeasureText) -> Result<Measure, Vec<CatalogueProblem>> {
    let mut problems = Vec::new();
    let mut need = |value: &str, field: &str| {
        if value.trim().is_empty() {
            problems.push(problem(None, Some(field), Message::new("catalogue.empty")));
        }
    };
    need(&m.code, "code");
    need(&m.name, "name");
    need(&m.department, "department");
    need(&m.standard, "standard");
    // stored lists of codes are written "EDU-01:2,MED-02": the code itself must not hold a
    // separator
    let code_chars = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !m.code.trim().is_empty() && (m.code.len() > 20 || !m.code.chars().all(code_chars)) {
        problems.push(problem(
            None,
            Some("code"),
            Message::new("catalogue.bad_code"),
        ));
    }
    let category = <Category as CodeList>::parse(&m.category);
    if category.is_none() {
        let all: Vec<&str> = <Category as CodeList>::ALL
            .iter()
            .map(|c| c.code())
            .collect();
        problems.push(problem(
            None,
            Some("category"),
            Message::new("catalogue.unknown_category")
                .with("category", crate::fields::excerpt(&m.category))
                .with("allowed", all.join(", ")),
        ));
    }
    if m.amount_yuan.is_some_and(|a| a < 0) {
        problems.push(problem(
            None,
            Some("amount_yuan"),
            Message::new("catalogue.negative_amount"),
        ));
    }
    if let Some([from, to]) = m.years
        && from > to
    {
        problems.push(problem(
            None,
            Some("years"),
            Message::new("catalogue.years_reversed")
                .with("from", from)
                .with("to", to),
        ));
    }
    if m.when.is_empty() {
        problems.push(problem(
            None,
            Some("when"),
            Message::new("catalogue.no_condition"),
        ));
    }
    let mut household = Vec::new();
    let mut member = Vec::new();
    for text in &m.when {
        match Condition::parse(text) {
            Ok(c) if c.def().subject == Subject::Household => household.push(c),
            Ok(c) => member.push(c),
            Err(e) => problems.push(CatalogueProblem {
                measure: None,
                field: Some(e.field.clone().unwrap_or_else(|| "when".into())),
                reason: crate::message::Explained::message(&e),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Measure {
        code: m.code.trim().to_string(),
        name: m.name.trim().to_string(),
        category: category.expect("checked above"),
        department: m.department.trim().to_string(),
        standard: m.standard.trim().to_string(),
        amount_yuan: m.amount_yuan,
        per: m.per,
        years: m.years.map(|[a, b]| (a, b)),
        source: m.source.trim().to_string(),
        household,
        member,
    })
}

/// A measure a household (or one of its members) is entitled to in a year, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    pub measure: String,
    /// Index into the household's members, for a measure given per member.
    pub member: Option<usize>,
    /// The facts the rule read, in words: "户状态为未脱贫；王小明：年龄5，在校生状况为学前教育".
    pub reason: String,
}

/// A household's facts for one year, computed once and matched against every measure.
pub struct Facts<'h> {
    household: &'h Household,
    facts: Vec<Fact>,
    members: Vec<Vec<Fact>>,
}

impl<'h> Facts<'h> {
    pub fn new(household: &'h Household, year: i32, income: Option<&IncomeYear>) -> Self {
        Facts {
            household,
            facts: household_facts(household, income),
            members: household
                .members
                .iter()
                .map(|m| member_facts(m, year))
                .collect(),
        }
    }

    /// The household's status of the year matched, where the year's record says otherwise.
    pub fn with_status(mut self, status: crate::codes::HouseholdStatus) -> Self {
        if let Some((i, _)) = super::rule::field(Subject::Household, "status") {
            self.facts[i] = super::rule::code_fact(status);
        }
        self
    }

    fn member_fact(&self, member: usize, field: usize) -> Fact {
        self.members[member][field - first_member_field()]
    }

    fn member_holds(&self, measure: &Measure, member: usize) -> bool {
        measure
            .member
            .iter()
            .all(|c| c.holds(self.member_fact(member, c.field)))
    }

    /// Whether the household conditions hold.
    fn household_holds(&self, measure: &Measure) -> bool {
        measure
            .household
            .iter()
            .all(|c| c.holds(self.facts[c.field]))
    }

    /// The entitlements of one measure in `year` (none outside its years), reasons in Chinese
    /// and in full (for the operator; a viewer's reasons come from [`Facts::explain`]).
    pub fn entitlements(&self, measure: &Measure, year: i32) -> Vec<Entitlement> {
        self.explain(measure, year, false, &Disclosure::full())
    }

    /// The entitlements of one measure in `year`, reasons in Chinese or English as `viewer`
    /// may see them: a member's name and withheld values (health) masked like everywhere else.
    pub fn explain(
        &self,
        measure: &Measure,
        year: i32,
        english: bool,
        viewer: &Disclosure,
    ) -> Vec<Entitlement> {
        if !measure.applies_in(year) || !self.household_holds(measure) {
            return Vec::new();
        }
        let household_reason = reason_of(&measure.household, |f| self.facts[f], english, viewer);
        let member_reason = |i: usize| {
            let words = reason_of(&measure.member, |f| self.member_fact(i, f), english, viewer);
            let colon = if english { ": " } else { "：" };
            let name = viewer.show(Sensitive::Name, &self.household.members[i].name);
            format!("{name}{colon}{words}")
        };
        let join = |parts: [String; 2]| {
            parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(if english { "; " } else { "；" })
        };
        match measure.per {
            Per::Member => {
                let chosen: Vec<usize> = if measure.member.is_empty() {
                    (0..self.members.len()).collect()
                } else {
                    (0..self.members.len())
                        .filter(|i| self.member_holds(measure, *i))
                        .collect()
                };
                chosen
                    .into_iter()
                    .map(|i| Entitlement {
                        measure: measure.code.clone(),
                        member: Some(i),
                        reason: join([household_reason.clone(), member_reason(i)]),
                    })
                    .collect()
            }
            Per::Household if measure.member.is_empty() => vec![Entitlement {
                measure: measure.code.clone(),
                member: None,
                reason: household_reason,
            }],
            Per::Household => (0..self.members.len())
                .find(|i| self.member_holds(measure, *i))
                .map(|i| Entitlement {
                    measure: measure.code.clone(),
                    member: None,
                    reason: join([household_reason, member_reason(i)]),
                })
                .into_iter()
                .collect(),
        }
    }

    /// Who is entitled to a measure in `year`, without the reasons (the batch's path): one
    /// entry per entitlement, the member's index for a measure given per member. The same
    /// selection as [`Facts::entitlements`].
    pub fn selected(&self, measure: &Measure, year: i32) -> Vec<Option<usize>> {
        if !measure.applies_in(year) || !self.household_holds(measure) {
            return Vec::new();
        }
        let mut members = (0..self.members.len()).filter(|i| self.member_holds(measure, *i));
        match measure.per {
            Per::Member => members.map(Some).collect(),
            Per::Household if measure.member.is_empty() => vec![None],
            Per::Household => members.next().map(|_| None).into_iter().collect(),
        }
    }

    /// How many entitlements to a measure the household has in `year`.
    pub fn entitled(&self, measure: &Measure, year: i32) -> usize {
        self.selected(measure, year).len()
    }
}

/// "字段=取值，…" (or "field=value, …") for the conditions' fields, each value as `viewer` may
/// see it.
fn reason_of(
    conditions: &[Condition],
    fact: impl Fn(usize) -> Fact,
    english: bool,
    viewer: &Disclosure,
) -> String {
    let mut seen = BTreeSet::new();
    conditions
        .iter()
        .filter(|c| seen.insert(c.field))
        .map(|c| {
            let def = &fields()[c.field];
            let value = describe(def, fact(c.field), english);
            let value = match def.sensitive {
                Some(s) => viewer.show(s, &value),
                None => value,
            };
            // as a sentence reads: "年龄5", "户状态为未脱贫"; "age 5", "status poor"
            match (english, def.kind) {
                (true, _) => format!("{} {value}", def.name.replace('_', " ")),
                (false, super::rule::Kind::Number) => format!("{}{value}", def.zh),
                (false, _) => format!("{}为{value}", def.zh),
            }
        })
        .collect::<Vec<_>>()
        .join(if english { ", " } else { "，" })
}

/// Every entitlement of a household in `year`, in catalogue order.
pub fn entitlements(
    catalogue: &Catalogue,
    household: &Household,
    year: i32,
    income: Option<&IncomeYear>,
) -> Vec<Entitlement> {
    let facts = Facts::new(household, year, income);
    catalogue
        .measures
        .iter()
        .flat_map(|m| facts.entitlements(m, year))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::*;
    use crate::testing::{member, sample_household};

    fn catalogue(measures: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::from_toml(&format!("version = \"t1\"\n{measures}"))
    }

    const PRESCHOOL: &str = r#"
[[measure]]
code = "EDU-PRE"
name = "学前教育资助"
category = "education"
department = "县教育局"
standard = "每生每年1,000元"
amount_yuan = 1000
per = "member"
years = [2016, 2025]
when = ["household.status in poor, 脱贫享受政策", "member.age between 3 and 6", "member.schooling = preschool"]
"#;

    #[test]
    fn conditions_read_as_words_in_either_language() {
        let c = catalogue(PRESCHOOL).unwrap();
        let m = &c.measures[0];
        let zh: Vec<String> = m
            .household
            .iter()
            .chain(&m.member)
            .map(|c| c.words(false))
            .collect();
        assert_eq!(
            zh,
            [
                "户状态为未脱贫、脱贫享受政策之一",
                "成员年龄在3至6之间",
                "成员在校生状况为学前教育"
            ]
        );
        let en: Vec<String> = m.member.iter().map(|c| c.words(true)).collect();
        assert_eq!(en[0], "a member's age between 3 and 6");
        assert!(en[1].starts_with("a member's schooling is "), "{}", en[1]);
    }

    fn with_child(age_end_2020: i32, schooling: Schooling) -> Household {
        let mut h = sample_household();
        let mut c = member(
            Relation::Daughter,
            (2020 - age_end_2020, 6, 1),
            Sex::Female,
            5,
        );
        c.name = "王小妹".into();
        c.schooling = schooling;
        h.members.push(c);
        h
    }

    #[test]
    fn reasons_show_names_and_health_as_the_viewer_may_see_them() {
        let cat = catalogue(
            r#"
[[measure]]
code = "MED-CHRONIC"
name = "慢病签约服务"
category = "medical"
department = "县卫健局"
standard = "家庭医生签约"
per = "member"
years = [2016, 2025]
when = ["household.status in poor, 脱贫享受政策", "member.health = chronic"]
"#,
        )
        .unwrap();
        let m = &cat.measures[0];
        let mut h = with_child(5, Schooling::Preschool);
        h.members[2].health = Health::Chronic;
        let facts = Facts::new(&h, 2020, None);
        let full = facts.explain(m, 2020, false, &Disclosure::full());
        assert_eq!(
            full[0].reason,
            "户状态为脱贫享受政策；王小妹：健康状况为长期慢性病"
        );
        let public = facts.explain(m, 2020, false, &Disclosure::public());
        assert_eq!(
            public[0].reason,
            "户状态为脱贫享受政策；王*妹：健康状况为***"
        );
        let english = facts.explain(m, 2020, true, &Disclosure::public());
        assert!(
            !english[0].reason.contains("王小妹"),
            "{}",
            english[0].reason
        );
        assert!(
            english[0].reason.ends_with("health ***"),
            "{}",
            english[0].reason
        );
    }

    #[test]
    fn a_member_rule_matches_each_eligible_member_with_its_reason() {
        let cat = catalogue(PRESCHOOL).unwrap();
        let m = &cat.measures[0];
        let h = with_child(5, Schooling::Preschool);
        let e = Facts::new(&h, 2020, None).entitlements(m, 2020);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].member, Some(2));
        assert_eq!(
            e[0].reason,
            "户状态为脱贫享受政策；王小妹：年龄5，在校生状况为学前教育"
        );
        // the ages are inclusive: 3 and 6 match, 2 and 7 do not
        for (age, n) in [(2, 0), (3, 1), (6, 1), (7, 0)] {
            let h = with_child(age, Schooling::Preschool);
            assert_eq!(Facts::new(&h, 2020, None).entitled(m, 2020), n, "age {age}");
        }
        // not in preschool, outside the years, or a household no longer receiving policies
        let h = with_child(5, Schooling::NotInSchool);
        assert_eq!(Facts::new(&h, 2020, None).entitled(m, 2020), 0);
        let h = with_child(5, Schooling::Preschool);
        assert_eq!(
            Facts::new(&h, 2026, None).entitled(m, 2026),
            0,
            "after 2025"
        );
        let mut h = with_child(5, Schooling::Preschool);
        h.status = HouseholdStatus::ExitedNoPolicy;
        assert!(entitlements(&cat, &h, 2020, None).is_empty());
    }

    #[test]
    fn household_rules_read_flags_codes_causes_and_income() {
        let cat = catalogue(
            r#"
[[measure]]
code = "HOUSE-CD"
name = "危房改造"
category = "housing"
department = "县住建局"
standard = "D级每户3.5万元"
per = "household"
when = ["household.house_grade in C, D", "not household.relocated"]

[[measure]]
code = "MED-ILL"
name = "大病救助"
category = "medical"
department = "县医保局"
standard = "按规定比例"
per = "household"
when = ["household.causes has illness", "member.health in serious, chronic"]

[[measure]]
code = "LOW-INC"
name = "临时救助"
category = "social_security"
department = "县民政局"
standard = "一次性"
per = "household"
when = ["household.per_capita_income < 4000"]
"#,
        )
        .unwrap();
        let mut h = sample_household();
        let codes = |h: &Household, income: Option<&IncomeYear>| -> Vec<String> {
            entitlements(&cat, h, 2020, income)
                .into_iter()
                .map(|e| e.measure)
                .collect()
        };
        // grade B, nobody seriously ill, income unknown: nothing
        assert!(codes(&h, None).is_empty());
        h.conditions.house_grade = Some(HouseGrade::D);
        h.members[0].health = Health::Chronic;
        assert_eq!(codes(&h, None), ["HOUSE-CD", "MED-ILL"]);
        h.conditions.relocated = true;
        h.main_cause = Cause::Disability;
        h.other_causes.clear();
        assert!(
            codes(&h, None).is_empty(),
            "relocated; illness no longer a cause"
        );
        // the income rule: 11,500 yuan net for two is 5,750 a head; one fen under 4,000 matches
        let income = h.income.clone().unwrap();
        assert!(codes(&h, Some(&income)).is_empty());
        let low = IncomeYear {
            wage: crate::Fen(799_998 - 200_000 - 100_000 + 50_000),
            ..income
        };
        assert_eq!(codes(&h, Some(&low)), ["LOW-INC"]);
        let at = IncomeYear {
            wage: crate::Fen(800_000 - 200_000 - 100_000 + 50_000),
            ..low
        };
        assert!(
            codes(&h, Some(&at)).is_empty(),
            "exactly 4,000 is not below"
        );
    }

    #[test]
    fn every_problem_is_named_with_its_measure_and_field() {
        let e = catalogue(
            r#"
[[measure]]
code = "A"
name = "甲"
category = "educaton"
department = "县教育局"
standard = "x"
per = "member"
when = ["member.agee > 3", "member.schooling = kindergarten", "member.age between 6 and 3"]

[[measure]]
code = "A"
name = "乙"
category = "medical"
department = ""
standard = "x"
per = "household"
when = []

[[measure]]
code = "C,1"
name = "丙"
category = "medical"
department = "县医保局"
standard = "x"
per = "household"
when = ["member.health = serious", "not member.age", "household.causes = illness", "member.age in 3"]
"#,
        )
        .unwrap_err();
        let text = e.to_string();
        for expected in [
            "measure A: [category] 未知类别“educaton”",
            "measure A: [member.agee] “member.agee > 3”：未知字段",
            "measure A: [member.schooling] “member.schooling = kindergarten”",
            "allowed: none, preschool, primary",
            "measure A: [member.age] “member.age between 6 and 3”",
            "measure A: [department] 不能为空",
            "measure A: [when] 至少需要一个条件",
            "measure C,1: [code] 编号只能由字母、数字、-、_组成",
            "measure C,1: [member.age] “not member.age”",
            "measure C,1: [household.causes] “household.causes = illness”",
            "measure C,1: [member.age] “member.age in 3”",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        assert!(e.0.len() >= 9, "{text}");
        let broken = Catalogue::from_toml("version = \"x\"\n[[measure]]\ncode = 3").unwrap_err();
        assert!(broken.to_string().contains("目录第3行有误"), "{broken}");
        let extra = catalogue(&format!("{PRESCHOOL}colour = \"red\"\n")).unwrap_err();
        assert!(extra.to_string().contains("colour"), "{extra}");
    }

    #[test]
    fn a_catalogue_exports_as_it_was_read() {
        let cat = catalogue(PRESCHOOL).unwrap();
        let again = Catalogue::from_toml(&cat.to_toml()).unwrap();
        assert_eq!(again, cat);
    }

    #[test]
    fn the_default_catalogue_is_valid_and_large_enough() {
        let cat = Catalogue::default_catalogue();
        assert!(cat.measures.len() >= 60, "{} measures", cat.measures.len());
        for category in Category::ALL {
            if *category != Category::Other {
                assert!(
                    cat.measures.iter().any(|m| m.category == *category),
                    "no measure of {category:?}"
                );
            }
        }
    }
}
