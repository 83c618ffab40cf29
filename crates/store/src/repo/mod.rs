//! Repositories: one module per table or aggregate, each the only place that writes SQL for its
//! rows, with typed rows and compile-checked queries. Rows are stamped and journaled through a
//! [`crate::Write`].

pub mod access_link;
pub mod adverse_action_notice;
pub mod contact_change;
pub mod contract_document;
pub mod credit_application;
pub mod customer;
pub mod deal;
pub mod identity_check;
pub mod lender;
pub mod lender_outbox;
pub mod link_document;
pub mod outbox;
pub mod portal;
pub mod rate_sheet;
pub mod sanctions;
pub mod session;
pub mod staff;
pub mod stipulation;
pub mod sync;
pub mod sync_enrolment;
pub mod usury_cap;
pub mod vehicle;
