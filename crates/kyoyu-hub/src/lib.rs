//! The hub's engine (guidance G15): many members' anonymous submissions in, campaigns with their
//! evidence out.
//!
//! - [`normalize`]: one canonical form per indicator type, so hand-written and defanged forms
//!   match.
//! - [`engine`]: the capped value index and campaigns built from co-occurring rare values — no
//!   table of pairs.
//! - [`pseudonym`]: keyed member pseudonyms.
//! - [`workload`]: the `submissions.jsonl` format `kyoyu hub correlate` reads and the
//!   `{"campaigns": …}` it writes.
//!
//! Key decision: pure — no IO, no clock, no randomness; the server's job and the CLI feed it and
//! persist what it decides, and the index is rebuilt from the store at start.

pub mod engine;
pub mod normalize;
pub mod pseudonym;
pub mod workload;

pub use engine::{Batch, Cluster, ClusterKind, Engine, Prepared, Preparer, Settings, SubmissionIn};
