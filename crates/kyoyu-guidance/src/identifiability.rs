//! Identifiability findings (G6): does an item's own text point at the victim?
//!
//! Key decision: this module checks the text an item carries (values, product names, free text)
//! against the identity profile, case-insensitively, plus IPv4/IPv6 addresses inside the
//! profile's ranges. Sample *files* are the scanner's job (`kyoyu-scan`); until a sample is
//! scanned the rules treat it as unchecked. Context items are not checked: they name the victim by
//! nature, and rule G7 keeps them out of sharing instead.

use std::collections::HashMap;
use std::net::IpAddr;

use kyoyu_model::{IdentifierCategory, Incident, InfoClass, ItemId};

use crate::decision::Reason;

/// What the checks before anything leaves found for one item: identifiability findings (G6),
/// whether its sample file was scanned, and warninglist hits (known false positives).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemChecks {
    /// Places where the item or its sample points at the victim.
    pub findings: Vec<Finding>,
    /// True when the item's sample file was scanned completely against the profile.
    pub sample_scanned: bool,
    /// The SHA-256 of the item's sample file (lower-case hex), when it was read: what a
    /// "share by hash only" approval releases.
    pub sample_sha256: Option<String>,
    /// Why the value may be a false positive (a MISP warninglist entry), with rule ids.
    pub false_positives: Vec<Reason>,
}

/// The checks of every item, by id. Items without an entry were not checked.
pub type Checks = HashMap<ItemId, ItemChecks>;

/// The checks that need no IO: [`profile_findings`] on the items' own text. The scanner
/// (`kyoyu-core`) adds sample files, other encodings, lookalikes and warninglists.
pub fn profile_checks(incident: &Incident) -> Checks {
    profile_findings(incident)
        .into_iter()
        .map(|(id, findings)| {
            (
                id,
                ItemChecks {
                    findings,
                    ..ItemChecks::default()
                },
            )
        })
        .collect()
}

/// One place where an item points at the victim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Always `G6`.
    pub rule: &'static str,
    /// The profile identifier found (for addresses: the profile range).
    pub identifier: String,
    /// What category of the profile it comes from.
    pub category: &'static str,
    /// The text as it appears in the item or sample.
    pub matched: String,
    /// How it was encoded (`utf-8` for item text; the scanner adds others).
    pub encoding: String,
    /// Where: the item field (`value`, `text`…) or the sample path.
    pub source: String,
    /// Byte offset within the source.
    pub offset: u64,
}

fn category_name(category: IdentifierCategory) -> &'static str {
    match category {
        IdentifierCategory::Name => "name",
        IdentifierCategory::Domain => "domain",
        IdentifierCategory::EmailDomain => "email_domain",
        IdentifierCategory::Hostname => "hostname",
        IdentifierCategory::Account => "account",
        IdentifierCategory::Person => "person",
    }
}

/// Text lower-cased character by character, remembering each lower-case byte's original offset,
/// so a match found in the lower-cased text is reported at its place in the original.
struct Folded {
    text: String,
    origin: Vec<usize>,
}

fn fold(text: &str) -> Folded {
    // ASCII text lower-cases byte for byte: the offsets do not move.
    if text.is_ascii() {
        return Folded {
            text: text.to_ascii_lowercase(),
            origin: Vec::new(),
        };
    }
    let mut folded = Folded {
        text: String::with_capacity(text.len()),
        origin: Vec::with_capacity(text.len() + 1),
    };
    for (offset, character) in text.char_indices() {
        for lower in character.to_lowercase() {
            folded.text.push(lower);
            folded.origin.resize(folded.text.len(), offset);
        }
    }
    folded.origin.push(text.len());
    folded
}

impl Folded {
    /// The original byte range of a range of the folded text.
    fn span(&self, start: usize, end: usize) -> (usize, usize) {
        if self.origin.is_empty() {
            (start, end)
        } else {
            (self.origin[start], self.origin[end])
        }
    }
}

/// Finds profile identifiers in the text of every technical and intermediate item.
pub fn profile_findings(incident: &Incident) -> HashMap<ItemId, Vec<Finding>> {
    let profile = &incident.organization;
    let identifiers: Vec<(&'static str, &str, String)> = profile
        .text_identifiers()
        .map(|(category, identifier)| {
            (
                category_name(category),
                identifier,
                fold(identifier.trim()).text,
            )
        })
        .filter(|(_, _, folded)| !folded.is_empty())
        .collect();
    let mut findings = HashMap::new();
    for item in &incident.items {
        if item.class() == InfoClass::Context {
            continue;
        }
        let mut item_findings = Vec::new();
        for (field, text) in item.texts() {
            let folded = fold(text);
            for (category, identifier, needle) in &identifiers {
                for (start, _) in folded.text.match_indices(needle.as_str()) {
                    let (begin, end) = folded.span(start, start + needle.len());
                    item_findings.push(Finding {
                        rule: "G6",
                        identifier: (*identifier).to_owned(),
                        category,
                        matched: text[begin..end].to_owned(),
                        encoding: "utf-8".to_owned(),
                        source: field.to_owned(),
                        offset: begin as u64,
                    });
                }
            }
            if !profile.ip_ranges.is_empty() {
                for (offset, candidate) in address_candidates(text) {
                    if let Ok(address) = candidate.parse::<IpAddr>()
                        && let Some(range) = profile.range_containing(address)
                    {
                        item_findings.push(Finding {
                            rule: "G6",
                            identifier: range.to_string(),
                            category: "ip_range",
                            matched: candidate.to_owned(),
                            encoding: "utf-8".to_owned(),
                            source: field.to_owned(),
                            offset: offset as u64,
                        });
                    }
                }
            }
        }
        if !item_findings.is_empty() {
            item_findings.sort_by(|left, right| {
                (&left.source, left.offset).cmp(&(&right.source, right.offset))
            });
            findings.insert(item.id.clone(), item_findings);
        }
    }
    findings
}

/// Runs of characters that can form an IP address, with their offsets: runs of digits and dots
/// (IPv4, also inside URLs with ports) and runs of hex digits, colons and dots (IPv6).
fn address_candidates(text: &str) -> Vec<(usize, &str)> {
    fn runs(text: &str, allowed: fn(char) -> bool) -> impl Iterator<Item = (usize, &str)> {
        text.split(move |character: char| !allowed(character))
            .map(move |run| (run.as_ptr() as usize - text.as_ptr() as usize, run))
            .map(|(offset, run)| {
                let trimmed = run.trim_start_matches(['.', ':']);
                (
                    offset + run.len() - trimmed.len(),
                    trimmed.trim_end_matches(['.', ':']),
                )
            })
    }
    let ipv4 = runs(text, |character| {
        character.is_ascii_digit() || character == '.'
    })
    .filter(|(_, run)| run.matches('.').count() == 3);
    let ipv6 = runs(text, |character| {
        character.is_ascii_hexdigit() || character == ':' || character == '.'
    })
    .filter(|(_, run)| run.matches(':').count() >= 2);
    ipv4.chain(ipv6).collect()
}
