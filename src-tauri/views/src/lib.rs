//! View types the desktop shell puts together from more than one service call. They live in
//! their own crate, without Tauri, so that `tests/it/bindings.rs` can export them to
//! TypeScript like every other type that crosses IPC.

use serde::Serialize;
use ts_rs::TS;

use dealerdesk_services::sync::enrol::Enrolment;
use dealerdesk_services::sync::run::SyncStatus;

/// This desk's enrolment with a hub, as the screen shows it (no key material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnrolmentView {
    pub hub_url: String,
    pub desk_name: String,
    pub rooftop: String,
    pub enrolled_at: String,
    /// SHA-256 of the hub certificate's DER, in lowercase hex (64 characters).
    pub fingerprint: String,
}

impl From<&Enrolment> for EnrolmentView {
    fn from(e: &Enrolment) -> Self {
        Self {
            hub_url: e.hub_url.clone(),
            desk_name: e.desk_name.clone(),
            rooftop: e.rooftop.clone(),
            enrolled_at: e.enrolled_at.clone(),
            fingerprint: e.fingerprint.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// Where sync stands, with the enrolment when the desk is enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncOverview {
    pub status: SyncStatus,
    pub enrolment: Option<EnrolmentView>,
    /// Whether a sync run is going on right now (the background task's or a "Sync now").
    pub running: bool,
}
