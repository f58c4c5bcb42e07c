//! What enters a collection stays its sender's: another writer in the same community cannot
//! take over, supersede, hide or re-label an object — not with a later `modified`, not with a
//! version far in the future, not with a RED version, not with the same version and other
//! content — and no write route of the route table alters another tenant's object.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::{TAXII, call};
use kyoyu_server::routes::table;
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::{Value, json};

const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const ID: &str = "indicator--00000000-0000-4000-8000-00000000a001";

struct World {
    app: Router,
    victim: String,
    /// (role, token) of member-m, the second writer.
    intruder: Vec<(Role, String)>,
    reader: String,
    analyst: String,
    collection: String,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let op = Actor::operator();
    let victim = store
        .system_create_org(&op, "victim-a", OrgKind::Victim)
        .await
        .expect("org");
    let intruder = store
        .system_create_org(&op, "member-m", OrgKind::Member)
        .await
        .expect("org");
    let reader = store
        .system_create_org(&op, "member-r", OrgKind::Member)
        .await
        .expect("org");
    let hub = store
        .system_create_org(&op, "hub-h", OrgKind::Hub)
        .await
        .expect("org");
    let victim_token = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let mut intruder_tokens = Vec::new();
    for role in Role::ALL {
        intruder_tokens.push((
            role,
            common::token(store.as_ref(), intruder.id, role, "").await.0,
        ));
    }
    let reader_token = common::token(store.as_ref(), reader.id, Role::Member, "")
        .await
        .0;
    let analyst = common::token(store.as_ref(), hub.id, Role::HubAnalyst, "")
        .await
        .0;
    let app = app(store, Settings::default());
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/communities",
        &analyst,
        Some((
            "application/json",
            json!({"title": "c", "kind": "A", "max_tlp": "red"}).to_string(),
        )),
    )
    .await;
    let collection = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for org in ["victim-a", "member-m", "member-r"] {
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/communities/{collection}/members"),
            &analyst,
            Some(("application/json", json!({"org": org}).to_string())),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let world = World {
        app,
        victim: victim_token,
        intruder: intruder_tokens,
        reader: reader_token,
        analyst,
        collection,
        _dir: dir,
    };
    let status = post(
        &world,
        &world.victim,
        indicator("2026-11-03T00:00:00.000Z", TLP_GREEN, "the victim's"),
    )
    .await;
    assert_eq!(status["success_count"], 1, "{status}");
    world
}

fn indicator(modified: &str, marking: &str, name: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": ID,
        "created": "2026-11-03T00:00:00.000Z", "modified": modified,
        "name": name, "pattern": "[domain-name:value = 'c2.example.net']", "pattern_type": "stix",
        "valid_from": "2026-11-03T00:00:00Z", "object_marking_refs": [marking]
    })
}

async fn post(world: &World, token: &str, object: Value) -> Value {
    let (status, body) = call(
        &world.app,
        Method::POST,
        &format!("/taxii2/kyoyu/collections/{}/objects/", world.collection),
        token,
        Some((TAXII, json!({"objects": [object]}).to_string())),
    )
    .await;
    assert!(
        status == StatusCode::ACCEPTED || status.is_client_error(),
        "{status}: {body}"
    );
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// What a reader receives of the object: (version, name) of every version, and of the latest.
async fn seen(world: &World, token: &str) -> (Vec<(String, String)>, Option<String>) {
    let base = format!(
        "/taxii2/kyoyu/collections/{}/objects/{ID}/",
        world.collection
    );
    let (_, body) = call(
        &world.app,
        Method::GET,
        &format!("{base}?match[version]=all"),
        token,
        None,
    )
    .await;
    let all: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let versions = all["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                o["modified"].as_str().unwrap_or_default().to_owned(),
                o["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let (_, body) = call(&world.app, Method::GET, &base, token, None).await;
    let latest: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    (
        versions,
        latest["objects"][0]["name"].as_str().map(str::to_owned),
    )
}

fn refused_with(status: &Value, words: &str) -> bool {
    status["success_count"] == 0
        && status["failures"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(words))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writer_cannot_take_over_supersede_hide_or_relabel_an_object() {
    let world = world().await;
    let before = seen(&world, &world.reader).await;
    assert_eq!(before.1.as_deref(), Some("the victim's"));
    let member = world
        .intruder
        .iter()
        .find(|(role, _)| *role == Role::Member)
        .expect("member")
        .1
        .clone();
    // A later version by another writer: refused, with why.
    let status = post(
        &world,
        &member,
        indicator("2026-11-04T00:00:00.000Z", TLP_GREEN, "forged"),
    )
    .await;
    assert!(
        refused_with(&status, "belongs to another producer"),
        "{status}"
    );
    // A version far in the future (it would stay latest for good): refused, for anyone.
    let status = post(
        &world,
        &member,
        indicator("9999-12-31T23:59:59.999Z", TLP_GREEN, "forever"),
    )
    .await;
    assert_eq!(status["success_count"], 0, "{status}");
    let status = post(
        &world,
        &world.victim,
        indicator("9999-12-31T23:59:59.999Z", TLP_GREEN, "forever"),
    )
    .await;
    assert!(refused_with(&status, "future"), "{status}");
    // A RED version to hide it from members: refused.
    let status = post(
        &world,
        &member,
        indicator("2026-11-05T00:00:00.000Z", TLP_RED, "hidden"),
    )
    .await;
    assert!(
        refused_with(&status, "belongs to another producer"),
        "{status}"
    );
    // The same version with other content, by its own producer: refused, not a silent success.
    let status = post(
        &world,
        &world.victim,
        indicator("2026-11-03T00:00:00.000Z", TLP_GREEN, "changed"),
    )
    .await;
    assert!(refused_with(&status, "other content"), "{status}");
    // The same object again (whatever the key order): a success without a second copy.
    let status = post(
        &world,
        &world.victim,
        indicator("2026-11-03T00:00:00.000Z", TLP_GREEN, "the victim's"),
    )
    .await;
    assert_eq!(status["success_count"], 1, "{status}");
    assert_eq!(
        seen(&world, &world.reader).await,
        before,
        "readers see exactly what they saw"
    );
    // The producer's own re-share is delivered; the owning hub may moderate.
    let status = post(
        &world,
        &world.victim,
        indicator("2026-11-06T00:00:00.000Z", TLP_GREEN, "re-shared"),
    )
    .await;
    assert_eq!(status["success_count"], 1, "{status}");
    assert_eq!(
        seen(&world, &world.reader).await.1.as_deref(),
        Some("re-shared")
    );
    let status = post(
        &world,
        &world.analyst,
        indicator("2026-11-07T00:00:00.000Z", TLP_GREEN, "moderated"),
    )
    .await;
    assert_eq!(status["success_count"], 1, "{status}");
    // The hub's moderation is in its own trail: which object, which version, whose.
    let (_, audit) = call(
        &world.app,
        Method::GET,
        "/api/audit?limit=1000",
        &world.analyst,
        None,
    )
    .await;
    let entries: Vec<Value> = serde_json::from_str(&audit).expect("json");
    assert!(
        entries
            .iter()
            .any(|entry| entry["action"]["action"] == "object_moderated"
                && entry["action"]["object"] == ID
                && entry["action"]["version"] == "2026-11-07T00:00:00.000Z"),
        "{audit}"
    );
}

/// The "second writer" column of the authorization matrix: every write route of the table, tried
/// by another member of the community in every role, leaves the victim's object as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_write_route_alters_another_tenants_object() {
    let world = world().await;
    let before = (
        seen(&world, &world.reader).await,
        seen(&world, &world.analyst).await,
    );
    let c = &world.collection;
    let forged =
        json!({"objects": [indicator("2026-11-09T00:00:00.000Z", TLP_RED, "forged")]}).to_string();
    let mut tried = 0;
    for spec in table()
        .into_iter()
        .filter(|spec| spec.method != Method::GET)
    {
        let path = spec
            .path
            .replace("{root}", "kyoyu")
            .replace("{collection}", c)
            .replace("{object}", ID)
            .replace("{id}", c)
            .replace("{org}", "victim-a")
            .replace("{vendor}", "victim-a");
        let body = if spec.path.contains("/objects/") {
            Some((TAXII, forged.clone()))
        } else {
            Some(("application/json", json!({"collection": c, "org": "victim-a", "title": "x", "kind": "A", "max_tlp": "red"}).to_string()))
        };
        for (role, token) in &world.intruder {
            let (status, answer) =
                call(&world.app, spec.method.clone(), &path, token, body.clone()).await;
            assert_ne!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{role:?} {} {path}: {answer}",
                spec.method
            );
            tried += 1;
        }
    }
    assert!(tried >= 5 * 10, "tried {tried}");
    let after = (
        seen(&world, &world.reader).await,
        seen(&world, &world.analyst).await,
    );
    assert_eq!(after, before, "another tenant's object changed");
}
