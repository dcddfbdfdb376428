//! A household's years in the registry: when it was identified, when it exited (or was removed,
//! returned to poverty, came under monitoring, died out) and its itemised income each year,
//! near the poverty line while poor and growing after exit.

use fupin_core::codes::{Cause, HouseholdStatus, MonitoringCategory, PovertyAttribute};
use fupin_core::{AreaCode, Fen, IncomeYear, PolicyKey, PolicySet, StatusYear};
use rand::Rng;

use super::family::{Family, Person, Shape};
use super::pick::{pick, uniform};
use super::region::Region;
use super::{FIRST_YEAR, YearRecord};

/// The year the registry declared every household out of poverty.
const VICTORY_YEAR: i32 = 2020;

/// Poverty and monitoring lines of one county, yuan per person, by year from [`FIRST_YEAR`].
pub struct Lines {
    poverty: Vec<f64>,
    monitoring: Vec<f64>,
}

impl Lines {
    pub fn resolve(policy: &PolicySet, place: &AreaCode, last_year: i32) -> Lines {
        let mut poverty: Vec<f64> = Vec::new();
        let mut monitoring = Vec::new();
        for year in FIRST_YEAR..=last_year {
            let fallback = poverty.last().copied().unwrap_or(2_800.0);
            let line = policy
                .money(PolicyKey::PovertyLine, year, place)
                .map_or(fallback, |f| f.0 as f64 / 100.0);
            let watch = policy
                .money(PolicyKey::MonitoringLine, year, place)
                .map_or(line * 1.5, |f| f.0 as f64 / 100.0);
            poverty.push(line);
            monitoring.push(watch);
        }
        Lines {
            poverty,
            monitoring,
        }
    }

    pub fn poverty(&self, year: i32) -> f64 {
        self.poverty[(year - FIRST_YEAR) as usize]
    }

    fn monitoring(&self, year: i32) -> f64 {
        self.monitoring[(year - FIRST_YEAR) as usize]
    }
}

/// The outcome of the history for the household record.
pub struct History {
    pub records: Vec<YearRecord>,
    pub registered_year: i32,
    pub exit_year: Option<i32>,
    pub monitoring: Option<MonitoringCategory>,
}

impl History {
    pub fn status(&self) -> HouseholdStatus {
        self.records
            .last()
            .map_or(HouseholdStatus::Poor, |r| r.status.status)
    }
}

/// What happens to a household, decided up front; [`play`] turns it into yearly records.
struct Fate {
    registered: i32,
    removed: Option<i32>,
    exit: Option<i32>,
    /// A return to poverty before 2020 and the year of the second exit.
    early_return: Option<(i32, i32)>,
    /// A return in the monitoring era, and a second exit if it came by the last year.
    late_return: Option<(i32, Option<i32>)>,
    /// Start, risk-elimination year and category of a monitoring episode.
    monitoring: Option<(i32, Option<i32>, MonitoringCategory)>,
    closed: Option<i32>,
}

/// Everything a household's history depends on.
pub struct Context<'a> {
    pub region: &'a Region,
    pub lines: &'a Lines,
    pub last_year: i32,
    /// A deep-poverty village: later exits, lower incomes.
    pub deep: bool,
}

pub fn history(rng: &mut impl Rng, ctx: &Context, family: &Family) -> History {
    let fate = fate(rng, ctx, family);
    let mix = IncomeMix::new(rng, family);
    play(rng, ctx, family, &fate, &mix)
}

fn fate(rng: &mut impl Rng, ctx: &Context, family: &Family) -> Fate {
    let last = ctx.last_year;
    let registered = pick(
        rng,
        &[
            (2014, 850),
            (2015, 50),
            (2016, 40),
            (2017, 25),
            (2018, 20),
            (2019, 15),
        ],
    );
    let removed = (registered == 2014 && rng.random_bool(0.025))
        .then(|| pick(rng, &[(2015, 40), (2016, 60)]));
    let closable = family.shape == Shape::SingleElderly && family.people[0].age >= 75;
    let closed =
        (closable && rng.random_bool(0.06)).then(|| rng.random_range(registered + 1..=last));
    let mut exit = removed.is_none().then(|| exit_year(rng, ctx, registered));
    if let (Some(e), Some(c)) = (exit, closed)
        && c <= e
    {
        exit = None;
    }
    let alive_until = closed.unwrap_or(i32::MAX);
    let early_return = exit
        .filter(|&e| e <= 2018 && alive_until > VICTORY_YEAR && rng.random_bool(0.006))
        .map(|e| {
            let back = rng.random_range(e + 1..=2019);
            (back, rng.random_range(back + 1..=VICTORY_YEAR))
        });
    let settled = exit.is_some_and(|e| e <= VICTORY_YEAR) && closed.is_none();
    let late_return = (settled && last > VICTORY_YEAR && rng.random_bool(0.016)).then(|| {
        let back = rng.random_range(VICTORY_YEAR + 1..=last);
        let again =
            (back < last && rng.random_bool(0.5)).then(|| rng.random_range(back + 1..=last));
        (back, again)
    });
    let quiet = late_return.is_none() && early_return.is_none();
    let monitoring = (settled && quiet && rng.random_bool(0.06)).then(|| {
        let start = pick_monitoring_start(rng, last);
        let end =
            (start < last && rng.random_bool(0.35)).then(|| rng.random_range(start + 1..=last));
        let category = if rng.random_bool(0.85) {
            MonitoringCategory::Unstable
        } else {
            MonitoringCategory::SuddenHardship
        };
        (start, end, category)
    });
    Fate {
        registered,
        removed,
        exit,
        early_return,
        late_return,
        monitoring,
        closed,
    }
}

/// First exit: spread over 2014-2020 like the county exits (most in 2017-2019), a handful
/// later. Households registered later exit later; deep-poverty villages lag a year.
fn exit_year(rng: &mut impl Rng, ctx: &Context, registered: i32) -> i32 {
    if rng.random_bool(0.004) && ctx.last_year > VICTORY_YEAR {
        return rng.random_range(VICTORY_YEAR + 1..=ctx.last_year.min(VICTORY_YEAR + 2));
    }
    let mut year = if registered == FIRST_YEAR {
        let table: Vec<(i32, u32)> = (FIRST_YEAR..)
            .zip(ctx.region.exit_years.iter().copied())
            .collect();
        pick(rng, &table)
    } else {
        let same_year = (registered, 1);
        let later =
            (registered + 1..=VICTORY_YEAR).map(|y| (y, if y == VICTORY_YEAR { 2 } else { 4 }));
        pick(
            rng,
            &std::iter::once(same_year).chain(later).collect::<Vec<_>>(),
        )
    };
    if ctx.deep && year < VICTORY_YEAR && rng.random_bool(0.25) {
        year += 1;
    }
    year
}

fn pick_monitoring_start(rng: &mut impl Rng, last: i32) -> i32 {
    let years: Vec<(i32, u32)> = (VICTORY_YEAR..=last)
        .map(|y| (y, if y == VICTORY_YEAR { 1 } else { 3 }))
        .collect();
    pick(rng, &years)
}

/// How a household's net income splits into the form's items.
struct IncomeMix {
    wage: f64,
    business_net: f64,
    property: f64,
    transfer: f64,
    /// Production expenditure as a share of gross business income.
    cost_ratio: f64,
}

impl IncomeMix {
    fn new(rng: &mut impl Rng, family: &Family) -> Self {
        let people = &family.people;
        let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count();
        let migrants = count(&|p| p.migrant_months > 0);
        let workers = count(&|p| p.labour.can_work());
        let elderly = count(&|p| p.age >= 60) as f64;
        let transfer = match family.attribute {
            PovertyAttribute::Destitute => uniform(rng, 0.7, 0.9),
            PovertyAttribute::Dibao => uniform(rng, 0.3, 0.5),
            // subsidies, pensions, ecological compensation
            PovertyAttribute::Ordinary => uniform(rng, 0.04, 0.12) + 0.05 * elderly,
        };
        // without anyone able to work, pensions, subsidies and relatives' help carry the
        // household, and its land is mostly rented out
        let transfer = if workers == 0 {
            transfer + uniform(rng, 0.25, 0.45)
        } else {
            transfer
        }
        .min(0.9);
        let property = uniform(rng, 0.0, if workers == 0 { 0.1 } else { 0.04 });
        let rest = (1.0 - transfer - property).max(0.05);
        let wage_share = if migrants > 0 {
            uniform(rng, 0.55, 0.85)
        } else if workers > 0 {
            uniform(rng, 0.1, 0.35)
        } else {
            uniform(rng, 0.0, 0.1)
        };
        Self {
            wage: rest * wage_share,
            business_net: rest * (1.0 - wage_share),
            property,
            transfer,
            cost_ratio: uniform(rng, 0.2, 0.45),
        }
    }

    /// Items for a net income of `net` yuan, shares jittered a little from year to year.
    fn split(&self, rng: &mut impl Rng, year: i32, net: f64, size: u32) -> IncomeYear {
        let mut jitter = |share: f64| share * uniform(rng, 0.85, 1.15);
        let (w, b, p, t) = (
            jitter(self.wage),
            jitter(self.business_net),
            jitter(self.property),
            jitter(self.transfer),
        );
        let scale = net / (w + b + p + t);
        let business_net = b * scale;
        let business = business_net / (1.0 - self.cost_ratio);
        IncomeYear {
            year,
            wage: yuan(w * scale),
            business: yuan(business),
            property: yuan(p * scale),
            transfer: yuan(t * scale),
            production_expenditure: yuan(business - business_net),
            household_size: size,
        }
    }
}

/// Whole yuan, never negative.
fn yuan(x: f64) -> Fen {
    Fen::from_yuan(x.max(0.0).round() as i64)
}

/// Turns the fate into one record a year, from registration to the last year.
fn play(
    rng: &mut impl Rng,
    ctx: &Context,
    family: &Family,
    fate: &Fate,
    mix: &IncomeMix,
) -> History {
    let lines = ctx.lines;
    let depth = if ctx.deep { 0.9 } else { 1.0 };
    // per-capita income the household is on course for, yuan
    let mut trend = lines.poverty(fate.registered) * uniform(rng, 0.45, 0.92) * depth;
    let floor = uniform(rng, 1.04, 1.3);
    let mut no_policy = false;
    let mut last_exit = None;
    let mut records = Vec::with_capacity((ctx.last_year - fate.registered + 1) as usize);
    for year in fate.registered..=ctx.last_year {
        let line = lines.poverty(year);
        // registered households' incomes grew ~25% a year to 2020, ~14% a year after
        let growth = if year <= VICTORY_YEAR {
            uniform(rng, 0.1, 0.38)
        } else {
            uniform(rng, 0.05, 0.2)
        };
        let (status, reason, per_capita) = if let Some(c) = fate.closed.filter(|&c| year >= c) {
            let reason = if year == c {
                "户内人员全部死亡，自然消亡"
            } else {
                "已自然消亡"
            };
            (HouseholdStatus::Closed, reason, 0.0)
        } else if let Some(r) = fate.removed.filter(|&r| year >= r) {
            let reason = if year == r {
                trend = line * uniform(rng, 1.3, 2.4);
                "“回头看”核查识别不精准，予以清退"
            } else {
                trend *= 1.0 + growth;
                "已清退"
            };
            (HouseholdStatus::Removed, reason, trend)
        } else if fate.exit.is_none_or(|e| year < e) {
            let reason = if year == fate.registered {
                registration_reason(year)
            } else {
                // assistance closes part of the gap to the line each year
                trend += (line * 0.97 - trend).max(0.0) * uniform(rng, 0.05, 0.35);
                "未达脱贫标准，继续帮扶"
            };
            (HouseholdStatus::Poor, reason, trend.min(line * 0.97))
        } else if fate.exit == Some(year) {
            trend = trend.max(line * uniform(rng, 1.08, 1.8));
            last_exit = Some(year);
            (
                HouseholdStatus::ExitedWithPolicy,
                "达到脱贫标准，退出",
                trend,
            )
        } else if let Some((status, reason)) = returned(fate, year, family.main_cause) {
            if status == HouseholdStatus::Returned {
                trend = line * uniform(rng, 0.55, 0.95);
                no_policy = false;
            } else {
                trend = line * uniform(rng, 1.1, 1.5);
                last_exit = Some(year);
            }
            (status, reason, trend)
        } else {
            trend = (trend * (1.0 + growth)).max(line * floor);
            let (reason, per_capita) = match fate.monitoring {
                Some((start, end, category)) if year >= start && end.is_none_or(|e| year < e) => {
                    no_policy = false;
                    let reason = match (year == start, category) {
                        (false, _) => "监测帮扶中",
                        (true, MonitoringCategory::SuddenHardship) => {
                            "纳入防返贫监测（突发严重困难户）"
                        }
                        (true, _) => "纳入防返贫监测（脱贫不稳定户）",
                    };
                    let income = monitored_income(rng, lines, year, trend, category);
                    if category == MonitoringCategory::Unstable {
                        // recovery starts from the low point
                        trend = income;
                    }
                    (reason, income)
                }
                Some((_, Some(end), _)) if year == end => {
                    // risk elimination needs income stably above the monitoring range
                    trend = trend.max(lines.monitoring(year) * uniform(rng, 1.02, 1.3));
                    ("监测对象风险消除", trend)
                }
                _ if !no_policy && stable(rng, year, last_exit, trend, line) => {
                    no_policy = true;
                    ("收入稳定，不再享受政策", trend)
                }
                _ => ("巩固脱贫成果", trend),
            };
            let status = if no_policy {
                HouseholdStatus::ExitedNoPolicy
            } else {
                HouseholdStatus::ExitedWithPolicy
            };
            (status, reason, per_capita)
        };
        let size = family
            .people
            .iter()
            .filter(|p| p.birth_year() <= year)
            .count()
            .max(1) as u32;
        let income = mix.split(rng, year, per_capita * f64::from(size), size);
        records.push(YearRecord {
            status: StatusYear {
                year,
                status,
                reason: reason.to_string(),
            },
            income,
        });
    }
    let last_status = records.last().map(|r| r.status.status);
    let monitoring = match (last_status, fate.monitoring) {
        (Some(HouseholdStatus::Returned), _) => Some(MonitoringCategory::Unstable),
        (Some(s), Some((_, None, category))) if s.is_exited() => Some(category),
        _ => None,
    };
    History {
        records,
        registered_year: fate.registered,
        exit_year: last_exit,
        monitoring,
    }
}

fn registration_reason(year: i32) -> &'static str {
    match year {
        ..=2014 => "建档立卡识别纳入",
        2015 | 2016 => "“回头看”补录纳入",
        _ => "动态调整新识别纳入",
    }
}

/// Status and reason in a year of a return-to-poverty episode, if `year` falls in one.
fn returned(fate: &Fate, year: i32, cause: Cause) -> Option<(HouseholdStatus, &'static str)> {
    let episodes = [
        fate.early_return.map(|(b, a)| (b, Some(a))),
        fate.late_return,
    ];
    episodes.into_iter().flatten().find_map(|(back, again)| {
        if again == Some(year) {
            Some((HouseholdStatus::ExitedWithPolicy, "再次达到脱贫标准，退出"))
        } else if year == back {
            Some((HouseholdStatus::Returned, return_reason(cause)))
        } else if year > back && again.is_none_or(|a| year < a) {
            Some((HouseholdStatus::Returned, "返贫户，继续帮扶"))
        } else {
            None
        }
    })
}

fn return_reason(cause: Cause) -> &'static str {
    match cause {
        Cause::Illness => "因病返贫",
        Cause::Disability => "因残返贫",
        Cause::Disaster => "因灾返贫",
        Cause::Schooling => "因学返贫",
        Cause::LackLabour => "缺劳动力返贫",
        _ => "因务工就业不稳返贫",
    }
}

/// Income in a monitoring year: unstable households fall into the monitoring range (above the
/// poverty line); a sudden hardship is about expenditure, so income barely moves.
fn monitored_income(
    rng: &mut impl Rng,
    lines: &Lines,
    year: i32,
    trend: f64,
    category: MonitoringCategory,
) -> f64 {
    let line = lines.poverty(year);
    match category {
        MonitoringCategory::SuddenHardship => trend * uniform(rng, 0.85, 1.0),
        _ => trend
            .min(lines.monitoring(year) * uniform(rng, 0.72, 0.97))
            .max(line * 1.03),
    }
}

/// A well-off exited household may stop receiving policies two years after exit.
fn stable(rng: &mut impl Rng, year: i32, exit: Option<i32>, trend: f64, line: f64) -> bool {
    exit.is_some_and(|e| year >= e + 2)
        && year >= 2017
        && trend >= 2.2 * line
        && rng.random_bool(0.12)
}
