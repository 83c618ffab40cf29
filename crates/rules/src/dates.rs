//! Calendar rules shared by every screen and document: how long someone has lived at an address
//! or held a job, counted in whole months. (The APR's unit periods are in [`crate::finance`].)

use chrono::{Datelike, Months, NaiveDate};

/// Whole months from `from` to a later `to`: the most `n` for which `from` moved `n` calendar
/// months on is on or before `to`. A day that a shorter month lacks becomes that month's last
/// day, so two years from 2024-02-29 are complete on 2026-02-28, and one month from January 31
/// is complete on the last day of February. Never negative: a `to` before `from` is 0.
///
/// This is the one rule for residence and employment history (the application's two-year
/// check, the STAR message's months at an address, the customer screen); the UI's live figure
/// follows the same cases (`tests/fixtures/rules/whole-months.json`).
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    // The calendar difference is an upper bound: `from` moved that far lands in `to`'s month,
    // so at most one step back is needed.
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let mut n = u32::try_from(months).unwrap_or(0);
    while n > 0
        && from
            .checked_add_months(Months::new(n))
            .is_none_or(|d| d > to)
    {
        n -= 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Cases {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        from: NaiveDate,
        to: NaiveDate,
        months: u32,
    }

    #[test]
    fn whole_months_follow_the_shared_cases() {
        let text = include_str!("../../../tests/fixtures/rules/whole-months.json");
        let cases: Cases = serde_json::from_str(text).expect("the cases parse");
        assert!(cases.cases.len() >= 10);
        for c in cases.cases {
            assert_eq!(
                whole_months(c.from, c.to),
                c.months,
                "{} to {}",
                c.from,
                c.to
            );
        }
    }

    #[test]
    fn whole_months_agree_with_stepping_one_month_at_a_time() {
        // The closed form against the definition, over every pair of days in four years.
        let start = NaiveDate::from_ymd_opt(2023, 1, 1).expect("date");
        let by_steps = |from: NaiveDate, to: NaiveDate| {
            let mut m = 0;
            while from
                .checked_add_months(Months::new(m + 1))
                .is_some_and(|d| d <= to)
            {
                m += 1;
            }
            m
        };
        for a in (0..1461).step_by(7) {
            let from = start + chrono::Days::new(a);
            for b in (0..1461).step_by(5) {
                let to = start + chrono::Days::new(b);
                assert_eq!(whole_months(from, to), by_steps(from, to), "{from} to {to}");
            }
        }
    }
}
