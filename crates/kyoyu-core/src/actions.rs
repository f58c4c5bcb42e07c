//! The "do now" list (M2, M8): what a victim does first, in the order it is due.
//!
//! Key decision: the list is assembled from what the engines already decided — the legal
//! obligations still open (G14, with the report's contents from the rule data), the routes to
//! the police, the insurer and the coordination center not yet recorded as done (M3, M5, M9), and
//! the advice points of the guidance data (G12③, M11…) — never from prose of its own, so every
//! line carries the rule it comes from, and recording a `reported` event removes its line. The
//! order is fixed: overdue reports, today's actions, calls to make as soon as possible, dated
//! reports by due time, then what to prepare and what not to do.

use kyoyu_guidance::PointKind;
use kyoyu_model::{Localized, Timestamp};
use kyoyu_obligations::{RuleSet, Status};

use crate::assess::Assessment;

/// When a step is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum When {
    /// A legal deadline has passed.
    Overdue(Timestamp),
    /// Today, before anything else.
    Now,
    /// As soon as possible (no fixed deadline).
    Soon,
    /// By a deadline.
    By(Timestamp),
    /// Before it is needed (statements, notices).
    Prepare,
    /// Throughout: what not to do.
    Never,
}

impl When {
    /// The contract's name (`overdue`, `now`, `soon`, `by`, `prepare`, `do_not`).
    pub fn as_str(self) -> &'static str {
        match self {
            When::Overdue(_) => "overdue",
            When::Now => "now",
            When::Soon => "soon",
            When::By(_) => "by",
            When::Prepare => "prepare",
            When::Never => "do_not",
        }
    }

    /// The deadline, for `overdue` and `by`.
    pub fn due(self) -> Option<Timestamp> {
        match self {
            When::Overdue(due) | When::By(due) => Some(due),
            _ => None,
        }
    }
}

/// One step of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The obligation id, route destination or advice point id it comes from.
    pub id: String,
    /// When.
    pub when: When,
    /// The rule behind it (`G14` for a legal report, with the obligation id in `id`).
    pub rule: String,
    /// What to do.
    pub text: Localized,
    /// What goes in it (a report's contents), when the data says.
    pub detail: Option<Localized>,
}

/// The destinations of reports and consultations that are not legal duties, in the order a
/// victim calls them. (The insurer is the advice point `insurer_first`, which says more.)
const CALLS: [&str; 5] = [
    "police",
    "coordination_center",
    "ipa",
    "isac",
    "product_developer",
];

/// The "do now" list of an assessment.
pub fn next_actions(assessment: &Assessment) -> Vec<Action> {
    let rules = RuleSet::builtin();
    let mut actions = Vec::new();
    for obligation in &assessment.obligations {
        let when = match (obligation.status, obligation.due) {
            (Status::Done | Status::OnRequest, _) => continue,
            (Status::Overdue, Some(due)) => When::Overdue(due),
            (_, Some(due)) => When::By(due),
            (_, None) => When::Soon,
        };
        let rule = rules.rule(&obligation.id);
        let title = rule.map_or_else(|| obligation.recipient.clone(), |rule| rule.title.clone());
        actions.push(Action {
            id: obligation.id.clone(),
            when,
            rule: "G14".to_owned(),
            text: Localized::new(
                format!(
                    "{}（{}）→ {}。{}",
                    title.ja, obligation.id, obligation.recipient.ja, obligation.deadline_text.ja
                ),
                format!(
                    "{} ({}) → {}. {}",
                    title.en, obligation.id, obligation.recipient.en, obligation.deadline_text.en
                ),
            ),
            detail: rule.and_then(|rule| rule.form.clone()),
        });
    }
    for call in CALLS {
        for route in
            assessment.guidance.routing.iter().filter(|route| {
                route.to == call && route.what != "report" && route.done_at.is_none()
            })
        {
            actions.push(Action {
                id: route.to.clone(),
                when: When::Soon,
                rule: route.rule.clone(),
                text: route.text.clone(),
                detail: None,
            });
        }
    }
    for route in assessment.guidance.routing.iter().filter(|route| {
        route.to == "stakeholders" && route.what != "report" && route.done_at.is_none()
    }) {
        actions.push(Action {
            id: route.to.clone(),
            when: When::Prepare,
            rule: route.rule.clone(),
            text: route.text.clone(),
            detail: None,
        });
    }
    for point in &assessment.guidance.advice {
        actions.push(Action {
            id: point.id.clone(),
            when: match point.kind {
                PointKind::DoNow => When::Now,
                PointKind::Prepare => When::Prepare,
                PointKind::DoNot => When::Never,
            },
            rule: point.rule.clone(),
            text: point.text.clone(),
            detail: None,
        });
    }
    // Stable: within one `When`, the order of assembly (data order) is kept.
    actions.sort_by_key(|action| action.when);
    actions
}
