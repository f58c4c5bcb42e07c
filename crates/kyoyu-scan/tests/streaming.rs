//! Streaming: a match split over two chunks is found exactly once, and chunked scans of a
//! reader give exactly the matches of a scan of the whole buffer.

mod common;

use std::io::Read;

use kyoyu_scan::{Category, Options, OwnedMatch, Scanner};

/// Hands out at most `step` bytes per read, to exercise partial reads.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn small_chunk_scanner() -> Scanner {
    let mut builder = Scanner::builder();
    builder
        .identifier(Category::Domain, "example-denki.co.jp")
        .identifier(Category::Name, "EXD")
        .ip_range("192.0.2.0/24".parse().unwrap())
        .options(Options {
            chunk_size: 64 << 10,
            ..Options::default()
        });
    builder.build().unwrap()
}

#[test]
fn a_match_across_a_chunk_boundary_is_found_exactly_once() {
    let scanner = small_chunk_scanner();
    let chunk = 64 << 10;
    for split in [1usize, 5, 10, 18] {
        let mut data = common::noise(3 * chunk, split as u64);
        let at = chunk - split;
        data[at..at + 19].copy_from_slice(b"Example-Denki.co.jp");
        let mut found: Vec<OwnedMatch> = Vec::new();
        let summary = scanner
            .scan_reader(
                Trickle {
                    data: &data,
                    step: 7777,
                },
                "stream",
                &mut found,
            )
            .unwrap();
        assert_eq!(summary.bytes, data.len() as u64);
        let offsets: Vec<u64> = found.iter().map(|m| m.offset).collect();
        assert_eq!(offsets, vec![at as u64], "split {split}");
        assert_eq!(found[0].bytes, b"Example-Denki.co.jp");
        assert_eq!(found[0].source, "stream");
    }
}

#[test]
fn chunked_scan_equals_whole_buffer_scan() {
    let scanner = small_chunk_scanner();
    let mut data = common::noise(400 << 10, 11);
    let payloads: [&[u8]; 3] = [
        b"see example-denki.co.jp now",
        b" EXD team ",
        b" 192.0.2.9 ",
    ];
    for (i, position) in (0..data.len() - 64).step_by(2_003).enumerate() {
        let payload = payloads[i % 3];
        data[position..position + payload.len()].copy_from_slice(payload);
    }
    let mut whole: Vec<OwnedMatch> = Vec::new();
    scanner.scan_named_bytes(&data, "stream", &mut whole);
    let mut streamed: Vec<OwnedMatch> = Vec::new();
    scanner
        .scan_reader(
            Trickle {
                data: &data,
                step: 50_000,
            },
            "stream",
            &mut streamed,
        )
        .unwrap();
    assert!(whole.len() > 100, "{}", whole.len());
    whole.sort();
    streamed.sort();
    assert_eq!(whole, streamed);
}

#[test]
fn a_line_longer_than_the_chunks_keeps_its_column_in_shift_jis() {
    let scanner = small_chunk_scanner();
    // Three lines; the second is 200,000 characters of kana and kanji (about 400 KB in
    // Shift_JIS), the identifier near its end — far past the first chunks.
    let long_line: String = "日本語ｶﾅ".chars().cycle().take(200_000).collect();
    let text = format!("一行目\n{long_line} example-denki.co.jp\n三行目");
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let mut found: Vec<OwnedMatch> = Vec::new();
    scanner
        .scan_reader(
            Trickle {
                data: &bytes,
                step: 10_001,
            },
            "note.txt",
            &mut found,
        )
        .unwrap();
    assert_eq!(found.len(), 1);
    let position = found[0].position.expect("Shift_JIS text has positions");
    assert_eq!(position.encoding, kyoyu_scan::TextEncoding::ShiftJis);
    assert_eq!((position.line, position.column), (2, 200_002));
}

#[test]
fn binary_input_has_offsets_only() {
    let scanner = small_chunk_scanner();
    let mut data = common::noise(200_000, 7);
    data[150_000..150_019].copy_from_slice(b"example-denki.co.jp");
    data[10] = 0;
    let mut found: Vec<OwnedMatch> = Vec::new();
    scanner
        .scan_reader(data.as_slice(), "dump.bin", &mut found)
        .unwrap();
    let hit = found
        .iter()
        .find(|m| m.offset == 150_000)
        .expect("the identifier is found");
    assert_eq!(hit.position, None);
    assert_eq!(hit.before.len(), kyoyu_scan::MATCH_CONTEXT_BYTES);
    assert_eq!(hit.after, &data[150_019..150_035]);
}
