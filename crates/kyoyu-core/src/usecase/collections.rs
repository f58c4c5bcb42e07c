//! TAXII collections: what a reader receives (object by object through the egress gate), what
//! a writer may add (admission), moderation by the owning hub, status resources.
//!
//! Key decisions:
//! - Delivery: every stored row is a candidate; [`crate::egress::may_deliver`] decides each one
//!   from the reader's standing in the community (read in the same store call as the rows) and
//!   the object's TLP — never the collection alone. A page scans at most ten pages' worth of
//!   rows, so one request's work stays bounded.
//! - Admission: an object enters only if it parses and validates as STIX 2.1 and its TLP fits
//!   within the ceiling the hub stored for the community (G8). Its TLP is the strictest of every
//!   marking it carries — `object_marking_refs`, granular markings, official TLP 1.0/2.0 ids and
//!   marking definitions carrying the TLP 2.0 extension in the same envelope; unmarked counts as
//!   [`kyoyu_model::UNMARKED_SHARE_TLP`]; a marking that cannot be understood counts as the
//!   strictest the community honours, never as CLEAR. The object is delivered under that TLP, so
//!   a property marked RED keeps the whole object from members. A refused object is a failure of
//!   the status resource with why; the rest of the envelope is stored.

use std::collections::HashMap;

use kyoyu_model::{Localized, Tlp};
use kyoyu_stix::{ObjectBody, Severity, StixObject, TlpLevel, validate_object};
use kyoyu_store::{
    CommunityRecord, NewJob, NewObject, ObjectQuery, OrgId, Standing, StatusDetail, StatusRecord,
    Store, StoreError, StoredObject, VersionMatch,
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

/// How far in the future a version (`modified`) may lie: the senders' clocks may be a little
/// ahead; a version further out would stay "latest" for good and hide every later one.
pub const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The rules one envelope (or one share's bundle) is admitted under: who sends it, the ceiling
/// the hub stored for the community, and the marking definitions the envelope itself carries
/// (they interpret its own objects' markings, never another sender's).
pub struct Admission {
    submitter: OrgId,
    ceiling: Tlp,
    now: String,
    latest_version: chrono::DateTime<chrono::Utc>,
    definitions: HashMap<String, Option<TlpLevel>>,
}

impl Admission {
    /// The admission of `raws` from `submitter` into a community whose ceiling is `ceiling`.
    pub fn for_envelope(
        raws: &[&serde_json::value::RawValue],
        submitter: OrgId,
        ceiling: Tlp,
    ) -> Self {
        let mut definitions = HashMap::new();
        for raw in raws {
            // Only marking definitions matter here; most objects are skipped on a substring.
            if !raw.get().contains("\"marking-definition\"") {
                continue;
            }
            if let Ok(object) = StixObject::from_json(raw.get())
                && object.object_type == "marking-definition"
                && TlpLevel::of_id(object.id.as_str()).is_none()
            {
                definitions.insert(
                    object.id.as_str().to_owned(),
                    TlpLevel::of_marking_content(&object),
                );
            }
        }
        Self {
            submitter,
            ceiling,
            now: now_text(),
            latest_version: chrono::Utc::now() + CLOCK_SKEW,
            definitions,
        }
    }

    /// Checks one object: the row to store — its version, the TLP it is delivered under (the
    /// strictest of all its markings, object-level and granular; markings it cannot understand
    /// count as the strictest the community allows), the submitter as its audience — or why it
    /// is refused.
    pub fn admit(
        &self,
        index: usize,
        raw: &serde_json::value::RawValue,
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
            .unwrap_or_else(|| self.now.clone());
        let object = StixObject::from_json(text).map_err(|error| {
            refuse(
                head.id.clone(),
                version.clone(),
                format!("objects[{index}]: {error}"),
            )
        })?;
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&version)
            && at.to_utc() > self.latest_version
        {
            return Err(refuse(
                head.id,
                version,
                format!(
                    "objects[{index}]: the version (`modified`) lies in the future, beyond the {} minutes of clock skew this server allows",
                    CLOCK_SKEW.num_minutes()
                ),
            ));
        }
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
        if head.object_type == "marking-definition" {
            return self.marking_definition(index, &object, head.id, version, text);
        }
        let markings = kyoyu_stix::object_tlp(&object, |id| self.definitions.get(id).copied());
        let tlp = if markings.not_understood {
            // A marking whose meaning is unknown is assumed the strictest the community
            // honours; a CLEAR community cannot hold what might be restricted.
            if self.ceiling == Tlp::Clear {
                return Err(refuse(
                    head.id,
                    version,
                    format!(
                        "objects[{index}]: G8: a marking of the object is neither an official TLP marking nor defined in this envelope; a TLP:CLEAR community cannot hold it"
                    ),
                ));
            }
            Some(
                markings
                    .strictest
                    .map_or(self.ceiling, |known| known.max(self.ceiling)),
            )
        } else {
            markings.strictest
        };
        let effective = tlp.unwrap_or(kyoyu_model::UNMARKED_SHARE_TLP);
        if !effective.fits_within(self.ceiling) {
            let why = above_ceiling(effective, tlp.is_some(), self.ceiling);
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
            audience: vec![self.submitter],
            json: text.to_owned(),
        })
    }

    /// A marking definition: the official TLP ones are built in and immutable (a genuine copy
    /// is stored as it always was; a forged one — an official id with other content — is
    /// refused); any other marking definition interprets this envelope's objects only and does
    /// not enter the collection, so it never changes the meaning of another sender's markings.
    fn marking_definition(
        &self,
        index: usize,
        object: &StixObject,
        id: String,
        version: String,
        text: &str,
    ) -> Result<NewObject, StatusDetail> {
        let refuse = |message: String| StatusDetail {
            id: id.clone(),
            version: version.clone(),
            message: Some(message),
        };
        let Some((level, _)) = TlpLevel::of_id(&id) else {
            return Err(refuse(format!(
                "objects[{index}]: only the official TLP marking definitions enter a collection; this one interprets the markings of this envelope's objects and is not stored"
            )));
        };
        let name_ok = match &object.body {
            ObjectBody::MarkingDefinition(definition) => definition
                .name
                .as_deref()
                .is_none_or(|name| name.eq_ignore_ascii_case(&format!("TLP:{}", level.word()))),
            _ => false,
        };
        if TlpLevel::of_marking_content(object) != Some(level) || !name_ok {
            return Err(refuse(format!(
                "objects[{index}]: `{id}` is the official TLP:{} marking definition, which is built in; this object says otherwise",
                level.word().to_ascii_uppercase()
            )));
        }
        Ok(NewObject {
            id,
            object_type: "marking-definition".into(),
            spec_version: "2.1".into(),
            version,
            tlp: None,
            audience: vec![self.submitter],
            json: text.to_owned(),
        })
    }
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
    let (record, standing) = find(store, caller, collection).await?;
    let admission = Admission::for_envelope(raws, caller.org.id, record.max_tlp);
    let mut admitted = Vec::with_capacity(raws.len());
    let mut failures = Vec::new();
    for (index, raw) in raws.iter().enumerate() {
        match admission.admit(index, raw) {
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
            &kyoyu_store::Effects {
                outflows: &[],
                jobs: &submission_jobs(&record, standing),
            },
        )
        .await?)
}

/// The job a member's submission into a hub's collection causes: the hub takes it into its
/// work (`submission`, run by the worker for the owning hub; correlation joins it there). Written
/// by the store in the transaction that stores the objects — the transactional outbox — so a
/// submission is never stored without its job nor a job left without its submission. The hub's
/// own objects cause none.
pub fn submission_jobs(record: &CommunityRecord, standing: Standing) -> Vec<NewJob> {
    if standing != Standing::Member {
        return Vec::new();
    }
    vec![NewJob {
        kind: SUBMISSION_JOB.into(),
        tenant: Some(record.owner),
        payload: serde_json::json!({ "collection": record.id }),
        key: None,
        run_after: chrono::Utc::now(),
    }]
}

/// The job kind of a member's submission.
pub const SUBMISSION_JOB: &str = "submission";

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
