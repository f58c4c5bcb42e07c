//! The incident file: TOML or JSON text in, a checked [`kyoyu_model::Incident`] out.
//!
//! The format is the public contract of `docs/incident-file.md`; this crate's README
//! describes what it adds (more facts, `knowhow`) and what its errors look like.
//!
//! Key decision: serde wire types (`wire.rs`) are kept apart from the model and converted
//! explicitly (`convert.rs`); every value is validated by the model's own constructor while serde
//! reads it, so the format's deserializer supplies the line and column, and serde_path_to_error
//! supplies the field path. Rules that need several fields run after deserialization, and a
//! second, failing walk over the text (`locate.rs`) finds their line. The crate is pure: it never
//! reads files (the caller does, and checks that sample paths exist) and never panics on input.
//!
//! ```
//! use kyoyu_incident::{Format, parse};
//!
//! let text = "[incident]\nid = \"INC-1\"\njurisdictions = [\"JP\"]\n";
//! let parsed = parse(text, Format::Toml, "incident.toml").expect("valid");
//! assert_eq!(parsed.incident.id, "INC-1");
//!
//! let error = parse("[incident]\nid = \"INC-1\"\n[facts]\npersonal_date = \"none\"\n",
//!                   Format::Toml, "incident.toml").expect_err("typo");
//! assert_eq!(error.field.as_deref(), Some("facts.personal_date"));
//! assert_eq!(error.line, Some(4));
//! ```

mod convert;
mod error;
mod humane;
mod locate;
mod path;
mod value;
mod wire;

use std::collections::BTreeMap;
use std::path::Path;

use kyoyu_model::{IdentityProfile, Incident};
use serde::de::{DeserializeOwned, IgnoredAny};

pub use error::{FileError, FileWarning};

use crate::path::FieldPath;

/// The two formats of the incident file; both describe the same model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// TOML (`.toml`), the format people edit by hand.
    Toml,
    /// JSON (`.json`), the format tools write.
    Json,
}

impl Format {
    /// The format named by the file's extension (`.toml`, `.json`, any case), or `None`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// A parsed incident and the remarks that did not stop it.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The incident, checked as a whole ([`Incident::check`] holds).
    pub incident: Incident,
    /// Allowed but suspicious content: unknown sectors, no jurisdiction, an empty profile.
    pub warnings: Vec<FileWarning>,
}

/// Parses an incident file's text. `file` is the name to show in messages.
pub fn parse(text: &str, format: Format, file: &str) -> Result<Parsed, FileError> {
    // A byte-order mark (Windows editors write one) is not part of the text.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let wire: wire::IncidentFile = deserialize(text, format, file)?;
    let (incident, remarks) = convert::incident(wire).map_err(|problem| {
        FileError::new(file, problem.path.to_field(), problem.message).at(locate::locate(
            text,
            format,
            &problem.path,
        ))
    })?;
    let warnings = remarks
        .into_iter()
        .map(|remark| FileWarning {
            file: file.to_owned(),
            field: remark.path.to_string(),
            message: remark.message,
        })
        .collect();
    Ok(Parsed { incident, warnings })
}

/// Why `text` is not an incident id (the rule of the incident file's `[incident] id`), or
/// `None` when it is one: for callers that take an id outside a file, such as a URL.
pub fn incident_id_problem(text: &str) -> Option<kyoyu_model::Localized> {
    use crate::value::FromText;
    crate::value::IncidentId::from_text(text)
        .err()
        .map(|invalid| invalid.0)
}

/// The line and column of a field, given as a path such as `items[3].path`, in an incident
/// file's text — for errors found after parsing (a sample path that does not exist), so they
/// point at the line like every other error.
pub fn locate_field(text: &str, format: Format, field: &str) -> Option<(usize, usize)> {
    locate::locate(text, format, &path::FieldPath::parse(field))
}

/// Parses a profile file: the identifiers of the contract's `[organization]` table, either under
/// an `[organization]` table (a TOML file can be copied from an incident file) or as bare keys at
/// the top level (`names = […]`, or a JSON object `{"names": […]}`); not both.
///
/// A profile that lists nothing is an error: scanning with it would report every file clean.
pub fn parse_profile(text: &str, format: Format, file: &str) -> Result<IdentityProfile, FileError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    // A first, cheap pass over the top-level keys decides which of the two shapes this is; it
    // also reports syntax errors, with their position, like any other pass.
    let keys: BTreeMap<String, IgnoredAny> = deserialize(text, format, file)?;
    let (table, field) = if keys.contains_key("organization") {
        let wrapped: wire::ProfileFile = deserialize(text, format, file)?;
        (wrapped.organization, Some("organization".to_owned()))
    } else {
        (deserialize(text, format, file)?, None)
    };
    let profile = convert::profile(table);
    if profile.is_empty() {
        return Err(FileError::new(
            file,
            field,
            kyoyu_model::Localized::new(
                "組織の特定情報が 1 つもありません。names、domains、email_domains、ip_ranges、hostnames、accounts、people のいずれかを書いてください",
                "the profile lists no identifier; give at least one of names, domains, email_domains, ip_ranges, hostnames, accounts, people",
            ),
        ));
    }
    Ok(profile)
}

/// Deserializes with path tracking, turning either format's error into a [`FileError`].
fn deserialize<T: DeserializeOwned>(
    text: &str,
    format: Format,
    file: &str,
) -> Result<T, FileError> {
    match format {
        Format::Toml => {
            let position_of = |inner: &toml::de::Error| {
                inner
                    .span()
                    .map(|span| error::line_column(text, span.start))
            };
            // toml 0.9 parses the document first (syntax errors), then deserializes.
            let deserializer = toml::Deserializer::parse(text).map_err(|inner| {
                let (message, position) =
                    humane::syntax(&tidy(inner.message()), text, position_of(&inner));
                let field = position.and_then(|(line, _)| humane::toml_field(text, line));
                FileError::new(file, field, message).at(position)
            })?;
            serde_path_to_error::deserialize(deserializer).map_err(|error| {
                let field = FieldPath::from_tracked(error.path()).to_field();
                let inner = error.into_inner();
                let message = humane::structural(&tidy(inner.message()));
                FileError::new(file, field, message).at(position_of(&inner))
            })
        }
        Format::Json => {
            let json_error = |field: Option<String>, error: serde_json::Error| {
                let position = error::json_position(text, error.line(), error.column());
                let full = error.to_string();
                let suffix = format!(" at line {} column {}", error.line(), error.column());
                let raw = tidy(full.strip_suffix(&suffix).unwrap_or(&full));
                let (message, position) = if error.is_data() {
                    (humane::structural(&raw), position)
                } else {
                    humane::syntax(&raw, text, position)
                };
                FileError::new(file, field, message).at(position)
            };
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
                let field = FieldPath::from_tracked(error.path()).to_field();
                json_error(field, error.into_inner())
            })?;
            deserializer
                .end()
                .map_err(|error| json_error(None, error))?;
            Ok(value)
        }
    }
}

/// Puts a multi-line parser message on one line, so every error is one line of output.
fn tidy(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
