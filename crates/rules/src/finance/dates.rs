//! Calendar steps used by schedules and the APR: months "measured from a given date to the same
//! date of another month" (Reg Z Appendix J (b)(3)(iv)), with the month-end rule.

use chrono::{Datelike, NaiveDate};

/// The day of the month a monthly series is due on. A series due on the last day of a month
/// (or the 29th–31st) is anchored at that day and falls back to the month's last day when the
/// month is shorter, so Jan 31 → Feb 28 → Mar 31 (Appendix J (b)(3)(iv)).
pub fn month_anchor(date: NaiveDate) -> u32 {
    if is_last_day_of_month(date) {
        31
    } else {
        date.day()
    }
}

pub fn is_last_day_of_month(date: NaiveDate) -> bool {
    date.succ_opt()
        .is_none_or(|next| next.month() != date.month())
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    match (
        NaiveDate::from_ymd_opt(ny, nm, 1),
        NaiveDate::from_ymd_opt(year, month, 1),
    ) {
        (Some(a), Some(b)) => (a - b).num_days() as u32,
        _ => 30,
    }
}

/// `date`'s month moved by `months` (negative goes back), on the anchor day or the month's last
/// day when it is shorter. `None` only outside chrono's calendar range.
pub fn shift_months(date: NaiveDate, months: i64, anchor: u32) -> Option<NaiveDate> {
    let total = date.year() as i64 * 12 + (date.month0() as i64) + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = total.rem_euclid(12) as u32 + 1;
    let day = anchor.min(days_in_month(year, month)).max(1);
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Full months measured back from `later` (on `anchor`) that still end on or after `earlier`,
/// and the date they reach. Appendix J (b)(5)(ii): "the number of full unit-periods between 2
/// dates shall be the number of months measured back from the later date".
pub fn full_months_back(earlier: NaiveDate, later: NaiveDate, anchor: u32) -> (i64, NaiveDate) {
    // Start from the calendar estimate and correct by at most a step either way.
    let mut k = (later.year() as i64 - earlier.year() as i64) * 12 + later.month() as i64
        - earlier.month() as i64;
    k = k.max(0);
    loop {
        match shift_months(later, -k, anchor) {
            Some(d) if d >= earlier => break,
            _ if k == 0 => return (0, later),
            _ => k -= 1,
        }
    }
    while let Some(d) = shift_months(later, -(k + 1), anchor) {
        if d >= earlier {
            k += 1;
        } else {
            break;
        }
    }
    let reached = shift_months(later, -k, anchor).unwrap_or(later);
    (k, reached)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
    }

    #[test]
    fn month_end_series_keep_to_the_last_day() {
        let jan31 = d(2026, 1, 31);
        assert_eq!(month_anchor(jan31), 31, "Jan 31 is a month-end anchor");
        assert_eq!(
            shift_months(jan31, 1, 31),
            Some(d(2026, 2, 28)),
            "February has 28 days in 2026"
        );
        assert_eq!(
            shift_months(jan31, 2, 31),
            Some(d(2026, 3, 31)),
            "March goes back to the 31st"
        );
        assert_eq!(
            month_anchor(d(2028, 2, 29)),
            31,
            "Feb 29 in a leap year is a month end"
        );
    }

    #[test]
    fn full_months_are_counted_back_from_the_later_date() {
        // Appendix J (c)(1)(ii): advance Feb 10, first payment Apr 1 → 1 month and 19 days.
        let (k, reached) = full_months_back(d(1978, 2, 10), d(1978, 4, 1), 1);
        assert_eq!(k, 1, "Mar 1 is one full month back; Feb 1 is before Feb 10");
        assert_eq!(
            (reached - d(1978, 2, 10)).num_days(),
            19,
            "19 odd days remain"
        );
        let (k, _) = full_months_back(d(2026, 1, 15), d(2026, 1, 20), 20);
        assert_eq!(k, 0, "no full month in five days");
    }
}
