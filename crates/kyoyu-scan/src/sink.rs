//! Where matches go. The scanner never collects results itself: it pushes each [`Match`] into a
//! caller's [`Sink`] (as ripgrep's searcher does), so a CLI can print as it goes, an assessment
//! can count, and a redactor can collect — with no allocation per match unless the sink wants it.

use crate::{Category, Form, ScanError, TextPosition};

/// Bytes of context a [`Match`] carries on each side (fewer only at the start or end of the
/// input). Streamed scans always have them in the buffer, so chunked and whole scans agree.
pub const MATCH_CONTEXT_BYTES: usize = 16;

/// One occurrence of an identifier. Borrowed from the scanner and the scanned buffer; call
/// [`Match::to_owned_match`] to keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'a> {
    /// The identifier as given to the builder (for IP ranges: the range, `192.0.2.0/24`).
    pub identifier: &'a str,
    /// The identifier's category.
    pub category: Category,
    /// The form it was found in.
    pub form: Form,
    /// Byte offset of the first matched byte within the source (for archive entries: within the
    /// decompressed entry).
    pub offset: u64,
    /// Line and column of the match when the source is text (see
    /// [`TextEncoding::detect`](crate::TextEncoding::detect)); `None` for binary input, where
    /// [`offset`](Match::offset) is the place.
    pub position: Option<TextPosition>,
    /// The matched bytes as they are in the input.
    pub bytes: &'a [u8],
    /// Up to [`MATCH_CONTEXT_BYTES`] bytes right before the match.
    pub before: &'a [u8],
    /// Up to [`MATCH_CONTEXT_BYTES`] bytes right after the match.
    pub after: &'a [u8],
    /// Where: a path, `archive.zip!inner/path`, or what the caller named the buffer (empty for
    /// [`Scanner::scan_bytes`](crate::Scanner::scan_bytes)).
    pub source: &'a str,
}

impl Match<'_> {
    /// An owned copy.
    pub fn to_owned_match(&self) -> OwnedMatch {
        OwnedMatch {
            identifier: self.identifier.to_owned(),
            category: self.category,
            form: self.form,
            offset: self.offset,
            position: self.position,
            bytes: self.bytes.to_vec(),
            before: self.before.to_vec(),
            after: self.after.to_vec(),
            source: self.source.to_owned(),
        }
    }
}

/// An owned [`Match`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OwnedMatch {
    /// See [`Match::identifier`].
    pub identifier: String,
    /// See [`Match::category`].
    pub category: Category,
    /// See [`Match::form`].
    pub form: Form,
    /// See [`Match::offset`].
    pub offset: u64,
    /// See [`Match::position`].
    pub position: Option<TextPosition>,
    /// See [`Match::bytes`].
    pub bytes: Vec<u8>,
    /// See [`Match::before`].
    pub before: Vec<u8>,
    /// See [`Match::after`].
    pub after: Vec<u8>,
    /// See [`Match::source`].
    pub source: String,
}

/// Receives matches and recoverable errors during a scan.
pub trait Sink {
    /// Called for every match, in order of position within a source (overlapping matches of
    /// different identifiers or forms are all reported; a match that straddles a chunk edge may
    /// come right after one that starts up to a pattern's length later). Return `false` to stop
    /// the scan.
    fn matched(&mut self, found: &Match<'_>) -> bool;

    /// Called when one input of a larger scan (a file in a directory, an entry in an archive)
    /// cannot be read; the scan goes on with the next input unless this returns `false`.
    /// By default errors are ignored.
    fn error(&mut self, error: &ScanError) -> bool {
        let _ = error;
        true
    }
}

/// Collects owned matches; errors are ignored (use your own sink to see them).
impl Sink for Vec<OwnedMatch> {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        self.push(found.to_owned_match());
        true
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        (**self).matched(found)
    }
    fn error(&mut self, error: &ScanError) -> bool {
        (**self).error(error)
    }
}

/// A sink made of a closure over matches: `FnSink(|m: &Match| { println!("{m:?}"); true })`.
pub struct FnSink<F>(pub F);

impl<F: FnMut(&Match<'_>) -> bool> Sink for FnSink<F> {
    fn matched(&mut self, found: &Match<'_>) -> bool {
        (self.0)(found)
    }
}
