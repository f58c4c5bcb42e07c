//! Bad incident files as people under pressure write them (issue 7): each is refused with exit
//! status 2 and one message, in the chosen language, naming the file, the line, the field and
//! what was expected — with a suggestion for a misspelt name and the invisible character named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes `body` after a minimal valid header into a fresh file and returns its path.
fn file(name: &str, body: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("kyoyu-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temporary directory");
    let path = directory.join(name);
    let text = format!("[incident]\nid = \"BAD-1\"\njurisdictions = [\"JP\"]\n{body}");
    std::fs::write(&path, text).expect("written");
    path
}

/// Runs `kyoyu assess FILE --lang LANG`; asserts exit 2 and nothing on stdout; gives stderr.
fn refused(path: &Path, lang: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(["assess", path.to_str().expect("utf-8 path"), "--lang", lang])
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .expect("kyoyu runs");
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing is printed on refusal");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

/// The case's message in both languages: both start with `FILE:LINE:COLUMN: FIELD: `, and each
/// holds its language's expected words.
fn check(name: &str, body: &str, line: usize, field: &str, ja: &[&str], en: &[&str]) {
    let path = file(name, body);
    let shown = path.display().to_string();
    for (lang, words) in [("ja", ja), ("en", en)] {
        let message = refused(&path, lang);
        let prefix = format!("kyoyu: {shown}:{line}:");
        assert!(message.starts_with(&prefix), "{lang}: {message}");
        assert!(
            message.contains(&format!(": {field}: ")),
            "{lang}: {message}"
        );
        for word in words {
            assert!(
                message.contains(word),
                "{lang}: `{word}` missing in {message}"
            );
        }
    }
    let japanese = refused(&path, "ja");
    assert!(
        japanese
            .chars()
            .any(|c| ('\u{3040}'..='\u{30FF}').contains(&c)),
        "the Japanese message is Japanese: {japanese}"
    );
}

#[test]
fn a_misspelt_fact_gets_its_suggestion() {
    check(
        "fact.toml",
        "[facts]\nransomeware = true\n",
        5,
        "facts.ransomeware",
        &["もしかして `ransomware`？", "項目はありません"],
        &["did you mean `ransomware`?", "not a known field"],
    );
}

#[test]
fn a_full_width_quote_is_named() {
    check(
        "quote.toml",
        "[facts]\npersonal_data = \u{201C}suspected\u{201D}\n",
        5,
        "facts.personal_data",
        &["全角の引用符", "U+201C", "半角の \""],
        &["curly quote", "U+201C", "ASCII \""],
    );
}

#[test]
fn a_full_width_space_is_named() {
    check(
        "space.toml",
        "[facts]\nransomware = true\u{3000}\n",
        5,
        "facts.ransomware",
        &["全角スペース", "U+3000", "半角スペース"],
        &["full-width space", "U+3000"],
    );
}

#[test]
fn a_misspelt_obligation_id_gets_its_suggestion() {
    check(
        "obligation.toml",
        "[[timeline]]\nevent = \"discovery\"\nat = \"2026-11-16T08:30:00+09:00\"\n\n[[timeline]]\nevent = \"reported\"\nat = \"2026-11-18T10:00:00+09:00\"\nobligation = \"JP-APPI-PRELIN\"\n",
        11,
        "timeline[1].obligation",
        &["もしかして `JP-APPI-PRELIM`？", "義務の id ではありません"],
        &[
            "did you mean `JP-APPI-PRELIM`?",
            "not a known obligation id",
        ],
    );
}

#[test]
fn a_report_to_the_police_is_not_an_obligation() {
    check(
        "police.toml",
        "[[timeline]]\nevent = \"reported\"\nat = \"2026-11-18T10:00:00+09:00\"\nobligation = \"police\"\n",
        7,
        "timeline[0].obligation",
        &["to = \"police\""],
        &["to = \"police\""],
    );
}

#[test]
fn an_ipv4_address_with_three_octets_is_refused() {
    check(
        "ipv4.toml",
        "[[items]]\nid = \"c2\"\nkind = \"ioc\"\ntype = \"ipv4-addr\"\nvalue = \"91.215.85\"\n",
        8,
        "items[0].value",
        &["`91.215.85`", "IPv4 アドレス"],
        &[
            "`91.215.85` is not a `ipv4-addr` value",
            "dotted IPv4 address",
        ],
    );
}

#[test]
fn a_url_typed_as_a_domain_name_is_refused() {
    check(
        "url.toml",
        "[[items]]\nid = \"c2\"\nkind = \"ioc\"\ntype = \"domain-name\"\nvalue = \"https://update-check.example.net/a\"\n",
        8,
        "items[0].value",
        &["スキーム", "type = \"url\""],
        &["without a scheme", "`url`"],
    );
}

#[test]
fn a_missing_file_says_so_once() {
    let missing = std::env::temp_dir().join("kyoyu-no-such-incident.toml");
    let message = refused(&missing, "en");
    assert!(message.contains("does not exist"), "{message}");
    assert!(
        !message.contains("os error"),
        "no OS error text twice: {message}"
    );
    let message = refused(&missing, "ja");
    assert!(message.contains("見つかりません"), "{message}");
}

#[test]
fn a_byte_order_mark_at_the_start_is_accepted() {
    let path = file("bom.toml", "");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, format!("\u{FEFF}{text}")).expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(["assess", path.to_str().expect("utf-8"), "--lang", "en"])
        .output()
        .expect("kyoyu runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_language_follows_the_locale_without_lang() {
    let path = file("locale.toml", "[facts]\nransomeware = true\n");
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args(["assess", path.to_str().expect("utf-8")])
        .env("LC_ALL", "ja_JP.UTF-8")
        .output()
        .expect("kyoyu runs");
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(stderr.contains("もしかして"), "{stderr}");
}
