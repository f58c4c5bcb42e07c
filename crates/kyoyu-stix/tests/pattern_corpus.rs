//! The pattern parser agrees with the OASIS validator (`stix2-patterns` 2.1.2) pattern by
//! pattern on `test_data/patterns/corpus.jsonl`. The validator runs in this test, through
//! `scripts/stix2-patterns.sh`, which creates its virtualenv when missing.

use std::path::Path;
use std::process::Command;

use kyoyu_stix::Pattern;
use serde_json::Value;

#[test]
fn parser_agrees_with_oasis_stix2_patterns_on_the_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus_path = root.join("test_data/patterns/corpus.jsonl");
    let corpus: Vec<String> = std::fs::read_to_string(&corpus_path)
        .expect("corpus readable")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is a JSON string"))
        .collect();
    assert!(
        corpus.len() >= 200,
        "corpus has only {} patterns",
        corpus.len()
    );

    let output = Command::new("bash")
        .arg(root.join("scripts/stix2-patterns.sh"))
        .arg(&corpus_path)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "validator script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = std::str::from_utf8(&output.stdout).expect("utf-8").lines();
    let header: Value = serde_json::from_str(lines.next().expect("version line")).expect("JSON");
    assert_eq!(header["stix2-patterns"], "2.1.2");
    let verdicts: Vec<Value> = lines
        .map(|l| serde_json::from_str(l).expect("verdict JSON"))
        .collect();
    assert_eq!(verdicts.len(), corpus.len(), "one verdict per pattern");

    let mut disagreements = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for (i, (pattern, verdict)) in corpus.iter().zip(&verdicts).enumerate() {
        let oasis = verdict["valid"].as_bool().expect("valid is a bool");
        if oasis {
            valid += 1;
        } else {
            invalid += 1;
        }
        let ours = Pattern::parse(pattern);
        if ours.is_ok() != oasis {
            disagreements.push(format!(
                "line {}: {pattern:?}\n  oasis: {verdict}\n  kyoyu: {ours:?}",
                i + 1
            ));
        }
    }
    // Both verdicts must be well represented, or agreement would mean little.
    assert!(
        valid >= 80 && invalid >= 80,
        "valid {valid}, invalid {invalid}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
