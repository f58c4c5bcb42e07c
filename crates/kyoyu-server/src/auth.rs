//! Who is asking: API tokens in `Authorization: Bearer …` or in HTTP Basic (any user name, the
//! token as password — what TAXII clients send), resolved to the organization and role.
//!
//! Key decision: argon2id verification is slow on purpose (tens of milliseconds), so a token
//! verified once is remembered for `token_cache_seconds` under the SHA-256 of its text; revoking
//! through the API drops it from the memory at once, and a token revoked by other means stops
//! working within that time. The cache never holds a token text.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use kyoyu_store::{Actor, Org, Role, token};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Its organization.
    pub org: Org,
    /// Its role.
    pub role: Role,
    /// The token's id.
    pub token: String,
}

impl Principal {
    /// The caller as the audit log names it.
    pub fn actor(&self) -> Actor {
        Actor {
            org: Some(self.org.id),
            // The acting organization by name too: a vendor acting for a victim is recorded under
            // the victim's tenant, and the trail must still say who it was (M10, M11).
            who: format!("{} (token {})", self.org.name, self.token),
        }
    }
}

/// Remembered verifications.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

impl TokenCache {
    fn get(&self, key: &[u8; 32], ttl: Duration) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (principal, at) = entries.get(key)?;
        (at.elapsed() < ttl).then(|| principal.clone())
    }

    fn put(&self, key: [u8; 32], principal: Principal) {
        if let Ok(mut entries) = self.entries.lock() {
            // Bounded: a flood of distinct valid tokens cannot grow it without limit.
            if entries.len() >= 10_000 {
                entries.clear();
            }
            entries.insert(key, (principal, Instant::now()));
        }
    }

    /// Forgets every verification of a token (after it is revoked).
    pub fn forget(&self, token_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (principal, _)| principal.token != token_id);
        }
    }
}

/// The token text of a request's `Authorization` header.
fn token_text(headers: &HeaderMap) -> Result<String, ApiError> {
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
    if let Some(principal) = state.tokens.get(&key, ttl) {
        return Ok(principal);
    }
    let refused = || ApiError::unauthorized("the token is not valid");
    let (id, secret) = token::split(text).ok_or_else(refused)?;
    let record = state.store.system_token(id).await?.ok_or_else(refused)?;
    if record.revoked.is_some() {
        return Err(ApiError::unauthorized("the token was revoked"));
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
    let principal = Principal {
        org,
        role: record.role,
        token: record.id,
    };
    state.tokens.put(key, principal.clone());
    Ok(principal)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Under `/taxii2/` the middleware there relabels the error with the TAXII media type.
        match token_text(&parts.headers) {
            Ok(text) => authenticate(state, &text).await,
            Err(error) => Err(error),
        }
    }
}
