//! The column-mapping step of a department list's upload: the list's first rows, and for each
//! field fupin reads a select of the file's columns, placed where the source's saved mapping
//! (else the kind's usual headers) finds it. Confirmed, the list is imported through the chosen
//! columns and the mapping is saved with the source, so the next upload of that source is
//! placed the same way. The file waits in memory meanwhile (`crate::uploads`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use fupin_core::Message;
use fupin_core::departments::{DepartmentKind, RecordField};
use fupin_services::compare::lists::ListPreview;
use fupin_services::compare::run as compare;
use fupin_services::error::ServiceError;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::Refusal;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};

/// A list uploaded and waiting for its columns to be confirmed.
pub struct StagedList {
    pub source: String,
    pub kind: DepartmentKind,
    pub as_of: NaiveDate,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub preview: ListPreview,
}

pub fn href(token: &str) -> String {
    format!("/compare/lists/{token}")
}

/// The form's name of a field's select.
fn field_name(field: RecordField) -> String {
    let code = serde_json::to_value(field)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("column_{code}")
}

/// The fields a list must have to be read at all.
fn required(field: RecordField) -> bool {
    matches!(field, RecordField::Key | RecordField::Name)
}

#[derive(Debug, Serialize)]
struct ColumnChoice {
    index: usize,
    header: String,
    selected: bool,
}

#[derive(Debug, Serialize)]
struct FieldLine {
    name: String,
    label: &'static str,
    required: bool,
    columns: Vec<ColumnChoice>,
}

/// The mapping form of the list held under `token`, the columns as `chosen` (else as guessed).
async fn form_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    token: &str,
    chosen: Option<&[(RecordField, Option<usize>)]>,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let list = held(state, caller, token)?;
    let p = &list.preview;
    let chosen = chosen.unwrap_or(&p.columns);
    let fields: Vec<FieldLine> = chosen
        .iter()
        .map(|(field, column)| FieldLine {
            name: field_name(*field),
            label: lang.pick(field.zh(), field.en()),
            required: required(*field),
            columns: p
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| !h.is_empty())
                .map(|(index, header)| ColumnChoice {
                    index,
                    header: header.clone(),
                    selected: *column == Some(index),
                })
                .collect(),
        })
        .collect();
    let html = state.render(
        "list_mapping.html",
        lang,
        caller,
        context! {
            title => t(lang, "column_mapping"),
            action => href(token),
            source => list.source.clone(),
            kind => lang.label(list.kind),
            as_of => fupin_core::date::iso(list.as_of),
            file_name => list.file_name.clone(),
            encoding => p.encoding,
            headers => Serde(&p.headers),
            rows => Serde(&p.rows),
            fields => Serde(fields),
            refusal => refusal.as_ref().map(|r| r.headline.clone()),
            refusal_rows => refusal.as_ref().map(|r| r.rows.clone()).unwrap_or_default(),
        },
    )?;
    Ok(super::super::page_with_refusal(html, refusal.is_some()))
}

/// The list held under `token` for the caller; an unknown, expired or another user's token
/// answers 404.
fn held(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<std::sync::Arc<StagedList>, AppError> {
    let owner = caller
        .principal
        .as_ref()
        .map(|p| p.username.as_str())
        .ok_or(AppError::NotFound)?;
    state.lists.get(owner, token).ok_or(AppError::NotFound)
}

/// `GET /compare/lists/{token}`.
pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    form_page(&state, lang, &caller, &token, None, None).await
}

/// The columns chosen on the form: every field, with its column or none. A column the file
/// does not have is refused.
fn chosen_columns(
    body: &str,
    preview: &ListPreview,
) -> Result<Vec<(RecordField, Option<usize>)>, Message> {
    let posted: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    RecordField::ALL
        .iter()
        .map(|field| {
            let name = field_name(*field);
            let value = posted
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("", |(_, v)| v.trim());
            if value.is_empty() {
                return Ok((*field, None));
            }
            match value.parse::<usize>() {
                Ok(i) if i < preview.headers.len() => Ok((*field, Some(i))),
                _ => Err(Message::new("compare.no_such_column").with_label(
                    "field",
                    field.zh(),
                    field.en(),
                )),
            }
        })
        .collect()
}

/// `POST /compare/lists/{token}`: imports the held list through the chosen columns (all or
/// nothing) and saves them as the source's mapping; a refusal comes back on the form.
pub async fn confirm(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(token): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    let list = held(&state, &caller, &token)?;
    let chosen = chosen_columns(&body, &list.preview);
    let imported = match &chosen {
        Err(m) => Err(ServiceError::Refused(m.clone())),
        Ok(chosen) => match chosen
            .iter()
            .find(|(f, column)| required(*f) && column.is_none())
        {
            Some((missing, _)) => Err(ServiceError::Refused(
                Message::new("compare.column_required").with_label(
                    "field",
                    missing.zh(),
                    missing.en(),
                ),
            )),
            None => import(&state, &caller, &list, list.preview.mapping(chosen)).await,
        },
    };
    match imported {
        Ok(()) => {
            // used up: a second post of the same form finds nothing to import again
            if let Some(p) = &caller.principal {
                state.lists.take(&p.username, &token);
            }
            Ok(Redirect::to("/compare#lists").into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(lang, "list_refused", e)?;
            let chosen = chosen.ok();
            form_page(
                &state,
                lang,
                &caller,
                &token,
                chosen.as_deref(),
                Some(refusal),
            )
            .await
        }
    }
}

async fn import(
    state: &AppState,
    caller: &Caller,
    list: &StagedList,
    mapping: fupin_core::departments::ColumnMapping,
) -> Result<(), ServiceError> {
    // the route lets only the logged-in here
    let owner = &caller
        .principal
        .as_ref()
        .ok_or(ServiceError::NotFound)?
        .area;
    compare::import_upload(
        &state.db,
        &caller.actor(),
        owner,
        &list.source,
        Some(list.kind),
        Some(mapping),
        (&list.file_name, &list.bytes),
        list.as_of,
    )
    .await?;
    Ok(())
}
