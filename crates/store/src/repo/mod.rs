//! Repositories: one module per table or aggregate, each the only place that writes SQL for its
//! rows, with typed rows and compile-checked queries. Moving every table here is under way; the
//! vehicle table is the first.

pub mod contract_document;
pub mod customer;
pub mod deal;
pub mod identity_check;
pub mod sanctions;
pub mod usury_cap;
pub mod vehicle;
