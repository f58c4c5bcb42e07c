//! The shipped data against the reference, and the loader's errors on bad data.

use std::collections::BTreeSet;

use kyoyu_obligations::{DataError, HOLIDAYS_TOML, InForce, OBLIGATIONS_TOML, RuleSet};

/// Every id of the obligations reference §1–§3, except US-STATE (not to be shipped).
const REFERENCE_IDS: [&str; 49] = [
    "JP-APPI-PRELIM",
    "JP-APPI-FINAL",
    "JP-APPI-INDIV",
    "JP-MYNUMBER",
    "JP-TBA-SECRECY",
    "JP-TBA-ACCIDENT",
    "JP-TBA-NEARMISS",
    "JP-TBA-USERINFO",
    "JP-EBA-ACCIDENT",
    "JP-FSA-CUSTDATA",
    "JP-FSA-GUIDELINE",
    "JP-FSA-SYSTEM",
    "JP-CARD-ISSUER",
    "JP-CARD-MERCHANT",
    "JP-MOD-CONTRACT",
    "JP-METI-SENSITIVE-TECH",
    "JP-ACD-INFRA",
    "JP-TSE-TIMELY",
    "JP-FIEA-FD",
    "EU-GDPR-33",
    "EU-GDPR-33-PROC",
    "EU-GDPR-34",
    "EU-NIS2-EW",
    "EU-NIS2-NOTIF",
    "EU-NIS2-INTERIM",
    "EU-NIS2-FINAL",
    "EU-NIS2-RECIPIENTS",
    "EU-NIS2-THRESHOLDS",
    "EU-DORA-INITIAL",
    "EU-DORA-INTERMEDIATE",
    "EU-DORA-FINAL",
    "EU-DORA-WEEKEND",
    "EU-DORA-CLIENTS",
    "EU-DORA-THREAT",
    "EU-eIDAS-TSP",
    "EU-CER",
    "US-SEC-8K-105",
    "US-SEC-8K-DELAY",
    "US-SEC-8K-CPNI",
    "US-SEC-801",
    "US-SEC-6K",
    "US-CIRCIA-INCIDENT",
    "US-CIRCIA-RANSOM",
    "US-HIPAA-INDIV",
    "US-HIPAA-MEDIA",
    "US-HIPAA-HHS",
    "US-HIPAA-BA",
    "US-NYDFS-17A",
    "US-NYDFS-17C",
];

/// Rows the reference marks [M] in their id, source or deadline column (derived by hand).
const M_ROWS: [&str; 15] = [
    "JP-APPI-FINAL",
    "JP-MYNUMBER",
    "JP-TBA-USERINFO",
    "JP-FSA-SYSTEM",
    "JP-CARD-MERCHANT",
    "JP-MOD-CONTRACT",
    "JP-FIEA-FD",
    "EU-DORA-WEEKEND",
    "EU-DORA-CLIENTS",
    "EU-eIDAS-TSP",
    "EU-CER",
    "US-SEC-8K-DELAY",
    "US-SEC-8K-CPNI",
    "US-SEC-6K",
    "US-NYDFS-17C",
];

/// Not [M], but unverified by judgement: the reference could not locate the document.
const UNVERIFIED_BY_JUDGEMENT: [&str; 1] = ["JP-METI-SENSITIVE-TECH"];

#[test]
fn the_shipped_ids_are_the_references_minus_us_state() {
    let shipped: BTreeSet<&str> = RuleSet::builtin()
        .rules()
        .iter()
        .map(|rule| rule.id.as_str())
        .collect();
    let reference: BTreeSet<&str> = REFERENCE_IDS.into_iter().collect();
    assert_eq!(shipped, reference);
    assert!(RuleSet::builtin().rule("US-STATE").is_none());
}

#[test]
fn exactly_the_m_rows_and_the_judgement_calls_are_unverified() {
    let unverified: BTreeSet<&str> = RuleSet::builtin()
        .rules()
        .iter()
        .filter(|rule| !rule.verified)
        .map(|rule| rule.id.as_str())
        .collect();
    let expected: BTreeSet<&str> = M_ROWS.into_iter().chain(UNVERIFIED_BY_JUDGEMENT).collect();
    assert_eq!(unverified, expected);
    for id in M_ROWS {
        let rule = RuleSet::builtin().rule(id).expect(id);
        assert!(
            rule.source.contains("[M"),
            "{id}: the source keeps the [M] tag: {}",
            rule.source
        );
    }
}

#[test]
fn only_circia_and_the_active_cyber_defence_act_are_not_plainly_in_force() {
    let not_in_force: Vec<(&str, InForce)> = RuleSet::builtin()
        .rules()
        .iter()
        .filter(|rule| rule.in_force != InForce::Yes)
        .map(|rule| (rule.id.as_str(), rule.in_force))
        .collect();
    assert_eq!(
        not_in_force,
        [
            (
                "JP-ACD-INFRA",
                InForce::From(chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"))
            ),
            ("US-CIRCIA-INCIDENT", InForce::Pending),
            ("US-CIRCIA-RANSOM", InForce::Pending),
        ]
    );
}

#[test]
fn the_rule_set_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(RuleSet::builtin());
}

fn load_with(replace: &str, with: &str) -> DataError {
    assert!(
        OBLIGATIONS_TOML.contains(replace),
        "the fixture text exists: {replace}"
    );
    let text = OBLIGATIONS_TOML.replacen(replace, with, 1);
    refused(RuleSet::from_toml(&text, &HOLIDAYS_TOML))
}

/// The error of a load that must fail (without printing a whole rule set when it does not).
fn refused(result: Result<RuleSet, DataError>) -> DataError {
    match result {
        Ok(_) => panic!("bad data was accepted"),
        Err(error) => error,
    }
}

#[test]
fn bad_rule_data_names_the_file_the_rule_and_the_problem() {
    let cases = [
        (
            "trigger = \"sec_registrant && material\"",
            "trigger = \"sec_registrant && materal\"",
            "US-SEC-8K-105",
            "materal",
        ),
        (
            "route = \"securities_regulator\"",
            "route = \"exchange\"",
            "JP-TSE-TIMELY",
            "exchange",
        ),
        (
            "from = \"submitted(EU-NIS2-NOTIF)\"",
            "from = \"submitted(EU-NIS2-NOTE)\"",
            "EU-NIS2-FINAL",
            "EU-NIS2-NOTE",
        ),
        (
            "unit = \"business_days\"",
            "unit = \"workdays\"",
            "US-SEC-8K-105",
            "workdays",
        ),
        (
            "in_force = \"2026-10-01\"",
            "in_force = \"October\"",
            "JP-ACD-INFRA",
            "October",
        ),
        (
            "adjusts = [\"EU-DORA-INTERMEDIATE\"",
            "adjusts = [\"EU-DORA-INTERIM\"",
            "EU-DORA-WEEKEND",
            "EU-DORA-INTERIM",
        ),
    ];
    for (replace, with, rule, detail) in cases {
        let error = load_with(replace, with);
        let message = error.to_string();
        assert!(
            matches!(&error, DataError::Rule { rule: named, .. } if named == rule),
            "{rule}: {message}"
        );
        assert!(
            message.contains("obligations.toml") && message.contains(detail),
            "{message}"
        );
    }
}

#[test]
fn malformed_files_and_duplicate_ids_are_refused() {
    let error = load_with("verified = true", "verified = \"yes\"");
    assert!(matches!(error, DataError::File { .. }), "{error}");
    let error = load_with("id = \"JP-APPI-FINAL\"", "id = \"JP-APPI-PRELIM\"");
    assert!(error.to_string().contains("used twice"), "{error}");
    let error = load_with("\ndeadline_text = {", "\ndeadline_txt = {");
    assert!(
        matches!(error, DataError::File { .. }),
        "unknown field: {error}"
    );
}

#[test]
fn business_days_need_a_holiday_file_and_holiday_files_are_checked() {
    let without_us: Vec<(&str, &str)> = HOLIDAYS_TOML
        .into_iter()
        .filter(|(code, _)| *code != "US")
        .collect();
    let error = refused(RuleSet::from_toml(OBLIGATIONS_TOML, &without_us));
    assert!(error.to_string().contains("US-SEC-8K-105"), "{error}");
    let us = HOLIDAYS_TOML[2].1;
    let bad = us.replacen("2025-01-01", "2030-01-01", 1);
    let error = refused(RuleSet::from_toml(OBLIGATIONS_TOML, &[("US", &bad)]));
    assert!(error.to_string().contains("holidays/US.toml"), "{error}");
    let error = refused(RuleSet::from_toml(OBLIGATIONS_TOML, &[("JP", us)]));
    assert!(error.to_string().contains("JP"), "{error}");
}
