//! Validation of customer input. Every rule names the field it concerns, using the input
//! struct's field path (`family_name`, `address.zip`), so the UI can show the message next to it.

use chrono::NaiveDate;
use serde::Deserialize;
use ts_rs::TS;

use crate::identity::ssn::{classify, TaxIdKind};
use crate::money::Money;
use crate::pii::{BirthDate, LicenceNumber, Ssn};

/// Input that breaks a rule: the field at fault (its path in the input, like `address.zip`) and
/// what to do about it, in words for the person at the desk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

/// An address as typed at the desk.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AddressInput {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// Move-in date, YYYY-MM-DD or MM/DD/YYYY.
    pub since: String,
}

/// US states, DC and the territories, by USPS code.
pub const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
];

pub fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn optional(s: &Option<String>) -> Option<String> {
    s.as_deref().map(clean).filter(|v| !v.is_empty())
}

/// A personal name: letters (any script), spaces, hyphens, apostrophes and periods.
pub fn name(
    field: &str,
    value: &str,
    required: bool,
    label: &str,
) -> Result<Option<String>, Invalid> {
    let v = clean(value);
    if v.is_empty() {
        return if required {
            Err(invalid(field, format!("enter the {label}")))
        } else {
            Ok(None)
        };
    }
    if v.chars().count() > 50 {
        return Err(invalid(
            field,
            format!("the {label} is longer than 50 characters"),
        ));
    }
    if !v.chars().any(char::is_alphabetic)
        || !v
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.' | '’'))
    {
        return Err(invalid(
            field,
            format!("the {label} may only contain letters, spaces, hyphens and apostrophes"),
        ));
    }
    Ok(Some(v))
}

/// Accepts `YYYY-MM-DD` (what the date picker sends) or `MM/DD/YYYY` (how customers say it).
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%m/%d/%Y"))
        .ok()
}

pub fn birth_date(value: &str, today: NaiveDate) -> Result<BirthDate, Invalid> {
    let date =
        parse_date(value).ok_or_else(|| invalid("dob", "enter the date of birth as MM/DD/YYYY"))?;
    if date > today {
        return Err(invalid("dob", "the date of birth is in the future"));
    }
    let dob = BirthDate::new(date);
    let age = dob.age_on(today);
    if age < 18 {
        return Err(invalid(
            "dob",
            "the customer must be at least 18 to sign a contract",
        ));
    }
    if age > 120 {
        return Err(invalid(
            "dob",
            "check the date of birth: that is over 120 years ago",
        ));
    }
    Ok(dob)
}

pub fn ssn(value: &str) -> Result<(Ssn, TaxIdKind), Invalid> {
    classify(value)
        .map(|(kind, digits)| (Ssn::from_digits(digits), kind))
        .map_err(|problem| invalid("ssn", format!("SSN/ITIN: {problem}")))
}

pub fn licence(
    number: &Option<String>,
    state: &Option<String>,
) -> Result<Option<(LicenceNumber, String)>, Invalid> {
    let number = optional(number).map(|n| n.replace([' ', '-'], "").to_uppercase());
    let state = optional(state).map(|s| s.to_uppercase());
    match (number, state) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(invalid(
            "licence_number",
            "enter the licence number, or clear the licence state",
        )),
        (Some(n), state) => {
            if !(4..=25).contains(&n.len()) || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(
                    "licence_number",
                    "a licence number has 4 to 25 letters and digits",
                ));
            }
            let state = state.ok_or_else(|| {
                invalid("licence_state", "choose the state that issued the licence")
            })?;
            if !US_STATES.contains(&state.as_str()) {
                return Err(invalid(
                    "licence_state",
                    "choose a US state (two letters, like TX)",
                ));
            }
            Ok(Some((LicenceNumber::new(n), state)))
        }
    }
}

/// A North American (NANP) number: 10 digits after an optional leading 1; area code and exchange
/// do not start with 0 or 1.
pub fn phone(value: &str) -> Result<String, Invalid> {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let other = value
        .chars()
        .any(|c| !c.is_ascii_digit() && !matches!(c, ' ' | '-' | '(' | ')' | '.' | '+'));
    let digits = match digits.len() {
        11 if digits.starts_with('1') => digits[1..].to_string(),
        _ => digits,
    };
    if other || digits.len() != 10 {
        return Err(invalid(
            "phone",
            "enter a 10-digit US phone number, like (555) 123-4567",
        ));
    }
    let bytes = digits.as_bytes();
    if matches!(bytes[0], b'0' | b'1') || matches!(bytes[3], b'0' | b'1') {
        return Err(invalid(
            "phone",
            "US area codes and exchanges do not start with 0 or 1",
        ));
    }
    Ok(digits)
}

/// `(555) 123-4567`.
pub fn format_phone(digits: &str) -> String {
    if digits.len() == 10 {
        format!("({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        digits.to_string()
    }
}

pub fn email(value: &Option<String>) -> Result<Option<String>, Invalid> {
    let Some(v) = optional(value) else {
        return Ok(None);
    };
    let v = v.to_lowercase();
    let bad = || invalid("email", "enter an e-mail address like name@example.com");
    if v.len() > 254 || v.contains(' ') {
        return Err(bad());
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(Some(v))
}

pub fn short_text(
    field: &str,
    value: &Option<String>,
    label: &str,
) -> Result<Option<String>, Invalid> {
    let v = optional(value);
    if let Some(v) = &v {
        if v.chars().count() > 80 || v.chars().any(char::is_control) {
            return Err(invalid(
                field,
                format!("the {label} is longer than 80 characters"),
            ));
        }
    }
    Ok(v)
}

pub fn income(value: &str) -> Result<Money, Invalid> {
    let m = Money::parse_user(value)
        .map_err(|e| invalid("monthly_income", format!("monthly income: {e}")))?;
    if m < Money::ZERO {
        return Err(invalid(
            "monthly_income",
            "monthly income cannot be negative",
        ));
    }
    if m > Money::from_cents(100_000_000) {
        return Err(invalid(
            "monthly_income",
            "check the monthly income: over $1,000,000 a month",
        ));
    }
    Ok(m)
}

/// A validated address.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidAddress {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub since: NaiveDate,
}

pub fn address(prefix: &str, a: &AddressInput, today: NaiveDate) -> Result<ValidAddress, Invalid> {
    let f = |name: &str| format!("{prefix}.{name}");
    let line1 = clean(&a.line1);
    if line1.is_empty() {
        return Err(invalid(&f("line1"), "enter the street address"));
    }
    if line1.chars().count() > 100 || line1.chars().any(char::is_control) {
        return Err(invalid(
            &f("line1"),
            "the street address is longer than 100 characters",
        ));
    }
    let line2 = optional(&a.line2);
    if line2.as_ref().is_some_and(|l| l.chars().count() > 100) {
        return Err(invalid(
            &f("line2"),
            "the second address line is longer than 100 characters",
        ));
    }
    let city = clean(&a.city);
    if city.is_empty()
        || city.chars().count() > 50
        || !city
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'))
    {
        return Err(invalid(
            &f("city"),
            "enter the city (letters, spaces and hyphens)",
        ));
    }
    let state = a.state.trim().to_uppercase();
    if !US_STATES.contains(&state.as_str()) {
        return Err(invalid(
            &f("state"),
            "choose a US state (two letters, like TX)",
        ));
    }
    let zip = a.zip.trim().to_string();
    let zip_ok = match zip.len() {
        5 => zip.chars().all(|c| c.is_ascii_digit()),
        10 => {
            zip.as_bytes()[5] == b'-'
                && zip
                    .chars()
                    .enumerate()
                    .all(|(i, c)| i == 5 || c.is_ascii_digit())
        }
        _ => false,
    };
    if !zip_ok || zip.starts_with("00000") {
        return Err(invalid(
            &f("zip"),
            "enter a 5-digit ZIP code (or ZIP+4 like 75201-1234)",
        ));
    }
    let since = parse_date(&a.since)
        .ok_or_else(|| invalid(&f("since"), "enter the date the customer moved in"))?;
    if since > today {
        return Err(invalid(&f("since"), "the move-in date is in the future"));
    }
    Ok(ValidAddress {
        line1,
        line2,
        city,
        state,
        zip,
        since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_to_ten_digits() {
        assert_eq!(phone("(214) 555-0187").ok(), Some("2145550187".into()));
        assert_eq!(phone("+1 214.555.0187").ok(), Some("2145550187".into()));
        assert!(phone("555-0187").is_err(), "seven digits is not enough");
        assert!(
            phone("(114) 555-0187").is_err(),
            "area code cannot start with 1"
        );
        assert!(phone("214-555-01a7").is_err(), "letters refused");
        assert_eq!(format_phone("2145550187"), "(214) 555-0187");
    }

    #[test]
    fn dates_are_read_the_way_customers_say_them() {
        let d = NaiveDate::from_ymd_opt(1984, 3, 9);
        assert_eq!(parse_date("03/09/1984"), d);
        assert_eq!(parse_date("1984-03-09"), d);
        assert_eq!(parse_date("1984-02-30"), None, "no 30 February");
    }

    #[test]
    fn minors_and_impossible_birth_dates_are_refused() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        assert!(birth_date("11/26/2008", today).is_err(), "17 years old");
        assert!(birth_date("11/25/2008", today).is_ok(), "18 today");
        assert!(birth_date("01/01/1900", today).is_err(), "over 120");
        assert!(birth_date("not a date", today).is_err());
    }

    #[test]
    fn email_and_names_are_checked() {
        assert_eq!(
            email(&Some(" Amy@Example.COM ".into())).ok(),
            Some(Some("amy@example.com".into()))
        );
        assert!(email(&Some("amy@example".into())).is_err());
        assert!(email(&Some("amy@@example.com".into())).is_err());
        assert_eq!(
            email(&Some("  ".into())).ok(),
            Some(None),
            "blank means none"
        );
        assert!(name("family_name", "O'Brien-Núñez", true, "last name").is_ok());
        assert!(name("family_name", "R2D2", true, "last name").is_err());
        assert!(name("family_name", "  ", true, "last name").is_err());
    }
}
