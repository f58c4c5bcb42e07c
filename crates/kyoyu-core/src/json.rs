//! The contract's `assess --json` output (`shared/spec/incident-file.md`), as its own wire types.
//!
//! Key decision: the JSON shape is a separate set of `Serialize` structs converted from the
//! assessment, so the engines' types can change without breaking scripts; names fixed by the
//! contract are spelled here and nowhere else. Texts are in the requested language; ids, grades,
//! decisions and statuses are language-neutral.

use chrono::SecondsFormat;
use kyoyu_guidance::{ChannelVerdict, Finding, Reason};
use kyoyu_model::{Lang, Timestamp};
use serde::Serialize;

use crate::assess::Assessment;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct AssessmentJson {
    incident: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    assessed_at: String,
    items: Vec<ItemJson>,
    obligations: Vec<ObligationJson>,
    publication: PublicationJson,
    sharing: SharingJson,
    routing: Vec<RouteJson>,
}

#[derive(Debug, Serialize)]
struct ItemJson {
    id: String,
    kind: &'static str,
    class: &'static str,
    channels: ChannelsJson,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    communities: Vec<CommunityJson>,
    findings: Vec<FindingJson>,
}

#[derive(Debug, Serialize)]
struct ChannelsJson {
    share: VerdictJson,
    expert_alert: VerdictJson,
    publication: VerdictJson,
}

#[derive(Debug, Serialize)]
struct VerdictJson {
    grade: &'static str,
    decision: &'static str,
    reasons: Vec<ReasonJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approval: Option<ApprovalJson>,
}

#[derive(Debug, Serialize)]
struct ApprovalJson {
    resolution: &'static str,
    by: String,
}

#[derive(Debug, Serialize)]
struct CommunityJson {
    community: String,
    decision: &'static str,
    reasons: Vec<ReasonJson>,
}

#[derive(Debug, Serialize)]
struct ReasonJson {
    rule: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct FindingJson {
    rule: &'static str,
    identifier: String,
    matched: String,
    encoding: String,
    source: String,
    offset: u64,
}

#[derive(Debug, Serialize)]
struct ObligationJson {
    id: String,
    recipient: String,
    route: String,
    due: Option<String>,
    status: &'static str,
    rule: &'static str,
    basis: String,
    deadline: String,
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Debug, Serialize)]
struct PublicationJson {
    recommendation: &'static str,
    reasons: Vec<ReasonJson>,
    checklist: Vec<ChecklistJson>,
    delay_explanation: String,
}

#[derive(Debug, Serialize)]
struct ChecklistJson {
    id: &'static str,
    done: bool,
    rule: &'static str,
    text: String,
}

#[derive(Debug, Serialize)]
struct SharingJson {
    first_shared_at: Option<String>,
    delay_hours: Option<f64>,
    effectiveness: Option<f64>,
    purpose: &'static str,
    half_life_hours: f64,
    warnings: Vec<ReasonJson>,
}

#[derive(Debug, Serialize)]
struct RouteJson {
    to: String,
    what: String,
    rule: String,
    text: String,
}

/// Formats an instant as RFC 3339 with seconds, keeping its offset.
pub fn timestamp(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn reasons(reasons: &[Reason], lang: Lang) -> Vec<ReasonJson> {
    reasons
        .iter()
        .map(|reason| ReasonJson {
            rule: reason.rule.to_owned(),
            text: reason.text.get(lang).to_owned(),
        })
        .collect()
}

fn verdict(verdict: &ChannelVerdict, lang: Lang) -> VerdictJson {
    VerdictJson {
        grade: verdict.grade.symbol(),
        decision: verdict.decision.as_str(),
        reasons: reasons(&verdict.reasons, lang),
        until: verdict
            .until
            .as_ref()
            .map(|until| until.get(lang).to_owned()),
        approval: verdict
            .approval
            .as_ref()
            .map(|(resolution, by)| ApprovalJson {
                resolution: resolution.as_str(),
                by: by.clone(),
            }),
    }
}

fn finding(finding: &Finding) -> FindingJson {
    FindingJson {
        rule: finding.rule,
        identifier: finding.identifier.clone(),
        matched: finding.matched.clone(),
        encoding: finding.encoding.clone(),
        source: finding.source.clone(),
        offset: finding.offset,
    }
}

impl AssessmentJson {
    /// Converts an assessment, with texts in `lang`.
    pub fn new(assessment: &Assessment, lang: Lang) -> Self {
        let guidance = &assessment.guidance;
        AssessmentJson {
            incident: assessment.incident.clone(),
            title: assessment.title.clone(),
            assessed_at: timestamp(assessment.assessed_at),
            items: guidance
                .items
                .iter()
                .map(|item| ItemJson {
                    id: item.id.to_string(),
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
                            community: community.community.clone(),
                            decision: community.decision.as_str(),
                            reasons: reasons(&community.reasons, lang),
                        })
                        .collect(),
                    findings: item.findings.iter().map(finding).collect(),
                })
                .collect(),
            obligations: assessment
                .obligations
                .iter()
                .map(|obligation| ObligationJson {
                    id: obligation.id.clone(),
                    recipient: obligation.recipient.get(lang).to_owned(),
                    route: obligation.route.clone(),
                    due: obligation.due.map(timestamp),
                    status: obligation.status.as_str(),
                    rule: "G14",
                    basis: obligation.basis.clone(),
                    deadline: obligation.deadline_text.get(lang).to_owned(),
                    verified: obligation.verified,
                    done_at: obligation.done_at.map(timestamp),
                    note: obligation
                        .note
                        .as_ref()
                        .map(|note| note.get(lang).to_owned()),
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
                        text: entry.text.get(lang).to_owned(),
                    })
                    .collect(),
                delay_explanation: guidance.publication.delay_explanation.get(lang).to_owned(),
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
                    to: route.to.clone(),
                    what: route.what.clone(),
                    rule: route.rule.clone(),
                    text: route.text.get(lang).to_owned(),
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
