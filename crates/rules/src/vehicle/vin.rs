//! VIN decoding for the desk: model year, manufacturer (WMI) and plant, with the 49 CFR 565
//! checks. A wrong check digit is a warning staff acknowledge (some grey-import and older
//! vehicles carry one), not an error; a wrong length or a forbidden character is an error.

use serde::Serialize;

use super::{check_digit, VinError};

/// What the desk learns from a VIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VinReport {
    /// The VIN as checked: trimmed and upper-cased.
    pub vin: String,
    /// No errors (warnings allowed).
    pub valid: bool,
    pub check_digit_ok: bool,
    pub model_year: Option<i32>,
    /// World manufacturer identifier, positions 1–3.
    pub wmi: Option<String>,
    pub manufacturer: Option<&'static str>,
    /// Assembly plant code, position 11 (its meaning is the manufacturer's own).
    pub plant_code: Option<char>,
    /// Production sequence, positions 12–17.
    pub serial: Option<String>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Model year codes of position 10 in order from 1980 (and again from 2010): letters without
/// I, O, Q, U, Z, then 1–9 (49 CFR 565.15(a)).
const YEAR_CODES: &str = "ABCDEFGHJKLMNPRSTVWXY123456789";

/// Common world manufacturer identifiers seen on US lots.
const WMI: &[(&str, &str)] = &[
    ("1C3", "Chrysler"),
    ("1C4", "Chrysler (Jeep/Dodge)"),
    ("1C6", "Ram"),
    ("1FA", "Ford"),
    ("1FM", "Ford"),
    ("1FT", "Ford"),
    ("1G1", "Chevrolet"),
    ("1GC", "Chevrolet"),
    ("1GN", "Chevrolet"),
    ("1GT", "GMC"),
    ("1GY", "Cadillac"),
    ("1HG", "Honda"),
    ("1J4", "Jeep"),
    ("1LN", "Lincoln"),
    ("1M8", "Motor Coach Industries"),
    ("1N4", "Nissan"),
    ("1N6", "Nissan"),
    ("19X", "Honda"),
    ("2C3", "Chrysler"),
    ("2FM", "Ford"),
    ("2G1", "Chevrolet"),
    ("2HG", "Honda"),
    ("2HK", "Honda"),
    ("2T1", "Toyota"),
    ("3C6", "Ram"),
    ("3FA", "Ford"),
    ("3GN", "Chevrolet"),
    ("3VW", "Volkswagen"),
    ("4S3", "Subaru"),
    ("4S4", "Subaru"),
    ("4T1", "Toyota"),
    ("4T3", "Toyota"),
    ("5FN", "Honda"),
    ("5J6", "Honda"),
    ("5NP", "Hyundai"),
    ("5TD", "Toyota"),
    ("5TF", "Toyota"),
    ("5UX", "BMW"),
    ("5XY", "Kia"),
    ("5YJ", "Tesla"),
    ("7SA", "Tesla"),
    ("JA3", "Mitsubishi"),
    ("JF1", "Subaru"),
    ("JF2", "Subaru"),
    ("JH4", "Acura"),
    ("JHM", "Honda"),
    ("JM1", "Mazda"),
    ("JM3", "Mazda"),
    ("JN1", "Nissan"),
    ("JN8", "Nissan"),
    ("JT2", "Toyota"),
    ("JTD", "Toyota"),
    ("JTE", "Toyota"),
    ("JTH", "Lexus"),
    ("JTJ", "Lexus"),
    ("KM8", "Hyundai"),
    ("KMH", "Hyundai"),
    ("KNA", "Kia"),
    ("KND", "Kia"),
    ("SAJ", "Jaguar"),
    ("SAL", "Land Rover"),
    ("W1K", "Mercedes-Benz"),
    ("WA1", "Audi"),
    ("WAU", "Audi"),
    ("WBA", "BMW"),
    ("WBS", "BMW M"),
    ("WDD", "Mercedes-Benz"),
    ("WDB", "Mercedes-Benz"),
    ("WP0", "Porsche"),
    ("WP1", "Porsche"),
    ("WVW", "Volkswagen"),
    ("WVG", "Volkswagen"),
    ("YV1", "Volvo"),
    ("YV4", "Volvo"),
    ("ZFF", "Ferrari"),
];

/// The manufacturer of a WMI, if it is one the desk knows.
pub fn manufacturer(wmi: &str) -> Option<&'static str> {
    WMI.iter().find(|(w, _)| *w == wmi).map(|(_, name)| *name)
}

/// The model year of a 17-character VIN: position 10 gives the year within a 30-year cycle
/// and, for cars, multipurpose vehicles and light trucks, position 7 tells the cycle: a digit
/// for 1980–2009, a letter for 2010–2039.
pub fn model_year(vin: &str) -> Option<i32> {
    let chars: Vec<char> = vin.chars().collect();
    if chars.len() != 17 {
        return None;
    }
    let index = YEAR_CODES.find(chars[9])? as i32;
    let later_cycle = chars[6].is_ascii_alphabetic();
    Some(1980 + index + if later_cycle { 30 } else { 0 })
}

/// Checks and decodes a VIN. Always answers: problems are in `errors` and `warnings`.
pub fn decode(input: &str) -> VinReport {
    let vin: String = input.trim().to_ascii_uppercase();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let chars: Vec<char> = vin.chars().collect();
    let mut check_ok = false;
    match check_digit(&vin) {
        Err(VinError::Length) => errors.push(format!(
            "a VIN has 17 characters (this one has {})",
            chars.len()
        )),
        Err(e @ VinError::Character(_)) => errors.push(e.to_string()),
        Ok(expected) => {
            check_ok = chars[8] == expected;
            if !check_ok {
                warnings.push(format!(
                    "the check digit (position 9) is '{}' but should be '{expected}': check the VIN was typed right; some imported vehicles carry a wrong one",
                    chars[8]
                ));
            }
        }
    }
    // Characters that are never valid, reported even when the length is also wrong.
    if errors.len() == 1 && chars.len() != 17 {
        if let Some(c) = chars.iter().find(|c| !super::VIN_ALPHABET.contains(**c)) {
            errors.push(VinError::Character(*c).to_string());
        }
    }
    let decodable = errors.is_empty();
    let model_year = if decodable { model_year(&vin) } else { None };
    if decodable && model_year.is_none() {
        warnings.push(format!(
            "position 10 ('{}') is not a model year code",
            chars[9]
        ));
    }
    let wmi = (chars.len() >= 3 && decodable).then(|| chars[..3].iter().collect::<String>());
    let manufacturer = wmi.as_deref().and_then(manufacturer);
    VinReport {
        valid: decodable,
        check_digit_ok: check_ok,
        model_year,
        manufacturer,
        wmi,
        plant_code: if decodable { Some(chars[10]) } else { None },
        serial: decodable.then(|| chars[11..].iter().collect()),
        vin,
        errors,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_vins_of_several_makes_and_years_decode() {
        // (VIN, make, model year) — published VINs whose check digits verify.
        let cases = [
            ("1HGCM82633A004352", "Honda", 2003),
            ("JH4KA7561PC008269", "Acura", 1993),
            ("1M8GDM9AXKP042788", "Motor Coach Industries", 1989),
            ("2T1BURHE0JC014702", "Toyota", 2018),
            ("1C4RJFAG0FC625797", "Chrysler (Jeep/Dodge)", 2015),
        ];
        for (vin, make, year) in cases {
            let r = decode(vin);
            assert!(r.errors.is_empty(), "{vin}: no errors: {:?}", r.errors);
            assert!(r.check_digit_ok, "{vin}: its check digit verifies");
            assert_eq!(r.manufacturer, Some(make), "{vin}: the WMI names the maker");
            assert_eq!(
                r.model_year,
                Some(year),
                "{vin}: position 10 with position 7"
            );
        }
    }

    #[test]
    fn position_seven_resolves_the_thirty_year_cycle() {
        assert_eq!(
            model_year("1HGCM82633A004352"),
            Some(2003),
            "digit in 7 → 1980–2009"
        );
        assert_eq!(
            model_year("2T1BURHE0JC014702"),
            Some(2018),
            "letter in 7 → 2010–2039"
        );
    }

    #[test]
    fn a_bad_check_digit_is_a_warning_and_bad_characters_are_errors() {
        let r = decode("1hgcm82643a004352 ");
        assert_eq!(r.vin, "1HGCM82643A004352", "trimmed and upper-cased");
        assert!(
            r.valid,
            "a wrong check digit does not make the VIN unusable"
        );
        assert!(!r.check_digit_ok, "but it is flagged");
        assert_eq!(r.warnings.len(), 1, "one warning: {:?}", r.warnings);
        assert_eq!(r.model_year, Some(2003), "still decoded");

        let r = decode("1HGCM82633A00435I");
        assert!(!r.valid, "I is never in a VIN");
        assert!(
            r.errors[0].contains("'I'"),
            "names the character: {:?}",
            r.errors
        );
        assert_eq!(r.model_year, None, "nothing decoded from an invalid VIN");

        let r = decode("1HGCM826");
        assert!(!r.valid, "too short");
        assert!(
            r.errors[0].contains("17"),
            "says the length: {:?}",
            r.errors
        );
    }

    #[test]
    fn unknown_makes_still_decode_the_year() {
        let r = decode("11111111111111111");
        assert!(
            r.valid && r.check_digit_ok,
            "the textbook VIN is well formed"
        );
        assert_eq!(r.manufacturer, None, "WMI 111 is nobody we know");
        assert_eq!(r.model_year, Some(2001), "'1' in position 10, digit in 7");
        assert_eq!(r.plant_code, Some('1'), "position 11");
    }
}
