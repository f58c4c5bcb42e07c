//! Builders for test incidents: one line per fact, sector or event that matters.
#![allow(dead_code)]

use kyoyu_model::timeline::parse_timestamp;
use kyoyu_model::{
    EventKind, Facts, IdentityProfile, Incident, Jurisdiction, Sector, TimelineEvent, Timestamp,
};
use kyoyu_obligations::{ObligationStatus, RuleSet};

/// Discovery of the base incident: Monday 2 November 2026, Japanese time.
pub const DISCOVERY: &str = "2026-11-02T09:30:00+09:00";

pub fn time(text: &str) -> Timestamp {
    parse_timestamp(text).expect("test timestamp")
}

/// An incident under all three jurisdictions, discovered at [`DISCOVERY`], with no facts set.
pub fn incident() -> Incident {
    Incident {
        id: "INC-TEST".to_owned(),
        title: None,
        jurisdictions: Jurisdiction::ALL.to_vec(),
        sectors: Vec::new(),
        listed_company: false,
        sec_registrant: false,
        organization: IdentityProfile::default(),
        facts: Facts::default(),
        timeline: vec![event(EventKind::Discovery, DISCOVERY)],
        items: Vec::new(),
        communities: Vec::new(),
        approvals: Vec::new(),
    }
}

pub fn event(kind: EventKind, at: &str) -> TimelineEvent {
    TimelineEvent {
        kind,
        at: time(at),
        note: None,
        obligation: None,
        to: None,
        community: None,
    }
}

pub fn add_event(incident: &mut Incident, kind: EventKind, at: &str) {
    incident.timeline.push(event(kind, at));
}

/// Records that the report for `obligation` was submitted at `at`.
pub fn report(incident: &mut Incident, obligation: &str, at: &str) {
    incident.timeline.push(TimelineEvent {
        obligation: Some(obligation.to_owned()),
        to: None,
        ..event(EventKind::Reported, at)
    });
}

pub fn sectors(incident: &mut Incident, names: &[&str]) {
    incident.sectors = names
        .iter()
        .map(|name| Sector::parse(name).expect("sector"))
        .collect();
}

pub fn evaluate(incident: &Incident, at: &str) -> Vec<ObligationStatus> {
    RuleSet::builtin().evaluate(incident, time(at))
}

pub fn find<'a>(statuses: &'a [ObligationStatus], id: &str) -> Option<&'a ObligationStatus> {
    statuses.iter().find(|status| status.id == id)
}

/// The status of one obligation, which must be triggered.
pub fn status_of(incident: &Incident, at: &str, id: &str) -> ObligationStatus {
    let statuses = evaluate(incident, at);
    find(&statuses, id)
        .unwrap_or_else(|| {
            let ids: Vec<&str> = statuses.iter().map(|status| status.id.as_str()).collect();
            panic!("{id} not triggered; triggered: {ids:?}")
        })
        .clone()
}

pub fn note_en(status: &ObligationStatus) -> String {
    status
        .note
        .as_ref()
        .map(|note| note.en.to_string())
        .unwrap_or_default()
}
