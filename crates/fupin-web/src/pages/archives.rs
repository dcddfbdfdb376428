//! A household's scanned paper archives (档案) on the pages: the list on the record, the upload
//! form (multipart; the file's type judged by its content), and each file served with its own
//! type, never sniffed by the browser, each read going to the audit trail.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_services::archives::{AttachError, Upload, attach};
use fupin_storage::archives::ArchiveEntry;
use serde::Serialize;

use super::household_href;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

/// An archive as the record lists it.
#[derive(Debug, Serialize)]
pub(super) struct ArchiveRow {
    title: String,
    file_name: String,
    kind: &'static str,
    size: String,
    sha256: String,
    uploaded_by: String,
    uploaded_at: String,
    href: String,
}

impl ArchiveRow {
    pub(super) fn new(a: &ArchiveEntry, lang: crate::i18n::Lang) -> Self {
        let kind = match a.content_type.as_str() {
            "application/pdf" => "PDF",
            "image/jpeg" => "JPEG",
            "image/png" => "PNG",
            _ => "?",
        };
        ArchiveRow {
            title: a.title.clone(),
            file_name: a.file_name.clone(),
            kind,
            size: format!("{:.1} KB", a.size as f64 / 1024.0),
            sha256: a.sha256.chars().take(12).collect(),
            uploaded_by: super::wording::actor(lang, &a.uploaded_by),
            uploaded_at: crate::time::local_time(&a.uploaded_at),
            href: format!("{}/archives/{}", household_href(a.household_id), a.id),
        }
    }
}

/// Reads the upload form: `title` and `file` (the CSRF field was checked before).
async fn read_upload(mut form: Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        title: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = form.next_field().await.map_err(|e| e.body_text())? {
        match field.name() {
            Some("title") => upload.title = field.text().await.map_err(|e| e.body_text())?,
            Some("file") => {
                upload.file_name = field.file_name().unwrap_or_default().to_string();
                upload.bytes = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /households/{id}/archives`: attaches a scan; a refusal is shown on the record.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    // a household outside the jurisdiction is not found, whatever the body holds
    state
        .db
        .household(&caller.viewer().scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            tracing::debug!(error = %e.body_text(), "cannot read an upload");
            AppError::bad_request("form_unreadable")
        })?;
    let refusal = match read_upload(form).await {
        Err(e) => e,
        Ok(upload) => {
            let (scope, actor) = (caller.viewer().scope, caller.actor());
            match attach(&state.db, &scope, &actor, id, upload, state.archive_limit).await {
                Ok(_) => {
                    let to = format!("{}#archives", household_href(id));
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(AttachError::NotFound) => return Err(AppError::NotFound),
                Err(AttachError::Refused(e)) => {
                    crate::i18n::message(lang, &fupin_core::message::Explained::message(&e))
                }
                Err(AttachError::Other(e)) => return Err(AppError::internal(e)),
            }
        }
    };
    let message = format!("{}: {refusal}", t(lang, "archive_refused"));
    super::households::page(&state, lang, &caller, id, Some(message)).await
}

/// `GET /households/{id}/archives/{archive}`: the file, if the household is within reach.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, archive)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let file = state
        .db
        .archive_file(&caller.viewer().scope, id, archive)
        .await?
        .ok_or(AppError::NotFound)?;
    // the one audited read of a household, naming the file read
    let via = format!("archive {archive} sha256 {}", file.sha256);
    super::read_household(&state, &caller, id, &via).await?;
    let name: String = form_urlencoded::byte_serialize(file.file_name.as_bytes()).collect();
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{name}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        file.body,
    )
        .into_response())
}
