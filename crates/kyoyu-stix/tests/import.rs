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

/// Invalid UTF-8 is a JSON error at the string that has it; the objects before it are
/// imported first (the slice importer checks UTF-8 up front only to pick a faster reader).
#[test]
fn invalid_utf8_stops_at_the_bad_string_after_the_objects_before_it() {
    let mut bytes = br#"{"type":"bundle","objects":[
      {"type":"x-a","id":"x-a--5d0092c5-5f74-4287-9642-33f4c354e56d"},
      {"type":"x-a","id":"x-a--6d0092c5-5f74-4287-9642-33f4c354e56d","x":"BAD"}]}"#
        .to_vec();
    let at = bytes.windows(3).position(|w| w == b"BAD").expect("marker");
    bytes[at] = 0xff;
    let mut slice_ids = Vec::new();
    let err = import_bundle_slice(&bytes, |o| slice_ids.push(o.id.0)).unwrap_err();
    assert!(matches!(err, ImportError::Json(_)), "{err}");
    let mut reader_ids = Vec::new();
    let reader_err = import_bundle(&bytes[..], |o| reader_ids.push(o.id.0)).unwrap_err();
    assert_eq!(slice_ids, ["x-a--5d0092c5-5f74-4287-9642-33f4c354e56d"]);
    assert_eq!(slice_ids, reader_ids);
    assert_eq!(err.to_string(), reader_err.to_string());
}

/// Lists of every length and shape: typed string lists keep their elements, lists that are
/// not all strings are a problem for a typed property and kept verbatim otherwise.
#[test]
fn lists_of_every_shape() {
    let lists = [
        "[]",
        r#"["a"]"#,
        r#"["a","b"]"#,
        r#"["a","b","c","d","e"]"#,
        r#"[1]"#,
        r#"["a",1]"#,
        r#"["a","b",{"c":[1,"d"]}]"#,
        r#"[["a"],"b"]"#,
    ];
    for list in lists {
        let all_strings = serde_json::from_str::<Vec<String>>(list).is_ok();
        // Before `type` (captured, then typed) and after it (typed directly).
        for text in [
            format!(r#"{{"labels":{list},"x_l":{list},"type":"x-a","id":"x-a--1"}}"#),
            format!(r#"{{"type":"x-a","id":"x-a--1","labels":{list},"x_l":{list}}}"#),
        ] {
            let bundle = format!(r#"{{"type":"bundle","objects":[{text}]}}"#);
            let mut objects = Vec::new();
            let report = import_bundle_slice(bundle.as_bytes(), |o| objects.push(o)).expect("JSON");
            if all_strings {
                assert_eq!(report.imported, 1, "{text}: {:?}", report.diagnostics);
                let back: serde_json::Value =
                    serde_json::from_str(&objects[0].to_json()).expect("JSON");
                let original: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                assert_eq!(back, original, "{text}");
            } else {
                assert_eq!(report.rejected, 1, "{text}");
                let message = &report.diagnostics[0].message;
                assert!(message.contains("`labels`"), "{text}: {message}");
            }
        }
    }
}
