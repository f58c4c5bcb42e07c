//! The incident file end to end: the contract's example parses into the expected model in both
//! formats, and every kind of bad input names its file, field and line.

use std::path::Path;

use kyoyu_incident::{FileError, Format, Parsed, parse, parse_profile};
use kyoyu_model::timeline::parse_timestamp;
use kyoyu_model::{
    Approval, AttackTechnique, AttackWindow, Channel, Community, CommunityKind, Cve, EventKind,
    Facts, HostnamePattern, IdentityProfile, Incident, IocType, Item, ItemBody, ItemId,
    Jurisdiction, PersonalData, Resolution, RiskLevel, Role, Sector, TimelineEvent, Timestamp, Tlp,
};

fn read(relative: &str) -> (String, Format) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(relative);
    let text = std::fs::read_to_string(&path).expect("test file is readable");
    let format = Format::from_path(&path).expect("test file has a known extension");
    (text, format)
}

fn parse_file(relative: &str) -> Result<Parsed, FileError> {
    let (text, format) = read(relative);
    parse(&text, format, relative)
}

fn at(text: &str) -> Timestamp {
    parse_timestamp(text).expect("valid timestamp")
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

fn item(id: &str, text: Option<&str>, tlp: Option<Tlp>, body: ItemBody) -> Item {
    Item {
        id: ItemId::parse(id).expect("valid id"),
        text: text.map(str::to_owned),
        tlp,
        knowhow: false,
        body,
    }
}

fn event(kind: EventKind, when: &str) -> TimelineEvent {
    TimelineEvent {
        kind,
        at: at(when),
        note: None,
        obligation: None,
        to: None,
        community: None,
    }
}

/// The example of `shared/spec/incident-file.md`, written out as the model.
fn contract_incident() -> Incident {
    Incident {
        id: "INC-2026-014".to_owned(),
        title: Some("Targeted intrusion through VPN appliance".to_owned()),
        jurisdictions: vec![Jurisdiction::Jp],
        sectors: vec![Sector::parse("manufacturing").expect("valid sector")],
        listed_company: true,
        sec_registrant: false,
        organization: IdentityProfile {
            names: strings(&["株式会社例示電機", "Example Denki", "EXDK"]),
            domains: strings(&["example-denki.co.jp"]),
            email_domains: strings(&["example-denki.co.jp"]),
            ip_ranges: vec!["198.51.100.0/24".parse().expect("valid range")],
            hostnames: vec![
                HostnamePattern::parse("*.corp.example-denki.local").expect("valid pattern"),
            ],
            accounts: strings(&["svc-backup"]),
            people: strings(&["山田 太郎"]),
        },
        facts: Facts {
            personal_data: PersonalData::Confirmed,
            persons_affected: Some(1200),
            wrongful_act: true,
            risk_to_individuals: RiskLevel::Risk,
            ..Facts::default()
        },
        timeline: vec![
            TimelineEvent {
                note: Some("EDR alert on file server".to_owned()),
                ..event(EventKind::Discovery, "2026-11-02T09:30:00+09:00")
            },
            TimelineEvent {
                obligation: Some("JP-APPI-PRELIM".to_owned()),
                ..event(EventKind::Reported, "2026-11-04T17:00:00+09:00")
            },
            TimelineEvent {
                community: Some("hub".to_owned()),
                ..event(EventKind::Shared, "2026-11-03T11:00:00+09:00")
            },
        ],
        items: vec![
            item(
                "c2-1",
                None,
                Some(Tlp::Amber),
                ItemBody::Ioc {
                    ioc_type: IocType::parse("domain-name").expect("known type"),
                    value: Some("update-check.example.net".to_owned()),
                    path: None,
                },
            ),
            item(
                "sample-1",
                None,
                None,
                ItemBody::Ioc {
                    ioc_type: IocType::parse("file").expect("known type"),
                    value: None,
                    path: Some("samples/loader.bin".to_owned()),
                },
            ),
            item(
                "vuln-1",
                None,
                None,
                ItemBody::Vulnerability {
                    product: Some("ExampleVPN 9.1".to_owned()),
                    cve: Some(Cve::parse("CVE-2026-0000").expect("valid CVE")),
                    fix_available: Some(false),
                },
            ),
            item(
                "ttp-1",
                Some("Exploitation of the VPN appliance"),
                None,
                ItemBody::Ttp {
                    technique: Some(AttackTechnique::parse("T1190").expect("valid technique")),
                },
            ),
            item(
                "when-1",
                None,
                None,
                ItemBody::AttackTime(
                    AttackWindow::new(
                        Some(at("2026-10-20T00:00:00+09:00")),
                        Some(at("2026-11-02T09:00:00+09:00")),
                    )
                    .expect("valid window"),
                ),
            ),
            item(
                "dmg-1",
                Some(
                    "Customer names and e-mail addresses (about 1,200 people) may have been read.",
                ),
                None,
                ItemBody::Damage,
            ),
        ],
        communities: vec![Community {
            id: "hub".to_owned(),
            kind: CommunityKind::Hub,
            max_tlp: Tlp::Amber,
        }],
        approvals: vec![Approval {
            item: ItemId::parse("sample-1").expect("valid id"),
            channel: Channel::Share,
            by: "CSIRT lead".to_owned(),
            at: at("2026-11-03T10:00:00+09:00"),
            resolution: Resolution::HashOnly,
        }],
    }
}

#[test]
fn the_contract_example_parses_into_the_model_in_both_formats() {
    for file in ["contract.toml", "contract.json"] {
        let parsed = parse_file(file).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parsed.incident, contract_incident(), "{file}");
        assert_eq!(parsed.warnings, Vec::new(), "{file}");
    }
}

#[test]
fn the_additions_to_the_contract_parse() {
    let incident = parse_file("extras.toml")
        .unwrap_or_else(|error| panic!("{error}"))
        .incident;
    assert_eq!(
        incident.jurisdictions,
        vec![Jurisdiction::Jp, Jurisdiction::Us]
    );
    assert_eq!(
        incident.facts,
        Facts {
            role: Role::Processor,
            secrecy_of_communications: true,
            outage_users: Some(40000),
            outage_hours: Some(2.5),
            serious_accident_risk: true,
            unsecured_phi: true,
            persons_in_one_state: Some(600),
            protected_defense_information: true,
            card_numbers: true,
            my_number: true,
            specified_user_information: true,
            cyber_insurance: true,
            ..Facts::default()
        }
    );
    assert_eq!(
        incident.organization.ip_ranges,
        vec!["203.0.113.9/32".parse().expect("valid range")]
    );
    assert_eq!(incident.timeline[0].at, at("2026-11-02T09:30:00+09:00"));
    assert_eq!(incident.timeline[1].at, at("2026-12-01T19:00:00+09:00"));
    assert_eq!(incident.timeline[1].community.as_deref(), Some("isac"));
    assert!(incident.items[0].knowhow && !incident.items[1].knowhow);
    assert_eq!(
        incident.items[1].body,
        ItemBody::AttackTime(
            AttackWindow::new(None, Some(at("2026-11-02T09:00:00+09:00"))).expect("valid")
        )
    );
}

#[test]
fn bad_input_names_the_file_the_field_and_the_line() {
    // (file, field, line, part of the message)
    let cases: [(&str, Option<&str>, usize, &str); 19] = [
        (
            "bad/malformed.toml",
            Some("incident.title"),
            3,
            "string is not closed",
        ),
        (
            "bad/malformed.json",
            Some("incident"),
            5,
            "extra comma `,` after the last element",
        ),
        (
            "bad/missing-id.toml",
            Some("incident"),
            1,
            "the required field `id` is missing",
        ),
        (
            "bad/unknown-kind.toml",
            Some("items[2].kind"),
            17,
            "`malware` is not an item kind; expected one of response_history,",
        ),
        (
            "bad/unknown-kind.json",
            Some("items[2].kind"),
            7,
            "`malware` is not an item kind",
        ),
        (
            "bad/facts-typo.toml",
            Some("facts.personal_date"),
            7,
            "`personal_date` is not a known field (did you mean `personal_data`?); docs/incident-file.md lists the fields",
        ),
        (
            "bad/item-typo.toml",
            Some("items[0].vaule"),
            9,
            "`vaule` is not a known field (did you mean `value`?)",
        ),
        (
            "bad/bad-timestamp.toml",
            Some("timeline[0].at"),
            7,
            "is not an RFC 3339 timestamp with an offset",
        ),
        (
            "bad/no-offset.toml",
            Some("timeline[0].at"),
            7,
            "`2026-11-02T09:30:00` has no UTC offset",
        ),
        (
            "bad/bad-tlp.toml",
            Some("items[0].tlp"),
            10,
            "TLP 2.0 calls it `clear`",
        ),
        (
            "bad/bad-tlp.json",
            Some("items[0].tlp"),
            9,
            "`orange` is not a TLP 2.0 label",
        ),
        (
            "bad/field-of-other-kind.toml",
            Some("items[0].cve"),
            10,
            "`cve` does not belong to an item of kind `ioc` (only vulnerability items take it)",
        ),
        (
            "bad/field-of-other-kind.json",
            Some("items[0].cve"),
            9,
            "`cve` does not belong to an item of kind `ioc`",
        ),
        // A required field that is absent points at the first line of its table.
        (
            "bad/ioc-without-value.toml",
            Some("items[0].value"),
            6,
            "needs `value` (the indicator), `path` (a sample file) or both",
        ),
        (
            "bad/duplicate-id.toml",
            Some("items[1].id"),
            12,
            "item id `dmg-1` is used twice",
        ),
        (
            "bad/duplicate-id.json",
            Some("items[1].id"),
            6,
            "item id `dmg-1` is used twice",
        ),
        (
            "bad/approval-missing-item.toml",
            Some("approvals[0].item"),
            12,
            "no item has the id `sample-2`",
        ),
        (
            "bad/reported-without-obligation.toml",
            Some("timeline[1].obligation"),
            // The field is absent: the error points into the event's table (toml 0.9 reports
            // the walk's stop at the table's second entry).
            11,
            "names either the legal obligation it satisfies",
        ),
        (
            "bad/obligation-on-other-event.toml",
            Some("timeline[0].obligation"),
            7,
            "belongs to a `reported` event, not to `discovery`",
        ),
    ];
    for (file, field, line, message) in cases {
        let Err(error) = parse_file(file) else {
            panic!("{file} should be rejected");
        };
        assert_eq!(error.file, file);
        assert_eq!(error.field.as_deref(), field, "{error}");
        assert_eq!(error.line, Some(line), "{error}");
        assert!(error.message.en.contains(message), "{error}");
    }
}

#[test]
fn errors_display_like_compiler_diagnostics() {
    let error = parse_file("bad/unknown-kind.toml").expect_err("unknown kind");
    assert_eq!(
        error.to_string(),
        "bad/unknown-kind.toml:17:8: items[2].kind: `malware` is not an item kind; expected one of \
         response_history, damage, attack_time, ttp, vulnerability, abused_service, ioc, victim_identity"
    );
}

#[test]
fn doubtful_content_warns_without_failing() {
    let cases: [(&str, &[&str]); 2] = [
        ("unknown-sector.toml", &["incident.sectors[1]"]),
        (
            "no-jurisdiction.toml",
            &["incident.jurisdictions", "organization"],
        ),
    ];
    for (file, fields) in cases {
        let parsed = parse_file(file).unwrap_or_else(|error| panic!("{error}"));
        let warned: Vec<&str> = parsed
            .warnings
            .iter()
            .map(|warning| warning.field.as_str())
            .collect();
        assert_eq!(warned, fields, "{file}");
        assert!(parsed.warnings.iter().all(|warning| warning.file == file));
    }
    let parsed = parse_file("unknown-sector.toml").expect("parses");
    assert!(
        parsed.warnings[0]
            .message
            .en
            .contains("`semiconductors` is not a known sector")
    );
    assert_eq!(parsed.incident.sectors.len(), 2);
}

#[test]
fn profiles_are_read_with_or_without_the_organization_table() {
    for file in ["profile/table.toml", "profile/bare.json"] {
        let (text, format) = read(file);
        let profile = parse_profile(&text, format, file).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            profile.names,
            strings(&["株式会社例示電機", "Example Denki"]),
            "{file}"
        );
        assert_eq!(profile.hostnames[0].literal(), "corp.example-denki.local");
        assert_eq!(profile.ip_ranges.len(), 1);
    }
    let cases = [
        (
            "profile/empty.toml",
            Some("organization"),
            None,
            "lists no identifier",
        ),
        (
            "profile/bad-range.toml",
            Some("ip_ranges[1]"),
            Some(2),
            "`198.51.100.0/33` is not an IP range",
        ),
        (
            "profile/mixed.toml",
            Some("names"),
            Some(1),
            "`names` is not a known field; expected one of organization",
        ),
    ];
    for (file, field, line, message) in cases {
        let (text, format) = read(file);
        let error = parse_profile(&text, format, file).expect_err(file);
        assert_eq!(
            (error.file.as_str(), error.field.as_deref(), error.line),
            (file, field, line)
        );
        assert!(error.message.en.contains(message), "{error}");
    }
}

#[test]
fn the_format_follows_the_extension() {
    let cases = [
        ("incident.toml", Some(Format::Toml)),
        ("dir/INCIDENT.JSON", Some(Format::Json)),
        ("incident.yaml", None),
        ("incident", None),
    ];
    for (path, format) in cases {
        assert_eq!(Format::from_path(Path::new(path)), format, "{path}");
    }
}

/// The repository's example incidents are documentation; they must stay valid.
#[test]
fn the_repository_examples_parse() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).expect("examples directory exists") {
        let path = entry.expect("readable entry").path();
        let Some(format) = Format::from_path(&path) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("readable example");
        if let Err(error) = parse(&text, format, &path.display().to_string()) {
            panic!("{error}");
        }
        count += 1;
    }
    assert!(count > 0, "no example found in {}", examples.display());
}

/// An indicator's value is checked against its type where it is read: a wrong value is an error
/// naming the field and its line, never an indicator no tool can match; a `sha256:` value is
/// that hash.
#[test]
fn indicator_values_are_checked_against_their_type() {
    let file = |ioc_type: &str, value: &str| {
        format!(
            "[incident]\nid = \"INC-1\"\n\n[[items]]\nid = \"i1\"\nkind = \"ioc\"\ntype = \"{ioc_type}\"\nvalue = \"{value}\"\n"
        )
    };
    for (ioc_type, value, expected) in [
        ("ipv4-addr", "91.215.85", "IPv4"),
        ("ipv4-addr", "999.1.1.1", "IPv4"),
        ("domain-name", "https://evil.example.net/login", "`url`"),
        ("domain-name", "evil.example.net/login", "no path"),
        ("url", "evil.example.net", "scheme"),
        ("email-addr", "not-an-address", "someone@example.net"),
        ("file", "sha256:abcd", "64 hexadecimal digits"),
    ] {
        let error = parse(&file(ioc_type, value), Format::Toml, "f.toml")
            .expect_err(&format!("{ioc_type} {value}"));
        assert_eq!(error.field.as_deref(), Some("items[0].value"), "{error}");
        assert_eq!(error.line, Some(8), "{error}");
        assert!(
            error.message.en.contains(expected),
            "{ioc_type} {value}: {error}"
        );
    }
    let hash = "7F83B1657FF1FC53B92DC18148A1D65DFC2D4B1FA3D677284ADDD200126D9069";
    let parsed = parse(
        &file("file", &format!("sha256:{hash}")),
        Format::Toml,
        "f.toml",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    match &parsed.incident.items[0].body {
        ItemBody::Ioc { value, .. } => {
            assert_eq!(value.as_deref(), Some(hash.to_lowercase().as_str()))
        }
        other => panic!("{other:?}"),
    }
    for (ioc_type, value) in [
        ("ipv4-addr", "203.0.113.7"),
        ("ipv4-addr", "198.51.100.0/24"),
        ("ipv6-addr", "2001:db8::7"),
        ("domain-name", "update-check.example.net"),
        ("url", "https://evil.example.net/login"),
        ("email-addr", "someone@example.net"),
        ("file", "invoice.pdf.exe"),
    ] {
        parse(&file(ioc_type, value), Format::Toml, "f.toml")
            .unwrap_or_else(|error| panic!("{ioc_type} {value}: {error}"));
    }
}

/// Every fact the file accepts is documented in the contract's `[facts]` table (issue 7: the
/// insurer appeared only with `cyber_insurance`, which the contract did not list). The accepted
/// names come from the parser itself, through the error for an unknown fact.
#[test]
fn every_fact_the_parser_reads_is_documented() {
    let error = parse(
        "[incident]\nid = \"X\"\n[facts]\nqqqqqqqqqqqqqqqq = true\n",
        Format::Toml,
        "incident.toml",
    )
    .expect_err("unknown fact");
    let listed = error
        .message
        .en
        .split_once("expected one of ")
        .map(|(_, list)| list.to_owned())
        .expect("the known facts are listed");
    let facts: Vec<&str> = listed.split(", ").collect();
    assert!(facts.len() > 25, "{facts:?}");
    let contract = include_str!("../../../docs/incident-file.md");
    for fact in facts {
        assert!(
            contract.contains(&format!("| `{fact}` |")),
            "`{fact}` is read but not documented in docs/incident-file.md"
        );
    }
}

/// Issue 13: indicator types as the field writes them — MISP attribute types and STIX
/// observable paths — are understood as the kyoyu type they mean, the value brought into its
/// form; an unknown type suggests the closest name.
#[test]
fn indicator_types_as_people_write_them_are_understood() {
    let file = |ioc_type: &str, value: &str| {
        format!(
            "[incident]\nid = \"INC-1\"\n\n[[items]]\nid = \"i1\"\nkind = \"ioc\"\ntype = \"{ioc_type}\"\nvalue = \"{value}\"\n"
        )
    };
    let sha = "7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069";
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    for (written, value, kind, kept) in [
        ("sha256", sha.to_uppercase(), "file", sha.to_owned()),
        ("SHA256", format!("sha256:{sha}"), "file", sha.to_owned()),
        (
            "file:hashes.'SHA-256'",
            sha.to_owned(),
            "file",
            sha.to_owned(),
        ),
        ("md5", md5.to_owned(), "file", md5.to_owned()),
        (
            "filename|sha256",
            format!("invoice.pdf.exe|{sha}"),
            "file",
            sha.to_owned(),
        ),
        (
            "ip-dst",
            "203.0.113.7".to_owned(),
            "ipv4-addr",
            "203.0.113.7".to_owned(),
        ),
        (
            "ip-src",
            "2001:db8::7".to_owned(),
            "ipv6-addr",
            "2001:db8::7".to_owned(),
        ),
        (
            "ip-dst|port",
            "203.0.113.7|443".to_owned(),
            "ipv4-addr",
            "203.0.113.7".to_owned(),
        ),
        (
            "ipv4-addr:value",
            "203.0.113.7".to_owned(),
            "ipv4-addr",
            "203.0.113.7".to_owned(),
        ),
        (
            "domain",
            "update-check.example.net".to_owned(),
            "domain-name",
            "update-check.example.net".to_owned(),
        ),
        (
            "domain-name:value",
            "update-check.example.net".to_owned(),
            "domain-name",
            "update-check.example.net".to_owned(),
        ),
        (
            "link",
            "https://evil.example.net/login".to_owned(),
            "url",
            "https://evil.example.net/login".to_owned(),
        ),
        (
            "email-src",
            "someone@example.net".to_owned(),
            "email-addr",
            "someone@example.net".to_owned(),
        ),
    ] {
        let parsed = parse(&file(written, &value), Format::Toml, "f.toml")
            .unwrap_or_else(|error| panic!("{written} {value}: {error}"));
        match &parsed.incident.items[0].body {
            ItemBody::Ioc {
                ioc_type,
                value: Some(stored),
                ..
            } => {
                assert_eq!(ioc_type.as_str(), kind, "{written}");
                assert_eq!(stored, &kept, "{written}");
            }
            other => panic!("{written}: {other:?}"),
        }
    }
    // an alias still checks the value: a short hash, a bad address
    for (written, value) in [("sha256", "abcd"), ("ip-dst", "999.1.1.1")] {
        let error = parse(&file(written, value), Format::Toml, "f.toml").expect_err(written);
        assert_eq!(error.field.as_deref(), Some("items[0].value"), "{error}");
    }
    // an unknown type names the closest kyoyu type or alias, in both languages
    let error = parse(&file("sha265", sha), Format::Toml, "f.toml").expect_err("unknown");
    assert_eq!(error.field.as_deref(), Some("items[0].type"), "{error}");
    assert!(
        error.message.en.contains("did you mean `sha256`"),
        "{error}"
    );
    assert!(error.message.ja.contains("もしかして `sha256`"), "{error}");
}
