//! Matches for people: the matched bytes and their context decoded in the encoding the match was
//! found in, so a Shift_JIS, EUC-JP or UTF-16 hit reads as Japanese text, not as bytes.
//!
//! Key decision: decoding is `encoding_rs`'s, without replacement characters — every byte it
//! cannot decode is shown as `\xNN`, and control and invisible formatting characters (line
//! breaks, tabs, bidi overrides, zero-width spaces, BOM) are escaped too, so an excerpt is always
//! one readable line and never hides what is there. The context is trimmed to a character edge
//! of its encoding first (an even length in UTF-16; after a byte that is always a whole character
//! in Shift_JIS and EUC-JP), so the first character is not garbage.

use encoding_rs::{DecoderResult, EUC_JP, Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};

use crate::{Form, Match, TextEncoding};

/// The encoding to show bytes of a match in: the form's own, else the input's text encoding,
/// else UTF-8 (ASCII forms in binary input).
fn display_encoding(form: Form, text: Option<TextEncoding>, matched: &[u8]) -> &'static Encoding {
    match form {
        Form::Utf16Le => UTF_16LE,
        Form::Utf16Be => UTF_16BE,
        Form::ShiftJis => SHIFT_JIS,
        Form::EucJp => EUC_JP,
        // Full-width letters are written in one of four encodings; the bytes tell which.
        Form::Fullwidth => {
            if std::str::from_utf8(matched).is_ok() {
                UTF_8
            } else if matched.len().is_multiple_of(2)
                && matched.iter().skip(1).step_by(2).all(|&b| b == 0xFF)
            {
                UTF_16LE
            } else if EUC_JP
                .decode_without_bom_handling_and_without_replacement(matched)
                .is_some()
            {
                EUC_JP
            } else {
                SHIFT_JIS
            }
        }
        _ => text.map_or(UTF_8, TextEncoding::encoding),
    }
}

/// Drops the bytes at the start of `before` that may be the tail of a character.
fn from_character_edge<'a>(encoding: &'static Encoding, before: &'a [u8]) -> &'a [u8] {
    if encoding == UTF_16LE || encoding == UTF_16BE {
        &before[before.len() % 2..]
    } else if encoding == UTF_8 {
        let skip = before
            .iter()
            .take(3)
            .take_while(|&&b| (0x80..0xC0).contains(&b))
            .count();
        &before[skip..]
    } else {
        // Bytes below 0x40 (Shift_JIS) or 0x80 (EUC-JP) are always a character of their own.
        let single = if encoding == SHIFT_JIS { 0x40 } else { 0x80 };
        match before.iter().position(|&b| b < single) {
            Some(at) => &before[at..],
            None => before,
        }
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}' => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
}

/// `bytes` decoded in `encoding`, undecodable bytes as `\xNN`, control characters escaped. A
/// character cut by the end of `bytes` is left out when `cut_at_end`.
fn decode_escaped(encoding: &'static Encoding, bytes: &[u8], cut_at_end: bool) -> String {
    let mut out = String::new();
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut rest = bytes;
    let mut decoded = String::new();
    loop {
        decoded.clear();
        decoded.reserve(4 * rest.len() + 16);
        let (result, read) =
            decoder.decode_to_string_without_replacement(rest, &mut decoded, !cut_at_end);
        push_escaped(&mut out, &decoded);
        match result {
            DecoderResult::InputEmpty => return out,
            DecoderResult::Malformed(bad, after) => {
                let end = read.saturating_sub(after as usize);
                let start = end.saturating_sub(bad as usize);
                for byte in &rest[start..end] {
                    out.push_str(&format!("\\x{byte:02x}"));
                }
            }
            // Cannot happen with the room reserved above; stop rather than loop.
            DecoderResult::OutputFull if read == 0 => return out,
            DecoderResult::OutputFull => {}
        }
        rest = &rest[read..];
    }
}

/// The matched bytes of `form` decoded for people (see the module documentation); `text` is the
/// input's text encoding when it is text.
/// XOR forms are not text in any encoding: printable ASCII, the rest as `\xNN`.
pub fn readable(form: Form, text: Option<TextEncoding>, bytes: &[u8]) -> String {
    if let Form::Xor(_) = form {
        return bytes
            .iter()
            .map(|&byte| {
                if byte.is_ascii_graphic() || byte == b' ' {
                    (byte as char).to_string()
                } else {
                    format!("\\x{byte:02x}")
                }
            })
            .collect();
    }
    decode_escaped(display_encoding(form, text, bytes), bytes, false)
}

impl Match<'_> {
    /// The matched bytes decoded for people: `東京電機` for a Shift_JIS hit.
    pub fn readable(&self) -> String {
        readable(
            self.form,
            self.position.map(|position| position.encoding),
            self.bytes,
        )
    }

    /// The match with its context ([`Match::before`], [`Match::after`]) decoded for people, on
    /// one line.
    pub fn excerpt(&self) -> String {
        let encoding = display_encoding(
            self.form,
            self.position.map(|position| position.encoding),
            self.bytes,
        );
        if let Form::Xor(_) = self.form {
            return [self.before, self.bytes, self.after]
                .map(|part| readable(self.form, None, part))
                .concat();
        }
        // Context reaching back to the start of the input starts at a character edge.
        let before = if self.offset == self.before.len() as u64 {
            self.before
        } else {
            from_character_edge(encoding, self.before)
        };
        let mut excerpt = decode_escaped(encoding, before, false);
        excerpt.push_str(&decode_escaped(encoding, self.bytes, false));
        excerpt.push_str(&decode_escaped(encoding, self.after, true));
        excerpt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_encodings_decode_and_the_rest_is_escaped() {
        let (sjis, _, _) = SHIFT_JIS.encode("東京電機");
        assert_eq!(readable(Form::ShiftJis, None, &sjis), "東京電機");
        let (euc, _, _) = EUC_JP.encode("東京電機");
        assert_eq!(readable(Form::EucJp, None, &euc), "東京電機");
        assert_eq!(readable(Form::Utf16Le, None, b"a\0b\0"), "ab");
        assert_eq!(
            readable(Form::Ascii, None, b"ab\x00\xff\ncd\xe2\x80\xae"),
            "ab\\u{0000}\\xff\\ncd\\u{202e}"
        );
    }

    #[test]
    fn context_starts_at_a_character_edge() {
        let (sjis, _, _) = SHIFT_JIS.encode("漢字 東京");
        // Cut inside the first character: its trail byte is dropped, not shown as garbage.
        assert_eq!(from_character_edge(SHIFT_JIS, &sjis[1..]), &sjis[4..]);
        assert_eq!(from_character_edge(UTF_16LE, b"\0a\0"), b"a\0");
        assert_eq!(from_character_edge(UTF_8, &"東a".as_bytes()[1..]), b"a");
    }
}
