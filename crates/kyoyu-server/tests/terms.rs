//! The recipient's terms decide the gate: a share into a hub's collection is judged by the
//! kind and TLP ceiling the hub stored for its community, never by what the victim's incident
//! file says about it (G5, G7, G8); and a TAXII POST above the stored ceiling is refused object
//! by object, with why.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::{TAXII, call};
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::{Value, json};

const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

struct World {
    app: Router,
    victim: String,
    analyst: String,
    /// The hub's community: stored as type A with ceiling AMBER.
    collection: String,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let op = Actor::operator();
    let victim = store
        .system_create_org(&op, "example-denki", OrgKind::Victim)
        .await
        .expect("org");
    let hub = store
        .system_create_org(&op, "national-hub", OrgKind::Hub)
        .await
        .expect("org");
    let victim_token = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let analyst = common::token(store.as_ref(), hub.id, Role::HubAnalyst, "")
        .await
        .0;
    let app = app(store, Settings::default());
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/communities",
        &analyst,
        Some((
            "application/json",
            json!({"title": "early warning", "kind": "A", "max_tlp": "amber"}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let collection = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/communities/{collection}/members"),
        &analyst,
        Some((
            "application/json",
            json!({"org": "example-denki"}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    World {
        app,
        victim: victim_token,
        analyst,
        collection,
        _dir: dir,
    }
}

/// The victim's file calls the hub's community an ISAC that accepts TLP:RED, and records
/// approvals for everything — context included.
fn claiming_incident() -> Value {
    let approve = |item: &str| json!({"item": item, "channel": "share", "by": "ciso", "at": "2026-11-05T09:00:00+09:00", "resolution": "approve"});
    let approvals: Vec<Value> = [
        "c2-amber",
        "c2-red",
        "c2-strict",
        "ttp-1",
        "dmg-1",
        "resp-1",
        "who-1",
    ]
    .map(approve)
    .into();
    json!({
        "incident": {"id": "INC-7", "title": "VPN intrusion", "jurisdictions": ["JP"], "sectors": ["manufacturing"]},
        "organization": {"names": ["Example Denki"], "domains": ["example-denki.co.jp"]},
        "facts": {"personal_data": "none", "wrongful_act": true, "attacker_contained": true},
        "timeline": [
            {"event": "discovery", "at": "2026-11-02T09:30:00+09:00"},
            {"event": "containment", "at": "2026-11-03T09:30:00+09:00"}
        ],
        "items": [
            {"id": "c2-amber", "kind": "ioc", "type": "domain-name", "value": "update-check.example.net", "tlp": "amber"},
            {"id": "c2-red", "kind": "ioc", "type": "domain-name", "value": "stage2.example.org", "tlp": "red"},
            {"id": "c2-strict", "kind": "ioc", "type": "ipv4-addr", "value": "203.0.113.7", "tlp": "amber+strict"},
            {"id": "ttp-1", "kind": "ttp", "technique": "T1190", "text": "Exploitation of the VPN appliance", "tlp": "green"},
            {"id": "dmg-1", "kind": "damage", "text": "DAMAGE-SECRET customer names may have been read", "tlp": "green"},
            {"id": "resp-1", "kind": "response_history", "text": "RESPONSE-SECRET the VPN was cut at 10:00", "tlp": "green"},
            {"id": "who-1", "kind": "victim_identity", "text": "IDENTITY-SECRET a maker of electronics", "tlp": "green"}
        ],
        "communities": [{"id": "hub", "type": "isac", "max_tlp": "red"}],
        "approvals": approvals
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_is_judged_by_the_hubs_stored_terms_not_the_victims_file() {
    let world = world().await;
    let (status, body) = call(
        &world.app,
        Method::POST,
        "/api/incidents",
        &world.victim,
        Some(("application/json", claiming_incident().to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        &world.app,
        Method::POST,
        "/api/incidents/INC-7/shares",
        &world.victim,
        Some((
            "application/json",
            json!({"community": "hub", "collection": world.collection, "at": "2026-11-06T12:00:00+09:00"})
                .to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let shared: Value = serde_json::from_str(&body).expect("json");
    // The stricter terms applied, and the response says why.
    assert_eq!(shared["terms"]["kind"], "A", "{body}");
    assert_eq!(shared["terms"]["max_tlp"], "amber", "{body}");
    let notes: Vec<&str> = shared["terms"]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|note| note["rule"].as_str())
        .collect();
    assert!(notes.contains(&"G7") && notes.contains(&"G8"), "{body}");
    // Released: within the ceiling, technical only.
    let released: Vec<&str> = shared["released"]
        .as_array()
        .expect("released")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(released, ["c2-amber", "ttp-1"], "{body}");
    // Withheld, each with its rule: context by G7, above the ceiling by G8.
    let withheld: Vec<(&str, Vec<&str>)> = shared["withheld"]
        .as_array()
        .expect("withheld")
        .iter()
        .map(|entry| {
            (
                entry["item"].as_str().expect("item"),
                entry["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .filter_map(|reason| reason["rule"].as_str())
                    .collect(),
            )
        })
        .collect();
    for (item, rule) in [
        ("c2-red", "G8"),
        ("c2-strict", "G8"),
        ("dmg-1", "G7"),
        ("resp-1", "G7"),
        ("who-1", "G7"),
    ] {
        let reasons = withheld
            .iter()
            .find(|(id, _)| *id == item)
            .map(|(_, reasons)| reasons.clone())
            .unwrap_or_else(|| panic!("{item} was not withheld: {body}"));
        assert!(
            reasons.contains(&rule),
            "{item} withheld without {rule}: {body}"
        );
    }
    // What entered the collection: nothing of the context, nothing above AMBER.
    let (status, body) = call(
        &world.app,
        Method::GET,
        &format!("/taxii2/kyoyu/collections/{}/objects/", world.collection),
        &world.analyst,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for secret in [
        "DAMAGE-SECRET",
        "RESPONSE-SECRET",
        "IDENTITY-SECRET",
        "stage2.example.org",
        "203.0.113.7",
        TLP_RED,
        TLP_AMBER_STRICT,
    ] {
        assert!(
            !body.contains(secret),
            "`{secret}` entered the collection: {body}"
        );
    }
    assert!(body.contains("update-check.example.net"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_declared_community_the_stored_terms_alone_apply() {
    let world = world().await;
    let mut incident = claiming_incident();
    incident["communities"] = json!([]);
    incident["approvals"] = json!([]);
    let (status, body) = call(
        &world.app,
        Method::POST,
        "/api/incidents",
        &world.victim,
        Some(("application/json", incident.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        &world.app,
        Method::POST,
        "/api/incidents/INC-7/shares",
        &world.victim,
        Some((
            "application/json",
            json!({"collection": world.collection, "at": "2026-11-06T12:00:00+09:00"}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let shared: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(shared["terms"]["kind"], "A", "{body}");
    assert!(
        shared["terms"]["notes"]
            .as_array()
            .expect("notes")
            .is_empty(),
        "{body}"
    );
    let released = shared["released"].as_array().expect("released");
    assert!(
        !released
            .iter()
            .any(|item| ["c2-red", "c2-strict", "dmg-1", "resp-1", "who-1"]
                .contains(&item.as_str().unwrap_or_default())),
        "{body}"
    );
    // A community the file does not declare, named anyway: a clear 422.
    let (status, body) = call(
        &world.app,
        Method::POST,
        "/api/incidents/INC-7/shares",
        &world.victim,
        Some((
            "application/json",
            json!({"collection": world.collection, "community": "nowhere"}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("nowhere"), "{body}");
}

fn indicator(tail: &str, marking: Option<&str>) -> Value {
    let mut object = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{tail}"),
        "created": "2026-11-03T00:00:00.000Z", "modified": "2026-11-03T00:00:00.000Z",
        "name": format!("indicator {tail}"),
        "pattern": "[domain-name:value = 'bad.example.net']", "pattern_type": "stix",
        "valid_from": "2026-11-03T00:00:00Z"
    });
    if let Some(marking) = marking {
        object["object_marking_refs"] = json!([marking]);
    }
    object
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taxii_post_above_the_stored_ceiling_is_refused_per_object_with_why() {
    let world = world().await;
    let envelope = json!({"objects": [
        indicator("000000000001", Some(TLP_RED)),
        indicator("000000000002", Some(TLP_AMBER_STRICT)),
        indicator("000000000003", Some(TLP_AMBER)),
        indicator("000000000004", Some(TLP_GREEN)),
        indicator("000000000005", None),
    ]});
    let (status, body) = call(
        &world.app,
        Method::POST,
        &format!("/taxii2/kyoyu/collections/{}/objects/", world.collection),
        &world.victim,
        Some((TAXII, envelope.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let status_body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(status_body["success_count"], 3, "{body}");
    assert_eq!(status_body["failure_count"], 2, "{body}");
    for failure in status_body["failures"].as_array().expect("failures") {
        let message = failure["message"].as_str().expect("message");
        assert!(
            message.contains("G8") && message.contains("TLP:AMBER this community accepts"),
            "{message}"
        );
    }
    let refused: Vec<&str> = status_body["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter_map(|failure| failure["id"].as_str())
        .collect();
    assert_eq!(
        refused,
        [
            "indicator--00000000-0000-4000-8000-000000000001",
            "indicator--00000000-0000-4000-8000-000000000002"
        ]
    );
    // And nothing of them is stored: the owner reads three objects.
    let (_, body) = call(
        &world.app,
        Method::GET,
        &format!("/taxii2/kyoyu/collections/{}/manifest/", world.collection),
        &world.analyst,
        None,
    )
    .await;
    let manifest: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        manifest["objects"].as_array().map(Vec::len),
        Some(3),
        "{body}"
    );
}
