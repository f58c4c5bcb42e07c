//! kyoyu-server: the only crate that knows HTTP. TAXII 2.1 under `/taxii2/`, the REST API under
//! `/api/` with its OpenAPI at `/api/openapi.json` and `/healthz`, over an `Arc<dyn Store>`;
//! `/metrics` on a second, operator-only listener.
//!
//! Key decision: [`serve`] takes the settings, a bound listener and a shutdown future (the
//! mini-redis shape), so tests bind `127.0.0.1:0`, run the real server in-process or as the real
//! binary, and stop it gracefully; nothing here picks a port, opens a database or reads the
//! environment.

pub mod auth;
pub mod error;
pub mod idempotency;
pub mod metrics;
pub mod ratelimit;
pub mod rest;
pub mod routes;
pub mod settings;
pub mod state;
pub mod taxii;
pub mod worker;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use kyoyu_core::egress::PseudonymKey;
use kyoyu_store::Store;
use tokio::net::TcpListener;

pub use settings::Settings;
pub use state::AppState;

use crate::error::{ApiError, TAXII_MEDIA_TYPE};

/// The whole application as a router, with a new random pseudonym key (tests may drive it
/// without a socket; a server keeps its key, see [`app_with_key`]).
pub fn app(store: Arc<dyn Store>, settings: Settings) -> Router {
    let key =
        PseudonymKey::generate().unwrap_or_else(|_| PseudonymKey::from_bytes(rand_fallback()));
    app_with_key(store, settings, key)
}

/// Randomness when the system has none to give: never reached on the platforms kyoyu runs on;
/// the address of a stack value and the time are better than a fixed key.
fn rand_fallback() -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let marker = 0u8;
    let seed = format!("{:p}{:?}", &marker, std::time::SystemTime::now());
    Sha256::digest(seed.as_bytes()).into()
}

/// The whole application with the installation's pseudonym key.
pub fn app_with_key(store: Arc<dyn Store>, settings: Settings, key: PseudonymKey) -> Router {
    apps_with_key(store, settings, key).api
}

/// The two routers of one server, over one state: what the API listener serves, and what the
/// operator's metrics listener serves (the counters the first one keeps).
pub struct Apps {
    /// TAXII 2.1, the REST API, `/healthz`.
    pub api: Router,
    /// `/metrics`.
    pub metrics: Router,
    /// The process's request counts, for the task that exchanges them with the store.
    pub limiter: Arc<ratelimit::RateLimiter>,
}

/// Both routers, with a fresh pseudonym key (tests).
pub fn apps(store: Arc<dyn Store>, settings: Settings) -> Apps {
    let key =
        PseudonymKey::generate().unwrap_or_else(|_| PseudonymKey::from_bytes(rand_fallback()));
    apps_with_key(store, settings, key)
}

/// Both routers with the installation's pseudonym key.
pub fn apps_with_key(store: Arc<dyn Store>, settings: Settings, key: PseudonymKey) -> Apps {
    let state = AppState {
        store,
        settings: Arc::new(settings),
        tokens: Arc::default(),
        metrics: Arc::default(),
        key: Arc::new(key),
        limiter: Arc::default(),
    };
    let body_limit = state.settings.max_body_bytes;
    let api = routes::routes()
        .into_router()
        .fallback(not_found)
        .layer(middleware::from_fn(uniform_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state.clone());
    let limiter = state.limiter.clone();
    let metrics = routes::metrics_routes()
        .into_router()
        .fallback(not_found)
        .with_state(state);
    Apps {
        api,
        metrics,
        limiter,
    }
}

/// Runs the server on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
///
/// `metrics` is the operator's listener for `/metrics` (none: metrics are not served); it stops
/// with the API listener.
pub async fn serve(
    store: Arc<dyn Store>,
    settings: Settings,
    key: PseudonymKey,
    listener: TcpListener,
    metrics: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The single-machine default runs the job worker beside the API; it holds nothing the
    // store does not, so stopping it with the server loses nothing (its lease runs out).
    let worker = (settings.worker == "in_process").then(|| {
        let store = store.clone();
        let worker_settings = worker::WorkerSettings::for_process(&settings);
        tokio::spawn(worker::run(
            store,
            worker_settings,
            std::future::pending::<()>(),
        ))
    });
    let sync_every = Duration::from_millis(settings.rate_limit_sync_ms);
    let limited = settings.rate_limit_per_minute > 0;
    let apps = apps_with_key(store.clone(), settings, key);
    // Every process's request counts meet in the store (see `ratelimit`).
    let counting = limited.then(|| {
        let limiter = apps.limiter.clone();
        tokio::spawn(async move { limiter.run(store.as_ref(), sync_every).await })
    });
    let metrics = metrics.map(|listener| {
        let router = apps.metrics;
        tokio::spawn(async move { axum::serve(listener, router).await })
    });
    let served = axum::serve(listener, apps.api)
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(task) = metrics {
        task.abort();
    }
    if let Some(task) = worker {
        task.abort();
    }
    if let Some(task) = counting {
        task.abort();
    }
    served
}

pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    // Healthy means the store answers, not merely that the process runs.
    match state.store.system_org_by_name("").await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render();
    // The queue is the store's, shared by every process: its depth and oldest due job's age.
    match state.store.system_queue_stats(chrono::Utc::now()).await {
        Ok(stats) => text.push_str(&metrics::queue(&stats)),
        Err(error) => tracing::warn!(%error, "metrics: the queue's counts are unavailable"),
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// The request id a client may send (`X-Request-Id`): kept when it is 1–64 characters of
/// `[A-Za-z0-9._-]`, so a log line can be joined with the client's; else a fresh UUID. Anything
/// else a client sends there never reaches a log.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|text| {
            (1..=64).contains(&text.len())
                && text
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Counts and logs every request, inside a span that carries its request id and, once the token
/// is checked, its tenant (every log line of the request names both); the id is echoed in the
/// `X-Request-Id` response header.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use tracing::Instrument as _;
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let id = request_id(&request);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        %method,
        %path,
        tenant = tracing::field::Empty,
        token = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record(&path, status, elapsed);
    span.in_scope(|| {
        tracing::debug!(status, micros = elapsed.as_micros() as u64, "request");
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

async fn not_found(uri: axum::http::Uri) -> Response {
    let error = ApiError::not_found(format!("no endpoint `{}`", uri.path()));
    if uri.path().starts_with("/taxii2") {
        error.taxii().into_response()
    } else {
        error.into_response()
    }
}

/// Every error leaves in the one error shape: under `/taxii2/` with the TAXII media type, else
/// as JSON — also the ones the framework answers itself (wrong method, unreadable path, query or
/// body, body too large), whose plain text becomes the description.
async fn uniform_errors(request: Request, next: Next) -> Response {
    let taxii = request.uri().path().starts_with("/taxii2");
    let response = next.run(request).await;
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    if content_type.starts_with(b"application/taxii+json") {
        return response;
    }
    if content_type == b"application/json" {
        // Ours already; only the media type changes under TAXII.
        let mut response = response;
        if taxii {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(TAXII_MEDIA_TYPE),
            );
        }
        return response;
    }
    let (_, body) = response.into_parts();
    let text = to_bytes(Body::new(body), 64 * 1024)
        .await
        .unwrap_or_default();
    let description = String::from_utf8_lossy(&text).trim().to_owned();
    let mut error = match status {
        StatusCode::NOT_FOUND => ApiError::not_found("no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::bad_request("method not allowed here"),
        _ => ApiError::bad_request(description.clone()),
    };
    error.status = status;
    if !description.is_empty() {
        error.description = Some(description);
    }
    if taxii {
        error = error.taxii();
    }
    error.into_response()
}
