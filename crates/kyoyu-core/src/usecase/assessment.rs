//! A stored incident's assessment (the `assess --json` contract) and its readable summary for
//! executives and PR (M2).
//!
//! Key decision: the same `assess` the CLI runs, on the stored document; the server takes no
//! sample files, so sample paths resolve nowhere.

use std::path::Path;

use kyoyu_model::{Lang, Timestamp};
use kyoyu_store::Store;

use super::access::{Action, acting_tenant, require};
use super::{Caller, UseCaseError, UseCaseResult, blocking, incidents};

/// Where sample paths would be relative to on the server: nowhere (it takes none).
pub(crate) fn no_samples() -> &'static Path {
    Path::new("/nonexistent/kyoyu-server-has-no-samples")
}

/// Which rendering of the assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The contract's JSON (`GET /api/incidents/{id}/assessment`; responders and vendors).
    Json,
    /// The summary for executives and PR (`GET /api/incidents/{id}/summary`, M2): counts,
    /// decisions, deadlines, publication advice; no item's value or text.
    Summary,
}

/// Assesses a stored incident at `at` and renders it in `lang`.
pub async fn render(
    store: &dyn Store,
    caller: &Caller,
    for_org: Option<&str>,
    id: &str,
    at: Timestamp,
    lang: Lang,
    view: View,
) -> UseCaseResult<String> {
    require(
        caller,
        match view {
            View::Json => Action::Assess,
            View::Summary => Action::ReadSummary,
        },
    )?;
    let tenant = acting_tenant(store, caller, for_org).await?;
    let incident = incidents::model(store, tenant, id).await?;
    blocking(move || {
        let assessment = crate::assess(
            &incident,
            no_samples(),
            at,
            &crate::AssessSettings::default(),
        )
        .map_err(|error| UseCaseError::Invalid(error.to_string()))?;
        Ok(match view {
            View::Json => crate::json::to_json(&assessment, lang),
            View::Summary => crate::report::executive(&assessment, &incident, lang),
        })
    })
    .await?
}
