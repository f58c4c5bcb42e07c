//! Benchmark: `kyoyu assess` on a generated 10,000-item incident.
//!
//! Run with `cargo bench -p kyoyu-core --bench assess`. Prints the median of repeated runs for
//! parsing the incident file, assessing it, and rendering the JSON, as `metric value unit` lines
//! (the format of the peer scripts). The target of issue #1 is under 100 ms of compute for the
//! assessment of 10,000 items.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kyoyu_core::AssessSettings;
use kyoyu_incident::Format;
use kyoyu_model::Lang;
use kyoyu_model::timeline::parse_timestamp;

const ITEMS: usize = 10_000;
const RUNS: usize = 15;

/// A deterministic incident: every item kind, a profile that some IoCs hit, communities,
/// approvals and a timeline.
fn generate() -> String {
    let mut text = String::from(
        r#"[incident]
id = "BENCH-10K"
title = "Generated incident for the assess benchmark"
jurisdictions = ["JP", "EU", "US"]
sectors = ["bank", "manufacturing"]
listed_company = true
sec_registrant = true

[organization]
names = ["株式会社例示電機", "Example Denki", "EXDK"]
domains = ["example-denki.co.jp"]
email_domains = ["example-denki.co.jp"]
ip_ranges = ["198.51.100.0/24", "2001:db8:100::/48"]
hostnames = ["*.corp.example-denki.local"]
accounts = ["svc-backup"]
people = ["山田 太郎"]

[facts]
personal_data = "confirmed"
persons_affected = 5000
wrongful_act = true
risk_to_individuals = "high_risk"
material = true
attacker_contained = false

[[timeline]]
event = "discovery"
at = "2026-11-02T09:30:00+09:00"

[[timeline]]
event = "materiality_determined"
at = "2026-11-03T09:30:00+09:00"

[[communities]]
id = "hub"
type = "hub"
max_tlp = "amber"

[[communities]]
id = "isac"
type = "isac"
max_tlp = "amber+strict"
"#,
    );
    for index in 0..ITEMS {
        let _ = match index % 10 {
            0 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"ioc\"\ntype = \"domain-name\"\nvalue = \"c2-{index}.example.net\"\ntlp = \"amber\"\n"
            ),
            1 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"ioc\"\ntype = \"url\"\nvalue = \"http://198.51.{}.{}/gate-{index}.php\"\n",
                index % 3 + 99,
                index % 250
            ),
            2 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"ioc\"\ntype = \"hostname\"\nvalue = \"fs{index}.corp.example-denki.local\"\n"
            ),
            3 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"ttp\"\ntechnique = \"T1190\"\ntext = \"Exploitation step {index} against the VPN appliance\"\n"
            ),
            4 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"vulnerability\"\nproduct = \"ExampleVPN 9.{index}\"\ncve = \"CVE-2026-{:05}\"\nfix_available = {}\n",
                index,
                index % 20 == 4
            ),
            5 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"attack_time\"\nfrom = \"2026-10-20T00:00:00+09:00\"\nto = \"2026-11-02T09:00:00+09:00\"\n"
            ),
            6 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"damage\"\ntext = \"Records of customer group {index} may have been read.\"\n"
            ),
            7 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"response_history\"\ntext = \"Step {index}: isolated hosts and reset credentials.\"\n"
            ),
            8 => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"abused_service\"\nvalue = \"https://files-{index}.example.org/\"\ntlp = \"green\"\n"
            ),
            _ => write!(
                text,
                "\n[[items]]\nid = \"i{index}\"\nkind = \"ioc\"\ntype = \"file\"\nvalue = \"{:064x}\"\ntext = \"Loader dropped by step {index} of Example Denki intrusion\"\n",
                index * 7919
            ),
        };
    }
    for index in (0..ITEMS).step_by(100) {
        let _ = write!(
            text,
            "\n[[approvals]]\nitem = \"i{index}\"\nchannel = \"share\"\nby = \"CSIRT lead\"\nat = \"2026-11-03T10:00:00+09:00\"\nresolution = \"approve\"\n"
        );
    }
    text
}

/// CPU time this thread has run, from Linux's `/proc/thread-self/schedstat` (nanoseconds on
/// CPU): "compute" that other processes on the machine cannot inflate. `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Wall and CPU time of one phase.
fn timed<T>(phase: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (wall_start, cpu_start) = (Instant::now(), thread_cpu());
    let value = phase();
    let wall = wall_start.elapsed();
    let cpu = match (cpu_start, thread_cpu()) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => wall,
    };
    (value, wall, cpu)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, as
    // a smoke test: one run, no figures.
    let runs = if std::env::args().any(|argument| argument == "--bench") {
        RUNS
    } else {
        1
    };
    let text = generate();
    let at = parse_timestamp("2026-11-05T12:00:00+09:00").expect("fixed timestamp");
    let settings = AssessSettings::default();
    let mut times: [Vec<(Duration, Duration)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut output_bytes = 0;
    for _ in 0..runs {
        let (parsed, wall, cpu) =
            timed(|| kyoyu_incident::parse(&text, Format::Toml, "bench.toml"));
        let parsed = parsed.expect("generated incident parses");
        times[0].push((wall, cpu));
        let (assessment, wall, cpu) = timed(|| {
            kyoyu_core::assess(&parsed.incident, std::path::Path::new("."), at, &settings)
        });
        let assessment = assessment.expect("rules load");
        times[1].push((wall, cpu));
        let (json, wall, cpu) = timed(|| kyoyu_core::json::to_json(&assessment, Lang::En));
        times[2].push((wall, cpu));
        output_bytes = json.len();
        assert_eq!(assessment.guidance.items.len(), ITEMS);
    }
    // The same incident as a JSON file (the contract accepts both); parsing only.
    let json_input = toml::from_str::<serde_json::Value>(&text)
        .map(|value| value.to_string())
        .expect("the generated TOML converts to JSON");
    let mut json_parse_times = Vec::new();
    for _ in 0..runs {
        let (parsed, wall, cpu) =
            timed(|| kyoyu_incident::parse(&json_input, Format::Json, "bench.json"));
        assert_eq!(
            parsed
                .expect("generated JSON incident parses")
                .incident
                .items
                .len(),
            ITEMS
        );
        json_parse_times.push((wall, cpu));
    }
    if runs == 1 {
        return;
    }
    let millis = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "# kyoyu assess benchmark: {ITEMS} items, {} bytes of TOML, {output_bytes} bytes of JSON out, median of {RUNS} runs, one thread",
        text.len()
    );
    let mut total_wall = Duration::ZERO;
    let mut total_cpu = Duration::ZERO;
    for (name, samples) in ["parse_incident_toml", "assess", "render_json"]
        .into_iter()
        .zip(&times)
    {
        let wall = median(samples.iter().map(|(wall, _)| *wall).collect());
        let cpu = median(samples.iter().map(|(_, cpu)| *cpu).collect());
        total_wall += wall;
        total_cpu += cpu;
        println!("{name}_cpu {:.1} ms", millis(cpu));
        println!("{name}_wall {:.1} ms", millis(wall));
    }
    let json_parse_cpu = median(json_parse_times.iter().map(|(_, cpu)| *cpu).collect());
    println!(
        "parse_incident_json_cpu {:.1} ms ({} bytes)",
        millis(json_parse_cpu),
        json_input.len()
    );
    println!("end_to_end_cpu {:.1} ms", millis(total_cpu));
    println!("end_to_end_wall {:.1} ms", millis(total_wall));
    println!("# target: assess under 100 ms of compute for 10,000 items");
}
