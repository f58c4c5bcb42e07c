//! Builders for test incidents: short, explicit, one line per fact that matters.
#![allow(dead_code)]

use std::collections::HashMap;

use kyoyu_guidance::{Guidance, GuidanceAssessment, ItemAssessment, TimingSettings};
use kyoyu_model::timeline::parse_timestamp;
use kyoyu_model::{
    Approval, AttackWindow, Channel, Community, CommunityKind, Cve, EventKind, Facts,
    IdentityProfile, Incident, IocType, Item, ItemBody, ItemId, Jurisdiction, Resolution,
    TimelineEvent, Timestamp, Tlp,
};

pub fn time(text: &str) -> Timestamp {
    parse_timestamp(text).expect("test timestamp")
}

pub fn incident() -> Incident {
    Incident {
        id: "INC-TEST".to_owned(),
        title: None,
        jurisdictions: vec![Jurisdiction::Jp],
        sectors: Vec::new(),
        listed_company: false,
        sec_registrant: false,
        organization: IdentityProfile {
            names: vec!["Example Denki".to_owned(), "株式会社例示電機".to_owned()],
            domains: vec!["example-denki.co.jp".to_owned()],
            ip_ranges: vec!["198.51.100.0/24".parse().expect("range")],
            ..IdentityProfile::default()
        },
        facts: Facts {
            attacker_contained: true,
            ..Facts::default()
        },
        timeline: vec![event(EventKind::Discovery, "2026-11-02T09:30:00+09:00")],
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

pub fn item(id: &str, body: ItemBody) -> Item {
    Item {
        id: ItemId::parse(id).expect("id"),
        text: None,
        tlp: None,
        knowhow: false,
        body,
    }
}

pub fn context_item(id: &str, body: ItemBody, text: &str) -> Item {
    Item {
        text: Some(text.to_owned()),
        ..item(id, body)
    }
}

pub fn ioc(id: &str, value: &str) -> Item {
    item(
        id,
        ItemBody::Ioc {
            ioc_type: IocType::parse("domain-name").expect("type"),
            value: Some(value.to_owned()),
            path: None,
        },
    )
}

pub fn sample(id: &str, path: &str) -> Item {
    item(
        id,
        ItemBody::Ioc {
            ioc_type: IocType::parse("file").expect("type"),
            value: None,
            path: Some(path.to_owned()),
        },
    )
}

pub fn vulnerability(id: &str, fix_available: Option<bool>) -> Item {
    item(
        id,
        ItemBody::Vulnerability {
            product: Some("ExampleVPN 9.1".to_owned()),
            cve: Some(Cve::parse("CVE-2026-0000").expect("cve")),
            fix_available,
        },
    )
}

pub fn attack_time(id: &str, from: &str, to: &str) -> Item {
    item(
        id,
        ItemBody::AttackTime(AttackWindow::new(Some(time(from)), Some(time(to))).expect("window")),
    )
}

pub fn community(id: &str, kind: CommunityKind, max_tlp: Tlp) -> Community {
    Community {
        id: id.to_owned(),
        kind,
        max_tlp,
    }
}

pub fn approval(item: &str, channel: Channel, resolution: Resolution) -> Approval {
    Approval {
        item: ItemId::parse(item).expect("id"),
        channel,
        by: "CSIRT lead".to_owned(),
        at: time("2026-11-03T10:00:00+09:00"),
        resolution,
    }
}

pub const NOW: &str = "2026-11-05T12:00:00+09:00";

pub fn assess(incident: &Incident) -> GuidanceAssessment {
    assess_at(incident, NOW)
}

pub fn assess_at(incident: &Incident, at: &str) -> GuidanceAssessment {
    let guidance = Guidance::builtin().expect("builtin guidance loads");
    let checks = kyoyu_guidance::identifiability::profile_checks(incident);
    guidance.assess(incident, time(at), &checks, &[], &TimingSettings::default())
}

pub fn only_item(incident: &Incident) -> ItemAssessment {
    let mut assessment = assess(incident);
    assert_eq!(assessment.items.len(), 1);
    assessment.items.remove(0)
}

/// The decision and the rule ids of the reasons, for one channel.
pub fn verdict(item: &ItemAssessment, channel: Channel) -> (&'static str, Vec<&'static str>) {
    let verdict = item.channel(channel);
    (
        verdict.decision.as_str(),
        verdict.reasons.iter().map(|reason| reason.rule).collect(),
    )
}

pub fn no_findings() -> kyoyu_guidance::Checks {
    HashMap::new()
}
