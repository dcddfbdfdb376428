//! Reads of personal records are audited before they are served.
//!
//! [`AuditSink::record`] returns once the read's entry is durable; a read whose entry cannot be
//! written is not served (the caller answers with an error instead). Entries that arrive while
//! one batch is being written go together in the next (group commit), so a busy console costs
//! one write per batch, not per page.
//!
//! Where they are written depends on the backend. PostgreSQL: straight into the chain (its
//! table lock is held by a writer only for its commit). SQLite: into the spool beside the
//! database ([`AuditSpool`]), never blocked by an import holding the database's write lock; a
//! second task moves spooled entries into the chain every second when the lock is free, and at
//! start moves what a stopped process left there.

use std::time::Duration;

use fupin_storage::{AuditSpool, Db, NewAuditEntry};
use tokio::sync::{mpsc, oneshot};

/// The entry of a read could not be written: the read must not be served.
#[derive(Debug, thiserror::Error)]
#[error("未能记入审计日志，暂不能查阅 / the read could not be recorded in the audit trail: {0}")]
pub struct Unrecorded(String);

/// The handle pages record reads with. Cloning is cheap.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Message>,
}

enum Message {
    Entry(Box<NewAuditEntry>, oneshot::Sender<Result<(), String>>),
    /// Answered once everything sent before is in the chain.
    Flush(oneshot::Sender<()>),
}

impl AuditSink {
    const BATCH: usize = 500;
    /// How often the mover looks at the spool when nothing wakes it.
    const MOVE_EVERY: Duration = Duration::from_secs(1);

    /// Starts the writer task (and on SQLite the mover) on the current runtime.
    pub fn start(db: Db) -> Self {
        let (tx, rx) = mpsc::channel(4 * Self::BATCH);
        tokio::spawn(write_batches(db, rx));
        Self { tx }
    }

    /// Records a read; `Ok` once its entry is durable.
    pub async fn record(&self, entry: NewAuditEntry) -> Result<(), Unrecorded> {
        let (done, wait) = oneshot::channel();
        let stopped = || Unrecorded("the audit writer has stopped".into());
        self.tx
            .send(Message::Entry(Box::new(entry), done))
            .await
            .map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?.map_err(Unrecorded)
    }

    /// Waits until everything recorded before is in the chain (spooled entries moved).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(db: Db, mut rx: mpsc::Receiver<Message>) {
    let spool = match AuditSpool::beside(&db).await {
        Ok(spool) => spool,
        Err(e) => {
            tracing::error!(error = %e, "cannot open the audit spool; reads will be refused");
            refuse_all(rx, &e.to_string()).await;
            return;
        }
    };
    let (stop, stopped) = oneshot::channel::<()>();
    if let Some(spool) = &spool {
        tokio::spawn(move_forever(db.clone(), spool.clone(), stopped));
    }
    while let Some(first) = rx.recv().await {
        // what arrived while the last batch was written goes in this one
        let mut batch = vec![first];
        while batch.len() < AuditSink::BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut entries = Vec::new();
        let mut acks = Vec::new();
        let mut flushes = Vec::new();
        for m in batch {
            match m {
                Message::Entry(e, ack) => {
                    entries.push(*e);
                    acks.push(ack);
                }
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !entries.is_empty() {
            let written = match &spool {
                Some(spool) => spool.push(&entries).await,
                None => db.append_audit(entries).await,
            };
            if let Err(e) = &written {
                tracing::error!(error = %e, "cannot record reads in the audit trail; they are refused");
            }
            for ack in acks {
                let _ = ack.send(written.as_ref().map(|_| ()).map_err(|e| e.to_string()));
            }
        }
        if !flushes.is_empty() {
            if let Some(spool) = &spool {
                move_spooled(&db, spool).await;
            }
            for done in flushes {
                let _ = done.send(());
            }
        }
    }
    drop(stop);
    if let Some(spool) = &spool {
        // what cannot be moved now stays in the spool for the next start
        move_spooled(&db, spool).await;
        spool.close().await;
    }
}

/// Moves spooled entries into the chain every [`AuditSink::MOVE_EVERY`] (a second's reads in
/// one write of the database, not one per batch), until the writer stops. Waiting for the
/// write lock here holds up no read.
async fn move_forever(db: Db, spool: AuditSpool, mut stop: oneshot::Receiver<()>) {
    loop {
        move_spooled(&db, &spool).await;
        tokio::select! {
            _ = tokio::time::sleep(AuditSink::MOVE_EVERY) => {}
            _ = &mut stop => return,
        }
    }
}

async fn move_spooled(db: &Db, spool: &AuditSpool) {
    if let Err(e) = spool.move_all(db).await {
        // a long import holds the lock; the entries are safe in the spool meanwhile
        tracing::info!(error = %e, "audit entries of reads wait in the spool");
    }
}

async fn refuse_all(mut rx: mpsc::Receiver<Message>, why: &str) {
    while let Some(m) = rx.recv().await {
        match m {
            Message::Entry(_, ack) => {
                let _ = ack.send(Err(why.to_string()));
            }
            Message::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}
