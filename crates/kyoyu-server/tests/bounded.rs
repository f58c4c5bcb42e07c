//! A small body that asks for a lot: one million empty objects (3 MB) posted to a TAXII
//! collection and to the import endpoint. Both are refused with a 413 that names the limit,
//! the process does not grow by more than 50 MB doing it, and the data directory is unchanged.
//! The figures are printed (`--nocapture`); this is a test of the outcome, not a benchmark.
//! Alone in its file, so the process's memory is this test's.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::http::{Method, StatusCode};
use common::{TAXII, call};
use kyoyu_server::{Settings, app};
use kyoyu_store::{Actor, OrgKind, Role, Store};
use kyoyu_store_sqlite::SqliteStore;
use serde_json::json;

/// The process's peak resident memory so far, in KiB (Linux `VmHWM`).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("data dir")
        .filter_map(Result::ok)
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_empty_objects_are_refused_without_growing_the_process() {
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
    let settings = Settings::default();
    let limit = settings.max_objects;
    let app = app(store, settings);
    let collection = common::community(&app, &analyst, "A", "amber", &["victim"]).await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/incidents",
        &token,
        Some((
            "application/json",
            json!({"incident": {"id": "INC-1", "jurisdictions": ["JP"]}}).to_string(),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut hostile = String::with_capacity(3_000_020);
    hostile.push_str("{\"objects\":[");
    for index in 0..1_000_000 {
        if index > 0 {
            hostile.push(',');
        }
        hostile.push_str("{}");
    }
    hostile.push_str("]}");
    let size_before = dir_bytes(dir.path());
    for (path, content_type) in [
        (
            format!("/taxii2/kyoyu/collections/{collection}/objects/"),
            TAXII,
        ),
        ("/api/incidents/INC-1/import".to_owned(), "application/json"),
    ] {
        let peak_before = peak_kib();
        let started = Instant::now();
        let (status, answer) = call(
            &app,
            Method::POST,
            &path,
            &token,
            Some((content_type, hostile.clone())),
        )
        .await;
        let elapsed = started.elapsed();
        let growth_mib = peak_kib().saturating_sub(peak_before) as f64 / 1024.0;
        println!(
            "{path}: {status} in {:.1} ms, peak RSS growth {growth_mib:.1} MiB, answer {} bytes",
            elapsed.as_secs_f64() * 1000.0,
            answer.len()
        );
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {answer}");
        assert!(
            answer.contains(&limit.to_string()),
            "the answer names the limit: {answer}"
        );
        assert!(
            answer.len() < 4096,
            "a short answer: {} bytes",
            answer.len()
        );
        assert!(
            growth_mib < 50.0,
            "{path}: the process grew by {growth_mib:.1} MiB"
        );
    }
    assert_eq!(
        dir_bytes(dir.path()),
        size_before,
        "the data directory changed"
    );
}
