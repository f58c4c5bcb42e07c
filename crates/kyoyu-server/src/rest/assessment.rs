//! The assessment of a stored incident (the `assess --json` contract) and its readable summary.
//!
//! Key decision: both render their texts in the language negotiated by [`super::language`]
//! (`lang`, else `Accept-Language`) and say which in `Content-Language`, with
//! `Vary: Accept-Language` so a cache never hands one reader's language to another.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kyoyu_core::usecase::assessment::{View, render};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, language, parse_at, with_content_type};
use crate::auth::Principal;
use crate::state::AppState;

/// `?at=RFC3339&lang=ja|en`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AssessParams {
    /// The instant to assess at (default: now).
    at: Option<String>,
    /// `ja` or `en`; wins over `Accept-Language` (default: from `Accept-Language`, else `en`).
    lang: Option<String>,
    /// A vendor acting for a victim.
    for_org: Option<String>,
}

async fn rendered(
    state: &AppState,
    principal: &Principal,
    id: &str,
    params: &AssessParams,
    headers: &HeaderMap,
    view: View,
) -> ApiResult<Response> {
    kyoyu_core::usecase::access::require(
        principal,
        match view {
            View::Json => kyoyu_core::usecase::Action::Assess,
            View::Summary => kyoyu_core::usecase::Action::ReadSummary,
        },
    )?;
    let at = parse_at(params.at.as_deref())?;
    let lang = language::negotiate(params.lang.as_deref(), headers)?;
    let text = render(
        state.store.as_ref(),
        principal,
        params.for_org.as_deref(),
        id,
        at,
        lang,
        view,
    )
    .await?;
    let content_type = match view {
        View::Json => "application/json",
        View::Summary => "text/plain; charset=utf-8",
    };
    let mut response = with_content_type(text.into_response(), content_type);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-language"));
    Ok(response)
}

#[utoipa::path(get, path = "/api/incidents/{id}/assessment",
    description = language::NEGOTIATION,
    params(("id" = String, Path), AssessParams, language::AcceptLanguage),
    responses((status = 200, description = "The `assess --json` contract, its texts in the negotiated language (`Content-Language`)", body = Object)))]
pub(super) async fn assessment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<AssessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    rendered(&state, &principal, &id, &params, &headers, View::Json).await
}

#[utoipa::path(get, path = "/api/incidents/{id}/summary",
    description = language::NEGOTIATION,
    params(("id" = String, Path), AssessParams, language::AcceptLanguage),
    responses((status = 200, description = "The readable report (ja/en, `Content-Language`), for executives and PR (M2)", body = String)))]
pub(super) async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<AssessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    rendered(&state, &principal, &id, &params, &headers, View::Summary).await
}
