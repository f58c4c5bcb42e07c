//! The one egress gate: the single policy decision every outflow passes through (share
//! packages now; TAXII, REST, documents and sync later).
//!
//! Key decision: the gate re-derives what may leave from the assessment *and* enforces the hard
//! invariants itself, as a second line of defence: only items whose decision toward this community
//! is `allow` (or a `review` a person approved) leave; context never goes to a type-A hub; no
//! outgoing text carries a profile identifier (it is redacted, or the item is withheld); a sample
//! with findings leaves by hash only; the producer toward a hub is a pseudonym, never the victim.
//! Exporters serialize a [`Package`] and nothing else, so no export path can build its own policy.
//!
//! The server's collections pass through here too: [`may_deliver`] decides, object by object,
//! whether a stored STIX object may reach a reader, from the reader's standing in the community
//! *and* the object's TLP (G8) — never from the collection alone.

use kyoyu_guidance::{Decision, Reason};
use kyoyu_model::{
    Approval, Channel, Community, CommunityKind, Incident, InfoClass, Item, ItemBody, ItemId,
    Localized, Resolution, Tlp,
};
use kyoyu_scan::Scanner;

use crate::assess::Assessment;

/// How an item leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// As it is (its text holds no profile identifier).
    AsIs,
    /// Only the sample's hashes; never the file, never its path.
    HashOnly,
    /// Its texts with every profile identifier replaced by a placeholder.
    Redacted,
}

/// One item that may leave, with what of it leaves.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    /// The item.
    pub item: &'a Item,
    /// The TLP marking it carries (the item's own, or the default for the channel).
    pub tlp: Tlp,
    /// How it leaves.
    pub form: Form,
    /// The texts that leave, by field (`value`, `text`, `product`), already redacted when
    /// `form` is `Redacted`; a `HashOnly` sample carries none of its text.
    pub texts: Vec<(&'static str, String)>,
    /// The approval that let it go, when it needed one.
    pub approval: Option<&'a Approval>,
}

/// An item kept back, and why.
#[derive(Debug, Clone)]
pub struct Withheld {
    /// The item.
    pub item: ItemId,
    /// The decision that kept it.
    pub decision: Decision,
    /// The reasons, with rule ids.
    pub reasons: Vec<Reason>,
}

/// Who the package says it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Producer {
    /// A stable pseudonym (toward a type-A hub: G5, G7).
    Pseudonym(String),
    /// The organization's name (toward a type-B ISAC, under its membership terms: G5).
    Named(String),
}

/// What may leave toward one community, decided once.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// The community.
    pub community: &'a Community,
    /// The producer identity to put on the objects.
    pub producer: Producer,
    /// What leaves.
    pub releases: Vec<Release<'a>>,
    /// What stays, with why.
    pub withheld: Vec<Withheld>,
}

/// A package that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The community is not declared in the incident.
    #[error("communities: no community has the id `{0}`")]
    UnknownCommunity(String),
    /// The assessment is of another incident.
    #[error("the assessment is of incident `{assessed}`, not `{incident}`")]
    WrongAssessment {
        /// The incident given.
        incident: String,
        /// The incident assessed.
        assessed: String,
    },
}

/// The default marking of shared items without their own label: TLP:AMBER, the usual label of
/// pre-publication sharing with a hub (limited disclosure, need to know).
pub const DEFAULT_SHARE_TLP: Tlp = Tlp::Amber;

fn withheld(
    item: &Item,
    decision: Decision,
    rule: &'static str,
    ja: String,
    en: String,
) -> Withheld {
    Withheld {
        item: item.id.clone(),
        decision,
        reasons: vec![Reason {
            rule,
            text: Localized::new(ja, en),
        }],
    }
}

/// A stable pseudonym for the submitter toward one community: the same incident and community
/// always give the same name, and it says nothing of the victim.
fn pseudonym(incident: &Incident, community: &Community) -> String {
    // FNV-1a: stable across releases and platforms (unlike `DefaultHasher`), no dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in incident.id.bytes().chain([0]).chain(community.id.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("kyoyu-submitter-{:012x}", hash & 0xffff_ffff_ffff)
}

/// Decides the share package toward `community_id`. `scanner` is the incident's profile scanner
/// (`None` when the profile lists nothing).
pub fn share_package<'a>(
    incident: &'a Incident,
    assessment: &Assessment,
    community_id: &str,
    scanner: Option<&Scanner>,
) -> Result<Package<'a>, EgressError> {
    if assessment.incident != incident.id {
        return Err(EgressError::WrongAssessment {
            incident: incident.id.clone(),
            assessed: assessment.incident.clone(),
        });
    }
    let community = incident
        .community(community_id)
        .ok_or_else(|| EgressError::UnknownCommunity(community_id.to_owned()))?;
    // Toward a hub the producer is always a pseudonym (G5, G7). An ISAC may know its members
    // (G5), but naming the victim is then a decision of its own: until the incident file can
    // record it, packages carry the pseudonym toward every community.
    let producer = Producer::Pseudonym(pseudonym(incident, community));
    let mut package = Package {
        community,
        producer,
        releases: Vec::new(),
        withheld: Vec::new(),
    };
    for (item, assessed) in incident.items.iter().zip(&assessment.guidance.items) {
        debug_assert_eq!(item.id, assessed.id);
        let Some(verdict) = assessed
            .communities
            .iter()
            .find(|verdict| verdict.community == community.id)
        else {
            continue;
        };
        if verdict.decision != Decision::Allow {
            package.withheld.push(Withheld {
                item: item.id.clone(),
                decision: verdict.decision,
                reasons: verdict.reasons.clone(),
            });
            continue;
        }
        // Second line of defence: context never reaches a type-A hub, whatever the assessment said.
        if item.class() == InfoClass::Context && community.kind == CommunityKind::Hub {
            package.withheld.push(withheld(
                item,
                Decision::Deny,
                "G7",
                "コンテクスト情報はハブへ出さない。".to_owned(),
                "Context never goes to a type-A hub.".to_owned(),
            ));
            continue;
        }
        let approval = incident.approval(&item.id, Channel::Share);
        let resolution = approval.map(|approval| approval.resolution);
        let is_sample = matches!(item.body, ItemBody::Ioc { path: Some(_), .. });
        let has_findings = !assessed.findings.is_empty();
        let form = match resolution {
            Some(Resolution::HashOnly) => Form::HashOnly,
            Some(Resolution::Redact) => Form::Redacted,
            _ if is_sample && has_findings => Form::HashOnly,
            _ => Form::AsIs,
        };
        let mut texts = Vec::new();
        let mut leaks = false;
        for (field, text) in item.texts() {
            if field == "path" || (form == Form::HashOnly && field != "value") {
                continue;
            }
            let (redacted, changes) = match scanner {
                Some(scanner) => scanner.redact_text(text),
                None => (text.to_owned(), Vec::new()),
            };
            if changes.is_empty() {
                texts.push((field, text.to_owned()));
            } else if form == Form::Redacted {
                texts.push((field, redacted));
            } else {
                leaks = true;
            }
        }
        if leaks {
            package.withheld.push(withheld(
                item,
                Decision::Review,
                "G6",
                "送信する内容に被害組織の識別情報が残っている。編集（redact）を承認するか、送らないこと。".to_owned(),
                "What would leave still carries the victim's identifiers; approve a redaction or do not send it.".to_owned(),
            ));
            continue;
        }
        let tlp = item.tlp.unwrap_or(DEFAULT_SHARE_TLP);
        package.releases.push(Release {
            item,
            tlp,
            form,
            texts,
            approval,
        });
    }
    Ok(package)
}

/// How a reader stands to the community whose collection holds an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderStanding {
    /// The hub that owns the community: the recipient of everything shared with it.
    Owner,
    /// A member organization.
    Member,
    /// Neither.
    Outsider,
}

/// Whether a stored object may reach a reader, and if not, why (G8, TLP 2.0).
///
/// - Outsiders receive nothing.
/// - TLP:CLEAR, GREEN and AMBER reach the owner and the members: the community is the
///   recipient the submitter chose. An object without a TLP marking is treated as
///   [`DEFAULT_SHARE_TLP`] (AMBER), the label of pre-publication sharing.
/// - TLP:AMBER+STRICT (the recipient organization only) and TLP:RED (named recipients only)
///   reach the owner and the organizations named in the object's audience (its submitter), and
///   no other member.
pub fn may_deliver(
    tlp: Option<Tlp>,
    standing: ReaderStanding,
    named_in_audience: bool,
) -> Result<(), Reason> {
    let tlp = tlp.unwrap_or(DEFAULT_SHARE_TLP);
    let refuse = |ja: String, en: String| {
        Err(Reason {
            rule: "G8",
            text: Localized::new(ja, en),
        })
    };
    match (standing, tlp) {
        (ReaderStanding::Outsider, _) => refuse(
            "このコミュニティの参加組織ではありません。".into(),
            "not a member of this community".into(),
        ),
        (ReaderStanding::Owner, _) => Ok(()),
        (ReaderStanding::Member, Tlp::Clear | Tlp::Green | Tlp::Amber) => Ok(()),
        (ReaderStanding::Member, Tlp::AmberStrict | Tlp::Red) if named_in_audience => Ok(()),
        (ReaderStanding::Member, label) => refuse(
            format!(
                "TLP:{} は受信者として指定された組織に限られます。",
                label.as_str().to_uppercase()
            ),
            format!(
                "TLP:{} is for the named recipient organizations only",
                label.as_str().to_uppercase()
            ),
        ),
    }
}
