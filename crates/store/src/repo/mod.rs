//! Repositories: one module per table or aggregate, each the only place that writes SQL for its
//! rows, with typed rows and compile-checked queries. Moving every table here is under way; the
//! vehicle table is the first.

pub mod adverse_action_notice;
pub mod credit_application;
pub mod lender;
pub mod lender_outbox;
pub mod rate_sheet;
pub mod stipulation;
pub mod usury_cap;
pub mod vehicle;
