//! Who is asking: API tokens in `Authorization: Bearer …` or in HTTP Basic (any user name, the
//! token as password — what TAXII clients send), resolved to the organization and role.
//!
//! Key decision: argon2id verification is slow on purpose (tens of milliseconds, 19 MiB), so a
//! token is verified with argon2 once and then remembered under the SHA-256 of its text; after
//! `token_cache_seconds` a remembered token is re-checked by its id alone (revoked or not — one
//! indexed read, no argon2), so a token revoked by any means stops working within that time and
//! revoking through the API drops it at once. Argon2 runs on at most as many tasks as there are
//! cores, and a task that waited re-reads the memory first, so a burst of requests with a new (or
//! expired) token costs one verification, not one per request, and memory stays bounded however
//! many connections there are. The memory never holds a token text.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use kyoyu_core::usecase::Caller;
use kyoyu_store::token;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(pub Caller);

impl std::ops::Deref for Principal {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// Remembered verifications.
#[derive(Debug)]
pub struct TokenCache {
    entries: Mutex<HashMap<[u8; 32], Remembered>>,
    /// Bounds the argon2 verifications running at once.
    verifying: tokio::sync::Semaphore,
}

#[derive(Debug, Clone)]
struct Remembered {
    principal: Principal,
    /// When the token was last found valid in the store.
    checked: Instant,
}

impl Default for TokenCache {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            entries: Mutex::default(),
            verifying: tokio::sync::Semaphore::new(cores),
        }
    }
}

impl TokenCache {
    fn get(&self, key: &[u8; 32]) -> Option<Remembered> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: [u8; 32], principal: Principal) {
        if let Ok(mut entries) = self.entries.lock() {
            // Bounded: a flood of distinct valid tokens cannot grow it without limit.
            if entries.len() >= 10_000 {
                entries.clear();
            }
            entries.insert(
                key,
                Remembered {
                    principal,
                    checked: Instant::now(),
                },
            );
        }
    }

    fn drop_key(&self, key: &[u8; 32]) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Forgets every verification of a token (after it is revoked).
    pub fn forget(&self, token_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, remembered| remembered.principal.token != token_id);
        }
    }
}

/// The token text of a request's `Authorization` header.
pub(crate) fn token_text(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send an API token: `Authorization: Bearer <token>` or HTTP Basic with the token as password"))?
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not ASCII"))?;
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("the Authorization header has no scheme"))?;
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(rest.trim().to_owned())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .map_err(|_| ApiError::unauthorized("the Basic credentials are not base64"))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| ApiError::unauthorized("the Basic credentials are not UTF-8"))?;
        let (_user, password) = text
            .split_once(':')
            .ok_or_else(|| ApiError::unauthorized("the Basic credentials have no password"))?;
        Ok(password.to_owned())
    } else {
        Err(ApiError::unauthorized(format!(
            "unsupported authorization scheme `{scheme}`; use Bearer or Basic"
        )))
    }
}

/// Resolves a token text to its principal.
pub async fn authenticate(state: &AppState, text: &str) -> Result<Principal, ApiError> {
    let key: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let ttl = Duration::from_secs(state.settings.token_cache_seconds);
    if let Some(remembered) = state.tokens.get(&key) {
        if remembered.checked.elapsed() < ttl {
            return Ok(remembered.principal);
        }
        // Known and verified: only whether it still stands needs asking.
        return match state
            .store
            .system_token(&remembered.principal.token)
            .await?
        {
            Some(record) if record.revoked.is_none() => {
                state.tokens.put(key, remembered.principal.clone());
                Ok(remembered.principal)
            }
            _ => {
                state.tokens.drop_key(&key);
                Err(ApiError::unauthorized("the token was revoked"))
            }
        };
    }
    let refused = || ApiError::unauthorized("the token is not valid");
    let (id, secret) = token::split(text).ok_or_else(refused)?;
    let record = state.store.system_token(id).await?.ok_or_else(refused)?;
    if record.revoked.is_some() {
        return Err(ApiError::unauthorized("the token was revoked"));
    }
    let _permit = state
        .tokens
        .verifying
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    // Another request with the same token may have verified it while this one waited.
    if let Some(remembered) = state.tokens.get(&key)
        && remembered.checked.elapsed() < ttl
    {
        return Ok(remembered.principal);
    }
    let hash = record.hash.clone();
    let secret = secret.to_owned();
    // Argon2 is CPU work: off the async threads.
    let matches = tokio::task::spawn_blocking(move || token::verify(&secret, &hash))
        .await
        .map_err(ApiError::internal)?;
    if !matches {
        return Err(refused());
    }
    let org = state
        .store
        .system_org(record.org)
        .await?
        .ok_or_else(refused)?;
    let principal = Principal(Caller {
        org,
        role: record.role,
        token: record.id,
        request: None,
    });
    state.tokens.put(key, principal.clone());
    Ok(principal)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Under `/taxii2/` the middleware there relabels the error with the TAXII media type.
        let mut principal = match token_text(&parts.headers) {
            Ok(text) => authenticate(state, &text).await,
            Err(error) => Err(error),
        }?;
        // Requests per token and minute, across the processes (crate::ratelimit).
        if let Err(wait) = state.limiter.admit(
            &principal.token,
            state.settings.rate_limit_per_minute,
            chrono::Utc::now().timestamp(),
        ) {
            return Err(ApiError::too_many_requests(
                state.settings.rate_limit_per_minute,
                wait,
            ));
        }
        // A keyed write (crate::idempotency) claims its key with its first write.
        principal.0.request = parts.extensions.get::<kyoyu_store::RequestKey>().cloned();
        // The request's log span (opened in `observe`) names the tenant from here on.
        let span = tracing::Span::current();
        span.record("tenant", principal.org.id.0);
        span.record("token", principal.token.as_str());
        Ok(principal)
    }
}
