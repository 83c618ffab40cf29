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
    fn display_groups_thousands() {
        assert_eq!(Money::from_cents(123456789).to_string(), "$1,234,567.89");
        assert_eq!(Money::from_cents(-1250).to_string(), "-$12.50");
        assert_eq!(Money::from_cents(5).to_string(), "$0.05");
        assert_eq!(Money::from_cents(100000).cents(), Ok(100000));
    }
}
