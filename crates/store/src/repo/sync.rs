//! Where this desk's sync stands: the sync_state row, the hub version of each row it has seen
//! (sync_row_version) and the changes the hub did not take as they were (sync_conflict).
