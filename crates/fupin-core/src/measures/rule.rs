//! Eligibility rules written as data: conditions over household and member fields, such as
//! `member.age between 3 and 6`, `member.schooling = preschool`, `household.attribute = dibao`,
//! `household.causes has illness`, `not member.dibao`.
//!
//! A condition is `<subject>.<field> <op> <values>`; the subject is `household` or `member`.
//! Operators: `=`, `!=`, `in a, b`, `not in a, b` (codes, in code or Chinese), `>=`, `<=`, `>`,
//! `<`, `between a and b` (numbers, inclusive), `has` / `lacks` (the causes of poverty). A flag
//! written alone is true (`member.dibao`); `not` before it, false. Fields and values are checked
//! when a rule is read, so a catalogue with a typo is refused with the measure, the condition
//! and the reason, never half-applied.

use chrono::NaiveDate;

use crate::codes::*;
use crate::household::{Household, Member};
use crate::income::{IncomeFormula, IncomeYear};
use crate::message::{Message, Strings};

/// What a field describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Household,
    Member,
}

impl Subject {
    pub fn code(self) -> &'static str {
        match self {
            Self::Household => "household",
            Self::Member => "member",
        }
    }
}

/// The kind of a field's values.
#[derive(Clone, Copy)]
pub enum Kind {
    /// One of a code list: its (code, Chinese, English) names, in the list's order.
    Code(&'static [(&'static str, &'static str, &'static str)]),
    /// A set of causes (main and other).
    Causes,
    Number,
    Flag,
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Code(..) => "code",
            Kind::Causes => "causes",
            Kind::Number => "number",
            Kind::Flag => "flag",
        })
    }
}

/// A field a condition may name.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub subject: Subject,
    pub name: &'static str,
    pub zh: &'static str,
    pub kind: Kind,
    /// The personal data its values are, if any: reasons show them through the viewer's
    /// disclosure.
    pub sensitive: Option<crate::access::Sensitive>,
}

/// Every field, household fields first. The index of a field is its place here.
pub fn fields() -> &'static [FieldDef] {
    use Kind::*;
    use Subject::*;
    static FIELDS: std::sync::OnceLock<Vec<FieldDef>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        vec![
            f(
                Household,
                "status",
                "户状态",
                Code(names::<HouseholdStatus>()),
            ),
            f(
                Household,
                "attribute",
                "贫困户属性",
                Code(names::<PovertyAttribute>()),
            ),
            f(
                Household,
                "standard",
                "识别标准",
                Code(names::<IdentificationStandard>()),
            ),
            f(
                Household,
                "main_cause",
                "主要致贫原因",
                Code(names::<Cause>()),
            ),
            f(Household, "causes", "致贫原因（主要及其他）", Causes),
            f(
                Household,
                "monitoring",
                "监测对象类型",
                Code(names::<MonitoringCategory>()),
            ),
            f(Household, "monitored", "是否监测对象", Flag),
            f(
                Household,
                "house_grade",
                "危房等级",
                Code(names::<HouseGrade>()),
            ),
            f(
                Household,
                "house_structure",
                "房屋主要结构",
                Code(names::<HouseStructure>()),
            ),
            f(Household, "relocated", "易地扶贫搬迁", Flag),
            f(Household, "electricity", "通生活用电", Flag),
            f(Household, "water_safe", "饮水安全", Flag),
            f(Household, "water_difficult", "饮水困难", Flag),
            f(Household, "member_count", "家庭人口", Number),
            f(Household, "labour_count", "劳动力人数", Number),
            f(Household, "arable_land_mu", "耕地面积（亩）", Number),
            f(Household, "forest_land_mu", "林地面积（亩）", Number),
            f(Household, "housing_area_m2", "住房面积（平方米）", Number),
            f(
                Household,
                "housing_area_per_person",
                "人均住房面积（平方米）",
                Number,
            ),
            f(
                Household,
                "road_distance_km",
                "与村主干路距离（公里）",
                Number,
            ),
            f(Household, "registered_year", "纳入年度", Number),
            f(Household, "exit_year", "脱贫年度", Number),
            f(Household, "per_capita_income", "人均纯收入（元）", Number),
            f(Member, "age", "年龄", Number),
            f(Member, "sex", "性别", Code(names::<Sex>())),
            f(Member, "relation", "与户主关系", Code(names::<Relation>())),
            f(Member, "education", "文化程度", Code(names::<Education>())),
            f(
                Member,
                "schooling",
                "在校生状况",
                Code(names::<Schooling>()),
            ),
            FieldDef {
                sensitive: Some(crate::access::Sensitive::Health),
                ..f(Member, "health", "健康状况", Code(names::<Health>()))
            },
            f(Member, "labour", "劳动技能", Code(names::<Labour>())),
            f(Member, "can_work", "有劳动能力", Flag),
            f(
                Member,
                "migrant_work",
                "务工状况",
                Code(names::<MigrantWork>()),
            ),
            f(Member, "migrant_months", "务工时间（月）", Number),
            f(Member, "medical_insurance", "参加基本医疗保险", Flag),
            f(Member, "pension_insurance", "参加基本养老保险", Flag),
            f(Member, "dibao", "低保人口", Flag),
            f(Member, "critical_illness_insurance", "参加大病保险", Flag),
        ]
    })
}

fn f(subject: Subject, name: &'static str, zh: &'static str, kind: Kind) -> FieldDef {
    FieldDef {
        subject,
        name,
        zh,
        kind,
        sensitive: None,
    }
}

/// The names of a code list's values (built once, with the field table).
fn names<T: CodeList>() -> &'static [(&'static str, &'static str, &'static str)] {
    Box::leak(
        T::ALL
            .iter()
            .map(|v| (v.code(), v.zh(), v.en()))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

pub fn field(subject: Subject, name: &str) -> Option<(usize, &'static FieldDef)> {
    fields()
        .iter()
        .enumerate()
        .find(|(_, f)| f.subject == subject && f.name == name)
}

/// A fact about a household or member, as a condition reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fact {
    /// Index into the field's code list.
    Code(u16),
    /// Bit i set: cause i (Cause::ALL order).
    Causes(u32),
    Number(f64),
    Flag(bool),
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Ge,
    Le,
    Gt,
    Lt,
    Between,
    Has,
    Lacks,
}

/// One checked condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// As written (kept for export and for messages).
    pub text: String,
    pub field: usize,
    pub op: Op,
    /// Code indices, cause bits, numbers or a flag, as the field's kind needs.
    pub values: Vec<Fact>,
}

/// Why a condition was refused.
/// A condition that does not read: its text, the field named (when it was read that far), why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub text: String,
    /// The field named, when it was read that far.
    pub field: Option<String>,
    pub reason: Message,
}

impl crate::message::Explained for ConditionError {
    fn message(&self) -> Message {
        Message::new("rule.condition")
            .with("text", &self.text)
            .nested("reason", &self.reason, &[MESSAGES])
    }
}

crate::explained_error!(ConditionError, &[MESSAGES]);

/// The texts of the messages of reading a measure's conditions.
pub const MESSAGES: Strings = &[
    ("rule.condition", "“{text}”：{reason}", "“{text}”: {reason}"),
    (
        "rule.path",
        "应为 household.字段 或 member.字段",
        "expected household.FIELD or member.FIELD",
    ),
    (
        "rule.unknown_subject",
        "未知对象“{subject}”（应为 household 或 member）",
        "unknown subject “{subject}” (household or member)",
    ),
    (
        "rule.unknown_field",
        "未知字段；可用：{known}",
        "unknown field; known: {known}",
    ),
    (
        "rule.missing_operator",
        "缺少运算符，或“not”只能用于是否类字段",
        "missing operator, or `not` before a non-flag field",
    ),
    (
        "rule.unknown_operator",
        "未知运算符（=, !=, in, not in, >=, <=, >, <, between, has, lacks）",
        "unknown operator (=, !=, in, not in, >=, <=, >, <, between, has, lacks)",
    ),
    (
        "rule.between_two",
        "between 需要两个数，如 between 3 and 6",
        "between needs two numbers: between 3 and 6",
    ),
    ("rule.no_values", "缺少取值", "no values"),
    (
        "rule.one_value",
        "只能有一个取值，多个请用 in",
        "one value only; use `in` for several",
    ),
    (
        "rule.operator_not_allowed",
        "{field}字段不能用此运算符",
        "operator not allowed for the field {field}",
    ),
    (
        "rule.bounds_reversed",
        "区间下限{lo}大于上限{hi}",
        "{lo} is above {hi}",
    ),
    (
        "rule.not_a_value",
        "“{value}”不是{field}的取值；可用：{allowed}",
        "“{value}” is not a value of {field}; allowed: {allowed}",
    ),
    (
        "rule.not_a_cause",
        "“{value}”不是致贫原因；可用：{allowed}",
        "“{value}” is not a cause; allowed: {allowed}",
    ),
    (
        "rule.not_a_number",
        "“{value}”不是数字",
        "“{value}” is not a number",
    ),
    (
        "rule.not_a_flag",
        "“{value}”应为 true 或 false",
        "“{value}”: expected true or false",
    ),
];

impl Condition {
    pub fn parse(text: &str) -> Result<Self, ConditionError> {
        let err = |field: Option<&str>, reason: Message| ConditionError {
            text: text.trim().to_string(),
            field: field.map(str::to_string),
            reason,
        };
        let t = text.trim();
        let (negated, t) = match t.strip_prefix("not ") {
            Some(rest) => (true, rest.trim()),
            None => (false, t),
        };
        let (path, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let (subject, name) = path
            .split_once('.')
            .ok_or_else(|| err(None, Message::new("rule.path")))?;
        let subject = match subject {
            "household" => Subject::Household,
            "member" => Subject::Member,
            s => {
                return Err(err(
                    None,
                    Message::new("rule.unknown_subject").with("subject", s),
                ));
            }
        };
        let (index, def) = field(subject, name).ok_or_else(|| {
            let known: Vec<&str> = fields()
                .iter()
                .filter(|f| f.subject == subject)
                .map(|f| f.name)
                .collect();
            err(
                Some(path),
                Message::new("rule.unknown_field").with("known", known.join(", ")),
            )
        })?;
        let rest = rest.trim();
        // a flag alone: `member.dibao`, `not member.dibao`
        if rest.is_empty() || negated {
            if !matches!(def.kind, Kind::Flag) || !rest.is_empty() {
                return Err(err(Some(path), Message::new("rule.missing_operator")));
            }
            return Ok(Condition {
                text: text.trim().to_string(),
                field: index,
                op: Op::Eq,
                values: vec![Fact::Flag(!negated)],
            });
        }
        let (op, values) =
            split_op(rest).ok_or_else(|| err(Some(path), Message::new("rule.unknown_operator")))?;
        let values = read_values(def, op, values).map_err(|reason| err(Some(path), reason))?;
        Ok(Condition {
            text: text.trim().to_string(),
            field: index,
            op,
            values,
        })
    }

    pub fn def(&self) -> &'static FieldDef {
        &fields()[self.field]
    }

    /// The condition in words, for people who do not read the rule syntax: "户状态为未脱贫、
    /// 脱贫享受政策、返贫之一", "成员年龄在3至6之间"; in English "household status is one of …".
    pub fn words(&self, english: bool) -> String {
        let def = self.def();
        let field = match (def.subject, english) {
            (Subject::Household, false) => def.zh.to_string(),
            (Subject::Member, false) => format!("成员{}", def.zh),
            (Subject::Household, true) => format!("household {}", def.name.replace('_', " ")),
            (Subject::Member, true) => format!("a member's {}", def.name.replace('_', " ")),
        };
        let values: Vec<String> = self
            .values
            .iter()
            .map(|v| describe(def, *v, english))
            .collect();
        let list = values.join(if english { ", " } else { "、" });
        let first = values.first().cloned().unwrap_or_default();
        let last = values.last().cloned().unwrap_or_default();
        match (self.op, english) {
            (Op::Eq, false) => format!("{field}为{first}"),
            (Op::Ne, false) => format!("{field}不为{first}"),
            (Op::In, false) => format!("{field}为{list}之一"),
            (Op::NotIn, false) => format!("{field}不为{list}中任何一项"),
            (Op::Ge, false) => format!("{field}不低于{first}"),
            (Op::Le, false) => format!("{field}不高于{first}"),
            (Op::Gt, false) => format!("{field}高于{first}"),
            (Op::Lt, false) => format!("{field}低于{first}"),
            (Op::Between, false) => format!("{field}在{first}至{last}之间"),
            (Op::Has, false) => format!("{field}含{list}"),
            (Op::Lacks, false) => format!("{field}不含{list}"),
            (Op::Eq, true) => format!("{field} is {first}"),
            (Op::Ne, true) => format!("{field} is not {first}"),
            (Op::In, true) => format!("{field} is one of {list}"),
            (Op::NotIn, true) => format!("{field} is none of {list}"),
            (Op::Ge, true) => format!("{field} at least {first}"),
            (Op::Le, true) => format!("{field} at most {first}"),
            (Op::Gt, true) => format!("{field} above {first}"),
            (Op::Lt, true) => format!("{field} below {first}"),
            (Op::Between, true) => format!("{field} between {first} and {last}"),
            (Op::Has, true) => format!("{field} includes {list}"),
            (Op::Lacks, true) => format!("{field} excludes {list}"),
        }
    }

    /// Whether the fact satisfies the condition. A missing fact satisfies only `!=` and
    /// `not in` (a household with no house grade is not "grade C").
    pub fn holds(&self, fact: Fact) -> bool {
        let num = |i: usize| match self.values.get(i) {
            Some(Fact::Number(n)) => *n,
            _ => f64::NAN,
        };
        match (self.op, fact) {
            (Op::Ne | Op::NotIn, Fact::Missing) => true,
            (_, Fact::Missing) => false,
            (Op::Eq | Op::In, f) => self.values.contains(&f),
            (Op::Ne | Op::NotIn, f) => !self.values.contains(&f),
            (Op::Ge, Fact::Number(n)) => n >= num(0),
            (Op::Le, Fact::Number(n)) => n <= num(0),
            (Op::Gt, Fact::Number(n)) => n > num(0),
            (Op::Lt, Fact::Number(n)) => n < num(0),
            (Op::Between, Fact::Number(n)) => n >= num(0) && n <= num(1),
            (Op::Has, Fact::Causes(bits)) => self
                .values
                .iter()
                .any(|v| matches!(v, Fact::Causes(b) if bits & b != 0)),
            (Op::Lacks, Fact::Causes(bits)) => !self
                .values
                .iter()
                .any(|v| matches!(v, Fact::Causes(b) if bits & b != 0)),
            _ => false,
        }
    }
}

/// Splits `in a, b` into the operator and the rest.
fn split_op(rest: &str) -> Option<(Op, &str)> {
    const WORDS: [(&str, Op); 11] = [
        ("not in ", Op::NotIn),
        ("in ", Op::In),
        ("between ", Op::Between),
        ("has ", Op::Has),
        ("lacks ", Op::Lacks),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];
    WORDS
        .iter()
        .find_map(|(w, op)| rest.strip_prefix(w).map(|v| (*op, v.trim())))
}

fn read_values(def: &FieldDef, op: Op, text: &str) -> Result<Vec<Fact>, Message> {
    let parts: Vec<&str> = match op {
        Op::Between => text
            .split(" and ")
            .flat_map(|p| p.split([',', '，']))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
        _ => text
            .split([',', '，', '、'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
    };
    let arity_ok = match op {
        Op::Between => parts.len() == 2,
        Op::In | Op::NotIn | Op::Has | Op::Lacks => !parts.is_empty(),
        _ => parts.len() == 1,
    };
    if !arity_ok {
        return Err(Message::new(match op {
            Op::Between => "rule.between_two",
            Op::In | Op::NotIn | Op::Has | Op::Lacks => "rule.no_values",
            _ => "rule.one_value",
        }));
    }
    let kind_allows = match def.kind {
        Kind::Code(..) => matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn),
        Kind::Causes => matches!(op, Op::Has | Op::Lacks),
        Kind::Number => matches!(
            op,
            Op::Eq | Op::Ne | Op::Ge | Op::Le | Op::Gt | Op::Lt | Op::Between
        ),
        Kind::Flag => matches!(op, Op::Eq | Op::Ne),
    };
    if !kind_allows {
        return Err(Message::new("rule.operator_not_allowed").with_label("field", def.zh, def.name));
    }
    let values: Vec<Fact> = parts
        .iter()
        .map(|p| read_value(def, p))
        .collect::<Result<_, _>>()?;
    if op == Op::Between
        && let [Fact::Number(lo), Fact::Number(hi)] = values[..]
        && lo > hi
    {
        return Err(Message::new("rule.bounds_reversed")
            .with("lo", lo)
            .with("hi", hi));
    }
    Ok(values)
}

fn read_value(def: &FieldDef, text: &str) -> Result<Fact, Message> {
    match def.kind {
        Kind::Code(names) => names
            .iter()
            .position(|(code, zh, en)| {
                code.eq_ignore_ascii_case(text) || *zh == text || en.eq_ignore_ascii_case(text)
            })
            .map(|i| Fact::Code(i as u16))
            .ok_or_else(|| {
                let codes: Vec<&str> = names.iter().map(|n| n.0).collect();
                Message::new("rule.not_a_value")
                    .with("value", text)
                    .with_label("field", def.zh, def.name)
                    .with("allowed", codes.join(", "))
            }),
        Kind::Causes => Cause::parse(text)
            .and_then(|c| Cause::ALL.iter().position(|k| *k == c))
            .map(|i| Fact::Causes(1 << i))
            .ok_or_else(|| {
                let all: Vec<&str> = Cause::ALL.iter().map(|c| c.code()).collect();
                Message::new("rule.not_a_cause")
                    .with("value", text)
                    .with("allowed", all.join(", "))
            }),
        Kind::Number => text
            .replace([',', '，'], "")
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Fact::Number)
            .ok_or_else(|| Message::new("rule.not_a_number").with("value", text)),
        Kind::Flag => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "是" | "1" => Ok(Fact::Flag(true)),
            "false" | "no" | "否" | "0" => Ok(Fact::Flag(false)),
            _ => Err(Message::new("rule.not_a_flag").with("value", text)),
        },
    }
}

pub(crate) fn code_fact<T: CodeList + PartialEq>(v: T) -> Fact {
    T::ALL
        .iter()
        .position(|k| *k == v)
        .map_or(Fact::Missing, |i| Fact::Code(i as u16))
}

/// The facts of a household for a year, indexed like [`fields`] (member fields missing).
pub fn household_facts(h: &Household, income: Option<&IncomeYear>) -> Vec<Fact> {
    let c = &h.conditions;
    let opt = |f: Option<Fact>| f.unwrap_or(Fact::Missing);
    let causes = std::iter::once(h.main_cause)
        .chain(h.other_causes.iter().copied())
        .filter_map(|c| Cause::ALL.iter().position(|k| *k == c))
        .fold(0u32, |bits, i| bits | 1 << i);
    let people = h.members.len();
    let num = |n: f64| Fact::Number(n);
    let mut out = vec![Fact::Missing; fields().len()];
    let facts = [
        code_fact(h.status),
        code_fact(h.attribute),
        code_fact(h.standard),
        code_fact(h.main_cause),
        Fact::Causes(causes),
        opt(h.monitoring.map(code_fact)),
        Fact::Flag(h.monitoring.is_some()),
        opt(c.house_grade.map(code_fact)),
        opt(c.house_structure.map(code_fact)),
        Fact::Flag(c.relocated),
        Fact::Flag(c.electricity),
        Fact::Flag(c.water_safe),
        Fact::Flag(c.water_difficult),
        num(people as f64),
        num(h.members.iter().filter(|m| m.labour.can_work()).count() as f64),
        num(c.arable_land_mu),
        num(c.forest_land_mu),
        num(c.housing_area_m2),
        if people > 0 {
            num(c.housing_area_m2 / people as f64)
        } else {
            Fact::Missing
        },
        num(c.road_distance_km),
        num(f64::from(h.registered_year)),
        opt(h.exit_year.map(|y| num(f64::from(y)))),
        opt(income
            .and_then(|i| i.per_capita(IncomeFormula::CURRENT))
            .map(|f| num(f.0 as f64 / 100.0))),
    ];
    out[..facts.len()].copy_from_slice(&facts);
    out
}

/// The index of the first member field in [`fields`].
pub fn first_member_field() -> usize {
    // asked for every member condition of every measure of every household: found once
    static FIRST: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *FIRST.get_or_init(|| {
        fields()
            .iter()
            .position(|f| f.subject == Subject::Member)
            .unwrap_or(fields().len())
    })
}

/// The facts of a member (age at the end of `year`), indexed like [`fields`] from the first
/// member field.
pub fn member_facts(m: &Member, year: i32) -> Vec<Fact> {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(m.birth_date);
    vec![
        Fact::Number(f64::from(m.age_on(end))),
        code_fact(m.sex),
        code_fact(m.relation),
        code_fact(m.education),
        code_fact(m.schooling),
        code_fact(m.health),
        code_fact(m.labour),
        Fact::Flag(m.labour.can_work()),
        code_fact(m.migrant),
        Fact::Number(f64::from(m.migrant_months)),
        Fact::Flag(m.medical_insurance),
        Fact::Flag(m.pension_insurance),
        Fact::Flag(m.dibao),
        Fact::Flag(m.critical_illness_insurance),
    ]
}

/// A fact as words, for the reasons shown ("5", "学前教育", "是"; in English "pre-school").
pub fn describe(def: &FieldDef, fact: Fact, english: bool) -> String {
    match (def.kind, fact) {
        (_, Fact::Missing) => "—".into(),
        (Kind::Code(names), Fact::Code(i)) => names
            .get(usize::from(i))
            .map_or("?", |n| if english { n.2 } else { n.1 })
            .to_string(),
        (Kind::Causes, Fact::Causes(bits)) => Cause::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, c)| if english { c.en() } else { c.zh() })
            .collect::<Vec<_>>()
            .join(if english { ", " } else { "、" }),
        (_, Fact::Number(n)) if n.fract() == 0.0 => format!("{n:.0}"),
        (_, Fact::Number(n)) => format!("{n:.2}"),
        (_, Fact::Flag(b)) => match (b, english) {
            (true, false) => "是",
            (false, false) => "否",
            (true, true) => "yes",
            (false, true) => "no",
        }
        .into(),
        _ => "?".into(),
    }
}
