//! Build time: turn one identifier into the byte patterns of every form it takes in samples and
//! documents. Key decision: forms are enumerated up front (a few dozen patterns per identifier)
//! so that scanning is one pass of one engine; case variants that byte-level ASCII folding cannot
//! cover (non-ASCII text, full-width letters, base64, XOR) are enumerated as the identifier as
//! written, in lower case and in upper case.

use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS};

use crate::engine::{FOLD, Pattern, Unit};
use crate::{Category, Form, FormSet};

/// Compiles one identifier.
pub(crate) struct FormCompiler<'a> {
    pub(crate) forms: FormSet,
    pub(crate) deep_xor: bool,
    pub(crate) out: &'a mut Vec<Pattern>,
    pub(crate) identifier: u32,
}

impl FormCompiler<'_> {
    fn push(&mut self, form: Form, bytes: Vec<u8>, fold: bool, word_in_text: Option<Unit>) {
        if bytes.is_empty() || !self.forms.contains(form) {
            return;
        }
        let bytes = if fold {
            bytes.iter().map(|&b| FOLD[b as usize]).collect()
        } else {
            bytes
        };
        self.out.push(Pattern {
            bytes: bytes.into_boxed_slice(),
            fold,
            identifier: self.identifier,
            form,
            word_in_text,
        });
    }

    /// A short ASCII identifier (an abbreviation): exact case, ASCII and UTF-16 only, and only as
    /// a word inside text (see the crate README, "Short identifiers").
    pub(crate) fn short(&mut self, text: &str) {
        self.push(
            Form::Ascii,
            text.as_bytes().to_vec(),
            false,
            Some(Unit::Byte),
        );
        self.push(Form::Utf16Le, utf16le(text), false, Some(Unit::Utf16Le));
        self.push(Form::Utf16Be, utf16be(text), false, Some(Unit::Utf16Be));
    }

    /// Every form of a normal identifier.
    pub(crate) fn full(&mut self, text: &str, category: Category) {
        if text.is_ascii() {
            self.ascii(text, category);
        } else {
            self.non_ascii(text, category);
        }
    }

    fn ascii(&mut self, text: &str, category: Category) {
        self.push(Form::Ascii, text.as_bytes().to_vec(), true, None);
        self.push(Form::Utf16Le, utf16le(text), true, None);
        self.push(Form::Utf16Be, utf16be(text), true, None);
        let cases = case_variants(text);
        if text.bytes().any(|b| b.is_ascii_alphanumeric()) {
            for variant in &cases {
                let wide = fullwidth(variant);
                self.push(Form::Fullwidth, wide.as_bytes().to_vec(), false, None);
                self.push(Form::Fullwidth, utf16le(&wide), false, None);
                for encoding in [SHIFT_JIS, EUC_JP] {
                    if let Some(bytes) = encode(encoding, &wide) {
                        self.push(Form::Fullwidth, bytes, false, None);
                    }
                }
            }
        }
        let percent = percent_encode(text.as_bytes());
        if percent != text {
            self.push(Form::Percent, percent.into_bytes(), true, None);
        }
        for variant in &cases {
            self.base64_all(variant.as_bytes());
        }
        for variant in case_variants_two(text) {
            self.base64_all(&utf16le(&variant));
        }
        if category.is_dns_name() && text.to_ascii_lowercase().contains("xn--") {
            let (unicode, result) = idna::domain_to_unicode(text);
            if result.is_ok() && unicode != text.to_ascii_lowercase() {
                for variant in case_variants(&unicode) {
                    self.push(Form::Punycode, variant.into_bytes(), false, None);
                }
            }
        }
        if self.deep_xor && self.forms.contains(Form::Xor(0)) {
            for variant in case_variants_two(text) {
                self.xor_all(variant.as_bytes());
            }
        }
    }

    fn non_ascii(&mut self, text: &str, category: Category) {
        let mut variants = Vec::new();
        for spaced in space_variants(text) {
            for variant in case_variants(&spaced) {
                if !variants.contains(&variant) {
                    variants.push(variant);
                }
            }
        }
        for variant in &variants {
            self.push(Form::Utf8, variant.as_bytes().to_vec(), false, None);
            self.push(Form::Utf16Le, utf16le(variant), false, None);
            self.push(Form::Utf16Be, utf16be(variant), false, None);
            if let Some(bytes) = encode(SHIFT_JIS, variant) {
                self.push(Form::ShiftJis, bytes, false, None);
            }
            if let Some(bytes) = encode(EUC_JP, variant) {
                self.push(Form::EucJp, bytes, false, None);
            }
            self.push(
                Form::Percent,
                percent_encode(variant.as_bytes()).into_bytes(),
                true,
                None,
            );
            self.base64_all(variant.as_bytes());
            if self.deep_xor && self.forms.contains(Form::Xor(0)) {
                self.xor_all(variant.as_bytes());
            }
        }
        if category.is_dns_name()
            && let Ok(ascii) = idna::domain_to_ascii(text)
            && ascii.contains("xn--")
        {
            self.push(Form::Punycode, ascii.into_bytes(), true, None);
        }
    }

    /// The stable core of the base64 encoding at each of the three alignments: the characters
    /// that depend only on `bytes`, whatever surrounds them.
    fn base64_all(&mut self, bytes: &[u8]) {
        for offset in 0..3 {
            if let Some(core) = base64_core(bytes, offset) {
                self.push(Form::Base64, core, false, None);
            }
        }
    }

    fn xor_all(&mut self, bytes: &[u8]) {
        for key in 1..=255u8 {
            self.push(
                Form::Xor(key),
                bytes.iter().map(|b| b ^ key).collect(),
                false,
                None,
            );
        }
    }
}

pub(crate) fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

pub(crate) fn utf16be(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn encode(encoding: &'static Encoding, text: &str) -> Option<Vec<u8>> {
    let (bytes, _, had_unmappable) = encoding.encode(text);
    (!had_unmappable).then(|| bytes.into_owned())
}

/// As written, lower case, upper case; without duplicates.
fn case_variants(text: &str) -> Vec<String> {
    let mut variants = vec![text.to_owned()];
    for variant in [text.to_lowercase(), text.to_uppercase()] {
        if !variants.contains(&variant) {
            variants.push(variant);
        }
    }
    variants
}

/// As written and lower case (for the costlier forms).
fn case_variants_two(text: &str) -> Vec<String> {
    let mut variants = vec![text.to_owned()];
    let lower = text.to_lowercase();
    if lower != text {
        variants.push(lower);
    }
    variants
}

/// Japanese names are written with an ASCII space, an ideographic space (U+3000) or none.
fn space_variants(text: &str) -> Vec<String> {
    let mut variants = vec![text.to_owned()];
    if text.contains([' ', '\u{3000}']) {
        for joiner in ["", " ", "\u{3000}"] {
            let variant = text
                .split([' ', '\u{3000}'])
                .collect::<Vec<_>>()
                .join(joiner);
            if !variants.contains(&variant) {
                variants.push(variant);
            }
        }
    }
    variants
}

/// ASCII `!`..`~` to U+FF01..U+FF5E, space to U+3000.
pub(crate) fn fullwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
pub(crate) fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 without padding.
pub(crate) fn base64(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..=chunk.len() {
            out.push(BASE64_ALPHABET[(word >> (18 - 6 * i) & 63) as usize]);
        }
    }
    out
}

/// The base64 characters of `bytes` preceded by `offset` unknown bytes that do not depend on
/// those unknown bytes nor on what follows. `None` when too short to be specific.
fn base64_core(bytes: &[u8], offset: usize) -> Option<Vec<u8>> {
    let mut padded = vec![0u8; offset];
    padded.extend_from_slice(bytes);
    let encoded = base64(&padded);
    // Character i covers bits [6i, 6i + 6) of the padded input.
    let first = (8 * offset).div_ceil(6);
    let last = 8 * (offset + bytes.len()) / 6;
    (last >= first + 6).then(|| encoded[first..last.min(encoded.len())].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_cores_are_substrings_of_real_encodings() {
        let text = b"contoso.com";
        for offset in 0..3 {
            let core = base64_core(text, offset).unwrap();
            for prefix in [b"xyz".as_slice(), b"\xff\x00\x10"] {
                let mut data = prefix[..offset].to_vec();
                data.extend_from_slice(text);
                data.extend_from_slice(b"tail");
                let encoded = base64(&data);
                assert!(
                    encoded.windows(core.len()).any(|w| w == core),
                    "offset {offset}"
                );
            }
        }
    }

    #[test]
    fn fullwidth_maps_letters_and_digits() {
        assert_eq!(fullwidth("Ab1 "), "Ａｂ１\u{3000}");
    }
}
