//! `kyoyu export --format misp`: the share package through the egress gate, loaded by PyMISP
//! (installed by `scripts/python-peers`), with nothing of the victim in it.

mod common;

use std::process::Command;

use common::root;
use kyoyu_testkit::python;

fn export(community: &str) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args([
            "export",
            "examples/electronics-maker.toml",
            "--channel",
            "share",
            "--community",
            community,
            "--format",
            "misp",
            "--at",
            "2026-11-06T12:00:00+09:00",
            "--key",
            &common::test_key(),
        ])
        .current_dir(root())
        .env("LC_ALL", "C")
        .output()
        .expect("kyoyu runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_misp_package_holds_only_what_may_go_and_pymisp_loads_it() {
    let (status, json, stderr) = export("jpcert");
    assert_eq!(status, Some(0), "{stderr}");
    let event: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let attributes = event["Event"]["Attribute"].as_array().expect("attributes");
    let values: Vec<&str> = attributes
        .iter()
        .map(|attribute| attribute["value"].as_str().expect("value"))
        .collect();
    let sample = std::fs::read(root().join("examples/samples/loader.bin")).expect("sample");
    let sample_hash: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&sample)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    };
    assert!(values.contains(&"update-check.example.net"));
    assert!(
        values.contains(&sample_hash.as_str()),
        "the sample leaves by hash: {values:?}"
    );
    assert!(values.contains(&"Segment management servers; monitor their outbound connections."));
    // Nothing withheld, nothing of the victim, no sample path, a pseudonymous producer.
    for absent in [
        "203.0.113.45",
        "proxy.corp",
        "CVE-2026-10001",
        "8,100",
        "例示電機",
        "Example Denki",
        "example-denki",
        "svc-avmgr",
        "loader.bin",
        "EXDK",
    ] {
        assert!(!json.contains(absent), "`{absent}` must not leave");
    }
    assert!(
        event["Event"]["Orgc"]["name"]
            .as_str()
            .expect("producer")
            .starts_with("kyoyu-submitter-")
    );
    let tags: Vec<&str> = event["Event"]["Tag"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|tag| tag["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        tags,
        [
            "tlp:amber",
            "misp-galaxy:mitre-attack-pattern=\"Exploit Public-Facing Application - T1190\"",
            "misp-galaxy:mitre-attack-pattern=\"Remote Desktop Protocol - T1021.001\""
        ]
    );
    assert!(
        attributes
            .iter()
            .all(|attribute| attribute["Tag"][0]["name"] == "tlp:amber")
    );
    assert!(stderr.contains("withheld av-vuln (held)"), "{stderr}");
    assert!(
        stderr.contains("  [G13] CVE-2026-10001: no fix is published yet."),
        "{stderr}"
    );
    assert!(
        stderr.contains("to release: wait until the condition above holds"),
        "{stderr}"
    );
    // The same package twice is the same bytes (deterministic ids).
    assert_eq!(export("jpcert").1, json);

    let file = std::env::temp_dir().join(format!("kyoyu-export-{}.json", std::process::id()));
    std::fs::write(&file, &json).expect("write");
    let check = Command::new(python())
        .args([
            "-c",
            "import sys, json\nfrom pymisp import MISPEvent\ne = MISPEvent()\ne.load(open(sys.argv[1]).read())\nprint(json.dumps({'attributes': len(e.attributes), 'tags': len(e.tags), 'uuid': e.uuid}))",
            file.to_str().expect("path"),
        ])
        .output()
        .expect("python runs");
    std::fs::remove_file(&file).ok();
    assert!(
        check.status.success(),
        "PyMISP failed: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&check.stdout).expect("PyMISP's counts");
    assert_eq!(seen["attributes"], attributes.len());
    assert_eq!(seen["tags"], tags.len());
    assert_eq!(seen["uuid"], event["Event"]["uuid"]);
}

#[test]
fn an_unknown_community_is_an_input_error() {
    let (status, json, stderr) = export("no-such-hub");
    assert_eq!(status, Some(2));
    assert!(json.is_empty());
    assert!(stderr.contains("no-such-hub"), "{stderr}");
}

fn export_example(example: &str, community: &str, format: &str, at: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kyoyu"))
        .args([
            "export",
            example,
            "--community",
            community,
            "--format",
            format,
            "--at",
            at,
            "--key",
            &common::test_key(),
        ])
        .current_dir(root())
        .output()
        .expect("kyoyu runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{example}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every example's package, in both formats: the OASIS validator (3.2.0) passes the STIX bundle
/// in default *and* strict mode, PyMISP loads the MISP event, and neither names the victim.
#[test]
fn every_package_passes_the_oasis_validator_strictly_and_loads_in_pymisp() {
    let cases = [
        (
            "examples/electronics-maker.toml",
            "jpcert",
            "2026-11-06T12:00:00+09:00",
            ["Example Denki", "example-denki", "例示電機"],
        ),
        (
            "examples/supply-chain-monitoring.toml",
            "sector-hub",
            "2026-12-14T12:00:00-05:00",
            ["Example Monitoring", "exmon.example", "ExMon"],
        ),
        (
            "examples/personal-data-three-jurisdictions.toml",
            "retail-isac",
            "2026-11-21T12:00:00+09:00",
            ["mihon-shop", "見本通販", "Mihon Tsuhan"],
        ),
    ];
    let directory = std::env::temp_dir().join(format!("kyoyu-export-all-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch");
    let mut files = Vec::new();
    for (index, (example, community, at, names)) in cases.iter().enumerate() {
        let stix = export_example(example, community, "stix", at);
        let misp = export_example(example, community, "misp", at);
        for name in names {
            assert!(
                !stix.contains(name) && !misp.contains(name),
                "{example}: `{name}` left"
            );
        }
        let stix_file = directory.join(format!("{index}.stix.json"));
        let misp_file = directory.join(format!("{index}.misp.json"));
        std::fs::write(&stix_file, &stix).expect("write");
        std::fs::write(&misp_file, &misp).expect("write");
        files.push((stix_file, misp_file));
    }
    let script = "import sys\nfrom stix2validator import validate_string, ValidationOptions\nfrom pymisp import MISPEvent\nfor stix, misp in zip(sys.argv[1::2], sys.argv[2::2]):\n    text = open(stix).read()\n    for strict in (False, True):\n        result = validate_string(text, ValidationOptions(strict=strict))\n        if not result.is_valid:\n            print(stix, 'strict' if strict else 'default', [str(e) for e in result.errors])\n            sys.exit(1)\n    event = MISPEvent()\n    event.load(open(misp).read())\n    print(misp, len(event.attributes))\n";
    let mut arguments = vec!["-c".to_owned(), script.to_owned()];
    for (stix, misp) in &files {
        arguments.push(stix.display().to_string());
        arguments.push(misp.display().to_string());
    }
    let check = Command::new(python())
        .args(&arguments)
        .output()
        .expect("python runs");
    std::fs::remove_dir_all(&directory).ok();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The pseudonym and the object ids are keyed: the same key gives the same ones on every
/// re-export (a new process each time), another key gives others, so they cannot be recomputed
/// from the incident id without the key.
#[test]
fn the_pseudonym_and_ids_are_keyed_and_stable_with_their_key() {
    let directory = std::env::temp_dir().join(format!("kyoyu-keys-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch");
    let run = |key: &std::path::Path| {
        let output = common::kyoyu(&[
            "export",
            "examples/electronics-maker.toml",
            "--community",
            "jpcert",
            "--format",
            "stix",
            "--at",
            "2026-11-06T12:00:00+09:00",
            "--key",
            key.to_str().expect("path"),
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let bundle: serde_json::Value = serde_json::from_slice(&output.stdout).expect("bundle");
        let identity = bundle["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .find(|object| object["type"] == "identity")
            .expect("identity")
            .clone();
        (
            identity["name"].as_str().expect("name").to_owned(),
            bundle["id"].as_str().expect("id").to_owned(),
        )
    };
    let first_key = directory.join("first.key");
    let second_key = directory.join("second.key");
    let first = run(&first_key);
    assert!(first.0.starts_with("kyoyu-submitter-"), "{first:?}");
    assert_eq!(run(&first_key), first, "stable with the same key");
    let second = run(&second_key);
    assert_ne!(second.0, first.0, "another key, another pseudonym");
    assert_ne!(second.1, first.1, "another key, other ids");
    let key_text = std::fs::read_to_string(&first_key).expect("key file");
    assert_eq!(
        key_text.trim().len(),
        64,
        "the key is kept as 64 hex digits"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&first_key)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key file is the owner's only");
    }
    std::fs::remove_dir_all(&directory).ok();
}

/// A hash pasted with its `sha256:` prefix (as tools print it) on a file item is that hash: the
/// STIX indicator matches `file:hashes.'SHA-256'`, and the MISP attribute is a `sha256`, never a
/// file name (issue 7).
#[test]
fn a_prefixed_hash_on_a_file_item_is_exported_as_that_hash() {
    let hash = "9F2C5D1E4B7A3C6D8E0F1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D";
    let directory = std::env::temp_dir().join(format!("kyoyu-prefixed-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch");
    let incident = directory.join("incident.toml");
    std::fs::write(
        &incident,
        format!(
            "[incident]\nid = \"HASH-1\"\njurisdictions = [\"JP\"]\n\n[organization]\nnames = [\"Sample Buhin\"]\n\n[[items]]\nid = \"note\"\nkind = \"ioc\"\ntype = \"file\"\nvalue = \"sha256:{hash}\"\ntlp = \"green\"\n\n[[communities]]\nid = \"hub\"\ntype = \"hub\"\nmax_tlp = \"amber\"\n"
        ),
    )
    .expect("written");
    let lower = hash.to_ascii_lowercase();
    let path = incident.to_str().expect("utf-8");
    let bundle = export_example(path, "hub", "stix", "2026-11-17T12:00:00+09:00");
    assert!(
        bundle.contains(&format!("[file:hashes.'SHA-256' = '{lower}']")),
        "{bundle}"
    );
    assert!(!bundle.contains("file:name"), "{bundle}");
    let event: serde_json::Value = serde_json::from_str(&export_example(
        path,
        "hub",
        "misp",
        "2026-11-17T12:00:00+09:00",
    ))
    .expect("JSON");
    let attributes = event["Event"]["Attribute"].as_array().expect("attributes");
    assert!(
        attributes
            .iter()
            .any(|attribute| attribute["type"] == "sha256" && attribute["value"] == lower.as_str()),
        "{attributes:?}"
    );
}

/// A sample that names the victim waits for a person (G6); the report shows its SHA-256 and the
/// approval to paste, and once pasted the next export carries the hash and never the file
/// (issue 7: actionable holds).
#[test]
fn a_held_sample_shows_its_hash_and_the_approval_that_releases_it() {
    use sha2::Digest as _;
    let directory = std::env::temp_dir().join(format!("kyoyu-held-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("scratch");
    let sample = b"MZ\x90\x00 beacon to fs01.corp.sample-buhin.example every 60s";
    std::fs::write(directory.join("dropper.bin"), sample).expect("sample");
    let hash: String = sha2::Sha256::digest(sample)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let incident = directory.join("incident.toml");
    std::fs::write(
        &incident,
        "[incident]\nid = \"HELD-1\"\njurisdictions = [\"JP\"]\n\n[organization]\nnames = [\"Sample Buhin\"]\ndomains = [\"sample-buhin.example\"]\n\n[[items]]\nid = \"dropper\"\nkind = \"ioc\"\ntype = \"file\"\npath = \"dropper.bin\"\ntlp = \"green\"\n\n[[communities]]\nid = \"hub\"\ntype = \"hub\"\nmax_tlp = \"amber\"\n",
    )
    .expect("written");
    let path = incident.to_str().expect("utf-8");
    let at = "2026-11-17T12:00:00+09:00";
    let report = common::kyoyu(&["assess", path, "--at", at, "--lang", "en"]);
    let report = String::from_utf8(report.stdout).expect("utf-8");
    assert!(
        report.contains(&format!("SHA-256 of the sample: {hash}")),
        "{report}"
    );
    let snippet: String = report
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("[[approvals]]"))
        .take(6)
        .map(|line| format!("{}\n", line.trim_start()))
        .collect();
    assert!(snippet.contains("item = \"dropper\""), "{report}");
    assert!(snippet.contains("resolution = \"hash_only\""), "{snippet}");
    // Before the approval: withheld, with how to release it.
    let before = common::kyoyu(&[
        "export",
        path,
        "--community",
        "hub",
        "--format",
        "stix",
        "--at",
        at,
    ]);
    let stderr = String::from_utf8_lossy(&before.stderr);
    assert!(
        stderr.contains("withheld dropper (needs review)"),
        "{stderr}"
    );
    assert!(stderr.contains("to release:"), "{stderr}");
    // The snippet as pasted, with the approver's name filled in.
    let filled = snippet.replace("name of the person who checked", "CSIRT lead");
    let text = std::fs::read_to_string(&incident).expect("read");
    std::fs::write(&incident, format!("{text}\n{filled}")).expect("written");
    let bundle = export_example(path, "hub", "stix", at);
    assert!(
        bundle.contains(&format!("file:hashes.'SHA-256' = '{hash}'")),
        "{bundle}"
    );
    assert!(
        !bundle.contains("sample-buhin"),
        "the file's content never leaves"
    );
}
