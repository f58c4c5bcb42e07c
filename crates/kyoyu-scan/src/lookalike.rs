//! Lookalike detection: does an IoC domain or URL imitate the victim's own domains? C2 and
//! phishing domains often do (`examp1e-denki.co.jp`, `example-denki-login.com`,
//! `xn--exmple-denki-…`), and sharing one unredacted can point at the victim (G6).
//!
//! Key decision: everything is compared on the *registrable label* (`example-denki` of
//! `www.example-denki.co.jp`, found with a short list of two-level public suffixes rather than the
//! whole Public Suffix List) and on its confusable *skeleton* (Unicode UTS #39 via
//! `unicode-security`, lower-cased, so `0`/`o`, `1`/`l`, `rn`/`m` and Cyrillic `а`/Latin `a`
//! collapse). Four kinds, checked in this order, one finding per victim domain: IDN homograph,
//! homoglyph, edit distance (Damerau–Levenshtein 1, or 2 for labels longer than 6), brand token.

use std::fmt;

use unicode_security::confusable_detection::skeleton;

/// How a name imitates the victim's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LookalikeKind {
    /// A few typing edits away from the victim's label (`exampel-denki`).
    EditDistance,
    /// Looks the same with ASCII confusables (`examp1e-denki`, `exarnple-denki`).
    Homoglyph,
    /// Contains the victim's name inside a longer name (`example-denki-login.com`,
    /// `example-denki.co.jp.evil.net`), or the same name under another suffix.
    BrandToken,
    /// An internationalized name (punycode or Unicode) whose skeleton is the victim's
    /// (`xn--xample-denki-…` with a Cyrillic letter).
    IdnHomograph,
}

impl LookalikeKind {
    /// The label used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            LookalikeKind::EditDistance => "edit_distance",
            LookalikeKind::Homoglyph => "homoglyph",
            LookalikeKind::BrandToken => "brand_token",
            LookalikeKind::IdnHomograph => "idn_homograph",
        }
    }
}

impl fmt::Display for LookalikeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lookalike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookalikeFinding {
    /// How it imitates.
    pub kind: LookalikeKind,
    /// The host name checked (as found in the IoC, lower-cased).
    pub candidate: String,
    /// The victim domain it imitates.
    pub imitates: String,
    /// A sentence for the person who reviews the finding.
    pub explanation: String,
}

#[derive(Debug, Clone)]
struct Brand {
    domain: String,
    label: String,
    skeleton: String,
    compact: String,
}

/// Checks names against the victim's domains. Build once, share freely (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct LookalikeDetector {
    brands: Vec<Brand>,
}

/// Two-level public suffixes common enough to matter for the registrable label.
const TWO_LEVEL_SUFFIXES: &[&str] = &[
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "ad.jp", "ed.jp", "gr.jp", "lg.jp", "co.uk",
    "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "com.au", "net.au", "org.au", "co.nz",
    "com.br", "com.cn", "com.tw", "com.hk", "co.kr", "co.in", "com.sg", "co.za", "com.mx", "co.id",
    "co.th", "com.my", "com.tr",
];

/// The registrable label of a host: `example-denki` for `www.example-denki.co.jp`.
fn registrable_label(host: &str) -> &str {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    if n >= 3
        && TWO_LEVEL_SUFFIXES.contains(&format!("{}.{}", labels[n - 2], labels[n - 1]).as_str())
    {
        labels[n - 3]
    } else if n >= 2 {
        labels[n - 2]
    } else {
        labels.first().copied().unwrap_or("")
    }
}

/// The host of a URL or a bare name, lower-cased (defanged `[.]` accepted).
pub(crate) fn host_of(value: &str) -> String {
    let value = value.trim().replace("[.]", ".");
    let rest = value
        .split_once("://")
        .map_or(value.as_str(), |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if host_port.starts_with('[') {
        host_port
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host.trim_end_matches('.').to_lowercase()
}

/// Lower-cased UTS #39 skeleton.
fn skeleton_of(text: &str) -> String {
    skeleton(&text.to_lowercase())
        .collect::<String>()
        .to_lowercase()
}

impl LookalikeDetector {
    /// A detector for the victim's domains (`example-denki.co.jp`, …).
    pub fn new<I, S>(victim_domains: I) -> LookalikeDetector
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let brands = victim_domains
            .into_iter()
            .filter_map(|domain| {
                let domain = host_of(domain.as_ref());
                let domain = match idna::domain_to_unicode(&domain) {
                    (unicode, Ok(())) => unicode,
                    _ => domain,
                };
                let label = registrable_label(&domain).to_owned();
                (label.chars().count() >= 3).then(|| Brand {
                    skeleton: skeleton_of(&label),
                    compact: label.replace('-', ""),
                    label,
                    domain,
                })
            })
            .collect();
        LookalikeDetector { brands }
    }

    /// Findings for one IoC domain or URL; empty when it imitates nothing (or *is* one of the
    /// victim's own names — the scanner reports those).
    pub fn check(&self, domain_or_url: &str) -> Vec<LookalikeFinding> {
        let host = host_of(domain_or_url);
        if host.is_empty() {
            return Vec::new();
        }
        let (unicode, idn) = if host.split('.').any(|l| l.starts_with("xn--")) {
            match idna::domain_to_unicode(&host) {
                (unicode, Ok(())) => (unicode, true),
                _ => (host.clone(), false),
            }
        } else {
            let idn = !host.is_ascii();
            (host.clone(), idn)
        };
        let label = registrable_label(&unicode);
        let label_skeleton = skeleton_of(label);
        let mut findings = Vec::new();
        for brand in &self.brands {
            if unicode == brand.domain || unicode.ends_with(&format!(".{}", brand.domain)) {
                continue;
            }
            let finding = |kind, explanation: String| LookalikeFinding {
                kind,
                candidate: host.clone(),
                imitates: brand.domain.clone(),
                explanation,
            };
            let distance = strsim::damerau_levenshtein(label, &brand.label);
            let max_distance = if brand.label.chars().count() > 6 {
                2
            } else {
                1
            };
            if idn && (label_skeleton == brand.skeleton || label_skeleton.contains(&brand.skeleton))
            {
                findings.push(finding(
                    LookalikeKind::IdnHomograph,
                    format!(
                        "internationalized name {unicode:?} looks like {:?}: its characters are \
                         confusable with the victim's name",
                        brand.label
                    ),
                ));
            } else if label != brand.label && label_skeleton == brand.skeleton {
                findings.push(finding(
                    LookalikeKind::Homoglyph,
                    format!(
                        "{label:?} is {:?} with look-alike characters swapped in",
                        brand.label
                    ),
                ));
            } else if (1..=max_distance).contains(&distance) {
                findings.push(finding(
                    LookalikeKind::EditDistance,
                    format!(
                        "{label:?} is {distance} edit(s) away from the victim's {:?}",
                        brand.label
                    ),
                ));
            } else if label == brand.label {
                findings.push(finding(
                    LookalikeKind::BrandToken,
                    format!(
                        "the victim's name {:?} under another suffix than {:?}",
                        brand.label, brand.domain
                    ),
                ));
            } else if brand.label.len() >= 4
                && (unicode.contains(&brand.label)
                    || unicode.replace(['-', '.'], "").contains(&brand.compact))
            {
                findings.push(finding(
                    LookalikeKind::BrandToken,
                    format!(
                        "contains the victim's name {:?} inside a longer name",
                        brand.label
                    ),
                ));
            }
        }
        findings
    }
}
