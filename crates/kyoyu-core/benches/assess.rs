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
    let mut parse_times = Vec::new();
    let mut assess_times = Vec::new();
    let mut json_times = Vec::new();
    let mut output_bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let parsed = kyoyu_incident::parse(&text, Format::Toml, "bench.toml")
            .expect("generated incident parses");
        parse_times.push(started.elapsed());

        let started = Instant::now();
        let assessment = kyoyu_core::assess(&parsed.incident, at, &settings).expect("rules load");
        assess_times.push(started.elapsed());

        let started = Instant::now();
        let json = kyoyu_core::json::to_json(&assessment, Lang::En);
        json_times.push(started.elapsed());
        output_bytes = json.len();
        assert_eq!(assessment.guidance.items.len(), ITEMS);
    }
    if runs == 1 {
        return;
    }
    let millis = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "# kyoyu assess benchmark: {ITEMS} items, {} bytes of TOML, median of {RUNS} runs, one thread",
        text.len()
    );
    println!(
        "parse_incident_toml {:.1} ms",
        millis(median(parse_times.clone()))
    );
    println!("assess {:.1} ms", millis(median(assess_times.clone())));
    println!(
        "render_json {:.1} ms ({output_bytes} bytes)",
        millis(median(json_times.clone()))
    );
    let total: Vec<Duration> = (0..RUNS)
        .map(|run| parse_times[run] + assess_times[run] + json_times[run])
        .collect();
    println!("assess_end_to_end {:.1} ms", millis(median(total)));
    println!("# target: assess under 100 ms of compute for 10,000 items");
}
