//! The loaded form of one obligation: who, when it applies, to whom, and its deadline stages.
//!
//! Key decision: a deadline is a list of *stages* (first report, detailed report…) sharing one
//! obligation id, because the reference gives one row — and the contract one id — per duty even
//! where the law asks for two reports. Stage n counts as submitted once the timeline holds n
//! `reported` events naming the id. Every period is computed in the local calendar of its start
//! event's UTC offset, so a Japanese discovery yields Japanese calendar days.

use chrono::{Datelike, Months, NaiveDate, NaiveTime, TimeDelta};
use kyoyu_model::{Condition, Jurisdiction, Localized, Timestamp};

use crate::calendar::{Calendar, CalendarError};

/// The routing destinations of the contract (`routing[].to`).
pub const ROUTES: [&str; 11] = [
    "data_protection_authority",
    "sector_regulator",
    "securities_regulator",
    "police",
    "stakeholders",
    "public",
    "insurer",
    "coordination_center",
    "ipa",
    "isac",
    "product_developer",
];

/// One legal reporting obligation.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The reference's id (`JP-APPI-PRELIM`).
    pub id: String,
    /// The legal system.
    pub jurisdiction: Jurisdiction,
    /// A short name.
    pub title: Localized,
    /// Law and article.
    pub basis: String,
    /// Who is obliged.
    pub obliged: String,
    /// Where the report goes, for people.
    pub recipient: Localized,
    /// Where the report goes, in the contract's routing vocabulary.
    pub route: String,
    /// When the rule applies (the rule's jurisdiction is checked separately).
    pub trigger: Condition,
    /// The deadline stages.
    pub deadline: Deadline,
    /// The deadline as people read it.
    pub deadline_text: Localized,
    /// False for rows the reference marks [M] (or whose deadline detail is [M]).
    pub verified: bool,
    /// The reference's source tags.
    pub source: String,
    /// Shown with every status of the rule.
    pub note: Option<Localized>,
    /// What the report must contain (the reference's "contents" column), for the "do now" list.
    pub form: Option<Localized>,
    /// Whether the rule is in force.
    pub in_force: InForce,
}

impl Rule {
    /// True for a rule that changes other rules' deadlines instead of asking for a report
    /// (EU-DORA-WEEKEND).
    pub fn adjustment(&self) -> Option<&Adjustment> {
        match self.deadline.stages.first().map(|stage| &stage.kind) {
            Some(StageKind::Adjustment(adjustment)) => Some(adjustment),
            _ => None,
        }
    }
}

/// Whether a rule is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InForce {
    /// In force.
    Yes,
    /// In force for incidents whose organization became aware on or after this local date.
    From(NaiveDate),
    /// Enacted or proposed, not yet in force, no date known (CIRCIA).
    Pending,
}

/// The deadline of a rule: its stages, in order.
#[derive(Debug, Clone)]
pub struct Deadline {
    /// At least one stage.
    pub stages: Vec<Stage>,
}

/// One report of an obligation.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Its name where a rule has several (`first report`, `detailed report`).
    pub label: Option<Localized>,
    /// When it is due.
    pub kind: StageKind,
    /// Alternative periods under conditions; the first that holds replaces the period.
    pub variants: Vec<Variant>,
}

/// What kind of time limit a stage has.
#[derive(Debug, Clone)]
pub enum StageKind {
    /// A computed time limit.
    Within(Period),
    /// "Promptly" / "immediately" without a number: a soft deadline, alerted until done.
    Promptly,
    /// Only when the authority asks.
    OnRequest,
    /// No deadline: best effort, voluntary, or classification criteria.
    NoDeadline,
    /// Moves other rules' deadlines (EU-DORA-WEEKEND).
    Adjustment(Adjustment),
}

/// A conditional replacement period (APPI: 60 days where a wrongful act may be involved).
#[derive(Debug, Clone)]
pub struct Variant {
    /// When it applies.
    pub when: Condition,
    /// The period that replaces the stage's.
    pub period: Period,
}

/// "Due at 12:00 on the next working day when the deadline lands on a weekend or holiday."
#[derive(Debug, Clone)]
pub struct Adjustment {
    /// Whose holidays count.
    pub calendar: Jurisdiction,
    /// The local time on the next working day.
    pub time: NaiveTime,
    /// The rule ids whose deadlines move.
    pub applies_to: Vec<String>,
}

/// The unit of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Clock hours, weekends included.
    Hours,
    /// Calendar days; due at the end of the last day.
    CalendarDays,
    /// Business days of the rule's jurisdiction; due at the end of the last day.
    BusinessDays,
    /// Calendar months, to the same clock time.
    Months,
}

impl Unit {
    /// The data file's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hours => "hours",
            Unit::CalendarDays => "calendar_days",
            Unit::BusinessDays => "business_days",
            Unit::Months => "months",
        }
    }
}

/// How calendar days are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOne {
    /// The start event's day is day 1 (APPI engine default: conservative).
    StartDay,
    /// The day after the start event is day 1 ("60 days after discovery").
    NextDay,
}

/// The event a clock starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockStart {
    /// First `discovery`.
    AwareAt,
    /// First `attack_start`, falling back to the first `discovery`.
    OccurredAt,
    /// `materiality_determined` (SEC).
    DeterminedAt,
    /// The determination that a cybersecurity incident occurred (NYDFS): first `discovery`.
    IncidentDeterminedAt,
    /// `classified_major` (DORA).
    ClassifiedAt,
    /// First `discovery` (HIPAA: known or would have been known with reasonable diligence).
    DiscoveredAt,
    /// `ransom_paid`.
    PaidAt,
    /// The first `reported` event naming this obligation.
    Submitted(String),
    /// The latest `reported` event naming this obligation.
    LastSubmitted(String),
}

impl ClockStart {
    /// Parses the data file's name.
    pub fn parse(text: &str) -> Option<ClockStart> {
        let inner = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(')'))
                .map(|id| id.trim().to_owned())
        };
        Some(match text {
            "aware_at" => ClockStart::AwareAt,
            "occurred_at" => ClockStart::OccurredAt,
            "determined_at" => ClockStart::DeterminedAt,
            "incident_determined_at" => ClockStart::IncidentDeterminedAt,
            "classified_at" => ClockStart::ClassifiedAt,
            "discovered_at" => ClockStart::DiscoveredAt,
            "paid_at" => ClockStart::PaidAt,
            _ => {
                if let Some(id) = inner("submitted(") {
                    ClockStart::Submitted(id)
                } else if let Some(id) = inner("last_submitted(") {
                    ClockStart::LastSubmitted(id)
                } else {
                    return None;
                }
            }
        })
    }

    /// What the person must record for the clock to start, in both languages.
    pub fn describe(&self) -> Localized {
        match self {
            ClockStart::AwareAt | ClockStart::DiscoveredAt => Localized::new(
                "認識した時点（タイムラインの discovery）",
                "becoming aware (timeline event `discovery`)",
            ),
            ClockStart::OccurredAt => Localized::new(
                "発生時点（タイムラインの attack_start、なければ discovery）",
                "occurrence (timeline event `attack_start`, else `discovery`)",
            ),
            ClockStart::DeterminedAt => Localized::new(
                "重要性の判断（タイムラインの materiality_determined）",
                "the materiality determination (timeline event `materiality_determined`)",
            ),
            ClockStart::IncidentDeterminedAt => Localized::new(
                "インシデントと判断した時点（タイムラインの discovery）",
                "determining that an incident occurred (timeline event `discovery`)",
            ),
            ClockStart::ClassifiedAt => Localized::new(
                "重大インシデントへの分類（タイムラインの classified_major）",
                "classification as major (timeline event `classified_major`)",
            ),
            ClockStart::PaidAt => Localized::new(
                "身代金の支払い（タイムラインの ransom_paid）",
                "the ransom payment (timeline event `ransom_paid`)",
            ),
            ClockStart::Submitted(id) | ClockStart::LastSubmitted(id) => Localized::new(
                format!("{id} の提出（reported イベント）"),
                format!("submitting {id} (a `reported` event naming it)"),
            ),
        }
    }

    /// The obligation id a `submitted(…)` clock refers to.
    pub fn obligation(&self) -> Option<&str> {
        match self {
            ClockStart::Submitted(id) | ClockStart::LastSubmitted(id) => Some(id),
            _ => None,
        }
    }
}

/// Where a period is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The start event itself.
    Event,
    /// 31 December of the start event's local year (HIPAA: fewer than 500 persons).
    EndOfYear,
}

/// A computed time limit.
#[derive(Debug, Clone)]
pub struct Period {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: Unit,
    /// The clock start.
    pub from: ClockStart,
    /// How calendar days are counted.
    pub day_one: DayOne,
    /// Counted from the event or from the end of its year.
    pub anchor: Anchor,
    /// A soft target before the hard deadline (APPI preliminary: day 3 of 5).
    pub target: Option<TimeDelta>,
    /// Other limits of which the earliest counts, never one that falls before this period's own
    /// start (DORA: 4 h from classification, and 24 h from awareness).
    pub also: Vec<Period>,
}

impl Period {
    /// The deadline for a clock started at `start`. `calendar` is the rule's jurisdiction's
    /// calendar, needed for business days.
    pub fn due(
        &self,
        start: Timestamp,
        calendar: Option<&Calendar>,
    ) -> Result<Timestamp, CalendarError> {
        let offset = *start.offset();
        let base_date = match self.anchor {
            Anchor::Event => start.date_naive(),
            Anchor::EndOfYear => NaiveDate::from_ymd_opt(start.year(), 12, 31).unwrap_or_default(),
        };
        let end_of = |date: NaiveDate| {
            date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default())
                .and_local_timezone(offset)
                .single()
                .unwrap_or(start)
        };
        Ok(match self.unit {
            Unit::Hours => start + TimeDelta::hours(i64::from(self.amount)),
            Unit::CalendarDays => {
                let extra = match self.day_one {
                    DayOne::StartDay => self.amount.saturating_sub(1),
                    DayOne::NextDay => self.amount,
                };
                end_of(base_date + TimeDelta::days(i64::from(extra)))
            }
            Unit::BusinessDays => {
                let Some(calendar) = calendar else {
                    // The loader rejects business-day rules without a calendar.
                    return Ok(end_of(base_date));
                };
                end_of(calendar.add_business_days(base_date, self.amount)?)
            }
            Unit::Months => start
                .checked_add_months(Months::new(self.amount))
                .unwrap_or(start),
        })
    }
}
