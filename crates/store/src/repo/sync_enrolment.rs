//! The sync_enrolment table: this desk's enrolment with a hub (at most one row).
