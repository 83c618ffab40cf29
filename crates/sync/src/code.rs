//! Enrolment codes: `<secret>.<pin>` in base32, grouped by four for reading aloud, where the
//! secret is 160 random bits and the pin the first 16 bytes of the hub certificate's SHA-256, so
//! a desk can pin the hub's certificate from the code alone. Only the secret's SHA-256 is stored.

use base32::Alphabet;
use rand::RngCore;
use sha2::{Digest, Sha256};

const ALPHABET: Alphabet = Alphabet::Rfc4648 { padding: false };

/// A code's parts once read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCode {
    /// The secret's SHA-256 (what the hub stores and looks up).
    pub secret_sha256: [u8; 32],
    /// The first 16 bytes of the hub certificate's SHA-256.
    pub pin: [u8; 16],
}

fn group(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A new code for the hub whose certificate has this fingerprint (64 hex), and its parsed form.
pub fn generate(fingerprint_hex: &str) -> Result<(String, ParsedCode), String> {
    let fp = hex::decode(fingerprint_hex).map_err(|_| "bad fingerprint")?;
    let pin: [u8; 16] = fp
        .get(..16)
        .and_then(|p| p.try_into().ok())
        .ok_or("short fingerprint")?;
    let mut secret = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let s = base32::encode(ALPHABET, &secret);
    let p = base32::encode(ALPHABET, &pin);
    let code = format!("{}.{}", group(&s), group(&p));
    Ok((
        code,
        ParsedCode {
            secret_sha256: hash(&s),
            pin,
        },
    ))
}

/// Reads a code back, forgiving case, spaces and dashes.
pub fn parse(code: &str) -> Result<ParsedCode, String> {
    let clean: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    let (s, p) = clean
        .split_once('.')
        .ok_or("an enrolment code has two parts separated by a dot")?;
    let secret = base32::decode(ALPHABET, s).filter(|v| v.len() == 20);
    let pin = base32::decode(ALPHABET, p).and_then(|v| <[u8; 16]>::try_from(v).ok());
    match (secret, pin) {
        (Some(_), Some(pin)) => Ok(ParsedCode {
            secret_sha256: hash(s),
            pin,
        }),
        _ => Err("this is not an enrolment code".into()),
    }
}

/// Whether a full fingerprint (64 hex) matches a code's pin.
pub fn pin_matches(pin: &[u8; 16], fingerprint_hex: &str) -> bool {
    hex::decode(fingerprint_hex)
        .ok()
        .and_then(|fp| fp.get(..16).map(|p| p == pin))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_with_its_pin_in_any_case_and_spacing() {
        let fp = "ab".repeat(32);
        let (code, parsed) = generate(&fp).unwrap();
        assert!(code.len() > 50, "{code}");
        assert_eq!(parse(&code).unwrap(), parsed);
        assert_eq!(
            parse(&code.to_lowercase().replace('-', " ")).unwrap(),
            parsed
        );
        assert!(pin_matches(&parsed.pin, &fp));
        assert!(!pin_matches(&parsed.pin, &"cd".repeat(32)));
        assert!(parse("nonsense").is_err());
    }
}
