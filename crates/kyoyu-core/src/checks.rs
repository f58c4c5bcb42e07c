//! The checks before anything leaves (G6): the identity profile compiled into the scanner and
//! run over every item's text and every sample file, lookalike detection on IoC domains and
//! URLs, and the MISP warninglists.
//!
//! Key decision: the scanner is built once per incident from its `[organization]` profile and
//! shared; a sample whose scan could not read everything (a damaged or foreign-password archive)
//! counts as *not scanned*, so it stays in review rather than passing as clean.

use std::collections::HashMap;
use std::path::Path;

use kyoyu_guidance::{Checks, Finding, ItemChecks, Reason};
use kyoyu_model::{IdentityProfile, Incident, InfoClass, ItemBody, Localized};
use kyoyu_scan::warninglist::{self, HitReason};
use kyoyu_scan::{BuildError, Category, Match, ScanError, Scanner, Sink};

/// The names as written plus the forms they take in host names, URLs and file names: an ASCII
/// name with spaces also as `sample-buhin`, `sample_buhin` and `samplebuhin` (leak sites and
/// lookalike domains slug the victim's name).
fn name_forms(names: &[String]) -> Vec<String> {
    // Legal-form words that texts usually leave out ("Example Monitoring" for "Example Monitoring
    // Inc.", "例示電機" for "株式会社例示電機").
    const LEGAL_FORMS: [&str; 22] = [
        "株式会社",
        "有限会社",
        "合同会社",
        "(株)",
        "（株）",
        "Inc.",
        "Inc",
        "Corp.",
        "Corp",
        "Corporation",
        "Co., Ltd.",
        "Co.,Ltd.",
        "Co. Ltd.",
        "Ltd.",
        "Ltd",
        "LLC",
        "GmbH",
        "AG",
        "S.A.",
        "plc",
        "K.K.",
        "B.V.",
    ];
    let mut bare_names: Vec<String> = Vec::new();
    for name in names {
        let mut bare = name.trim().to_owned();
        for form in LEGAL_FORMS {
            if let Some(rest) = bare.strip_suffix(form) {
                bare = rest.trim_end_matches([' ', ',']).to_owned();
            }
            if let Some(rest) = bare.strip_prefix(form) {
                bare = rest.trim_start().to_owned();
            }
        }
        if bare != name.trim() && bare.chars().count() >= 2 {
            bare_names.push(bare);
        }
    }
    let mut forms: Vec<String> = Vec::new();
    for name in names.iter().chain(&bare_names) {
        forms.push(name.clone());
        let trimmed = name.trim();
        if trimmed.is_ascii() && trimmed.contains(' ') {
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            for joiner in ["-", "_", ""] {
                forms.push(words.join(joiner));
            }
        }
    }
    forms.sort_unstable_by_key(|form| form.to_lowercase());
    forms.dedup_by_key(|form| form.to_lowercase());
    forms
}

/// Compiles a profile into a scanner; `None` when the profile lists nothing.
pub fn scanner_for(
    profile: &IdentityProfile,
    deep_xor: bool,
) -> Result<Option<Scanner>, BuildError> {
    if profile.is_empty() {
        return Ok(None);
    }
    let mut builder = Scanner::builder();
    builder
        .identifiers(Category::Name, name_forms(&profile.names))
        .identifiers(Category::Domain, profile.domains.iter().cloned())
        .identifiers(Category::EmailDomain, profile.email_domains.iter().cloned())
        .identifiers(
            Category::Hostname,
            profile
                .hostnames
                .iter()
                .map(|pattern| pattern.as_str().to_owned()),
        )
        .identifiers(Category::Account, profile.accounts.iter().cloned())
        .identifiers(Category::Person, profile.people.iter().cloned())
        .deep_xor(deep_xor);
    for range in &profile.ip_ranges {
        builder.ip_range(*range);
    }
    builder.build().map(Some)
}

/// Matched bytes for people, decoded by the form they were found in (UTF-16, Shift_JIS and
/// EUC-JP show as text; undecodable bytes as `\xNN`).
pub fn readable(form: kyoyu_scan::Form, bytes: &[u8]) -> String {
    kyoyu_scan::readable(form, None, bytes)
}

/// A scan match as a G6 finding.
pub fn finding(found: &Match<'_>) -> Finding {
    Finding {
        rule: "G6",
        identifier: found.identifier.to_owned(),
        category: found.category.as_str(),
        matched: readable(found.form, found.bytes),
        encoding: found.form.to_string(),
        source: found.source.to_owned(),
        offset: found.offset,
    }
}

/// Collects findings and remembers whether any input could not be read.
#[derive(Default)]
struct Collect {
    findings: Vec<Finding>,
    /// The byte span of each finding, to drop one found inside another (a name slug inside a
    /// host name) — one place, one finding.
    spans: Vec<(u64, u64)>,
    unreadable: Vec<String>,
}

impl Collect {
    /// The findings, without those lying inside a longer finding of the same source.
    fn into_findings(self) -> Vec<Finding> {
        let places: Vec<(&str, u64, u64)> = self
            .findings
            .iter()
            .zip(&self.spans)
            .map(|(finding, (start, end))| (finding.source.as_str(), *start, *end))
            .collect();
        let keep = outermost(&places);
        self.findings
            .iter()
            .zip(keep)
            .filter(|(_, keep)| *keep)
            .map(|(finding, _)| finding.clone())
            .collect()
    }
}

/// For matches given as (source, start, end): true for each one not lying inside another match
/// of the same source (the longer one, or the earlier of two equal ones, is kept) — a name slug
/// inside a host name is one place, reported once.
pub fn outermost(places: &[(&str, u64, u64)]) -> Vec<bool> {
    places
        .iter()
        .enumerate()
        .map(|(index, (source, start, end))| {
            !places
                .iter()
                .enumerate()
                .any(|(other, (other_source, other_start, other_end))| {
                    other != index
                        && other_source == source
                        && other_start <= start
                        && end <= other_end
                        && (other_end - other_start > end - start || other < index)
                })
        })
        .collect()
}

impl Sink for Collect {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        self.findings.push(finding(found));
        self.spans
            .push((found.offset, found.offset + found.bytes.len() as u64));
        true
    }

    fn error(&mut self, error: &ScanError) -> bool {
        self.unreadable.push(error.to_string());
        true
    }
}

fn listed_reason(value: &str, list: &str, name: &str, entry: &str) -> Reason {
    Reason {
        rule: "G3",
        text: Localized::new(
            format!(
                "`{value}` は MISP 警告リスト「{name}」（{list}: {entry}）に載っている既知の誤検知候補。悪性の指標として出す前に確認すること。"
            ),
            format!(
                "`{value}` is on the MISP warninglist \"{name}\" ({list}: {entry}), a known false positive; confirm before it goes out as malicious."
            ),
        ),
    }
}

/// Runs every check over the incident's items; sample paths are relative to `samples_base`.
pub fn check_incident(
    incident: &Incident,
    scanner: Option<&Scanner>,
    samples_base: &Path,
) -> Checks {
    let lookalikes = {
        let domains: Vec<&str> = incident
            .organization
            .domains
            .iter()
            .chain(&incident.organization.email_domains)
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        (!domains.is_empty()).then(|| kyoyu_scan::lookalike::LookalikeDetector::new(domains))
    };
    let lists = warninglist::builtin();
    let mut checks: Checks = HashMap::new();
    for item in &incident.items {
        if item.class() == InfoClass::Context {
            continue;
        }
        let mut item_checks = ItemChecks::default();
        if let Some(scanner) = scanner {
            let mut collect = Collect::default();
            for (field, text) in item.texts() {
                if field != "path" {
                    scanner.scan_named_bytes(text.as_bytes(), field, &mut collect);
                }
            }
            if let ItemBody::Ioc {
                path: Some(path), ..
            } = &item.body
            {
                let before = collect.unreadable.len();
                match scanner.scan_path(&samples_base.join(path), &mut collect) {
                    Ok(_) if collect.unreadable.len() == before => {
                        item_checks.sample_scanned = true
                    }
                    Ok(_) => {}
                    Err(error) => collect.unreadable.push(error.to_string()),
                }
                item_checks.sample_sha256 = sample_sha256(&samples_base.join(path));
                // Report the sample by the name the incident file gives it.
                let full = samples_base.join(path).display().to_string();
                for finding in &mut collect.findings {
                    if let Some(rest) = finding.source.strip_prefix(&full) {
                        finding.source = format!("{path}{rest}");
                    }
                }
            }
            item_checks.findings = collect.into_findings();
        }
        if let ItemBody::Ioc {
            ioc_type,
            value: Some(value),
            ..
        } = &item.body
        {
            let kind = ioc_type.as_str();
            if let Some(detector) = &lookalikes
                && matches!(kind, "domain-name" | "hostname" | "url" | "email-addr")
            {
                for lookalike in detector.check(value) {
                    item_checks.findings.push(Finding {
                        rule: "G6",
                        identifier: lookalike.imitates.clone(),
                        category: "lookalike",
                        matched: lookalike.candidate.clone(),
                        encoding: format!("lookalike:{}", lookalike.kind),
                        source: "value".to_owned(),
                        offset: 0,
                    });
                }
            }
            for hit in lists.check(value) {
                match hit {
                    HitReason::Listed { list, name, entry } => {
                        item_checks
                            .false_positives
                            .push(listed_reason(value, list, &name, &entry));
                    }
                    HitReason::InternalAddress { range } => item_checks.findings.push(Finding {
                        rule: "G6",
                        identifier: range.to_owned(),
                        category: "internal_address",
                        matched: value.clone(),
                        encoding: "ip".to_owned(),
                        source: "value".to_owned(),
                        offset: 0,
                    }),
                }
            }
        }
        if item_checks != ItemChecks::default() {
            checks.insert(item.id.clone(), item_checks);
        }
    }
    checks
}

/// The SHA-256 of a sample file, streamed (memory does not grow with the file); `None` when it
/// is not a readable file (a directory of samples has no one hash).
fn sample_sha256(path: &std::path::Path) -> Option<String> {
    use sha2::Digest as _;
    let mut file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
    )
}
