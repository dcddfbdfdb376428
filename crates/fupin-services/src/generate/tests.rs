use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use std::time::Instant;

use chrono::NaiveDate;
use fupin_core::codes::{HouseholdStatus, PovertyAttribute, Relation, Sex};
use fupin_core::validation::{AreaLookup, validate_household};
use fupin_core::{Area, AreaCode, AreaLevel, IncomeFormula, PolicyKey, PolicySet};

use super::*;

static AREAS: LazyLock<Vec<Area>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../../data/seed_divisions.json")).unwrap()
});

static GEO: LazyLock<Geography> = LazyLock::new(|| {
    Geography::new(
        &AREAS,
        include_str!("../../../../data/seed_boundaries.geojson"),
    )
    .unwrap()
});

struct Levels(HashMap<AreaCode, AreaLevel>);

impl AreaLookup for Levels {
    fn level_of(&self, code: &AreaCode) -> Option<AreaLevel> {
        self.0.get(code).copied()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn config(households: usize, seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        households,
        seed,
        last_year: 2023,
    }
}

fn run(households: usize, seed: u64) -> Vec<GeneratedHousehold> {
    generate(&config(households, seed), &GEO).collect()
}

#[test]
fn geography_knows_the_seed_villages() {
    assert_eq!(GEO.village_count(), 1505);
    assert_eq!(GEO.counties.len(), 7);
    assert!(GEO.counties.iter().all(|c| c.shape.is_some()));
}

#[test]
fn same_seed_same_output_different_seed_different_output() {
    let a = run(300, 7);
    let b: Vec<_> = generate(&config(300, 7), &GEO).take(300).collect();
    assert_eq!(a, b);
    // consuming part of the output gives the same prefix
    let prefix: Vec<_> = generate(&config(300, 7), &GEO).take(50).collect();
    assert_eq!(prefix[..], a[..50]);
    let c = run(300, 8);
    assert_ne!(a, c);
}

#[test]
fn every_household_validates_and_lies_in_its_county() {
    let levels = Levels(AREAS.iter().map(|a| (a.code.clone(), a.level)).collect());
    let generated = run(5_000, 1);
    assert_eq!(generated.len(), 5_000);
    let mut numbers = HashSet::new();
    for g in &generated {
        let h = &g.household;
        let issues = validate_household(h, &levels, today());
        assert!(issues.is_empty(), "{}: {:?}", h.number, issues);
        assert!(numbers.insert(h.number.clone()), "duplicate {}", h.number);
        let p = h.location.expect("every seed county has an outline");
        assert_eq!(GEO.county_contains(&h.village_code, p), Some(true), "{p:?}");
        check_history(g);
    }
    // every village is used
    let villages: HashSet<_> = generated
        .iter()
        .map(|g| &g.household.village_code)
        .collect();
    assert_eq!(villages.len(), 1505);
}

/// The record agrees with its history, and relations with ages and sexes.
fn check_history(g: &GeneratedHousehold) {
    let h = &g.household;
    let first = g.history.first().unwrap();
    let last = g.history.last().unwrap();
    assert_eq!(first.status.year, h.registered_year);
    assert_eq!(last.status.year, 2023);
    assert!(
        g.history
            .windows(2)
            .all(|w| w[1].status.year == w[0].status.year + 1)
    );
    assert_eq!(last.status.status, h.status);
    assert_eq!(h.income.as_ref(), Some(&last.income));
    assert_eq!(last.income.household_size as usize, h.members.len());
    if h.status.is_exited() || h.status == HouseholdStatus::Returned {
        assert!(h.exit_year.is_some(), "{}", h.number);
    }
    assert!(!h.other_causes.contains(&h.main_cause));
    assert!((1..=8).contains(&h.members.len()));
    assert_eq!(h.members[0].relation, Relation::Head);
    let head_age = h.members[0].age_on(today()) as i32;
    for m in &h.members[1..] {
        let age = m.age_on(today()) as i32;
        match m.relation {
            Relation::Son | Relation::Grandson | Relation::Father | Relation::SonInLaw => {
                assert_eq!(m.sex, Sex::Male)
            }
            Relation::Daughter
            | Relation::Granddaughter
            | Relation::Mother
            | Relation::DaughterInLaw => assert_eq!(m.sex, Sex::Female),
            _ => {}
        }
        match m.relation {
            Relation::Son | Relation::Daughter => assert!(age < head_age, "{}", h.number),
            Relation::Father | Relation::Mother => assert!(age > head_age, "{}", h.number),
            Relation::Grandson | Relation::Granddaughter => assert!(age + 30 < head_age),
            _ => {}
        }
    }
}

#[test]
fn distributions_are_plausible() {
    let generated = run(20_000, 3);
    let n = generated.len() as f64;
    let people: usize = generated.iter().map(|g| g.household.members.len()).sum();
    let mean_size = people as f64 / n;
    assert!((2.8..=3.5).contains(&mean_size), "mean size {mean_size}");

    let policy = PolicySet::defaults();
    let mut exited_2020 = 0;
    let mut in_2020 = 0;
    let mut above = 0;
    for g in &generated {
        let Some(r) = g.history.iter().find(|r| r.status.year == 2020) else {
            continue;
        };
        in_2020 += 1;
        if r.status.status.is_exited() {
            exited_2020 += 1;
            let line = policy
                .money(PolicyKey::PovertyLine, 2020, &g.household.village_code)
                .unwrap();
            if r.income.per_capita(IncomeFormula::CURRENT).unwrap() > line {
                above += 1;
            }
        }
    }
    let exited_share = f64::from(exited_2020) / f64::from(in_2020);
    assert!(exited_share > 0.9, "exited in 2020: {exited_share}");
    let above_share = f64::from(above) / f64::from(exited_2020);
    assert!(above_share >= 0.9, "above the 2020 line: {above_share}");

    let share = |f: &dyn Fn(&GeneratedHousehold) -> bool| {
        generated.iter().filter(|g| f(g)).count() as f64 / n
    };
    let dibao = share(&|g| g.household.attribute == PovertyAttribute::Dibao);
    assert!((0.12..0.22).contains(&dibao), "dibao {dibao}");
    let monitored = share(&|g| g.household.monitoring.is_some());
    assert!((0.03..0.07).contains(&monitored), "monitored {monitored}");
    let registered_2014 = share(&|g| g.household.registered_year == 2014);
    assert!((0.8..0.9).contains(&registered_2014), "{registered_2014}");
}

#[test]
#[ignore = "slow in debug builds; run with --release"]
fn id_numbers_are_globally_unique() {
    let mut seen = HashSet::new();
    for g in generate(&config(200_000, 11), &GEO) {
        for m in g.household.members {
            assert!(seen.insert(m.id_number), "duplicate ID");
        }
    }
    assert!(seen.len() > 550_000);
}

#[test]
#[ignore = "benchmark; run with --release --nocapture"]
fn generates_a_million_households_quickly() {
    let start = Instant::now();
    let mut members = 0;
    for g in generate(&config(1_000_000, 42), &GEO) {
        members += g.household.members.len();
    }
    let took = start.elapsed();
    println!("1,000,000 households, {members} members in {took:?}");
}

#[test]
fn allocation_gives_every_village_a_share_and_adds_up() {
    let counts = allocate(1_000, &[1.0, 2.5, 0.3, 1.2]);
    assert_eq!(counts.iter().sum::<usize>(), 1_000);
    assert!(counts.iter().all(|&c| c >= 1));
    assert!(counts[1] > counts[0] && counts[0] > counts[2]);
    assert_eq!(allocate(2, &[1.0, 1.0, 1.0]).iter().sum::<usize>(), 2);
    assert_eq!(cumulative(&[2, 0, 3]), vec![2, 2, 5]);
}
