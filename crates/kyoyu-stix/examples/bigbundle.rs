//! Imports a generated STIX bundle of 1 GiB (or `BIG_BUNDLE_BYTES`) through the streaming
//! importer and prints the objects, the throughput and the process's peak memory (VmHWM), as
//! `metric value unit` lines. The bundle is produced on the fly by a reader, so neither the disk
//! nor memory ever holds it whole: what is measured is the importer's own footprint.
//!
//! Run: `cargo run --release -p kyoyu-stix --example bigbundle` (`BIG_BUNDLE_OUT=FILE` writes the
//! bundle to a file instead, e.g. to measure `kyoyu import FILE`).

use std::io::Read;
use std::time::Instant;

/// A reader that writes a bundle header, then indicator objects until `target` bytes, then the
/// closing brackets.
struct Generated {
    target: u64,
    produced: u64,
    index: u64,
    pending: Vec<u8>,
    position: usize,
    finished: bool,
}

impl Generated {
    fn new(target: u64) -> Self {
        let header =
            br#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4f2b-8a2e-9f0b3c6d7e81","objects":["#
                .to_vec();
        Generated {
            target,
            produced: 0,
            index: 0,
            pending: header,
            position: 0,
            finished: false,
        }
    }

    fn refill(&mut self) {
        self.pending.clear();
        self.position = 0;
        if self.finished {
            return;
        }
        if self.produced >= self.target {
            self.pending.extend_from_slice(b"]}");
            self.finished = true;
            return;
        }
        let separator = if self.index == 0 { "" } else { "," };
        let index = self.index;
        let object = format!(
            r#"{separator}{{"type":"indicator","spec_version":"2.1","id":"indicator--{:08x}-0000-4000-8000-{:012x}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"generated indicator {index}","description":"A generated indicator to measure the streaming importer's memory.","indicator_types":["malicious-activity"],"pattern":"[domain-name:value = 'c2-{index}.example.net']","pattern_type":"stix","pattern_version":"2.1","valid_from":"2026-11-01T00:00:00Z","object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}}"#,
            index >> 32,
            index & 0xffff_ffff_ffff
        );
        self.pending.extend_from_slice(object.as_bytes());
        self.index += 1;
    }
}

impl Read for Generated {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.position >= self.pending.len() {
            self.refill();
            if self.pending.is_empty() {
                return Ok(0);
            }
        }
        let count = buffer.len().min(self.pending.len() - self.position);
        buffer[..count].copy_from_slice(&self.pending[self.position..self.position + count]);
        self.position += count;
        self.produced += count as u64;
        Ok(count)
    }
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let target: u64 = std::env::var("BIG_BUNDLE_BYTES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1 << 30);
    // With BIG_BUNDLE_OUT=path the bundle is written to a file instead (to measure `kyoyu import`).
    if let Ok(path) = std::env::var("BIG_BUNDLE_OUT") {
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(&path).expect("create the output file"));
        let written =
            std::io::copy(&mut Generated::new(target), &mut file).expect("write the bundle");
        println!("big_bundle_written {written} bytes");
        return;
    }
    let started = Instant::now();
    let mut objects = 0u64;
    let mut patterns = 0u64;
    let reader = std::io::BufReader::with_capacity(1 << 16, Generated::new(target));
    let report = kyoyu_stix::import_bundle(reader, |object| {
        objects += 1;
        if object.as_indicator().is_some() {
            patterns += 1;
        }
    })
    .expect("the generated bundle imports");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "# generated bundle of {target} bytes, streamed; {} diagnostics",
        report.diagnostics.len()
    );
    println!("big_bundle_objects {objects} objects");
    println!("big_bundle_indicators {patterns} objects");
    println!("big_bundle_seconds {seconds:.1} s");
    println!(
        "big_bundle_MB_per_s {:.0} MB/s",
        target as f64 / 1e6 / seconds
    );
    if let Some(peak) = peak_rss_mib() {
        println!("big_bundle_peak_rss {peak:.1} MiB");
    }
}
