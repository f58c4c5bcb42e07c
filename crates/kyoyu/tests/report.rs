//! The readable report as people under pressure read it (issue 7): every example's report, in
//! Japanese and English, opens with the "do now" block (reviewed snapshots); no rule sentence is
//! printed twice; the Japanese report shows no English label; ransomware with and without double
//! extortion gives different advice, each difference cited to a rule id; `--brief` is one screen.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

/// Each example with the instant its expected assessment is fixed at.
const EXAMPLES: [(&str, &str); 4] = [
    ("electronics-maker", "2026-11-06T12:00:00+09:00"),
    ("supply-chain-monitoring", "2026-12-14T12:00:00-05:00"),
    ("small-company-ransomware", "2026-11-17T12:00:00+09:00"),
    (
        "personal-data-three-jurisdictions",
        "2026-11-21T12:00:00+09:00",
    ),
];

fn run(arguments: &[&str]) -> String {
    let output = common::kyoyu(arguments);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn report(file: &str, at: &str, lang: &str) -> String {
    run(&["assess", file, "--at", at, "--lang", lang])
}

fn json(file: &str, at: &str, lang: &str) -> Value {
    serde_json::from_str(&run(&[
        "assess", file, "--at", at, "--lang", lang, "--json",
    ]))
    .expect("JSON")
}

#[test]
fn every_report_begins_with_the_do_now_block() {
    for (example, at) in EXAMPLES {
        let file = format!("examples/{example}.toml");
        for (lang, heading) in [("ja", "## まず今やること"), ("en", "## Do now")] {
            let text = report(&file, at, lang);
            let lines: Vec<&str> = text.lines().collect();
            // The incident line, the instant, a blank line, then the block.
            assert_eq!(
                lines.get(3).copied(),
                Some(heading),
                "{example} {lang}:\n{text}"
            );
            insta::assert_snapshot!(format!("report_{example}_{lang}"), text);
        }
    }
}

/// Every sentence the assessment gives (item reasons, publication reasons, warnings, routes,
/// next actions): a report prints each at most once.
fn sentences(assessment: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut add = |value: &Value| {
        if let Some(text) = value["text"].as_str() {
            found.insert(text.to_owned());
        }
    };
    for item in assessment["items"].as_array().expect("items") {
        for channel in ["share", "expert_alert", "publication"] {
            for reason in item["channels"][channel]["reasons"]
                .as_array()
                .expect("reasons")
            {
                add(reason);
            }
        }
    }
    for reason in assessment["publication"]["reasons"]
        .as_array()
        .expect("reasons")
    {
        add(reason);
    }
    for warning in assessment["sharing"]["warnings"]
        .as_array()
        .expect("warnings")
    {
        add(warning);
    }
    for route in assessment["routing"].as_array().expect("routing") {
        add(route);
    }
    for action in assessment["next_actions"].as_array().expect("next actions") {
        add(action);
    }
    found
}

#[test]
fn no_rule_sentence_appears_twice_in_one_report() {
    for (example, at) in EXAMPLES {
        let file = format!("examples/{example}.toml");
        for lang in ["ja", "en"] {
            let text = report(&file, at, lang);
            let all = sentences(&json(&file, at, lang));
            assert!(all.len() > 5, "{example}: the sentences were found");
            // A cited sentence is the rest of its line after `[RULE] `, less a note number.
            let printed: Vec<String> = text
                .lines()
                .filter_map(|line| line.split_once("] ").map(|(_, rest)| rest))
                .map(|rest| {
                    let rest = rest.split("（注").next().unwrap_or(rest);
                    rest.split(" (note ").next().unwrap_or(rest).to_owned()
                })
                .collect();
            let shown = all
                .iter()
                .filter(|sentence| printed.contains(sentence))
                .count();
            assert!(
                shown > 5,
                "{example} {lang}: the cited lines were read ({shown})"
            );
            for sentence in all {
                let count = printed.iter().filter(|line| **line == sentence).count();
                assert!(
                    count <= 1,
                    "{example} {lang}: printed {count} times: {sentence}\n{text}"
                );
            }
        }
    }
}

#[test]
fn the_japanese_report_shows_no_english_label() {
    // Labels that must never reach a Japanese reader (the vocabularies of the contract are
    // translated; ids such as JP-APPI-PRELIM and item values are not labels).
    let english = [
        "Do now",
        "Can go out now",
        "Needs your review",
        "until:",
        "approved",
        "prevention",
        "retrospective",
        "coordination_center",
        "(technical)",
        "upcoming",
        "due soon",
        "no fixed time",
        "[unverified]",
        "Recommendation",
        "Checklist",
        "sharing",
        "expert alert",
    ];
    for (example, at) in EXAMPLES {
        let text = report(&format!("examples/{example}.toml"), at, "ja");
        for label in english {
            assert!(!text.contains(label), "{example}: `{label}` in\n{text}");
        }
        // The contradiction users found: no fixed time and "due soon" on one line.
        assert!(!text.contains("期限の定めなし  期限間近"), "{text}");
    }
}

/// The ransomware example with `double_extortion` set as given.
fn ransomware_example(double_extortion: bool) -> std::path::PathBuf {
    let text =
        std::fs::read_to_string(common::root().join("examples/small-company-ransomware.toml"))
            .expect("example");
    let changed = text.replace(
        "double_extortion = true",
        &format!("double_extortion = {double_extortion}"),
    );
    assert!(text.contains("double_extortion = true"));
    let directory = std::env::temp_dir().join(format!("kyoyu-report-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch");
    let path = directory.join(format!("ransomware-{double_extortion}.toml"));
    std::fs::write(&path, changed).expect("written");
    path
}

#[test]
fn double_extortion_changes_the_advice_each_difference_cited() {
    let at = "2026-11-17T12:00:00+09:00";
    let rules: Value = serde_json::from_str(&run(&["rules", "--json"])).expect("rules JSON");
    let known: BTreeSet<&str> = rules["guidance"]
        .as_array()
        .expect("guidance rules")
        .iter()
        .filter_map(|rule| rule["id"].as_str())
        .collect();
    let actions = |double_extortion: bool| -> BTreeSet<(String, String)> {
        let path = ransomware_example(double_extortion);
        let assessment = json(path.to_str().expect("utf-8"), at, "en");
        assessment["next_actions"]
            .as_array()
            .expect("next actions")
            .iter()
            .map(|action| {
                (
                    action["rule"].as_str().expect("rule").to_owned(),
                    action["text"].as_str().expect("text").to_owned(),
                )
            })
            .collect()
    };
    let with = actions(true);
    let without = actions(false);
    let added: Vec<_> = with.difference(&without).collect();
    assert!(added.len() >= 3, "double extortion adds advice: {added:?}");
    for (rule, text) in with.symmetric_difference(&without) {
        assert!(
            known.contains(rule.as_str()),
            "`{rule}` is a guidance rule: {text}"
        );
    }
    assert!(
        added.iter().any(|(_, text)| text.contains("leak site")),
        "{added:?}"
    );
    // Ransomware alone already says what not to do with the attacker.
    assert!(
        without
            .iter()
            .any(|(rule, text)| rule == "G12" && text.contains("Do not contact")),
        "{without:?}"
    );
    // And the readable reports differ too.
    let report_with = report(ransomware_example(true).to_str().expect("utf-8"), at, "ja");
    let report_without = report(ransomware_example(false).to_str().expect("utf-8"), at, "ja");
    assert_ne!(report_with, report_without);
}

#[test]
fn a_recorded_police_consultation_marks_its_route_done() {
    let text =
        std::fs::read_to_string(common::root().join("examples/small-company-ransomware.toml"))
            .expect("example");
    let consulted = format!(
        "{text}\n[[timeline]]\nevent = \"reported\"\nto = \"police\"\nat = \"2026-11-16T15:00:00+09:00\"\nnote = \"Prefectural police cybercrime desk, case 123\"\n"
    );
    let directory = std::env::temp_dir().join(format!("kyoyu-police-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch");
    let path = directory.join("consulted.toml");
    std::fs::write(&path, consulted).expect("written");
    let at = "2026-11-17T12:00:00+09:00";
    let assessment = json(path.to_str().expect("utf-8"), at, "en");
    let police = assessment["routing"]
        .as_array()
        .expect("routing")
        .iter()
        .find(|route| route["to"] == "police")
        .expect("police route");
    assert_eq!(police["done_at"], "2026-11-16T15:00:00+09:00");
    assert!(
        !assessment["next_actions"]
            .as_array()
            .expect("next actions")
            .iter()
            .any(|action| action["id"] == "police"),
        "a done call leaves the list"
    );
    let shown = report(path.to_str().expect("utf-8"), at, "ja");
    assert!(
        shown.contains("警察（コンテクスト情報と技術情報） ✓ 済み"),
        "{shown}"
    );
}

#[test]
fn the_brief_is_one_screen_in_both_languages() {
    let file = "examples/small-company-ransomware.toml";
    let at = "2026-11-17T12:00:00+09:00";
    for (lang, markers) in [
        (
            "ja",
            [
                "公表するか",
                "今、外に出してよいもの",
                "期限のあるもの",
                "待つことの代償",
            ],
        ),
        (
            "en",
            [
                "Publish?",
                "What may go out now",
                "What is due by when",
                "What waiting costs",
            ],
        ),
    ] {
        let text = run(&["assess", file, "--brief", "--at", at, "--lang", lang]);
        for marker in markers {
            assert!(text.contains(marker), "{lang}: {marker}\n{text}");
        }
        assert!(text.lines().count() <= 40, "one screen:\n{text}");
        // No item's value: executives are promised no item details.
        assert!(!text.contains("leakblogexample"), "{text}");
        assert!(
            text.contains("M11"),
            "the risk of not publishing is named: {text}"
        );
    }
}
