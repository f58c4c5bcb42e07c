//! For each rule id: one case where the rule decides the outcome, one where it does not apply.

mod common;

use common::*;
use kyoyu_guidance::{Guidance, Purpose, Recommendation, TimingSettings};
use kyoyu_model::{Channel, CommunityKind, EventKind, ItemBody, PersonalData, Resolution, Tlp};

use Channel::{ExpertAlert, Publication, Share};

#[test]
fn g3_grades_decide_when_no_other_rule_applies() {
    let mut case = incident();
    case.items = vec![vulnerability("vuln-1", Some(true))];
    let item = only_item(&case);
    assert_eq!(verdict(&item, Publication), ("review", vec!["G3"]));
    assert_eq!(verdict(&item, Share), ("allow", vec![]));

    let mut case = incident();
    case.items = vec![context_item(
        "history-1",
        ItemBody::ResponseHistory,
        "Isolated the file server.",
    )];
    let item = only_item(&case);
    assert_eq!(item.channel(ExpertAlert).decision.as_str(), "deny");
    assert!(verdict(&item, ExpertAlert).1.contains(&"G3"));
    assert_eq!(
        verdict(&item, Publication),
        ("allow", vec![]),
        "◎ at publication"
    );
}

#[test]
fn g5_lets_an_isac_receive_identity_only_under_its_terms() {
    let mut case = incident();
    case.items = vec![context_item(
        "who",
        ItemBody::VictimIdentity,
        "Example Denki, Osaka plant",
    )];
    case.communities = vec![community("mfg-isac", CommunityKind::Isac, Tlp::Amber)];
    let item = only_item(&case);
    assert_eq!(verdict(&item, Share), ("review", vec!["G5"]));
    assert_eq!(
        item.channel(ExpertAlert).decision.as_str(),
        "deny",
        "an alert never names the victim"
    );

    case.communities
        .push(community("hub", CommunityKind::Hub, Tlp::Amber));
    let item = only_item(&case);
    let (decision, rules) = verdict(&item, Share);
    assert_eq!(decision, "deny");
    assert!(
        !rules.contains(&"G5"),
        "G5's ISAC terms do not apply to a hub: {rules:?}"
    );
    let per_community: Vec<(&str, &str)> = item
        .communities
        .iter()
        .map(|verdict| (verdict.community.as_str(), verdict.decision.as_str()))
        .collect();
    assert_eq!(per_community, [("mfg-isac", "review"), ("hub", "deny")]);
}

#[test]
fn g6_findings_turn_share_into_review_until_a_person_decides() {
    let mut case = incident();
    case.items = vec![ioc("c2-1", "login.EXAMPLE-DENKI.co.jp.update-check.net")];
    let item = only_item(&case);
    assert_eq!(verdict(&item, Share), ("review", vec!["G6"]));
    assert_eq!(item.findings.len(), 1);
    let finding = &item.findings[0];
    assert_eq!(
        (
            finding.identifier.as_str(),
            finding.matched.as_str(),
            finding.offset
        ),
        ("example-denki.co.jp", "EXAMPLE-DENKI.co.jp", 6)
    );

    case.approvals = vec![approval("c2-1", Share, Resolution::Approve)];
    assert_eq!(only_item(&case).channel(Share).decision.as_str(), "allow");
    case.approvals = vec![approval("c2-1", Share, Resolution::Reject)];
    assert_eq!(only_item(&case).channel(Share).decision.as_str(), "deny");

    let mut clean = incident();
    clean.items = vec![ioc("c2-2", "update-check.example.net")];
    let item = only_item(&clean);
    assert_eq!(verdict(&item, Share), ("allow", vec![]));
    assert!(item.findings.is_empty());
}

#[test]
fn g6_finds_profile_addresses_and_japanese_names() {
    let mut case = incident();
    let mut address = ioc("ip-1", "http://198.51.100.23:8080/gate.php");
    address.body = ItemBody::Ioc {
        ioc_type: kyoyu_model::IocType::parse("url").expect("type"),
        value: Some("http://198.51.100.23:8080/gate.php".to_owned()),
        path: None,
    };
    let mut lure = ioc("ttp-1", "x");
    lure.body = ItemBody::Ttp { technique: None };
    lure.text = Some("件名「株式会社例示電機 御中」の標的型メール".to_owned());
    case.items = vec![address, lure];
    let assessment = assess(&case);
    let address_finding = &assessment.items[0].findings[0];
    assert_eq!(
        (
            address_finding.identifier.as_str(),
            address_finding.matched.as_str(),
            address_finding.offset
        ),
        ("198.51.100.0/24", "198.51.100.23", 7)
    );
    let name_finding = &assessment.items[1].findings[0];
    assert_eq!(name_finding.identifier, "株式会社例示電機");
    assert_eq!(name_finding.offset, "件名「".len() as u64);
    assert_eq!(
        assessment.items[1].channel(Share).decision.as_str(),
        "review"
    );
}

#[test]
fn g6_keeps_an_unchecked_sample_file_in_review_until_approved() {
    let mut case = incident();
    case.items = vec![sample("sample-1", "samples/loader.bin")];
    assert_eq!(verdict(&only_item(&case), Share), ("review", vec!["G6"]));
    case.approvals = vec![approval("sample-1", Share, Resolution::HashOnly)];
    let item = only_item(&case);
    assert_eq!(item.channel(Share).decision.as_str(), "allow");
    assert_eq!(
        item.channel(Share)
            .approval
            .as_ref()
            .map(|(resolution, _)| *resolution),
        Some(Resolution::HashOnly)
    );
    // An approval for sharing does not approve publication.
    assert_eq!(item.channel(Publication).decision.as_str(), "review");
}

#[test]
fn g6_a_scanned_sample_goes_out_clean_or_by_hash_only() {
    let mut case = incident();
    case.items = vec![sample("sample-1", "samples/loader.bin")];
    let guidance = Guidance::builtin().expect("guidance");
    let id = kyoyu_model::ItemId::parse("sample-1").expect("id");
    let mut checks = no_findings();
    checks.insert(
        id.clone(),
        kyoyu_guidance::ItemChecks {
            sample_scanned: true,
            ..Default::default()
        },
    );
    let clean = guidance.assess(&case, time(NOW), &checks, &[], &TimingSettings::default());
    assert_eq!(
        verdict(&clean.items[0], Share),
        ("allow", vec![]),
        "scanned and clean"
    );

    let finding = kyoyu_guidance::Finding {
        rule: "G6",
        identifier: "example-denki.co.jp".to_owned(),
        category: "domain",
        matched: "e\\0x\\0a".to_owned(),
        encoding: "utf-16le".to_owned(),
        source: "samples/loader.bin".to_owned(),
        offset: 40412,
    };
    checks.insert(
        id,
        kyoyu_guidance::ItemChecks {
            sample_scanned: true,
            findings: vec![finding],
            ..Default::default()
        },
    );
    let found = guidance.assess(&case, time(NOW), &checks, &[], &TimingSettings::default());
    let share = found.items[0].channel(Share);
    assert_eq!(verdict(&found.items[0], Share), ("review", vec!["G6"]));
    assert!(
        share.reasons[0].text.en.contains("by hash only"),
        "{:?}",
        share.reasons
    );
}

#[test]
fn g3_a_warninglisted_value_is_reviewed_before_it_goes_out_as_malicious() {
    let mut case = incident();
    case.items = vec![ioc("dns-1", "dns.google")];
    let guidance = Guidance::builtin().expect("guidance");
    let mut checks = no_findings();
    let listed = kyoyu_guidance::Reason {
        rule: "G3",
        text: kyoyu_model::Localized::new("公開DNS", "public DNS resolver"),
    };
    checks.insert(
        kyoyu_model::ItemId::parse("dns-1").expect("id"),
        kyoyu_guidance::ItemChecks {
            false_positives: vec![listed],
            ..Default::default()
        },
    );
    let assessment = guidance.assess(&case, time(NOW), &checks, &[], &TimingSettings::default());
    assert_eq!(verdict(&assessment.items[0], Share), ("review", vec!["G3"]));
    assert_eq!(
        verdict(&assessment.items[0], ExpertAlert),
        ("review", vec!["G3"])
    );
    assert_eq!(
        verdict(&assess(&case).items[0], Share),
        ("allow", vec![]),
        "without the hit"
    );
}

#[test]
fn g7_keeps_context_from_a_hub_and_anonymizes_it_in_alerts() {
    let mut case = incident();
    case.items = vec![context_item(
        "dmg-1",
        ItemBody::Damage,
        "About 1,200 customer e-mail addresses may have been read.",
    )];
    let item = only_item(&case);
    assert_eq!(item.channel(Share).decision.as_str(), "deny");
    assert!(verdict(&item, Share).1.contains(&"G7"));
    assert_eq!(verdict(&item, ExpertAlert), ("review", vec!["G3", "G7"]));

    let mut technical = incident();
    technical.items = vec![ioc("c2-1", "update-check.example.net")];
    assert!(!verdict(&only_item(&technical), Share).1.contains(&"G7"));
}

#[test]
fn g8_tlp_bounds_where_an_item_may_go() {
    let mut case = incident();
    case.communities = vec![community("hub", CommunityKind::Hub, Tlp::Amber)];
    let mut red = ioc("c2-red", "update-check.example.net");
    red.tlp = Some(Tlp::Red);
    let mut strict = ioc("c2-strict", "cdn-sync.example.org");
    strict.tlp = Some(Tlp::AmberStrict);
    let mut green = ioc("c2-green", "telemetry.example.com");
    green.tlp = Some(Tlp::Green);
    case.items = vec![red, strict, green];
    let assessment = assess(&case);
    assert_eq!(verdict(&assessment.items[0], Share), ("deny", vec!["G8"]));
    assert_eq!(
        verdict(&assessment.items[1], ExpertAlert),
        ("deny", vec!["G8"])
    );
    assert_eq!(verdict(&assessment.items[2], Share), ("allow", vec![]));
    assert_eq!(
        verdict(&assessment.items[2], ExpertAlert),
        ("allow", vec![])
    );
    assert!(
        verdict(&assessment.items[2], Publication).1.contains(&"G8"),
        "publishing a GREEN item means relabelling it"
    );
}

#[test]
fn g11_2_holds_knowhow_until_the_incident_is_closed() {
    let mut case = incident();
    let mut lesson = ioc("lesson-1", "x");
    lesson.body = ItemBody::Ttp {
        technique: Some(kyoyu_model::AttackTechnique::parse("T1190").expect("technique")),
    };
    lesson.text =
        Some("Patch VPN appliances within 48 hours; MFA on every remote access.".to_owned());
    lesson.knowhow = true;
    case.items = vec![lesson];
    let item = only_item(&case);
    assert_eq!(verdict(&item, Publication), ("hold", vec!["G11②"]));
    assert!(item.channel(Publication).until.is_some());
    assert_eq!(
        verdict(&item, Share),
        ("allow", vec![]),
        "know-how does not restrict sharing"
    );

    case.timeline
        .push(event(EventKind::Closed, "2026-11-04T18:00:00+09:00"));
    assert_eq!(verdict(&only_item(&case), Publication), ("allow", vec![]));
}

#[test]
fn g11_3_and_g13_hold_an_unpatched_vulnerability() {
    let mut case = incident();
    case.items = vec![vulnerability("vuln-1", Some(false))];
    let item = only_item(&case);
    assert_eq!(verdict(&item, Share), ("hold", vec!["G13"]));
    assert_eq!(verdict(&item, ExpertAlert), ("hold", vec!["G13"]));
    assert_eq!(verdict(&item, Publication), ("hold", vec!["G3", "G11③"]));

    case.items = vec![vulnerability("vuln-2", None)];
    assert_eq!(
        verdict(&only_item(&case), Share),
        ("hold", vec!["G13"]),
        "an unknown fix status is held too"
    );

    case.items = vec![vulnerability("vuln-3", Some(true))];
    let item = only_item(&case);
    assert!(!verdict(&item, Share).1.contains(&"G13"));
    assert!(!verdict(&item, Publication).1.contains(&"G11③"));
}

#[test]
fn g12_holds_publication_while_the_attacker_may_be_inside() {
    let mut case = incident();
    case.facts.attacker_contained = false;
    case.items = vec![attack_time(
        "when-1",
        "2026-10-20T00:00:00+09:00",
        "2026-11-02T09:00:00+09:00",
    )];
    let item = only_item(&case);
    assert_eq!(verdict(&item, Publication), ("hold", vec!["G12"]));
    assert_eq!(
        verdict(&item, Share),
        ("allow", vec![]),
        "containment never delays sharing"
    );

    case.timeline
        .push(event(EventKind::Containment, "2026-11-04T09:00:00+09:00"));
    assert_eq!(verdict(&only_item(&case), Publication), ("allow", vec![]));
}

#[test]
fn g13_wide_impact_notes_that_an_alert_publication_is_worthwhile() {
    let mut case = incident();
    case.items = vec![ioc("c2-1", "update-check.example.net")];
    case.facts.wide_impact = true;
    assert!(verdict(&only_item(&case), Publication).1.contains(&"G13"));
    case.facts.wide_impact = false;
    assert!(!verdict(&only_item(&case), Publication).1.contains(&"G13"));
}

#[test]
fn g4_measures_delay_and_decay_and_warns_while_nothing_is_shared() {
    let mut case = incident();
    case.items = vec![ioc("c2-1", "update-check.example.net")];
    let sharing = assess(&case).sharing;
    // 2026-11-02 09:30 → 2026-11-05 12:00 is 74.5 h; 0.5^(74.5/72) = 0.488.
    assert_eq!(sharing.delay_hours, Some(74.5));
    assert_eq!(sharing.effectiveness, Some(0.49));
    assert_eq!(sharing.purpose, Purpose::Prevention);
    assert_eq!(
        sharing
            .warnings
            .iter()
            .map(|warning| warning.rule)
            .collect::<Vec<_>>(),
        ["G4"]
    );

    case.timeline
        .push(event(EventKind::Shared, "2026-11-03T11:00:00+09:00"));
    let sharing = assess(&case).sharing;
    assert_eq!(sharing.delay_hours, Some(25.5));
    assert_eq!(sharing.effectiveness, Some(0.78));
    assert!(sharing.warnings.is_empty(), "{:?}", sharing.warnings);

    let guidance = Guidance::builtin().expect("guidance");
    let slow = TimingSettings {
        half_life_hours: 24.0,
        ..TimingSettings::default()
    };
    let at = time(NOW);
    let sharing = guidance
        .assess(&case, at, &no_findings(), &[], &slow)
        .sharing;
    assert_eq!(sharing.effectiveness, Some(0.48), "0.5^(25.5/24)");
}

#[test]
fn g9_flags_the_three_anti_patterns() {
    // ① shared long after the attack ended.
    let mut late = incident();
    late.items = vec![attack_time(
        "when-1",
        "2026-08-01T00:00:00+09:00",
        "2026-09-01T00:00:00+09:00",
    )];
    late.timeline
        .push(event(EventKind::Shared, "2026-11-03T11:00:00+09:00"));
    let sharing = assess(&late).sharing;
    assert_eq!(
        sharing
            .warnings
            .iter()
            .map(|warning| warning.rule)
            .collect::<Vec<_>>(),
        ["G9①"]
    );
    assert_eq!(sharing.purpose, Purpose::Retrospective);

    // ② publication as the only channel, ③ published before experts had it.
    let mut published = incident();
    published.items = vec![ioc("c2-1", "update-check.example.net")];
    published
        .timeline
        .push(event(EventKind::Published, "2026-11-04T15:00:00+09:00"));
    let rules: Vec<_> = assess(&published)
        .sharing
        .warnings
        .iter()
        .map(|warning| warning.rule)
        .collect();
    assert_eq!(rules, ["G4", "G9②", "G9③"]);

    // Shared with the hub only after publishing: ③ but not ②.
    published.communities = vec![community("hub", CommunityKind::Hub, Tlp::Amber)];
    let mut after = event(EventKind::Shared, "2026-11-05T09:00:00+09:00");
    after.community = Some("hub".to_owned());
    published.timeline.push(after);
    let rules: Vec<_> = assess(&published)
        .sharing
        .warnings
        .iter()
        .map(|warning| warning.rule)
        .collect();
    assert_eq!(rules, ["G9③"]);

    // Shared with the hub first: none.
    published.timeline.last_mut().expect("event").at = time("2026-11-03T09:00:00+09:00");
    assert!(assess(&published).sharing.warnings.is_empty());
}

#[test]
fn publication_advice_follows_its_precedence() {
    let mut case = incident();
    case.facts.attacker_contained = false;
    case.facts.personal_data = PersonalData::Confirmed;
    let advice = assess(&case).publication;
    assert_eq!(advice.recommendation, Recommendation::WaitForContainment);
    assert_eq!(advice.reasons[0].rule, "G12");
    assert!(
        advice
            .checklist
            .iter()
            .any(|entry| entry.id == "containment" && !entry.done)
    );

    case.timeline
        .push(event(EventKind::Containment, "2026-11-04T09:00:00+09:00"));
    let advice = assess(&case).publication;
    assert_eq!(advice.recommendation, Recommendation::PublishWhenReady);
    assert!(advice.reasons.iter().any(|reason| reason.rule == "G11①"));
    assert!(
        advice
            .checklist
            .iter()
            .any(|entry| entry.id == "individuals_notified" && !entry.done)
    );

    for kind in [
        EventKind::StakeholdersNotified,
        EventKind::Shared,
        EventKind::CauseIdentified,
        EventKind::ScopeConfirmed,
        EventKind::IndividualsNotified,
    ] {
        case.timeline.push(event(kind, "2026-11-05T09:00:00+09:00"));
    }
    assert_eq!(
        assess(&case).publication.recommendation,
        Recommendation::PublishNow
    );

    let mut quiet = incident();
    assert_eq!(
        assess(&quiet).publication.recommendation,
        Recommendation::Optional
    );
    quiet.facts.double_extortion = true;
    let advice = assess(&quiet).publication;
    assert_eq!(advice.recommendation, Recommendation::NotRecommended);
    assert!(advice.reasons.iter().any(|reason| reason.rule == "G12③"));
    quiet.facts.secondary_damage_risk = true;
    let advice = assess(&quiet).publication;
    assert_eq!(advice.recommendation, Recommendation::PublishNow);
    assert_eq!(advice.reasons[0].rule, "G16");
}

#[test]
fn g16_and_g14_name_disclosure_duties() {
    let mut case = incident();
    case.facts.attacker_contained = false;
    let duty = kyoyu_guidance::ObligationRoute {
        id: "JP-TSE-TIMELY".to_owned(),
        route: "public".to_owned(),
        recipient: kyoyu_model::Localized::new(
            "東京証券取引所（TDnet）",
            "Tokyo Stock Exchange (TDnet)",
        ),
        done_at: None,
    };
    let guidance = Guidance::builtin().expect("guidance");
    let advice = guidance
        .assess(
            &case,
            time(NOW),
            &no_findings(),
            std::slice::from_ref(&duty),
            &TimingSettings::default(),
        )
        .publication;
    assert_eq!(advice.recommendation, Recommendation::WaitForContainment);
    assert!(
        advice
            .reasons
            .iter()
            .any(|reason| reason.rule == "G16" && reason.text.en.contains("JP-TSE-TIMELY"))
    );
    let without = assess(&case).publication;
    assert!(!without.reasons.iter().any(|reason| reason.rule == "G16"));

    case.facts.attacker_contained = true;
    let assessment = guidance.assess(
        &case,
        time(NOW),
        &no_findings(),
        std::slice::from_ref(&duty),
        &TimingSettings::default(),
    );
    assert!(
        assessment
            .publication
            .reasons
            .iter()
            .any(|reason| reason.rule == "G14")
    );
    assert!(
        assessment
            .routing
            .iter()
            .any(|route| route.to == "public" && route.rule == "G14")
    );
}

#[test]
fn routing_sends_each_class_where_it_belongs() {
    let mut case = incident();
    case.items = vec![
        ioc("c2-1", "update-check.example.net"),
        vulnerability("vuln-1", Some(false)),
    ];
    case.facts.wrongful_act = true;
    let routes: Vec<(String, String)> = assess(&case)
        .routing
        .into_iter()
        .map(|route| (route.to, route.rule))
        .collect();
    for expected in [
        ("coordination_center", "M3"),
        ("ipa", "M3"),
        ("product_developer", "G13"),
        ("ipa", "G13"),
        ("police", "M5"),
    ] {
        assert!(
            routes.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {routes:?}"
        );
    }

    let mut quiet = incident();
    quiet.items = vec![context_item(
        "dmg-1",
        ItemBody::Damage,
        "One laptop encrypted.",
    )];
    let routes: Vec<String> = assess(&quiet)
        .routing
        .into_iter()
        .map(|route| route.to)
        .collect();
    assert!(
        !routes.contains(&"police".to_owned())
            && !routes.contains(&"coordination_center".to_owned()),
        "{routes:?}"
    );
}

#[test]
fn every_rule_id_the_engine_cites_is_in_the_catalogue() {
    let catalogue = &Guidance::builtin().expect("guidance").catalogue;
    let sources = [
        include_str!("../src/rules.rs"),
        include_str!("../src/timing.rs"),
        include_str!("../src/publication.rs"),
        include_str!("../src/routing.rs"),
        include_str!("../data/routes.toml"),
        include_str!("../data/advice.toml"),
    ];
    let mut cited = 0;
    for source in sources {
        for (start, _) in source.match_indices('"') {
            let rest = &source[start + 1..];
            let id: String = rest
                .chars()
                .take_while(|character| *character != '"')
                .collect();
            let looks_like_rule = id.len() <= 8
                && (id.starts_with('G') || id.starts_with('M'))
                && id[1..]
                    .chars()
                    .next()
                    .is_some_and(|character| character.is_ascii_digit());
            if looks_like_rule {
                assert!(
                    catalogue.get(&id).is_some(),
                    "`{id}` is cited but not in rules.toml"
                );
                cited += 1;
            }
        }
    }
    assert!(cited > 20, "the scan found the cited ids ({cited})");
}

#[test]
fn every_advice_point_cites_a_rule_of_the_catalogue() {
    let guidance = Guidance::builtin().expect("guidance");
    let mut points = 0;
    for (id, rule) in guidance.advice.rules() {
        assert!(
            guidance.catalogue.get(rule).is_some(),
            "advice point `{id}` cites `{rule}`, which is not in rules.toml"
        );
        points += 1;
    }
    assert!(points >= 10, "the advice table loaded ({points} points)");
}

#[test]
fn ransomware_and_double_extortion_change_the_advice() {
    let guidance = Guidance::builtin().expect("guidance");
    let ids = |case: &kyoyu_model::Incident| -> Vec<String> {
        guidance
            .advice
            .points(case)
            .into_iter()
            .map(|point| point.id)
            .collect()
    };
    let mut case = incident();
    case.facts.ransomware = false;
    case.facts.double_extortion = false;
    let plain = ids(&case);
    case.facts.ransomware = true;
    let ransomware = ids(&case);
    case.facts.double_extortion = true;
    let extortion = ids(&case);
    for id in [
        "ransom_no_contact",
        "ransom_no_payment",
        "preserve_evidence",
    ] {
        assert!(
            !plain.contains(&id.to_owned()) || id == "preserve_evidence",
            "{plain:?}"
        );
        assert!(ransomware.contains(&id.to_owned()), "{id}: {ransomware:?}");
    }
    for id in [
        "leak_site_statement",
        "leak_site_stakeholders",
        "leak_site_watch",
    ] {
        assert!(!ransomware.contains(&id.to_owned()), "{id}: {ransomware:?}");
        assert!(extortion.contains(&id.to_owned()), "{id}: {extortion:?}");
    }
    // A recorded call to the insurer takes its point off the list.
    case.facts.cyber_insurance = true;
    assert!(ids(&case).contains(&"insurer_first".to_owned()));
    let mut called = common::event(kyoyu_model::EventKind::Reported, NOW);
    called.to = Some("insurer".to_owned());
    case.timeline.push(called);
    assert!(!ids(&case).contains(&"insurer_first".to_owned()));
}
