//! The use cases that read and write the store: incidents, assessment and summary, export,
//! shares into a collection, TAXII delivery and admission, communities, consent, tokens, audit.
//! The server's handlers parse a request, call one function here and render its result; the
//! CLI calls the same functions where it does the same thing. This is the place for the hub's
//! use cases (correlation, alerts, feedback) and for new outgoing documents.
//!
//! Key decisions:
//! - Every function takes the store as `&dyn Store` and the [`Caller`] (organization, role,
//!   token), checks the role from one table ([`access::allowed`]) before it reads anything, and
//!   resolves the tenant it acts for ([`access::acting_tenant`]: its own, or a victim's under a
//!   recorded consent, M10); the store checks the tenant on every call.
//! - Errors are [`UseCaseError`]: what the caller did wrong (forbidden, not found, invalid,
//!   conflict) apart from what failed on our side; the server maps each kind to one status.
//! - CPU work (scanner, rules) runs on the blocking pool, so an async caller never stalls.

pub mod access;
pub mod assessment;
pub mod collections;
pub mod communities;
pub mod incidents;
pub mod shares;

use kyoyu_store::{Actor, Org, Role, StoreError};

pub use access::{Action, allowed};

/// Who calls: an authenticated token of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Its organization.
    pub org: Org,
    /// Its role.
    pub role: Role,
    /// The token's id.
    pub token: String,
    /// The request's idempotency key, if it carried one (claimed by its first write).
    pub request: Option<kyoyu_store::RequestKey>,
}

impl Caller {
    /// The caller as the audit log names it.
    pub fn actor(&self) -> Actor {
        Actor {
            org: Some(self.org.id),
            // The acting organization by name too: a vendor acting for a victim is recorded under
            // the victim's tenant, and the trail must still say who it was (M10, M11).
            who: format!("{} (token {})", self.org.name, self.token),
            request: self.request.clone(),
        }
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
    /// The caller's role or standing does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// No such record for this caller (or another tenant's: the two are not told apart).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed (a parameter out of its form).
    #[error("{0}")]
    BadRequest(String),
    /// The request is well formed but cannot be done as it stands (invalid content).
    #[error("{0}")]
    Invalid(String),
    /// The incident file sent is not valid: the parser's error, in both languages, so the
    /// server answers in the caller's.
    #[error("{0}")]
    InvalidFile(Box<kyoyu_incident::FileError>),
    /// The request is larger than this server takes (objects, not bytes).
    #[error("{0}")]
    TooLarge(String),
    /// It conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug or a broken invariant on our side.
    #[error("{0}")]
    Internal(String),
}

/// Shorthand.
pub type UseCaseResult<T> = Result<T, UseCaseError>;

/// Runs CPU work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> UseCaseResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| UseCaseError::Internal(format!("a worker failed: {error}")))
}
