//! Outflows: a share package to download, and a share into a community's collection.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyoyu_core::egress::Withheld;
use kyoyu_core::share::ShareFormat;
use kyoyu_core::usecase::Action;
use kyoyu_core::usecase::access::require;
use kyoyu_core::usecase::shares::{self as usecase, Terms};
use kyoyu_store::community_kind_code;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ActFor, ApiResult, parse_at, typed_body, with_content_type};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// `?community=ID&format=stix|misp`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ExportParams {
    /// The community of the incident file to share toward.
    community: String,
    /// `stix` (default) or `misp`.
    format: Option<String>,
    /// The instant to assess at (default: now).
    at: Option<String>,
    /// A vendor acting for a victim.
    for_org: Option<String>,
}

fn parse_format(format: Option<&str>) -> ApiResult<ShareFormat> {
    match format.unwrap_or("stix") {
        "stix" => Ok(ShareFormat::Stix),
        "misp" => Ok(ShareFormat::Misp),
        other => Err(ApiError::bad_request(format!(
            "`format`: expected stix or misp, found `{other}`"
        ))),
    }
}

#[utoipa::path(get, path = "/api/incidents/{id}/export", params(("id" = String, Path), ExportParams),
    responses((status = 200, description = "The share package (STIX bundle or MISP event): only what the egress gate allows", body = Object)))]
pub(super) async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<ExportParams>,
) -> ApiResult<Response> {
    require(&principal, Action::Share)?;
    let at = parse_at(params.at.as_deref())?;
    let format = parse_format(params.format.as_deref())?;
    let shared = usecase::export(
        state.store.as_ref(),
        &principal,
        params.for_org.as_deref(),
        &id,
        usecase::ExportRequest {
            community: params.community.clone(),
            format,
            at,
        },
        &state.key,
    )
    .await?;
    Ok(with_content_type(
        shared.document.into_response(),
        "application/json",
    ))
}

/// Share an incident's package into a community's collection on this server.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ShareRequest {
    /// The server community (TAXII collection id) the package goes into. Its stored kind and
    /// TLP ceiling — the recipient's terms — decide the gate.
    collection: String,
    /// The community as the incident file declares it, if it does: its kind and TLP ceiling can
    /// only make the recipient's terms stricter, never looser.
    community: Option<String>,
    /// The instant to assess at (default: now).
    at: Option<String>,
}

/// One reason, with its rule.
#[derive(Serialize, ToSchema)]
pub(super) struct ReasonOut {
    rule: String,
    ja: String,
    en: String,
}

/// An item kept back, and why.
#[derive(Serialize, ToSchema)]
pub(super) struct WithheldOut {
    item: String,
    /// `review`, `hold` or `deny`.
    decision: String,
    reasons: Vec<ReasonOut>,
}

/// The recipient's terms the share was judged by.
#[derive(Serialize, ToSchema)]
pub(super) struct TermsOut {
    /// `A` (a hub) or `B` (an ISAC).
    kind: String,
    max_tlp: String,
    /// Where the incident file and the community's record disagreed, and which applied.
    notes: Vec<ReasonOut>,
}

/// What a share did.
#[derive(Serialize, ToSchema)]
pub(super) struct ShareResult {
    status: String,
    objects: usize,
    released: Vec<String>,
    withheld: Vec<WithheldOut>,
    terms: TermsOut,
}

fn reason_out(reason: kyoyu_guidance::Reason) -> ReasonOut {
    ReasonOut {
        rule: reason.rule.to_owned(),
        ja: reason.text.ja.into_owned(),
        en: reason.text.en.into_owned(),
    }
}

fn withheld_out(withheld: Withheld) -> WithheldOut {
    WithheldOut {
        item: withheld.item.as_str().to_owned(),
        decision: withheld.decision.as_str().to_owned(),
        reasons: withheld.reasons.into_iter().map(reason_out).collect(),
    }
}

fn terms_out(terms: Terms) -> TermsOut {
    TermsOut {
        kind: community_kind_code(terms.kind).to_owned(),
        max_tlp: terms.max_tlp.as_str().to_owned(),
        notes: terms.notes.into_iter().map(reason_out).collect(),
    }
}

#[utoipa::path(post, path = "/api/incidents/{id}/shares", params(("id" = String, Path), ActFor),
    request_body = ShareRequest, responses((status = 201, body = ShareResult)))]
pub(super) async fn into_collection(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Response> {
    require(&principal, Action::Share)?;
    let request: ShareRequest = typed_body(&body, "the share request")?;
    let at = parse_at(request.at.as_deref())?;
    let shared = usecase::into_collection(
        state.store.as_ref(),
        &principal,
        act_for.for_org.as_deref(),
        &id,
        usecase::ShareRequest {
            collection: request.collection,
            community: request.community,
            at,
        },
        &state.key,
    )
    .await?;
    let result = ShareResult {
        status: shared.status.id,
        objects: shared.status.successes.len(),
        released: shared.released.into_iter().map(|r| r.item).collect(),
        withheld: shared.withheld.into_iter().map(withheld_out).collect(),
        terms: terms_out(shared.terms),
    };
    Ok((StatusCode::CREATED, Json(result)).into_response())
}
