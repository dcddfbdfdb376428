//! Instructions and their recipients, reports and attachments. An instruction is read by the
//! offices of its issuing area and above (`scope::within` on the issuing area) and, one
//! recipient at a time, by whoever answers for that recipient (`scope::recipients`).

use fupin_core::AreaCode;
use fupin_core::access::Scope;
use fupin_core::tasks::instruction::Reach;

use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// An instruction, with its recipients counted by progress.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct InstructionRow {
    pub id: i64,
    pub area_code: String,
    pub title: String,
    pub body: String,
    pub deadline: String,
    pub issued_by: i64,
    pub issuer_name: String,
    pub issued_at: String,
    pub closed_at: Option<String>,
    pub recipients: i64,
    pub acknowledged: i64,
    pub reported: i64,
}

const INSTRUCTION_SELECT: &str = "SELECT i.id, i.area_code, i.title, i.body, i.deadline, \
    i.issued_by, u.real_name AS issuer_name, i.issued_at, i.closed_at, \
    (SELECT COUNT(*) FROM instruction_recipients c WHERE c.instruction_id = i.id) AS recipients, \
    (SELECT COUNT(*) FROM instruction_recipients c WHERE c.instruction_id = i.id \
     AND c.state <> 'sent') AS acknowledged, \
    (SELECT COUNT(*) FROM instruction_recipients c WHERE c.instruction_id = i.id \
     AND c.state = 'reported') AS reported \
    FROM instructions i JOIN users u ON u.id = i.issued_by";

/// One recipient of an instruction, with the instruction's title and issuer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct RecipientRow {
    pub id: i64,
    pub instruction_id: i64,
    pub title: String,
    pub issuing_area: String,
    pub area_code: String,
    /// 0 for an area's office.
    pub user_id: i64,
    /// The named person's name ('' for an office).
    pub person: String,
    pub deadline: String,
    pub state: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub reported_at: Option<String>,
    pub reminded_on: Option<String>,
    pub reminders: i64,
    pub closed_at: Option<String>,
}

const RECIPIENT_SELECT: &str = "SELECT r.id, r.instruction_id, i.title, \
    i.area_code AS issuing_area, r.area_code, r.user_id, COALESCE(u.real_name, '') AS person, \
    r.deadline, r.state, r.acknowledged_at, r.acknowledged_by, r.reported_at, r.reminded_on, \
    r.reminders, i.closed_at FROM instruction_recipients r \
    JOIN instructions i ON i.id = r.instruction_id LEFT JOIN users u ON u.id = r.user_id";

/// A report back, with its attachments.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub recipient_id: i64,
    pub body: String,
    pub reported_at: String,
    pub reported_by: String,
}

/// An attachment of a report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct FileRow {
    pub report_id: i64,
    pub position: i64,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
}

/// An attachment to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFile {
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Id {
    id: i64,
}

impl Db {
    /// Instruction `id` if `scope` reaches its issuing area (read as its issuer and above).
    pub async fn instruction(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<InstructionRow>, StorageError> {
        let rows = fetch_all(
            &mut self.reader().await?,
            &format!(
                "{INSTRUCTION_SELECT} WHERE i.id = $1 AND {}",
                scope::within(scope, "i.area_code")
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Instruction `id` as one of its recipients reads it: the instruction and the recipients
    /// `reach` answers for (none: not theirs).
    pub async fn instruction_received(
        &self,
        reach: &Reach,
        id: i64,
    ) -> Result<Option<(InstructionRow, Vec<RecipientRow>)>, StorageError> {
        let mut tx = self.reader().await?;
        let mine: Vec<RecipientRow> = fetch_all(
            &mut tx,
            &format!(
                "{RECIPIENT_SELECT} WHERE r.instruction_id = $1 AND {} ORDER BY r.id",
                scope::recipients(reach, "r.")
            ),
            &[Value::I64(id)],
        )
        .await?;
        if mine.is_empty() {
            return Ok(None);
        }
        let rows: Vec<InstructionRow> = fetch_all(
            &mut tx,
            &format!("{INSTRUCTION_SELECT} WHERE i.id = $1"),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next().map(|i| (i, mine)))
    }

    /// The instructions issued in `area` within `scope`, newest first; at most `limit` from
    /// `offset`, and how many.
    pub async fn instructions_issued(
        &self,
        scope: &Scope,
        area: &AreaCode,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<InstructionRow>, i64), StorageError> {
        let mut tx = self.reader().await?;
        let (lo, hi) = area.descendant_range();
        let filter = format!(
            "i.area_code BETWEEN $1 AND $2 AND {}",
            scope::within(scope, "i.area_code")
        );
        let count: Vec<crate::field::Count> = fetch_all(
            &mut tx,
            &format!("SELECT COUNT(*) AS n FROM instructions i WHERE {filter}"),
            &[Value::Text(lo.clone()), Value::Text(hi.clone())],
        )
        .await?;
        let rows = fetch_all(
            &mut tx,
            &format!(
                "{INSTRUCTION_SELECT} WHERE {filter} ORDER BY i.issued_at DESC, i.id DESC \
                 LIMIT $3 OFFSET $4"
            ),
            &[
                Value::Text(lo),
                Value::Text(hi),
                Value::I64(limit),
                Value::I64(offset),
            ],
        )
        .await?;
        Ok((rows, count.first().map_or(0, |c| c.n)))
    }

    /// The recipients of instruction `id` (its issuer's view: call after [`Db::instruction`]).
    pub async fn recipients_of(&self, id: i64) -> Result<Vec<RecipientRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!("{RECIPIENT_SELECT} WHERE r.instruction_id = $1 ORDER BY r.area_code, r.id"),
            &[Value::I64(id)],
        )
        .await
    }

    /// What `reach` has still to do: recipients not yet reported of open instructions, the
    /// nearest deadline first; at most `limit`.
    pub async fn instructions_to_do(
        &self,
        reach: &Reach,
        limit: i64,
    ) -> Result<Vec<RecipientRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{RECIPIENT_SELECT} WHERE {} AND r.state <> 'reported' AND i.closed_at IS NULL \
                 ORDER BY r.deadline, r.id LIMIT $1",
                scope::recipients(reach, "r.")
            ),
            &[Value::I64(limit)],
        )
        .await
    }

    /// Everything `reach` received, newest first; at most `limit` from `offset`.
    pub async fn instructions_received(
        &self,
        reach: &Reach,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<RecipientRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{RECIPIENT_SELECT} WHERE {} ORDER BY i.issued_at DESC, r.id DESC \
                 LIMIT $1 OFFSET $2",
                scope::recipients(reach, "r.")
            ),
            &[Value::I64(limit), Value::I64(offset)],
        )
        .await
    }

    /// Recipients in `area` within `scope` past their deadline (before `today`) without a
    /// report, of open instructions, the longest overdue first; at most `limit` from
    /// `offset`, and how many.
    pub async fn instructions_overdue(
        &self,
        scope: &Scope,
        area: &AreaCode,
        today: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<RecipientRow>, i64), StorageError> {
        let mut tx = self.reader().await?;
        let (lo, hi) = area.descendant_range();
        let filter = format!(
            "r.area_code BETWEEN $1 AND $2 AND r.deadline < $3 AND r.state <> 'reported' \
             AND i.closed_at IS NULL AND {}",
            scope::within(scope, "r.area_code")
        );
        let args = vec![Value::Text(lo), Value::Text(hi), Value::Text(today.into())];
        let count: Vec<crate::field::Count> = fetch_all(
            &mut tx,
            &format!(
                "SELECT COUNT(*) AS n FROM instruction_recipients r \
                 JOIN instructions i ON i.id = r.instruction_id WHERE {filter}"
            ),
            &args,
        )
        .await?;
        let mut page_args = args;
        page_args.extend([Value::I64(limit), Value::I64(offset)]);
        let rows = fetch_all(
            &mut tx,
            &format!(
                "{RECIPIENT_SELECT} WHERE {filter} ORDER BY r.deadline, r.area_code, r.id \
                 LIMIT $4 OFFSET $5"
            ),
            &page_args,
        )
        .await?;
        Ok((rows, count.first().map_or(0, |c| c.n)))
    }

    /// The reports of `recipients` with their attachments, in the order written.
    pub async fn reports_of(
        &self,
        recipients: &[i64],
    ) -> Result<Vec<(ReportRow, Vec<FileRow>)>, StorageError> {
        if recipients.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.reader().await?;
        let ids = id_list(recipients);
        let reports: Vec<ReportRow> = fetch_all(
            &mut tx,
            &format!(
                "SELECT id, recipient_id, body, reported_at, reported_by FROM instruction_reports \
                 WHERE recipient_id IN ({ids}) ORDER BY reported_at, id"
            ),
            &[],
        )
        .await?;
        let files: Vec<FileRow> = fetch_all(
            &mut tx,
            &format!(
                "SELECT f.report_id, f.position, f.sha256, f.file_name, f.content_type, f.bytes \
                 FROM instruction_files f JOIN instruction_reports p ON p.id = f.report_id \
                 WHERE p.recipient_id IN ({ids}) ORDER BY f.report_id, f.position"
            ),
            &[],
        )
        .await?;
        Ok(reports
            .into_iter()
            .map(|r| {
                let mine = files
                    .iter()
                    .filter(|f| f.report_id == r.id)
                    .cloned()
                    .collect();
                (r, mine)
            })
            .collect())
    }
}

/// Ids as a literal list for `IN (…)` (integers: nothing a user types reaches it).
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx {
    /// Writes an instruction and its recipients (`(area, user_id or 0)`); its id.
    pub async fn insert_instruction(
        &mut self,
        area: &str,
        title: &str,
        body: &str,
        deadline: &str,
        issued_by: i64,
        recipients: &[(String, i64)],
    ) -> Result<i64, StorageError> {
        let now = crate::now_utc();
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO instructions (area_code, title, body, deadline, issued_by, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                Value::Text(area.into()),
                Value::Text(title.into()),
                Value::Text(body.into()),
                Value::Text(deadline.into()),
                Value::I64(issued_by),
                Value::Text(now),
            ],
        )
        .await?;
        let id = ids.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
        let rows = recipients
            .iter()
            .map(|(area, user)| {
                vec![
                    Value::I64(id),
                    Value::Text(area.clone()),
                    Value::I64(*user),
                    Value::Text(deadline.into()),
                    Value::Text("sent".into()),
                ]
            })
            .collect();
        crate::bulk::insert_rows(
            self,
            "instruction_recipients",
            &[
                "instruction_id",
                "area_code",
                "user_id",
                "deadline",
                "state",
            ],
            rows,
        )
        .await?;
        Ok(id)
    }

    /// Recipient `id` locked for a change, with its instruction's state.
    pub async fn recipient_for_update(
        &mut self,
        id: i64,
    ) -> Result<Option<RecipientRow>, StorageError> {
        let lock = self.backend().for_update();
        let lock = if lock.is_empty() {
            String::new()
        } else {
            format!("{lock} OF r")
        };
        let rows: Vec<RecipientRow> = fetch_all(
            self,
            &format!("{RECIPIENT_SELECT} WHERE r.id = $1{lock}"),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Moves a recipient to `state`, stamping the acknowledgement (first time only) and the
    /// report.
    pub async fn set_recipient_state(
        &mut self,
        id: i64,
        state: &str,
        by: &str,
        reported: bool,
    ) -> Result<(), StorageError> {
        let now = crate::now_utc();
        execute(
            self,
            "UPDATE instruction_recipients SET state = $2, \
             acknowledged_at = COALESCE(acknowledged_at, $3), \
             acknowledged_by = COALESCE(acknowledged_by, $4), \
             reported_at = CASE WHEN $5 THEN $3 ELSE reported_at END WHERE id = $1",
            &[
                Value::I64(id),
                Value::Text(state.into()),
                Value::Text(now),
                Value::Text(by.into()),
                Value::Bool(reported),
            ],
        )
        .await?;
        Ok(())
    }

    /// Writes a report with its attachments; its id.
    pub async fn insert_report(
        &mut self,
        recipient: i64,
        body: &str,
        by: &str,
        files: &[NewFile],
    ) -> Result<i64, StorageError> {
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO instruction_reports (recipient_id, body, reported_at, reported_by) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                Value::I64(recipient),
                Value::Text(body.into()),
                Value::Text(crate::now_utc()),
                Value::Text(by.into()),
            ],
        )
        .await?;
        let id = ids.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
        let rows = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                vec![
                    Value::I64(id),
                    Value::I64(i as i64),
                    Value::Text(f.sha256.clone()),
                    Value::Text(f.file_name.clone()),
                    Value::Text(f.content_type.clone()),
                    Value::I64(f.bytes),
                ]
            })
            .collect();
        crate::bulk::insert_rows(
            self,
            "instruction_files",
            &[
                "report_id",
                "position",
                "sha256",
                "file_name",
                "content_type",
                "bytes",
            ],
            rows,
        )
        .await?;
        Ok(id)
    }

    /// Notes a reminder sent on `today`.
    pub async fn remind_recipient(&mut self, id: i64, today: &str) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE instruction_recipients SET reminded_on = $2, reminders = reminders + 1 \
             WHERE id = $1",
            &[Value::I64(id), Value::Text(today.into())],
        )
        .await?;
        Ok(())
    }

    /// Closes an instruction (办结): nothing more is acknowledged or reported.
    pub async fn close_instruction(&mut self, id: i64) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE instructions SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
            &[Value::I64(id), Value::Text(crate::now_utc())],
        )
        .await?;
        Ok(())
    }
}
