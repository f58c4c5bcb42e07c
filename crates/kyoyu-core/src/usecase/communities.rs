//! Communities and their members (the hub's), vendor consent (the victim's, M10), token
//! revocation and the tenant's own audit trail (M11).
//!
//! Key decision: a community's kind and TLP ceiling are the hub's terms, set when it is created
//! and typed ([`CommunityKind`], [`Tlp`]); the egress gate reads them from here for every share
//! into the community's collection.

use kyoyu_model::{CommunityKind, Tlp};
use kyoyu_store::{AuditEntry, CommunityRecord, OrgId, OrgKind, Standing, Store};

use super::access::{Action, require};
use super::{Caller, UseCaseError, UseCaseResult};

/// The communities the caller owns or belongs to.
pub async fn list(
    store: &dyn Store,
    caller: &Caller,
) -> UseCaseResult<Vec<(CommunityRecord, Standing)>> {
    require(caller, Action::ReadCommunities)?;
    Ok(store.communities(caller.org.id).await?)
}

/// A new community, as the hub describes it.
#[derive(Debug, Clone)]
pub struct NewCommunity {
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Hub (type A) or ISAC (type B).
    pub kind: CommunityKind,
    /// The most restrictive TLP it accepts and honours.
    pub max_tlp: Tlp,
}

/// Creates a community owned by the caller's hub.
pub async fn create(
    store: &dyn Store,
    caller: &Caller,
    input: NewCommunity,
) -> UseCaseResult<CommunityRecord> {
    require(caller, Action::ManageCommunities)?;
    if caller.org.kind != OrgKind::Hub {
        return Err(UseCaseError::Forbidden(
            "only a hub owns communities".into(),
        ));
    }
    if input.title.trim().is_empty() {
        return Err(UseCaseError::Invalid("`title` is empty".into()));
    }
    let record = CommunityRecord {
        id: uuid::Uuid::new_v4().to_string(),
        owner: caller.org.id,
        title: input.title,
        description: input.description,
        kind: input.kind,
        max_tlp: input.max_tlp,
        created: chrono::Utc::now(),
    };
    store
        .create_community(caller.org.id, &caller.actor(), &record)
        .await?;
    Ok(record)
}

async fn org_named(store: &dyn Store, name: &str) -> UseCaseResult<OrgId> {
    Ok(store
        .system_org_by_name(name)
        .await?
        .ok_or_else(|| UseCaseError::NotFound(format!("no organization `{name}`")))?
        .id)
}

/// The names of the members of one of the caller's communities.
pub async fn members(store: &dyn Store, caller: &Caller, id: &str) -> UseCaseResult<Vec<String>> {
    require(caller, Action::ManageCommunities)?;
    let members = store.members(caller.org.id, id).await?;
    let mut names = Vec::with_capacity(members.len());
    for member in members {
        if let Some(org) = store.system_org(member).await? {
            names.push(org.name);
        }
    }
    Ok(names)
}

/// Adds an organization to one of the caller's communities.
pub async fn add_member(
    store: &dyn Store,
    caller: &Caller,
    id: &str,
    org: &str,
) -> UseCaseResult<()> {
    require(caller, Action::ManageCommunities)?;
    let member = org_named(store, org).await?;
    Ok(store
        .add_member(caller.org.id, &caller.actor(), id, member)
        .await?)
}

/// Removes an organization from one of the caller's communities.
pub async fn remove_member(
    store: &dyn Store,
    caller: &Caller,
    id: &str,
    org: &str,
) -> UseCaseResult<()> {
    require(caller, Action::ManageCommunities)?;
    let member = org_named(store, org).await?;
    Ok(store
        .remove_member(caller.org.id, &caller.actor(), id, member)
        .await?)
}

/// The victim lets a vendor act for it (M10).
pub async fn grant_consent(store: &dyn Store, caller: &Caller, vendor: &str) -> UseCaseResult<()> {
    require(caller, Action::ManageConsent)?;
    let vendor = store
        .system_org_by_name(vendor)
        .await?
        .filter(|org| org.kind == OrgKind::Vendor)
        .ok_or_else(|| UseCaseError::NotFound(format!("no vendor organization `{vendor}`")))?;
    Ok(store
        .grant_consent(caller.org.id, &caller.actor(), vendor.id)
        .await?)
}

/// The victim withdraws a vendor's consent.
pub async fn withdraw_consent(
    store: &dyn Store,
    caller: &Caller,
    vendor: &str,
) -> UseCaseResult<()> {
    require(caller, Action::ManageConsent)?;
    let vendor = org_named(store, vendor).await?;
    Ok(store
        .withdraw_consent(caller.org.id, &caller.actor(), vendor)
        .await?)
}

/// Revokes one of the caller's organization's tokens.
pub async fn revoke_token(store: &dyn Store, caller: &Caller, id: &str) -> UseCaseResult<()> {
    require(caller, Action::RevokeToken)?;
    Ok(store
        .revoke_token(caller.org.id, &caller.actor(), id)
        .await?)
}

/// The caller's organization's own audit entries after `after`, at most `limit` (1–1000).
pub async fn audit(
    store: &dyn Store,
    caller: &Caller,
    after: i64,
    limit: usize,
) -> UseCaseResult<Vec<AuditEntry>> {
    require(caller, Action::ReadAudit)?;
    Ok(store
        .audit_entries(caller.org.id, after, limit.clamp(1, 1000))
        .await?)
}
