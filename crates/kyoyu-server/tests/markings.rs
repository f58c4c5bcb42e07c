//! Every marking decides what a reader receives: granular markings, marking definitions carrying
//! the TLP 2.0 extension, and markings nobody can interpret (counted as the strictest the
//! community honours, never as CLEAR); the official TLP definitions cannot be forged.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::{TAXII, call};
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::{Value, json};

const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

struct World {
    app: Router,
    writer: String,
    member: String,
    analyst: String,
    collection: String,
    _dir: tempfile::TempDir,
}

/// A hub community with ceiling `max_tlp`, a writing victim and a reading member.
async fn world(max_tlp: &str) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let op = Actor::operator();
    let mut tokens = Vec::new();
    for (name, kind, role) in [
        ("victim", OrgKind::Victim, Role::Responder),
        ("member", OrgKind::Member, Role::Member),
        ("hub", OrgKind::Hub, Role::HubAnalyst),
    ] {
        let org = store.system_create_org(&op, name, kind).await.expect("org");
        tokens.push(common::token(store.as_ref(), org.id, role, name).await.0);
    }
    let [writer, member, analyst] = <[String; 3]>::try_from(tokens).expect("tokens");
    let app = app(store, Settings::default());
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/communities",
        &analyst,
        Some((
            "application/json",
            json!({"title": "markings", "kind": "A", "max_tlp": max_tlp}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let collection = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for org in ["victim", "member"] {
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
    World {
        app,
        writer,
        member,
        analyst,
        collection,
        _dir: dir,
    }
}

fn indicator(tail: &str, label: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{tail}"),
        "created": "2026-11-03T00:00:00.000Z", "modified": "2026-11-03T00:00:00.000Z",
        "name": label, "description": format!("{label} description"),
        "pattern": "[domain-name:value = 'bad.example.net']", "pattern_type": "stix",
        "valid_from": "2026-11-03T00:00:00Z"
    })
}

async fn post(world: &World, objects: Vec<Value>) -> Value {
    let (status, body) = call(
        &world.app,
        Method::POST,
        &format!("/taxii2/kyoyu/collections/{}/objects/", world.collection),
        &world.writer,
        Some((TAXII, json!({"objects": objects}).to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    serde_json::from_str(&body).expect("status")
}

async fn read(world: &World, token: &str) -> String {
    let (status, body) = call(
        &world.app,
        Method::GET,
        &format!("/taxii2/kyoyu/collections/{}/objects/", world.collection),
        token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn failure_of<'a>(status: &'a Value, id: &str) -> Option<&'a str> {
    status["failures"]
        .as_array()?
        .iter()
        .find(|failure| failure["id"] == id)
        .and_then(|failure| failure["message"].as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granular_red_marking_keeps_the_object_from_members() {
    let world = world("red").await;
    let mut object = indicator("000000000001", "granular-red");
    object["object_marking_refs"] = json!([TLP_CLEAR]);
    object["granular_markings"] =
        json!([{"marking_ref": TLP_RED, "selectors": ["description", "pattern"]}]);
    let status = post(
        &world,
        vec![object, {
            let mut plain = indicator("000000000002", "plain-clear");
            plain["object_marking_refs"] = json!([TLP_CLEAR]);
            plain
        }],
    )
    .await;
    assert_eq!(status["success_count"], 2, "{status}");
    let member = read(&world, &world.member).await;
    assert!(
        !member.contains("granular-red"),
        "a RED property reached a member: {member}"
    );
    assert!(member.contains("plain-clear"), "{member}");
    assert!(
        read(&world, &world.analyst).await.contains("granular-red"),
        "the hub receives it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_marking_definition_with_the_tlp_extension_counts_for_its_envelope() {
    let world = world("red").await;
    let custom = "marking-definition--11111111-2222-4333-8444-555555555555";
    let definition = json!({
        "type": "marking-definition", "spec_version": "2.1", "id": custom,
        "created": "2026-11-01T00:00:00.000Z", "name": "our red",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "red"}}
    });
    let mut object = indicator("000000000003", "custom-red");
    object["object_marking_refs"] = json!([custom]);
    let status = post(&world, vec![definition, object]).await;
    // The definition itself does not enter the collection; the object is RED by it.
    assert!(failure_of(&status, custom).is_some(), "{status}");
    let member = read(&world, &world.member).await;
    assert!(!member.contains("custom-red"), "{member}");
    assert!(read(&world, &world.analyst).await.contains("custom-red"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marking_nobody_can_interpret_counts_as_the_strictest_the_community_honours() {
    let world = world("red").await;
    let mut object = indicator("000000000004", "unknown-marking");
    object["object_marking_refs"] =
        json!(["marking-definition--99999999-2222-4333-8444-555555555555"]);
    let status = post(&world, vec![object.clone()]).await;
    assert_eq!(status["success_count"], 1, "{status}");
    assert!(
        !read(&world, &world.member)
            .await
            .contains("unknown-marking")
    );
    // A CLEAR community cannot hold it at all.
    let clear = world_clear().await;
    let status = post(&clear, vec![object]).await;
    assert_eq!(status["failure_count"], 1, "{status}");
    assert!(
        !read(&clear, &clear.member)
            .await
            .contains("unknown-marking")
    );
}

async fn world_clear() -> World {
    world("clear").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_tlp_definitions_cannot_be_forged() {
    let world = world("red").await;
    let forged = json!({
        "type": "marking-definition", "spec_version": "2.1", "id": TLP_RED,
        "created": "2022-10-01T00:00:00.000Z", "name": "TLP:CLEAR",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "clear"}}
    });
    let status = post(&world, vec![forged]).await;
    let message =
        failure_of(&status, TLP_RED).unwrap_or_else(|| panic!("forgery accepted: {status}"));
    assert!(message.contains("built in"), "{message}");
    // The genuine definition is accepted as it always was.
    let genuine = json!({
        "type": "marking-definition", "spec_version": "2.1", "id": TLP_RED,
        "created": "2022-10-01T00:00:00.000Z", "name": "TLP:RED",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "red"}}
    });
    let status = post(&world, vec![genuine]).await;
    assert_eq!(status["success_count"], 1, "{status}");
}
