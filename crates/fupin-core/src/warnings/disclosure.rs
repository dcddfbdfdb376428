//! A warning's evidence as one viewer may see it. The evidence names people (the department
//! record, the registry member it was linked to, the two members of a duplicate), so pages and
//! the API show it through the viewer's [`Disclosure`] like any record: structured fields are
//! masked field by field, and the rule's sentences have the ID numbers, names and birth dates
//! they quote masked too.

use serde::Serialize;

use super::rules::{Evidence, ListEntry};
use crate::access::Sensitive;
use crate::codes::CodeList;
use crate::masking::{self, Disclosure};

/// A department record as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownRecord {
    pub source: String,
    pub kind: &'static str,
    pub row_no: i64,
    pub key: String,
    pub id_number: String,
    pub name: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub place: String,
    pub date: String,
    pub amount: String,
    pub detail: String,
}

/// The registry member a record was linked to, as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownLink {
    pub member_id_number: String,
    pub member_name: String,
    pub probability: f64,
    pub explanation: String,
    /// Field by field; no personal value is in them.
    pub parts: Vec<super::LinkPart>,
}

/// Evidence as shown to one viewer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownEvidence {
    pub records: Vec<ShownRecord>,
    pub link: Option<ShownLink>,
    pub facts: Vec<String>,
    /// The field visits it is about (their pages check the viewer's reach again).
    pub visits: Vec<i64>,
}

/// What a viewer may not see that the evidence quotes in its sentences.
struct Quoted {
    names: Vec<String>,
    birth_dates: Vec<String>,
}

impl Quoted {
    fn of(e: &Evidence, subject: &str) -> Self {
        let mut names: Vec<String> = e.records.iter().map(|r| r.record.name.clone()).collect();
        names.extend(e.link.iter().map(|l| l.member_name.clone()));
        names.extend(e.names.iter().cloned());
        let mut birth_dates: Vec<String> = e
            .records
            .iter()
            .filter_map(|r| r.record.birth_date.map(crate::date::iso))
            .collect();
        for text in e.facts.iter().map(String::as_str).chain([subject]) {
            birth_dates.extend(id_like(text).filter_map(|(_, id)| birth_in(id)));
        }
        names.retain(|n| n.chars().count() >= 2);
        // longer first, so 欧阳小明 is masked whole before 小明 could be
        names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        names.dedup();
        Self { names, birth_dates }
    }
}

/// `text` with the ID numbers, names and birth dates it quotes masked for `d`.
fn mask_text(d: &Disclosure, quoted: &Quoted, text: &str) -> String {
    let mut out = text.to_string();
    if !d.reveals(Sensitive::IdNumber) {
        let ids: Vec<(usize, &str)> = id_like(text).collect();
        for (at, id) in ids.into_iter().rev() {
            out.replace_range(at..at + id.len(), &masking::id_number(id));
        }
    }
    if !d.reveals(Sensitive::Name) {
        for n in &quoted.names {
            out = out.replace(n.as_str(), &masking::name(n));
        }
    }
    if !d.reveals(Sensitive::BirthDate) {
        for b in &quoted.birth_dates {
            out = out.replace(b.as_str(), &masking::birth_date(b));
        }
    }
    out
}

/// The ID-number-like tokens of `text` (15 or 18 characters of digits, the last may be X),
/// with their byte offsets.
fn id_like(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i < bytes.len() && matches!(bytes[i], b'X' | b'x') {
                i += 1;
            }
            if matches!(i - start, 15 | 18) {
                return Some((start, &text[start..i]));
            }
        }
        None
    })
}

/// The birth date an ID number carries, as `YYYY-MM-DD`.
fn birth_in(id: &str) -> Option<String> {
    let (y, rest) = match id.len() {
        18 => (id.get(6..10)?.to_string(), id.get(10..14)?),
        15 => (format!("19{}", id.get(6..8)?), id.get(8..12)?),
        _ => return None,
    };
    Some(format!("{y}-{}-{}", &rest[..2], &rest[2..]))
}

fn shown_record(d: &Disclosure, r: &ListEntry) -> ShownRecord {
    let rec = &r.record;
    ShownRecord {
        source: r.source.clone(),
        kind: r.kind.zh(),
        row_no: r.row_no,
        key: rec.key.clone(),
        id_number: d.show(Sensitive::IdNumber, &rec.id_number),
        name: d.show(Sensitive::Name, &rec.name),
        sex: rec.sex.map_or("", |s| s.zh()),
        birth_date: rec
            .birth_date
            .map(|b| d.show(Sensitive::BirthDate, &crate::date::iso(b)))
            .unwrap_or_default(),
        place: rec.place.clone(),
        date: rec.date.map(crate::date::iso).unwrap_or_default(),
        amount: rec.amount.map(|a| a.yuan_string()).unwrap_or_default(),
        detail: rec.detail.clone(),
    }
}

/// The evidence of a warning about `subject`, and the subject itself, as `d` may see them.
pub fn shown(d: &Disclosure, e: &Evidence, subject: &str) -> (ShownEvidence, String) {
    let quoted = Quoted::of(e, subject);
    let evidence = ShownEvidence {
        records: e.records.iter().map(|r| shown_record(d, r)).collect(),
        link: e.link.as_ref().map(|l| ShownLink {
            member_id_number: d.show(Sensitive::IdNumber, &l.member_id_number),
            member_name: d.show(Sensitive::Name, &l.member_name),
            probability: l.probability,
            explanation: l.explanation.clone(),
            parts: l.parts.clone(),
        }),
        facts: e.facts.iter().map(|f| mask_text(d, &quoted, f)).collect(),
        visits: e.visits.clone(),
    };
    (evidence, mask_text(d, &quoted, subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate_evidence() -> Evidence {
        Evidence {
            records: Vec::new(),
            link: None,
            facts: vec![
                "户5227260010010001（522726001001）成员王小明，身份证号522726198001011234".into(),
                "姓名、性别、出生日期（1980-01-01）相同，身份证号只差一处或无效".into(),
            ],
            names: vec!["王小明".into()],
            visits: Vec::new(),
        }
    }

    #[test]
    fn quoted_ids_names_and_birth_dates_are_masked_for_a_viewer_without_them() {
        let public = Disclosure::public();
        let (e, subject) = shown(&public, &duplicate_evidence(), "王小明 1980-01-01");
        assert!(e.facts[0].contains("5227**********1234"), "{}", e.facts[0]);
        // the household number (16 digits) is not an ID number
        assert!(e.facts[0].contains("5227260010010001"));
        assert!(e.facts[1].contains("1980-**-**"), "{}", e.facts[1]);
        assert!(e.facts[0].contains("成员王*明"), "{}", e.facts[0]);
        assert_eq!(subject, "王*明 1980-**-**");
        // a leader sees names, not ID numbers or birth dates
        let leader = Disclosure::for_principal(&crate::access::Principal {
            user_id: 1,
            username: "l".into(),
            area: crate::AreaCode::parse("522726").unwrap(),
            roles: vec![crate::access::Role::OfficeLeader],
            token_actions: None,
        });
        let (e, subject) = shown(&leader, &duplicate_evidence(), "王小明 1980-01-01");
        assert!(e.facts[0].contains("成员王小明，身份证号5227**********1234"));
        assert_eq!(subject, "王小明 1980-**-**");
        let full = Disclosure::full();
        let (e, subject) = shown(&full, &duplicate_evidence(), "王小明 1980-01-01");
        assert_eq!(e.facts, duplicate_evidence().facts);
        assert_eq!(subject, "王小明 1980-01-01");
    }

    #[test]
    fn id_like_tokens_are_whole_runs_of_15_or_18() {
        let found: Vec<&str> = id_like("a 52272619800101123X b 123456789012345 c 1234567890123456")
            .map(|(_, t)| t)
            .collect();
        assert_eq!(found, ["52272619800101123X", "123456789012345"]);
        assert_eq!(birth_in("522726800101123").as_deref(), Some("1980-01-01"));
    }
}
