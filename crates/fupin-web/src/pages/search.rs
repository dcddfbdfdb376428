//! `/search`: the comprehensive query (综合查询). Households and people by name (or part of
//! one), ID number (or its last 4–8 characters), phone or household number, narrowed by status,
//! poverty attribute, cause, year, helper cadre and area, sorted and paged, within the
//! jurisdiction. Every search with a key is audited (it tells whether a person is registered).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use fupin_core::access::Sensitive;
use fupin_core::codes::{Cause, HouseholdStatus, PovertyAttribute, Relation};
use fupin_core::masking::Disclosure;
use fupin_core::search::{HouseholdQuery, SearchKey, SortKey, classify};
use fupin_core::{AreaCode, AreaLevel, CodeList};
use fupin_storage::{SearchHit, SearchPage};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::areas::HouseholdRow;
use super::{AreaNames, Pager};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::{Lang, message, t};
use fupin_core::Message;
use fupin_core::message::Explained;

pub const PER_PAGE: u64 = 50;

/// The form, as it comes in the query string (every field optional; kept as typed so that the
/// form shows it back).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    attribute: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    registered: String,
    #[serde(default)]
    exited: String,
    #[serde(default)]
    helper: String,
    #[serde(default)]
    monitored: String,
    /// `1`: poor households only (未脱贫 and 返贫), as the area tables count them.
    #[serde(default)]
    poor: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: String,
    #[serde(default)]
    page: String,
}

/// A problem with one field of the form.
#[derive(Debug, Serialize)]
struct FieldProblem {
    field: &'static str,
    message: String,
}

impl SearchForm {
    /// The query the form asks for, or the problems of its fields (all of them at once).
    fn query(&self, lang: Lang) -> Result<HouseholdQuery, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut q = HouseholdQuery::default();
        let mut fail =
            |field: &'static str, message: String| problems.push(FieldProblem { field, message });
        if !self.q.trim().is_empty() {
            match classify(&self.q) {
                Ok(k) => q.key = Some(k),
                Err(e) => fail("q", message(lang, &e.message())),
            }
        }
        if !self.area.trim().is_empty() {
            match AreaCode::parse(self.area.trim()) {
                Ok(a) => q.area = Some(a),
                Err(e) => fail("area", message(lang, &e.message())),
            }
        }
        fn code<T: CodeList>(
            text: &str,
            field: &'static str,
            lang: Lang,
            fail: &mut impl FnMut(&'static str, String),
        ) -> Option<T> {
            if text.is_empty() {
                return None;
            }
            let v = T::parse(text);
            if v.is_none() {
                let unknown = fupin_core::validation::unknown_code::<T>(text);
                fail(field, message(lang, &unknown.message()));
            }
            v
        }
        q.status = code::<HouseholdStatus>(&self.status, "status", lang, &mut fail);
        q.attribute = code::<PovertyAttribute>(&self.attribute, "attribute", lang, &mut fail);
        q.cause = code::<Cause>(&self.cause, "cause", lang, &mut fail);
        let year = |text: &str, field: &'static str, fail: &mut dyn FnMut(&'static str, String)| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let y = text
                .parse::<i32>()
                .ok()
                .filter(|y| (1980..=2100).contains(y));
            if y.is_none() {
                fail(field, t(lang, "year_invalid").to_string());
            }
            y
        };
        q.registered_year = year(&self.registered, "registered", &mut fail);
        q.exit_year = year(&self.exited, "exited", &mut fail);
        if !self.helper.is_empty() {
            match self.helper.parse::<i64>() {
                Ok(id) => q.helper = Some(id),
                Err(_) => fail("helper", t(lang, "helper_invalid").to_string()),
            }
        }
        q.monitored = self.monitored == "1";
        q.poor = self.poor == "1";
        if !self.sort.is_empty() {
            match SortKey::parse(&self.sort) {
                Some(s) => q.sort = s,
                None => fail(
                    "sort",
                    message(
                        lang,
                        &Message::new("invalid_value")
                            .with("what", "sort")
                            .with("value", &self.sort),
                    ),
                ),
            }
        }
        q.descending = self.desc == "1";
        if problems.is_empty() {
            Ok(q)
        } else {
            Err(problems)
        }
    }

    /// This form's address with another page number.
    fn href(&self, page: Option<u64>) -> String {
        let mut f = self.clone();
        f.page = page.map(|p| p.to_string()).unwrap_or_default();
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", f.q.as_str()),
            ("area", &f.area),
            ("status", &f.status),
            ("attribute", &f.attribute),
            ("cause", &f.cause),
            ("registered", &f.registered),
            ("exited", &f.exited),
            ("helper", &f.helper),
            ("monitored", &f.monitored),
            ("poor", &f.poor),
            ("sort", &f.sort),
            ("desc", &f.desc),
            ("page", &f.page),
        ] {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
        let query = query.finish();
        if query.is_empty() {
            "/search".into()
        } else {
            format!("/search?{query}")
        }
    }
}

/// A result line: the household, and the person the key matched.
#[derive(Debug, Serialize)]
struct ResultRow {
    #[serde(flatten)]
    household: HouseholdRow,
    matched: Option<String>,
}

impl ResultRow {
    fn new(hit: &SearchHit, lang: Lang, d: &Disclosure, names: &AreaNames) -> Self {
        ResultRow {
            household: HouseholdRow::new(&hit.household, lang, d, names),
            matched: hit.matched.as_ref().map(|m| {
                format!(
                    "{}（{}）{}",
                    d.show(Sensitive::Name, &m.name),
                    lang.code_label::<Relation>(&m.relation),
                    d.show(Sensitive::IdNumber, &m.id_number)
                )
            }),
        }
    }
}

/// An option of a select.
#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

fn choices<T: CodeList>(lang: Lang) -> Vec<Choice> {
    T::ALL
        .iter()
        .map(|v| Choice {
            value: v.code().to_string(),
            label: lang.label(*v).to_string(),
        })
        .collect()
}

/// `GET /search?q=…&status=…&page=…`.
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(form): Query<SearchForm>,
) -> Result<Response, AppError> {
    let page = super::parse_page(Some(&form.page))?;
    if let Some(refused) = throttled(&state, lang, &caller, &form).await? {
        return Ok(refused);
    }
    let viewer = caller.viewer();
    let query = checked_query(&state, &caller, &form, lang).await;
    let kind = query
        .as_ref()
        .ok()
        .and_then(|q| q.key.as_ref())
        .map(|k| t(lang, k.kind()));
    let mut results: Option<(Vec<ResultRow>, Pager, SearchPage)> = None;
    let mut problems = Vec::new();
    match query {
        Err(p) => problems = p,
        Ok(q) if q.is_empty() => {}
        Ok(q) => {
            let offset = (page - 1) * PER_PAGE;
            let found = state
                .db
                .find_households(&viewer.scope, &q, offset as i64, PER_PAGE as i64)
                .await?;
            if let Some(key) = &q.key {
                audit_search(&state, &caller, key, format!("{} found", found.total)).await?;
            }
            let names = AreaNames::of(
                &state,
                found
                    .items
                    .iter()
                    .map(|h| h.household.village_code.as_str()),
            )
            .await?;
            let rows = found
                .items
                .iter()
                .map(|h| ResultRow::new(h, lang, &viewer.disclosure, &names))
                .collect();
            let base = form.href(None);
            let pager = Pager::new(
                &base,
                page,
                PER_PAGE,
                found.total as u64,
                found.items.len() as u64,
            );
            results = Some((rows, pager, found));
        }
    }
    let html = render_page(&state, lang, &caller, &form, problems, kind, results).await?;
    Ok(html.into_response())
}

/// The search page: the form (with `problems` beside their fields) and what was found.
async fn render_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    form: &SearchForm,
    problems: Vec<FieldProblem>,
    kind: Option<&str>,
    results: Option<(Vec<ResultRow>, Pager, SearchPage)>,
) -> Result<axum::response::Html<String>, AppError> {
    let helpers = helper_choices(state, caller).await?;
    let sorts: Vec<Choice> = SortKey::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().into(),
            label: t(lang, &format!("sort_{}", s.code())).to_string(),
        })
        .collect();
    state.render(
        "search.html",
        lang,
        caller,
        context! {
            title => t(lang, "search"),
            form => Serde(form),
            problems => Serde(problems),
            kind,
            results => results.as_ref().map(|(rows, _, _)| Serde(rows)),
            export_href => caller
                .may(fupin_core::access::Action::ExportHouseholds)
                .then(|| form.href(None).replacen("/search", "/search/export", 1)),
            pager => results.as_ref().map(|(_, p, _)| Serde(p)),
            total => results.as_ref().map(|(_, _, f)| f.total),
            capped => results.as_ref().is_some_and(|(_, _, f)| f.capped),
            statuses => Serde(choices::<HouseholdStatus>(lang)),
            attributes => Serde(choices::<PovertyAttribute>(lang)),
            causes => Serde(choices::<Cause>(lang)),
            sorts => Serde(sorts),
            helpers => Serde(helpers),
        },
    )
}

/// The form's query as the caller may run it. A key naming more of a datum than the caller is
/// shown (a full ID number for a role shown `2108**********5778`) is refused beside the field,
/// never narrowed silently, and the attempt goes to the audit trail like any search.
async fn checked_query(
    state: &AppState,
    caller: &Caller,
    form: &SearchForm,
    lang: Lang,
) -> Result<HouseholdQuery, Vec<FieldProblem>> {
    let q = form.query(lang)?;
    let Some(key) = &q.key else {
        return Ok(q);
    };
    let d = caller.viewer().disclosure;
    match key.permitted(|s| d.reveals(s)) {
        Ok(()) => Ok(q),
        Err(problem) => {
            // a refusal shows nothing, so it is answered even when it cannot be recorded
            if let Err(e) = audit_search(state, caller, key, format!("refused: {problem:?}")).await
            {
                tracing::warn!(error = %e, "a refused search went unrecorded");
            }
            Err(vec![FieldProblem {
                field: "q",
                message: message(lang, &problem.message()),
            }])
        }
    }
}

/// A search with a key, to the audit trail: who searched for what (the key as typed, in full:
/// the trail is the record of who looked for whom; `/admin/audit` shows it masked by the
/// reader's own disclosure, see [`shown_in_audit`]).
async fn audit_search(
    state: &AppState,
    caller: &Caller,
    key: &SearchKey,
    outcome: String,
) -> Result<(), AppError> {
    let area = caller
        .principal
        .as_ref()
        .map(|p| p.area.to_string())
        .unwrap_or_default();
    let entry = caller
        .actor()
        .entry("search", "query", key.to_string(), &area, outcome);
    Ok(state.audit.record(entry).await?)
}

/// A search key as an audit entry stores it (`id_number:5201…`, see [`SearchKey`]'s
/// `Display`), masked for a reader who does not see that datum in full.
pub fn shown_in_audit(target_kind: &str, target_id: &str, d: &Disclosure) -> String {
    if !matches!(target_kind, "query" | "search") {
        return target_id.to_string();
    }
    let Some((kind, value)) = target_id.split_once(':') else {
        return target_id.to_string();
    };
    let shown = match kind {
        "id_number" | "id_tail" => d.show(Sensitive::IdNumber, value),
        "phone" => d.show(Sensitive::Phone, value),
        "name" => d.show(Sensitive::Name, value),
        _ => value.to_string(),
    };
    format!("{kind}:{shown}")
}

/// When the caller has searched too often (a request with search text costs one search,
/// refused or not, whatever the page): the page with why, 429 and `Retry-After`.
async fn throttled(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    form: &SearchForm,
) -> Result<Option<Response>, AppError> {
    let Some(p) = caller.principal.as_ref() else {
        return Ok(None);
    };
    if form.q.trim().is_empty() {
        return Ok(None);
    }
    let Err(wait) = state
        .search_limiter
        .take(p.user_id, std::time::Instant::now())
    else {
        return Ok(None);
    };
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let problems = vec![FieldProblem {
        field: "q",
        message: t(lang, "search_throttled").replace("{s}", &seconds.to_string()),
    }];
    let html = render_page(state, lang, caller, form, problems, None, None).await?;
    Ok(Some(
        (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, seconds.to_string())],
            html,
        )
            .into_response(),
    ))
}

/// Rows exported at most from one search (a whole jurisdiction: `fupin export`).
pub const EXPORT_CAP: i64 = fupin_storage::COUNT_CAP;

/// `GET /search/export?…`: the results of a search as an XLSX workbook, masked as the caller's
/// pages are, at most [`EXPORT_CAP`] households. Audited.
pub async fn export(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(form): Query<SearchForm>,
) -> Result<Response, AppError> {
    if let Some(refused) = throttled(&state, lang, &caller, &form).await? {
        return Ok(refused);
    }
    let query = match checked_query(&state, &caller, &form, lang).await {
        Ok(q) if !q.is_empty() => q,
        Ok(_) => return Err(AppError::bad_request("export_needs_query")),
        Err(problems) => {
            let text: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            return Err(AppError::BadRequest(Message::localized(text.join("; "))));
        }
    };
    let viewer = caller.viewer();
    let d = &viewer.disclosure;
    let mut rows = Vec::new();
    let mut villages: std::collections::HashMap<String, String> = Default::default();
    let mut capped = false;
    const STEP: i64 = 1_000;
    while (rows.len() as i64) < EXPORT_CAP {
        let page = state
            .db
            .find_households(&viewer.scope, &query, rows.len() as i64, STEP)
            .await?;
        capped = page.capped;
        for hit in &page.items {
            let h = &hit.household;
            if !villages.contains_key(&h.village_code) {
                let name = match AreaCode::parse(&h.village_code) {
                    Ok(code) => state
                        .db
                        .area(&viewer.scope, &code)
                        .await?
                        .map(|a| a.name)
                        .unwrap_or_default(),
                    Err(_) => String::new(),
                };
                villages.insert(h.village_code.clone(), name);
            }
            let row = ResultRow::new(hit, lang, d, &AreaNames::default());
            rows.push(vec![
                h.number.clone(),
                row.household.head(),
                row.matched.unwrap_or_default(),
                h.village_code.clone(),
                villages[&h.village_code].clone(),
                h.member_count.to_string(),
                lang.code_label::<HouseholdStatus>(&h.status),
                lang.code_label::<PovertyAttribute>(&h.attribute),
                lang.code_label::<Cause>(&h.main_cause),
            ]);
        }
        if (page.items.len() as i64) < STEP {
            break;
        }
    }
    if capped || rows.len() as i64 >= EXPORT_CAP {
        let note = t(lang, "export_capped").replace("{n}", &EXPORT_CAP.to_string());
        rows.push(vec![note]);
    }
    let header = [
        lang.field(fupin_core::Field::HouseholdNo),
        t(lang, "head_name"),
        t(lang, "matched_person"),
        lang.field(fupin_core::Field::VillageCode),
        lang.field(fupin_core::Field::Village),
        t(lang, "member_count"),
        lang.field(fupin_core::Field::Status),
        lang.field(fupin_core::Field::Attribute),
        lang.field(fupin_core::Field::MainCause),
    ];
    let bytes = fupin_services::sheet::xlsx_bytes(&header, t(lang, "search_results"), &rows)
        .map_err(AppError::internal)?;
    let area = caller
        .principal
        .as_ref()
        .map(|p| p.area.to_string())
        .unwrap_or_default();
    let what = query
        .key
        .as_ref()
        .map_or_else(|| "filters".to_string(), |k| k.to_string());
    let entry = caller.actor().entry(
        "export",
        "search",
        what,
        &area,
        format!("{} rows xlsx", rows.len()),
    );
    state.audit.record(entry).await?;
    let file = format!(
        "fupin-search-{}.xlsx",
        chrono::Local::now().format("%Y%m%d-%H%M")
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The helpers a user may filter by: those of their own area when it is a township or below
/// (a province has tens of thousands; there a search by area comes first).
async fn helper_choices(state: &AppState, caller: &Caller) -> Result<Vec<Choice>, AppError> {
    let Some(p) = caller.principal.as_ref() else {
        return Ok(Vec::new());
    };
    if p.area.level() < AreaLevel::Township {
        return Ok(Vec::new());
    }
    let (helpers, _) = state
        .db
        .helpers_in(&caller.viewer().scope, &p.area, "", 1000, 0)
        .await?;
    Ok(helpers
        .into_iter()
        .filter(|h| h.left_on.is_none())
        .map(|h| Choice {
            value: h.id.to_string(),
            label: h.name,
        })
        .collect())
}
