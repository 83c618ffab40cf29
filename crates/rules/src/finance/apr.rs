//! The annual percentage rate by the actuarial method of Regulation Z, Appendix J to 12 CFR
//! 1026: any number of advances and payment streams, unit periods of days, weeks (and multiples),
//! semimonths, months (and multiples) and years, odd first periods priced at simple interest,
//! irregular first and final payments, and the single-advance/single-payment case.
//!
//! The solver finds the unit-period rate `i` that makes the general equation (b)(8) hold:
//!
//! ```text
//!   Σ A_k / ((1 + f_k·i)(1 + i)^t_k)  =  Σ P_j / ((1 + f_j·i)(1 + i)^t_j)
//! ```
//!
//! where `t` is the number of full unit periods and `f` the fraction of a unit period from the
//! beginning of the term to each advance or payment, counted by (b)(5). The APR is `i` times the
//! unit periods in a year (b)(1). Everything is `rust_decimal` (28 significant digits) and the
//! root is bracketed and refined (Illinois false position) until the rate stops moving, far
//! beyond the two decimals the regulation's examples show.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

use super::dates::{full_months_back, month_anchor, shift_months};
use super::FinanceError;
use crate::money::{Money, Rate};

/// How often a stream of payments (or advances) recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    Days(u32),
    Weeks(u32),
    Semimonth,
    Months(u32),
    Years(u32),
}

impl Interval {
    /// Rough length in days, only to compare intervals (ties, nearest standard interval).
    fn approx_days(&self) -> Decimal {
        match self {
            Interval::Days(n) => Decimal::from(*n),
            Interval::Weeks(n) => Decimal::from(7 * n),
            Interval::Semimonth => Decimal::new(365, 0) / Decimal::from(24),
            Interval::Months(n) => Decimal::new(365, 0) * Decimal::from(*n) / Decimal::from(12),
            Interval::Years(n) => Decimal::new(365, 0) * Decimal::from(*n),
        }
    }

    /// The unit period this interval stands for (a unit period never exceeds a year, (b)(4)).
    fn unit(&self) -> UnitPeriod {
        match *self {
            Interval::Days(n) => UnitPeriod::Days(n),
            Interval::Weeks(n) => UnitPeriod::Weeks(n),
            Interval::Semimonth => UnitPeriod::Semimonth,
            Interval::Months(n) if n >= 12 => UnitPeriod::Year,
            Interval::Months(n) => UnitPeriod::Months(n),
            Interval::Years(_) => UnitPeriod::Year,
        }
    }
}

/// Parses `1 month`, `3 months`, `2 weeks`, `1 week`, `7 days`, `semimonth`, `1 year`.
impl FromStr for Interval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        if matches!(s.as_str(), "semimonth" | "semimonthly" | "1 semimonth") {
            return Ok(Interval::Semimonth);
        }
        let mut parts = s.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "'{s}' is not an interval: use N days, N weeks, N months, N years or semimonth"
            ));
        };
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| *n >= 1 && *n <= 3650)
            .ok_or_else(|| format!("'{s}': the count must be a whole number from 1"))?;
        Ok(match unit.trim_end_matches('s') {
            "day" => Interval::Days(n),
            "week" => Interval::Weeks(n),
            "month" => Interval::Months(n),
            "year" => Interval::Years(n),
            _ => {
                return Err(format!(
                    "'{s}': the unit is day(s), week(s), month(s), year(s) or semimonth"
                ))
            }
        })
    }
}

/// Appendix J's unit period: the common period that occurs most often, never over a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitPeriod {
    Days(u32),
    Weeks(u32),
    Semimonth,
    Months(u32),
    Year,
}

impl UnitPeriod {
    /// Unit periods in a year, (b)(5)(ii)–(v): 365 per day, 52 per week, 24 semimonths,
    /// 12 months, divided by the multiple.
    pub fn per_year(&self) -> Decimal {
        match *self {
            UnitPeriod::Days(n) => Decimal::from(365) / Decimal::from(n.max(1)),
            UnitPeriod::Weeks(n) => Decimal::from(52) / Decimal::from(n.max(1)),
            UnitPeriod::Semimonth => Decimal::from(24),
            UnitPeriod::Months(n) => Decimal::from(12) / Decimal::from(n.max(1)),
            UnitPeriod::Year => Decimal::ONE,
        }
    }
}

impl fmt::Display for UnitPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32, unit: &str| {
            if n == 1 {
                format!("1 {unit}")
            } else {
                format!("{n} {unit}s")
            }
        };
        match *self {
            UnitPeriod::Days(n) => f.write_str(&plural(n, "day")),
            UnitPeriod::Weeks(n) => f.write_str(&plural(n, "week")),
            UnitPeriod::Semimonth => f.write_str("semimonth"),
            UnitPeriod::Months(n) => f.write_str(&plural(n, "month")),
            UnitPeriod::Year => f.write_str("1 year"),
        }
    }
}

/// Money the creditor pays out (to or for the consumer) on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advance {
    pub amount: Money,
    pub date: NaiveDate,
}

/// `count` equal payments of `amount`, the first on `first`, then every `every`.
/// A stream of one payment needs no interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentStream {
    pub amount: Money,
    pub count: u32,
    pub first: NaiveDate,
    pub every: Option<Interval>,
}

/// A transaction to price.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AprRequest {
    pub advances: Vec<Advance>,
    pub payments: Vec<PaymentStream>,
    /// When the finance charge starts to be earned, if later than the first advance ((b)(2)).
    pub term_start: Option<NaiveDate>,
    /// Forces a unit period instead of the one (b)(4) picks.
    pub unit_period: Option<UnitPeriod>,
}

/// The APR and the totals that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AprResult {
    /// The nominal annual rate, unrounded (round only to display).
    pub apr: Rate,
    pub unit_period: UnitPeriod,
    pub unit_periods_per_year: Decimal,
    /// Sum of the advances.
    pub amount_financed: Money,
    /// Sum of the payments.
    pub total_of_payments: Money,
    pub finance_charge: Money,
}

/// One advance or payment placed on the unit-period time line: `t` full unit periods and the
/// fraction `f` from the beginning of the term. Advances carry a negative amount.
#[derive(Debug, Clone, Copy)]
struct Flow {
    amount: Decimal,
    t: u32,
    f: Decimal,
}

/// Consecutive flows with the same amount and fraction one unit period apart: their present
/// value is a geometric series, summed in closed form (what keeps a 96-payment solve fast).
#[derive(Debug, Clone, Copy)]
struct Run {
    amount: Decimal,
    t0: u32,
    n: u32,
    f: Decimal,
}

/// Most payments a request may hold (a daily stream over 30 years is ~11,000).
const MAX_PAYMENTS: u64 = 20_000;

/// Dates of a stream: monthly streams keep their day of month with the month-end rule;
/// semimonthly streams fall on the first day and 15 days later each month.
pub fn stream_dates(
    first: NaiveDate,
    count: u32,
    every: Option<Interval>,
) -> Result<Vec<NaiveDate>, FinanceError> {
    let mut out = Vec::with_capacity(count as usize);
    let anchor = month_anchor(first);
    let bad = || FinanceError::invalid("payments", "a payment date falls outside the calendar");
    for k in 0..count as i64 {
        let date = match every {
            None if k == 0 => first,
            None => {
                return Err(FinanceError::invalid(
                    "payments.every",
                    "a stream of more than one payment needs an interval",
                ))
            }
            Some(Interval::Days(n)) => first + Duration::days(k * n as i64),
            Some(Interval::Weeks(n)) => first + Duration::days(7 * k * n as i64),
            Some(Interval::Months(n)) => {
                shift_months(first, k * n as i64, anchor).ok_or_else(bad)?
            }
            Some(Interval::Years(n)) => {
                shift_months(first, 12 * k * n as i64, anchor).ok_or_else(bad)?
            }
            Some(Interval::Semimonth) => {
                // Days d and d+15 of each month (d ≤ 15), starting from whichever `first` is:
                // step 0 is day d of the first month, step 1 day d+15, step 2 day d next month.
                let (low, step) = if first.day() > 15 {
                    (first.day() - 15, k + 1)
                } else {
                    (first.day(), k)
                };
                let month_start = first.with_day(1).ok_or_else(bad)?;
                let day = if step % 2 == 0 { low } else { low + 15 };
                shift_months(month_start, step / 2, day).ok_or_else(bad)?
            }
        };
        out.push(date);
    }
    Ok(out)
}

/// Places a date on the unit-period time line from `start`, by (b)(5).
fn position(
    start: NaiveDate,
    date: NaiveDate,
    anchor: u32,
    unit: UnitPeriod,
) -> Result<(u32, Decimal), FinanceError> {
    let days = (date - start).num_days();
    if days < 0 {
        return Err(FinanceError::invalid(
            "payments",
            "every payment and advance must be on or after the start of the term",
        ));
    }
    let split = |total: i64, per: i64| -> Result<(u32, Decimal), FinanceError> {
        let t = u32::try_from(total / per)
            .map_err(|_| FinanceError::invalid("payments", "the term is too long"))?;
        Ok((t, Decimal::from(total % per) / Decimal::from(per)))
    };
    match unit {
        // (b)(5)(iv): days between the dates divided by the days per unit period.
        UnitPeriod::Days(n) => split(days, n.max(1) as i64),
        UnitPeriod::Weeks(n) => split(days, 7 * n.max(1) as i64),
        // (b)(5)(ii)–(iii): 30 days per full month measured back from the later date, plus
        // the remaining days, divided by 30 × months per unit period (or 15 for semimonths).
        UnitPeriod::Months(m) => {
            let (k, reached) = full_months_back(start, date, anchor);
            let total = 30 * k + (reached - start).num_days();
            split(total, 30 * m.max(1) as i64)
        }
        UnitPeriod::Semimonth => {
            let (k, reached) = full_months_back(start, date, anchor);
            let total = 30 * k + (reached - start).num_days();
            split(total, 15)
        }
        // (b)(5)(v): full years back from the later date; the rest is months / 12 when it is a
        // whole number of months, otherwise days / 365.
        UnitPeriod::Year => {
            let (k, reached) = full_months_back(start, date, anchor);
            let years = k / 12;
            let t = u32::try_from(years)
                .map_err(|_| FinanceError::invalid("payments", "the term is too long"))?;
            if reached == start {
                Ok((t, Decimal::from(k % 12) / Decimal::from(12)))
            } else {
                let year_point = shift_months(date, -12 * years, anchor).unwrap_or(date);
                Ok((
                    t,
                    Decimal::from((year_point - start).num_days()) / Decimal::from(365),
                ))
            }
        }
    }
}

/// (b)(4): the common period that occurs most often (ties: the smaller); with no common
/// period, the average period rounded to the nearest standard interval (midpoint: the lower).
fn pick_unit_period(payments: &[PaymentStream], start: NaiveDate, last: NaiveDate) -> UnitPeriod {
    let mut tally: Vec<(Interval, u64)> = Vec::new();
    for s in payments {
        if let (Some(every), true) = (s.every, s.count >= 2) {
            let unit_interval = every;
            match tally
                .iter_mut()
                .find(|(i, _)| i.unit() == unit_interval.unit())
            {
                Some((_, c)) => *c += (s.count - 1) as u64,
                None => tally.push((unit_interval, (s.count - 1) as u64)),
            }
        }
    }
    if let Some((best, _)) = tally.iter().copied().max_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| b.0.approx_days().cmp(&a.0.approx_days()))
    }) {
        return best.unit();
    }
    let count: u64 = payments.iter().map(|s| s.count as u64).sum();
    let average = Decimal::from((last - start).num_days()) / Decimal::from(count.max(1));
    let mut standard = vec![Interval::Days(1)];
    standard.extend((1..=4).map(Interval::Weeks));
    standard.push(Interval::Semimonth);
    standard.extend((1..=12).map(Interval::Months));
    standard
        .into_iter()
        .min_by(|a, b| {
            (a.approx_days() - average)
                .abs()
                .cmp(&(b.approx_days() - average).abs())
                .then_with(|| a.approx_days().cmp(&b.approx_days()))
        })
        .map(|i| i.unit())
        .unwrap_or(UnitPeriod::Months(1))
}

/// `x^n` by squaring, for `0 < x ≤ 1` (no overflow; tiny values round to zero).
fn powu(mut x: Decimal, mut n: u32) -> Decimal {
    let mut acc = Decimal::ONE;
    while n > 0 {
        if n & 1 == 1 {
            acc = acc.checked_mul(x).unwrap_or(Decimal::ZERO);
        }
        n >>= 1;
        if n > 0 {
            x = x.checked_mul(x).unwrap_or(Decimal::ZERO);
        }
    }
    acc
}

/// Present value of all runs at unit-period rate `i` (payments positive, advances negative).
/// Runs are sorted by `t0`, so each run's discount factor `v^t0` is the previous one times the
/// power just used for the previous run's length (one multiplication instead of a fresh power).
fn present_value(runs: &[Run], i: Decimal) -> Decimal {
    let v = Decimal::ONE / (Decimal::ONE + i);
    let mut sum = Decimal::ZERO;
    let mut t_cur = 0u32;
    let mut vt = Decimal::ONE;
    let mut last: Option<(u32, Decimal)> = None;
    for r in runs {
        let delta = r.t0 - t_cur;
        if delta > 0 {
            let step = match last {
                Some((n, vn)) if n == delta => vn,
                _ => powu(v, delta),
            };
            vt = vt.checked_mul(step).unwrap_or(Decimal::ZERO);
            t_cur = r.t0;
        }
        let geo = if r.n == 1 {
            last = Some((1, v));
            Decimal::ONE
        } else if i.is_zero() {
            last = None;
            Decimal::from(r.n)
        } else {
            let vn = powu(v, r.n);
            last = Some((r.n, vn));
            (Decimal::ONE - vn) * (Decimal::ONE + i) / i
        };
        let term = r.amount * vt * geo;
        sum += if r.f.is_zero() {
            term
        } else {
            term / (Decimal::ONE + r.f * i)
        };
    }
    sum
}

fn runs_of(flows: &[Flow]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for fl in flows {
        if let Some(last) = runs.last_mut() {
            if last.amount == fl.amount && last.f == fl.f && last.t0 + last.n == fl.t {
                last.n += 1;
                continue;
            }
        }
        runs.push(Run {
            amount: fl.amount,
            t0: fl.t,
            n: 1,
            f: fl.f,
        });
    }
    runs.sort_by_key(|r| r.t0);
    runs
}

/// Fixed-point scale of the fast search: rates and discount factors as integers × 2^60
/// (about 18 decimals), so a product rescales with a shift instead of a division.
const SHIFT: u32 = 60;
const FP: i128 = 1 << SHIFT;

/// A run in fixed point: amount in cents, fraction × 2^60.
struct FixedRun {
    cents: i128,
    t0: u32,
    n: u32,
    f: i128,
}

/// Whole cents of an amount (runs hold cents exactly).
fn to_cents(d: Decimal) -> Option<i128> {
    let r = (d * Decimal::ONE_HUNDRED).round();
    (r.scale() == 0).then_some(r.mantissa())
}

/// A fraction or rate in fixed point.
fn to_fixed(d: Decimal) -> Option<i128> {
    let r = d.checked_mul(Decimal::from(FP as i64))?.round();
    (r.scale() == 0).then_some(r.mantissa())
}

fn fmul(a: i128, b: i128) -> Option<i128> {
    Some(a.checked_mul(b)? >> SHIFT)
}

fn fpow(mut x: i128, mut n: u32) -> Option<i128> {
    let mut acc = FP;
    while n > 0 {
        if n & 1 == 1 {
            acc = fmul(acc, x)?;
        }
        n >>= 1;
        if n > 0 {
            x = fmul(x, x)?;
        }
    }
    Some(acc)
}

/// [`present_value`] in binary fixed point (cents × 2^60): integer arithmetic, an
/// order of magnitude faster than 28-digit decimals, used only to find the neighbourhood of
/// the root. `None` on overflow (huge amounts or terms), and the decimal search takes over.
fn present_value_fixed(runs: &[FixedRun], i: i128) -> Option<i128> {
    let v = (1i128 << (2 * SHIFT)) / (FP + i);
    let mut sum: i128 = 0;
    let mut t_cur = 0u32;
    let mut vt = FP;
    let mut last: Option<(u32, i128)> = None;
    for r in runs {
        let delta = r.t0 - t_cur;
        if delta > 0 {
            let step = match last {
                Some((n, vn)) if n == delta => vn,
                _ => fpow(v, delta)?,
            };
            vt = fmul(vt, step)?;
            t_cur = r.t0;
        }
        let geo = if r.n == 1 {
            last = Some((1, v));
            FP
        } else if i == 0 {
            last = None;
            i128::from(r.n) << SHIFT
        } else {
            let vn = fpow(v, r.n)?;
            last = Some((r.n, vn));
            (FP - vn).checked_mul(FP + i)? / i
        };
        let mut term = r.cents.checked_mul(fmul(vt, geo)?)?;
        if r.f != 0 {
            let odd = FP + fmul(r.f, i)?;
            term = (term / odd).checked_mul(FP)? + (term % odd).checked_mul(FP)? / odd;
        }
        sum = sum.checked_add(term)?;
    }
    Some(sum)
}

/// Chord/secant search in fixed point, then one Newton step at full decimal precision with the
/// chord's slope: the answer carries rust_decimal's 28 digits, the search costs little.
fn solve_rate_fast(runs: &[Run], guess: Decimal) -> Option<Decimal> {
    let fixed: Vec<FixedRun> = runs
        .iter()
        .map(|r| {
            Some(FixedRun {
                cents: to_cents(r.amount)?,
                t0: r.t0,
                n: r.n,
                f: to_fixed(r.f)?,
            })
        })
        .collect::<Option<_>>()?;
    let g = |i: i128| present_value_fixed(&fixed, i);
    let mut x0 = to_fixed(guess)?;
    if x0 <= 0 {
        return None;
    }
    let mut x1 = x0 + (x0 / 1_000_000).max(1_000);
    let (mut f0, mut f1) = (g(x0)?, g(x1)?);
    let mut slope = 0i128;
    let mut settled = false;
    for _ in 0..40 {
        let (df, dx) = (f1 - f0, x1 - x0);
        if dx == 0 {
            settled = true;
            break;
        }
        slope = df / dx;
        if slope >= 0 {
            return None;
        }
        let x2 = x1 - f1 / slope;
        if x2 <= 0 {
            return None;
        }
        (x0, f0) = (x1, f1);
        x1 = x2;
        if (x1 - x0).abs() <= 1 {
            settled = true;
            break;
        }
        f1 = g(x1)?;
    }
    if !settled || slope == 0 {
        return None;
    }
    // Polish: one Newton step on the decimal equation (g in dollars, slope in dollars per unit
    // of rate), which squares the fixed-point error away.
    let x = Decimal::from_i128_with_scale(x1, 0) / Decimal::from(FP as i64);
    let slope_dollars = Decimal::from_i128_with_scale(slope, 2);
    let fx = present_value(runs, x);
    let polished = x - fx / slope_dollars;
    (polished > Decimal::ZERO).then_some(polished)
}

/// The rate is settled when a step moves it less than this (a monthly rate to 1e-17 is an APR
/// to about 1e-13 of a percent).
const RATE_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 17);

/// Finds `i ≥ 0` with `present_value(i) = 0`. `present_value(0)` is the finance charge (> 0)
/// and the value falls below zero as `i` grows (the first advance sits at the start of the
/// term), so a root exists. Secant steps from the guess settle a quote in a few evaluations;
/// if they wander, a bracketed Illinois false position finishes the job.
fn solve_rate(runs: &[Run], guess: Decimal) -> Result<Decimal, FinanceError> {
    let g = |i: Decimal| present_value(runs, i);
    let g0 = g(Decimal::ZERO);
    if g0.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let guess = if guess > Decimal::ZERO {
        guess
    } else {
        Decimal::new(1, 2)
    };
    if let Some(i) = solve_rate_fast(runs, guess) {
        return Ok(i);
    }
    // A second point a hair away: a quote's guess (its note rate) is already within cent
    // rounding of the root, so the secant slope from two close points lands almost on it.
    let (mut x0, mut x1) = (guess, guess * Decimal::new(1_000_000_001, 9));
    let (mut f0, mut f1) = (g(x0), g(x1));
    for _ in 0..12 {
        let denom = f1 - f0;
        if denom.is_zero() {
            break;
        }
        let x2 = x1 - f1 * (x1 - x0) / denom;
        if x2 <= Decimal::ZERO {
            break;
        }
        if (x2 - x1).abs() < RATE_TOLERANCE {
            return Ok(x2);
        }
        (x0, f0) = (x1, f1);
        x1 = x2;
        f1 = g(x1);
        if f1.is_zero() {
            return Ok(x1);
        }
    }
    bracketed(&g, g0, guess)
}

fn bracketed(
    g: &dyn Fn(Decimal) -> Decimal,
    g0: Decimal,
    guess: Decimal,
) -> Result<Decimal, FinanceError> {
    // Bracket [a, b] with g(a) > 0 > g(b), growing from the guess.
    let (mut a, mut fa) = (Decimal::ZERO, g0);
    let mut b = guess;
    let mut fb = g(b);
    let mut tries = 0;
    while fb >= Decimal::ZERO {
        if fb > Decimal::ZERO {
            a = b;
            fa = fb;
        }
        b *= Decimal::TWO;
        fb = g(b);
        tries += 1;
        if tries > 80 {
            return Err(FinanceError::NoSolution(
                "no rate makes the payments repay the advances".into(),
            ));
        }
    }
    // Illinois false position: superlinear, and the root never leaves the bracket.
    let mut side = 0i8;
    let mut c = a;
    for _ in 0..300 {
        let denom = fb - fa;
        c = if denom.is_zero() {
            (a + b) / Decimal::TWO
        } else {
            (a * fb - b * fa) / denom
        };
        if c <= a || c >= b {
            c = (a + b) / Decimal::TWO;
        }
        let fc = g(c);
        if fc.is_zero() || (b - a) < RATE_TOLERANCE {
            break;
        }
        if fc > Decimal::ZERO {
            a = c;
            fa = fc;
            if side == 1 {
                fb /= Decimal::TWO;
            }
            side = 1;
        } else {
            b = c;
            fb = fc;
            if side == -1 {
                fa /= Decimal::TWO;
            }
            side = -1;
        }
    }
    Ok(c)
}

/// Computes the APR of a transaction by Appendix J.
///
/// Errors name the field at fault: no advances or payments, non-positive amounts, a stream of
/// several payments without an interval, dates before the start of the term, or payments that
/// total less than the advances.
pub fn solve(req: &AprRequest) -> Result<AprResult, FinanceError> {
    solve_with_guess(req, None)
}

/// [`solve`], starting the search near `guess` (a unit-period rate), as a quote does with its
/// contract rate; the answer does not depend on the guess, only the time to find it.
pub fn solve_with_guess(
    req: &AprRequest,
    guess: Option<Decimal>,
) -> Result<AprResult, FinanceError> {
    if req.advances.is_empty() {
        return Err(FinanceError::invalid(
            "advances",
            "at least one advance is needed",
        ));
    }
    if req.payments.is_empty() {
        return Err(FinanceError::invalid(
            "payments",
            "at least one payment is needed",
        ));
    }
    for (n, a) in req.advances.iter().enumerate() {
        if a.amount <= Money::ZERO {
            return Err(FinanceError::invalid(
                format!("advances[{n}].amount"),
                "an advance must be more than zero",
            ));
        }
    }
    let mut total_count: u64 = 0;
    for (n, p) in req.payments.iter().enumerate() {
        if p.amount <= Money::ZERO {
            return Err(FinanceError::invalid(
                format!("payments[{n}].amount"),
                "a payment must be more than zero",
            ));
        }
        if p.count == 0 {
            return Err(FinanceError::invalid(
                format!("payments[{n}].count"),
                "a stream has at least one payment",
            ));
        }
        if p.count > 1 && p.every.is_none() {
            return Err(FinanceError::invalid(
                format!("payments[{n}].every"),
                "a stream of more than one payment needs an interval",
            ));
        }
        total_count += p.count as u64;
    }
    if total_count > MAX_PAYMENTS {
        return Err(FinanceError::invalid("payments", "too many payments"));
    }
    let first_advance = req
        .advances
        .iter()
        .map(|a| a.date)
        .min()
        .ok_or_else(|| FinanceError::invalid("advances", "at least one advance is needed"))?;
    let start = req.term_start.unwrap_or(first_advance);

    // The last payment date (for the average period of (b)(4)(i)(B)).
    let mut last_payment = start;
    for p in &req.payments {
        let last = match p.every {
            None => p.first,
            Some(Interval::Days(n)) => {
                p.first + Duration::days(i64::from(n) * i64::from(p.count - 1))
            }
            Some(Interval::Weeks(n)) => {
                p.first + Duration::days(7 * i64::from(n) * i64::from(p.count - 1))
            }
            Some(Interval::Months(n)) => shift_months(
                p.first,
                i64::from(n) * i64::from(p.count - 1),
                month_anchor(p.first),
            )
            .unwrap_or(p.first),
            Some(Interval::Years(n)) => shift_months(
                p.first,
                12 * i64::from(n) * i64::from(p.count - 1),
                month_anchor(p.first),
            )
            .unwrap_or(p.first),
            Some(Interval::Semimonth) => stream_dates(p.first, p.count, p.every)?
                .last()
                .copied()
                .unwrap_or(p.first),
        };
        last_payment = last_payment.max(last);
    }
    let amount_financed: Money = req.advances.iter().map(|a| a.amount).sum();
    let total_of_payments: Money = req.payments.iter().map(|p| p.amount.times(p.count)).sum();
    if total_of_payments < amount_financed {
        return Err(FinanceError::invalid(
            "payments",
            "the payments total less than the advances",
        ));
    }

    let single = req.advances.len() == 1 && total_count == 1;
    let mut flows: Vec<Flow> = Vec::with_capacity(total_count as usize + req.advances.len());
    let unit = if let (true, None) = (single, req.unit_period) {
        // (b)(4)(ii), (b)(5)(vi)–(vii): the unit period is the term, at most a year. Under a
        // year the term is one unit period: 12/months a year when it is whole months, else
        // 365/days.
        let (date, anchor) = (req.payments[0].first, month_anchor(req.payments[0].first));
        let (k, reached) = full_months_back(start, date, anchor);
        if k >= 12 {
            UnitPeriod::Year
        } else {
            let unit = if reached == start && k > 0 {
                UnitPeriod::Months(k as u32)
            } else {
                UnitPeriod::Days(((date - start).num_days()).max(1) as u32)
            };
            flows.push(Flow {
                amount: -amount_financed.amount(),
                t: 0,
                f: Decimal::ZERO,
            });
            flows.push(Flow {
                amount: req.payments[0].amount.amount(),
                t: 1,
                f: Decimal::ZERO,
            });
            unit
        }
    } else {
        req.unit_period
            .unwrap_or_else(|| pick_unit_period(&req.payments, start, last_payment))
    };
    if flows.is_empty() {
        let mut advances = req.advances.clone();
        advances.sort_by_key(|a| a.date);
        for a in &advances {
            let (t, f) = position(start, a.date, month_anchor(a.date), unit)?;
            flows.push(Flow {
                amount: -a.amount.amount(),
                t,
                f,
            });
        }
        // A single payment that falls where the previous monthly series would have put its
        // next payment (an irregular final payment) is measured on that series' day of month:
        // a final payment on Jun 30 after a series due on the 30th is not a month-end date.
        let mut continues: Option<(NaiveDate, u32)> = None;
        for p in &req.payments {
            let amount = p.amount.amount();
            let anchor = match continues {
                Some((next, series_anchor)) if p.count == 1 && next == p.first => series_anchor,
                _ => month_anchor(p.first),
            };
            continues = match p.every {
                Some(Interval::Months(n)) => {
                    shift_months(p.first, i64::from(n) * i64::from(p.count), anchor)
                        .map(|next| (next, anchor))
                }
                _ => None,
            };
            // A stream that recurs every unit period moves one unit period per payment with
            // the same fraction (its dates keep one anchor), so only its first payment needs
            // the calendar count of (b)(5).
            let regular = match (p.every, unit) {
                (Some(Interval::Days(a)), UnitPeriod::Days(b)) => a == b,
                (Some(Interval::Weeks(a)), UnitPeriod::Weeks(b)) => a == b,
                (Some(Interval::Months(a)), UnitPeriod::Months(b)) => a == b,
                _ => false,
            };
            if regular {
                let (t, f) = position(start, p.first, anchor, unit)?;
                for k in 0..p.count {
                    flows.push(Flow {
                        amount,
                        t: t + k,
                        f,
                    });
                }
                continue;
            }
            for d in stream_dates(p.first, p.count, p.every)? {
                let a = if p.every == Some(Interval::Semimonth) {
                    month_anchor(d)
                } else {
                    anchor
                };
                let (t, f) = position(start, d, a, unit)?;
                flows.push(Flow { amount, t, f });
            }
        }
    }
    let runs = runs_of(&flows);
    let guess = guess.unwrap_or_else(|| {
        // Finance charge over amount financed, spread over the average time to a payment.
        let fc = (total_of_payments - amount_financed).amount();
        let weighted: Decimal = flows
            .iter()
            .filter(|f| f.amount > Decimal::ZERO)
            .map(|f| f.amount * (Decimal::from(f.t) + f.f))
            .sum();
        let avg_t = weighted / total_of_payments.amount();
        if avg_t > Decimal::ZERO {
            fc / amount_financed.amount() / avg_t
        } else {
            Decimal::new(1, 2)
        }
    });
    let i = solve_rate(&runs, guess)?;
    let per_year = unit.per_year();
    Ok(AprResult {
        apr: Rate::from_percent(i * per_year * Decimal::ONE_HUNDRED),
        unit_period: unit,
        unit_periods_per_year: per_year,
        amount_financed,
        total_of_payments,
        finance_charge: total_of_payments - amount_financed,
    })
}

#[cfg(test)]
mod tests {
    //! Appendix J (c) worked examples. The inputs and the two-decimal APRs are those of the
    //! regulation's examples (12 CFR 1026, Appendix J (c)); each test names its example.
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
    }

    fn m(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn stream(amount: i64, count: u32, first: NaiveDate, every: &str) -> PaymentStream {
        PaymentStream {
            amount: m(amount),
            count,
            first,
            every: Some(every.parse().expect("a valid interval")),
        }
    }

    fn one(amount: i64, date: NaiveDate) -> PaymentStream {
        PaymentStream {
            amount: m(amount),
            count: 1,
            first: date,
            every: None,
        }
    }

    fn apr(advance: i64, on: NaiveDate, payments: Vec<PaymentStream>) -> AprResult {
        let req = AprRequest {
            advances: vec![Advance {
                amount: m(advance),
                date: on,
            }],
            payments,
            ..Default::default()
        };
        solve(&req).expect("the example has an APR")
    }

    fn two_dp(r: &AprResult) -> String {
        r.apr.to_plain(2)
    }

    #[test]
    fn example_c1i_monthly_payments_with_a_regular_first_period_is_9_69() {
        let r = apr(
            500000,
            d(1978, 1, 10),
            vec![stream(23000, 24, d(1978, 2, 10), "1 month")],
        );
        assert_eq!(two_dp(&r), "9.69", "App J (c)(1)(i): {:?}", r.apr);
        assert_eq!(r.unit_period, UnitPeriod::Months(1), "monthly unit period");
        assert_eq!(r.finance_charge, m(52000), "24 × 230 − 5000");
    }

    #[test]
    fn example_c1ii_monthly_payments_with_a_long_first_period_is_11_82() {
        let r = apr(
            600000,
            d(1978, 2, 10),
            vec![stream(20000, 36, d(1978, 4, 1), "1 month")],
        );
        assert_eq!(two_dp(&r), "11.82", "App J (c)(1)(ii): {:?}", r.apr);
    }

    #[test]
    fn example_c1iii_semimonthly_payments_with_a_short_first_period_is_10_34() {
        let r = apr(
            500000,
            d(1978, 2, 23),
            vec![stream(21917, 24, d(1978, 3, 1), "semimonth")],
        );
        assert_eq!(two_dp(&r), "10.34", "App J (c)(1)(iii): {:?}", r.apr);
        assert_eq!(
            r.unit_period,
            UnitPeriod::Semimonth,
            "semimonthly unit period"
        );
    }

    #[test]
    fn example_c1iv_quarterly_payments_with_a_long_first_period_is_8_97() {
        let r = apr(
            1000000,
            d(1978, 5, 23),
            vec![stream(38500, 40, d(1978, 10, 1), "3 months")],
        );
        assert_eq!(two_dp(&r), "8.97", "App J (c)(1)(iv): {:?}", r.apr);
        assert_eq!(
            r.unit_periods_per_year,
            Decimal::from(4),
            "4 quarters a year"
        );
    }

    #[test]
    fn example_c1v_weekly_payments_with_a_long_first_period_is_14_96() {
        let r = apr(
            50000,
            d(1978, 3, 20),
            vec![stream(1760, 30, d(1978, 4, 21), "1 week")],
        );
        assert_eq!(two_dp(&r), "14.96", "App J (c)(1)(v): {:?}", r.apr);
    }

    #[test]
    fn example_c2i_monthly_payments_with_an_irregular_first_payment_is_10_08() {
        let r = apr(
            500000,
            d(1978, 1, 10),
            vec![
                one(25000, d(1978, 2, 10)),
                stream(23000, 23, d(1978, 3, 10), "1 month"),
            ],
        );
        assert_eq!(two_dp(&r), "10.08", "App J (c)(2)(i): {:?}", r.apr);
    }

    #[test]
    fn example_c2ii_four_weekly_payments_with_long_first_period_and_irregular_first_payment_is_28_50(
    ) {
        let r = apr(
            40000,
            d(1978, 3, 18),
            vec![
                one(3950, d(1978, 4, 20)),
                stream(3831, 11, d(1978, 5, 18), "4 weeks"),
            ],
        );
        assert_eq!(two_dp(&r), "28.50", "App J (c)(2)(ii): {:?}", r.apr);
        assert_eq!(r.unit_period, UnitPeriod::Weeks(4), "a 4-week unit period");
    }

    #[test]
    fn example_c3i_monthly_payments_with_an_irregular_final_payment_is_10_50() {
        let r = apr(
            500000,
            d(1978, 1, 10),
            vec![
                stream(23000, 23, d(1978, 2, 10), "1 month"),
                one(28000, d(1980, 1, 10)),
            ],
        );
        assert_eq!(two_dp(&r), "10.50", "App J (c)(3)(i): {:?}", r.apr);
    }

    #[test]
    fn example_c3ii_biweekly_payments_with_short_first_period_and_irregular_final_payment_is_12_22()
    {
        // 19 payments every 2 weeks from Apr 11, then the final one 2 weeks after the last.
        let last = d(1978, 4, 11) + Duration::days(14 * 19);
        let r = apr(
            20000,
            d(1978, 4, 3),
            vec![stream(950, 19, d(1978, 4, 11), "2 weeks"), one(3000, last)],
        );
        assert_eq!(two_dp(&r), "12.22", "App J (c)(3)(ii): {:?}", r.apr);
    }

    #[test]
    fn example_c4i_monthly_payments_with_irregular_first_and_final_payments_is_10_90() {
        let r = apr(
            500000,
            d(1978, 1, 10),
            vec![
                one(25000, d(1978, 2, 10)),
                stream(23000, 22, d(1978, 3, 10), "1 month"),
                one(28000, d(1980, 1, 10)),
            ],
        );
        assert_eq!(two_dp(&r), "10.90", "App J (c)(4)(i): {:?}", r.apr);
    }

    #[test]
    fn example_c4ii_bimonthly_payments_with_short_first_period_and_irregular_first_and_final_is_7_30(
    ) {
        let r = apr(
            800000,
            d(1978, 1, 10),
            vec![
                one(44936, d(1978, 3, 1)),
                stream(46500, 18, d(1978, 5, 1), "2 months"),
                one(20000, d(1981, 5, 1)),
            ],
        );
        assert_eq!(two_dp(&r), "7.30", "App J (c)(4)(ii): {:?}", r.apr);
        assert_eq!(
            r.unit_period,
            UnitPeriod::Months(2),
            "a 2-month unit period"
        );
    }

    #[test]
    fn example_c5i_single_advance_single_payment_under_a_year_in_days_is_11_45() {
        let r = apr(100000, d(1978, 1, 3), vec![one(108000, d(1978, 9, 15))]);
        assert_eq!(two_dp(&r), "11.45", "App J (c)(5)(i): {:?}", r.apr);
        assert_eq!(
            r.unit_period,
            UnitPeriod::Days(255),
            "the term is the unit period"
        );
    }

    #[test]
    fn a_single_payment_after_whole_months_uses_twelve_over_the_months() {
        // 1000 repaid with 1030 after 6 months: 3 % a half-year is 6 % a year, (b)(5)(vi).
        let r = apr(100000, d(2026, 1, 15), vec![one(103000, d(2026, 7, 15))]);
        assert_eq!(
            r.apr.to_plain(4),
            "6.0000",
            "3 % per half year: {:?}",
            r.apr
        );
    }

    #[test]
    fn a_single_payment_after_two_years_uses_a_yearly_unit_period() {
        // 1000 → 1210 after exactly two years is 10 % compounded yearly.
        let r = apr(100000, d(2026, 3, 1), vec![one(121000, d(2028, 3, 1))]);
        assert_eq!(
            r.unit_period,
            UnitPeriod::Year,
            "terms over a year use years"
        );
        assert_eq!(r.apr.to_plain(4), "10.0000", "1.1² = 1.21: {:?}", r.apr);
    }

    #[test]
    fn multiple_advances_are_discounted_from_the_start_of_the_term() {
        // Advances of 1000 on Jan 1 and Feb 1, payments of 1010 on Feb 1 and Mar 1: at 1 % a
        // month each payment repays one advance with a month's interest.
        let req = AprRequest {
            advances: vec![
                Advance {
                    amount: m(100000),
                    date: d(2026, 1, 1),
                },
                Advance {
                    amount: m(100000),
                    date: d(2026, 2, 1),
                },
            ],
            payments: vec![one(101000, d(2026, 2, 1)), one(101000, d(2026, 3, 1))],
            ..Default::default()
        };
        let r = solve(&req).expect("an APR");
        assert_eq!(
            r.apr.to_plain(4),
            "12.0000",
            "1 % a month is 12 %: {:?}",
            r.apr
        );
    }

    #[test]
    fn daily_and_yearly_streams_solve() {
        let daily = apr(
            100000,
            d(2026, 1, 1),
            vec![stream(10100, 10, d(2026, 1, 2), "1 day")],
        );
        assert!(
            daily.apr.percent() > Decimal::from(60) && daily.apr.percent() < Decimal::from(70),
            "a 1 % finance charge over an average 5.5 days is about 66 % a year: {:?}",
            daily.apr
        );
        assert_eq!(
            daily.unit_periods_per_year,
            Decimal::from(365),
            "365 days a year"
        );
        let yearly = apr(
            100000,
            d(2026, 1, 1),
            vec![stream(57619, 2, d(2027, 1, 1), "1 year")],
        );
        assert_eq!(yearly.unit_period, UnitPeriod::Year, "a yearly stream");
        assert_eq!(
            yearly.apr.to_plain(1),
            "10.0",
            "two yearly payments at 10 %: {:?}",
            yearly.apr
        );
    }

    #[test]
    fn the_fixed_point_search_agrees_with_the_decimal_search() {
        // App J (c)(1)(ii)'s time line: an advance at 0, 36 payments from t = 1 with f = 19/30.
        let runs = vec![
            Run {
                amount: Decimal::from(-6000),
                t0: 0,
                n: 1,
                f: Decimal::ZERO,
            },
            Run {
                amount: Decimal::from(200),
                t0: 1,
                n: 36,
                f: Decimal::from(19) / Decimal::from(30),
            },
        ];
        let fast = solve_rate_fast(&runs, Decimal::new(1, 2)).expect("the fast path answers");
        let g = |i: Decimal| present_value(&runs, i);
        let slow = bracketed(&g, g(Decimal::ZERO), Decimal::new(1, 2)).expect("a root");
        assert!(
            (fast - slow).abs() < Decimal::new(1, 16),
            "fast {fast} and decimal {slow} agree within the search tolerance"
        );
        assert!(
            g(fast).abs() < Decimal::new(1, 11),
            "the polished rate solves the equation: {}",
            g(fast)
        );
    }

    #[test]
    fn zero_finance_charge_is_a_zero_apr() {
        let r = apr(
            120000,
            d(2026, 1, 1),
            vec![stream(10000, 12, d(2026, 2, 1), "1 month")],
        );
        assert_eq!(r.apr.percent(), Decimal::ZERO, "no finance charge, no rate");
    }

    #[test]
    fn bad_requests_name_the_field() {
        let err = solve(&AprRequest::default()).expect_err("no advances");
        assert!(
            matches!(&err, FinanceError::Invalid { field, .. } if field == "advances"),
            "{err:?}"
        );
        let req = AprRequest {
            advances: vec![Advance {
                amount: m(100000),
                date: d(2026, 1, 1),
            }],
            payments: vec![PaymentStream {
                amount: m(1000),
                count: 3,
                first: d(2026, 2, 1),
                every: None,
            }],
            ..Default::default()
        };
        let err = solve(&req).expect_err("a stream without an interval");
        assert!(
            matches!(&err, FinanceError::Invalid { field, .. } if field == "payments[0].every"),
            "{err:?}"
        );
        assert!(
            "fortnight".parse::<Interval>().is_err(),
            "unknown intervals are refused"
        );
    }

    #[test]
    fn semimonthly_streams_alternate_the_first_and_sixteenth() {
        let dates = stream_dates(d(1978, 3, 1), 4, Some(Interval::Semimonth)).expect("dates");
        assert_eq!(
            dates,
            vec![d(1978, 3, 1), d(1978, 3, 16), d(1978, 4, 1), d(1978, 4, 16)],
            "1st and 16th"
        );
        let late = stream_dates(d(2026, 1, 20), 3, Some(Interval::Semimonth)).expect("dates");
        assert_eq!(
            late,
            vec![d(2026, 1, 20), d(2026, 2, 5), d(2026, 2, 20)],
            "a stream starting on the 20th pairs with the 5th"
        );
    }
}
