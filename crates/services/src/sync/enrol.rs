//! Enrolling this desk with a hub.
