//! The REST API under `/api/`: incidents (the incident file's JSON form, appended to item by
//! item), assessment and summary, exports and shares into community collections, communities
//! and memberships, vendor consent, tokens, the tenant's audit trail — documented as OpenAPI at
//! `/api/openapi.json`. One module per resource.
//!
//! Key decision: a handler parses the request, calls one use case of
//! [`kyoyu_core::usecase`] and renders its result; roles, tenants, the gate and the audit are
//! the use cases' (and the store's) business, never a handler's.

mod assessment;
mod communities;
mod incident_body;
mod incidents;
mod language;
mod organization;
mod shares;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use crate::error::ApiError;
use crate::routes::Routes;

pub use kyoyu_core::usecase::{Action, allowed};

type ApiResult<T> = Result<T, ApiError>;

/// The REST routes (full paths under `/api/`).
pub fn routes(routes: Routes) -> Routes {
    use Action::*;
    routes
        .get("/api/openapi.json", Public, openapi)
        .get("/api/whoami", WhoAmI, organization::whoami)
        .get("/api/incidents", ListIncidents, incidents::list)
        .post("/api/incidents", WriteIncident, incidents::create)
        .get("/api/incidents/{id}", ReadIncident, incidents::get)
        .post(
            "/api/incidents/{id}/items",
            WriteIncident,
            incidents::append_items,
        )
        .post(
            "/api/incidents/{id}/timeline",
            WriteIncident,
            incidents::append_timeline,
        )
        .post(
            "/api/incidents/{id}/approvals",
            WriteIncident,
            incidents::append_approvals,
        )
        .post(
            "/api/incidents/{id}/import",
            WriteIncident,
            incidents::import,
        )
        .get(
            "/api/incidents/{id}/assessment",
            Assess,
            assessment::assessment,
        )
        .get(
            "/api/incidents/{id}/summary",
            ReadSummary,
            assessment::summary,
        )
        .get("/api/incidents/{id}/export", Share, shares::export)
        .post("/api/incidents/{id}/shares", Share, shares::into_collection)
        .get("/api/communities", ReadCommunities, communities::list)
        .post("/api/communities", ManageCommunities, communities::create)
        .get(
            "/api/communities/{id}/members",
            ManageCommunities,
            communities::members,
        )
        .post(
            "/api/communities/{id}/members",
            ManageCommunities,
            communities::add_member,
        )
        .delete(
            "/api/communities/{id}/members/{org}",
            ManageCommunities,
            communities::remove_member,
        )
        .post("/api/consents", ManageConsent, organization::grant_consent)
        .delete(
            "/api/consents/{vendor}",
            ManageConsent,
            organization::withdraw_consent,
        )
        .delete("/api/tokens/{id}", RevokeToken, organization::revoke_token)
        .get("/api/audit", ReadAudit, organization::audit)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyoyu API",
        description = "Sharing cyber attack damage information: incidents, assessment, shares through the egress gate, communities, consent, audit. 被害情報の共有: インシデント、評価、ゲートを通した共有、コミュニティ、同意、監査。TAXII 2.1 is served under /taxii2/."
    ),
    paths(
        organization::whoami, incidents::list, incidents::create, incidents::get,
        incidents::append_items, incidents::append_timeline, incidents::append_approvals,
        incidents::import, assessment::assessment, assessment::summary, shares::export,
        shares::into_collection, communities::list, communities::create, communities::members,
        communities::add_member, communities::remove_member, organization::grant_consent,
        organization::withdraw_consent, organization::revoke_token, organization::audit
    ),
    components(schemas(
        organization::WhoAmI, incidents::IncidentLine, incidents::Appended, incidents::Imported,
        shares::ShareRequest, shares::ShareResult, shares::WithheldOut, shares::ReasonOut,
        shares::TermsOut, communities::CommunityIn, communities::CommunityOut,
        communities::MemberIn, organization::ConsentIn, organization::AuditLine
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
    with_content_type(text.into_response(), "application/json")
}

fn with_content_type(mut response: Response, content_type: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `?for_org=NAME`: a vendor acting for a victim.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ActFor {
    /// The victim organization a vendor acts for (needs the victim's recorded consent, M10).
    for_org: Option<String>,
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

/// A JSON body as one request type; a body of the wrong shape is a 422 naming `what`.
fn typed_body<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> ApiResult<T> {
    serde_json::from_value(json_body(bytes)?)
        .map_err(|e| ApiError::unprocessable(format!("{what}: {e}")))
}

/// The earliest and latest instant an assessment may be asked for: an incident, its deadlines
/// and its exports live in this range, and the writers' time formats hold within it.
const AT_RANGE: (&str, &str) = ("1990-01-01T00:00:00Z", "2199-12-31T23:59:59Z");

fn parse_at(at: Option<&str>) -> ApiResult<kyoyu_model::Timestamp> {
    let at = match at {
        None => return Ok(Utc::now().fixed_offset()),
        Some(text) => kyoyu_model::timeline::parse_timestamp(text)
            .map_err(|e| ApiError::bad_request(format!("`at`: {e}")))?,
    };
    let bound = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok();
    match (bound(AT_RANGE.0), bound(AT_RANGE.1)) {
        (Some(first), Some(last)) if at < first || at > last => {
            Err(ApiError::bad_request(format!(
                "`at`: {} is outside the range this server assesses ({} to {})",
                at.to_rfc3339(),
                AT_RANGE.0,
                AT_RANGE.1
            )))
        }
        _ => Ok(at),
    }
}
