//! Templates (embedded in the binary, HTML auto-escaped) and the middleware every page passes
//! through: it decides the language, remembers an explicit choice in a cookie, renders error
//! pages and sets the defensive headers of every answer ([`security_headers`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use fupin_core::{CodeList, Field};
use minijinja::value::Value;
use minijinja::{
    AutoEscape, Environment, ErrorKind, Output, State as TemplateState, UndefinedBehavior, context,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorPage};
use crate::i18n::{self, Lang};
use crate::request_id::RequestId;
use fupin_core::access::Action;

/// Every template, by name (the `.html` suffix turns HTML escaping on).
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("area.html", include_str!("templates/area.html")),
    ("household.html", include_str!("templates/household.html")),
    ("error.html", include_str!("templates/error.html")),
    (
        "area_children.html",
        include_str!("templates/area_children.html"),
    ),
    ("home.html", include_str!("templates/home.html")),
    ("login.html", include_str!("templates/login.html")),
    ("password.html", include_str!("templates/password.html")),
    ("users.html", include_str!("templates/users.html")),
    ("user.html", include_str!("templates/user.html")),
    ("tokens.html", include_str!("templates/tokens.html")),
    ("audit.html", include_str!("templates/audit.html")),
    (
        "audit_table.html",
        include_str!("templates/audit_table.html"),
    ),
    ("pager.html", include_str!("templates/pager.html")),
    (
        "area_picker.html",
        include_str!("templates/area_picker.html"),
    ),
    (
        "area_search.html",
        include_str!("templates/area_search.html"),
    ),
    ("search.html", include_str!("templates/search.html")),
    ("edit.html", include_str!("templates/edit.html")),
    (
        "restructure.html",
        include_str!("templates/restructure.html"),
    ),
    ("cases.html", include_str!("templates/cases.html")),
    ("case.html", include_str!("templates/case.html")),
    ("cards.html", include_str!("templates/cards.html")),
    (
        "income_lines.html",
        include_str!("templates/income_lines.html"),
    ),
    ("notice.html", include_str!("templates/notice.html")),
    ("notices.html", include_str!("templates/notices.html")),
    (
        "measures_area.html",
        include_str!("templates/measures_area.html"),
    ),
    (
        "measures_catalogue.html",
        include_str!("templates/measures_catalogue.html"),
    ),
    ("compare.html", include_str!("templates/compare.html")),
    (
        "household_sheet.html",
        include_str!("templates/household_sheet.html"),
    ),
    (
        "household_import.html",
        include_str!("templates/household_import.html"),
    ),
    (
        "list_mapping.html",
        include_str!("templates/list_mapping.html"),
    ),
    (
        "compare_run.html",
        include_str!("templates/compare_run.html"),
    ),
    ("warnings.html", include_str!("templates/warnings.html")),
    ("warning.html", include_str!("templates/warning.html")),
    (
        "field_households.html",
        include_str!("templates/field_households.html"),
    ),
    (
        "field_visit.html",
        include_str!("templates/field_visit.html"),
    ),
    (
        "field_signin.html",
        include_str!("templates/field_signin.html"),
    ),
    (
        "field_queue.html",
        include_str!("templates/field_queue.html"),
    ),
    ("tasks.html", include_str!("templates/tasks.html")),
    ("task_new.html", include_str!("templates/task_new.html")),
    ("task.html", include_str!("templates/task.html")),
    (
        "tasks_overdue.html",
        include_str!("templates/tasks_overdue.html"),
    ),
    (
        "field_tasks.html",
        include_str!("templates/field_tasks.html"),
    ),
    (
        "announcements.html",
        include_str!("templates/announcements.html"),
    ),
    (
        "announcement.html",
        include_str!("templates/announcement.html"),
    ),
    ("field_sync.html", include_str!("templates/field_sync.html")),
    (
        "field_visit_show.html",
        include_str!("templates/field_visit_show.html"),
    ),
    (
        "field_helpers.html",
        include_str!("templates/field_helpers.html"),
    ),
    (
        "field_helper.html",
        include_str!("templates/field_helper.html"),
    ),
    (
        "field_unpaired.html",
        include_str!("templates/field_unpaired.html"),
    ),
    (
        "field_pairing_sheet.html",
        include_str!("templates/field_pairing_sheet.html"),
    ),
    (
        "field_teams.html",
        include_str!("templates/field_teams.html"),
    ),
    (
        "field_summary.html",
        include_str!("templates/field_summary.html"),
    ),
    (
        "field_overdue.html",
        include_str!("templates/field_overdue.html"),
    ),
];

const CSS: &str = include_str!("templates/style.css");

/// The pages run no script and load nothing from elsewhere: the one style sheet is inlined
/// (`<style>{{ css }}</style>`) and allowed by its hash, images are the site's own or `data:`
/// (the favicon, QR codes), forms post only here, and no page may be framed. The field pages
/// alone run a script ([`FIELD_CSP`]).
fn content_security_policy() -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

static CSP: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&content_security_policy()).expect("the policy is ASCII")
});

/// The field pages' policy: the page policy, and the site's own script file (never inline),
/// its service worker, requests to this site only (the sync), and photos previewed from
/// `blob:` before they are sent.
pub(crate) static FIELD_CSP: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    let policy = content_security_policy()
        .replace("img-src 'self' data:;", "img-src 'self' data: blob:;")
        + "; script-src 'self'; connect-src 'self'; worker-src 'self'";
    HeaderValue::from_str(&policy).expect("the policy is ASCII")
});

/// Headers on every answer: the policy above, no framing, no sniffing, the address sent
/// only to this site, and nothing kept in caches (pages and the API carry personal data; there
/// are no static public assets: a handler that serves one sets its own `Cache-Control`).
fn security_headers(headers: &mut axum::http::HeaderMap) {
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, CSP.clone());
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(format_value);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("embedded template compiles");
    }
    env.add_global("css", Value::from_safe_string(CSS.to_string()));
    env.add_function("t", template_t);
    env.add_function("field", template_field);
    env.add_filter("local_time", |s: String| crate::time::local_time(&s));
    env.add_filter("local_date", |s: String| crate::time::local_date(&s));
    env
}

/// Like minijinja's default, but escapes only `& < > " '` in strings: the default also escapes
/// `/`, which bloats every link (`&#x2f;areas&#x2f;…`) for no safety gain in quoted attributes.
fn format_value(
    out: &mut Output,
    state: &mut TemplateState,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() => {
            let mut rest = text;
            while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
                let entity = match rest.as_bytes()[i] {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    _ => "&#39;",
                };
                out.write_str(&rest[..i])?;
                out.write_str(entity)?;
                rest = &rest[i + 1..];
            }
            out.write_str(rest)?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn template_lang(state: &TemplateState) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

/// `{{ t("key") }}`: a catalog string in the page's language; an unknown key is an error.
fn template_t(state: &TemplateState, key: &str) -> Result<String, minijinja::Error> {
    i18n::lookup(template_lang(state), key)
        .map(str::to_string)
        .ok_or_else(|| {
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown UI string {key:?}"),
            )
        })
}

/// `{{ field("wage") }}`: the label of a registry field (by code) in the page's language.
fn template_field(state: &TemplateState, code: &str) -> Result<String, minijinja::Error> {
    Field::ALL
        .iter()
        .find(|f| f.code() == code)
        .map(|f| template_lang(state).field(*f).to_string())
        .ok_or_else(|| {
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown field {code:?}"),
            )
        })
}

impl AppState {
    /// Renders a page template with what every layout needs: the language, and who is logged
    /// in (name, the links their roles allow, the CSRF token for forms).
    pub(crate) fn render(
        &self,
        name: &str,
        lang: Lang,
        caller: &Caller,
        ctx: Value,
    ) -> Result<Html<String>, AppError> {
        let template = self.templates.get_template(name)?;
        let me = caller.user.as_ref().map(|u| {
            context! {
                username => u.username.clone(),
                real_name => u.real_name.clone(),
                areas => caller.may(Action::ViewAreas),
                search => caller.may(Action::ViewHouseholds),
                users => caller.may(Action::ManageUsers),
                tokens => caller.may(Action::ManageTokens),
                audit => caller.may(Action::ViewAudit),
                compare => caller.may(Action::CompareLists),
                sheet => caller.may(Action::ExportHouseholds),
                warnings => caller.may(Action::ViewWarnings),
                visits => caller.may(Action::RecordVisits),
                field => caller.may(Action::ViewFieldWork),
                helpers => caller.may(Action::ManageHelpers),
                tasks => caller.may(Action::HandleTasks),
                announcements => caller.may(Action::ReadAnnouncements),
            }
        });
        let base = context! {
            lang => lang.code(),
            html_lang => lang.html(),
            me,
            csrf => caller.csrf.clone(),
        };
        Ok(Html(template.render(context! { ..base, ..ctx })?))
    }
}

/// The middleware around every route (see the module comment).
pub(crate) async fn pages(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let (lang, explicit) = Lang::negotiate(request.uri().query(), request.headers());
    request.extensions_mut().insert(lang);
    let api = request.uri().path().starts_with("/api/");
    let id = request.extensions().get::<RequestId>().copied();
    let mut response = next.run(request).await;
    if let Some(page) = response.extensions_mut().remove::<ErrorPage>() {
        let caller = response.extensions_mut().remove::<Caller>();
        // an internal error names the request, so that the user's report finds the log line
        let id = id.filter(|_| page.status.is_server_error());
        response = if api {
            error_json(lang, &page, id)
        } else {
            error_page(&state, lang, &page, caller.as_ref(), id)
        };
    }
    let headers = response.headers_mut();
    if explicit && let Ok(cookie) = HeaderValue::from_str(&lang.cookie()) {
        headers.append(header::SET_COOKIE, cookie);
    }
    security_headers(headers);
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

/// The API's error body: the status, and in the request's language what went wrong and where.
fn error_json(lang: Lang, page: &ErrorPage, id: Option<RequestId>) -> Response {
    let issues: Vec<_> = page
        .issues
        .iter()
        .map(|i| {
            serde_json::json!({
                "field": i.field.map(fupin_core::CodeList::code),
                "member": i.member,
                "message": i18n::message(lang, &i.message),
            })
        })
        .collect();
    let body = serde_json::json!({
        "status": page.status.as_u16(),
        "error": page.status.canonical_reason().unwrap_or("error"),
        "detail": page.detail.as_ref().map(|m| i18n::message(lang, m)),
        "issues": issues,
        "request_id": id.map(|id| id.to_string()),
    });
    (page.status, axum::Json(body)).into_response()
}

fn error_page(
    state: &AppState,
    lang: Lang,
    page: &ErrorPage,
    caller: Option<&Caller>,
    id: Option<RequestId>,
) -> Response {
    let key = match page.status {
        StatusCode::NOT_FOUND => "error_404",
        StatusCode::BAD_REQUEST => "error_400",
        StatusCode::UNAUTHORIZED => "error_401",
        StatusCode::FORBIDDEN => "error_403",
        s if s.is_client_error() => "error",
        _ => "error_500",
    };
    let text_key = format!("{key}_text");
    let ctx = context! {
        status => page.status.as_u16(),
        title => i18n::t(lang, key),
        text => i18n::lookup(lang, &text_key).unwrap_or_default(),
        detail => page.detail.as_ref().map(|m| i18n::message(lang, m)),
        issues => page.issues.iter().map(|i| i18n::message(lang, &i.message)).collect::<Vec<_>>(),
        request_id => id.map(|id| id.to_string()),
    };
    // with the caller's menu when the request got as far as knowing them
    let anonymous = Caller::anonymous(String::new(), String::new());
    match state.render("error.html", lang, caller.unwrap_or(&anonymous), ctx) {
        Ok(html) => (page.status, html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the error page");
            let mut plain = Response::new(Body::from(
                page.status.canonical_reason().unwrap_or("error"),
            ));
            *plain.status_mut() = page.status;
            plain
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_but_slashes_are_kept() {
        let env = environment();
        let out = env
            .render_named_str(
                "x.html",
                r#"<a href="{{ h }}">{{ v }}</a>{{ n }}"#,
                context! { h => "/areas/52", v => "<b onclick='x'>&\"", n => 3 },
            )
            .unwrap();
        assert_eq!(
            out,
            r#"<a href="/areas/52">&lt;b onclick=&#39;x&#39;&gt;&amp;&quot;</a>3"#
        );
    }
}
