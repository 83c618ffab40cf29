//! SSN and ITIN number rules (format and issuance), as published by the Social Security
//! Administration and the IRS. These say whether a number *can* be valid, not whether it was
//! issued to this person.

use serde::Serialize;

/// What a nine-digit number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxIdKind {
    Ssn,
    Itin,
}

/// Why a number is not a valid SSN or ITIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxIdProblem {
    #[error("must be 9 digits, like 123-45-6789")]
    Format,
    #[error("area number 000 is never issued")]
    AreaZero,
    #[error("area number 666 is never issued")]
    Area666,
    #[error("area numbers 900-999 are not SSNs, and this is not a valid ITIN either")]
    Area9xxNotItin,
    #[error("group number 00 is never issued")]
    GroupZero,
    #[error("serial number 0000 is never issued")]
    SerialZero,
    #[error("this is a well-known advertising or sample number, not a real one")]
    Advertising,
}

/// Strips the usual separators (`-`, spaces, dots) and returns the nine digits.
pub fn normalise(input: &str) -> Result<String, TaxIdProblem> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '.'))
        .collect();
    if digits.len() != 9 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(TaxIdProblem::Format);
    }
    Ok(digits)
}

/// Classifies a number typed in any usual format as an SSN or an ITIN, or says why it is neither.
pub fn classify(input: &str) -> Result<(TaxIdKind, String), TaxIdProblem> {
    let digits = normalise(input)?;
    let area: u16 = digits[0..3].parse().map_err(|_| TaxIdProblem::Format)?;
    let group: u16 = digits[3..5].parse().map_err(|_| TaxIdProblem::Format)?;
    let serial: u16 = digits[5..9].parse().map_err(|_| TaxIdProblem::Format)?;
    // Numbers used in advertising and sample cards (SSA): 078-05-1120 (Woolworth wallet card),
    // 219-09-9999, and 987-65-4320 to 987-65-4329.
    if digits == "078051120" || digits == "219099999" || digits.starts_with("98765432") {
        return Err(TaxIdProblem::Advertising);
    }
    if area == 0 {
        return Err(TaxIdProblem::AreaZero);
    }
    if area == 666 {
        return Err(TaxIdProblem::Area666);
    }
    if area >= 900 {
        // ITIN: 9XX-(50–65, 70–88, 90–92, 94–99)-XXXX (IRS).
        let itin_group = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
        if itin_group && serial != 0 {
            return Ok((TaxIdKind::Itin, digits));
        }
        return Err(TaxIdProblem::Area9xxNotItin);
    }
    if group == 0 {
        return Err(TaxIdProblem::GroupZero);
    }
    if serial == 0 {
        return Err(TaxIdProblem::SerialZero);
    }
    Ok((TaxIdKind::Ssn, digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_classified_with_reasons() {
        let cases: &[(&str, Result<TaxIdKind, TaxIdProblem>)] = &[
            ("123-45-6789", Ok(TaxIdKind::Ssn)),
            ("123 45 6789", Ok(TaxIdKind::Ssn)),
            ("12345678", Err(TaxIdProblem::Format)),
            ("12345678a", Err(TaxIdProblem::Format)),
            ("000-12-3456", Err(TaxIdProblem::AreaZero)),
            ("666-12-3456", Err(TaxIdProblem::Area666)),
            ("123-00-4567", Err(TaxIdProblem::GroupZero)),
            ("123-45-0000", Err(TaxIdProblem::SerialZero)),
            ("912-70-1234", Ok(TaxIdKind::Itin)),
            ("912-93-1234", Err(TaxIdProblem::Area9xxNotItin)),
            ("950-12-1234", Err(TaxIdProblem::Area9xxNotItin)),
            ("078-05-1120", Err(TaxIdProblem::Advertising)),
            ("987-65-4321", Err(TaxIdProblem::Advertising)),
        ];
        for (input, expected) in cases {
            let got = classify(input).map(|(kind, _)| kind);
            assert_eq!(&got, expected, "classify({input})");
        }
    }
    #[test]
    fn every_rule_holds_exactly_at_its_boundaries() {
        use TaxIdKind::{Itin, Ssn};
        use TaxIdProblem::*;
        let cases: &[(&str, Result<TaxIdKind, TaxIdProblem>, &str)] = &[
            // Format: exactly nine digits, separators ignored.
            ("123456789", Ok(Ssn), "no separators"),
            ("123.45.6789", Ok(Ssn), "dots"),
            ("12345678", Err(Format), "eight digits"),
            ("1234567890", Err(Format), "ten digits"),
            ("", Err(Format), "empty"),
            ("123-45-678O", Err(Format), "a letter O for a zero"),
            // Area: 000, 666 and 900-999 are not SSN areas; their neighbours are.
            ("000-45-6789", Err(AreaZero), "area 000"),
            ("001-45-6789", Ok(Ssn), "area 001"),
            ("665-45-6789", Ok(Ssn), "area 665"),
            ("666-45-6789", Err(Area666), "area 666"),
            ("667-45-6789", Ok(Ssn), "area 667"),
            ("899-45-6789", Ok(Ssn), "area 899"),
            (
                "900-45-6789",
                Err(Area9xxNotItin),
                "area 900 with a non-ITIN group",
            ),
            (
                "999-45-6789",
                Err(Area9xxNotItin),
                "area 999 with a non-ITIN group",
            ),
            // Group and serial of an SSN.
            ("123-00-6789", Err(GroupZero), "group 00"),
            ("123-01-6789", Ok(Ssn), "group 01"),
            ("123-99-6789", Ok(Ssn), "group 99"),
            ("123-45-0000", Err(SerialZero), "serial 0000"),
            ("123-45-0001", Ok(Ssn), "serial 0001"),
            ("123-45-9999", Ok(Ssn), "serial 9999"),
            // ITIN groups 50-65, 70-88, 90-92, 94-99, each edge and the gaps.
            ("900-49-1234", Err(Area9xxNotItin), "ITIN group 49"),
            ("900-50-1234", Ok(Itin), "ITIN group 50"),
            ("999-65-1234", Ok(Itin), "ITIN group 65"),
            ("900-66-1234", Err(Area9xxNotItin), "ITIN group 66"),
            ("900-69-1234", Err(Area9xxNotItin), "ITIN group 69"),
            ("900-70-1234", Ok(Itin), "ITIN group 70"),
            ("900-88-1234", Ok(Itin), "ITIN group 88"),
            ("900-89-1234", Err(Area9xxNotItin), "ITIN group 89"),
            ("900-90-1234", Ok(Itin), "ITIN group 90"),
            ("900-92-1234", Ok(Itin), "ITIN group 92"),
            ("900-93-1234", Err(Area9xxNotItin), "ITIN group 93"),
            ("900-94-1234", Ok(Itin), "ITIN group 94"),
            ("999-99-1234", Ok(Itin), "ITIN group 99"),
            ("900-70-0000", Err(Area9xxNotItin), "ITIN serial 0000"),
            ("900-70-0001", Ok(Itin), "ITIN serial 0001"),
            // Advertising and sample numbers, and their neighbours.
            ("078-05-1120", Err(Advertising), "Woolworth wallet card"),
            ("078-05-1121", Ok(Ssn), "one past the wallet card"),
            ("219-09-9999", Err(Advertising), "SSA sample card"),
            ("219-09-9998", Ok(Ssn), "one before the sample card"),
            (
                "987-65-4319",
                Ok(Itin),
                "one before the advertising block (a valid ITIN)",
            ),
            (
                "987-65-4320",
                Err(Advertising),
                "first of the advertising block",
            ),
            (
                "987-65-4329",
                Err(Advertising),
                "last of the advertising block",
            ),
            (
                "987-65-4330",
                Ok(Itin),
                "one past the advertising block (a valid ITIN)",
            ),
        ];
        for (input, expected, why) in cases {
            let got = classify(input).map(|(kind, _)| kind);
            assert_eq!(&got, expected, "{input}: {why}");
        }
    }
}
