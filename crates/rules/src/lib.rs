//! DealerDesk's domain rules, pure: money and rates, finance math (Regulation Z APR, loans,
//! Regulation M leases, disclosures, calendar months), VINs, the AAMVA licence barcode, SSN/ITIN
//! rules, sanctions list reading and name scoring, the FTC red flags, customer input validation,
//! PII value types, the STAR element tree and the credit application's state machine.
//!
//! No database, no async runtime, no HTTP: this crate's dependency tree holds none of sqlx,
//! tokio or axum (the test suite checks it), so every rule here can be tested as a plain
//! function and reused by the desk, the portal and the hub alike.

pub mod application;
pub mod dates;
pub mod finance;
pub mod identity;
pub mod ids;
pub mod money;
pub mod names;
pub mod pii;
pub mod star;
pub mod validate;
pub mod vehicle;

/// Hex SHA-256 of bytes: document and quote fingerprints, and bearer tokens stored without the
/// token.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}
