//! Every example file of `test_data/` (copied from `shared/data`) imports and re-exports
//! without losing a property: parse, serialize, compare as `serde_json::Value`.

use std::path::{Path, PathBuf};

use kyoyu_stix::bundle::{read_bundle_slice, write_bundle_vec};
use kyoyu_stix::{Identifier, StixObject};
use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(rel)
}

/// Bundle file → import → export → same JSON value; no diagnostics.
fn assert_bundle_round_trips(rel: &str) {
    let bytes = std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let original: Value = serde_json::from_slice(&bytes).expect("example is JSON");
    let (objects, report) = read_bundle_slice(&bytes).expect("bundle imports");
    let missing_type = original.get("type").is_none();
    assert_eq!(
        report.diagnostics.len(),
        usize::from(missing_type),
        "{rel}: {:?}",
        report.diagnostics
    );
    assert_eq!(
        objects.len(),
        original["objects"].as_array().map_or(0, Vec::len),
        "{rel}"
    );
    let id = report
        .bundle_id
        .clone()
        .unwrap_or(Identifier::from("bundle--x"));
    let out = write_bundle_vec(&id, &objects).expect("export");
    let mut reread: Value = serde_json::from_slice(&out).expect("export is JSON");
    // Bundle-level extra properties (e.g. a legacy `spec_version`) are reported, not written.
    if let (Some(o), Value::Object(orig)) = (reread.as_object_mut(), &original) {
        if missing_type {
            o.remove("type");
        }
        for (k, v) in &report.extra {
            o.insert(k.clone(), v.clone());
        }
        assert_eq!(orig.len(), o.len(), "{rel}: bundle keys");
    }
    assert_eq!(
        original, reread,
        "{rel}: round trip lost or changed something"
    );
}

macro_rules! round_trip {
    ($($name:ident => $path:literal),* $(,)?) => {
        $( #[test] fn $name() { assert_bundle_round_trips($path); } )*
    };
}

round_trip! {
    doc_using_marking_definitions => "stix21-examples/cti-documentation/using-marking-definitions.json",
    doc_sighting_of_an_indicator => "stix21-examples/cti-documentation/sighting-of-an-indicator.json",
    doc_threat_actor_leveraging => "stix21-examples/cti-documentation/threat-actor-leveraging-attack-patterns-and-malware.json",
    doc_identifying_threat_actor_profile => "stix21-examples/cti-documentation/identifying-a-threat-actor-profile.json",
    doc_indicator_for_malicious_url => "stix21-examples/cti-documentation/indicator-for-malicious-url.json",
    doc_malware_indicator_for_file_hash => "stix21-examples/cti-documentation/malware-indicator-for-file-hash.json",
    schemas_indicator_to_campaign => "stix21-examples/cti-stix2-json-schemas/indicator-to-campaign-relationship.json",
    schemas_malicious_email_indicator => "stix21-examples/cti-stix2-json-schemas/malicious-email-indicator-with-attachment.json",
    schemas_infrastructure => "stix21-examples/cti-stix2-json-schemas/infrastructure.json",
    schemas_indicators_for_c2_with_coa => "stix21-examples/cti-stix2-json-schemas/indicators-for-C2-with-COA.json",
    schemas_indicator_for_c2_ip => "stix21-examples/cti-stix2-json-schemas/indicator-for-c2-ip-address.json",
    tlp2_clear => "tlp-2.0-stix/marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487.json",
    tlp2_green => "tlp-2.0-stix/marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb.json",
    tlp2_amber => "tlp-2.0-stix/marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421.json",
    tlp2_amber_strict => "tlp-2.0-stix/marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003.json",
    tlp2_red => "tlp-2.0-stix/marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1.json",
    tlp2_extension_definition => "tlp-2.0-stix/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json",
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable test_data") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The stix2 FileSystemStore layout holds single objects, one per file (31 files): each one
/// round-trips as an object.
#[test]
fn filesystem_store_objects_round_trip_one_by_one() {
    let mut files = Vec::new();
    json_files(
        &data("stix21-examples/cti-python-stix2-filesystem-store"),
        &mut files,
    );
    assert!(
        files.len() >= 30,
        "expected the 31 store files, found {}",
        files.len()
    );
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let original: Value = serde_json::from_str(&text).expect("JSON");
        let object = StixObject::from_json(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let back: Value = serde_json::from_str(&object.to_json()).expect("JSON");
        assert_eq!(original, back, "{file:?}");
        assert!(
            kyoyu_stix::validate_object(&object)
                .iter()
                .all(|d| d.severity != kyoyu_stix::Severity::Error
                    || d.path.ends_with("spec_version")),
            "{file:?}: {:?}",
            kyoyu_stix::validate_object(&object)
        );
    }
}

/// Every example bundle validates without errors (warnings allowed) — the validator must not
/// reject what OASIS publishes as correct.
#[test]
fn example_bundles_validate_clean() {
    let mut files = Vec::new();
    json_files(&data("stix21-examples/cti-documentation"), &mut files);
    json_files(&data("stix21-examples/cti-stix2-json-schemas"), &mut files);
    json_files(&data("tlp-2.0-stix"), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        let mut validator = kyoyu_stix::Validator::new();
        let mut diagnostics = Vec::new();
        let mut index = 0;
        kyoyu_stix::import_bundle_slice(&bytes, |o| {
            validator.check(&format!("objects[{index}]"), &o, &mut diagnostics);
            index += 1;
        })
        .expect("imports");
        validator.finish(&mut diagnostics);
        let errors: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.severity == kyoyu_stix::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{file:?}: {errors:#?}");
    }
}

/// Custom properties, extensions, granular markings, nulls, unknown types and properties that
/// come before `type` all survive.
#[test]
fn custom_properties_extensions_and_unknown_types_survive() {
    let text = r#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
      {"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","pattern":"[file:name = 'x']","x_early":[1,2],
       "type":"indicator","spec_version":"2.1","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.123456Z",
       "pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","x_acme_score":7.5,"description":null,
       "granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["pattern"],"x_g":1}],
       "external_references":[{"source_name":"x","x_ref_custom":true}],
       "kill_chain_phases":[{"kill_chain_name":"k","phase_name":"p"}],
       "extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}}},
      {"type":"x-acme-widget","id":"x-acme-widget--7b7b3a5c-2a2b-4d4e-9f9f-0a0b0c0d0e0f","spec_version":"2.1","anything":{"deep":[null,{"a":1}]}},
      {"type":"file","id":"file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d","hashes":{"SHA-256":"aa"},"size":18446744073709551615,"x_f":"y"}
    ]}"#;
    let original: Value = serde_json::from_str(text).expect("JSON");
    let (objects, report) = read_bundle_slice(text.as_bytes()).expect("imports");
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert_eq!(objects.len(), 3);
    let indicator = objects[0].as_indicator().expect("typed as indicator");
    assert_eq!(indicator.pattern.as_deref(), Some("[file:name = 'x']"));
    assert!(objects[0].extra.contains_key("x_early"));
    let out = write_bundle_vec(report.bundle_id.as_ref().expect("id"), &objects).expect("export");
    let back: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(original, back);
}

/// The common properties are written in the specification's order, wherever they are kept.
#[test]
fn common_properties_keep_their_order() {
    let text = r#"{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","spec_version":"2.1","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","revoked":false,"labels":["a"],"confidence":5,"lang":"en","external_references":[{"source_name":"x"}],"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["pattern"]}],"extensions":{"x-ext":{"a":1}},"defanged":false,"pattern":"[file:name = 'x']"}"#;
    // Read in alphabetical order (serde_json's map), written in the order above.
    let sorted = serde_json::from_str::<Value>(text)
        .expect("JSON")
        .to_string();
    assert_ne!(sorted, text);
    let object = StixObject::from_json(&sorted).expect("object");
    assert_eq!(object.common.lang().map(|l| l.as_str()), Some("en"));
    assert_eq!(object.to_json(), text);
}
