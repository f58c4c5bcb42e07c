//! The hub's records of members' submissions (issue 9; `docs/hub-privacy.md`).
//!
//! Key decision: two tables, not one. `hub_submissions` holds a submission's technical
//! information under the member's pseudonym, with days only; `hub_provenance` links a submission
//! to its member and exists **only** when the member consented to being named — so a dump of the
//! database holds no link for the others, and the one store call that reads a link writes an
//! audit entry in the same transaction.

/// One submission as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubSubmission {
    /// The hub's id of it (random).
    pub id: String,
    /// The member's pseudonym (`kyoyu_hub::pseudonym`).
    pub pseudonym: String,
    /// The day of its attack window's start, in days since 1970-01-01 (coarse on purpose).
    pub day: i64,
    /// The sector band the submitter chose, if any.
    pub sector: Option<String>,
    /// The region band the submitter chose, if any.
    pub region: Option<String>,
    /// The size band the submitter chose, if any.
    pub size_band: Option<String>,
    /// May the hub name the member to authorities.
    pub consent_name: bool,
    /// May the hub credit the member.
    pub consent_credit: bool,
    /// The indicators as submitted: a JSON array of `{"type", "value"}`.
    pub indicators: serde_json::Value,
    /// SHA-256 (hex) of the receipt the submitter keeps; the receipt itself is not stored.
    pub receipt_hash: String,
}

/// Submissions read per call at most (a rebuild pages through them).
pub const HUB_PAGE_LIMIT: usize = 10_000;

/// The rule both backends check before writing: a provenance record only where the member
/// consented to being named.
pub fn check_provenance(
    submission: &HubSubmission,
    member: Option<crate::OrgId>,
) -> crate::StoreResult<()> {
    if member.is_some() && !submission.consent_name {
        return Err(crate::StoreError::Invalid(
            "a provenance record is kept only where the member consented to being named".into(),
        ));
    }
    Ok(())
}
