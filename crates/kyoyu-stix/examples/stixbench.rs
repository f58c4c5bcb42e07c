//! Benchmark of the peer workload (`shared/peers/gen_stix.py`, 100,000 objects): parse,
//! serialize and validate with kyoyu-stix, printing `metric value unit` lines.
//!
//! Usage: `cargo run --release -p kyoyu-stix --example stixbench -- BUNDLE.json`
//! (`bench/run.sh` generates the bundle and runs the OASIS peers in the same run).

use std::io::BufReader;
use std::time::Instant;

use kyoyu_stix::{
    BundleWriter, Identifier, Severity, Validator, import_bundle, import_bundle_slice,
};

fn metric(name: &str, value: f64, unit: &str) {
    println!("{name} {value:.6} {unit}");
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/kyoyu-stix-bench/bundle-100000.json".to_owned());
    let rounds: usize = std::env::var("STIXBENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);

    // Streaming from the file first, before anything big is in memory: peak RSS then shows
    // what the streaming importer needs.
    let t = Instant::now();
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut streamed = 0usize;
    let report = import_bundle(BufReader::with_capacity(1 << 16, file), |_| streamed += 1)
        .expect("bundle imports");
    let dt = t.elapsed().as_secs_f64();
    assert_eq!(report.rejected, 0, "{:?}", report.diagnostics.first());
    metric(
        "kyoyu_stream_parse_file_objects_per_s",
        streamed as f64 / dt,
        "objects/s",
    );
    if let Some(kib) = peak_rss_kib() {
        metric("kyoyu_stream_parse_peak_rss", kib as f64 / 1024.0, "MiB");
    }

    let bytes = std::fs::read(&path).expect("bundle readable");
    println!(
        "# {} objects, {:.1} MB JSON, best of {rounds}",
        streamed,
        bytes.len() as f64 / 1e6
    );

    // Parse, streaming: each typed object handed to the callback and dropped there — how kyoyu
    // imports (object by object into the incident or the store).
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let mut seen = 0usize;
        let t = Instant::now();
        import_bundle_slice(&bytes, |o| {
            seen += usize::from(!o.id.as_str().is_empty());
        })
        .expect("imports");
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(seen, streamed);
    }
    metric(
        "kyoyu_parse_streaming_objects_per_s",
        streamed as f64 / best,
        "objects/s",
    );

    // Parse, retained: all typed objects kept in a Vec (what `stix2.parse` builds). Each
    // round's objects stay alive until all rounds are done, so every round allocates from fresh
    // memory as a one-shot import (or `stix2.parse` in a fresh process) does, instead of from
    // the free lists the previous round left behind.
    let mut best = f64::MAX;
    let mut kept: Vec<Vec<kyoyu_stix::StixObject>> = Vec::new();
    for _ in 0..rounds {
        let mut objects = Vec::with_capacity(streamed);
        let t = Instant::now();
        let report = import_bundle_slice(&bytes, |o| objects.push(o)).expect("imports");
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(report.imported, objects.len());
        kept.push(objects);
    }
    let objects = kept.pop().unwrap_or_default();
    drop(kept);
    let n = objects.len() as f64;
    metric("kyoyu_parse_seconds", best, "s");
    metric("kyoyu_parse_objects_per_s", n / best, "objects/s");

    // Serialize: typed objects → one bundle of JSON text.
    let mut best = f64::MAX;
    let mut size = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut writer = BundleWriter::new(
            Vec::with_capacity(bytes.len()),
            &Identifier::from("bundle--00000000-0000-4000-8000-000000000000"),
        )
        .expect("head");
        for o in &objects {
            writer.write_object(o).expect("object");
        }
        let out = writer.finish().expect("tail");
        best = best.min(t.elapsed().as_secs_f64());
        size = out.len();
    }
    println!("# serialized {:.1} MB", size as f64 / 1e6);
    metric("kyoyu_serialize_seconds", best, "s");
    metric("kyoyu_serialize_objects_per_s", n / best, "objects/s");

    // Validate: every object (required properties, ids, timestamps, patterns parsed and
    // checked, marking references resolved).
    let mut best = f64::MAX;
    let mut errors = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut validator = Validator::new();
        let mut diagnostics = Vec::new();
        let mut path = String::new();
        for (i, o) in objects.iter().enumerate() {
            use std::fmt::Write as _;
            path.clear();
            let _ = write!(path, "objects[{i}]");
            validator.check(&path, o, &mut diagnostics);
        }
        validator.finish(&mut diagnostics);
        best = best.min(t.elapsed().as_secs_f64());
        errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
    }
    println!("# validation errors: {errors}");
    metric("kyoyu_validate_seconds", best, "s");
    metric("kyoyu_validate_objects_per_s", n / best, "objects/s");

    // Patterns alone (the peer measures stix2-patterns on 20,000 indicator patterns).
    let patterns: Vec<&str> = objects
        .iter()
        .filter_map(|o| o.as_indicator()?.pattern.as_deref())
        .take(20_000)
        .collect();
    let t = Instant::now();
    let bad = patterns
        .iter()
        .filter(|p| kyoyu_stix::Pattern::parse(p).is_err())
        .count();
    let dt = t.elapsed().as_secs_f64();
    println!("# patterns: {} validated, {bad} invalid", patterns.len());
    metric(
        "kyoyu_patterns_validate_per_s",
        patterns.len() as f64 / dt,
        "patterns/s",
    );
}
