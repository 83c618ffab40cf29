//! Integration tests of the core against real SQLite files in temporary directories.
//! One binary, a module per area (see STYLE.md).

mod adverse;
mod application;
mod audit;
mod auth;
mod bindings;
mod browser;
mod cli;
mod contract;
mod crash;
mod customer;
mod deal;
mod finance;
mod hub;
mod hub_audit;
mod identity;
mod jacket;
mod links;
mod pdf;
mod portal;
mod rekey;
mod remote;
mod standby;
mod star;
mod store;
mod support;
mod sync;
