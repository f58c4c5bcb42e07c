//! The multi-pattern search engine: every form of every identifier is one byte pattern, and one
//! pass over the input finds them all.
//!
//! Key decision: a Wu–Manber shift table over case-folded 4-byte blocks is the prefilter
//! for all patterns of at least [`LONG_PATTERN_MIN`] bytes. The window is as long as the shortest
//! such pattern (capped at [`MAX_WINDOW`]); when the block that ends the window occurs in no
//! pattern prefix, the window jumps ahead by up to `window - 2` bytes without reading the bytes in
//! between. Only windows whose last block ends a pattern prefix are verified against that
//! block's bucket of patterns. Measured on the peer benchmark (200 identifiers, ASCII + UTF-16LE,
//! case-insensitive), this beats one `aho-corasick` DFA over the same 400 patterns several times
//! over, because a DFA must look at every byte and `aho-corasick`'s SIMD prefilters (Teddy) do not
//! apply to 400 case-insensitive patterns. Patterns shorter than that go to an `aho-corasick`
//! automaton, which stays cheap when they are few.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::Form;

/// Patterns of at least this many bytes go through the shift table.
pub(crate) const LONG_PATTERN_MIN: usize = 8;
/// Longest window; shifts are stored in a byte.
const MAX_WINDOW: usize = 64;
/// Block length of the shift table.
const BLOCK: usize = 4;
/// Window-end positions per segment (hits are collected per segment).
const SEGMENT: usize = 1 << 20;
/// Independent shift loops run side by side (2, 3 and 4 measured; 3 was fastest here).
const LANES: usize = 3;
/// log2 of the shift-table size: 16 KiB of `u8` stays in L1; measured faster than 2^16–2^18
/// despite more collisions, because the table load is on the critical path.
const TABLE_BITS: u32 = 14;

/// ASCII case folding: `A-Z` → `a-z`, every other byte unchanged.
pub(crate) static FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    table
};

/// The width and byte order of the text unit a pattern is written in (for context checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Byte,
    Utf16Le,
    Utf16Be,
}

/// One compiled byte pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// The bytes as compared: ASCII-lowercased when `fold` is set.
    pub(crate) bytes: Box<[u8]>,
    /// Compare ASCII-case-insensitively (only for patterns derived from ASCII text: folding a
    /// Shift_JIS trail byte or a UTF-16 code unit of a kanji would change the character).
    pub(crate) fold: bool,
    /// Index of the identifier in the scanner.
    pub(crate) identifier: u32,
    pub(crate) form: Form,
    /// `Some` for short identifiers: the match must stand alone as a word inside text.
    pub(crate) word_in_text: Option<Unit>,
}

impl Pattern {
    #[inline]
    fn matches_at(&self, haystack: &[u8], start: usize) -> bool {
        let Some(candidate) = haystack.get(start..start + self.bytes.len()) else {
            return false;
        };
        if self.fold {
            candidate
                .iter()
                .zip(self.bytes.iter())
                .all(|(&have, &want)| FOLD[have as usize] == want)
        } else {
            candidate == &*self.bytes
        }
    }
}

/// Hash of the 4-byte block ending at `end`. Folding is `| 0x20` on every byte: coarser than
/// ASCII case folding (it also merges e.g. `@` with `` ` `` and NUL with space), so equal folded
/// patterns always hash equally — the prefilter stays a superset — while costing one OR instead
/// of four table look-ups on the critical path.
#[inline(always)]
fn block_hash(block: [u8; 4]) -> usize {
    let folded = u32::from_le_bytes(block) | 0x2020_2020;
    (folded.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_BITS)) as usize
}

#[inline(always)]
fn block_at(bytes: &[u8], end: usize) -> [u8; 4] {
    [bytes[end - 3], bytes[end - 2], bytes[end - 1], bytes[end]]
}

struct ShiftTable {
    window: usize,
    shift: Box<[u8]>,
    /// CSR buckets: patterns whose window-ending block hashes to `h` are
    /// `bucket_ids[bucket_start[h]..bucket_start[h + 1]]`.
    bucket_start: Box<[u32]>,
    bucket_ids: Box<[u32]>,
}

impl ShiftTable {
    fn new(patterns: &[Pattern], ids: &[u32]) -> ShiftTable {
        let window = ids
            .iter()
            .map(|&id| patterns[id as usize].bytes.len())
            .min()
            .unwrap_or(LONG_PATTERN_MIN)
            .min(MAX_WINDOW);
        let size = 1usize << TABLE_BITS;
        let mut shift = vec![(window - BLOCK + 1) as u8; size].into_boxed_slice();
        let mut counts = vec![0u32; size + 1];
        for &id in ids {
            let bytes = &patterns[id as usize].bytes;
            for end in BLOCK - 1..window {
                let h = block_hash(block_at(bytes, end));
                shift[h] = shift[h].min((window - 1 - end) as u8);
            }
            let h = block_hash(block_at(bytes, window - 1));
            counts[h + 1] += 1;
        }
        for h in 0..size {
            counts[h + 1] += counts[h];
        }
        let mut fill = counts.clone();
        let mut bucket_ids = vec![0u32; ids.len()];
        for &id in ids {
            let bytes = &patterns[id as usize].bytes;
            let h = block_hash(block_at(bytes, window - 1));
            bucket_ids[fill[h] as usize] = id;
            fill[h] += 1;
        }
        ShiftTable {
            window,
            shift,
            bucket_start: counts.into_boxed_slice(),
            bucket_ids: bucket_ids.into_boxed_slice(),
        }
    }

    /// Calls `found(pattern, start)` for every pattern occurrence, in order of the window
    /// position; stops when it returns false.
    ///
    /// The shift loop is bound by the latency of its chain load → hash → table load → add, not
    /// by throughput. So each segment is cut into [`LANES`] lanes of window-end positions that
    /// advance in the same loop, independently; the CPU overlaps their chains. Hits are rare,
    /// they are collected per lane and reported in lane order, which keeps the reported order.
    #[inline(never)]
    fn find(
        &self,
        patterns: &[Pattern],
        haystack: &[u8],
        hits: &mut Vec<(u32, usize)>,
        found: &mut impl FnMut(u32, usize) -> bool,
    ) -> bool {
        let window = self.window;
        let len = haystack.len();
        let mut segment_start = window - 1;
        while segment_start < len {
            let segment_end = (segment_start + SEGMENT).min(len);
            let lane_len = (segment_end - segment_start).div_ceil(LANES);
            let mut cursor = [0usize; LANES];
            let mut limit = [0usize; LANES];
            for lane in 0..LANES {
                cursor[lane] = (segment_start + lane * lane_len).min(segment_end);
                limit[lane] = (segment_start + (lane + 1) * lane_len).min(segment_end);
            }
            let mut lane_hits: [Vec<(u32, usize)>; LANES] = Default::default();
            // All lanes at once while every lane has room for one more step.
            while (0..LANES).all(|lane| cursor[lane] < limit[lane]) {
                for lane in 0..LANES {
                    let end = cursor[lane];
                    let h = block_hash(block_at(haystack, end));
                    let step = self.shift[h] as usize;
                    if step == 0 {
                        self.verify(
                            patterns,
                            haystack,
                            h,
                            end + 1 - window,
                            &mut lane_hits[lane],
                        );
                        cursor[lane] = end + 1;
                    } else {
                        cursor[lane] = end + step;
                    }
                }
            }
            for lane in 0..LANES {
                while cursor[lane] < limit[lane] {
                    let end = cursor[lane];
                    let h = block_hash(block_at(haystack, end));
                    let step = self.shift[h] as usize;
                    if step == 0 {
                        self.verify(
                            patterns,
                            haystack,
                            h,
                            end + 1 - window,
                            &mut lane_hits[lane],
                        );
                        cursor[lane] = end + 1;
                    } else {
                        cursor[lane] = end + step;
                    }
                }
            }
            hits.clear();
            for lane in &lane_hits {
                hits.extend_from_slice(lane);
            }
            for &(id, start) in hits.iter() {
                if !found(id, start) {
                    return false;
                }
            }
            segment_start = segment_end;
        }
        true
    }

    #[inline]
    fn verify(
        &self,
        patterns: &[Pattern],
        haystack: &[u8],
        h: usize,
        start: usize,
        hits: &mut Vec<(u32, usize)>,
    ) {
        let bucket = self.bucket_start[h] as usize..self.bucket_start[h + 1] as usize;
        for &id in &self.bucket_ids[bucket] {
            if patterns[id as usize].matches_at(haystack, start) {
                hits.push((id, start));
            }
        }
    }
}

/// All patterns of a scanner and the two searchers over them.
pub(crate) struct Engine {
    pub(crate) patterns: Vec<Pattern>,
    long: Option<ShiftTable>,
    short: Option<(AhoCorasick, Vec<u32>)>,
    pub(crate) max_pattern_len: usize,
}

impl Engine {
    pub(crate) fn new(patterns: Vec<Pattern>) -> Result<Engine, crate::BuildError> {
        let (long_ids, short_ids): (Vec<u32>, Vec<u32>) = (0..patterns.len() as u32)
            .partition(|&id| patterns[id as usize].bytes.len() >= LONG_PATTERN_MIN);
        let long = (!long_ids.is_empty()).then(|| ShiftTable::new(&patterns, &long_ids));
        let short = if short_ids.is_empty() {
            None
        } else {
            // Case-insensitive automaton over folded bytes; exact patterns are re-checked.
            let automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(short_ids.iter().map(|&id| &patterns[id as usize].bytes))
                .map_err(|error| crate::BuildError::Automaton(error.to_string()))?;
            Some((automaton, short_ids))
        };
        let max_pattern_len = patterns.iter().map(|p| p.bytes.len()).max().unwrap_or(0);
        Ok(Engine {
            patterns,
            long,
            short,
            max_pattern_len,
        })
    }

    /// Calls `found(pattern, start)` for every occurrence of every pattern (overlapping ones
    /// included). Returns false when `found` asked to stop.
    pub(crate) fn find(&self, haystack: &[u8], mut found: impl FnMut(u32, usize) -> bool) -> bool {
        if let Some(table) = &self.long
            && !table.find(&self.patterns, haystack, &mut Vec::new(), &mut found)
        {
            return false;
        }
        if let Some((automaton, ids)) = &self.short {
            for hit in automaton.find_overlapping_iter(haystack) {
                let id = ids[hit.pattern().as_usize()];
                if self.patterns[id as usize].matches_at(haystack, hit.start())
                    && !found(id, hit.start())
                {
                    return false;
                }
            }
        }
        true
    }
}
