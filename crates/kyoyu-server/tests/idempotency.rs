//! `Idempotency-Key` on POST (issue 8): a retry with the same key gets the first answer and
//! writes nothing; the same key with another body is refused; racing retries write once; keys
//! belong to their organization.

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

/// A POST with an `Idempotency-Key`; status, whether it was replayed, body.
async fn post(
    app: &Router,
    path: &str,
    token: &str,
    key: &str,
    media: &str,
    body: &Value,
) -> (StatusCode, bool, String) {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", media)
        .header("idempotency-key", key);
    if path.starts_with("/taxii2") {
        request = request.header("accept", common::TAXII);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).expect("request"))
        .await
        .expect("answer");
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        replayed,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn incident(id: &str) -> Value {
    json!({
        "incident": {"id": id, "title": "VPN intrusion", "jurisdictions": ["JP"]},
        "organization": {"names": ["Example Denki"]},
        "facts": {"personal_data": "none"},
        "items": []
    })
}

struct World {
    app: Router,
    store: Arc<dyn Store>,
    victim: kyoyu_store::OrgId,
    responder: String,
    other: String,
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
    let other = store
        .system_create_org(&op, "other", OrgKind::Victim)
        .await
        .expect("org");
    let responder = common::token(store.as_ref(), victim.id, Role::Responder, "")
        .await
        .0;
    let other = common::token(store.as_ref(), other.id, Role::Responder, "")
        .await
        .0;
    World {
        app: app(store.clone(), Settings::default()),
        store,
        victim: victim.id,
        responder,
        other,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_writes_nothing() {
    let w = world().await;
    let body = incident("INC-1");
    let first = post(
        &w.app,
        "/api/incidents",
        &w.responder,
        "k-1",
        "application/json",
        &body,
    )
    .await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.2);
    assert!(!first.1);
    let before = w
        .store
        .audit_entries(w.victim, 0, 1000)
        .await
        .expect("audit")
        .len();
    let again = post(
        &w.app,
        "/api/incidents",
        &w.responder,
        "k-1",
        "application/json",
        &body,
    )
    .await;
    assert_eq!((again.0, again.1), (StatusCode::CREATED, true));
    assert_eq!(again.2, first.2, "the same answer");
    let after = w
        .store
        .audit_entries(w.victim, 0, 1000)
        .await
        .expect("audit")
        .len();
    assert_eq!(before, after, "the replay wrote nothing");
    assert_eq!(w.store.incidents(w.victim).await.expect("list").len(), 1);

    // The same key with another request: the client's error, nothing written.
    let other = post(
        &w.app,
        "/api/incidents",
        &w.responder,
        "k-1",
        "application/json",
        &incident("INC-2"),
    )
    .await;
    assert_eq!(other.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.2);
    assert!(other.2.contains("Idempotency-Key"), "{}", other.2);
    assert_eq!(w.store.incidents(w.victim).await.expect("list").len(), 1);

    // Keys belong to their organization: another's same key is a request of its own.
    let theirs = post(
        &w.app,
        "/api/incidents",
        &w.other,
        "k-1",
        "application/json",
        &body,
    )
    .await;
    assert_eq!(
        (theirs.0, theirs.1),
        (StatusCode::CREATED, false),
        "{}",
        theirs.2
    );

    // A key out of form is a 400 that says what.
    let bad = post(
        &w.app,
        "/api/incidents",
        &w.responder,
        "",
        "application/json",
        &body,
    )
    .await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST, "{}", bad.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_retries_write_once() {
    let w = world().await;
    let body = incident("INC-9");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, body) = (w.app.clone(), w.responder.clone(), body.clone());
            tokio::spawn(async move {
                post(
                    &app,
                    "/api/incidents",
                    &token,
                    "race",
                    "application/json",
                    &body,
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        let (status, replayed, text) = task.await.expect("task");
        match status {
            StatusCode::CREATED if !replayed => created += 1,
            StatusCode::CREATED | StatusCode::CONFLICT => {}
            other => panic!("{other}: {text}"),
        }
    }
    assert_eq!(created, 1, "exactly one request carried out");
    assert_eq!(w.store.incidents(w.victim).await.expect("list").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taxii_post_retried_with_its_key_answers_the_same_status() {
    let w = world().await;
    let op = Actor::operator();
    let hub = w
        .store
        .system_create_org(&op, "hub", OrgKind::Hub)
        .await
        .expect("org");
    let analyst = common::token(w.store.as_ref(), hub.id, Role::HubAnalyst, "")
        .await
        .0;
    let collection = common::community(&w.app, &analyst, "A", "amber", &[]).await;
    let path = format!("/taxii2/kyoyu/collections/{collection}/objects/");
    let envelope = json!({"objects": [{
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-11-02T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix",
        "valid_from": "2026-11-02T00:00:00Z"
    }]});
    let first = post(&w.app, &path, &analyst, "t-1", common::TAXII, &envelope).await;
    assert_eq!(first.0, StatusCode::ACCEPTED, "{}", first.2);
    let again = post(&w.app, &path, &analyst, "t-1", common::TAXII, &envelope).await;
    assert_eq!((again.0, again.1), (StatusCode::ACCEPTED, true));
    let id = |text: &str| serde_json::from_str::<Value>(text).expect("json")["id"].clone();
    assert_eq!(id(&again.2), id(&first.2), "the same status resource");
}
