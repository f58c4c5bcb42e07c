//! The `scan` and `redact` use cases: check files and directories against an identity profile
//! before anything leaves (G6), and write redacted copies of text.
//!
//! Key decision: the walk over the paths happens here, file by file, so the caller can show
//! progress by bytes and every unreadable file is reported with its path instead of stopping the
//! scan; the scanner itself streams each file in bounded memory. A match in text (see
//! `kyoyu_scan::TextEncoding::detect`: no NUL and valid UTF-8, Shift_JIS or EUC-JP in the first
//! block) is placed by line and column, one in binary by byte offset — printed `path:LINE:COLUMN`
//! and `path@0xOFFSET`; the findings of each scanned path are sorted by source, then position.
//! A redaction run numbers its placeholders with one table, written to a map file only on
//! request and never into the redacted text.

use std::path::{Path, PathBuf};

use kyoyu_incident::{FileError, Format};
use kyoyu_model::IdentityProfile;
use kyoyu_scan::{Change, Match, Placeholders, ScanError, Scanner, Sink, TextEncoding};

/// One match with the bytes around it, for people and machines.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanMatch {
    /// The file, or `archive.zip!inner/path`.
    pub source: String,
    /// Byte offset within it (for archive entries: within the decompressed entry).
    pub offset: u64,
    /// The line (from 1) when the source is text; `null` for binary, where `offset` places it.
    pub line: Option<u64>,
    /// The column (from 1, in characters of the decoded line) when the source is text.
    pub column: Option<u64>,
    /// The encoding the text source was read in (`utf-8`, `shift_jis`, `euc-jp`); `null` for
    /// binary.
    pub text_encoding: Option<&'static str>,
    /// The profile identifier found.
    pub identifier: String,
    /// The profile category (`domain`, `name`…).
    pub category: &'static str,
    /// The form it was found in (`ascii`, `utf-16le`, `base64`…).
    pub encoding: String,
    /// The matched bytes, decoded in the encoding they were found in.
    pub matched: String,
    /// The length of the match in bytes.
    pub length: u64,
    /// The match with up to 16 bytes before and after, decoded in the match's encoding, bytes
    /// that do not decode as `\xNN`, control characters escaped.
    pub excerpt: String,
    /// The same bytes as hex.
    pub excerpt_hex: String,
    /// The same bytes as ASCII, `.` for the rest.
    pub excerpt_ascii: String,
}

impl ScanMatch {
    /// Where it is, as printed: `path:LINE:COLUMN` in text, `path@0xOFFSET` in binary.
    pub fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.source),
            _ => format!("{}@{:#x}", self.source, self.offset),
        }
    }
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

struct Collect<'a> {
    report: &'a mut ScanReport,
}

impl Sink for Collect<'_> {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        let context: Vec<u8> = [found.before, found.bytes, found.after].concat();
        self.report.matches.push(ScanMatch {
            source: found.source.to_owned(),
            offset: found.offset,
            line: found.position.map(|position| position.line),
            column: found.position.map(|position| position.column),
            text_encoding: found.position.map(|position| position.encoding.as_str()),
            identifier: found.identifier.to_owned(),
            category: found.category.as_str(),
            encoding: found.form.to_string(),
            matched: found.readable(),
            length: found.bytes.len() as u64,
            excerpt: found.excerpt(),
            excerpt_hex: context
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
            excerpt_ascii: context
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
        let first = report.matches.len();
        let mut sink = Collect {
            report: &mut report,
        };
        let result = scanner.scan_path(path, &mut sink);
        // Archive entries come in archive order, and a match across a chunk edge may come right
        // after a later one: sort this path's findings by source, then place (longer first).
        report.matches[first..].sort_by(|a, b| {
            (a.source.as_str(), a.offset, std::cmp::Reverse(a.length)).cmp(&(
                b.source.as_str(),
                b.offset,
                std::cmp::Reverse(b.length),
            ))
        });
        match result {
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

/// One change of a redaction, placed by line and column of the original text.
#[derive(Debug, Clone)]
pub struct PlacedChange {
    /// Line of the original text (from 1).
    pub line: u64,
    /// Column in characters (from 1).
    pub column: u64,
    /// The change.
    pub change: Change,
}

/// A redacted text, its changes, and the placeholder table of the run.
#[derive(Debug)]
pub struct Redaction {
    /// The text with every identifier replaced by its placeholder.
    pub text: String,
    /// What was replaced, in text order.
    pub changes: Vec<PlacedChange>,
    /// Placeholder → original: for the victim only, never for the redacted copy.
    pub placeholders: Placeholders,
}

/// Redacts a text with a fresh numbering.
pub fn redact(scanner: &Scanner, text: &str) -> Redaction {
    let mut placeholders = Placeholders::new();
    let (redacted, changes) = scanner.redact_text_with(text, &mut placeholders);
    let offsets: Vec<usize> = changes.iter().map(|change| change.offset).collect();
    let positions = kyoyu_scan::positions_in(text.as_bytes(), TextEncoding::Utf8, &offsets);
    Redaction {
        text: redacted,
        changes: changes
            .into_iter()
            .zip(positions)
            .map(|(change, position)| PlacedChange {
                line: position.line,
                column: position.column,
                change,
            })
            .collect(),
        placeholders,
    }
}

#[derive(serde::Serialize)]
struct MapEntry<'a> {
    placeholder: &'a str,
    kind: &'a str,
    value: &'a str,
    originals: &'a [String],
}

#[derive(serde::Serialize)]
struct MapFile<'a> {
    redacted_from: &'a str,
    placeholders: Vec<MapEntry<'a>>,
}

/// The placeholder map as JSON: `{"redacted_from": FILE, "placeholders": [{"placeholder":
/// "[ip-1]", "kind": "ip", "value": "192.0.2.15", "originals": ["192.0.2.15"]}, …]}`.
pub fn placeholder_map_json(placeholders: &Placeholders, redacted_from: &str) -> String {
    let map = MapFile {
        redacted_from,
        placeholders: placeholders
            .entries()
            .iter()
            .map(|entry| MapEntry {
                placeholder: &entry.text,
                kind: entry.kind,
                value: &entry.value,
                originals: &entry.originals,
            })
            .collect(),
    };
    // Plain strings only: serializing cannot fail.
    serde_json::to_string_pretty(&map).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> Scanner {
        let mut builder = Scanner::builder();
        builder
            .identifier(kyoyu_scan::Category::EmailDomain, "sample.example")
            .ip_range("10.1.0.0/16".parse().expect("range"));
        builder.build().expect("scanner")
    }

    #[test]
    fn changes_are_placed_by_line_and_column_and_the_map_names_the_originals() {
        let redaction = redact(
            &scanner(),
            "一行目\nfrom 10.1.2.3 to 10.1.9.9, ichiro@sample.example\n10.1.2.3",
        );
        assert_eq!(
            redaction.text,
            "一行目\nfrom [ip-1] to [ip-2], [email-1]\n[ip-1]"
        );
        let places: Vec<(u64, u64, &str)> = redaction
            .changes
            .iter()
            .map(|placed| {
                (
                    placed.line,
                    placed.column,
                    placed.change.replacement.as_str(),
                )
            })
            .collect();
        assert_eq!(
            places,
            [
                (2, 6, "[ip-1]"),
                (2, 18, "[ip-2]"),
                (2, 28, "[email-1]"),
                (3, 1, "[ip-1]")
            ]
        );
        let map: serde_json::Value =
            serde_json::from_str(&placeholder_map_json(&redaction.placeholders, "note.txt"))
                .expect("JSON");
        assert_eq!(map["placeholders"][2]["placeholder"], "[email-1]");
        assert_eq!(map["placeholders"][2]["value"], "ichiro@sample.example");
        assert_eq!(map["placeholders"][0]["originals"][0], "10.1.2.3");
    }
}
