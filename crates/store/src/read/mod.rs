//! Read models: the rows a screen or a use case needs from several tables at once (joins,
//! counts), typed. They only read; every table's writes are in its repository ([`crate::repo`]).

pub mod analytics;
pub mod application;
pub mod contract;
pub mod deal;
pub mod demo;
pub mod home;
pub mod identity;
pub mod links;
