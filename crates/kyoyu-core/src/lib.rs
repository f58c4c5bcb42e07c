//! The use cases both the CLI and the server call: load an incident file, assess it, render the
//! assessment as the contract's JSON or as a readable report.
//!
//! Key decision: this is the only crate that combines the guidance engine, the legal rules and
//! the file format, and the only one besides the binary that does IO (reading the incident file
//! and checking its sample paths). The pure crates stay pure; the server and the CLI call the same
//! functions here, so `kyoyu assess` and the API can never disagree.

pub mod actions;
pub mod assess;
pub mod attack;
pub mod checks;
pub mod egress;
pub mod export;
pub mod import;
pub mod json;
pub mod load;
pub mod report;
pub mod scan;
pub mod share;
pub mod usecase;

pub use assess::{AssessError, AssessSettings, Assessment, assess};
pub use kyoyu_incident::FileError;
pub use load::{LoadError, Loaded, load_incident};
