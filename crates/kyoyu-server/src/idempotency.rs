//! `Idempotency-Key` on POST (the IETF httpapi draft's header): a client that timed out retries
//! with the same key and gets the first request's answer instead of a second write.
//!
//! Key decision: the key is claimed by the request's first write, inside the transaction of the
//! change (see `kyoyu_store::RequestKey`), not by a separate reservation before the handler — so
//! a process that dies between the two leaves no claim without its change, nor a change without
//! its claim. This layer only looks the key up first (a saved response is replayed with
//! `Idempotent-Replayed: true`; the same key with another body is a 422; a claimed key whose
//! response is not saved yet is a 409 with `Retry-After`) and saves the response after a
//! success. Keys belong to the calling organization and live a day. A request without the header
//! is untouched; a GET's header is ignored.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kyoyu_store::{RequestKey, SavedResponse};
use sha2::{Digest, Sha256};

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// The longest key taken (the draft leaves it open; 255 fits every UUID or ULID scheme).
const MAX_KEY: usize = 255;

/// The largest response saved for replay; a larger one is answered but not saved (a retry then
/// gets the 409 that says the request was carried out).
const MAX_SAVED: usize = 1 << 20;

fn taxii_flavor(path: &str, error: ApiError) -> ApiError {
    if path.starts_with("/taxii2/") {
        error.taxii()
    } else {
        error
    }
}

/// The layer: see the module's documentation.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(value) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_owned();
    let key = match value.to_str() {
        Ok(text)
            if (1..=MAX_KEY).contains(&text.len())
                && text
                    .bytes()
                    .all(|byte| byte.is_ascii_graphic() || byte == b' ') =>
        {
            text.trim_matches('"').to_owned()
        }
        _ => {
            return taxii_flavor(
                &path,
                ApiError::bad_request(format!(
                    "header `Idempotency-Key`: 1–{MAX_KEY} visible ASCII characters / \
                     ヘッダー `Idempotency-Key` は1〜{MAX_KEY}文字の表示可能なASCII文字にしてください"
                )),
            )
            .into_response();
        }
    };
    // The key belongs to the caller's organization; a request that does not authenticate goes
    // on to the handler, which answers it as it answers any.
    let principal = match auth::token_text(request.headers()) {
        Ok(text) => auth::authenticate(&state, &text).await.ok(),
        Err(_) => None,
    };
    let Some(principal) = principal else {
        return next.run(request).await;
    };
    let org = principal.org.id;
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, state.settings.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return taxii_flavor(&path, ApiError::too_large(state.settings.max_body_bytes))
                .into_response();
        }
    };
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update([0]);
    hash.update(parts.uri.to_string());
    hash.update([0]);
    if let Some(media) = parts.headers.get(header::CONTENT_TYPE) {
        hash.update(media.as_bytes());
    }
    hash.update([0]);
    hash.update(&bytes);
    let fingerprint = format!("{:x}", hash.finalize());
    match state.store.keyed_request(org, &key).await {
        Err(error) => return taxii_flavor(&path, ApiError::from(error)).into_response(),
        Ok(Some(kept)) if kept.fingerprint != fingerprint => {
            return taxii_flavor(
                &path,
                ApiError::unprocessable(
                    "this Idempotency-Key was used for another request (another path or body); \
                     a new request takes a new key / この Idempotency-Key は別の要求に使われています。\
                     新しい要求には新しいキーを使ってください",
                ),
            )
            .into_response();
        }
        Ok(Some(kept)) => {
            return match kept.response {
                Some(saved) => replay(saved),
                None => taxii_flavor(&path, in_flight()).into_response(),
            };
        }
        Ok(None) => {}
    }
    let claim = RequestKey {
        key,
        fingerprint,
        request: uuid::Uuid::new_v4().to_string(),
    };
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(claim.clone());
    let response = next.run(request).await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Our own response to a POST (bounded by the request limits), not the client's input.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => return ApiError::internal(error).into_response(),
    };
    if bytes.len() > MAX_SAVED {
        tracing::warn!(
            bytes = bytes.len(),
            "a keyed response is larger than what is saved for replay"
        );
        return Response::from_parts(parts, Body::from(bytes));
    }
    let saved = SavedResponse {
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("application/json")
            .to_owned(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    if let Err(error) = state.store.save_response(org, &claim, &saved).await {
        // The change is stored and claimed; a retry learns that from the 409.
        tracing::warn!(%error, "the response of a keyed request could not be saved for replay");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// 409 while the request that claimed the key has no saved response: it is still running, or
/// its process ended before saving it. Either way it was (or will be) carried out once.
pub(crate) fn in_flight() -> ApiError {
    let mut error = ApiError::conflict(
        "a request with this Idempotency-Key was carried out or is still running; it is not \
         carried out twice. Retry to get its answer, or read the result (status, incident) \
         directly / この Idempotency-Key の要求は実行済みか実行中です。二重には実行しません。\
         再試行して結果を受け取るか、結果を直接参照してください",
    );
    error.retry_after = Some(1);
    error
}

fn replay(saved: SavedResponse) -> Response {
    let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::OK);
    let mut response = (status, saved.body).into_response();
    if let Ok(media) = HeaderValue::from_str(&saved.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, media);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
