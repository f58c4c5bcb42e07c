//! Statuses and deadline mechanics: the contract example, done, overdue, on request, promptly,
//! missing clock starts, stages, rules not yet in force, the DORA weekend rule, business days.

mod common;

use common::*;
use kyoyu_model::{EventKind, Incident, Jurisdiction, PersonalData};
use kyoyu_obligations::Status;

/// The contract's example: 1,200 persons, a wrongful act, discovered 2026-11-02 09:30 JST.
fn contract_example() -> Incident {
    let mut incident = incident();
    incident.jurisdictions = vec![Jurisdiction::Jp];
    incident.facts.personal_data = PersonalData::Confirmed;
    incident.facts.persons_affected = Some(1200);
    incident.facts.wrongful_act = true;
    incident
}

#[test]
fn appi_preliminary_report_matches_the_contract_example() {
    let status = status_of(
        &contract_example(),
        "2026-11-05T12:00:00+09:00",
        "JP-APPI-PRELIM",
    );
    assert_eq!(status.due, Some(time("2026-11-07T09:30:00+09:00")));
    assert_eq!(status.status, Status::DueSoon, "past the day-3 target");
    assert_eq!(status.status.as_str(), "due_soon");
    assert!(status.verified);
    assert_eq!(status.route, "data_protection_authority");
    // Before the day-3 target it is only upcoming; after day 5 it is overdue.
    let early = status_of(
        &contract_example(),
        "2026-11-04T12:00:00+09:00",
        "JP-APPI-PRELIM",
    );
    assert_eq!(early.status, Status::Upcoming);
    let late = status_of(
        &contract_example(),
        "2026-11-07T09:31:00+09:00",
        "JP-APPI-PRELIM",
    );
    assert_eq!(late.status, Status::Overdue);
    assert_eq!(late.status.as_str(), "overdue");
}

#[test]
fn a_reported_event_marks_the_obligation_done_from_its_time_on() {
    let mut incident = contract_example();
    report(&mut incident, "JP-APPI-PRELIM", "2026-11-04T17:00:00+09:00");
    let done = status_of(&incident, "2026-11-05T12:00:00+09:00", "JP-APPI-PRELIM");
    assert_eq!(done.status, Status::Done);
    assert_eq!(done.done_at, Some(time("2026-11-04T17:00:00+09:00")));
    // A done obligation keeps its due time, so the reader sees it was met.
    assert_eq!(done.due, Some(time("2026-11-07T09:30:00+09:00")));
    // Before the report was made it is not done yet.
    let before = status_of(&incident, "2026-11-04T12:00:00+09:00", "JP-APPI-PRELIM");
    assert_eq!(before.status, Status::Upcoming);
    assert_eq!(before.done_at, None);
    // A report for another obligation does not count.
    let final_report = status_of(&incident, "2026-11-05T12:00:00+09:00", "JP-APPI-FINAL");
    assert_ne!(final_report.status, Status::Done);
}

#[test]
fn a_late_report_is_done_with_a_note() {
    let mut incident = contract_example();
    report(&mut incident, "JP-APPI-PRELIM", "2026-11-09T10:00:00+09:00");
    let status = status_of(&incident, "2026-11-10T12:00:00+09:00", "JP-APPI-PRELIM");
    assert_eq!(status.status, Status::Done);
    assert!(
        note_en(&status).contains("after the deadline"),
        "{}",
        note_en(&status)
    );
}

#[test]
fn appi_final_report_counts_the_day_of_knowing_as_day_one_and_60_days_for_a_wrongful_act() {
    let status = status_of(
        &contract_example(),
        "2026-11-05T12:00:00+09:00",
        "JP-APPI-FINAL",
    );
    // 2 November is day 1, so day 60 is 31 December; the end of that day, no holiday extension.
    assert_eq!(status.due, Some(time("2026-12-31T23:59:59+09:00")));
    assert_eq!(status.status, Status::Upcoming);
    assert!(!status.verified, "the day count is [M] in the reference");
}

#[test]
fn on_request_rules_have_no_due() {
    let mut incident = incident();
    sectors(&mut incident, &["nis2_important"]);
    incident.facts.significant_incident = true;
    let status = status_of(&incident, "2026-11-03T12:00:00+09:00", "EU-NIS2-INTERIM");
    assert_eq!(status.status, Status::OnRequest);
    assert_eq!(status.status.as_str(), "on_request");
    assert_eq!(status.due, None);
}

#[test]
fn promptly_rules_alert_until_reported() {
    let mut incident = contract_example();
    let status = status_of(&incident, "2026-11-02T10:00:00+09:00", "JP-APPI-INDIV");
    assert_eq!((status.due, status.status), (None, Status::DueSoon));
    report(&mut incident, "JP-APPI-INDIV", "2026-11-03T10:00:00+09:00");
    let status = status_of(&incident, "2026-11-04T10:00:00+09:00", "JP-APPI-INDIV");
    assert_eq!(status.status, Status::Done);
}

#[test]
fn a_missing_clock_start_gives_no_due_and_names_the_event() {
    let mut incident = incident();
    incident.sec_registrant = true;
    incident.facts.material = true;
    let status = status_of(&incident, "2026-11-05T12:00:00+09:00", "US-SEC-8K-105");
    assert_eq!((status.due, status.status), (None, Status::Upcoming));
    assert!(
        note_en(&status).contains("materiality_determined"),
        "{}",
        note_en(&status)
    );
}

#[test]
fn sec_8k_counts_four_business_days_from_the_determination_across_a_weekend() {
    for (determined, due) in [
        // Thursday: Fri, Mon, Tue, Wed.
        ("2026-12-10T16:00:00-05:00", "2026-12-16T23:59:59-05:00"),
        // Friday: Mon, Tue, Wed, Thu.
        ("2026-12-11T09:00:00-05:00", "2026-12-17T23:59:59-05:00"),
        // Sunday (the contract's supply-chain example): Mon to Thu.
        ("2026-12-13T10:00:00-05:00", "2026-12-17T23:59:59-05:00"),
        // Wednesday before Thanksgiving: Thu 26 is a holiday; Fri, Mon, Tue, Wed.
        ("2026-11-25T10:00:00-05:00", "2026-12-02T23:59:59-05:00"),
    ] {
        let mut incident = incident();
        incident.sec_registrant = true;
        incident.facts.material = true;
        add_event(&mut incident, EventKind::MaterialityDetermined, determined);
        let status = status_of(&incident, "2026-12-20T12:00:00-05:00", "US-SEC-8K-105");
        assert_eq!(status.due, Some(time(due)), "determined {determined}");
    }
}

#[test]
fn business_days_outside_the_holiday_data_are_not_guessed() {
    let mut incident = incident();
    incident.sec_registrant = true;
    incident.facts.material = true;
    add_event(
        &mut incident,
        EventKind::MaterialityDetermined,
        "2029-03-01T10:00:00-05:00",
    );
    let status = status_of(&incident, "2029-03-02T10:00:00-05:00", "US-SEC-8K-105");
    assert_eq!((status.due, status.status), (None, Status::DueSoon));
    assert!(
        note_en(&status).contains("2025–2028"),
        "{}",
        note_en(&status)
    );
}

#[test]
fn stages_are_tracked_in_order_by_counting_reports() {
    let mut incident = incident();
    sectors(&mut incident, &["telecom_carrier"]);
    incident.facts.secrecy_of_communications = true;
    let first = status_of(&incident, "2026-11-02T12:00:00+09:00", "JP-TBA-SECRECY");
    assert_eq!((first.due, first.status), (None, Status::DueSoon));
    assert_eq!(
        first.stage.as_ref().map(|stage| stage.en.as_ref()),
        Some("first report")
    );
    report(&mut incident, "JP-TBA-SECRECY", "2026-11-02T15:00:00+09:00");
    let second = status_of(&incident, "2026-11-03T12:00:00+09:00", "JP-TBA-SECRECY");
    assert_eq!(second.due, Some(time("2026-12-01T23:59:59+09:00")));
    assert_eq!(second.status, Status::Upcoming);
    assert_eq!(second.done_at, None);
    report(&mut incident, "JP-TBA-SECRECY", "2026-11-20T15:00:00+09:00");
    let done = status_of(&incident, "2026-11-21T12:00:00+09:00", "JP-TBA-SECRECY");
    assert_eq!(done.status, Status::Done);
    assert_eq!(done.done_at, Some(time("2026-11-20T15:00:00+09:00")));
}

#[test]
fn nydfs_extortion_payment_has_a_24_hour_notice_then_a_30_day_description() {
    let mut incident = incident();
    sectors(&mut incident, &["nydfs_covered_entity"]);
    add_event(
        &mut incident,
        EventKind::RansomPaid,
        "2026-11-03T08:00:00-05:00",
    );
    report(&mut incident, "US-NYDFS-17C", "2026-11-03T20:00:00-05:00");
    let status = status_of(&incident, "2026-11-04T12:00:00-05:00", "US-NYDFS-17C");
    // The day after payment is day 1.
    assert_eq!(status.due, Some(time("2026-12-03T23:59:59-05:00")));
}

#[test]
fn hipaa_hhs_notice_for_fewer_than_500_counts_from_the_end_of_the_year() {
    let mut incident = incident();
    sectors(&mut incident, &["hipaa_covered_entity"]);
    incident.facts.unsecured_phi = true;
    incident.facts.persons_affected = Some(499);
    let status = status_of(&incident, "2026-11-03T12:00:00+09:00", "US-HIPAA-HHS");
    assert_eq!(status.due, Some(time("2027-03-01T23:59:59+09:00")));
}

#[test]
fn overdue_once_the_deadline_passed_without_a_report() {
    let mut incident = incident();
    incident.facts.personal_data = PersonalData::Confirmed;
    incident.facts.risk_to_individuals = kyoyu_model::RiskLevel::Risk;
    let status = status_of(&incident, "2026-11-05T09:30:01+09:00", "EU-GDPR-33");
    assert_eq!(status.status, Status::Overdue);
    // The last 24 hours of the 72 are due_soon.
    let status = status_of(&incident, "2026-11-04T10:00:00+09:00", "EU-GDPR-33");
    assert_eq!(status.status, Status::DueSoon);
    let status = status_of(&incident, "2026-11-03T09:00:00+09:00", "EU-GDPR-33");
    assert_eq!(status.status, Status::Upcoming);
}

#[test]
fn rules_not_in_force_are_never_overdue() {
    let mut incident = incident();
    sectors(&mut incident, &["circia_covered_entity"]);
    incident.facts.ransomware = true;
    let status = status_of(&incident, "2028-12-31T12:00:00+09:00", "US-CIRCIA-INCIDENT");
    assert_eq!((status.due, status.status), (None, Status::Upcoming));
    let note = note_en(&status);
    assert!(note.contains("Not yet in force"), "{note}");
    assert!(
        note.contains("2026-11-05 09:30"),
        "the would-be deadline: {note}"
    );
}

#[test]
fn the_active_cyber_defence_act_applies_from_its_entry_into_force() {
    let mut incident = incident();
    sectors(&mut incident, &["critical_infra_jp"]);
    incident.facts.wrongful_act = true;
    incident.timeline = vec![event(EventKind::Discovery, "2026-09-30T23:00:00+09:00")];
    let before = status_of(&incident, "2026-10-02T12:00:00+09:00", "JP-ACD-INFRA");
    assert!(
        note_en(&before).contains("In force from 2026-10-01"),
        "{}",
        note_en(&before)
    );
    incident.timeline = vec![event(EventKind::Discovery, "2026-10-01T00:30:00+09:00")];
    let after = status_of(&incident, "2026-10-02T12:00:00+09:00", "JP-ACD-INFRA");
    assert!(
        !note_en(&after).contains("In force from"),
        "{}",
        note_en(&after)
    );
    assert_eq!(after.status, Status::Upcoming);
}

fn dora_incident() -> Incident {
    let mut incident = incident();
    sectors(&mut incident, &["dora_financial_entity"]);
    incident.facts.major_ict_incident = true;
    incident
}

#[test]
fn dora_initial_notification_is_the_earlier_limit_but_never_before_classification() {
    let mut incident = dora_incident();
    // Classified 30 hours after awareness: 24 h from awareness has passed, so 4 h from
    // classification count.
    add_event(
        &mut incident,
        EventKind::ClassifiedMajor,
        "2026-11-03T15:30:00+09:00",
    );
    let status = status_of(&incident, "2026-11-03T16:00:00+09:00", "EU-DORA-INITIAL");
    assert_eq!(status.due, Some(time("2026-11-03T19:30:00+09:00")));
    // Not classified yet: the 24 hours from awareness still run.
    let status = status_of(
        &dora_incident(),
        "2026-11-02T16:00:00+09:00",
        "EU-DORA-INITIAL",
    );
    assert_eq!(status.due, Some(time("2026-11-03T09:30:00+09:00")));
    assert!(
        note_en(&status).contains("classified_major"),
        "{}",
        note_en(&status)
    );
}

#[test]
fn dora_weekend_rule_moves_intermediate_and_final_deadlines_to_noon_next_working_day() {
    // Initial on Wednesday 18:00: 72 h later is Saturday, moved to Monday 12:00.
    let mut incident = dora_incident();
    report(
        &mut incident,
        "EU-DORA-INITIAL",
        "2026-11-04T18:00:00+01:00",
    );
    let status = status_of(
        &incident,
        "2026-11-05T12:00:00+01:00",
        "EU-DORA-INTERMEDIATE",
    );
    assert_eq!(status.due, Some(time("2026-11-09T12:00:00+01:00")));
    assert!(
        note_en(&status).contains("EU-DORA-WEEKEND"),
        "{}",
        note_en(&status)
    );
    // Last intermediate on 25 November: one month later is Christmas (a TARGET2 closing day),
    // then 26 December and the weekend: Monday 28 December, 12:00.
    report(
        &mut incident,
        "EU-DORA-INTERMEDIATE",
        "2026-11-06T10:00:00+01:00",
    );
    report(
        &mut incident,
        "EU-DORA-INTERMEDIATE",
        "2026-11-25T10:00:00+01:00",
    );
    let status = status_of(&incident, "2026-11-26T12:00:00+01:00", "EU-DORA-FINAL");
    assert_eq!(status.due, Some(time("2026-12-28T12:00:00+01:00")));
    // A working-day deadline is not moved, and the initial notification never is.
    let mut incident = dora_incident();
    report(
        &mut incident,
        "EU-DORA-INITIAL",
        "2026-11-02T18:00:00+01:00",
    );
    let status = status_of(
        &incident,
        "2026-11-03T12:00:00+01:00",
        "EU-DORA-INTERMEDIATE",
    );
    assert_eq!(status.due, Some(time("2026-11-05T18:00:00+01:00")));
    assert!(!note_en(&status).contains("EU-DORA-WEEKEND"));
    let mut incident = dora_incident();
    add_event(
        &mut incident,
        EventKind::ClassifiedMajor,
        "2026-11-07T10:00:00+01:00",
    );
    let status = status_of(&incident, "2026-11-07T11:00:00+01:00", "EU-DORA-INITIAL");
    assert_eq!(
        status.due,
        Some(time("2026-11-07T14:00:00+01:00")),
        "Saturday, not moved"
    );
    // The adjustment rule is not an obligation of its own.
    let statuses = evaluate(&incident, "2026-11-07T11:00:00+01:00");
    assert!(find(&statuses, "EU-DORA-WEEKEND").is_none());
}

#[test]
fn occurrence_falls_back_to_discovery_with_a_note() {
    let mut incident = incident();
    sectors(&mut incident, &["telecom_carrier"]);
    incident.facts.service_outage = true;
    incident.facts.outage_users = Some(50_000);
    incident.facts.outage_hours = Some(3.0);
    report(
        &mut incident,
        "JP-TBA-ACCIDENT",
        "2026-11-02T10:00:00+09:00",
    );
    let status = status_of(&incident, "2026-11-03T12:00:00+09:00", "JP-TBA-ACCIDENT");
    assert_eq!(status.due, Some(time("2026-12-01T23:59:59+09:00")));
    assert!(
        note_en(&status).contains("attack_start"),
        "{}",
        note_en(&status)
    );
    add_event(
        &mut incident,
        EventKind::AttackStart,
        "2026-10-30T22:00:00+09:00",
    );
    let status = status_of(&incident, "2026-11-03T12:00:00+09:00", "JP-TBA-ACCIDENT");
    assert_eq!(status.due, Some(time("2026-11-28T23:59:59+09:00")));
}

#[test]
fn output_is_sorted_by_due_then_id_with_no_due_last() {
    let statuses = evaluate(&contract_example(), "2026-11-03T12:00:00+09:00");
    let ids: Vec<&str> = statuses.iter().map(|status| status.id.as_str()).collect();
    assert_eq!(ids, ["JP-APPI-PRELIM", "JP-APPI-FINAL", "JP-APPI-INDIV"]);
}

#[test]
fn rules_apply_only_under_their_jurisdiction() {
    let mut incident = contract_example();
    incident.facts.risk_to_individuals = kyoyu_model::RiskLevel::Risk;
    assert!(
        find(
            &evaluate(&incident, "2026-11-03T12:00:00+09:00"),
            "EU-GDPR-33"
        )
        .is_none()
    );
    incident.jurisdictions.push(Jurisdiction::Eu);
    assert!(
        find(
            &evaluate(&incident, "2026-11-03T12:00:00+09:00"),
            "EU-GDPR-33"
        )
        .is_some()
    );
}
