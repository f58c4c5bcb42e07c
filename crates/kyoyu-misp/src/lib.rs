//! MISP event JSON for kyoyu: the wire types, a lenient importer, a deterministic exporter,
//! the `tlp:` / `PAP:` / ATT&CK galaxy tags as typed values, and the mapping between MISP
//! attribute types and STIX 2.1 observables.
//!
//! Key decision: import never fails because of one bad element. The event is read in a single
//! pass by hand-written serde visitors that accept every JSON value for every field; a value
//! that does not fit becomes a [`Diagnostic`] carrying its JSON path (`Event.Attribute[17]`)
//! and the rest of the event is imported. Only text that is not JSON, or not a JSON object, is
//! an [`ImportError`]. Fields this crate does not know are kept in each type's `extra` map, so
//! an event read and written again loses nothing.
//!
//! The crate is pure: no IO, no clock. It depends on `kyoyu-model` only for [`Tlp`].
//!
//! ```
//! let text = r#"{"Event": {"info": "phishing wave", "Tag": [{"name": "tlp:amber+strict"}],
//!   "Attribute": [{"type": "domain", "value": "x.example", "to_ids": "1"},
//!                 {"type": "ip-dst", "value": "192.0.2.1", "uuid": "not-a-uuid"}]}}"#;
//! let imported = kyoyu_misp::import_event(text).unwrap();
//! assert_eq!(imported.event.attributes.len(), 1);
//! assert_eq!(imported.diagnostics[0].path, "Event.Attribute[1]");
//! assert_eq!(imported.event.tlp(), Some(kyoyu_misp::Tlp::AmberStrict));
//! let json = kyoyu_misp::export_event(&imported.event, kyoyu_misp::Envelope::Wrapped);
//! assert!(json.starts_with(r#"{"Event":{"#));
//! ```

mod export;
mod import;
mod lenient;
pub mod mapping;
pub mod tags;
mod uuid;
mod wire;

pub use export::{Envelope, export_event, export_event_pretty};
pub use import::{Diagnostic, ImportError, Imported, import_event};
pub use kyoyu_model::Tlp;
pub use mapping::{AttributeKind, Observable, ObservableField};
pub use tags::{AttackPatternRef, MachineTag, Pap, TlpTag};
pub use uuid::{InvalidUuid, Uuid};
pub use wire::{
    Analysis, Attribute, AttributeRare, Distribution, Event, Extra, Galaxy, GalaxyCluster, Object,
    ObjectReference, Organisation, Rare, Tag, ThreatLevel,
};
