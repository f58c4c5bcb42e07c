//! Object validation and TLP markings.

use std::path::Path;

use kyoyu_stix::bundle::read_bundle_slice;
use kyoyu_stix::tlp::{TLP2_IDS, TlpVersion};
use kyoyu_stix::{Diagnostic, Severity, StixObject, TlpLevel, Validator, validate_object};
use serde_json::Value;

fn object(json: &str) -> StixObject {
    StixObject::from_json(json).expect("object parses")
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<(String, String)> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.path.clone(), d.message.clone()))
        .collect()
}

#[test]
fn official_tlp2_objects_are_reproduced_exactly() {
    for (level, id) in TLP2_IDS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test_data/tlp-2.0-stix")
            .join(format!("{id}.json"));
        let bundle: Value = serde_json::from_slice(&std::fs::read(&path).expect("file")).unwrap();
        let published = &bundle["objects"][0];
        let ours: Value = serde_json::from_str(&level.tlp2_marking_definition().to_json()).unwrap();
        assert_eq!(&ours, published, "{level:?}");
        let parsed = object(&published.to_string());
        assert_eq!(parsed.tlp_level(), Some(level));
        assert_eq!(TlpLevel::of_id(id), Some((level, TlpVersion::V2)));
        assert!(validate_object(&parsed).is_empty(), "{level:?}");
    }
}

#[test]
fn tlp1_marking_is_recognised_by_content_and_by_id() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test_data/stix21-examples/cti-documentation/using-marking-definitions.json"),
    )
    .expect("file");
    let (objects, _) = read_bundle_slice(&bytes).expect("imports");
    let amber = objects
        .iter()
        .find(|o| o.object_type == "marking-definition" && o.tlp_level().is_some())
        .expect("TLP:AMBER definition");
    assert_eq!(amber.tlp_level(), Some(TlpLevel::Amber));
    let mut custom = amber.clone();
    custom.id = "marking-definition--00000000-0000-4000-8000-000000000000".into();
    assert_eq!(custom.tlp_level(), Some(TlpLevel::Amber));
    let statement = objects
        .iter()
        .find(|o| o.object_type == "marking-definition" && o.tlp_level().is_none());
    assert!(statement.is_some(), "the statement marking is not TLP");
    assert_eq!(
        TlpLevel::from_word("TLP:AMBER+STRICT"),
        Some(TlpLevel::AmberStrict)
    );
}

#[test]
fn valid_indicator_has_no_diagnostics() {
    let o = object(
        r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
            "pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
            "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}"#,
    );
    assert!(validate_object(&o).is_empty(), "{:?}", validate_object(&o));
}

#[test]
fn broken_indicator_reports_each_problem_with_its_path() {
    let o = object(
        r#"{"type":"indicator","id":"malware--not-a-uuid",
            "created":"2016-04-06T20:03:48.000Z","modified":"2016-04-05T20:03:48+00:00",
            "pattern":"[ipv4-addr:value = '198.51.100.1'","pattern_type":"stix",
            "confidence":101,"created_by_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
    );
    let found = errors(&validate_object(&o));
    let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "$.id",
        "$.spec_version",
        "$.modified",
        "$.created_by_ref",
        "$.confidence",
        "$.pattern",
        "$.valid_from",
    ] {
        assert!(
            paths.contains(&expected),
            "missing {expected} in {found:#?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("should start with `indicator--`"))
    );
    assert!(found.iter().any(|(_, m)| m.contains("UUID")));
    assert!(found.iter().any(|(_, m)| m.contains("RFC 3339")));
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("invalid STIX pattern") && m.contains("expected"))
    );
}

#[test]
fn modified_before_created_and_impossible_dates() {
    let o = object(
        r#"{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
            "created":"2016-04-06T20:03:48.5Z","modified":"2016-04-06T20:03:48.25Z","is_family":false}"#,
    );
    assert_eq!(
        errors(&validate_object(&o)),
        [(
            "$.modified".to_owned(),
            "modified is earlier than created (must be equal or later)".to_owned()
        )]
    );
    let o = object(
        r#"{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
            "created":"2017-02-29T00:00:00Z","modified":"2017-02-28T24:00:00Z","is_family":false}"#,
    );
    let found = errors(&validate_object(&o));
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn marking_refs_resolve_against_tlp_and_the_bundle_in_any_order() {
    let bundle = br#"{"type":"bundle","id":"bundle--601cee35-6b16-4e68-a3e7-9ec7d755b4c3","objects":[
      {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
       "created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
       "pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
       "object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
                              "marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f"],
       "granular_markings":[{"marking_ref":"marking-definition--11111111-1111-4111-8111-111111111111","selectors":["pattern"]}]},
      {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f",
       "created":"2017-04-14T13:07:49.812Z","definition_type":"statement","definition":{"statement":"Copyright 2017"}}
    ]}"#;
    let mut validator = Validator::new();
    let mut diagnostics = Vec::new();
    let mut i = 0;
    kyoyu_stix::import_bundle_slice(bundle, |o| {
        validator.check(&format!("objects[{i}]"), &o, &mut diagnostics);
        i += 1;
    })
    .expect("imports");
    validator.finish(&mut diagnostics);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        diagnostics[0].path,
        "objects[0].granular_markings[0].marking_ref"
    );
    assert_eq!(
        diagnostics[0].object_id.as_deref(),
        Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
}
