//! `tlp:` and `PAP:` machine tags against the embedded MISP taxonomies, and ATT&CK galaxy tags.

use kyoyu_misp::{AttackPatternRef, MachineTag, Pap, Tag, Tlp, TlpTag};

#[test]
fn tlp_2_0_tags_parse_into_labels() {
    let cases = [
        ("tlp:clear", Tlp::Clear),
        ("tlp:green", Tlp::Green),
        ("tlp:amber", Tlp::Amber),
        ("tlp:amber+strict", Tlp::AmberStrict),
        ("tlp:red", Tlp::Red),
        ("TLP:AMBER+STRICT", Tlp::AmberStrict),
    ];
    for (name, tlp) in cases {
        assert_eq!(
            MachineTag::parse(name),
            MachineTag::Tlp(TlpTag::Label(tlp)),
            "{name}"
        );
    }
}

#[test]
fn legacy_and_special_tlp_predicates() {
    assert_eq!(
        MachineTag::parse("tlp:white"),
        MachineTag::Tlp(TlpTag::LegacyWhite)
    );
    assert_eq!(TlpTag::LegacyWhite.tlp(), Some(Tlp::Clear));
    assert_eq!(
        MachineTag::parse("tlp:ex:chr"),
        MachineTag::Tlp(TlpTag::ExChr)
    );
    assert_eq!(
        MachineTag::parse("tlp:unclear"),
        MachineTag::Tlp(TlpTag::Unclear)
    );
    assert_eq!(TlpTag::Unclear.tlp(), None);
    // Not in the taxonomy: not a TLP tag, however close it looks.
    for name in [
        "tlp:amber-strict",
        "tlp:orange",
        "tlp:",
        "tlp",
        "tlp:red ish",
        "ttlp:red",
    ] {
        assert_eq!(MachineTag::parse(name), MachineTag::Other, "{name}");
    }
}

#[test]
fn pap_tags_parse_into_labels() {
    let cases = [
        ("PAP:RED", Pap::Red, false),
        ("PAP:AMBER", Pap::Amber, false),
        ("PAP:GREEN", Pap::Green, false),
        ("PAP:CLEAR", Pap::Clear, false),
        ("PAP:WHITE", Pap::Clear, true),
        ("pap:red", Pap::Red, false),
    ];
    for (name, pap, legacy) in cases {
        assert_eq!(
            MachineTag::parse(name),
            MachineTag::Pap { pap, legacy },
            "{name}"
        );
    }
    assert_eq!(MachineTag::parse("PAP:BLUE"), MachineTag::Other);
}

#[test]
fn tags_built_for_export_carry_the_taxonomy_colour_and_parse_back() {
    let tag = Tag::tlp(Tlp::AmberStrict);
    assert_eq!(tag.name, "tlp:amber+strict");
    assert_eq!(tag.colour.as_deref(), Some("#FFC000"));
    assert_eq!(
        tag.machine_tag(),
        MachineTag::Tlp(TlpTag::Label(Tlp::AmberStrict))
    );
    for tlp in Tlp::ALL {
        assert_eq!(
            Tag::tlp(tlp).machine_tag(),
            MachineTag::Tlp(TlpTag::Label(tlp))
        );
    }
    let tag = Tag::pap(Pap::Red);
    assert_eq!(tag.name, "PAP:RED");
    assert_eq!(tag.colour.as_deref(), Some("#ff2b2b"));
}

#[test]
fn the_strictest_tlp_tag_governs() {
    let event = kyoyu_misp::Event {
        tags: vec![
            Tag::named("tlp:green"),
            Tag::named("tlp:red"),
            Tag::named("tlp:white"),
        ],
        ..Default::default()
    };
    assert_eq!(event.tlp(), Some(Tlp::Red));
}

#[test]
fn attack_pattern_galaxy_tags() {
    let parsed = MachineTag::parse(
        r#"misp-galaxy:mitre-attack-pattern="Exploit Public-Facing Application - T1190""#,
    );
    let expected = AttackPatternRef {
        name: "Exploit Public-Facing Application".to_owned(),
        technique_id: "T1190".to_owned(),
    };
    assert_eq!(parsed, MachineTag::AttackPattern(expected.clone()));
    assert_eq!(
        expected.tag().name,
        r#"misp-galaxy:mitre-attack-pattern="Exploit Public-Facing Application - T1190""#
    );
    let sub = AttackPatternRef::from_tag_name(
        r#"misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001""#,
    )
    .unwrap();
    assert_eq!(sub.technique_id, "T1059.001");
    // A name with " - " inside keeps everything before the last one.
    let dashed =
        AttackPatternRef::from_cluster_value("Man-in-the-Middle - LLMNR - T1557.001").unwrap();
    assert_eq!(dashed.name, "Man-in-the-Middle - LLMNR");
    assert_eq!(
        MachineTag::parse(r#"misp-galaxy:threat-actor="APT 99""#),
        MachineTag::Galaxy {
            galaxy_type: "threat-actor".to_owned(),
            value: "APT 99".to_owned()
        }
    );
    // Without a technique id it is a galaxy tag, not an attack pattern.
    assert!(matches!(
        MachineTag::parse(r#"misp-galaxy:mitre-attack-pattern="Something""#),
        MachineTag::Galaxy { .. }
    ));
}
