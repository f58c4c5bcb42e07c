//! Property tests (run in the normal suite): no input panics, and a chunked scan of a reader
//! reports exactly what a scan of the whole buffer reports, wherever the chunk edges fall.

mod common;

use std::io::Cursor;

use kyoyu_scan::{Category, Options, OwnedMatch, Scanner};
use proptest::prelude::*;

fn scanner(chunk_size: usize) -> Scanner {
    let mut builder = Scanner::builder();
    builder
        .identifier(Category::Domain, "exd.co.jp")
        .identifier(Category::Name, "東京")
        .identifier(Category::Name, "AB")
        .ip_range("10.0.0.0/8".parse().unwrap())
        .options(Options {
            chunk_size,
            deep_xor: true,
            ..Options::default()
        });
    builder.build().unwrap()
}

/// Bytes that often contain identifiers, pieces of them, text and noise.
fn interesting_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"exd.co.jp".to_vec()),
        Just(b"EXD.CO".to_vec()),
        Just("東京".as_bytes().to_vec()),
        Just(b" AB ".to_vec()),
        Just(b"10.1.2.3".to_vec()),
        Just(b"1.2.".to_vec()),
        Just(b"e\0x\0d\0.\0c\0o\0.\0j\0p\0".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_scan_without_panic(data in prop::collection::vec(any::<u8>(), 0..4096)) {
        let scanner = scanner(1 << 20);
        let mut found: Vec<OwnedMatch> = Vec::new();
        scanner.scan_bytes(&data, &mut found);
        let _ = scanner.scan_zip(Cursor::new(&data), "fuzz.zip", &mut found);
        if let Ok(text) = std::str::from_utf8(&data) {
            let _ = scanner.redact_text(text);
        }
        let _ = kyoyu_scan::warninglist::builtin().check(&String::from_utf8_lossy(&data));
    }

    #[test]
    fn chunked_equals_whole(data in interesting_bytes(), filler in 0usize..70_000) {
        // Chunks of 64 KiB: the filler moves the interesting bytes across a chunk edge.
        let scanner = scanner(64 << 10);
        let mut input = vec![b' '; filler];
        input.extend_from_slice(&data);
        let mut whole: Vec<OwnedMatch> = Vec::new();
        scanner.scan_bytes(&input, &mut whole);
        let mut streamed: Vec<OwnedMatch> = Vec::new();
        scanner.scan_reader(Cursor::new(&input), "", &mut streamed).unwrap();
        whole.sort();
        streamed.sort();
        prop_assert_eq!(whole, streamed);
    }
}
