//! `/announcements…`: announcements (通知公告). The list of those reaching me or issued where I
//! reach, unread marked; a new one from my office to its area or areas below; an
//! announcement's page, whose first opening by a person it reaches is their receipt, with the
//! receipts for the issuing side.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::access::Action;
use fupin_services::tasks::announcements::{self as uc, AnnounceForm};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::instructions::principal;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::field::{Refusal, answer};
use crate::pages::{AreaNames, Pager, parse_page};

const PER_PAGE: u64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<String>,
}

/// The form's fields.
#[derive(Debug, Default)]
struct Posted {
    title: String,
    text: String,
    areas: Vec<String>,
}

impl Posted {
    fn parse(body: &str) -> Self {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            match &*k {
                "title" => p.title = v.into_owned(),
                "text" => p.text = v.into_owned(),
                "area" => p.areas.push(v.into_owned()),
                _ => {}
            }
        }
        p
    }
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    page: u64,
    posted: &Posted,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let who = principal(caller)?;
    let scope = caller.viewer().scope;
    let (rows, total, unread) = state
        .db
        .announcements_for(
            &scope,
            who.user_id,
            &who.area,
            PER_PAGE as i64,
            ((page - 1) * PER_PAGE) as i64,
        )
        .await?;
    let names = AreaNames::of(state, rows.iter().map(|r| r.area_code.as_str())).await?;
    #[derive(Serialize)]
    struct Line {
        href: String,
        title: String,
        from: String,
        issued_at: String,
        unread: bool,
        readers: i64,
    }
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line {
            href: format!("/announcements/{}", r.id),
            title: r.title.clone(),
            from: names.name(&r.area_code),
            issued_at: r.issued_at.clone(),
            unread: r.read_at.is_none(),
            readers: r.readers,
        })
        .collect();
    let may_issue = caller.may(Action::IssueTasks);
    let areas: Vec<(String, String, bool)> = if may_issue {
        let mut out = vec![(
            who.area.to_string(),
            format!(
                "{}（{}）",
                names_own(state, &who.area).await?,
                t(lang, "whole_area")
            ),
            posted.areas.is_empty() || posted.areas.contains(&who.area.to_string()),
        )];
        for c in state
            .db
            .area_children(&scope, Some(&who.area), fupin_storage::FigureYear::Now)
            .await?
        {
            let code = c.area.code.to_string();
            let checked = posted.areas.contains(&code);
            out.push((code, c.area.name.clone(), checked));
        }
        out
    } else {
        Vec::new()
    };
    let pager = Pager::new(
        "/announcements?",
        page,
        PER_PAGE,
        total as u64,
        lines.len() as u64,
    );
    let html = state.render(
        "announcements.html",
        lang,
        caller,
        context! {
            title => t(lang, "announcements"),
            announcements => Serde(lines),
            total,
            unread,
            pager => Serde(pager),
            may_issue,
            areas,
            posted_title => posted.title.clone(),
            posted_text => posted.text.clone(),
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(answer(html, &refusal))
}

async fn names_own(state: &AppState, area: &fupin_core::AreaCode) -> Result<String, AppError> {
    Ok(AreaNames::of(state, [area.as_str()])
        .await?
        .name(area.as_str()))
}

/// `GET /announcements`.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = parse_page(q.page.as_deref())?;
    list_page(&state, lang, &caller, page, &Posted::default(), None).await
}

/// `POST /announcements`: issues one.
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
    let form = AnnounceForm {
        title: posted.title.clone(),
        text: posted.text.clone(),
        areas: posted.areas.clone(),
    };
    match uc::announce(&state.db, who, &caller.actor(), &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/announcements/{id}")).into_response()),
        Err(e) => {
            list_page(
                &state,
                lang,
                &caller,
                1,
                &posted,
                Some(Refusal::of(lang, e)?),
            )
            .await
        }
    }
}

/// `GET /announcements/{id}`: read (a receipt the first time for a person it reaches).
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let who = principal(&caller)?;
    let read = uc::read(&state.db, who, &caller.viewer().scope, id).await?;
    let a = &read.announcement;
    let mut codes: Vec<&str> = read.areas.iter().map(String::as_str).collect();
    codes.push(a.area_code.as_str());
    if let Some(receipts) = &read.receipts {
        codes.extend(receipts.iter().map(|r| r.area_code.as_str()));
    }
    let names = AreaNames::of(&state, codes).await?;
    #[derive(Serialize)]
    struct ReceiptLine {
        name: String,
        area: String,
        read_at: Option<String>,
    }
    let receipts: Option<Vec<ReceiptLine>> = read.receipts.as_ref().map(|rs| {
        rs.iter()
            .map(|r| ReceiptLine {
                name: r.real_name.clone(),
                area: names.name(&r.area_code),
                read_at: r.read_at.clone(),
            })
            .collect()
    });
    let reached = receipts.as_ref().map_or(0, Vec::len);
    let html = state.render(
        "announcement.html",
        lang,
        &caller,
        context! {
            title => a.title.clone(),
            announcement => Serde(a),
            from => names.name(&a.area_code),
            to => read.areas.iter().map(|c| names.name(c)).collect::<Vec<_>>(),
            receipts => Serde(receipts),
            reached,
        },
    )?;
    Ok(html.into_response())
}
