//! `/api/v1/tasks…` and `/api/v1/announcements…`: instructions and announcements for machine
//! clients, through the pages' use-cases (scope, refusals as JSON, audit).

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use fupin_core::tasks::instruction::Reach;
use fupin_services::tasks::announcements::{self as notice, AnnounceForm};
use fupin_services::tasks::instructions::{self as uc, IssueForm, Upload};
use fupin_storage::tasks::announcements::{AnnouncementRow, Receipt};
use fupin_storage::tasks::instructions::{FileRow, InstructionRow, RecipientRow, ReportRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::instructions::{principal, visible};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::UploadForm;
use crate::pages::field::today;

/// A recipient with where it stands today.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientJson {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    row: RecipientRow,
    /// `{"due": "soon", "days": 2}`, `{"due": "overdue", "days": 1}`, `{"due": "done"}` …
    #[schema(value_type = Object)]
    due: fupin_core::tasks::instruction::Due,
    /// The same in the caller's language.
    due_text: String,
}

fn recipients_json(rows: Vec<RecipientRow>, lang: Lang) -> Vec<RecipientJson> {
    let today = today();
    rows.into_iter()
        .map(|row| {
            let due = uc::due(&row, today);
            RecipientJson {
                due_text: i18n::message(lang, &due.message()),
                row,
                due,
            }
        })
        .collect()
}

/// What is mine: to do, received lately, issued by my office lately.
#[derive(Debug, Serialize, ToSchema)]
pub struct TasksJson {
    to_do: Vec<RecipientJson>,
    received: Vec<RecipientJson>,
    #[schema(value_type = Vec<Object>)]
    issued: Vec<InstructionRow>,
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks",
    responses((status = 200, description = "My to-do, what I received and what my office issued (50 latest each)", body = TasksJson)),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Json<TasksJson>, AppError> {
    let who = principal(&caller)?;
    let to_do = uc::to_do(&state.db, who, today())
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let received = state
        .db
        .instructions_received(&Reach::of(who), 50, 0)
        .await?;
    let (issued, _) = state
        .db
        .instructions_issued(&caller.viewer().scope, &who.area, 50, 0)
        .await?;
    Ok(Json(TasksJson {
        to_do: recipients_json(to_do, lang),
        received: recipients_json(received, lang),
        issued,
    }))
}

/// An instruction to issue.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct IssueJson {
    title: String,
    text: String,
    /// `YYYY-MM-DD`, from today to a year ahead.
    deadline: String,
    /// Codes of areas below the caller's.
    areas: Vec<String>,
    /// Logins of people within the caller's area.
    usernames: Vec<String>,
}

/// A new record's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, Json(Created { id })).into_response()
}

#[utoipa::path(
    post,
    path = "/api/v1/tasks",
    request_body = IssueJson,
    responses((status = 201, description = "Issued", body = Created), (status = 422, description = "Invalid: title, text, deadline, recipients")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    Json(j): Json<IssueJson>,
) -> Result<Response, AppError> {
    if j.title.trim().is_empty() && j.text.trim().is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let who = principal(&caller)?;
    let form = IssueForm {
        title: j.title,
        text: j.text,
        deadline: NaiveDate::parse_from_str(j.deadline.trim(), "%Y-%m-%d").ok(),
        areas: j.areas,
        usernames: j.usernames,
    };
    let id = uc::issue(&state.db, who, &caller.actor(), &form, today()).await?;
    Ok(created(id))
}

/// A report with its attachments' addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportJson {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    report: ReportRow,
    #[schema(value_type = Vec<Object>)]
    files: Vec<FileRow>,
}

/// An instruction as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskJson {
    #[schema(value_type = Object)]
    instruction: InstructionRow,
    /// Seen from the issuing side (every recipient) or as a recipient (theirs only).
    issuer: bool,
    /// The recipients the caller answers for.
    mine: Vec<i64>,
    recipients: Vec<RecipientJson>,
    reports: Vec<ReportJson>,
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks/{id}",
    params(("id" = i64, Path, description = "Instruction id")),
    responses((status = 200, description = "The instruction", body = TaskJson), (status = 404, description = "Neither issued where the caller reaches nor addressed to them")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<TaskJson>, AppError> {
    let who = principal(&caller)?;
    let seen = uc::seen(&state.db, who, &caller.viewer().scope, id).await?;
    let ids: Vec<i64> = seen.recipients.iter().map(|r| r.id).collect();
    let reports = state
        .db
        .reports_of(&ids)
        .await?
        .into_iter()
        .map(|(report, files)| ReportJson { report, files })
        .collect();
    Ok(Json(TaskJson {
        instruction: seen.instruction,
        issuer: seen.issuer,
        mine: seen.mine,
        recipients: recipients_json(seen.recipients, lang),
        reports,
    }))
}

/// The recipient an act is about.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RecipientArg {
    recipient: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/tasks/{id}/acknowledge",
    params(("id" = i64, Path, description = "Instruction id")),
    request_body = RecipientArg,
    responses((status = 204, description = "Acknowledged (again: nothing changes)"), (status = 400, description = "Closed"), (status = 404, description = "Not the caller's")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(a): Json<RecipientArg>,
) -> Result<Response, AppError> {
    visible(&state, &caller, id).await?;
    if a.recipient == 0 {
        return Err(AppError::bad_request("empty_form"));
    }
    uc::acknowledge(&state.db, principal(&caller)?, &caller.actor(), a.recipient).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/tasks/{id}/remind",
    params(("id" = i64, Path, description = "Instruction id")),
    request_body = RecipientArg,
    responses((status = 204, description = "Reminded"), (status = 400, description = "Reported already, reminded today, closed"), (status = 404, description = "Not issued where the caller reaches")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn remind(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(a): Json<RecipientArg>,
) -> Result<Response, AppError> {
    visible(&state, &caller, id).await?;
    if a.recipient == 0 {
        return Err(AppError::bad_request("empty_form"));
    }
    uc::remind(
        &state.db,
        &caller.viewer().scope,
        &caller.actor(),
        a.recipient,
        today(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/tasks/{id}/reports",
    params(("id" = i64, Path, description = "Instruction id")),
    request_body(content_type = "multipart/form-data", description = "Fields `recipient` and `text`, up to five `attachment` parts (PDF, image, Word, Excel, text; 10 MB each)"),
    responses((status = 201, description = "Reported", body = Created), (status = 400, description = "Closed, empty"), (status = 404, description = "Not the caller's"), (status = 422, description = "An attachment refused")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    visible(&state, &caller, id).await?;
    let form = UploadForm::read(&state, request).await??;
    let recipient: i64 = form.field("recipient").trim().parse().unwrap_or(0);
    if recipient == 0 {
        return Err(AppError::bad_request("empty_form"));
    }
    let files: Vec<Upload> = form
        .attachments
        .iter()
        .map(|(name, bytes)| Upload {
            name: name.clone(),
            bytes: bytes.clone(),
        })
        .collect();
    let report = uc::report(
        &state.db,
        &state.photos,
        principal(&caller)?,
        &caller.actor(),
        recipient,
        uc::Report {
            text: form.field("text"),
            files: &files,
        },
        uc::DEFAULT_MAX_FILE_BYTES,
    )
    .await?;
    Ok(created(report))
}

/// Announcements reaching the caller or issued where they reach.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementsJson {
    total: i64,
    unread: i64,
    #[schema(value_type = Vec<Object>)]
    announcements: Vec<AnnouncementRow>,
}

#[utoipa::path(
    get,
    path = "/api/v1/announcements",
    responses((status = 200, description = "The 50 latest announcements for the caller", body = AnnouncementsJson)),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn announcements(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AnnouncementsJson>, AppError> {
    let who = principal(&caller)?;
    let (announcements, total, unread) = state
        .db
        .announcements_for(&caller.viewer().scope, who.user_id, &who.area, 50, 0)
        .await?;
    Ok(Json(AnnouncementsJson {
        total,
        unread,
        announcements,
    }))
}

/// An announcement to issue.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AnnounceJson {
    title: String,
    text: String,
    /// The caller's area or areas below (none: the caller's whole area).
    areas: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/announcements",
    request_body = AnnounceJson,
    responses((status = 201, description = "Issued", body = Created), (status = 422, description = "Invalid: title, text, areas")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn announce(
    State(state): State<AppState>,
    caller: Caller,
    Json(j): Json<AnnounceJson>,
) -> Result<Response, AppError> {
    if j.title.trim().is_empty() && j.text.trim().is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let form = AnnounceForm {
        title: j.title,
        text: j.text,
        areas: j.areas,
    };
    let id = notice::announce(&state.db, principal(&caller)?, &caller.actor(), &form).await?;
    Ok(created(id))
}

/// An announcement as read, with the receipts for the issuing side.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementJson {
    #[schema(value_type = Object)]
    announcement: AnnouncementRow,
    areas: Vec<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    receipts: Option<Vec<Receipt>>,
}

#[utoipa::path(
    get,
    path = "/api/v1/announcements/{id}",
    params(("id" = i64, Path, description = "Announcement id")),
    responses((status = 200, description = "Read (the first reading of a person it reaches is their receipt)", body = AnnouncementJson), (status = 404, description = "Not for the caller")),
    security(("bearer" = [])),
    tag = "tasks"
)]
pub async fn announcement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<AnnouncementJson>, AppError> {
    let read = notice::read(&state.db, principal(&caller)?, &caller.viewer().scope, id).await?;
    Ok(Json(AnnouncementJson {
        announcement: read.announcement,
        areas: read.areas,
        receipts: read.receipts,
    }))
}
