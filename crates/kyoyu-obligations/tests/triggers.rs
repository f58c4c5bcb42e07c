//! One fact pattern per shipped obligation that triggers it, with the exact `due` (or none where
//! the rule has no fixed time), and one close variation that does not trigger it.
//!
//! The base incident (common::incident) lists JP, EU and US and was discovered on Monday
//! 2026-11-02 09:30 +09:00; `setup` adds what the rule needs, `unset` then takes one thing away.

mod common;

use std::collections::BTreeSet;

use common::*;
use kyoyu_model::{EventKind, Incident, Jurisdiction, PersonalData, RiskLevel, Role};
use kyoyu_obligations::RuleSet;

struct Case {
    id: &'static str,
    setup: fn(&mut Incident),
    due: Option<&'static str>,
    unset: fn(&mut Incident),
}

/// After every event the cases record (events after the assessment instant do not count).
const AT: &str = "2026-11-06T12:00:00+09:00";

fn appi(incident: &mut Incident) {
    incident.facts.personal_data = PersonalData::Suspected;
    incident.facts.wrongful_act = true;
}

fn nis2(incident: &mut Incident) {
    sectors(incident, &["nis2_essential"]);
    incident.facts.significant_incident = true;
}

fn dora(incident: &mut Incident) {
    sectors(incident, &["dora_financial_entity"]);
    incident.facts.major_ict_incident = true;
}

fn sec(incident: &mut Incident) {
    incident.sec_registrant = true;
    incident.facts.material = true;
}

fn hipaa(incident: &mut Incident) {
    sectors(incident, &["hipaa_covered_entity"]);
    incident.facts.unsecured_phi = true;
}

fn cases() -> Vec<Case> {
    vec![
        // Japan.
        Case {
            id: "JP-APPI-PRELIM",
            setup: appi,
            due: Some("2026-11-07T09:30:00+09:00"),
            unset: |incident| incident.facts.strong_encryption = true,
        },
        Case {
            id: "JP-APPI-FINAL",
            setup: |incident| {
                incident.facts.personal_data = PersonalData::Confirmed;
                incident.facts.persons_affected = Some(1001);
            },
            // 30 days, 2 November being day 1.
            due: Some("2026-12-01T23:59:59+09:00"),
            unset: |incident| incident.facts.persons_affected = Some(1000),
        },
        Case {
            id: "JP-APPI-INDIV",
            setup: |incident| {
                incident.facts.personal_data = PersonalData::Confirmed;
                incident.facts.sensitive_personal_data = true;
            },
            due: None,
            unset: |incident| incident.facts.personal_data = PersonalData::None,
        },
        Case {
            id: "JP-MYNUMBER",
            setup: |incident| {
                incident.facts.my_number = true;
                incident.facts.personal_data = PersonalData::Confirmed;
                incident.facts.persons_affected = Some(101);
            },
            due: Some("2026-11-07T09:30:00+09:00"),
            unset: |incident| incident.facts.persons_affected = Some(100),
        },
        Case {
            id: "JP-TBA-SECRECY",
            setup: |incident| {
                sectors(incident, &["telecom_carrier"]);
                incident.facts.secrecy_of_communications = true;
            },
            due: None,
            unset: |incident| sectors(incident, &["it_services"]),
        },
        Case {
            id: "JP-TBA-ACCIDENT",
            setup: |incident| {
                sectors(incident, &["telecom_carrier"]);
                incident.facts.service_outage = true;
                incident.facts.outage_users = Some(30_000);
                incident.facts.outage_hours = Some(2.0);
            },
            due: None,
            unset: |incident| incident.facts.outage_hours = Some(1.5),
        },
        Case {
            id: "JP-TBA-NEARMISS",
            setup: |incident| {
                sectors(incident, &["telecom_carrier"]);
                incident.facts.serious_accident_risk = true;
            },
            due: Some("2026-12-01T23:59:59+09:00"),
            unset: |incident| incident.facts.serious_accident_risk = false,
        },
        Case {
            id: "JP-TBA-USERINFO",
            setup: |incident| {
                sectors(incident, &["telecom_carrier"]);
                incident.facts.specified_user_information = true;
            },
            due: None,
            unset: |incident| incident.facts.specified_user_information = false,
        },
        Case {
            id: "JP-EBA-ACCIDENT",
            setup: |incident| {
                sectors(incident, &["electricity"]);
                incident.facts.electricity_accident = true;
            },
            due: Some("2026-11-03T09:30:00+09:00"),
            unset: |incident| incident.facts.electricity_accident = false,
        },
        Case {
            id: "JP-FSA-CUSTDATA",
            setup: |incident| {
                sectors(incident, &["bank"]);
                incident.facts.personal_data = PersonalData::Suspected;
            },
            due: Some("2026-11-07T09:30:00+09:00"),
            unset: |incident| sectors(incident, &["retail"]),
        },
        Case {
            id: "JP-FSA-GUIDELINE",
            setup: |incident| {
                sectors(incident, &["securities"]);
                incident.facts.personal_data = PersonalData::Confirmed;
                incident.facts.persons_affected = Some(10);
            },
            due: None,
            // Above the APPI threshold the APPI rules apply instead.
            unset: |incident| incident.facts.persons_affected = Some(1001),
        },
        Case {
            id: "JP-FSA-SYSTEM",
            setup: |incident| {
                sectors(incident, &["insurance"]);
                incident.facts.ransomware = true;
            },
            due: None,
            unset: |incident| incident.facts.ransomware = false,
        },
        Case {
            id: "JP-CARD-ISSUER",
            setup: |incident| {
                sectors(incident, &["card_issuer"]);
                incident.facts.card_numbers = true;
            },
            due: Some("2026-11-07T09:30:00+09:00"),
            unset: |incident| incident.facts.card_numbers = false,
        },
        Case {
            id: "JP-CARD-MERCHANT",
            setup: |incident| {
                sectors(incident, &["card_merchant"]);
                incident.facts.card_numbers = true;
            },
            due: None,
            unset: |incident| incident.facts.card_numbers = false,
        },
        Case {
            id: "JP-MOD-CONTRACT",
            setup: |incident| {
                sectors(incident, &["defense_contractor"]);
                incident.facts.protected_defense_information = true;
            },
            due: None,
            unset: |incident| incident.facts.protected_defense_information = false,
        },
        Case {
            id: "JP-METI-SENSITIVE-TECH",
            setup: |incident| {
                sectors(incident, &["defense_contractor"]);
                incident.facts.wrongful_act = true;
            },
            due: None,
            unset: |incident| incident.facts.wrongful_act = false,
        },
        Case {
            id: "JP-ACD-INFRA",
            setup: |incident| {
                sectors(incident, &["critical_infra_jp"]);
                incident.facts.wrongful_act = true;
            },
            due: None,
            unset: |incident| incident.jurisdictions = vec![Jurisdiction::Eu, Jurisdiction::Us],
        },
        Case {
            id: "JP-TSE-TIMELY",
            setup: |incident| {
                incident.listed_company = true;
                incident.facts.ransomware = true;
            },
            due: None,
            unset: |incident| incident.listed_company = false,
        },
        Case {
            id: "JP-FIEA-FD",
            setup: |incident| {
                incident.listed_company = true;
                incident.facts.material = true;
            },
            due: None,
            unset: |incident| incident.facts.material = false,
        },
        // European Union.
        Case {
            id: "EU-GDPR-33",
            setup: |incident| {
                incident.facts.personal_data = PersonalData::Confirmed;
                incident.facts.risk_to_individuals = RiskLevel::Risk;
            },
            due: Some("2026-11-05T09:30:00+09:00"),
            unset: |incident| incident.facts.risk_to_individuals = RiskLevel::None,
        },
        Case {
            id: "EU-GDPR-33-PROC",
            setup: |incident| {
                incident.facts.personal_data = PersonalData::Suspected;
                incident.facts.role = Role::Processor;
            },
            due: None,
            unset: |incident| incident.facts.role = Role::Controller,
        },
        Case {
            id: "EU-GDPR-34",
            setup: |incident| {
                incident.facts.personal_data = PersonalData::Confirmed;
                incident.facts.risk_to_individuals = RiskLevel::HighRisk;
            },
            due: None,
            unset: |incident| incident.facts.strong_encryption = true,
        },
        Case {
            id: "EU-NIS2-EW",
            setup: nis2,
            due: Some("2026-11-03T09:30:00+09:00"),
            unset: |incident| incident.facts.significant_incident = false,
        },
        Case {
            id: "EU-NIS2-NOTIF",
            setup: nis2,
            due: Some("2026-11-05T09:30:00+09:00"),
            // DORA is lex specialis for financial entities.
            unset: |incident| sectors(incident, &["nis2_essential", "dora_financial_entity"]),
        },
        Case {
            id: "EU-NIS2-INTERIM",
            setup: nis2,
            due: None,
            unset: |incident| incident.jurisdictions = vec![Jurisdiction::Jp],
        },
        Case {
            id: "EU-NIS2-FINAL",
            setup: |incident| {
                nis2(incident);
                report(incident, "EU-NIS2-NOTIF", "2026-11-02T11:00:00+09:00");
            },
            due: Some("2026-12-02T11:00:00+09:00"),
            unset: |incident| sectors(incident, &["manufacturing"]),
        },
        Case {
            id: "EU-NIS2-RECIPIENTS",
            setup: |incident| {
                nis2(incident);
                incident.facts.service_outage = true;
            },
            due: None,
            unset: |incident| incident.facts.service_outage = false,
        },
        Case {
            id: "EU-NIS2-THRESHOLDS",
            setup: |incident| sectors(incident, &["managed_service_provider", "nis2_important"]),
            due: None,
            unset: |incident| sectors(incident, &["managed_service_provider"]),
        },
        Case {
            id: "EU-DORA-INITIAL",
            setup: |incident| {
                dora(incident);
                add_event(
                    incident,
                    EventKind::ClassifiedMajor,
                    "2026-11-02T11:00:00+09:00",
                );
            },
            // 4 h after classification comes before 24 h after awareness.
            due: Some("2026-11-02T15:00:00+09:00"),
            unset: |incident| incident.facts.major_ict_incident = false,
        },
        Case {
            id: "EU-DORA-INTERMEDIATE",
            setup: |incident| {
                dora(incident);
                report(incident, "EU-DORA-INITIAL", "2026-11-02T11:30:00+09:00");
            },
            due: Some("2026-11-05T11:30:00+09:00"),
            unset: |incident| sectors(incident, &["bank"]),
        },
        Case {
            id: "EU-DORA-FINAL",
            setup: |incident| {
                dora(incident);
                report(
                    incident,
                    "EU-DORA-INTERMEDIATE",
                    "2026-11-02T11:45:00+09:00",
                );
            },
            // One month later is Wednesday 2 December: no weekend adjustment.
            due: Some("2026-12-02T11:45:00+09:00"),
            unset: |incident| incident.facts.major_ict_incident = false,
        },
        Case {
            id: "EU-DORA-CLIENTS",
            setup: |incident| {
                dora(incident);
                incident.facts.service_outage = true;
            },
            due: None,
            unset: |incident| incident.facts.service_outage = false,
        },
        Case {
            id: "EU-DORA-THREAT",
            setup: |incident| {
                sectors(incident, &["dora_financial_entity"]);
                incident.facts.wide_impact = true;
            },
            due: None,
            unset: |incident| incident.facts.wide_impact = false,
        },
        Case {
            id: "EU-eIDAS-TSP",
            setup: |incident| {
                sectors(incident, &["trust_service_provider"]);
                incident.facts.personal_data = PersonalData::Suspected;
            },
            due: Some("2026-11-03T09:30:00+09:00"),
            unset: |incident| incident.facts.personal_data = PersonalData::None,
        },
        Case {
            id: "EU-CER",
            setup: |incident| {
                sectors(incident, &["nis2_essential", "water"]);
                incident.facts.service_outage = true;
                incident.facts.significant_incident = true;
            },
            due: Some("2026-11-03T09:30:00+09:00"),
            unset: |incident| sectors(incident, &["nis2_essential", "retail"]),
        },
        // United States.
        Case {
            id: "US-SEC-8K-105",
            setup: |incident| {
                sec(incident);
                // Thursday; Wednesday 11 November is Veterans Day.
                add_event(
                    incident,
                    EventKind::MaterialityDetermined,
                    "2026-11-05T10:00:00+09:00",
                );
            },
            due: Some("2026-11-12T23:59:59+09:00"),
            unset: |incident| incident.sec_registrant = false,
        },
        Case {
            id: "US-SEC-8K-DELAY",
            setup: |incident| {
                sec(incident);
                sectors(incident, &["defense_contractor"]);
            },
            due: None,
            unset: |incident| sectors(incident, &["retail"]),
        },
        Case {
            id: "US-SEC-8K-CPNI",
            setup: |incident| {
                sec(incident);
                sectors(incident, &["telecom_carrier"]);
            },
            due: None,
            unset: |incident| incident.facts.material = false,
        },
        Case {
            id: "US-SEC-801",
            setup: |incident| {
                incident.sec_registrant = true;
                incident.facts.wrongful_act = true;
            },
            due: None,
            unset: |incident| incident.facts.material = true,
        },
        Case {
            id: "US-SEC-6K",
            setup: |incident| {
                sec(incident);
                incident.listed_company = true;
            },
            due: None,
            unset: |incident| incident.listed_company = false,
        },
        Case {
            id: "US-CIRCIA-INCIDENT",
            setup: |incident| {
                sectors(incident, &["circia_covered_entity"]);
                incident.facts.ransomware = true;
            },
            due: None,
            unset: |incident| incident.facts.ransomware = false,
        },
        Case {
            id: "US-CIRCIA-RANSOM",
            setup: |incident| {
                sectors(incident, &["circia_covered_entity"]);
                add_event(incident, EventKind::RansomPaid, "2026-11-02T11:00:00+09:00");
            },
            due: None,
            unset: |incident| {
                incident
                    .timeline
                    .retain(|event| event.kind != EventKind::RansomPaid)
            },
        },
        Case {
            id: "US-HIPAA-INDIV",
            setup: hipaa,
            // 60 days after 2 November, the day after discovery being day 1.
            due: Some("2027-01-01T23:59:59+09:00"),
            unset: |incident| incident.facts.unsecured_phi = false,
        },
        Case {
            id: "US-HIPAA-MEDIA",
            setup: |incident| {
                hipaa(incident);
                incident.facts.persons_in_one_state = Some(501);
            },
            due: Some("2027-01-01T23:59:59+09:00"),
            unset: |incident| incident.facts.persons_in_one_state = Some(500),
        },
        Case {
            id: "US-HIPAA-HHS",
            setup: |incident| {
                hipaa(incident);
                incident.facts.persons_affected = Some(500);
            },
            due: Some("2027-01-01T23:59:59+09:00"),
            unset: |incident| sectors(incident, &["hipaa_business_associate"]),
        },
        Case {
            id: "US-HIPAA-BA",
            setup: |incident| {
                sectors(incident, &["hipaa_business_associate"]);
                incident.facts.unsecured_phi = true;
            },
            due: Some("2027-01-01T23:59:59+09:00"),
            unset: |incident| incident.facts.unsecured_phi = false,
        },
        Case {
            id: "US-NYDFS-17A",
            setup: |incident| {
                sectors(incident, &["nydfs_covered_entity"]);
                incident.facts.ransomware = true;
            },
            due: Some("2026-11-05T09:30:00+09:00"),
            unset: |incident| incident.facts.ransomware = false,
        },
        Case {
            id: "US-NYDFS-17C",
            setup: |incident| {
                sectors(incident, &["nydfs_covered_entity"]);
                incident.facts.ransom_paid = true;
                add_event(incident, EventKind::RansomPaid, "2026-11-02T11:00:00+09:00");
            },
            due: Some("2026-11-03T11:00:00+09:00"),
            unset: |incident| {
                incident.facts.ransom_paid = false;
                incident
                    .timeline
                    .retain(|event| event.kind != EventKind::RansomPaid);
            },
        },
    ]
}

#[test]
fn every_obligation_triggers_with_its_exact_due() {
    for case in cases() {
        let mut incident = incident();
        (case.setup)(&mut incident);
        let status = status_of(&incident, AT, case.id);
        assert_eq!(
            status.due,
            case.due.map(time),
            "{}: due (note: {})",
            case.id,
            note_en(&status)
        );
    }
}

#[test]
fn every_obligation_has_a_pattern_that_does_not_trigger_it() {
    for case in cases() {
        let mut incident = incident();
        (case.setup)(&mut incident);
        (case.unset)(&mut incident);
        let statuses = evaluate(&incident, AT);
        assert!(
            find(&statuses, case.id).is_none(),
            "{} should not trigger",
            case.id
        );
    }
}

#[test]
fn the_cases_cover_every_shipped_obligation() {
    // EU-DORA-WEEKEND adjusts other deadlines and never appears on its own: tests/status.rs.
    let shipped: BTreeSet<&str> = RuleSet::builtin()
        .rules()
        .iter()
        .filter(|rule| rule.adjustment().is_none())
        .map(|rule| rule.id.as_str())
        .collect();
    let tested: BTreeSet<&str> = cases().iter().map(|case| case.id).collect();
    assert_eq!(shipped, tested);
}

#[test]
fn an_incident_without_facts_triggers_nothing() {
    assert!(evaluate(&incident(), AT).is_empty());
}
