//! Incidents: the incident file's JSON form, listed, created (from JSON or TOML), read,
//! appended to, and fed from a STIX bundle or MISP event.
//!
//! Key decision: what is stored and read back is always the JSON form; a TOML body is a way in
//! (see [`super::incident_body`]), not a second stored format.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kyoyu_core::usecase::access::require;
use kyoyu_core::usecase::{Action, incidents as usecase};
use kyoyu_store::{IncidentDoc, Part};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ActFor, ApiResult, json_body};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// One incident in a list.
#[derive(Serialize, ToSchema)]
pub(super) struct IncidentLine {
    id: String,
    version: i64,
    items: i64,
    created: String,
    updated: String,
}

#[utoipa::path(get, path = "/api/incidents", params(ActFor),
    responses((status = 200, body = [IncidentLine])))]
pub(super) async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(act_for): Query<ActFor>,
) -> ApiResult<Json<Vec<IncidentLine>>> {
    let lines = usecase::list(state.store.as_ref(), &principal, act_for.for_org.as_deref())
        .await?
        .into_iter()
        .map(|s| IncidentLine {
            id: s.id,
            version: s.version,
            items: s.items,
            created: s.created.to_rfc3339(),
            updated: s.updated.to_rfc3339(),
        })
        .collect();
    Ok(Json(lines))
}

#[utoipa::path(post, path = "/api/incidents", params(ActFor),
    description = "Creates an incident from the incident file (docs/incident-file.md), sent as JSON (`Content-Type: application/json`, also when no type is given) or as the TOML people edit (`application/toml`, `text/toml`, `text/x-toml`); it is stored and read back as JSON. An error names the line and field of the body as sent, in the language of `Accept-Language` (ja or en; default en). インシデントファイルを JSON または TOML で登録します。誤りは Accept-Language の言語で示します。",
    request_body(
        description = "The incident file: its JSON form, or TOML (UTF-8) under `application/toml`, `text/toml` or `text/x-toml`.",
        content((Object = "application/json"), (String = "application/toml")),
    ),
    responses((status = 201, body = IncidentLine),
        (status = 400, description = "Not JSON or TOML (the line is named), or a bad `incident.id`"),
        (status = 409, description = "An incident with this id exists"),
        (status = 413, description = "The body is larger than `max_body_bytes`"),
        (status = 415, description = "A content type other than JSON or TOML"),
        (status = 422, description = "Not a valid incident file (the field and line are named)")))]
pub(super) async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Query(act_for): Query<ActFor>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    require(&principal, Action::WriteIncident)?;
    // Errors in the incident file are told in the caller's language (`Accept-Language`).
    let lang = super::language::negotiate(None, &headers)?;
    let document = super::incident_body::incident_document(&headers, &body, lang)?;
    let doc: IncidentDoc = usecase::create(
        state.store.as_ref(),
        &principal,
        act_for.for_org.as_deref(),
        document,
    )
    .await
    .map_err(|error| match error {
        kyoyu_core::usecase::UseCaseError::InvalidFile(error) => {
            crate::error::ApiError::unprocessable(error.render(lang))
        }
        other => other.into(),
    })?;
    let line = IncidentLine {
        id: doc.id,
        version: doc.version,
        items: doc.items.len() as i64,
        created: doc.created.to_rfc3339(),
        updated: doc.updated.to_rfc3339(),
    };
    Ok((StatusCode::CREATED, Json(line)).into_response())
}

#[utoipa::path(get, path = "/api/incidents/{id}", params(("id" = String, Path), ActFor),
    responses((status = 200, description = "The incident file's JSON form", body = Object), (status = 404)))]
pub(super) async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
) -> ApiResult<Response> {
    let doc = usecase::get(
        state.store.as_ref(),
        &principal,
        act_for.for_org.as_deref(),
        &id,
    )
    .await?;
    let mut response = Json(doc.document()).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", doc.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// The new version after an append.
#[derive(Serialize, ToSchema)]
pub(super) struct Appended {
    id: String,
    version: i64,
    added: usize,
}

impl From<usecase::Appended> for Appended {
    fn from(appended: usecase::Appended) -> Self {
        Self {
            id: appended.id,
            version: appended.version,
            added: appended.added,
        }
    }
}

async fn append_part(
    state: &AppState,
    principal: &Principal,
    act_for: &ActFor,
    id: &str,
    part: Part,
    body: &[u8],
) -> ApiResult<Json<Appended>> {
    require(principal, Action::WriteIncident)?;
    let entries = match json_body(body)? {
        serde_json::Value::Array(entries) => entries,
        single @ serde_json::Value::Object(_) => vec![single],
        _ => {
            return Err(ApiError::unprocessable(format!(
                "the body must be one {} entry (an object) or a list of them",
                part.key()
            )));
        }
    };
    let appended = usecase::append(
        state.store.as_ref(),
        principal,
        act_for.for_org.as_deref(),
        id,
        part,
        entries,
    )
    .await?;
    Ok(Json(appended.into()))
}

#[utoipa::path(post, path = "/api/incidents/{id}/items", params(("id" = String, Path), ActFor),
    request_body(content = Object, description = "One item of the incident file, or a list of them."),
    responses((status = 200, body = Appended), (status = 422)))]
pub(super) async fn append_items(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Json<Appended>> {
    append_part(&state, &principal, &act_for, &id, Part::Items, &body).await
}

#[utoipa::path(post, path = "/api/incidents/{id}/timeline", params(("id" = String, Path), ActFor),
    request_body(content = Object, description = "One timeline event, or a list of them."),
    responses((status = 200, body = Appended), (status = 422)))]
pub(super) async fn append_timeline(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Json<Appended>> {
    append_part(&state, &principal, &act_for, &id, Part::Timeline, &body).await
}

#[utoipa::path(post, path = "/api/incidents/{id}/approvals", params(("id" = String, Path), ActFor),
    request_body(content = Object, description = "One approval, or a list of them."),
    responses((status = 200, body = Appended), (status = 422)))]
pub(super) async fn append_approvals(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Json<Appended>> {
    append_part(&state, &principal, &act_for, &id, Part::Approvals, &body).await
}

/// What an import added, and what it left out.
#[derive(Serialize, ToSchema)]
pub(super) struct Imported {
    id: String,
    version: i64,
    added: usize,
    /// One line per element left out, with its JSON path and why.
    diagnostics: Vec<String>,
}

#[utoipa::path(post, path = "/api/incidents/{id}/import", params(("id" = String, Path), ActFor),
    request_body(content = Object, description = "A STIX 2.1 bundle or a MISP event: its indicators, vulnerabilities and ATT&CK techniques become items (like `kyoyu import --into`)."),
    responses((status = 200, body = Imported), (status = 422)))]
pub(super) async fn import(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Json<Imported>> {
    let imported = usecase::import(
        state.store.as_ref(),
        &principal,
        act_for.for_org.as_deref(),
        &id,
        &body,
        state.settings.max_objects,
    )
    .await?;
    Ok(Json(Imported {
        id: imported.appended.id,
        version: imported.appended.version,
        added: imported.appended.added,
        diagnostics: imported.diagnostics,
    }))
}
