//! The state every handler shares: the store, the settings, the token cache, the metrics.
//!
//! Key decision: `Arc<dyn Store>` — the backend is picked once at start-up from the settings and
//! the handlers never know which one it is.

use std::sync::Arc;

use kyoyu_core::egress::PseudonymKey;
use kyoyu_store::Store;

use crate::auth::TokenCache;
use crate::metrics::Metrics;
use crate::settings::Settings;

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The storage backend.
    pub store: Arc<dyn Store>,
    /// The resolved settings.
    pub settings: Arc<Settings>,
    /// Remembered token verifications.
    pub tokens: Arc<TokenCache>,
    /// Request counters.
    pub metrics: Arc<Metrics>,
    /// The installation's secret that keys pseudonyms and derived ids.
    pub key: Arc<PseudonymKey>,
    /// Requests per token this process counted (shared through the store).
    pub limiter: Arc<crate::ratelimit::RateLimiter>,
}
