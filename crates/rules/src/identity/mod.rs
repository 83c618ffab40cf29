//! Identity rules for the Customer Identification Program: SSN/ITIN rules ([`ssn`]), the AAMVA
//! driver's-licence barcode ([`aamva`]), sanctions list reading and name scoring
//! ([`sanctions`]) and the FTC Red Flags ([`red_flags`]). The verification record, which
//! stores a check and its resolutions, is a use case in the services crate.

pub mod aamva;
pub mod red_flags;
pub mod sanctions;
pub mod ssn;
