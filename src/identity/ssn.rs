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
}
