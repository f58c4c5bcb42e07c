//! Exports of a share package (built by the egress gate, [`crate::egress`]) into the field's
//! formats. Today: a MISP event.
//!
//! Key decision: an exporter receives a [`Package`] and nothing else — the items, the texts that
//! may leave, the markings and the producer are already decided; the exporter only chooses the
//! wire shape. Ids are derived deterministically from the incident, the community and the item,
//! so re-exporting the same package gives the same objects (receivers deduplicate by id).

use std::path::Path;

use kyoyu_misp::{Analysis, Attribute, Distribution, Event, Organisation, Tag, ThreatLevel, Uuid};
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
}

/// A deterministic UUID (version 8, RFC 9562) for a name within the package's namespace.
pub fn derived_uuid(incident: &Incident, community: &str, name: &str) -> u128 {
    let digest = Sha256::digest(format!("kyoyu\0{}\0{community}\0{name}", incident.id).as_bytes());
    let mut bits = u128::from_be_bytes(digest[..16].try_into().unwrap_or([0; 16]));
    bits = (bits & !(0xf << 76)) | (0x8 << 76);
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
            first_seen: seen.0.clone(),
            last_seen: seen.1.clone(),
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
