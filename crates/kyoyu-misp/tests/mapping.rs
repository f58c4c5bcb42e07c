//! The attribute-type mapping against MISP/misp-stix's own mapping table: every supported type
//! renders the indicator pattern misp-stix writes for the table's example value, and maps back.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kyoyu_misp::{AttributeKind, Observable, ObservableField};
use serde::Deserialize;

#[derive(Deserialize)]
struct Example {
    value: Option<String>,
    pattern: Option<String>,
    vulnerability_name: Option<String>,
}

fn mapping_table() -> BTreeMap<String, Example> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/mapping/misp_attributes_to_stix21_patterns.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_supported_type_renders_the_pattern_of_the_mapping_table() {
    let table = mapping_table();
    let mut checked = 0;
    for kind in AttributeKind::all() {
        let example = table
            .get(kind.misp_type)
            .unwrap_or_else(|| panic!("{} is not in the mapping table", kind.misp_type));
        let value = example.value.as_deref().unwrap();
        let observable = kind.observable(value).unwrap();
        match (&example.pattern, &example.vulnerability_name) {
            (Some(pattern), _) => {
                assert_eq!(&observable.to_stix_pattern(), pattern, "{}", kind.misp_type)
            }
            (None, Some(name)) => {
                assert_eq!(
                    observable,
                    Observable::single("vulnerability", "name", name.clone())
                );
            }
            (None, None) => panic!("{}: no STIX form in the table", kind.misp_type),
        }
        checked += 1;
    }
    assert_eq!(checked, 62);
}

#[test]
fn every_supported_type_maps_back_to_itself_or_its_first_synonym() {
    let synonyms = [("hostname", "domain"), ("link", "url"), ("uri", "url")];
    for kind in AttributeKind::all() {
        let value = match kind.misp_type {
            "ip-dst|port" | "ip-src|port" => "2001:db8::1|443",
            composite if composite.contains('|') => "left part|right",
            _ => "2001:db8::7",
        };
        let observable = kind.observable(value).unwrap();
        let (back, back_value) = observable.to_misp().unwrap();
        let expected = synonyms
            .iter()
            .find(|(from, _)| *from == kind.misp_type)
            .map_or(kind.misp_type, |(_, to)| to);
        assert_eq!(back.misp_type, expected, "{}", kind.misp_type);
        assert_eq!(back_value, value, "{}", kind.misp_type);
    }
}

#[test]
fn the_observables_kyoyu_uses() {
    let domain = AttributeKind::from_misp_type("domain")
        .unwrap()
        .observable("x.example")
        .unwrap();
    assert_eq!(
        domain,
        Observable::single("domain-name", "value", "x.example")
    );
    let hash = "7fa3abc229fd3cb9a0a6f07d9da15e35528c630d0ad5902d5422b305cae7eaa4";
    let file = AttributeKind::from_misp_type("filename|sha256")
        .unwrap()
        .observable(&format!("a|b.exe|{hash}"))
        .unwrap();
    assert_eq!(
        file.fields,
        [
            ObservableField {
                object_type: "file",
                property: "name",
                value: "a|b.exe".to_owned()
            },
            ObservableField {
                object_type: "file",
                property: "hashes.'SHA-256'",
                value: hash.to_owned()
            },
        ]
    );
    let ip = AttributeKind::from_misp_type("ip-src")
        .unwrap()
        .observable("2001:db8::1")
        .unwrap();
    assert_eq!(
        ip.to_stix_pattern(),
        "[network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::1']"
    );
    // A lone address object imports as ip-dst, as misp-stix does.
    let lone = Observable::single("ipv4-addr", "value", "192.0.2.1");
    assert_eq!(
        lone.to_misp().map(|(kind, value)| (kind.misp_type, value)),
        Some(("ip-dst", "192.0.2.1".to_owned()))
    );
    // A composite value without its `|` has no observable; an unknown comparison no MISP type.
    assert_eq!(
        AttributeKind::from_misp_type("filename|md5")
            .unwrap()
            .observable("nopipe"),
        None
    );
    assert_eq!(Observable::single("process", "pid", "4").to_misp(), None);
    // Quotes and backslashes are escaped in patterns.
    let regkey = AttributeKind::from_misp_type("regkey")
        .unwrap()
        .observable(r"HKLM\Run\it's")
        .unwrap();
    assert_eq!(
        regkey.to_stix_pattern(),
        r"[windows-registry-key:key = 'HKLM\\Run\\it\'s']"
    );
}

#[test]
fn attributes_expose_their_observable() {
    let text = r#"{"Attribute": [{"type": "email-dst", "value": "a@b.example"}, {"type": "comment", "value": "x"}]}"#;
    let event = kyoyu_misp::import_event(text).unwrap().event;
    assert_eq!(
        event.attributes[0].observable(),
        Some(Observable::single(
            "email-message",
            "to_refs[*].value",
            "a@b.example"
        ))
    );
    assert_eq!(event.attributes[1].observable(), None);
}
