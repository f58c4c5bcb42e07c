//! The legal reporting duties of guidance rule G14 — Japan, the EU and the US — as data files
//! plus a pure engine that says, for one incident at one instant, which duties apply, to whom the
//! report goes, when it is due and how it stands.
//!
//! Key decision: the law lives in `data/obligations.toml` (one row per rule of the obligations
//! reference, with its id, citation, trigger condition, deadline and source tag) and
//! `data/holidays/*.toml`, embedded with `include_str!` and parsed once into a frozen, `Send +
//! Sync` [`RuleSet`]. A lawyer can review the rules next to their sources without reading Rust;
//! the engine does no IO, and this crate's tests fail — not the product — when the data is wrong.
//! [`RuleSet::from_toml`] loads other data with a [`DataError`] naming the file and rule id.
//!
//! ```
//! use kyoyu_obligations::RuleSet;
//! assert!(RuleSet::builtin().rule("JP-APPI-PRELIM").is_some());
//! ```

pub mod calendar;
pub mod data;
pub mod evaluate;
pub mod rule;

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use kyoyu_model::Jurisdiction;

pub use calendar::{Calendar, CalendarError};
pub use data::DataError;
pub use evaluate::{ObligationStatus, Status};
pub use rule::{
    Adjustment, Anchor, ClockStart, DayOne, Deadline, InForce, Period, Rule, Stage, StageKind,
    Unit, Variant,
};

/// The shipped rule file.
pub const OBLIGATIONS_TOML: &str = include_str!("../data/obligations.toml");

/// The shipped holiday files, by jurisdiction code.
pub const HOLIDAYS_TOML: [(&str, &str); 3] = [
    ("JP", include_str!("../data/holidays/JP.toml")),
    ("EU", include_str!("../data/holidays/EU.toml")),
    ("US", include_str!("../data/holidays/US.toml")),
];

static BUILTIN: LazyLock<RuleSet> = LazyLock::new(|| {
    // The shipped data is loaded by this crate's tests, so this cannot fail in a build that
    // passed them; if it ever does, stopping is better than silently tracking no legal duty.
    RuleSet::from_toml(OBLIGATIONS_TOML, &HOLIDAYS_TOML)
        .unwrap_or_else(|error| panic!("the built-in obligation data is broken: {error}"))
});

/// The obligations and holiday calendars, loaded, checked and frozen.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    calendars: Vec<Calendar>,
}

impl RuleSet {
    /// The rules shipped with this release.
    pub fn builtin() -> &'static RuleSet {
        &BUILTIN
    }

    /// Loads a rule file and holiday files (`(jurisdiction code, file text)`).
    pub fn from_toml(obligations: &str, holidays: &[(&str, &str)]) -> Result<RuleSet, DataError> {
        let mut calendars: Vec<Calendar> = Vec::with_capacity(holidays.len());
        for (code, text) in holidays {
            let file = format!("holidays/{code}.toml");
            let jurisdiction: Jurisdiction =
                code.parse()
                    .map_err(|error: kyoyu_model::InvalidValue| DataError::File {
                        file: file.clone(),
                        message: error.0.en.into_owned(),
                    })?;
            if calendars
                .iter()
                .any(|known| known.jurisdiction() == jurisdiction)
            {
                return Err(DataError::File {
                    file,
                    message: format!("a second holiday file for {jurisdiction}"),
                });
            }
            calendars.push(data::load_calendar(&file, jurisdiction, text)?);
        }
        let rules = data::load_rules("obligations.toml", obligations, &calendars)?;
        Ok(RuleSet { rules, calendars })
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// The holiday calendar of a jurisdiction.
    pub fn calendar(&self, jurisdiction: Jurisdiction) -> Option<&Calendar> {
        self.calendars
            .iter()
            .find(|calendar| calendar.jurisdiction() == jurisdiction)
    }
}

/// The years the shipped holiday data covers for a jurisdiction; business-day deadlines outside
/// them are reported as not computable.
pub fn holidays_covered(jurisdiction: Jurisdiction) -> RangeInclusive<i32> {
    RuleSet::builtin().calendar(jurisdiction).map_or(
        RangeInclusive::new(i32::MAX, i32::MIN),
        Calendar::covered_years,
    )
}
