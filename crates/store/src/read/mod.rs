//! Read models: the cross-table reads a screen or a use case needs (joins, counts), each
//! returning typed rows. Nothing here writes.

pub mod analytics;
pub mod application;
pub mod demo;
pub mod home;
pub mod links;
