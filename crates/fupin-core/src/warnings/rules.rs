//! The warning rules. Each looks at facts about one record or household and says whether a
//! person should check it, and why (`domain.md` §3, exclusion rules E1–E4 and E11; §7, the
//! wrong-exit and omission rates). Thresholds that the sources disagree on are settings.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::AreaCode;
use crate::codes::{CodeList, HouseholdStatus};
use crate::departments::{DepartmentKind, DepartmentRecord};
use crate::money::Fen;

code_list! {
    /// What a warning says about a person or household.
    Rule, "预警规则" {
        Payroll = ("payroll", "财政供养人员", "public-payroll staff"),
        Vehicle = ("vehicle", "拥有车辆", "owns a vehicle"),
        Housing = ("housing", "购买商品房", "owns commercial housing"),
        Business = ("business", "工商注册", "registered business"),
        DeadListed = ("dead_listed", "死亡未销户", "dead but still listed"),
        DeadPaid = ("dead_paid", "死亡仍享受政策", "dead but still paid"),
        Duplicate = ("duplicate", "重复登记", "registered twice"),
        Missed = ("missed", "疑似漏评", "probably missed"),
        WrongExit = ("wrong_exit", "疑似错退", "probably exited wrongly"),
        AmountMismatch = ("amount_mismatch", "金额不一致", "amounts disagree"),
        NominalHelp = ("nominal_help", "疑似形式帮扶", "possibly help on paper only"),
    }
}

/// A measure whose delivered amount should equal what a roll pays: records whose category
/// contains `category` are summed (monthly × `months`) and compared with deliveries of
/// `measure` in the same year.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountCheck {
    pub category: String,
    pub measure: String,
    pub months: i64,
}

/// The rules' settings (`fupin warnings --rules FILE`, TOML). The defaults follow
/// `domain.md` §3 where it gives a value; each [UNVERIFIED] one is named in docs/COMPARISON.md.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// Rules that do not raise warnings.
    pub disabled: Vec<Rule>,
    /// E2: a vehicle bought for less is not a warning ("one list says 30,000 yuan").
    pub vehicle_min_price_yuan: i64,
    /// E2: vehicle types that are working tools, not a sign of wealth (matched as parts of the
    /// list's type text).
    pub vehicle_exempt_types: Vec<String>,
    /// Categories of the assistance roll that are means-tested (a household on them has low
    /// income): a record of these not in the registry is a probable omission.
    pub assistance_categories: Vec<String>,
    /// Categories that mean no labour, no income and no one to support (特困): an exited
    /// household on them is a probable wrong exit.
    pub extreme_support_categories: Vec<String>,
    /// Extreme support that began this many years after the exit year at most says the
    /// incapacity was there at the exit; later it is a new hardship for monitoring (防返贫).
    pub wrong_exit_support_within_years: i32,
    /// Amounts that differ by no more than this are the same.
    pub amount_tolerance_yuan: i64,
    pub amount_checks: Vec<AmountCheck>,
    /// Help on paper only: the field visits of this many days before the scan are read (62: the
    /// whole month before and this one so far, whatever the day; fupin's choice) …
    pub nominal_help_days: i64,
    /// … for these patterns (one spot, a shared photo, impossible speed).
    pub nominal_help: crate::field::patterns::PatternSettings,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            disabled: Vec::new(),
            vehicle_min_price_yuan: 30_000,
            vehicle_exempt_types: ["拖拉机", "农用", "收割机", "三轮"]
                .map(String::from)
                .to_vec(),
            assistance_categories: ["低保", "特困"].map(String::from).to_vec(),
            extreme_support_categories: ["特困"].map(String::from).to_vec(),
            wrong_exit_support_within_years: 1,
            amount_tolerance_yuan: 100,
            amount_checks: vec![
                AmountCheck {
                    category: "低保".into(),
                    measure: "SOC-01".into(),
                    months: 12,
                },
                AmountCheck {
                    category: "特困".into(),
                    measure: "SOC-02".into(),
                    months: 12,
                },
            ],
            nominal_help_days: 62,
            nominal_help: Default::default(),
        }
    }
}

impl RuleSettings {
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        !self.disabled.contains(&rule)
    }
}

/// The household a linked member belongs to, as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFacts {
    pub id: i64,
    pub number: String,
    pub village: AreaCode,
    pub status: HouseholdStatus,
    pub exit_year: Option<i32>,
    /// Currently a monitoring object (监测对象).
    pub monitored: bool,
    /// Moved by relocation (易地扶贫搬迁): exempt from the housing rule (E3).
    pub relocated: bool,
    pub members: u32,
}

impl HouseholdFacts {
    /// Why an exclusion found at `event` (the registration, purchase or start date) concerns
    /// this household: it is poor or monitored now, or it owned the thing while it was
    /// registered poor. `None` for a household exited before (success is not fraud), removed or
    /// closed.
    fn registered_when(&self, event: Option<NaiveDate>) -> Option<String> {
        if self.status.is_poor() || (self.monitored && !self.is_gone()) {
            return Some(format!("户状态：{}", self.status.zh()));
        }
        match (self.status.is_exited(), self.exit_year, event) {
            (true, Some(exit), Some(day)) if day.year() <= exit => {
                Some(format!("{}登记于{exit}年退出之前", crate::date::iso(day)))
            }
            _ => None,
        }
    }

    fn is_gone(&self) -> bool {
        matches!(
            self.status,
            HouseholdStatus::Removed | HouseholdStatus::Closed
        )
    }
}

/// A department record as evidence: where it came from and what it says.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListEntry {
    pub source: String,
    pub kind: DepartmentKind,
    pub snapshot_id: i64,
    pub row_no: i64,
    pub record: DepartmentRecord,
}

impl ListEntry {
    /// The record's content: a record delivered again unchanged is the same evidence.
    fn fingerprint(&self) -> String {
        let r = &self.record;
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.source,
            r.key,
            r.id_number,
            r.date.map(crate::date::iso).unwrap_or_default(),
            r.amount.map_or(String::new(), |a| a.0.to_string()),
            r.detail
        )
    }

    fn category_is(&self, categories: &[String]) -> bool {
        categories
            .iter()
            .any(|c| !c.is_empty() && self.record.detail.contains(c.as_str()))
    }
}

/// The link that tied a record to a member, as the warning shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkFacts {
    pub member_id_number: String,
    pub member_name: String,
    pub probability: f64,
    /// Which fields agreed and how much each weighed, in both languages at once
    /// (`compare::explain_text`): kept for the command line and warnings raised before
    /// [`LinkFacts::parts`].
    pub explanation: String,
    /// The same field by field, for a page to word in its own language.
    #[serde(default)]
    pub parts: Vec<LinkPart>,
}

/// How one field of a record compared with the member it was linked to: "出生日期一致" /
/// "birth date equal", and its weight in bits (none where the ID number alone decided).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkPart {
    pub zh: String,
    pub en: String,
    pub weight: Option<f64>,
}

/// A measure delivered (measure_deliveries), as the death and amount rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub measure: String,
    /// '' for the whole household.
    pub member_id_number: String,
    pub year: i32,
    pub delivered_on: Option<NaiveDate>,
    pub amount: Option<Fen>,
}

/// Everything a warning shows as its grounds.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// The department record(s) behind it.
    pub records: Vec<ListEntry>,
    pub link: Option<LinkFacts>,
    /// The rule's reasoning, one line per fact (zh).
    pub facts: Vec<String>,
    /// Names of registry members the facts quote (masked with them for a viewer who may not
    /// see names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// The field visits it is about (help on paper only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visits: Vec<i64>,
}

/// What a rule found: a warning to open unless one with the same key exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    /// The area responsible for checking it (a village, or coarser when unknown).
    pub area: AreaCode,
    pub household_id: Option<i64>,
    /// The other household of a duplicate.
    pub related_household_id: Option<i64>,
    pub subject: String,
    pub evidence: Evidence,
    /// Stable for the same evidence: a dismissed warning is not raised again for it.
    pub key: String,
}

fn finding(
    rule: Rule,
    household: &HouseholdFacts,
    entry: &ListEntry,
    link: &LinkFacts,
    facts: Vec<String>,
    key_extra: &str,
) -> Finding {
    Finding {
        rule,
        area: household.village.clone(),
        household_id: Some(household.id),
        related_household_id: None,
        subject: format!("{} {}", household.number, link.member_name),
        key: format!(
            "{}|{}|{}{key_extra}",
            rule.code(),
            link.member_id_number,
            entry.fingerprint()
        ),
        evidence: Evidence {
            records: vec![entry.clone()],
            link: Some(link.clone()),
            facts,
            names: Vec::new(),
            visits: Vec::new(),
        },
    }
}

/// The warnings one record linked (as a match) to a member raises: E1–E4 for the exclusion
/// lists, the death rules for the death register, a wrong exit for the extreme-support roll.
pub fn check_linked(
    entry: &ListEntry,
    link: &LinkFacts,
    household: &HouseholdFacts,
    deliveries: &[Delivery],
    settings: &RuleSettings,
) -> Vec<Finding> {
    let r = &entry.record;
    let mut found = Vec::new();
    let exclusion = match entry.kind {
        DepartmentKind::Payroll => Some(Rule::Payroll),
        DepartmentKind::Vehicle => Some(Rule::Vehicle),
        DepartmentKind::Housing => Some(Rule::Housing),
        DepartmentKind::Business => Some(Rule::Business),
        _ => None,
    };
    if let Some(rule) = exclusion.filter(|r| settings.enabled(*r))
        && let Some(mut facts) = exclusion_facts(rule, entry, household, settings)
        && let Some(when) = household.registered_when(r.date)
    {
        facts.push(when);
        found.push(finding(rule, household, entry, link, facts, ""));
    }
    if entry.kind == DepartmentKind::Death {
        found.extend(dead(entry, link, household, deliveries, settings));
    }
    if entry.kind == DepartmentKind::Assistance
        && settings.enabled(Rule::WrongExit)
        && household.status.is_exited()
        && entry.category_is(&settings.extreme_support_categories)
        && let (Some(exit), Some(start)) = (household.exit_year, r.date)
        && (exit..=exit + settings.wrong_exit_support_within_years).contains(&start.year())
    {
        let facts = vec![
            format!("{exit}年退出"),
            format!(
                "{}起纳入{}（无劳动能力、无收入来源）",
                crate::date::iso(start),
                r.detail
            ),
        ];
        found.push(finding(Rule::WrongExit, household, entry, link, facts, ""));
    }
    found
}

/// Why an exclusion list's record counts against the household; `None` when it does not
/// (a cheap or working vehicle, a relocated household's town flat).
fn exclusion_facts(
    rule: Rule,
    entry: &ListEntry,
    household: &HouseholdFacts,
    settings: &RuleSettings,
) -> Option<Vec<String>> {
    let r = &entry.record;
    let what = format!("{}：{}", entry.source, r.detail);
    match rule {
        Rule::Vehicle => {
            if settings
                .vehicle_exempt_types
                .iter()
                .any(|t| !t.is_empty() && r.detail.contains(t.as_str()))
            {
                return None;
            }
            let min = Fen::from_yuan(settings.vehicle_min_price_yuan);
            match r.amount {
                Some(price) if price < min => None,
                Some(price) => Some(vec![
                    what,
                    format!(
                        "购置价格{}元，不低于{}元",
                        price.yuan_string(),
                        min.yuan_string()
                    ),
                ]),
                None => Some(vec![what, "购置价格未知".into()]),
            }
        }
        Rule::Housing if household.relocated => None,
        _ => Some(vec![what]),
    }
}

/// E11: a member on the death register is still in a live household; paid after death.
fn dead(
    entry: &ListEntry,
    link: &LinkFacts,
    household: &HouseholdFacts,
    deliveries: &[Delivery],
    settings: &RuleSettings,
) -> Vec<Finding> {
    let mut found = Vec::new();
    if household.is_gone() {
        return found;
    }
    let died = entry.record.date;
    let died_text = died.map_or_else(|| "日期不详".to_string(), crate::date::iso);
    if settings.enabled(Rule::DeadListed) {
        let facts = vec![
            format!("{}记载死亡（{died_text}）", entry.source),
            format!("仍为户内成员，户状态：{}", household.status.zh()),
        ];
        found.push(finding(Rule::DeadListed, household, entry, link, facts, ""));
    }
    let Some(died) = died else { return found };
    // the member's own measures, and the household's when the member was all of it
    let after: Vec<&Delivery> = deliveries
        .iter()
        .filter(|d| {
            (d.member_id_number == link.member_id_number
                || (d.member_id_number.is_empty() && household.members <= 1))
                && d.delivered_on.is_some_and(|on| on > died)
        })
        .collect();
    if settings.enabled(Rule::DeadPaid) && !after.is_empty() {
        let mut facts = vec![format!("{}记载死亡（{died_text}）", entry.source)];
        let mut codes = Vec::new();
        for d in &after {
            codes.push(d.measure.as_str());
            facts.push(format!(
                "{} {}于{}落实{}",
                d.measure,
                d.amount
                    .map_or(String::new(), |a| format!("{}元", a.yuan_string())),
                d.delivered_on.map(crate::date::iso).unwrap_or_default(),
                if d.member_id_number.is_empty() {
                    "（户）"
                } else {
                    ""
                }
            ));
        }
        let extra = format!("|{}", codes.join(","));
        found.push(finding(
            Rule::DeadPaid,
            household,
            entry,
            link,
            facts,
            &extra,
        ));
    }
    found
}

/// 漏评: a means-tested assistance record that links to no registry member. Assigned to the
/// area its place names (the deepest one `known` knows), else to `fallback`. A run over
/// `run_area` compared the record with that area's members only: a record placed outside it
/// found nobody because its people are registered elsewhere, so it is not this run's omission.
pub fn check_unlinked(
    entry: &ListEntry,
    known: impl Fn(&AreaCode) -> bool,
    run_area: Option<&AreaCode>,
    fallback: &AreaCode,
    settings: &RuleSettings,
) -> Option<Finding> {
    if entry.kind != DepartmentKind::Assistance
        || !settings.enabled(Rule::Missed)
        || !entry.category_is(&settings.assistance_categories)
    {
        return None;
    }
    let r = &entry.record;
    if let (Some(run), Some(placed)) = (run_area, responsible_area(&r.place, |_| true))
        && !run.contains(&placed)
        && !placed.contains(run)
    {
        return None;
    }
    let area = responsible_area(&r.place, known).unwrap_or_else(|| fallback.clone());
    let mut facts = vec![
        format!("{}：{}，未在建档立卡库中找到此人", entry.source, r.detail),
        "低保、特困经家计调查认定，收入低于当地标准".to_string(),
    ];
    if let Some(a) = r.amount {
        facts.push(format!("月保障金额{}元", a.yuan_string()));
    }
    Some(Finding {
        rule: Rule::Missed,
        area,
        household_id: None,
        related_household_id: None,
        subject: r.name.clone(),
        key: format!("{}|{}", Rule::Missed.code(), entry.fingerprint()),
        evidence: Evidence {
            records: vec![entry.clone()],
            link: None,
            facts,
            names: Vec::new(),
            visits: Vec::new(),
        },
    })
}

/// The deepest area of `place` (a 6-, 9- or 12-digit code) that `known` knows.
pub fn responsible_area(place: &str, known: impl Fn(&AreaCode) -> bool) -> Option<AreaCode> {
    let digits: String = place.chars().filter(char::is_ascii_digit).collect();
    [12, 9, 6, 4]
        .into_iter()
        .filter(|n| digits.len() >= *n)
        .filter_map(|n| AreaCode::parse(&digits[..n]).ok())
        .find(|a| known(a))
}

/// A household's per-capita net income in one year, with that year's exit line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearIncome {
    pub year: i32,
    pub per_capita: Fen,
    pub line: Fen,
}

/// 错退 on the registry's own figures: an exited household whose per-capita net income in a
/// year from its exit on was not above that year's exit line.
pub fn check_exit_income(
    household: &HouseholdFacts,
    incomes: &[YearIncome],
    settings: &RuleSettings,
) -> Option<Finding> {
    let exit = household.exit_year?;
    if !settings.enabled(Rule::WrongExit) || !household.status.is_exited() {
        return None;
    }
    let YearIncome {
        year,
        per_capita: income,
        line,
    } = incomes.iter().filter(|i| i.year >= exit).find(|i| {
        crate::income::standing(Some(i.per_capita), Some(i.line))
            == crate::income::LineStanding::NotAbove
    })?;
    Some(Finding {
        rule: Rule::WrongExit,
        area: household.village.clone(),
        household_id: Some(household.id),
        related_household_id: None,
        subject: household.number.clone(),
        key: format!(
            "{}|{}|{year}|{}",
            Rule::WrongExit.code(),
            household.number,
            income.0
        ),
        evidence: Evidence {
            records: Vec::new(),
            link: None,
            facts: vec![
                format!("{exit}年退出"),
                format!(
                    "{year}年人均纯收入{}元，未高于退出标准{}元",
                    income.yuan_string(),
                    line.yuan_string()
                ),
            ],
            names: Vec::new(),
            visits: Vec::new(),
        },
    })
}

/// Amounts recorded as delivered that disagree with what a roll pays the household's members
/// (`linked`: the household's matched records of one list). Silent where nothing was recorded
/// as delivered: a missing delivery is a gap in measures, not a disagreement.
pub fn check_amounts(
    household: &HouseholdFacts,
    linked: &[(ListEntry, LinkFacts)],
    deliveries: &[Delivery],
    year: i32,
    settings: &RuleSettings,
) -> Vec<Finding> {
    if !settings.enabled(Rule::AmountMismatch) {
        return Vec::new();
    }
    let tolerance = Fen::from_yuan(settings.amount_tolerance_yuan);
    let mut found = Vec::new();
    for check in &settings.amount_checks {
        let on_roll: Vec<&(ListEntry, LinkFacts)> = linked
            .iter()
            .filter(|(e, _)| e.record.detail.contains(check.category.as_str()))
            .filter(|(e, _)| e.record.amount.is_some())
            .collect();
        let recorded: Vec<&Delivery> = deliveries
            .iter()
            .filter(|d| d.measure == check.measure && d.year == year)
            .collect();
        if on_roll.is_empty() || recorded.is_empty() {
            continue;
        }
        let paid: i64 = on_roll
            .iter()
            .filter_map(|(e, _)| e.record.amount)
            .map(|a| a.0 * check.months)
            .sum();
        let delivered: i64 = recorded.iter().filter_map(|d| d.amount).map(|a| a.0).sum();
        if (paid - delivered).abs() <= tolerance.0 {
            continue;
        }
        let source = &on_roll[0].0.source;
        let facts = vec![
            format!(
                "{source}：{}人，每月合计{}元，全年{}元",
                on_roll.len(),
                Fen(paid / check.months.max(1)).yuan_string(),
                Fen(paid).yuan_string()
            ),
            format!(
                "{year}年措施{}记录落实{}元，相差{}元",
                check.measure,
                Fen(delivered).yuan_string(),
                Fen(delivered - paid).yuan_string()
            ),
        ];
        let members: Vec<&str> = on_roll
            .iter()
            .map(|(_, l)| l.member_id_number.as_str())
            .collect();
        found.push(Finding {
            rule: Rule::AmountMismatch,
            area: household.village.clone(),
            household_id: Some(household.id),
            related_household_id: None,
            subject: household.number.clone(),
            key: format!(
                "{}|{}|{}|{year}|{paid}|{delivered}|{}",
                Rule::AmountMismatch.code(),
                household.number,
                check.measure,
                members.join(",")
            ),
            evidence: Evidence {
                records: on_roll.iter().map(|(e, _)| e.clone()).collect(),
                link: on_roll.first().map(|(_, l)| l.clone()),
                facts,
                names: Vec::new(),
                visits: Vec::new(),
            },
        });
    }
    found
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.rule.zh(),
            self.subject,
            self.evidence.facts.join("；")
        )
    }
}
