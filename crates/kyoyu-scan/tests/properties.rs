//! Property tests (run in the normal suite): no input panics, a chunked scan of a reader
//! reports exactly what a scan of the whole buffer reports (positions included) wherever the
//! chunk edges fall, and lines and columns counted piece by piece equal those counted on the
//! whole text and those of the text `encoding_rs` decodes.

mod common;

use std::io::Cursor;

use kyoyu_scan::{
    Category, LineCounter, Options, OwnedMatch, Scanner, TextEncoding, TextPosition, positions_in,
};
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
        Just(b"\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Text only (no NUL), with line feeds and Japanese: scanned as text, with positions.
fn text_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"exd.co.jp".to_vec()),
        Just("東京".as_bytes().to_vec()),
        Just(" AB ".as_bytes().to_vec()),
        Just(b"10.1.2.3".to_vec()),
        Just(b"\n".to_vec()),
        Just("ﾃｷｽﾄ、日本語の行\n".as_bytes().to_vec()),
        "[a-z .]{0,30}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Characters of every width in the three encodings.
fn japanese_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            'a', ' ', '\n', '\r', 'ｱ', 'ﾟ', 'あ', '東', '京', '一', '、', '①',
        ]),
        0..200,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

const ENCODINGS: [TextEncoding; 3] = [
    TextEncoding::Utf8,
    TextEncoding::ShiftJis,
    TextEncoding::EucJp,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lines_counted_piece_by_piece_equal_lines_counted_whole(
        data in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(0usize..600, 0..8),
    ) {
        for encoding in ENCODINGS {
            let mut whole = LineCounter::new(encoding);
            whole.advance(&data);
            let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut.min(&data.len()).to_owned()).collect();
            cuts.sort();
            let mut pieces = LineCounter::new(encoding);
            let mut from = 0;
            for cut in cuts.into_iter().chain([data.len()]) {
                pieces.advance(&data[from..cut]);
                from = cut;
            }
            prop_assert_eq!(pieces, whole);
        }
    }

    #[test]
    fn columns_are_characters_of_the_decoded_line(text in japanese_text()) {
        for encoding in ENCODINGS {
            let (bytes, _, unmappable) = encoding.encoding().encode(&text);
            prop_assert!(!unmappable);
            // Every character start, in the encoding, with the position a reader sees.
            let mut offsets = Vec::new();
            let mut expected = Vec::new();
            let (mut line, mut column, mut at) = (1u64, 1u64, 0usize);
            for c in text.chars() {
                offsets.push(at);
                expected.push(TextPosition { line, column, encoding });
                let mut utf8 = [0; 4];
                let (encoded, _, _) = encoding.encoding().encode(c.encode_utf8(&mut utf8));
                at += encoded.len();
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            prop_assert_eq!(at, bytes.len());
            prop_assert_eq!(positions_in(&bytes, encoding, &offsets), expected);
        }
    }

    #[test]
    fn streamed_positions_equal_whole_text_positions(data in text_bytes(), filler in 0usize..70_000) {
        // Lines of filler move the text across a 64 KiB chunk edge.
        let scanner = scanner(64 << 10);
        let mut input: Vec<u8> = b"filler line\n".iter().copied().cycle().take(filler).collect();
        input.extend_from_slice(&data);
        let mut streamed: Vec<OwnedMatch> = Vec::new();
        scanner.scan_reader(Cursor::new(&input), "", &mut streamed).unwrap();
        let offsets: Vec<usize> = streamed.iter().map(|m| m.offset as usize).collect();
        let mut sorted = offsets.clone();
        sorted.sort();
        prop_assert_eq!(&offsets, &sorted, "reported in order of position");
        let expected = positions_in(&input, TextEncoding::Utf8, &offsets);
        let positions: Vec<TextPosition> = streamed
            .iter()
            .map(|m| m.position.expect("text has positions"))
            .collect();
        prop_assert_eq!(positions, expected);
    }

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
        // Decoding for people never panics either, whatever the bytes around a match.
        scanner.scan_bytes(&data, &mut kyoyu_scan::FnSink(|m: &kyoyu_scan::Match| {
            let _ = (m.readable(), m.excerpt());
            true
        }));
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
