//! The egress gate on the server path, on random incidents: a victim's incident is created over
//! REST, shared into a hub community whose stored terms (and the incident file's own claim about
//! them) are random, and the collection is then read over TAXII as the owning hub, a member, the
//! submitter, an outsider and an executive. Whatever the input: no object carries a profile
//! identifier or a context item's text, no marking is above the community's stored ceiling, a
//! member never receives TLP:RED or AMBER+STRICT, an outsider gets 404 and an executive 403.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::call;
use kyoyu_scan::{Category, Scanner, Sink};
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The victim's identifiers (its profile), which must never reach a collection.
const NAMES: [&str; 3] = ["Example Denki", "example-denki.co.jp", "svc-backup"];
/// In every context item's text: must never reach a collection either.
const CONTEXT_MARK: &str = "ctx-mark-7f3";
const LABELS: [&str; 5] = ["clear", "green", "amber", "amber+strict", "red"];

struct World {
    runtime: tokio::runtime::Runtime,
    app: Router,
    victim: String,
    executive: String,
    analyst: String,
    member: String,
    outsider: String,
    scanner: Scanner,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, tokens) = runtime.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
        let op = Actor::operator();
        let mut tokens = Vec::new();
        for (name, kind, role) in [
            ("example-denki", OrgKind::Victim, Role::Responder),
            ("example-denki", OrgKind::Victim, Role::Executive),
            ("hub", OrgKind::Hub, Role::HubAnalyst),
            ("member-co", OrgKind::Member, Role::Member),
            ("outsider-co", OrgKind::Member, Role::Member),
        ] {
            let org = match store.system_org_by_name(name).await.expect("lookup") {
                Some(org) => org,
                None => store.system_create_org(&op, name, kind).await.expect("org"),
            };
            tokens.push(common::token(store.as_ref(), org.id, role, name).await.0);
        }
        (app(store, Settings::default()), tokens)
    });
    let mut builder = Scanner::builder();
    builder
        .identifiers(Category::Name, [NAMES[0].to_owned()])
        .identifiers(Category::Domain, [NAMES[1].to_owned()])
        .identifiers(Category::Account, [NAMES[2].to_owned()]);
    let [victim, executive, analyst, member, outsider] =
        <[String; 5]>::try_from(tokens).expect("five tokens");
    World {
        runtime,
        app,
        victim,
        executive,
        analyst,
        member,
        outsider,
        scanner: builder.build().expect("scanner"),
        _dir: dir,
    }
}

/// A text that sometimes carries a profile identifier, in some letter case.
fn text() -> impl Strategy<Value = String> {
    (0usize..6, "[a-z0-9]{1,8}", any::<bool>()).prop_map(|(pick, filler, upper)| {
        match NAMES.get(pick) {
            Some(name) if upper => format!("{filler} {} {filler}", name.to_uppercase()),
            Some(name) => format!("{filler} {name} {filler}"),
            None => format!("seen at c2 {filler}"),
        }
    })
}

/// A domain-name value, sometimes under the victim's own domain.
fn domain() -> impl Strategy<Value = String> {
    ("[a-z]{1,8}", any::<bool>()).prop_map(|(label, own)| {
        if own {
            format!("{label}.{}", NAMES[1])
        } else {
            format!("{label}.example.net")
        }
    })
}

fn item(index: usize) -> impl Strategy<Value = (Value, Option<&'static str>)> {
    let tlp = prop_oneof![Just(None), (0usize..5).prop_map(|i| Some(LABELS[i]))];
    let resolution = prop_oneof![
        Just(None),
        Just(Some("approve")),
        Just(Some("redact")),
        Just(Some("reject"))
    ];
    (0usize..7, text(), domain(), tlp, resolution).prop_map(
        move |(kind, words, value, tlp, resolution)| {
            let id = format!("i{index}");
            let mut item = match kind {
                0 => json!({"id": id, "kind": "damage", "text": format!("{CONTEXT_MARK} {words}")}),
                1 => json!({"id": id, "kind": "response_history", "text": format!("{CONTEXT_MARK} {words}")}),
                2 => json!({"id": id, "kind": "victim_identity", "text": format!("{CONTEXT_MARK} {words}")}),
                3 => json!({"id": id, "kind": "ttp", "technique": "T1190", "text": words}),
                4 => json!({"id": id, "kind": "vulnerability", "cve": "CVE-2026-1000", "product": words, "fix_available": true}),
                _ => json!({"id": id, "kind": "ioc", "type": "domain-name", "value": value, "text": words}),
            };
            if let Some(tlp) = tlp {
                item["tlp"] = json!(tlp);
            }
            (item, resolution)
        },
    )
}

#[derive(Debug, Clone)]
struct Case {
    items: Vec<(Value, Option<&'static str>)>,
    /// The hub's stored terms: kind code and ceiling.
    stored: (&'static str, &'static str),
    /// The incident file's own claim about the community, if it makes one.
    declared: Option<(&'static str, &'static str)>,
}

fn case() -> impl Strategy<Value = Case> {
    let kind = prop_oneof![Just("A"), Just("B")];
    let label = (0usize..5).prop_map(|i| LABELS[i]);
    let declared = prop_oneof![
        Just(None),
        (
            prop_oneof![Just("hub"), Just("isac")],
            (0usize..5).prop_map(|i| LABELS[i])
        )
            .prop_map(Some)
    ];
    (1usize..9)
        .prop_flat_map(|count| (0..count).map(item).collect::<Vec<_>>())
        .prop_flat_map(move |items| (Just(items), kind.clone(), label.clone(), declared.clone()))
        .prop_map(|(items, kind, label, declared)| Case {
            items,
            stored: (kind, label),
            declared,
        })
}

struct Found(usize);

impl Sink for Found {
    fn matched(&mut self, _: &kyoyu_scan::Match<'_>) -> bool {
        self.0 += 1;
        true
    }
}

fn rank(label: &str) -> usize {
    LABELS.iter().position(|l| *l == label).expect("TLP label")
}

/// The TLP label of an object's official TLP 2.0 marking, if it has one.
fn marking(object: &Value) -> Option<&'static str> {
    let id = object["object_marking_refs"][0].as_str()?;
    kyoyu_stix::TlpLevel::of_id(id).map(|(level, _)| level.word())
}

async fn run_case(world: &World, number: usize, case: &Case) -> Result<(), TestCaseError> {
    let app = &world.app;
    let (status, body) = call(app, Method::POST, "/api/communities", &world.analyst, Some((
        "application/json",
        json!({"title": format!("case {number}"), "kind": case.stored.0, "max_tlp": case.stored.1}).to_string(),
    ))).await;
    prop_assert_eq!(status, StatusCode::CREATED, "{}", body);
    let collection = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for org in ["example-denki", "member-co"] {
        let (status, body) = call(
            app,
            Method::POST,
            &format!("/api/communities/{collection}/members"),
            &world.analyst,
            Some(("application/json", json!({"org": org}).to_string())),
        )
        .await;
        prop_assert_eq!(status, StatusCode::NO_CONTENT, "{}", body);
    }
    let id = format!("P-{number}");
    let approvals: Vec<Value> = case
        .items
        .iter()
        .filter_map(|(item, resolution)| {
            resolution.map(|resolution| {
                json!({"item": item["id"], "channel": "share", "by": "lead",
            "at": "2026-11-05T09:00:00+09:00", "resolution": resolution})
            })
        })
        .collect();
    let communities: Vec<Value> = case
        .declared
        .iter()
        .map(|(kind, label)| json!({"id": "hub", "type": kind, "max_tlp": label}))
        .collect();
    let incident = json!({
        "incident": {"id": id, "title": "property", "jurisdictions": ["JP"]},
        "organization": {"names": [NAMES[0]], "domains": [NAMES[1]], "accounts": [NAMES[2]]},
        "facts": {"personal_data": "none", "wrongful_act": true, "attacker_contained": true},
        "timeline": [{"event": "discovery", "at": "2026-11-02T09:30:00+09:00"}],
        "items": case.items.iter().map(|(item, _)| item.clone()).collect::<Vec<_>>(),
        "communities": communities,
        "approvals": approvals,
    });
    let (status, body) = call(
        app,
        Method::POST,
        "/api/incidents",
        &world.victim,
        Some(("application/json", incident.to_string())),
    )
    .await;
    prop_assert_eq!(status, StatusCode::CREATED, "{}", body);
    let mut request = json!({"collection": collection, "at": "2026-11-06T12:00:00+09:00"});
    if case.declared.is_some() {
        request["community"] = json!("hub");
    }
    let (status, body) = call(
        app,
        Method::POST,
        &format!("/api/incidents/{id}/shares"),
        &world.victim,
        Some(("application/json", request.to_string())),
    )
    .await;
    prop_assert_eq!(status, StatusCode::CREATED, "{}", body);

    let objects_path = format!("/taxii2/kyoyu/collections/{collection}/objects/?limit=1000");
    let read = |token: &str| {
        let token = token.to_owned();
        let path = objects_path.clone();
        async move { call(app, Method::GET, &path, &token, None).await }
    };
    // The owning hub receives everything that entered the collection.
    let (status, owner_body) = read(&world.analyst).await;
    prop_assert_eq!(status, StatusCode::OK, "{}", owner_body);
    let mut found = Found(0);
    world.scanner.scan_bytes(owner_body.as_bytes(), &mut found);
    prop_assert_eq!(
        found.0,
        0,
        "a profile identifier entered the collection: {}",
        owner_body
    );
    prop_assert!(
        !owner_body.contains(CONTEXT_MARK),
        "context entered the collection: {}",
        owner_body
    );
    let envelope: Value = serde_json::from_str(&owner_body).expect("envelope");
    let ceiling = rank(case.stored.1);
    for object in envelope["objects"].as_array().into_iter().flatten() {
        if object["type"] == "marking-definition" {
            continue;
        }
        let label = marking(object).unwrap_or("amber");
        prop_assert!(
            rank(label) <= ceiling,
            "{} above the stored ceiling {}: {}",
            label,
            case.stored.1,
            object
        );
    }
    // A member never receives what names recipients only.
    let (status, body) = read(&world.member).await;
    prop_assert_eq!(status, StatusCode::OK, "{}", body);
    let envelope: Value = serde_json::from_str(&body).expect("envelope");
    for object in envelope["objects"].as_array().into_iter().flatten() {
        prop_assert!(
            !matches!(marking(object), Some("red" | "amber+strict")),
            "member received {}",
            object
        );
        prop_assert!(owner_body.contains(object["id"].as_str().expect("id")));
    }
    // The submitter reads its collection; an outsider finds none; an executive reads none.
    let (status, body) = read(&world.victim).await;
    prop_assert_eq!(status, StatusCode::OK, "{}", body);
    let (status, _) = read(&world.outsider).await;
    prop_assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = read(&world.executive).await;
    prop_assert_eq!(status, StatusCode::FORBIDDEN);
    Ok(())
}

#[test]
fn nothing_the_gate_should_stop_reaches_a_collection_or_a_reader() {
    let world = world();
    let number = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(48));
    runner
        .run(&case(), |case| {
            let number = number.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            world.runtime.block_on(run_case(&world, number, &case))
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}

const TLP_IDS: [&str; 5] = [
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
];
/// A marking reference nobody defines.
const UNKNOWN_MARKING: &str = "marking-definition--99999999-9999-4999-8999-999999999999";

/// A marking reference: one of the official TLP 2.0 ids (by rank) or, as 5, an unknown one.
fn marking_ref(pick: usize) -> &'static str {
    TLP_IDS.get(pick).copied().unwrap_or(UNKNOWN_MARKING)
}

/// An indicator with a random object marking and random granular markings.
fn marked_object() -> impl Strategy<Value = (Option<usize>, Vec<(usize, &'static str)>)> {
    let object_marking = prop_oneof![Just(None), (0usize..6).prop_map(Some)];
    let granular = proptest::collection::vec(
        (
            0usize..6,
            prop_oneof![Just("description"), Just("pattern"), Just("name")],
        ),
        0..3,
    );
    (object_marking, granular)
}

/// Granular markings on random objects posted over TAXII: no member ever receives an object
/// that has any property marked TLP:RED or AMBER+STRICT, or a marking nobody can interpret in a
/// community whose ceiling is RED.
#[test]
fn no_member_receives_a_property_marked_beyond_its_standing() {
    let world = world();
    let number = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(24));
    runner
        .run(&proptest::collection::vec(marked_object(), 1..8), |objects| {
            let number = number.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            world.runtime.block_on(async {
                let app = &world.app;
                let (_, body) = call(app, Method::POST, "/api/communities", &world.analyst, Some((
                    "application/json",
                    json!({"title": format!("granular {number}"), "kind": "A", "max_tlp": "red"}).to_string(),
                ))).await;
                let collection = serde_json::from_str::<Value>(&body).expect("json")["id"].as_str().expect("id").to_owned();
                for org in ["example-denki", "member-co"] {
                    call(app, Method::POST, &format!("/api/communities/{collection}/members"), &world.analyst,
                        Some(("application/json", json!({"org": org}).to_string()))).await;
                }
                let mut restricted = Vec::new();
                let envelope: Vec<Value> = objects.iter().enumerate().map(|(index, (object_marking, granular))| {
                    let id = format!("indicator--00000000-0000-4000-8000-{:012x}", number * 100 + index);
                    let mut object = json!({
                        "type": "indicator", "spec_version": "2.1", "id": id,
                        "created": "2026-11-03T00:00:00.000Z", "modified": "2026-11-03T00:00:00.000Z",
                        "name": format!("object {index}"), "description": "d",
                        "pattern": "[domain-name:value = 'x.example.net']", "pattern_type": "stix",
                        "valid_from": "2026-11-03T00:00:00Z"
                    });
                    if let Some(pick) = object_marking {
                        object["object_marking_refs"] = json!([marking_ref(*pick)]);
                    }
                    if !granular.is_empty() {
                        object["granular_markings"] = Value::Array(granular.iter()
                            .map(|(pick, selector)| json!({"marking_ref": marking_ref(*pick), "selectors": [selector]}))
                            .collect());
                    }
                    // RED (4), AMBER+STRICT (3) or unknown (5, counted as the RED ceiling).
                    if object_marking.iter().chain(granular.iter().map(|(pick, _)| pick)).any(|pick| *pick >= 3) {
                        restricted.push(id);
                    }
                    object
                }).collect();
                let (status, body) = call(app, Method::POST, &format!("/taxii2/kyoyu/collections/{collection}/objects/"),
                    &world.victim, Some((common::TAXII, json!({"objects": envelope}).to_string()))).await;
                prop_assert_eq!(status, StatusCode::ACCEPTED, "{}", body);
                let path = format!("/taxii2/kyoyu/collections/{collection}/objects/?limit=1000");
                let (_, member) = call(app, Method::GET, &path, &world.member, None).await;
                for id in &restricted {
                    prop_assert!(!member.contains(id.as_str()), "a member received {}: {}", id, member);
                }
                let (_, owner) = call(app, Method::GET, &path, &world.analyst, None).await;
                for id in &restricted {
                    prop_assert!(owner.contains(id.as_str()), "the owning hub receives {}", id);
                }
                Ok(())
            })
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}
