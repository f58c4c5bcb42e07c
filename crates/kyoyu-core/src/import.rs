//! `kyoyu import`: items from the community's formats — MISP events and STIX 2.1 bundles — as
//! incident-file items.
//!
//! Key decision: imported information becomes ordinary `[[items]]` of the incident file, so it
//! passes through the same assessment and egress gate as the organization's own; nothing is
//! written unless the incident with the new items still parses and checks (unique ids), and the
//! file is replaced atomically.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use kyoyu_misp::{AttributeKind, Event};
use kyoyu_model::{AttackTechnique, Cve, IocType};
use kyoyu_stix::object::Text;
use kyoyu_stix::{ImportLimits, ObjectBody, StixObject, TlpLevel};
use serde::Serialize;

/// One item as the incident file writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Item id.
    pub id: String,
    /// Item kind.
    pub kind: &'static str,
    /// Observable type for IoCs.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ioc_type: Option<String>,
    /// IoC value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// CVE of a vulnerability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cve: Option<String>,
    /// ATT&CK technique of a TTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    /// Free text (the MISP comment, the technique's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// TLP label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlp: Option<&'static str>,
}

/// Where imported items go: collected, or handed one by one to a consumer (so a bundle of any
/// size is imported in bounded memory).
pub type ItemStream = Box<dyn FnMut(ItemRow)>;

/// Items read from a document, and what could not be taken over (with its JSON path).
#[derive(Default)]
pub struct ImportedItems {
    /// The items, when collected (empty when streamed).
    pub items: Vec<ItemRow>,
    /// How many items were read.
    pub count: usize,
    /// One line per element left out, `path: why` (within the import's limit).
    pub diagnostics: Vec<String>,
    /// Diagnostics beyond the import's limit, counted only.
    pub diagnostics_dropped: usize,
    stream: Option<ItemStream>,
}

impl ImportedItems {
    /// Items that go to `stream` as they are read instead of being collected.
    pub fn streamed(stream: ItemStream) -> Self {
        ImportedItems {
            stream: Some(stream),
            ..ImportedItems::default()
        }
    }

    fn push(&mut self, mut row: ItemRow) {
        // The incident file's own rule for an indicator's value: an item that would not load
        // is left out here with why, not allowed to fail the whole import later.
        if let (Some(ioc_type), Some(value)) = (&row.ioc_type, &row.value)
            && let Ok(ioc_type) = IocType::parse(ioc_type)
        {
            match ioc_type.check_value(value) {
                Ok(checked) => row.value = Some(checked),
                Err(invalid) => {
                    self.diagnostics.push(format!("{}: {invalid}", row.id));
                    return;
                }
            }
        }
        self.count += 1;
        match &mut self.stream {
            Some(stream) => stream(row),
            None => self.items.push(row),
        }
    }
}

/// Why a document could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Unreadable file. (The IO error is part of the message, not a `source`, so a report of
    /// the error chain does not print it twice.)
    #[error("{file}: cannot read: {error}")]
    Read {
        /// The file.
        file: String,
        /// The IO error.
        error: std::io::Error,
    },
    /// Not a MISP event.
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong, with the position where the format gives one.
        message: String,
    },
    /// The document holds more objects than accepted.
    #[error("{file}: more than {limit} objects; split the document")]
    TooLarge {
        /// The file.
        file: String,
        /// The most objects accepted.
        limit: usize,
    },
    /// The incident with the new items does not check.
    #[error(transparent)]
    Incident(#[from] kyoyu_incident::FileError),
}

fn ioc_from(object_type: &str, property: &str, value: &str) -> Option<(&'static str, String)> {
    let sco = match (object_type, property) {
        (_, property) if property.ends_with("ref.value") => match value.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => "ipv4-addr",
            Ok(IpAddr::V6(_)) => "ipv6-addr",
            Err(_) => return None,
        },
        ("file", property) if property.starts_with("hashes.") => "file",
        ("file", _) => return None,
        (other, "value") => other,
        _ => return None,
    };
    IocType::parse(sco)
        .ok()
        .map(|ioc_type| (ioc_type.as_str(), value.to_owned()))
}

/// The items of a MISP event.
pub fn items_from_misp(event: &Event, mut imported: ImportedItems) -> ImportedItems {
    for (index, attribute) in event.all_attributes().enumerate() {
        let path = format!("Event.Attribute[{index}]");
        let id = match attribute.uuid {
            Some(uuid) => format!("misp-{}", &uuid.to_string()[..8]),
            None => format!("misp-{index}"),
        };
        let tlp = attribute.effective_tlp(event).map(|tlp| tlp.as_str());
        let comment = attribute
            .comment
            .clone()
            .filter(|comment| !comment.trim().is_empty());
        let Some(kind) = AttributeKind::from_misp_type(&attribute.attribute_type) else {
            imported.diagnostics.push(format!(
                "{path}: the MISP type `{}` has no kyoyu item kind",
                attribute.attribute_type
            ));
            continue;
        };
        let Some(observable) = kind.observable(&attribute.value) else {
            imported.diagnostics.push(format!(
                "{path}: `{}` is not a valid `{}` value",
                attribute.value, attribute.attribute_type
            ));
            continue;
        };
        if let Some(field) = observable
            .fields
            .iter()
            .find(|field| field.object_type == "vulnerability")
        {
            match Cve::parse(&field.value) {
                Ok(cve) => imported.push(ItemRow {
                    id,
                    kind: "vulnerability",
                    ioc_type: None,
                    value: None,
                    cve: Some(cve.as_str().to_owned()),
                    technique: None,
                    text: comment,
                    tlp,
                }),
                Err(invalid) => imported.diagnostics.push(format!("{path}: {invalid}")),
            }
            continue;
        }
        let found = observable
            .fields
            .iter()
            .find_map(|field| ioc_from(field.object_type, field.property, &field.value));
        let Some((ioc_type, value)) = found else {
            imported.diagnostics.push(format!(
                "{path}: `{}` maps to no observable kyoyu carries",
                attribute.attribute_type
            ));
            continue;
        };
        let names: Vec<&str> = observable
            .fields
            .iter()
            .filter(|field| field.object_type == "file" && field.property == "name")
            .map(|field| field.value.as_str())
            .collect();
        let text = match (comment, names.first()) {
            (Some(comment), Some(name)) => Some(format!("{comment} (file name {name})")),
            (None, Some(name)) => Some(format!("file name {name}")),
            (comment, None) => comment,
        };
        imported.push(ItemRow {
            id,
            kind: "ioc",
            ioc_type: Some(ioc_type.to_owned()),
            value: Some(value),
            cve: None,
            technique: None,
            text,
            tlp,
        });
    }
    for (index, pattern) in event.attack_patterns().into_iter().enumerate() {
        match AttackTechnique::parse(&pattern.technique_id) {
            Ok(technique) => imported.push(ItemRow {
                id: format!("misp-ttp-{}", technique.as_str().to_lowercase()),
                kind: "ttp",
                ioc_type: None,
                value: None,
                cve: None,
                technique: Some(technique.as_str().to_owned()),
                text: Some(pattern.name.clone()),
                tlp: event.tlp().map(|tlp| tlp.as_str()),
            }),
            Err(invalid) => imported
                .diagnostics
                .push(format!("Event.Tag (ATT&CK {index}): {invalid}")),
        }
    }
    imported
}

fn stix_row(
    id: &str,
    kind: &'static str,
    text: Option<String>,
    tlp: Option<&'static str>,
) -> ItemRow {
    let short: String = id
        .rsplit("--")
        .next()
        .unwrap_or(id)
        .chars()
        .take(8)
        .collect();
    ItemRow {
        id: format!("stix-{short}"),
        kind,
        ioc_type: None,
        value: None,
        cve: None,
        technique: None,
        text,
        tlp,
    }
}

/// The items of one STIX object: indicators by the observables of their STIX pattern,
/// attack-patterns by their ATT&CK reference, vulnerabilities by their CVE, and the SCOs
/// kyoyu carries. Read from the typed object as the bundle reader produced it: no second
/// serialization, and the TLP through the one conversion of STIX markings into the model.
fn items_from_stix_object(
    object: &StixObject,
    definitions: &HashMap<String, Option<TlpLevel>>,
    imported: &mut ImportedItems,
    path: &str,
) {
    let id = object.id.as_str();
    // The same rule as a collection's admission: the strictest of every marking, object-level
    // and granular, official or defined earlier in the bundle; a marking nobody can interpret
    // makes the item TLP:RED (an incident has no ceiling to fall back on).
    let markings = kyoyu_stix::object_tlp(object, |id| definitions.get(id).copied());
    let tlp = if markings.not_understood {
        Some(kyoyu_model::Tlp::Red)
    } else {
        markings.strictest
    }
    .map(kyoyu_model::Tlp::as_str);
    // The first reference from `source` decides, even when it carries no external id.
    let external = |source: &str| {
        object
            .common
            .external_references()?
            .iter()
            .find(|reference| reference.source_name == source)
            .and_then(|reference| reference.external_id.as_deref().map(str::to_owned))
    };
    let text = |description: &Option<Text>, name: &Option<Text>| {
        description
            .as_deref()
            .or(name.as_deref())
            .map(str::to_owned)
    };
    match &object.body {
        ObjectBody::Indicator(indicator) if indicator.pattern_type.as_deref() == Some("stix") => {
            let Some(pattern) = indicator.pattern.as_deref() else {
                return;
            };
            let text = text(&indicator.description, &indicator.name);
            let parsed = match kyoyu_stix::Pattern::parse(pattern) {
                Ok(parsed) => parsed,
                Err(error) => {
                    imported
                        .diagnostics
                        .push(format!("{path} ({id}): pattern: {error}"));
                    return;
                }
            };
            for (index, observable) in parsed.observables().into_iter().enumerate() {
                let kyoyu_stix::pattern::Literal::Str(value) = &observable.value else {
                    continue;
                };
                let Some((ioc_type, value)) =
                    ioc_from(&observable.object_type, &observable.path, value)
                else {
                    imported.diagnostics.push(format!(
                        "{path} ({id}): `{}:{}` maps to no observable kyoyu carries",
                        observable.object_type, observable.path
                    ));
                    continue;
                };
                let mut row = stix_row(id, "ioc", text.clone(), tlp);
                if index > 0 {
                    row.id = format!("{}-{index}", row.id);
                }
                row.ioc_type = Some(ioc_type.to_owned());
                row.value = Some(value);
                imported.push(row);
            }
        }
        ObjectBody::AttackPattern(pattern) => {
            match external("mitre-attack").map(|technique| AttackTechnique::parse(&technique)) {
                Some(Ok(technique)) => {
                    let name = pattern.name.as_deref().map(str::to_owned);
                    let mut row = stix_row(id, "ttp", name, tlp);
                    row.technique = Some(technique.as_str().to_owned());
                    imported.push(row);
                }
                Some(Err(invalid)) => imported
                    .diagnostics
                    .push(format!("{path} ({id}): {invalid}")),
                None => {
                    if let Some(text) = text(&pattern.description, &pattern.name) {
                        imported.push(stix_row(id, "ttp", Some(text), tlp));
                    }
                }
            }
        }
        ObjectBody::Vulnerability(vulnerability) => {
            match external("cve").map(|cve| Cve::parse(&cve)) {
                Some(Ok(cve)) => {
                    let text = text(&vulnerability.description, &vulnerability.name);
                    let mut row = stix_row(id, "vulnerability", text, tlp);
                    row.cve = Some(cve.as_str().to_owned());
                    imported.push(row);
                }
                Some(Err(invalid)) => imported
                    .diagnostics
                    .push(format!("{path} ({id}): {invalid}")),
                None => {
                    if let Some(name) = &vulnerability.name {
                        imported.push(stix_row(
                            id,
                            "vulnerability",
                            Some(format!("vulnerability {name}")),
                            tlp,
                        ));
                    }
                }
            }
        }
        ObjectBody::DomainName(sco) => sco_row(id, "domain-name", &sco.value, tlp, imported),
        ObjectBody::Ipv4Addr(sco) => sco_row(id, "ipv4-addr", &sco.value, tlp, imported),
        ObjectBody::Ipv6Addr(sco) => sco_row(id, "ipv6-addr", &sco.value, tlp, imported),
        ObjectBody::Url(sco) => sco_row(id, "url", &sco.value, tlp, imported),
        ObjectBody::EmailAddr(sco) => sco_row(id, "email-addr", &sco.value, tlp, imported),
        _ => {}
    }
}

/// An SCO kyoyu carries as an IoC of the same type, when it has a value.
fn sco_row(
    id: &str,
    ioc_type: &'static str,
    value: &Option<Text>,
    tlp: Option<&'static str>,
    imported: &mut ImportedItems,
) {
    if let Some(value) = value {
        let mut row = stix_row(id, "ioc", None, tlp);
        row.ioc_type = Some(ioc_type.to_owned());
        row.value = Some(value.to_string());
        imported.push(row);
    }
}

/// The items of a STIX 2.1 bundle, read as a stream (one object at a time).
pub fn items_from_stix(
    reader: impl std::io::Read,
    file: &str,
    imported: ImportedItems,
) -> Result<ImportedItems, ImportError> {
    items_from_stix_limited(reader, file, imported, ImportLimits::default())
}

fn items_from_stix_limited(
    reader: impl std::io::Read,
    file: &str,
    mut imported: ImportedItems,
    limits: ImportLimits,
) -> Result<ImportedItems, ImportError> {
    let mut index = 0usize;
    // Marking definitions seen so far (producers write them before the objects they mark).
    let mut definitions: HashMap<String, Option<TlpLevel>> = HashMap::new();
    let report = kyoyu_stix::import_bundle_limited(reader, limits, |object| {
        if object.object_type == "marking-definition"
            && TlpLevel::of_id(object.id.as_str()).is_none()
        {
            definitions.insert(
                object.id.as_str().to_owned(),
                TlpLevel::of_marking_content(&object),
            );
        }
        items_from_stix_object(
            &object,
            &definitions,
            &mut imported,
            &format!("objects[{index}]"),
        );
        index += 1;
    })
    .map_err(|error| match error {
        kyoyu_stix::ImportError::TooManyObjects { limit } => ImportError::TooLarge {
            file: file.to_owned(),
            limit,
        },
        error => ImportError::Format {
            file: file.to_owned(),
            message: format!("not a STIX 2.1 bundle ({error})"),
        },
    })?;
    let mut imported = with_file_diagnostics(file, &report.diagnostics, imported);
    imported.diagnostics_dropped += report.diagnostics_dropped;
    Ok(imported)
}

/// The format's own diagnostics first, then the conversion's, each prefixed with the file.
fn with_file_diagnostics(
    file: &str,
    format_diagnostics: &[impl std::fmt::Display],
    mut imported: ImportedItems,
) -> ImportedItems {
    let conversion = std::mem::take(&mut imported.diagnostics);
    imported.diagnostics = format_diagnostics
        .iter()
        .map(|diagnostic| diagnostic.to_string())
        .chain(conversion)
        .map(|line| format!("{file}: {line}"))
        .collect();
    imported
}

/// Reads a MISP event or a STIX 2.1 bundle (told apart by their opening) into items.
pub fn import_file(path: &Path, imported: ImportedItems) -> Result<ImportedItems, ImportError> {
    let file = path.display().to_string();
    let reader = std::io::BufReader::with_capacity(
        1 << 16,
        std::fs::File::open(path).map_err(|error| ImportError::Read {
            file: file.clone(),
            error,
        })?,
    );
    import_reader(reader, &file, imported)
}

/// Reads a MISP event or a STIX 2.1 bundle from any buffered reader (a file, a request body);
/// `file` names it in diagnostics.
pub fn import_reader(
    reader: impl std::io::BufRead,
    file: &str,
    imported: ImportedItems,
) -> Result<ImportedItems, ImportError> {
    import_reader_limited(reader, file, imported, ImportLimits::default())
}

/// [`import_reader`] within `limits` (for untrusted input such as a request body): at most
/// `max_objects` objects or attributes, at most `max_diagnostics` diagnostics kept (the rest
/// counted in [`ImportedItems::diagnostics_dropped`]).
pub fn import_reader_limited(
    mut reader: impl std::io::BufRead,
    file: &str,
    imported: ImportedItems,
    limits: ImportLimits,
) -> Result<ImportedItems, ImportError> {
    let file = file.to_owned();
    let read_error = |error| ImportError::Read {
        file: file.clone(),
        error,
    };
    // A bundle is streamed from the file (any size, bounded memory); a MISP event is one
    // document and is read whole.
    let head = String::from_utf8_lossy(reader.fill_buf().map_err(read_error)?).into_owned();
    // A bundle, or an array of `objects` without a MISP `Event` (a bundle missing its `type`,
    // or a TAXII envelope): STIX.
    let stix = head.contains("\"bundle\"") || head.contains("\"objects\"");
    if stix && !head.contains("\"Event\"") {
        return items_from_stix_limited(reader, &file, imported, limits);
    }
    let mut text = String::new();
    reader.read_to_string(&mut text).map_err(read_error)?;
    let event = kyoyu_misp::import_event(&text).map_err(|error| {
        let mut message = error.to_string();
        if message.len() > 1024 {
            // An error about a huge document quotes it; a sentence is enough.
            let mut end = 1024;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push('…');
        }
        ImportError::Format {
            file: file.clone(),
            message: format!("neither a STIX 2.1 bundle nor a MISP event ({message})"),
        }
    })?;
    if event.event.all_attributes().count() > limits.max_objects {
        return Err(ImportError::TooLarge {
            file,
            limit: limits.max_objects,
        });
    }
    let mut imported = items_from_misp(&event.event, imported);
    imported = with_file_diagnostics(&file, &event.diagnostics, imported);
    if imported.diagnostics.len() > limits.max_diagnostics {
        imported.diagnostics_dropped += imported.diagnostics.len() - limits.max_diagnostics;
        imported.diagnostics.truncate(limits.max_diagnostics);
    }
    Ok(imported)
}

/// The items as `[[items]]` tables of the incident file.
pub fn items_toml(items: &[ItemRow]) -> String {
    #[derive(Serialize)]
    struct Items<'a> {
        items: &'a [ItemRow],
    }
    toml::to_string(&Items { items }).unwrap_or_default()
}

/// Appends items to a TOML incident file, only if the result still parses and checks.
pub fn append_to_incident(incident_file: &Path, items: &[ItemRow]) -> Result<(), ImportError> {
    let file = incident_file.display().to_string();
    let text = std::fs::read_to_string(incident_file).map_err(|error| ImportError::Read {
        file: file.clone(),
        error,
    })?;
    if kyoyu_incident::Format::from_path(incident_file) != Some(kyoyu_incident::Format::Toml) {
        return Err(ImportError::Format {
            file,
            message: "items can be added to a .toml incident file only".to_owned(),
        });
    }
    let combined = format!(
        "{}\n# Imported by kyoyu import\n{}",
        text.trim_end(),
        items_toml(items)
    );
    kyoyu_incident::parse(&combined, kyoyu_incident::Format::Toml, &file)?;
    let temporary = incident_file.with_extension("kyoyu-partial");
    std::fs::write(&temporary, &combined).map_err(|error| ImportError::Read {
        file: temporary.display().to_string(),
        error,
    })?;
    std::fs::rename(&temporary, incident_file)
        .map_err(|error| ImportError::Read { file, error })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows as `(id, kind, type, value / technique / cve, text, tlp)`, and the diagnostics.
    fn read(bundle: &str) -> (Vec<[Option<String>; 6]>, Vec<String>) {
        let imported = items_from_stix(bundle.as_bytes(), "b.json", ImportedItems::default())
            .expect("a bundle");
        let rows = imported
            .items
            .into_iter()
            .map(|row| {
                [
                    Some(row.id),
                    Some(row.kind.to_owned()),
                    row.ioc_type,
                    row.value.or(row.technique).or(row.cve),
                    row.text,
                    row.tlp.map(str::to_owned),
                ]
            })
            .collect();
        (rows, imported.diagnostics)
    }

    fn row(fields: [&str; 6]) -> [Option<String>; 6] {
        fields.map(|field| (!field.is_empty()).then(|| field.to_owned()))
    }

    // The cases where reading the typed object could differ from reading its JSON: TLP 1.0
    // WHITE is CLEAR, the strictest official marking wins and a marking nobody can interpret
    // makes the item RED (the admission's rule: never read an unknown marking as loose), the
    // description goes before the name, the first reference from a source decides, properties
    // written before `type`, and an explicit `null` is no value.
    #[test]
    fn stix_objects_become_items_from_their_typed_properties() {
        let (rows, diagnostics) = read(
            r#"{"type":"bundle","id":"bundle--6b1e1a7e-1c4f-4b8e-9f0a-2c3d4e5f6a7b","objects":[
{"type":"indicator","id":"indicator--11111111-1111-4111-8111-111111111111","name":"n","description":"d","pattern":"[domain-name:value = 'a.example.org'] OR [file:name = 'x.exe'] OR [ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]},
{"type":"indicator","id":"indicator--22222222-1111-4111-8111-111111111111","name":"only a name","pattern":"[email-addr:value = 'a@b.example']","pattern_type":"stix","object_marking_refs":["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","marking-definition--00000000-0000-4000-8000-000000000000"]},
{"pattern":"[url:value = 'http://before-type.example/']","description":null,"name":"nm","type":"indicator","id":"indicator--33333333-1111-4111-8111-111111111111","pattern_type":"stix"},
{"type":"indicator","id":"indicator--44444444-1111-4111-8111-111111111111","pattern":"rule x {}","pattern_type":"yara"},
{"type":"attack-pattern","id":"attack-pattern--11111111-1111-4111-8111-111111111111","name":"Phishing","description":"d","external_references":[{"source_name":"capec","external_id":"CAPEC-98"},{"source_name":"mitre-attack","external_id":"T1566.001"}],"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
{"type":"attack-pattern","id":"attack-pattern--22222222-1111-4111-8111-111111111111","name":"first reference has no id","external_references":[{"source_name":"mitre-attack","url":"https://attack.example"},{"source_name":"mitre-attack","external_id":"T1001"}]},
{"type":"attack-pattern","id":"attack-pattern--33333333-1111-4111-8111-111111111111","name":"Bad","external_references":[{"source_name":"mitre-attack","external_id":"X9"}]},
{"type":"vulnerability","id":"vulnerability--11111111-1111-4111-8111-111111111111","name":"N","description":"D","external_references":[{"source_name":"cve","external_id":"CVE-2023-0001"}],"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]},
{"type":"vulnerability","id":"vulnerability--22222222-1111-4111-8111-111111111111","name":"Heartbleed"},
{"type":"domain-name","id":"domain-name--11111111-1111-4111-8111-111111111111","value":"d.example","object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]},
{"type":"ipv6-addr","id":"ipv6-addr--11111111-1111-4111-8111-111111111111","value":"2001:db8::2"},
{"type":"email-addr","id":"email-addr--22222222-1111-4111-8111-111111111111"},
{"type":"x-custom","id":"x-custom--11111111-1111-4111-8111-111111111111","value":"v","name":"n"}
]}"#,
        );
        let expected = [
            [
                "stix-11111111",
                "ioc",
                "domain-name",
                "a.example.org",
                "d",
                "clear",
            ],
            [
                "stix-11111111-2",
                "ioc",
                "ipv4-addr",
                "198.51.100.7",
                "d",
                "clear",
            ],
            [
                "stix-22222222",
                "ioc",
                "email-addr",
                "a@b.example",
                "only a name",
                "red",
            ],
            [
                "stix-33333333",
                "ioc",
                "url",
                "http://before-type.example/",
                "nm",
                "",
            ],
            ["stix-11111111", "ttp", "", "T1566.001", "Phishing", "amber"],
            [
                "stix-22222222",
                "ttp",
                "",
                "",
                "first reference has no id",
                "",
            ],
            [
                "stix-11111111",
                "vulnerability",
                "",
                "CVE-2023-0001",
                "D",
                "red",
            ],
            [
                "stix-22222222",
                "vulnerability",
                "",
                "",
                "vulnerability Heartbleed",
                "",
            ],
            [
                "stix-11111111",
                "ioc",
                "domain-name",
                "d.example",
                "",
                "amber",
            ],
            ["stix-11111111", "ioc", "ipv6-addr", "2001:db8::2", "", ""],
        ];
        assert_eq!(rows, expected.map(row));
        assert_eq!(
            diagnostics,
            [
                "b.json: objects[0] (indicator--11111111-1111-4111-8111-111111111111): `file:name` maps to no observable kyoyu carries",
                "b.json: objects[6] (attack-pattern--33333333-1111-4111-8111-111111111111): `X9` is not a MITRE ATT&CK technique id; expected the form T1190 or T1566.001",
            ]
        );
    }
}
