//! The command line on bad input: exit status 2 and a message naming the file, the field and
//! the line; the happy path of `assess` and `rules`; and the starter file of `kyoyu init`.

use std::path::Path;
use std::process::{Command, Output};

fn kyoyu(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(arguments)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("LC_ALL", "C")
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

/// Hiragana, katakana or kanji.
fn is_japanese(c: char) -> bool {
    ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// A commented-out answer of the starter (`# key = value`, `# [table]`), as opposed to prose.
fn answer_line(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("# ")?;
    let is_key =
        |key: &str| !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    (rest.starts_with('[') || rest.split_once(" = ").is_some_and(|(key, _)| is_key(key)))
        .then_some(rest)
}

fn assess_ok(file: &Path, lang: &str) -> String {
    let output = kyoyu(&[
        "assess",
        &file.display().to_string(),
        "--lang",
        lang,
        "--at",
        "2026-11-17T12:00:00+09:00",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}: {stderr}",
        file.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn init_writes_a_starter_that_assesses_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    for lang in ["ja", "en"] {
        let file = dir.path().join(format!("incident-{lang}.toml"));
        let output = kyoyu(&["init", &file.display().to_string(), "--lang", lang]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&file).expect("written");
        // The comments name the next commands with the file's own name.
        let name = file.display().to_string();
        for command in [
            format!("kyoyu assess {name} --lang ja"),
            format!("kyoyu export {name} --community"),
        ] {
            assert!(
                text.contains(&command),
                "{lang}: missing `{command}`:\n{text}"
            );
        }
        // Valid as written, and claiming nothing: no jurisdiction, no profile (warned about).
        assess_ok(&file, lang);
        // Every commented-out answer is valid too: uncommented, the file assesses and exports.
        let answered: String = text
            .lines()
            .map(|line| answer_line(line).unwrap_or(line))
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(answered.contains("\nransomware = true\n"), "{answered}");
        let answered_file = dir.path().join(format!("answered-{lang}.toml"));
        std::fs::write(&answered_file, &answered).expect("write");
        let report = assess_ok(&answered_file, lang);
        assert!(report.contains("JP-APPI-PRELIM"), "{lang}: {report}");
        let key = dir.path().join("kyoyu.key").display().to_string();
        let export = kyoyu(&[
            "export",
            &answered_file.display().to_string(),
            "--community",
            "hub",
            "--format",
            "stix",
            "--key",
            &key,
            "--at",
            "2026-11-17T12:00:00+09:00",
        ]);
        assert_eq!(
            export.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&export.stderr)
        );
    }
}

#[test]
fn the_japanese_starter_speaks_japanese_and_the_english_one_english() {
    let japanese = kyoyu(&["init", "-", "--lang", "ja"]);
    assert_eq!(japanese.status.code(), Some(0));
    let japanese = String::from_utf8(japanese.stdout).expect("UTF-8");
    let english = kyoyu(&["init", "-", "--lang", "en"]);
    let english = String::from_utf8(english.stdout).expect("UTF-8");
    let prose = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with('#') && answer_line(line).is_none())
            .filter(|line| {
                !line.starts_with("#   kyoyu ") && !line.trim_matches(['#', '-', ' ']).is_empty()
            })
            .map(str::to_owned)
            .collect()
    };
    let japanese_prose = prose(&japanese);
    assert!(japanese_prose.len() > 40, "{japanese}");
    for line in &japanese_prose {
        assert!(line.chars().any(is_japanese), "not Japanese: {line}");
    }
    for number in 1..=5 {
        assert!(
            japanese.contains(&format!("# 質問 {number}．")),
            "{japanese}"
        );
        assert!(
            english.contains(&format!("# Question {number}. ")),
            "{english}"
        );
    }
    for line in prose(&english) {
        assert!(!line.chars().any(is_japanese), "not English: {line}");
    }
    // On standard output the commands name the default file.
    assert!(
        japanese.contains("kyoyu assess incident.toml --lang ja"),
        "{japanese}"
    );
}

#[test]
fn init_never_replaces_a_file_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("incident.toml");
    std::fs::write(&file, "[incident]\nid = \"MINE\"\n").expect("write");
    let name = file.display().to_string();
    let output = kyoyu(&["init", &name, "--lang", "en"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&name) && stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "[incident]\nid = \"MINE\"\n",
        "left as it was"
    );
    let output = kyoyu(&["init", &name, "--lang", "ja"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("既にある") && stderr.contains("--force"),
        "{stderr}"
    );
    let output = kyoyu(&["init", &name, "--lang", "en", "--force"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .contains("Question 1.")
    );
    // A name `kyoyu assess` could not read is refused before anything is written.
    let output = kyoyu(&["init", &dir.path().join("notes.txt").display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(".toml"));
    assert!(!dir.path().join("notes.txt").exists());
}

#[test]
fn init_writes_incident_toml_by_default_in_the_locale_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .arg("init")
        .current_dir(dir.path())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("incident.toml")).expect("written");
    assert!(text.contains("# 質問 1．"), "{text}");
}

#[test]
fn migrate_brings_a_new_store_to_the_schema_version_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
            .args(["migrate", "--data"])
            .arg(dir.path())
            .output()
            .expect("kyoyu migrate runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The newest migration of the embedded store (a dependency of the binary).
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            format!(
                "ok: schema version {}",
                kyoyu_store_sqlite::SqliteStore::schema_version()
            )
        );
    }
    assert!(dir.path().join("kyoyu.db").is_file());
}
