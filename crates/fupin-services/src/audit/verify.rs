//! Walking the chain in id order to find where it was edited, cut or rebuilt, and checking that
//! the triggers keeping it append-only are still in force.

use anyhow::Result;
use fupin_core::audit::{ChainBreak, ChainVerifier, Checkpoint};
use fupin_storage::Db;

/// The outcome of [`verify`].
#[derive(Debug)]
pub struct Verification {
    pub checked: u64,
    /// Id and hash of the last entry: keep them outside the database as the next anchor.
    pub head: (i64, String),
    pub broken: Option<ChainBreak>,
    /// The append-only triggers found dropped, disabled or altered: whatever the chain says,
    /// nothing kept the trail from being rewritten since.
    pub missing_guards: Vec<String>,
    /// Checkpoints the verifier recorded, to keep; only when the verification passed.
    pub new_checkpoints: Vec<Checkpoint>,
}

impl Verification {
    /// The trail can be trusted: the chain is intact, reaches its checkpoints unchanged, and the
    /// triggers still refuse changes.
    pub fn passed(&self) -> bool {
        self.broken.is_none() && self.missing_guards.is_empty()
    }
}

/// Checks the whole chain in id order, in batches, from the first entry, against the
/// checkpoints `verifier` was given (earlier heads kept outside the database) and recording
/// new ones if it was asked to; and checks the append-only triggers.
pub async fn verify(
    db: &Db,
    mut verifier: ChainVerifier,
    progress: &dyn crate::progress::Progress,
) -> Result<Verification> {
    const BATCH: i64 = 10_000;
    let missing_guards = db.missing_audit_guards().await?;
    progress.start(None);
    let mut after = 0;
    let mut broken = None;
    'batches: loop {
        let entries = db.audit_after(after, BATCH).await?;
        let Some(last) = entries.last() else {
            break;
        };
        after = last.id;
        for e in &entries {
            if let Err(b) = verifier.check(e) {
                broken = Some(b);
                break 'batches;
            }
        }
        progress.advance(entries.len() as u64);
    }
    progress.finish();
    if broken.is_none() {
        broken = verifier.finish().err();
    }
    let (id, hash) = verifier.head();
    let mut v = Verification {
        checked: verifier.checked(),
        head: (id, hash.to_string()),
        broken,
        missing_guards,
        new_checkpoints: Vec::new(),
    };
    if v.passed() {
        v.new_checkpoints = verifier.new_checkpoints();
    }
    Ok(v)
}
