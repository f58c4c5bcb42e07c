//! Fuzz target: any bytes through `scan_bytes`, `scan_reader`, `redact_text` and the
//! warninglist/lookalike checks; none may panic, and streamed equals whole-buffer results.
#![no_main]

mod common;

use kyoyu_scan::OwnedMatch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let scanner = common::scanner();
    let mut whole: Vec<OwnedMatch> = Vec::new();
    scanner.scan_bytes(data, &mut whole);
    let mut streamed: Vec<OwnedMatch> = Vec::new();
    scanner
        .scan_reader(std::io::Cursor::new(data), "", &mut streamed)
        .unwrap();
    whole.sort();
    streamed.sort();
    assert_eq!(whole, streamed);
    let text = String::from_utf8_lossy(data);
    let _ = scanner.redact_text(&text);
    let _ = kyoyu_scan::warninglist::builtin().check(&text);
    let _ = kyoyu_scan::lookalike::LookalikeDetector::new(["example-denki.co.jp"]).check(&text);
});
