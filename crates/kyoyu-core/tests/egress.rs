//! The egress gate: what a share package toward a community holds, on a worked case and on
//! random incidents (the invariants hold whatever the input).

use std::path::Path;

use kyoyu_core::egress::{Form, Producer, PseudonymKey, share_package};
use kyoyu_core::{AssessSettings, assess, checks::scanner_for, load_incident};
use kyoyu_model::timeline::parse_timestamp;
use kyoyu_model::{
    Approval, Channel, Community, CommunityKind, Facts, IdentityProfile, Incident, InfoClass,
    IocType, Item, ItemBody, ItemId, Resolution, Tlp,
};
use kyoyu_scan::Sink;
use kyoyu_stix::TlpLevel;
use proptest::prelude::*;

#[test]
fn the_electronics_case_shares_only_what_may_go_and_names_no_victim() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loaded =
        load_incident(&root.join("examples/electronics-maker.toml")).expect("example loads");
    let at = parse_timestamp("2026-11-06T12:00:00+09:00").expect("time");
    let assessment = assess(
        &loaded.incident,
        &loaded.base,
        at,
        &AssessSettings::default(),
    )
    .expect("assess");
    let package = share_package(
        &loaded.incident,
        &assessment,
        "jpcert",
        &loaded.base,
        &key(),
    )
    .expect("package");
    let released: Vec<(&str, Form)> = package
        .releases
        .iter()
        .map(|release| (release.item.as_str(), release.form))
        .collect();
    assert_eq!(
        released,
        [
            ("c2-1", Form::AsIs),
            ("loader", Form::HashOnly),
            ("ttp-initial", Form::AsIs),
            ("ttp-move", Form::AsIs),
            ("window", Form::AsIs),
            ("lessons", Form::AsIs),
        ]
    );
    let withheld: Vec<&str> = package
        .withheld
        .iter()
        .map(|withheld| withheld.item.as_str())
        .collect();
    assert_eq!(
        withheld,
        [
            "c2-2",
            "proxy-config",
            "av-vuln",
            "damage",
            "history",
            "who"
        ]
    );
    assert!(
        matches!(&package.producer, Producer::Pseudonym(name) if name.starts_with("kyoyu-submitter-"))
    );
    assert!(
        package
            .releases
            .iter()
            .all(|release| release.tlp == Tlp::Amber)
    );
    assert!(
        share_package(
            &loaded.incident,
            &assessment,
            "no-such-hub",
            &loaded.base,
            &key()
        )
        .is_err()
    );
}

/// A fixed key, so packages are the same on every run.
fn key() -> PseudonymKey {
    PseudonymKey::from_bytes([7; 32])
}

const NAMES: [&str; 3] = ["Example Denki", "example-denki.co.jp", "svc-backup"];

fn profile() -> IdentityProfile {
    IdentityProfile {
        names: vec![NAMES[0].to_owned()],
        domains: vec![NAMES[1].to_owned()],
        accounts: vec![NAMES[2].to_owned()],
        ..IdentityProfile::default()
    }
}

/// A text that sometimes carries a profile identifier, in some letter case.
fn text() -> impl Strategy<Value = String> {
    (0usize..6, "[a-z0-9 .-]{0,12}", any::<bool>()).prop_map(|(pick, filler, upper)| {
        match NAMES.get(pick) {
            Some(name) if upper => format!("{filler} {} {filler}", name.to_uppercase()),
            Some(name) => format!("{filler}{name}{filler}"),
            None => format!("c2 {filler}.example.net"),
        }
    })
}

fn item(index: usize) -> impl Strategy<Value = (Item, Option<Resolution>)> {
    let kinds = 0usize..8;
    let tlps = prop_oneof![
        Just(None),
        Just(Some(Tlp::Clear)),
        Just(Some(Tlp::Green)),
        Just(Some(Tlp::Amber)),
        Just(Some(Tlp::AmberStrict)),
        Just(Some(Tlp::Red))
    ];
    let resolutions = prop_oneof![
        Just(None),
        Just(Some(Resolution::Approve)),
        Just(Some(Resolution::Redact)),
        Just(Some(Resolution::HashOnly)),
        Just(Some(Resolution::Reject))
    ];
    (kinds, text(), text(), tlps, resolutions).prop_map(
        move |(kind, value, words, tlp, resolution)| {
            let body = match kind {
                0 => ItemBody::Damage,
                1 => ItemBody::ResponseHistory,
                2 => ItemBody::VictimIdentity,
                3 => ItemBody::Ttp { technique: None },
                4 => ItemBody::Vulnerability {
                    product: Some(value),
                    cve: None,
                    fix_available: Some(index.is_multiple_of(2)),
                },
                5 => ItemBody::AbusedService { value: Some(value) },
                _ => ItemBody::Ioc {
                    ioc_type: IocType::parse("domain-name").expect("type"),
                    value: Some(value),
                    path: None,
                },
            };
            let item = Item {
                id: ItemId::parse(&format!("i{index}")).expect("id"),
                text: Some(words),
                tlp,
                knowhow: false,
                body,
            };
            (item, resolution)
        },
    )
}

fn incident() -> impl Strategy<Value = Incident> {
    let ceilings = prop_oneof![
        Just(Tlp::Clear),
        Just(Tlp::Green),
        Just(Tlp::Amber),
        Just(Tlp::AmberStrict),
        Just(Tlp::Red)
    ];
    (1usize..12, any::<bool>(), ceilings)
        .prop_flat_map(|(count, isac, ceiling)| {
            let items: Vec<_> = (0..count).map(item).collect();
            (items, Just(isac), Just(ceiling))
        })
        .prop_map(|(items, isac, ceiling)| {
            let at = parse_timestamp("2026-11-03T10:00:00+09:00").expect("time");
            let approvals = items
                .iter()
                .filter_map(|(item, resolution)| {
                    resolution.map(|resolution| Approval {
                        item: item.id.clone(),
                        channel: Channel::Share,
                        by: "lead".to_owned(),
                        at,
                        resolution,
                    })
                })
                .collect();
            Incident {
                id: "PROP".to_owned(),
                title: None,
                jurisdictions: Vec::new(),
                sectors: Vec::new(),
                listed_company: false,
                sec_registrant: false,
                organization: profile(),
                facts: Facts::default(),
                timeline: Vec::new(),
                items: items.into_iter().map(|(item, _)| item).collect(),
                communities: vec![Community {
                    id: "c".to_owned(),
                    kind: if isac {
                        CommunityKind::Isac
                    } else {
                        CommunityKind::Hub
                    },
                    max_tlp: ceiling,
                }],
                approvals,
            }
        })
}

struct Found(usize);

impl Sink for Found {
    fn matched(&mut self, _: &kyoyu_scan::Match<'_>) -> bool {
        self.0 += 1;
        true
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_package_carries_context_to_a_hub_an_identifier_or_an_item_not_allowed(incident in incident()) {
        let at = parse_timestamp("2026-11-05T12:00:00+09:00").expect("time");
        let assessment = assess(&incident, Path::new("."), at, &AssessSettings::default()).expect("assess");
        let scanner = scanner_for(&incident.organization, false).expect("profile").expect("non-empty");
        let package = share_package(&incident, &assessment, "c", Path::new("."), &key()).expect("package");
        let community = &incident.communities[0];
        let hub = community.kind == CommunityKind::Hub;
        for release in &package.releases {
            let assessed = assessment.guidance.items.iter().find(|item| item.id == release.item).expect("assessed");
            let item = incident.items.iter().find(|item| item.id == release.item).expect("item");
            prop_assert_eq!(assessed.communities[0].decision, kyoyu_guidance::Decision::Allow);
            prop_assert!(!(hub && item.class() == InfoClass::Context), "context to a hub: {:?}", release.item);
            // The label it leaves with is exactly the gate's rule: its own, AMBER when unmarked —
            // never looser than its own, never above the community's ceiling.
            prop_assert_eq!(release.tlp, item.share_tlp());
            prop_assert!(item.tlp.is_none_or(|own| release.tlp >= own));
            prop_assert!(release.tlp <= community.max_tlp, "{:?} above the ceiling {:?}", release.tlp, community.max_tlp);
            for text in release.content.texts() {
                let mut found = Found(0);
                scanner.scan_bytes(text.as_bytes(), &mut found);
                prop_assert_eq!(found.0, 0, "identifier in outgoing text {:?}", text);
            }
        }
        prop_assert!(matches!(package.producer, Producer::Pseudonym(_)));
        // What actually leaves, in both formats, holds no profile identifier either, and every
        // marking in it is the one the gate decided for its item and within the ceiling.
        let (misp, misp_written) = kyoyu_core::export::misp_event(&package, at);
        let (stix, stix_written) = kyoyu_core::export::stix_bundle(&package, at).expect("STIX export");
        // What a writer says left is among what the gate released.
        for item in misp_written.left.iter().chain(&stix_written.left) {
            prop_assert!(package.releases.iter().any(|release| &release.item == item));
        }
        let bundle: serde_json::Value = serde_json::from_str(&stix).expect("bundle parses");
        for object in bundle["objects"].as_array().expect("objects") {
            for marking in object["object_marking_refs"].as_array().into_iter().flatten() {
                let (level, _) = TlpLevel::of_id(marking.as_str().expect("id")).expect("official TLP");
                prop_assert!(Tlp::from(level) <= community.max_tlp, "{} above the ceiling", object);
            }
        }
        for release in &package.releases {
            for object_type in ["indicator", "attack-pattern", "vulnerability"] {
                let id = kyoyu_core::export::stix_id(object_type, &package, release.item.as_str());
                if let Some(object) = bundle["objects"].as_array().expect("objects").iter().find(|o| o["id"] == id.0.as_str()) {
                    prop_assert_eq!(object["object_marking_refs"][0].as_str(), Some(TlpLevel::from(release.tlp).tlp2_id()));
                }
            }
        }
        for tag in misp.tags.iter().chain(misp.attributes.iter().flat_map(|a| a.tags.iter())) {
            if let Some(label) = tag.name.strip_prefix("tlp:") {
                let tlp = Tlp::from_label(label).expect("TLP 2.0 tag");
                prop_assert!(tlp <= community.max_tlp, "MISP tag {} above the ceiling", tag.name);
            }
        }
        for written in [kyoyu_misp::export_event(&misp, kyoyu_misp::Envelope::Wrapped), stix] {
            let mut found = Found(0);
            scanner.scan_bytes(written.as_bytes(), &mut found);
            prop_assert_eq!(found.0, 0, "identifier in the exported package {}", written);
        }
        prop_assert_eq!(package.releases.len() + package.withheld.len(), incident.items.len());
    }
}

/// The delivery side of the gate (the server's collections): every TLP × standing × audience.
#[test]
fn delivery_follows_standing_and_tlp() {
    use kyoyu_core::egress::{ReaderStanding, may_deliver};
    use kyoyu_model::Tlp;
    let labels = [
        None,
        Some(Tlp::Clear),
        Some(Tlp::Green),
        Some(Tlp::Amber),
        Some(Tlp::AmberStrict),
        Some(Tlp::Red),
    ];
    for tlp in labels {
        for named in [false, true] {
            // Outsiders never, whatever the label or the audience says.
            let outsider = may_deliver(tlp, ReaderStanding::Outsider, named);
            assert_eq!(outsider.map_err(|r| r.rule), Err("G8"), "{tlp:?}");
            // The owning hub is the recipient of everything shared with it.
            assert!(may_deliver(tlp, ReaderStanding::Owner, named).is_ok());
            let member = may_deliver(tlp, ReaderStanding::Member, named).is_ok();
            let restricted = matches!(tlp, Some(Tlp::AmberStrict | Tlp::Red));
            assert_eq!(member, !restricted || named, "{tlp:?} named={named}");
        }
    }
    let refused = may_deliver(Some(Tlp::Red), ReaderStanding::Member, false).unwrap_err();
    assert!(refused.text.en.contains("TLP:RED"), "{}", refused.text.en);
    assert!(refused.text.ja.contains("TLP:RED"));
}
