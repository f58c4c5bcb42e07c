//! `kyoyu import`: a MISP event becomes incident-file items; broken elements are skipped with
//! their JSON path (exit 0); an unreadable file exits 2; `--into` writes only a file that checks.

mod common;

use std::path::PathBuf;

use common::kyoyu;

fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("kyoyu-import-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch dir");
    directory
}

#[test]
fn an_exported_package_imports_back_as_items_and_into_an_incident() {
    let directory = scratch("round-trip");
    let package = directory.join("package.json");
    let export = kyoyu(&[
        "export",
        "examples/electronics-maker.toml",
        "--community",
        "jpcert",
        "--format",
        "misp",
        "--at",
        "2026-11-06T12:00:00+09:00",
        "-o",
        package.to_str().expect("path"),
    ]);
    assert_eq!(
        export.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );

    let printed = kyoyu(&["import", package.to_str().expect("path")]);
    assert_eq!(printed.status.code(), Some(0));
    let items: toml::Value =
        toml::from_str(&String::from_utf8_lossy(&printed.stdout)).expect("TOML items");
    let items = items["items"].as_array().expect("items");
    let described: Vec<(String, String)> = items
        .iter()
        .map(|item| {
            let kind = item["kind"].as_str().expect("kind").to_owned();
            let key = item
                .get("value")
                .or_else(|| item.get("technique"))
                .and_then(|value| value.as_str())
                .unwrap_or("");
            (kind, key.chars().take(24).collect())
        })
        .collect();
    assert!(
        described.contains(&("ioc".to_owned(), "update-check.example.net".to_owned())),
        "{described:?}"
    );
    assert!(
        described.contains(&("ttp".to_owned(), "T1190".to_owned())),
        "{described:?}"
    );
    assert!(
        described.contains(&("ttp".to_owned(), "T1021.001".to_owned())),
        "{described:?}"
    );
    assert!(
        items
            .iter()
            .all(|item| item.get("tlp").and_then(|tlp| tlp.as_str()) == Some("amber"))
    );

    // Into a copy of a small incident: written, and the result assesses.
    let incident = directory.join("incident.toml");
    std::fs::write(
        &incident,
        "[incident]\nid = \"HUB-RECEIVED\"\njurisdictions = [\"JP\"]\n",
    )
    .expect("write");
    let added = kyoyu(&[
        "import",
        package.to_str().expect("path"),
        "--into",
        incident.to_str().expect("path"),
    ]);
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let assessed = kyoyu(&[
        "assess",
        incident.to_str().expect("path"),
        "--json",
        "--at",
        "2026-11-07T12:00:00+09:00",
    ]);
    assert_eq!(
        assessed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&assessed.stderr)
    );
    let assessment: serde_json::Value = serde_json::from_slice(&assessed.stdout).expect("JSON");
    assert_eq!(
        assessment["items"].as_array().map(Vec::len),
        Some(items.len())
    );

    // A second import would duplicate the ids: refused, and the file is left as it was.
    let before = std::fs::read_to_string(&incident).expect("read");
    let again = kyoyu(&[
        "import",
        package.to_str().expect("path"),
        "--into",
        incident.to_str().expect("path"),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("used twice"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&incident).expect("read"),
        before,
        "nothing half written"
    );
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn broken_elements_are_skipped_with_their_path_and_an_unreadable_file_exits_2() {
    let output = kyoyu(&[
        "import",
        "crates/kyoyu-misp/test_data/event_broken_attributes.json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Event.Attribute[17]") && stderr.contains("Event.Object[0].Attribute[1]"),
        "{stderr}"
    );
    assert!(!output.stdout.is_empty());

    let missing = kyoyu(&["import", "crates/kyoyu/test_data/no-such-event.json"]);
    assert_eq!(missing.status.code(), Some(2));
    let not_misp = kyoyu(&["import", "crates/kyoyu/test_data/bad/malformed.json"]);
    assert_eq!(not_misp.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_misp.stderr).contains("malformed.json"));
}

#[test]
fn a_stix_bundle_imports_as_items_with_their_markings() {
    let directory = scratch("stix");
    let bundle = directory.join("bundle.json");
    let export = kyoyu(&[
        "export",
        "examples/supply-chain-monitoring.toml",
        "--community",
        "sector-hub",
        "--format",
        "stix",
        "--at",
        "2026-12-14T12:00:00-05:00",
        "-o",
        bundle.to_str().expect("path"),
    ]);
    assert_eq!(
        export.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let printed = kyoyu(&["import", bundle.to_str().expect("path")]);
    assert_eq!(
        printed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let items: toml::Value =
        toml::from_str(&String::from_utf8_lossy(&printed.stdout)).expect("TOML items");
    let items = items["items"].as_array().expect("items");
    let described: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|item| {
            let key = item
                .get("value")
                .or_else(|| item.get("technique"))
                .and_then(|value| value.as_str())
                .unwrap_or("");
            (
                item["kind"].as_str().expect("kind"),
                key,
                item.get("tlp").and_then(|tlp| tlp.as_str()).unwrap_or(""),
            )
        })
        .collect();
    assert!(
        described.contains(&("ioc", "avsvmcloud.com", "clear")),
        "{described:?}"
    );
    assert!(
        described.contains(&(
            "ioc",
            "32519b85c0b422e4656de6e6c41878e95fd95026267daab4215ee59c107d6c77",
            "clear"
        )),
        "{described:?}"
    );
    assert!(
        described.contains(&("ttp", "T1195.002", "clear")),
        "{described:?}"
    );
    std::fs::remove_dir_all(&directory).ok();

    // One broken object in a bundle: the rest imports, the broken one is named with its path.
    let broken = std::env::temp_dir().join(format!("kyoyu-broken-{}.json", std::process::id()));
    std::fs::write(
        &broken,
        r#"{"type":"bundle","id":"bundle--6b1e1a7e-1c4f-4b8e-9f0a-2c3d4e5f6a7b","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'c2.example.org']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"},
{"type":"indicator","spec_version":"2.1","id":"not-an-id","created":5}
]}"#,
    )
    .expect("write");
    let output = kyoyu(&["import", broken.to_str().expect("path")]);
    std::fs::remove_file(&broken).ok();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("c2.example.org"));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("objects[1]"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
