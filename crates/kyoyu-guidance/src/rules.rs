//! The rules that turn Table 4's grade into a decision for a concrete item now — one small
//! named function per rule id, each returning the restriction it imposes (or nothing when it
//! does not apply).
//!
//! Key decision: every function reads the item, the incident and the channel and nothing else,
//! and returns restrictions with their rule id; [`assess_item`] applies them in a fixed order and
//! keeps the strictest. Adding a rule is adding a function and a line to the list, and a test
//! per rule shows one case where it decides the outcome and one where it does not apply.

use std::collections::HashMap;

use kyoyu_model::{
    Approval, Channel, CommunityKind, EventKind, Incident, InfoClass, Item, ItemBody, ItemKind,
    Localized, Resolution, Timestamp, Tlp,
};

use crate::decision::{
    ChannelVerdict, CommunityVerdict, Decision, Grade, ItemAssessment, Reason, VerdictBuilder,
};
use crate::identifiability::ItemChecks;
use crate::matrix::Matrix;
use crate::reason;

/// Where a `share` verdict is aimed: a type-A hub, or a type-B ISAC (G5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShareTarget {
    Hub,
    Isac,
}

/// The restriction one rule puts on one item on one channel.
enum Restriction {
    /// A person must look first; a recorded approval resolves it.
    Review(Reason),
    /// Blocked until the condition in the second text.
    Hold(Reason, Localized),
    /// Not for this channel.
    Deny(Reason),
}

struct Context<'a> {
    incident: &'a Incident,
    item: &'a Item,
    channel: Channel,
    target: ShareTarget,
    checks: &'a ItemChecks,
    at: Timestamp,
}

/// G3 — Table 4's grade: ◎/〇 allow, △ review under the table's condition, × deny.
fn grade_rule(matrix: &Matrix, context: &Context<'_>) -> Option<Restriction> {
    let cell = matrix.cell(context.item.kind(), context.channel);
    let text = || Reason {
        rule: "G3",
        text: cell.reason.clone(),
    };
    match cell.grade {
        Grade::StronglyRecommended | Grade::Recommended => None,
        Grade::Conditional => Some(Restriction::Review(text())),
        Grade::NotAppropriate => {
            // Table 4's × for context on `share` is about a hub and pre-publication sharing in
            // general; a type-B group may carry the name and context under its trust terms,
            // which rule G5 decides below.
            if context.channel == Channel::Share
                && context.item.class() == InfoClass::Context
                && context.target == ShareTarget::Isac
            {
                None
            } else {
                Some(Restriction::Deny(text()))
            }
        }
    }
}

/// G5 — two kinds of community: a type-B ISAC may carry the organization's name and context
/// only under its membership terms, so a person confirms each context item for it.
fn community_kind_rule(context: &Context<'_>) -> Option<Restriction> {
    if context.channel != Channel::Share || context.item.class() != InfoClass::Context {
        return None;
    }
    match context.target {
        ShareTarget::Isac => Some(Restriction::Review(reason(
            "G5",
            "業界団体（タイプB）には、会員規約で認められた範囲でのみ組織名や文脈情報を共有できる。規約に照らして確認すること。",
            "An industry group (type B) may receive the organization's name and context only under its membership terms; confirm against them.",
        ))),
        ShareTarget::Hub => None,
    }
}

/// G7 (with G5) — context is never for a type-A hub before publication: it shows the attack's
/// result, not how to stop it; an alert conveys impact anonymized, never a named victim.
fn context_rule(context: &Context<'_>) -> Option<Restriction> {
    if context.item.class() != InfoClass::Context {
        return None;
    }
    match (context.channel, context.target) {
        (Channel::Share, ShareTarget::Hub) => Some(Restriction::Deny(reason(
            "G7",
            "コンテクスト情報（組織名・被害内容・対応の経緯）は、ハブ（タイプA）への公表前の共有に含めない（G5）。攻撃の結果を示すもので、防ぎ方を示すものではない。",
            "Context (the organization's name, damage, response history) never goes to a type-A hub before publication (G5): it shows the attack's result, not how to stop it.",
        ))),
        (Channel::ExpertAlert, _) if context.item.kind() == ItemKind::Damage => {
            Some(Restriction::Review(reason(
                "G7",
                "注意喚起では、被害の影響を組織名なしの技術的事実（どのようなシステムからどのような情報が漏えいするか）として伝える。匿名化を確認すること。",
                "In an alert, impact is conveyed anonymized as technical fact (what kind of data leaks from what kind of system), never as a named company; confirm it is anonymized.",
            )))
        }
        (Channel::ExpertAlert, _) => Some(Restriction::Deny(reason(
            "G7",
            "専門機関の注意喚起は被害組織を名指ししない。",
            "An alert from a specialist organization never names the victim.",
        ))),
        _ => None,
    }
}

/// G6 — technical information can still point at the victim: a finding needs a person to
/// confirm or redact it, and a sample file must be checked before it leaves.
fn identifiability_rule(context: &Context<'_>) -> Option<Restriction> {
    if context.item.class() == InfoClass::Context {
        return None;
    }
    let findings = &context.checks.findings;
    if !findings.is_empty() {
        let mut identifiers: Vec<&str> = findings
            .iter()
            .map(|finding| finding.identifier.as_str())
            .collect();
        identifiers.sort_unstable();
        identifiers.dedup();
        let list = identifiers.join(", ");
        if let ItemBody::Ioc {
            path: Some(path), ..
        } = &context.item.body
        {
            return Some(Restriction::Review(reason(
                "G6",
                format!(
                    "検体 `{path}` に被害組織を特定できる情報（{list}）が含まれている。検体ファイルは出さず、ハッシュ値のみで共有すること。"
                ),
                format!(
                    "The sample `{path}` contains what points at the victim ({list}): it is shared by hash only, never as a file."
                ),
            )));
        }
        return Some(Restriction::Review(reason(
            "G6",
            format!(
                "被害組織を特定できる情報（{list}）が含まれている。担当者が確認し、削除・置換するか、ハッシュのみで共有すること。"
            ),
            format!(
                "It contains what points at the victim ({list}); a person must confirm, redact, or share by hash only."
            ),
        )));
    }
    if let ItemBody::Ioc {
        path: Some(path), ..
    } = &context.item.body
        && !context.checks.sample_scanned
    {
        return Some(Restriction::Review(reason(
            "G6",
            format!(
                "検体 `{path}` は、被害組織の識別情報（設定・パス・ドメイン等）を含んでいないか確認されるまで、ファイルとしては出さない。ハッシュのみの共有は可能。"
            ),
            format!(
                "The sample `{path}` leaves as a file only once checked for the victim's identifiers (configuration, paths, domains); sharing its hashes is possible meanwhile."
            ),
        )));
    }
    None
}

/// G3 — Table 4 values an IoC as an indicator; a value on a MISP warninglist (a public
/// resolver, a top site, a sinkhole, an empty-file hash) is a known false positive that would
/// mislead every recipient, so a person confirms it before it goes out as malicious.
fn false_positive_rule(context: &Context<'_>) -> Option<Restriction> {
    if context.channel == Channel::Publication {
        return None;
    }
    context
        .checks
        .false_positives
        .first()
        .map(|first| Restriction::Review(first.clone()))
}

/// G11③ and G13 — an exploited vulnerability without a published fix goes to coordinated
/// disclosure with the product developer first; it is never shared with third parties or
/// published before that. This never blocks the rest of the incident.
fn embargo_rule(context: &Context<'_>) -> Option<Restriction> {
    let ItemBody::Vulnerability {
        fix_available,
        product,
        cve,
    } = &context.item.body
    else {
        return None;
    };
    if *fix_available == Some(true) {
        return None;
    }
    let name = cve
        .as_ref()
        .map(|cve| cve.as_str().to_owned())
        .or_else(|| product.clone())
        .unwrap_or_default();
    let unknown = fix_available.is_none();
    let (ja_state, en_state) = if unknown {
        (
            "修正の公開状況が不明",
            "whether a fix is published is not known",
        )
    } else {
        ("修正が未公開", "no fix is published yet")
    };
    let until = Localized::new(
        "製品開発者が修正を公開するまで",
        "until the product developer publishes a fix",
    );
    let (rule, ja, en) = match context.channel {
        Channel::Publication => (
            "G11③",
            format!(
                "{name}: {ja_state}。製品開発者が修正を公開するまで、公表では脆弱性に触れない。他の内容の公表は妨げない。"
            ),
            format!(
                "{name}: {en_state}. The publication does not mention the vulnerability until the developer has published a fix; this never blocks publishing the rest."
            ),
        ),
        _ => (
            "G13",
            format!(
                "{name}: {ja_state}。脆弱性の詳細は、製品開発者との調整（調整された開示）の前に第三者へ共有しない。開発者・調整機関へ届け出ること。"
            ),
            format!(
                "{name}: {en_state}. Vulnerability details go to no third party before coordination with the product developer; report it to the developer / coordination center instead."
            ),
        ),
    };
    Some(Restriction::Hold(reason(rule, ja, en), until))
}

/// G12① — while the attacker may still be inside, nothing is published.
fn containment_rule(context: &Context<'_>) -> Option<Restriction> {
    if context.channel != Channel::Publication || context.incident.is_contained() {
        return None;
    }
    Some(Restriction::Hold(
        reason(
            "G12",
            "攻撃者が環境内に残っている可能性がある間は公表しない。攻撃者は報道を見て証拠隠滅や報復に出る。",
            "The attacker may still be inside: nothing is published until it is expelled and contained; attackers watch the news and react with evidence destruction or retaliation.",
        ),
        Localized::new("封じ込めの完了まで", "until containment"),
    ))
}

/// G11② — know-how (lessons, recurrence prevention) is kept apart from the damage
/// publication and comes only after the incident is settled and the new measures run.
fn knowhow_rule(context: &Context<'_>) -> Option<Restriction> {
    if !context.item.knowhow || context.channel == Channel::Share {
        return None;
    }
    let settled = context
        .incident
        .first_event(EventKind::Closed)
        .is_some_and(|closed| closed.at <= context.at);
    if settled {
        return None;
    }
    Some(Restriction::Hold(
        reason(
            "G11②",
            "ノウハウ（教訓・再発防止策）の共有は、被害の公表とは分け、インシデントの収束と新たな対策の運用開始後に行う。",
            "Know-how (lessons, recurrence prevention) is kept apart from the damage publication and shared only after the incident is settled and the new measures run.",
        ),
        Localized::new(
            "インシデントの収束（closed）まで",
            "until the incident is closed",
        ),
    ))
}

/// G8 — the TLP label the organization gave an item bounds where it may go: a community that
/// cannot honour the label does not receive it, an alert does not pass on what is confidential
/// between the victim and the hub, and publishing means lifting the label.
fn tlp_rule(context: &Context<'_>, community_ceiling: Option<Tlp>) -> Option<Restriction> {
    if context.channel == Channel::Share {
        // An unmarked item is judged at the label it would leave with (the one rule the gate
        // and the writers use too), so it never reaches a community that cannot honour it.
        let ceiling = community_ceiling?;
        let label = context.item.share_tlp();
        return (!label.fits_within(ceiling)).then(|| {
            Restriction::Deny(match context.item.tlp {
                Some(_) => reason(
                    "G8",
                    format!("この項目は {label} で、共有先が受け入れる上限 {ceiling} を超えている。"),
                    format!(
                        "The item is marked {label}, beyond the {ceiling} this community accepts."
                    ),
                ),
                None => reason(
                    "G8",
                    format!(
                        "この項目には TLP がなく {label} として共有されるため、共有先が受け入れる上限 {ceiling} を超える。共有するには TLP を付けること。"
                    ),
                    format!(
                        "The item has no TLP label and would be shared as {label}, beyond the {ceiling} this community accepts; label it to share it."
                    ),
                ),
            })
        });
    }
    let label = context.item.tlp?;
    match context.channel {
        Channel::Share => None,
        Channel::ExpertAlert => match label {
            Tlp::Red | Tlp::AmberStrict => Some(Restriction::Deny(reason(
                "G8",
                format!("{label} の情報は被害組織とハブの間に留まり、注意喚起で第三者へ渡さない。"),
                format!(
                    "{label} information stays between the victim and the hub; an alert does not pass it on."
                ),
            ))),
            Tlp::Amber => Some(Restriction::Review(reason(
                "G8",
                "TLP:AMBER の情報を注意喚起に使うには、提供元の同意（ラベルの変更）が必要。",
                "Using TLP:AMBER information in an alert needs the owner's consent to relabel it.",
            ))),
            Tlp::Green | Tlp::Clear => None,
        },
        Channel::Publication => match label {
            Tlp::Clear => None,
            Tlp::Red => Some(Restriction::Deny(reason(
                "G8",
                "TLP:RED の情報は公表しない。",
                "TLP:RED information is never published.",
            ))),
            _ => Some(Restriction::Review(reason(
                "G8",
                format!(
                    "{label} が付いている。公表するにはラベルを TLP:CLEAR に変更する判断が必要。"
                ),
                format!(
                    "It is marked {label}; publishing it means deciding to relabel it TLP:CLEAR."
                ),
            ))),
        },
    }
}

/// G13 — wide impact: an alert-style publication of technical information is worth it
/// (the supply-chain case). A note, never a restriction.
fn wide_impact_note(context: &Context<'_>) -> Option<Reason> {
    let applies = context.channel == Channel::Publication
        && context.incident.facts.wide_impact
        && context.item.class() != InfoClass::Context;
    applies.then(|| {
        reason(
            "G13",
            "影響が広範に及ぶおそれがあるため、技術情報を注意喚起として速やかに公表することに意義がある（サプライチェーン事例）。",
            "The impact may be wide: publishing the technical information quickly as an alert is worthwhile (the supply-chain case).",
        )
    })
}

fn verdict(
    matrix: &Matrix,
    context: &Context<'_>,
    community_ceiling: Option<Tlp>,
) -> VerdictBuilder {
    let restrictions = [
        grade_rule(matrix, context),
        community_kind_rule(context),
        context_rule(context),
        identifiability_rule(context),
        false_positive_rule(context),
        embargo_rule(context),
        containment_rule(context),
        knowhow_rule(context),
        tlp_rule(context, community_ceiling),
    ];
    let mut builder = VerdictBuilder::new();
    for restriction in restrictions.into_iter().flatten() {
        match restriction {
            Restriction::Review(reason) => builder.restrict(Decision::Review, reason),
            Restriction::Hold(reason, until) => builder.hold(reason, until),
            Restriction::Deny(reason) => builder.restrict(Decision::Deny, reason),
        }
    }
    if let Some(note) = wide_impact_note(context) {
        builder.note(note);
    }
    builder
}

/// The latest approval of each item and channel, indexed once per assessment so that looking
/// one up does not scan every approval for every item.
#[derive(Debug, Default)]
pub struct ApprovalIndex<'a> {
    latest: HashMap<(&'a str, Channel), &'a Approval>,
}

impl<'a> ApprovalIndex<'a> {
    /// Indexes the incident's approvals (the latest per item and channel wins).
    pub fn new(incident: &'a Incident) -> Self {
        let mut latest: HashMap<(&'a str, Channel), &'a Approval> = HashMap::new();
        for approval in &incident.approvals {
            let entry = latest
                .entry((approval.item.as_str(), approval.channel))
                .or_insert(approval);
            if approval.at > entry.at {
                *entry = approval;
            }
        }
        ApprovalIndex { latest }
    }

    fn get(&self, item: &Item, channel: Channel) -> Option<&'a Approval> {
        self.latest.get(&(item.id.as_str(), channel)).copied()
    }
}

/// Applies a recorded approval: it resolves `review` only; `reject` denies.
fn apply_approval(
    approvals: &ApprovalIndex<'_>,
    item: &Item,
    channel: Channel,
    builder: &mut VerdictBuilder,
) -> Option<(Resolution, String)> {
    let approval = approvals.get(item, channel)?;
    match approval.resolution {
        Resolution::Reject => builder.restrict(
            Decision::Deny,
            reason(
                "G6",
                format!("{} が送らないと決定した（{}）。", approval.by, approval.at),
                format!("{} decided not to send it ({}).", approval.by, approval.at),
            ),
        ),
        resolution if builder.decision == Decision::Review => {
            builder.decision = Decision::Allow;
            let (ja, en) = match resolution {
                Resolution::HashOnly => ("ハッシュ値のみ", "hashes only"),
                Resolution::Redact => ("編集済みの写し", "a redacted copy"),
                _ => ("そのまま", "as it is"),
            };
            builder.note(reason(
                "G6",
                format!(
                    "{} が確認し、{ja}で送ることを承認した（{}）。",
                    approval.by, approval.at
                ),
                format!(
                    "{} reviewed it and approved sending {en} ({}).",
                    approval.by, approval.at
                ),
            ));
        }
        _ => {}
    }
    Some((approval.resolution, approval.by.clone()))
}

/// Assesses one item on every channel and toward every declared community.
pub fn assess_item(
    matrix: &Matrix,
    incident: &Incident,
    approvals: &ApprovalIndex<'_>,
    item: &Item,
    at: Timestamp,
    checks: &ItemChecks,
) -> ItemAssessment {
    // The channel-level share verdict is aimed at a type-A hub whenever the incident has one or
    // declares no community (a hub is the guidance's preferred route); only when every declared
    // community is an ISAC is it aimed at the ISAC. Per-community verdicts follow below.
    let only_isacs = !incident.communities.is_empty()
        && incident
            .communities
            .iter()
            .all(|community| community.kind == CommunityKind::Isac);
    let default_target = if only_isacs {
        ShareTarget::Isac
    } else {
        ShareTarget::Hub
    };
    let default_ceiling = incident
        .communities
        .iter()
        .filter(|community| (community.kind == CommunityKind::Isac) == only_isacs)
        .map(|community| community.max_tlp)
        .max();
    let channels = Channel::ALL.map(|channel| {
        let context = Context {
            incident,
            item,
            channel,
            target: default_target,
            checks,
            at,
        };
        let mut builder = verdict(
            matrix,
            &context,
            if channel == Channel::Share {
                default_ceiling
            } else {
                None
            },
        );
        let approval = apply_approval(approvals, item, channel, &mut builder);
        ChannelVerdict {
            channel,
            grade: matrix.cell(item.kind(), channel).grade,
            decision: builder.decision,
            reasons: builder.reasons,
            approval,
            until: if builder.decision == Decision::Hold {
                builder.until
            } else {
                None
            },
        }
    });
    let communities = incident
        .communities
        .iter()
        .map(|community| {
            let target = match community.kind {
                CommunityKind::Hub => ShareTarget::Hub,
                CommunityKind::Isac => ShareTarget::Isac,
            };
            let context = Context {
                incident,
                item,
                channel: Channel::Share,
                target,
                checks,
                at,
            };
            let mut builder = verdict(matrix, &context, Some(community.max_tlp));
            apply_approval(approvals, item, Channel::Share, &mut builder);
            CommunityVerdict {
                community: community.id.clone(),
                decision: builder.decision,
                reasons: builder.reasons,
            }
        })
        .collect();
    ItemAssessment {
        id: item.id.clone(),
        kind: item.kind(),
        class: item.class(),
        channels,
        communities,
        findings: checks.findings.clone(),
        sample_sha256: checks.sample_sha256.clone(),
    }
}
