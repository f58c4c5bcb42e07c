//! Tokens: Bearer and HTTP Basic, refusals without a hint of which part was wrong, revocation
//! through the API at once and by any other means within `token_cache_seconds`.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use common::call;
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use tower::ServiceExt;

async fn with_header(app: &axum::Router, value: Option<&str>) -> (StatusCode, bool) {
    let mut request = Request::builder().method(Method::GET).uri("/api/whoami");
    if let Some(value) = value {
        request = request.header("authorization", value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    let challenge = response.headers().contains_key("www-authenticate");
    (response.status(), challenge)
}

#[tokio::test]
async fn bearer_and_basic_work_and_bad_credentials_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let org = store
        .system_create_org(&Actor::operator(), "m", OrgKind::Member)
        .await
        .expect("org");
    let (token, id) = common::token(store.as_ref(), org.id, Role::Member, "").await;
    let app = app(store, Settings::default());
    let basic = |user: &str, password: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    };
    assert_eq!(
        with_header(&app, Some(&format!("Bearer {token}"))).await.0,
        StatusCode::OK
    );
    assert_eq!(
        with_header(&app, Some(&basic("anyone", &token))).await.0,
        StatusCode::OK
    );
    let wrong_secret = format!("kyoyu_{id}_{}", "0".repeat(64));
    for value in [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer nonsense".to_owned()),
        Some(format!("Bearer {wrong_secret}")),
        Some(basic("m", "")),
        Some("Basic !!!".to_owned()),
        Some(format!("Digest {token}")),
    ] {
        let (status, challenge) = with_header(&app, value.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{value:?}");
        assert!(challenge, "{value:?}: a 401 says how to authenticate");
    }
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.expect("store"));
    let org = store
        .system_create_org(&Actor::operator(), "v", OrgKind::Victim)
        .await
        .expect("org");
    let (admin, _) = common::token(store.as_ref(), org.id, Role::Responder, "").await;
    let (other, other_id) = common::token(store.as_ref(), org.id, Role::Member, "").await;
    let (third, third_id) = common::token(store.as_ref(), org.id, Role::Member, "").await;

    // Through the API: at once, whatever the cache time.
    let cached = app(store.clone(), Settings::default());
    assert_eq!(
        call(&cached, Method::GET, "/api/whoami", &other, None)
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = call(
        &cached,
        Method::DELETE,
        &format!("/api/tokens/{other_id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        call(&cached, Method::GET, "/api/whoami", &other, None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // By other means (the store directly, as another process would): after the cache time —
    // here zero, so at the next request.
    let fresh = app(
        store.clone(),
        Settings {
            token_cache_seconds: 0,
            ..Settings::default()
        },
    );
    assert_eq!(
        call(&fresh, Method::GET, "/api/whoami", &third, None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(&fresh, Method::GET, "/api/whoami", &third, None)
            .await
            .0,
        StatusCode::OK
    );
    store
        .revoke_token(org.id, &Actor::operator(), &third_id)
        .await
        .expect("revoked");
    assert_eq!(
        call(&fresh, Method::GET, "/api/whoami", &third, None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}
