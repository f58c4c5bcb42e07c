//! The incident's timeline: what happened when.
//!
//! Key decision: timestamps keep the offset they were written with (`DateTime<FixedOffset>`), so
//! a deadline computed from a Japanese discovery time prints in Japanese time, and business-day
//! arithmetic happens in the local calendar of the person who became aware.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};

use crate::InvalidValue;

/// An instant with the UTC offset it was written in.
pub type Timestamp = DateTime<FixedOffset>;

/// Parses an RFC 3339 timestamp (an offset is required: an incident spans time zones).
pub fn parse_timestamp(text: &str) -> Result<Timestamp, InvalidValue> {
    DateTime::parse_from_rfc3339(text.trim()).map_err(|error| {
        InvalidValue::new(
            format!("`{text}` は時刻として読めません。2026-11-02T09:30:00+09:00 のように、日付・時刻と時差（+09:00 など）を書いてください"),
            format!("`{text}` is not an RFC 3339 timestamp with an offset, such as 2026-11-02T09:30:00+09:00 ({error})"),
        )
    })
}

/// What a timeline event records. The names are the contract's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// The attack began (as far as known).
    AttackStart,
    /// The organization became aware of the attack (the clock start of most deadlines).
    Discovery,
    /// The attacker was expelled and contained (封じ込め).
    Containment,
    /// The cause (entry point) was identified.
    CauseIdentified,
    /// The scope of the damage was confirmed.
    ScopeConfirmed,
    /// Stakeholders (customers, partners) were notified.
    StakeholdersNotified,
    /// Affected individuals were notified.
    IndividualsNotified,
    /// A report required by an obligation was submitted (`obligation` names it).
    Reported,
    /// A share package went out (`community` names where).
    Shared,
    /// The incident was published.
    Published,
    /// Know-how (lessons, recurrence prevention) was shared.
    KnowhowShared,
    /// Materiality was determined (SEC).
    MaterialityDetermined,
    /// The incident was classified as major (DORA).
    ClassifiedMajor,
    /// A ransom was paid.
    RansomPaid,
    /// The incident was closed (settled; new measures running).
    Closed,
}

impl EventKind {
    /// Every event kind, in the contract's order.
    pub const ALL: [EventKind; 15] = [
        EventKind::AttackStart,
        EventKind::Discovery,
        EventKind::Containment,
        EventKind::CauseIdentified,
        EventKind::ScopeConfirmed,
        EventKind::StakeholdersNotified,
        EventKind::IndividualsNotified,
        EventKind::Reported,
        EventKind::Shared,
        EventKind::Published,
        EventKind::KnowhowShared,
        EventKind::MaterialityDetermined,
        EventKind::ClassifiedMajor,
        EventKind::RansomPaid,
        EventKind::Closed,
    ];

    /// The contract's name of the event.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AttackStart => "attack_start",
            EventKind::Discovery => "discovery",
            EventKind::Containment => "containment",
            EventKind::CauseIdentified => "cause_identified",
            EventKind::ScopeConfirmed => "scope_confirmed",
            EventKind::StakeholdersNotified => "stakeholders_notified",
            EventKind::IndividualsNotified => "individuals_notified",
            EventKind::Reported => "reported",
            EventKind::Shared => "shared",
            EventKind::Published => "published",
            EventKind::KnowhowShared => "knowhow_shared",
            EventKind::MaterialityDetermined => "materiality_determined",
            EventKind::ClassifiedMajor => "classified_major",
            EventKind::RansomPaid => "ransom_paid",
            EventKind::Closed => "closed",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
                InvalidValue::new(
                    format!(
                        "`{text}` は経緯の出来事ではありません。次のいずれかを書いてください: {}{}",
                        names.join(", "),
                        crate::suggest::hint_ja(text, names.iter().copied())
                    ),
                    format!(
                        "`{text}` is not a timeline event; expected one of {}{}",
                        names.join(", "),
                        crate::suggest::hint_en(text, names.iter().copied())
                    ),
                )
            })
    }
}

/// Whom a `reported` event can name with `to`: reports and consultations that are not legal
/// duties (guidance M3, M5, M9), in the routing vocabulary of the assess JSON.
pub const REPORT_RECIPIENTS: [&str; 7] = [
    "police",
    "insurer",
    "coordination_center",
    "ipa",
    "isac",
    "product_developer",
    "stakeholders",
];

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// What happened.
    pub kind: EventKind,
    /// When it happened.
    pub at: Timestamp,
    /// Free text for people.
    pub note: Option<String>,
    /// For `reported`: the obligation id the report satisfies.
    pub obligation: Option<String>,
    /// For `reported`: a recipient that is not a legal duty (police, insurer, coordination
    /// center…), one of [`REPORT_RECIPIENTS`].
    pub to: Option<String>,
    /// For `shared`: the community the package went to.
    pub community: Option<String>,
}
