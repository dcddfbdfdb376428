//! Announcements, the areas they go to and their read receipts. An announcement is read by its
//! issuing office and those above (`scope::within` on the issuing area) and by everyone whose
//! account lies in one of its areas.

use fupin_core::access::Scope;
use fupin_core::{AreaCode, AreaLevel};

use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// An announcement, with how many have read it; `read_at` is the reader's own receipt.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct AnnouncementRow {
    pub id: i64,
    pub area_code: String,
    pub title: String,
    pub body: String,
    pub issued_by: i64,
    pub issuer_name: String,
    pub issued_at: String,
    pub readers: i64,
    pub read_at: Option<String>,
}

/// One person an announcement reaches, and when they read it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Receipt {
    pub user_id: i64,
    pub real_name: String,
    pub area_code: String,
    pub read_at: Option<String>,
}

/// `SELECT` of announcements for the reader `$1`.
const SELECT: &str = "SELECT a.id, a.area_code, a.title, a.body, a.issued_by, \
    u.real_name AS issuer_name, a.issued_at, \
    (SELECT COUNT(*) FROM announcement_reads c WHERE c.announcement_id = a.id) AS readers, \
    r.read_at FROM announcements a JOIN users u ON u.id = a.issued_by \
    LEFT JOIN announcement_reads r ON r.announcement_id = a.id AND r.user_id = $1";

/// The condition that keeps announcements reaching a person of `area` (one of its areas holds
/// theirs), or issued where `scope` reaches.
fn readable(scope: &Scope, area: &AreaCode) -> String {
    let mut holding: Vec<String> = AreaLevel::ALL
        .iter()
        .filter(|l| **l <= area.level())
        .map(|l| format!("'{}'", area.ancestor(*l)))
        .collect();
    holding.dedup();
    debug_assert!(
        holding
            .iter()
            .all(|c| c.bytes().all(|b| b == b'\'' || b.is_ascii_digit()))
    );
    format!(
        "a.withdrawn_at IS NULL AND (EXISTS (SELECT 1 FROM announcement_areas t \
         WHERE t.announcement_id = a.id AND t.area_code IN ({})) OR {})",
        holding.join(", "),
        scope::within(scope, "a.area_code")
    )
}

impl Db {
    /// The announcements a person (`user_id` of `area`, acting in `scope`) may read, newest
    /// first; at most `limit` from `offset`, how many, and how many of them they have not read.
    pub async fn announcements_for(
        &self,
        scope: &Scope,
        user_id: i64,
        area: &AreaCode,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AnnouncementRow>, i64, i64), StorageError> {
        let mut tx = self.reader().await?;
        let filter = readable(scope, area);
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Counts {
            n: i64,
            unread: i64,
        }
        let counts: Vec<Counts> = fetch_all(
            &mut tx,
            &format!(
                "SELECT COUNT(*) AS n, COUNT(*) - COUNT(r.read_at) AS unread FROM announcements a \
                 LEFT JOIN announcement_reads r ON r.announcement_id = a.id AND r.user_id = $1 \
                 WHERE {filter}"
            ),
            &[Value::I64(user_id)],
        )
        .await?;
        let rows = fetch_all(
            &mut tx,
            &format!(
                "{SELECT} WHERE {filter} ORDER BY a.issued_at DESC, a.id DESC LIMIT $2 OFFSET $3"
            ),
            &[Value::I64(user_id), Value::I64(limit), Value::I64(offset)],
        )
        .await?;
        let c = counts.first();
        Ok((rows, c.map_or(0, |c| c.n), c.map_or(0, |c| c.unread)))
    }

    /// Announcement `id` if the person may read it, and the areas it goes to.
    pub async fn announcement(
        &self,
        scope: &Scope,
        user_id: i64,
        area: &AreaCode,
        id: i64,
    ) -> Result<Option<(AnnouncementRow, Vec<String>)>, StorageError> {
        let mut tx = self.reader().await?;
        let rows: Vec<AnnouncementRow> = fetch_all(
            &mut tx,
            &format!("{SELECT} WHERE a.id = $2 AND {}", readable(scope, area)),
            &[Value::I64(user_id), Value::I64(id)],
        )
        .await?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Target {
            area_code: String,
        }
        let areas: Vec<Target> = fetch_all(
            &mut tx,
            "SELECT area_code FROM announcement_areas WHERE announcement_id = $1 ORDER BY area_code",
            &[Value::I64(id)],
        )
        .await?;
        Ok(Some((
            row,
            areas.into_iter().map(|t| t.area_code).collect(),
        )))
    }

    /// The people `areas` reach (active accounts), with their receipts for announcement `id`;
    /// unread first, then by area and name; at most `limit`.
    pub async fn receipts(
        &self,
        id: i64,
        areas: &[AreaCode],
        limit: i64,
    ) -> Result<Vec<Receipt>, StorageError> {
        if areas.is_empty() {
            return Ok(Vec::new());
        }
        let within: Vec<String> = areas
            .iter()
            .map(|a| {
                let (lo, hi) = a.descendant_range();
                format!("u.area_code BETWEEN '{lo}' AND '{hi}'")
            })
            .collect();
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT u.id AS user_id, u.real_name, u.area_code, r.read_at FROM users u \
                 LEFT JOIN announcement_reads r ON r.announcement_id = $1 AND r.user_id = u.id \
                 WHERE u.disabled = FALSE AND ({}) \
                 ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, u.area_code, u.real_name \
                 LIMIT $2",
                within.join(" OR ")
            ),
            &[Value::I64(id), Value::I64(limit)],
        )
        .await
    }
}

impl Tx {
    /// Writes an announcement to `areas`; its id.
    pub async fn insert_announcement(
        &mut self,
        area: &str,
        title: &str,
        body: &str,
        issued_by: i64,
        areas: &[String],
    ) -> Result<i64, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Id {
            id: i64,
        }
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO announcements (area_code, title, body, issued_by, issued_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                Value::Text(area.into()),
                Value::Text(title.into()),
                Value::Text(body.into()),
                Value::I64(issued_by),
                Value::Text(crate::now_utc()),
            ],
        )
        .await?;
        let id = ids.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
        let rows = areas
            .iter()
            .map(|a| vec![Value::I64(id), Value::Text(a.clone())])
            .collect();
        crate::bulk::insert_rows(
            self,
            "announcement_areas",
            &["announcement_id", "area_code"],
            rows,
        )
        .await?;
        Ok(id)
    }

    /// A person's first reading (a second changes nothing); whether this was the first.
    pub async fn mark_read(&mut self, id: i64, user_id: i64) -> Result<bool, StorageError> {
        let n = execute(
            self,
            "INSERT INTO announcement_reads (announcement_id, user_id, read_at) \
             VALUES ($1, $2, $3) ON CONFLICT (announcement_id, user_id) DO NOTHING",
            &[
                Value::I64(id),
                Value::I64(user_id),
                Value::Text(crate::now_utc()),
            ],
        )
        .await?;
        Ok(n > 0)
    }
}
