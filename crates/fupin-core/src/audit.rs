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
    /// The entry differs from the one recorded as an anchor: the chain was rebuilt from here on.
    Rewritten { id: i64 },
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
            ChainBreak::Rewritten { id } => write!(
                f,
                "第{id}条审计记录与之前记下的锚点不符, 其后的记录被重写 / audit entry {id} differs \
                 from the recorded anchor: the trail was rewritten from there"
            ),
            ChainBreak::Truncated { last, expected } => write!(
                f,
                "审计记录止于第{last}条, 应至少到第{expected}条 / the trail ends at {last}, \
                 entries up to {expected} were deleted"
            ),
        }
    }
}

/// Checks a chain incrementally, entry by entry in id order (it never holds the whole trail).
#[derive(Debug)]
pub struct ChainVerifier {
    last_id: i64,
    last_hash: String,
    checked: u64,
    anchor: Option<(i64, String)>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            last_id: 0,
            last_hash: GENESIS.to_string(),
            checked: 0,
            anchor: None,
        }
    }
}

impl ChainVerifier {
    /// A verifier that also checks the trail still holds `hash` at entry `id` (a head printed by
    /// an earlier verification and kept outside the database).
    pub fn with_anchor(id: i64, hash: &str) -> Self {
        Self {
            anchor: Some((id, hash.to_string())),
            ..Self::default()
        }
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
        if matches!(&self.anchor, Some((id, hash)) if *id == e.id && *hash != e.hash) {
            return Err(ChainBreak::Rewritten { id: e.id });
        }
        self.last_id = e.id;
        self.last_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// After the last entry: checks that the trail reaches the anchor, if there is one.
    pub fn finish(&self) -> Result<(), ChainBreak> {
        match &self.anchor {
            Some((id, _)) if *id > self.last_id => Err(ChainBreak::Truncated {
                last: self.last_id,
                expected: *id,
            }),
            _ => Ok(()),
        }
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

    #[test]
    fn a_rebuilt_chain_is_found_against_an_anchor() {
        let original = chain(5);
        let mut rebuilt = chain(5);
        // an edit of entry 2 with every later hash recomputed: internally consistent
        rebuilt[1].detail = "changed".into();
        let mut prev = rebuilt[0].hash.clone();
        for e in &mut rebuilt[1..] {
            *e = e.clone().seal(&prev);
            prev = e.hash.clone();
        }
        assert_eq!(verify(&rebuilt), Ok(()));
        let mut v = ChainVerifier::with_anchor(4, &original[3].hash);
        let found = rebuilt.iter().try_for_each(|e| v.check(e));
        assert_eq!(found, Err(ChainBreak::Rewritten { id: 4 }));
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
