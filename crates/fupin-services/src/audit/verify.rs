//! Walking the chain in id order to find where it was edited, cut or rebuilt, and checking that
//! the triggers keeping it append-only are still in force.

use anyhow::Result;
use fupin_core::audit::{ChainBreak, ChainVerifier, Checkpoint};
use fupin_storage::{AuditSpool, Db};

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
    /// Reads' entries still in the spool (SQLite), not yet in the chain: moved first, these are
    /// what could not be moved because a writer held the lock.
    pub spooled: i64,
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
    let spooled = move_spooled_first(db).await?;
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
        spooled,
    };
    if v.passed() {
        v.new_checkpoints = verifier.new_checkpoints();
    }
    Ok(v)
}

/// Moves what waits in the spool into the chain, so that the walk covers it; how many entries
/// still wait (a writer holding the lock past the wait keeps them there, safe).
async fn move_spooled_first(db: &Db) -> Result<i64> {
    let Some(spool) = AuditSpool::beside(db).await? else {
        return Ok(0);
    };
    if let Err(e) = spool.move_all(db).await {
        tracing::info!(error = %e, "spooled reads not moved before verifying");
    }
    let waiting = spool.waiting().await?;
    spool.close().await;
    Ok(waiting)
}
