//! Vehicle rules: the 49 CFR 565 check digit and VIN decoding ([`vin`]).

pub mod vin;
pub use vin::{decode as decode_vin, VinReport};

/// Weights by position (49 CFR 565.15(c)).
const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Characters allowed in a VIN: digits and capital letters except I, O and Q.
pub const VIN_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

fn transliterate(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    #[error("a VIN has 17 characters")]
    Length,
    #[error("a VIN uses digits and capital letters except I, O and Q (found '{0}')")]
    Character(char),
}

/// The check digit (position 9) a VIN should carry: `'0'`–`'9'` or `'X'`.
pub fn check_digit(vin: &str) -> Result<char, VinError> {
    let chars: Vec<char> = vin.chars().collect();
    if chars.len() != 17 {
        return Err(VinError::Length);
    }
    let mut sum = 0;
    for (i, c) in chars.iter().enumerate() {
        let v = transliterate(*c).ok_or(VinError::Character(*c))?;
        sum += v * WEIGHTS[i];
    }
    Ok(match sum % 11 {
        10 => 'X',
        r => char::from_digit(r, 10).unwrap_or('0'),
    })
}

/// Whether position 9 holds the right check digit.
pub fn check_digit_ok(vin: &str) -> Result<bool, VinError> {
    let expected = check_digit(vin)?;
    Ok(vin.chars().nth(8) == Some(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_vins() {
        // The worked example VIN used in NHTSA material, and real-format VINs.
        assert_eq!(check_digit("11111111111111111"), Ok('1'));
        assert_eq!(check_digit("1M8GDM9AXKP042788"), Ok('X'));
        assert_eq!(check_digit_ok("1HGCM82633A004352"), Ok(true));
        assert_eq!(check_digit_ok("1HGCM82643A004352"), Ok(false));
        assert_eq!(check_digit("1HGCM8263"), Err(VinError::Length));
        assert_eq!(
            check_digit("1HGCM82633A00435I"),
            Err(VinError::Character('I'))
        );
    }
}
