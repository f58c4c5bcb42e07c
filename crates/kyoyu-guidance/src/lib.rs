//! The guidance engine: what each item of an incident may do on each channel now, how much its
//! sharing is still worth, whether to publish, and where each class of information goes.
//!
//! Key decision: the guidance's tables (Table 4, the routing table, the rule catalogue) are data
//! files in `data/`, embedded and parsed once into a frozen [`Guidance`]; the rules that turn a
//! grade into a decision for a concrete item are small named units in [`rules`], one per rule id,
//! so every verdict carries the ids of the rules that produced it. The engine is pure: it reads an
//! `Incident` and an instant and never does IO.

pub mod advice;
pub mod catalogue;
pub mod decision;
pub mod identifiability;
pub mod matrix;
pub mod publication;
pub mod routing;
pub mod rules;
pub mod timing;

use std::sync::LazyLock;

use kyoyu_model::{Incident, Item, Localized, Timestamp};

pub use advice::{Advice, AdvicePoint, PointKind};
pub use catalogue::{Catalogue, RuleEntry};
pub use decision::{ChannelVerdict, CommunityVerdict, Decision, Grade, ItemAssessment, Reason};
pub use identifiability::{Checks, Finding, ItemChecks};
pub use matrix::Matrix;
pub use publication::{ChecklistEntry, PublicationAdvice, Recommendation};
pub use routing::{ObligationRoute, Route, Routing};
pub use timing::{Purpose, SharingAssessment, TimingSettings};

/// A data file of the guidance that did not load.
#[derive(Debug, thiserror::Error)]
#[error("guidance data file `{file}`: {message}")]
pub struct DataError {
    /// The data file.
    pub file: &'static str,
    /// What is wrong, with the entry it concerns.
    pub message: String,
}

/// The guidance's tables, loaded and frozen.
#[derive(Debug)]
pub struct Guidance {
    /// Table 4 (G3).
    pub matrix: Matrix,
    /// The routing table (M3, M5).
    pub routing: Routing,
    /// The rule ids and titles.
    pub catalogue: Catalogue,
    /// The first steps (M2, M8, G12③).
    pub advice: Advice,
}

static BUILTIN: LazyLock<Result<Guidance, DataError>> = LazyLock::new(|| {
    Ok(Guidance {
        matrix: Matrix::from_toml(include_str!("../data/matrix.toml"))?,
        routing: Routing::from_toml(include_str!("../data/routes.toml"))?,
        catalogue: Catalogue::from_toml(include_str!("../data/rules.toml"))?,
        advice: Advice::from_toml(include_str!("../data/advice.toml"))?,
    })
});

impl Guidance {
    /// The guidance shipped with this release. The data is checked by this crate's tests, so an
    /// error here means a broken build, reported rather than panicking.
    pub fn builtin() -> Result<&'static Guidance, &'static DataError> {
        BUILTIN.as_ref()
    }

    /// Assesses every item, the sharing timing, the publication advice and the routing.
    ///
    /// `checks` holds what the checks before egress found per item (G6 findings, scanned
    /// samples, warninglist hits), computed by the caller (the scanner in `kyoyu-core`, or
    /// [`identifiability::profile_checks`]); `obligations` the routes of the legal
    /// obligations that apply (G14).
    pub fn assess(
        &self,
        incident: &Incident,
        at: Timestamp,
        checks: &Checks,
        obligations: &[ObligationRoute],
        settings: &TimingSettings,
    ) -> GuidanceAssessment {
        // One approval index for the whole incident, not one per item.
        let approvals = rules::ApprovalIndex::new(incident);
        let items: Vec<ItemAssessment> = incident
            .items
            .iter()
            .map(|item| {
                let unchecked = ItemChecks::default();
                let item_checks = checks.get(&item.id).unwrap_or(&unchecked);
                rules::assess_item(&self.matrix, incident, &approvals, item, at, item_checks)
            })
            .collect();
        let sharing = timing::assess(incident, at, &items, settings);
        let publication = publication::advise(incident, at, obligations);
        let routing = self.routing.routes(incident, at, obligations, &publication);
        let advice = self.advice.points(incident);
        GuidanceAssessment {
            items,
            sharing,
            publication,
            routing,
            advice,
        }
    }

    /// Assesses one item on every channel (indexing the approvals for this one call; use
    /// [`Guidance::assess`] for a whole incident).
    pub fn assess_item(
        &self,
        incident: &Incident,
        item: &Item,
        at: Timestamp,
        checks: &ItemChecks,
    ) -> ItemAssessment {
        rules::assess_item(
            &self.matrix,
            incident,
            &rules::ApprovalIndex::new(incident),
            item,
            at,
            checks,
        )
    }
}

/// Everything the guidance says about one incident (the legal obligations come from
/// `kyoyu-obligations`).
#[derive(Debug, Clone)]
pub struct GuidanceAssessment {
    /// Per item, per channel.
    pub items: Vec<ItemAssessment>,
    /// Sharing timing (G4, G9).
    pub sharing: SharingAssessment,
    /// Publication advice (G10–G13, G16).
    pub publication: PublicationAdvice,
    /// Where each class of information goes (M3, M5).
    pub routing: Vec<Route>,
    /// The first steps that apply (M2, M8, G12③).
    pub advice: Vec<AdvicePoint>,
}

/// A reason in both languages with its rule id.
pub(crate) fn reason(
    rule: &'static str,
    ja: impl Into<std::borrow::Cow<'static, str>>,
    en: impl Into<std::borrow::Cow<'static, str>>,
) -> Reason {
    Reason {
        rule,
        text: Localized::new(ja, en),
    }
}
