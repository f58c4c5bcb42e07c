//! The caller itself and its organization: who am I, vendor consent (M10), token revocation,
//! the organization's own audit trail (M11).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kyoyu_core::usecase::communities as usecase;
use kyoyu_store::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, typed_body};
use crate::auth::Principal;
use crate::state::AppState;

/// The caller.
#[derive(Serialize, ToSchema)]
pub(super) struct WhoAmI {
    org: String,
    kind: String,
    role: String,
    token: String,
}

#[utoipa::path(get, path = "/api/whoami", responses((status = 200, body = WhoAmI)))]
pub(super) async fn whoami(principal: Principal) -> ApiResult<Json<WhoAmI>> {
    kyoyu_core::usecase::access::require(&principal, kyoyu_core::usecase::Action::WhoAmI)?;
    Ok(Json(WhoAmI {
        org: principal.org.name.clone(),
        kind: principal.org.kind.as_str().into(),
        role: principal.role.as_str().into(),
        token: principal.token.clone(),
    }))
}

/// The vendor to let act for the caller's organization.
#[derive(Deserialize, ToSchema)]
pub(super) struct ConsentIn {
    /// The vendor organization's name.
    vendor: String,
}

#[utoipa::path(post, path = "/api/consents", request_body = ConsentIn, responses((status = 204)))]
pub(super) async fn grant_consent(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<StatusCode> {
    kyoyu_core::usecase::access::require(&principal, kyoyu_core::usecase::Action::ManageConsent)?;
    let input: ConsentIn = typed_body(&body, "the consent")?;
    usecase::grant_consent(state.store.as_ref(), &principal, &input.vendor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/consents/{vendor}", params(("vendor" = String, Path)),
    responses((status = 204)))]
pub(super) async fn withdraw_consent(
    State(state): State<AppState>,
    principal: Principal,
    Path(vendor): Path<String>,
) -> ApiResult<StatusCode> {
    usecase::withdraw_consent(state.store.as_ref(), &principal, &vendor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/tokens/{id}", params(("id" = String, Path)),
    responses((status = 204)))]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    usecase::revoke_token(state.store.as_ref(), &principal, &id).await?;
    state.tokens.forget(&id);
    Ok(StatusCode::NO_CONTENT)
}

/// `?after=SEQ&limit=N`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditParams {
    /// Entries after this position (default 0).
    after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

/// One audit entry of the caller's organization.
#[derive(Serialize, ToSchema)]
pub(super) struct AuditLine {
    seq: i64,
    at: String,
    actor: String,
    #[schema(value_type = Object)]
    action: serde_json::Value,
    hash: String,
}

#[utoipa::path(get, path = "/api/audit", params(AuditParams),
    responses((status = 200, body = [AuditLine])))]
pub(super) async fn audit(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditLine>>> {
    let entries: Vec<AuditEntry> = usecase::audit(
        state.store.as_ref(),
        &principal,
        params.after.unwrap_or(0),
        params.limit.unwrap_or(100),
    )
    .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|entry| AuditLine {
                seq: entry.seq,
                at: kyoyu_store::audit::format_time(&entry.at),
                actor: entry.actor,
                action: serde_json::from_str(&entry.action).unwrap_or(serde_json::Value::Null),
                hash: entry.hash,
            })
            .collect(),
    ))
}
