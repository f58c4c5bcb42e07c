//! The one error type of the HTTP layer and its bodies.
//!
//! Key decision: every error, TAXII or REST, is the TAXII 2.1 error message (`title`,
//! `description`, `http_status`) — one shape for clients to read — sent with the TAXII media type
//! under `/taxii2/` and as `application/json` under `/api/`. The user's faults say what was wrong
//! and where; our faults are logged with their cause and answered with a generic message, so no
//! internals (SQL, paths) leak.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kyoyu_core::usecase::UseCaseError;
use kyoyu_store::StoreError;
use serde::Serialize;

/// The TAXII 2.1 media type.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// Which body an error goes out as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `application/taxii+json;version=2.1`.
    Taxii,
    /// `application/json`.
    Json,
}

/// Seconds a client waits before retrying a 503 (a database restart takes a few).
pub const RETRY_AFTER_SECONDS: &str = "5";

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// A short title.
    pub title: String,
    /// What was wrong and where.
    pub description: Option<String>,
    /// How it goes out.
    pub flavor: Flavor,
    /// Seconds for `Retry-After` (503 and 507 always carry [`RETRY_AFTER_SECONDS`]).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    http_status: String,
}

impl ApiError {
    fn new(status: StatusCode, title: &str, description: Option<String>) -> Self {
        Self {
            status,
            title: title.to_owned(),
            description,
            flavor: Flavor::Json,
            retry_after: None,
        }
    }

    /// 503: the store cannot be reached just now (a database restart, a lost connection); the
    /// client retries after `Retry-After` seconds. Nothing was written.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable",
            Some(
                "the database cannot be reached just now; nothing was written, retry later / \
                 データベースに接続できません。何も書き込まれていません。しばらくしてから再試行してください"
                    .into(),
            ),
        )
    }

    /// 503: the store refuses writes (a read-only database file or mount, a PostgreSQL server
    /// set read-only); reads still work. Nothing was written; the client retries after
    /// `Retry-After` seconds, and it succeeds once the operator gives write access back.
    pub fn read_only() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable: the database is read-only",
            Some(
                "the database is read-only, so nothing can be written now (reads still work); \
                 nothing was written, retry later / データベースが読み取り専用のため、現在は書き込めません\
                 （読み取りはできます）。何も書き込まれていません。しばらくしてから再試行してください"
                    .into(),
            ),
        )
    }

    /// 507: the store's disk is full; the transaction was rolled back, nothing was written.
    /// Sent with `Retry-After` like a 503: writes work again once the operator frees space.
    pub fn disk_full() -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "Insufficient storage: the database's disk is full",
            Some(
                "the database's disk is full; nothing was written, retry later / \
                 データベースのディスクが満杯です。何も書き込まれていません。しばらくしてから再試行してください"
                    .into(),
            ),
        )
    }

    /// 429: the token made its `limit` requests this minute; `Retry-After` says when the minute
    /// ends.
    pub fn too_many_requests(limit: u64, wait: u64) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            Some(format!(
                "this token made its {limit} requests of this minute; retry after {wait} s /                  このトークンは今の1分間の上限 {limit} 件に達しました。{wait} 秒後に再試行してください"
            )),
        );
        error.retry_after = Some(wait);
        error
    }

    /// 400: the request is malformed; `description` says what and where.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            Some(description.into()),
        )
    }

    /// 401: no or unusable credentials.
    pub fn unauthorized(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            Some(description.into()),
        )
    }

    /// 403: known, but this role may not do this.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", Some(description.into()))
    }

    /// 404: not there, or not the caller's (never confirms another tenant's record).
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", Some(what.into()))
    }

    /// 406: the `Accept` header asks for something the server does not speak.
    pub fn not_acceptable(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            Some(description.into()),
        )
    }

    /// 409: conflicts with the stored state.
    pub fn conflict(description: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", Some(description.into()))
    }

    /// 413: the body is larger than the server accepts.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large",
            Some(format!("the body must be at most {limit} bytes")),
        )
    }

    /// 413: more objects in one request than the server takes (`max_objects`).
    pub fn too_many_objects(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too many objects",
            Some(format!(
                "one request may hold at most {limit} objects (the `max_objects` setting); send them in several"
            )),
        )
    }

    /// 415: the `Content-Type` is not one the endpoint takes.
    pub fn unsupported_media_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            Some(description.into()),
        )
    }

    /// 422: well-formed, but not a valid document of its kind.
    pub fn unprocessable(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid content",
            Some(description.into()),
        )
    }

    /// 500: our fault; the cause goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            Some("the server failed; the cause is in its log".into()),
        )
    }

    /// The same error as a TAXII body.
    pub fn taxii(mut self) -> Self {
        self.flavor = Flavor::Taxii;
        self
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(what) => ApiError::conflict(format!("already exists: {what}")),
            StoreError::Stale(what) => ApiError::conflict(format!(
                "changed meanwhile, read it again and retry: {what}"
            )),
            StoreError::Forbidden(what) => ApiError::forbidden(what),
            StoreError::Invalid(what) => ApiError::bad_request(what),
            StoreError::KeyInUse(_) => crate::idempotency::in_flight(),
            StoreError::Unavailable(what) => {
                tracing::warn!(%what, "the store is unavailable; answering 503");
                ApiError::unavailable()
            }
            StoreError::ReadOnly(what) => {
                tracing::error!(%what, "the database is read-only; answering 503 / データベースが読み取り専用です");
                ApiError::read_only()
            }
            StoreError::DiskFull(what) => {
                tracing::error!(%what, "the database's disk is full; answering 507 / データベースのディスクが満杯です");
                ApiError::disk_full()
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<UseCaseError> for ApiError {
    fn from(error: UseCaseError) -> Self {
        match error {
            UseCaseError::Forbidden(what) => ApiError::forbidden(what),
            UseCaseError::NotFound(what) => ApiError::not_found(what),
            UseCaseError::BadRequest(what) => ApiError::bad_request(what),
            UseCaseError::Invalid(what) => ApiError::unprocessable(what),
            UseCaseError::InvalidFile(error) => ApiError::unprocessable(error.to_string()),
            UseCaseError::Conflict(what) => ApiError::conflict(what),
            UseCaseError::TooLarge(what) => {
                let mut error = ApiError::too_large(0);
                error.description = Some(what);
                error
            }
            UseCaseError::Store(error) => error.into(),
            UseCaseError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            title: &self.title,
            description: self.description.as_deref(),
            http_status: self.status.as_u16().to_string(),
        };
        let text = serde_json::to_vec(&body).unwrap_or_default();
        let media = match self.flavor {
            Flavor::Taxii => TAXII_MEDIA_TYPE,
            Flavor::Json => "application/json",
        };
        let mut response = (self.status, text).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        } else if matches!(
            self.status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::INSUFFICIENT_STORAGE
        ) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"kyoyu\", Bearer"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_that_cannot_write_now_is_a_503_or_507_with_retry_after() {
        let error: ApiError = StoreError::Unavailable("connection refused".into()).into();
        assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
        let response = error.taxii().into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some(RETRY_AFTER_SECONDS)
        );
        let read_only = ApiError::from(StoreError::ReadOnly("attempt to write".into()));
        assert_eq!(read_only.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(read_only.title.contains("read-only"), "{}", read_only.title);
        let full =
            ApiError::from(StoreError::DiskFull("database or disk is full".into())).into_response();
        assert_eq!(full.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(full.headers().contains_key(header::RETRY_AFTER));
        let other: ApiError = StoreError::Database("syntax".into()).into();
        assert_eq!(other.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
