//! The authorization matrix: every route × every role × two victim tenants (plus a vendor, a hub
//! and two members). Nothing of tenant A — above all its context items and identity profile —
//! may reach anyone but A (and the vendor A consented to); a TLP:RED or AMBER+STRICT object may
//! reach only the owning hub and its submitter; every role gets exactly what `rest::allowed`
//! says on its own data; and no refused write changes anything.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::{TAXII, call};
use kyoyu_server::rest::{Action, allowed};
use kyoyu_server::routes::table;
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::{Value, json};

/// Strings that exist only in tenant A's incident (context item, profile).
const A_SECRETS: [&str; 3] = [
    "ALPHA-CONTEXT-7731",
    "Alpha Seimitsu 7731",
    "alpha7731.example",
];
/// Strings that exist only in B's incident.
const B_SECRETS: [&str; 2] = ["BRAVO-CONTEXT-4410", "Bravo Kogyo 4410"];
/// A string only in A's restricted (RED, AMBER+STRICT) objects.
const RESTRICTED: &str = "restricted-4f1c";

fn incident(id: &str, name: &str, domain: &str, context: &str) -> Value {
    json!({
        "incident": {"id": id, "title": "VPN intrusion", "jurisdictions": ["JP"], "sectors": ["manufacturing"]},
        "organization": {"names": [name], "domains": [domain]},
        "facts": {"personal_data": "none", "wrongful_act": true, "attacker_contained": false},
        "timeline": [{"event": "discovery", "at": "2026-11-02T09:30:00+09:00"}],
        "items": [
            {"id": "c2-1", "kind": "ioc", "type": "domain-name", "value": "update-check.example.net", "tlp": "amber"},
            {"id": "ttp-1", "kind": "ttp", "technique": "T1190", "text": "Exploitation of the VPN appliance"},
            {"id": "dmg-1", "kind": "damage", "text": context},
            {"id": "resp-1", "kind": "response_history", "text": format!("{context} response by {name}")}
        ],
        "communities": [{"id": "hub", "type": "hub", "max_tlp": "amber"}]
    })
}

fn stix_indicator(uuid_tail: &str, marking: Option<&str>, label: &str) -> Value {
    let mut object = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{uuid_tail}"),
        "created": "2026-11-03T00:00:00.000Z",
        "modified": "2026-11-03T00:00:00.000Z",
        "name": label,
        "pattern": "[domain-name:value = 'bad.example.net']",
        "pattern_type": "stix",
        "valid_from": "2026-11-03T00:00:00Z"
    });
    if let Some(marking) = marking {
        object["object_marking_refs"] = json!([marking]);
    }
    object
}

const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

struct World {
    app: Router,
    store: Arc<dyn Store>,
    /// (org, role) → token text.
    tokens: HashMap<(String, Role), String>,
    /// (org, role) → token id.
    token_ids: HashMap<(String, Role), String>,
    community: String,
    status_a: String,
    _dir: tempfile::TempDir,
}

const ORGS: [(&str, OrgKind); 6] = [
    ("victim-a", OrgKind::Victim),
    ("victim-b", OrgKind::Victim),
    ("vendor-v", OrgKind::Vendor),
    ("hub-h", OrgKind::Hub),
    ("member-m", OrgKind::Member),
    ("member-n", OrgKind::Member),
];

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store opens"));
    let mut tokens = HashMap::new();
    let mut token_ids = HashMap::new();
    for (name, kind) in ORGS {
        let org = store
            .system_create_org(&Actor::operator(), name, kind)
            .await
            .expect("org");
        for role in Role::ALL {
            let (text, id) = common::token(
                store.as_ref(),
                org.id,
                role,
                &format!("{name} {}", role.as_str()),
            )
            .await;
            tokens.insert((name.to_owned(), role), text);
            token_ids.insert((name.to_owned(), role), id);
        }
    }
    let app = app(store.clone(), Settings::default());
    let token = |org: &str, role: Role| tokens[&(org.to_owned(), role)].clone();
    // The two victims' incidents.
    for (org, id, name, domain, context) in [
        (
            "victim-a",
            "inc-a",
            A_SECRETS[1],
            A_SECRETS[2],
            A_SECRETS[0],
        ),
        (
            "victim-b",
            "inc-b",
            B_SECRETS[1],
            "bravo4410.example",
            B_SECRETS[0],
        ),
    ] {
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/incidents",
            &token(org, Role::Responder),
            Some((
                "application/json",
                incident(id, name, domain, context).to_string(),
            )),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // A lets the vendor act for it; B does not.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/consents",
        &token("victim-a", Role::Responder),
        Some((
            "application/json",
            json!({"vendor": "vendor-v"}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // The hub's community, with both victims and one member (member-n stays outside).
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/communities",
        &token("hub-h", Role::HubAnalyst),
        Some((
            "application/json",
            json!({"title": "Manufacturing early warning", "kind": "A", "max_tlp": "red"})
                .to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let community = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for member in ["victim-a", "victim-b", "member-m"] {
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/communities/{community}/members"),
            &token("hub-h", Role::HubAnalyst),
            Some(("application/json", json!({"org": member}).to_string())),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    // A submits a RED, an AMBER+STRICT, a GREEN and an unmarked indicator.
    let envelope = json!({"objects": [
        stix_indicator("000000000001", Some(TLP_RED), &format!("red {RESTRICTED}")),
        stix_indicator("000000000002", Some(TLP_AMBER_STRICT), &format!("amber strict {RESTRICTED}")),
        stix_indicator("000000000003", Some(TLP_GREEN), "green indicator"),
        stix_indicator("000000000004", None, "unmarked indicator"),
    ]});
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/taxii2/kyoyu/collections/{community}/objects/"),
        &token("victim-a", Role::Responder),
        Some((TAXII, envelope.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let status_body: Value = serde_json::from_str(&body).expect("status json");
    assert_eq!(status_body["success_count"], 4, "{body}");
    let status_a = status_body["id"].as_str().expect("status id").to_owned();
    World {
        app,
        store,
        tokens,
        token_ids,
        community,
        status_a,
        _dir: dir,
    }
}

/// A request of the walk: the route it exercises (method and the route table's path), the
/// concrete path and body. Its action comes from the route table.
struct Route {
    method: Method,
    /// The route table's path this request exercises.
    template: &'static str,
    path: String,
    body: Option<(&'static str, String)>,
    /// Whether it targets A's data (then only A, or the vendor for A, may succeed).
    targets_a: bool,
    /// Whether A itself (or its vendor, or the owning hub) doing it would change what later
    /// requests of the walk see: then only the others try it.
    changes_world: bool,
}

impl Route {
    fn action(&self) -> Action {
        table()
            .into_iter()
            .find(|spec| spec.method == self.method && spec.path == self.template)
            .unwrap_or_else(|| {
                panic!(
                    "{} {} is not in the route table",
                    self.method, self.template
                )
            })
            .action
    }
}

fn routes(world: &World, a_token_id: &str) -> Vec<Route> {
    let c = &world.community;
    let route = |method: Method, template: &'static str, path: String| Route {
        method,
        template,
        path,
        body: None,
        targets_a: false,
        changes_world: false,
    };
    let get = |template: &'static str, path: &str| route(Method::GET, template, path.to_owned());
    let json = |text: String| Some(("application/json", text));
    let item =
        json!({"id": "late-1", "kind": "damage", "text": "intruder's late write"}).to_string();
    let bundle =
        json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b1", "objects": [
            stix_indicator("0000000000b1", Some(TLP_GREEN), "imported indicator")
        ]})
        .to_string();
    let walker = json!({
        "incident": {"id": "inc-walk", "title": "walk", "jurisdictions": ["JP"]},
        "items": [{"id": "c2-9", "kind": "ioc", "type": "domain-name", "value": "walk.example.net", "tlp": "green"}]
    })
    .to_string();
    let objects = format!("/taxii2/kyoyu/collections/{c}/objects/");
    let red = format!("{objects}indicator--00000000-0000-4000-8000-000000000001/");
    vec![
        get("/api/whoami", "/api/whoami"),
        get("/api/incidents", "/api/incidents"),
        Route { targets_a: true, ..get("/api/incidents", "/api/incidents?for_org=victim-a") },
        Route { targets_a: true, ..get("/api/incidents/{id}", "/api/incidents/inc-a") },
        Route { targets_a: true, ..get("/api/incidents/{id}", "/api/incidents/inc-a?for_org=victim-a") },
        Route {
            targets_a: true,
            ..get("/api/incidents/{id}/assessment", "/api/incidents/inc-a/assessment?at=2026-11-06T12:00:00%2B09:00")
        },
        Route {
            targets_a: true,
            ..get(
                "/api/incidents/{id}/assessment",
                "/api/incidents/inc-a/assessment?for_org=victim-a&at=2026-11-06T12:00:00%2B09:00",
            )
        },
        Route {
            targets_a: true,
            ..get("/api/incidents/{id}/summary", "/api/incidents/inc-a/summary?at=2026-11-06T12:00:00%2B09:00")
        },
        Route { targets_a: true, ..get("/api/incidents/{id}/export", "/api/incidents/inc-a/export?community=hub") },
        Route {
            targets_a: true,
            ..get(
                "/api/incidents/{id}/export",
                "/api/incidents/inc-a/export?community=hub&format=misp&for_org=victim-a",
            )
        },
        get("/api/communities", "/api/communities"),
        get("/api/communities/{id}/members", &format!("/api/communities/{c}/members")),
        get("/api/audit", "/api/audit"),
        get("/taxii2/", "/taxii2/"),
        get("/taxii2/{root}/", "/taxii2/kyoyu/"),
        get("/taxii2/{root}/collections/", "/taxii2/kyoyu/collections/"),
        get("/taxii2/{root}/collections/{collection}/", &format!("/taxii2/kyoyu/collections/{c}/")),
        get("/taxii2/{root}/collections/{collection}/objects/", &objects),
        get("/taxii2/{root}/collections/{collection}/objects/", &format!("{objects}?match[version]=all")),
        get("/taxii2/{root}/collections/{collection}/manifest/", &format!("/taxii2/kyoyu/collections/{c}/manifest/")),
        get("/taxii2/{root}/collections/{collection}/objects/{object}/", &red),
        get(
            "/taxii2/{root}/collections/{collection}/objects/{object}/versions/",
            &format!("{objects}indicator--00000000-0000-4000-8000-000000000002/versions/"),
        ),
        Route { targets_a: true, ..get("/taxii2/{root}/status/{id}/", &format!("/taxii2/kyoyu/status/{}/", world.status_a)) },
        // Writes. Those aimed at A's data must fail for everyone but A (and its vendor).
        Route {
            body: json(walker),
            ..route(Method::POST, "/api/incidents", "/api/incidents".into())
        },
        Route {
            body: json(item.clone()),
            targets_a: true,
            ..route(Method::POST, "/api/incidents/{id}/items", "/api/incidents/inc-a/items".into())
        },
        Route {
            body: json(item.replace("late-1", "late-2")),
            targets_a: true,
            ..route(Method::POST, "/api/incidents/{id}/items", "/api/incidents/inc-a/items?for_org=victim-a".into())
        },
        Route {
            body: json(json!({"event": "containment", "at": "2026-11-04T10:00:00+09:00"}).to_string()),
            targets_a: true,
            ..route(Method::POST, "/api/incidents/{id}/timeline", "/api/incidents/inc-a/timeline".into())
        },
        Route {
            body: json(
                json!({"item": "c2-1", "channel": "share", "by": "walker", "at": "2026-11-04T10:00:00+09:00", "resolution": "reject"})
                    .to_string(),
            ),
            targets_a: true,
            changes_world: true,
            ..route(Method::POST, "/api/incidents/{id}/approvals", "/api/incidents/inc-a/approvals".into())
        },
        Route {
            body: json(bundle),
            targets_a: true,
            changes_world: true,
            ..route(Method::POST, "/api/incidents/{id}/import", "/api/incidents/inc-a/import".into())
        },
        Route {
            body: json(json!({"collection": c}).to_string()),
            targets_a: true,
            ..route(Method::POST, "/api/incidents/{id}/shares", "/api/incidents/inc-a/shares".into())
        },
        Route {
            body: json(json!({"title": "walk", "kind": "B", "max_tlp": "green"}).to_string()),
            ..route(Method::POST, "/api/communities", "/api/communities".into())
        },
        Route {
            body: json(json!({"org": "member-m"}).to_string()),
            ..route(Method::POST, "/api/communities/{id}/members", format!("/api/communities/{c}/members"))
        },
        Route {
            body: json(json!({"vendor": "no-such-vendor"}).to_string()),
            ..route(Method::POST, "/api/consents", "/api/consents".into())
        },
        Route {
            body: Some((TAXII, json!({"objects": [stix_indicator("000000000099", Some(TLP_GREEN), "walk indicator")]}).to_string())),
            ..route(Method::POST, "/taxii2/{root}/collections/{collection}/objects/", objects.clone())
        },
        Route {
            changes_world: true,
            ..route(Method::DELETE, "/api/consents/{vendor}", "/api/consents/vendor-v".into())
        },
        Route {
            targets_a: true,
            changes_world: true,
            ..route(Method::DELETE, "/api/tokens/{id}", format!("/api/tokens/{a_token_id}"))
        },
        Route {
            changes_world: true,
            ..route(Method::DELETE, "/api/communities/{id}/members/{org}", format!("/api/communities/{c}/members/victim-a"))
        },
        Route {
            changes_world: true,
            ..route(Method::DELETE, "/taxii2/{root}/collections/{collection}/objects/{object}/", red)
        },
    ]
}

/// Every route of the table is tried by the walk.
#[test]
fn the_walk_tries_every_route_of_the_table() {
    let world = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(world());
    let walked: Vec<(Method, &str)> = routes(&world, "t")
        .iter()
        .map(|route| (route.method.clone(), route.template))
        .collect();
    for spec in table() {
        if spec.action == Action::Public {
            continue;
        }
        assert!(
            walked.contains(&(spec.method.clone(), spec.path)),
            "the authorization walk does not try {} {}",
            spec.method,
            spec.path
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_tenant_sees_another_and_restricted_tlp_stays_with_its_audience() {
    let world = world().await;
    // The token whose revocation the walk tries: A's executive (A's responder keeps working).
    let a_exec_id = world.token_ids[&("victim-a".to_owned(), Role::Executive)].clone();
    let routes = routes(&world, &a_exec_id);
    let mut checked = 0;
    // Every principal except A itself; the vendor with A's consent may see A's data.
    for (org, _) in ORGS {
        for role in Role::ALL {
            let token = world.tokens[&(org.to_owned(), role)].clone();
            for route in &routes {
                // Destructive writes that A itself (or its consented vendor, or the hub owner)
                // may legitimately do would change the world for the rest of the walk.
                let entitled_to_a =
                    org == "victim-a" || (org == "vendor-v" && role == Role::Vendor);
                if route.changes_world && (entitled_to_a || org == "hub-h") {
                    continue;
                }
                let (status, body) = call(
                    &world.app,
                    route.method.clone(),
                    &route.path,
                    &token,
                    route.body.clone(),
                )
                .await;
                checked += 1;
                assert_ne!(
                    status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{org}/{role:?} {} {}: {body}",
                    route.method,
                    route.path
                );
                // 1. Tenant isolation: A's secrets only to A and the vendor A consented to.
                if !entitled_to_a {
                    for secret in A_SECRETS {
                        assert!(
                            !body.contains(secret),
                            "{org}/{role:?} saw A's `{secret}` at {} {}: {body}",
                            route.method,
                            route.path
                        );
                    }
                    if route.targets_a && route.method != Method::GET {
                        assert!(
                            status.is_client_error(),
                            "{org}/{role:?} wrote to A's data: {} {} → {status}",
                            route.method,
                            route.path
                        );
                    }
                }
                if org != "victim-b" {
                    for secret in B_SECRETS {
                        assert!(
                            !body.contains(secret),
                            "{org}/{role:?} saw B's `{secret}` at {}: {body}",
                            route.path
                        );
                    }
                }
                // 2. TLP: restricted objects only to the owning hub and the submitter.
                if org != "hub-h" && org != "victim-a" {
                    assert!(
                        !body.contains(RESTRICTED),
                        "{org}/{role:?} received a RED/AMBER+STRICT object at {}: {body}",
                        route.path
                    );
                }
                // 3. Roles: on its own data a role gets what the table says.
                if !allowed(route.action(), role) {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{org}/{role:?} {} {}: {body}",
                        route.method,
                        route.path
                    );
                }
                if (route.path.contains("/objects/") || route.path.contains("/manifest/"))
                    && role == Role::Executive
                {
                    assert!(
                        status.is_client_error(),
                        "executives read no collections: {} → {status}",
                        route.path
                    );
                }
            }
        }
    }
    assert!(checked > 800, "walked {checked} requests");

    // Members and the hub do get what they may: the GREEN object reaches member-m, the RED one
    // reaches the hub, and member-n (outside the community) gets nothing.
    let c = &world.community;
    let objects = format!("/taxii2/kyoyu/collections/{c}/objects/");
    let (status, body) = call(
        &world.app,
        Method::GET,
        &objects,
        &world.tokens[&("member-m".to_owned(), Role::Member)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("green indicator") && body.contains("unmarked indicator"),
        "{body}"
    );
    let (_, body) = call(
        &world.app,
        Method::GET,
        &objects,
        &world.tokens[&("hub-h".to_owned(), Role::HubAnalyst)],
        None,
    )
    .await;
    assert!(
        body.contains(RESTRICTED),
        "the owning hub receives RED: {body}"
    );
    let (status, _) = call(
        &world.app,
        Method::GET,
        &objects,
        &world.tokens[&("member-n".to_owned(), Role::Member)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Nothing of A changed: its incident has its four items, its executive token works.
    let a = world.tokens[&("victim-a".to_owned(), Role::Responder)].clone();
    let (status, body) = call(&world.app, Method::GET, "/api/incidents/inc-a", &a, None).await;
    assert_eq!(status, StatusCode::OK);
    let document: Value = serde_json::from_str(&body).expect("json");
    let items = document["items"].as_array().expect("items");
    // The consented vendor's append (late-1 or late-2) is the only change allowed.
    assert!(
        items
            .iter()
            .all(|i| ["c2-1", "ttp-1", "dmg-1", "resp-1", "late-1", "late-2"]
                .contains(&i["id"].as_str().unwrap_or_default())),
        "{body}"
    );
    let exec = world.tokens[&("victim-a".to_owned(), Role::Executive)].clone();
    let (status, _) = call(&world.app, Method::GET, "/api/whoami", &exec, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "A's token was not revoked by anyone else"
    );
    // And the audit chain holds.
    let entries = world.store.system_audit_log(0, 100_000).await.expect("log");
    kyoyu_store::verify_chain((0, kyoyu_store::audit::GENESIS.into()), &entries)
        .expect("chain verifies");
}
