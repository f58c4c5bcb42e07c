//! The assessment of a stored incident (the `assess --json` contract) and its readable summary.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kyoyu_core::usecase::assessment::{View, render};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, parse_at, parse_lang, with_content_type};
use crate::auth::Principal;
use crate::state::AppState;

/// `?at=RFC3339&lang=ja|en`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AssessParams {
    /// The instant to assess at (default: now).
    at: Option<String>,
    /// `ja` or `en` (default `en`).
    lang: Option<String>,
    /// A vendor acting for a victim.
    for_org: Option<String>,
}

async fn rendered(
    state: &AppState,
    principal: &Principal,
    id: &str,
    params: &AssessParams,
    view: View,
) -> ApiResult<String> {
    kyoyu_core::usecase::access::require(
        principal,
        match view {
            View::Json => kyoyu_core::usecase::Action::Assess,
            View::Summary => kyoyu_core::usecase::Action::ReadSummary,
        },
    )?;
    let at = parse_at(params.at.as_deref())?;
    let lang = parse_lang(params.lang.as_deref())?;
    Ok(render(
        state.store.as_ref(),
        principal,
        params.for_org.as_deref(),
        id,
        at,
        lang,
        view,
    )
    .await?)
}

#[utoipa::path(get, path = "/api/incidents/{id}/assessment", params(("id" = String, Path), AssessParams),
    responses((status = 200, description = "The `assess --json` contract", body = Object)))]
pub(super) async fn assessment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<AssessParams>,
) -> ApiResult<Response> {
    let text = rendered(&state, &principal, &id, &params, View::Json).await?;
    Ok(with_content_type(text.into_response(), "application/json"))
}

#[utoipa::path(get, path = "/api/incidents/{id}/summary", params(("id" = String, Path), AssessParams),
    responses((status = 200, description = "The readable report (ja/en), for executives and PR (M2)", body = String)))]
pub(super) async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<AssessParams>,
) -> ApiResult<Response> {
    let text = rendered(&state, &principal, &id, &params, View::Summary).await?;
    Ok(with_content_type(
        text.into_response(),
        "text/plain; charset=utf-8",
    ))
}
