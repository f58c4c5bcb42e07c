//! Lenient streaming import: a bad object is a diagnostic with its path, the rest is imported;
//! syntax errors and non-bundles are errors, never panics.

use std::io::BufReader;

use kyoyu_stix::{ImportError, StixObject, import_bundle, import_bundle_slice};

const BROKEN: &str = include_str!("../test_data/bundles/one-broken-object.json");

#[test]
fn one_broken_object_is_reported_with_its_path_and_the_rest_imported() {
    let mut ids = Vec::new();
    let report = import_bundle(BufReader::new(BROKEN.as_bytes()), |o: StixObject| {
        ids.push(o.id.0)
    })
    .expect("bundle imports");
    assert_eq!(report.imported, 4);
    assert_eq!(report.rejected, 2);
    assert_eq!(ids.len(), 4);
    assert!(ids.contains(&"indicator--a932fcc6-e032-476c-826f-cb970a5a1ade".to_owned()));
    let paths: Vec<&str> = report.diagnostics.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["objects[2]", "objects[4]"]);
    let first = &report.diagnostics[0];
    assert_eq!(
        first.object_id.as_deref(),
        Some("indicator--1d2f4a71-13a4-4f6a-9e38-8c2c4d4b9a10")
    );
    assert!(first.message.contains("pattern"), "{}", first.message);
    assert!(
        report.diagnostics[1].message.contains("id"),
        "{}",
        report.diagnostics[1].message
    );
}

#[test]
fn reader_and_slice_import_agree() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    let ra = import_bundle(BROKEN.as_bytes(), |o| a.push(o)).expect("reader");
    let rb = import_bundle_slice(BROKEN.as_bytes(), |o| b.push(o)).expect("slice");
    assert_eq!(a, b);
    assert_eq!(ra, rb);
}

#[test]
fn not_a_bundle_and_bad_json_are_errors() {
    let err = import_bundle_slice(br#"{"type":"indicator","objects":[]}"#, |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::NotABundle { found: Some(ref t) } if t == "indicator"));
    let err = import_bundle_slice(br#"{"type":"bundle","objects":[{"type":"#, |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::Json(_)), "{err}");
    let err = import_bundle_slice(b"[1,2]", |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::Json(_)), "{err}");
}

#[test]
fn export_streams_objects_and_reimports() {
    let mut objects = Vec::new();
    import_bundle_slice(BROKEN.as_bytes(), |o| objects.push(o)).expect("imports");
    let mut writer = kyoyu_stix::BundleWriter::new(
        Vec::new(),
        &kyoyu_stix::Identifier::from("bundle--0e4ed6d4-0d1c-4f1c-9b5a-44b6a2e0a0a1"),
    )
    .expect("head");
    for o in &objects {
        writer.write_object(o).expect("object");
    }
    assert_eq!(writer.written(), 4);
    let bytes = writer.finish().expect("tail");
    let mut again = Vec::new();
    let report = import_bundle_slice(&bytes, |o| again.push(o)).expect("reimports");
    assert!(report.diagnostics.is_empty());
    assert_eq!(objects, again);
}
