//! Each rule fires on a planted case and stays silent on its near miss.

use chrono::NaiveDate;

use super::duplicates::{self, RegisteredMember};
use super::rules::*;
use crate::codes::{CodeList, HouseholdStatus, Sex};
use crate::departments::{DepartmentKind, DepartmentRecord};
use crate::{AreaCode, Fen, IdNumber};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn village() -> AreaCode {
    AreaCode::parse("522726100201").unwrap()
}

fn household(status: HouseholdStatus, exit_year: Option<i32>) -> HouseholdFacts {
    HouseholdFacts {
        id: 41,
        number: "5227261002010041".into(),
        village: village(),
        status,
        exit_year,
        monitored: false,
        relocated: false,
        members: 3,
    }
}

fn poor() -> HouseholdFacts {
    household(HouseholdStatus::Poor, None)
}

fn exited_2019() -> HouseholdFacts {
    household(HouseholdStatus::ExitedWithPolicy, Some(2019))
}

const MEMBER_ID: &str = "522726198003150011";

fn entry(
    kind: DepartmentKind,
    detail: &str,
    date: Option<NaiveDate>,
    yuan: Option<i64>,
) -> ListEntry {
    ListEntry {
        source: format!("县{}", kind.code()),
        kind,
        snapshot_id: 3,
        row_no: 17,
        record: DepartmentRecord {
            key: "K-17".into(),
            id_number: MEMBER_ID.into(),
            name: "王芳".into(),
            sex: Some(Sex::Female),
            birth_date: Some(day(1980, 3, 15)),
            place: "522726100201".into(),
            date,
            amount: yuan.map(Fen::from_yuan),
            detail: detail.into(),
        },
    }
}

fn link() -> LinkFacts {
    LinkFacts {
        member_id_number: MEMBER_ID.into(),
        member_name: "王芳".into(),
        probability: 1.0,
        explanation: "身份证号一致 ID number equal".into(),
        parts: vec![LinkPart {
            zh: "身份证号一致".into(),
            en: "ID number equal".into(),
            weight: None,
        }],
    }
}

fn rules_of(found: &[Finding]) -> Vec<Rule> {
    found.iter().map(|f| f.rule).collect()
}

fn linked(e: &ListEntry, h: &HouseholdFacts, deliveries: &[Delivery]) -> Vec<Rule> {
    rules_of(&check_linked(
        e,
        &link(),
        h,
        deliveries,
        &RuleSettings::default(),
    ))
}

#[test]
fn payroll_staff_in_a_poor_household_is_a_warning_with_its_evidence() {
    let e = entry(DepartmentKind::Payroll, "县教育局", None, Some(5000));
    let found = check_linked(&e, &link(), &poor(), &[], &RuleSettings::default());
    assert_eq!(rules_of(&found), [Rule::Payroll]);
    let f = &found[0];
    assert_eq!(f.area, village());
    assert_eq!(f.household_id, Some(41));
    assert_eq!(f.evidence.records[0].record.key, "K-17");
    assert!(
        f.evidence
            .link
            .as_ref()
            .unwrap()
            .explanation
            .contains("身份证号")
    );
    assert!(f.evidence.facts.iter().any(|x| x.contains("县教育局")));
    // near miss: the household exited before and the list gives no date to place it earlier
    assert!(linked(&e, &exited_2019(), &[]).is_empty());
}

#[test]
fn a_car_bought_while_registered_poor_is_a_warning_but_a_tractor_or_a_cheap_one_is_not() {
    let car = entry(
        DepartmentKind::Vehicle,
        "小型轿车",
        Some(day(2018, 6, 1)),
        Some(86_000),
    );
    assert_eq!(linked(&car, &poor(), &[]), [Rule::Vehicle]);
    // bought before the 2019 exit: owned while registered poor
    assert_eq!(linked(&car, &exited_2019(), &[]), [Rule::Vehicle]);
    // near misses: bought after the exit; below the price line; a farm tractor
    let later = entry(
        DepartmentKind::Vehicle,
        "小型轿车",
        Some(day(2021, 6, 1)),
        Some(86_000),
    );
    assert!(linked(&later, &exited_2019(), &[]).is_empty());
    let cheap = entry(
        DepartmentKind::Vehicle,
        "二轮摩托车",
        Some(day(2018, 6, 1)),
        Some(6_500),
    );
    assert!(linked(&cheap, &poor(), &[]).is_empty());
    let tractor = entry(
        DepartmentKind::Vehicle,
        "手扶拖拉机",
        Some(day(2018, 6, 1)),
        Some(45_000),
    );
    assert!(linked(&tractor, &poor(), &[]).is_empty());
    // the price line is a setting
    let settings = RuleSettings {
        vehicle_min_price_yuan: 5_000,
        ..RuleSettings::default()
    };
    assert_eq!(
        rules_of(&check_linked(&cheap, &link(), &poor(), &[], &settings)),
        [Rule::Vehicle]
    );
}

#[test]
fn a_town_flat_is_a_warning_except_for_a_relocated_household() {
    let flat = entry(
        DepartmentKind::Housing,
        "县城商品住房",
        Some(day(2017, 3, 1)),
        Some(380_000),
    );
    assert_eq!(linked(&flat, &poor(), &[]), [Rule::Housing]);
    let relocated = HouseholdFacts {
        relocated: true,
        ..poor()
    };
    assert!(linked(&flat, &relocated, &[]).is_empty());
}

#[test]
fn a_business_of_a_monitored_household_is_a_warning_but_not_of_a_removed_one() {
    let firm = entry(
        DepartmentKind::Business,
        "商贸有限公司",
        Some(day(2022, 1, 5)),
        Some(500_000),
    );
    let monitored = HouseholdFacts {
        monitored: true,
        ..exited_2019()
    };
    assert_eq!(linked(&firm, &monitored, &[]), [Rule::Business]);
    let removed = household(HouseholdStatus::Removed, None);
    assert!(linked(&firm, &removed, &[]).is_empty());
}

fn delivery(member: &str, on: NaiveDate) -> Delivery {
    Delivery {
        measure: "SOC-01".into(),
        member_id_number: member.into(),
        year: 2025,
        delivered_on: Some(on),
        amount: Some(Fen::from_yuan(400)),
    }
}

#[test]
fn the_dead_still_listed_and_still_paid_are_two_warnings() {
    let death = entry(DepartmentKind::Death, "", Some(day(2025, 3, 10)), None);
    let paid_after = [delivery(MEMBER_ID, day(2025, 6, 30))];
    assert_eq!(
        linked(&death, &poor(), &paid_after),
        [Rule::DeadListed, Rule::DeadPaid]
    );
    // near misses: paid before the death; another member's measure; a household closed
    let paid_before = [delivery(MEMBER_ID, day(2025, 1, 31))];
    assert_eq!(linked(&death, &poor(), &paid_before), [Rule::DeadListed]);
    let someone_else = [delivery("522726201001010027", day(2025, 6, 30))];
    assert_eq!(linked(&death, &poor(), &someone_else), [Rule::DeadListed]);
    let closed = household(HouseholdStatus::Closed, None);
    assert!(linked(&death, &closed, &paid_after).is_empty());
    // a household measure counts against the dead only when they were the whole household
    let alone = HouseholdFacts {
        members: 1,
        ..poor()
    };
    let household_measure = [delivery("", day(2025, 6, 30))];
    assert_eq!(
        linked(&death, &alone, &household_measure),
        [Rule::DeadListed, Rule::DeadPaid]
    );
    assert_eq!(
        linked(&death, &poor(), &household_measure),
        [Rule::DeadListed]
    );
}

#[test]
fn a_dibao_record_not_in_the_registry_is_a_probable_omission() {
    let known =
        |a: &AreaCode| ["522726100201", "522726100000", "522726000000"].contains(&a.as_str());
    let county = AreaCode::parse("522726").unwrap();
    let dibao = entry(
        DepartmentKind::Assistance,
        "农村低保",
        Some(day(2024, 1, 1)),
        Some(420),
    );
    let found = check_unlinked(
        &dibao,
        known,
        Some(&county),
        &county,
        &RuleSettings::default(),
    )
    .unwrap();
    assert_eq!(found.rule, Rule::Missed);
    assert_eq!(
        found.area,
        village(),
        "assigned to the village its place names"
    );
    assert_eq!(found.household_id, None);
    // an unknown village falls back to the deepest known area, then to the run's area
    let mut elsewhere = dibao.clone();
    elsewhere.record.place = "522726100999".into();
    let found = check_unlinked(
        &elsewhere,
        known,
        Some(&county),
        &county,
        &RuleSettings::default(),
    )
    .unwrap();
    assert_eq!(found.area.as_str(), "522726100000");
    elsewhere.record.place = String::new();
    let found = check_unlinked(
        &elsewhere,
        known,
        Some(&county),
        &county,
        &RuleSettings::default(),
    )
    .unwrap();
    assert_eq!(found.area, county);
    // near miss: a record placed in another county is not this county's run's omission; over
    // the whole registry it is someone's
    elsewhere.record.place = "520102003004".into();
    assert!(
        check_unlinked(
            &elsewhere,
            known,
            Some(&county),
            &county,
            &RuleSettings::default()
        )
        .is_none()
    );
    let found = check_unlinked(&elsewhere, known, None, &county, &RuleSettings::default());
    assert!(found.is_some());
    // near miss: temporary assistance is not means-tested over the year
    let temporary = entry(
        DepartmentKind::Assistance,
        "临时救助",
        Some(day(2024, 1, 1)),
        Some(800),
    );
    assert!(
        check_unlinked(
            &temporary,
            known,
            Some(&county),
            &county,
            &RuleSettings::default()
        )
        .is_none()
    );
    // other lists' unlinked records are outsiders, not omissions
    let car = entry(DepartmentKind::Vehicle, "农村低保", None, None);
    assert!(
        check_unlinked(
            &car,
            known,
            Some(&county),
            &county,
            &RuleSettings::default()
        )
        .is_none()
    );
}

#[test]
fn extreme_support_after_exit_is_a_probable_wrong_exit_but_dibao_is_not() {
    let support = entry(
        DepartmentKind::Assistance,
        "特困供养",
        Some(day(2020, 7, 1)),
        Some(520),
    );
    assert_eq!(linked(&support, &exited_2019(), &[]), [Rule::WrongExit]);
    // near misses: support that began before the exit or years after it (a new hardship);
    // dibao after exit (兜底 goes on)
    let years_later = entry(
        DepartmentKind::Assistance,
        "特困供养",
        Some(day(2021, 1, 4)),
        Some(520),
    );
    assert!(linked(&years_later, &exited_2019(), &[]).is_empty());
    let before = entry(
        DepartmentKind::Assistance,
        "特困供养",
        Some(day(2017, 7, 1)),
        Some(520),
    );
    assert!(linked(&before, &exited_2019(), &[]).is_empty());
    let dibao = entry(
        DepartmentKind::Assistance,
        "农村低保",
        Some(day(2020, 7, 1)),
        Some(420),
    );
    assert!(linked(&dibao, &exited_2019(), &[]).is_empty());
}

#[test]
fn an_exit_with_income_not_above_the_line_is_a_probable_wrong_exit() {
    let line = Fen::from_yuan(4_000);
    let settings = RuleSettings::default();
    let below = [YearIncome {
        year: 2019,
        per_capita: Fen::from_yuan(3_950),
        line,
    }];
    let found = check_exit_income(&exited_2019(), &below, &settings).unwrap();
    assert_eq!(found.rule, Rule::WrongExit);
    assert!(found.evidence.facts[1].contains("3950.00"));
    // near misses: just above the line; below it only before the exit year; still poor
    let above = [YearIncome {
        year: 2019,
        per_capita: Fen::from_yuan(4_001),
        line,
    }];
    assert!(check_exit_income(&exited_2019(), &above, &settings).is_none());
    let before = [
        YearIncome {
            year: 2018,
            per_capita: Fen::from_yuan(2_000),
            line,
        },
        YearIncome {
            year: 2019,
            per_capita: Fen::from_yuan(5_000),
            line,
        },
    ];
    assert!(check_exit_income(&exited_2019(), &before, &settings).is_none());
    assert!(check_exit_income(&poor(), &below, &settings).is_none());
}

#[test]
fn amounts_paid_and_recorded_must_agree_within_the_tolerance() {
    let dibao = entry(
        DepartmentKind::Assistance,
        "农村低保",
        Some(day(2024, 1, 1)),
        Some(420),
    );
    let on_roll = [(dibao, link())];
    let recorded = |yuan| Delivery {
        measure: "SOC-01".into(),
        member_id_number: String::new(),
        year: 2025,
        delivered_on: Some(day(2025, 12, 20)),
        amount: Some(Fen::from_yuan(yuan)),
    };
    let s = RuleSettings::default();
    // 420 × 12 = 5,040 yuan on the roll against 3,600 recorded
    let found = check_amounts(&poor(), &on_roll, &[recorded(3_600)], 2025, &s);
    assert_eq!(rules_of(&found), [Rule::AmountMismatch]);
    assert!(
        found[0].evidence.facts[1].contains("-1440.00"),
        "{:?}",
        found[0].evidence.facts
    );
    // near misses: within 100 yuan; nothing recorded; recorded for another year
    assert!(check_amounts(&poor(), &on_roll, &[recorded(5_000)], 2025, &s).is_empty());
    assert!(check_amounts(&poor(), &on_roll, &[], 2025, &s).is_empty());
    assert!(check_amounts(&poor(), &on_roll, &[recorded(3_600)], 2024, &s).is_empty());
}

#[test]
fn disabled_rules_are_silent_and_settings_read_from_toml() {
    let settings =
        RuleSettings::parse("disabled = [\"payroll\"]\nvehicle_min_price_yuan = 50000\n").unwrap();
    assert_eq!(settings.vehicle_min_price_yuan, 50_000);
    assert_eq!(
        settings.amount_tolerance_yuan, 100,
        "the rest keep their defaults"
    );
    let e = entry(DepartmentKind::Payroll, "县教育局", None, None);
    assert!(check_linked(&e, &link(), &poor(), &[], &settings).is_empty());
    assert!(RuleSettings::parse("no_such_setting = 1").is_err());
}

#[test]
fn the_same_evidence_gives_the_same_key_and_new_evidence_a_new_one() {
    let car = entry(
        DepartmentKind::Vehicle,
        "小型轿车",
        Some(day(2018, 6, 1)),
        Some(86_000),
    );
    let key = |e: &ListEntry| {
        check_linked(e, &link(), &poor(), &[], &RuleSettings::default())[0]
            .key
            .clone()
    };
    let mut again = car.clone();
    again.snapshot_id = 9; // the next delivery of the same list
    again.row_no = 3;
    assert_eq!(key(&car), key(&again));
    let mut another = car.clone();
    another.record.key = "贵J·5X321".into();
    assert_ne!(key(&car), key(&another));
}

fn registered(household: i64, id: &str, name: &str) -> RegisteredMember {
    RegisteredMember {
        household_id: household,
        household_number: format!("H{household}"),
        village: village(),
        id_number: id.into(),
        name: name.into(),
        birth_date: day(1980, 3, 15),
        sex: Sex::Female,
    }
}

#[test]
fn the_same_person_in_two_households_is_found_and_namesakes_are_not() {
    let real = IdNumber::compose("522726", day(1980, 3, 15), 1, Sex::Female);
    let namesake = IdNumber::compose("522726", day(1980, 3, 15), 57, Sex::Female);
    let mut slipped = real.as_str().to_string();
    slipped.replace_range(8..9, if &slipped[8..9] == "0" { "1" } else { "0" });
    let members = [
        registered(1, real.as_str(), "王芳"),
        registered(2, &slipped, "王 芳"),
        registered(3, namesake.as_str(), "王芳"),
        // the same person twice in one household is a matter for the record's own checks
        registered(1, &format!("{}X", &real.as_str()[..17]), "王芳"),
    ];
    let found = duplicates::find(&members);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f.rule, Rule::Duplicate);
    let pair = [f.household_id.unwrap(), f.related_household_id.unwrap()];
    assert!(pair.contains(&1) && pair.contains(&2));
    // read in another order, the same pair has the same key
    let reversed: Vec<RegisteredMember> = members.iter().rev().cloned().collect();
    assert_eq!(duplicates::find(&reversed)[0].key, f.key);
}
