//! The `scan` and `redact` use cases: check files and directories against an identity profile
//! before anything leaves (G6), and write redacted copies of text.
//!
//! Key decision: the walk over the paths happens here, file by file, so the caller can show
//! progress by bytes and every unreadable file is reported with its path instead of stopping the
//! scan; the scanner itself streams each file in bounded memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use kyoyu_incident::{FileError, Format};
use kyoyu_model::IdentityProfile;
use kyoyu_scan::{Match, ScanError, Scanner, Sink};

/// One match with the bytes around it, for people and machines.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanMatch {
    /// The file, or `archive.zip!inner/path`.
    pub source: String,
    /// Byte offset within it.
    pub offset: u64,
    /// The profile identifier found.
    pub identifier: String,
    /// The profile category (`domain`, `name`…).
    pub category: &'static str,
    /// The form it was found in (`ascii`, `utf-16le`, `base64`…).
    pub encoding: String,
    /// The matched bytes, readable.
    pub matched: String,
    /// The length of the match in bytes.
    pub length: u64,
    /// Up to 16 bytes before and after, as hex (plain files only).
    pub excerpt_hex: String,
    /// The same bytes as ASCII, `.` for the rest.
    pub excerpt_ascii: String,
}

/// What a scan found.
#[derive(Debug, Default, serde::Serialize)]
pub struct ScanReport {
    /// Every match.
    pub matches: Vec<ScanMatch>,
    /// Files and archive entries that could not be read, with why.
    pub errors: Vec<String>,
    /// Bytes scanned.
    pub bytes: u64,
    /// Files and archive entries scanned.
    pub inputs: u64,
}

/// Reads an identity profile: a profile file, or the `[organization]` of an incident file.
pub fn load_profile(path: &Path, from_incident: bool) -> Result<IdentityProfile, crate::LoadError> {
    if from_incident {
        return Ok(crate::load_incident(path)?.incident.organization);
    }
    let file = path.display().to_string();
    let format =
        Format::from_path(path).ok_or_else(|| crate::LoadError::Format { file: file.clone() })?;
    let text = std::fs::read_to_string(path).map_err(|error| crate::LoadError::Read {
        file: file.clone(),
        error,
    })?;
    Ok(kyoyu_incident::parse_profile(&text, format, &file)?)
}

/// Builds the scanner for a profile; a profile that lists nothing is an error here, since
/// scanning with it would call every file clean.
pub fn scanner(
    profile: &IdentityProfile,
    deep_xor: bool,
    file: &Path,
) -> Result<Scanner, FileError> {
    match crate::checks::scanner_for(profile, deep_xor) {
        Ok(Some(scanner)) => Ok(scanner),
        Ok(None) => Err(FileError::new(
            file.display().to_string(),
            Some("organization".to_owned()),
            kyoyu_model::Localized::new(
                "組織の特定情報に、探すものが 1 つもありません",
                "the identity profile lists nothing to look for",
            ),
        )),
        Err(error) => Err(FileError::new(
            file.display().to_string(),
            Some("organization".to_owned()),
            kyoyu_model::Localized::new(error.to_string(), error.to_string()),
        )),
    }
}

/// Every file under the paths (directories recursively, in name order), with its size.
pub fn files(paths: &[PathBuf]) -> (Vec<(PathBuf, u64)>, Vec<String>) {
    fn walk(path: &Path, files: &mut Vec<(PathBuf, u64)>, errors: &mut Vec<String>) {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> = entries
                        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                        .collect();
                    children.sort();
                    for child in children {
                        walk(&child, files, errors);
                    }
                }
                Err(error) => errors.push(format!("{}: {error}", path.display())),
            },
            Ok(metadata) => files.push((path.to_path_buf(), metadata.len())),
            Err(error) => errors.push(format!("{}: {error}", path.display())),
        }
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        walk(path, &mut files, &mut errors);
    }
    (files, errors)
}

fn excerpt(path: &Path, offset: u64, length: usize) -> Option<Vec<u8>> {
    let mut file = File::open(path).ok()?;
    let start = offset.saturating_sub(16);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut buffer = vec![0; (offset - start) as usize + length + 16];
    let read = file.read(&mut buffer).ok()?;
    buffer.truncate(read);
    Some(buffer)
}

struct Collect<'a> {
    report: &'a mut ScanReport,
    file: &'a Path,
}

impl Sink for Collect<'_> {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        let plain_file = found.source == self.file.display().to_string();
        let context = if plain_file {
            excerpt(self.file, found.offset, found.bytes.len())
        } else {
            None
        };
        let bytes = context.as_deref().unwrap_or(found.bytes);
        self.report.matches.push(ScanMatch {
            source: found.source.to_owned(),
            offset: found.offset,
            identifier: found.identifier.to_owned(),
            category: found.category.as_str(),
            encoding: found.form.to_string(),
            matched: crate::checks::readable(found.form, found.bytes),
            length: found.bytes.len() as u64,
            excerpt_hex: bytes
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
            excerpt_ascii: bytes
                .iter()
                .map(|byte| {
                    if byte.is_ascii_graphic() || *byte == b' ' {
                        *byte as char
                    } else {
                        '.'
                    }
                })
                .collect(),
        });
        true
    }

    fn error(&mut self, error: &ScanError) -> bool {
        self.report.errors.push(error.to_string());
        true
    }
}

/// Scans files one by one, calling `progress` with the bytes done after each.
pub fn scan_files(
    scanner: &Scanner,
    files: &[(PathBuf, u64)],
    mut progress: impl FnMut(u64),
) -> ScanReport {
    let mut report = ScanReport::default();
    for (path, size) in files {
        let mut sink = Collect {
            report: &mut report,
            file: path,
        };
        match scanner.scan_path(path, &mut sink) {
            Ok(summary) => {
                report.bytes += summary.bytes;
                report.inputs += summary.inputs;
            }
            Err(error) => report.errors.push(error.to_string()),
        }
        progress(*size);
    }
    let places: Vec<(&str, u64, u64)> = report
        .matches
        .iter()
        .map(|found| {
            (
                found.source.as_str(),
                found.offset,
                found.offset + found.length,
            )
        })
        .collect();
    let keep = crate::checks::outermost(&places);
    let mut keep = keep.into_iter();
    report.matches.retain(|_| keep.next().unwrap_or(true));
    report
}
