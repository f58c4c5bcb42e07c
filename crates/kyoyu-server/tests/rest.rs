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
    let apps = kyoyu_server::apps(store.clone(), Settings::default());
    let (app, metrics) = (apps.api, apps.metrics);

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

    // Metrics count what happened, on the operator's listener only.
    let (status, body) = call(&metrics, Method::GET, "/metrics", &reader, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("kyoyu_taxii_objects_delivered_total"),
        "{body}"
    );
    let (status, _) = call(&app, Method::GET, "/metrics", &reader, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not on the API's address");
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

/// One request with any headers; status, response headers and body.
async fn send(
    app: &Router,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<impl Into<Body>>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(body.map(Into::into).unwrap_or_else(Body::empty))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Hiragana or katakana: Japanese text, whatever its wording (the incident below has no
/// Japanese of its own that a summary could quote).
fn has_kana(text: &str) -> bool {
    text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c))
}

#[tokio::test]
async fn the_language_is_lang_then_accept_language_then_english() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let victim = store
        .system_create_org(&Actor::operator(), "example-denki", OrgKind::Victim)
        .await
        .expect("org");
    let responder = token(store.as_ref(), victim.id, Role::Responder).await;
    let app = app(store.clone(), Settings::default());
    let mut document = incident();
    document["organization"]["names"] = json!(["Example Denki"]);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents",
        &responder,
        Some(document),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let bearer = format!("Bearer {responder}");
    let at = "at=2026-11-06T12:00:00%2B09:00";
    for endpoint in ["summary", "assessment"] {
        for (query, accept_language, japanese) in [
            ("", None, false),
            ("", Some("ja"), true),
            ("", Some("ja-JP,ja;q=0.9,en;q=0.8"), true),
            ("", Some("ja;q=0.1, en"), false),
            ("", Some("fr, de;q=0.5"), false),
            ("", Some("ja;q=nonsense"), false),
            ("&lang=en", Some("ja"), false),
            ("&lang=ja", Some("en"), true),
        ] {
            let mut headers = vec![("authorization", bearer.as_str())];
            if let Some(value) = accept_language {
                headers.push(("accept-language", value));
            }
            let path = format!("/api/incidents/INC-2026-014/{endpoint}?{at}{query}");
            let (status, answer, body) =
                send(&app, Method::GET, &path, &headers, None::<String>).await;
            let case = format!("{endpoint}{query} with {accept_language:?}");
            assert_eq!(status, StatusCode::OK, "{case}: {body}");
            assert_eq!(has_kana(&body), japanese, "{case}: {body}");
            assert_eq!(
                answer["content-language"],
                if japanese { "ja" } else { "en" },
                "{case}"
            );
            assert_eq!(answer["vary"], "accept-language", "{case}");
        }
    }
    // A `lang` the server does not speak is the caller's mistake, whatever the header says.
    let (status, _, body) = send(
        &app,
        Method::GET,
        &format!("/api/incidents/INC-2026-014/summary?{at}&lang=fr"),
        &[("authorization", &bearer), ("accept-language", "ja")],
        None::<String>,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("`lang`"), "{body}");
}

#[tokio::test]
async fn an_incident_is_created_from_the_toml_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let victim = store
        .system_create_org(&Actor::operator(), "sample-buhin", OrgKind::Victim)
        .await
        .expect("org");
    let responder = token(store.as_ref(), victim.id, Role::Responder).await;
    let app = app(store.clone(), Settings::default());
    let bearer = format!("Bearer {responder}");
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/small-company-ransomware.toml"),
    )
    .expect("the example is readable");

    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/incidents",
        &[
            ("authorization", &bearer),
            ("content-type", "application/toml"),
        ],
        Some(example.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(created["id"], "SMB-2026-007", "{body}");
    assert_eq!(created["items"], 6, "{body}");
    // Stored as the JSON form: the incident reads back as JSON and assesses.
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/incidents/SMB-2026-007",
        &responder,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let document: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(document["facts"]["persons_affected"], 350, "{body}");
    assert_eq!(
        document["timeline"][1]["at"], "2026-11-16T08:30:00+09:00",
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/incidents/SMB-2026-007/assessment?at=2026-11-17T12:00:00%2B09:00",
        &responder,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let assessment: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(assessment["incident"], "SMB-2026-007");

    // Native TOML date-times and the other TOML media types are read the same way.
    let native = "[incident]\nid = \"SMB-2026-008\"\njurisdictions = [\"JP\"]\n\n[[timeline]]\nevent = \"discovery\"\nat = 2026-11-16T08:30:00+09:00\n";
    for (content_type, text) in [
        ("text/x-toml", native.to_owned()),
        (
            "text/toml; charset=utf-8",
            native.replace("SMB-2026-008", "SMB-2026-009"),
        ),
    ] {
        let (status, _, body) = send(
            &app,
            Method::POST,
            "/api/incidents",
            &[("authorization", &bearer), ("content-type", content_type)],
            Some(text),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{content_type}: {body}");
    }

    // A syntax error is a 400 naming the line (the list opened on line 3 and never closed: the
    // parser notices at line 5, the message points back at the `[`); a wrong value a 422 naming
    // the field and its line.
    let broken = "[incident]\nid = \"SMB-2026-010\"\njurisdictions = [\"JP\"\n\n[facts]\nransomware = true\n";
    let wrong = "[incident]\nid = \"SMB-2026-011\"\n\n[facts]\nransomware = \"yes\"\n";
    let bad_id = "[incident]\nid = \"a/b\"\n";
    for (name, text, want, names) in [
        (
            "syntax",
            broken,
            400,
            "request body:3:17: incident.jurisdictions",
        ),
        ("value", wrong, 422, "request body:5:14: facts.ransomware"),
        ("id", bad_id, 400, "incident.id"),
    ] {
        let (status, _, body) = send(
            &app,
            Method::POST,
            "/api/incidents",
            &[
                ("authorization", &bearer),
                ("content-type", "application/toml"),
            ],
            Some(text.to_owned()),
        )
        .await;
        assert_eq!(status.as_u16(), want, "{name}: {body}");
        let error: Value = serde_json::from_str(&body).expect("the error shape");
        let description = error["description"].as_str().unwrap_or_default();
        assert!(description.contains(names), "{name}: {description}");
    }
    // Not UTF-8, and a type the endpoint does not read: refused with what it takes.
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/incidents",
        &[
            ("authorization", &bearer),
            ("content-type", "application/toml"),
        ],
        Some(b"[incident]\nid = \"\xff\"\n".to_vec()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("UTF-8"), "{body}");
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/incidents",
        &[
            ("authorization", &bearer),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(example),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(
        body.contains("application/toml") && body.contains("application/json"),
        "{body}"
    );
    // An error in the file is told in the caller's language, TOML or JSON alike.
    let misspelt = "[incident]\nid = \"SMB-2026-012\"\n\n[facts]\nransomeware = true\n";
    let misspelt_json =
        "{\"incident\": {\"id\": \"SMB-2026-013\"}, \"facts\": {\"ransomeware\": true}}";
    for (content_type, text) in [
        ("application/toml", misspelt),
        ("application/json", misspelt_json),
    ] {
        for (accept, words) in [
            ("ja", "もしかして `ransomware`？"),
            ("en", "did you mean `ransomware`?"),
        ] {
            let (status, _, body) = send(
                &app,
                Method::POST,
                "/api/incidents",
                &[
                    ("authorization", &bearer),
                    ("content-type", content_type),
                    ("accept-language", accept),
                ],
                Some(text.as_bytes().to_vec()),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(body.contains(words), "{content_type} {accept}: {body}");
        }
    }
    let (status, body) = call(&app, Method::GET, "/api/incidents", &responder, None).await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<Value> = serde_json::from_str(&body).expect("json");
    assert_eq!(
        listed.len(),
        3,
        "only the three valid bodies were stored: {body}"
    );
}

/// Every response carries `X-Request-Id`: the client's when it is well formed, else a new one.
#[tokio::test]
async fn responses_carry_the_request_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let app = kyoyu_server::app(store, kyoyu_server::Settings::default());
    for (sent, kept) in [
        (Some("client-7"), true),
        (Some("a b"), false),
        (Some(&"x".repeat(65)[..]), false),
        (None, false),
    ] {
        let mut headers = vec![];
        if let Some(id) = sent {
            headers.push(("x-request-id", id));
        }
        let (_, response_headers, _) =
            send(&app, Method::GET, "/healthz", &headers, None::<String>).await;
        let id = response_headers
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .expect("a request id")
            .to_owned();
        if kept {
            assert_eq!(Some(id.as_str()), sent);
        } else {
            assert_eq!(id.len(), 36, "a fresh UUID: {id}");
        }
    }
}
