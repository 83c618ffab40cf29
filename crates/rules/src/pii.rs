//! Types for personal data that mask themselves.
//!
//! `Debug` and `Display` of these types never print the value, so a stray `{:?}` in a log line or
//! an error cannot leak it; they also do not implement `Serialize`, so they cannot cross IPC by
//! accident. Reading the value needs an explicit call to `reveal()`.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use zeroize::Zeroize;

/// Masks all but the last four characters of `digits` with bullets in the SSN layout when it
/// has nine digits (`•••-••-1234`), otherwise as a run of bullets followed by the last four.
pub fn mask_digits(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if chars.len() == 9 && chars.iter().all(char::is_ascii_digit) {
        format!("•••-••-{last4}")
    } else {
        format!(
            "{}{last4}",
            "•".repeat(chars.len().saturating_sub(4).max(2))
        )
    }
}

/// A US Social Security number or ITIN: nine ASCII digits (format checked by `identity::ssn`).
#[derive(Clone, PartialEq, Eq)]
pub struct Ssn(String);

impl Ssn {
    /// Wraps nine digits. Callers validate with `identity::ssn::classify` first.
    pub fn from_digits(digits: String) -> Self {
        Self(digits)
    }
    /// The full number. Call only where the full value is needed (encryption, audited reveal).
    pub fn reveal(&self) -> &str {
        &self.0
    }
    pub fn last4(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }
    /// `123-45-6789`, for an audited reveal.
    pub fn formatted(&self) -> String {
        if self.0.len() == 9 {
            format!("{}-{}-{}", &self.0[..3], &self.0[3..5], &self.0[5..])
        } else {
            self.0.clone()
        }
    }
}

impl Drop for Ssn {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A driver's licence or state ID number.
#[derive(Clone, PartialEq, Eq)]
pub struct LicenceNumber(String);

impl LicenceNumber {
    pub fn new(value: String) -> Self {
        Self(value)
    }
    pub fn reveal(&self) -> &str {
        &self.0
    }
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }
}

impl Drop for LicenceNumber {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A date of birth. Masked as `••/••/1984`: the year alone is what the desk needs at a glance.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    pub fn new(date: NaiveDate) -> Self {
        Self(date)
    }
    pub fn reveal(&self) -> NaiveDate {
        self.0
    }
    pub fn masked(&self) -> String {
        format!("••/••/{}", self.0.year())
    }
    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.0).unwrap_or(0)
    }
}

macro_rules! masked_fmt {
    ($ty:ty) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self.masked())
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.masked())
            }
        }
    };
}
masked_fmt!(Ssn);
masked_fmt!(LicenceNumber);
masked_fmt!(BirthDate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssn_never_prints_in_full() {
        let ssn = Ssn::from_digits("123456789".into());
        assert_eq!(format!("{ssn}"), "•••-••-6789");
        assert_eq!(format!("{ssn:?}"), "Ssn(•••-••-6789)");
        assert!(
            !format!("{ssn:?} {ssn}").contains("12345"),
            "no leading digits leak"
        );
        assert_eq!(ssn.formatted(), "123-45-6789");
    }

    #[test]
    fn licence_and_dob_mask_themselves() {
        let lic = LicenceNumber::new("D1234567".into());
        assert_eq!(lic.to_string(), "••••4567");
        let dob = BirthDate::new(NaiveDate::from_ymd_opt(1984, 3, 9).expect("date"));
        assert_eq!(format!("{dob:?}"), "BirthDate(••/••/1984)");
        assert_eq!(
            dob.age_on(NaiveDate::from_ymd_opt(2026, 3, 8).expect("date")),
            41,
            "birthday not reached yet"
        );
    }
}
