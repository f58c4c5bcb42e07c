//! PyMISP loads every export: each fixture, exported wrapped and bare, goes through
//! `MISPEvent().load()` of PyMISP 2.5.34.4, installed by `scripts/python-peers` into
//! `/tmp/kyoyu-venv` when missing. The attribute, object and tag counts PyMISP sees must be
//! ours. Fails (never skips) when the venv cannot be made.

use std::path::PathBuf;
use std::process::Command;

use kyoyu_misp::{Envelope, Event, export_event, import_event};
use kyoyu_testkit::python;

const FIXTURES: [&str; 3] = [
    "event_incident.json",
    "event_bare_numbers.json",
    "event_broken_attributes.json",
];

const LOAD: &str = r#"
import json, sys
from pymisp import MISPEvent
for path in sys.argv[1:]:
    event = MISPEvent()
    event.load(open(path).read())
    print(json.dumps({
        "attributes": len(event.attributes),
        "objects": len(event.objects),
        "object_attributes": sum(len(o.attributes) for o in event.objects),
        "tags": len(event.tags),
        "uuid": event.uuid,
    }))
"#;

fn counts(event: &Event) -> serde_json::Value {
    serde_json::json!({
        "attributes": event.attributes.len(),
        "objects": event.objects.len(),
        "object_attributes": event.objects.iter().map(|object| object.attributes.len()).sum::<usize>(),
        "tags": event.tags.len(),
        "uuid": event.uuid.map(|uuid| uuid.to_string()),
    })
}

#[test]
fn pymisp_loads_every_export() {
    let directory = std::env::temp_dir().join(format!("kyoyu-misp-pymisp-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let mut paths = Vec::new();
    let mut expected = Vec::new();
    for name in FIXTURES {
        let text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("test_data")
                .join(name),
        )
        .unwrap();
        let event = import_event(&text).unwrap().event;
        for (envelope, suffix) in [(Envelope::Wrapped, "wrapped"), (Envelope::Bare, "bare")] {
            let path = directory.join(format!("{name}.{suffix}.json"));
            std::fs::write(&path, export_event(&event, envelope)).unwrap();
            paths.push(path);
            expected.push(counts(&event));
        }
    }
    let output = Command::new(python())
        .arg("-c")
        .arg(LOAD)
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "PyMISP failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(seen[0]["attributes"], 9);
    std::fs::remove_dir_all(&directory).ok();
}
