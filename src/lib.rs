//! DealerDesk core: everything the finance desk does, without a GUI. The desktop shell
//! (`src-tauri/`) and the `dealerdesk` command-line tool are thin adapters over these modules.

pub mod application;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod contract;
pub mod crypto;
pub mod customer;
pub mod deal;
pub mod demo;
pub mod exports;
pub mod finance;
pub mod home;
pub mod identity;
pub mod ipc;
pub mod links;
pub mod maintenance;
pub mod money;
pub mod pdf;
pub mod settings;
pub mod store;
pub mod vehicle;
