//! Walking the chain in id order to find where it was edited, cut or rebuilt.

use anyhow::Result;
use fupin_core::audit::{ChainBreak, ChainVerifier};
use fupin_storage::Db;

/// The outcome of [`verify`].
#[derive(Debug)]
pub struct Verification {
    pub checked: u64,
    /// Id and hash of the last entry: keep them outside the database as the next anchor.
    pub head: (i64, String),
    pub broken: Option<ChainBreak>,
}

/// Checks the whole chain in id order, in batches, from the first entry (and that it still
/// reaches `anchor`, an earlier head, unchanged).
pub async fn verify(
    db: &Db,
    anchor: Option<(i64, String)>,
    progress: &dyn crate::progress::Progress,
) -> Result<Verification> {
    const BATCH: i64 = 10_000;
    let mut verifier = match &anchor {
        Some((id, hash)) => ChainVerifier::with_anchor(*id, hash),
        None => ChainVerifier::default(),
    };
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
    Ok(Verification {
        checked: verifier.checked(),
        head: (id, hash.to_string()),
        broken,
    })
}
