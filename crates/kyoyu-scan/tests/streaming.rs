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
