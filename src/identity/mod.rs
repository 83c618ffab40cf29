//! Customer Identification Program checks. This first slice holds the SSN/ITIN number rules the
//! customer form needs; licence barcodes, sanctions screening and red flags come with the identity
//! verification issue.

pub mod ssn;
