//! Publication advice (G10–G13, G16): whether to publish now, and the checklist that makes a
//! publication responsible.
//!
//! Key decision: the recommendation is decided in a fixed order of precedence, each step citing
//! its rule: containment first (G12①); then reasons that make publishing urgent (wide impact and
//! secondary damage, G13/G16; personal data, G11①; a legal duty to disclose, G14); then the
//! double-extortion case where publishing mainly amplifies the attacker (G12③); otherwise the
//! choice is the organization's (G12①, M11). "publish now" needs the checklist done; otherwise
//! it is "publish when ready" with the open items listed.

use kyoyu_model::{EventKind, Incident, ItemBody, Localized, PersonalData, Timestamp};

use crate::decision::Reason;
use crate::reason;
use crate::routing::ObligationRoute;

/// The contract's publication recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommendation {
    /// Publish now (a first report where the investigation is still running, G16).
    PublishNow,
    /// Publish once the open checklist items are done.
    PublishWhenReady,
    /// The attacker may still be inside: wait (G12①).
    WaitForContainment,
    /// No duty or third-party risk requires it; the organization's choice.
    Optional,
    /// Publishing would mainly serve the attacker (G12③).
    NotRecommended,
}

impl Recommendation {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::PublishNow => "publish_now",
            Recommendation::PublishWhenReady => "publish_when_ready",
            Recommendation::WaitForContainment => "wait_for_containment",
            Recommendation::Optional => "optional",
            Recommendation::NotRecommended => "not_recommended",
        }
    }
}

/// One entry of the publication checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistEntry {
    /// Stable id (`containment`, `stakeholders_notified`…).
    pub id: &'static str,
    /// Whether it is done.
    pub done: bool,
    /// The rule behind it.
    pub rule: &'static str,
    /// What it asks, and its state.
    pub text: Localized,
}

/// The publication part of the assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationAdvice {
    /// The recommendation.
    pub recommendation: Recommendation,
    /// Why, with rule ids.
    pub reasons: Vec<Reason>,
    /// What a responsible publication needs.
    pub checklist: Vec<ChecklistEntry>,
    /// A draft of "why it took the time it took", from the timeline (G10).
    pub delay_explanation: Localized,
}

fn happened(incident: &Incident, kind: EventKind, at: Timestamp) -> Option<Timestamp> {
    incident
        .first_event(kind)
        .map(|event| event.at)
        .filter(|when| *when <= at)
}

fn entry(
    id: &'static str,
    done: bool,
    rule: &'static str,
    ja: String,
    en: String,
) -> ChecklistEntry {
    ChecklistEntry {
        id,
        done,
        rule,
        text: Localized::new(ja, en),
    }
}

fn checklist(incident: &Incident, at: Timestamp) -> Vec<ChecklistEntry> {
    let contained = incident.is_contained();
    let stakeholders = happened(incident, EventKind::StakeholdersNotified, at).is_some();
    let shared = happened(incident, EventKind::Shared, at).is_some();
    let cause = happened(incident, EventKind::CauseIdentified, at).is_some();
    let scope = happened(incident, EventKind::ScopeConfirmed, at).is_some();
    let unpatched: Vec<String> = incident
        .items
        .iter()
        .filter(|item| {
            matches!(
                item.body,
                ItemBody::Vulnerability {
                    fix_available: Some(false) | None,
                    ..
                }
            )
        })
        .map(|item| item.id.to_string())
        .collect();
    let mut list = vec![
        entry(
            "containment",
            contained,
            "G12",
            "攻撃者を排除し封じ込めた".to_owned(),
            "The attacker is expelled and contained".to_owned(),
        ),
        entry(
            "stakeholders_notified",
            stakeholders,
            "G10",
            "関係者（取引先・顧客）へ公表より先に連絡した".to_owned(),
            "Stakeholders (partners, customers) were told before the public".to_owned(),
        ),
        entry(
            "technical_shared",
            shared,
            "G9",
            "公表より先に技術情報をハブ・専門機関へ共有した".to_owned(),
            "The technical information was shared with a hub or specialist before publication"
                .to_owned(),
        ),
        entry(
            "cause_and_scope_known",
            cause && scope,
            "G12",
            "原因と影響範囲が判明した（公正な論評の前提）".to_owned(),
            "The cause and the scope are known (the basis for fair comment)".to_owned(),
        ),
        if unpatched.is_empty() && cause {
            entry(
                "vulnerability_fixed_or_left_out",
                true,
                "G11③",
                "悪用された脆弱性は修正済み（または該当なし）".to_owned(),
                "Exploited vulnerabilities are fixed (or there are none)".to_owned(),
            )
        } else if unpatched.is_empty() {
            // Nobody knows the entry vector yet: an exploited vulnerability may still turn up.
            entry(
                "vulnerability_fixed_or_left_out",
                false,
                "G11③",
                "侵入経路がまだ判明していない。悪用された脆弱性があれば、修正の公開まで公表文から除く"
                    .to_owned(),
                "The entry vector is not known yet; an exploited vulnerability, if one is found, stays out of the statement until its fix is published"
                    .to_owned(),
            )
        } else {
            let list = unpatched.join(", ");
            entry(
                "vulnerability_fixed_or_left_out",
                false,
                "G11③",
                format!("修正前の脆弱性（{list}）を公表文から除いたことを確認する"),
                format!("Confirm the statement leaves out the unpatched vulnerabilities ({list})"),
            )
        },
    ];
    if incident.facts.personal_data != PersonalData::None {
        list.push(entry(
            "individuals_notified",
            happened(incident, EventKind::IndividualsNotified, at).is_some(),
            "G11①",
            "本人への通知を行った（または公表で代替する判断をした）".to_owned(),
            "Affected individuals were notified (or publication replaces individual notice)"
                .to_owned(),
        ));
    }
    list.push(entry(
        "delay_explained",
        incident.aware_at().is_some() && (contained || scope),
        "G10",
        "公表までに要した時間の理由を説明できる（下の説明案を参照）".to_owned(),
        "The reasons for the time to publication can be explained (see the draft below)".to_owned(),
    ));
    list
}

fn delay_explanation(incident: &Incident, at: Timestamp) -> Localized {
    let Some(discovery) = incident.aware_at() else {
        return Localized::new(
            "タイムラインに発見の記録がないため、説明案を作成できない。",
            "No discovery on the timeline; no draft can be made.",
        );
    };
    let steps = [
        (
            EventKind::Containment,
            "攻撃者の排除・封じ込め",
            "the attacker was expelled and contained",
        ),
        (
            EventKind::CauseIdentified,
            "侵入経路・原因の特定",
            "the entry point and cause were identified",
        ),
        (
            EventKind::ScopeConfirmed,
            "影響範囲の確定",
            "the scope of the damage was confirmed",
        ),
        (
            EventKind::StakeholdersNotified,
            "関係者への連絡",
            "stakeholders were notified",
        ),
        (
            EventKind::IndividualsNotified,
            "本人への通知",
            "affected individuals were notified",
        ),
        (
            EventKind::Reported,
            "所管当局への報告",
            "the authorities were informed",
        ),
    ];
    let mut ja = vec![format!(
        "{} に攻撃を認知した。",
        discovery.format("%Y-%m-%d")
    )];
    let mut en = vec![format!(
        "We became aware of the attack on {}.",
        discovery.format("%Y-%m-%d")
    )];
    let mut done: Vec<_> = steps
        .into_iter()
        .filter_map(|(kind, step_ja, step_en)| {
            happened(incident, kind, at).map(|when| (when, step_ja, step_en))
        })
        .collect();
    done.sort_by_key(|(when, _, _)| *when);
    for (when, step_ja, step_en) in done {
        let days = (when - discovery).num_days();
        ja.push(format!(
            "{}（認知から {days} 日後）に{step_ja}を完了した。",
            when.format("%Y-%m-%d")
        ));
        en.push(format!(
            "On {} ({days} days later), {step_en}.",
            when.format("%Y-%m-%d")
        ));
    }
    ja.push("攻撃者に察知されないよう封じ込めを優先し、関係者への連絡と影響範囲の確定を待ってから公表した。".to_owned());
    en.push("Containment came first so the attacker would not be alerted, and we published once stakeholders were told and the scope was established.".to_owned());
    Localized::new(ja.join(""), en.join(" "))
}

/// Advises on publication at `at`, given the legal obligations that apply.
pub fn advise(
    incident: &Incident,
    at: Timestamp,
    obligations: &[ObligationRoute],
) -> PublicationAdvice {
    let facts = &incident.facts;
    let checklist = checklist(incident, at);
    let mut reasons = Vec::new();
    let disclosure_duties: Vec<&ObligationRoute> = obligations
        .iter()
        .filter(|obligation| {
            obligation.route == "public" || obligation.route == "securities_regulator"
        })
        .collect();
    let duty_list = disclosure_duties
        .iter()
        .map(|duty| duty.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");

    let recommendation = if !incident.is_contained() {
        reasons.push(reason(
            "G12",
            "攻撃者が環境内に残っている可能性がある間は、第一報を含め公表しない。封じ込めを優先する。",
            "The attacker may still be inside: no publication, not even a first report, until it is expelled and contained.",
        ));
        if facts.wide_impact || facts.secondary_damage_risk {
            reasons.push(reason(
                "G13",
                "他組織への影響や二次被害のおそれがあるため、技術情報はハブ・セキュリティベンダー経由の注意喚起として今すぐ出す（被害組織名なし）。",
                "Others may be hit or harmed: the technical information goes out now as an alert through the hub or a security vendor, without naming the victim.",
            ));
        }
        if !disclosure_duties.is_empty() {
            reasons.push(reason(
                "G16",
                format!("適時開示等の義務（{duty_list}）により、封じ込め前でも限定的な第一報が必要になる場合がある。内容は攻撃者を利さない範囲に限る。"),
                format!("Disclosure duties ({duty_list}) may force a limited first report even before containment; keep it to what does not help the attacker."),
            ));
        }
        Recommendation::WaitForContainment
    } else {
        let urgent = facts.wide_impact || facts.secondary_damage_risk;
        let personal = facts.personal_data != PersonalData::None;
        if urgent {
            reasons.push(reason(
                "G16",
                "二次被害のおそれや社会的影響の大きい被害があるため、調査の完了を待たず第一報的な公表を行い、その後更新する。",
                "There is a risk of secondary damage or wide impact: publish a first report now, without waiting for the investigation to end, then update it.",
            ));
        }
        if personal {
            reasons.push(reason(
                "G11①",
                "個人データが漏えいした（おそれがある）。本人への通知が遅れる、または多くの人に届かない場合は速やかに公表する。",
                "Personal data leaked or may have: publish promptly where individual notices would be too slow or would not reach most people.",
            ));
        }
        if !disclosure_duties.is_empty() {
            reasons.push(reason(
                "G14",
                format!("法令・規則上の開示義務がある: {duty_list}。"),
                format!("Law or listing rules require disclosure: {duty_list}."),
            ));
        }
        if facts.double_extortion || facts.ransomware {
            reasons.push(reason(
                "G12③",
                "攻撃者は注目を求めている。公表では攻撃者名や脅迫内容を広めず、被害組織と周囲（報道・研究者）は攻撃者の宣伝に加担しない。",
                "The attacker seeks attention: the statement does not spread its name or threats, and everyone around the victim avoids amplifying it.",
            ));
        }
        if urgent || personal || !disclosure_duties.is_empty() || facts.media_reported {
            if facts.media_reported && !urgent && !personal && disclosure_duties.is_empty() {
                reasons.push(reason(
                    "M11",
                    "報道が先行しているため、公表は問い合わせの窓口となり、憶測を正す。",
                    "The media has reported it: a statement works as a lightning rod for inquiries and corrects speculation.",
                ));
            }
            let open: Vec<&ChecklistEntry> = checklist.iter().filter(|entry| !entry.done).collect();
            if urgent || open.is_empty() {
                Recommendation::PublishNow
            } else {
                let ids = open
                    .iter()
                    .map(|entry| entry.id)
                    .collect::<Vec<_>>()
                    .join(", ");
                reasons.push(reason(
                    "G10",
                    format!("公表の前に未完了の項目がある: {ids}。"),
                    format!("Before publishing, these are still open: {ids}."),
                ));
                Recommendation::PublishWhenReady
            }
        } else if facts.double_extortion {
            reasons.push(reason(
                "G12③",
                "個人データ・法的義務・第三者への危険がなく、公表は主に攻撃者の宣伝になる。関係者への個別連絡に留める。",
                "No personal data, legal duty or third-party risk requires it; publishing would mainly advertise the attacker. Tell stakeholders individually instead.",
            ));
            Recommendation::NotRecommended
        } else {
            reasons.push(reason(
                "G12",
                "法的義務や第三者への危険はない。攻撃者によっては公表しないことが正しい場合もあるが、公表しないリスク（M11）も考慮する。",
                "No legal duty or third-party risk requires it. Depending on the attacker, not publishing can be right; weigh the risks of not publishing too (M11).",
            ));
            Recommendation::Optional
        }
    };
    PublicationAdvice {
        recommendation,
        reasons,
        checklist,
        delay_explanation: delay_explanation(incident, at),
    }
}
