//! Fuzz target: any bytes as a ZIP archive (in memory); errors are fine, panics are not.
#![no_main]

mod common;

use kyoyu_scan::OwnedMatch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut found: Vec<OwnedMatch> = Vec::new();
    let _ = common::scanner().scan_zip(std::io::Cursor::new(data), "fuzz.zip", &mut found);
});
