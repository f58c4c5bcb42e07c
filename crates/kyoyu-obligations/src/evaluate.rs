//! Evaluation: which obligations an incident triggers at an instant, when each is due and how it
//! stands (upcoming, due soon, overdue, done, on request).
//!
//! Key decision: the timeline is read *as of* the assessment instant — events after `at` do not
//! exist yet — so re-running an old assessment gives the same answer, and a deadline the engine
//! cannot compute (missing clock start, holiday data out of range, rule not yet in force) becomes
//! `due: None` with a note that says why, never a guessed date and never `overdue`.

use std::cmp::Ordering;

use chrono::TimeDelta;
use kyoyu_model::condition::Environment;
use kyoyu_model::{EventKind, FactValue, Incident, Jurisdiction, Localized, Timestamp};

use crate::RuleSet;
use crate::calendar::CalendarError;
use crate::rule::{ClockStart, InForce, Period, Rule, Stage, StageKind};

/// How an obligation stands at the assessment instant (the contract's `obligations[].status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Due later; nothing urgent yet (also: no deadline, or not yet in force).
    Upcoming,
    /// Past the soft target, within the alert window, or "promptly" without a number.
    DueSoon,
    /// Past the deadline and not reported.
    Overdue,
    /// Reported (every stage).
    Done,
    /// Due only when the authority asks.
    OnRequest,
}

impl Status {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Upcoming => "upcoming",
            Status::DueSoon => "due_soon",
            Status::Overdue => "overdue",
            Status::Done => "done",
            Status::OnRequest => "on_request",
        }
    }
}

/// One triggered obligation of an incident, at an instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ObligationStatus {
    /// The rule id.
    pub id: String,
    /// The rule's short name.
    pub title: Localized,
    /// The rule's jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// Where the report goes, for people.
    pub recipient: Localized,
    /// Where the report goes, in the routing vocabulary.
    pub route: String,
    /// When the open stage is due; `None` where there is no fixed time or it cannot be computed
    /// (the note says why).
    pub due: Option<Timestamp>,
    /// How it stands.
    pub status: Status,
    /// Law and article.
    pub basis: String,
    /// False for rules the reference marks [M].
    pub verified: bool,
    /// When the last stage was reported.
    pub done_at: Option<Timestamp>,
    /// The deadline as people read it.
    pub deadline_text: Localized,
    /// The open stage's name, for rules with several reports.
    pub stage: Option<Localized>,
    /// Why `due` is what it is, what starts the clock, caveats of the rule.
    pub note: Option<Localized>,
}

/// The incident as known at the assessment instant.
struct AsOf<'a> {
    incident: &'a Incident,
    at: Timestamp,
}

impl AsOf<'_> {
    fn first(&self, kind: EventKind) -> Option<Timestamp> {
        self.incident
            .timeline
            .iter()
            .filter(|event| event.kind == kind && event.at <= self.at)
            .map(|event| event.at)
            .min()
    }

    /// The `reported` events naming `id`, oldest first.
    fn reports(&self, id: &str) -> Vec<Timestamp> {
        let mut reports: Vec<Timestamp> = self
            .incident
            .timeline
            .iter()
            .filter(|event| {
                event.kind == EventKind::Reported
                    && event.obligation.as_deref() == Some(id)
                    && event.at <= self.at
            })
            .map(|event| event.at)
            .collect();
        reports.sort();
        reports
    }

    /// When a clock started, with a note when a fallback event was used.
    fn clock(&self, start: &ClockStart) -> Option<(Timestamp, Option<Localized>)> {
        let plain = |at: Option<Timestamp>| at.map(|at| (at, None));
        match start {
            ClockStart::AwareAt | ClockStart::DiscoveredAt | ClockStart::IncidentDeterminedAt => {
                plain(self.first(EventKind::Discovery))
            }
            ClockStart::OccurredAt => match self.first(EventKind::AttackStart) {
                Some(at) => Some((at, None)),
                None => self.first(EventKind::Discovery).map(|at| {
                    (
                        at,
                        Some(Localized::new(
                            "攻撃開始（attack_start）が未記録のため、発見時点から数えている。",
                            "No `attack_start` recorded: counted from discovery.",
                        )),
                    )
                }),
            },
            ClockStart::DeterminedAt => plain(self.first(EventKind::MaterialityDetermined)),
            ClockStart::ClassifiedAt => plain(self.first(EventKind::ClassifiedMajor)),
            ClockStart::PaidAt => plain(self.first(EventKind::RansomPaid)),
            ClockStart::Submitted(id) => plain(self.reports(id).first().copied()),
            ClockStart::LastSubmitted(id) => plain(self.reports(id).last().copied()),
        }
    }
}

impl Environment for AsOf<'_> {
    fn fact(&self, name: &str) -> Option<FactValue> {
        self.incident.fact(name)
    }

    fn has_sector(&self, sector: &str) -> bool {
        self.incident.has_sector(sector)
    }

    fn has_jurisdiction(&self, code: &str) -> bool {
        self.incident.has_jurisdiction(code)
    }

    fn has_event(&self, event: &str) -> bool {
        self.incident
            .timeline
            .iter()
            .any(|known| known.kind.as_str() == event && known.at <= self.at)
    }
}

/// The outcome of computing one stage's deadline.
enum Due {
    /// Computed: the clock start used, the deadline, notes on how.
    At {
        start: Timestamp,
        due: Timestamp,
        target: Option<TimeDelta>,
        notes: Vec<Localized>,
    },
    /// The clock has not started: this event is missing.
    Missing(ClockStart),
    /// The holiday data does not cover the dates.
    OutOfCalendar(CalendarError),
}

fn applies(rule: &Rule, view: &AsOf<'_>) -> bool {
    view.incident.jurisdictions.contains(&rule.jurisdiction) && rule.trigger.evaluate(view)
}

fn stamp(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M %:z").to_string()
}

fn join(notes: Vec<Localized>) -> Option<Localized> {
    if notes.is_empty() {
        return None;
    }
    Some(Localized::new(
        notes
            .iter()
            .map(|note| note.ja.as_ref())
            .collect::<Vec<_>>()
            .join(""),
        notes
            .iter()
            .map(|note| note.en.as_ref())
            .collect::<Vec<_>>()
            .join(" "),
    ))
}

impl RuleSet {
    /// The obligations `incident` triggers at `at`, sorted by due (no due last), then id.
    ///
    /// A rule is triggered when the incident lists the rule's jurisdiction and its trigger
    /// holds. Rules that only adjust other deadlines (EU-DORA-WEEKEND) do not appear: their
    /// effect shows in the adjusted obligations' `due` and `note`.
    pub fn evaluate(&self, incident: &Incident, at: Timestamp) -> Vec<ObligationStatus> {
        let view = AsOf { incident, at };
        let mut statuses: Vec<ObligationStatus> = self
            .rules()
            .iter()
            .filter(|rule| rule.adjustment().is_none() && applies(rule, &view))
            .map(|rule| self.status(rule, &view))
            .collect();
        statuses.sort_by(|left, right| {
            let by_due = match (left.due, right.due) {
                (Some(left), Some(right)) => left.cmp(&right),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            by_due.then_with(|| left.id.cmp(&right.id))
        });
        statuses
    }

    fn status(&self, rule: &Rule, view: &AsOf<'_>) -> ObligationStatus {
        let stages = &rule.deadline.stages;
        let reports = view.reports(&rule.id);
        let mut result = ObligationStatus {
            id: rule.id.clone(),
            title: rule.title.clone(),
            jurisdiction: rule.jurisdiction,
            recipient: rule.recipient.clone(),
            route: rule.route.clone(),
            due: None,
            status: Status::Upcoming,
            basis: rule.basis.clone(),
            verified: rule.verified,
            done_at: None,
            deadline_text: rule.deadline_text.clone(),
            stage: None,
            note: None,
        };
        let mut notes = Vec::new();
        if reports.len() >= stages.len() {
            let done_at = reports[stages.len() - 1];
            result.status = Status::Done;
            result.done_at = Some(done_at);
            // A done obligation keeps its due time, so a reader sees whether it was met.
            let last_due = match stages.last().map(|stage| self.stage_due(rule, stage, view)) {
                Some(Due::At { due, .. }) => Some(due),
                _ => None,
            };
            result.due = last_due;
            if let Some(due) = last_due
                && done_at > due
            {
                notes.push(Localized::new(
                    format!("期限（{}）後に提出された。", stamp(due)),
                    format!("Submitted after the deadline ({}).", stamp(due)),
                ));
            }
            result.note = join(notes);
            return result;
        }
        let stage = &stages[reports.len()];
        if stages.len() > 1 {
            result.stage = stage.label.clone();
            let label = stage.label.clone().unwrap_or_default();
            notes.push(Localized::new(
                format!(
                    "{}段階中の第{}段階（{}）。",
                    stages.len(),
                    reports.len() + 1,
                    label.ja
                ),
                format!(
                    "Stage {} of {} ({}).",
                    reports.len() + 1,
                    stages.len(),
                    label.en
                ),
            ));
        }
        if let Some(reason) = self.not_in_force(rule, view) {
            notes.push(reason);
            if let Due::At { due, .. } = self.stage_due(rule, stage, view) {
                notes.push(Localized::new(
                    format!("施行されていれば期限は {}。", stamp(due)),
                    format!("Were it in force, it would be due {}.", stamp(due)),
                ));
            }
            notes.extend(rule.note.clone());
            result.note = join(notes);
            return result;
        }
        match &stage.kind {
            StageKind::Within(_) => match self.stage_due(rule, stage, view) {
                Due::At {
                    start,
                    due,
                    target,
                    notes: how,
                } => {
                    notes.extend(how);
                    result.due = Some(due);
                    result.status = timing_status(start, due, target, view.at);
                }
                Due::Missing(clock) => {
                    let event = clock.describe();
                    notes.push(Localized::new(
                        format!("期限は{}から数える。まだ記録されていない。", event.ja),
                        format!("The clock starts at {}, not recorded yet.", event.en),
                    ));
                }
                Due::OutOfCalendar(error) => {
                    result.status = Status::DueSoon;
                    notes.push(Localized::new(
                        format!(
                            "{}の祝日データは{}〜{}年のみ。{}を含む期限は計算できないため、手動で確認すること。",
                            error.jurisdiction, error.first_year, error.last_year, error.date
                        ),
                        format!("Deadline not computed: {error}. Check it by hand."),
                    ));
                }
            },
            StageKind::Promptly => {
                result.status = Status::DueSoon;
                notes.push(Localized::new(
                    "日数の定めなし：速やかに対応すること（報告を記録するまで警告を続ける）。",
                    "No fixed time: act promptly (alerted until a `reported` event names this obligation).",
                ));
            }
            StageKind::OnRequest => result.status = Status::OnRequest,
            StageKind::NoDeadline | StageKind::Adjustment(_) => {
                notes.push(Localized::new("期限の定めなし。", "No deadline."));
            }
        }
        if let Some(last) = reports.last() {
            notes.push(Localized::new(
                format!("前の段階は {} に報告済み。", stamp(*last)),
                format!("The previous stage was reported at {}.", stamp(*last)),
            ));
        }
        notes.extend(rule.note.clone());
        result.note = join(notes);
        result
    }

    /// Why the rule is not in force for this incident, if it is not.
    fn not_in_force(&self, rule: &Rule, view: &AsOf<'_>) -> Option<Localized> {
        match rule.in_force {
            InForce::Yes => None,
            InForce::Pending => Some(Localized::new(
                "未施行（最終規則の施行待ち）。施行までは期限を追跡しない。",
                "Not yet in force (waiting for the final rule); the deadline is not tracked until then.",
            )),
            InForce::From(date) => {
                let reference = view.first(EventKind::Discovery).unwrap_or(view.at);
                if reference.date_naive() >= date {
                    None
                } else {
                    Some(Localized::new(
                        format!(
                            "{date} 施行予定。それより前に認識したインシデントには適用されない見込み。"
                        ),
                        format!(
                            "In force from {date} (expected); not applicable to an incident the organization became aware of before then."
                        ),
                    ))
                }
            }
        }
    }

    /// The deadline of one stage: the variant that holds (if any), the earliest of its periods,
    /// then the adjustments (EU-DORA-WEEKEND) that apply.
    fn stage_due(&self, rule: &Rule, stage: &Stage, view: &AsOf<'_>) -> Due {
        let StageKind::Within(base) = &stage.kind else {
            return Due::Missing(ClockStart::AwareAt);
        };
        let period = stage
            .variants
            .iter()
            .find(|variant| variant.when.evaluate(view))
            .map_or(base, |variant| &variant.period);
        let calendar = self.calendar(rule.jurisdiction);
        let mut notes = Vec::new();
        let main_start = view.clock(&period.from);
        let mut best: Option<(Timestamp, Timestamp, Option<TimeDelta>)> = None;
        let mut consider = |candidate: &Period, start: Timestamp| -> Result<(), CalendarError> {
            let due = candidate.due(start, calendar)?;
            // An alternative limit never falls before the main clock has started (DORA: if
            // classified as major after 24 h, the 4 h from classification count).
            if let Some((main, _)) = &main_start
                && due < *main
            {
                return Ok(());
            }
            if best.is_none_or(|(_, known, _)| due < known) {
                best = Some((start, due, candidate.target));
            }
            Ok(())
        };
        if let Some((start, fallback)) = &main_start {
            if let Err(error) = consider(period, *start) {
                return Due::OutOfCalendar(error);
            }
            notes.extend(fallback.clone());
        }
        for also in &period.also {
            if let Some((start, fallback)) = view.clock(&also.from) {
                if let Err(error) = consider(also, start) {
                    return Due::OutOfCalendar(error);
                }
                notes.extend(fallback);
            }
        }
        let Some((start, mut due, target)) = best else {
            return Due::Missing(period.from.clone());
        };
        if main_start.is_none() {
            let event = period.from.describe();
            notes.push(Localized::new(
                format!("{}が未記録のため、別の期限で数えている。", event.ja),
                format!(
                    "{} is not recorded yet: counted from the other limit.",
                    event.en
                ),
            ));
        }
        for adjuster in self.rules() {
            let Some(adjustment) = adjuster.adjustment() else {
                continue;
            };
            if !adjustment.applies_to.contains(&rule.id) || !applies(adjuster, view) {
                continue;
            }
            let Some(holidays) = self.calendar(adjustment.calendar) else {
                continue;
            };
            let local = due.date_naive();
            match holidays
                .is_business_day(local)
                .and_then(|open| Ok((open, holidays.next_business_day(local)?)))
            {
                Ok((true, _)) => {}
                Ok((false, next)) => {
                    if let Some(moved) = next
                        .and_time(adjustment.time)
                        .and_local_timezone(*due.offset())
                        .single()
                    {
                        notes.push(Localized::new(
                            format!(
                                "期限 {} が週末・休日のため、翌営業日 {} に移動（{}）。",
                                stamp(due),
                                stamp(moved),
                                adjuster.id
                            ),
                            format!(
                                "The deadline {} fell on a weekend or holiday: moved to {} ({}).",
                                stamp(due),
                                stamp(moved),
                                adjuster.id
                            ),
                        ));
                        due = moved;
                    }
                }
                Err(error) => notes.push(Localized::new(
                    format!(
                        "{}の祝日データの範囲外のため {} を適用していない。",
                        error.jurisdiction, adjuster.id
                    ),
                    format!("{} not applied: {error}.", adjuster.id),
                )),
            }
        }
        Due::At {
            start,
            due,
            target,
            notes,
        }
    }
}

/// The status of a computed deadline at `now`.
///
/// `due_soon` once the soft target has passed, or when what is left is at most 24 hours or a
/// quarter of the whole span, whichever window is larger.
fn timing_status(
    start: Timestamp,
    due: Timestamp,
    target: Option<TimeDelta>,
    now: Timestamp,
) -> Status {
    if now > due {
        return Status::Overdue;
    }
    let past_target = target.is_some_and(|target| now >= start + target);
    let left = due - now;
    let window = std::cmp::max(TimeDelta::hours(24), (due - start) / 4);
    if past_target || left <= window {
        Status::DueSoon
    } else {
        Status::Upcoming
    }
}
