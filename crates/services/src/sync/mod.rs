//! Sync with the hub: enrolment (keys, the group data key, re-encryption of this desk's PII) and
//! the sync run (push the change journal in signed batches, pull the group's changes by cursor).
//! A desk that is not enrolled works exactly as before.

pub mod enrol;
pub mod run;
