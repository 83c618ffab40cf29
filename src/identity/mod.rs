//! Customer Identification Program checks: SSN/ITIN number rules ([`ssn`]), driver's licence
//! barcodes ([`aamva`]), OFAC sanctions lists and screening ([`sanctions`]) and FTC Red Flags
//! ([`red_flags`]). The verification record that ties them together comes next.

pub mod aamva;
pub mod red_flags;
pub mod sanctions;
pub mod ssn;
