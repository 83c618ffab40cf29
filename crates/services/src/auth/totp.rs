//! TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) with one step of clock drift allowed
//! either way, and replay refusal by remembering the last accepted step.

use chrono::{DateTime, Utc};
use qrcode::render::svg;
use qrcode::QrCode;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use super::{AuthError, MfaEnrolment};

const ISSUER: &str = "DealerDesk";
const STEP_SECONDS: u64 = 30;

/// A staff member's TOTP generator.
pub struct Totp(TOTP);

fn totp_error() -> AuthError {
    AuthError::Invalid {
        field: "code",
        message: "the authenticator secret could not be used".into(),
    }
}

impl Totp {
    /// A new random 160-bit secret for `account`.
    pub fn generate(account: &str) -> Result<Self, AuthError> {
        let secret = Secret::generate_secret()
            .to_bytes()
            .map_err(|_| totp_error())?;
        Self::from_bytes(secret, account)
    }

    pub fn from_base32(secret: &str, account: &str) -> Result<Self, AuthError> {
        let bytes = Secret::Encoded(secret.to_string())
            .to_bytes()
            .map_err(|_| totp_error())?;
        Self::from_bytes(bytes, account)
    }

    fn from_bytes(secret: Vec<u8>, account: &str) -> Result<Self, AuthError> {
        TOTP::new(
            Algorithm::SHA1,
            6,
            1,
            STEP_SECONDS,
            secret,
            Some(ISSUER.to_string()),
            account.to_string(),
        )
        .map(Totp)
        .map_err(|_| totp_error())
    }

    pub fn secret_base32(&self) -> String {
        self.0.get_secret_base32()
    }

    pub fn url(&self) -> String {
        self.0.get_url()
    }

    /// The code for the step containing `at`.
    pub fn code_at(&self, at: DateTime<Utc>) -> String {
        self.0.generate(at.timestamp().max(0) as u64)
    }

    /// The time step `code` belongs to, if it is the code of the current step or one either
    /// side of it, and that step is newer than `last_used` (a code is good once).
    pub fn matching_step(
        &self,
        code: &str,
        now: DateTime<Utc>,
        last_used: Option<i64>,
    ) -> Option<i64> {
        let code = code.trim().replace(' ', "");
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let current = now.timestamp().max(0) / STEP_SECONDS as i64;
        let mut found = None;
        // Check every candidate step so the time taken does not depend on which one matched.
        for step in [current - 1, current, current + 1] {
            if step < 0 {
                continue;
            }
            let expected = self.0.generate(step as u64 * STEP_SECONDS);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
                found = Some(step);
            }
        }
        found.filter(|step| last_used.is_none_or(|last| *step > last))
    }
}

/// The enrolment screen's data: secret, URL and the URL as a QR code in SVG.
pub fn enrolment_for(totp: &Totp) -> Result<MfaEnrolment, AuthError> {
    let url = totp.url();
    let qr = QrCode::new(url.as_bytes()).map_err(|_| totp_error())?;
    let svg = qr
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(MfaEnrolment {
        secret_base32: totp.secret_base32(),
        otpauth_url: url,
        qr_svg: svg,
    })
}

/// The current code for a base32 secret: what an authenticator app would show (used by the CLI
/// and by tests that sign in as a person would).
pub fn totp_code_at(
    secret_base32: &str,
    account: &str,
    at: DateTime<Utc>,
) -> Result<String, AuthError> {
    Ok(Totp::from_base32(secret_base32, account)?.code_at(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 Appendix B, SHA-1 rows (secret "12345678901234567890"), last 6 digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let totp = Totp::from_bytes(b"12345678901234567890".to_vec(), "rfc").expect("totp");
        for (t, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            let at = Utc.timestamp_opt(t, 0).single().expect("time");
            assert_eq!(totp.code_at(at), code, "T = {t}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_within_one_step_of_drift() {
        let totp = Totp::generate("amy").expect("totp");
        let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("time");
        let code = totp.code_at(now);
        let step = totp
            .matching_step(&code, now, None)
            .expect("current code accepted");
        assert_eq!(
            totp.matching_step(&code, now, Some(step)),
            None,
            "replay refused"
        );
        let later = now + chrono::Duration::seconds(30);
        assert!(
            totp.matching_step(&code, later, None).is_some(),
            "one step of drift allowed"
        );
        let much_later = now + chrono::Duration::seconds(120);
        assert_eq!(
            totp.matching_step(&code, much_later, None),
            None,
            "old code refused"
        );
        assert_eq!(
            totp.matching_step("12345", now, None),
            None,
            "wrong length refused"
        );
    }

    #[test]
    fn enrolment_carries_a_qr_code_of_the_url() {
        let totp = Totp::generate("amy").expect("totp");
        let e = enrolment_for(&totp).expect("enrolment");
        assert!(
            e.otpauth_url.starts_with("otpauth://totp/DealerDesk:amy?"),
            "{}",
            e.otpauth_url
        );
        assert!(e.qr_svg.contains("<svg"), "an SVG image");
        assert_eq!(e.secret_base32, totp.secret_base32());
    }
}
