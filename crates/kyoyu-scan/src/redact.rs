//! Redaction of text items: every identifier the scanner finds in a text is replaced by a
//! placeholder naming its category. Key decision: redaction reuses the scanner's own matches
//! (same forms, same short-identifier rule), keeps only those that fall on character
//! boundaries of the text, and resolves overlaps leftmost-longest, so what `kyoyu scan` reports
//! in a text is exactly what `kyoyu redact` removes.

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

impl Scanner {
    /// Replaces every identifier found in `text` by `[REDACTED:<category>]` and lists the
    /// changes in text order.
    pub fn redact_text(&self, text: &str) -> (String, Vec<Change>) {
        let mut found: Vec<OwnedMatch> = Vec::new();
        self.scan_bytes(text.as_bytes(), &mut found);
        let mut spans: Vec<(usize, usize, OwnedMatch)> = found
            .into_iter()
            .map(|m| {
                let start = m.offset as usize;
                (start, start + m.bytes.len(), m)
            })
            .filter(|(start, end, _)| text.is_char_boundary(*start) && text.is_char_boundary(*end))
            .collect();
        // Leftmost first, then longest.
        spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = String::with_capacity(text.len());
        let mut changes = Vec::new();
        let mut copied_up_to = 0;
        for (start, end, found) in spans {
            if start < copied_up_to {
                continue;
            }
            out.push_str(&text[copied_up_to..start]);
            let replacement = format!("[REDACTED:{}]", found.category);
            out.push_str(&replacement);
            changes.push(Change {
                offset: start,
                original: text[start..end].to_owned(),
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
