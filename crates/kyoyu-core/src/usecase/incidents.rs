//! Incidents on the server: the incident file's JSON form, created whole and appended to entry
//! by entry, and the items of a STIX bundle or MISP event taken over into one.
//!
//! Key decision: a document is validated by `kyoyu-incident` as a whole before anything is
//! stored, and an append is checked on the assembled document and written with optimistic
//! concurrency (read, check, write if the version is unchanged; else read again), so a stored
//! incident always parses and two people appending at once never lose an entry.

use kyoyu_incident::Format;
use kyoyu_model::{Incident, ItemBody};
use kyoyu_store::{IncidentDoc, IncidentSummary, OrgId, Part, Store, StoreError};

use super::access::{Action, acting_tenant, require};
use super::{Caller, UseCaseError, UseCaseResult};

/// Parses a whole incident document; the server takes no sample files by path.
pub fn check_document(document: &serde_json::Value) -> UseCaseResult<Incident> {
    let text = document.to_string();
    let parsed = kyoyu_incident::parse(&text, Format::Json, "request body")
        .map_err(|error| UseCaseError::InvalidFile(Box::new(error)))?;
    for (index, item) in parsed.incident.items.iter().enumerate() {
        if let ItemBody::Ioc { path: Some(_), .. } = &item.body {
            return Err(UseCaseError::Invalid(format!(
                "items[{index}].path: the server takes no sample files; give the sample's hashes as IoC items instead"
            )));
        }
    }
    Ok(parsed.incident)
}

/// The tenant's incidents (or, for a vendor, those of the victim it acts for).
pub async fn list(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
) -> UseCaseResult<Vec<IncidentSummary>> {
    require(caller, Action::ListIncidents)?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    Ok(store.incidents(tenant).await?)
}

/// Creates an incident from the incident file's JSON form.
pub async fn create(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    document: serde_json::Value,
) -> UseCaseResult<IncidentDoc> {
    require(caller, Action::WriteIncident)?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    // The id names the incident in every later URL: a bad one is the request's fault (400).
    if let Some(id) = document["incident"]["id"].as_str()
        && let Some(problem) = kyoyu_incident::incident_id_problem(id)
    {
        return Err(UseCaseError::BadRequest(format!("incident.id: {problem}")));
    }
    let incident = check_document(&document)?;
    let doc = IncidentDoc::split(&incident.id, document)
        .ok_or_else(|| UseCaseError::Invalid("the incident must be a JSON object".into()))?;
    store.create_incident(tenant, &caller.actor(), &doc).await?;
    Ok(doc)
}

/// A stored incident of the tenant's.
pub(crate) async fn stored(
    store: &dyn Store,
    tenant: OrgId,
    id: &str,
) -> UseCaseResult<IncidentDoc> {
    store
        .incident(tenant, id)
        .await?
        .ok_or_else(|| UseCaseError::NotFound(format!("no incident `{id}`")))
}

/// A stored incident as the model, for the engines.
pub(crate) async fn model(store: &dyn Store, tenant: OrgId, id: &str) -> UseCaseResult<Incident> {
    let doc = stored(store, tenant, id).await?;
    // Stored documents were checked when written; one that fails now was stored before a
    // stricter check (obligation ids, IoC values) came in: the caller is told what to correct,
    // rather than getting a server error.
    check_document(&doc.document()).map_err(|error| {
        UseCaseError::Conflict(format!(
            "stored incident `{id}` does not pass the current checks ({error}); correct it and store it again"
        ))
    })
}

/// One incident, as stored.
pub async fn get(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    id: &str,
) -> UseCaseResult<IncidentDoc> {
    require(caller, Action::ReadIncident)?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    stored(store, tenant, id).await
}

/// The new version after an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The incident.
    pub id: String,
    /// Its new version.
    pub version: i64,
    /// How many entries were added.
    pub added: usize,
}

/// Appends entries to a part of an incident: validated on the assembled document, written with
/// optimistic concurrency — if someone appended meanwhile, read again and re-validate (a few
/// times), never overwrite.
pub async fn append(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    id: &str,
    part: Part,
    entries: Vec<serde_json::Value>,
) -> UseCaseResult<Appended> {
    require(caller, Action::WriteIncident)?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    for _ in 0..5 {
        let mut doc = stored(store, tenant, id).await?;
        doc.part_mut(part).extend(entries.iter().cloned());
        check_document(&doc.document())?;
        match store
            .append(tenant, &caller.actor(), id, doc.version, part, &entries)
            .await
        {
            Ok(version) => {
                return Ok(Appended {
                    id: id.to_owned(),
                    version,
                    added: entries.len(),
                });
            }
            Err(StoreError::Stale(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(UseCaseError::Conflict(
        "the incident kept changing while appending; try again".into(),
    ))
}

/// What an import added, and what it left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The append.
    pub appended: Appended,
    /// One line per element left out, with its JSON path and why.
    pub diagnostics: Vec<String>,
}

/// The items of a STIX bundle or MISP event as incident-file entries, and the diagnostics. A
/// plain function: the importer's item stream is not `Send` and must not live across an await.
fn import_items(
    body: &[u8],
    max_objects: usize,
) -> UseCaseResult<(Vec<serde_json::Value>, Vec<String>)> {
    let limits = kyoyu_stix::ImportLimits {
        max_objects,
        max_diagnostics: LISTED_DIAGNOSTICS,
    };
    let mut imported = crate::import::import_reader_limited(
        body,
        "request body",
        crate::import::ImportedItems::default(),
        limits,
    )
    .map_err(|error| match error {
        crate::import::ImportError::TooLarge { .. } => UseCaseError::TooLarge(error.to_string()),
        error => UseCaseError::Invalid(error.to_string()),
    })?;
    if imported.diagnostics_dropped > 0 {
        imported.diagnostics.push(format!(
            "… and {} more elements left out",
            imported.diagnostics_dropped
        ));
    }
    if imported.items.is_empty() {
        return Err(UseCaseError::Invalid(format!(
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
        .map(|row| {
            serde_json::to_value(row).map_err(|error| UseCaseError::Internal(error.to_string()))
        })
        .collect::<UseCaseResult<Vec<_>>>()?;
    Ok((entries, imported.diagnostics))
}

/// How many of an import's diagnostics are listed; the rest are counted.
pub const LISTED_DIAGNOSTICS: usize = 100;

/// Takes the items of a STIX 2.1 bundle or a MISP event into an incident (like
/// `kyoyu import --into`): lenient, every element left out named with its JSON path (the first
/// [`LISTED_DIAGNOSTICS`], then a count); at most `max_objects` objects.
pub async fn import(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    id: &str,
    body: &[u8],
    max_objects: usize,
) -> UseCaseResult<Imported> {
    require(caller, Action::WriteIncident)?;
    let (entries, diagnostics) = import_items(body, max_objects)?;
    let appended = append(store, caller, for_org, id, Part::Items, entries).await?;
    Ok(Imported {
        appended,
        diagnostics,
    })
}
