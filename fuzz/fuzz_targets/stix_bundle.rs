//! Fuzz target: any bytes through the streaming bundle importer (slice and reader) and the
//! validator. Nothing may panic, and both import paths must agree.
#![no_main]

use kyoyu_stix::{Validator, import_bundle, import_bundle_slice};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut from_slice = Vec::new();
    let a = import_bundle_slice(data, |o| from_slice.push(o));
    let mut from_reader = Vec::new();
    let b = import_bundle(data, |o| from_reader.push(o));
    assert_eq!(a.is_ok(), b.is_ok());
    assert_eq!(from_slice, from_reader);
    let mut validator = Validator::new();
    let mut diagnostics = Vec::new();
    for o in &from_slice {
        validator.check("objects[?]", o, &mut diagnostics);
    }
    validator.finish(&mut diagnostics);
});
