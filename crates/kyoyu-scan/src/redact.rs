//! Redaction of text items: every identifier the scanner finds in a text is replaced by a
//! numbered placeholder — `[ip-1]`, `[host-2]`, `[email-1]` — the same value always by the same
//! placeholder and different values by different ones (numbered by first appearance), so a
//! reader can still tell two hosts apart without learning which they are.
//!
//! Key decision: redaction reuses the scanner's own matches (same forms, same short-identifier
//! rule), keeps only those that fall on character boundaries of the text, and resolves overlaps
//! leftmost-longest, so what `kyoyu scan` reports in a text is what `kyoyu redact` removes — with
//! one widening: a match of an organization domain (or e-mail domain) that is the domain of an
//! e-mail address takes the whole address with it (`ichiro@example.co.jp` → `[email-1]`), since
//! the local part usually names the person. The numbering lives in a [`Placeholders`] table the
//! caller can keep across texts (one table per document or package) and that is the only place
//! the originals are kept.

use std::collections::HashMap;

use crate::{Category, Form, OwnedMatch, Scanner};

/// One replacement made by [`Scanner::redact_text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Byte offset of the replaced text in the *original* string.
    pub offset: usize,
    /// The replaced text.
    pub original: String,
    /// What it was replaced with.
    pub replacement: String,
    /// The identifier found.
    pub identifier: String,
    /// Its category.
    pub category: Category,
    /// The form it was found in.
    pub form: Form,
}

/// One placeholder of a [`Placeholders`] table and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The placeholder as written into the text: `[host-1]`.
    pub text: String,
    /// Its kind: `ip`, `host`, `domain`, `email`, `name`, `person`, `account`.
    pub kind: &'static str,
    /// The value it stands for: the profile identifier, the address found in a range, or the
    /// whole e-mail address (lower case).
    pub value: String,
    /// Every spelling it replaced, in order of first appearance (case, encoding).
    pub originals: Vec<String>,
}

/// The numbering of one redaction run: the same (kind, value) always gets the same placeholder,
/// a new one the next number of its kind. It holds the originals: keep it with the victim,
/// never with the redacted text.
#[derive(Debug, Clone, Default)]
pub struct Placeholders {
    entries: Vec<Placeholder>,
    index: HashMap<(&'static str, String), usize>,
    per_kind: HashMap<&'static str, usize>,
}

impl Placeholders {
    /// An empty table: numbering starts at 1 for every kind.
    pub fn new() -> Placeholders {
        Placeholders::default()
    }

    /// The placeholders handed out, in order of first appearance.
    pub fn entries(&self) -> &[Placeholder] {
        &self.entries
    }

    /// The placeholder for `value` of `kind`, numbered on first sight; `original` is the text
    /// it replaces here.
    fn placeholder(&mut self, kind: &'static str, value: String, original: &str) -> String {
        let at = match self.index.get(&(kind, value.clone())) {
            Some(&at) => at,
            None => {
                let number = self.per_kind.entry(kind).or_insert(0);
                *number += 1;
                self.entries.push(Placeholder {
                    text: format!("[{kind}-{number}]"),
                    kind,
                    value: value.clone(),
                    originals: Vec::new(),
                });
                self.index.insert((kind, value), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[at];
        if !entry.originals.iter().any(|seen| seen == original) {
            entry.originals.push(original.to_owned());
        }
        entry.text.clone()
    }
}

/// The placeholder kind of a category.
fn kind(category: Category) -> &'static str {
    match category {
        Category::IpRange => "ip",
        Category::Hostname => "host",
        // An e-mail domain standing alone is a domain like any other.
        Category::Domain | Category::EmailDomain => "domain",
        Category::Name => "name",
        Category::Person => "person",
        Category::Account => "account",
    }
}

/// Characters of an e-mail local part as addresses are written in practice.
fn local_part_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn domain_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-'
}

/// When the domain match `start..end` is the domain (or a parent of the domain) of an e-mail
/// address, the start of that address: `ichiro@mail.example.co.jp` for `example.co.jp`.
fn email_start(text: &[u8], start: usize, end: usize) -> Option<usize> {
    // The domain ends with the match: no further label follows.
    let ends_here = match text.get(end) {
        None => true,
        Some(&byte) if domain_byte(byte) => false,
        Some(b'.') => !text.get(end + 1).is_some_and(|&byte| domain_byte(byte)),
        Some(_) => true,
    };
    if !ends_here {
        return None;
    }
    // Back over subdomain labels to the `@`.
    let mut at = start;
    if at > 0 && text[at - 1] != b'@' {
        if text[at - 1] != b'.' {
            return None;
        }
        while at > 0 && (domain_byte(text[at - 1]) || text[at - 1] == b'.') {
            at -= 1;
        }
    }
    if at == 0 || text[at - 1] != b'@' {
        return None;
    }
    let at_sign = at - 1;
    let mut local = at_sign;
    while local > 0 && local_part_byte(text[local - 1]) {
        local -= 1;
    }
    // Dots do not start a local part; an empty local part is no address.
    while local < at_sign && text[local] == b'.' {
        local += 1;
    }
    (local < at_sign).then_some(local)
}

impl Scanner {
    /// Replaces every identifier found in `text` by a numbered placeholder (a fresh numbering)
    /// and lists the changes in text order. See [`Scanner::redact_text_with`].
    pub fn redact_text(&self, text: &str) -> (String, Vec<Change>) {
        self.redact_text_with(text, &mut Placeholders::new())
    }

    /// Replaces every identifier found in `text` by its placeholder from `placeholders`
    /// (numbering new values on first sight) and lists the changes in text order. An address in
    /// a range is numbered by the address, an e-mail address at an organization domain by the
    /// whole address, everything else by the profile identifier it matched.
    pub fn redact_text_with(
        &self,
        text: &str,
        placeholders: &mut Placeholders,
    ) -> (String, Vec<Change>) {
        let mut found: Vec<OwnedMatch> = Vec::new();
        self.scan_bytes(text.as_bytes(), &mut found);
        let mut spans: Vec<(usize, usize, bool, OwnedMatch)> = found
            .into_iter()
            .map(|m| {
                let start = m.offset as usize;
                let end = start + m.bytes.len();
                let email = matches!(m.category, Category::Domain | Category::EmailDomain)
                    .then(|| email_start(text.as_bytes(), start, end))
                    .flatten();
                (email.unwrap_or(start), end, email.is_some(), m)
            })
            .filter(|(start, end, _, _)| {
                text.is_char_boundary(*start) && text.is_char_boundary(*end)
            })
            .collect();
        // Leftmost first, then longest.
        spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = String::with_capacity(text.len());
        let mut changes = Vec::new();
        let mut copied_up_to = 0;
        for (start, end, email, found) in spans {
            if start < copied_up_to {
                continue;
            }
            let original = &text[start..end];
            let (kind, value) = if email {
                ("email", original.to_lowercase())
            } else if found.category == Category::IpRange {
                ("ip", original.to_owned())
            } else {
                (kind(found.category), found.identifier.to_lowercase())
            };
            let replacement = placeholders.placeholder(kind, value, original);
            out.push_str(&text[copied_up_to..start]);
            out.push_str(&replacement);
            changes.push(Change {
                offset: start,
                original: original.to_owned(),
                replacement,
                identifier: found.identifier,
                category: found.category,
                form: found.form,
            });
            copied_up_to = end;
        }
        out.push_str(&text[copied_up_to..]);
        (out, changes)
    }
}

#[cfg(test)]
mod tests {
    use super::email_start;

    #[test]
    fn an_address_at_the_domain_or_a_subdomain_is_found_whole() {
        let text = b"to ichiro.suzuki@sample.example, cc hr@mail.sample.example.";
        let first = 17;
        assert_eq!(&text[first..first + 14], b"sample.example");
        assert_eq!(email_start(text, first, first + 14), Some(3));
        let second = text.len() - 15;
        assert_eq!(&text[second..second + 14], b"sample.example");
        assert_eq!(email_start(text, second, second + 14), Some(36));
    }

    #[test]
    fn a_domain_that_is_not_an_address_stays_a_domain() {
        for (text, start) in [
            (&b"https://sample.example/x"[..], 8),
            (b"@sample.example", 1),
            (b"me@sample.example.evil.test", 3),
            (b"me@notsample.example", 5),
        ] {
            assert_eq!(email_start(text, start, start + 14), None, "{text:?}");
        }
    }
}
