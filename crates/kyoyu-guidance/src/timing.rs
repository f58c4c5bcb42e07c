//! Sharing timing (G4, G9): how long technical information waited, how much of its value is
//! left, whether it still prevents attacks or only helps others look back, and the anti-patterns.
//!
//! Key decision: the value of shared technical information decays exponentially from the moment
//! of discovery, `effectiveness = 0.5 ^ (delay / half_life)`, with a configurable half-life
//! (default 72 hours: IoCs lose most of their value within days — guidance G4, panel note M7).
//! The curve is a documented model, not a measurement; its parameters are shown with the result
//! so a user can judge it.

use kyoyu_model::{CommunityKind, EventKind, Incident, InfoClass, ItemBody, Localized, Timestamp};

use crate::decision::{Decision, ItemAssessment, Reason};
use crate::reason;

/// The parameters of the decay model and the anti-pattern thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingSettings {
    /// Hours after which shared technical information keeps half its value.
    pub half_life_hours: f64,
    /// Below this effectiveness, sharing serves retrospective checks, not prevention.
    pub retrospective_below: f64,
    /// Sharing more than this many days after the attack ended is "late" (G9①).
    pub late_after_days: i64,
}

impl Default for TimingSettings {
    fn default() -> Self {
        TimingSettings {
            half_life_hours: 72.0,
            retrospective_below: 0.25,
            late_after_days: 30,
        }
    }
}

/// What sharing serves (G4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// 予防: stops attacks now running.
    Prevention,
    /// 掘り起こし: lets others check whether they were hit in the past.
    Retrospective,
}

impl Purpose {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Prevention => "prevention",
            Purpose::Retrospective => "retrospective",
        }
    }
}

/// The sharing part of the assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct SharingAssessment {
    /// The first `shared` event at or before the assessment time.
    pub first_shared_at: Option<Timestamp>,
    /// Hours from discovery to the first share (or to now, when nothing was shared yet).
    pub delay_hours: Option<f64>,
    /// The value left, 0–1, by the decay model.
    pub effectiveness: Option<f64>,
    /// Prevention or retrospective.
    pub purpose: Purpose,
    /// Technical items that may go out on `share` now.
    pub shareable_now: usize,
    /// Warnings (G4, G9).
    pub warnings: Vec<Reason>,
    /// The half-life used, hours.
    pub half_life_hours: f64,
}

fn hours_between(from: Timestamp, to: Timestamp) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

fn round_to(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

/// When the attack was last seen: the latest end of an attack window, or containment.
fn attack_ended(incident: &Incident) -> Option<Timestamp> {
    let window_end = incident
        .items
        .iter()
        .filter_map(|item| match &item.body {
            ItemBody::AttackTime(window) => window.to(),
            _ => None,
        })
        .max();
    let contained = incident
        .first_event(EventKind::Containment)
        .map(|event| event.at);
    match (window_end, contained) {
        (Some(end), Some(contained)) => Some(end.min(contained)),
        (end, contained) => end.or(contained),
    }
}

/// Assesses the sharing timing at `at`.
pub fn assess(
    incident: &Incident,
    at: Timestamp,
    items: &[ItemAssessment],
    settings: &TimingSettings,
) -> SharingAssessment {
    let shared_events: Vec<_> = incident
        .timeline
        .iter()
        .filter(|event| event.kind == EventKind::Shared && event.at <= at)
        .collect();
    let first_shared_at = shared_events.iter().map(|event| event.at).min();
    let discovery = incident.aware_at();
    let share_time = first_shared_at.unwrap_or(at);
    let delay_hours = discovery.map(|discovery| hours_between(discovery, share_time).max(0.0));
    let half_life = if settings.half_life_hours > 0.0 {
        settings.half_life_hours
    } else {
        72.0
    };
    let effectiveness = delay_hours.map(|delay| 0.5f64.powf(delay / half_life));
    let ended = attack_ended(incident);
    let late =
        ended.is_some_and(|ended| (share_time - ended).num_days() > settings.late_after_days);
    let purpose = if late || effectiveness.is_some_and(|value| value < settings.retrospective_below)
    {
        Purpose::Retrospective
    } else {
        Purpose::Prevention
    };
    let shareable_now = items
        .iter()
        .filter(|item| {
            item.class != InfoClass::Context && item.channels[0].decision == Decision::Allow
        })
        .count();

    let mut warnings = Vec::new();
    if discovery.is_none() {
        warnings.push(reason(
            "G4",
            "タイムラインに発見（discovery）がないため、共有の遅れと残存価値を計算できない。",
            "The timeline has no `discovery` event, so the sharing delay and remaining value cannot be computed.",
        ));
    }
    if first_shared_at.is_none() && shareable_now > 0 {
        let value = effectiveness.map_or(String::new(), |value| format!("{:.0}%", value * 100.0));
        warnings.push(reason(
            "G4",
            format!("今すぐ共有できる技術情報が {shareable_now} 件あるが、まだ共有していない。公表を待たずに共有すること。残存価値の目安: {value}。"),
            format!("{shareable_now} technical items may be shared now but none has been; do not wait for publication. Remaining value by the decay model: {value}."),
        ));
    }
    if late && let Some(ended) = ended {
        let days = (share_time - ended).num_days();
        warnings.push(reason(
                "G9①",
                format!("攻撃の終了（{ended}）から {days} 日後の共有は、他組織の被害防止に役立ちにくい（掘り起こし目的になる）。"),
                format!("Sharing {days} days after the attack ended ({ended}) comes too late to prevent attacks elsewhere; it only serves retrospective checks."),
            ));
    }
    let published = incident
        .first_event(EventKind::Published)
        .filter(|event| event.at <= at)
        .map(|event| event.at);
    if let Some(published) = published {
        if shared_events.is_empty() {
            warnings.push(reason(
                "G9②",
                "技術情報が共有されず、公表だけが発信手段になっている。公表は遅く、1社の視点しか含まず、「その会社・業界が狙われた」という誤解を招く。注意喚起はハブから共有経由で行うべき。",
                "Publication was used as the sharing channel: it is slow, covers one victim's view only, and makes readers think \"that company or industry was targeted\"; alerts should come from a hub, via sharing.",
            ));
        }
        let experts_first = shared_events.iter().any(|event| {
            event.at <= published
                && event
                    .community
                    .as_deref()
                    .and_then(|id| incident.community(id))
                    .is_none_or(|community| community.kind == CommunityKind::Hub)
        });
        if !experts_first {
            warnings.push(reason(
                "G9③",
                "公表の前に専門機関（ハブ）へ技術情報を提供していない。攻撃者や原因についての誤った推測が広がり、訂正が難しくなる。",
                "The incident was published before the technical information reached a specialist organization (hub); wrong guesses about the attacker and the cause spread and are hard to correct.",
            ));
        }
    }
    SharingAssessment {
        first_shared_at,
        delay_hours: delay_hours.map(|hours| round_to(hours, 1)),
        effectiveness: effectiveness.map(|value| round_to(value, 2)),
        purpose,
        shareable_now,
        warnings,
        half_life_hours: half_life,
    }
}

/// A sentence describing the decay model's parameters, for reports.
pub fn model_description(settings: &TimingSettings) -> Localized {
    Localized::new(
        format!(
            "有効性 = 0.5^(経過時間 / {} 時間)（半減期モデル）",
            settings.half_life_hours
        ),
        format!(
            "effectiveness = 0.5^(delay / {} h) (half-life model)",
            settings.half_life_hours
        ),
    )
}
