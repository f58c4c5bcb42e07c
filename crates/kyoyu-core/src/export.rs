//! Exports of a share package (built by the egress gate, [`crate::egress`]) into the field's
//! formats: a MISP event and a STIX 2.1 bundle.
//!
//! Key decision: an exporter receives a [`Package`] and nothing else — owned releases holding
//! exactly the fields the gate scanned, the markings it decided and the producer; it never sees
//! the incident or an item, so nothing the gate did not check can be serialized. The exporter
//! only chooses the wire shape: typed STIX objects of `kyoyu-stix` (no JSON assembled by hand),
//! MISP attribute types from `kyoyu-misp`'s tested MISP↔STIX mapping. Ids are derived
//! deterministically from the package's namespace and the item, so re-exporting the same package
//! gives the same objects (receivers deduplicate by id).

use kyoyu_misp::{
    Analysis, Attribute, AttributeKind, AttributeRare, Distribution, Event, Observable,
    Organisation, Tag, ThreatLevel, Uuid,
};
use kyoyu_model::{IocType, ItemId, Timestamp, Tlp};
use kyoyu_stix::object::{
    AttackPattern, Common, ExternalReference, Identity, Indicator, RareCommon, Vulnerability,
};
use kyoyu_stix::{Identifier, ObjectBody, StixObject, TlpLevel};
use sha2::{Digest, Sha256};

use crate::egress::{Content, Package, Release};

/// An export that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The STIX writer refused an object (a bug in the exporter, reported, never panicked on).
    #[error("STIX export: {0}")]
    Stix(String),
}

/// A deterministic UUID for a name within a package's id namespace: the bits of a SHA-256 of
/// the name, stamped as version 4 — the form STIX and MISP tools accept for object ids (their
/// validators reject other versions), and unguessable without the namespace.
pub fn derived_uuid(namespace: &str, name: &str) -> u128 {
    let digest = Sha256::digest(format!("kyoyu\0{namespace}\0{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let mut bits = u128::from_be_bytes(bytes);
    bits = (bits & !(0xf << 76)) | (0x4 << 76);
    bits = (bits & !(0b11 << 62)) | (0b10 << 62);
    bits
}

/// The STIX comparison an IoC's value is, as `kyoyu-misp`'s mapping describes observables:
/// `(object type, property)`; `None` for observable types the share formats do not carry.
fn observable(ioc_type: &IocType, value: &str) -> Option<Observable> {
    let (object_type, property) = match ioc_type.as_str() {
        "domain-name" | "hostname" => ("domain-name", "value"),
        "ipv4-addr" => ("ipv4-addr", "value"),
        "ipv6-addr" => ("ipv6-addr", "value"),
        "url" => ("url", "value"),
        "email-addr" => ("email-addr", "value"),
        "mac-addr" => ("mac-addr", "value"),
        "mutex" => ("mutex", "name"),
        "windows-registry-key" => ("windows-registry-key", "key"),
        "autonomous-system" => ("autonomous-system", "number"),
        "file" => file_property(value),
        _ => return None,
    };
    Some(Observable::single(object_type, property, value))
}

/// A file IoC's property: a hash by its length, else the file name.
fn file_property(value: &str) -> (&'static str, &'static str) {
    let hex = value.bytes().all(|byte| byte.is_ascii_hexdigit());
    match value.len() {
        32 if hex => ("file", "hashes.MD5"),
        40 if hex => ("file", "hashes.'SHA-1'"),
        64 if hex => ("file", "hashes.'SHA-256'"),
        128 if hex => ("file", "hashes.'SHA-512'"),
        _ => ("file", "name"),
    }
}

/// The MISP attribute type and category of an observable, from `kyoyu-misp`'s mapping only.
fn misp_kind(observable: &Observable) -> Option<(&'static AttributeKind, String)> {
    observable.to_misp()
}

/// The ATT&CK galaxy tag name of a technique.
fn galaxy_tag(technique: &str) -> String {
    let name = crate::attack::technique(technique)
        .map(|found| found.name)
        .unwrap_or(technique);
    format!("misp-galaxy:mitre-attack-pattern=\"{name} - {technique}\"")
}

/// Attributes for one release, with what of it the format could not express.
fn attributes(
    package: &Package,
    release: &Release,
    seen: &(Option<String>, Option<String>),
    timestamp: i64,
    skipped: &mut Vec<String>,
) -> Vec<Attribute> {
    let mut values: Vec<(&'static str, &'static str, String)> = Vec::new();
    let mut observables: Vec<(Observable, &str)> = Vec::new();
    let mut push_observable =
        |observable: Observable, what: &'static str| observables.push((observable, what));
    let comment = match &release.content {
        Content::Indicator {
            ioc_type,
            value,
            sample_sha256,
            description,
        } => {
            if let Some(value) = value {
                match observable(ioc_type, value) {
                    Some(observable) => push_observable(observable, "its value"),
                    None => skipped.push(format!(
                        "{}: no MISP attribute type for its `{}` value",
                        release.item,
                        ioc_type.as_str()
                    )),
                }
            }
            if let Some(hash) = sample_sha256 {
                push_observable(
                    Observable::single("file", "hashes.'SHA-256'", hash.clone()),
                    "the sample's SHA-256",
                );
            }
            description.clone()
        }
        Content::Vulnerability {
            cve,
            product,
            description,
        } => {
            match (cve, product) {
                (Some(cve), _) => push_observable(
                    Observable::single("vulnerability", "name", cve.as_str()),
                    "a CVE",
                ),
                (None, Some(product)) => values.push(("text", "Other", product.clone())),
                (None, None) => {}
            }
            description.clone()
        }
        Content::Technique { description, .. } => {
            // The technique itself travels as a galaxy tag on the event; the description as text.
            if let Some(text) = description {
                values.push(("text", "Other", text.clone()));
            }
            None
        }
        Content::AbusedService { value, description } => {
            if let Some(value) = value {
                if value.contains("://") {
                    push_observable(Observable::single("url", "value", value.clone()), "a URL");
                } else {
                    values.push(("text", "Other", value.clone()));
                }
            }
            description.clone()
        }
        Content::AttackWindow(_) | Content::Context { .. } => None,
    };
    for (observable, what) in observables {
        match misp_kind(&observable) {
            Some((kind, value)) => values.push((kind.misp_type, kind.default_category, value)),
            None => skipped.push(format!(
                "{}: no MISP attribute type for {what}",
                release.item
            )),
        }
    }
    let tag = Tag::tlp(release.tlp);
    values
        .into_iter()
        .map(|(attribute_type, category, value)| Attribute {
            attribute_type: attribute_type.into(),
            category: Some(category.into()),
            uuid: Some(Uuid::from_u128(derived_uuid(
                package.id_namespace(),
                &format!("{}:{attribute_type}:{value}", release.item),
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
        .collect()
}

/// The attack window of a package (an `AttackWindow` release), as its start and end.
fn window(package: &Package) -> (Option<Timestamp>, Option<Timestamp>) {
    package
        .releases
        .iter()
        .find_map(|release| match &release.content {
            Content::AttackWindow(window) => Some((window.from(), window.to())),
            _ => None,
        })
        .unwrap_or((None, None))
}

/// What a writer put into its document: the releases that left (an attack window only when
/// it was written on something), and what it could not express.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// The items that left, in the form the gate decided.
    pub left: Vec<ItemId>,
    /// One line per release (or part of one) the format has no form for.
    pub skipped: Vec<String>,
}

/// The package as one MISP event, and what of it was written. `at` stamps the event.
pub fn misp_event(package: &Package, at: Timestamp) -> (Event, Written) {
    let timestamp = at.timestamp();
    let producer = package.producer.name().to_owned();
    let (from, to) = window(package);
    let seen = (
        from.map(|from| from.to_rfc3339()),
        to.map(|to| to.to_rfc3339()),
    );
    let mut event = Event {
        uuid: Some(Uuid::from_u128(derived_uuid(
            package.id_namespace(),
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
                package.id_namespace(),
                "producer",
            ))),
            ..Organisation::default()
        }),
        ..Event::default()
    };
    // The event as a whole carries the strictest label of what it holds.
    let strictest = package
        .releases
        .iter()
        .map(|release| release.tlp)
        .max()
        .unwrap_or(kyoyu_model::UNMARKED_SHARE_TLP.min(package.community.max_tlp));
    event.tags.push(Tag::tlp(strictest));
    let mut written = Written::default();
    let mut window_item = None;
    for release in &package.releases {
        let mut left = false;
        if let Content::Technique {
            technique: Some(technique),
            ..
        } = &release.content
        {
            event.tags.push(Tag::named(galaxy_tag(technique.as_str())));
            left = true;
        }
        if let Content::AttackWindow(_) = release.content {
            window_item = Some(release.item.clone());
        }
        let attributes = attributes(package, release, &seen, timestamp, &mut written.skipped);
        left |= !attributes.is_empty();
        event.attributes.extend(attributes);
        if left {
            written.left.push(release.item.clone());
        }
    }
    // The window leaves as the attributes' first and last seen, so only with an attribute.
    if let Some(item) = window_item
        && !event.attributes.is_empty()
        && (seen.0.is_some() || seen.1.is_some())
    {
        written.left.push(item);
    }
    (event, written)
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

fn stix_time(at: Timestamp) -> kyoyu_stix::Timestamp {
    kyoyu_stix::Timestamp::from_datetime(at.with_timezone(&chrono::Utc))
}

/// The id of the STIX object of type `object_type` named `name` (an item id, `producer`,
/// `bundle`) in a package: derived, so the same package always gives the same ids.
pub fn stix_id(object_type: &str, package: &Package, name: &str) -> Identifier {
    let bits = derived_uuid(package.id_namespace(), name);
    let hex = format!("{bits:032x}");
    Identifier(format!(
        "{object_type}--{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The STIX pattern of an IoC value, built (and escaped, and checked) by `kyoyu-stix`.
fn pattern_for(ioc_type: &str, value: &str) -> Option<String> {
    use kyoyu_stix::pattern::IocKind;
    let kind = match ioc_type {
        "domain-name" | "hostname" => IocKind::DomainName,
        "ipv4-addr" => IocKind::Ipv4,
        "ipv6-addr" => IocKind::Ipv6,
        "url" => IocKind::Url,
        "email-addr" => IocKind::EmailAddr,
        "file" => match file_property(value).1 {
            "hashes.MD5" => IocKind::Md5,
            "hashes.'SHA-1'" => IocKind::Sha1,
            "hashes.'SHA-256'" => IocKind::Sha256,
            "hashes.'SHA-512'" => IocKind::Sha512,
            _ => IocKind::FileName,
        },
        _ => return None,
    };
    kyoyu_stix::pattern::ioc_pattern(kind, value).ok()
}

/// The common properties every exported SDO carries: version times, producer, marking.
fn common(now: &kyoyu_stix::Timestamp, producer: &Identifier, tlp: Tlp) -> Common {
    Common {
        spec_version: Some("2.1".into()),
        created: Some(now.clone()),
        modified: Some(now.clone()),
        created_by_ref: Some(producer.clone()),
        object_marking_refs: Some(vec![Identifier(TlpLevel::from(tlp).tlp2_id().to_owned())]),
        ..Common::default()
    }
}

fn with_references(mut common: Common, references: Vec<ExternalReference>) -> Common {
    if !references.is_empty() {
        common.rare = Some(Box::new(RareCommon {
            external_references: Some(references),
            ..RareCommon::default()
        }));
    }
    common
}

fn reference(source: &str, external_id: &str) -> ExternalReference {
    ExternalReference {
        source_name: source.into(),
        external_id: Some(external_id.into()),
        ..ExternalReference::default()
    }
}

fn object(object_type: &str, id: Identifier, common: Common, body: ObjectBody) -> StixObject {
    StixObject {
        object_type: object_type.into(),
        id,
        common,
        body,
        extra: serde_json::Map::new(),
    }
}

/// The STIX object of one release, or why it has none.
fn stix_object(
    package: &Package,
    release: &Release,
    now: &kyoyu_stix::Timestamp,
    valid_from: &kyoyu_stix::Timestamp,
    producer: &Identifier,
) -> Result<StixObject, Option<String>> {
    let item = release.item.as_str();
    let common = common(now, producer, release.tlp);
    match &release.content {
        Content::Indicator {
            ioc_type,
            value,
            sample_sha256,
            description,
        } => {
            let mut values: Vec<(&str, &str)> = Vec::new();
            if let Some(value) = value {
                values.push((ioc_type.as_str(), value));
            }
            if let Some(hash) = sample_sha256 {
                values.push(("file", hash));
            }
            let patterns: Vec<String> = values
                .iter()
                .filter_map(|(kind, value)| pattern_for(kind, value))
                .collect();
            if patterns.is_empty() {
                return Err(Some(format!(
                    "{item}: no STIX pattern for its `{}` value",
                    ioc_type.as_str()
                )));
            }
            let indicator = Indicator {
                name: values.first().map(|(_, value)| (*value).into()),
                description: Some(
                    description
                        .as_deref()
                        .unwrap_or(
                            "Observed in the submitter's incident; shared before publication (guidance G4).",
                        )
                        .into(),
                ),
                indicator_types: Some(vec!["malicious-activity".into()]),
                pattern: Some(patterns.join(" OR ").into()),
                pattern_type: Some("stix".into()),
                pattern_version: Some("2.1".into()),
                valid_from: Some(valid_from.clone()),
                ..Indicator::default()
            };
            Ok(object(
                "indicator",
                stix_id("indicator", package, item),
                common,
                ObjectBody::Indicator(Box::new(indicator)),
            ))
        }
        Content::Technique {
            technique,
            description,
        } => {
            let found = technique
                .as_ref()
                .and_then(|technique| crate::attack::technique(technique.as_str()));
            let name = found
                .map(|technique| technique.name.to_owned())
                .or_else(|| technique.as_ref().map(|t| t.as_str().to_owned()))
                .or_else(|| description.clone())
                .unwrap_or_else(|| "Technique observed in the submitter's incident".to_owned());
            // No `url`: the STIX best practice wants a hash with every URL, and the id is what
            // consumers resolve.
            let references = technique
                .iter()
                .map(|technique| reference("mitre-attack", technique.as_str()))
                .collect();
            let attack_pattern = AttackPattern {
                name: Some(name.into()),
                description: description.as_deref().map(Into::into),
                ..AttackPattern::default()
            };
            Ok(object(
                "attack-pattern",
                stix_id("attack-pattern", package, item),
                with_references(common, references),
                ObjectBody::AttackPattern(Box::new(attack_pattern)),
            ))
        }
        Content::Vulnerability {
            cve,
            product,
            description,
        } => {
            let name = cve
                .as_ref()
                .map(|cve| cve.as_str().to_owned())
                .or_else(|| product.clone())
                .unwrap_or_else(|| "Vulnerability exploited in the submitter's incident".into());
            let references = cve
                .iter()
                .map(|cve| reference("cve", cve.as_str()))
                .collect();
            let vulnerability = Vulnerability {
                name: Some(name.into()),
                description: description.as_deref().map(Into::into),
            };
            Ok(object(
                "vulnerability",
                stix_id("vulnerability", package, item),
                with_references(common, references),
                ObjectBody::Vulnerability(Box::new(vulnerability)),
            ))
        }
        Content::AbusedService { value, .. } => {
            let Some(value) = value else {
                return Err(None);
            };
            let kind = if value.contains("://") {
                "url"
            } else {
                "domain-name"
            };
            let Some(pattern) = pattern_for(kind, value) else {
                return Err(Some(format!("{item}: no STIX pattern for `{value}`")));
            };
            let indicator = Indicator {
                name: Some(value.as_str().into()),
                description: Some(
                    "A third-party service the attacker abused (guidance G2: intermediate information)."
                        .into(),
                ),
                indicator_types: Some(vec!["compromised".into()]),
                pattern: Some(pattern.into()),
                pattern_type: Some("stix".into()),
                pattern_version: Some("2.1".into()),
                valid_from: Some(valid_from.clone()),
                ..Indicator::default()
            };
            Ok(object(
                "indicator",
                stix_id("indicator", package, item),
                common,
                ObjectBody::Indicator(Box::new(indicator)),
            ))
        }
        // The attack window becomes the indicators' `valid_from`.
        Content::AttackWindow(_) => Err(None),
        Content::Context { .. } => Err(Some(format!(
            "{item}: context information has no object in a STIX share package"
        ))),
    }
}

/// The package as a STIX 2.1 bundle (JSON text): the producer identity, the official TLP 2.0
/// marking definitions used, indicators with patterns (samples by SHA-256), attack-patterns with
/// their ATT&CK references, vulnerabilities with CVE references; `valid_from` of indicators is
/// the attack window's start. Releases with no STIX form (an IoC type without a pattern builder)
/// are returned as skipped.
pub fn stix_bundle(package: &Package, at: Timestamp) -> Result<(String, Written), ExportError> {
    let now = stix_time(at);
    let producer = stix_id("identity", package, "producer");
    let valid_from = window(package)
        .0
        .map(stix_time)
        .unwrap_or_else(|| now.clone());
    // The producer's identity is marked like an unmarked item, within the community's ceiling:
    // every reader of an object can resolve who (by pseudonym) produced it.
    let identity_tlp = kyoyu_model::UNMARKED_SHARE_TLP.min(package.community.max_tlp);
    let identity = object(
        "identity",
        producer.clone(),
        Common {
            spec_version: Some("2.1".into()),
            created: Some(now.clone()),
            modified: Some(now.clone()),
            object_marking_refs: Some(vec![Identifier(
                TlpLevel::from(identity_tlp).tlp2_id().to_owned(),
            )]),
            ..Common::default()
        },
        ObjectBody::Identity(Box::new(Identity {
            name: Some(package.producer.name().into()),
            identity_class: Some("organization".into()),
            ..Identity::default()
        })),
    );
    let mut objects = vec![identity];
    let mut markings: Vec<Tlp> = vec![identity_tlp];
    let mut written = Written::default();
    let mut window_item = None;
    let mut indicators = 0usize;
    for release in &package.releases {
        if let Content::AttackWindow(_) = release.content {
            window_item = Some(release.item.clone());
        }
        match stix_object(package, release, &now, &valid_from, &producer) {
            Ok(object) => {
                if !markings.contains(&release.tlp) {
                    markings.push(release.tlp);
                }
                indicators += usize::from(object.object_type == "indicator");
                objects.push(object);
                written.left.push(release.item.clone());
            }
            Err(Some(why)) => written.skipped.push(why),
            Err(None) => {}
        }
    }
    // The window leaves as the indicators' `valid_from`, so only with an indicator.
    if let Some(item) = window_item
        && indicators > 0
        && window(package).0.is_some()
    {
        written.left.push(item);
    }
    let stix_error = |error: kyoyu_stix::bundle::ExportError| ExportError::Stix(error.to_string());
    let mut writer =
        kyoyu_stix::BundleWriter::new(Vec::new(), &stix_id("bundle", package, "bundle"))
            .map_err(stix_error)?;
    for tlp in markings {
        writer
            .write_object(&TlpLevel::from(tlp).tlp2_marking_definition())
            .map_err(stix_error)?;
    }
    for object in &objects {
        writer.write_object(object).map_err(stix_error)?;
    }
    let bytes = writer.finish().map_err(stix_error)?;
    Ok((String::from_utf8_lossy(&bytes).into_owned(), written))
}
