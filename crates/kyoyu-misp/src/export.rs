//! Export: [`Event`] → MISP event JSON text.
//!
//! Key decision: the output is a pure function of the value. Typed fields come in a fixed
//! order, kept unknown fields follow in key order, and nothing depends on a clock, a hash seed
//! or the platform, so the same event always gives the same bytes (and a diff between two
//! exports shows what changed).

use serde::Serialize;

use crate::wire::Event;

/// Whether the event is wrapped as `{"Event": {...}}` (MISP's REST API and feeds) or bare
/// (PyMISP's `to_json()`). PyMISP loads both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `{"Event": {...}}`.
    Wrapped,
    /// The event object alone.
    Bare,
}

#[derive(Serialize)]
struct Wrapped<'e> {
    #[serde(rename = "Event")]
    event: &'e Event,
}

/// The event as compact JSON.
pub fn export_event(event: &Event, envelope: Envelope) -> String {
    let written = match envelope {
        Envelope::Wrapped => serde_json::to_string(&Wrapped { event }),
        Envelope::Bare => serde_json::to_string(event),
    };
    // Serializing these types cannot fail: every map key is a string and every value is
    // representable in JSON (numbers in `extra` came from JSON).
    written.unwrap_or_default()
}

/// The event as JSON indented by two spaces, for files people read.
pub fn export_event_pretty(event: &Event, envelope: Envelope) -> String {
    let written = match envelope {
        Envelope::Wrapped => serde_json::to_string_pretty(&Wrapped { event }),
        Envelope::Bare => serde_json::to_string_pretty(event),
    };
    written.unwrap_or_default()
}
