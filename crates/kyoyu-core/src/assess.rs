//! The assessment use case: guidance plus legal obligations for one incident at one instant.
//!
//! Key decision: "now" is always a parameter (`--at`), never read inside the engines, so an
//! assessment is reproducible and tests are deterministic. The only IO is the scan of the
//! items' sample files (G6), relative to the directory the caller names.

use std::path::Path;
use std::sync::Arc;

use kyoyu_guidance::{Guidance, GuidanceAssessment, ObligationRoute, TimingSettings};
use kyoyu_model::{Incident, Timestamp};
use kyoyu_obligations::{ObligationStatus, RuleSet};
use kyoyu_scan::Scanner;

/// Settings of an assessment.
#[derive(Debug, Clone, Default)]
pub struct AssessSettings {
    /// The decay model and anti-pattern thresholds.
    pub timing: TimingSettings,
    /// Also look for single-byte-XOR forms of the identifiers in samples (slow).
    pub deep_scan: bool,
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
    /// The frozen scanner of the organization's identifiers the checks ran with; the egress gate
    /// checks what leaves with the same one (empty when the profile lists nothing). Private: an
    /// assessment, and so a gate decision, exists only with its scanner.
    scanner: Arc<Scanner>,
}

impl Assessment {
    /// The scanner the assessment was made with.
    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }
}

/// Why an assessment could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// The guidance data failed to load: a broken build, reported rather than panicking.
    #[error("the built-in rule data is broken: {0}")]
    RuleData(String),
    /// The identity profile cannot be compiled into the scanner (an identifier too short).
    #[error("[organization]: {0}")]
    Profile(#[from] kyoyu_scan::BuildError),
}

/// Assesses an incident at `at`; sample paths are relative to `samples_base` (the incident
/// file's directory).
pub fn assess(
    incident: &Incident,
    samples_base: &Path,
    at: Timestamp,
    settings: &AssessSettings,
) -> Result<Assessment, AssessError> {
    let guidance = Guidance::builtin().map_err(|error| AssessError::RuleData(error.to_string()))?;
    let rule_set = RuleSet::builtin();
    let obligations = rule_set.evaluate(incident, at);
    let routes: Vec<ObligationRoute> = obligations
        .iter()
        .map(|obligation| ObligationRoute {
            id: obligation.id.clone(),
            route: obligation.route.clone(),
            recipient: obligation.recipient.clone(),
            done_at: obligation
                .done_at
                .filter(|_| obligation.status == kyoyu_obligations::Status::Done),
        })
        .collect();
    let scanner = crate::checks::scanner_for(&incident.organization, settings.deep_scan)?;
    let checks = crate::checks::check_incident(incident, scanner.as_ref(), samples_base);
    let scanner = Arc::new(match scanner {
        Some(scanner) => scanner,
        None => Scanner::builder().build()?,
    });
    let guidance = guidance.assess(incident, at, &checks, &routes, &settings.timing);
    Ok(Assessment {
        incident: incident.id.clone(),
        title: incident.title.clone(),
        assessed_at: at,
        guidance,
        obligations,
        settings: settings.clone(),
        scanner,
    })
}
