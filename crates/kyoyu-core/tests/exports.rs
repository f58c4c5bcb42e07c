//! What leaves toward each community, as reviewed snapshots: the STIX bundle and the MISP event
//! of every example in `examples/`, for every community it declares, with the items that left
//! (TLP, form), the items the format had no form for and the items the gate withheld (with their
//! rule ids).
//!
//! Key decision: the snapshot is the document as `kyoyu_core::share::share` writes it (the one
//! use case behind `kyoyu export`, the REST export and shares) at the instant the examples'
//! assessment snapshots use, so any change to an exporter or to the gate shows as a diff to
//! review. The MISP event is kept as written (it is already pretty); the STIX bundle is written
//! compact, so it is pretty-printed through `serde_json::Value` (keys in sorted order).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use kyoyu_core::load_incident;
use kyoyu_core::share::{ShareFormat, Shared, share};
use kyoyu_model::IdentityProfile;
use kyoyu_model::timeline::parse_timestamp;

/// Each example with the instant its assessment snapshot is taken at
/// (`crates/kyoyu/tests/examples.rs`), so both describe the same moment of the incident.
const EXAMPLES: [(&str, &str); 4] = [
    ("electronics-maker", "2026-11-06T12:00:00+09:00"),
    ("supply-chain-monitoring", "2026-12-14T12:00:00-05:00"),
    ("small-company-ransomware", "2026-11-17T12:00:00+09:00"),
    (
        "personal-data-three-jurisdictions",
        "2026-11-21T12:00:00+09:00",
    ),
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// The snapshot text: the lists first (short, read first in a review), then the document.
fn render(shared: &Shared, format: ShareFormat) -> String {
    let mut text = String::from("released:\n");
    for released in &shared.released {
        writeln!(
            text,
            "  - {} {} {}",
            released.item,
            released.tlp.as_str(),
            released.form.as_str()
        )
        .expect("write to a String");
    }
    text.push_str("skipped:\n");
    for why in &shared.skipped {
        writeln!(text, "  - {why}").expect("write to a String");
    }
    text.push_str("withheld:\n");
    for withheld in &shared.withheld {
        let rules: Vec<&str> = withheld.reasons.iter().map(|reason| reason.rule).collect();
        writeln!(
            text,
            "  - {} {} [{}]",
            withheld.item.as_str(),
            withheld.decision,
            rules.join(", ")
        )
        .expect("write to a String");
    }
    text.push_str("document:\n");
    let document = match format {
        ShareFormat::Misp => shared.document.clone(),
        ShareFormat::Stix => {
            let value: serde_json::Value =
                serde_json::from_str(&shared.document).expect("the bundle is JSON");
            serde_json::to_string_pretty(&value).expect("JSON value")
        }
    };
    text.push_str(document.trim_end());
    text.push('\n');
    text
}

/// The review of the snapshots, kept as a check: nothing of the victim's identity profile in a
/// document, in any case (the egress property test checks the gate on random incidents; this
/// checks the real exports).
fn assert_names_no_victim(stem: &str, profile: &IdentityProfile, document: &str) {
    let lower = document.to_lowercase();
    for (category, identifier) in profile.text_identifiers() {
        assert!(
            !lower.contains(&identifier.to_lowercase()),
            "{stem}: the {category:?} identifier `{identifier}` is in the export"
        );
    }
    let addresses = document
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .filter_map(|token| token.parse::<IpAddr>().ok());
    for address in addresses {
        assert!(
            profile.range_containing(address).is_none(),
            "{stem}: {address} of the victim's ranges is in the export"
        );
    }
}

/// One snapshot per community the example declares and per format.
fn snapshot_exports(stem: &str) {
    let at = EXAMPLES
        .iter()
        .find(|(example, _)| *example == stem)
        .map(|(_, at)| parse_timestamp(at).expect("an RFC 3339 instant"))
        .unwrap_or_else(|| panic!("{stem}: no instant in EXAMPLES"));
    let loaded = load_incident(&examples_dir().join(format!("{stem}.toml")))
        .unwrap_or_else(|error| panic!("{stem}: {error}"));
    for community in &loaded.incident.communities {
        for (format, suffix) in [(ShareFormat::Stix, "stix"), (ShareFormat::Misp, "misp")] {
            let shared = share(
                &loaded.incident,
                &loaded.base,
                &community.id,
                format,
                at,
                &kyoyu_core::egress::PseudonymKey::from_bytes([7; 32]),
            )
            .unwrap_or_else(|error| panic!("{stem} → {}: {error}", community.id));
            assert_names_no_victim(stem, &loaded.incident.organization, &shared.document);
            insta::assert_snapshot!(
                format!("{stem}__{}__{suffix}", community.id),
                render(&shared, format)
            );
        }
    }
}

/// A new example cannot be left without export snapshots: it needs its instant above (and a
/// test below).
#[test]
fn every_example_is_covered() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(examples_dir())
        .expect("examples/")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .map(|path| {
            path.file_stem()
                .expect("a file name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let covered: BTreeSet<String> = EXAMPLES
        .iter()
        .map(|(stem, _)| (*stem).to_owned())
        .collect();
    assert_eq!(on_disk, covered);
}

#[test]
fn electronics_maker() {
    snapshot_exports("electronics-maker");
}

#[test]
fn supply_chain_monitoring() {
    snapshot_exports("supply-chain-monitoring");
}

/// Declares no community: there is nothing to share toward, so no snapshot — the test keeps it
/// that way knowingly (a community added to the example gets its snapshots here).
#[test]
fn small_company_ransomware() {
    snapshot_exports("small-company-ransomware");
}

#[test]
fn personal_data_three_jurisdictions() {
    snapshot_exports("personal-data-three-jurisdictions");
}
