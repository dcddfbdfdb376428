//! Announcements: issued by an office to the people of its area or of areas below, read with
//! a receipt the first time each person opens one, and counted for the issuer.

use fupin_core::AreaCode;
use fupin_core::access::{Principal, Scope};
use fupin_core::tasks::announcement::{self, Draft};
use fupin_storage::Db;
use fupin_storage::tasks::announcements::{AnnouncementRow, Receipt};

use crate::audit::Actor;
use crate::error::{Result, ServiceError};

/// Receipts listed at most on an announcement's page.
pub const RECEIPTS_LISTED: i64 = 500;

/// An announcement as its form sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnnounceForm {
    pub title: String,
    pub text: String,
    /// Area codes; none: the issuer's whole area.
    pub areas: Vec<String>,
}

/// Issues an announcement from the office of `who`'s area; its id.
pub async fn announce(db: &Db, who: &Principal, actor: &Actor, form: &AnnounceForm) -> Result<i64> {
    let scope = Scope::of(who);
    let (mut areas, mut problems) = super::areas_in_reach(db, &scope, &form.areas).await?;
    if areas.is_empty() && problems.is_empty() {
        areas.push(who.area.clone());
    }
    areas.sort();
    areas.dedup();
    let draft = Draft {
        title: form.title.trim().to_string(),
        text: form.text.trim().to_string(),
        areas,
    };
    problems.extend(announcement::check(&draft, &who.area));
    problems.dedup();
    if !problems.is_empty() {
        return Err(ServiceError::invalid(problems));
    }
    let codes: Vec<String> = draft.areas.iter().map(|a| a.to_string()).collect();
    let mut tx = db.begin().await?;
    let id = tx
        .insert_announcement(
            who.area.as_str(),
            &draft.title,
            &draft.text,
            who.user_id,
            &codes,
        )
        .await?;
    let entry = actor.entry(
        "announcement.issue",
        "announcement",
        id.to_string(),
        who.area.as_str(),
        format!("{} → {}", draft.title, codes.join(",")),
    );
    tx.commit_audited(vec![entry]).await?;
    Ok(id)
}

/// An announcement as one person sees it.
#[derive(Debug, Clone)]
pub struct Read {
    pub announcement: AnnouncementRow,
    pub areas: Vec<String>,
    /// Whether it reaches the reader (their reading is a receipt).
    pub addressed: bool,
    /// The people it reaches and their receipts, for the issuer's office and those above.
    pub receipts: Option<Vec<Receipt>>,
}

/// `who` (acting in `scope`) opens announcement `id`: the first opening by a person it reaches
/// is their receipt.
pub async fn read(db: &Db, who: &Principal, scope: &Scope, id: i64) -> Result<Read> {
    let (mut row, areas) = db
        .announcement(scope, who.user_id, &who.area, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let targets: Vec<AreaCode> = areas
        .iter()
        .filter_map(|a| AreaCode::parse(a).ok())
        .collect();
    let addressed = announcement::reaches(&targets, &who.area);
    if addressed && row.read_at.is_none() {
        let mut tx = db.begin().await?;
        if tx.mark_read(id, who.user_id).await? {
            row.readers += 1;
        }
        tx.commit().await?;
        row.read_at = Some(fupin_storage::now_utc());
    }
    let issuer_side = AreaCode::parse(&row.area_code).is_ok_and(|a| scope.contains_area(&a));
    let receipts = if issuer_side {
        Some(db.receipts(id, &targets, RECEIPTS_LISTED).await?)
    } else {
        None
    };
    Ok(Read {
        announcement: row,
        areas,
        addressed,
        receipts,
    })
}
