//! One sync run: push the change journal, pull the group's changes, record conflicts.
