//! Round trip of realistic events: import, export, import again; nothing lost, output stable.

use std::path::PathBuf;

use kyoyu_misp::{Distribution, Envelope, Tlp, export_event, import_event};
use serde_json::Value;

const FIXTURES: [&str; 2] = ["event_incident.json", "event_bare_numbers.json"];

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every key of `input` with a value other than `null` or `[]` (which carry nothing and are
/// not written) appears in `output` at the same place.
fn assert_keys_kept(input: &Value, output: &Value, place: &str) {
    match (input, output) {
        (Value::Object(input), Value::Object(output)) => {
            for (key, value) in input {
                if value.is_null() || value.as_array().is_some_and(Vec::is_empty) {
                    continue;
                }
                let kept = output
                    .get(key)
                    .unwrap_or_else(|| panic!("{place}.{key} lost on export"));
                assert_keys_kept(value, kept, &format!("{place}.{key}"));
            }
        }
        (Value::Array(input), Value::Array(output)) => {
            assert_eq!(input.len(), output.len(), "{place}: array length changed");
            for (index, (input, output)) in input.iter().zip(output).enumerate() {
                assert_keys_kept(input, output, &format!("{place}[{index}]"));
            }
        }
        _ => {}
    }
}

#[test]
fn fixtures_import_without_diagnostics_and_survive_export() {
    for name in FIXTURES {
        let text = fixture(name);
        let first = import_event(&text).unwrap();
        assert_eq!(first.diagnostics, vec![], "{name}");
        for envelope in [Envelope::Wrapped, Envelope::Bare] {
            let exported = export_event(&first.event, envelope);
            let second = import_event(&exported).unwrap();
            assert_eq!(second.diagnostics, vec![], "{name}");
            assert_eq!(
                second.event, first.event,
                "{name}: event changed on round trip"
            );
            assert_eq!(
                export_event(&second.event, envelope),
                exported,
                "{name}: export not stable"
            );
        }
        let input: Value = serde_json::from_str(&text).unwrap();
        let input = input.get("Event").cloned().unwrap_or(input);
        let output: Value =
            serde_json::from_str(&export_event(&first.event, Envelope::Bare)).unwrap();
        assert_keys_kept(&input, &output, name);
    }
}

#[test]
fn incident_fixture_reads_into_typed_values() {
    let event = import_event(&fixture("event_incident.json")).unwrap().event;
    assert_eq!(event.id, Some(42));
    assert_eq!(event.distribution, Some(Distribution::CommunityOnly));
    assert_eq!(event.tlp(), Some(Tlp::AmberStrict));
    assert_eq!(event.attributes.len(), 9);
    assert_eq!(event.objects.len(), 1);
    assert_eq!(event.objects[0].attributes.len(), 3);
    assert_eq!(event.objects[0].references.len(), 1);
    assert_eq!(
        event.objects[0].references[0].referenced_uuid,
        event.attributes[1].uuid
    );
    assert_eq!(event.all_attributes().count(), 12);
    let red = &event.attributes[1];
    assert_eq!(red.effective_tlp(&event), Some(Tlp::Red));
    assert_eq!(
        event.attributes[0].effective_tlp(&event),
        Some(Tlp::AmberStrict)
    );
    let composite = &event.attributes[5];
    assert_eq!(composite.attribute_type, "filename|sha256");
    assert_eq!(
        composite.value_parts().map(|parts| parts.0),
        Some("locker.exe")
    );
    assert_eq!(composite.extra()["x_kyoyu_note"], "unknown field kept");
    assert_eq!(event.attributes[4].to_ids, Some(true));
    assert_eq!(event.attributes[6].to_ids, Some(false));
    let techniques: Vec<String> = event
        .attack_patterns()
        .into_iter()
        .map(|found| found.technique_id)
        .collect();
    assert_eq!(techniques, ["T1190", "T1486"]);
    assert!(event.extra.contains_key("RelatedEvent"));
    assert!(event.extra.contains_key("event_creator_email"));
}

#[test]
fn string_typed_and_native_numbers_read_the_same() {
    let event = import_event(&fixture("event_bare_numbers.json"))
        .unwrap()
        .event;
    assert_eq!(event.published, Some(true));
    assert_eq!(event.timestamp, Some(1_791_000_000));
    assert_eq!(event.publish_timestamp, Some(1_791_000_500));
    assert_eq!(event.distribution, Some(Distribution::AllCommunities));
    let flags: Vec<Option<bool>> = event
        .attributes
        .iter()
        .map(|attribute| attribute.to_ids)
        .collect();
    assert_eq!(
        flags,
        [
            Some(false),
            Some(true),
            Some(true),
            Some(true),
            Some(true),
            Some(false)
        ]
    );
    assert_eq!(event.attributes[0].disable_correlation, Some(false));
    assert_eq!(event.attributes[1].deleted, Some(false));
    assert_eq!(
        event.attributes[2].distribution,
        Some(Distribution::OrganisationOnly)
    );
    assert_eq!(event.attributes[4].id, Some(12345));
    assert_eq!(
        event.attributes[4].value_parts().map(|parts| parts.0),
        Some("invoice|2026.docm")
    );
    assert_eq!(event.attributes[5].value, "64496");
    assert_eq!(event.tlp(), Some(Tlp::Clear));
}

#[test]
fn export_writes_what_pymisp_writes() {
    let event = import_event(&fixture("event_bare_numbers.json"))
        .unwrap()
        .event;
    let exported: Value = serde_json::from_str(&export_event(&event, Envelope::Wrapped)).unwrap();
    let event = &exported["Event"];
    assert_eq!(event["distribution"], "3");
    assert_eq!(event["threat_level_id"], "3");
    assert_eq!(event["analysis"], "2");
    assert_eq!(event["timestamp"], "1791000000");
    assert_eq!(event["published"], true);
    assert_eq!(event["date"], "2026-10-02");
    let attribute = &event["Attribute"][0];
    assert_eq!(attribute["to_ids"], false);
    assert_eq!(attribute["distribution"], "5");
    assert_eq!(attribute["timestamp"], "1791000001");
    assert_eq!(event["Attribute"][4]["id"], "12345");
    // The fixture writes this UUID in upper case; MISP and PyMISP write lower case.
    let uuid = event["Attribute"][1]["uuid"].as_str().unwrap();
    assert_eq!(uuid, uuid.to_ascii_lowercase());
    assert_eq!(uuid.len(), 36);
}
