//! Routing (M3, M5): where each class of information goes, and why.
//!
//! Key decision: the routing table is data (`data/routes.toml`) with conditions over the
//! incident's facts; reports required by law are not repeated there but added from the triggered
//! obligations (G14), so the legal rule set stays the one source for regulators and deadlines.

use kyoyu_model::{Condition, EventKind, Incident, Localized, Timestamp};
use serde::Deserialize;

use crate::DataError;
use crate::catalogue::TextRow;
use crate::publication::{PublicationAdvice, Recommendation};

/// When the timeline says a destination was reached, at or before `at`: the first `reported`
/// event naming it with `to`; for stakeholders also `stakeholders_notified`, for the public
/// `published`.
fn done_at(incident: &Incident, to: &str, at: Timestamp) -> Option<Timestamp> {
    incident
        .timeline
        .iter()
        .filter(|event| event.at <= at)
        .filter(|event| match event.kind {
            EventKind::Reported => event.to.as_deref() == Some(to),
            EventKind::StakeholdersNotified => to == "stakeholders",
            EventKind::Published => to == "public",
            _ => false,
        })
        .map(|event| event.at)
        .min()
}

/// The contract's routing destinations.
pub const DESTINATIONS: [&str; 11] = [
    "coordination_center",
    "ipa",
    "police",
    "data_protection_authority",
    "sector_regulator",
    "isac",
    "insurer",
    "securities_regulator",
    "product_developer",
    "stakeholders",
    "public",
];

/// A triggered legal obligation, as routing and publication advice need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObligationRoute {
    /// The obligation id (`JP-APPI-PRELIM`).
    pub id: String,
    /// Its routing destination.
    pub route: String,
    /// Its recipient.
    pub recipient: Localized,
    /// When the report was submitted, once it is (the obligation's status is done).
    pub done_at: Option<Timestamp>,
}

/// One routing line of the assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The destination.
    pub to: String,
    /// What goes there (`technical`, `context`, `vulnerability`, `report`…).
    pub what: String,
    /// The rule behind it.
    pub rule: String,
    /// Why and how.
    pub text: Localized,
    /// When it was done, as the timeline records it: a `reported` event with `to` naming this
    /// destination (police, insurer…), `stakeholders_notified` for stakeholders, the legal
    /// report's submission for a report.
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
struct RouteRule {
    to: String,
    what: String,
    rule: String,
    when: Condition,
    text: Localized,
}

/// The routing table.
#[derive(Debug, Clone)]
pub struct Routing {
    rules: Vec<RouteRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    route: Vec<RouteRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteRow {
    to: String,
    what: String,
    rule: String,
    when: String,
    text: TextRow,
}

impl Routing {
    /// Parses and checks the routing table.
    pub fn from_toml(text: &str) -> Result<Self, DataError> {
        let error = |message: String| DataError {
            file: "routes.toml",
            message,
        };
        let file: RoutesFile = toml::from_str(text).map_err(|parse| error(parse.to_string()))?;
        let mut rules = Vec::new();
        for (index, row) in file.route.into_iter().enumerate() {
            if !DESTINATIONS.contains(&row.to.as_str()) {
                return Err(error(format!(
                    "route[{index}].to: `{}` is not a routing destination",
                    row.to
                )));
            }
            let when = Condition::parse(&row.when)
                .map_err(|invalid| error(format!("route[{index}].when: {invalid}")))?;
            rules.push(RouteRule {
                to: row.to,
                what: row.what,
                rule: row.rule,
                when,
                text: row.text.into(),
            });
        }
        Ok(Routing { rules })
    }

    /// The routes for an incident: the table's, then one per legal obligation, then the public
    /// when publication is advised.
    pub fn routes(
        &self,
        incident: &Incident,
        at: Timestamp,
        obligations: &[ObligationRoute],
        publication: &PublicationAdvice,
    ) -> Vec<Route> {
        let mut routes: Vec<Route> = self
            .rules
            .iter()
            .filter(|rule| rule.when.evaluate(incident))
            .map(|rule| Route {
                to: rule.to.clone(),
                what: rule.what.clone(),
                rule: rule.rule.clone(),
                text: rule.text.clone(),
                done_at: done_at(incident, &rule.to, at),
            })
            .collect();
        for obligation in obligations {
            routes.push(Route {
                to: obligation.route.clone(),
                what: "report".to_owned(),
                rule: "G14".to_owned(),
                text: Localized::new(
                    format!("{}（{}）", obligation.recipient.ja, obligation.id),
                    format!("{} ({})", obligation.recipient.en, obligation.id),
                ),
                done_at: obligation.done_at,
            });
        }
        if matches!(
            publication.recommendation,
            Recommendation::PublishNow | Recommendation::PublishWhenReady
        ) {
            routes.push(Route {
                to: "public".to_owned(),
                what: "context".to_owned(),
                rule: "G11".to_owned(),
                text: Localized::new(
                    "原因と範囲が判明した段階で公表する（公表の判断と確認項目を参照）。",
                    "Publish once cause and scope are known (see the publication advice and checklist).",
                ),
                done_at: done_at(incident, "public", at),
            });
        }
        routes
    }
}
