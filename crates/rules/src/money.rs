//! Money as exact decimals. Amounts are `rust_decimal::Decimal` rounded to whole cents at named
//! points (half away from zero, "round half up" as people say at a desk), and stored as integer
//! cents. No floating point anywhere in money paths.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::str::FromStr;

/// A US-dollar amount in whole cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("enter an amount like 4250 or 4,250.00")]
    NotAnAmount,
    #[error("amounts have at most two decimal places (cents)")]
    TooPrecise,
    #[error("the amount is too large")]
    TooLarge,
    #[error("the amount cannot be negative")]
    Negative,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds any decimal to cents, half away from zero.
    pub fn round(value: Decimal) -> Self {
        Money(value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    pub fn from_cents(cents: i64) -> Self {
        Money(Decimal::new(cents, 2))
    }

    /// Whole cents, for storage. Fails only beyond ±92 quadrillion dollars.
    pub fn cents(&self) -> Result<i64, MoneyError> {
        (self.0 * Decimal::ONE_HUNDRED)
            .trunc()
            .to_i64()
            .ok_or(MoneyError::TooLarge)
    }

    pub fn amount(&self) -> Decimal {
        self.0
    }

    /// Parses what a person types: `4250`, `4,250.5`, `$4,250.00`. Refuses fractions of a cent
    /// rather than silently rounding what the customer said.
    pub fn parse_user(input: &str) -> Result<Self, MoneyError> {
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, '$' | ',' | ' '))
            .collect();
        if cleaned.is_empty() {
            return Err(MoneyError::NotAnAmount);
        }
        let value = Decimal::from_str(&cleaned).map_err(|_| MoneyError::NotAnAmount)?;
        if value.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if value > Decimal::from(1_000_000_000_000i64)
            || value < Decimal::from(-1_000_000_000_000i64)
        {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(value.round_dp(2)))
    }

    /// `4250.00`: the plain form used across IPC and in files.
    pub fn to_plain(&self) -> String {
        format!("{:.2}", self.0)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    /// Exact: both sides are whole cents, so the sum is too.
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl Money {
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Whether the amount is below zero (a refund, a negative equity, a bad input).
    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// This amount times a whole count (e.g. a payment times the number of payments): exact.
    pub fn times(&self, count: u32) -> Money {
        Money(self.0 * Decimal::from(count))
    }
}

/// Money crosses IPC, JSON and disclosures as a plain decimal string (`"4250.00"`), never as a
/// JSON number, so no reader can turn it into a float.
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_plain())
    }
}

/// An annual rate as a percent figure: `Rate(6.99)` is 6.99 % a year (an APR, a contract rate,
/// a lease rate, a tax rate or a usury cap).
///
/// Rounding rules, so desk and lender agree:
/// - a rate is kept exactly as entered or solved (28 significant digits); calculations never
///   round it;
/// - the periodic rate of a monthly unit period is `percent / 100 / 12`, unrounded;
/// - a rate is rounded only for display: to two decimals, half away from zero
///   ([`Rate::display_2dp`]), as the Truth in Lending box shows an APR (§1026.22(a)(2) allows
///   1/8 of a point; two decimals keep us well inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Rate(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("enter a rate in percent, like 6.99")]
    NotARate,
    #[error("a rate has at most 6 decimal places")]
    TooPrecise,
    #[error("the rate cannot be negative")]
    Negative,
    #[error("the rate is too large")]
    TooLarge,
}

impl Rate {
    pub const ZERO: Rate = Rate(Decimal::ZERO);

    /// A rate from its percent figure, exactly (`6.99` → 6.99 %).
    pub fn from_percent(percent: Decimal) -> Self {
        Rate(percent)
    }

    /// The percent figure (`6.99`).
    pub fn percent(&self) -> Decimal {
        self.0
    }

    /// The rate as a fraction (`0.0699`).
    pub fn fraction(&self) -> Decimal {
        self.0 / Decimal::ONE_HUNDRED
    }

    /// The unrounded rate per period when a year has `periods_per_year` periods
    /// (12 for months): `0.0699 / 12`.
    pub fn periodic(&self, periods_per_year: u32) -> Decimal {
        self.fraction() / Decimal::from(periods_per_year.max(1))
    }

    /// Parses what a person types: `6.99`, `6.99%`, ` 7 `. Refuses negatives, more than six
    /// decimals (no real rate sheet has them) and rates of 1000 % or more.
    pub fn parse_user(input: &str) -> Result<Self, RateError> {
        let cleaned = input.trim().trim_end_matches('%').trim();
        if cleaned.is_empty() {
            return Err(RateError::NotARate);
        }
        let value = Decimal::from_str(cleaned).map_err(|_| RateError::NotARate)?;
        if value.is_sign_negative() && !value.is_zero() {
            return Err(RateError::Negative);
        }
        if value.normalize().scale() > 6 {
            return Err(RateError::TooPrecise);
        }
        if value >= Decimal::from(1000) {
            return Err(RateError::TooLarge);
        }
        Ok(Rate(value.normalize()))
    }

    /// The percent figure rounded to two decimals, half away from zero (the disclosure form).
    pub fn display_2dp(&self) -> Decimal {
        self.0
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }

    /// The percent figure rounded to `dp` decimals, half away from zero, as a plain string
    /// (`"6.9900"` for 4).
    pub fn to_plain(&self, dp: u32) -> String {
        let r = self
            .0
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
        format!("{:.*}", dp as usize, r)
    }
}

/// A rate crosses JSON as its exact percent figure in a string (`"6.99"`), like money.
impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.normalize().to_string())
    }
}

/// `6.99%`: two decimals, as disclosed.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}%", self.display_2dp())
    }
}

/// `$4,250.00`, `-$12.50`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = format!("{:.2}", self.0.abs());
        let (whole, cents) = plain.split_once('.').unwrap_or((&plain, "00"));
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if self.0.is_sign_negative() && !self.0.is_zero() {
            "-"
        } else {
            ""
        };
        write!(f, "{sign}${grouped}.{cents}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_amounts_parse_exactly() {
        assert_eq!(
            Money::parse_user("$4,250.5").map(|m| m.to_plain()),
            Ok("4250.50".into())
        );
        assert_eq!(Money::parse_user("0").map(|m| m.cents()), Ok(Ok(0)));
        assert_eq!(Money::parse_user("12.345"), Err(MoneyError::TooPrecise));
        assert_eq!(
            Money::parse_user("12.3400").map(|m| m.to_plain()),
            Ok("12.34".into()),
            "trailing zeros are not precision"
        );
        assert_eq!(Money::parse_user("abc"), Err(MoneyError::NotAnAmount));
        assert_eq!(Money::parse_user(""), Err(MoneyError::NotAnAmount));
    }

    #[test]
    fn rounding_is_half_away_from_zero_at_cents() {
        assert_eq!(Money::round(Decimal::new(12345, 3)).to_plain(), "12.35");
        assert_eq!(Money::round(Decimal::new(-12345, 3)).to_plain(), "-12.35");
        assert_eq!(Money::round(Decimal::new(12344, 3)).to_plain(), "12.34");
    }

    #[test]
    fn rates_parse_exactly_and_round_only_for_display() {
        let r = Rate::parse_user("6.99%").expect("a plain percent parses");
        assert_eq!(
            r.percent(),
            Decimal::new(699, 2),
            "the figure is kept exactly"
        );
        assert_eq!(r.to_string(), "6.99%", "display has two decimals");
        assert_eq!(
            Rate::from_percent(Decimal::new(96857, 4)).display_2dp(),
            Decimal::new(969, 2),
            "9.6857 rounds half away from zero to 9.69"
        );
        assert_eq!(
            Rate::from_percent(Decimal::new(1245, 3)).to_plain(2),
            "1.25",
            "a midpoint rounds away from zero"
        );
        assert_eq!(
            r.periodic(12) * Decimal::from(12),
            r.fraction(),
            "the monthly rate is the annual fraction over twelve, unrounded"
        );
        assert_eq!(Rate::parse_user("-1"), Err(RateError::Negative));
        assert_eq!(Rate::parse_user("abc"), Err(RateError::NotARate));
        assert_eq!(Rate::parse_user("1.1234567"), Err(RateError::TooPrecise));
        assert_eq!(Rate::parse_user("1000"), Err(RateError::TooLarge));
    }

    #[test]
    fn money_adds_and_serializes_as_a_decimal_string() {
        let sum: Money = [Money::from_cents(10), Money::from_cents(-25)]
            .into_iter()
            .sum();
        assert_eq!(sum.to_plain(), "-0.15", "sums of cents stay exact");
        assert!(sum.is_negative(), "-0.15 is negative");
        assert_eq!(Money::from_cents(25694).times(48).to_plain(), "12333.12");
        assert_eq!(
            serde_json::to_string(&Money::from_cents(425000)).ok(),
            Some("\"4250.00\"".to_string()),
            "money is a JSON string so no reader makes it a float"
        );
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Money::from_cents(123456789).to_string(), "$1,234,567.89");
        assert_eq!(Money::from_cents(-1250).to_string(), "-$12.50");
        assert_eq!(Money::from_cents(5).to_string(), "$0.05");
        assert_eq!(Money::from_cents(100000).cents(), Ok(100000));
    }
}
