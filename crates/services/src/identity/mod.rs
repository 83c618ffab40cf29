//! Customer Identification Program checks: SSN/ITIN number rules ([`ssn`]), driver's licence
//! barcodes ([`aamva`]), OFAC sanctions lists and screening ([`sanctions`]) and FTC Red Flags
//! ([`red_flags`]), tied together by the verification record ([`verification`]): one stored
//! check per run, its resolutions, the application gate and contact confirmation.

pub use dealerdesk_rules::identity::{aamva, red_flags, ssn};
pub mod sanctions;
pub mod verification;
