//! TAXII collections: what a reader receives (object by object through the egress gate), what
//! a writer may add (admission), moderation by the owning hub, status resources.
//!
//! Key decisions:
//! - Delivery: every stored row is a candidate; [`crate::egress::may_deliver`] decides each one
//!   from the reader's standing in the community (read in the same store call as the rows) and
//!   the object's TLP — never the collection alone. A page scans at most ten pages' worth of
//!   rows, so one request's work stays bounded.
//! - Admission: an object enters only if it parses and validates as STIX 2.1 and its TLP (the
//!   strictest official TLP marking; unmarked counts as [`kyoyu_model::UNMARKED_SHARE_TLP`])
//!   fits within the ceiling the hub stored for the community (G8). A refused object is a
//!   failure of the status resource with why; the rest of the envelope is stored.

use kyoyu_model::{Localized, Tlp};
use kyoyu_stix::{Severity, StixObject, validate_object};
use kyoyu_store::{
    CommunityRecord, NewObject, ObjectQuery, OrgId, Standing, StatusDetail, StatusRecord, Store,
    StoreError, StoredObject, VersionMatch,
};

use super::access::{Action, require};
use super::{Caller, UseCaseError, UseCaseResult};
use crate::egress::{ReaderStanding, may_deliver};

/// The objects of a page the gate lets reach the reader, the cursor, and how many it refused.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// What may reach the reader, in the order added.
    pub objects: Vec<StoredObject>,
    /// The last sequence number looked at, when more rows remain.
    pub next: Option<i64>,
    /// Rows the gate kept from this reader.
    pub refused: usize,
}

/// The communities the caller owns or belongs to (the TAXII collection list).
pub async fn list(
    store: &dyn Store,
    caller: &Caller,
) -> UseCaseResult<Vec<(CommunityRecord, Standing)>> {
    require(caller, Action::TaxiiDiscover)?;
    Ok(store.communities(caller.org.id).await?)
}

/// One community the caller owns or belongs to; "not found" for every other id.
pub async fn find(
    store: &dyn Store,
    caller: &Caller,
    id: &str,
) -> UseCaseResult<(CommunityRecord, Standing)> {
    store
        .community(caller.org.id, id)
        .await?
        .ok_or_else(|| UseCaseError::NotFound(format!("no collection `{id}`")))
}

/// Reads rows until `query.limit` objects pass the gate or the collection is exhausted,
/// scanning at most ten pages' worth of rows. Each page is one store call, which also checks
/// that the reader owns or belongs to the collection and tells which (the gate's input): an
/// unknown collection and one the reader is not in are the same "not found".
pub async fn deliver(
    store: &dyn Store,
    caller: &Caller,
    collection: &str,
    mut query: ObjectQuery,
) -> UseCaseResult<Delivered> {
    require(caller, Action::ReadObjects)?;
    let reader = caller.org.id;
    let limit = query.limit;
    let mut objects = Vec::with_capacity(limit);
    let mut scanned = 0usize;
    let mut refused = 0usize;
    loop {
        query.limit = limit - objects.len();
        let page =
            store
                .objects(reader, collection, &query)
                .await
                .map_err(|error| match error {
                    StoreError::NotFound(_) => {
                        UseCaseError::NotFound(format!("no collection `{collection}`"))
                    }
                    other => other.into(),
                })?;
        let standing = match page.standing {
            Standing::Owner => ReaderStanding::Owner,
            Standing::Member => ReaderStanding::Member,
        };
        scanned += page.objects.len();
        let last_seq = page.objects.last().map(|object| object.seq);
        for object in page.objects {
            let named = object.audience.contains(&reader) || object.submitter == Some(reader);
            if may_deliver(object.tlp, standing, named).is_ok() {
                objects.push(object);
            } else {
                refused += 1;
            }
        }
        if !page.more {
            return Ok(Delivered {
                objects,
                next: None,
                refused,
            });
        }
        let last_seq = last_seq.unwrap_or_default();
        if objects.len() >= limit || scanned >= limit * 10 {
            return Ok(Delivered {
                objects,
                next: Some(last_seq),
                refused,
            });
        }
        query.after_seq = Some(last_seq);
    }
}

/// The few properties the store indexes, read without the full model.
#[derive(serde::Deserialize)]
struct Head {
    id: String,
    #[serde(rename = "type")]
    object_type: String,
    spec_version: Option<String>,
    modified: Option<String>,
    created: Option<String>,
    #[serde(default)]
    object_marking_refs: Vec<String>,
}

/// Why an object above the community's ceiling does not enter (G8).
fn above_ceiling(tlp: Tlp, marked: bool, ceiling: Tlp) -> Localized {
    let how = if marked {
        "marked"
    } else {
        "unmarked, counted as"
    };
    let how_ja = if marked {
        "の印が付いており"
    } else {
        "の印がなく既定の扱いで"
    };
    Localized::new(
        format!("G8: {tlp}{how_ja}、このコミュニティが受け入れる上限 {ceiling} を超えている。"),
        format!("G8: the object is {how} {tlp}, beyond the {ceiling} this community accepts"),
    )
}

/// Checks one posted object (or one object of a share the gate released) for a collection whose
/// stored ceiling is `ceiling`: the row to store — its version, its TLP from its official TLP
/// markings, the submitter as its audience — or why it is refused.
pub fn admit(
    index: usize,
    raw: &serde_json::value::RawValue,
    submitter: OrgId,
    ceiling: Tlp,
    now: &str,
) -> Result<NewObject, StatusDetail> {
    let text = raw.get();
    let refuse = |id: String, version: String, message: String| StatusDetail {
        id,
        version,
        message: Some(message),
    };
    let head: Head = serde_json::from_str(text).map_err(|error| {
        refuse(
            format!("objects[{index}]"),
            String::new(),
            format!("objects[{index}]: not a STIX object: {error}"),
        )
    })?;
    let version = head
        .modified
        .clone()
        .or_else(|| head.created.clone())
        .unwrap_or_else(|| now.to_owned());
    let object = StixObject::from_json(text).map_err(|error| {
        refuse(
            head.id.clone(),
            version.clone(),
            format!("objects[{index}]: {error}"),
        )
    })?;
    let errors: Vec<String> = validate_object(&object)
        .into_iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| {
            format!(
                "objects[{index}]{}: {}",
                diagnostic.path, diagnostic.message
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(refuse(head.id, version, errors.join("; ")));
    }
    let tlp = kyoyu_stix::strictest_tlp(head.object_marking_refs.iter().map(String::as_str));
    let effective = tlp.unwrap_or(kyoyu_model::UNMARKED_SHARE_TLP);
    // The official TLP marking definitions are public text every STIX tool knows by id; they
    // carry no information of the sender and enter any collection.
    let official_marking =
        head.object_type == "marking-definition" && kyoyu_stix::TlpLevel::of_id(&head.id).is_some();
    if !official_marking && !effective.fits_within(ceiling) {
        let why = above_ceiling(effective, tlp.is_some(), ceiling);
        return Err(refuse(
            head.id,
            version,
            format!("objects[{index}]: {}", why.en),
        ));
    }
    Ok(NewObject {
        id: head.id,
        object_type: head.object_type,
        spec_version: head.spec_version.unwrap_or_else(|| "2.1".into()),
        version,
        tlp,
        audience: vec![submitter],
        json: text.to_owned(),
    })
}

/// The time a POST is stamped with (milliseconds, `Z`).
pub(crate) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Adds the objects of a TAXII envelope to a collection the caller owns or belongs to: each one
/// admitted or refused with why, all written in one store transaction with the status.
pub async fn add(
    store: &dyn Store,
    caller: &Caller,
    collection: &str,
    raws: &[&serde_json::value::RawValue],
) -> UseCaseResult<StatusRecord> {
    require(caller, Action::AddObjects)?;
    let (record, _) = find(store, caller, collection).await?;
    let now = now_text();
    let mut admitted = Vec::with_capacity(raws.len());
    let mut failures = Vec::new();
    for (index, raw) in raws.iter().enumerate() {
        match admit(index, raw, caller.org.id, record.max_tlp, &now) {
            Ok(object) => admitted.push(object),
            Err(failure) => failures.push(failure),
        }
    }
    Ok(store
        .add_objects(
            caller.org.id,
            &caller.actor(),
            &record.id,
            &admitted,
            failures,
            &[],
        )
        .await?)
}

/// Deletes an object's versions (the owning hub's analysts only); how many went.
pub async fn delete(
    store: &dyn Store,
    caller: &Caller,
    collection: &str,
    object: &str,
    versions: &VersionMatch,
) -> UseCaseResult<u64> {
    require(caller, Action::DeleteObjects)?;
    let (record, standing) = find(store, caller, collection).await?;
    if standing != Standing::Owner {
        return Err(UseCaseError::Forbidden(
            "only the owning hub's analysts delete objects from a collection".into(),
        ));
    }
    let removed = store
        .delete_object(caller.org.id, &caller.actor(), &record.id, object, versions)
        .await?;
    if removed == 0 {
        return Err(UseCaseError::NotFound(format!(
            "no object `{object}` in collection `{collection}`"
        )));
    }
    Ok(removed)
}

/// A status resource of the caller's.
pub async fn status(store: &dyn Store, caller: &Caller, id: &str) -> UseCaseResult<StatusRecord> {
    require(caller, Action::TaxiiDiscover)?;
    store
        .status(caller.org.id, id)
        .await?
        .ok_or_else(|| UseCaseError::NotFound(format!("no status `{id}`")))
}
