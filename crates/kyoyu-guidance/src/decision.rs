//! Grades, decisions and the reasons behind them.
//!
//! Key decision: decisions are ordered by how much they restrict (`allow` < `review` < `hold` <
//! `deny`), and an item's decision on a channel is the most restrictive one any rule gives, with
//! the reasons of every rule that restricted it. A rule can therefore only add caution, never
//! remove another rule's objection — except a recorded human approval, which resolves `review`
//! (and only `review`).

use std::fmt;

use kyoyu_model::{Channel, InfoClass, ItemId, ItemKind, Localized, Resolution};

use crate::identifiability::Finding;

/// A grade of Table 4 (G3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grade {
    /// ◎ strongly recommended.
    StronglyRecommended,
    /// 〇 recommended.
    Recommended,
    /// △ conditional.
    Conditional,
    /// × not appropriate.
    NotAppropriate,
}

impl Grade {
    /// The guidance's mark, exactly.
    pub fn symbol(self) -> &'static str {
        match self {
            Grade::StronglyRecommended => "◎",
            Grade::Recommended => "〇",
            Grade::Conditional => "△",
            Grade::NotAppropriate => "×",
        }
    }

    /// Parses the mark (`◎`, `〇`, `△`, `×`).
    pub fn from_symbol(symbol: &str) -> Option<Grade> {
        match symbol {
            "◎" => Some(Grade::StronglyRecommended),
            "〇" => Some(Grade::Recommended),
            "△" => Some(Grade::Conditional),
            "×" => Some(Grade::NotAppropriate),
            _ => None,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.symbol())
    }
}

/// What a concrete item may do on a channel now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// May go out.
    Allow,
    /// A person must confirm first.
    Review,
    /// Blocked until a condition holds.
    Hold,
    /// Not for this channel.
    Deny,
}

impl Decision {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Review => "review",
            Decision::Hold => "hold",
            Decision::Deny => "deny",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a decision is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The guidance rule id (`G6`, `G11③`).
    pub rule: &'static str,
    /// The explanation.
    pub text: Localized,
}

/// The verdict for one item on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelVerdict {
    /// The channel.
    pub channel: Channel,
    /// Table 4's grade for the item's kind.
    pub grade: Grade,
    /// The decision for this item now.
    pub decision: Decision,
    /// Every rule that restricted the decision (empty only for `allow`), plus notes.
    pub reasons: Vec<Reason>,
    /// The approval that resolved a `review`, when one did.
    pub approval: Option<(Resolution, String)>,
    /// What lifts a `hold` (for people: "until the fix is published").
    pub until: Option<Localized>,
}

/// The share verdict toward one community (G5, G8).
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityVerdict {
    /// The community id.
    pub community: String,
    /// The decision for that community.
    pub decision: Decision,
    /// The reasons.
    pub reasons: Vec<Reason>,
}

/// Everything decided about one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemAssessment {
    /// The item.
    pub id: ItemId,
    /// Its kind.
    pub kind: ItemKind,
    /// Its class.
    pub class: InfoClass,
    /// share, expert_alert, publication — in that order.
    pub channels: [ChannelVerdict; 3],
    /// The share verdict per community declared in the incident.
    pub communities: Vec<CommunityVerdict>,
    /// Identifiability findings (G6).
    pub findings: Vec<Finding>,
    /// The SHA-256 of the item's sample file, when it was read.
    pub sample_sha256: Option<String>,
}

impl ItemAssessment {
    /// The verdict on one channel.
    pub fn channel(&self, channel: Channel) -> &ChannelVerdict {
        match channel {
            Channel::Share => &self.channels[0],
            Channel::ExpertAlert => &self.channels[1],
            Channel::Publication => &self.channels[2],
        }
    }
}

/// Builds a verdict from restrictions: the strictest decision wins; reasons accumulate.
#[derive(Debug, Clone)]
pub(crate) struct VerdictBuilder {
    pub(crate) decision: Decision,
    pub(crate) reasons: Vec<Reason>,
    pub(crate) until: Option<Localized>,
}

impl VerdictBuilder {
    pub(crate) fn new() -> Self {
        VerdictBuilder {
            decision: Decision::Allow,
            reasons: Vec::new(),
            until: None,
        }
    }

    /// Records a restriction: the decision becomes at least `decision`.
    pub(crate) fn restrict(&mut self, decision: Decision, reason: Reason) {
        self.decision = self.decision.max(decision);
        self.reasons.push(reason);
    }

    /// Records a hold and what lifts it.
    pub(crate) fn hold(&mut self, reason: Reason, until: Localized) {
        self.restrict(Decision::Hold, reason);
        if self.until.is_none() {
            self.until = Some(until);
        }
    }

    /// Adds an explanatory note that does not restrict.
    pub(crate) fn note(&mut self, reason: Reason) {
        self.reasons.push(reason);
    }
}
