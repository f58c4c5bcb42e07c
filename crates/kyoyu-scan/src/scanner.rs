//! The builder, the frozen scanner, and scanning of buffers and streams.
//!
//! Key decision: streams are scanned in fixed-size chunks (1 MiB by default) with an overlap of
//! the longest pattern plus a little context, and a match is reported by the chunk in which it
//! *ends* inside the reporting window — so a match split over two chunks is found exactly once
//! and memory stays at one chunk plus the overlap, whatever the input size. Files are read, not
//! memory-mapped: the workspace forbids `unsafe`, and a mapped file truncated by another process
//! is undefined behaviour. The hits of one window are collected, sorted by position and then
//! pushed to the sink, each with its line and column when the input is text (counted by a
//! [`LineCounter`] that moves forward as the chunks are dropped, see [`crate::position`]).

use std::collections::HashSet;
use std::io::{self, Read};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::{Engine, Pattern, Unit};
use crate::forms::FormCompiler;
use crate::ipv4::{MAX_QUAD_BYTES, find_quads};
use crate::{
    BuildError, Category, Form, FormSet, LineCounter, MATCH_CONTEXT_BYTES, Match, ScanError, Sink,
    TextEncoding,
};

/// Bytes of text context inspected on each side of a short identifier.
pub(crate) const CONTEXT_UNITS: usize = 8;
/// Context bytes kept around a chunk boundary: enough for the short-identifier rule in UTF-16
/// plus the boundary unit, and for the digit/dot checks around a quad.
const CONTEXT_BYTES: usize = 2 * CONTEXT_UNITS + 4;

/// Settings of a scanner. `Options::default()` is what `kyoyu scan` uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Add single-byte XOR forms (keys 0x01–0xFF) of the ASCII/UTF-8 form, like YARA's `xor`.
    /// Off by default: 510 extra patterns per identifier make the scan several times slower.
    pub deep_xor: bool,
    /// ASCII identifiers of at most this many characters are *short*: matched only as a whole
    /// word inside text, in the exact case written, as ASCII or UTF-16 (default 3).
    pub short_identifier_max_chars: usize,
    /// Identifiers shorter than this many characters are refused at build time (default 2).
    pub min_identifier_chars: usize,
    /// Which forms to compile (default: all).
    pub forms: FormSet,
    /// Chunk size for streamed input (default 1 MiB; at least 64 KiB is used).
    pub chunk_size: usize,
    /// Passwords tried, in order, on encrypted ZIP entries (default: `infected`, the field's
    /// convention for sample archives).
    pub archive_passwords: Vec<Vec<u8>>,
    /// Archives inside archives are opened in memory up to this size (default 64 MiB) and this
    /// depth (default 3); larger or deeper ones are scanned as plain bytes.
    pub nested_archive_max_bytes: u64,
    /// See `nested_archive_max_bytes`.
    pub nested_archive_max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            deep_xor: false,
            short_identifier_max_chars: 3,
            min_identifier_chars: 2,
            forms: FormSet::ALL,
            chunk_size: 1 << 20,
            archive_passwords: vec![b"infected".to_vec()],
            nested_archive_max_bytes: 64 << 20,
            nested_archive_max_depth: 3,
        }
    }
}

/// Collects identifiers and ranges; [`build`](ScannerBuilder::build) compiles them.
#[derive(Debug, Clone, Default)]
pub struct ScannerBuilder {
    identifiers: Vec<(Category, String)>,
    ranges: Vec<IpNet>,
    options: Options,
}

impl ScannerBuilder {
    /// An empty builder with default options.
    pub fn new() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// Adds an identifier. Surrounding whitespace is ignored. A host pattern with wildcards
    /// (`*.corp.example.local`) contributes its literal pieces (`corp.example.local`).
    pub fn identifier(&mut self, category: Category, text: impl Into<String>) -> &mut Self {
        self.identifiers.push((category, text.into()));
        self
    }

    /// Adds several identifiers of one category.
    pub fn identifiers<I, S>(&mut self, category: Category, texts: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for text in texts {
            self.identifier(category, text);
        }
        self
    }

    /// Adds an IP range of the organization. IPv4 ranges are matched as dotted quads in any
    /// input; IPv6 ranges are kept for [`Scanner::address_in_ranges`] only.
    pub fn ip_range(&mut self, range: IpNet) -> &mut Self {
        self.ranges.push(range.trunc());
        self
    }

    /// Replaces the options.
    pub fn options(&mut self, options: Options) -> &mut Self {
        self.options = options;
        self
    }

    /// Turns deep (XOR) mode on or off.
    pub fn deep_xor(&mut self, on: bool) -> &mut Self {
        self.options.deep_xor = on;
        self
    }

    /// Restricts the compiled forms.
    pub fn forms(&mut self, forms: FormSet) -> &mut Self {
        self.options.forms = forms;
        self
    }

    /// Compiles every form of every identifier into a frozen scanner.
    pub fn build(&self) -> Result<Scanner, BuildError> {
        let options = self.options.clone();
        let mut identifiers: Vec<(Category, String)> = Vec::new();
        let mut patterns = Vec::new();
        let mut seen_identifiers = HashSet::new();
        for (category, raw) in &self.identifiers {
            for piece in literal_pieces(*category, raw) {
                let chars = piece.chars().count();
                if chars < options.min_identifier_chars.max(1) {
                    return Err(BuildError::TooShort {
                        identifier: raw.clone(),
                        category: *category,
                        chars,
                        min: options.min_identifier_chars,
                    });
                }
                if !seen_identifiers.insert(piece.to_lowercase()) {
                    continue;
                }
                let mut compiler = FormCompiler {
                    forms: options.forms,
                    deep_xor: options.deep_xor,
                    out: &mut patterns,
                    identifier: identifiers.len() as u32,
                };
                if piece.is_ascii() && chars <= options.short_identifier_max_chars {
                    compiler.short(&piece);
                } else {
                    compiler.full(&piece, *category);
                }
                identifiers.push((*category, piece));
            }
        }
        // One pattern per distinct byte string: the first identifier and form win.
        let mut seen_patterns = HashSet::new();
        patterns.retain(|p: &Pattern| seen_patterns.insert((p.bytes.clone(), p.fold)));
        let range_base = identifiers.len();
        for range in &self.ranges {
            identifiers.push((Category::IpRange, range.to_string()));
        }
        let has_v4_ranges = options.forms.contains(Form::Ipv4InRange)
            && self.ranges.iter().any(|r| matches!(r, IpNet::V4(_)));
        let engine = Engine::new(patterns)?;
        let overlap = engine.max_pattern_len.max(MAX_QUAD_BYTES) + 2 * CONTEXT_BYTES;
        Ok(Scanner {
            identifiers,
            engine,
            ranges: self.ranges.clone(),
            range_base,
            has_v4_ranges,
            overlap,
            options,
        })
    }
}

/// The literal text a profile entry contributes: host patterns lose their wildcards.
fn literal_pieces(category: Category, raw: &str) -> Vec<String> {
    let text = raw.trim();
    if category == Category::Hostname && text.contains(['*', '?']) {
        text.split(['*', '?'])
            .map(|piece| piece.trim_matches(['.', '-']))
            .filter(|piece| !piece.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        vec![text.to_owned()]
    }
}

/// What one scan covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Bytes scanned (decompressed bytes for archive entries).
    pub bytes: u64,
    /// Matches pushed to the sink.
    pub matches: u64,
    /// Inputs scanned (files, archive entries; 1 for a buffer or reader).
    pub inputs: u64,
    /// Inputs that could not be read (reported through [`Sink::error`]).
    pub errors: u64,
    /// The sink asked to stop.
    pub stopped: bool,
}

/// A compiled, immutable identifier scanner. `Send + Sync`: build once, share with `Arc`.
pub struct Scanner {
    identifiers: Vec<(Category, String)>,
    pub(crate) engine: Engine,
    ranges: Vec<IpNet>,
    range_base: usize,
    has_v4_ranges: bool,
    overlap: usize,
    pub(crate) options: Options,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("identifiers", &self.identifiers.len())
            .field("patterns", &self.engine.patterns.len())
            .field("ranges", &self.ranges)
            .finish_non_exhaustive()
    }
}

/// The reporting window of one buffer: a match is reported when its end (absolute offset) is in
/// `(after, up_to]`. `lines` is the line counter at `base` (text input only).
#[derive(Debug, Clone, Copy)]
struct Window {
    base: u64,
    after: u64,
    up_to: u64,
    lines: Option<LineCounter>,
}

/// One hit inside a window, before it is sorted and reported.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    len: usize,
    identifier: usize,
    form: Form,
}

impl Scanner {
    /// A new builder.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::new()
    }

    /// The options the scanner was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The compiled identifiers (after wildcard splitting and de-duplication) and ranges.
    pub fn identifiers(&self) -> impl Iterator<Item = (Category, &str)> {
        self.identifiers
            .iter()
            .map(|(category, text)| (*category, text.as_str()))
    }

    /// Number of compiled byte patterns (all forms of all identifiers).
    pub fn pattern_count(&self) -> usize {
        self.engine.patterns.len()
    }

    /// The first of the profile's ranges that contains `address`, if any.
    pub fn address_in_ranges(&self, address: IpAddr) -> Option<&IpNet> {
        self.ranges.iter().find(|range| range.contains(&address))
    }

    /// Scans a buffer; matches have an empty source.
    pub fn scan_bytes<S: Sink + ?Sized>(&self, bytes: &[u8], sink: &mut S) -> ScanSummary {
        self.scan_named_bytes(bytes, "", sink)
    }

    /// Scans a buffer whose matches carry `source`.
    pub fn scan_named_bytes<S: Sink + ?Sized>(
        &self,
        bytes: &[u8],
        source: &str,
        sink: &mut S,
    ) -> ScanSummary {
        let mut summary = ScanSummary {
            bytes: bytes.len() as u64,
            inputs: 1,
            ..ScanSummary::default()
        };
        let first_block = &bytes[..bytes.len().min(self.first_block_len())];
        let window = Window {
            base: 0,
            after: 0,
            up_to: bytes.len() as u64,
            lines: TextEncoding::detect(first_block, first_block.len() == bytes.len())
                .map(LineCounter::new),
        };
        let mut hits = Vec::new();
        summary.stopped =
            !self.scan_window(bytes, window, source, sink, &mut summary.matches, &mut hits);
        summary
    }

    /// Scans a stream in fixed-size chunks with overlap; memory stays bounded by
    /// [`Options::chunk_size`] plus the longest pattern, whatever the stream's length.
    pub fn scan_reader<R: Read, S: Sink + ?Sized>(
        &self,
        reader: R,
        source: &str,
        sink: &mut S,
    ) -> Result<ScanSummary, ScanError> {
        let mut summary = ScanSummary {
            inputs: 1,
            ..ScanSummary::default()
        };
        self.stream(reader, source, sink, &mut summary)
            .map_err(|error| ScanError::Io {
                source_name: source.to_owned(),
                error,
            })?;
        Ok(summary)
    }

    /// The first buffer a stream scan reads, which decides text or binary.
    fn first_block_len(&self) -> usize {
        self.options.chunk_size.max(64 << 10) + self.overlap
    }

    pub(crate) fn stream<R: Read, S: Sink + ?Sized>(
        &self,
        mut reader: R,
        source: &str,
        sink: &mut S,
        summary: &mut ScanSummary,
    ) -> io::Result<()> {
        let capacity = self.first_block_len();
        let mut buffer = vec![0u8; capacity];
        let mut filled = 0usize;
        let mut base = 0u64;
        let mut reported_up_to = 0u64;
        let mut hits = Vec::new();
        // Decided on the first buffer; then moved forward over every byte that is dropped.
        let mut lines: Option<Option<LineCounter>> = None;
        loop {
            let mut eof = false;
            while filled < capacity {
                match reader.read(&mut buffer[filled..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            let end = base + filled as u64;
            let up_to = if eof { end } else { end - CONTEXT_BYTES as u64 };
            let counter = *lines.get_or_insert_with(|| {
                TextEncoding::detect(&buffer[..filled], eof).map(LineCounter::new)
            });
            let window = Window {
                base,
                after: reported_up_to,
                up_to,
                lines: counter,
            };
            if !self.scan_window(
                &buffer[..filled],
                window,
                source,
                sink,
                &mut summary.matches,
                &mut hits,
            ) {
                summary.stopped = true;
            }
            summary.bytes = end;
            if eof || summary.stopped {
                return Ok(());
            }
            reported_up_to = up_to;
            // Keep what a match ending after `up_to` may start in, plus its left context.
            let keep_from = up_to
                .saturating_sub((self.overlap - CONTEXT_BYTES) as u64)
                .max(base);
            let drop = (keep_from - base) as usize;
            if let Some(Some(counter)) = &mut lines {
                counter.advance(&buffer[..drop]);
            }
            buffer.copy_within(drop..filled, 0);
            filled -= drop;
            base = keep_from;
        }
    }

    /// Finds everything in `haystack` that ends inside the window and reports it in order of
    /// position, with line and column for text.
    fn scan_window<S: Sink + ?Sized>(
        &self,
        haystack: &[u8],
        window: Window,
        source: &str,
        sink: &mut S,
        matches: &mut u64,
        hits: &mut Vec<Hit>,
    ) -> bool {
        hits.clear();
        self.find_hits(haystack, window, hits);
        // Stable: hits at the same place keep the engine's order (patterns before addresses).
        hits.sort_by_key(|hit| hit.start);
        let mut lines = window.lines;
        for hit in hits.iter() {
            let position = lines.as_mut().map(|counter| {
                let from = (counter.offset() - window.base) as usize;
                counter.advance(&haystack[from..hit.start.max(from)]);
                counter.position()
            });
            let (category, identifier) = &self.identifiers[hit.identifier];
            let end = hit.start + hit.len;
            *matches += 1;
            let keep_going = sink.matched(&Match {
                identifier,
                category: *category,
                form: hit.form,
                offset: window.base + hit.start as u64,
                position,
                bytes: &haystack[hit.start..end],
                before: &haystack[hit.start.saturating_sub(MATCH_CONTEXT_BYTES)..hit.start],
                after: &haystack[end..(end + MATCH_CONTEXT_BYTES).min(haystack.len())],
                source,
            });
            if !keep_going {
                return false;
            }
        }
        true
    }

    /// Every pattern and address occurrence in `haystack` whose end is inside the window.
    fn find_hits(&self, haystack: &[u8], window: Window, hits: &mut Vec<Hit>) {
        let in_window = |start: usize, len: usize| {
            let end = window.base + (start + len) as u64;
            end > window.after && end <= window.up_to
        };
        let patterns = &self.engine.patterns;
        self.engine.find(haystack, |id, start| {
            let pattern = &patterns[id as usize];
            let len = pattern.bytes.len();
            if !in_window(start, len) {
                return true;
            }
            // ASCII in UTF-16 is ambiguous by one byte: "\0a\0b" (BE) is also "a\0b\0" (LE)
            // one byte later. When the LE reading holds too, only the LE pattern reports it.
            if pattern.form == Form::Utf16Be
                && pattern.bytes.first() == Some(&0)
                && haystack.get(start + len) == Some(&0)
            {
                return true;
            }
            if let Some(unit) = pattern.word_in_text
                && !word_in_text(haystack, start, start + len, unit)
            {
                return true;
            }
            hits.push(Hit {
                start,
                len,
                identifier: pattern.identifier as usize,
                form: pattern.form,
            });
            true
        });
        if !self.has_v4_ranges {
            return;
        }
        find_quads(haystack, |start, len, address| {
            if !in_window(start, len) {
                return true;
            }
            if let Some(index) = self
                .ranges
                .iter()
                .position(|range| range.contains(&IpAddr::V4(address)))
            {
                hits.push(Hit {
                    start,
                    len,
                    identifier: self.range_base + index,
                    form: Form::Ipv4InRange,
                });
            }
            true
        });
    }
}

/// The short-identifier rule: the match is a whole word (no ASCII letter or digit right before
/// or after) and stands inside text (up to [`CONTEXT_UNITS`] units on each side are printable
/// ASCII, whitespace, or — in UTF-8 and UTF-16 — Japanese text). Buffer edges count as text.
pub(crate) fn word_in_text(haystack: &[u8], start: usize, end: usize, unit: Unit) -> bool {
    let width = if unit == Unit::Byte { 1 } else { 2 };
    let unit_at = |at: usize| -> u32 {
        match unit {
            Unit::Byte => haystack[at] as u32,
            Unit::Utf16Le => u16::from_le_bytes([haystack[at], haystack[at + 1]]) as u32,
            Unit::Utf16Be => u16::from_be_bytes([haystack[at], haystack[at + 1]]) as u32,
        }
    };
    let is_word = |u: u32| u < 0x80 && (u as u8).is_ascii_alphanumeric();
    if start >= width && is_word(unit_at(start - width)) {
        return false;
    }
    if end + width <= haystack.len() && is_word(unit_at(end)) {
        return false;
    }
    let before_start = start.saturating_sub(CONTEXT_UNITS * width);
    let before_start = before_start + (start - before_start) % width;
    let after_end = (end + CONTEXT_UNITS * width).min(haystack.len());
    let after_end = after_end - (after_end - end) % width;
    match unit {
        Unit::Byte => {
            text_bytes(&haystack[before_start..start], true)
                && text_bytes(&haystack[end..after_end], false)
        }
        _ => (before_start..start)
            .step_by(2)
            .chain((end..after_end).step_by(2))
            .all(|at| text_unit(unit_at(at))),
    }
}

fn text_unit(u: u32) -> bool {
    matches!(u, 0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x3000..=0x9FFF | 0xFF00..=0xFFEF)
}

/// Printable ASCII, whitespace, or valid UTF-8 (a sequence cut by the context edge is allowed).
fn text_bytes(bytes: &[u8], cut_at_start: bool) -> bool {
    let bytes = if cut_at_start {
        let skip = bytes
            .iter()
            .take(3)
            .take_while(|&&b| (0x80..0xC0).contains(&b))
            .count();
        &bytes[skip..]
    } else {
        bytes
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) if !cut_at_start && error.error_len().is_none() => {
            match std::str::from_utf8(&bytes[..error.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}
