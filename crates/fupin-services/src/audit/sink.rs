//! Reads of personal records, appended to the trail in batches by a background task.

use std::time::Duration;

use fupin_storage::{Db, NewAuditEntry};
use tokio::sync::mpsc;

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
