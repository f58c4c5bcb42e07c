//! Benchmark binary for `bench/run.sh`: scans the peer workload (`bench_scan.py`'s 1 GiB file)
//! with the 200 identifiers of its metadata as `ascii + utf-16le`, case-insensitive, the rule
//! YARA-X runs as `ascii wide nocase`, and prints `metric value unit` lines.
//!
//! Usage: `scanbench DATA_FILE META_JSON [RUNS] [--aho-corasick]`. With `--aho-corasick` it also
//! times one `aho-corasick` automaton over the same 400 patterns (whole file in memory), the
//! design this crate measured against.

use std::time::Instant;

use kyoyu_scan::{Category, Form, FormSet, Match, ScanSummary, Scanner, Sink};

struct Count(u64);

impl Sink for Count {
    fn matched(&mut self, _: &Match<'_>) -> bool {
        self.0 += 1;
        true
    }
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: scanbench DATA_FILE META_JSON [RUNS] [--aho-corasick]");
        std::process::exit(2);
    }
    let data = std::path::Path::new(&args[1]);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args[2]).expect("read meta"))
            .expect("meta json");
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(3);
    let patterns: Vec<String> = meta["patterns"]
        .as_array()
        .expect("patterns")
        .iter()
        .map(|p| p.as_str().expect("string").to_owned())
        .collect();
    let categories = [
        Category::Name,
        Category::Domain,
        Category::Hostname,
        Category::Account,
    ];

    let started = Instant::now();
    let mut builder = Scanner::builder();
    for (i, pattern) in patterns.iter().enumerate() {
        builder.identifier(categories[i % 4], pattern.clone());
    }
    builder.forms(FormSet::only(&[Form::Ascii, Form::Utf16Le]));
    let scanner = builder.build().expect("build");
    println!(
        "# build {:.3} ms, {} patterns",
        started.elapsed().as_secs_f64() * 1e3,
        scanner.pattern_count()
    );

    let bytes = std::fs::metadata(data).expect("data file").len() as f64;
    let mut times = Vec::new();
    let mut summary = ScanSummary::default();
    let mut count = Count(0);
    for _ in 0..runs {
        count.0 = 0;
        let started = Instant::now();
        summary = scanner.scan_path(data, &mut count).expect("scan");
        times.push(started.elapsed().as_secs_f64());
    }
    let seconds = median(times);
    println!("kyoyu_scan_MB_per_s {:.1} MB/s", bytes / 1e6 / seconds);
    println!("kyoyu_scan_seconds_median {seconds:.4} s");
    println!("kyoyu_scan_matches {} matches", count.0);
    println!("# kyoyu-scan summary: {summary:?}");

    if args.iter().any(|a| a == "--in-memory") {
        let haystack = std::fs::read(data).expect("read");
        let mut times = Vec::new();
        for _ in 0..runs {
            count.0 = 0;
            let started = Instant::now();
            scanner.scan_bytes(&haystack, &mut count);
            times.push(started.elapsed().as_secs_f64());
        }
        let seconds = median(times);
        println!(
            "kyoyu_scan_in_memory_MB_per_s {:.1} MB/s",
            bytes / 1e6 / seconds
        );
        println!("kyoyu_scan_in_memory_matches {} matches", count.0);
    }
    if args.iter().any(|a| a == "--aho-corasick") {
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for pattern in &patterns {
            variants.push(pattern.as_bytes().to_vec());
            variants.push(pattern.encode_utf16().flat_map(u16::to_le_bytes).collect());
        }
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&variants)
            .expect("automaton");
        let haystack = std::fs::read(data).expect("read");
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..runs {
            let started = Instant::now();
            found = automaton.find_iter(&haystack).count();
            times.push(started.elapsed().as_secs_f64());
        }
        let seconds = median(times);
        println!("aho_corasick_MB_per_s {:.1} MB/s", bytes / 1e6 / seconds);
        println!("aho_corasick_matches {found} matches");
    }
}
