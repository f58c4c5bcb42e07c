//! Who may do what: the role table and the tenant a caller acts for.
//!
//! Key decision: one table ([`allowed`]) for every kind of request, REST and TAXII alike, so
//! the authorization test walks it and the route table names an [`Action`] for every route; a
//! role is checked before anything is read, so a refused caller learns nothing about what
//! exists.

use kyoyu_store::{OrgId, Role, Store};

use super::{Caller, UseCaseError, UseCaseResult};

/// The kinds of requests, for [`allowed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Infrastructure any client may reach without a role check (`/healthz`, `/metrics`, the
    /// OpenAPI document).
    Public,
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
    /// TAXII discovery, the API root, the collection list and one collection, status resources.
    TaxiiDiscover,
    /// Reading a collection's objects, manifest and versions.
    ReadObjects,
    /// Adding objects to a collection.
    AddObjects,
    /// Deleting objects from a collection (the owning hub's moderation).
    DeleteObjects,
}

/// What each kind of request allows, by role. One table, so the authorization test can walk it.
pub fn allowed(action: Action, role: Role) -> bool {
    use Action::*;
    use Role::*;
    match action {
        Public | WhoAmI | ReadAudit | TaxiiDiscover => true,
        ListIncidents | ReadSummary => matches!(role, Responder | Vendor | Executive),
        ReadIncident | WriteIncident | Assess | Share => matches!(role, Responder | Vendor),
        ManageConsent => role == Responder,
        ReadCommunities | ReadObjects | AddObjects => role != Executive,
        ManageCommunities | DeleteObjects => role == HubAnalyst,
        RevokeToken => matches!(role, Responder | HubAnalyst),
    }
}

/// Fails with "forbidden" unless the caller's role allows `action`.
pub fn require(caller: &Caller, action: Action) -> UseCaseResult<()> {
    if allowed(action, caller.role) {
        Ok(())
    } else {
        Err(UseCaseError::Forbidden(format!(
            "the role `{}` may not do this ({action:?})",
            caller.role.as_str()
        )))
    }
}

/// The tenant the caller acts for: its own organization, or, for a vendor naming a victim
/// (`for_org`), the victim that recorded its consent (M10).
pub async fn acting_tenant(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
) -> UseCaseResult<OrgId> {
    let Some(name) = for_org else {
        return Ok(caller.org.id);
    };
    let refused = || {
        UseCaseError::Forbidden(format!(
            "no consent of `{name}` for `{}` is recorded (M10: a vendor acts for a victim only under its consent)",
            caller.org.name
        ))
    };
    if caller.role != Role::Vendor {
        return Err(refused());
    }
    let victim = store.system_org_by_name(name).await?.ok_or_else(refused)?;
    let held = store.consents_held(caller.org.id).await?;
    if held.contains(&victim.id) {
        Ok(victim.id)
    } else {
        Err(refused())
    }
}
