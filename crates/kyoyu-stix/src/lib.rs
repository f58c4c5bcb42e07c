//! kyoyu-stix: the STIX 2.1 wire model, streaming bundle import and export, object validation,
//! TLP markings and STIX patterning.
//!
//! It is what kyoyu speaks to hubs, ISACs and vendors: every package that leaves as STIX is
//! written by [`bundle::BundleWriter`], every bundle that comes in is read by
//! [`bundle::import_bundle`]. The crate is pure: it reads from the reader and writes to the
//! writer it is handed and does nothing else.
//!
//! Key decision: a hand-written model rather than `rstix` (see the crate README for the
//! measurement): common and kyoyu-relevant properties are typed, everything else is kept in
//! `extra`, so a bundle round-trips without losing a property, and import is lenient (one bad
//! object is a [`Diagnostic`], the rest is imported).

pub mod bundle;
mod capture;
pub mod diagnostic;
pub mod object;
pub mod pattern;
pub mod tlp;
pub mod validate;

pub use bundle::{
    BundleWriter, ExportError, ImportError, ImportLimits, ImportReport, import_bundle,
    import_bundle_limited, import_bundle_slice,
};
pub use diagnostic::{Diagnostic, Severity};
pub use object::{Identifier, ObjectBody, StixObject, Timestamp};
pub use pattern::{Pattern, PatternError};
pub use tlp::{MarkingsTlp, TlpLevel, object_tlp, strictest_tlp};
pub use validate::{Validator, validate_object};
