//! Realistic generated registry data (`fupin gen`): households with members, conditions, a
//! location inside their county and a status and income history from registration (2014 for
//! most) to the last year. Produces domain objects; sheet writers turn them into files.
//!
//! Determinism: every household draws from its own ChaCha8 stream keyed by (seed, index), and
//! the per-village plan (sizes, centres) from a stream keyed by the seed, so household *i*'s
//! random content does not depend on any other household. The one piece of sequential state is
//! the ID-number allocator (sequences must be unique per address code, birth date and sex);
//! it only depends on the households before *i*, so the output is identical however the
//! iterator is consumed. A parallel writer can generate chunks and assign IDs in order.
//!
//! Households come out grouped by village (in code order), numbered village code + 4-digit
//! sequence.

mod conditions;
pub mod departments;
mod family;
mod geography;
mod history;
mod ids;
pub(crate) mod names;
mod pick;
mod profile;
mod region;
#[cfg(test)]
mod tests;

use chrono::Datelike;
use fupin_core::codes::{HouseholdStatus, IdentificationStandard};
use fupin_core::{GeoPoint, Household, IncomeYear, Member, PolicySet, StatusYear};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub use geography::Geography;

use family::{Family, Person, Shape};
use history::{Context, Lines};
use ids::IdAllocator;
use pick::{normal, stream};
use region::Region;

/// First year of the generated histories (the 2014 registry).
pub const FIRST_YEAR: i32 = 2014;
/// Histories reach at least the year all households had exited.
pub const MIN_LAST_YEAR: i32 = 2020;

const GROUP_NAMES: [&str; 12] = [
    "一组",
    "二组",
    "三组",
    "四组",
    "五组",
    "六组",
    "七组",
    "八组",
    "九组",
    "十组",
    "十一组",
    "十二组",
];

// stream domains, so the plan and the households never share random numbers
const DOMAIN_PLAN: u64 = 1;
const DOMAIN_HOUSEHOLD: u64 = 2;

/// One year of a household's history.
#[derive(Debug, Clone, PartialEq)]
pub struct YearRecord {
    pub status: StatusYear,
    pub income: IncomeYear,
}

/// A generated household: its current record and its yearly history.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedHousehold {
    /// Current state; `income` is the last year's income.
    pub household: Household,
    /// One record a year from `registered_year` to the last year, ascending.
    pub history: Vec<YearRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorConfig {
    pub households: usize,
    pub seed: u64,
    /// Last year of the histories; values before 2020 are raised to 2020.
    pub last_year: i32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            households: 10_000,
            seed: 2014,
            last_year: 2023,
        }
    }
}

/// The households of `config` placed in `geo`'s villages, generated lazily in village order.
pub fn generate<'g>(config: &GeneratorConfig, geo: &'g Geography) -> Generator<'g> {
    let config = GeneratorConfig {
        last_year: config.last_year.max(MIN_LAST_YEAR),
        ..*config
    };
    Generator {
        plan: Plan::new(&config, geo),
        geo,
        config,
        ids: IdAllocator::default(),
        next: 0,
    }
}

/// The iterator [`generate`] returns (exact size, for progress bars).
pub struct Generator<'g> {
    geo: &'g Geography,
    config: GeneratorConfig,
    plan: Plan,
    ids: IdAllocator,
    next: usize,
}

impl Iterator for Generator<'_> {
    type Item = GeneratedHousehold;

    fn next(&mut self) -> Option<GeneratedHousehold> {
        if self.next >= self.config.households {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.household(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.config.households - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Generator<'_> {}

/// Seed-dependent layout, computed once per run: how many households each village gets, and
/// where its villager groups' houses cluster.
struct Plan {
    /// Cumulative household counts: village `v` holds indices `ends[v-1]..ends[v]`.
    ends: Vec<usize>,
    deep: Vec<bool>,
    groups: Vec<u8>,
    /// `villages × 12` group centres; `None` for counties without an outline.
    group_centres: Vec<Option<(f64, f64)>>,
    /// Poverty and monitoring lines per county.
    lines: Vec<Lines>,
}

impl Plan {
    fn new(config: &GeneratorConfig, geo: &Geography) -> Plan {
        let mut rng = stream(config.seed, DOMAIN_PLAN, 0);
        let n = geo.villages.len();
        // a tenth of the villages are deep-poverty villages with many more poor households
        let deep: Vec<bool> = (0..n).map(|_| rng.random_bool(0.1)).collect();
        let weights: Vec<f64> = deep
            .iter()
            .map(|&d| (0.45 * normal(&mut rng)).exp() * if d { 2.5 } else { 1.0 })
            .collect();
        let ends = cumulative(&allocate(config.households, &weights));
        let groups = (0..n).map(|_| rng.random_range(4..=12)).collect();
        let group_centres = group_centres(&mut rng, geo);
        let policy = PolicySet::defaults();
        let lines = geo
            .counties
            .iter()
            .map(|c| Lines::resolve(&policy, &c.code, config.last_year))
            .collect();
        Plan {
            ends,
            deep,
            groups,
            group_centres,
            lines,
        }
    }

    /// Village of household `index` and the household's 1-based sequence in it.
    fn village_of(&self, index: usize) -> (usize, usize) {
        let v = self.ends.partition_point(|&end| end <= index);
        let start = if v == 0 { 0 } else { self.ends[v - 1] };
        (v, index - start + 1)
    }
}

/// Splits `total` in proportion to `weights` (largest remainder), at least one each while
/// there are enough to go round.
fn allocate(total: usize, weights: &[f64]) -> Vec<usize> {
    let base = if total >= weights.len() { 1 } else { 0 };
    let spread = total - base * weights.len();
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * spread as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| base + x.floor() as usize).collect();
    let short = total - counts.iter().sum::<usize>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    // stable sort: ties go to the earlier village
    by_remainder.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra)
    });
    for &v in by_remainder.iter().take(short) {
        counts[v] += 1;
    }
    counts
}

fn cumulative(counts: &[usize]) -> Vec<usize> {
    counts
        .iter()
        .scan(0, |acc, c| {
            *acc += c;
            Some(*acc)
        })
        .collect()
}

/// Townships get a centre anywhere in their county, villages one within a few km of their
/// township, villager groups (hamlets) within about a km of their village.
fn group_centres(rng: &mut ChaCha8Rng, geo: &Geography) -> Vec<Option<(f64, f64)>> {
    let mut townships: Vec<Option<(f64, f64)>> = vec![None; geo.township_count];
    let mut out = Vec::with_capacity(geo.villages.len() * GROUP_NAMES.len());
    for village in &geo.villages {
        let county = &geo.counties[village.county];
        let Some(shape) = &county.shape else {
            out.extend([None; GROUP_NAMES.len()]);
            continue;
        };
        let township = *townships[village.township].get_or_insert_with(|| shape.random_point(rng));
        let centre = shape.point_near(rng, township, 3.0).unwrap_or(township);
        let spread = if county.region.is_mountainous() {
            1.0
        } else {
            0.7
        };
        for _ in 0..GROUP_NAMES.len() {
            out.push(Some(
                shape.point_near(rng, centre, spread).unwrap_or(centre),
            ));
        }
    }
    out
}

impl Generator<'_> {
    fn household(&mut self, index: usize) -> GeneratedHousehold {
        let mut rng = stream(self.config.seed, DOMAIN_HOUSEHOLD, index as u64);
        let (v, sequence) = self.plan.village_of(index);
        let village = &self.geo.villages[v];
        let county = &self.geo.counties[village.county];
        let region = &county.region;
        let last_year = self.config.last_year;

        let family = family::family(&mut rng, region, last_year);
        let ctx = Context {
            region,
            lines: &self.plan.lines[village.county],
            last_year,
            deep: self.plan.deep[v],
        };
        let history = history::history(&mut rng, &ctx, &family);
        let status = history.status();
        let situation = conditions::Situation {
            size: family.people.len(),
            main_cause: family.main_cause,
            poor_now: status.is_poor(),
            last_year,
        };
        let conditions = conditions::conditions(&mut rng, region, &situation);
        let elderly_alone = family.shape == Shape::SingleElderly;
        let phone = conditions::phone(&mut rng, elderly_alone);
        let (bank_name, bank_account) = conditions::bank(&mut rng, region);
        let standard = if rng.random_bool(region.provincial_standard) {
            IdentificationStandard::Provincial
        } else {
            IdentificationStandard::National
        };
        let group = rng.random_range(0..usize::from(self.plan.groups[v]));
        let location = self.location(&mut rng, v, group);
        let Family {
            people,
            attribute,
            main_cause,
            other_causes,
            ..
        } = family;
        let members = self.members(&mut rng, village.county, region, people);

        let household = Household {
            number: format!("{}{:04}", village.code, sequence),
            village_code: village.code.clone(),
            group: GROUP_NAMES[group].to_string(),
            address: format!("{}{}", village.address, GROUP_NAMES[group]),
            phone,
            bank_name,
            bank_account,
            standard,
            attribute,
            main_cause,
            other_causes,
            status,
            registered_year: history.registered_year,
            exit_year: history.exit_year,
            monitoring: history.monitoring,
            location,
            conditions,
            income: history.records.last().map(|r| r.income.clone()),
            members,
        };
        debug_assert!(status != HouseholdStatus::Returned || household.exit_year.is_some());
        GeneratedHousehold {
            household,
            history: history.records,
        }
    }

    /// A house near its villager group's centre, inside the county.
    fn location(&self, rng: &mut ChaCha8Rng, village: usize, group: usize) -> Option<GeoPoint> {
        let centre = self.plan.group_centres[village * GROUP_NAMES.len() + group]?;
        let county = &self.geo.counties[self.geo.villages[village].county];
        let shape = county.shape.as_ref()?;
        let (lon, lat) = shape
            .point_near(rng, centre, county.region.scatter_km)
            .unwrap_or(centre);
        Some(GeoPoint { lon, lat })
    }

    /// Gives every person an ID number (old residents sometimes under the county's retired
    /// code) and turns them into members.
    fn members(
        &mut self,
        rng: &mut ChaCha8Rng,
        county: usize,
        region: &Region,
        people: Vec<Person>,
    ) -> Vec<Member> {
        let own = self.geo.counties[county].code.county6().to_string();
        people
            .into_iter()
            .map(|p| {
                let (address, key) = match region.old_address {
                    Some((old, retired)) if p.birth.year() < retired && rng.random_bool(0.5) => {
                        (old, county as u32 * 2 + 1)
                    }
                    _ => (own.as_str(), county as u32 * 2),
                };
                let (id, birth) = self.ids.allocate(address, key, p.birth, p.sex);
                p.into_member(id, birth)
            })
            .collect()
    }
}
