//! The Fellegi–Sunter model: for each field and agreement level, `m` is the chance of that level
//! when the record and the member are the same person, `u` the chance when they are two people
//! taken at random. A level weighs log2(m/u) bits; a pair's weight is the sum over its fields
//! plus the prior odds that a random pair is a match, and its probability follows from that.
//!
//! How the numbers are found (every run, from its own data — nothing is typed in):
//! - `u` from a large random sample of (record, member) pairs, which are almost all different
//!   people; an exact name is further weighed by how common that name is among the members
//!   (term frequency), so 王伟 agreeing counts less than 覃婀娜 agreeing.
//! - `m` first from the pairs joined on a valid ID number, which are the same person for
//!   certain, then refined by expectation–maximisation over the candidate pairs of the records
//!   without a usable ID (their own error rates may differ); `u` and the prior stay fixed.
//! - the prior from the share of valid-ID records found in the registry, divided by the number
//!   of members: the chance that one given member is the record's person.

use std::collections::HashMap;

use super::compare::{LinkField, MISSING, Pattern};

/// Fewest observations a level is assumed to have had, so that a level never seen in a sample
/// gets a small probability instead of zero (which would weigh infinitely).
const PSEUDO_COUNT: f64 = 0.5;
/// No kind of slip is taken to be rarer than this among true matches: a list whose valid-ID
/// records happen to be clean must not make a homophone in a record without an ID count as
/// evidence against.
const M_FLOOR: f64 = 1e-3;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// Chance that a random (record, member) pair is the same person.
    pub prior: f64,
    /// `m[field][level]`
    pub m: [Vec<f64>; 5],
    /// `u[field][level]`
    pub u: [Vec<f64>; 5],
}

/// Pair counts by comparison pattern.
pub type PatternCounts = HashMap<Pattern, u64>;

/// One field's part in a pair's weight.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldEvidence {
    pub field: LinkField,
    /// `None` when one side had no value.
    pub level: Option<u8>,
    pub bits: f64,
}

/// Why a pair scored what it did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub fields: Vec<FieldEvidence>,
    /// Extra bits for how rare the agreeing name is (0 unless the names are equal).
    pub name_frequency_bits: f64,
    pub prior_bits: f64,
    pub total_bits: f64,
    pub probability: f64,
}

impl Model {
    /// `u` from sampled pairs, `m` from sure matches, and the prior.
    pub fn from_samples(random: &PatternCounts, sure: &PatternCounts, prior: f64) -> Model {
        Model {
            prior: prior.clamp(1e-12, 0.5),
            m: LinkField::ALL.map(|f| shares(sure, f, Some(&m_default(f)))),
            u: LinkField::ALL.map(|f| shares(random, f, None)),
        }
    }

    /// Weight of one field at one level, in bits.
    pub fn level_bits(&self, field: LinkField, level: u8) -> f64 {
        let i = field.index();
        let l = usize::from(level);
        match (self.m[i].get(l), self.u[i].get(l)) {
            (Some(m), Some(u)) if level != MISSING => (m / u).log2(),
            _ => 0.0,
        }
    }

    /// The weight of every possible pattern (indexed by `Pattern.0`), for scoring millions of
    /// pairs with one lookup each. Level values a field does not have weigh nothing.
    pub fn pattern_bits(&self) -> Vec<f64> {
        (0..=u16::MAX >> 1).map(|p| self.bits(Pattern(p))).collect()
    }

    /// The pattern's weight without the prior or the name frequency.
    pub fn bits(&self, p: Pattern) -> f64 {
        LinkField::ALL
            .iter()
            .map(|&f| self.level_bits(f, p.level(f)))
            .sum()
    }

    pub fn prior_bits(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// Probability of a match from a weight that includes the prior.
    pub fn probability(total_bits: f64) -> f64 {
        1.0 / (1.0 + (-total_bits).exp2())
    }

    /// Extra bits when the names agree exactly: the exact-name `u` is replaced by the share of
    /// members who carry this very name.
    pub fn name_frequency_bits(&self, p: Pattern, name_share: f64) -> f64 {
        if p.level(LinkField::Name) != 0 || name_share <= 0.0 {
            return 0.0;
        }
        (self.u[LinkField::Name.index()][0] / name_share).log2()
    }

    pub fn explain(&self, p: Pattern, name_share: f64) -> Explanation {
        let fields: Vec<FieldEvidence> = LinkField::ALL
            .iter()
            .map(|&f| {
                let level = p.level(f);
                FieldEvidence {
                    field: f,
                    level: (level != MISSING).then_some(level),
                    bits: self.level_bits(f, level),
                }
            })
            .collect();
        let name_frequency_bits = self.name_frequency_bits(p, name_share);
        let prior_bits = self.prior_bits();
        let total_bits =
            fields.iter().map(|e| e.bits).sum::<f64>() + name_frequency_bits + prior_bits;
        Explanation {
            fields,
            name_frequency_bits,
            prior_bits,
            total_bits,
            probability: Model::probability(total_bits),
        }
    }

    /// Refines `m` by expectation–maximisation over candidate-pair counts, `u` and the prior
    /// fixed. Returns the largest change of any `m` in the last round.
    pub fn refine_m(&mut self, candidates: &PatternCounts, rounds: usize) -> f64 {
        let prior = self.prior_bits();
        let mut change = 0.0;
        for _ in 0..rounds {
            let mut matched = [[0.0f64; 8]; 5];
            for (&p, &n) in candidates {
                let chance = Model::probability(self.bits(p) + prior) * n as f64;
                for f in LinkField::ALL {
                    matched[f.index()][usize::from(p.level(f))] += chance;
                }
            }
            change = 0.0;
            for f in LinkField::ALL {
                let i = f.index();
                let levels = self.m[i].len();
                let total: f64 = matched[i][..levels].iter().sum();
                if total < 1.0 {
                    continue; // no evidence about this field in the candidates
                }
                let new = normalised(
                    (0..levels)
                        .map(|l| {
                            ((matched[i][l] + PSEUDO_COUNT * self.m[i][l]) / (total + PSEUDO_COUNT))
                                .max(M_FLOOR)
                        })
                        .collect(),
                );
                for (l, new) in new.into_iter().enumerate() {
                    change = f64::max(change, (new - self.m[i][l]).abs());
                    self.m[i][l] = new;
                }
            }
            if change < 1e-6 {
                break;
            }
        }
        change
    }
}

/// Starting `m` for a field, used where the sure matches say nothing (no ID slips can be seen in
/// pairs joined on an equal ID): one slip is how a malformed number of the same person looks.
fn m_default(field: LinkField) -> Vec<f64> {
    let levels = field.levels().len();
    match field {
        LinkField::Id => vec![0.05, 0.85, 0.10],
        _ => (0..levels)
            .map(|l| {
                if l == 0 {
                    0.9
                } else {
                    0.1 / (levels - 1) as f64
                }
            })
            .collect(),
    }
}

/// Each level's share of the counted pairs with a value in this field, smoothed; with
/// `fallback`, a field with no observations takes it, and sparse ones lean towards it.
fn shares(counts: &PatternCounts, field: LinkField, fallback: Option<&[f64]>) -> Vec<f64> {
    let levels = field.levels().len();
    let mut n = vec![0.0f64; levels];
    for (&p, &c) in counts {
        let l = usize::from(p.level(field));
        if l < levels {
            n[l] += c as f64;
        }
    }
    let total: f64 = n.iter().sum();
    if field == LinkField::Id && fallback.is_some() {
        // sure matches are joined on an equal number: they say nothing about slips
        return fallback.map(<[f64]>::to_vec).unwrap_or_default();
    }
    let shares = (0..levels).map(|l| {
        let pseudo = fallback.map_or(1.0 / levels as f64, |f| f[l]) * PSEUDO_COUNT * levels as f64;
        (n[l] + pseudo) / (total + PSEUDO_COUNT * levels as f64)
    });
    match fallback {
        Some(_) => normalised(shares.map(|s| s.max(M_FLOOR)).collect()),
        None => shares.collect(),
    }
}

fn normalised(mut v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    v.iter_mut().for_each(|x| *x /= total);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(items: &[([u8; 5], u64)]) -> PatternCounts {
        items.iter().map(|&(l, n)| (Pattern::new(l), n)).collect()
    }

    fn model() -> Model {
        // random pairs: names and births almost never agree
        let random = counts(&[
            ([2, 5, 3, 0, 4], 900_000),
            ([2, 5, 3, 1, 4], 900_000),
            ([2, 0, 3, 0, 4], 200),
            ([2, 1, 3, 0, 4], 300),
            ([2, 5, 0, 0, 2], 60),
            ([1, 5, 3, 0, 4], 1),
        ]);
        let sure = counts(&[
            ([0, 0, 0, 0, 0], 9_000),
            ([0, 1, 0, 0, 0], 500),
            ([0, 5, 0, 0, 0], 20),
        ]);
        Model::from_samples(&random, &sure, 1e-6)
    }

    #[test]
    fn agreement_weighs_for_and_disagreement_against() {
        let m = model();
        assert!(m.level_bits(LinkField::Name, 0) > 8.0);
        assert!(m.level_bits(LinkField::Name, 1) > 4.0);
        assert!(m.level_bits(LinkField::Name, 5) < -4.0);
        assert!(m.level_bits(LinkField::Birth, 0) > 10.0);
        assert_eq!(m.level_bits(LinkField::Sex, MISSING), 0.0);
        assert!(
            m.level_bits(LinkField::Id, 1) > 15.0,
            "a one-slip ID is strong evidence"
        );
    }

    #[test]
    fn an_explanation_adds_up_and_a_rare_name_counts_more() {
        let m = model();
        let p = Pattern::new([MISSING, 0, 0, 0, 0]);
        let common = m.explain(p, 1e-2);
        let rare = m.explain(p, 1e-6);
        assert!(rare.total_bits > common.total_bits);
        let sum: f64 = rare.fields.iter().map(|e| e.bits).sum::<f64>()
            + rare.name_frequency_bits
            + rare.prior_bits;
        assert!((sum - rare.total_bits).abs() < 1e-9);
        assert!(rare.probability > 0.99);
        let none = m.explain(Pattern::new([MISSING, 5, 3, 1, 4]), 0.0);
        assert!(none.probability < 1e-6);
    }

    #[test]
    fn expectation_maximisation_learns_that_names_are_often_misspelt() {
        let mut m = model();
        let before = m.m[LinkField::Name.index()][1];
        // among the candidates, many clear matches (birth, sex, village agree) carry homophones
        let candidates = counts(&[
            ([MISSING, 1, 0, 0, 0], 3_000),
            ([MISSING, 0, 0, 0, 0], 3_000),
            ([MISSING, 5, 0, 0, 4], 100_000),
        ]);
        m.refine_m(&candidates, 50);
        let after = m.m[LinkField::Name.index()][1];
        assert!(after > before * 3.0, "{before} → {after}");
        let total: f64 = m.m[LinkField::Name.index()].iter().sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
