//! The route table: every route with the rule its caller must meet and the body it takes. The
//! router is built from this table and nothing else, so a route cannot exist without a rule,
//! and the access tests walk the same table (`fupin-web/tests/access.rs`). In front of each
//! handler, in this order and before any byte of the body is read: the rule, then the declared
//! length against the route's limit; then the body, capped, for the CSRF check and the handler.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use fupin_core::access::Action;

use crate::AppState;
use crate::auth::{Caller, Rule, check_csrf};
use crate::error::AppError;
use crate::limits::{self, BodyKind};
use crate::pages::{
    account, admin, api, api_warnings, archives, areas, cards, cases, comparison, edit, field,
    household_sheet, households, login, measures, notices, restructure, search, tasks, warnings,
    workbench,
};

/// One route: method, path (axum syntax), rule, the body it takes, handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub rule: Rule,
    pub body: BodyKind,
    handler: MethodRouter<AppState>,
}

/// A route taking a form (or, under `/api/`, JSON).
fn route(method: Method, path: &'static str, rule: Rule, handler: MethodRouter<AppState>) -> Route {
    let body = if path.starts_with("/api/") {
        BodyKind::Json
    } else {
        BodyKind::Form
    };
    Route {
        method,
        path,
        rule,
        body,
        handler,
    }
}

impl Route {
    /// A route taking an upload: the body is limited by `body` here, not by axum's default.
    fn upload(mut self, body: BodyKind) -> Self {
        self.body = body;
        self.handler = self.handler.layer(DefaultBodyLimit::disable());
        self
    }
}

/// Every route of the web layer.
pub fn table() -> Vec<Route> {
    use Action::*;
    use Method as M;
    use Rule::*;
    vec![
        route(M::GET, "/healthz", Public, get(crate::healthz)),
        route(M::GET, "/login", Public, get(login::form)),
        route(M::POST, "/login", Public, post(login::submit)),
        route(M::GET, "/notices", Public, get(notices::list)),
        route(M::GET, "/notices/{id}", Public, get(notices::show)),
        // where a household card's QR code leads: the record or the masked public card
        route(M::GET, "/q/{token}", Public, get(cards::scan)),
        route(M::POST, "/logout", LoggedIn, post(login::logout)),
        route(M::GET, "/", LoggedIn, get(workbench::page)),
        route(M::GET, "/account/password", LoggedIn, get(account::form)),
        route(
            M::POST,
            "/account/password",
            LoggedIn,
            post(account::submit),
        ),
        route(M::GET, "/areas", May(ViewAreas), get(areas::index)),
        route(M::GET, "/areas/{code}", May(ViewAreas), get(areas::show)),
        route(
            M::GET,
            "/areas/{code}/measures",
            May(ViewHouseholds),
            get(measures::area_gaps),
        ),
        route(
            M::GET,
            "/areas/{code}/cards",
            May(ViewHouseholds),
            get(cards::village_cards),
        ),
        route(
            M::GET,
            "/areas/{code}/households/new",
            May(EditHouseholds),
            get(edit::new_household_form),
        ),
        route(
            M::POST,
            "/areas/{code}/households/new",
            May(EditHouseholds),
            post(edit::new_household_submit),
        ),
        route(
            M::GET,
            "/households/{id}",
            May(ViewHouseholds),
            get(households::show),
        ),
        route(
            M::GET,
            "/households/{id}/card",
            May(ViewHouseholds),
            get(cards::household_card),
        ),
        route(
            M::GET,
            "/households/{id}/qr.svg",
            May(ViewHouseholds),
            get(cards::qr_svg),
        ),
        route(
            M::GET,
            "/households/{id}/qr.png",
            May(ViewHouseholds),
            get(cards::qr_png),
        ),
        route(
            M::POST,
            "/households/{id}/code",
            May(EditHouseholds),
            post(cards::reissue),
        ),
        route(
            M::GET,
            "/households/{id}/income",
            May(EditHouseholds),
            get(cards::income_form),
        ),
        route(
            M::POST,
            "/households/{id}/income",
            May(EditHouseholds),
            post(cards::save_income),
        ),
        route(
            M::POST,
            "/households/{id}/archives",
            May(EditHouseholds),
            post(archives::upload),
        )
        .upload(BodyKind::Archive),
        route(
            M::GET,
            "/households/{id}/archives/{archive}",
            May(ViewHouseholds),
            get(archives::download),
        ),
        route(
            M::POST,
            "/households/{id}/deliveries",
            May(RecordMeasures),
            post(measures::record_delivery),
        ),
        route(
            M::GET,
            "/households/{id}/edit",
            May(EditHouseholds),
            get(edit::household_form),
        ),
        route(
            M::POST,
            "/households/{id}/edit",
            May(EditHouseholds),
            post(edit::household_submit),
        ),
        route(
            M::GET,
            "/households/{id}/members/new",
            May(EditHouseholds),
            get(edit::new_member_form),
        ),
        route(
            M::POST,
            "/households/{id}/members/new",
            May(EditHouseholds),
            post(edit::new_member_submit),
        ),
        route(
            M::GET,
            "/households/{id}/members/{n}/edit",
            May(EditHouseholds),
            get(edit::member_form),
        ),
        route(
            M::POST,
            "/households/{id}/members/{n}/edit",
            May(EditHouseholds),
            post(edit::member_submit),
        ),
        route(
            M::POST,
            "/households/{id}/members/{n}/remove",
            May(EditHouseholds),
            post(edit::remove_member),
        ),
        route(
            M::GET,
            "/households/{id}/split",
            May(EditHouseholds),
            get(restructure::split_form),
        ),
        route(
            M::POST,
            "/households/{id}/split",
            May(EditHouseholds),
            post(restructure::split_submit),
        ),
        route(
            M::GET,
            "/households/{id}/merge",
            May(EditHouseholds),
            get(restructure::merge_form),
        ),
        route(
            M::POST,
            "/households/{id}/merge",
            May(EditHouseholds),
            post(restructure::merge_submit),
        ),
        route(M::GET, "/cases", May(ViewHouseholds), get(cases::list)),
        route(M::GET, "/cases/{id}", May(ViewHouseholds), get(cases::show)),
        route(
            M::GET,
            "/cases/{id}/notice",
            May(ViewHouseholds),
            get(cases::notice),
        ),
        // who may take which step is the state machine's to say (fupin_core::workflow)
        route(
            M::POST,
            "/cases/{id}",
            May(ViewHouseholds),
            post(cases::act),
        ),
        route(
            M::GET,
            "/areas/{code}/cases/new",
            May(EditHouseholds),
            get(edit::identification_form),
        ),
        route(
            M::POST,
            "/areas/{code}/cases/new",
            May(EditHouseholds),
            post(cases::apply),
        ),
        route(
            M::POST,
            "/households/{id}/cases",
            May(EditHouseholds),
            post(cases::open_household_case),
        ),
        route(M::GET, "/search", May(ViewHouseholds), get(search::search)),
        route(
            M::GET,
            "/search/export",
            May(ExportHouseholds),
            get(search::export),
        ),
        route(
            M::GET,
            "/admin/measures",
            May(ViewAreas),
            get(measures::catalogue_page),
        ),
        route(
            M::POST,
            "/admin/measures",
            May(ManageCatalogue),
            post(measures::load_catalogue),
        ),
        route(
            M::GET,
            "/admin/measures/export",
            May(ViewAreas),
            get(measures::export_catalogue),
        ),
        route(
            M::GET,
            "/compare",
            May(CompareLists),
            get(comparison::index),
        ),
        route(
            M::POST,
            "/compare/lists",
            May(CompareLists),
            post(comparison::upload),
        )
        .upload(BodyKind::List),
        route(
            M::GET,
            "/compare/lists/{token}",
            May(CompareLists),
            get(comparison::mapping::form),
        ),
        route(
            M::POST,
            "/compare/lists/{token}",
            May(CompareLists),
            post(comparison::mapping::confirm),
        ),
        route(
            M::POST,
            "/compare/runs",
            May(CompareLists),
            post(comparison::run),
        ),
        route(
            M::GET,
            "/compare/runs/{id}",
            May(CompareLists),
            get(comparison::show),
        ),
        route(
            M::GET,
            "/registry/sheet",
            May(ExportHouseholds),
            get(household_sheet::page),
        ),
        route(
            M::GET,
            "/registry/sheet/export",
            May(ExportHouseholds),
            get(household_sheet::export),
        ),
        route(
            M::POST,
            "/registry/sheet/imports",
            May(ImportRegistry),
            post(household_sheet::upload),
        )
        .upload(BodyKind::List),
        route(
            M::GET,
            "/registry/sheet/imports/{token}",
            May(ImportRegistry),
            get(household_sheet::job),
        ),
        route(
            M::GET,
            "/registry/sheet/imports/{token}/errors.csv",
            May(ImportRegistry),
            get(household_sheet::report),
        ),
        route(M::GET, "/warnings", May(ViewWarnings), get(warnings::list)),
        route(
            M::GET,
            "/warnings/{id}",
            May(ViewWarnings),
            get(warnings::show),
        ),
        route(
            M::POST,
            "/warnings/{id}",
            May(WorkWarnings),
            post(warnings::act),
        ),
        route(M::GET, "/admin/users", May(ManageUsers), get(admin::users)),
        route(
            M::POST,
            "/admin/users",
            May(ManageUsers),
            post(admin::create_user),
        ),
        route(
            M::GET,
            "/admin/users/{username}",
            May(ManageUsers),
            get(admin::user),
        ),
        route(
            M::POST,
            "/admin/users/{username}/state",
            May(ManageUsers),
            post(admin::set_state),
        ),
        route(
            M::POST,
            "/admin/users/{username}/password",
            May(ManageUsers),
            post(admin::reset_password),
        ),
        route(
            M::GET,
            "/admin/tokens",
            May(ManageTokens),
            get(admin::tokens),
        ),
        route(
            M::POST,
            "/admin/tokens",
            May(ManageTokens),
            post(admin::create_token),
        ),
        route(
            M::POST,
            "/admin/tokens/{id}/revoke",
            May(ManageTokens),
            post(admin::revoke_token),
        ),
        route(M::GET, "/admin/audit", May(ViewAudit), get(admin::audit)),
        // field work: the helper's phone pages (offline through the script and service worker)
        route(
            M::GET,
            "/field/field.js",
            Public,
            get(field::assets::script),
        ),
        route(M::GET, "/field/sw.js", Public, get(field::assets::worker)),
        route(M::GET, "/field", May(RecordVisits), get(field::phone::root)),
        route(
            M::GET,
            "/field/",
            May(RecordVisits),
            get(field::phone::households),
        ),
        route(
            M::GET,
            "/field/households/{id}",
            May(RecordVisits),
            get(field::phone::visit_page),
        ),
        route(
            M::POST,
            "/field/households/{id}/visits",
            May(RecordVisits),
            post(field::phone::submit_visit),
        )
        .upload(BodyKind::Visit),
        route(
            M::GET,
            "/field/signin",
            May(RecordVisits),
            get(field::phone::signin_page),
        ),
        route(
            M::POST,
            "/field/signin",
            May(RecordVisits),
            post(field::phone::submit_signin),
        ),
        route(
            M::GET,
            "/field/queue",
            May(RecordVisits),
            get(field::phone::queue),
        ),
        // a visit and its photos, for those who read its household
        route(
            M::GET,
            "/field/visits/{id}",
            May(ViewHouseholds),
            get(field::visits::show),
        ),
        route(
            M::POST,
            "/field/visits/{id}/edit",
            May(RecordVisits),
            post(field::visits::edit),
        ),
        route(
            M::POST,
            "/field/visits/{id}/corrections",
            May(RecordVisits),
            post(field::visits::correct),
        ),
        route(
            M::GET,
            "/field/photos/{sha256}",
            May(ViewHouseholds),
            get(field::visits::photo),
        ),
        // helpers, pairings and work teams, for the office
        route(
            M::GET,
            "/field/helpers",
            May(ManageHelpers),
            get(field::helpers::list),
        ),
        route(
            M::POST,
            "/field/helpers",
            May(ManageHelpers),
            post(field::helpers::create),
        ),
        route(
            M::GET,
            "/field/helpers/{id}",
            May(ManageHelpers),
            get(field::helpers::show),
        ),
        route(
            M::POST,
            "/field/helpers/{id}",
            May(ManageHelpers),
            post(field::helpers::update),
        ),
        route(
            M::POST,
            "/field/helpers/{id}/pairings",
            May(ManageHelpers),
            post(field::helpers::pair),
        ),
        route(
            M::GET,
            "/field/unpaired",
            May(ViewFieldWork),
            get(field::helpers::unpaired),
        ),
        route(
            M::GET,
            "/field/pairing-sheet",
            May(ManageHelpers),
            get(field::helpers::sheet),
        ),
        route(
            M::GET,
            "/field/pairing-sheet/export",
            May(ManageHelpers),
            get(field::helpers::export),
        ),
        route(
            M::POST,
            "/field/pairing-sheet",
            May(ManageHelpers),
            post(field::helpers::import),
        )
        .upload(BodyKind::List),
        route(
            M::GET,
            "/field/teams",
            May(ViewFieldWork),
            get(field::teams::list),
        ),
        route(
            M::POST,
            "/field/teams",
            May(ManageHelpers),
            post(field::teams::join),
        ),
        route(
            M::POST,
            "/field/teams/{id}/end",
            May(ManageHelpers),
            post(field::teams::end),
        ),
        // the month's figures and the households nobody visited
        route(
            M::GET,
            "/field/summary",
            May(ViewFieldWork),
            get(field::summary::show),
        ),
        route(
            M::GET,
            "/field/overdue",
            May(ViewFieldWork),
            get(field::summary::overdue),
        ),
        route(
            M::GET,
            "/api/v1/field/session",
            May(RecordVisits),
            get(field::api::session),
        ),
        route(
            M::POST,
            "/api/v1/field/visits",
            May(RecordVisits),
            post(field::api::visits),
        )
        .upload(BodyKind::Visit),
        route(
            M::POST,
            "/api/v1/field/signins",
            May(RecordVisits),
            post(field::api::signins),
        ),
        route(
            M::GET,
            "/api/v1/field/households",
            May(RecordVisits),
            get(field::api::households),
        ),
        route(
            M::GET,
            "/api/v1/field/summary",
            May(ViewFieldWork),
            get(field::api::summary),
        ),
        route(
            M::GET,
            "/api/v1/field/overdue",
            May(ViewFieldWork),
            get(field::api::overdue),
        ),
        // the office's side for machine clients: helpers, pairing, teams, the pairing sheet
        route(
            M::GET,
            "/api/v1/field/helpers",
            May(ManageHelpers),
            get(field::api_office::helpers),
        ),
        route(
            M::POST,
            "/api/v1/field/helpers",
            May(ManageHelpers),
            post(field::api_office::create_helper),
        ),
        route(
            M::GET,
            "/api/v1/field/helpers/{id}",
            May(ManageHelpers),
            get(field::api_office::helper),
        ),
        route(
            M::POST,
            "/api/v1/field/helpers/{id}",
            May(ManageHelpers),
            post(field::api_office::update_helper),
        ),
        route(
            M::POST,
            "/api/v1/field/helpers/{id}/pairings",
            May(ManageHelpers),
            post(field::api_office::pair),
        ),
        route(
            M::GET,
            "/api/v1/field/unpaired",
            May(ViewFieldWork),
            get(field::api_office::unpaired),
        ),
        route(
            M::GET,
            "/api/v1/field/teams",
            May(ViewFieldWork),
            get(field::api_office::teams),
        ),
        route(
            M::POST,
            "/api/v1/field/teams",
            May(ManageHelpers),
            post(field::api_office::join_team),
        ),
        route(
            M::POST,
            "/api/v1/field/teams/{id}/end",
            May(ManageHelpers),
            post(field::api_office::leave_team),
        ),
        route(
            M::GET,
            "/api/v1/field/pairing-sheet",
            May(ManageHelpers),
            get(field::api_office::export_sheet),
        ),
        route(
            M::POST,
            "/api/v1/field/pairing-sheet",
            May(ManageHelpers),
            post(field::api_office::import_sheet),
        )
        .upload(BodyKind::List),
        route(
            M::GET,
            "/api/v1/field/visits/{id}",
            May(ViewHouseholds),
            get(field::api::visit),
        ),
        route(
            M::GET,
            "/api/v1/households/{id}/visits",
            May(ViewHouseholds),
            get(field::api::household_visits),
        ),
        // instructions down the hierarchy and announcements
        route(
            M::GET,
            "/tasks",
            May(HandleTasks),
            get(tasks::instructions::list),
        ),
        route(
            M::GET,
            "/tasks/new",
            May(IssueTasks),
            get(tasks::instructions::new),
        ),
        route(
            M::POST,
            "/tasks",
            May(IssueTasks),
            post(tasks::instructions::create),
        ),
        route(
            M::GET,
            "/tasks/overdue",
            May(HandleTasks),
            get(tasks::instructions::overdue),
        ),
        route(
            M::GET,
            "/tasks/{id}",
            May(HandleTasks),
            get(tasks::instructions::show),
        ),
        route(
            M::POST,
            "/tasks/{id}/acknowledge",
            May(HandleTasks),
            post(tasks::instructions::acknowledge),
        ),
        route(
            M::POST,
            "/tasks/{id}/reports",
            May(HandleTasks),
            post(tasks::instructions::report),
        )
        .upload(BodyKind::Report),
        route(
            M::POST,
            "/tasks/{id}/remind",
            May(IssueTasks),
            post(tasks::instructions::remind),
        ),
        route(
            M::POST,
            "/tasks/{id}/close",
            May(IssueTasks),
            post(tasks::instructions::close),
        ),
        route(
            M::GET,
            "/tasks/{id}/files/{sha256}",
            May(HandleTasks),
            get(tasks::instructions::file),
        ),
        route(
            M::GET,
            "/field/tasks",
            May(RecordVisits),
            get(tasks::instructions::phone),
        ),
        route(
            M::GET,
            "/announcements",
            May(ReadAnnouncements),
            get(tasks::announcements::list),
        ),
        route(
            M::POST,
            "/announcements",
            May(IssueTasks),
            post(tasks::announcements::create),
        ),
        route(
            M::GET,
            "/announcements/{id}",
            May(ReadAnnouncements),
            get(tasks::announcements::show),
        ),
        route(
            M::GET,
            "/api/v1/tasks",
            May(HandleTasks),
            get(tasks::api::list),
        ),
        route(
            M::POST,
            "/api/v1/tasks",
            May(IssueTasks),
            post(tasks::api::issue),
        ),
        route(
            M::GET,
            "/api/v1/tasks/{id}",
            May(HandleTasks),
            get(tasks::api::show),
        ),
        route(
            M::POST,
            "/api/v1/tasks/{id}/acknowledge",
            May(HandleTasks),
            post(tasks::api::acknowledge),
        ),
        route(
            M::POST,
            "/api/v1/tasks/{id}/reports",
            May(HandleTasks),
            post(tasks::api::report),
        )
        .upload(BodyKind::Report),
        route(
            M::POST,
            "/api/v1/tasks/{id}/remind",
            May(IssueTasks),
            post(tasks::api::remind),
        ),
        route(
            M::GET,
            "/api/v1/announcements",
            May(ReadAnnouncements),
            get(tasks::api::announcements),
        ),
        route(
            M::POST,
            "/api/v1/announcements",
            May(IssueTasks),
            post(tasks::api::announce),
        ),
        route(
            M::GET,
            "/api/v1/announcements/{id}",
            May(ReadAnnouncements),
            get(tasks::api::announcement),
        ),
        route(M::GET, "/api/v1/openapi.json", Public, get(api::openapi)),
        route(M::GET, "/api/v1/me", LoggedIn, get(api::me)),
        route(M::GET, "/api/v1/workbench", LoggedIn, get(workbench::api)),
        route(
            M::GET,
            "/api/v1/areas/{code}",
            May(ViewAreas),
            get(api::area),
        ),
        route(
            M::GET,
            "/api/v1/households/{id}",
            May(ViewHouseholds),
            get(api::household),
        ),
        route(
            M::GET,
            "/api/v1/warnings",
            May(ViewWarnings),
            get(api_warnings::list),
        ),
        route(
            M::GET,
            "/api/v1/warnings/{id}",
            May(ViewWarnings),
            get(api_warnings::show),
        ),
        route(
            M::POST,
            "/api/v1/warnings/{id}/acts",
            May(WorkWarnings),
            post(api_warnings::act),
        ),
    ]
}

/// The routes of [`table`], each behind its rule and its body's limit.
pub fn router(state: &AppState) -> Router<AppState> {
    table().into_iter().fold(Router::new(), |router, r| {
        let (rule, body) = (r.rule, r.body);
        let guarded = r.handler.route_layer(from_fn_with_state(
            state.clone(),
            move |State(state): State<AppState>, req: Request, next: Next| {
                authorize(state, rule, body, req, next)
            },
        ));
        router.route(r.path, guarded)
    })
}

/// The rule, then the declared length, both before the body is touched; then the CSRF check
/// and the handler on the capped body. A body cut short by the cap or its timeout makes the
/// answer 413 or 408, whatever the handler made of the error.
async fn authorize(
    state: AppState,
    rule: Rule,
    body: BodyKind,
    request: Request,
    next: Next,
) -> Response {
    let Some(caller) = request.extensions().get::<Caller>().cloned() else {
        return AppError::Internal("no caller".into()).into_response();
    };
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let api = path.starts_with("/api/");
    if let Err(refused) = rule.check(&caller, &path, api) {
        return refused.into_response();
    }
    let limit = body.limit(&state);
    if limits::declared_length(&request).is_some_and(|n| n > limit as u64) {
        return limits::too_large(limit);
    }
    let (request, outcome) = limits::cap(request, limit, state.timeouts.body_idle);
    let response = match check_csrf(request, &caller).await {
        Ok(request) => next.run(request).await,
        Err(refused) => refused,
    };
    outcome.refusal(limit).unwrap_or(response)
}
