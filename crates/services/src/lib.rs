//! DealerDesk's use cases: staff and sign-in, customers, identity verification, vehicles, deals,
//! credit applications, contracts and their e-signature ceremony, temporary access links,
//! settings and maintenance. Each checks the caller's role and its preconditions, applies the
//! rules (`dealerdesk-rules`) and reads and writes through the store (`dealerdesk-store`), so the
//! desktop shell, the command line and the customer portal get the same answers.
//!
//! Nothing here knows a window or an HTTP request: the shell, the CLI and the portal sit on top.

pub mod application;
pub mod audit_log;
pub mod auth;
pub mod contract;
pub mod customer;
pub mod deal;
pub mod demo;
pub mod error_kind;
pub mod exports;
pub mod home;
pub mod identity;
pub mod ipc;
pub mod links;
pub mod maintenance;
pub mod settings;
pub mod sync;
pub mod vehicle;
