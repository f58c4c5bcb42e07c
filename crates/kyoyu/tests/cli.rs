//! The command line on bad input: exit status 2 and a message naming the file, the field and
//! the line; and the happy path of `assess` and `rules`.

use std::path::Path;
use std::process::{Command, Output};

fn kyoyu(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(arguments)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("LANG", "C.UTF-8")
        .output()
        .expect("the kyoyu binary runs")
}

/// Runs `assess` on a bad file and returns its stderr after checking the exit status and that
/// nothing was printed on stdout.
fn rejected(file: &str) -> String {
    let output = kyoyu(&[
        "assess",
        file,
        "--json",
        "--at",
        "2026-11-05T12:00:00+09:00",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "{file}: nothing may be printed on failure"
    );
    assert!(
        stderr.contains(file),
        "{file}: the message names the file: {stderr}"
    );
    stderr
}

#[test]
fn a_malformed_toml_file_names_its_line() {
    // The parser notices the list opened on line 3 only where the next table starts (line 5);
    // the message points back at the `[` that was never closed.
    let stderr = rejected("test_data/bad/malformed.toml");
    assert!(
        stderr.contains("malformed.toml:3:17: incident.jurisdictions:")
            && stderr.contains("list opened with `[` here is not closed"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_json_file_names_its_line() {
    let stderr = rejected("test_data/bad/malformed.json");
    assert!(
        stderr.contains(":2:") || stderr.contains("line 2"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_kind_names_the_field_and_the_expected_kinds() {
    let stderr = rejected("test_data/bad/unknown-kind.toml");
    assert!(stderr.contains("items[0].kind"), "{stderr}");
    assert!(
        stderr.contains("malware") && stderr.contains("response_history"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":7:") || stderr.contains("line 7"),
        "{stderr}"
    );
}

#[test]
fn a_typo_in_a_field_name_does_not_pass_silently() {
    let stderr = rejected("test_data/bad/unknown-field.toml");
    assert!(stderr.contains("personal_date"), "{stderr}");
    assert!(stderr.contains("facts"), "{stderr}");
    assert!(
        stderr.contains(":6:") || stderr.contains("line 6"),
        "{stderr}"
    );
}

#[test]
fn a_bad_timestamp_names_the_field() {
    let stderr = rejected("test_data/bad/bad-timestamp.toml");
    assert!(stderr.contains("timeline[0].at"), "{stderr}");
    assert!(stderr.contains("RFC 3339"), "{stderr}");
    assert!(
        stderr.contains(":7:") || stderr.contains("line 7"),
        "{stderr}"
    );
}

#[test]
fn a_missing_sample_path_names_the_item_field() {
    let stderr = rejected("test_data/bad/missing-sample.toml");
    assert!(
        stderr.contains("missing-sample.toml:9:8:") && stderr.contains("items[0].path"),
        "{stderr}"
    );
    assert!(stderr.contains("samples/not-there.bin"), "{stderr}");
}

#[test]
fn an_unreadable_or_unknown_file_is_an_input_error() {
    let stderr = rejected("test_data/bad/does-not-exist.toml");
    assert!(stderr.contains("does not exist"), "{stderr}");
    let stderr = rejected("test_data/bad/incident.yaml");
    assert!(stderr.contains(".toml or .json"), "{stderr}");
}

#[test]
fn a_bad_at_is_refused_by_the_command_line() {
    let output = kyoyu(&[
        "assess",
        "../../examples/electronics-maker.toml",
        "--at",
        "tomorrow",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("RFC 3339"));
}

#[test]
fn the_readable_report_comes_in_both_languages() {
    let file = "../../examples/electronics-maker.toml";
    let english = kyoyu(&[
        "assess",
        file,
        "--at",
        "2026-11-06T12:00:00+09:00",
        "--lang",
        "en",
    ]);
    assert_eq!(
        english.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&english.stderr)
    );
    let english = String::from_utf8_lossy(&english.stdout);
    for heading in [
        "## Can go out now",
        "## Needs your review",
        "## Held until",
        "## Not for this channel",
        "## Legal deadlines",
        "## Publication",
    ] {
        assert!(english.contains(heading), "missing {heading}:\n{english}");
    }
    assert!(
        english.contains("[G13]") && english.contains("[G7]"),
        "{english}"
    );

    let japanese = kyoyu(&[
        "assess",
        file,
        "--at",
        "2026-11-06T12:00:00+09:00",
        "--lang",
        "ja",
    ]);
    let japanese = String::from_utf8_lossy(&japanese.stdout);
    assert!(
        japanese.contains("## 今すぐ出せるもの") && japanese.contains("## 公表"),
        "{japanese}"
    );

    let from_locale = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(["assess", file, "--at", "2026-11-06T12:00:00+09:00"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8")
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&from_locale.stdout).contains("## 今すぐ出せるもの"));
}

#[test]
fn rules_lists_guidance_and_legal_rules_with_sources() {
    let output = kyoyu(&["rules", "--json", "--lang", "en"]);
    assert_eq!(output.status.code(), Some(0));
    let rules: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let guidance = rules["guidance"].as_array().expect("guidance list");
    assert!(guidance.iter().any(|rule| rule["id"] == "G6"));
    assert_eq!(guidance.len(), 30, "G1–G17 and M1–M13");
    let obligations = rules["obligations"].as_array().expect("obligation list");
    assert!(
        obligations
            .iter()
            .any(|rule| rule["id"] == "JP-APPI-PRELIM" && rule["verified"] == true)
    );
    assert!(
        obligations.iter().any(|rule| rule["verified"] == false),
        "[M] rules are flagged"
    );
    assert!(obligations.iter().all(|rule| rule["id"] != "US-STATE"));
}
