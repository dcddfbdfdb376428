//! The same person registered in two households (重复登记): the registry against itself.
//! ID numbers are unique in the registry, so a person entered twice differs in the number —
//! a slipped digit, an old 15-digit form. Members with the same name (as linkage reads it:
//! traditional characters and separators folded), birth date and sex in different households
//! are the same person when their numbers are one slip apart (one digit, two neighbours
//! swapped, one missing or extra, or the 15- and 18-digit forms of one number). Numbers further
//! apart are namesakes, as in linkage, or too garbled to tell; neither is raised.

use chrono::NaiveDate;

use super::rules::{Evidence, Finding, Rule};
use crate::AreaCode;
use crate::codes::{CodeList, Sex};
use crate::linkage::{IdText, Name};

/// A member as the duplicate scan reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredMember {
    pub household_id: i64,
    pub household_number: String,
    pub village: AreaCode,
    pub id_number: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

/// Every pair of members in different households that are one person.
pub fn find(members: &[RegisteredMember]) -> Vec<Finding> {
    let mut keyed: Vec<(u64, NaiveDate, Sex, usize)> = members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((Name::new(&m.name)?.whole(), m.birth_date, m.sex, i)))
        .collect();
    keyed.sort_unstable_by_key(|k| (k.0, k.1, k.2.code()));
    let mut found = Vec::new();
    for group in keyed.chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2)) {
        for (n, a) in group.iter().enumerate() {
            for b in &group[n + 1..] {
                let (a, b) = (&members[a.3], &members[b.3]);
                if a.household_id != b.household_id && one_person(a, b) {
                    found.push(duplicate(a, b));
                }
            }
        }
    }
    found
}

fn one_person(a: &RegisteredMember, b: &RegisteredMember) -> bool {
    match (IdText::new(&a.id_number), IdText::new(&b.id_number)) {
        (Some(x), Some(y)) => x.within_one_edit(&y),
        _ => false,
    }
}

fn duplicate(a: &RegisteredMember, b: &RegisteredMember) -> Finding {
    // the pair in a fixed order, so that the key does not depend on which was read first
    let (a, b) = if a.id_number <= b.id_number {
        (a, b)
    } else {
        (b, a)
    };
    let line = |m: &RegisteredMember| {
        format!(
            "户{}（{}）成员{}，身份证号{}",
            m.household_number, m.village, m.name, m.id_number
        )
    };
    Finding {
        rule: Rule::Duplicate,
        area: a.village.clone(),
        household_id: Some(a.household_id),
        related_household_id: Some(b.household_id),
        subject: format!("{} {}", a.name, crate::date::iso(a.birth_date)),
        key: format!("{}|{}|{}", Rule::Duplicate.code(), a.id_number, b.id_number),
        evidence: Evidence {
            records: Vec::new(),
            link: None,
            facts: vec![
                line(a),
                line(b),
                format!(
                    "姓名、性别、出生日期（{}）相同，身份证号只差一处或无效",
                    crate::date::iso(a.birth_date)
                ),
            ],
            names: vec![a.name.clone(), b.name.clone()],
            visits: Vec::new(),
        },
    }
}
