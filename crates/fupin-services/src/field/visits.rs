//! Recording a helper's visit as the phone sends it: checked (`fupin_core::field::visit`),
//! its photos stored by hash before any row is written, flagged by where it was made, and
//! written once per client id with its tallies and audit entry — a replayed sync changes
//! nothing and answers as the first one did.

use chrono::{DateTime, Datelike, Utc};
use fupin_core::access::Scope;
use fupin_core::codes::CodeList;
use fupin_core::field::Fix;
use fupin_core::field::photo;
use fupin_core::field::visit::{self, VisitDraft, VisitFacts, VisitFlag, VisitProblem};
use fupin_core::message::Explained;
use fupin_core::{AreaCode, GeoPoint, Message, PolicyKey};
use fupin_storage::Db;
use fupin_storage::field::visits::{NewPhoto, NewVisit, VisitRow};

use super::Visitor;
use super::photos::{self, PhotoStore};
use crate::audit::Actor;
use crate::error::{FieldIssue, Result, ServiceError};

/// A visit as the phone (or the form without script) sent it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VisitUpload {
    pub client_id: String,
    pub household_id: i64,
    /// RFC 3339, the phone's clock.
    pub visited_at: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub done: String,
    pub needs: String,
    pub changed: Vec<String>,
    pub photos: Vec<Vec<u8>>,
}

/// What became of an upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub id: i64,
    /// False when this client id had been recorded before (a replay).
    pub new: bool,
    pub flags: Vec<VisitFlag>,
    pub distance_m: Option<f64>,
}

fn issues(problems: impl IntoIterator<Item = Message>) -> ServiceError {
    ServiceError::Invalid(
        problems
            .into_iter()
            .map(|message| FieldIssue {
                field: None,
                member: None,
                message,
            })
            .collect(),
    )
}

/// The flags stored on a row, as codes.
pub fn flags_of(row: &VisitRow) -> Vec<VisitFlag> {
    codes(&row.flags)
}

fn codes<T: CodeList>(text: &str) -> Vec<T> {
    text.split(',').filter_map(|c| T::parse(c.trim())).collect()
}

fn join<T: CodeList>(items: &[T]) -> String {
    items.iter().map(|i| i.code()).collect::<Vec<_>>().join(",")
}

/// A position from the phone's three numbers, if it sent a place.
fn fix_of(lat: Option<f64>, lon: Option<f64>, accuracy_m: Option<f64>) -> Option<Fix> {
    Some(Fix {
        lat: lat?,
        lon: lon?,
        accuracy_m,
    })
}

/// Records `upload` for the helper whose account is `who`'s, the household within their scope;
/// `now` is the server's time. Photos over the store's limit are refused.
#[tracing::instrument(skip_all, fields(client_id = %upload.client_id), err(level = "info"))]
pub async fn record_visit(
    db: &Db,
    store: &PhotoStore,
    who: &Visitor<'_>,
    upload: VisitUpload,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    let (scope, actor, user_id) = (who.scope, who.actor, who.user_id);
    // a replay is answered before anything else is checked or stored
    if let Some(done) = replayed(db, actor, &upload).await? {
        return Ok(done);
    }
    let visited_at = DateTime::parse_from_rfc3339(upload.visited_at.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| issues([Message::new("visit.bad_time")]))?;
    let changed = visit::parse_items(&upload.changed).map_err(|p| issues([p.message()]))?;
    let draft = VisitDraft {
        client_id: upload.client_id.trim().to_string(),
        visited_at,
        done: upload.done.trim().to_string(),
        needs: upload.needs.trim().to_string(),
        changed,
        photos: upload.photos.len(),
    };
    let mut problems: Vec<Message> = visit::check(&draft, now)
        .iter()
        .map(VisitProblem::message)
        .collect();
    let mut kinds = Vec::new();
    for (i, bytes) in upload.photos.iter().enumerate() {
        match photo::check(i + 1, bytes, store.max_bytes) {
            Ok(kind) => kinds.push(kind),
            Err(p) => problems.push(p.message()),
        }
    }
    if !problems.is_empty() {
        return Err(issues(problems));
    }
    let helper = db
        .helper_of_user(user_id)
        .await?
        .ok_or_else(|| ServiceError::refused("visit.no_helper"))?;
    let mut read = db.reader().await?;
    let place = read
        .household_place(scope, upload.household_id)
        .await?
        .ok_or_else(|| ServiceError::refused("visit.not_yours"))?;
    let policy = read.policy().await?;
    drop(read);
    let village =
        AreaCode::parse(&place.village_code).map_err(|e| ServiceError::Internal(e.into()))?;
    let radius = policy
        .value(PolicyKey::VisitRadiusM, visited_at.year(), &village)
        .unwrap_or(500) as f64;
    // every photo is stored before the row that names it: an upload cut short leaves no row
    let mut stored = Vec::with_capacity(upload.photos.len());
    let mut origins = Vec::with_capacity(upload.photos.len());
    for (bytes, kind) in upload.photos.iter().zip(kinds) {
        let origin = photos::origin(bytes);
        let sha256 = store.put(bytes).await.map_err(ServiceError::Internal)?;
        stored.push(NewPhoto {
            sha256,
            kind: kind.content_type().into(),
            bytes: bytes.len() as i64,
            taken_at: origin
                .taken_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()),
            lat: origin.position.map(|p| p.lat),
            lon: origin.position.map(|p| p.lon),
        });
        origins.push(origin);
    }
    let fix = fix_of(upload.lat, upload.lon, upload.accuracy_m);
    let review = visit::review(&VisitFacts {
        fix,
        household: place
            .lat
            .zip(place.lon)
            .map(|(lat, lon)| GeoPoint { lat, lon }),
        radius_m: radius,
        visited_at,
        recorded_at: now,
        photos: &origins,
    });
    let row = NewVisit {
        client_id: draft.client_id.clone(),
        household_id: place.id,
        helper_id: helper.id,
        village_code: place.village_code.clone(),
        visited_at: visited_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        month: visit::month_of(visited_at),
        recorded_at: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        recorded_by: actor.name.clone(),
        lat: fix.map(|f| f.lat),
        lon: fix.map(|f| f.lon),
        accuracy_m: fix.and_then(|f| f.accuracy_m),
        distance_m: review.distance_m,
        flags: join(&review.flags),
        flagged: review.flags.iter().any(|f| f.doubts_presence()),
        done: draft.done,
        needs: draft.needs,
        changed: join(&draft.changed),
        photos: stored,
    };
    let mut tx = db.begin().await?;
    let id = match tx.insert_visit(&row).await {
        Ok(id) => id,
        Err(e) => {
            // sent twice at once: the other request recorded it first (the client id is unique)
            drop(tx);
            return match replayed(db, actor, &upload).await? {
                Some(done) => Ok(done),
                None => Err(e.into()),
            };
        }
    };
    let audit = actor.entry(
        "field.visit.record",
        "household",
        place.number,
        &place.village_code,
        format!(
            "visit {id} by helper {} at {}, {} photos, flags [{}]",
            helper.id,
            row.visited_at,
            row.photos.len(),
            row.flags
        ),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(Recorded {
        id,
        new: true,
        flags: review.flags,
        distance_m: review.distance_m,
    })
}

/// The answer to an upload whose client id was recorded before by the same person for the same
/// household; a client id taken by another visit is refused.
async fn replayed(db: &Db, actor: &Actor, upload: &VisitUpload) -> Result<Option<Recorded>> {
    let mut read = db.reader().await?;
    let Some(row) = read.visit_by_client_id(upload.client_id.trim()).await? else {
        return Ok(None);
    };
    if row.household_id != upload.household_id || row.recorded_by != actor.name {
        return Err(ServiceError::refused("visit.client_id_taken"));
    }
    Ok(Some(Recorded {
        id: row.id,
        new: false,
        flags: flags_of(&row),
        distance_m: row.distance_m,
    }))
}

/// A visit's notes as a form rewrites them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    pub done: String,
    pub needs: String,
    pub changed: Vec<String>,
}

/// Rewrites a visit's notes, by the person who recorded it, within its edit window.
pub async fn edit_visit(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    visit_id: i64,
    notes: &Notes,
    now: DateTime<Utc>,
) -> Result<()> {
    let (done, needs, changed) = (&notes.done, &notes.needs, &notes.changed);
    let (row, _, _) = db
        .visit(scope, visit_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.recorded_by != actor.name {
        return Err(ServiceError::refused("visit.not_the_recorder"));
    }
    let recorded = DateTime::parse_from_rfc3339(&row.recorded_at)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ServiceError::Internal(e.into()))?;
    if !visit::editable(recorded, now) {
        return Err(VisitProblem::EditClosed.message().into());
    }
    let changed = visit::parse_items(changed).map_err(|p| issues([p.message()]))?;
    let draft = VisitDraft {
        client_id: row.client_id.clone(),
        visited_at: recorded,
        done: done.trim().to_string(),
        needs: needs.trim().to_string(),
        changed,
        photos: row.photos as usize,
    };
    let problems: Vec<Message> = visit::check(&draft, recorded)
        .iter()
        .map(VisitProblem::message)
        .collect();
    if !problems.is_empty() {
        return Err(issues(problems));
    }
    let mut tx = db.begin().await?;
    tx.edit_visit_notes(visit_id, &draft.done, &draft.needs, &join(&draft.changed))
        .await?;
    let audit = actor.entry(
        "field.visit.edit",
        "household",
        row.household_id.to_string(),
        &row.village_code,
        format!("visit {visit_id} notes rewritten"),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(())
}

/// Appends a correction to a visit (after its edit window, or by someone else than its recorder).
pub async fn correct_visit(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    visit_id: i64,
    text: &str,
) -> Result<i64> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > visit::NOTE_MAX_CHARS {
        return Err(issues([
            Message::new("visit.correction_length").with("max", visit::NOTE_MAX_CHARS)
        ]));
    }
    let (row, _, _) = db
        .visit(scope, visit_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut tx = db.begin().await?;
    let id = tx.insert_correction(visit_id, &actor.name, text).await?;
    let audit = actor.entry(
        "field.visit.correct",
        "household",
        row.household_id.to_string(),
        &row.village_code,
        format!("visit {visit_id} correction {id}"),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(id)
}

/// A v4 UUID from the operating system's randomness.
pub fn new_client_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The texts of this module's messages.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "visit.bad_time",
        "走访时间格式不对",
        "The visit's time is not a valid time",
    ),
    (
        "visit.no_helper",
        "您的账号未登记为帮扶责任人，不能登记走访；请联系县扶贫办",
        "Your account is not registered as a helper and cannot record visits; ask the county poverty office",
    ),
    (
        "visit.not_yours",
        "该户不在您的帮扶范围内（可能已调整给其他帮扶责任人），走访未登记",
        "This household is not among yours (it may have been given to another helper); the visit was not recorded",
    ),
    (
        "visit.client_id_taken",
        "走访记录编号已被另一条记录使用，请删除后重新登记",
        "The visit's id belongs to another record: discard it and record the visit again",
    ),
    (
        "visit.not_the_recorder",
        "只有登记人本人可以修改走访记录，其他人请追加更正说明",
        "Only the person who recorded a visit may edit it; others append a correction",
    ),
    (
        "visit.correction_length",
        "更正说明不能为空，且不超过{max}个字",
        "A correction must say something, in at most {max} characters",
    ),
];
