//! The household sheet (户籍信息表) on the console, as the command line has it: an export of an
//! area's households in the shape the import reads, and an import of a county's sheet into the
//! caller's jurisdiction with the same row report. An import runs in the background; its page
//! shows the rows read so far, then what was created, updated and refused, row by row, with the
//! whole report to download. One import runs at a time; others wait their turn.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::access::Action;
use fupin_core::{AreaCode, Message};
use fupin_services::error::ServiceError;
use fupin_services::import::{ImportOptions, ImportSummary, import_households};
use fupin_services::progress::{Progress, Silent};
use fupin_services::sheet::Format;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::UploadForm;
use super::area_picker::AreaPicker;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{self, Lang, t};

/// The most households exported through the console at once (a county's); larger areas are
/// exported county by county.
const EXPORT_LIMIT: i64 = 200_000;

/// Rows read so far, of how many (0: not known yet).
#[derive(Debug, Default)]
pub struct JobProgress {
    total: AtomicU64,
    done: AtomicU64,
    started: AtomicBool,
}

impl Progress for JobProgress {
    fn start(&self, total: Option<u64>) {
        self.total.store(total.unwrap_or(0), Ordering::Relaxed);
        self.started.store(true, Ordering::Relaxed);
    }
    fn advance(&self, rows: u64) {
        self.done.fetch_add(rows, Ordering::Relaxed);
    }
    fn finish(&self) {}
}

/// How an import ended.
#[derive(Debug)]
enum Outcome {
    Done(ImportSummary),
    /// The file was refused as a whole (not a sheet, required columns missing …).
    Refused(Message),
    /// Something not the user's to correct; the log has it.
    Failed,
}

/// One household-sheet import: its file, report and progress, in a directory of its own.
pub struct ImportJob {
    file_name: String,
    skip_invalid: bool,
    progress: JobProgress,
    outcome: Mutex<Option<Outcome>>,
    dir: tempfile::TempDir,
}

impl ImportJob {
    fn report_path(&self) -> std::path::PathBuf {
        self.dir.path().join("errors.csv")
    }
}

fn job_href(token: &str) -> String {
    format!("/registry/sheet/imports/{token}")
}

#[derive(Debug, Default, Deserialize)]
pub struct SheetQuery {
    #[serde(default)]
    area_q: Option<String>,
}

/// The page: the export form (an area picked by name) and, for those who import, the upload.
async fn sheet_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    area_q: Option<&str>,
    refusal: Option<String>,
) -> Result<Response, AppError> {
    let own = caller.principal.as_ref().map(|p| p.area.to_string());
    let picker = AreaPicker::of(state, &caller.viewer().scope, area_q, own.as_deref()).await?;
    let html = state.render(
        "household_sheet.html",
        lang,
        caller,
        context! {
            title => t(lang, "household_sheet"),
            picker => Serde(picker),
            picker_action => "/registry/sheet#export",
            can_import => caller.may(Action::ImportRegistry),
            refusal => refusal.clone(),
        },
    )?;
    Ok(super::page_with_refusal(html, refusal.is_some()))
}

/// `GET /registry/sheet`.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SheetQuery>,
) -> Result<Response, AppError> {
    sheet_page(&state, lang, &caller, q.area_q.as_deref(), None).await
}

#[derive(Debug, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    format: String,
}

/// `GET /registry/sheet/export?area=…&format=xlsx|csv`: the area's households, one row per
/// member, masked as the caller sees them; audited.
pub async fn export(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(form): Query<ExportForm>,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    // an area outside the scope answers as one that does not exist
    let area = match AreaCode::parse(form.area.trim()) {
        Ok(code) => state
            .db
            .area(&viewer.scope, &code)
            .await?
            .ok_or(AppError::NotFound)?,
        Err(_) => return Err(AppError::bad_request("choose_area")),
    };
    let format = if form.format == "csv" {
        Format::Csv
    } else {
        Format::Xlsx
    };
    let (households, _) = state.db.registry_size(&viewer.scope, &area.code).await?;
    if households > EXPORT_LIMIT {
        let why = i18n::message(
            lang,
            &Message::new("sheet_export_too_large").with("limit", EXPORT_LIMIT),
        );
        return sheet_page(&state, lang, &caller, None, Some(why)).await;
    }
    let dir = tempfile::tempdir().map_err(|e| AppError::internal(e.into()))?;
    let extension = if format == Format::Csv { "csv" } else { "xlsx" };
    let path = dir.path().join(format!("export.{extension}"));
    let summary = fupin_services::export::export_households(
        &state.db, &viewer, &area.code, &path, format, &Silent,
    )
    .await
    .map_err(AppError::internal)?;
    let bytes = std::fs::read(&path).map_err(|e| AppError::internal(e.into()))?;
    let entry = caller.actor().entry(
        "export",
        "household_sheet",
        area.code.to_string(),
        area.code.as_str(),
        format!(
            "{} households, {} rows {extension}",
            summary.households, summary.rows
        ),
    );
    state.audit.record(entry).await?;
    let file = format!(
        "{}-{}-{}.{extension}",
        area.name,
        t(lang, "household_sheet_file"),
        chrono::Local::now().format("%Y%m%d")
    );
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                super::attachment(&file, extension),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The sheet of an upload form, and whether its valid households go in without the others.
fn read_upload(u: UploadForm) -> Result<(UploadForm, bool), ServiceError> {
    if u.bytes.is_empty() {
        return Err(ServiceError::refused("compare.choose_file"));
    }
    let skip_invalid = u.field("mode") == "skip_invalid";
    Ok((u, skip_invalid))
}

/// `POST /registry/sheet/imports`: holds the sheet, starts its import in the background and
/// sends the browser to the import's page.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    request: Request,
) -> Result<Response, AppError> {
    let form = UploadForm::read(&state, request).await?;
    let principal = caller.principal.as_ref().ok_or(AppError::NotFound)?;
    let staged = form.and_then(read_upload).and_then(|(u, skip_invalid)| {
        fupin_services::compare::run::uploaded_file(&u.file_name, &u.bytes)
            .map(|file| (u, skip_invalid, file))
            .map_err(ServiceError::from)
    });
    let (u, skip_invalid, (dir, path)) = match staged {
        Ok(staged) => staged,
        Err(ServiceError::Refused(m)) => {
            let why = i18n::message(lang, &m);
            return sheet_page(&state, lang, &caller, None, Some(why)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let job = ImportJob {
        file_name: u.file_name.clone(),
        skip_invalid,
        progress: JobProgress::default(),
        outcome: Mutex::new(None),
        dir,
    };
    // the file is on disk: the job holds only its name
    let token = state.imports.put(&principal.username, 0, job);
    let job = state
        .imports
        .get(&principal.username, &token)
        .ok_or(AppError::NotFound)?;
    let options = ImportOptions {
        skip_invalid,
        actor: caller.actor().name,
        report: Some(job.report_path()),
        today: chrono::Local::now().date_naive(),
        audit: caller.actor(),
        scope: Some(caller.viewer().scope),
    };
    let (db, slot) = (state.db.clone(), state.import_slot.clone());
    tokio::spawn(async move {
        // one import at a time: the registry is written in one transaction
        let Ok(_turn) = slot.acquire_owned().await else {
            return;
        };
        let result = import_households(&db, &path, &options, &job.progress).await;
        let outcome = match result.map_err(ServiceError::from) {
            Ok(summary) => Outcome::Done(summary),
            Err(ServiceError::Refused(m)) => Outcome::Refused(m),
            Err(e) => {
                tracing::error!(error = ?e, "a household sheet import failed");
                Outcome::Failed
            }
        };
        *job.outcome.lock().expect("job lock") = Some(outcome);
    });
    Ok(Redirect::to(&job_href(&token)).into_response())
}

#[derive(Debug, Serialize)]
struct ProblemLine {
    row: usize,
    column: String,
    value: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct SummaryView {
    committed: bool,
    rows_read: u64,
    households_read: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    invalid: u64,
    errors: u64,
    problems: Vec<ProblemLine>,
    has_report: bool,
}

fn summary_view(lang: Lang, s: &ImportSummary, has_report: bool) -> SummaryView {
    SummaryView {
        committed: s.committed,
        rows_read: s.rows_read,
        households_read: s.households_read,
        created: s.created,
        updated: s.updated,
        unchanged: s.unchanged,
        invalid: s.invalid_households,
        errors: s.errors,
        problems: s
            .first_problems
            .iter()
            .map(|p| ProblemLine {
                row: p.row,
                column: p.column.clone(),
                value: p.value.clone(),
                reason: i18n::message(lang, &p.reason),
            })
            .collect(),
        has_report,
    }
}

/// The import held under `token` for the caller; another user's or an expired one is 404.
fn held_job(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<std::sync::Arc<ImportJob>, AppError> {
    let owner = caller.principal.as_ref().ok_or(AppError::NotFound)?;
    state
        .imports
        .get(&owner.username, token)
        .ok_or(AppError::NotFound)
}

/// `GET /registry/sheet/imports/{token}`: the import's progress, then its row report. The page
/// reloads itself every two seconds while the import runs.
pub async fn job(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let job = held_job(&state, &caller, &token)?;
    let (summary, refused, failed) = match &*job.outcome.lock().expect("job lock") {
        None => (None, None, false),
        Some(Outcome::Done(s)) => (
            Some(summary_view(lang, s, job.report_path().exists())),
            None,
            false,
        ),
        Some(Outcome::Refused(m)) => (None, Some(i18n::message(lang, m)), false),
        Some(Outcome::Failed) => (None, None, true),
    };
    let running = summary.is_none() && refused.is_none() && !failed;
    let (done, total) = (
        job.progress.done.load(Ordering::Relaxed),
        job.progress.total.load(Ordering::Relaxed),
    );
    let html = state.render(
        "household_import.html",
        lang,
        &caller,
        context! {
            title => t(lang, "household_import"),
            file_name => job.file_name.clone(),
            mode => t(lang, if job.skip_invalid { "import_skip_invalid" } else { "import_all_or_nothing" }),
            running,
            waiting => running && !job.progress.started.load(Ordering::Relaxed),
            done,
            total => total.max(done),
            percent => (total > 0).then(|| (done * 100 / total.max(done)).min(99)),
            summary => Serde(summary),
            refused,
            failed,
            report_href => format!("{}/errors.csv", job_href(&token)),
        },
    )?;
    Ok(super::page_with_refusal(html, false))
}

/// `GET /registry/sheet/imports/{token}/errors.csv`: the import's whole row report.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let job = held_job(&state, &caller, &token)?;
    let bytes = std::fs::read(job.report_path()).map_err(|_| AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                super::attachment(&format!("{}.errors.csv", job.file_name), "csv"),
            ),
        ],
        bytes,
    )
        .into_response())
}
