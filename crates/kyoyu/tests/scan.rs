//! `kyoyu scan` and `kyoyu redact` (guidance G6): exit statuses like grep, findings with their
//! encoding and place (line and column in text, byte offset in binary), decoded excerpts,
//! archives with the field's `infected` password, redaction with numbered placeholders that says
//! what it changed, its map kept apart, and binary samples refused (hash only).

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
    assert_eq!(
        first["line"],
        serde_json::Value::Null,
        "a binary sample has no lines"
    );
    assert_eq!(first["column"], serde_json::Value::Null);
    assert_eq!(first["matched"], "corp.example-denki.local");
    assert_eq!(first["excerpt"], "i|proxy.corp.example-denki.local:8080|sv");
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
    assert_eq!(
        redacted,
        "proxy=proxy.[host-1] user=[account-1]\nreply to [email-1]\n"
    );
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

fn scan_text(arguments: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["scan", "--incident", "examples/electronics-maker.toml"];
    all.extend_from_slice(arguments);
    let output = kyoyu(&all);
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
    )
}

fn places(report: &serde_json::Value) -> Vec<(String, serde_json::Value, serde_json::Value, u64)> {
    report["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|found| {
            (
                found["source"].as_str().expect("source").to_owned(),
                found["line"].clone(),
                found["column"].clone(),
                found["offset"].as_u64().expect("offset"),
            )
        })
        .collect()
}

#[test]
fn a_text_file_gives_line_and_column_in_characters_sorted_by_place() {
    let (status, report) = scan_json(&["crates/kyoyu/test_data/scan/notes.txt"]);
    assert_eq!(status, Some(1));
    let file = "crates/kyoyu/test_data/scan/notes.txt".to_owned();
    // The address comes first on its line although the engine finds it after the host name;
    // on line 3, `例` is three bytes but one column.
    assert_eq!(
        places(&report),
        [
            (file.clone(), 2.into(), 13.into(), 27),
            (file.clone(), 2.into(), 34.into(), 48),
            (file.clone(), 3.into(), 14.into(), 88),
        ]
    );
    assert_eq!(report["matches"][0]["text_encoding"], "utf-8");
    assert_eq!(report["matches"][0]["identifier"], "198.51.100.0/24");
    let (_, text) = scan_text(&["crates/kyoyu/test_data/scan/notes.txt"]);
    let first = text.lines().next().expect("a line");
    assert_eq!(
        first,
        "crates/kyoyu/test_data/scan/notes.txt:2:13: 198.51.100.0/24 (ip_range, ipv4-in-range) `198.51.100.7`"
    );
    assert!(
        text.contains("\n    tes\\nbeacon from 198.51.100.7 to fs01.corp.ex\n"),
        "{text}"
    );
}

#[test]
fn a_binary_file_gives_a_byte_offset_labelled_as_such() {
    let (status, text) = scan_text(&["examples/samples/loader.bin"]);
    assert_eq!(status, Some(1));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "examples/samples/loader.bin@0x122: corp.example-denki.local (hostname, utf-16le) `corp.example-denki.local`"
        )
    );
    // The UTF-16 context reads as text, then the bytes as hex and ASCII.
    assert_eq!(
        lines.next(),
        Some("    i|proxy.corp.example-denki.local:8080|sv")
    );
    assert!(
        lines
            .next()
            .is_some_and(|line| line.starts_with("    69 00 7c 00")),
        "{text}"
    );
}

#[test]
fn a_shift_jis_hit_is_shown_decoded() {
    let (status, report) = scan_json(&["crates/kyoyu/test_data/scan/memo-sjis.txt"]);
    assert_eq!(status, Some(1));
    let found = &report["matches"][0];
    assert_eq!(found["encoding"], "shift_jis");
    assert_eq!(found["text_encoding"], "shift_jis");
    assert_eq!(found["matched"], "株式会社例示電機");
    assert_eq!(
        (found["line"].clone(), found["column"].clone()),
        (2.into(), 5.into())
    );
    assert_eq!(
        found["excerpt"],
        "社内メモ\\r\\n宛先: 株式会社例示電機 総務部\\r\\n"
    );
    let (_, text) = scan_text(&["crates/kyoyu/test_data/scan/memo-sjis.txt"]);
    assert!(
        text.starts_with(
            "crates/kyoyu/test_data/scan/memo-sjis.txt:2:5: 株式会社例示電機 (name, shift_jis) `株式会社例示電機`\n"
        ),
        "{text}"
    );
}

#[test]
fn findings_of_several_paths_keep_path_order_then_place() {
    let (_, report) = scan_json(&["crates/kyoyu/test_data/scan", "examples/samples/loader.bin"]);
    let order: Vec<(String, u64)> = places(&report)
        .into_iter()
        .map(|(source, _, _, offset)| (source, offset))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(
        order, sorted,
        "directory entries in name order, then by place"
    );
    assert_eq!(order.len(), 6);
}

#[test]
fn redaction_numbers_distinct_values_replaces_org_addresses_whole_and_keeps_the_map_apart() {
    let directory = std::env::temp_dir().join(format!("kyoyu-redact-map-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let input = directory.join("log.txt");
    std::fs::write(
        &input,
        "198.51.100.7 -> 198.51.100.20\n198.51.100.7 again\nichiro@example-denki.co.jp wrote\n",
    )
    .expect("write");
    let output_path = directory.join("log.redacted.txt");
    let map_path = directory.join("log.map.json");
    let run = |map: &std::path::Path| {
        kyoyu(&[
            "redact",
            input.to_str().expect("path"),
            "--incident",
            "examples/electronics-maker.toml",
            "-o",
            output_path.to_str().expect("path"),
            "--map",
            map.to_str().expect("path"),
        ])
    };
    let output = run(&map_path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let redacted = std::fs::read_to_string(&output_path).expect("redacted copy");
    assert_eq!(
        redacted,
        "[ip-1] -> [ip-2]\n[ip-1] again\n[email-1] wrote\n"
    );
    assert!(!redacted.contains("ichiro"));
    assert!(
        stderr.contains(":3:1: `ichiro@example-denki.co.jp` -> `[email-1]`"),
        "{stderr}"
    );
    let map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&map_path).expect("map")).expect("JSON");
    let pairs: Vec<(&str, &str)> = map["placeholders"]
        .as_array()
        .expect("placeholders")
        .iter()
        .map(|entry| {
            (
                entry["placeholder"].as_str().expect("placeholder"),
                entry["value"].as_str().expect("value"),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("[ip-1]", "198.51.100.7"),
            ("[ip-2]", "198.51.100.20"),
            ("[email-1]", "ichiro@example-denki.co.jp")
        ]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&map_path)
            .expect("map")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner reads the map");
    }
    // The map never takes the place of the redacted copy.
    let refused = run(&output_path);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&output_path).expect("redacted copy"),
        redacted
    );
    std::fs::remove_dir_all(&directory).ok();
}
