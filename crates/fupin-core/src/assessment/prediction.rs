//! Expected exit year of a poor household, with the reasons. The earliest of:
//! - its per-capita income projected along its own recent trend until it stands above the year's
//!   exit line;
//! - the year by which half of its county's remaining poor would have exited (exits came in
//!   county campaigns, not one household at a time). Each coming year the county exits the
//!   larger of its present pace (the share of its poor that exited in the year) and what is
//!   left to clear by the campaign's end (all registered poor out by 2020: a third of those
//!   left with three years to go, all of them in 2020). So the pace rises towards the
//!   deadline, as it did; after 2020, the present pace alone;
//!
//! then no earlier than the non-income shortfalls can be fixed (a house rebuilt or a water
//! project: about a year).
//!
//! Measures (as the year's matching found them, [`MeasureStanding`]) enter in two ways: an
//! income-raising measure delivered in the year (a job, an industry award, a ranger post, a
//! loan) lifts a weaker trend to the usual growth, since its income has only begun; housing
//! measures, and relocation measures of a household yet to move, that it is entitled to but has
//! not had take about a year, like a house to rebuild. Other undelivered measures are named as the help still owed.
//!
//! Deliberately simple and explainable; how often it is right on the generated history is
//! measured by `fupin assess --evaluate` and reported in BENCHMARKS.md.

use crate::assessment::checklist::{Checklist, Dimension, Outcome};
use crate::income::{IncomeFormula, IncomeYear};
use crate::measures::{Catalogue, Category, Measure};
use crate::message::{Message, Strings};
use crate::money::Fen;

/// Growth assumed when a household has no usable trend (about rural income growth in the
/// 2010s); also the bounds a trend is clamped to, so that one odd year does not decide.
pub const DEFAULT_GROWTH: f64 = 0.08;
pub const GROWTH_BOUNDS: (f64, f64) = (-0.10, 0.30);
/// Years looked ahead; beyond, no exit is expected without more help.
pub const HORIZON: i32 = 10;
/// Growth of the line for years with no line configured (about the yearly price adjustment).
pub const LINE_GROWTH: f64 = 0.03;
/// The year by which every registered poor household was to exit (到2020年现行标准下农村贫困人口
/// 实现脱贫); a year after it sets no deadline.
pub const CAMPAIGN_END: i32 = 2020;

/// The first year after `year` by which half of a county's poor at the end of `year` would
/// have exited, each year leaving at the larger of `pace` and the share still to clear by the
/// campaign's end (`None`: not within the horizon).
pub fn county_half_exit_year(year: i32, pace: Option<f64>) -> Option<i32> {
    let pace = pace
        .filter(|p| p.is_finite())
        .unwrap_or(0.0)
        .clamp(0.0, 1.0);
    let mut staying = 1.0;
    for y in year + 1..=year + HORIZON {
        let to_clear = if y <= CAMPAIGN_END {
            1.0 / f64::from(CAMPAIGN_END - y + 1)
        } else {
            0.0
        };
        staying *= 1.0 - pace.max(to_clear);
        if staying <= 0.5 + 1e-9 {
            return Some(y);
        }
    }
    None
}

/// A household's measures of the year as they bear on its exit: names of measures from the
/// catalogue, each once however many members have it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureStanding<'c> {
    /// Income-raising measures (employment, industry, credit, ecological) delivered.
    pub income_delivered: Vec<&'c str>,
    /// Income-raising measures entitled but not delivered.
    pub income_gaps: Vec<&'c str>,
    /// Housing measures, and relocation measures of a household still to move, entitled but not
    /// delivered (about a year's work: a house to build, a family to move).
    pub slow_gaps: Vec<&'c str>,
    /// Any other measure entitled but not delivered (deliverable within the year).
    pub other_gaps: Vec<&'c str>,
}

impl<'c> MeasureStanding<'c> {
    /// From a matching's code lists ("EDU-01:2,MED-02": codes, a member's seq after a colon);
    /// codes the catalogue does not know are passed over. For a household already `relocated`,
    /// relocation measures are the subsidy of a move made and the support after it: owed, but
    /// not a year's work.
    pub fn from_codes(
        catalogue: &'c Catalogue,
        entitled: &str,
        gaps: &str,
        relocated: bool,
    ) -> Self {
        let names = |list: &str| -> Vec<&'c Measure> {
            let mut out: Vec<&Measure> = Vec::new();
            for code in list.split(',').map(|c| c.split(':').next().unwrap_or(c)) {
                if let Some(m) = catalogue.measure(code)
                    && !out.iter().any(|o| o.code == m.code)
                {
                    out.push(m);
                }
            }
            out
        };
        let gaps = names(gaps);
        let mut standing = MeasureStanding::default();
        for m in names(entitled) {
            let gap = gaps.iter().any(|g| g.code == m.code);
            let list = match (raises_income(m.category), gap) {
                (true, false) => &mut standing.income_delivered,
                (true, true) => &mut standing.income_gaps,
                (false, false) => continue,
                (false, true)
                    if m.category == Category::Housing
                        || (m.category == Category::Relocation && !relocated) =>
                {
                    &mut standing.slow_gaps
                }
                (false, true) => &mut standing.other_gaps,
            };
            list.push(m.name.as_str());
        }
        standing
    }
}

/// Measures whose point is income the household earns from them.
fn raises_income(c: Category) -> bool {
    matches!(
        c,
        Category::Employment | Category::Industry | Category::Credit | Category::Ecological
    )
}

/// `message` naming a short list of `names` as `{names}`: "甲、乙等3项" / "a, b and 1 more".
fn with_names(message: Message, names: &[&str]) -> Message {
    message.with_label("names", some_names(names, false), some_names(names, true))
}

/// "甲、乙等3项" / "a, b and 1 more": a short list of names for a reason.
fn some_names(names: &[&str], english: bool) -> String {
    const SHOWN: usize = 2;
    let shown = names[..names.len().min(SHOWN)].join(if english { ", " } else { "、" });
    match (names.len() > SHOWN, english) {
        (false, _) => shown,
        (true, false) => format!("{shown}等{}项", names.len()),
        (true, true) => format!("{shown} and {} more", names.len() - SHOWN),
    }
}

/// The expected exit year (`None`: not within the horizon, or not poor) and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Prediction {
    pub expected_exit_year: Option<i32>,
    /// The yearly growth used, as a fraction.
    pub growth: Option<f64>,
    pub reasons: Vec<Message>,
}

fn per_capita(i: &IncomeYear) -> Option<f64> {
    i.per_capita(IncomeFormula::CURRENT).map(|f| f.0 as f64)
}

/// Yearly growth of per-capita income from the earliest of `incomes` before `year` to `year`,
/// clamped; `None` without two positive figures.
pub fn income_trend(incomes: &[IncomeYear], year: i32) -> Option<f64> {
    let now = incomes
        .iter()
        .find(|i| i.year == year)
        .and_then(per_capita)?;
    let (then_year, then) = incomes
        .iter()
        .filter(|i| i.year < year)
        .filter_map(|i| per_capita(i).map(|p| (i.year, p)))
        .min_by_key(|(y, _)| *y)?;
    if now <= 0.0 || then <= 0.0 {
        return None;
    }
    let g = (now / then).powf(1.0 / f64::from(year - then_year)) - 1.0;
    Some(g.clamp(GROWTH_BOUNDS.0, GROWTH_BOUNDS.1))
}

/// Predicts the exit year of a household poor at the end of `year`. `line(y)` is year y's exit
/// income line for the household's place where configured.
/// `pace` is the share of the county's households poor at the end of the year before that exited
/// in `year`, when known.
pub fn predict(
    incomes: &[IncomeYear],
    checklist: &Checklist,
    year: i32,
    line: &dyn Fn(i32) -> Option<Fen>,
    pace: Option<f64>,
    measures: Option<&MeasureStanding>,
) -> Prediction {
    let mut reasons = Vec::new();
    let none = MeasureStanding::default();
    let measures = measures.unwrap_or(&none);
    let Some(now) = incomes.iter().find(|i| i.year == year).and_then(per_capita) else {
        reasons.push(Message::new("predict.no_income").with("year", year));
        return Prediction {
            expected_exit_year: None,
            growth: None,
            reasons,
        };
    };
    let growth = match income_trend(incomes, year) {
        Some(g) => {
            reasons.push(Message::new("predict.trend").with("rate", format!("{:.1}", g * 100.0)));
            g
        }
        None => {
            reasons.push(
                Message::new("predict.no_trend")
                    .with("rate", format!("{:.0}", DEFAULT_GROWTH * 100.0)),
            );
            DEFAULT_GROWTH
        }
    };
    let growth = if !measures.income_delivered.is_empty() && growth < DEFAULT_GROWTH {
        reasons.push(with_names(
            Message::new("predict.measures_delivered")
                .with("rate", format!("{:.0}", DEFAULT_GROWTH * 100.0)),
            &measures.income_delivered,
        ));
        DEFAULT_GROWTH
    } else {
        growth
    };
    if !measures.income_gaps.is_empty() {
        reasons.push(with_names(
            Message::new("predict.income_owed"),
            &measures.income_gaps,
        ));
    }
    // the line of a year, carried forward at LINE_GROWTH past the last one configured
    let mut last_line: Option<(i32, f64)> = line(year).map(|f| (year, f.0 as f64));
    let mut line_of = |y: i32| -> Option<f64> {
        if let Some(f) = line(y) {
            last_line = Some((y, f.0 as f64));
            return Some(f.0 as f64);
        }
        last_line.map(|(ly, lv)| lv * (1.0 + LINE_GROWTH).powi(y - ly))
    };
    let mut income_exit = None;
    for n in 1..=HORIZON {
        let y = year + n;
        let projected = now * (1.0 + growth).powi(n);
        match line_of(y) {
            Some(l) if projected > l => {
                income_exit = Some(y);
                reasons.push(
                    Message::new("predict.passes_line")
                        .with("year", y)
                        .with("income", format!("{:.0}", projected / 100.0))
                        .with("line", format!("{:.0}", l / 100.0)),
                );
                break;
            }
            Some(_) => {}
            None => {
                reasons.push(Message::new("predict.no_line"));
                break;
            }
        }
    }
    if income_exit.is_none() && reasons.last().is_none_or(|r| r.key != "predict.no_line") {
        reasons.push(Message::new("predict.not_within").with("years", HORIZON));
    }
    let by_county = county_half_exit_year(year, pace).inspect(|y| {
        if let Some(rate) = pace {
            reasons.push(
                Message::new("predict.county_pace")
                    .with("rate", format!("{:.0}", rate * 100.0))
                    .with("year", year),
            );
        }
        if year < CAMPAIGN_END {
            reasons.push(
                Message::new("predict.county_half_campaign")
                    .with("end", CAMPAIGN_END)
                    .with("year", y),
            );
        } else {
            reasons.push(Message::new("predict.county_half").with("year", y));
        }
    });
    let Some(earliest) = [income_exit, by_county].into_iter().flatten().min() else {
        reasons.push(Message::new("predict.more_help"));
        return Prediction {
            expected_exit_year: None,
            growth: Some(growth),
            reasons,
        };
    };
    // a house to rebuild or a water project takes about a year; the rest is fixed within one
    let slow: Vec<Dimension> = [Dimension::SafeHousing, Dimension::SafeWater]
        .into_iter()
        .filter(|d| checklist.outcome(*d) == Outcome::NotMet)
        .collect();
    let quick: Vec<Dimension> = [Dimension::CompulsoryEducation, Dimension::BasicMedical]
        .into_iter()
        .filter(|d| checklist.outcome(*d) == Outcome::NotMet)
        .collect();
    let mut expected = earliest;
    if !measures.slow_gaps.is_empty() {
        expected = expected.max(year + 2);
        reasons.push(with_names(
            Message::new("predict.slow_owed"),
            &measures.slow_gaps,
        ));
    }
    if !measures.other_gaps.is_empty() {
        reasons.push(with_names(
            Message::new("predict.other_owed"),
            &measures.other_gaps,
        ));
    }
    if !slow.is_empty() {
        expected = expected.max(year + 2);
        reasons.push(with_dimensions(Message::new("predict.slow_fix"), &slow));
    }
    if !quick.is_empty() {
        reasons.push(with_dimensions(Message::new("predict.quick_fix"), &quick));
    }
    Prediction {
        expected_exit_year: Some(expected),
        growth: Some(growth),
        reasons,
    }
}

/// `message` naming the checklist's `dimensions` as `{dimensions}`.
fn with_dimensions(message: Message, dimensions: &[Dimension]) -> Message {
    let zh: Vec<&str> = dimensions.iter().map(|d| d.zh()).collect();
    let en: Vec<&str> = dimensions.iter().map(|d| d.en()).collect();
    message.with_list("dimensions", &zh, &en)
}

/// The texts of the prediction's reasons.
pub const MESSAGES: Strings = &[
    (
        "predict.no_income",
        "{year}年无收入记录，无法预测",
        "no income recorded for {year}",
    ),
    (
        "predict.trend",
        "近年人均纯收入年增长{rate}%",
        "per-capita income growing {rate}% a year",
    ),
    (
        "predict.no_trend",
        "收入趋势不足，按年增长{rate}%估算",
        "no trend: {rate}% a year assumed",
    ),
    (
        "predict.measures_delivered",
        "已落实增收措施（{names}），收入按年增长{rate}%估算",
        "income measures delivered ({names}): {rate}% a year assumed",
    ),
    (
        "predict.income_owed",
        "应享未落实的增收措施：{names}（未计入预测）",
        "income measures owed, not counted: {names}",
    ),
    (
        "predict.passes_line",
        "预计{year}年人均纯收入约{income}元，超过标准{line}元",
        "about {income} yuan in {year}, above the line of {line}",
    ),
    (
        "predict.no_line",
        "未配置脱贫标准",
        "no exit line configured",
    ),
    (
        "predict.not_within",
        "按当前趋势{years}年内收入难以超过标准",
        "income does not pass the line within {years} years on its trend",
    ),
    (
        "predict.county_pace",
        "本县上年贫困户{rate}%于{year}年脱贫",
        "{rate}% of the county's poor exited in {year}",
    ),
    (
        "predict.county_half_campaign",
        "按此进度并于{end}年前全部脱贫，本县剩余贫困户约{year}年过半脱贫",
        "at that pace, and all out by {end}, half the county's remaining poor are out by {year}",
    ),
    (
        "predict.county_half",
        "按此进度本县剩余贫困户约{year}年过半脱贫",
        "at that pace half the county's remaining poor are out by {year}",
    ),
    ("predict.more_help", "需加大帮扶", "more help needed"),
    (
        "predict.slow_owed",
        "应享未落实：{names}，约需一年",
        "owed: {names}, about a year",
    ),
    (
        "predict.other_owed",
        "应享未落实：{names}，当年可落实",
        "owed: {names}, deliverable within the year",
    ),
    (
        "predict.slow_fix",
        "{dimensions}未达标，改造约需一年",
        "{dimensions} to fix: about a year",
    ),
    (
        "predict.quick_fix",
        "{dimensions}未达标，当年可解决",
        "{dimensions} can be fixed within the year",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A reason in both languages, to look for words of either.
    fn text(r: &Message) -> String {
        r.bilingual(&[MESSAGES]).unwrap()
    }
    use crate::assessment::checklist::{Check, Checklist};

    fn income(year: i32, per_capita_yuan: i64) -> IncomeYear {
        IncomeYear {
            year,
            wage: Fen(per_capita_yuan * 100),
            business: Fen(0),
            property: Fen(0),
            transfer: Fen(0),
            production_expenditure: Fen(0),
            household_size: 1,
        }
    }

    fn checklist(not_met: &[Dimension]) -> Checklist {
        Checklist {
            year: 2026,
            checks: Dimension::ALL
                .iter()
                .map(|d| Check {
                    dimension: *d,
                    outcome: if not_met.contains(d) {
                        Outcome::NotMet
                    } else {
                        Outcome::Met
                    },
                    fields: vec![],
                    evidence: crate::Message::new("check.not_graded"),
                })
                .collect(),
        }
    }

    fn flat_line(_: i32) -> Option<Fen> {
        Some(Fen(300_000))
    }

    #[test]
    fn the_trend_is_the_yearly_rate_over_the_years_known() {
        let incomes = [income(2023, 1000), income(2026, 1331)];
        let g = income_trend(&incomes, 2026).unwrap();
        assert!((g - 0.10).abs() < 1e-9, "{g}");
        // clamped
        let wild = [income(2025, 100), income(2026, 1000)];
        assert_eq!(income_trend(&wild, 2026), Some(GROWTH_BOUNDS.1));
        assert_eq!(income_trend(&[income(2026, 1000)], 2026), None);
    }

    #[test]
    fn exit_is_the_first_year_strictly_above_the_line() {
        // 2,500 growing 10%: 2,750 (2027), 3,025 (2028) > 3,000
        let incomes = [income(2025, 2273), income(2026, 2500)];
        let p = predict(&incomes, &checklist(&[]), 2026, &flat_line, None, None);
        assert_eq!(p.expected_exit_year, Some(2028), "{p:?}");
        assert!(p.reasons.iter().any(|r| text(r).contains("2028")));
        // exactly reaching the line is not above it: 3,000 in 2027 → exit 2028
        let exact = [income(2025, 2500), income(2026, 2727)];
        let p = predict(
            &exact,
            &checklist(&[]),
            2026,
            &|_| Some(Fen(300_000)),
            None,
            None,
        );
        assert!(p.expected_exit_year.unwrap() >= 2027);
    }

    #[test]
    fn slow_shortfalls_delay_and_quick_ones_do_not() {
        let incomes = [income(2025, 2900), income(2026, 2990)];
        let base = predict(&incomes, &checklist(&[]), 2026, &flat_line, None, None);
        assert_eq!(base.expected_exit_year, Some(2027));
        let house = predict(
            &incomes,
            &checklist(&[Dimension::SafeHousing]),
            2026,
            &flat_line,
            None,
            None,
        );
        assert_eq!(house.expected_exit_year, Some(2028), "{house:?}");
        let medical = predict(
            &incomes,
            &checklist(&[Dimension::BasicMedical]),
            2026,
            &flat_line,
            None,
            None,
        );
        assert_eq!(medical.expected_exit_year, Some(2027));
        assert!(medical.reasons.iter().any(|r| text(r).contains("基本医疗")));
    }

    #[test]
    fn no_exit_without_growth_or_income() {
        let falling = [income(2025, 2000), income(2026, 1900)];
        let p = predict(&falling, &checklist(&[]), 2026, &flat_line, None, None);
        assert_eq!(p.expected_exit_year, None);
        assert!(text(p.reasons.last().unwrap()).contains("more help"));
        let none = predict(&[], &checklist(&[]), 2026, &flat_line, None, None);
        assert_eq!((none.expected_exit_year, none.growth), (None, None));
    }

    #[test]
    fn county_pace_and_the_campaign_end_bring_exit_forward() {
        // income capped under the line: no crossing on its own
        let stuck = [income(2015, 2000), income(2016, 2000)];
        // no pace known: the deadline alone clears a quarter in 2017 (4 years left), a third of
        // the rest in 2018: half out by 2018
        let p = predict(&stuck, &checklist(&[]), 2016, &flat_line, None, None);
        assert_eq!(p.expected_exit_year, Some(2018), "{p:?}");
        assert!(
            p.reasons
                .iter()
                .any(|r| text(r).contains("all out by 2020"))
        );
        // a county exiting 40% a year: 60% left in 2017, 36% in 2018
        let p = predict(&stuck, &checklist(&[]), 2016, &flat_line, Some(0.4), None);
        assert_eq!(p.expected_exit_year, Some(2018), "{p:?}");
        assert!(p.reasons.iter().any(|r| text(r).contains("40%")));
        // one exiting half a year: half out in 2017
        assert_eq!(county_half_exit_year(2016, Some(0.5)), Some(2017));
        // as of 2019: everyone left exits in 2020
        assert_eq!(county_half_exit_year(2019, Some(0.01)), Some(2020));
        // after the campaign: 30% a year halves in 2 years, nothing without a pace
        assert_eq!(county_half_exit_year(2022, Some(0.3)), Some(2024));
        assert_eq!(county_half_exit_year(2022, Some(0.5)), Some(2023));
        assert_eq!(county_half_exit_year(2022, Some(0.0)), None);
        assert_eq!(county_half_exit_year(2022, None), None);
        // after the campaign no deadline applies
        let later = [income(2021, 2000), income(2022, 2000)];
        let p = predict(&later, &checklist(&[]), 2022, &flat_line, None, None);
        assert_eq!(p.expected_exit_year, None);
    }

    #[test]
    fn lines_beyond_the_configured_years_grow() {
        // line 3,000 in 2026 only; 2027 at 3,090; 3,050 stays under it
        let line = |y: i32| (y == 2026).then_some(Fen(300_000));
        let incomes = [income(2025, 3050), income(2026, 3050)];
        let p = predict(&incomes, &checklist(&[]), 2026, &line, None, None);
        // zero growth: never above a growing line
        assert_eq!(p.expected_exit_year, None, "{p:?}");
    }

    #[test]
    fn delivered_income_measures_lift_the_trend_and_owed_housing_delays() {
        let catalogue = Catalogue::default_catalogue();
        let first = |c: Category| catalogue.measures.iter().find(|m| m.category == c).unwrap();
        let (job, house, school) = (
            first(Category::Employment),
            first(Category::Housing),
            first(Category::Education),
        );
        // falling income never passes the line on its own trend
        let falling = [income(2025, 2000), income(2026, 1900)];
        let entitled = format!("{}:1,{}:2", job.code, school.code);
        let helped = MeasureStanding::from_codes(
            &catalogue,
            &entitled,
            &format!("{}:2", school.code),
            false,
        );
        assert_eq!(helped.income_delivered, vec![job.name.as_str()]);
        assert_eq!(helped.other_gaps, vec![school.name.as_str()]);
        // 8% from 1,900: 2,792 in 2031, 3,015 in 2032 (> 3,000)
        let p = predict(
            &falling,
            &checklist(&[]),
            2026,
            &flat_line,
            None,
            Some(&helped),
        );
        assert_eq!(
            (p.expected_exit_year, p.growth),
            (Some(2032), Some(DEFAULT_GROWTH)),
            "{p:?}"
        );
        assert!(
            p.reasons.iter().any(|r| text(r).contains(&job.name)),
            "{p:?}"
        );
        assert!(
            p.reasons.iter().any(|r| text(r).contains(&school.name)),
            "{p:?}"
        );
        // the same job owed, not delivered: no lift, and named
        let owed = MeasureStanding::from_codes(&catalogue, &job.code, &job.code, false);
        assert_eq!(owed.income_gaps, vec![job.name.as_str()]);
        let p = predict(
            &falling,
            &checklist(&[]),
            2026,
            &flat_line,
            None,
            Some(&owed),
        );
        assert_eq!(p.expected_exit_year, None);
        assert!(
            p.reasons.iter().any(|r| text(r).contains(&job.name)),
            "{p:?}"
        );
        // a delivered measure does not slow a stronger trend
        let rising = [income(2025, 2273), income(2026, 2500)];
        let p = predict(
            &rising,
            &checklist(&[]),
            2026,
            &flat_line,
            None,
            Some(&helped),
        );
        assert_eq!(p.expected_exit_year, Some(2028));
        // housing owed: no earlier than two years on, as a house to rebuild
        let near = [income(2025, 2900), income(2026, 2990)];
        let roof = MeasureStanding::from_codes(&catalogue, &house.code, &house.code, false);
        assert_eq!(roof.slow_gaps, vec![house.name.as_str()]);
        let p = predict(&near, &checklist(&[]), 2026, &flat_line, None, Some(&roof));
        assert_eq!(p.expected_exit_year, Some(2028), "{p:?}");
        let p = predict(&near, &checklist(&[]), 2026, &flat_line, None, None);
        assert_eq!(p.expected_exit_year, Some(2027));
        // a move owed takes a year; once moved, what is owed for it does not delay
        let moving = first(Category::Relocation);
        let to_move = MeasureStanding::from_codes(&catalogue, &moving.code, &moving.code, false);
        assert_eq!(to_move.slow_gaps, vec![moving.name.as_str()]);
        let moved = MeasureStanding::from_codes(&catalogue, &moving.code, &moving.code, true);
        assert_eq!(moved.other_gaps, vec![moving.name.as_str()]);
        let p = predict(&near, &checklist(&[]), 2026, &flat_line, None, Some(&moved));
        assert_eq!(p.expected_exit_year, Some(2027), "{p:?}");
    }

    #[test]
    fn measure_codes_count_once_and_unknown_ones_are_passed_over() {
        let catalogue = Catalogue::default_catalogue();
        let school = &catalogue.measures[0];
        let entitled = format!("{0}:1,{0}:2,NO-SUCH", school.code);
        let s = MeasureStanding::from_codes(
            &catalogue,
            &entitled,
            &format!("{}:2", school.code),
            false,
        );
        assert_eq!(s.other_gaps, vec![school.name.as_str()]);
        assert_eq!(
            MeasureStanding::from_codes(&catalogue, "", "", false),
            MeasureStanding::default()
        );
        assert_eq!(some_names(&["a", "b", "c"], true), "a, b and 1 more");
        assert_eq!(some_names(&["甲", "乙", "丙"], false), "甲、乙等3项");
    }
}
