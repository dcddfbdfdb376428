//! Instructions: issued by an office to subordinate areas' offices or named people, each
//! recipient acknowledging and reporting back with attachments; reminders by the issuer, at
//! most once a day; the overdue list and a user's to-do. Every write audited.

use chrono::NaiveDate;
use fupin_core::access::{Principal, Scope};
use fupin_core::tasks::instruction::{self, Addressee, Draft, Due, Problem, Progress, Reach};
use fupin_core::{AreaCode, CodeList};
use fupin_storage::Db;
use fupin_storage::tasks::instructions::{FileRow, InstructionRow, NewFile, RecipientRow};

use crate::audit::Actor;
use crate::error::{Result, ServiceError};
use crate::field::PhotoStore;

/// The largest attachment accepted by default, in bytes.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 << 20;

/// An instruction as its form sends it: the areas by code, the people by login.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueForm {
    pub title: String,
    pub text: String,
    pub deadline: Option<NaiveDate>,
    pub areas: Vec<String>,
    pub usernames: Vec<String>,
}

/// The recipient a row is, as the rules read it.
pub fn addressee(r: &RecipientRow) -> Option<Addressee> {
    let area = AreaCode::parse(&r.area_code).ok()?;
    Some(match r.user_id {
        0 => Addressee::Area(area),
        user_id => Addressee::Person { user_id, area },
    })
}

/// A row's progress (an unknown word reads as sent).
pub fn progress(r: &RecipientRow) -> Progress {
    Progress::parse(&r.state).unwrap_or(Progress::Sent)
}

/// Where a recipient stands against its deadline on `today`.
pub fn due(r: &RecipientRow, today: NaiveDate) -> Due {
    let deadline = fupin_core::date::parse_date(&r.deadline).unwrap_or(today);
    Due::of(deadline, progress(r), today)
}

/// Issues an instruction from the office of `who`'s area on `today`; its id.
pub async fn issue(
    db: &Db,
    who: &Principal,
    actor: &Actor,
    form: &IssueForm,
    today: NaiveDate,
) -> Result<i64> {
    let scope = Scope::of(who);
    let (areas, mut problems) = super::areas_in_reach(db, &scope, &form.areas).await?;
    let mut addressees: Vec<Addressee> = areas.into_iter().map(Addressee::Area).collect();
    for name in form
        .usernames
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
    {
        match db.user_with_hash(&name.to_lowercase()).await? {
            Some((user, _)) if who.area.contains(&user.area) && !user.disabled => {
                addressees.push(Addressee::Person {
                    user_id: user.id,
                    area: user.area,
                })
            }
            _ => problems.push(Problem::PersonOutside),
        }
    }
    addressees.sort();
    addressees.dedup();
    let draft = Draft {
        title: form.title.trim().to_string(),
        text: form.text.trim().to_string(),
        deadline: form.deadline.unwrap_or(NaiveDate::MIN),
        addressees,
    };
    problems.extend(instruction::check(&draft, &who.area, today));
    problems.dedup();
    if !problems.is_empty() {
        return Err(ServiceError::invalid(problems));
    }
    let recipients: Vec<(String, i64)> = draft
        .addressees
        .iter()
        .map(|a| (a.area().to_string(), a.user_id().unwrap_or(0)))
        .collect();
    let mut tx = db.begin().await?;
    let id = tx
        .insert_instruction(
            who.area.as_str(),
            &draft.title,
            &draft.text,
            &draft.deadline.to_string(),
            who.user_id,
            &recipients,
        )
        .await?;
    let entry = actor.entry(
        "task.issue",
        "instruction",
        id.to_string(),
        who.area.as_str(),
        format!(
            "{} → {} recipients, due {}",
            draft.title,
            recipients.len(),
            draft.deadline
        ),
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(id)
}

/// Recipient `id` locked in a new transaction, if `who` answers for it.
async fn mine(db: &Db, who: &Principal, id: i64) -> Result<(fupin_storage::Tx, RecipientRow)> {
    let mut tx = db.begin().await?;
    let row = tx
        .recipient_for_update(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let answers =
        addressee(&row).is_some_and(|a| a.answered_by(who.user_id, &who.area, &who.roles));
    if !answers {
        return Err(ServiceError::NotFound);
    }
    Ok((tx, row))
}

/// `who` acknowledges recipient `id` (签收); a second time changes nothing.
pub async fn acknowledge(db: &Db, who: &Principal, actor: &Actor, id: i64) -> Result<()> {
    let (mut tx, row) = mine(db, who, id).await?;
    let next =
        instruction::acknowledge(progress(&row), row.closed_at.is_some()).map_err(refused)?;
    if next == progress(&row) {
        return Ok(());
    }
    tx.set_recipient_state(id, next.code(), &actor.name, false)
        .await?;
    let entry = actor.entry(
        "task.acknowledge",
        "instruction",
        row.instruction_id.to_string(),
        &row.area_code,
        format!("recipient {id}"),
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(())
}

/// An attachment as uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A report as sent: its text and attachments.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub text: &'a str,
    pub files: &'a [Upload],
}

/// `who` reports back on recipient `id` (the files stored by their hash before the rows are
/// written: a failed write leaves at most bytes no row names); the report's id.
pub async fn report(
    db: &Db,
    store: &PhotoStore,
    who: &Principal,
    actor: &Actor,
    id: i64,
    Report { text, files }: Report<'_>,
    max_bytes: u64,
) -> Result<i64> {
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.name.as_str(), f.bytes.as_slice()))
        .collect();
    let problems = instruction::check_files(&named, max_bytes);
    if !problems.is_empty() {
        return Err(ServiceError::invalid(problems));
    }
    {
        // refused before anything is stored
        let (_, row) = mine(db, who, id).await?;
        instruction::report(row.closed_at.is_some(), text, files.len()).map_err(refused)?;
    }
    let mut stored = Vec::with_capacity(files.len());
    for f in files {
        stored.push(NewFile {
            sha256: store.put_file(&f.bytes).await?,
            file_name: file_name(&f.name),
            content_type: instruction::file_kind(&f.name, &f.bytes)
                .unwrap_or("application/octet-stream")
                .to_string(),
            bytes: f.bytes.len() as i64,
        });
    }
    let (mut tx, row) = mine(db, who, id).await?;
    instruction::report(row.closed_at.is_some(), text, files.len()).map_err(refused)?;
    let report = tx
        .insert_report(id, text.trim(), &actor.name, &stored)
        .await?;
    tx.set_recipient_state(id, Progress::Reported.code(), &actor.name, true)
        .await?;
    let entry = actor.entry(
        "task.report",
        "instruction",
        row.instruction_id.to_string(),
        &row.area_code,
        format!(
            "recipient {id}: {} characters, {} files",
            text.trim().chars().count(),
            stored.len()
        ),
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(report)
}

/// A file's name as kept: its last path part, at most 100 characters.
fn file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let kept: String = last.chars().rev().take(100).collect();
    kept.chars().rev().collect()
}

fn refused(p: Problem) -> ServiceError {
    use fupin_core::message::Explained;
    ServiceError::Refused(p.message())
}

/// The issuer's office (or one above it) reminds recipient `id` on `today` (催办).
pub async fn remind(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let row = tx
        .recipient_for_update(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let issuing = AreaCode::parse(&row.issuing_area).map_err(|_| ServiceError::NotFound)?;
    if !scope.contains_area(&issuing) {
        return Err(ServiceError::NotFound);
    }
    let last = row
        .reminded_on
        .as_deref()
        .and_then(fupin_core::date::parse_date);
    instruction::may_remind(progress(&row), row.closed_at.is_some(), last, today)
        .map_err(refused)?;
    tx.remind_recipient(id, &today.to_string()).await?;
    let entry = actor.entry(
        "task.remind",
        "instruction",
        row.instruction_id.to_string(),
        &row.area_code,
        format!("recipient {id}, reminder {}", row.reminders + 1),
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(())
}

/// Closes instruction `id` (办结) where `scope` reaches its issuing office.
pub async fn close(db: &Db, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
    let row = db
        .instruction(scope, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.closed_at.is_some() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    tx.close_instruction(id).await?;
    let entry = actor.entry(
        "task.close",
        "instruction",
        id.to_string(),
        &row.area_code,
        format!(
            "{}: {} of {} reported",
            row.title, row.reported, row.recipients
        ),
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(())
}

/// An instruction as one user sees it: as its issuer's office (all recipients) or as one of
/// its recipients (theirs only).
#[derive(Debug, Clone)]
pub struct Seen {
    pub instruction: InstructionRow,
    pub recipients: Vec<RecipientRow>,
    /// Seen from the issuing side (may remind and close).
    pub issuer: bool,
    /// The recipients among them `who` answers for.
    pub mine: Vec<i64>,
}

/// Instruction `id` as `who` (acting in `scope`) may see it.
pub async fn seen(db: &Db, who: &Principal, scope: &Scope, id: i64) -> Result<Seen> {
    let reach = Reach::of(who);
    let received = db.instruction_received(&reach, id).await?;
    let mine: Vec<i64> = received
        .as_ref()
        .map(|(_, rs)| rs.iter().map(|r| r.id).collect())
        .unwrap_or_default();
    if let Some(instruction) = db.instruction(scope, id).await? {
        let recipients = db.recipients_of(id).await?;
        return Ok(Seen {
            instruction,
            recipients,
            issuer: true,
            mine,
        });
    }
    let (instruction, recipients) = received.ok_or(ServiceError::NotFound)?;
    Ok(Seen {
        instruction,
        recipients,
        issuer: false,
        mine,
    })
}

/// An attachment of instruction `id` that `who` may see: its row and bytes.
pub async fn attachment(
    db: &Db,
    store: &PhotoStore,
    who: &Principal,
    scope: &Scope,
    id: i64,
    sha256: &str,
) -> Result<(FileRow, Vec<u8>)> {
    let seen = seen(db, who, scope, id).await?;
    let ids: Vec<i64> = seen.recipients.iter().map(|r| r.id).collect();
    let file = db
        .reports_of(&ids)
        .await?
        .into_iter()
        .flat_map(|(_, files)| files)
        .find(|f| f.sha256 == sha256)
        .ok_or(ServiceError::NotFound)?;
    let bytes = store.get_file(sha256).await?;
    Ok((file, bytes))
}

/// How many of a user's to-do to read at most.
pub const TO_DO_LIMIT: i64 = 200;

/// What `who` has still to do, with where each stands on `today`.
pub async fn to_do(db: &Db, who: &Principal, today: NaiveDate) -> Result<Vec<(RecipientRow, Due)>> {
    Ok(db
        .instructions_to_do(&Reach::of(who), TO_DO_LIMIT)
        .await?
        .into_iter()
        .map(|r| {
            let d = due(&r, today);
            (r, d)
        })
        .collect())
}
