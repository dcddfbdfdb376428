//! A household's code: drawn as SVG or PNG, where it leads (`/q/{token}`: the full record for an
//! official whose jurisdiction holds the household, the masked public card for anyone else),
//! and its re-issue.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_core::access::Action;
use fupin_core::masking::Disclosure;
use fupin_services::household_card;
use fupin_storage::household_cards::CardsOf;

use super::card::render_cards;
use super::{YearQuery, card_year};
use crate::AppState;
use crate::auth::{Caller, is_https};
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::pages::household_href;
use crate::qr;

/// The QR code's printed size on the card.
pub(super) const QR_MM: u32 = 28;

/// Where the QR codes point: the public URL when one is set; otherwise `scheme://host` of the
/// request, only if the host is one the console knows it is reached under (a forged `Host` is
/// never printed on a card, and `X-Forwarded-Host` is not trusted at all).
pub(super) fn public_base(state: &AppState, headers: &HeaderMap) -> Result<String, AppError> {
    if let Some(url) = &state.public_url {
        return Ok(url.clone());
    }
    // a request without a Host header can only come from inside the process (tests)
    let host = match headers.get(header::HOST) {
        None => "localhost",
        Some(h) => h.to_str().unwrap_or_default(),
    };
    if !known_host(&state.allowed_hosts, host) {
        return Err(AppError::bad_request("unknown_host_for_qr"));
    }
    let scheme = if is_https(state, headers) {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}"))
}

/// Whether `host` (`name` or `name:port`) names one of `allowed` (ports are not compared).
fn known_host(allowed: &[String], host: &str) -> bool {
    if host.is_empty() || host.len() > 255 {
        return false;
    }
    let name = match host.rsplit_once(':') {
        // an IPv6 literal's own colons end at its bracket
        Some((name, port))
            if !port.contains(']')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        Some((_, port)) if !port.contains(']') => return false,
        _ => host,
    };
    allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
}

pub fn code_url(base: &str, token: &str) -> String {
    format!("{base}/q/{token}")
}
/// `GET /q/{token}`: where a card's QR code leads. An official whose jurisdiction holds the
/// household goes to the full record; anyone else sees the masked public card; a revoked or
/// unknown code is a 404, as is anything not shaped like a code.
pub async fn scan(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !household_card::looks_like_code(&token) {
        return Err(AppError::NotFound);
    }
    let id = state
        .db
        .code_household(&token)
        .await?
        .ok_or(AppError::NotFound)?;
    if caller.may(Action::ViewHouseholds)
        && state
            .db
            .household(&caller.viewer().scope, id)
            .await?
            .is_some()
    {
        return Ok(Redirect::to(&household_href(id)).into_response());
    }
    let year = card_year(&state, &YearQuery::default()).await?;
    // the public card: read outside any jurisdiction, everything personal masked
    let public = fupin_core::access::Viewer::public_card(id);
    let cards = household_card::cards(
        &state.db,
        &public,
        CardsOf::Household(id),
        year,
        lang == Lang::En,
    )
    .await
    .map_err(AppError::internal)?;
    let Some(card) = cards.first() else {
        return Err(AppError::NotFound);
    };
    let entry = caller.actor().entry(
        "read",
        "household",
        card.household.number.clone(),
        card.household.village_code.as_str(),
        "public card (masked)",
    );
    state.audit.record(entry).await?;
    let title = format!("{} {}", t(lang, "household_card"), card.household.number);
    render_cards(
        &state,
        lang,
        &caller,
        &headers,
        &cards,
        &Disclosure::public(),
        title,
        None,
        true,
    )
    .await
}

/// The live code of a household the caller may see (every household has one from its creation).
async fn live_code(state: &AppState, caller: &Caller, id: i64) -> Result<String, AppError> {
    let codes = state.db.live_codes(&caller.viewer().scope, &[id]).await?;
    codes.get(&id).cloned().ok_or(AppError::NotFound)
}

/// A code that cannot be drawn (the URL too long) is the request's fault: the host it named.
pub(super) fn undrawable(_: qrcode::types::QrError) -> AppError {
    AppError::bad_request("address_too_long_for_qr")
}

/// `GET /households/{id}/qr.svg`.
pub async fn qr_svg(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let token = live_code(&state, &caller, id).await?;
    let url = code_url(&public_base(&state, &headers)?, &token);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        // the drawn element carries its namespace already: a standalone file as it is
        qr::svg(&url, QR_MM).map_err(undrawable)?
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], body).into_response())
}

/// `GET /households/{id}/qr.png`.
pub async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let token = live_code(&state, &caller, id).await?;
    let url = code_url(&public_base(&state, &headers)?, &token);
    let png = qr::png(&url, 8).map_err(undrawable)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// `POST /households/{id}/code` with `reason` and `confirm=1`: a new code; cards printed with
/// the old one lead nowhere, which the form has the person confirm.
pub async fn reissue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    use crate::pages::field;
    let reason = field(&pairs, "reason");
    let reason = (field(&pairs, "confirm") == "1").then_some(reason.as_str());
    let scope = caller.viewer().scope;
    match household_card::reissue_code(&state.db, &scope, &caller.actor(), id, reason)
        .await
        .map_err(AppError::internal)?
    {
        household_card::Reissued::Code(_) => {
            Ok(Redirect::to(&format!("{}/card", household_href(id))).into_response())
        }
        household_card::Reissued::NotFound => Err(AppError::NotFound),
        household_card::Reissued::NeedsReason => {
            Err(AppError::bad_request("reissue_needs_confirmation"))
        }
    }
}
