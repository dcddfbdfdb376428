//! One visit as its household's readers see it: when, by whom, where (the position only to
//! those who may see exact locations; the distance to everyone), its flags, notes, changed
//! items, photos and corrections; its notes editable by its recorder for a day, corrections
//! appended after. Photos are served only to those who may read one of their visits.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::access::{Action, Sensitive};
use fupin_services::dossier::Sections;
use fupin_services::error::ServiceError;
use fupin_services::field::visits::{correct_visit, edit_visit};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::Refusal;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::{household_href, read_dossier};

#[derive(Debug, Serialize)]
struct PhotoView {
    href: String,
    taken_at: Option<String>,
    kb: i64,
}

#[derive(Debug, Serialize)]
struct CorrectionView {
    at: String,
    by: String,
    text: String,
}

/// The visit page, with a refusal of a form on it if there was one.
async fn page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    let (visit, photos, corrections) = state
        .db
        .visit(&viewer.scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // the household read as any reader of it is: within the scope, masked, audited
    let dossier =
        read_dossier(state, caller, visit.household_id, "visit", Sections::RECORD).await?;
    let h = &dossier.record.household;
    let d = &dossier.disclosure;
    let place = d.reveals(Sensitive::Location);
    let editable = caller
        .principal
        .as_ref()
        .is_some_and(|_| caller.actor().name == visit.recorded_by)
        && chrono::DateTime::parse_from_rfc3339(&visit.recorded_at)
            .is_ok_and(|r| fupin_core::field::visit::editable(r.to_utc(), chrono::Utc::now()));
    let changed: Vec<&str> = visit.changed.split(',').filter(|c| !c.is_empty()).collect();
    let items: Vec<(&str, &str, bool)> =
        <fupin_core::field::ChangedItem as fupin_core::CodeList>::ALL
            .iter()
            .map(|i| {
                (
                    fupin_core::CodeList::code(*i),
                    lang.label(*i),
                    changed.contains(&fupin_core::CodeList::code(*i)),
                )
            })
            .collect();
    let html = state.render(
        "field_visit_show.html",
        lang,
        caller,
        context! {
            title => format!("{} · {}", t(lang, "visit"), h.number),
            id,
            household_href => household_href(visit.household_id),
            number => h.number.clone(),
            helper => visit.helper_name.clone(),
            visited_at => visit.visited_at.clone(),
            recorded_at => visit.recorded_at.clone(),
            recorded_by => visit.recorded_by.clone(),
            edited_at => visit.edited_at.clone(),
            position => place.then(|| visit.lat.zip(visit.lon).map(|(a, o)| format!("{a:.5}, {o:.5}"))).flatten(),
            accuracy => visit.accuracy_m.map(|a| a.round() as i64),
            distance => visit.distance_m.map(|a| a.round() as i64),
            flags => super::flag_words(&visit.flags, lang),
            done => d.scrub(&visit.done, h),
            needs => d.scrub(&visit.needs, h),
            changed => super::item_words(&visit.changed, lang),
            items => items,
            photos => Serde(photos.iter().map(|p| PhotoView {
                href: format!("/field/photos/{}", p.sha256),
                taken_at: p.taken_at.clone(),
                kb: (p.bytes + 1023) / 1024,
            }).collect::<Vec<_>>()),
            corrections => Serde(corrections.iter().map(|c| CorrectionView {
                at: c.recorded_at.clone(),
                by: c.recorded_by.clone(),
                text: d.scrub(&c.text, h),
            }).collect::<Vec<_>>()),
            editable,
            can_correct => caller.may(Action::RecordVisits),
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(super::answer(html, &refusal))
}

/// `GET /field/visits/{id}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    page(&state, lang, &caller, id, None).await
}

/// A refusal shown on the visit's page; anything else is the error page.
async fn refused(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    e: ServiceError,
) -> Result<Response, AppError> {
    let refusal = Refusal::of(lang, e)?;
    page(state, lang, caller, id, Some(refusal)).await
}

/// `POST /field/visits/{id}/edit`: the recorder rewrites the notes within the day.
pub async fn edit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, AppError> {
    let (mut done, mut needs, mut changed) = (String::new(), String::new(), Vec::new());
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match &*k {
            "done" => done = v.into_owned(),
            "needs" => needs = v.into_owned(),
            "changed" => changed.push(v.into_owned()),
            _ => {}
        }
    }
    let now = chrono::Utc::now();
    match edit_visit(
        &state.db,
        &caller.viewer().scope,
        &caller.actor(),
        id,
        &fupin_services::field::visits::Notes {
            done,
            needs,
            changed,
        },
        now,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/field/visits/{id}")).into_response()),
        Err(e) => refused(&state, lang, &caller, id, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    text: String,
}

/// `POST /field/visits/{id}/corrections`.
pub async fn correct(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<CorrectionForm>,
) -> Result<Response, AppError> {
    if f.text.trim().is_empty() {
        state
            .db
            .visit(&caller.viewer().scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Err(AppError::bad_request("empty_form"));
    }
    match correct_visit(
        &state.db,
        &caller.viewer().scope,
        &caller.actor(),
        id,
        &f.text,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/field/visits/{id}")).into_response()),
        Err(e) => refused(&state, lang, &caller, id, e).await,
    }
}

/// `GET /field/photos/{sha256}`: a photo of a visit the caller may read (else 404).
pub async fn photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    if sha256.len() != 64
        || !sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(AppError::NotFound);
    }
    let kind = state
        .db
        .photo_kind(&caller.viewer().scope, &sha256)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = state
        .photos
        .get(&sha256)
        .await
        .map_err(AppError::internal)?;
    Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}
