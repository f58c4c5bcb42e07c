//! Fuzz target: any bytes as a MISP event through the lenient importer, then what was read back
//! out through the exporter and in again. Nothing may panic; an export of an import must import.
#![no_main]

use kyoyu_misp::{Envelope, export_event, import_event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(imported) = import_event(text) {
        let written = export_event(&imported.event, Envelope::Wrapped);
        import_event(&written).expect("an exported event imports");
    }
});
