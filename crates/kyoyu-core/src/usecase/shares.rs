//! Outflows of a stored incident: a share package downloaded (STIX or MISP), and a share into a
//! community's collection on this server.
//!
//! Key decisions:
//! - Both go through [`crate::share::share`] — assess, the one egress gate, the writer — and
//!   every released item is an audit entry (M11): for a share into a collection in the same
//!   transaction as the objects.
//! - A share into a collection is judged against the **recipient's stored terms**: the kind and
//!   TLP ceiling the hub recorded for the community. The incident file's `[[communities]]` entry,
//!   when the request names one, can only make them stricter (a hub's terms over an ISAC's, the
//!   lower ceiling); when the two disagree the response says which applied and why. What a
//!   sender writes about its recipient never loosens the gate.

use kyoyu_guidance::Reason;
use kyoyu_model::{Community, CommunityKind, Incident, Localized, Timestamp, Tlp};
use kyoyu_store::{AuditAction, CommunityRecord, StatusRecord, Store};

use super::access::{Action, acting_tenant, require};
use super::assessment::no_samples;
use super::collections::{self, Admission};
use super::{Caller, UseCaseError, UseCaseResult, blocking, incidents};
use crate::egress::{PseudonymKey, Withheld};
use crate::share::{Released, ShareError, ShareFormat, Shared, share};

fn share_error(error: ShareError) -> UseCaseError {
    UseCaseError::Invalid(error.to_string())
}

/// The audit actions of what left.
fn released_actions(
    incident: &str,
    community: &str,
    object: &str,
    released: &[Released],
) -> Vec<AuditAction> {
    released
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

/// What to download: the package toward one of the incident file's communities.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The community of the incident file.
    pub community: String,
    /// The format.
    pub format: ShareFormat,
    /// The instant to assess at.
    pub at: Timestamp,
}

/// The share package toward a community the incident file declares, as a document to download;
/// each released item is recorded before the document is handed out.
pub async fn export(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    id: &str,
    request: ExportRequest,
    installation_key: &PseudonymKey,
) -> UseCaseResult<Shared> {
    let ExportRequest {
        community,
        format,
        at,
    } = request;
    let community = community.as_str();
    require(caller, Action::Share)?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    let incident = incidents::model(store, tenant, id).await?;
    let target = community.to_owned();
    // An organization's own downloads are keyed per organization.
    let key = installation_key.for_organization(&tenant.to_string());
    let shared = blocking(move || share(&incident, no_samples(), &target, format, at, &key))
        .await?
        .map_err(share_error)?;
    let object = match format {
        ShareFormat::Stix => "download:stix",
        ShareFormat::Misp => "download:misp",
    };
    for action in released_actions(id, community, object, &shared.released) {
        store.audit(tenant, &caller.actor(), &action).await?;
    }
    Ok(shared)
}

/// The terms a share into a collection was judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// The kind applied.
    pub kind: CommunityKind,
    /// The TLP ceiling applied.
    pub max_tlp: Tlp,
    /// Where the incident file and the hub's record disagreed, and which applied.
    pub notes: Vec<Reason>,
}

/// The recipient's terms: the hub's record, made stricter (never looser) by what the incident
/// file declares for the community, with a note for each disagreement.
pub fn recipient_terms(record: &CommunityRecord, declared: Option<&Community>) -> Terms {
    let mut terms = Terms {
        kind: record.kind,
        max_tlp: record.max_tlp,
        notes: Vec::new(),
    };
    let Some(declared) = declared else {
        return terms;
    };
    let kind_name = |kind: CommunityKind| match kind {
        CommunityKind::Hub => (
            "type A (a hub that names no victim)",
            "A 型（被害組織を匿名化するハブ）",
        ),
        CommunityKind::Isac => ("type B (an ISAC)", "B 型（ISAC）"),
    };
    if declared.kind != record.kind {
        let stricter = if declared.kind == CommunityKind::Hub || record.kind == CommunityKind::Hub {
            CommunityKind::Hub
        } else {
            CommunityKind::Isac
        };
        terms.kind = stricter;
        let (declared_en, declared_ja) = kind_name(declared.kind);
        let (record_en, record_ja) = kind_name(record.kind);
        terms.notes.push(Reason {
            rule: "G7",
            text: Localized::new(
            format!(
                "インシデントファイルは `{}` を {declared_ja} としているが、共有先の登録は {record_ja}。厳しい方（{}）を適用した。",
                declared.id,
                kind_name(stricter).1
            ),
            format!(
                "The incident file declares `{}` as {declared_en}; the community's record says {record_en}. The stricter, {}, applied.",
                declared.id,
                kind_name(stricter).0
            ),
        )});
    }
    if declared.max_tlp != record.max_tlp {
        terms.max_tlp = declared.max_tlp.min(record.max_tlp);
        terms.notes.push(Reason {
            rule: "G8",
            text: Localized::new(
            format!(
                "インシデントファイルの上限は {}、共有先の登録は {}。厳しい方（{}）を適用した。",
                declared.max_tlp, record.max_tlp, terms.max_tlp
            ),
            format!(
                "The incident file sets the ceiling {}; the community's record says {}. The stricter, {}, applied.",
                declared.max_tlp, record.max_tlp, terms.max_tlp
            ),
        )});
    }
    terms
}

/// What a share into a collection did.
#[derive(Debug, Clone)]
pub struct CollectionShare {
    /// The status resource of the objects written.
    pub status: StatusRecord,
    /// What left.
    pub released: Vec<Released>,
    /// What the gate kept back, with why.
    pub withheld: Vec<Withheld>,
    /// The terms it was judged by.
    pub terms: Terms,
}

/// What to share where.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    /// The server community (TAXII collection id) the package goes into.
    pub collection: String,
    /// The community as the incident file declares it, when it does: its terms can only make
    /// the recipient's stricter.
    pub community: Option<String>,
    /// The instant to assess at.
    pub at: Timestamp,
}

/// The incident as the gate judges it toward the recipient: the declared community (or a new
/// one with the collection's id) carries the recipient's terms.
fn toward(mut incident: Incident, id: &str, terms: &Terms) -> Incident {
    let community = Community {
        id: id.to_owned(),
        kind: terms.kind,
        max_tlp: terms.max_tlp,
    };
    match incident.communities.iter_mut().find(|c| c.id == id) {
        Some(declared) => *declared = community,
        None => incident.communities.push(community),
    }
    incident
}

/// Shares a stored incident into a community's collection on this server: assessed and gated
/// against the recipient's stored terms, admitted like a TAXII POST, written with one audit
/// entry per released item in the same transaction.
pub async fn into_collection(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    id: &str,
    request: ShareRequest,
    key: &PseudonymKey,
) -> UseCaseResult<CollectionShare> {
    require(caller, Action::Share)?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    // The tenant must stand in the target community; it is found as the tenant (the victim a
    // vendor acts for), as the store would check anyway.
    let (record, standing) = store
        .community(tenant, &request.collection)
        .await?
        .ok_or_else(|| UseCaseError::NotFound(format!("no collection `{}`", request.collection)))?;
    let incident = incidents::model(store, tenant, id).await?;
    let declared = match &request.community {
        Some(name) => Some(incident.community(name).cloned().ok_or_else(|| {
            UseCaseError::Invalid(format!(
                "`community`: the incident declares no community `{name}`"
            ))
        })?),
        None => None,
    };
    let terms = recipient_terms(&record, declared.as_ref());
    let community_id = request
        .community
        .clone()
        .unwrap_or_else(|| record.id.clone());
    let judged = toward(incident, &community_id, &terms);
    let at = request.at;
    let target = community_id.clone();
    let key = key.clone();
    let shared =
        blocking(move || share(&judged, no_samples(), &target, ShareFormat::Stix, at, &key))
            .await?
            .map_err(share_error)?;
    // The gate's bundle goes into the collection through the same admission as a TAXII POST
    // (validation, version, the stored ceiling, audience); an object refused there is our fault.
    #[derive(serde::Deserialize)]
    struct Bundle<'a> {
        id: String,
        #[serde(borrow)]
        objects: Vec<&'a serde_json::value::RawValue>,
    }
    let bundle: Bundle<'_> = serde_json::from_str(&shared.document).map_err(|error| {
        UseCaseError::Internal(format!("the gate's bundle does not parse: {error}"))
    })?;
    // Nothing released: nothing to write (not even the producer's identity).
    let raws = if shared.released.is_empty() {
        &[][..]
    } else {
        &bundle.objects[..]
    };
    let admission = Admission::for_envelope(raws, tenant, record.max_tlp);
    let objects = raws
        .iter()
        .enumerate()
        .map(|(index, raw)| admission.admit(index, raw))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|refused| {
            UseCaseError::Internal(format!(
                "the gate's bundle holds an object the collection refuses: {:?}",
                refused.message
            ))
        })?;
    let outflows = released_actions(id, &community_id, &bundle.id, &shared.released);
    let jobs = collections::submission_jobs(&record, standing);
    let effects = kyoyu_store::Effects {
        outflows: &outflows,
        jobs: &jobs,
    };
    let status = store
        .add_objects(
            tenant,
            &caller.actor(),
            &record.id,
            &objects,
            Vec::new(),
            &effects,
        )
        .await?;
    Ok(CollectionShare {
        status,
        released: shared.released,
        withheld: shared.withheld,
        terms,
    })
}
