//! Village exit (贫困村出列) and county exit (贫困县摘帽), `domain.md` §4.2–4.3.
//!
//! The registry gives poverty incidence. The other criteria come from elsewhere and are loaded
//! as [`Indicator`]s per area and year (`fupin areas indicators FILE`):
//! - for a village, the infrastructure and services of a provincial indicator set [S41];
//! - for a county, the sample survey of the special evaluation (三率一度).
//!
//! A criterion without its figure stays unknown; it is never presumed met. An area meets the
//! exit standard when every required criterion is met. It fails when any of them fails.

use std::collections::BTreeMap;

use crate::assessment::checklist::Outcome;
use crate::policy::{PolicyKey, PolicySet};
use crate::{AreaCode, AreaLevel};

/// A figure about an area that the registry does not hold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// A hardened access road to the village (通硬化路).
    Road,
    /// A passenger bus serves the village (通客车). Only "where conditions allow": shown, not required.
    Bus,
    /// Drinking water meeting the safety indicators (安全饮水).
    Water,
    /// Electricity for production and daily life (生产生活用电).
    Power,
    /// Broadcast TV reaching every household (广播电视户户通).
    Broadcast,
    /// A comprehensive cultural service centre (综合文化服务中心).
    CultureCentre,
    /// A standardised clinic with a qualified rural doctor (标准化卫生室、合格村医).
    Clinic,
    /// Broadband (宽带).
    Broadband,
    /// The village collective economy's income of the year, yuan (村集体经济收入).
    CollectiveIncome,
    /// County sample: exited people surveyed (抽查脱贫人口).
    SampledExited,
    /// … of whom wrongly exited (错退人口).
    WronglyExited,
    /// County sample: non-registered rural people surveyed (抽查非建档立卡人口).
    SampledNonRegistered,
    /// … of whom verified as omitted poor (漏评人口).
    Omitted,
    /// County sample: households asked about their approval (调查户数).
    SurveyedHouseholds,
    /// … of which approving (认可户数).
    ApprovingHouseholds,
}

/// How an indicator's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorKind {
    /// Yes (1) or no (0).
    Flag,
    /// A whole number of people or households.
    Count,
    /// Whole yuan.
    Yuan,
}

impl Indicator {
    pub const ALL: [Indicator; 15] = [
        Self::Road,
        Self::Bus,
        Self::Water,
        Self::Power,
        Self::Broadcast,
        Self::CultureCentre,
        Self::Clinic,
        Self::Broadband,
        Self::CollectiveIncome,
        Self::SampledExited,
        Self::WronglyExited,
        Self::SampledNonRegistered,
        Self::Omitted,
        Self::SurveyedHouseholds,
        Self::ApprovingHouseholds,
    ];

    /// The stored and English column name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Road => "road",
            Self::Bus => "bus",
            Self::Water => "water",
            Self::Power => "power",
            Self::Broadcast => "broadcast",
            Self::CultureCentre => "culture_centre",
            Self::Clinic => "clinic",
            Self::Broadband => "broadband",
            Self::CollectiveIncome => "collective_income",
            Self::SampledExited => "sampled_exited",
            Self::WronglyExited => "wrongly_exited",
            Self::SampledNonRegistered => "sampled_non_registered",
            Self::Omitted => "omitted",
            Self::SurveyedHouseholds => "surveyed_households",
            Self::ApprovingHouseholds => "approving_households",
        }
    }

    /// The Chinese column name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Road => "通硬化路",
            Self::Bus => "通客车",
            Self::Water => "安全饮水",
            Self::Power => "生产生活用电",
            Self::Broadcast => "广播电视户户通",
            Self::CultureCentre => "综合文化服务中心",
            Self::Clinic => "标准化卫生室",
            Self::Broadband => "宽带",
            Self::CollectiveIncome => "村集体经济收入",
            Self::SampledExited => "抽查脱贫人口",
            Self::WronglyExited => "错退人口",
            Self::SampledNonRegistered => "抽查非建档立卡人口",
            Self::Omitted => "漏评人口",
            Self::SurveyedHouseholds => "调查户数",
            Self::ApprovingHouseholds => "认可户数",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim();
        Self::ALL
            .into_iter()
            .find(|i| i.label() == code || i.code().eq_ignore_ascii_case(code))
    }

    /// The level of area the indicator describes.
    pub fn level(self) -> AreaLevel {
        match self {
            Self::SampledExited
            | Self::WronglyExited
            | Self::SampledNonRegistered
            | Self::Omitted
            | Self::SurveyedHouseholds
            | Self::ApprovingHouseholds => AreaLevel::County,
            _ => AreaLevel::Village,
        }
    }

    pub fn kind(self) -> IndicatorKind {
        match self {
            Self::CollectiveIncome => IndicatorKind::Yuan,
            i if i.level() == AreaLevel::County => IndicatorKind::Count,
            _ => IndicatorKind::Flag,
        }
    }

    /// Reads a cell: 是/否/有/无/1/0/yes/no for a flag, a whole number ≥ 0 otherwise
    /// (thousands separators allowed). The error says what was expected.
    pub fn parse_value(self, text: &str) -> Result<i64, String> {
        let t = text.trim();
        match self.kind() {
            IndicatorKind::Flag => match t.to_ascii_lowercase().as_str() {
                "是" | "有" | "通" | "1" | "y" | "yes" | "true" => Ok(1),
                "否" | "无" | "未通" | "0" | "n" | "no" | "false" => Ok(0),
                _ => Err("应为 是/否 / expected yes or no".into()),
            },
            IndicatorKind::Count | IndicatorKind::Yuan => t
                .replace([',', '，'], "")
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| "应为非负整数 / expected a whole number ≥ 0".into()),
        }
    }
}

/// The indicators known for one area and year.
pub type Indicators = BTreeMap<Indicator, i64>;

/// Checks an area's indicators together: each belongs to the area's level, and a part of a
/// sample is not larger than the sample. The error names the indicator and the reason.
pub fn check_indicators(level: AreaLevel, values: &Indicators) -> Result<(), (Indicator, String)> {
    if let Some(i) = values.keys().find(|i| i.level() != level) {
        return Err((
            *i,
            format!(
                "只适用于{} / applies to a {} only",
                i.level().zh(),
                i.level().as_str()
            ),
        ));
    }
    for (part, whole) in SAMPLE_PARTS {
        if let (Some(p), Some(w)) = (values.get(&part), values.get(&whole))
            && p > w
        {
            return Err((
                part,
                format!(
                    "大于{}（{w}） / larger than {} ({w})",
                    whole.label(),
                    whole.code()
                ),
            ));
        }
    }
    Ok(())
}

/// (part, sample) pairs of the county survey.
const SAMPLE_PARTS: [(Indicator, Indicator); 3] = [
    (Indicator::WronglyExited, Indicator::SampledExited),
    (Indicator::Omitted, Indicator::SampledNonRegistered),
    (
        Indicator::ApprovingHouseholds,
        Indicator::SurveyedHouseholds,
    ),
];

/// What an exit criterion tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Registered poor people / rural population.
    Incidence,
    /// (registered poor + estimated omitted + estimated wrongly exited) / rural population.
    ComprehensiveIncidence,
    WrongExitRate,
    OmissionRate,
    Approval,
    /// A village yes/no indicator.
    Facility(Indicator),
    CollectiveIncome,
}

/// A quantity a criterion compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Hundredths of a percent, truncated (so the shown figure agrees with the test).
    Bp(i64),
    Yuan(i64),
    Flag(bool),
}

/// How the value must compare with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Below,
    AtLeast,
    Yes,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CriterionResult {
    pub criterion: Criterion,
    pub outcome: Outcome,
    /// Whether the exit decision depends on it (otherwise it is shown for consideration).
    pub required: bool,
    pub value: Option<Quantity>,
    pub comparison: Comparison,
    pub threshold: Option<Quantity>,
}

/// An area's exit standard for a year: each criterion and the whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExitVerdict {
    pub outcome: Outcome,
    pub criteria: Vec<CriterionResult>,
}

impl ExitVerdict {
    fn of(criteria: Vec<CriterionResult>) -> Self {
        let required = || criteria.iter().filter(|c| c.required);
        let outcome = if required().any(|c| c.outcome == Outcome::NotMet) {
            Outcome::NotMet
        } else if required().any(|c| c.outcome == Outcome::Unknown) {
            Outcome::Unknown
        } else {
            Outcome::Met
        };
        Self { outcome, criteria }
    }

    pub fn get(&self, criterion: Criterion) -> Option<&CriterionResult> {
        self.criteria.iter().find(|c| c.criterion == criterion)
    }
}

/// What the registry says about an area in a year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryCounts {
    /// People of poor households.
    pub poor_members: i64,
    /// People of exited households.
    pub exited_members: i64,
    /// All registered people.
    pub members: i64,
    /// Rural registered population (statistics), if loaded.
    pub rural_population: Option<i64>,
}

/// The exit standard of a village or a county; `None` for other levels.
pub fn exit_verdict(
    policy: &PolicySet,
    area: &AreaCode,
    year: i32,
    counts: &RegistryCounts,
    indicators: &Indicators,
) -> Option<ExitVerdict> {
    match area.level() {
        AreaLevel::Village => Some(village_exit(policy, area, year, counts, indicators)),
        AreaLevel::County => Some(county_exit(policy, area, year, counts, indicators)),
        _ => None,
    }
}

/// The village facilities required for exit, in the order shown (the bus is shown, not required).
const FACILITIES: [Indicator; 8] = [
    Indicator::Road,
    Indicator::Water,
    Indicator::Power,
    Indicator::Broadcast,
    Indicator::CultureCentre,
    Indicator::Clinic,
    Indicator::Broadband,
    Indicator::Bus,
];

fn village_exit(
    policy: &PolicySet,
    area: &AreaCode,
    year: i32,
    counts: &RegistryCounts,
    indicators: &Indicators,
) -> ExitVerdict {
    let threshold = policy.value(PolicyKey::VillageExitIncidenceMaxBp, year, area);
    let mut criteria = vec![below(
        Criterion::Incidence,
        true,
        counts
            .rural_population
            .map(|rural| Ratio::new(counts.poor_members, rural)),
        threshold,
    )];
    for f in FACILITIES {
        let value = indicators.get(&f).map(|v| *v != 0);
        criteria.push(CriterionResult {
            criterion: Criterion::Facility(f),
            outcome: match value {
                Some(true) => Outcome::Met,
                Some(false) => Outcome::NotMet,
                None => Outcome::Unknown,
            },
            required: f != Indicator::Bus,
            value: value.map(Quantity::Flag),
            comparison: Comparison::Yes,
            threshold: None,
        });
    }
    // Collective income is "also considered": it decides only where a province set a minimum.
    let min = policy.value(PolicyKey::VillageCollectiveIncomeMinYuan, year, area);
    let income = indicators.get(&Indicator::CollectiveIncome).copied();
    criteria.push(CriterionResult {
        criterion: Criterion::CollectiveIncome,
        outcome: match (income, min) {
            (Some(v), Some(m)) if v >= m => Outcome::Met,
            (Some(_), Some(_)) => Outcome::NotMet,
            _ => Outcome::Unknown,
        },
        required: min.is_some(),
        value: income.map(Quantity::Yuan),
        comparison: Comparison::AtLeast,
        threshold: min.map(Quantity::Yuan),
    });
    ExitVerdict::of(criteria)
}

fn county_exit(
    policy: &PolicySet,
    area: &AreaCode,
    year: i32,
    counts: &RegistryCounts,
    indicators: &Indicators,
) -> ExitVerdict {
    let get = |i: Indicator| indicators.get(&i).copied();
    let rate = |part: Indicator, whole: Indicator| match (get(part), get(whole)) {
        (Some(p), Some(w)) if w > 0 => Some(Ratio::new(p, w)),
        _ => None,
    };
    let value = |key: PolicyKey| policy.value(key, year, area);
    let wrong = rate(Indicator::WronglyExited, Indicator::SampledExited);
    let omission = rate(Indicator::Omitted, Indicator::SampledNonRegistered);
    let approval = rate(
        Indicator::ApprovingHouseholds,
        Indicator::SurveyedHouseholds,
    );
    let registry = counts
        .rural_population
        .map(|rural| Ratio::new(counts.poor_members, rural));
    let comprehensive = comprehensive_incidence(counts, wrong, omission);
    let incidence_max = value(PolicyKey::CountyIncidenceMaxBp);
    let mut comprehensive = below(
        Criterion::ComprehensiveIncidence,
        true,
        comprehensive,
        incidence_max,
    );
    // The estimates only add to the registered poor: a registry incidence already at the
    // threshold fails the comprehensive test before any survey.
    let registry_test = below(Criterion::Incidence, false, registry, incidence_max);
    if comprehensive.outcome == Outcome::Unknown && registry_test.outcome == Outcome::NotMet {
        comprehensive.outcome = Outcome::NotMet;
    }
    let approval_min = value(PolicyKey::CountyApprovalMinBp);
    ExitVerdict::of(vec![
        registry_test,
        comprehensive,
        below(
            Criterion::WrongExitRate,
            true,
            wrong,
            value(PolicyKey::CountyWrongExitMaxBp),
        ),
        below(
            Criterion::OmissionRate,
            true,
            omission,
            value(PolicyKey::CountyOmissionMaxBp),
        ),
        CriterionResult {
            criterion: Criterion::Approval,
            outcome: match (approval, approval_min) {
                (Some(r), Some(m)) if r.at_least_bp(m) => Outcome::Met,
                (Some(_), Some(_)) => Outcome::NotMet,
                _ => Outcome::Unknown,
            },
            required: true,
            value: approval.map(|r| Quantity::Bp(r.bp())),
            comparison: Comparison::AtLeast,
            threshold: approval_min.map(Quantity::Bp),
        },
    ])
}

/// (poor + omission rate × non-registered population + wrong-exit rate × exited people) / rural
/// population, `domain.md` §4.3; `None` without the population or either rate.
fn comprehensive_incidence(
    counts: &RegistryCounts,
    wrong: Option<Ratio>,
    omission: Option<Ratio>,
) -> Option<Ratio> {
    let (rural, wrong, omission) = (counts.rural_population?, wrong?, omission?);
    let non_registered = i128::from((rural - counts.members).max(0));
    // Over the common denominator omission.den × wrong.den × rural.
    let den = omission.den * wrong.den;
    let num = i128::from(counts.poor_members) * den
        + omission.num * non_registered * wrong.den
        + wrong.num * i128::from(counts.exited_members) * omission.den;
    Some(Ratio {
        num,
        den: den * i128::from(rural),
    })
}

/// An exact fraction, so that "below 2%" is decided without rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    fn new(num: i64, den: i64) -> Self {
        Self {
            num: i128::from(num),
            den: i128::from(den),
        }
    }

    fn valid(self) -> bool {
        self.den > 0 && self.num >= 0
    }

    fn below_bp(self, bp: i64) -> bool {
        self.num * 10_000 < i128::from(bp) * self.den
    }

    fn at_least_bp(self, bp: i64) -> bool {
        !self.below_bp(bp)
    }

    /// In hundredths of a percent, truncated.
    fn bp(self) -> i64 {
        (self.num * 10_000 / self.den) as i64
    }
}

/// A "strictly below the threshold" criterion.
fn below(
    criterion: Criterion,
    required: bool,
    value: Option<Ratio>,
    threshold_bp: Option<i64>,
) -> CriterionResult {
    let value = value.filter(|r| r.valid());
    CriterionResult {
        criterion,
        outcome: match (value, threshold_bp) {
            (Some(r), Some(t)) if r.below_bp(t) => Outcome::Met,
            (Some(_), Some(_)) => Outcome::NotMet,
            _ => Outcome::Unknown,
        },
        required,
        value: value.map(|r| Quantity::Bp(r.bp())),
        comparison: Comparison::Below,
        threshold: threshold_bp.map(Quantity::Bp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> AreaCode {
        AreaCode::parse(c).unwrap()
    }

    fn counts(poor: i64, rural: i64) -> RegistryCounts {
        RegistryCounts {
            poor_members: poor,
            exited_members: 0,
            members: poor,
            rural_population: Some(rural),
        }
    }

    fn all_facilities() -> Indicators {
        FACILITIES.iter().map(|f| (*f, 1)).collect()
    }

    #[test]
    fn village_incidence_must_be_strictly_below_the_threshold_of_the_region() {
        let policy = PolicySet::defaults();
        let east = code("210881001001");
        let west = code("522726100201");
        let f = all_facilities();
        let at = |c: &AreaCode, poor| village_exit(&policy, c, 2019, &counts(poor, 10_000), &f);
        assert_eq!(at(&east, 199).outcome, Outcome::Met);
        assert_eq!(at(&east, 200).outcome, Outcome::NotMet, "exactly 2%");
        assert_eq!(at(&west, 299).outcome, Outcome::Met, "Guizhou: below 3%");
        assert_eq!(at(&west, 300).outcome, Outcome::NotMet, "exactly 3%");
        // one person in 10,001 over 2%: 2.0098%, shown truncated as 2.00% and not met
        let just = village_exit(&policy, &east, 2019, &counts(201, 10_001), &f);
        let inc = just.get(Criterion::Incidence).unwrap();
        assert_eq!(inc.value, Some(Quantity::Bp(200)));
        assert_eq!(inc.outcome, Outcome::NotMet);
        let just_below = village_exit(&policy, &east, 2019, &counts(200, 10_001), &f);
        assert_eq!(just_below.outcome, Outcome::Met, "1.9998%");
    }

    #[test]
    fn a_village_facility_missing_fails_unknown_stays_unknown_the_bus_is_only_shown() {
        let policy = PolicySet::defaults();
        let v = code("522726100201");
        let c = counts(10, 10_000);
        let mut f = all_facilities();
        f.insert(Indicator::Bus, 0);
        assert_eq!(
            village_exit(&policy, &v, 2019, &c, &f).outcome,
            Outcome::Met
        );
        f.remove(&Indicator::Clinic);
        let unknown = village_exit(&policy, &v, 2019, &c, &f);
        assert_eq!(unknown.outcome, Outcome::Unknown);
        assert_eq!(
            unknown
                .get(Criterion::Facility(Indicator::Clinic))
                .unwrap()
                .outcome,
            Outcome::Unknown
        );
        f.insert(Indicator::Road, 0);
        assert_eq!(
            village_exit(&policy, &v, 2019, &c, &f).outcome,
            Outcome::NotMet
        );
        let no_population = RegistryCounts {
            rural_population: None,
            ..c
        };
        assert_eq!(
            village_exit(&policy, &v, 2019, &no_population, &all_facilities()).outcome,
            Outcome::Unknown
        );
    }

    #[test]
    fn collective_income_decides_only_where_a_minimum_is_set() {
        let v = code("522726100201");
        let c = counts(10, 10_000);
        let mut f = all_facilities();
        f.insert(Indicator::CollectiveIncome, 49_999);
        let defaults = PolicySet::defaults();
        let verdict = village_exit(&defaults, &v, 2019, &c, &f);
        let income = verdict.get(Criterion::CollectiveIncome).unwrap();
        assert!(!income.required);
        assert_eq!(verdict.outcome, Outcome::Met);
        let local = PolicySet::new(
            crate::policy::parse_params(
                "key,region,year_from,value,status,source,note\n\
                 village_collective_income_min_yuan,520000000000,2016,50000,local,test,\n",
            )
            .unwrap(),
        );
        let verdict = village_exit(&local, &v, 2019, &c, &f);
        assert_eq!(verdict.outcome, Outcome::NotMet, "one yuan short");
        f.insert(Indicator::CollectiveIncome, 50_000);
        let income = village_exit(&local, &v, 2019, &c, &f);
        assert_eq!(
            income.get(Criterion::CollectiveIncome).unwrap().outcome,
            Outcome::Met,
            "exactly the minimum"
        );
    }

    fn survey(wrong: i64, omitted: i64, approving: i64) -> Indicators {
        [
            (Indicator::SampledExited, 1_000),
            (Indicator::WronglyExited, wrong),
            (Indicator::SampledNonRegistered, 1_000),
            (Indicator::Omitted, omitted),
            (Indicator::SurveyedHouseholds, 1_000),
            (Indicator::ApprovingHouseholds, approving),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn three_rates_one_degree_are_each_a_veto_at_their_thresholds() {
        let policy = PolicySet::defaults();
        let county = code("210881"); // central/eastern: comprehensive incidence < 2%
        let c = RegistryCounts {
            poor_members: 100,
            exited_members: 5_000,
            members: 10_000,
            rural_population: Some(100_000),
        };
        let at = |s: &Indicators| county_exit(&policy, &county, 2019, &c, s);
        assert_eq!(at(&survey(19, 19, 900)).outcome, Outcome::Met);
        let wrong = at(&survey(20, 19, 900));
        assert_eq!(wrong.outcome, Outcome::NotMet, "wrong-exit rate exactly 2%");
        assert_eq!(
            wrong.get(Criterion::WrongExitRate).unwrap().outcome,
            Outcome::NotMet
        );
        assert_eq!(
            at(&survey(19, 20, 900)).outcome,
            Outcome::NotMet,
            "omission 2%"
        );
        let approval = at(&survey(19, 19, 899));
        assert_eq!(approval.outcome, Outcome::NotMet, "approval 89.9%");
        assert_eq!(
            approval.get(Criterion::Approval).unwrap().value,
            Some(Quantity::Bp(8990))
        );
    }

    #[test]
    fn comprehensive_incidence_adds_the_estimated_omitted_and_wrongly_exited() {
        let policy = PolicySet::defaults();
        let county = code("210881");
        // registry 1,000 poor of 100,000 (1%); 20,000 registered, 10,000 exited.
        // omission 1.5% × 80,000 non-registered = 1,200; wrong exits 1% × 10,000 = 100.
        // (1,000 + 1,200 + 100) / 100,000 = 2.3% ≥ 2%: fails though every rate passes.
        let c = RegistryCounts {
            poor_members: 1_000,
            exited_members: 10_000,
            members: 20_000,
            rural_population: Some(100_000),
        };
        let verdict = county_exit(&policy, &county, 2019, &c, &survey(10, 15, 950));
        let ci = verdict.get(Criterion::ComprehensiveIncidence).unwrap();
        assert_eq!(ci.value, Some(Quantity::Bp(230)));
        assert_eq!(ci.outcome, Outcome::NotMet);
        assert_eq!(
            verdict.get(Criterion::Incidence).unwrap().value,
            Some(Quantity::Bp(100))
        );
        assert_eq!(verdict.outcome, Outcome::NotMet);
        // Guizhou (west): below 3%, so the same county passes
        let west = county_exit(&policy, &code("522726"), 2019, &c, &survey(10, 15, 950));
        assert_eq!(west.outcome, Outcome::Met);
    }

    #[test]
    fn without_a_survey_the_county_is_unknown_unless_the_registry_already_fails() {
        let policy = PolicySet::defaults();
        let county = code("210881");
        let none = Indicators::new();
        let low = county_exit(&policy, &county, 2019, &counts(100, 100_000), &none);
        assert_eq!(low.outcome, Outcome::Unknown);
        let high = county_exit(&policy, &county, 2019, &counts(2_000, 100_000), &none);
        assert_eq!(
            high.get(Criterion::ComprehensiveIncidence).unwrap().outcome,
            Outcome::NotMet
        );
        assert_eq!(high.outcome, Outcome::NotMet);
        assert!(exit_verdict(&policy, &code("52"), 2019, &counts(1, 2), &none).is_none());
    }

    #[test]
    fn indicator_cells_and_sets_are_checked() {
        assert_eq!(Indicator::Road.parse_value("是"), Ok(1));
        assert_eq!(Indicator::Road.parse_value(" no "), Ok(0));
        assert!(Indicator::Road.parse_value("2").is_err());
        assert_eq!(
            Indicator::CollectiveIncome.parse_value("52,000"),
            Ok(52_000)
        );
        assert!(Indicator::Omitted.parse_value("-1").is_err());
        assert_eq!(Indicator::parse("安全饮水"), Some(Indicator::Water));
        assert_eq!(
            Indicator::parse("Culture_Centre"),
            Some(Indicator::CultureCentre)
        );
        let mut county = survey(1, 1, 1);
        assert!(check_indicators(AreaLevel::County, &county).is_ok());
        county.insert(Indicator::WronglyExited, 1_001);
        assert_eq!(
            check_indicators(AreaLevel::County, &county).unwrap_err().0,
            Indicator::WronglyExited
        );
        assert_eq!(
            check_indicators(AreaLevel::Village, &survey(1, 1, 1))
                .unwrap_err()
                .0,
            Indicator::SampledExited
        );
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.code()), Some(i));
            assert_eq!(Indicator::parse(i.label()), Some(i));
        }
    }
}
