//! The incident: the root of the model, and the places its information can go.
//!
//! Key decision: an `Incident` is only built from validated parts and checked as a whole
//! ([`Incident::check`]): item ids are unique, approvals and `shared` events name items and
//! communities that exist. Rules can then trust every cross-reference.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::InvalidValue;
use crate::condition::Environment;
use crate::facts::{FactValue, Facts};
use crate::item::{InfoClass, Item, ItemBody, ItemId};
use crate::profile::IdentityProfile;
use crate::timeline::{EventKind, TimelineEvent, Timestamp};
use crate::tlp::Tlp;

/// A legal system whose reporting rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Jurisdiction {
    /// Japan.
    Jp,
    /// The European Union.
    Eu,
    /// The United States (federal rules).
    Us,
}

impl Jurisdiction {
    /// Every jurisdiction with rules in this release.
    pub const ALL: [Jurisdiction; 3] = [Jurisdiction::Jp, Jurisdiction::Eu, Jurisdiction::Us];

    /// The code used in files (`JP`, `EU`, `US`).
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Jp => "JP",
            Jurisdiction::Eu => "EU",
            Jurisdiction::Us => "US",
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Jurisdiction {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_uppercase().as_str() {
            "JP" => Ok(Jurisdiction::Jp),
            "EU" => Ok(Jurisdiction::Eu),
            "US" => Ok(Jurisdiction::Us),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` は対応している法域ではありません。JP、EU、US のいずれかを書いてください{}",
                    crate::suggest::hint_ja(text, ["JP", "EU", "US"])
                ),
                format!(
                    "`{text}` is not a supported jurisdiction; expected one of JP, EU, US{}",
                    crate::suggest::hint_en(text, ["JP", "EU", "US"])
                ),
            )),
        }
    }
}

/// A business sector, in the vocabulary of the obligations reference §0.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sector(String);

impl Sector {
    /// Sectors that drive rules (obligations §0), then common descriptive ones.
    pub const KNOWN: [&'static str; 34] = [
        "telecom_carrier",
        "electricity",
        "bank",
        "securities",
        "insurance",
        "card_issuer",
        "card_merchant",
        "defense_contractor",
        "critical_infra_jp",
        "nis2_essential",
        "nis2_important",
        "dora_financial_entity",
        "hipaa_covered_entity",
        "hipaa_business_associate",
        "nydfs_covered_entity",
        "circia_covered_entity",
        "trust_service_provider",
        "manufacturing",
        "healthcare",
        "retail",
        "ecommerce",
        "government",
        "education",
        "it_services",
        "software_vendor",
        "managed_service_provider",
        "logistics",
        "construction",
        "food",
        "media",
        "transport",
        "energy",
        "water",
        "other",
    ];

    /// Validates a sector name: lower-case letters, digits and `_`. Names outside
    /// [`Sector::KNOWN`] are accepted (the vocabulary is open) — see [`Sector::is_known`].
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let valid = !text.is_empty()
            && text
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
        if valid {
            Ok(Sector(text.to_owned()))
        } else {
            Err(InvalidValue::new(
                format!(
                    "`{text}` は業種名の形ではありません。telecom_carrier のように、小文字の語を `_` でつないで書いてください"
                ),
                format!(
                    "`{text}` is not a sector name; expected lower-case words joined by `_`, such as telecom_carrier"
                ),
            ))
        }
    }

    /// True when the name is in the known vocabulary (unknown names drive no rule).
    pub fn is_known(&self) -> bool {
        Sector::KNOWN.contains(&self.0.as_str())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The three outflow channels of Table 4 (G3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Early, confidential sharing with a hub, ISAC or trusted group.
    Share,
    /// An alert issued by a security vendor or hub to third parties.
    ExpertAlert,
    /// The victim's public disclosure.
    Publication,
}

impl Channel {
    /// The three channels, in the contract's order.
    pub const ALL: [Channel; 3] = [Channel::Share, Channel::ExpertAlert, Channel::Publication];

    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Share => "share",
            Channel::ExpertAlert => "expert_alert",
            Channel::Publication => "publication",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text)
            .ok_or_else(|| {
                let names = Channel::ALL.map(Channel::as_str);
                InvalidValue::new(
                    format!("`{text}` は経路ではありません。share、expert_alert、publication のいずれかを書いてください{}", crate::suggest::hint_ja(text, names)),
                    format!("`{text}` is not a channel; expected one of share, expert_alert, publication{}", crate::suggest::hint_en(text, names)),
                )
            })
    }
}

/// The two kinds of sharing community (G5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommunityKind {
    /// Type A: a hub run by a specialist organization; anonymous, cross-sector.
    Hub,
    /// Type B: an industry group with named members ("faces known").
    Isac,
}

impl CommunityKind {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommunityKind::Hub => "hub",
            CommunityKind::Isac => "isac",
        }
    }
}

impl FromStr for CommunityKind {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "hub" => Ok(CommunityKind::Hub),
            "isac" => Ok(CommunityKind::Isac),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` はコミュニティの種類ではありません。hub（タイプA）か isac（タイプB）を書いてください"
                ),
                format!("`{text}` is not a community type; expected hub (type A) or isac (type B)"),
            )),
        }
    }
}

/// A place sharing can go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Id, unique within the incident.
    pub id: String,
    /// Hub (type A) or ISAC (type B).
    pub kind: CommunityKind,
    /// The most restrictive TLP label the community accepts and honours.
    pub max_tlp: Tlp,
}

/// A person's decision on an item that needed review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Send the item as it is.
    Approve,
    /// Send only the sample's hashes, never the file.
    HashOnly,
    /// Send a redacted copy.
    Redact,
    /// Do not send.
    Reject,
}

impl Resolution {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Approve => "approve",
            Resolution::HashOnly => "hash_only",
            Resolution::Redact => "redact",
            Resolution::Reject => "reject",
        }
    }
}

impl FromStr for Resolution {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "approve" => Ok(Resolution::Approve),
            "hash_only" => Ok(Resolution::HashOnly),
            "redact" => Ok(Resolution::Redact),
            "reject" => Ok(Resolution::Reject),
            _ => Err(InvalidValue::new(
                format!(
                    "`{text}` は承認の結論ではありません。approve、hash_only、redact、reject のいずれかを書いてください{}",
                    crate::suggest::hint_ja(text, ["approve", "hash_only", "redact", "reject"])
                ),
                format!(
                    "`{text}` is not a resolution; expected one of approve, hash_only, redact, reject{}",
                    crate::suggest::hint_en(text, ["approve", "hash_only", "redact", "reject"])
                ),
            )),
        }
    }
}

/// A recorded decision on one item for one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    /// The item decided on.
    pub item: ItemId,
    /// The channel the decision is for.
    pub channel: Channel,
    /// Who decided.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// What was decided.
    pub resolution: Resolution,
}

/// One incident, as the victim's responders know it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The incident's id.
    pub id: String,
    /// A short title.
    pub title: Option<String>,
    /// Jurisdictions whose rules apply.
    pub jurisdictions: Vec<Jurisdiction>,
    /// Business sectors of the organization.
    pub sectors: Vec<Sector>,
    /// Listed on a Japanese exchange.
    pub listed_company: bool,
    /// Files reports with the US SEC.
    pub sec_registrant: bool,
    /// The victim's identity profile (G6).
    pub organization: IdentityProfile,
    /// What is known.
    pub facts: Facts,
    /// What happened when.
    pub timeline: Vec<TimelineEvent>,
    /// The information items.
    pub items: Vec<Item>,
    /// Where sharing can go.
    pub communities: Vec<Community>,
    /// Recorded decisions on review items.
    pub approvals: Vec<Approval>,
}

/// A cross-reference in an incident that does not hold, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The field path, such as `items[3].id` or `approvals[0].item`.
    pub field: String,
    /// What is wrong, in both languages.
    pub message: crate::Localized,
}

impl Incident {
    /// Checks the incident as a whole: unique item and community ids, references that resolve.
    pub fn check(&self) -> Result<(), CheckError> {
        let mut item_ids = HashSet::new();
        for (index, item) in self.items.iter().enumerate() {
            if !item_ids.insert(item.id.as_str()) {
                return Err(CheckError {
                    field: format!("items[{index}].id"),
                    message: crate::Localized::new(
                        format!(
                            "項目の id `{}` が 2 回使われています。id は重複しないようにしてください",
                            item.id
                        ),
                        format!("item id `{}` is used twice; ids must be unique", item.id),
                    ),
                });
            }
        }
        let mut community_ids = HashSet::new();
        for (index, community) in self.communities.iter().enumerate() {
            if !community_ids.insert(community.id.as_str()) {
                return Err(CheckError {
                    field: format!("communities[{index}].id"),
                    message: crate::Localized::new(
                        format!(
                            "コミュニティの id `{}` が 2 回使われています。id は重複しないようにしてください",
                            community.id
                        ),
                        format!(
                            "community id `{}` is used twice; ids must be unique",
                            community.id
                        ),
                    ),
                });
            }
        }
        for (index, approval) in self.approvals.iter().enumerate() {
            if !item_ids.contains(approval.item.as_str()) {
                return Err(CheckError {
                    field: format!("approvals[{index}].item"),
                    message: crate::Localized::new(
                        format!(
                            "id が `{}` の項目はありません{}",
                            approval.item,
                            crate::suggest::hint_ja(
                                approval.item.as_str(),
                                self.items.iter().map(|item| item.id.as_str())
                            )
                        ),
                        format!(
                            "no item has the id `{}`{}",
                            approval.item,
                            crate::suggest::hint_en(
                                approval.item.as_str(),
                                self.items.iter().map(|item| item.id.as_str())
                            )
                        ),
                    ),
                });
            }
        }
        for (index, event) in self.timeline.iter().enumerate() {
            if let Some(community) = &event.community
                && !community_ids.contains(community.as_str())
            {
                return Err(CheckError {
                    field: format!("timeline[{index}].community"),
                    message: crate::Localized::new(
                        format!(
                            "id が `{community}` のコミュニティはありません{}",
                            crate::suggest::hint_ja(
                                community,
                                self.communities.iter().map(|c| c.id.as_str())
                            )
                        ),
                        format!(
                            "no community has the id `{community}`{}",
                            crate::suggest::hint_en(
                                community,
                                self.communities.iter().map(|c| c.id.as_str())
                            )
                        ),
                    ),
                });
            }
            if event.kind == EventKind::Reported && event.obligation.is_none() == event.to.is_none()
            {
                return Err(CheckError {
                    field: format!("timeline[{index}].obligation"),
                    message: crate::Localized::new(
                        "`reported`（報告した）の出来事には、法令上の義務なら `obligation = \"義務の id\"`、それ以外の報告・相談なら `to = \"police\"` のように相手を、どちらか一つだけ書いてください",
                        "a `reported` event names either the legal obligation it satisfies (`obligation = \"<id>\"`) or, for a report that is not a legal duty, whom it went to (`to = \"police\"`) — exactly one of them",
                    ),
                });
            }
        }
        Ok(())
    }

    /// The earliest event of a kind.
    pub fn first_event(&self, kind: EventKind) -> Option<&TimelineEvent> {
        self.timeline
            .iter()
            .filter(|event| event.kind == kind)
            .min_by_key(|event| event.at)
    }

    /// The latest event of a kind.
    pub fn last_event(&self, kind: EventKind) -> Option<&TimelineEvent> {
        self.timeline
            .iter()
            .filter(|event| event.kind == kind)
            .max_by_key(|event| event.at)
    }

    /// When the organization became aware: the first `discovery` event.
    pub fn aware_at(&self) -> Option<Timestamp> {
        self.first_event(EventKind::Discovery).map(|event| event.at)
    }

    /// True when the attacker is contained, by fact or by a `containment` event.
    pub fn is_contained(&self) -> bool {
        self.facts.attacker_contained || self.first_event(EventKind::Containment).is_some()
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id.as_str() == id)
    }

    /// The community with this id.
    pub fn community(&self, id: &str) -> Option<&Community> {
        self.communities.iter().find(|community| community.id == id)
    }

    /// The latest approval recorded for an item on a channel.
    pub fn approval(&self, item: &ItemId, channel: Channel) -> Option<&Approval> {
        self.approvals
            .iter()
            .filter(|approval| &approval.item == item && approval.channel == channel)
            .max_by_key(|approval| approval.at)
    }

    /// The value of a fact by name: the facts' own names, plus incident-level ones.
    pub fn fact(&self, name: &str) -> Option<FactValue> {
        let any_item =
            |predicate: &dyn Fn(&Item) -> bool| FactValue::Bool(self.items.iter().any(predicate));
        match name {
            "listed_jp" | "listed_company" => Some(FactValue::Bool(self.listed_company)),
            "sec_registrant" => Some(FactValue::Bool(self.sec_registrant)),
            "contained" | "attacker_contained" => Some(FactValue::Bool(self.is_contained())),
            "has_vulnerability_unpatched" => Some(any_item(&|item| {
                matches!(
                    item.body,
                    ItemBody::Vulnerability {
                        fix_available: Some(false) | None,
                        ..
                    }
                )
            })),
            "has_technical_items" => Some(any_item(&|item| item.class() != InfoClass::Context)),
            "has_context_items" => Some(any_item(&|item| item.class() == InfoClass::Context)),
            "has_isac" => Some(FactValue::Bool(
                self.communities
                    .iter()
                    .any(|community| community.kind == CommunityKind::Isac),
            )),
            "has_hub" => Some(FactValue::Bool(
                self.communities
                    .iter()
                    .any(|community| community.kind == CommunityKind::Hub),
            )),
            _ => self.facts.get(name),
        }
    }
}

impl Environment for Incident {
    fn fact(&self, name: &str) -> Option<FactValue> {
        Incident::fact(self, name)
    }

    fn has_sector(&self, sector: &str) -> bool {
        self.sectors.iter().any(|known| known.as_str() == sector)
    }

    fn has_jurisdiction(&self, code: &str) -> bool {
        self.jurisdictions
            .iter()
            .any(|jurisdiction| jurisdiction.as_str().eq_ignore_ascii_case(code))
    }

    fn has_event(&self, event: &str) -> bool {
        self.timeline
            .iter()
            .any(|known| known.kind.as_str() == event)
    }

    fn reported_to(&self, recipient: &str) -> bool {
        self.timeline.iter().any(|event| {
            event.kind == EventKind::Reported && event.to.as_deref() == Some(recipient)
        })
    }
}
