//! The assessment use case: guidance plus legal obligations for one incident at one instant.
//!
//! Key decision: "now" is always a parameter (`--at`), never read inside the engines, so an
//! assessment is reproducible and tests are deterministic.

use kyoyu_guidance::{Guidance, GuidanceAssessment, ObligationRoute, TimingSettings};
use kyoyu_model::{Incident, Timestamp};
use kyoyu_obligations::{ObligationStatus, RuleSet};

/// Settings of an assessment.
#[derive(Debug, Clone, Default)]
pub struct AssessSettings {
    /// The decay model and anti-pattern thresholds.
    pub timing: TimingSettings,
}

/// The full assessment of one incident.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The incident id.
    pub incident: String,
    /// The incident title.
    pub title: Option<String>,
    /// The instant assessed.
    pub assessed_at: Timestamp,
    /// What the guidance says.
    pub guidance: GuidanceAssessment,
    /// The legal obligations that apply (G14).
    pub obligations: Vec<ObligationStatus>,
    /// The timing settings used.
    pub settings: AssessSettings,
}

/// The guidance data failed to load: a broken build, reported as an error.
#[derive(Debug, thiserror::Error)]
#[error("the built-in rule data is broken: {0}")]
pub struct RuleDataError(String);

/// Assesses an incident at `at`.
pub fn assess(
    incident: &Incident,
    at: Timestamp,
    settings: &AssessSettings,
) -> Result<Assessment, RuleDataError> {
    let guidance = Guidance::builtin().map_err(|error| RuleDataError(error.to_string()))?;
    let rule_set = RuleSet::builtin();
    let obligations = rule_set.evaluate(incident, at);
    let routes: Vec<ObligationRoute> = obligations
        .iter()
        .map(|obligation| ObligationRoute {
            id: obligation.id.clone(),
            route: obligation.route.clone(),
            recipient: obligation.recipient.clone(),
        })
        .collect();
    let findings = kyoyu_guidance::identifiability::profile_findings(incident);
    let guidance = guidance.assess(incident, at, &findings, &routes, &settings.timing);
    Ok(Assessment {
        incident: incident.id.clone(),
        title: incident.title.clone(),
        assessed_at: at,
        guidance,
        obligations,
        settings: settings.clone(),
    })
}
