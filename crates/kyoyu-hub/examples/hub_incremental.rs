//! Bench (not a test): the hub's incremental path at scale. Reads a workload folder
//! (`submissions.jsonl` from `gen_campaigns.py`, e.g. `CORR_EVENTS=200000`: 10 M indicators),
//! builds the index of all but the last `PROBES` submissions as a batch (the rebuild at start),
//! then adds the last ones one at a time as the hub's job does, timing each add (normalize,
//! index, relink, reassign), and prints `metric value unit` lines: the rebuild time, the p50,
//! p99 and max of one add, the index's RSS.
//!
//! Usage: `cargo run --release -p kyoyu-hub --example hub_incremental -- DIR [PROBES]`

use std::time::Instant;

use kyoyu_hub::{Batch, Engine, Preparer, Settings, workload};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: hub_incremental DIR [PROBES]");
    let probes: usize = args
        .next()
        .map_or(1000, |p| p.parse().expect("PROBES is a number"));
    let before = rss_kib();
    let text = std::fs::read_to_string(format!("{dir}/submissions.jsonl")).expect("readable");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let split = lines.len().saturating_sub(probes);
    let probe_lines: Vec<String> = lines[split..].iter().map(|l| l.to_string()).collect();
    let start = Instant::now();
    let mut engine = Engine::new(Settings::default());
    let mut preparer = Preparer::default();
    let subs = lines[..split]
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let sub = workload::parse_line(i + 1, line).expect("valid line");
            preparer.prepare(sub)
        })
        .collect();
    let mut batch = [Batch::new(preparer, subs)];
    let (results, _) = engine.add_all(&mut batch);
    let rebuild = start.elapsed();
    assert!(results.iter().all(Result::is_ok));
    drop(batch);
    drop(lines);
    drop(text);
    let index_rss = rss_kib().saturating_sub(before);
    let mut times = Vec::with_capacity(probes);
    let mut indicators = 0;
    for (i, line) in probe_lines.iter().enumerate() {
        let sub = workload::parse_line(split + i + 1, line).expect("valid line");
        indicators += sub.indicators.len();
        let t = Instant::now();
        engine.add(sub).expect("admitted");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "# {} submissions, {} indicators indexed before the probes; {} probes of {:.1} indicators on average",
        split,
        engine.indicators() - indicators,
        times.len(),
        indicators as f64 / times.len().max(1) as f64
    );
    println!("hub_rebuild_seconds {:.2} s", rebuild.as_secs_f64());
    println!("hub_index_rss_mib {:.0} MiB", (index_rss as f64) / 1024.0);
    println!("hub_incremental_p50_ms {:.3} ms", pct(0.50));
    println!("hub_incremental_p99_ms {:.3} ms", pct(0.99));
    println!(
        "hub_incremental_max_ms {:.3} ms",
        times.last().copied().unwrap_or(0.0)
    );
    println!("hub_campaigns {} clusters", engine.clusters().count());
}
