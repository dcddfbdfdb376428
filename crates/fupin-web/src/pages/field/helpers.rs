//! Helpers and their households for the office (`/field/helpers…`): the helpers of an area by
//! name, phone or unit; a helper's particulars and households, a household paired with them by
//! its number, a helper marked as having left; the households of an area without a helper; and
//! the pairing sheet out and in.

use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use fupin_core::AreaCode;
use fupin_core::access::{Action, Role, Sensitive};
use fupin_core::codes::CodeList;
use fupin_core::field::pairing::UnitLevel;
use fupin_services::error::ServiceError;
use fupin_services::field::pairing::{self, HelperForm};
use fupin_services::field::pairing_sheet;
use fupin_services::sheet::{Format, SheetWriter};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::Refusal;
use super::today;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::area_picker::AreaPicker;
use crate::pages::{AreaNames, Pager, UploadForm, household_href, parse_page};

const PER_PAGE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    area_q: Option<String>,
}

/// The area a page is about: `?area=` when the caller reaches it, else their own.
pub async fn area_of(
    state: &AppState,
    caller: &Caller,
    asked: Option<&str>,
) -> Result<fupin_core::Area, AppError> {
    let scope = caller.viewer().scope;
    let code = match asked.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => AreaCode::parse(a).map_err(|_| AppError::NotFound)?,
        None => caller
            .principal
            .as_ref()
            .map(|p| p.area.clone())
            .ok_or(AppError::NotFound)?,
    };
    state
        .db
        .area(&scope, &code)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Serialize)]
struct HelperLine {
    href: String,
    name: String,
    phone: String,
    unit: String,
    post: String,
    households: i64,
    account: String,
    left_on: Option<String>,
}

fn unit_levels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    UnitLevel::ALL
        .iter()
        .map(|l| (l.code(), lang.label(*l)))
        .collect()
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    q: &ListQuery,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let area = area_of(state, caller, q.area.as_deref()).await?;
    let page = parse_page(q.page.as_deref())?;
    let text = q.q.clone().unwrap_or_default();
    let scope = caller.viewer().scope;
    let (rows, total) = state
        .db
        .helpers_in(
            &scope,
            &area.code,
            &text,
            PER_PAGE as i64,
            ((page - 1) * PER_PAGE) as i64,
        )
        .await?;
    let lines: Vec<HelperLine> = rows
        .into_iter()
        .map(|h| HelperLine {
            href: format!("/field/helpers/{}", h.id),
            name: h.name,
            phone: h.phone,
            unit: h.unit.unwrap_or_default(),
            post: h.post,
            households: h.households,
            account: h.username.unwrap_or_default(),
            left_on: h.left_on,
        })
        .collect();
    let base = format!(
        "/field/helpers?area={}&q={}",
        area.code,
        form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
    );
    let pager = Pager::new(&base, page, PER_PAGE, total as u64, lines.len() as u64);
    let may_manage = caller.may(Action::ManageHelpers);
    let picker = if may_manage {
        Some(AreaPicker::of(state, &scope, q.area_q.as_deref(), Some(area.code.as_str())).await?)
    } else {
        None
    };
    let html = state.render(
        "field_helpers.html",
        lang,
        caller,
        context! {
            title => t(lang, "helpers_list"),
            area_name => area.name.clone(),
            area => area.code.to_string(),
            q => text,
            helpers => Serde(lines),
            pager => Serde(pager),
            may_manage,
            picker => Serde(picker),
            picker_action => format!("/field/helpers?area={}#new", area.code),
            unit_levels => unit_levels(lang),
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(super::answer(html, &refusal))
}

/// `GET /field/helpers?area=&q=&page=`.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(&state, lang, &caller, &q, None).await
}

/// A helper's particulars as a form posts them (and the API sends them, as JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Posted {
    /// Where they help (an area code within the jurisdiction); ignored on a change.
    pub area: String,
    pub name: String,
    pub phone: String,
    /// 帮扶单位.
    pub unit: String,
    /// `central`, `provincial`, `municipal`, `county`, `township`, `village` or empty.
    pub unit_level: String,
    pub post: String,
    /// The login of their account (a helper cadre or village official of the county), if any.
    pub account: String,
    /// `YYYY-MM-DD` (today when empty), with `left`.
    pub left_on: String,
    /// They no longer help (their pairings stay as history).
    pub left: bool,
}

impl Posted {
    pub fn parse(body: &str) -> Self {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            let v = v.trim().to_string();
            match &*k {
                "area" => p.area = v,
                "name" => p.name = v,
                "phone" => p.phone = v,
                "unit" => p.unit = v,
                "unit_level" => p.unit_level = v,
                "post" => p.post = v,
                "account" => p.account = v.to_lowercase(),
                "left_on" => p.left_on = v,
                "left" => p.left = v == "1",
                _ => {}
            }
        }
        p
    }

    /// Nothing filled in (a form posted blank is turned down before any rule).
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.unit.is_empty()
    }

    /// The form as a helper: the account is a login of the area's helpers or village officials.
    pub async fn form(&self, state: &AppState, area: AreaCode) -> Result<HelperForm, ServiceError> {
        let user_id = if self.account.is_empty() {
            None
        } else {
            let users = state
                .db
                .users_within(Some(
                    &area.ancestor(fupin_core::AreaLevel::County.min(area.level())),
                ))
                .await?;
            let user = users
                .into_iter()
                .find(|u| {
                    u.username == self.account
                        && (u.roles.contains(&Role::HelperCadre)
                            || u.roles.contains(&Role::VillageOfficial))
                })
                .ok_or_else(|| ServiceError::refused("helper_account_unknown"))?;
            Some(user.id)
        };
        Ok(HelperForm {
            area,
            name: self.name.clone(),
            phone: self.phone.clone(),
            unit: self.unit.clone(),
            unit_level: UnitLevel::parse(&self.unit_level),
            post: self.post.clone(),
            user_id,
        })
    }
}

/// `POST /field/helpers`: registers a helper.
pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    body: String,
) -> Result<Response, AppError> {
    let p = Posted::parse(&body);
    if p.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let area = area_of(&state, &caller, Some(&p.area)).await?;
    let done = match p.form(&state, area.code.clone()).await {
        Ok(form) => {
            pairing::create_helper(&state.db, &caller.viewer().scope, &caller.actor(), &form).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(id) => Ok(Redirect::to(&format!("/field/helpers/{id}")).into_response()),
        Err(e) => {
            let q = ListQuery {
                area: Some(area.code.to_string()),
                ..ListQuery::default()
            };
            list_page(&state, lang, &caller, &q, Some(Refusal::of(lang, e)?)).await
        }
    }
}

#[derive(Debug, Serialize)]
struct PairedLine {
    href: String,
    number: String,
    head: String,
    village: String,
    since: String,
    last_visit: Option<String>,
}

async fn helper_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let viewer = caller.viewer();
    let helper = state
        .db
        .helper(&viewer.scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let households = state.db.households_of_helper(&viewer.scope, id).await?;
    let teams = state.db.villages_of_helper(id).await?;
    let names = AreaNames::of(
        state,
        households
            .iter()
            .map(|h| h.village_code.as_str())
            .chain(teams.iter().map(|m| m.village_code.as_str()))
            .chain([helper.area_code.as_str()]),
    )
    .await?;
    let lines: Vec<PairedLine> = households
        .iter()
        .map(|h| PairedLine {
            href: household_href(h.id),
            number: h.number.clone(),
            head: h
                .head_name
                .as_deref()
                .map(|n| viewer.disclosure.show(Sensitive::Name, n))
                .unwrap_or_default(),
            village: names.name(&h.village_code),
            since: h.started_on.clone(),
            last_visit: h.last_visit.clone(),
        })
        .collect();
    let team_lines: Vec<(String, &str, String)> = teams
        .iter()
        .map(|m| {
            let role =
                fupin_core::field::pairing::TeamRole::parse(&m.role).map_or("", |r| lang.label(r));
            (names.name(&m.village_code), role, m.started_on.clone())
        })
        .collect();
    let html = state.render(
        "field_helper.html",
        lang,
        caller,
        context! {
            title => helper.name.clone(),
            id,
            helper => Serde(&helper),
            unit_level => helper.unit_level.as_deref().and_then(UnitLevel::parse).map(|l| lang.label(l)),
            area_name => names.name(&helper.area_code),
            households => Serde(lines),
            teams => team_lines,
            may_manage => caller.may(Action::ManageHelpers),
            unit_levels => unit_levels(lang),
            today => today().to_string(),
            refusal => Refusal::text(&refusal),
        },
    )?;
    Ok(super::answer(html, &refusal))
}

/// `GET /field/helpers/{id}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    helper_page(&state, lang, &caller, id, None).await
}

/// `POST /field/helpers/{id}`: changes the helper's particulars, or marks them as left.
pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, AppError> {
    let p = Posted::parse(&body);
    let scope = caller.viewer().scope;
    let old = state
        .db
        .helper(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let area = AreaCode::parse(&old.area_code).map_err(|_| AppError::NotFound)?;
    let left_on = if p.left {
        Some(NaiveDate::parse_from_str(&p.left_on, "%Y-%m-%d").unwrap_or_else(|_| today()))
    } else {
        None
    };
    let done = match p.form(&state, area).await {
        Ok(form) => {
            pairing::update_helper(&state.db, &scope, &caller.actor(), id, &form, left_on).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/field/helpers/{id}")).into_response()),
        Err(e) => helper_page(&state, lang, &caller, id, Some(Refusal::of(lang, e)?)).await,
    }
}

/// `POST /field/helpers/{id}/pairings`: pairs the household numbered `number` with the helper
/// from `since` (today when empty).
pub async fn pair(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, AppError> {
    let (mut number, mut since) = (String::new(), String::new());
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match &*k {
            "number" => number = v.trim().to_string(),
            "since" => since = v.trim().to_string(),
            _ => {}
        }
    }
    let scope = caller.viewer().scope;
    state
        .db
        .helper(&scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if number.is_empty() {
        return Err(AppError::bad_request("empty_form"));
    }
    let found = state
        .db
        .households_by_number(&scope, &[number.as_str()])
        .await?;
    let done = match found.get(number.as_str()) {
        None => Err(ServiceError::refused("pairing.unknown_household")),
        Some(keys) => {
            let since = if since.is_empty() {
                Some(today())
            } else {
                pairing_sheet::parse_day(&since)
            };
            match since {
                None => Err(ServiceError::refused("pairing.bad_day")),
                Some(since) => pairing::pair(
                    &state.db,
                    &scope,
                    &caller.actor(),
                    keys.id,
                    id,
                    since,
                    today(),
                )
                .await
                .map(|_| ()),
            }
        }
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/field/helpers/{id}")).into_response()),
        Err(e) => helper_page(&state, lang, &caller, id, Some(Refusal::of(lang, e)?)).await,
    }
}

#[derive(Debug, Serialize)]
struct UnpairedLine {
    href: String,
    number: String,
    head: String,
    village: String,
    status: String,
}

/// `GET /field/unpaired?area=&page=`: households of an area without a helper.
pub async fn unpaired(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let page = parse_page(q.page.as_deref())?;
    let viewer = caller.viewer();
    let (rows, total) = state
        .db
        .unpaired_households(
            &viewer.scope,
            &area.code,
            PER_PAGE as i64,
            ((page - 1) * PER_PAGE) as i64,
        )
        .await?;
    let names = AreaNames::of(&state, rows.iter().map(|r| r.village_code.as_str())).await?;
    let lines: Vec<UnpairedLine> = rows
        .iter()
        .map(|r| UnpairedLine {
            href: household_href(r.id),
            number: r.number.clone(),
            head: r
                .head_name
                .as_deref()
                .map(|n| viewer.disclosure.show(Sensitive::Name, n))
                .unwrap_or_default(),
            village: names.name(&r.village_code),
            status: lang.code_label::<fupin_core::codes::HouseholdStatus>(&r.status),
        })
        .collect();
    let pager = Pager::new(
        &format!("/field/unpaired?area={}", area.code),
        page,
        PER_PAGE,
        total as u64,
        lines.len() as u64,
    );
    let html = state.render(
        "field_unpaired.html",
        lang,
        &caller,
        context! {
            title => format!("{} · {}", t(lang, "unpaired_households"), area.name),
            area_name => area.name.clone(),
            area => area.code.to_string(),
            total,
            households => Serde(lines),
            pager => Serde(pager),
        },
    )?;
    Ok(html.into_response())
}

/// A sheet in `format` as bytes (written through a temporary file, as every export is).
fn sheet_bytes(
    format: Format,
    header: &[&str],
    name: &str,
    rows: &[Vec<String>],
) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(if format == Format::Csv {
        "sheet.csv"
    } else {
        "sheet.xlsx"
    });
    let mut w = SheetWriter::create(&path, format, header, name)?;
    for r in rows {
        w.write_row(r)?;
    }
    w.finish()?;
    Ok(std::fs::read(&path)?)
}

#[derive(Debug, Default, Deserialize)]
pub struct SheetQuery {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    area_q: Option<String>,
}

async fn sheet_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    area_q: Option<&str>,
    result: Option<pairing_sheet::PairingImport>,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let own = caller.principal.as_ref().map(|p| p.area.to_string());
    let picker = AreaPicker::of(state, &caller.viewer().scope, area_q, own.as_deref()).await?;
    let html = state.render(
        "field_pairing_sheet.html",
        lang,
        caller,
        context! {
            title => t(lang, "pairing_sheet"),
            picker => Serde(picker),
            picker_action => "/field/pairing-sheet#export",
            result => Serde(result),
            refusal_lines => refusal.as_ref().map(|r| r.text.lines().map(str::to_string).collect::<Vec<_>>()),
        },
    )?;
    Ok(super::answer(html, &refusal))
}

/// `GET /field/pairing-sheet`.
pub async fn sheet(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SheetQuery>,
) -> Result<Response, AppError> {
    sheet_page(&state, lang, &caller, q.area_q.as_deref(), None, None).await
}

/// `GET /field/pairing-sheet/export?area=&format=`: the area's households and helpers; audited.
pub async fn export(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SheetQuery>,
) -> Result<Response, AppError> {
    let area = area_of(&state, &caller, q.area.as_deref()).await?;
    let viewer = caller.viewer();
    let (header, mut rows) = pairing_sheet::export(&state.db, &viewer.scope, &area.code).await?;
    let names = AreaNames::of(
        &state,
        rows.iter()
            .map(|r| r[pairing_sheet::VILLAGE_COLUMN].as_str()),
    )
    .await?;
    for r in &mut rows {
        r[pairing_sheet::VILLAGE_COLUMN] = names.name(&r[pairing_sheet::VILLAGE_COLUMN]);
    }
    let csv = q.format.as_deref() == Some("csv");
    let format = if csv { Format::Csv } else { Format::Xlsx };
    let bytes = sheet_bytes(format, &header, t(lang, "pairing_sheet"), &rows)
        .map_err(AppError::internal)?;
    let extension = if csv { "csv" } else { "xlsx" };
    let entry = caller.actor().entry(
        "export",
        "pairing_sheet",
        area.code.to_string(),
        area.code.as_str(),
        format!("{} households {extension}", rows.len()),
    );
    state.audit.record(entry).await?;
    let file = format!("{}-{}.{extension}", area.name, t(lang, "pairing_sheet"));
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::pages::attachment(&file, extension),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /field/pairing-sheet`: imports a filled-in pairing sheet, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    request: Request,
) -> Result<Response, AppError> {
    let form = UploadForm::read(&state, request).await?;
    let staged = form.and_then(|u| {
        if u.bytes.is_empty() {
            return Err(ServiceError::refused("compare.choose_file"));
        }
        fupin_services::compare::run::uploaded_file(&u.file_name, &u.bytes)
            .map_err(ServiceError::from)
    });
    let done = match staged {
        Ok((_dir, path)) => {
            pairing_sheet::import(
                &state.db,
                &caller.viewer().scope,
                &caller.actor(),
                &path,
                today(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(summary) => sheet_page(&state, lang, &caller, None, Some(summary), None).await,
        Err(e) => {
            sheet_page(
                &state,
                lang,
                &caller,
                None,
                None,
                Some(Refusal::of(lang, e)?),
            )
            .await
        }
    }
}
