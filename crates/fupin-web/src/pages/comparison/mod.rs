//! Big-data comparison (大数据比对) on the console: a department's list uploaded as a dated
//! snapshot, a comparison run over the caller's own area, and each run's summary in figures
//! (how records linked, which warnings it raised). The warnings themselves, which name people,
//! are on `/warnings` (`pages::warnings`).

pub mod mapping;

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::departments::DepartmentKind;
use fupin_core::linkage::{Settings, Stats};
use fupin_core::warnings::{Rule, WarningState};
use fupin_core::{CodeList, Message};
use fupin_services::compare::{run as compare, warnings};
use fupin_services::error::ServiceError;
use fupin_services::progress::Silent;
use fupin_storage::comparison::{RunListing, SourceRow};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::UploadForm;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{self, Lang, t};

fn run_href(id: i64) -> String {
    format!("/compare/runs/{id}")
}

#[derive(Debug, Serialize)]
struct SourceLine {
    id: i64,
    /// The owning area's name (empty for the whole installation's lists).
    owner: String,
    name: String,
    kind: &'static str,
    snapshots: usize,
    as_of: String,
    records: i64,
    file_name: String,
    imported_at: String,
}

#[derive(Debug, Serialize)]
struct RunLine {
    href: String,
    source: String,
    kind: &'static str,
    as_of: String,
    /// The area's name (empty for the whole installation).
    area: String,
    started_by: String,
    started_at: String,
    records: u64,
    matches: u64,
    reviews: u64,
    finished: bool,
}

#[derive(Debug, Serialize)]
struct KindOption {
    code: &'static str,
    label: &'static str,
}

fn kind_label(lang: Lang, code: &str) -> &'static str {
    DepartmentKind::parse(code).map_or("?", |k| lang.label(k))
}

fn stats_of(run: &RunListing) -> Stats {
    run.stats
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// Why a post on the page was turned down, in the reader's language: what did not happen and
/// why, then the rows at fault, if a file's.
#[derive(Debug, Default)]
struct Refusal {
    headline: String,
    rows: Vec<String>,
}

impl Refusal {
    /// The refusal a use-case's error makes (`what`: the key of what did not happen). An error
    /// that is not the user's to correct (not found, internal) is not shown here but answered
    /// with its own status and page, which names the request for a report.
    fn of(lang: Lang, what: &str, e: ServiceError) -> Result<Self, AppError> {
        let text = |m: &Message| i18n::message(lang, m);
        let (reason, rows) = match e {
            ServiceError::Refused(m) | ServiceError::Conflict(m) => (text(&m), Vec::new()),
            ServiceError::Invalid(issues) => {
                let all: Vec<String> = issues.iter().map(|i| text(&i.message)).collect();
                (all.join("; "), Vec::new())
            }
            ServiceError::BadRows { count, shown } => (
                text(&fupin_services::error::bad_rows_headline(count)),
                shown.iter().map(text).collect(),
            ),
            other => return Err(other.into()),
        };
        Ok(Self {
            headline: text(
                &Message::new("refused_because")
                    .with("what", t(lang, what))
                    .with("why", reason),
            ),
            rows,
        })
    }
}

/// The page: the lists loaded, the runs within the caller's area, the upload and run forms,
/// and why the last post was turned down (`refusal`).
async fn index_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    // the lists of the caller's subtree and above, never a neighbour's
    let listed = state.db.department_sources(&scope).await?;
    let run_rows = state.db.runs_within(&scope, 50).await?;
    let names = super::AreaNames::of(
        state,
        listed
            .iter()
            .map(|s| s.area_code.as_str())
            .chain(run_rows.iter().map(|r| r.area_code.as_str())),
    )
    .await?;
    // the whole installation's lists and runs have no area: an empty name
    let area_name = |code: &str| names.name(code);
    let mut sources = Vec::new();
    for s in listed {
        let snapshots = state.db.snapshots_of(s.id).await?;
        let latest = snapshots.first();
        sources.push(SourceLine {
            kind: kind_label(lang, &s.kind),
            snapshots: snapshots.len(),
            as_of: latest.map(|l| l.as_of.clone()).unwrap_or_default(),
            records: latest.map_or(0, |l| l.records),
            file_name: latest.map(|l| l.file_name.clone()).unwrap_or_default(),
            imported_at: latest
                .map(|l| crate::time::local_time(&l.imported_at))
                .unwrap_or_default(),
            id: s.id,
            owner: area_name(&s.area_code),
            name: s.name,
        });
    }
    let runs: Vec<RunLine> = run_rows
        .iter()
        .map(|r| {
            let st = stats_of(r);
            RunLine {
                href: run_href(r.id),
                source: r.source.clone(),
                kind: kind_label(lang, &r.kind),
                as_of: r.as_of.clone(),
                area: area_name(&r.area_code),
                started_by: super::wording::actor(lang, &r.started_by),
                started_at: crate::time::local_time(&r.started_at),
                records: st.records,
                matches: st.matches,
                reviews: st.reviews,
                finished: r.finished_at.is_some(),
            }
        })
        .collect();
    let kinds: Vec<KindOption> = DepartmentKind::ALL
        .iter()
        .map(|k| KindOption {
            code: k.code(),
            label: lang.label(*k),
        })
        .collect();
    let defaults = Settings::default();
    let html = state.render(
        "compare.html",
        lang,
        caller,
        context! {
            title => t(lang, "comparison"),
            sources => Serde(sources),
            runs => Serde(runs),
            kinds => Serde(kinds),
            today => fupin_core::date::iso(chrono::Local::now().date_naive()),
            match_probability => defaults.match_probability,
            review_probability => defaults.review_probability,
            area => caller.principal.as_ref().map(|p| p.area.to_string()),
            refusal => refusal.as_ref().map(|r| r.headline.clone()),
            refusal_rows => refusal.as_ref().map(|r| r.rows.clone()).unwrap_or_default(),
        },
    )?;
    Ok(super::page_with_refusal(html, refusal.is_some()))
}

/// `GET /compare`.
pub async fn index(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
) -> Result<Response, AppError> {
    index_page(&state, lang, &caller, None).await
}

/// Checks an uploaded list's form and reads its first rows; the list is then held for its
/// column mapping (`mapping::form`). The error names the field or rows at fault.
async fn stage(state: &AppState, caller: &Caller, u: UploadForm) -> Result<String, ServiceError> {
    if u.bytes.is_empty() {
        return Err(ServiceError::refused("compare.choose_file"));
    }
    let refused = |key, value: &str| {
        let value = fupin_core::fields::excerpt(value).into_owned();
        ServiceError::Refused(Message::new(key).with("value", value))
    };
    let kind = match u.field("kind").trim() {
        "" => None,
        k => Some(DepartmentKind::parse(k).ok_or_else(|| refused("compare.unknown_kind", k))?),
    };
    let as_of = match u.field("as_of").trim() {
        "" => chrono::Local::now().date_naive(),
        d => fupin_core::date::parse_date(d).ok_or_else(|| refused("compare.bad_as_of", d))?,
    };
    // the route lets only the logged-in here
    let principal = caller.principal.as_ref().ok_or(ServiceError::NotFound)?;
    // the list is the uploader's area's
    let (kind, preview) = compare::preview_upload(
        &state.db,
        &principal.area,
        u.field("source"),
        kind,
        (&u.file_name, &u.bytes),
    )
    .await?;
    let size = u.bytes.len();
    let staged = mapping::StagedList {
        source: u.field("source").trim().to_string(),
        kind,
        as_of,
        file_name: u.file_name,
        bytes: u.bytes,
        preview,
    };
    Ok(state.lists.put(&principal.username, size, staged))
}

/// `POST /compare/lists`: a department list (multipart), held for its column mapping.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    request: Request,
) -> Result<Response, AppError> {
    let staged = match UploadForm::read(&state, request).await? {
        Ok(u) => stage(&state, &caller, u).await,
        Err(e) => Err(e),
    };
    match staged {
        Ok(token) => Ok(Redirect::to(&mapping::href(&token)).into_response()),
        Err(e) => {
            let refusal = Refusal::of(lang, "list_refused", e)?;
            index_page(&state, lang, &caller, Some(refusal)).await
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct RunForm {
    source: String,
    #[serde(default)]
    match_probability: String,
    #[serde(default)]
    review_probability: String,
}

/// Links `source`'s latest snapshot over the caller's area (narrowed to the list owner's,
/// where that lies inside it) and raises the warnings.
async fn start_run(
    state: &AppState,
    caller: &Caller,
    source: &SourceRow,
    form: &RunForm,
) -> Result<i64, ServiceError> {
    // the route lets only the logged-in here
    let p = caller.principal.as_ref().ok_or(ServiceError::NotFound)?;
    let defaults = Settings::default();
    let probability = |text: &str, default: f64| -> Result<f64, ServiceError> {
        match text.trim() {
            "" => Ok(default),
            t => t.parse().map_err(|_| {
                let value = fupin_core::fields::excerpt(t).into_owned();
                ServiceError::Refused(
                    Message::new("compare.threshold_not_number").with("value", value),
                )
            }),
        }
    };
    let settings = Settings {
        match_probability: probability(&form.match_probability, defaults.match_probability)?,
        review_probability: probability(&form.review_probability, defaults.review_probability)?,
        ..defaults
    };
    settings
        .check()
        .map_err(|e| ServiceError::Refused(fupin_core::message::Explained::message(&e)))?;
    let snapshot = compare::latest_snapshot(&state.db, source).await?;
    let actor = caller.actor();
    let today = chrono::Local::now().date_naive();
    let area = Some(&p.area);
    let s = compare::run(&state.db, &actor, snapshot, area, &settings, today, &Silent).await?;
    warnings::raise_for_run(&state.db, &actor, s.run_id, &state.rules).await?;
    Ok(s.run_id)
}

/// `POST /compare/runs`: compares a source's latest list (`source`: its id) with the registry
/// of the caller's area. A source the caller may not use is 404, as one that does not exist.
pub async fn run(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    axum::extract::Form(form): axum::extract::Form<RunForm>,
) -> Result<Response, AppError> {
    let source = match form.source.trim().parse::<i64>() {
        Ok(id) => state
            .db
            .department_source_within(&caller.viewer().scope, id)
            .await?
            .ok_or(AppError::NotFound)?,
        Err(_) => return Err(AppError::NotFound),
    };
    match start_run(&state, &caller, &source, &form).await {
        Ok(id) => Ok(Redirect::to(&run_href(id)).into_response()),
        Err(e) => {
            let refusal = Refusal::of(lang, "run_refused", e)?;
            index_page(&state, lang, &caller, Some(refusal)).await
        }
    }
}

#[derive(Debug, Serialize)]
struct WarningCountLine {
    rule: &'static str,
    href: Option<String>,
    seen: i64,
    opened: i64,
    open: i64,
    closed: i64,
}

/// `GET /compare/runs/{id}`: a run in figures.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let scope = caller.viewer().scope;
    let run = state
        .db
        .run_within(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings: Settings = serde_json::from_str(&run.settings).unwrap_or_default();
    // empty for a run over the whole installation
    let area = super::AreaNames::of(&state, [run.area_code.as_str()])
        .await?
        .name(&run.area_code);
    let may_view = caller.may(fupin_core::access::Action::ViewWarnings);
    let mut lines: Vec<WarningCountLine> = Vec::new();
    for c in state.db.run_warning_counts(&scope, id).await? {
        let Some(rule) = Rule::parse(&c.rule) else {
            continue;
        };
        let closed = WarningState::parse(&c.state).is_some_and(WarningState::is_closed);
        let line = match lines.iter_mut().find(|l| l.rule == lang.label(rule)) {
            Some(l) => l,
            None => {
                lines.push(WarningCountLine {
                    rule: lang.label(rule),
                    href: may_view.then(|| format!("/warnings?rule={}", rule.code())),
                    seen: 0,
                    opened: 0,
                    open: 0,
                    closed: 0,
                });
                lines.last_mut().expect("just pushed")
            }
        };
        line.seen += c.seen;
        line.opened += c.opened;
        if closed {
            line.closed += c.seen;
        } else {
            line.open += c.seen;
        }
    }
    let html = state.render(
        "compare_run.html",
        lang,
        &caller,
        context! {
            title => format!("{} #{id} · {}", t(lang, "comparison_run"), run.source),
            kind => kind_label(lang, &run.kind),
            stats => Serde(stats_of(&run)),
            settings => Serde(settings),
            area => area,
            started_by => super::wording::actor(lang, &run.started_by),
            run => Serde(run),
            warnings => Serde(lines),
        },
    )?;
    Ok(html.into_response())
}
