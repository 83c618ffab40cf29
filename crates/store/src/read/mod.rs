//! Read models: the rows a screen needs from several tables at once (joins, counts), typed. They
//! only read; every table's writes are in its repository ([`crate::repo`]).

pub mod contract;
pub mod deal;
pub mod identity;
