//! `/tasks…`: instructions (任务督办). The list of what is mine to do, what I received and what
//! my office issued; a new instruction to the areas below or to named people; an instruction's
//! page — its recipients with their progress for the issuing side (remind, close), the own
//! recipient's box for a recipient (acknowledge, report back with attachments); the overdue
//! list; and the phone's copy of the to-do (`/field/tasks`, kept offline).

use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use fupin_core::access::{Action, Principal};
use fupin_core::tasks::instruction::{Progress, Reach};
use fupin_services::error::ServiceError;
use fupin_services::tasks::instructions::{self as uc, IssueForm, Upload};
use fupin_storage::tasks::instructions::{FileRow, RecipientRow, ReportRow};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{self, Lang, t};
use crate::pages::field::{Refusal, answer, today};
use crate::pages::{AreaNames, Pager, UploadForm, parse_page};

const PER_PAGE: u64 = 50;

/// The caller's account (every task page is a logged-in person's).
pub(super) fn principal(caller: &Caller) -> Result<&Principal, AppError> {
    caller.principal.as_ref().ok_or(AppError::Unauthorized)
}

/// A recipient as a list shows it.
#[derive(Debug, Serialize)]
pub(super) struct Line {
    pub id: i64,
    pub href: String,
    pub title: String,
    /// The issuing office's area.
    pub from: String,
    /// The recipient: an area's office, or a person and their area.
    pub to: String,
    pub deadline: String,
    pub state: &'static str,
    pub due: String,
    pub overdue: bool,
    pub reminders: i64,
}

impl Line {
    pub(super) fn of(r: &RecipientRow, lang: Lang, names: &AreaNames, today: NaiveDate) -> Self {
        let due = uc::due(r, today);
        Self {
            id: r.id,
            href: format!("/tasks/{}", r.instruction_id),
            title: r.title.clone(),
            from: names.name(&r.issuing_area),
            to: recipient_name(r, names),
            deadline: r.deadline.clone(),
            state: lang.label(uc::progress(r)),
            due: i18n::message(lang, &due.message()),
            overdue: due.is_overdue(),
            reminders: r.reminders,
        }
    }
}

fn recipient_name(r: &RecipientRow, names: &AreaNames) -> String {
    if r.user_id == 0 {
        names.name(&r.area_code)
    } else {
        format!("{}（{}）", r.person, names.name(&r.area_code))
    }
}

/// The names of the areas some recipients name.
pub(super) async fn names_of(
    state: &AppState,
    rows: &[RecipientRow],
) -> Result<AreaNames, AppError> {
    AreaNames::of(
        state,
        rows.iter()
            .flat_map(|r| [r.area_code.as_str(), r.issuing_area.as_str()]),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<String>,
}

/// `GET /tasks`: my to-do, what I received lately, and what my office issued.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let who = principal(&caller)?;
    let today = today();
    let page = parse_page(q.page.as_deref())?;
    let to_do: Vec<RecipientRow> = uc::to_do(&state.db, who, today)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let received = state
        .db
        .instructions_received(&Reach::of(who), 20, 0)
        .await?;
    let scope = caller.viewer().scope;
    let (issued, total) = state
        .db
        .instructions_issued(
            &scope,
            &who.area,
            PER_PAGE as i64,
            ((page - 1) * PER_PAGE) as i64,
        )
        .await?;
    let mut all = to_do.clone();
    all.extend(received.iter().cloned());
    let names = names_of(&state, &all).await?;
    let issuing = AreaNames::of(&state, issued.iter().map(|i| i.area_code.as_str())).await?;
    #[derive(Serialize)]
    struct IssuedLine {
        href: String,
        title: String,
        from: String,
        deadline: String,
        recipients: i64,
        acknowledged: i64,
        reported: i64,
        closed: bool,
    }
    let issued_lines: Vec<IssuedLine> = issued
        .iter()
        .map(|i| IssuedLine {
            href: format!("/tasks/{}", i.id),
            title: i.title.clone(),
            from: issuing.name(&i.area_code),
            deadline: i.deadline.clone(),
            recipients: i.recipients,
            acknowledged: i.acknowledged,
            reported: i.reported,
            closed: i.closed_at.is_some(),
        })
        .collect();
    let pager = Pager::new("/tasks?", page, PER_PAGE, total as u64, issued.len() as u64);
    let html = state.render(
        "tasks.html",
        lang,
        &caller,
        context! {
            title => t(lang, "tasks"),
            to_do => Serde(to_do.iter().map(|r| Line::of(r, lang, &names, today)).collect::<Vec<_>>()),
            received => Serde(received.iter().map(|r| Line::of(r, lang, &names, today)).collect::<Vec<_>>()),
            issued => Serde(issued_lines),
            issued_total => total,
            pager => Serde(pager),
            may_issue => caller.may(Action::IssueTasks),
        },
    )?;
    Ok(html.into_response())
}

/// `GET /field/tasks`: the phone's copy of my to-do (the service worker keeps it offline).
pub async fn phone(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    let who = principal(&caller)?;
    let today = today();
    let rows: Vec<RecipientRow> = uc::to_do(&state.db, who, today)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let names = names_of(&state, &rows).await?;
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line::of(r, lang, &names, today))
        .collect();
    let html = state.render(
        "field_tasks.html",
        lang,
        &caller,
        context! {
            title => t(lang, "my_tasks"),
            tasks => Serde(lines),
            ..crate::pages::field::phone::page_context(lang, &caller, "tasks")
        },
    )?;
    Ok(crate::pages::field::phone::with_script(
        html.into_response(),
    ))
}

/// The issuing form's fields.
#[derive(Debug, Default)]
struct Posted {
    title: String,
    text: String,
    deadline: String,
    areas: Vec<String>,
    people: String,
}

impl Posted {
    fn parse(body: &str) -> Self {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            match &*k {
                "title" => p.title = v.into_owned(),
                "text" => p.text = v.into_owned(),
                "deadline" => p.deadline = v.trim().to_string(),
                "area" => p.areas.push(v.into_owned()),
                "people" => p.people = v.into_owned(),
                _ => {}
            }
        }
        p
    }

    fn form(&self) -> IssueForm {
        IssueForm {
            title: self.title.clone(),
            text: self.text.clone(),
            deadline: NaiveDate::parse_from_str(&self.deadline, "%Y-%m-%d").ok(),
            areas: self.areas.clone(),
            usernames: self
                .people
                .split([',', '，', ' ', '、', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    posted: &Posted,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let who = principal(caller)?;
    let children = state
        .db
        .area_children(
            &caller.viewer().scope,
            Some(&who.area),
            fupin_storage::FigureYear::Now,
        )
        .await?;
    let areas: Vec<(String, String, bool)> = children
        .iter()
        .map(|c| {
            let code = c.area.code.to_string();
            let checked = posted.areas.contains(&code);
            (code, c.area.name.clone(), checked)
        })
        .collect();
    let html = state.render(
        "task_new.html",
        lang,
        caller,
        context! {
            title => t(lang, "task_new"),
            areas,
            posted_title => posted.title.clone(),
            posted_text => posted.text.clone(),
            deadline => if posted.deadline.is_empty() { (today() + chrono::Duration::days(7)).to_string() } else { posted.deadline.clone() },
            today => today().to_string(),
            people => posted.people.clone(),
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(answer(html, &refusal))
}

/// `GET /tasks/new`.
pub async fn new(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    new_page(&state, lang, &caller, &Posted::default(), None).await
}

/// `POST /tasks`: issues an instruction.
pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    body: String,
) -> Result<Response, AppError> {
    let posted = Posted::parse(&body);
    if posted.title.trim().is_empty() && posted.text.trim().is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let who = principal(&caller)?;
    match uc::issue(&state.db, who, &caller.actor(), &posted.form(), today()).await {
        Ok(id) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(e) => new_page(&state, lang, &caller, &posted, Some(Refusal::of(lang, e)?)).await,
    }
}

#[derive(Debug, Serialize)]
struct FileLine {
    href: String,
    name: String,
    size: String,
}

#[derive(Debug, Serialize)]
struct ReportLine {
    recipient: i64,
    body: String,
    at: String,
    by: String,
    files: Vec<FileLine>,
}

fn report_line(instruction: i64, r: &ReportRow, files: &[FileRow]) -> ReportLine {
    ReportLine {
        recipient: r.recipient_id,
        body: r.body.clone(),
        at: r.reported_at.clone(),
        by: r.reported_by.clone(),
        files: files
            .iter()
            .map(|f| FileLine {
                href: format!("/tasks/{instruction}/files/{}", f.sha256),
                name: f.file_name.clone(),
                size: format!("{:.1} KB", f.bytes as f64 / 1024.0),
            })
            .collect(),
    }
}

async fn task_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let who = principal(caller)?;
    let scope = caller.viewer().scope;
    let seen = uc::seen(&state.db, who, &scope, id).await?;
    let today = today();
    let names = names_of(state, &seen.recipients).await?;
    let issuing = AreaNames::of(state, [seen.instruction.area_code.as_str()]).await?;
    let ids: Vec<i64> = seen.recipients.iter().map(|r| r.id).collect();
    let reports: Vec<ReportLine> = state
        .db
        .reports_of(&ids)
        .await?
        .iter()
        .map(|(r, files)| report_line(id, r, files))
        .collect();
    #[derive(Serialize)]
    struct RecipientLine {
        line: Line,
        acknowledged_at: Option<String>,
        reported_at: Option<String>,
        mine: bool,
        may_acknowledge: bool,
        may_remind: bool,
    }
    let closed = seen.instruction.closed_at.is_some();
    let may_issue = caller.may(Action::IssueTasks);
    let lines: Vec<RecipientLine> = seen
        .recipients
        .iter()
        .map(|r| {
            let progress = uc::progress(r);
            let reminded_today = r.reminded_on.as_deref() == Some(today.to_string().as_str());
            RecipientLine {
                line: Line::of(r, lang, &names, today),
                acknowledged_at: r.acknowledged_at.clone(),
                reported_at: r.reported_at.clone(),
                mine: seen.mine.contains(&r.id),
                may_acknowledge: !closed && progress == Progress::Sent && seen.mine.contains(&r.id),
                may_remind: seen.issuer
                    && may_issue
                    && !closed
                    && progress != Progress::Reported
                    && !reminded_today,
            }
        })
        .collect();
    let html = state.render(
        "task.html",
        lang,
        caller,
        context! {
            title => seen.instruction.title.clone(),
            id,
            task => Serde(&seen.instruction),
            from => issuing.name(&seen.instruction.area_code),
            closed,
            issuer => seen.issuer,
            may_close => seen.issuer && may_issue && !closed,
            may_report => !closed && !seen.mine.is_empty(),
            recipients => Serde(lines),
            reports => Serde(reports),
            max_files => fupin_core::tasks::instruction::MAX_FILES,
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(answer(html, &refusal))
}

/// `GET /tasks/{id}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    task_page(&state, lang, &caller, id, None).await
}

/// Instruction `id` must be the caller's to see before anything is read of the request (an
/// instruction outside answers 404 whatever was posted).
pub(super) async fn visible(state: &AppState, caller: &Caller, id: i64) -> Result<(), AppError> {
    uc::seen(&state.db, principal(caller)?, &caller.viewer().scope, id).await?;
    Ok(())
}

/// The recipient a posted form names.
fn recipient_of(body: &str) -> Option<i64> {
    form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "recipient")
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// A use-case's answer: back to the instruction, or its page with the refusal.
async fn back(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    done: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(ServiceError::NotFound) => Err(AppError::NotFound),
        Err(e) => task_page(state, lang, caller, id, Some(Refusal::of(lang, e)?)).await,
    }
}

/// `POST /tasks/{id}/acknowledge` (`recipient`).
pub async fn acknowledge(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, AppError> {
    visible(&state, &caller, id).await?;
    let recipient = recipient_of(&body).ok_or_else(|| AppError::bad_request("empty_form"))?;
    let who = principal(&caller)?;
    let done = uc::acknowledge(&state.db, who, &caller.actor(), recipient).await;
    back(&state, lang, &caller, id, done).await
}

/// `POST /tasks/{id}/remind` (`recipient`).
pub async fn remind(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, AppError> {
    visible(&state, &caller, id).await?;
    let recipient = recipient_of(&body).ok_or_else(|| AppError::bad_request("empty_form"))?;
    let scope = caller.viewer().scope;
    let done = uc::remind(&state.db, &scope, &caller.actor(), recipient, today()).await;
    back(&state, lang, &caller, id, done).await
}

/// `POST /tasks/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let done = uc::close(&state.db, &scope, &caller.actor(), id).await;
    back(&state, lang, &caller, id, done).await
}

/// `POST /tasks/{id}/reports` (multipart: `recipient`, `text`, up to five `attachment` parts).
pub async fn report(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    visible(&state, &caller, id).await?;
    let who = principal(&caller)?.clone();
    let done = match UploadForm::read(&state, request).await? {
        Ok(form) => {
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
            uc::report(
                &state.db,
                &state.photos,
                &who,
                &caller.actor(),
                recipient,
                uc::Report {
                    text: form.field("text"),
                    files: &files,
                },
                uc::DEFAULT_MAX_FILE_BYTES,
            )
            .await
            .map(|_| ())
        }
        Err(e) => Err(e),
    };
    back(&state, lang, &caller, id, done).await
}

/// `GET /tasks/{id}/files/{sha256}`: an attachment, for the issuing side and its recipient.
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, sha256)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let who = principal(&caller)?;
    let scope = caller.viewer().scope;
    let (row, bytes) =
        uc::attachment(&state.db, &state.photos, who, &scope, id, sha256.trim()).await?;
    let extension = row.file_name.rsplit_once('.').map_or("bin", |(_, e)| e);
    let entry = caller.actor().entry(
        "read",
        "instruction_file",
        id.to_string(),
        "",
        row.file_name.clone(),
    );
    state.audit.record(entry).await?;
    Ok((
        [
            (header::CONTENT_TYPE, row.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                crate::pages::attachment(&row.file_name, extension),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct OverdueQuery {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// `GET /tasks/overdue?area=`: recipients in an area past their deadline without a report.
pub async fn overdue(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<OverdueQuery>,
) -> Result<Response, AppError> {
    let area = crate::pages::field::helpers::area_of(&state, &caller, q.area.as_deref()).await?;
    let page = parse_page(q.page.as_deref())?;
    let today = today();
    let (rows, total) = state
        .db
        .instructions_overdue(
            &caller.viewer().scope,
            &area.code,
            &today.to_string(),
            PER_PAGE as i64,
            ((page - 1) * PER_PAGE) as i64,
        )
        .await?;
    let names = names_of(&state, &rows).await?;
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line::of(r, lang, &names, today))
        .collect();
    let pager = Pager::new(
        &format!("/tasks/overdue?area={}", area.code),
        page,
        PER_PAGE,
        total as u64,
        lines.len() as u64,
    );
    let html = state.render(
        "tasks_overdue.html",
        lang,
        &caller,
        context! {
            title => format!("{} · {}", t(lang, "tasks_overdue"), area.name),
            area_name => area.name.clone(),
            total,
            tasks => Serde(lines),
            pager => Serde(pager),
        },
    )?;
    Ok(html.into_response())
}
