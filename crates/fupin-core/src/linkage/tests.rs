//! The engine on a small hand-made registry: each hard case once, with its near miss.

use chrono::NaiveDate;

use super::*;
use crate::IdNumber;
use crate::codes::Sex;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2026, 12, 1)
}

struct World {
    ids: Vec<IdNumber>,
    registry: Registry,
}

const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "平",
];
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];

/// 4,000 members over 40 villages; member k is deterministic.
fn world() -> World {
    let mut ids = Vec::new();
    let mut members = Vec::new();
    for k in 0..4_000u32 {
        let sex = if k % 2 == 0 { Sex::Male } else { Sex::Female };
        let birth = day(1940 + (k % 60) as i32, 1 + k % 12, 1 + (k / 7) % 28);
        let id = IdNumber::compose("522722", birth, (k / 2 % 400) as u16, sex);
        let name = format!(
            "{}{}",
            SURNAMES[(k / 3 % 10) as usize],
            GIVEN[(k / 30 % 20) as usize]
        );
        let village = format!("522722{:03}{:03}", 100 + k % 5, 200 + k % 40);
        members.push(Person::member(&id, &name, birth, sex, &village));
        ids.push(id);
    }
    // a namesake of member 5: same name, birth date, sex and village, another number
    let m5 = members[5];
    let b = m5.birth.unwrap();
    let twin = IdNumber::compose(
        "522722",
        day(b.year() as i32, b.month(), b.day()),
        450,
        m5.sex.unwrap(),
    );
    members.push(Person {
        id: IdText::new(twin.as_str()),
        ..m5
    });
    ids.push(twin);
    World {
        ids,
        registry: Registry::new(members),
    }
}

fn record(id: &str, name: &str, birth: Option<NaiveDate>, sex: Option<Sex>, place: &str) -> Person {
    Person::from_record(id, name, birth, sex, place, today())
}

/// 3,000 clean records with valid IDs (so the model can learn), then the cases under test.
fn run(world: &World, cases: &[Person]) -> Outcome {
    let mut records: Vec<Person> = (0..3_000u32)
        .map(|k| {
            let m = world.registry.member(k);
            Person { ..*m }
        })
        .collect();
    records.extend_from_slice(cases);
    let settings = Settings {
        random_pairs: 200_000,
        ..Settings::default()
    };
    world.registry.link(&records, &settings)
}

fn outcome_of(o: &Outcome, case: usize) -> Link {
    o.links[3_000 + case]
}

#[test]
fn exact_ids_link_and_a_valid_stranger_does_not() {
    let w = world();
    let stranger = IdNumber::compose("522722", day(1950, 5, 5), 499, Sex::Male);
    let m = *w.registry.member(10);
    let o = run(
        &w,
        &[
            record(w.ids[10].as_str(), "随便", None, None, ""),
            record(stranger.as_str(), "", None, None, ""),
        ],
    );
    let a = outcome_of(&o, 0);
    assert_eq!((a.member, a.method), (Some(10), Method::ExactId));
    assert_eq!(
        a.decision,
        Decision::Review,
        "ID agrees but the name does not at all"
    );
    let b = outcome_of(&o, 1);
    assert_eq!(
        (b.method, b.decision),
        (Method::IdNotInRegistry, Decision::NoMatch)
    );
    assert!(m.id_valid);
    assert_eq!(o.stats.exact, 3_001);
}

#[test]
fn a_mistyped_or_missing_number_is_found_by_name_birth_and_place() {
    let w = world();
    let k = 1234usize;
    let m = *w.registry.member(k as u32);
    let mut typo = w.ids[k].as_str().as_bytes().to_vec();
    typo[15] = if typo[15] == b'9' { b'0' } else { typo[15] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let birth = m.birth.map(|b| day(b.year() as i32, b.month(), b.day()));
    let name: String = m.name.unwrap().chars().iter().collect();
    let o = run(
        &w,
        &[
            record(&typo, &name, None, None, ""),
            record("", &name, birth, m.sex, "522722"),
        ],
    );
    for case in 0..2 {
        let l = outcome_of(&o, case);
        assert_eq!(l.method, Method::Probabilistic, "case {case}");
        assert_eq!(l.member, Some(k as u32), "case {case}");
    }
    assert_eq!(outcome_of(&o, 0).decision, Decision::Match);
}

#[test]
fn without_a_number_a_namesake_cannot_be_told_apart_and_goes_to_a_person() {
    let w = world();
    // find two members with the same name, birth date and sex
    let mut seen = std::collections::HashMap::new();
    let mut pair = None;
    for k in 0..w.registry.len() as u32 {
        let m = w.registry.member(k);
        let key = (m.name.unwrap().whole(), m.birth, m.sex);
        if let Some(&first) = seen.get(&key) {
            pair = Some((first, k));
            break;
        }
        seen.insert(key, k);
    }
    let (a, _b) = pair.expect("the world has namesakes");
    let m = *w.registry.member(a);
    let name: String = m.name.unwrap().chars().iter().collect();
    let birth = m.birth.map(|b| day(b.year() as i32, b.month(), b.day()));
    let o = run(&w, &[record("", &name, birth, m.sex, "")]);
    let l = outcome_of(&o, 0);
    assert_eq!(l.decision, Decision::Review);
    assert!(l.runner_up.is_some());
}

#[test]
fn a_homophone_with_swapped_day_and_month_still_links() {
    let w = world();
    let k = (0..4_000u32)
        .find(|&k| {
            let m = w.registry.member(k);
            let b = m.birth.unwrap();
            m.name.unwrap().chars()[0] == '张' && b.day() <= 12 && b.day() != b.month()
        })
        .unwrap();
    let m = *w.registry.member(k);
    let b = m.birth.unwrap();
    let swapped = day(b.year() as i32, b.day(), b.month());
    let given: String = m.name.unwrap().chars()[1..].iter().collect();
    let o = run(
        &w,
        &[record("", &format!("章{given}"), Some(swapped), m.sex, "")],
    );
    let l = outcome_of(&o, 0);
    assert_eq!(l.member, Some(k));
    assert_ne!(l.decision, Decision::NoMatch);
}

#[test]
fn a_stranger_without_a_number_is_no_match() {
    let w = world();
    let o = run(
        &w,
        &[record(
            "",
            "欧阳娜娜",
            Some(day(1999, 9, 9)),
            Some(Sex::Female),
            "",
        )],
    );
    assert_eq!(outcome_of(&o, 0).decision, Decision::NoMatch);
}

#[test]
fn thresholds_must_leave_review_below_match_inside_zero_and_one() {
    let with = |m: f64, r: f64| Settings {
        match_probability: m,
        review_probability: r,
        ..Settings::default()
    };
    assert!(Settings::default().check().is_ok());
    assert!(with(0.9, 0.9).check().is_ok());
    for (m, r) in [(0.5, 0.9), (1.0, 0.5), (0.9, 0.0), (f64::NAN, 0.5)] {
        assert!(with(m, r).check().is_err(), "match {m}, review {r}");
    }
}
