//! Read models: cross-table reads for a screen or a use case (joins, counts), returning typed
//! rows. They never write.

pub mod demo;
pub mod home;
pub mod links;
