//! `kyoyu hub …`: the hub's engine over a workload folder, for benchmarks and for operators who
//! want to try settings before changing them on the hub.
//!
//! Key decision: the same engine and the same default settings as the hub's correlation job
//! ([`kyoyu_hub::Settings::default`]); the file is parsed on two threads (the machine's cores),
//! the engine runs on one.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use kyoyu_hub::{Batch, Engine, Preparer, Settings, workload};

/// Options of `kyoyu hub correlate`.
pub struct CorrelateArgs<'a> {
    /// The workload folder (`submissions.jsonl`).
    pub dir: &'a Path,
    /// Where the JSON goes (`None`: standard output).
    pub output: Option<&'a Path>,
    /// Settings (defaults unless the operator changed them).
    pub settings: Settings,
    /// Exclusions to apply first.
    pub exclude: &'a [String],
    /// Print phase timings to standard error.
    pub timings: bool,
}

/// Runs the engine over `DIR/submissions.jsonl` and writes what it finds.
pub fn correlate(args: CorrelateArgs<'_>) -> anyhow::Result<ExitCode> {
    let path = args.dir.join("submissions.jsonl");
    let boot = Instant::now();
    // the embedded MISP warninglists are parsed once per process: outside the workload's time
    kyoyu_scan::warninglist::builtin();
    let boot = boot.elapsed();
    let start = Instant::now();
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let read = start.elapsed();
    let (mut batches, count, errors) = parse(&text);
    let parsed = start.elapsed();
    for error in errors.iter().take(20) {
        eprintln!("kyoyu: {}: {error}", path.display());
    }
    let mut engine = Engine::new(args.settings);
    for pattern in args.exclude {
        engine.exclude(pattern);
    }
    let (results, _) = engine.add_all(&mut batches);
    let built = start.elapsed();
    let refused: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    for error in refused.iter().take(20) {
        eprintln!("kyoyu: {}: {error}", path.display());
    }
    let invalid: usize = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|a| a.invalid.len())
        .sum();
    let found = workload::found(&engine);
    let json = serde_json::to_vec(&found)?;
    match args.output {
        Some(file) => {
            std::fs::write(file, &json).with_context(|| format!("writing {}", file.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&json)?;
            out.write_all(b"\n")?;
        }
    }
    if args.timings {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "# {count} submissions, {} indicators, {} values; {} campaigns, {} single-member, {} over the cap; {invalid} invalid indicators, {} bad lines, {} refused",
            found.stats.indicators,
            found.stats.distinct_values,
            found.campaigns.len(),
            found.single_member.len(),
            found.stats.over_correlated,
            errors.len(),
            refused.len(),
        );
        eprintln!(
            "hub_correlate_warninglists_load_ms {:.1}\nhub_correlate_read_ms {:.1}\nhub_correlate_parse_ms {:.1}\nhub_correlate_engine_ms {:.1}\nhub_correlate_total_ms {:.1}",
            ms(boot),
            ms(read),
            ms(parsed - read),
            ms(built - parsed),
            ms(built)
        );
    }
    Ok(if errors.is_empty() && refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Parses and prepares the lines on two threads, keeping their order.
fn parse(text: &str) -> (Vec<Batch<'_>>, usize, Vec<String>) {
    let mid = text.len() / 2;
    let cut = text[mid..].find('\n').map_or(text.len(), |i| mid + i + 1);
    let (first, second) = text.split_at(cut);
    let first_lines = first.lines().count();
    let ((first, first_count, mut errors), (second, second_count, more_errors)) =
        std::thread::scope(|scope| {
            let second = scope.spawn(|| parse_part(second, first_lines));
            let first = parse_part(first, 0);
            (first, second.join().expect("the parser does not panic"))
        });
    errors.extend(more_errors);
    (vec![first, second], first_count + second_count, errors)
}

/// Parses and prepares (normalizes, screens) the lines of one part; `offset` is the number of
/// lines before it.
fn parse_part(part: &str, offset: usize) -> (Batch<'_>, usize, Vec<String>) {
    let mut preparer = Preparer::default();
    let mut subs = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in part.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match workload::parse_line(offset + i + 1, line) {
            Ok(sub) => subs.push(preparer.prepare(sub)),
            Err(e) => errors.push(e),
        }
    }
    let count = subs.len();
    (Batch::new(preparer, subs), count, errors)
}
