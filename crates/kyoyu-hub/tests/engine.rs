//! The engine's promises (issue 9's acceptance): warninglisted and excluded values never link,
//! a value past the cap stops linking and is listed, a false-positive verdict splits a campaign
//! that depended on it, a single member is never a campaign, held values stay out, and adding
//! one by one gives the same clusters as a batch.

use std::borrow::Cow;

use kyoyu_hub::engine::{ClusterKind, Standing};
use kyoyu_hub::{Batch, Engine, Preparer, Settings, SubmissionIn};

fn sub(id: &str, member: &str, values: &[(&str, &str)]) -> SubmissionIn<'static> {
    SubmissionIn {
        id: Cow::Owned(id.to_owned()),
        member: Cow::Owned(member.to_owned()),
        day: 10,
        indicators: values
            .iter()
            .map(|(k, v)| (Cow::Owned(k.to_string()), Cow::Owned(v.to_string())))
            .collect(),
        own_domains: Vec::new(),
    }
}

const C2: (&str, &str) = ("domain-name", "c2.evil-sync.example");
const C2_HAND: (&str, &str) = ("domain-name", "C2[.]evil-sync[.]example.");
const SAMPLE: (&str, &str) = (
    "file",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
);
const BEACON: (&str, &str) = ("url", "hxxp://gate.evil-sync.example:80/api/v1/beacon");

/// Five members each reporting the same three rare values, some written by hand.
fn campaign(engine: &mut Engine) {
    for (i, member) in ["m1", "m2", "m3", "m4", "m5"].iter().enumerate() {
        let c2 = if i % 2 == 0 { C2 } else { C2_HAND };
        engine
            .add(sub(&format!("s{i}"), member, &[c2, SAMPLE, BEACON]))
            .unwrap();
    }
}

fn campaigns(engine: &Engine) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = engine
        .clusters()
        .filter(|c| c.kind == ClusterKind::Campaign)
        .map(|c| {
            let mut ids: Vec<String> = engine.submission_ids(c).map(str::to_owned).collect();
            ids.sort();
            ids
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rare_values_shared_by_distinct_members_make_a_campaign_with_its_evidence() {
    let mut engine = Engine::new(Settings::default());
    campaign(&mut engine);
    let found = campaigns(&engine);
    assert_eq!(found, vec![vec!["s0", "s1", "s2", "s3", "s4"]]);
    let cluster = engine.clusters().next().unwrap();
    assert_eq!(cluster.members, 5);
    assert_eq!(cluster.window, (10, 10));
    let evidence = engine.evidence(cluster);
    let keys: Vec<&str> = evidence.iter().map(|e| e.key).collect();
    assert!(keys.contains(&"domain:c2.evil-sync.example"), "{keys:?}");
    assert!(keys.contains(&"url:http://gate.evil-sync.example/api/v1/beacon"));
    assert!(
        evidence
            .iter()
            .all(|e| e.submissions == 5 && e.in_cluster == 5)
    );
    assert_eq!(
        engine.member_pseudonyms(cluster),
        ["m1", "m2", "m3", "m4", "m5"]
    );
}

#[test]
fn a_single_member_repeating_itself_is_a_cluster_never_a_campaign() {
    let mut engine = Engine::new(Settings::default());
    for i in 0..6 {
        engine
            .add(sub(&format!("s{i}"), "m1", &[C2, SAMPLE, BEACON]))
            .unwrap();
    }
    assert!(campaigns(&engine).is_empty());
    let clusters: Vec<_> = engine.clusters().collect();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].kind, ClusterKind::SingleMember);
    assert_eq!(clusters[0].members, 1);
    // two members are not a campaign either (three distinct members are the default)
    let mut engine = Engine::new(Settings::default());
    for (i, m) in ["m1", "m2", "m1", "m2"].iter().enumerate() {
        engine.add(sub(&format!("s{i}"), m, &[C2, SAMPLE])).unwrap();
    }
    assert!(campaigns(&engine).is_empty());
}

#[test]
fn warninglisted_values_never_link() {
    let mut engine = Engine::new(Settings::default());
    for (i, m) in ["m1", "m2", "m3", "m4"].iter().enumerate() {
        let admitted = engine
            .add(sub(
                &format!("s{i}"),
                m,
                &[
                    ("ipv4-addr", "8.8.8.8"),
                    ("domain-name", "www.google.com"),
                    (
                        "file",
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    ),
                ],
            ))
            .unwrap();
        assert_eq!(admitted.ignored.len(), 3, "{:?}", admitted.ignored);
    }
    assert_eq!(engine.clusters().count(), 0);
    let (standing, df, _) = engine.value("ipv4:8.8.8.8").unwrap();
    assert!(
        matches!(standing, Standing::Warninglisted(_)),
        "{standing:?}"
    );
    assert_eq!(df, 4);
}

#[test]
fn excluded_values_never_link_and_an_exclusion_withdraws_evidence() {
    // excluded before: never links
    let mut engine = Engine::new(Settings::default());
    engine.exclude("*.evil-sync.example");
    engine.exclude("url:*");
    campaign(&mut engine);
    assert!(campaigns(&engine).is_empty());
    // excluded after: the campaign that depended on those values dissolves
    let mut engine = Engine::new(Settings::default());
    campaign(&mut engine);
    let id = engine.clusters().next().unwrap().id;
    let changes = engine.exclude("*evil-sync.example*");
    assert_eq!(changes.dissolved, vec![id]);
    assert!(campaigns(&engine).is_empty());
    assert_eq!(engine.exclusions(), ["*evil-sync.example*"]);
}

#[test]
fn a_value_past_the_cap_stops_linking_and_is_listed() {
    let settings = Settings {
        cap: 5,
        ..Settings::default()
    };
    let mut engine = Engine::new(settings);
    // three members share a rare pair and a value that then becomes common
    let common = ("domain-name", "cdn.popular.example");
    for (i, m) in ["m1", "m2", "m3"].iter().enumerate() {
        engine
            .add(sub(
                &format!("s{i}"),
                m,
                &[common, ("ipv4-addr", "45.77.1.9")],
            ))
            .unwrap();
    }
    assert_eq!(campaigns(&engine).len(), 1);
    for i in 3..8 {
        engine
            .add(sub(&format!("s{i}"), &format!("m{i}"), &[common]))
            .unwrap();
    }
    assert!(
        campaigns(&engine).is_empty(),
        "the common value no longer links"
    );
    assert_eq!(
        engine.over_correlated(),
        vec![("domain:cdn.popular.example", 8)]
    );
}

#[test]
fn a_false_positive_verdict_splits_a_campaign_that_depended_on_it() {
    let mut engine = Engine::new(Settings::default());
    // two groups of three members, each with its own rare pair, bridged by one value
    let bridge = ("ipv4-addr", "45.77.12.23");
    let a = [
        ("domain-name", "a1.example-a.net"),
        ("domain-name", "a2.example-a.net"),
    ];
    let b = [
        ("domain-name", "b1.example-b.net"),
        ("domain-name", "b2.example-b.net"),
    ];
    for i in 0..3 {
        engine
            .add(sub(
                &format!("a{i}"),
                &format!("ma{i}"),
                &[a[0], a[1], bridge],
            ))
            .unwrap();
        engine
            .add(sub(
                &format!("b{i}"),
                &format!("mb{i}"),
                &[b[0], b[1], bridge],
            ))
            .unwrap();
    }
    assert_eq!(campaigns(&engine).len(), 1, "bridged: one campaign");
    let merged = engine.clusters().next().unwrap().id;
    let changes = engine.false_positive("ipv4:45.77.12.23").unwrap();
    let found = campaigns(&engine);
    assert_eq!(
        found,
        vec![vec!["a0", "a1", "a2"], vec!["b0", "b1", "b2"]],
        "split in two"
    );
    assert_eq!(changes.created.len(), 1, "{changes:?}");
    assert!(
        engine.cluster(merged).is_some(),
        "the larger part keeps the id"
    );
    assert!(matches!(
        engine.value("ipv4:45.77.12.23").unwrap().0,
        Standing::FalsePositive
    ));
}

#[test]
fn victim_specific_values_go_to_review_not_correlation() {
    let mut engine = Engine::new(Settings::default());
    for (i, m) in ["m1", "m2", "m3"].iter().enumerate() {
        let mut s = sub(
            &format!("s{i}"),
            m,
            &[
                ("ipv4-addr", "10.20.30.40"),
                ("domain-name", "vpn.victim.example"),
                ("victim-id", "ABC-123"),
                C2,
            ],
        );
        s.own_domains = vec![Cow::Borrowed("victim.example")];
        let admitted = engine.add(s).unwrap();
        let mut reasons: Vec<&str> = admitted.review.iter().map(|r| r.reason).collect();
        reasons.sort_unstable();
        assert_eq!(
            reasons,
            [
                "a ransom note's victim id",
                "internal address",
                "the submitter's own domain",
            ],
            "{:?}",
            admitted.review
        );
    }
    assert!(campaigns(&engine).is_empty(), "held values link nothing");
    assert!(
        engine.value("domain:vpn.victim.example").is_none(),
        "own domains are not indexed"
    );
    // after review, an analyst may release an internal address into correlation
    engine.release("ipv4:10.20.30.40").unwrap();
    assert_eq!(campaigns(&engine).len(), 1);
}

#[test]
fn ids_stay_stable_as_evidence_arrives() {
    let mut engine = Engine::new(Settings::default());
    campaign(&mut engine);
    let id = engine.clusters().next().unwrap().id;
    let admitted = engine.add(sub("s9", "m9", &[C2, SAMPLE])).unwrap();
    assert_eq!(admitted.clusters, vec![id]);
    assert_eq!(admitted.changes.changed, vec![id]);
    assert_eq!(engine.cluster(id).unwrap().members, 6);
}

#[test]
fn bad_input_is_a_diagnostic_not_a_lost_submission() {
    let mut engine = Engine::new(Settings::default());
    let admitted = engine
        .add(sub("s1", "m1", &[("ipv4-addr", "999.1.1.1"), C2]))
        .unwrap();
    assert_eq!(admitted.invalid.len(), 1);
    assert_eq!(admitted.values, 1);
    assert!(
        engine.add(sub("s1", "m1", &[C2])).is_err(),
        "ids are unique"
    );
    let huge: Vec<(&str, &str)> = vec![C2; kyoyu_hub::engine::MAX_INDICATORS + 1];
    assert!(engine.add(sub("s2", "m1", &huge)).is_err());
}

/// Seeded pseudo-random workload: planted campaigns in noise.
fn workload(seed: u64, n: usize) -> Vec<SubmissionIn<'static>> {
    let mut state = seed;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    (0..n)
        .map(|i| {
            let mut values: Vec<(String, String)> = (0..8)
                .map(|_| {
                    // a small pool: many accidental overlaps
                    let k = next(400).min(next(400));
                    ("domain-name".to_owned(), format!("n{k}.noise.example"))
                })
                .collect();
            if next(4) == 0 {
                let c = next(6);
                for j in 0..3 {
                    if next(3) != 0 {
                        values.push(("ipv4-addr".to_owned(), format!("45.76.{c}.{j}")));
                    }
                }
                // sometimes the network instead of an address: containment must not depend on
                // which came first
                if next(5) == 0 {
                    values.push(("ipv4-addr".to_owned(), format!("45.76.{c}.0/24")));
                }
            }
            SubmissionIn {
                id: Cow::Owned(format!("s{i:04}")),
                member: Cow::Owned(format!("m{}", next(30))),
                day: next(100) as u32,
                indicators: values
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
                    .collect(),
                own_domains: Vec::new(),
            }
        })
        .collect()
}

fn partition(engine: &Engine) -> Vec<(ClusterKind, Vec<String>)> {
    let mut out: Vec<_> = engine
        .clusters()
        .map(|c| {
            (
                c.kind,
                engine
                    .submission_ids(c)
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

#[test]
fn one_by_one_gives_the_same_clusters_as_a_batch() {
    for seed in [1, 7, 42] {
        let subs = workload(seed, 600);
        let mut incremental = Engine::new(Settings::default());
        for s in subs.clone() {
            incremental.add(s).unwrap();
        }
        let mut batch = Engine::new(Settings::default());
        // two preparers, as `kyoyu hub correlate` uses: the same value numbered differently
        let (mut first, mut second) = (Preparer::default(), Preparer::default());
        let half = subs.len() / 2;
        let (a, b): (Vec<_>, Vec<_>) = subs.into_iter().enumerate().partition(|(i, _)| *i < half);
        let a = a.into_iter().map(|(_, s)| first.prepare(s)).collect();
        let b = b.into_iter().map(|(_, s)| second.prepare(s)).collect();
        let (results, _) = batch.add_all(&mut [Batch::new(first, a), Batch::new(second, b)]);
        assert!(results.iter().all(Result::is_ok));
        let (a, b) = (partition(&incremental), partition(&batch));
        assert_eq!(a, b, "seed {seed}");
        assert!(
            a.iter().any(|(k, _)| *k == ClusterKind::Campaign),
            "seed {seed}: {a:?}"
        );
    }
}

#[test]
fn an_address_inside_a_submitted_network_matches_it_either_way_round() {
    // the network first, then addresses inside it; and addresses first, then the network
    for network_first in [true, false] {
        let mut engine = Engine::new(Settings::default());
        let net = ("ipv4-addr", "45.77.12.0/24");
        let other = ("domain-name", "gate.c2-net.example");
        let mut subs = vec![
            sub("n0", "m0", &[net, other]),
            sub("a1", "m1", &[("ipv4-addr", "45.77.12.7"), other]),
            sub("a2", "m2", &[("ipv4-addr", "45.77.12.200"), other]),
            sub(
                "a3",
                "m3",
                &[
                    ("ipv4-addr", "45.77.13.1"),
                    ("domain-name", "unrelated.example"),
                ],
            ),
        ];
        if !network_first {
            subs.rotate_left(1);
        }
        for s in subs {
            engine.add(s).unwrap();
        }
        assert_eq!(
            campaigns(&engine),
            vec![vec!["a1", "a2", "n0"]],
            "network first: {network_first}"
        );
        let (_, df, _) = engine.value("cidr:45.77.12.0/24").unwrap();
        assert_eq!(
            df, 3,
            "held by the network's submission and the two inside it"
        );
    }
    // IPv6 too
    let mut engine = Engine::new(Settings::default());
    let other = ("domain-name", "gate.c2-net.example");
    engine
        .add(sub("n0", "m0", &[("ipv6-addr", "2001:db8:aa::/48"), other]))
        .unwrap();
    engine
        .add(sub("a1", "m1", &[("ipv6-addr", "2001:db8:aa::5"), other]))
        .unwrap();
    engine
        .add(sub("a2", "m2", &[("ipv6-addr", "2001:DB8:AA:1::9"), other]))
        .unwrap();
    assert_eq!(campaigns(&engine), vec![vec!["a1", "a2", "n0"]]);
}
