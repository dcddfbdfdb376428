//! Scanned paper documents of a household (档案), kept in the database beside the record so that
//! a backup of one holds both.

use fupin_core::access::Scope;

use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// An archive as listed on the record (without its bytes).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ArchiveEntry {
    pub id: i64,
    pub household_id: i64,
    pub content_type: String,
    pub title: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// An archive with its bytes.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ArchiveFile {
    pub household_id: i64,
    pub content_type: String,
    pub file_name: String,
    pub sha256: String,
    pub body: Vec<u8>,
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct NewArchive {
    pub household_id: i64,
    pub content_type: String,
    pub title: String,
    pub file_name: String,
    pub sha256: String,
    pub body: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const ENTRY_COLUMNS: &str = "a.id, a.household_id, a.content_type, a.title, a.file_name, a.size, a.sha256, \
     a.uploaded_by, a.uploaded_at";

/// Stores `a` unless the household already has the same file; returns whether it was new.
pub async fn attach_archive(tx: &mut Tx, a: NewArchive) -> Result<bool, StorageError> {
    let added = execute(
        tx,
        "INSERT INTO household_archives (household_id, content_type, title, file_name, size, \
         sha256, body, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (household_id, sha256) DO NOTHING",
        &[
            Value::I64(a.household_id),
            Value::Text(a.content_type),
            Value::Text(a.title),
            Value::Text(a.file_name),
            Value::I64(a.body.len() as i64),
            Value::Text(a.sha256),
            Value::Bytes(a.body),
            Value::Text(a.uploaded_by),
            Value::Text(a.uploaded_at),
        ],
    )
    .await?;
    Ok(added == 1)
}

impl Db {
    /// A household's archives, newest first, if `scope` reaches it.
    pub async fn archives_of(
        &self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<ArchiveEntry>, StorageError> {
        self.reader().await?.archives_of(scope, household_id).await
    }

    /// One archive with its bytes, if it belongs to `household_id` and `scope` reaches it.
    pub async fn archive_file(
        &self,
        scope: &Scope,
        household_id: i64,
        archive_id: i64,
    ) -> Result<Option<ArchiveFile>, StorageError> {
        let rows: Vec<ArchiveFile> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT a.household_id, a.content_type, a.file_name, a.sha256, a.body \
                 FROM household_archives a JOIN households h ON h.id = a.household_id \
                 WHERE a.id = $1 AND a.household_id = $2 AND {}",
                scope::households(scope, "h.")
            ),
            &[Value::I64(archive_id), Value::I64(household_id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }
}

/// A household's archives, newest first.
const ARCHIVES: scope::HouseholdRows = scope::HouseholdRows(
    "household_archives",
    "a",
    ENTRY_COLUMNS,
    "a.uploaded_at DESC, a.id DESC",
);

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::archives_of`] inside this transaction.
    pub async fn archives_of(
        &mut self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<ArchiveEntry>, StorageError> {
        fetch_all(self, &ARCHIVES.sql(scope), &[Value::I64(household_id)]).await
    }
}
