//! `kyoyu import`: items from the community's formats — MISP events and STIX 2.1 bundles — as
//! incident-file items.
//!
//! Key decision: imported information becomes ordinary `[[items]]` of the incident file, so it
//! passes through the same assessment and egress gate as the organization's own; nothing is
//! written unless the incident with the new items still parses and checks (unique ids), and the
//! file is replaced atomically.

use std::net::IpAddr;
use std::path::Path;

use kyoyu_misp::{AttributeKind, Event};
use kyoyu_model::{AttackTechnique, Cve, IocType};
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
    /// One line per element left out, `path: why`.
    pub diagnostics: Vec<String>,
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

    fn push(&mut self, row: ItemRow) {
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
    /// Unreadable file.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// Not a MISP event.
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong, with the position where the format gives one.
        message: String,
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

fn tlp_of(object: &serde_json::Value) -> Option<&'static str> {
    object["object_marking_refs"]
        .as_array()?
        .iter()
        .filter_map(|marking| marking.as_str())
        .filter_map(|id| kyoyu_stix::TlpLevel::of_id(id).map(|(level, _)| level))
        .filter_map(|level| {
            let word = match format!("{level:?}").to_lowercase().as_str() {
                "white" => "clear".to_owned(),
                "amberstrict" => "amber+strict".to_owned(),
                other => other.to_owned(),
            };
            word.parse::<kyoyu_model::Tlp>().ok()
        })
        .max()
        .map(kyoyu_model::Tlp::as_str)
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
/// kyoyu carries.
fn items_from_stix_object(object: &serde_json::Value, imported: &mut ImportedItems, path: &str) {
    let object_type = object["type"].as_str().unwrap_or_default();
    let id = object["id"].as_str().unwrap_or_default();
    let tlp = tlp_of(object);
    let text = object["description"]
        .as_str()
        .or_else(|| object["name"].as_str())
        .map(str::to_owned);
    let external = |source: &str| {
        object["external_references"]
            .as_array()
            .and_then(|references| {
                references
                    .iter()
                    .find(|reference| reference["source_name"].as_str() == Some(source))
                    .and_then(|reference| reference["external_id"].as_str().map(str::to_owned))
            })
    };
    match object_type {
        "indicator" if object["pattern_type"].as_str() == Some("stix") => {
            let Some(pattern) = object["pattern"].as_str() else {
                return;
            };
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
        "attack-pattern" => match external("mitre-attack")
            .map(|technique| AttackTechnique::parse(&technique))
        {
            Some(Ok(technique)) => {
                let mut row = stix_row(id, "ttp", object["name"].as_str().map(str::to_owned), tlp);
                row.technique = Some(technique.as_str().to_owned());
                imported.push(row);
            }
            Some(Err(invalid)) => imported
                .diagnostics
                .push(format!("{path} ({id}): {invalid}")),
            None => {
                if text.is_some() {
                    imported.push(stix_row(id, "ttp", text, tlp));
                }
            }
        },
        "vulnerability" => match external("cve").map(|cve| Cve::parse(&cve)) {
            Some(Ok(cve)) => {
                let mut row = stix_row(id, "vulnerability", text, tlp);
                row.cve = Some(cve.as_str().to_owned());
                imported.push(row);
            }
            Some(Err(invalid)) => imported
                .diagnostics
                .push(format!("{path} ({id}): {invalid}")),
            None => {
                if let Some(name) = object["name"].as_str() {
                    imported.push(stix_row(
                        id,
                        "vulnerability",
                        Some(format!("vulnerability {name}")),
                        tlp,
                    ));
                }
            }
        },
        "domain-name" | "ipv4-addr" | "ipv6-addr" | "url" | "email-addr" => {
            if let Some(value) = object["value"].as_str() {
                let mut row = stix_row(id, "ioc", None, tlp);
                row.ioc_type = Some(object_type.to_owned());
                row.value = Some(value.to_owned());
                imported.push(row);
            }
        }
        _ => {}
    }
}

/// The items of a STIX 2.1 bundle, read as a stream (one object at a time).
pub fn items_from_stix(
    reader: impl std::io::Read,
    file: &str,
    mut imported: ImportedItems,
) -> Result<ImportedItems, ImportError> {
    let mut index = 0usize;
    let report = kyoyu_stix::import_bundle(reader, |object| {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&object.to_json()) {
            items_from_stix_object(&value, &mut imported, &format!("objects[{index}]"));
        }
        index += 1;
    })
    .map_err(|error| ImportError::Format {
        file: file.to_owned(),
        message: format!("not a STIX 2.1 bundle ({error})"),
    })?;
    Ok(with_file_diagnostics(file, &report.diagnostics, imported))
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
        std::fs::File::open(path).map_err(|source| ImportError::Read {
            file: file.clone(),
            source,
        })?,
    );
    import_reader(reader, &file, imported)
}

/// Reads a MISP event or a STIX 2.1 bundle from any buffered reader (a file, a request body);
/// `file` names it in diagnostics.
pub fn import_reader(
    mut reader: impl std::io::BufRead,
    file: &str,
    imported: ImportedItems,
) -> Result<ImportedItems, ImportError> {
    let file = file.to_owned();
    let read_error = |source| ImportError::Read {
        file: file.clone(),
        source,
    };
    // A bundle is streamed from the file (any size, bounded memory); a MISP event is one
    // document and is read whole.
    let head = String::from_utf8_lossy(reader.fill_buf().map_err(read_error)?).into_owned();
    if head.contains("\"bundle\"") && !head.contains("\"Event\"") {
        return items_from_stix(reader, &file, imported);
    }
    let mut text = String::new();
    reader.read_to_string(&mut text).map_err(read_error)?;
    let event = kyoyu_misp::import_event(&text).map_err(|error| ImportError::Format {
        file: file.clone(),
        message: format!("neither a STIX 2.1 bundle nor a MISP event ({error})"),
    })?;
    let imported = items_from_misp(&event.event, imported);
    Ok(with_file_diagnostics(&file, &event.diagnostics, imported))
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
    let text = std::fs::read_to_string(incident_file).map_err(|source| ImportError::Read {
        file: file.clone(),
        source,
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
    std::fs::write(&temporary, &combined).map_err(|source| ImportError::Read {
        file: temporary.display().to_string(),
        source,
    })?;
    std::fs::rename(&temporary, incident_file)
        .map_err(|source| ImportError::Read { file, source })?;
    Ok(())
}
