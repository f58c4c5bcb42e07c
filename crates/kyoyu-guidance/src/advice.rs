//! The first steps for a victim under pressure (M2, M8): evidence, calls to make, statements to
//! prepare, and what not to do — for ransomware and double extortion above all (G12③, M5, M9,
//! M11).
//!
//! Key decision: like Table 4 and the routing table, the points are data (`data/advice.toml`),
//! each with a condition over the facts, a kind (`do_now`, `prepare`, `do_not`) and the rule id
//! it applies, so a change of advice is a data change and every sentence in the "do now" block is
//! cited. A point whose `done_when` holds (the insurer was called) is left out.

use kyoyu_model::{Condition, Incident, Localized};
use serde::Deserialize;

use crate::DataError;
use crate::catalogue::TextRow;

/// What kind of step a point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PointKind {
    /// An action for today.
    DoNow,
    /// Something to have ready before it is needed.
    Prepare,
    /// What not to do.
    DoNot,
}

impl PointKind {
    /// The data file's and the JSON contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::DoNow => "do_now",
            PointKind::Prepare => "prepare",
            PointKind::DoNot => "do_not",
        }
    }
}

/// One point of advice that applies to an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvicePoint {
    /// Stable id (`ransom_no_contact`).
    pub id: String,
    /// Its kind.
    pub kind: PointKind,
    /// Sort key within the kind.
    pub order: u32,
    /// The rule it applies.
    pub rule: String,
    /// The advice.
    pub text: Localized,
}

#[derive(Debug, Clone)]
struct PointRule {
    point: AdvicePoint,
    when: Condition,
    done_when: Option<Condition>,
}

/// The advice table.
#[derive(Debug, Clone)]
pub struct Advice {
    points: Vec<PointRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdviceFile {
    point: Vec<PointRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointRow {
    id: String,
    kind: String,
    order: u32,
    rule: String,
    when: String,
    done_when: Option<String>,
    text: TextRow,
}

impl Advice {
    /// Parses and checks the advice table: known kinds, conditions that parse, unique ids.
    pub fn from_toml(text: &str) -> Result<Self, DataError> {
        let error = |message: String| DataError {
            file: "advice.toml",
            message,
        };
        let file: AdviceFile = toml::from_str(text).map_err(|parse| error(parse.to_string()))?;
        let mut points: Vec<PointRule> = Vec::new();
        for (index, row) in file.point.into_iter().enumerate() {
            let kind = match row.kind.as_str() {
                "do_now" => PointKind::DoNow,
                "prepare" => PointKind::Prepare,
                "do_not" => PointKind::DoNot,
                other => {
                    return Err(error(format!(
                        "point[{index}].kind: `{other}` is not one of do_now, prepare, do_not"
                    )));
                }
            };
            if points.iter().any(|known| known.point.id == row.id) {
                return Err(error(format!("point[{index}].id: `{}` twice", row.id)));
            }
            let when = Condition::parse(&row.when)
                .map_err(|invalid| error(format!("point[{index}].when: {invalid}")))?;
            let done_when = row
                .done_when
                .as_deref()
                .map(Condition::parse)
                .transpose()
                .map_err(|invalid| error(format!("point[{index}].done_when: {invalid}")))?;
            points.push(PointRule {
                point: AdvicePoint {
                    id: row.id,
                    kind,
                    order: row.order,
                    rule: row.rule,
                    text: row.text.into(),
                },
                when,
                done_when,
            });
        }
        Ok(Advice { points })
    }

    /// The points that apply to an incident and are not yet taken care of, by kind then order.
    pub fn points(&self, incident: &Incident) -> Vec<AdvicePoint> {
        let mut points: Vec<AdvicePoint> = self
            .points
            .iter()
            .filter(|rule| rule.when.evaluate(incident))
            .filter(|rule| {
                !rule
                    .done_when
                    .as_ref()
                    .is_some_and(|done| done.evaluate(incident))
            })
            .map(|rule| rule.point.clone())
            .collect();
        points.sort_by_key(|point| (point.kind, point.order));
        points
    }

    /// Every point's id and rule, for the data checks.
    pub fn rules(&self) -> impl Iterator<Item = (&str, &str)> {
        self.points
            .iter()
            .map(|rule| (rule.point.id.as_str(), rule.point.rule.as_str()))
    }
}
