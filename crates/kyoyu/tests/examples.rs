//! The example incidents of `examples/` and their expected assessments: the decisive verdicts
//! asserted one by one, and the whole JSON as a reviewed snapshot.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn assess(example: &str, at: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args([
            "assess",
            &format!("examples/{example}"),
            "--json",
            "--lang",
            "en",
            "--at",
            at,
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("the kyoyu binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{example}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("assess --json prints JSON")
}

fn item<'a>(assessment: &'a Value, id: &str) -> &'a Value {
    assessment["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["id"] == id)
        .unwrap_or_else(|| panic!("item {id}"))
}

/// The decision on a channel and the rule ids of its reasons.
fn verdict(assessment: &Value, id: &str, channel: &str) -> (String, Vec<String>) {
    let verdict = &item(assessment, id)["channels"][channel];
    let rules = verdict["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|reason| reason["rule"].as_str().expect("rule").to_owned())
        .collect();
    (
        verdict["decision"].as_str().expect("decision").to_owned(),
        rules,
    )
}

fn obligation<'a>(assessment: &'a Value, id: &str) -> Option<&'a Value> {
    assessment["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .find(|obligation| obligation["id"] == id)
}

fn routes(assessment: &Value) -> Vec<(String, String)> {
    assessment["routing"]
        .as_array()
        .expect("routing")
        .iter()
        .map(|route| {
            (
                route["to"].as_str().expect("to").to_owned(),
                route["rule"].as_str().expect("rule").to_owned(),
            )
        })
        .collect()
}

fn contains_route(assessment: &Value, to: &str, rule: &str) -> bool {
    routes(assessment).contains(&(to.to_owned(), rule.to_owned()))
}

#[test]
fn case_1_electronics_maker() {
    let assessment = assess("electronics-maker.toml", "2026-11-06T12:00:00+09:00");
    assert_eq!(verdict(&assessment, "c2-1", "share").0, "allow");
    // A documentation address is on the warninglists: review before it goes out as malicious.
    assert_eq!(
        verdict(&assessment, "c2-2", "share"),
        ("review".to_owned(), vec!["G3".to_owned()])
    );
    assert_eq!(
        verdict(&assessment, "loader", "share").0,
        "allow",
        "approved to go by hash only"
    );
    assert_eq!(
        item(&assessment, "loader")["channels"]["share"]["approval"]["resolution"],
        "hash_only"
    );
    // The implant's proxy setting names an internal host: G6.
    assert_eq!(
        verdict(&assessment, "proxy-config", "share"),
        ("review".to_owned(), vec!["G6".to_owned()])
    );
    assert_eq!(
        item(&assessment, "proxy-config")["findings"][0]["identifier"],
        "corp.example-denki.local"
    );
    // The unpublished vulnerability waits for its fix; the rest is not blocked.
    assert_eq!(
        verdict(&assessment, "av-vuln", "share"),
        ("hold".to_owned(), vec!["G13".to_owned()])
    );
    assert_eq!(verdict(&assessment, "av-vuln", "publication").0, "hold");
    assert!(
        verdict(&assessment, "av-vuln", "publication")
            .1
            .contains(&"G11③".to_owned())
    );
    assert_eq!(verdict(&assessment, "damage", "share").0, "deny");
    assert_eq!(verdict(&assessment, "who", "share").0, "deny");
    assert_eq!(verdict(&assessment, "who", "publication").0, "allow");
    assert_eq!(
        verdict(&assessment, "lessons", "publication"),
        ("hold".to_owned(), vec!["G11②".to_owned()])
    );
    // Shared four days after discovery: 102 h, 0.5^(102/72) = 0.37, still prevention.
    let sharing = &assessment["sharing"];
    assert_eq!(sharing["first_shared_at"], "2026-07-02T16:00:00+09:00");
    assert_eq!(sharing["delay_hours"], 102.0);
    assert_eq!(sharing["effectiveness"], 0.37);
    assert_eq!(sharing["purpose"], "prevention");
    assert_eq!(sharing["warnings"].as_array().expect("warnings").len(), 0);
    // Contained, personal data, reported in the press — but individuals not yet notified and the
    // vulnerability must be left out: publish when ready.
    assert_eq!(
        assessment["publication"]["recommendation"],
        "publish_when_ready"
    );
    let open: Vec<&str> = assessment["publication"]["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .filter(|entry| entry["done"] == false)
        .map(|entry| entry["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        open,
        ["vulnerability_fixed_or_left_out", "individuals_notified"]
    );
    for (to, rule) in [
        ("coordination_center", "M3"),
        ("ipa", "G13"),
        ("product_developer", "G13"),
        ("police", "M5"),
    ] {
        assert!(
            contains_route(&assessment, to, rule),
            "{to}/{rule} in {:?}",
            routes(&assessment)
        );
    }
    // Legal duties: APPI preliminary and final reports were filed; individual notice is open.
    assert_eq!(
        obligation(&assessment, "JP-APPI-PRELIM").expect("APPI preliminary")["status"],
        "done"
    );
    assert_eq!(
        obligation(&assessment, "JP-APPI-FINAL").expect("APPI final")["status"],
        "done"
    );
    assert!(obligation(&assessment, "JP-APPI-INDIV").is_some());
    assert_eq!(
        obligation(&assessment, "JP-MOD-CONTRACT").expect("defence terms")["verified"],
        false
    );
    insta::assert_json_snapshot!("case_1_electronics_maker", assessment);
}

#[test]
fn case_2_supply_chain() {
    let assessment = assess("supply-chain-monitoring.toml", "2026-12-14T12:00:00-05:00");
    assert_eq!(assessment["publication"]["recommendation"], "publish_now");
    assert_eq!(assessment["publication"]["reasons"][0]["rule"], "G16");
    for id in ["backdoor-hash", "c2", "ttp-supply", "window"] {
        assert_eq!(verdict(&assessment, id, "share").0, "allow", "{id}");
        assert_eq!(verdict(&assessment, id, "expert_alert").0, "allow", "{id}");
    }
    // The abused update server is the victim's own ("Example Monitoring", the profile's name
    // without "Inc."): G6 holds it for a person to word it without the name.
    assert_eq!(
        verdict(&assessment, "update-channel", "share"),
        ("review".to_owned(), vec!["G6".to_owned()])
    );
    assert_eq!(
        item(&assessment, "update-channel")["findings"][0]["identifier"],
        "Example Monitoring"
    );
    assert!(
        verdict(&assessment, "c2", "publication")
            .1
            .contains(&"G13".to_owned()),
        "wide impact: alert-style publication"
    );
    assert_eq!(verdict(&assessment, "workaround", "share").0, "deny");
    let filing = obligation(&assessment, "US-SEC-8K-105").expect("8-K Item 1.05");
    // Materiality determined Sunday 13 Dec 2026: four business days are Mon 14 to Thu 17.
    assert!(
        filing["due"]
            .as_str()
            .expect("due")
            .starts_with("2026-12-17"),
        "{filing}"
    );
    assert!(
        contains_route(&assessment, "securities_regulator", "G14")
            || contains_route(&assessment, "public", "G14")
    );
    insta::assert_json_snapshot!("case_2_supply_chain", assessment);
}

#[test]
fn small_company_ransomware() {
    let assessment = assess("small-company-ransomware.toml", "2026-11-17T12:00:00+09:00");
    assert_eq!(
        assessment["publication"]["recommendation"],
        "wait_for_containment"
    );
    // The extortion site's URL carries the victim's name as a slug: G6 holds it for review.
    assert_eq!(
        verdict(&assessment, "leak-site", "share"),
        ("review".to_owned(), vec!["G6".to_owned()])
    );
    assert_eq!(
        item(&assessment, "leak-site")["findings"][0]["matched"],
        "sample-buhin"
    );
    for id in ["note", "entry", "encrypt", "window"] {
        assert_eq!(
            verdict(&assessment, id, "share").0,
            "allow",
            "{id}: technical information goes out now"
        );
        assert_eq!(
            verdict(&assessment, id, "publication").0,
            "hold",
            "{id}: not before containment"
        );
    }
    let warnings: Vec<&str> = assessment["sharing"]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|warning| warning["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(warnings, ["G4"], "nothing shared yet");
    for (to, rule) in [
        ("police", "M5"),
        ("insurer", "M9"),
        ("coordination_center", "M3"),
        ("stakeholders", "G10"),
    ] {
        assert!(contains_route(&assessment, to, rule), "{to}/{rule}");
    }
    // Suspected personal data and a wrongful act: the APPI preliminary report, due on day 5.
    let appi = obligation(&assessment, "JP-APPI-PRELIM").expect("APPI preliminary report");
    assert_eq!(appi["due"], "2026-11-21T08:30:00+09:00");
    insta::assert_json_snapshot!("small_company_ransomware", assessment);
}

#[test]
fn personal_data_under_three_jurisdictions() {
    let assessment = assess(
        "personal-data-three-jurisdictions.toml",
        "2026-11-21T12:00:00+09:00",
    );
    // GDPR Art. 33 was filed; Art. 34 (high risk) is open; APPI and the SEC filing apply too.
    assert_eq!(
        obligation(&assessment, "EU-GDPR-33").expect("GDPR 33")["status"],
        "done"
    );
    assert!(obligation(&assessment, "EU-GDPR-34").is_some());
    assert!(obligation(&assessment, "JP-APPI-PRELIM").is_some());
    assert!(obligation(&assessment, "JP-APPI-FINAL").is_some());
    assert!(obligation(&assessment, "US-SEC-8K-105").is_some());
    assert!(obligation(&assessment, "JP-TSE-TIMELY").is_some());
    assert!(contains_route(
        &assessment,
        "data_protection_authority",
        "G14"
    ));
    // Context may go to the retail ISAC only under its terms; the patched CMS flaw may go out.
    assert_eq!(
        verdict(&assessment, "damage", "share"),
        ("review".to_owned(), vec!["G5".to_owned()])
    );
    assert_eq!(verdict(&assessment, "cms-vuln", "share").0, "allow");
    assert_eq!(assessment["publication"]["recommendation"], "publish_now");
    insta::assert_json_snapshot!("personal_data_under_three_jurisdictions", assessment);
}
