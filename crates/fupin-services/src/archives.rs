//! Attaching scanned paper documents to a household: checked by content and size
//! (`fupin_core::archive`), hashed, stored once per household however often the upload is
//! retried, and the attachment audited with the write. Reads are audited by the caller that
//! serves the bytes (the web layer's read trail).

use anyhow::Result;
use fupin_core::access::Scope;
use fupin_core::archive::{self, ArchiveError};
use fupin_storage::archives::{NewArchive, attach_archive};
use fupin_storage::{Db, now_utc};
use sha2::{Digest, Sha256};

use crate::audit::Actor;

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    pub title: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What became of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    Added {
        sha256: String,
    },
    /// The household already had this very file.
    AlreadyThere {
        sha256: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("household not found")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] ArchiveError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<fupin_storage::StorageError> for AttachError {
    fn from(e: fupin_storage::StorageError) -> Self {
        Self::Other(e.into())
    }
}

/// A file name as kept: its last path part, without control characters, at most 120 chars.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if clean.trim().is_empty() {
        "scan".into()
    } else {
        clean
    }
}

/// Attaches `upload` to a household within `scope`, files over `limit` bytes refused.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn attach(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    household_id: i64,
    upload: Upload,
    limit: usize,
) -> Result<Attached, AttachError> {
    let kind = archive::check(&upload.title, &upload.bytes, limit)?;
    let rec = db
        .household(scope, household_id)
        .await?
        .ok_or(AttachError::NotFound)?;
    let h = &rec.household;
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    let size = upload.bytes.len();
    let mut tx = db.begin().await?;
    let title = upload.title.trim().to_string();
    let added = attach_archive(
        &mut tx,
        NewArchive {
            household_id,
            content_type: kind.content_type().into(),
            title: title.clone(),
            file_name: clean_file_name(&upload.file_name),
            sha256: sha256.clone(),
            body: upload.bytes,
            uploaded_by: actor.name.clone(),
            uploaded_at: now_utc(),
        },
    )
    .await?;
    let audit = added.then(|| {
        actor.entry(
            "household.archive.attach",
            "household",
            h.number.clone(),
            h.village_code.as_str(),
            format!("{title} ({size} bytes, sha256 {sha256})"),
        )
    });
    tx.commit_audited(audit.into_iter().collect()).await?;
    Ok(if added {
        Attached::Added { sha256 }
    } else {
        Attached::AlreadyThere { sha256 }
    })
}

#[cfg(test)]
mod tests {
    use super::clean_file_name;

    #[test]
    fn file_names_lose_their_paths_and_controls() {
        assert_eq!(clean_file_name("C:\\scans\\户口簿.pdf"), "户口簿.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\n.png"), "ab.png");
        assert_eq!(clean_file_name(""), "scan");
    }
}
