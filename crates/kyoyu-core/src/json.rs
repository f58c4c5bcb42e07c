//! The contract's `assess --json` output (`docs/assess-json.md`), as its own wire types.
//!
//! Key decision: the JSON shape is a separate set of `Serialize` structs converted from the
//! assessment, so the engines' types can change without breaking scripts; names fixed by the
//! contract are spelled here and nowhere else. The structs borrow from the assessment (no text is
//! copied on the way out). Texts are in the requested language; ids, grades, decisions and
//! statuses are language-neutral.

use chrono::SecondsFormat;
use kyoyu_guidance::{ChannelVerdict, Finding, Reason};
use kyoyu_model::{Lang, Timestamp};
use serde::Serialize;

use crate::assess::Assessment;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct AssessmentJson<'a> {
    incident: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    assessed_at: String,
    items: Vec<ItemJson<'a>>,
    obligations: Vec<ObligationJson<'a>>,
    publication: PublicationJson<'a>,
    sharing: SharingJson<'a>,
    routing: Vec<RouteJson<'a>>,
    next_actions: Vec<ActionJson>,
}

/// One step of the "do now" list (`crate::actions`); texts are owned, since the list is built
/// for the conversion.
#[derive(Debug, Serialize)]
struct ActionJson {
    when: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    due: Option<String>,
    id: String,
    rule: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Debug, Serialize)]
struct ItemJson<'a> {
    id: &'a str,
    kind: &'static str,
    class: &'static str,
    channels: ChannelsJson<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    communities: Vec<CommunityJson<'a>>,
    findings: Vec<FindingJson<'a>>,
}

#[derive(Debug, Serialize)]
struct ChannelsJson<'a> {
    share: VerdictJson<'a>,
    expert_alert: VerdictJson<'a>,
    publication: VerdictJson<'a>,
}

#[derive(Debug, Serialize)]
struct VerdictJson<'a> {
    grade: &'static str,
    decision: &'static str,
    reasons: Vec<ReasonJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approval: Option<ApprovalJson<'a>>,
}

#[derive(Debug, Serialize)]
struct ApprovalJson<'a> {
    resolution: &'static str,
    by: &'a str,
}

#[derive(Debug, Serialize)]
struct CommunityJson<'a> {
    community: &'a str,
    decision: &'static str,
    /// Omitted when they are the item's `channels.share.reasons` (the usual case): the same
    /// sentences are not written twice for every item.
    #[serde(skip_serializing_if = "Option::is_none")]
    reasons: Option<Vec<ReasonJson<'a>>>,
}

#[derive(Debug, Serialize)]
struct ReasonJson<'a> {
    rule: &'a str,
    text: &'a str,
}

#[derive(Debug, Serialize)]
struct FindingJson<'a> {
    rule: &'static str,
    identifier: &'a str,
    matched: &'a str,
    encoding: &'a str,
    source: &'a str,
    offset: u64,
}

#[derive(Debug, Serialize)]
struct ObligationJson<'a> {
    id: &'a str,
    recipient: &'a str,
    route: &'a str,
    due: Option<String>,
    status: &'static str,
    rule: &'static str,
    basis: &'a str,
    deadline: &'a str,
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct PublicationJson<'a> {
    recommendation: &'static str,
    reasons: Vec<ReasonJson<'a>>,
    checklist: Vec<ChecklistJson<'a>>,
    delay_explanation: &'a str,
}

#[derive(Debug, Serialize)]
struct ChecklistJson<'a> {
    id: &'static str,
    done: bool,
    rule: &'static str,
    text: &'a str,
}

#[derive(Debug, Serialize)]
struct SharingJson<'a> {
    first_shared_at: Option<String>,
    delay_hours: Option<f64>,
    effectiveness: Option<f64>,
    purpose: &'static str,
    half_life_hours: f64,
    warnings: Vec<ReasonJson<'a>>,
}

#[derive(Debug, Serialize)]
struct RouteJson<'a> {
    to: &'a str,
    what: &'a str,
    rule: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_at: Option<String>,
}

/// Formats an instant as RFC 3339 with seconds, keeping its offset.
pub fn timestamp(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn reasons(reasons: &[Reason], lang: Lang) -> Vec<ReasonJson<'_>> {
    reasons
        .iter()
        .map(|reason| ReasonJson {
            rule: reason.rule,
            text: reason.text.get(lang),
        })
        .collect()
}

fn verdict(verdict: &ChannelVerdict, lang: Lang) -> VerdictJson<'_> {
    VerdictJson {
        grade: verdict.grade.symbol(),
        decision: verdict.decision.as_str(),
        reasons: reasons(&verdict.reasons, lang),
        until: verdict.until.as_ref().map(|until| until.get(lang)),
        approval: verdict
            .approval
            .as_ref()
            .map(|(resolution, by)| ApprovalJson {
                resolution: resolution.as_str(),
                by,
            }),
    }
}

fn finding(finding: &Finding) -> FindingJson<'_> {
    FindingJson {
        rule: finding.rule,
        identifier: &finding.identifier,
        matched: &finding.matched,
        encoding: &finding.encoding,
        source: &finding.source,
        offset: finding.offset,
    }
}

impl<'a> AssessmentJson<'a> {
    /// Converts an assessment, with texts in `lang`.
    pub fn new(assessment: &'a Assessment, lang: Lang) -> Self {
        let guidance = &assessment.guidance;
        AssessmentJson {
            incident: &assessment.incident,
            title: assessment.title.as_deref(),
            assessed_at: timestamp(assessment.assessed_at),
            items: guidance
                .items
                .iter()
                .map(|item| ItemJson {
                    id: item.id.as_str(),
                    kind: item.kind.as_str(),
                    class: item.class.as_str(),
                    channels: ChannelsJson {
                        share: verdict(&item.channels[0], lang),
                        expert_alert: verdict(&item.channels[1], lang),
                        publication: verdict(&item.channels[2], lang),
                    },
                    communities: item
                        .communities
                        .iter()
                        .map(|community| CommunityJson {
                            community: &community.community,
                            decision: community.decision.as_str(),
                            reasons: (community.reasons != item.channels[0].reasons)
                                .then(|| reasons(&community.reasons, lang)),
                        })
                        .collect(),
                    findings: item.findings.iter().map(finding).collect(),
                })
                .collect(),
            obligations: assessment
                .obligations
                .iter()
                .map(|obligation| ObligationJson {
                    id: &obligation.id,
                    recipient: obligation.recipient.get(lang),
                    route: &obligation.route,
                    due: obligation.due.map(timestamp),
                    status: obligation.status.as_str(),
                    rule: "G14",
                    basis: &obligation.basis,
                    deadline: obligation.deadline_text.get(lang),
                    verified: obligation.verified,
                    done_at: obligation.done_at.map(timestamp),
                    note: obligation.note.as_ref().map(|note| note.get(lang)),
                })
                .collect(),
            publication: PublicationJson {
                recommendation: guidance.publication.recommendation.as_str(),
                reasons: reasons(&guidance.publication.reasons, lang),
                checklist: guidance
                    .publication
                    .checklist
                    .iter()
                    .map(|entry| ChecklistJson {
                        id: entry.id,
                        done: entry.done,
                        rule: entry.rule,
                        text: entry.text.get(lang),
                    })
                    .collect(),
                delay_explanation: guidance.publication.delay_explanation.get(lang),
            },
            sharing: SharingJson {
                first_shared_at: guidance.sharing.first_shared_at.map(timestamp),
                delay_hours: guidance.sharing.delay_hours,
                effectiveness: guidance.sharing.effectiveness,
                purpose: guidance.sharing.purpose.as_str(),
                half_life_hours: guidance.sharing.half_life_hours,
                warnings: reasons(&guidance.sharing.warnings, lang),
            },
            routing: guidance
                .routing
                .iter()
                .map(|route| RouteJson {
                    to: &route.to,
                    what: &route.what,
                    rule: &route.rule,
                    text: route.text.get(lang),
                    done_at: route.done_at.map(timestamp),
                })
                .collect(),
            next_actions: crate::actions::next_actions(assessment)
                .into_iter()
                .map(|action| ActionJson {
                    when: action.when.as_str(),
                    due: action.when.due().map(timestamp),
                    id: action.id,
                    rule: action.rule,
                    text: action.text.get(lang).to_owned(),
                    detail: action.detail.map(|detail| detail.get(lang).to_owned()),
                })
                .collect(),
        }
    }
}

/// The assessment as pretty-printed contract JSON.
pub fn to_json(assessment: &Assessment, lang: Lang) -> String {
    // Serializing plain structs of strings and numbers cannot fail; a failure would be a bug in
    // these types, so it is reported inside the output rather than by panicking.
    serde_json::to_string_pretty(&AssessmentJson::new(assessment, lang))
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}
