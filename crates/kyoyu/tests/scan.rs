//! `kyoyu scan` and `kyoyu redact` (guidance G6): exit statuses like grep, findings with their
//! encoding and place, archives with the field's `infected` password, redaction that says what
//! it changed, and binary samples refused (hash only).

mod common;

use common::kyoyu;

fn scan_json(arguments: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec![
        "scan",
        "--incident",
        "examples/electronics-maker.toml",
        "--json",
    ];
    all.extend_from_slice(arguments);
    let output = kyoyu(&all);
    let report = serde_json::from_slice(&output.stdout).expect("scan --json prints JSON");
    (output.status.code(), report)
}

fn forms(report: &serde_json::Value) -> Vec<(String, String)> {
    report["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|found| {
            (
                found["identifier"].as_str().expect("identifier").to_owned(),
                found["encoding"].as_str().expect("encoding").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_sample_with_identifiers_exits_1_and_names_identifier_encoding_and_offset() {
    let (status, report) = scan_json(&["examples/samples"]);
    assert_eq!(status, Some(1));
    assert_eq!(
        forms(&report),
        [
            ("corp.example-denki.local".to_owned(), "utf-16le".to_owned()),
            ("svc-avmgr".to_owned(), "utf-16le".to_owned())
        ]
    );
    let first = &report["matches"][0];
    assert_eq!(first["source"], "examples/samples/loader.bin");
    assert_eq!(first["offset"], 290);
    assert_eq!(first["matched"], "corp.example-denki.local");
    assert!(
        first["excerpt_hex"]
            .as_str()
            .expect("hex")
            .starts_with("69 00 7c 00"),
        "{first}"
    );
}

#[test]
fn encrypted_sample_archives_are_opened_in_memory_and_a_corrupt_one_is_an_error() {
    for archive in [
        "sample-infected-zipcrypto.zip",
        "sample-infected-aes.zip",
        "sample-plain.zip",
    ] {
        let path = format!("crates/kyoyu-scan/test_data/{archive}");
        let (status, report) = scan_json(&[&path]);
        assert_eq!(status, Some(1), "{archive}");
        assert_eq!(
            report["matches"][0]["source"],
            format!("{path}!sample/dropper.bin")
        );
        assert_eq!(report["matches"][0]["encoding"], "utf-16le");
    }
    let (status, report) = scan_json(&["crates/kyoyu-scan/test_data/corrupt-truncated.zip"]);
    assert_eq!(status, Some(2));
    assert!(
        report["errors"][0]
            .as_str()
            .expect("error")
            .contains("corrupt-truncated.zip"),
        "{report}"
    );
}

#[test]
fn a_clean_file_exits_0_and_a_missing_path_exits_2() {
    let (status, report) = scan_json(&[
        "examples/supply-chain-monitoring.toml",
        "crates/kyoyu/test_data/bad/malformed.json",
    ]);
    assert_eq!(status, Some(0), "{report}");
    assert_eq!(report["matches"].as_array().map(Vec::len), Some(0));
    let (status, report) = scan_json(&["examples/no-such-dir"]);
    assert_eq!(status, Some(2));
    assert!(
        report["errors"][0]
            .as_str()
            .expect("error")
            .contains("no-such-dir")
    );
    // Neither --profile nor --incident: a usage error.
    assert_eq!(kyoyu(&["scan", "examples/samples"]).status.code(), Some(2));
}

#[test]
fn redact_replaces_identifiers_in_text_and_says_what_changed() {
    let directory = std::env::temp_dir().join(format!("kyoyu-redact-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let input = directory.join("note.txt");
    std::fs::write(
        &input,
        "proxy=proxy.corp.example-denki.local user=svc-avmgr\nreply to taro@example-denki.co.jp\n",
    )
    .expect("write");
    let output_path = directory.join("note.redacted.txt");
    let output = kyoyu(&[
        "redact",
        input.to_str().expect("path"),
        "--incident",
        "examples/electronics-maker.toml",
        "-o",
        output_path.to_str().expect("path"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let redacted = std::fs::read_to_string(&output_path).expect("redacted copy");
    assert!(
        !redacted.contains("example-denki") && !redacted.contains("svc-avmgr"),
        "{redacted}"
    );
    assert!(redacted.contains("[REDACTED:account]"), "{redacted}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("3 change(s)"), "{stderr}");
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn redact_refuses_a_binary_sample_with_findings_and_gives_its_hash() {
    let output = kyoyu(&[
        "redact",
        "examples/samples/loader.bin",
        "--incident",
        "examples/electronics-maker.toml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("sha256:") && stdout.trim().len() == "sha256:".len() + 64,
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("hash only"));
}

#[test]
fn a_profile_file_serves_as_well_as_an_incident() {
    let output = kyoyu(&[
        "scan",
        "--profile",
        "crates/kyoyu/test_data/profile.toml",
        "--json",
        "examples/samples",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    // Without a host pattern, the name's slug inside the proxy host name is what is found.
    assert_eq!(
        forms(&report),
        [
            ("Example-Denki".to_owned(), "utf-16le".to_owned()),
            ("svc-avmgr".to_owned(), "utf-16le".to_owned())
        ]
    );
    let empty = kyoyu(&[
        "scan",
        "--profile",
        "crates/kyoyu/test_data/bad/unknown-field.toml",
        "examples/samples",
    ]);
    assert_eq!(
        empty.status.code(),
        Some(2),
        "a file without a profile is an input error"
    );
}
