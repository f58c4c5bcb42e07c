//! The REST API under `/api/`: incidents (the incident file's JSON form, appended to item by
//! item), assessment, shares into community collections, communities and memberships, vendor
//! consent, tokens, the tenant's audit trail — documented as OpenAPI at `/api/openapi.json`.
//!
//! Key decisions:
//! - The body of an incident is the incident file's JSON form (the public contract), validated
//!   by `kyoyu-incident` as a whole before anything is stored; appends are checked on the
//!   assembled document and written with optimistic concurrency, so a stored incident always
//!   parses and two people appending at once never lose an entry.
//! - Roles are checked here, once per handler, from one table ([`allowed`]); tenants are checked
//!   by the store (every call takes the tenant). A vendor acts for a victim only with
//!   `?for_org=NAME` and only while the victim's consent is recorded (M10).
//! - Shares and exports go through `kyoyu_core::share` (the one egress gate) and every released
//!   item is written to the audit log in the same transaction as the objects (M11).

use std::path::Path as FsPath;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::Utc;
use kyoyu_core::share::{ShareError, ShareFormat, share};
use kyoyu_incident::Format;
use kyoyu_model::{Incident, ItemBody, Lang};
use kyoyu_store::{
    AuditAction, AuditEntry, CommunityRecord, IncidentDoc, NewObject, OrgId, OrgKind, Part, Role,
    Standing,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

type ApiResult<T> = Result<T, ApiError>;

/// What each kind of request allows, by role. One table, so the authorization test can walk it.
pub fn allowed(action: Action, role: Role) -> bool {
    use Action::*;
    use Role::*;
    match action {
        WhoAmI | ReadAudit => true,
        ListIncidents | ReadSummary => matches!(role, Responder | Vendor | Executive),
        ReadIncident | WriteIncident | Assess | Share => matches!(role, Responder | Vendor),
        ManageConsent => role == Responder,
        ReadCommunities => role != Executive,
        ManageCommunities => role == HubAnalyst,
        RevokeToken => matches!(role, Responder | HubAnalyst),
    }
}

/// The kinds of REST requests, for [`allowed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `GET /api/whoami`.
    WhoAmI,
    /// `GET /api/incidents`.
    ListIncidents,
    /// `GET /api/incidents/{id}/summary`.
    ReadSummary,
    /// `GET /api/incidents/{id}`.
    ReadIncident,
    /// Creating and appending to incidents.
    WriteIncident,
    /// `GET /api/incidents/{id}/assessment`.
    Assess,
    /// Shares and exports.
    Share,
    /// Vendor consent.
    ManageConsent,
    /// `GET /api/communities`.
    ReadCommunities,
    /// Creating communities, adding and removing members.
    ManageCommunities,
    /// Revoking the organization's tokens.
    RevokeToken,
    /// `GET /api/audit`.
    ReadAudit,
}

fn require(principal: &Principal, action: Action) -> ApiResult<()> {
    if allowed(action, principal.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "the role `{}` may not do this ({action:?})",
            principal.role.as_str()
        )))
    }
}

/// The REST routes, to nest under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/whoami", get(whoami))
        .route("/incidents", get(list_incidents).post(create_incident))
        .route("/incidents/{id}", get(get_incident))
        .route("/incidents/{id}/items", post(append_items))
        .route("/incidents/{id}/timeline", post(append_timeline))
        .route("/incidents/{id}/approvals", post(append_approvals))
        .route("/incidents/{id}/import", post(import))
        .route("/incidents/{id}/assessment", get(assessment))
        .route("/incidents/{id}/summary", get(summary))
        .route("/incidents/{id}/export", get(export))
        .route("/incidents/{id}/shares", post(share_to_collection))
        .route("/communities", get(list_communities).post(create_community))
        .route(
            "/communities/{id}/members",
            get(list_members).post(add_member),
        )
        .route("/communities/{id}/members/{org}", delete(remove_member))
        .route("/consents", post(grant_consent))
        .route("/consents/{vendor}", delete(withdraw_consent))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/audit", get(audit))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyoyu API",
        description = "Sharing cyber attack damage information: incidents, assessment, shares through the egress gate, communities, consent, audit. 被害情報の共有: インシデント、評価、ゲートを通した共有、コミュニティ、同意、監査。TAXII 2.1 is served under /taxii2/."
    ),
    paths(
        whoami, list_incidents, create_incident, get_incident, append_items, append_timeline,
        append_approvals, import, assessment, summary, export, share_to_collection, list_communities,
        create_community, list_members, add_member, remove_member, grant_consent,
        withdraw_consent, revoke_token, audit
    ),
    components(schemas(
        WhoAmI, IncidentLine, Appended, Imported, ShareRequest, ShareResult, CommunityIn, CommunityOut,
        MemberIn, ConsentIn, AuditLine
    )),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "token",
            Vec::<String>::new(),
        )]);
    }
}

/// The OpenAPI document of this API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi() -> Response {
    let text = openapi_document().to_pretty_json().unwrap_or_default();
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The caller.
#[derive(Serialize, ToSchema)]
struct WhoAmI {
    org: String,
    kind: String,
    role: String,
    token: String,
}

#[utoipa::path(get, path = "/api/whoami", responses((status = 200, body = WhoAmI)))]
async fn whoami(principal: Principal) -> ApiResult<Json<WhoAmI>> {
    require(&principal, Action::WhoAmI)?;
    Ok(Json(WhoAmI {
        org: principal.org.name.clone(),
        kind: principal.org.kind.as_str().into(),
        role: principal.role.as_str().into(),
        token: principal.token.clone(),
    }))
}

/// `?for_org=NAME`: a vendor acting for a victim.
#[derive(Deserialize, IntoParams)]
struct ActFor {
    /// The victim organization a vendor acts for (needs the victim's recorded consent, M10).
    for_org: Option<String>,
}

/// The tenant the caller acts for: its own organization, or, for a vendor with `for_org`, the
/// victim that recorded its consent.
async fn acting_tenant(
    state: &AppState,
    principal: &Principal,
    act_for: &ActFor,
) -> ApiResult<OrgId> {
    let Some(name) = &act_for.for_org else {
        return Ok(principal.org.id);
    };
    let refused = || {
        ApiError::forbidden(format!(
            "no consent of `{name}` for `{}` is recorded (M10: a vendor acts for a victim only under its consent)",
            principal.org.name
        ))
    };
    if principal.role != Role::Vendor {
        return Err(refused());
    }
    let victim = state
        .store
        .system_org_by_name(name)
        .await?
        .ok_or_else(refused)?;
    let held = state.store.consents_held(principal.org.id).await?;
    if held.contains(&victim.id) {
        Ok(victim.id)
    } else {
        Err(refused())
    }
}

/// One incident in a list.
#[derive(Serialize, ToSchema)]
struct IncidentLine {
    id: String,
    version: i64,
    items: i64,
    created: String,
    updated: String,
}

#[utoipa::path(get, path = "/api/incidents", params(ActFor),
    responses((status = 200, body = [IncidentLine])))]
async fn list_incidents(
    State(state): State<AppState>,
    principal: Principal,
    Query(act_for): Query<ActFor>,
) -> ApiResult<Json<Vec<IncidentLine>>> {
    require(&principal, Action::ListIncidents)?;
    let tenant = acting_tenant(&state, &principal, &act_for).await?;
    let lines = state
        .store
        .incidents(tenant)
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

/// Parses a whole incident document; the server takes no sample files by path.
fn check_document(document: &serde_json::Value) -> ApiResult<Incident> {
    let text = document.to_string();
    let parsed = kyoyu_incident::parse(&text, Format::Json, "request body")
        .map_err(|error| ApiError::unprocessable(error.to_string()))?;
    for (index, item) in parsed.incident.items.iter().enumerate() {
        if let ItemBody::Ioc { path: Some(_), .. } = &item.body {
            return Err(ApiError::unprocessable(format!(
                "items[{index}].path: the server takes no sample files; give the sample's hashes as IoC items instead"
            )));
        }
    }
    Ok(parsed.incident)
}

fn json_body(bytes: &[u8]) -> ApiResult<serde_json::Value> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

#[utoipa::path(post, path = "/api/incidents", params(ActFor),
    request_body(content = Object, description = "The incident file's JSON form (see the incident file contract)."),
    responses((status = 201, body = IncidentLine), (status = 409), (status = 422)))]
async fn create_incident(
    State(state): State<AppState>,
    principal: Principal,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Response> {
    require(&principal, Action::WriteIncident)?;
    let tenant = acting_tenant(&state, &principal, &act_for).await?;
    let document = json_body(&body)?;
    let incident = check_document(&document)?;
    let id = incident.id.clone();
    let doc = IncidentDoc::split(&id, document)
        .ok_or_else(|| ApiError::unprocessable("the incident must be a JSON object"))?;
    state
        .store
        .create_incident(tenant, &principal.actor(), &doc)
        .await?;
    let line = IncidentLine {
        id: doc.id,
        version: doc.version,
        items: doc.items.len() as i64,
        created: doc.created.to_rfc3339(),
        updated: doc.updated.to_rfc3339(),
    };
    Ok((StatusCode::CREATED, Json(line)).into_response())
}

async fn load(state: &AppState, tenant: OrgId, id: &str) -> ApiResult<IncidentDoc> {
    state
        .store
        .incident(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no incident `{id}`")))
}

#[utoipa::path(get, path = "/api/incidents/{id}", params(("id" = String, Path), ActFor),
    responses((status = 200, description = "The incident file's JSON form", body = Object), (status = 404)))]
async fn get_incident(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
) -> ApiResult<Response> {
    require(&principal, Action::ReadIncident)?;
    let tenant = acting_tenant(&state, &principal, &act_for).await?;
    let doc = load(&state, tenant, &id).await?;
    let mut response = Json(doc.document()).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", doc.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// The new version after an append.
#[derive(Serialize, ToSchema)]
struct Appended {
    id: String,
    version: i64,
    added: usize,
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
    append_entries(state, principal, act_for, id, part, entries).await
}

/// Appends entries to a part of an incident: validated on the assembled document, written with
/// optimistic concurrency — if someone appended meanwhile, read again and re-validate (a few
/// times), never overwrite.
async fn append_entries(
    state: &AppState,
    principal: &Principal,
    act_for: &ActFor,
    id: &str,
    part: Part,
    entries: Vec<serde_json::Value>,
) -> ApiResult<Json<Appended>> {
    let tenant = acting_tenant(state, principal, act_for).await?;
    for _ in 0..5 {
        let mut doc = load(state, tenant, id).await?;
        doc.part_mut(part).extend(entries.iter().cloned());
        check_document(&doc.document())?;
        match state
            .store
            .append(tenant, &principal.actor(), id, doc.version, part, &entries)
            .await
        {
            Ok(version) => {
                return Ok(Json(Appended {
                    id: id.to_owned(),
                    version,
                    added: entries.len(),
                }));
            }
            Err(kyoyu_store::StoreError::Stale(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::conflict(
        "the incident kept changing while appending; try again",
    ))
}

#[utoipa::path(post, path = "/api/incidents/{id}/items", params(("id" = String, Path), ActFor),
    request_body(content = Object, description = "One item of the incident file, or a list of them."),
    responses((status = 200, body = Appended), (status = 422)))]
async fn append_items(
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
async fn append_timeline(
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
async fn append_approvals(
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
struct Imported {
    id: String,
    version: i64,
    added: usize,
    /// One line per element left out, with its JSON path and why.
    diagnostics: Vec<String>,
}

/// The items of a STIX bundle or MISP event as incident-file entries, and the diagnostics. A
/// plain function: the importer's item stream is not `Send` and must not live across an await.
fn import_items(body: &[u8]) -> ApiResult<(Vec<serde_json::Value>, Vec<String>)> {
    let imported = kyoyu_core::import::import_reader(
        body,
        "request body",
        kyoyu_core::import::ImportedItems::default(),
    )
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    if imported.items.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "nothing to import: {}",
            if imported.diagnostics.is_empty() {
                "the document holds no indicators, vulnerabilities or techniques".to_owned()
            } else {
                imported.diagnostics.join("; ")
            }
        )));
    }
    let entries = imported
        .items
        .iter()
        .map(|row| serde_json::to_value(row).map_err(ApiError::internal))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((entries, imported.diagnostics))
}

#[utoipa::path(post, path = "/api/incidents/{id}/import", params(("id" = String, Path), ActFor),
    request_body(content = Object, description = "A STIX 2.1 bundle or a MISP event: its indicators, vulnerabilities and ATT&CK techniques become items (like `kyoyu import --into`)."),
    responses((status = 200, body = Imported), (status = 422)))]
async fn import(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Json<Imported>> {
    require(&principal, Action::WriteIncident)?;
    let (entries, diagnostics) = import_items(&body)?;
    let Json(appended) =
        append_entries(&state, &principal, &act_for, &id, Part::Items, entries).await?;
    Ok(Json(Imported {
        id: appended.id,
        version: appended.version,
        added: appended.added,
        diagnostics,
    }))
}

/// `?at=RFC3339&lang=ja|en`.
#[derive(Deserialize, IntoParams)]
struct AssessParams {
    /// The instant to assess at (default: now).
    at: Option<String>,
    /// `ja` or `en` (default `en`).
    lang: Option<String>,
    /// A vendor acting for a victim.
    for_org: Option<String>,
}

fn parse_at(at: Option<&str>) -> ApiResult<kyoyu_model::Timestamp> {
    match at {
        None => Ok(Utc::now().fixed_offset()),
        Some(text) => kyoyu_model::timeline::parse_timestamp(text)
            .map_err(|e| ApiError::bad_request(format!("`at`: {e}"))),
    }
}

fn parse_lang(lang: Option<&str>) -> ApiResult<Lang> {
    match lang {
        None => Ok(Lang::En),
        Some(text) => Lang::from_locale(text).ok_or_else(|| {
            ApiError::bad_request(format!("`lang`: expected ja or en, found `{text}`"))
        }),
    }
}

/// The stored incident as the model, for the engines.
async fn model(state: &AppState, tenant: OrgId, id: &str) -> ApiResult<Incident> {
    let doc = load(state, tenant, id).await?;
    // Stored documents were checked before they were written; failing here is our fault.
    check_document(&doc.document()).map_err(|e| {
        ApiError::internal(format!(
            "stored incident `{id}` no longer parses: {:?}",
            e.description
        ))
    })
}

/// Where sample paths would be relative to: nowhere (the server takes none).
fn no_samples() -> &'static FsPath {
    FsPath::new("/nonexistent/kyoyu-server-has-no-samples")
}

#[utoipa::path(get, path = "/api/incidents/{id}/assessment", params(("id" = String, Path), AssessParams),
    responses((status = 200, description = "The `assess --json` contract", body = Object)))]
async fn assessment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<AssessParams>,
) -> ApiResult<Response> {
    require(&principal, Action::Assess)?;
    let render = |assessment: &kyoyu_core::Assessment, _: &Incident, lang: Lang| {
        kyoyu_core::json::to_json(assessment, lang)
    };
    assessed(&state, &principal, &id, &params, render, "application/json").await
}

#[utoipa::path(get, path = "/api/incidents/{id}/summary", params(("id" = String, Path), AssessParams),
    responses((status = 200, description = "The readable report (ja/en), for executives and PR (M2)", body = String)))]
async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<AssessParams>,
) -> ApiResult<Response> {
    require(&principal, Action::ReadSummary)?;
    let render = |assessment: &kyoyu_core::Assessment, incident: &Incident, lang: Lang| {
        kyoyu_core::report::render(assessment, incident, lang)
    };
    assessed(
        &state,
        &principal,
        &id,
        &params,
        render,
        "text/plain; charset=utf-8",
    )
    .await
}

/// Assesses a stored incident (the caller has checked the role) and renders it.
async fn assessed(
    state: &AppState,
    principal: &Principal,
    id: &str,
    params: &AssessParams,
    render: impl FnOnce(&kyoyu_core::Assessment, &Incident, Lang) -> String + Send + 'static,
    content_type: &'static str,
) -> ApiResult<Response> {
    let act_for = ActFor {
        for_org: params.for_org.clone(),
    };
    let tenant = acting_tenant(state, principal, &act_for).await?;
    let incident = model(state, tenant, id).await?;
    let at = parse_at(params.at.as_deref())?;
    let lang = parse_lang(params.lang.as_deref())?;
    // CPU work (scanner, rules): off the async threads.
    let text = tokio::task::spawn_blocking(move || {
        kyoyu_core::assess(
            &incident,
            no_samples(),
            at,
            &kyoyu_core::AssessSettings::default(),
        )
        .map(|assessment| render(&assessment, &incident, lang))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// `?community=ID&format=stix|misp`.
#[derive(Deserialize, IntoParams)]
struct ExportParams {
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

fn share_error(error: ShareError) -> ApiError {
    match error {
        ShareError::Egress(e) => ApiError::unprocessable(e.to_string()),
        other => ApiError::unprocessable(other.to_string()),
    }
}

fn released_actions(
    incident: &str,
    community: &str,
    object: &str,
    shared: &kyoyu_core::share::Shared,
) -> Vec<AuditAction> {
    shared
        .released
        .iter()
        .map(|release| AuditAction::Released {
            incident: incident.to_owned(),
            item: release.item.clone(),
            channel: "share".into(),
            community: community.to_owned(),
            tlp: release.tlp.as_str().into(),
            form: release.form.as_str().into(),
            approved_by: release.approved_by.clone(),
            object: object.to_owned(),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/incidents/{id}/export", params(("id" = String, Path), ExportParams),
    responses((status = 200, description = "The share package (STIX bundle or MISP event): only what the egress gate allows", body = Object)))]
async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<ExportParams>,
) -> ApiResult<Response> {
    require(&principal, Action::Share)?;
    let act_for = ActFor {
        for_org: params.for_org.clone(),
    };
    let tenant = acting_tenant(&state, &principal, &act_for).await?;
    let incident = model(&state, tenant, &id).await?;
    let at = parse_at(params.at.as_deref())?;
    let format = parse_format(params.format.as_deref())?;
    let community = params.community.clone();
    let shared =
        tokio::task::spawn_blocking(move || share(&incident, no_samples(), &community, format, at))
            .await
            .map_err(ApiError::internal)?
            .map_err(share_error)?;
    // The download is an outflow: each item is recorded before the document leaves.
    let object = match format {
        ShareFormat::Stix => "download:stix",
        ShareFormat::Misp => "download:misp",
    };
    for action in released_actions(&id, &params.community, object, &shared) {
        state
            .store
            .audit(tenant, &principal.actor(), &action)
            .await?;
    }
    let mut response = shared.document.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Share an incident's package into a community's collection on this server.
#[derive(Deserialize, ToSchema)]
struct ShareRequest {
    /// The community as the incident file declares it (its kind and TLP limit decide the gate).
    community: String,
    /// The server community (TAXII collection id) the package goes into.
    collection: String,
    /// The instant to assess at (default: now).
    at: Option<String>,
}

/// What a share did.
#[derive(Serialize, ToSchema)]
struct ShareResult {
    status: String,
    objects: usize,
    released: Vec<String>,
    withheld: usize,
}

#[utoipa::path(post, path = "/api/incidents/{id}/shares", params(("id" = String, Path), ActFor),
    request_body = ShareRequest, responses((status = 201, body = ShareResult)))]
async fn share_to_collection(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(act_for): Query<ActFor>,
    body: Bytes,
) -> ApiResult<Response> {
    require(&principal, Action::Share)?;
    let tenant = acting_tenant(&state, &principal, &act_for).await?;
    let request: ShareRequest = serde_json::from_value(json_body(&body)?)
        .map_err(|e| ApiError::unprocessable(format!("the share request: {e}")))?;
    // The tenant must stand in the target community (the store would refuse anyway).
    state
        .store
        .community(tenant, &request.collection)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no collection `{}`", request.collection)))?;
    let incident = model(&state, tenant, &id).await?;
    let at = parse_at(request.at.as_deref())?;
    let community = request.community.clone();
    let shared = tokio::task::spawn_blocking(move || {
        share(&incident, no_samples(), &community, ShareFormat::Stix, at)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(share_error)?;
    // The gate's bundle goes into the collection through the same admission as a TAXII POST
    // (validation, version, TLP, audience); an object refused there is our fault.
    #[derive(Deserialize)]
    struct Bundle<'a> {
        id: String,
        #[serde(borrow)]
        objects: Vec<&'a serde_json::value::RawValue>,
    }
    let bundle: Bundle<'_> = serde_json::from_str(&shared.document)
        .map_err(|e| ApiError::internal(format!("the gate's bundle does not parse: {e}")))?;
    let bundle_id = bundle.id;
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let objects = bundle
        .objects
        .iter()
        .enumerate()
        .map(|(index, raw)| crate::taxii::admit(index, raw, tenant, &now))
        .collect::<Result<Vec<NewObject>, _>>()
        .map_err(|refused| {
            ApiError::internal(format!(
                "the gate's bundle holds an invalid object: {:?}",
                refused.message
            ))
        })?;
    let outflows = released_actions(&id, &request.community, &bundle_id, &shared);
    let status = state
        .store
        .add_objects(
            tenant,
            &principal.actor(),
            &request.collection,
            &objects,
            Vec::new(),
            &outflows,
        )
        .await?;
    let result = ShareResult {
        status: status.id,
        objects: status.successes.len(),
        released: shared.released.iter().map(|r| r.item.clone()).collect(),
        withheld: shared.withheld.len(),
    };
    Ok((StatusCode::CREATED, Json(result)).into_response())
}

/// A new community.
#[derive(Deserialize, ToSchema)]
struct CommunityIn {
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
struct CommunityOut {
    id: String,
    title: String,
    description: String,
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
        kind: record.kind,
        max_tlp: record.max_tlp,
        standing: match standing {
            Standing::Owner => "owner".into(),
            Standing::Member => "member".into(),
        },
    }
}

#[utoipa::path(get, path = "/api/communities", responses((status = 200, body = [CommunityOut])))]
async fn list_communities(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<CommunityOut>>> {
    require(&principal, Action::ReadCommunities)?;
    let list = state.store.communities(principal.org.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|(record, standing)| community_out(record, standing))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/communities", request_body = CommunityIn,
    responses((status = 201, body = CommunityOut)))]
async fn create_community(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<Response> {
    require(&principal, Action::ManageCommunities)?;
    if principal.org.kind != OrgKind::Hub {
        return Err(ApiError::forbidden("only a hub owns communities"));
    }
    let input: CommunityIn = serde_json::from_value(json_body(&body)?)
        .map_err(|e| ApiError::unprocessable(format!("the community: {e}")))?;
    if !matches!(input.kind.as_str(), "A" | "B") {
        return Err(ApiError::unprocessable(format!(
            "`kind`: expected A or B, found `{}`",
            input.kind
        )));
    }
    if !kyoyu_model::Tlp::ALL
        .iter()
        .any(|t| t.as_str() == input.max_tlp)
    {
        return Err(ApiError::unprocessable(format!(
            "`max_tlp`: expected clear, green, amber, amber+strict or red, found `{}`",
            input.max_tlp
        )));
    }
    if input.title.trim().is_empty() {
        return Err(ApiError::unprocessable("`title` is empty"));
    }
    let record = CommunityRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner: principal.org.id,
        title: input.title,
        description: input.description,
        kind: input.kind,
        max_tlp: input.max_tlp,
        created: Utc::now(),
    };
    state
        .store
        .create_community(principal.org.id, &principal.actor(), &record)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(community_out(record, Standing::Owner)),
    )
        .into_response())
}

/// An organization to add.
#[derive(Deserialize, ToSchema)]
struct MemberIn {
    /// The organization's name.
    org: String,
}

#[utoipa::path(get, path = "/api/communities/{id}/members", params(("id" = String, Path)),
    responses((status = 200, body = [String])))]
async fn list_members(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<String>>> {
    require(&principal, Action::ManageCommunities)?;
    let members = state.store.members(principal.org.id, &id).await?;
    let mut names = Vec::with_capacity(members.len());
    for member in members {
        if let Some(org) = state.store.system_org(member).await? {
            names.push(org.name);
        }
    }
    Ok(Json(names))
}

async fn org_named(state: &AppState, name: &str) -> ApiResult<OrgId> {
    Ok(state
        .store
        .system_org_by_name(name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no organization `{name}`")))?
        .id)
}

#[utoipa::path(post, path = "/api/communities/{id}/members", params(("id" = String, Path)),
    request_body = MemberIn, responses((status = 204)))]
async fn add_member(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    require(&principal, Action::ManageCommunities)?;
    let input: MemberIn = serde_json::from_value(json_body(&body)?)
        .map_err(|e| ApiError::unprocessable(format!("the member: {e}")))?;
    let member = org_named(&state, &input.org).await?;
    state
        .store
        .add_member(principal.org.id, &principal.actor(), &id, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/communities/{id}/members/{org}",
    params(("id" = String, Path), ("org" = String, Path)), responses((status = 204)))]
async fn remove_member(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, org)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    require(&principal, Action::ManageCommunities)?;
    let member = org_named(&state, &org).await?;
    state
        .store
        .remove_member(principal.org.id, &principal.actor(), &id, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The vendor to let act for the caller's organization.
#[derive(Deserialize, ToSchema)]
struct ConsentIn {
    /// The vendor organization's name.
    vendor: String,
}

#[utoipa::path(post, path = "/api/consents", request_body = ConsentIn, responses((status = 204)))]
async fn grant_consent(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> ApiResult<StatusCode> {
    require(&principal, Action::ManageConsent)?;
    let input: ConsentIn = serde_json::from_value(json_body(&body)?)
        .map_err(|e| ApiError::unprocessable(format!("the consent: {e}")))?;
    let vendor = state
        .store
        .system_org_by_name(&input.vendor)
        .await?
        .filter(|org| org.kind == OrgKind::Vendor)
        .ok_or_else(|| ApiError::not_found(format!("no vendor organization `{}`", input.vendor)))?;
    state
        .store
        .grant_consent(principal.org.id, &principal.actor(), vendor.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/consents/{vendor}", params(("vendor" = String, Path)),
    responses((status = 204)))]
async fn withdraw_consent(
    State(state): State<AppState>,
    principal: Principal,
    Path(vendor): Path<String>,
) -> ApiResult<StatusCode> {
    require(&principal, Action::ManageConsent)?;
    let vendor = org_named(&state, &vendor).await?;
    state
        .store
        .withdraw_consent(principal.org.id, &principal.actor(), vendor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/tokens/{id}", params(("id" = String, Path)),
    responses((status = 204)))]
async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require(&principal, Action::RevokeToken)?;
    state
        .store
        .revoke_token(principal.org.id, &principal.actor(), &id)
        .await?;
    state.tokens.forget(&id);
    Ok(StatusCode::NO_CONTENT)
}

/// `?after=SEQ&limit=N`.
#[derive(Deserialize, IntoParams)]
struct AuditParams {
    /// Entries after this position (default 0).
    after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

/// One audit entry of the caller's organization.
#[derive(Serialize, ToSchema)]
struct AuditLine {
    seq: i64,
    at: String,
    actor: String,
    #[schema(value_type = Object)]
    action: serde_json::Value,
    hash: String,
}

#[utoipa::path(get, path = "/api/audit", params(AuditParams),
    responses((status = 200, body = [AuditLine])))]
async fn audit(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditLine>>> {
    require(&principal, Action::ReadAudit)?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries: Vec<AuditEntry> = state
        .store
        .audit_entries(principal.org.id, params.after.unwrap_or(0), limit)
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
