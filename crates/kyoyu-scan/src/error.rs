//! Error values of the crate. Building fails only on identifiers that cannot be searched
//! safely; scanning fails on IO and on archives that cannot be read — never by panicking.

use std::io;

/// Why a [`ScannerBuilder`](crate::ScannerBuilder) refused to build.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The identifier is shorter than the configured minimum and would match nearly everywhere.
    #[error(
        "identifier {identifier:?} ({category}) has {chars} characters; the minimum is {min} \
         (shorter identifiers match almost any file)"
    )]
    TooShort {
        /// The identifier as given.
        identifier: String,
        /// Its category label.
        category: crate::Category,
        /// Its length in characters after trimming.
        chars: usize,
        /// The configured minimum ([`Options::min_identifier_chars`](crate::Options)).
        min: usize,
    },
    /// The automaton for short patterns could not be built (too many or too large patterns).
    #[error("could not build the pattern automaton: {0}")]
    Automaton(String),
}

/// Why a scan could not read (part of) its input. `source` names the input as matches do
/// (`path` or `archive.zip!inner/path`).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Reading a file, directory or stream failed.
    #[error("{source_name}: read error: {error}")]
    Io {
        /// The input that failed.
        source_name: String,
        /// The underlying error.
        #[source]
        error: io::Error,
    },
    /// A ZIP archive (or one of its entries) is corrupt, unsupported, or its password is not
    /// among the configured ones.
    #[error("{source_name}: cannot read ZIP archive: {message}")]
    Archive {
        /// The archive or entry that failed.
        source_name: String,
        /// What the ZIP reader reported.
        message: String,
    },
}

impl ScanError {
    /// The input (path or `archive.zip!inner/path`) the error is about.
    pub fn source_name(&self) -> &str {
        match self {
            ScanError::Io { source_name, .. } | ScanError::Archive { source_name, .. } => {
                source_name
            }
        }
    }
}
