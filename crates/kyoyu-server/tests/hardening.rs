//! Requests a hostile or careless client sends: extreme instants, a forged `Host`, an envelope
//! that is not an object, paging tokens the server never issued. Each is refused with a clear
//! 400 naming what is wrong, and nothing is written.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TAXII, call};
use http_body_util::BodyExt;
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

struct World {
    app: Router,
    victim: String,
    collection: String,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let op = Actor::operator();
    let victim = store
        .system_create_org(&op, "victim", OrgKind::Victim)
        .await
        .expect("org");
    let hub = store
        .system_create_org(&op, "hub", OrgKind::Hub)
        .await
        .expect("org");
    let victim_token = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let analyst = common::token(store.as_ref(), hub.id, Role::HubAnalyst, "")
        .await
        .0;
    let settings = Settings {
        public_url: "https://taxii.example.org".into(),
        ..Settings::default()
    };
    let app = app(store, settings);
    let collection = common::community(&app, &analyst, "A", "amber", &["victim"]).await;
    let incident = json!({
        "incident": {"id": "INC-1", "jurisdictions": ["JP"]},
        "communities": [{"id": "hub", "type": "hub", "max_tlp": "amber"}],
        "items": [{"id": "c2", "kind": "ioc", "type": "domain-name", "value": "c2.example.net", "tlp": "green"}]
    });
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents",
        &victim_token,
        Some(("application/json", incident.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    World {
        app,
        victim: victim_token,
        collection,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instant_outside_the_sane_range_is_a_400_naming_at() {
    let world = world().await;
    for at in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let encoded = at.replace(':', "%3A");
        for (method, path, body) in [
            (
                Method::GET,
                format!("/api/incidents/INC-1/export?community=hub&at={encoded}"),
                None,
            ),
            (
                Method::GET,
                format!("/api/incidents/INC-1/assessment?at={encoded}"),
                None,
            ),
            (
                Method::POST,
                "/api/incidents/INC-1/shares".to_owned(),
                Some((
                    "application/json",
                    json!({"collection": world.collection, "at": at}).to_string(),
                )),
            ),
        ] {
            let (status, answer) =
                call(&world.app, method.clone(), &path, &world.victim, body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {answer}");
            assert!(answer.contains("`at`"), "{answer}");
        }
    }
    // Nothing was released: the audit trail holds no `released` entry.
    let (_, audit) = call(
        &world.app,
        Method::GET,
        "/api/audit?limit=1000",
        &world.victim,
        None,
    )
    .await;
    assert!(!audit.contains("\"released\""), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_names_the_configured_url_never_the_host_header() {
    let world = world().await;
    let request = Request::builder()
        .uri("/taxii2/")
        .header("authorization", format!("Bearer {}", world.victim))
        .header("accept", TAXII)
        .header("host", "evil.example.net")
        .body(Body::empty())
        .expect("request");
    let response = world.app.clone().oneshot(request).await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains("evil.example.net"), "{text}");
    let discovery: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        discovery["api_roots"][0], "https://taxii.example.org/taxii2/kyoyu/",
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_envelope_must_be_an_object_and_next_a_token_the_server_gave() {
    let world = world().await;
    let objects = format!("/taxii2/kyoyu/collections/{}/objects/", world.collection);
    let indicator = json!({
        "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000001",
        "created": "2026-11-03T00:00:00.000Z", "modified": "2026-11-03T00:00:00.000Z",
        "pattern": "[domain-name:value = 'a.example.net']", "pattern_type": "stix", "valid_from": "2026-11-03T00:00:00Z"
    });
    let (status, body) = call(
        &world.app,
        Method::POST,
        &objects,
        &world.victim,
        Some((TAXII, json!([[indicator]]).to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("JSON object"), "{body}");
    let (_, manifest) = call(
        &world.app,
        Method::GET,
        &format!("/taxii2/kyoyu/collections/{}/manifest/", world.collection),
        &world.victim,
        None,
    )
    .await;
    assert!(
        !manifest.contains("indicator--"),
        "nothing was stored: {manifest}"
    );
    for next in ["+5", "05", "A", "-1", "5 "] {
        let (status, body) = call(
            &world.app,
            Method::GET,
            &format!(
                "{objects}?next={}",
                next.replace('+', "%2B").replace(' ', "%20")
            ),
            &world.victim,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "next={next}: {body}");
        assert!(body.contains("`next`"), "{body}");
    }
    let (status, body) = call(
        &world.app,
        Method::GET,
        &format!("{objects}?next=5"),
        &world.victim,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_lists_the_first_failures_and_counts_them_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let op = Actor::operator();
    let victim = store
        .system_create_org(&op, "victim", OrgKind::Victim)
        .await
        .expect("org");
    let hub = store
        .system_create_org(&op, "hub", OrgKind::Hub)
        .await
        .expect("org");
    let token = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let analyst = common::token(store.as_ref(), hub.id, Role::HubAnalyst, "")
        .await
        .0;
    let app = app(store, Settings::default());
    let collection = common::community(&app, &analyst, "A", "amber", &["victim"]).await;
    let envelope = json!({"objects": vec![json!({}); 5_000]}).to_string();
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/taxii2/kyoyu/collections/{collection}/objects/"),
        &token,
        Some((TAXII, envelope)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("status");
    assert_eq!(answer["failure_count"], 5_000);
    assert_eq!(
        answer["failures"].as_array().map(Vec::len),
        Some(kyoyu_server::taxii::LISTED_FAILURES)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_ids_are_identifiers() {
    let world = world().await;
    for id in ["..", ".", "a\u{0}b", "a/b", "a b", &"x".repeat(100_000)] {
        let incident = json!({"incident": {"id": id, "jurisdictions": ["JP"]}});
        let (status, body) = call(
            &world.app,
            Method::POST,
            "/api/incidents",
            &world.victim,
            Some(("application/json", incident.to_string())),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{:?}: {body}",
            id.chars().take(8).collect::<String>()
        );
        assert!(body.contains("incident.id"), "{body}");
        assert!(body.len() < 1024, "a short answer: {} bytes", body.len());
    }
    let (_, list) = call(
        &world.app,
        Method::GET,
        "/api/incidents",
        &world.victim,
        None,
    )
    .await;
    let list: Value = serde_json::from_str(&list).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "only INC-1: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executive_summary_carries_no_item_value_or_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let victim = store
        .system_create_org(&Actor::operator(), "victim", OrgKind::Victim)
        .await
        .expect("org");
    let responder = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let executive = common::token(store.as_ref(), victim.id, Role::Executive, "")
        .await
        .0;
    let app = app(store, Settings::default());
    let incident = json!({
        "incident": {"id": "INC-9", "title": "VPN intrusion", "jurisdictions": ["JP"]},
        "organization": {"names": ["Example Denki"]},
        "facts": {"personal_data": "none", "wrongful_act": true},
        "timeline": [{"event": "discovery", "at": "2026-11-02T09:30:00+09:00"}],
        "communities": [{"id": "hub", "type": "hub", "max_tlp": "red"}],
        "items": [
            {"id": "c2-red", "kind": "ioc", "type": "domain-name", "value": "red-secret.example.net", "tlp": "red", "text": "RED-TEXT-1"},
            {"id": "dmg-1", "kind": "damage", "text": "DAMAGE-TEXT-2 at Example Denki"}
        ]
    });
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents",
        &responder,
        Some(("application/json", incident.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for lang in ["en", "ja"] {
        let (status, summary) = call(
            &app,
            Method::GET,
            &format!("/api/incidents/INC-9/summary?lang={lang}&at=2026-11-06T12:00:00%2B09:00"),
            &executive,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        for secret in [
            "red-secret.example.net",
            "RED-TEXT-1",
            "DAMAGE-TEXT-2",
            "Example Denki",
        ] {
            assert!(
                !summary.contains(secret),
                "`{secret}` in the executive summary: {summary}"
            );
        }
        assert!(
            summary.contains("c2-red"),
            "decisions name items by id: {summary}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_records_only_what_left_in_the_form_it_left() {
    let world = world().await;
    // An ISAC may receive context under its terms once approved, but no share format can carry
    // it: it never leaves, so it is never recorded as released.
    let incident = json!({
        "incident": {"id": "INC-2", "jurisdictions": ["JP"]},
        "facts": {"personal_data": "none", "wrongful_act": true, "attacker_contained": true},
        "timeline": [{"event": "discovery", "at": "2026-11-02T09:30:00+09:00"}],
        "communities": [{"id": "isac", "type": "isac", "max_tlp": "amber"}],
        "items": [
            {"id": "c2", "kind": "ioc", "type": "domain-name", "value": "c2.example.net", "tlp": "green"},
            {"id": "dmg", "kind": "damage", "text": "servers encrypted", "tlp": "green"}
        ],
        "approvals": [
            {"item": "dmg", "channel": "share", "by": "ciso", "at": "2026-11-05T09:00:00+09:00", "resolution": "approve"}
        ]
    });
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
        Method::GET,
        "/api/incidents/INC-2/export?community=isac&at=2026-11-06T12:00:00%2B09:00",
        &world.victim,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, audit) = call(
        &world.app,
        Method::GET,
        "/api/audit?limit=1000",
        &world.victim,
        None,
    )
    .await;
    let entries: Vec<Value> = serde_json::from_str(&audit).expect("json");
    let released: Vec<&str> = entries
        .iter()
        .filter(|entry| entry["action"]["action"] == "released")
        .filter_map(|entry| entry["action"]["item"].as_str())
        .collect();
    assert!(released.contains(&"c2"), "{audit}");
    assert!(
        !released.contains(&"dmg"),
        "context never left, yet recorded: {audit}"
    );
}

/// A token that makes more requests in a minute than `rate_limit_per_minute` gets 429 with
/// `Retry-After` (the seconds left in the minute) and a message in both languages; another
/// token is not held back by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_past_its_requests_per_minute_gets_429_with_retry_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let victim = store
        .system_create_org(&Actor::operator(), "victim", OrgKind::Victim)
        .await
        .expect("org");
    let busy = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let calm = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let settings = Settings {
        rate_limit_per_minute: 3,
        ..Settings::default()
    };
    let app = app(store, settings);
    let whoami = async |token: &str| {
        let request = Request::builder()
            .uri("/api/whoami")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let retry = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, retry, String::from_utf8_lossy(&body).into_owned())
    };
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(whoami(&busy).await);
    }
    // The minute may turn over between two requests: then the count starts again.
    let refused: Vec<_> = statuses
        .iter()
        .filter(|(status, ..)| *status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(refused.len() <= 1, "{statuses:?}");
    if let Some((_, retry, body)) = refused.first() {
        assert!(matches!(retry, Some(1..=60)), "{retry:?}");
        assert!(body.contains("429") && body.contains("再試行"), "{body}");
    } else {
        assert_eq!(whoami(&busy).await.0, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(whoami(&calm).await.0, StatusCode::OK, "another token");
}
