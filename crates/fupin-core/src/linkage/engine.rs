//! Links a department list to the registry's members.
//!
//! 1. A record whose ID number is valid is joined on it: found, it is that member (the name is
//!    still compared, and a name that does not agree at all sends the link to a person); not
//!    found, it is nobody in the registry — a valid number that differs is strong evidence of a
//!    different person, so no name-and-birthday guess overrides it.
//! 2. The model is estimated from this very run (see `model`).
//! 3. A record whose number is missing or malformed is compared with the members that share a
//!    blocking key with it — its birth date (or that date with day and month swapped) with the
//!    sound of its surname, or with the sound of its given name; the sound of its whole name
//!    with two of the three parts of its birth date; the address and sequence digits of its
//!    number with the sound of its surname — and the
//!    best-scoring member is its link. A runner-up nearly as good makes it a case for a person.
//!    Each key tolerates the slips the others do not: a wrong surname, a wrong birth day, a
//!    name and date both garbled but a number one digit off.

use foldhash::HashMapExt;

use super::compare::{LinkField, Pattern, compare};
use super::model::{Model, PatternCounts};
use super::person::{Person, Ymd};

type FastMap<K, V> = foldhash::HashMap<K, V>;

/// Thresholds and effort; every run records the settings it used.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// At or above this probability a link is a match.
    pub match_probability: f64,
    /// At or above this (and below `match_probability`) a person must decide.
    pub review_probability: f64,
    /// A runner-up within this many bits of the best makes a match a case for review.
    pub ambiguity_bits: f64,
    /// Random pairs drawn to estimate `u`.
    pub random_pairs: usize,
    /// Rounds of expectation–maximisation for `m`.
    pub em_rounds: usize,
    /// Share of the list assumed to be in the registry when no record has a valid ID number
    /// to learn it from.
    pub assumed_share_in_registry: f64,
    /// Members read from one blocking key at most (a default birthday like 1 January can
    /// gather thousands).
    pub max_block: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            match_probability: 0.95,
            review_probability: 0.50,
            ambiguity_bits: 4.0,
            random_pairs: 2_000_000,
            em_rounds: 20,
            assumed_share_in_registry: 0.5,
            max_block: 5_000,
        }
    }
}

/// Thresholds that do not satisfy 0 < review ≤ match < 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BadThresholds;

impl crate::message::Explained for BadThresholds {
    fn message(&self) -> crate::Message {
        crate::Message::new("linkage.bad_thresholds")
    }
}

crate::explained_error!(BadThresholds, &[MESSAGES]);

/// The texts of the messages of this module.
pub const MESSAGES: crate::message::Strings = &[(
    "linkage.bad_thresholds",
    "需 0 < 待核实阈值 ≤ 匹配阈值 < 1",
    "thresholds must satisfy 0 < review ≤ match < 1",
)];

impl Settings {
    pub fn check(&self) -> Result<(), BadThresholds> {
        let (m, r) = (self.match_probability, self.review_probability);
        if 0.0 < r && r <= m && m < 1.0 {
            Ok(())
        } else {
            Err(BadThresholds)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Match,
    Review,
    NoMatch,
}

/// How a record's link was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Joined on an equal, valid ID number.
    ExactId,
    /// A valid ID number that no member has.
    IdNotInRegistry,
    /// Scored against the members sharing a blocking key.
    Probabilistic,
    /// No member shares any blocking key, or the record has nothing to compare.
    NoCandidate,
}

/// One department record's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub record: u32,
    /// The best member found, also for a `NoMatch` (its score says how far it was).
    pub member: Option<u32>,
    pub pattern: Pattern,
    /// Total weight in bits, prior and name frequency included.
    pub bits: f32,
    pub probability: f32,
    pub decision: Decision,
    pub method: Method,
    /// A second member nearly as good, when there was one.
    pub runner_up: Option<u32>,
}

/// Counts of a run, for its summary.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub records: u64,
    pub valid_id: u64,
    pub exact: u64,
    pub id_not_in_registry: u64,
    pub probabilistic: u64,
    pub candidate_pairs: u64,
    pub oversized_blocks: u64,
    pub matches: u64,
    pub reviews: u64,
    pub no_matches: u64,
}

pub struct Outcome {
    pub links: Vec<Link>,
    pub model: Model,
    pub stats: Stats,
}

/// The registry's members, indexed for linking.
pub struct Registry {
    members: Vec<Person>,
    by_id: FastMap<[u8; 18], u32>,
    /// Sorted (key, member) pairs of each blocking key.
    by_birth_surname: Block,
    by_given_birth: Block,
    by_address_sequence: Block,
    by_sound_year_month: Block,
    by_sound_month_day: Block,
    by_sound_year_day: Block,
    name_count: FastMap<u64, u32>,
}

struct Block {
    keys: Vec<u64>,
    members: Vec<u32>,
}

impl Block {
    fn build(members: &[Person], key: impl Fn(&Person) -> Option<u64>) -> Block {
        let mut pairs: Vec<(u64, u32)> = members
            .iter()
            .enumerate()
            .filter_map(|(i, p)| key(p).map(|k| (k, i as u32)))
            .collect();
        pairs.sort_unstable();
        let (keys, members) = pairs.into_iter().unzip();
        Block { keys, members }
    }

    /// The members whose key lies in `low..=high`, or `None` past `max` of them.
    fn range(&self, low: u64, high: u64, max: usize) -> Option<&[u32]> {
        let from = self.keys.partition_point(|&k| k < low);
        let to = self.keys.partition_point(|&k| k <= high);
        (to - from <= max).then(|| &self.members[from..to])
    }
}

/// The address and sequence digits of the number with the sound of the surname (catches a
/// slip in the number's birth digits). Sequences are small numbers handed out per address and
/// birth date, so address and sequence alone gather a good part of a county.
fn address_sequence_surname(p: &Person) -> Option<u64> {
    let digits = p.id?.address_and_sequence()?;
    let surname = p.name.as_ref()?.surname_sound();
    Some((digits << 22) ^ u64::from(surname))
}

/// Birth date and the sound of the surname; all surnames of one date form one range.
fn birth_surname(birth: Ymd, p: &Person) -> Option<u64> {
    let surname = p.name.as_ref()?.surname_sound();
    Some((u64::from(birth.0) << 32) | u64::from(surname))
}

/// The sound of the given name with the birth date (catches a slip in the surname).
fn given_birth(birth: Ymd, p: &Person) -> Option<u64> {
    let given = p.name.as_ref()?.given_sound_key()?;
    Some(given.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(birth.0))
}

/// The sound of the whole name with two of the three parts of the birth date: whichever part
/// was mistyped, one of the three keys still agrees. Without a birth date, every year and
/// month of one name's sound is one range of the first.
fn sound_year_month(p: &Person) -> Option<u64> {
    let sound = p.name.as_ref()?.sound_key();
    let b = p.birth.map_or(0, |b| {
        (u64::from(b.year()).min(4095) << 4) | u64::from(b.month())
    });
    Some((sound << 16) | b)
}

fn sound_month_day(p: &Person) -> Option<u64> {
    let (sound, b) = (p.name.as_ref()?.sound_key(), p.birth?);
    Some((sound << 9) | (u64::from(b.month()) << 5) | u64::from(b.day()))
}

fn sound_year_day(p: &Person) -> Option<u64> {
    let (sound, b) = (p.name.as_ref()?.sound_key(), p.birth?);
    Some((sound << 17) | (u64::from(b.year()).min(4095) << 5) | u64::from(b.day()))
}

impl Registry {
    pub fn new(members: Vec<Person>) -> Registry {
        let (by_id, name_count, blocks) = std::thread::scope(|s| {
            let ids = s.spawn(|| {
                let mut map = FastMap::with_capacity(members.len());
                for (i, m) in members.iter().enumerate() {
                    if let Some(full) = m.id.and_then(|t| t.full()) {
                        map.insert(full, i as u32);
                    }
                }
                let mut names: FastMap<u64, u32> = FastMap::new();
                for m in &members {
                    if let Some(n) = &m.name {
                        *names.entry(n.whole()).or_default() += 1;
                    }
                }
                (map, names)
            });
            let given = s.spawn(|| Block::build(&members, |p| given_birth(p.birth?, p)));
            let address = s.spawn(|| Block::build(&members, address_sequence_surname));
            let month_day = s.spawn(|| Block::build(&members, sound_month_day));
            let birth = Block::build(&members, |p| birth_surname(p.birth?, p));
            let year_month = Block::build(&members, sound_year_month);
            let year_day = Block::build(&members, sound_year_day);
            let (ids, names) = ids.join().expect("index thread");
            let blocks = [
                birth,
                given.join().expect("index thread"),
                address.join().expect("index thread"),
                year_month,
                month_day.join().expect("index thread"),
                year_day,
            ];
            (ids, names, blocks)
        });
        let [
            by_birth_surname,
            by_given_birth,
            by_address_sequence,
            by_sound_year_month,
            by_sound_month_day,
            by_sound_year_day,
        ] = blocks;
        Registry {
            members,
            by_id,
            by_birth_surname,
            by_given_birth,
            by_address_sequence,
            by_sound_year_month,
            by_sound_month_day,
            by_sound_year_day,
            name_count,
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn member(&self, i: u32) -> &Person {
        &self.members[i as usize]
    }

    /// Share of members carrying the record's name exactly.
    pub fn name_share(&self, record: &Person) -> f64 {
        let count = record
            .name
            .and_then(|n| self.name_count.get(&n.whole()).copied())
            .unwrap_or(0);
        f64::from(count) / self.members.len().max(1) as f64
    }

    /// The members sharing a blocking key with `record`, each once; the flag says a key was
    /// skipped for gathering more than `max` members.
    fn candidates(&self, record: &Person, max: usize, out: &mut Vec<u32>) -> bool {
        out.clear();
        let mut oversized = false;
        let mut take = |found: Option<&[u32]>| match found {
            Some(found) => out.extend_from_slice(found),
            None => oversized = true,
        };
        let dates = record
            .birth
            .into_iter()
            .chain(record.birth.and_then(Ymd::swapped));
        for date in dates {
            match birth_surname(date, record) {
                Some(k) => take(self.by_birth_surname.range(k, k, max)),
                // no name to narrow by: every member born that day
                None => {
                    let day = u64::from(date.0) << 32;
                    take(self.by_birth_surname.range(day, day | 0xFFFF_FFFF, max))
                }
            }
            if let Some(k) = given_birth(date, record) {
                take(self.by_given_birth.range(k, k, max));
            }
        }
        if let Some(k) = address_sequence_surname(record) {
            take(self.by_address_sequence.range(k, k, max));
        }
        match (sound_year_month(record), record.birth.is_some()) {
            (Some(k), true) => take(self.by_sound_year_month.range(k, k, max)),
            // no birth date: every year and month of the name's sound
            (Some(k), false) => take(self.by_sound_year_month.range(k, k | 0xFFFF, max)),
            (None, _) => {}
        }
        if let Some(k) = sound_month_day(record) {
            take(self.by_sound_month_day.range(k, k, max));
        }
        if let Some(k) = sound_year_day(record) {
            take(self.by_sound_year_day.range(k, k, max));
        }
        out.sort_unstable();
        out.dedup();
        oversized
    }

    /// Links every record. Deterministic for the same inputs and settings.
    pub fn link(&self, records: &[Person], settings: &Settings) -> Outcome {
        let mut stats = Stats {
            records: records.len() as u64,
            ..Stats::default()
        };
        let mut links: Vec<Link> = Vec::with_capacity(records.len());
        let mut sure = PatternCounts::new();
        let mut fuzzy: Vec<u32> = Vec::new();
        let parts = in_parallel(records.len(), |range| self.join_on_ids(records, range));
        for part in parts {
            links.extend(part.links);
            fuzzy.extend(part.fuzzy);
            for (p, n) in part.sure {
                *sure.entry(p).or_default() += n;
            }
        }
        stats.valid_id = records.iter().filter(|r| r.id_valid).count() as u64;
        stats.exact = sure.values().sum();
        stats.id_not_in_registry = stats.valid_id - stats.exact;
        let share = if stats.valid_id > 0 {
            stats.exact as f64 / stats.valid_id as f64
        } else {
            settings.assumed_share_in_registry
        };
        let prior = share / self.members.len().max(1) as f64;
        let random = self.random_pairs(records, settings.random_pairs);
        let mut model = Model::from_samples(&random, &sure, prior);

        let scored = self.score_fuzzy(records, &fuzzy, settings, &mut stats);
        let mut counts = PatternCounts::new();
        for c in &scored.candidates {
            *counts.entry(c.1).or_default() += 1;
        }
        model.refine_m(&counts, settings.em_rounds);

        let weights = model.pattern_bits();
        let prior = model.prior_bits();
        for link in links.iter_mut().filter(|l| l.method == Method::ExactId) {
            let member = self.member(link.member.expect("exact has a member"));
            let frequency = model.name_frequency_bits(link.pattern, self.name_share(member));
            link.bits = (weights[usize::from(link.pattern.0)] + frequency + prior) as f32;
            link.probability = 1.0;
            link.decision = if link.pattern.level(LinkField::Name) == 5 {
                Decision::Review
            } else {
                Decision::Match
            };
        }
        for (slot, &record) in fuzzy.iter().enumerate() {
            let range = scored.offsets[slot]..scored.offsets[slot + 1];
            links[record as usize] = self.decide(
                record,
                records,
                &scored.candidates[range],
                (&model, &weights),
                settings,
            );
        }
        for l in &links {
            match l.decision {
                Decision::Match => stats.matches += 1,
                Decision::Review => stats.reviews += 1,
                Decision::NoMatch => stats.no_matches += 1,
            }
        }
        Outcome {
            links,
            model,
            stats,
        }
    }

    /// The exact pass over `records[range]`: a valid number found is that member, a valid one
    /// not found is nobody, the rest are left for scoring.
    fn join_on_ids(&self, records: &[Person], range: std::ops::Range<usize>) -> Joined {
        let mut out = Joined::default();
        for i in range {
            let r = &records[i];
            let found = r
                .id_valid
                .then(|| r.id.and_then(|t| t.full()))
                .flatten()
                .map(|full| self.by_id.get(&full).copied());
            let (member, method, pattern) = match found {
                Some(Some(m)) => {
                    let p = compare(r, self.member(m));
                    *out.sure.entry(p).or_default() += 1;
                    (Some(m), Method::ExactId, p)
                }
                Some(None) => (None, Method::IdNotInRegistry, Pattern(0)),
                None => {
                    out.fuzzy.push(i as u32);
                    (None, Method::NoCandidate, Pattern(0))
                }
            };
            out.links.push(Link {
                record: i as u32,
                member,
                pattern,
                bits: 0.0,
                probability: 0.0,
                decision: Decision::NoMatch,
                method,
                runner_up: None,
            });
        }
        out
    }

    fn decide(
        &self,
        record: u32,
        records: &[Person],
        candidates: &[(u32, Pattern)],
        (model, weights): (&Model, &[f64]),
        settings: &Settings,
    ) -> Link {
        let r = &records[record as usize];
        let prior = model.prior_bits();
        let share = self.name_share(r);
        let score = |&(m, p): &(u32, Pattern)| {
            let frequency = model.name_frequency_bits(p, share);
            (m, p, weights[usize::from(p.0)] + frequency + prior)
        };
        let mut best: Option<(u32, Pattern, f64)> = None;
        let mut second: Option<(u32, Pattern, f64)> = None;
        for c in candidates.iter().map(score) {
            if best.is_none_or(|b| c.2 > b.2) {
                second = best;
                best = Some(c);
            } else if second.is_none_or(|s| c.2 > s.2) {
                second = Some(c);
            }
        }
        let Some((member, pattern, bits)) = best else {
            return Link {
                record,
                member: None,
                pattern: Pattern(0),
                bits: f32::NEG_INFINITY,
                probability: 0.0,
                decision: Decision::NoMatch,
                method: Method::NoCandidate,
                runner_up: None,
            };
        };
        let probability = Model::probability(bits);
        let close = second.filter(|s| {
            bits - s.2 < settings.ambiguity_bits
                && Model::probability(s.2) >= settings.review_probability
        });
        let decision = if probability >= settings.match_probability && close.is_none() {
            Decision::Match
        } else if probability >= settings.review_probability {
            Decision::Review
        } else {
            Decision::NoMatch
        };
        Link {
            record,
            member: Some(member),
            pattern,
            bits: bits as f32,
            probability: probability as f32,
            decision,
            method: Method::Probabilistic,
            runner_up: close.map(|s| s.0),
        }
    }

    /// Comparison patterns of `n` random (record, member) pairs, for `u`.
    fn random_pairs(&self, records: &[Person], n: usize) -> PatternCounts {
        let mut counts = PatternCounts::new();
        if records.is_empty() || self.members.is_empty() {
            return counts;
        }
        // two fixed halves with their own seeds: the same sample on any number of cores
        let halves = std::thread::scope(|s| {
            let half = |seed: u64, n: usize| {
                s.spawn(move || {
                    let mut counts = PatternCounts::new();
                    let mut rng = SplitMix(seed);
                    for _ in 0..n {
                        let r = &records[rng.below(records.len())];
                        let m = &self.members[rng.below(self.members.len())];
                        *counts.entry(compare(r, m)).or_default() += 1;
                    }
                    counts
                })
            };
            let (a, b) = (
                half(0x5eed_f0b1_2024, n / 2),
                half(0x5eed_f0b1_2025, n - n / 2),
            );
            [
                a.join().expect("sampling thread"),
                b.join().expect("sampling thread"),
            ]
        });
        for half in halves {
            for (p, c) in half {
                *counts.entry(p).or_default() += c;
            }
        }
        counts
    }

    /// Every candidate pair of the records without a usable ID, with its pattern; the work is
    /// split between threads by record.
    fn score_fuzzy(
        &self,
        records: &[Person],
        fuzzy: &[u32],
        settings: &Settings,
        stats: &mut Stats,
    ) -> Scored {
        let parts: Vec<(Scored, u64)> = in_parallel(fuzzy.len(), |range| {
            let mut scored = Scored::default();
            let mut oversized = 0;
            let mut found = Vec::new();
            for &i in &fuzzy[range] {
                let r = &records[i as usize];
                oversized += u64::from(self.candidates(r, settings.max_block, &mut found));
                scored
                    .candidates
                    .extend(found.iter().map(|&m| (m, compare(r, self.member(m)))));
                scored.offsets.push(scored.candidates.len());
            }
            (scored, oversized)
        });
        let mut all = Scored {
            candidates: Vec::new(),
            offsets: vec![0],
        };
        for (part, oversized) in parts {
            let base = all.candidates.len();
            all.offsets
                .extend(part.offsets.iter().skip(1).map(|o| o + base));
            all.candidates.extend(part.candidates);
            stats.oversized_blocks += oversized;
        }
        stats.probabilistic = fuzzy.len() as u64;
        stats.candidate_pairs = all.candidates.len() as u64;
        all
    }
}

/// The exact pass over part of a list.
#[derive(Default)]
struct Joined {
    links: Vec<Link>,
    sure: PatternCounts,
    fuzzy: Vec<u32>,
}

/// Runs `work` over `0..n` split into one contiguous range per core, results in range order.
fn in_parallel<T: Send>(n: usize, work: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|from| {
                let work = &work;
                s.spawn(move || work(from..(from + chunk).min(n)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

/// Candidate pairs, grouped by record: record k's are `candidates[offsets[k]..offsets[k + 1]]`.
struct Scored {
    candidates: Vec<(u32, Pattern)>,
    offsets: Vec<usize>,
}

impl Default for Scored {
    fn default() -> Self {
        Scored {
            candidates: Vec::new(),
            offsets: vec![0],
        }
    }
}

/// A small deterministic generator for the random pairs (reproducible runs).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}
