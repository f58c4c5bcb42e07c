//! Loading an incident file from disk: read, parse, and check that every sample path exists.
//!
//! Key decision: a sample path that does not exist is an input error (exit status 2) naming the
//! file and the field, not a silently skipped item — a sample that cannot be checked for the
//! victim's identifiers (G6) must not look as if it had been.

use std::path::{Path, PathBuf};

use kyoyu_incident::{FileError, FileWarning, Format};
use kyoyu_model::{Incident, ItemBody, Lang, Localized};

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
    /// The file could not be read. (The IO error is part of the message, not a `source`, so a
    /// report of the error chain does not print it twice.)
    #[error("{file}: cannot read the incident file: {error}")]
    Read {
        /// The file.
        file: String,
        /// The IO error.
        error: std::io::Error,
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

impl LoadError {
    /// The error as one line in the reader's language (`Display` is the English one).
    pub fn render(&self, lang: Lang) -> String {
        match self {
            LoadError::Invalid(error) => error.render(lang),
            LoadError::Format { file } => match lang {
                Lang::Ja => format!(
                    "{file}: インシデントファイルの形式がわかりません。拡張子が .toml か .json のファイルを指定してください"
                ),
                Lang::En => self.to_string(),
            },
            LoadError::Read { file, error } => {
                let reason = match error.kind() {
                    std::io::ErrorKind::NotFound => Localized::new(
                        "ファイルが見つかりません。パスを確認してください（`kyoyu init` でひな形を作れます）",
                        "the file does not exist; check the path (`kyoyu init` writes a starter file)",
                    ),
                    std::io::ErrorKind::PermissionDenied => Localized::new(
                        "ファイルを読む権限がありません",
                        "no permission to read the file",
                    ),
                    std::io::ErrorKind::InvalidData => Localized::new(
                        "ファイルが UTF-8 ではありません。Shift_JIS などで保存されている場合は、UTF-8 で保存し直してください",
                        "the file is not UTF-8; if it was saved as Shift_JIS or another encoding, save it again as UTF-8",
                    ),
                    _ => Localized::new(
                        format!("ファイルを読めません（{error}）"),
                        format!("cannot read the incident file ({error})"),
                    ),
                };
                format!("{file}: {}", reason.get(lang))
            }
        }
    }
}

/// Reads and checks an incident file.
pub fn load_incident(path: &Path) -> Result<Loaded, LoadError> {
    let file = path.display().to_string();
    let format = Format::from_path(path).ok_or_else(|| LoadError::Format { file: file.clone() })?;
    let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
        file: file.clone(),
        error,
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
                    Localized::new(
                        format!(
                            "項目 `{}` の検体 `{sample}` が見つかりません（探した場所: {}）",
                            item.id,
                            resolved.display()
                        ),
                        format!(
                            "the sample `{sample}` of item `{}` does not exist (looked for {})",
                            item.id,
                            resolved.display()
                        ),
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
