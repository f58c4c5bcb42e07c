//! Holiday calendars: coverage, known holidays, business-day arithmetic, out-of-range errors.

use chrono::NaiveDate;
use kyoyu_model::Jurisdiction;
use kyoyu_obligations::{Calendar, RuleSet, holidays_covered};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

fn calendar(jurisdiction: Jurisdiction) -> &'static Calendar {
    RuleSet::builtin()
        .calendar(jurisdiction)
        .expect("a calendar for every jurisdiction")
}

#[test]
fn every_jurisdiction_is_covered_for_2025_to_2028() {
    for jurisdiction in Jurisdiction::ALL {
        assert_eq!(
            holidays_covered(jurisdiction),
            2025..=2028,
            "{jurisdiction}"
        );
    }
}

#[test]
fn known_holidays_are_in_the_data() {
    let cases = [
        (Jurisdiction::Jp, "2026-09-22", "国民の休日"),
        (Jurisdiction::Jp, "2027-03-22", "振替休日"),
        (Jurisdiction::Jp, "2025-11-24", "振替休日"),
        (Jurisdiction::Jp, "2028-09-22", "秋分の日"),
        (
            Jurisdiction::Us,
            "2026-07-03",
            "Independence Day (observed)",
        ),
        (Jurisdiction::Us, "2027-12-31", "New Year's Day (observed)"),
        (Jurisdiction::Us, "2026-11-26", "Thanksgiving Day"),
        (Jurisdiction::Eu, "2027-03-26", "Good Friday"),
        (Jurisdiction::Eu, "2028-04-17", "Easter Monday"),
    ];
    for (jurisdiction, day, name) in cases {
        let holiday = calendar(jurisdiction).holiday(date(day)).expect("covered");
        let names = holiday.map(|holiday| (holiday.ja.as_ref(), holiday.en.as_ref()));
        assert!(
            names.is_some_and(|(ja, en)| ja == name || en == name),
            "{jurisdiction} {day}: {names:?}"
        );
    }
    // Ordinary days are not holidays; the EU list is TARGET2's, not a member state's.
    assert_eq!(
        calendar(Jurisdiction::Jp).holiday(date("2026-11-04")),
        Ok(None)
    );
    assert_eq!(
        calendar(Jurisdiction::Eu).holiday(date("2026-10-03")),
        Ok(None)
    );
}

#[test]
fn business_days_skip_weekends_and_holidays() {
    let japan = calendar(Jurisdiction::Jp);
    // Friday 18 September 2026, then the Silver Week (21, 22, 23 September).
    assert_eq!(
        japan.add_business_days(date("2026-09-18"), 1),
        Ok(date("2026-09-24"))
    );
    // Golden Week 2026: 29 April, then 3 to 6 May.
    assert_eq!(
        japan.add_business_days(date("2026-04-30"), 2),
        Ok(date("2026-05-07"))
    );
    let us = calendar(Jurisdiction::Us);
    assert_eq!(
        us.add_business_days(date("2026-11-25"), 1),
        Ok(date("2026-11-27"))
    );
    assert_eq!(
        us.add_business_days(date("2027-12-30"), 1),
        Ok(date("2028-01-03"))
    );
    assert_eq!(
        us.next_business_day(date("2026-07-02")),
        Ok(date("2026-07-06"))
    );
    assert_eq!(us.is_business_day(date("2026-11-11")), Ok(false));
    assert_eq!(us.is_business_day(date("2026-11-12")), Ok(true));
    assert_eq!(
        us.add_business_days(date("2026-11-12"), 0),
        Ok(date("2026-11-12"))
    );
}

#[test]
fn dates_outside_the_covered_years_are_an_error() {
    let us = calendar(Jurisdiction::Us);
    let error = us
        .add_business_days(date("2029-01-02"), 4)
        .expect_err("2029");
    assert_eq!((error.first_year, error.last_year), (2025, 2028));
    assert!(error.to_string().contains("2025–2028"), "{error}");
    // Counting that runs past the end of the data fails too, rather than ignoring holidays.
    assert!(us.add_business_days(date("2028-12-28"), 4).is_err());
    assert!(
        calendar(Jurisdiction::Jp)
            .is_business_day(date("2024-12-31"))
            .is_err()
    );
}
