//! The audit trail's chain: every entry's hash covers its own fields and the hash before it,
//! so an entry edited, removed or inserted afterwards breaks the chain where it happened.
//!
//! Pure: storage appends and reads the entries; this module computes and checks hashes.

use std::fmt;

use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored (id and chain fields included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Consecutive from 1: a gap is a deleted entry.
    pub id: i64,
    pub at: String,
    /// Username, token name or `cli:…`.
    pub actor: String,
    pub user_id: Option<i64>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    /// The area the target belongs to (its subtree's admins see the entry); "" when none.
    pub area_code: String,
    pub client_addr: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry, given its fields and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        // length-prefixed fields: no two different entries serialise alike
        let user = self.user_id.map_or(String::new(), |u| u.to_string());
        for field in [
            self.id.to_string().as_str(),
            &self.at,
            &self.actor,
            &user,
            &self.action,
            &self.target_kind,
            &self.target_id,
            &self.area_code,
            &self.client_addr,
            &self.detail,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        format!("{:x}", h.finalize())
    }

    /// Fills `prev_hash` and `hash` to extend a chain whose last hash is `prev`.
    pub fn seal(mut self, prev: &str) -> Self {
        self.prev_hash = prev.to_string();
        self.hash = self.expected_hash();
        self
    }
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's content no longer matches its hash: it was edited.
    Edited { id: i64 },
    /// Entries are missing before this one (ids jump, or its link points elsewhere).
    Missing { after: i64, at: i64 },
    /// The chain is intact but ends before an entry known to have existed.
    Truncated { last: i64, expected: i64 },
    /// The entry differs from its recorded checkpoint: the chain was rebuilt after
    /// `last_matching` (the last checkpoint that still matched, if any) and by `id` at the latest.
    Rewritten { id: i64, last_matching: Option<i64> },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Edited { id } => write!(
                f,
                "第{id}条审计记录被修改 / audit entry {id} was edited (its hash no longer matches)"
            ),
            ChainBreak::Missing { after, at } => write!(
                f,
                "第{after}条与第{at}条之间的记录被删除 / entries between {after} and {at} were deleted"
            ),
            ChainBreak::Rewritten { id, last_matching } => rewritten(f, *id, *last_matching),
            ChainBreak::Truncated { last, expected } => write!(
                f,
                "审计记录止于第{last}条, 应至少到第{expected}条 / the trail ends at {last}, \
                 entries up to {expected} were deleted"
            ),
        }
    }
}

/// Where a rebuilt chain starts, as narrowly as the checkpoints tell: entries up to the last
/// matching checkpoint are unchanged (its hash covers them all), the first differing one is not.
fn rewritten(f: &mut fmt::Formatter<'_>, id: i64, last_matching: Option<i64>) -> fmt::Result {
    match last_matching {
        Some(last) if last == id - 1 => write!(
            f,
            "自第{id}条起审计记录被重写 (第{last}条仍与检查点相符) / the trail was rewritten from \
             entry {id} on (entry {last} still matches its checkpoint)"
        ),
        Some(last) => write!(
            f,
            "审计记录在第{last}条 (最后一个相符的检查点) 之后被重写, 最迟自第{id}条起 / the trail \
             was rewritten after entry {last} (the last matching checkpoint), by entry {id} at \
             the latest (it differs from its checkpoint)"
        ),
        None => write!(
            f,
            "第{id}条审计记录与检查点不符, 此前的记录被重写 / the trail was rewritten at or \
             before entry {id} (it differs from its checkpoint, and no earlier checkpoint matched)"
        ),
    }
}

/// A hash recorded for an entry outside the database (a head printed by an earlier
/// verification, a line of a checkpoint file): the trail must still hold it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: i64,
    pub hash: String,
}

/// Checks a chain incrementally, entry by entry in id order (it holds checkpoints, never the
/// whole trail).
#[derive(Debug)]
pub struct ChainVerifier {
    last_id: i64,
    last_hash: String,
    checked: u64,
    /// By id; `next` is the first not yet reached.
    checkpoints: Vec<Checkpoint>,
    next: usize,
    last_matching: Option<i64>,
    recording: Option<Recording>,
}

/// New checkpoints taken every `every` entries after entry `after` (the last one kept).
#[derive(Debug)]
struct Recording {
    every: i64,
    after: i64,
    taken: Vec<Checkpoint>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            last_id: 0,
            last_hash: GENESIS.to_string(),
            checked: 0,
            checkpoints: Vec::new(),
            next: 0,
            last_matching: None,
            recording: None,
        }
    }
}

impl ChainVerifier {
    /// A verifier that also checks the trail still holds `hash` at entry `id` (a head printed by
    /// an earlier verification and kept outside the database).
    pub fn with_anchor(id: i64, hash: &str) -> Self {
        Self::with_checkpoints([Checkpoint {
            id,
            hash: hash.to_string(),
        }])
    }

    /// A verifier that checks every checkpoint as it passes it. A rebuilt chain is reported at
    /// the first checkpoint that differs, with the last one that still matched: the rewrite
    /// lies between the two. Entries are numbered from 1; checkpoints before that name none.
    pub fn with_checkpoints(checkpoints: impl IntoIterator<Item = Checkpoint>) -> Self {
        let mut checkpoints: Vec<Checkpoint> =
            checkpoints.into_iter().filter(|c| c.id >= 1).collect();
        checkpoints.sort_by_key(|c| c.id);
        Self {
            checkpoints,
            ..Self::default()
        }
    }

    /// Also takes a new checkpoint every `every` entries after entry `after` (the last
    /// checkpoint kept), for [`ChainVerifier::new_checkpoints`]. `every` 0 counts as 1.
    pub fn recording(mut self, every: u64, after: i64) -> Self {
        self.recording = Some(Recording {
            every: i64::try_from(every.max(1)).unwrap_or(i64::MAX),
            after,
            taken: Vec::new(),
        });
        self
    }

    /// Checks the next entry; the first break found is returned.
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.id != self.last_id + 1 || e.prev_hash != self.last_hash {
            return Err(ChainBreak::Missing {
                after: self.last_id,
                at: e.id,
            });
        }
        if e.expected_hash() != e.hash {
            return Err(ChainBreak::Edited { id: e.id });
        }
        self.pass_checkpoints(e)?;
        self.record(e);
        self.last_id = e.id;
        self.last_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Compares `e` with the checkpoints recorded for it (several may name one entry).
    fn pass_checkpoints(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        while let Some(c) = self.checkpoints.get(self.next).filter(|c| c.id == e.id) {
            if c.hash != e.hash {
                return Err(ChainBreak::Rewritten {
                    id: e.id,
                    last_matching: self.last_matching,
                });
            }
            self.last_matching = Some(e.id);
            self.next += 1;
        }
        Ok(())
    }

    fn record(&mut self, e: &AuditEntry) {
        if let Some(r) = &mut self.recording
            && e.id > r.after
            && (e.id - r.after) % r.every == 0
        {
            r.taken.push(Checkpoint {
                id: e.id,
                hash: e.hash.clone(),
            });
        }
    }

    /// After the last entry: checks that the trail reaches every checkpoint.
    pub fn finish(&self) -> Result<(), ChainBreak> {
        match self.checkpoints.last() {
            Some(c) if c.id > self.last_id => Err(ChainBreak::Truncated {
                last: self.last_id,
                expected: c.id,
            }),
            _ => Ok(()),
        }
    }

    /// The checkpoints taken while [`ChainVerifier::recording`], and the head (when past the
    /// last one kept): to keep after a verification that passed.
    pub fn new_checkpoints(&self) -> Vec<Checkpoint> {
        let Some(r) = &self.recording else {
            return Vec::new();
        };
        let mut taken = r.taken.clone();
        let newest = taken.last().map_or(r.after, |c| c.id);
        if self.last_id > newest {
            taken.push(Checkpoint {
                id: self.last_id,
                hash: self.last_hash.clone(),
            });
        }
        taken
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Id and hash of the last entry checked (the head to record as a future anchor).
    pub fn head(&self) -> (i64, &str) {
        (self.last_id, &self.last_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(id: i64, detail: &str) -> AuditEntry {
        AuditEntry {
            id,
            at: "2026-11-23T10:00:00Z".into(),
            actor: "zhang".into(),
            user_id: Some(3),
            action: "household.read".into(),
            target_kind: "household".into(),
            target_id: id.to_string(),
            area_code: "522726100201".into(),
            client_addr: "127.0.0.1".into(),
            detail: detail.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = entry(i, "").seal(&prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::default();
        entries.iter().try_for_each(|e| v.check(e))
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(()));
    }

    #[test]
    fn an_edit_is_found_where_it_happened() {
        let mut c = chain(5);
        c[2].actor = "li".into();
        assert_eq!(verify(&c), Err(ChainBreak::Edited { id: 3 }));
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].detail = "changed".into();
        c[2].hash = c[2].expected_hash();
        assert_eq!(verify(&c), Err(ChainBreak::Missing { after: 3, at: 4 }));
    }

    #[test]
    fn a_deletion_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c), Err(ChainBreak::Missing { after: 1, at: 3 }));
    }

    #[test]
    fn a_cut_tail_is_found_against_an_anchor() {
        let c = chain(5);
        let mut v = ChainVerifier::with_anchor(5, &c[4].hash);
        c[..3].iter().for_each(|e| v.check(e).unwrap());
        assert_eq!(
            v.finish(),
            Err(ChainBreak::Truncated {
                last: 3,
                expected: 5
            })
        );
        let mut v = ChainVerifier::with_anchor(3, &c[2].hash);
        c.iter().for_each(|e| v.check(e).unwrap());
        assert_eq!(v.finish(), Ok(()));
    }

    /// `original` with entry `k` edited and every hash from there on recomputed: internally
    /// consistent, as someone with the database's credentials would leave it.
    fn rebuilt_from(original: &[AuditEntry], k: i64) -> Vec<AuditEntry> {
        let mut rebuilt = original.to_vec();
        let start = (k - 1) as usize;
        rebuilt[start].detail = "changed".into();
        let mut prev = rebuilt[start].prev_hash.clone();
        for e in &mut rebuilt[start..] {
            *e = e.clone().seal(&prev);
            prev = e.hash.clone();
        }
        rebuilt
    }

    /// Checkpoints of `original` every `every` entries from the first, and its head: what
    /// `fupin audit verify --checkpoints FILE --every N` keeps after a first run.
    fn recorded(original: &[AuditEntry], every: u64) -> Vec<Checkpoint> {
        let mut v = ChainVerifier::default().recording(every, 0);
        original.iter().for_each(|e| v.check(e).unwrap());
        v.finish().unwrap();
        v.new_checkpoints()
    }

    fn verify_against(
        entries: &[AuditEntry],
        checkpoints: Vec<Checkpoint>,
    ) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::with_checkpoints(checkpoints);
        entries.iter().try_for_each(|e| v.check(e))?;
        v.finish()
    }

    #[test]
    fn a_rebuilt_chain_is_found_against_an_anchor() {
        let original = chain(5);
        let rebuilt = rebuilt_from(&original, 2);
        assert_eq!(verify(&rebuilt), Ok(()));
        let mut v = ChainVerifier::with_anchor(4, &original[3].hash);
        let found = rebuilt.iter().try_for_each(|e| v.check(e));
        assert_eq!(
            found,
            Err(ChainBreak::Rewritten {
                id: 4,
                last_matching: None
            })
        );
    }

    #[test]
    fn checkpoints_are_taken_every_n_entries_and_at_the_head() {
        let c = chain(25);
        let ids: Vec<i64> = recorded(&c, 10).iter().map(|cp| cp.id).collect();
        assert_eq!(ids, [10, 20, 25]);
        // a later run goes on from the last checkpoint kept, not from the first entry
        let mut v = ChainVerifier::with_checkpoints(recorded(&c[..12], 10)).recording(10, 12);
        c.iter().for_each(|e| v.check(e).unwrap());
        let ids: Vec<i64> = v.new_checkpoints().iter().map(|cp| cp.id).collect();
        assert_eq!(ids, [22, 25]);
        // nothing new since the last checkpoint: nothing to add
        let mut v = ChainVerifier::default().recording(10, 25);
        c.iter().for_each(|e| v.check(e).unwrap());
        assert!(v.new_checkpoints().is_empty());
    }

    #[test]
    fn a_rebuilt_chain_is_located_between_two_checkpoints() {
        let original = chain(50);
        let rebuilt = rebuilt_from(&original, 23);
        assert_eq!(
            verify_against(&rebuilt, recorded(&original, 10)),
            Err(ChainBreak::Rewritten {
                id: 30,
                last_matching: Some(20)
            })
        );
        let message = ChainBreak::Rewritten {
            id: 30,
            last_matching: Some(20),
        }
        .to_string();
        assert!(
            message.contains(
                "rewritten after entry 20 (the last matching checkpoint), by entry 30 at the latest"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_checkpoint_for_every_entry_names_the_first_rewritten_one() {
        let original = chain(50);
        let rebuilt = rebuilt_from(&original, 23);
        let found = verify_against(&rebuilt, recorded(&original, 1));
        assert_eq!(
            found,
            Err(ChainBreak::Rewritten {
                id: 23,
                last_matching: Some(22)
            })
        );
        assert!(
            found
                .unwrap_err()
                .to_string()
                .contains("rewritten from entry 23 on"),
        );
    }

    #[test]
    fn a_checkpoint_past_the_end_is_a_cut() {
        let original = chain(30);
        assert_eq!(
            verify_against(&original[..17], recorded(&original, 10)),
            Err(ChainBreak::Truncated {
                last: 17,
                expected: 30
            })
        );
    }

    proptest! {
        /// Wherever the chain is rebuilt from and however far apart the checkpoints are, the
        /// break is reported at the first checkpoint at or after the rewrite, naming the last
        /// one before it; one checkpoint per entry finds the rewritten entry itself.
        #[test]
        fn a_rewrite_lies_between_the_checkpoints_named(
            (n, k) in (1i64..120).prop_flat_map(|n| (Just(n), 1..=n)),
            every in 1u64..30,
        ) {
            let original = chain(n);
            let rebuilt = rebuilt_from(&original, k);
            let checkpoints = recorded(&original, every);
            let first_after = checkpoints.iter().map(|c| c.id).find(|id| *id >= k).unwrap();
            let last_before = checkpoints.iter().map(|c| c.id).rfind(|id| *id < k);
            prop_assert_eq!(
                verify_against(&rebuilt, checkpoints),
                Err(ChainBreak::Rewritten { id: first_after, last_matching: last_before })
            );
            prop_assert_eq!(
                verify_against(&rebuilt, recorded(&original, 1)),
                Err(ChainBreak::Rewritten { id: k, last_matching: (k > 1).then_some(k - 1) })
            );
            prop_assert_eq!(verify_against(&original, recorded(&original, every)), Ok(()));
        }
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let mut a = entry(1, "");
        a.actor = "ab".into();
        a.action = "c".into();
        let mut b = entry(1, "");
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(a.seal(GENESIS).hash, b.seal(GENESIS).hash);
    }
}
