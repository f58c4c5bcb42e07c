//! Exports of a share package (built by the egress gate, [`crate::egress`]) into the field's
//! formats: a MISP event and a STIX 2.1 bundle.
//!
//! Key decision: an exporter receives a [`Package`] and nothing else — the items, the texts that
//! may leave, the markings and the producer are already decided; the exporter only chooses the
//! wire shape. Ids are derived deterministically from the incident, the community and the item,
//! so re-exporting the same package gives the same objects (receivers deduplicate by id).

use std::path::Path;

use kyoyu_misp::{
    Analysis, Attribute, AttributeRare, Distribution, Event, Organisation, Tag, ThreatLevel, Uuid,
};
use kyoyu_model::{Incident, ItemBody, Timestamp, Tlp};
use sha2::{Digest, Sha256};

use crate::egress::{Form, Package, Producer, Release};

/// An export that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A sample file could not be read to compute its hash.
    #[error("{path}: cannot read the sample to hash it: {source}")]
    Sample {
        /// The sample path as the incident file gives it.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The STIX writer refused an object (a bug in the exporter, reported, never panicked on).
    #[error("STIX export: {0}")]
    Stix(String),
}

/// A deterministic UUID for a name within the package's namespace: the bits of a SHA-256 of the
/// name, stamped as version 4 — the form STIX and MISP tools accept for object ids (their
/// validators reject other versions), and unguessable without the incident id.
pub fn derived_uuid(incident: &Incident, community: &str, name: &str) -> u128 {
    let digest = Sha256::digest(format!("kyoyu\0{}\0{community}\0{name}", incident.id).as_bytes());
    let mut bits = u128::from_be_bytes(digest[..16].try_into().unwrap_or([0; 16]));
    bits = (bits & !(0xf << 76)) | (0x4 << 76);
    bits = (bits & !(0b11 << 62)) | (0b10 << 62);
    bits
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The MISP attribute type for an IoC observable type and value.
fn misp_type(ioc_type: &str, value: &str) -> &'static str {
    match ioc_type {
        "domain-name" => "domain",
        "hostname" => "hostname",
        "ipv4-addr" | "ipv6-addr" => "ip-dst",
        "url" => "url",
        "email-addr" => "email-src",
        "email-message" => "email-subject",
        "mutex" => "mutex",
        "windows-registry-key" => "regkey",
        "x509-certificate" => "x509-fingerprint-sha1",
        "autonomous-system" => "AS",
        "mac-addr" => "mac-address",
        "user-account" => "target-user",
        "file" => match value.len() {
            32 => "md5",
            40 => "sha1",
            64 => "sha256",
            128 => "sha512",
            _ => "filename",
        },
        _ => "text",
    }
}

fn category(misp_type: &str) -> &'static str {
    match misp_type {
        "domain" | "hostname" | "ip-dst" | "url" | "AS" | "mac-address" => "Network activity",
        "md5" | "sha1" | "sha256" | "sha512" | "filename" | "x509-fingerprint-sha1" => {
            "Payload delivery"
        }
        "mutex" | "regkey" => "Artifacts dropped",
        "vulnerability" => "External analysis",
        "email-src" | "email-subject" => "Payload delivery",
        "target-user" => "Targeting data",
        _ => "Other",
    }
}

/// Attributes for one release; `window` is the attack's observed window (first/last seen).
fn attributes(
    incident: &Incident,
    package: &Package<'_>,
    release: &Release<'_>,
    samples_base: &Path,
    seen: (Option<String>, Option<String>),
    timestamp: i64,
) -> Result<Vec<Attribute>, ExportError> {
    let text_of = |field: &str| {
        release
            .texts
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, text)| text.clone())
    };
    let comment = match release.item.body {
        ItemBody::Ttp { .. } => None,
        _ => text_of("text"),
    };
    let mut values: Vec<(&'static str, String)> = Vec::new();
    match &release.item.body {
        ItemBody::Ioc { ioc_type, path, .. } => {
            if let Some(value) = text_of("value") {
                values.push((misp_type(ioc_type.as_str(), &value), value));
            }
            if let Some(path) = path {
                // A sample leaves as its hashes only, never as the file (G6).
                let bytes = std::fs::read(samples_base.join(path)).map_err(|source| {
                    ExportError::Sample {
                        path: path.clone(),
                        source,
                    }
                })?;
                values.push(("sha256", hex(&Sha256::digest(&bytes))));
            }
        }
        ItemBody::Vulnerability { cve: Some(cve), .. } => {
            values.push(("vulnerability", cve.as_str().to_owned()))
        }
        ItemBody::Vulnerability { cve: None, .. } => {
            if let Some(product) = text_of("product") {
                values.push(("text", product));
            }
        }
        ItemBody::Ttp { .. } => {
            // The technique itself travels as a galaxy tag on the event; the description as text.
            if let Some(text) = text_of("text") {
                values.push(("text", text));
            }
        }
        ItemBody::AbusedService { .. } => {
            if let Some(value) = text_of("value") {
                let kind = if value.contains("://") { "url" } else { "text" };
                values.push((kind, value));
            }
        }
        _ => {}
    }
    let tag = Tag::tlp(release.tlp);
    Ok(values
        .into_iter()
        .map(|(attribute_type, value)| Attribute {
            attribute_type: attribute_type.into(),
            category: Some(category(attribute_type).into()),
            uuid: Some(Uuid::from_u128(derived_uuid(
                incident,
                &package.community.id,
                &format!("{}:{attribute_type}:{value}", release.item.id),
            ))),
            to_ids: Some(attribute_type != "text" && attribute_type != "vulnerability"),
            value,
            comment: comment.clone(),
            timestamp: Some(timestamp),
            distribution: Some(Distribution::InheritEvent),
            rare: AttributeRare {
                first_seen: seen.0.clone(),
                last_seen: seen.1.clone(),
                ..AttributeRare::default()
            }
            .into(),
            tags: vec![tag.clone()],
            ..Attribute::default()
        })
        .collect())
}

/// The package as one MISP event. `at` stamps the event; `samples_base` is where sample paths
/// are relative to (for their hashes).
pub fn misp_event(
    incident: &Incident,
    package: &Package<'_>,
    samples_base: &Path,
    at: Timestamp,
) -> Result<Event, ExportError> {
    let timestamp = at.timestamp();
    let producer = match &package.producer {
        Producer::Pseudonym(name) | Producer::Named(name) => name.clone(),
    };
    let window = package
        .releases
        .iter()
        .find_map(|release| match &release.item.body {
            ItemBody::AttackTime(window) => Some(window.clone()),
            _ => None,
        });
    let seen = (
        window
            .as_ref()
            .and_then(|window| window.from())
            .map(|from| from.to_rfc3339()),
        window
            .as_ref()
            .and_then(|window| window.to())
            .map(|to| to.to_rfc3339()),
    );
    let mut event = Event {
        uuid: Some(Uuid::from_u128(derived_uuid(
            incident,
            &package.community.id,
            "event",
        ))),
        info: Some(format!(
            "Share package from {producer} ({} indicators and techniques)",
            package.releases.len()
        )),
        date: Some(at.date_naive()),
        threat_level: Some(ThreatLevel::Undefined),
        analysis: Some(Analysis::Ongoing),
        distribution: Some(Distribution::CommunityOnly),
        published: Some(false),
        timestamp: Some(timestamp),
        orgc: Some(Organisation {
            name: Some(producer.clone()),
            uuid: Some(Uuid::from_u128(derived_uuid(
                incident,
                &package.community.id,
                "producer",
            ))),
            ..Organisation::default()
        }),
        ..Event::default()
    };
    let strictest = package
        .releases
        .iter()
        .map(|release| release.tlp)
        .max()
        .unwrap_or(Tlp::Amber);
    event.tags.push(Tag::tlp(strictest));
    for release in &package.releases {
        if let ItemBody::Ttp {
            technique: Some(technique),
        } = &release.item.body
        {
            let name = crate::attack::technique(technique.as_str())
                .map(|found| found.name)
                .unwrap_or(technique.as_str());
            event.tags.push(Tag::named(format!(
                "misp-galaxy:mitre-attack-pattern=\"{name} - {}\"",
                technique.as_str()
            )));
        }
        event.attributes.extend(attributes(
            incident,
            package,
            release,
            samples_base,
            seen.clone(),
            timestamp,
        )?);
    }
    // Hash-only releases never carry the sample: guarded here as well as in the gate.
    debug_assert!(
        package
            .releases
            .iter()
            .all(|release| release.form != Form::HashOnly
                || !release.texts.iter().any(|(field, _)| *field == "path"))
    );
    Ok(event)
}

/// A STIX object that could not be built (a bug in the exporter, reported with the item).
#[derive(Debug, thiserror::Error)]
#[error("item `{item}`: {message}")]
pub struct StixBuildError {
    /// The item.
    pub item: String,
    /// What went wrong.
    pub message: String,
}

fn stix_time(at: Timestamp) -> String {
    at.with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn stix_id(object_type: &str, incident: &Incident, community: &str, name: &str) -> String {
    let bits = derived_uuid(incident, community, name);
    let hex = format!("{bits:032x}");
    format!(
        "{object_type}--{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn pattern_for(ioc_type: &str, value: &str) -> Option<String> {
    use kyoyu_stix::pattern::IocKind;
    let kind = match ioc_type {
        "domain-name" | "hostname" => IocKind::DomainName,
        "ipv4-addr" => IocKind::Ipv4,
        "ipv6-addr" => IocKind::Ipv6,
        "url" => IocKind::Url,
        "email-addr" => IocKind::EmailAddr,
        "file" => match value.len() {
            32 => IocKind::Md5,
            40 => IocKind::Sha1,
            64 => IocKind::Sha256,
            128 => IocKind::Sha512,
            _ => IocKind::FileName,
        },
        _ => return None,
    };
    kyoyu_stix::pattern::ioc_pattern(kind, value).ok()
}

/// The package as a STIX 2.1 bundle (JSON text): the producer identity, the official TLP 2.0
/// marking definitions used, indicators with patterns (samples by SHA-256), attack-patterns with
/// their ATT&CK references, vulnerabilities with CVE references; `valid_from` of indicators is
/// the attack window's start. Items with no STIX form (an IoC type without a pattern builder) are
/// returned as skipped.
pub fn stix_bundle(
    incident: &Incident,
    package: &Package<'_>,
    samples_base: &Path,
    at: Timestamp,
) -> Result<(String, Vec<String>), ExportError> {
    use serde_json::{Value, json};
    let community = package.community.id.as_str();
    let now = stix_time(at);
    let producer_name = match &package.producer {
        Producer::Pseudonym(name) | Producer::Named(name) => name.clone(),
    };
    let identity_id = stix_id("identity", incident, community, "producer");
    let window_start = package
        .releases
        .iter()
        .find_map(|release| match &release.item.body {
            ItemBody::AttackTime(window) => window.from(),
            _ => None,
        });
    let mut objects: Vec<Value> = vec![json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id, "created": now, "modified": now,
        "name": producer_name, "identity_class": "organization",
    })];
    let mut markings: Vec<Tlp> = Vec::new();
    let mut skipped = Vec::new();
    for release in &package.releases {
        let text_of = |field: &str| {
            release
                .texts
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, text)| text.clone())
        };
        let marking = kyoyu_stix::TlpLevel::from_word(release.tlp.as_str())
            .map(|level| level.tlp2_id().to_owned());
        if !markings.contains(&release.tlp) {
            markings.push(release.tlp);
        }
        let id_name = release.item.id.as_str();
        let mut object = match &release.item.body {
            ItemBody::Ioc { ioc_type, path, .. } => {
                let mut values: Vec<(String, String)> = Vec::new();
                if let Some(value) = text_of("value") {
                    values.push((ioc_type.as_str().to_owned(), value));
                }
                if let Some(path) = path {
                    let bytes = std::fs::read(samples_base.join(path)).map_err(|source| {
                        ExportError::Sample {
                            path: path.clone(),
                            source,
                        }
                    })?;
                    values.push(("file".to_owned(), hex(&Sha256::digest(&bytes))));
                }
                let patterns: Vec<String> = values
                    .iter()
                    .filter_map(|(kind, value)| pattern_for(kind, value))
                    .collect();
                if patterns.is_empty() {
                    skipped.push(format!(
                        "{id_name}: no STIX pattern for its `{}` value",
                        ioc_type.as_str()
                    ));
                    continue;
                }
                let mut indicator = json!({
                    "type": "indicator", "spec_version": "2.1", "id": stix_id("indicator", incident, community, id_name),
                    "created": now, "modified": now, "pattern_type": "stix", "pattern_version": "2.1",
                    "pattern": patterns.join(" OR "),
                    "valid_from": window_start.map(stix_time).unwrap_or_else(|| now.clone()),
                    "indicator_types": ["malicious-activity"],
                    "name": values.first().map(|(_, value)| value.clone()).unwrap_or_default(),
                });
                indicator["description"] = Value::String(text_of("text").unwrap_or_else(|| {
                    "Observed in the submitter's incident; shared before publication (guidance G4).".to_owned()
                }));
                indicator
            }
            ItemBody::Ttp { technique } => {
                let found = technique
                    .as_ref()
                    .and_then(|technique| crate::attack::technique(technique.as_str()));
                let name = found
                    .map(|technique| technique.name.to_owned())
                    .or_else(|| {
                        technique
                            .as_ref()
                            .map(|technique| technique.as_str().to_owned())
                    })
                    .or_else(|| text_of("text"))
                    .unwrap_or_else(|| id_name.to_owned());
                let mut attack_pattern = json!({
                    "type": "attack-pattern", "spec_version": "2.1", "id": stix_id("attack-pattern", incident, community, id_name),
                    "created": now, "modified": now, "name": name,
                });
                if let Some(technique) = technique {
                    // No `url`: the STIX best practice wants a hash with every URL, and the id is
                    // what consumers resolve.
                    attack_pattern["external_references"] = json!([{
                        "source_name": "mitre-attack", "external_id": technique.as_str(),
                    }]);
                }
                if let Some(text) = text_of("text") {
                    attack_pattern["description"] = Value::String(text);
                }
                attack_pattern
            }
            ItemBody::Vulnerability { cve, .. } => {
                let name = cve
                    .as_ref()
                    .map(|cve| cve.as_str().to_owned())
                    .or_else(|| text_of("product"))
                    .unwrap_or_else(|| id_name.to_owned());
                let mut vulnerability = json!({
                    "type": "vulnerability", "spec_version": "2.1", "id": stix_id("vulnerability", incident, community, id_name),
                    "created": now, "modified": now, "name": name,
                });
                if let Some(cve) = cve {
                    vulnerability["external_references"] =
                        json!([{"source_name": "cve", "external_id": cve.as_str()}]);
                }
                vulnerability
            }
            ItemBody::AbusedService { .. } => {
                let Some(value) = text_of("value") else {
                    continue;
                };
                let kind = if value.contains("://") {
                    "url"
                } else {
                    "domain-name"
                };
                let Some(pattern) = pattern_for(kind, &value) else {
                    skipped.push(format!("{id_name}: no STIX pattern for `{value}`"));
                    continue;
                };
                json!({
                    "type": "indicator", "spec_version": "2.1", "id": stix_id("indicator", incident, community, id_name),
                    "created": now, "modified": now, "pattern_type": "stix", "pattern_version": "2.1", "pattern": pattern,
                    "valid_from": window_start.map(stix_time).unwrap_or_else(|| now.clone()),
                    "indicator_types": ["compromised"], "name": value,
                    "description": "A third-party service the attacker abused (guidance G2: intermediate information).",
                })
            }
            // The attack window becomes the indicators' `valid_from`; context never gets here.
            _ => continue,
        };
        object["created_by_ref"] = Value::String(identity_id.clone());
        if let Some(marking) = marking {
            object["object_marking_refs"] = json!([marking]);
        }
        objects.push(object);
    }
    let mut writer = kyoyu_stix::BundleWriter::new(
        Vec::new(),
        &kyoyu_stix::Identifier(stix_id("bundle", incident, community, "bundle")),
    )
    .map_err(|error| ExportError::Stix(error.to_string()))?;
    for tlp in markings {
        if let Some(level) = kyoyu_stix::TlpLevel::from_word(tlp.as_str()) {
            writer
                .write_object(&level.tlp2_marking_definition())
                .map_err(|error| ExportError::Stix(error.to_string()))?;
        }
    }
    for object in objects {
        let object = kyoyu_stix::StixObject::from_json(&object.to_string())
            .map_err(|error| ExportError::Stix(error.to_string()))?;
        writer
            .write_object(&object)
            .map_err(|error| ExportError::Stix(error.to_string()))?;
    }
    let bytes = writer
        .finish()
        .map_err(|error| ExportError::Stix(error.to_string()))?;
    Ok((String::from_utf8_lossy(&bytes).into_owned(), skipped))
}
