//! Recording and verifying the audit trail.
//!
//! Writes are audited in the transaction that makes them. Reads of person-level
//! records (household pages, API reads, exports) go through an [`AuditSink`]: a background task
//! that appends them in batches, so that auditing a page view does not cost a write transaction
//! of its own. [`verify`] walks the whole chain in id order.

mod sink;
mod verify;

pub use sink::{AuditSink, Unrecorded};
pub use verify::{Verification, verify};

use anyhow::Result;
use fupin_core::access::Principal;
use fupin_storage::{Db, NewAuditEntry, now_utc};

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

/// Appends one entry now, in a transaction of its own: for reads, and for attempts that changed
/// nothing (a refused import, a failed login). A change commits its entry with it instead
/// ([`fupin_storage::Tx::commit_audited`], [`fupin_storage::RegistryWriter::commit_audited`]),
/// so that no change is left without its entry, whenever the process dies.
pub async fn record(db: &Db, entry: NewAuditEntry) -> Result<()> {
    db.append_audit(vec![entry]).await?;
    Ok(())
}
