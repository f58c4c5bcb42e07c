//! The data files' wire format and its checked conversion into [`Rule`]s and [`Calendar`]s.
//!
//! Key decision: the files are read with `deny_unknown_fields` and every cross-reference is
//! checked at load time (fact names via the condition parser, routes, `submitted(ID)` targets,
//! adjusted ids, calendars for business days), so a typo in a data file is a [`DataError`]
//! naming the file and the rule id, never a rule that silently does nothing.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use kyoyu_model::{Condition, Jurisdiction, Localized};
use serde::Deserialize;

use crate::calendar::Calendar;
use crate::rule::{
    Adjustment, Anchor, ClockStart, DayOne, Deadline, InForce, Period, ROUTES, Rule, Stage,
    StageKind, Unit, Variant,
};

/// A data file that did not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// The file is not valid TOML or does not have the expected shape.
    #[error("obligation data `{file}`: {message}")]
    File {
        /// The data file.
        file: String,
        /// What is wrong (the TOML parser's message includes line and column).
        message: String,
    },
    /// One rule is wrong.
    #[error("obligation data `{file}`, rule `{rule}`: {message}")]
    Rule {
        /// The data file.
        file: String,
        /// The rule id (or `#n` when the id itself is missing or repeated).
        rule: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalizedWire {
    ja: String,
    en: String,
}

impl From<LocalizedWire> for Localized {
    fn from(wire: LocalizedWire) -> Self {
        Localized::new(wire.ja, wire.en)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rule: Vec<RuleWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleWire {
    id: String,
    jurisdiction: String,
    title: LocalizedWire,
    basis: String,
    obliged: String,
    trigger: String,
    recipient: LocalizedWire,
    route: String,
    deadline_text: LocalizedWire,
    verified: bool,
    source: String,
    note: Option<LocalizedWire>,
    form: Option<LocalizedWire>,
    in_force: Option<String>,
    adjusts: Option<Vec<String>>,
    #[serde(default)]
    stage: Vec<StageWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StageWire {
    label: Option<LocalizedWire>,
    kind: String,
    amount: Option<u32>,
    unit: Option<String>,
    from: Option<String>,
    day_one: Option<String>,
    anchor: Option<String>,
    target: Option<AmountWire>,
    #[serde(default)]
    also: Vec<PeriodWire>,
    #[serde(default)]
    variant: Vec<VariantWire>,
    calendar: Option<String>,
    next_working_day_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountWire {
    amount: u32,
    unit: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodWire {
    amount: u32,
    unit: String,
    from: String,
    day_one: Option<String>,
    anchor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantWire {
    when: String,
    amount: u32,
    unit: String,
    from: String,
    day_one: Option<String>,
    anchor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidaysFile {
    jurisdiction: String,
    first_year: i32,
    last_year: i32,
    source: String,
    holidays: Vec<HolidayWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayWire {
    date: String,
    name: String,
    name_ja: Option<String>,
}

/// Loads a holiday file.
pub(crate) fn load_calendar(
    file: &str,
    expected: Jurisdiction,
    text: &str,
) -> Result<Calendar, DataError> {
    let file_error = |message: String| DataError::File {
        file: file.to_owned(),
        message,
    };
    let wire: HolidaysFile = toml::from_str(text).map_err(|error| file_error(error.to_string()))?;
    let jurisdiction: Jurisdiction = wire
        .jurisdiction
        .parse()
        .map_err(|error: kyoyu_model::InvalidValue| file_error(error.0.en.into_owned()))?;
    if jurisdiction != expected {
        return Err(file_error(format!(
            "the file says jurisdiction {jurisdiction} but was given as {expected}"
        )));
    }
    if wire.first_year > wire.last_year {
        return Err(file_error(format!(
            "first_year {} is after last_year {}",
            wire.first_year, wire.last_year
        )));
    }
    let years = wire.first_year..=wire.last_year;
    let mut holidays = BTreeMap::new();
    for holiday in wire.holidays {
        let date = NaiveDate::parse_from_str(&holiday.date, "%Y-%m-%d").map_err(|_| {
            file_error(format!(
                "holiday `{}`: `{}` is not a date like 2026-01-01",
                holiday.name, holiday.date
            ))
        })?;
        if !years.contains(&chrono::Datelike::year(&date)) {
            return Err(file_error(format!(
                "holiday {date} lies outside the covered years {}–{}",
                wire.first_year, wire.last_year
            )));
        }
        let name = Localized::new(
            holiday.name_ja.unwrap_or_else(|| holiday.name.clone()),
            holiday.name,
        );
        if holidays.insert(date, name).is_some() {
            return Err(file_error(format!("holiday {date} is listed twice")));
        }
    }
    Ok(Calendar::new(jurisdiction, years, holidays, wire.source))
}

/// Loads the rules file, checking it against the calendars that exist.
pub(crate) fn load_rules(
    file: &str,
    text: &str,
    calendars: &[Calendar],
) -> Result<Vec<Rule>, DataError> {
    let wire: RulesFile = toml::from_str(text).map_err(|error| DataError::File {
        file: file.to_owned(),
        message: error.to_string(),
    })?;
    let mut seen = HashSet::new();
    for (index, rule) in wire.rule.iter().enumerate() {
        if rule.id.trim().is_empty() || !seen.insert(rule.id.clone()) {
            return Err(DataError::Rule {
                file: file.to_owned(),
                rule: format!("#{}", index + 1),
                message: format!(
                    "id `{}` is empty or used twice; ids must be unique",
                    rule.id
                ),
            });
        }
    }
    let mut rules = Vec::with_capacity(wire.rule.len());
    for rule in wire.rule {
        let id = rule.id.clone();
        let rule = convert_rule(rule, &seen, calendars).map_err(|message| DataError::Rule {
            file: file.to_owned(),
            rule: id,
            message,
        })?;
        rules.push(rule);
    }
    Ok(rules)
}

fn convert_rule(
    wire: RuleWire,
    ids: &HashSet<String>,
    calendars: &[Calendar],
) -> Result<Rule, String> {
    let jurisdiction: Jurisdiction = wire
        .jurisdiction
        .parse()
        .map_err(|error: kyoyu_model::InvalidValue| format!("jurisdiction: {error}"))?;
    let trigger = Condition::parse(&wire.trigger).map_err(|error| format!("trigger: {error}"))?;
    if !ROUTES.contains(&wire.route.as_str()) {
        return Err(format!(
            "route `{}` is not a routing destination; expected one of {}",
            wire.route,
            ROUTES.join(", ")
        ));
    }
    let in_force = match wire.in_force.as_deref() {
        None => InForce::Yes,
        Some("pending") => InForce::Pending,
        Some(date) => InForce::From(NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            format!("in_force `{date}` is neither `pending` nor a date like 2026-10-01")
        })?),
    };
    if wire.stage.is_empty() {
        return Err("a rule needs at least one [[rule.stage]]".to_owned());
    }
    let has_calendar = calendars
        .iter()
        .any(|calendar| calendar.jurisdiction() == jurisdiction);
    let context = PeriodContext {
        ids,
        has_calendar,
        jurisdiction,
    };
    let stage_count = wire.stage.len();
    let mut stages = Vec::with_capacity(stage_count);
    for (index, stage) in wire.stage.into_iter().enumerate() {
        let stage = convert_stage(stage, &context, wire.adjusts.as_deref(), calendars)
            .map_err(|message| format!("stage {}: {message}", index + 1))?;
        if matches!(stage.kind, StageKind::Adjustment(_)) && stage_count > 1 {
            return Err("an adjustment rule has exactly one stage".to_owned());
        }
        stages.push(stage);
    }
    if wire.adjusts.is_some() && !matches!(stages[0].kind, StageKind::Adjustment(_)) {
        return Err("`adjusts` is only for rules whose stage kind is `adjustment`".to_owned());
    }
    Ok(Rule {
        id: wire.id,
        jurisdiction,
        title: wire.title.into(),
        basis: wire.basis,
        obliged: wire.obliged,
        recipient: wire.recipient.into(),
        route: wire.route,
        trigger,
        deadline: Deadline { stages },
        deadline_text: wire.deadline_text.into(),
        verified: wire.verified,
        source: wire.source,
        note: wire.note.map(Localized::from),
        form: wire.form.map(Localized::from),
        in_force,
    })
}

struct PeriodContext<'a> {
    ids: &'a HashSet<String>,
    has_calendar: bool,
    jurisdiction: Jurisdiction,
}

fn convert_stage(
    wire: StageWire,
    context: &PeriodContext<'_>,
    adjusts: Option<&[String]>,
    calendars: &[Calendar],
) -> Result<Stage, String> {
    let label = wire.label.map(Localized::from);
    let period_fields = wire.amount.is_some()
        || wire.unit.is_some()
        || wire.day_one.is_some()
        || wire.anchor.is_some()
        || wire.target.is_some()
        || !wire.also.is_empty()
        || !wire.variant.is_empty();
    let adjustment_fields = wire.calendar.is_some() || wire.next_working_day_at.is_some();
    if wire.kind != "within" && period_fields {
        return Err(format!(
            "kind `{}` takes no amount, unit, day_one, anchor, target, also or variant",
            wire.kind
        ));
    }
    if wire.kind != "adjustment" && adjustment_fields {
        return Err(
            "`calendar` and `next_working_day_at` are only for kind `adjustment`".to_owned(),
        );
    }
    let kind = match wire.kind.as_str() {
        "within" => {
            let (Some(amount), Some(unit), Some(from)) = (wire.amount, wire.unit, wire.from) else {
                return Err("kind `within` needs amount, unit and from".to_owned());
            };
            let mut period = period(
                amount,
                &unit,
                &from,
                wire.day_one.as_deref(),
                wire.anchor.as_deref(),
                context,
            )?;
            if let Some(target) = wire.target {
                let delta = match target.unit.as_str() {
                    "hours" => TimeDelta::hours(i64::from(target.amount)),
                    "calendar_days" => TimeDelta::days(i64::from(target.amount)),
                    other => {
                        return Err(format!(
                            "target unit `{other}` must be hours or calendar_days"
                        ));
                    }
                };
                period.target = Some(delta);
            }
            for also in wire.also {
                period.also.push(self::period(
                    also.amount,
                    &also.unit,
                    &also.from,
                    also.day_one.as_deref(),
                    also.anchor.as_deref(),
                    context,
                )?);
            }
            StageKind::Within(period)
        }
        "promptly" => StageKind::Promptly,
        "on_request" => StageKind::OnRequest,
        "none" => StageKind::NoDeadline,
        "adjustment" => {
            let Some(applies_to) = adjusts.filter(|ids| !ids.is_empty()) else {
                return Err("kind `adjustment` needs `adjusts = [rule ids]` on the rule".to_owned());
            };
            for id in applies_to {
                if !context.ids.contains(id) {
                    return Err(format!(
                        "adjusts `{id}`, which is not a rule id in the file"
                    ));
                }
            }
            let calendar: Jurisdiction = wire
                .calendar
                .as_deref()
                .ok_or("kind `adjustment` needs `calendar`")?
                .parse()
                .map_err(|error: kyoyu_model::InvalidValue| format!("calendar: {error}"))?;
            if !calendars
                .iter()
                .any(|known| known.jurisdiction() == calendar)
            {
                return Err(format!("no holiday file for the {calendar} calendar"));
            }
            let time = wire
                .next_working_day_at
                .as_deref()
                .ok_or("kind `adjustment` needs `next_working_day_at`")?;
            let time = NaiveTime::parse_from_str(time, "%H:%M")
                .map_err(|_| format!("next_working_day_at `{time}` is not a time like 12:00"))?;
            StageKind::Adjustment(Adjustment {
                calendar,
                time,
                applies_to: applies_to.to_vec(),
            })
        }
        other => {
            return Err(format!(
                "kind `{other}` is unknown; expected within, promptly, on_request, none or adjustment"
            ));
        }
    };
    let mut variants = Vec::with_capacity(wire.variant.len());
    for variant in wire.variant {
        let when = Condition::parse(&variant.when).map_err(|error| format!("variant: {error}"))?;
        let period = period(
            variant.amount,
            &variant.unit,
            &variant.from,
            variant.day_one.as_deref(),
            variant.anchor.as_deref(),
            context,
        )?;
        variants.push(Variant { when, period });
    }
    Ok(Stage {
        label,
        kind,
        variants,
    })
}

fn period(
    amount: u32,
    unit: &str,
    from: &str,
    day_one: Option<&str>,
    anchor: Option<&str>,
    context: &PeriodContext<'_>,
) -> Result<Period, String> {
    if amount == 0 {
        return Err("amount must be at least 1".to_owned());
    }
    let unit = match unit {
        "hours" => Unit::Hours,
        "calendar_days" => Unit::CalendarDays,
        "business_days" => Unit::BusinessDays,
        "months" => Unit::Months,
        other => {
            return Err(format!(
                "unit `{other}` is unknown; expected hours, calendar_days, business_days or months"
            ));
        }
    };
    if unit == Unit::BusinessDays && !context.has_calendar {
        return Err(format!(
            "business days need a holiday file for {}",
            context.jurisdiction
        ));
    }
    let from = ClockStart::parse(from).ok_or_else(|| {
        format!(
            "from `{from}` is unknown; expected aware_at, occurred_at, determined_at, \
             incident_determined_at, classified_at, discovered_at, paid_at, submitted(ID) or \
             last_submitted(ID)"
        )
    })?;
    if let Some(id) = from.obligation()
        && !context.ids.contains(id)
    {
        return Err(format!(
            "from `submitted({id})` names no rule id in the file"
        ));
    }
    let day_one = match day_one {
        None | Some("next_day") => DayOne::NextDay,
        Some("start_day") => DayOne::StartDay,
        Some(other) => {
            return Err(format!(
                "day_one `{other}` is unknown; expected start_day or next_day"
            ));
        }
    };
    if day_one == DayOne::StartDay && unit != Unit::CalendarDays {
        return Err("day_one = start_day is only for calendar_days".to_owned());
    }
    let anchor = match anchor {
        None | Some("event") => Anchor::Event,
        Some("end_of_year") => Anchor::EndOfYear,
        Some(other) => {
            return Err(format!(
                "anchor `{other}` is unknown; expected event or end_of_year"
            ));
        }
    };
    if anchor == Anchor::EndOfYear && !matches!(unit, Unit::CalendarDays | Unit::BusinessDays) {
        return Err("anchor = end_of_year is only for calendar_days or business_days".to_owned());
    }
    Ok(Period {
        amount,
        unit,
        from,
        day_one,
        anchor,
        target: None,
        also: Vec::new(),
    })
}
