//! The REST API on a real store: an incident is created and grown, assessed, shared into a
//! community's collection through the egress gate (what a member then reads over TAXII holds no
//! context and no identifier of the victim), every released item is in the victim's audit
//! trail, and bad requests are refused whole with the error shape.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn call(
    app: &Router,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    common::call(
        app,
        method,
        path,
        token,
        body.map(|v| ("application/json", v.to_string())),
    )
    .await
}

async fn raw(app: &Router, token: &str, body: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/incidents")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn token(store: &dyn Store, org: kyoyu_store::OrgId, role: Role) -> String {
    common::token(store, org, role, "").await.0
}

fn incident() -> Value {
    json!({
        "incident": {"id": "INC-2026-014", "title": "VPN intrusion", "jurisdictions": ["JP"], "sectors": ["manufacturing"]},
        "organization": {"names": ["株式会社例示電機", "Example Denki"], "domains": ["example-denki.co.jp"]},
        "facts": {"personal_data": "none", "wrongful_act": true, "attacker_contained": false},
        "timeline": [{"event": "discovery", "at": "2026-11-02T09:30:00+09:00"}],
        "items": [
            {"id": "c2-1", "kind": "ioc", "type": "domain-name", "value": "update-check.example.net", "tlp": "amber"},
            {"id": "dmg-1", "kind": "damage", "text": "Customer names at Example Denki may have been read."}
        ],
        "communities": [{"id": "hub", "type": "hub", "max_tlp": "amber"}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_is_grown_assessed_shared_and_audited() {
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
    let member = store
        .system_create_org(&op, "member-co", OrgKind::Member)
        .await
        .expect("org");
    let responder = token(store.as_ref(), victim.id, Role::Responder).await;
    let executive = token(store.as_ref(), victim.id, Role::Executive).await;
    let analyst = token(store.as_ref(), hub.id, Role::HubAnalyst).await;
    let reader = token(store.as_ref(), member.id, Role::Member).await;
    let app = app(store.clone(), Settings::default());

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents",
        &responder,
        Some(incident()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The same id again: a conflict, nothing changes.
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/incidents",
        &responder,
        Some(incident()),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Grow it: a TTP item and the containment event.
    let ttp = json!({"id": "ttp-1", "kind": "ttp", "technique": "T1190", "text": "Exploitation of the VPN appliance"});
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents/INC-2026-014/items",
        &responder,
        Some(ttp.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json")["version"],
        2
    );
    // The same item id twice is refused by the incident file's own rules, and not stored.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents/INC-2026-014/items",
        &responder,
        Some(ttp),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("ttp-1"), "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents/INC-2026-014/timeline",
        &responder,
        Some(json!([{"event": "containment", "at": "2026-11-04T10:00:00+09:00"}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A sample by path is refused: the server takes no files.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents/INC-2026-014/items",
        &responder,
        Some(
            json!({"id": "sample-1", "kind": "ioc", "type": "file", "path": "samples/loader.bin"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // A hub's bundle imports as items (the broken object is named, the rest taken); the same
    // bundle again would duplicate item ids and is refused whole.
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
         "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
         "pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z"},
        {"type": "indicator", "spec_version": "2.1", "id": 5},
        {"type": "vulnerability", "spec_version": "2.1", "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
         "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": "CVE-2026-0001",
         "external_references": [{"source_name": "cve", "external_id": "CVE-2026-0001"}]}
    ]});
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents/INC-2026-014/import",
        &responder,
        Some(bundle.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let imported: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(imported["added"], 2, "{body}");
    assert!(
        imported["diagnostics"].to_string().contains("objects[1]"),
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents/INC-2026-014/import",
        &responder,
        Some(bundle),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/incidents/INC-2026-014",
        &responder,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let document: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        document["items"].as_array().map(Vec::len),
        Some(5),
        "{body}"
    );

    // The assessment is the contract's JSON; the executive reads the summary, not the items.
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/incidents/INC-2026-014/assessment?at=2026-11-06T12:00:00%2B09:00",
        &responder,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let assessment: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(assessment["incident"], "INC-2026-014");
    assert!(
        assessment["items"]
            .as_array()
            .is_some_and(|items| items.len() == 5)
    );
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/incidents/INC-2026-014/summary?lang=ja&at=2026-11-06T12:00:00%2B09:00",
        &executive,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("c2-1"), "{body}");
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/incidents/INC-2026-014",
        &executive,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The hub's community with the victim and a member.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/communities",
        &analyst,
        Some(json!({"title": "early warning", "kind": "A", "max_tlp": "amber"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let collection = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for org in ["example-denki", "member-co"] {
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/communities/{collection}/members"),
            &analyst,
            Some(json!({"org": org})),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    // Share: the gate lets the IoC and the TTP go, never the damage (context → hub, G7).
    let (status, body) = call(&app, Method::POST, "/api/incidents/INC-2026-014/shares", &responder,
        Some(json!({"community": "hub", "collection": collection, "at": "2026-11-06T12:00:00+09:00"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let shared: Value = serde_json::from_str(&body).expect("json");
    let released: Vec<&str> = shared["released"]
        .as_array()
        .expect("released")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        released.contains(&"c2-1") && released.contains(&"ttp-1"),
        "{body}"
    );
    assert!(
        !released.contains(&"dmg-1"),
        "context never goes to a hub: {body}"
    );

    // The member reads it over TAXII: indicators and attack patterns, under a pseudonym.
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/taxii2/kyoyu/collections/{collection}/objects/"),
        &reader,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("update-check.example.net") && body.contains("T1190"),
        "{body}"
    );
    for identifier in [
        "例示電機",
        "Example Denki",
        "example-denki",
        "Customer names",
        "INC-2026-014",
    ] {
        assert!(
            !body.contains(identifier),
            "`{identifier}` reached a member: {body}"
        );
    }

    // The victim's audit trail has one `released` entry per item, naming the community.
    let (status, body) = call(&app, Method::GET, "/api/audit?limit=1000", &responder, None).await;
    assert_eq!(status, StatusCode::OK);
    let entries: Vec<Value> = serde_json::from_str(&body).expect("json");
    let releases: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"]["action"] == "released")
        .collect();
    assert_eq!(releases.len(), released.len(), "{body}");
    assert!(
        releases
            .iter()
            .all(|e| e["action"]["community"] == "hub" && e["action"]["channel"] == "share")
    );
    // The hub's own trail holds its community and memberships, none of the victim's releases.
    let (_, body) = call(&app, Method::GET, "/api/audit?limit=1000", &analyst, None).await;
    assert!(
        body.contains("member_added") && !body.contains("released"),
        "{body}"
    );

    // The download is audited too, and holds the same nothing-of-the-victim.
    let (status, body) = call(&app, Method::GET, "/api/incidents/INC-2026-014/export?community=hub&format=misp&at=2026-11-06T12:00:00%2B09:00", &responder, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("update-check.example.net") && !body.contains("Example Denki"),
        "{body}"
    );
    let entries = store.system_audit_log(0, 10_000).await.expect("log");
    kyoyu_store::verify_chain((0, kyoyu_store::audit::GENESIS.into()), &entries).expect("chain");
    assert!(
        entries
            .iter()
            .filter(|e| e.action.contains("download:misp"))
            .count()
            >= 2
    );

    // Metrics count what happened.
    let (status, body) = call(&app, Method::GET, "/metrics", &reader, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("kyoyu_taxii_objects_delivered_total"),
        "{body}"
    );
}

#[tokio::test]
async fn bad_rest_requests_are_refused_whole_with_the_error_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let victim = store
        .system_create_org(&Actor::operator(), "v", OrgKind::Victim)
        .await
        .expect("org");
    let responder = token(store.as_ref(), victim.id, Role::Responder).await;
    let settings = Settings {
        max_body_bytes: 2048,
        ..Settings::default()
    };
    let app = app(store.clone(), settings);
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(4096));
    for (name, (status, body), want) in [
        (
            "malformed JSON",
            raw(&app, &responder, "{\"incident\": ").await,
            400,
        ),
        (
            "not an incident",
            raw(&app, &responder, "{\"incident\": {\"id\": 5}}").await,
            422,
        ),
        ("too large", raw(&app, &responder, &huge).await, 413),
    ] {
        assert_eq!(status.as_u16(), want, "{name}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{name}: {body}"));
        assert_eq!(error["http_status"], want.to_string(), "{name}");
    }
    let (status, body) = call(&app, Method::GET, "/api/incidents", &responder, None).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "[]"),
        "nothing was stored"
    );
    let (status, body) = call(&app, Method::GET, "/api/nothing", &responder, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(serde_json::from_str::<Value>(&body).is_ok(), "{body}");
}
