//! Communities (each a TAXII collection) and their members: the hub's.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyoyu_core::usecase::Action;
use kyoyu_core::usecase::access::require;
use kyoyu_core::usecase::communities::{self as usecase, NewCommunity};
use kyoyu_store::{CommunityRecord, Standing, Tlp, community_kind_code, community_kind_of_code};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, typed_body};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// A new community.
#[derive(Deserialize, ToSchema)]
pub(super) struct CommunityIn {
    title: String,
    #[serde(default)]
    description: String,
    /// `A` (a national hub that names no victim) or `B` (an ISAC).
    kind: String,
    /// `clear`, `green`, `amber`, `amber+strict` or `red`.
    max_tlp: String,
}

/// A community the caller owns or belongs to.
#[derive(Serialize, ToSchema)]
pub(super) struct CommunityOut {
    id: String,
    title: String,
    description: String,
    /// `A` or `B`.
    kind: String,
    max_tlp: String,
    standing: String,
    /// The TAXII collection URL path.
    collection: String,
}

fn community_out(record: CommunityRecord, standing: Standing) -> CommunityOut {
    CommunityOut {
        collection: format!(
            "/taxii2/{}/collections/{}/",
            crate::taxii::API_ROOT,
            record.id
        ),
        id: record.id,
        title: record.title,
        description: record.description,
        kind: community_kind_code(record.kind).into(),
        max_tlp: record.max_tlp.as_str().into(),
        standing: match standing {
            Standing::Owner => "owner".into(),
            Standing::Member => "member".into(),
        },
    }
}

#[utoipa::path(get, path = "/api/communities", responses((status = 200, body = [CommunityOut])))]
pub(super) async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<CommunityOut>>> {
    let list = usecase::list(state.store.as_ref(), &principal).await?;
    Ok(Json(
        list.into_iter()
            .map(|(record, standing)| community_out(record, standing))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/communities", request_body = CommunityIn,
    responses((status = 201, body = CommunityOut)))]
pub(super) async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<Response> {
    require(&principal, Action::ManageCommunities)?;
    let input: CommunityIn = typed_body(&body, "the community")?;
    let kind = community_kind_of_code(&input.kind).ok_or_else(|| {
        ApiError::unprocessable(format!("`kind`: expected A or B, found `{}`", input.kind))
    })?;
    let max_tlp = Tlp::from_label(&input.max_tlp).ok_or_else(|| {
        ApiError::unprocessable(format!(
            "`max_tlp`: expected clear, green, amber, amber+strict or red, found `{}`",
            input.max_tlp
        ))
    })?;
    let record = usecase::create(
        state.store.as_ref(),
        &principal,
        NewCommunity {
            title: input.title,
            description: input.description,
            kind,
            max_tlp,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(community_out(record, Standing::Owner)),
    )
        .into_response())
}

/// An organization to add.
#[derive(Deserialize, ToSchema)]
pub(super) struct MemberIn {
    /// The organization's name.
    org: String,
}

#[utoipa::path(get, path = "/api/communities/{id}/members", params(("id" = String, Path)),
    responses((status = 200, body = [String])))]
pub(super) async fn members(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(
        usecase::members(state.store.as_ref(), &principal, &id).await?,
    ))
}

#[utoipa::path(post, path = "/api/communities/{id}/members", params(("id" = String, Path)),
    request_body = MemberIn, responses((status = 204)))]
pub(super) async fn add_member(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    require(&principal, Action::ManageCommunities)?;
    let input: MemberIn = typed_body(&body, "the member")?;
    usecase::add_member(state.store.as_ref(), &principal, &id, &input.org).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/communities/{id}/members/{org}",
    params(("id" = String, Path), ("org" = String, Path)), responses((status = 204)))]
pub(super) async fn remove_member(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, org)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    usecase::remove_member(state.store.as_ref(), &principal, &id, &org).await?;
    Ok(StatusCode::NO_CONTENT)
}
