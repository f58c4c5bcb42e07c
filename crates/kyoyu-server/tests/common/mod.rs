//! What the server tests share: one request through the router, a stored token, a community.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use kyoyu_store::{Actor, OrgId, Role, Store, TokenRecord};
use tower::ServiceExt;

/// The TAXII 2.1 media type.
pub const TAXII: &str = "application/taxii+json;version=2.1";

/// One request with a bearer token (and the TAXII `Accept` under `/taxii2/`); status and body.
pub async fn call(
    app: &Router,
    method: Method,
    path: &str,
    token: &str,
    body: Option<(&str, String)>,
) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some((content_type, text)) => {
            request = request.header("content-type", content_type);
            Body::from(text)
        }
        None => Body::empty(),
    };
    if path.starts_with("/taxii2") {
        request = request.header("accept", TAXII);
    }
    let response = app
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Issues a token for `org` with `role` and stores it; (token text, token id).
pub async fn token(store: &dyn Store, org: OrgId, role: Role, label: &str) -> (String, String) {
    let issued = kyoyu_store::token::issue().expect("token");
    store
        .system_create_token(
            &Actor::operator(),
            &TokenRecord {
                id: issued.id.clone(),
                org,
                role,
                label: label.to_owned(),
                hash: issued.hash.clone(),
                created: chrono::Utc::now(),
                revoked: None,
            },
        )
        .await
        .expect("token stored");
    (issued.secret.expose().to_owned(), issued.id)
}

/// A community the hub analyst `analyst` creates (kind `A` or `B`, ceiling `max_tlp`), with
/// `members` added by name; its id (the TAXII collection id).
pub async fn community(
    app: &Router,
    analyst: &str,
    kind: &str,
    max_tlp: &str,
    members: &[&str],
) -> String {
    let body = serde_json::json!({"title": "community", "kind": kind, "max_tlp": max_tlp});
    let (status, answer) = call(
        app,
        Method::POST,
        "/api/communities",
        analyst,
        Some(("application/json", body.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let created: serde_json::Value = serde_json::from_str(&answer).expect("a community");
    let id = created["id"].as_str().expect("its id").to_owned();
    for member in members {
        let (status, answer) = call(
            app,
            Method::POST,
            &format!("/api/communities/{id}/members"),
            analyst,
            Some((
                "application/json",
                serde_json::json!({"org": member}).to_string(),
            )),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    }
    id
}
