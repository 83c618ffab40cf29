//! Repositories: one module per table or aggregate, each the only place that writes SQL for its
//! rows, with typed rows and compile-checked queries. Moving every table here is under way; the
//! vehicle table is the first.

pub mod access_link;
pub mod contact_change;
pub mod link_document;
pub mod outbox;
pub mod portal;
pub mod session;
pub mod staff;
pub mod usury_cap;
pub mod vehicle;
