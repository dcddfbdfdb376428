//! Linkage quality against a truth file (`fupin gen --departments` writes one): precision,
//! recall and F1 of the links a run called matches, separately for the records joined on a
//! valid ID number and for the rest (scored), and for the hard cases — namesakes, a record
//! linked to the wrong member of the right family, lists without an address — and each slip.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result};
use fupin_core::linkage::Decision;
use fupin_storage::Db;
use fupin_storage::comparison::RunRow;

use super::run::decision_of;
use crate::sheet::find_column;

/// One record's truth.
#[derive(Debug, Clone)]
pub struct TruthRow {
    /// The member's ID number, or empty for someone not in the registry.
    pub member: String,
    pub household: String,
    pub origin: String,
    pub slips: Vec<String>,
}

/// The truth of one kind's list, by record key.
pub fn read_truth(path: &Path, kind: &str) -> Result<HashMap<String, TruthRow>> {
    let mut rows = crate::sheet::open(path)?;
    let header = rows.next().context("empty truth file")??.1;
    let col = |zh: &str| find_column(&header, zh, zh);
    let (k, key, member, household, origin, slips) = (
        col("数据类别")?,
        col("记录编号")?,
        col("真实身份证号")?,
        col("户编号")?,
        col("来源")?,
        col("差错")?,
    );
    let mut out = HashMap::new();
    for row in rows {
        let (_, cells) = row?;
        let cell = |i: usize| cells.get(i).unwrap_or("").to_string();
        if cell(k) != kind {
            continue;
        }
        out.insert(
            cell(key),
            TruthRow {
                member: cell(member),
                household: cell(household),
                origin: cell(origin),
                slips: cell(slips)
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
        );
    }
    Ok(out)
}

/// Confusion counts of one part of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub records: u64,
    pub true_positive: u64,
    pub false_positive: u64,
    pub false_negative: u64,
    /// Sent to a person (counted as not linked above).
    pub review: u64,
    /// Linked to another member of the true member's household.
    pub wrong_family_member: u64,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Quality {
    /// Records whose ID number is valid (joined on it).
    pub exact: Counts,
    /// Records whose ID number is missing or malformed (scored).
    pub fuzzy: Counts,
    /// Namesakes of members, not in the registry.
    pub namesakes: Counts,
    /// The scored records by slip.
    pub by_slip: BTreeMap<String, Counts>,
    /// Records in the run that the truth file does not know.
    pub unknown: u64,
}

/// Compares run `run`'s links with `truth`.
pub async fn evaluate(
    db: &Db,
    run: &RunRow,
    truth: &HashMap<String, TruthRow>,
    today: chrono::NaiveDate,
) -> Result<Quality> {
    let mut q = Quality::default();
    db.export_links(run, &mut |page| {
        for l in page {
            let Some(t) = truth.get(&l.record_key) else {
                q.unknown += 1;
                continue;
            };
            let matched = l.decision.map(decision_of) == Some(Decision::Match);
            let predicted = if matched {
                l.member_id_number.as_deref().unwrap_or("")
            } else {
                ""
            };
            let review = l.decision.map(decision_of) == Some(Decision::Review);
            // as the linker judges it: an old 15-digit number counts once upgraded
            let valid = fupin_core::linkage::IdText::new(&l.record_id_number)
                .is_some_and(|t| fupin_core::IdNumber::parse(t.as_str(), today).is_ok());
            let mut parts: Vec<&mut Counts> = Vec::new();
            let (exact, fuzzy, namesakes) = (&mut q.exact, &mut q.fuzzy, &mut q.namesakes);
            parts.push(if valid { exact } else { fuzzy });
            if t.origin == "namesake" {
                parts.push(namesakes);
            }
            let wrong_family = !predicted.is_empty()
                && predicted != t.member
                && !t.household.is_empty()
                && l.household_number.as_deref() == Some(t.household.as_str());
            let tally = |c: &mut Counts| {
                c.records += 1;
                c.review += u64::from(review);
                if !predicted.is_empty() && predicted == t.member {
                    c.true_positive += 1;
                } else {
                    c.false_positive += u64::from(!predicted.is_empty());
                    c.false_negative += u64::from(!t.member.is_empty());
                }
                c.wrong_family_member += u64::from(wrong_family);
            };
            for c in parts {
                tally(c);
            }
            if !valid {
                for s in &t.slips {
                    tally(q.by_slip.entry(s.clone()).or_default());
                }
            }
        }
        Ok(())
    })
    .await?;
    Ok(q)
}

/// A few lines for a terminal or a benchmark log.
pub fn report(q: &Quality) -> String {
    let line = |name: &str, c: &Counts| {
        format!(
            "{name:<22} records {:>8}  P {:.4}  R {:.4}  F1 {:.4}  (tp {}, fp {}, fn {}, review {}, wrong family member {})",
            c.records,
            c.precision(),
            c.recall(),
            c.f1(),
            c.true_positive,
            c.false_positive,
            c.false_negative,
            c.review,
            c.wrong_family_member
        )
    };
    let mut out = vec![
        line("valid ID (exact)", &q.exact),
        line("no valid ID (scored)", &q.fuzzy),
        line("namesakes", &q.namesakes),
    ];
    for (slip, c) in &q.by_slip {
        out.push(line(&format!("  slip {slip}"), c));
    }
    if q.unknown > 0 {
        out.push(format!("{} records not in the truth file", q.unknown));
    }
    out.join("\n")
}
