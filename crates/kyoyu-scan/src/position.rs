//! Where a match stands in a text input: line and column, counted as the chunks of a stream
//! pass, so that no input is ever held whole.
//!
//! Key decision: an input is *text* when its first block (the first buffer a scan reads: the
//! chunk size plus the overlap, or the whole input if shorter) has no NUL byte and decodes
//! without error as UTF-8, else as Shift_JIS, else as EUC-JP. In these three encodings the byte
//! 0x0A is always a line feed (it is never part of a multi-byte character), so lines are counted
//! by counting 0x0A bytes, and a line feed resets the character state. Everything else —
//! including UTF-16 text, whose line feeds are two bytes — is *binary*: its matches keep a byte
//! offset only. Lines end at LF (so CRLF works; a lone CR is not a line end).
//!
//! Columns count the characters of the decoded line before the match. They are counted with a
//! small `Copy` state machine per encoding instead of `encoding_rs`'s `Decoder` because the
//! scanner has to copy the counter's state at a chunk edge and `Decoder` cannot be copied; on
//! valid text the count equals the number of characters `encoding_rs` decodes (tested), on
//! malformed bytes it stays close (one character per malformed sequence, as a decoder's
//! replacement characters would be) and never panics.

use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS, UTF_8};

/// A text encoding in which line and column of a match can be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextEncoding {
    /// UTF-8 (and plain ASCII).
    Utf8,
    /// Shift_JIS (Windows-31J, as `encoding_rs` decodes it).
    ShiftJis,
    /// EUC-JP.
    EucJp,
}

impl TextEncoding {
    /// The label used in output: `utf-8`, `shift_jis`, `euc-jp` (as [`Form`](crate::Form)
    /// prints the same encodings).
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::ShiftJis => "shift_jis",
            TextEncoding::EucJp => "euc-jp",
        }
    }

    /// The `encoding_rs` encoding, for decoding excerpts.
    pub fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::ShiftJis => SHIFT_JIS,
            TextEncoding::EucJp => EUC_JP,
        }
    }

    /// Decides whether an input is text, from its first block (see the module documentation).
    /// `complete` says the block is the whole input; when it is not, a character cut by the
    /// block's end is allowed.
    pub fn detect(first_block: &[u8], complete: bool) -> Option<TextEncoding> {
        if memchr::memchr(0, first_block).is_some() {
            return None;
        }
        // A multi-byte character is at most 3 bytes in the candidates (4 in UTF-8).
        let cuts = if complete { 0..=0 } else { 0..=3 };
        if let Err(error) = std::str::from_utf8(first_block) {
            let cut_at_end = !complete && error.error_len().is_none();
            if !cut_at_end {
                return [TextEncoding::ShiftJis, TextEncoding::EucJp]
                    .into_iter()
                    .find(|encoding| {
                        cuts.clone().any(|cut| {
                            cut <= first_block.len()
                                && encoding
                                    .encoding()
                                    .decode_without_bom_handling_and_without_replacement(
                                        &first_block[..first_block.len() - cut],
                                    )
                                    .is_some()
                        })
                    });
            }
        }
        Some(TextEncoding::Utf8)
    }
}

/// The number of 0x0A bytes, by `memchr`'s vectorized search (runtime-selected SSE2/AVX2): a
/// plain `filter().count()` does not vectorize well and measured at half the scanner's speed on
/// dense text (about 0.9 against 1.7 GB/s on the project machine).
fn count_line_feeds(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Line and column of a match in a text input, both counted from 1; the column in characters
/// of the decoded line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextPosition {
    /// The line (1 for the first).
    pub line: u64,
    /// The character in the line (1 for the first).
    pub column: u64,
    /// The encoding the input was taken to be in.
    pub encoding: TextEncoding,
}

/// Counts lines and characters over consecutive pieces of one input. `Copy`, so a scan can look
/// ahead inside a chunk and go on from where it committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCounter {
    encoding: TextEncoding,
    offset: u64,
    line_feeds: u64,
    chars_in_line: u64,
    /// Shift_JIS: 1 after a lead byte. EUC-JP: trail bytes still expected.
    pending: u8,
}

impl LineCounter {
    /// A counter at the start of an input.
    pub fn new(encoding: TextEncoding) -> LineCounter {
        LineCounter {
            encoding,
            offset: 0,
            line_feeds: 0,
            chars_in_line: 0,
            pending: 0,
        }
    }

    /// The byte offset the counter has reached.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The position of the byte at [`offset`](LineCounter::offset).
    pub fn position(&self) -> TextPosition {
        TextPosition {
            line: self.line_feeds + 1,
            column: self.chars_in_line + 1,
            encoding: self.encoding,
        }
    }

    /// Takes in the next bytes of the input (those starting at [`offset`](LineCounter::offset)).
    /// Only the part after the last line feed is decoded character by character.
    pub fn advance(&mut self, bytes: &[u8]) {
        self.offset += bytes.len() as u64;
        let tail = match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line_feeds += count_line_feeds(bytes);
                self.chars_in_line = 0;
                self.pending = 0;
                &bytes[last + 1..]
            }
            None => bytes,
        };
        match self.encoding {
            TextEncoding::Utf8 => {
                self.chars_in_line += tail
                    .iter()
                    .filter(|&&byte| !(0x80..0xC0).contains(&byte))
                    .count() as u64;
            }
            TextEncoding::ShiftJis => {
                for &byte in tail {
                    self.shift_jis(byte);
                }
            }
            TextEncoding::EucJp => {
                for &byte in tail {
                    self.euc_jp(byte);
                }
            }
        }
    }

    fn shift_jis(&mut self, byte: u8) {
        if self.pending == 1 {
            self.pending = 0;
            // A trail byte, or a non-ASCII byte swallowed by the malformed pair: same character.
            if matches!(byte, 0x40..=0x7E | 0x80..=0xFF) {
                return;
            }
        }
        self.chars_in_line += 1;
        if matches!(byte, 0x81..=0x9F | 0xE0..=0xFC) {
            self.pending = 1;
        }
    }

    fn euc_jp(&mut self, byte: u8) {
        if self.pending > 0 {
            if matches!(byte, 0xA1..=0xFE) {
                self.pending -= 1;
                return;
            }
            self.pending = 0;
            if byte >= 0x80 {
                return;
            }
        }
        self.chars_in_line += 1;
        self.pending = match byte {
            0x8E => 1,
            0x8F => 2,
            0xA1..=0xFE => 1,
            _ => 0,
        };
    }
}

/// The position of every byte offset in `offsets` (ascending) within `bytes`, counted on the
/// whole buffer at once: the reference the streamed count is tested against.
pub fn positions_in(bytes: &[u8], encoding: TextEncoding, offsets: &[usize]) -> Vec<TextPosition> {
    let mut counter = LineCounter::new(encoding);
    offsets
        .iter()
        .map(|&offset| {
            let from = (counter.offset() as usize).min(bytes.len());
            let to = offset.clamp(from, bytes.len());
            counter.advance(&bytes[from..to]);
            counter.position()
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn line_feeds_are_counted_in_lanes_exactly() {
        for length in [0usize, 1, 31, 32, 33, 8159, 8160, 8161, 100_000] {
            let bytes: Vec<u8> = (0..length)
                .map(|index| {
                    if index % 7 == 0 || index % 13 == 0 {
                        b'\n'
                    } else {
                        b'a'
                    }
                })
                .collect();
            let plain = bytes.iter().filter(|&&byte| byte == b'\n').count() as u64;
            assert_eq!(super::count_line_feeds(&bytes), plain, "{length}");
        }
        assert_eq!(super::count_line_feeds(&[b'\n'; 300_000]), 300_000);
    }

    use super::*;

    #[test]
    fn detection_tells_text_encodings_from_binary() {
        assert_eq!(
            TextEncoding::detect(b"plain ascii\n", true),
            Some(TextEncoding::Utf8)
        );
        assert_eq!(
            TextEncoding::detect("東京\n".as_bytes(), true),
            Some(TextEncoding::Utf8)
        );
        let (sjis, _, _) = SHIFT_JIS.encode("東京電機の山田\n");
        assert_eq!(
            TextEncoding::detect(&sjis, true),
            Some(TextEncoding::ShiftJis)
        );
        let (euc, _, _) = EUC_JP.encode("ｱ東京電機の山田\n");
        assert_eq!(TextEncoding::detect(&euc, true), Some(TextEncoding::EucJp));
        assert_eq!(TextEncoding::detect(b"MZ\x90\0\x03", true), None);
        assert_eq!(
            TextEncoding::detect(b"t\0e\0x\0t\0", true),
            None,
            "UTF-16 is binary"
        );
        // A character cut by the end of the first block does not make the input binary.
        let cut = &"ab東".as_bytes()[..4];
        assert_eq!(TextEncoding::detect(cut, false), Some(TextEncoding::Utf8));
    }

    #[test]
    fn columns_count_characters_and_lines_count_line_feeds() {
        let text = "一行目\r\n二行目の ab 東京";
        let at = text.find('東').unwrap();
        assert_eq!(
            positions_in(text.as_bytes(), TextEncoding::Utf8, &[0, at]),
            [
                TextPosition {
                    line: 1,
                    column: 1,
                    encoding: TextEncoding::Utf8
                },
                TextPosition {
                    line: 2,
                    column: 9,
                    encoding: TextEncoding::Utf8
                }
            ]
        );
        let (sjis, _, _) = SHIFT_JIS.encode(text);
        let at = sjis.len() - 4;
        assert_eq!(
            positions_in(&sjis, TextEncoding::ShiftJis, &[at])[0].column,
            9
        );
    }
}
