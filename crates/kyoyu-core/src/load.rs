//! Loading an incident file from disk: read, parse, and check that every sample path exists.
//!
//! Key decision: a sample path that does not exist is an input error (exit status 2) naming the
//! file and the field, not a silently skipped item — a sample that cannot be checked for the
//! victim's identifiers (G6) must not look as if it had been.

use std::path::{Path, PathBuf};

use kyoyu_incident::{FileError, FileWarning, Format};
use kyoyu_model::{Incident, ItemBody};

/// An incident read from a file.
#[derive(Debug)]
pub struct Loaded {
    /// The incident.
    pub incident: Incident,
    /// Non-fatal remarks (unknown sector names…).
    pub warnings: Vec<FileWarning>,
    /// The directory sample paths are relative to.
    pub base: PathBuf,
}

/// Why an incident file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{file}: cannot read the incident file: {source}")]
    Read {
        /// The file.
        file: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file's extension names no supported format.
    #[error("{file}: unknown incident file format; expected a .toml or .json file")]
    Format {
        /// The file.
        file: String,
    },
    /// The content is invalid.
    #[error(transparent)]
    Invalid(#[from] FileError),
}

/// Reads and checks an incident file.
pub fn load_incident(path: &Path) -> Result<Loaded, LoadError> {
    let file = path.display().to_string();
    let format = Format::from_path(path).ok_or_else(|| LoadError::Format { file: file.clone() })?;
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        file: file.clone(),
        source,
    })?;
    let parsed = kyoyu_incident::parse(&text, format, &file)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    for (index, item) in parsed.incident.items.iter().enumerate() {
        if let ItemBody::Ioc {
            path: Some(sample), ..
        } = &item.body
        {
            let resolved = base.join(sample);
            if !resolved.is_file() {
                let field = format!("items[{index}].path");
                let position = kyoyu_incident::locate_field(&text, format, &field);
                return Err(FileError::new(
                    file,
                    Some(field),
                    format!(
                        "the sample `{sample}` of item `{}` does not exist (looked for {})",
                        item.id,
                        resolved.display()
                    ),
                )
                .at(position)
                .into());
            }
        }
    }
    Ok(Loaded {
        incident: parsed.incident,
        warnings: parsed.warnings,
        base,
    })
}
