//! Versioned rule documents: the scorecards of the poverty index and the measures catalogues.
//! Each version keeps its text for good, so a score or an entitlement is always explained by
//! the document that made it; the one loaded last is in force.

use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// The kinds of rule document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// The poverty index's scorecard (`fupin_core::assessment::index::Card`).
    Scorecard,
    /// The measures catalogue (`fupin_core::measures::Catalogue`).
    MeasureCatalogue,
}

impl DocumentKind {
    fn table(self) -> &'static str {
        match self {
            Self::Scorecard => "scorecards",
            Self::MeasureCatalogue => "measure_catalogues",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Self::Scorecard => "评分卡",
            Self::MeasureCatalogue => "措施目录",
        }
    }
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct StoredDocument {
    pub version: String,
    pub name: String,
    pub body: String,
    pub loaded_at: String,
}

impl Db {
    /// Keeps a document's text under its version (and makes it the one in force). The same
    /// version with another text is refused: what was made under it must stay explained by it.
    pub async fn store_document(
        &self,
        kind: DocumentKind,
        version: &str,
        name: &str,
        body: &str,
    ) -> Result<(), StorageError> {
        let table = kind.table();
        let mut tx = self.begin().await?;
        let existing: Vec<StoredDocument> = fetch_all(
            &mut tx,
            &format!("SELECT version, name, body, loaded_at FROM {table} WHERE version = $1"),
            &[Value::Text(version.into())],
        )
        .await?;
        match existing.first() {
            Some(e) if e.body != body => {
                return Err(StorageError::Invalid(format!(
                    "{}版本{version}已用于另一份内容，请改用新版本号 / version {version} is taken by another text: give the new one a new version",
                    kind.zh()
                )));
            }
            Some(_) => {
                execute(
                    &mut tx,
                    &format!("UPDATE {table} SET loaded_at = $1 WHERE version = $2"),
                    &[Value::Text(crate::now_utc()), Value::Text(version.into())],
                )
                .await?;
            }
            None => {
                execute(
                    &mut tx,
                    &format!(
                        "INSERT INTO {table} (version, name, body, loaded_at) VALUES ($1, $2, $3, $4)"
                    ),
                    &[
                        Value::Text(version.into()),
                        Value::Text(name.into()),
                        Value::Text(body.into()),
                        Value::Text(crate::now_utc()),
                    ],
                )
                .await?;
            }
        }
        tx.commit().await
    }

    pub async fn document(
        &self,
        kind: DocumentKind,
        version: &str,
    ) -> Result<Option<StoredDocument>, StorageError> {
        self.reader().await?.document(kind, version).await
    }

    /// The document loaded last (the one in force), if any was loaded.
    pub async fn current_document(
        &self,
        kind: DocumentKind,
    ) -> Result<Option<StoredDocument>, StorageError> {
        self.reader().await?.current_document(kind).await
    }

    /// Every version of a kind, the one in force first.
    pub async fn documents(&self, kind: DocumentKind) -> Result<Vec<StoredDocument>, StorageError> {
        self.reader().await?.documents(kind).await
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::documents`] inside this transaction.
    pub async fn documents(
        &mut self,
        kind: DocumentKind,
    ) -> Result<Vec<StoredDocument>, StorageError> {
        fetch_all(
            self,
            &format!(
                "SELECT version, name, body, loaded_at FROM {} ORDER BY loaded_at DESC, version DESC",
                kind.table()
            ),
            &[],
        )
        .await
    }

    /// [`Db::current_document`] inside this transaction.
    pub async fn current_document(
        &mut self,
        kind: DocumentKind,
    ) -> Result<Option<StoredDocument>, StorageError> {
        let rows: Vec<StoredDocument> = fetch_all(
            self,
            &format!(
                "SELECT version, name, body, loaded_at FROM {} ORDER BY loaded_at DESC, version DESC LIMIT 1",
                kind.table()
            ),
            &[],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// [`Db::document`] inside this transaction.
    pub async fn document(
        &mut self,
        kind: DocumentKind,
        version: &str,
    ) -> Result<Option<StoredDocument>, StorageError> {
        let rows: Vec<StoredDocument> = fetch_all(
            self,
            &format!(
                "SELECT version, name, body, loaded_at FROM {} WHERE version = $1",
                kind.table()
            ),
            &[Value::Text(version.into())],
        )
        .await?;
        Ok(rows.into_iter().next())
    }
}
