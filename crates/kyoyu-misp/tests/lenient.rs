//! Lenient import: one bad element is a diagnostic with its JSON path, the rest is imported,
//! and no input panics.

use std::path::PathBuf;

use kyoyu_misp::{ImportError, import_event};
use proptest::prelude::*;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn a_broken_attribute_is_reported_with_its_path_and_the_rest_imports() {
    let imported = import_event(&fixture("event_broken_attributes.json")).unwrap();
    let paths: Vec<&str> = imported
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "Event.Attribute[17]",
            "Event.Attribute[18]",
            "Event.Object[0].Attribute[1]"
        ]
    );
    assert!(
        imported.diagnostics[0].message.contains("`uuid`"),
        "{}",
        imported.diagnostics[0]
    );
    assert!(
        imported.diagnostics[0].message.contains("not-a-uuid"),
        "{}",
        imported.diagnostics[0]
    );
    assert!(
        imported.diagnostics[1]
            .message
            .contains("`value`: expected a string, found an object")
    );
    assert!(
        imported.diagnostics[2]
            .message
            .contains("`type` is missing")
    );
    let event = imported.event;
    assert_eq!(event.attributes.len(), 18);
    let values: Vec<&str> = event
        .attributes
        .iter()
        .map(|attribute| attribute.value.as_str())
        .collect();
    assert!(values.contains(&"192.0.2.16") && values.contains(&"192.0.2.19"));
    assert!(!values.contains(&"192.0.2.17"));
    assert_eq!(event.objects[0].attributes.len(), 1);
}

#[test]
fn bad_event_fields_are_left_unset_and_reported() {
    let text = r##"{"Event": {"info": "x", "date": "22/11/2026", "distribution": "9", "published": "maybe",
        "Tag": [{"name": "tlp:green"}, {"colour": "#fff"}, 7], "Attribute": {"type": "domain", "value": "a.example"}}}"##;
    let imported = import_event(text).unwrap();
    let shown: Vec<String> = imported
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(shown.len(), 5, "{shown:#?}");
    assert!(
        shown[0].starts_with("Event.Tag[1]: left out: `name` is missing"),
        "{shown:#?}"
    );
    assert!(shown[1].starts_with("Event.Tag[2]: left out: expected an object, found number 7"));
    assert!(shown[2].starts_with("Event: left unset: `date`"));
    assert!(shown[3].contains("`distribution`: expected one of 0 to 5, found string \"9\""));
    assert!(shown[4].contains("`published`"));
    assert_eq!(imported.event.date, None);
    assert_eq!(imported.event.tags.len(), 1);
    // A single object where a list belongs reads as a list of one.
    assert_eq!(imported.event.attributes.len(), 1);
}

#[test]
fn bare_events_have_paths_without_the_wrapper() {
    let imported = import_event(r#"{"Attribute": [{"type": "md5"}]}"#).unwrap();
    assert_eq!(imported.diagnostics[0].path, "Attribute[0]");
}

#[test]
fn text_that_is_not_an_event_is_an_error() {
    assert!(matches!(
        import_event("{\"Event\": [1,"),
        Err(ImportError::Syntax { line: 1, .. })
    ));
    assert!(matches!(
        import_event("[]"),
        Err(ImportError::NotAnEvent { .. })
    ));
    assert!(matches!(
        import_event("{\"Event\": \"x\"}"),
        Err(ImportError::NotAnEvent { .. })
    ));
    assert!(matches!(
        import_event("{}"),
        Err(ImportError::NotAnEvent { .. })
    ));
    let deep = format!("{}{}", "{\"Event\":".repeat(200), "}".repeat(200));
    assert!(import_event(&deep).is_err());
    let deep_array = format!("{{\"x\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(import_event(&deep_array).is_err());
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |number| number.is_finite())
            .prop_map(serde_json::Value::from),
        prop_oneof![
            Just("1".to_owned()),
            Just("tlp:amber+strict".to_owned()),
            Just("5f1b7b9e-0c8a-4c2e-9a51-6f3d2b1c0a99".to_owned()),
            ".*",
        ]
        .prop_map(serde_json::Value::String),
    ];
    let keys = prop_oneof![
        Just("Event"),
        Just("Attribute"),
        Just("Object"),
        Just("Tag"),
        Just("Galaxy"),
        Just("GalaxyCluster"),
        Just("ObjectReference"),
        Just("uuid"),
        Just("type"),
        Just("value"),
        Just("name"),
        Just("distribution"),
        Just("to_ids"),
        Just("timestamp"),
        Just("id"),
        Just("date"),
        Just("Org"),
        Just("referenced_uuid"),
        Just("x"),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|entries| {
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn import_never_panics_on_any_text(text in ".{0,400}") {
        let _ = import_event(&text);
    }

    #[test]
    fn import_never_panics_on_event_shaped_json(value in json_value()) {
        let text = value.to_string();
        if let Ok(imported) = import_event(&text) {
            // Whatever was imported exports and imports again without new diagnostics.
            let exported = kyoyu_misp::export_event(&imported.event, kyoyu_misp::Envelope::Wrapped);
            let again = import_event(&exported).unwrap();
            prop_assert_eq!(again.diagnostics, vec![]);
            prop_assert_eq!(again.event, imported.event);
        }
    }
}
