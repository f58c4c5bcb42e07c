//! Public-holiday calendars and business-day arithmetic, one calendar per jurisdiction.
//!
//! Key decision: a calendar knows exactly which years its data file covers and refuses any date
//! outside them with a [`CalendarError`]. A business-day deadline computed without the holidays
//! of its year would be silently wrong, which is worse for a legal deadline than no answer.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, Weekday};
use kyoyu_model::{Jurisdiction, Localized};

/// A date the calendar cannot answer for: outside the years its holiday file covers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {jurisdiction} holiday calendar covers {first_year}–{last_year} only; {date} is outside it, so business days cannot be counted"
)]
pub struct CalendarError {
    /// The calendar's jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// The date asked about.
    pub date: NaiveDate,
    /// First covered year.
    pub first_year: i32,
    /// Last covered year.
    pub last_year: i32,
}

/// The public holidays of one jurisdiction over a fixed range of years.
#[derive(Debug, Clone)]
pub struct Calendar {
    jurisdiction: Jurisdiction,
    years: RangeInclusive<i32>,
    holidays: BTreeMap<NaiveDate, Localized>,
    source: String,
}

impl Calendar {
    /// Builds a calendar; the caller has checked that every date lies within `years`.
    pub(crate) fn new(
        jurisdiction: Jurisdiction,
        years: RangeInclusive<i32>,
        holidays: BTreeMap<NaiveDate, Localized>,
        source: String,
    ) -> Self {
        Calendar {
            jurisdiction,
            years,
            holidays,
            source,
        }
    }

    /// The jurisdiction.
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction
    }

    /// The years the holiday data covers.
    pub fn covered_years(&self) -> RangeInclusive<i32> {
        self.years.clone()
    }

    /// Where the holiday list comes from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every holiday, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &Localized)> {
        self.holidays.iter().map(|(date, name)| (*date, name))
    }

    fn check(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.years.contains(&date.year()) {
            Ok(())
        } else {
            Err(CalendarError {
                jurisdiction: self.jurisdiction,
                date,
                first_year: *self.years.start(),
                last_year: *self.years.end(),
            })
        }
    }

    /// The holiday's name when `date` is a public holiday.
    pub fn holiday(&self, date: NaiveDate) -> Result<Option<&Localized>, CalendarError> {
        self.check(date)?;
        Ok(self.holidays.get(&date))
    }

    /// True when `date` is neither a Saturday, a Sunday nor a public holiday.
    pub fn is_business_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check(date)?;
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        Ok(!weekend && !self.holidays.contains_key(&date))
    }

    /// The first business day strictly after `date`.
    pub fn next_business_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.add_business_days(date, 1)
    }

    /// The `count`-th business day after `date` (the start day itself is not counted: four
    /// business days after a Thursday are Friday, Monday, Tuesday, Wednesday). Zero gives `date`.
    pub fn add_business_days(
        &self,
        date: NaiveDate,
        count: u32,
    ) -> Result<NaiveDate, CalendarError> {
        self.check(date)?;
        let mut day = date;
        let mut counted = 0;
        while counted < count {
            day = day.succ_opt().ok_or(CalendarError {
                jurisdiction: self.jurisdiction,
                date: day,
                first_year: *self.years.start(),
                last_year: *self.years.end(),
            })?;
            if self.is_business_day(day)? {
                counted += 1;
            }
        }
        Ok(day)
    }
}
