//! Recording and verifying the audit trail.
//!
//! Writes are audited as they happen, in the same call that makes them. Reads of person-level
//! records (household pages, API reads, exports) go through an [`AuditSink`]: a background task
//! that appends them in batches, so that auditing a page view does not cost a write transaction
//! of its own. [`verify`] walks the whole chain in id order.

use std::time::Duration;

use anyhow::Result;
use fupin_core::access::Principal;
use fupin_core::audit::{ChainBreak, ChainVerifier};
use fupin_storage::{Db, NewAuditEntry, now_utc};
use tokio::sync::mpsc;

/// Who acts, and from where: a logged-in user or token, or the operator at the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Option<Principal>,
    /// As written to the trail: the username, `user#token`, or `cli:<login>`.
    pub name: String,
    pub client_addr: String,
}

impl Actor {
    /// The machine's operator running a `fupin` command (named by the OS login).
    pub fn cli() -> Self {
        let login = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "operator".into());
        Self {
            principal: None,
            name: format!("cli:{login}"),
            client_addr: "local".into(),
        }
    }

    pub fn user(principal: Principal, client_addr: impl Into<String>) -> Self {
        Self {
            name: principal.username.clone(),
            principal: Some(principal),
            client_addr: client_addr.into(),
        }
    }

    fn user_id(&self) -> Option<i64> {
        self.principal.as_ref().map(|p| p.user_id)
    }

    /// An entry for `action` on a target of `kind` (`household`, `user`, `token`, …) in `area`.
    pub fn entry(
        &self,
        action: &str,
        kind: &str,
        target_id: impl Into<String>,
        area_code: &str,
        detail: impl Into<String>,
    ) -> NewAuditEntry {
        NewAuditEntry {
            at: now_utc(),
            actor: self.name.clone(),
            user_id: self.user_id(),
            action: action.into(),
            target_kind: kind.into(),
            target_id: target_id.into(),
            area_code: area_code.into(),
            client_addr: self.client_addr.clone(),
            detail: detail.into(),
        }
    }
}

/// Appends one entry now (for writes: the caller has just made the change).
pub async fn record(db: &Db, entry: NewAuditEntry) -> Result<()> {
    db.append_audit(vec![entry]).await?;
    Ok(())
}

/// Appends read entries in batches from a background task. Cloning is cheap; entries sent are
/// written within [`AuditSink::FLUSH_EVERY`] or when a batch is full, and all pending ones
/// before [`AuditSink::flush`] returns.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Message>,
}

enum Message {
    Entry(NewAuditEntry),
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl AuditSink {
    pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
    const BATCH: usize = 500;

    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Self {
        let (tx, rx) = mpsc::channel(4 * Self::BATCH);
        tokio::spawn(write_batches(db, rx));
        Self { tx }
    }

    /// Queues an entry; waits only when the writer is a full batch behind.
    pub async fn send(&self, entry: NewAuditEntry) {
        if self.tx.send(Message::Entry(entry)).await.is_err() {
            tracing::error!("audit writer has stopped; a read went unrecorded");
        }
    }

    /// Waits until everything sent before has been written.
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(db: Db, mut rx: mpsc::Receiver<Message>) {
    let mut batch = Vec::new();
    let mut waiting = Vec::new();
    // when the oldest entry of the batch must be written, however busy the channel stays
    let mut due = tokio::time::Instant::now();
    loop {
        // None: the oldest entry is due; Some(None): every sender is gone
        let next = if batch.is_empty() {
            Some(rx.recv().await)
        } else {
            tokio::time::timeout_at(due, rx.recv()).await.ok()
        };
        let (closed, interval_passed) = (matches!(next, Some(None)), next.is_none());
        match next {
            Some(Some(Message::Entry(e))) => {
                if batch.is_empty() {
                    due = tokio::time::Instant::now() + AuditSink::FLUSH_EVERY;
                }
                batch.push(e);
            }
            Some(Some(Message::Flush(done))) => waiting.push(done),
            None | Some(None) => {}
        }
        if closed || interval_passed || !waiting.is_empty() || batch.len() >= AuditSink::BATCH {
            if let Err(e) = db.append_audit(std::mem::take(&mut batch)).await {
                tracing::error!(error = %e, "cannot append to the audit trail");
            }
            for done in waiting.drain(..) {
                let _ = done.send(());
            }
        }
        if closed {
            return;
        }
    }
}

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
