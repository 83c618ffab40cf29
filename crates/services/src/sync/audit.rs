//! This desk's audit log travels to the hub: after the change journal is pushed, the entries
//! after the last one the hub acknowledged go in signed audit messages (`wire::AuditBatch`, never
//! the change journal), and the hub checks each one continues the chain it holds for this desk.
//!
//! The acknowledged seq (`sync_state.audit_pushed_seq`) moves only with the hub's answer, so an
//! entry the hub did not take is sent again next run. A failure here (the hub unreachable, or
//! refusing a broken chain) is reported in the run's outcome and `last_error`, and never stops
//! the change sync.

use chrono::Utc;
use uuid::Uuid;

use dealerdesk_store::audit;
use dealerdesk_store::repo::sync as state;
use dealerdesk_store::Store;
use dealerdesk_sync::wire::{self, AuditAnswer, AuditBatch, Kind};

use super::enrol::Enrolment;
use super::run::{post, SyncReport};
use super::SyncError;

/// The most an audit message body holds before it is signed (its header leaves room under
/// `wire::MAX_AUDIT_BYTES`).
pub const AUDIT_BUDGET_BYTES: usize = wire::MAX_AUDIT_BYTES - 4096;

/// The most audit messages one run sends (a desk enrolled with years of log sends the rest next
/// run; each message moves the acknowledged seq, so nothing is sent twice).
pub const MAX_MESSAGES_PER_RUN: usize = 100;

/// Sends this desk's audit log after the last entry the hub holds, message by message, until the
/// hub holds all of it. Returns how many entries the hub stored.
pub async fn push_tail(store: &Store, e: &Enrolment) -> Result<u64, SyncError> {
    let mut stored = 0;
    for _ in 0..MAX_MESSAGES_PER_RUN {
        let after = state::audit_pushed(store).await?;
        let entries = audit::tail(
            store.pool(),
            after,
            wire::MAX_AUDIT_ENTRIES as u32,
            AUDIT_BUDGET_BYTES,
        )
        .await?;
        let Some(last) = entries.last().map(|x| x.seq) else {
            break;
        };
        let message = AuditBatch {
            group_id: e.group_id,
            desk_id: e.desk_id,
            batch_id: Uuid::now_v7(),
            sent_at: Utc::now(),
            entries,
        };
        let body = post(e, Kind::Audit, wire::AUDIT_PATH, &message).await?;
        let answer: AuditAnswer =
            serde_json::from_str(&body).map_err(|x| SyncError::BadAnswer(x.to_string()))?;
        state::set_audit_pushed(store, answer.held).await?;
        stored += answer.stored;
        if answer.held < last {
            return Err(SyncError::BadAnswer(format!(
                "the hub took this desk's audit log only up to entry #{} of #{last}",
                answer.held
            )));
        }
    }
    Ok(stored)
}

/// Sends the audit log's tail for a run and notes the outcome in its report: how many entries
/// the hub stored, or why it could not (the run goes on either way).
pub async fn push_for_run(store: &Store, e: &Enrolment, report: &mut SyncReport) {
    match push_tail(store, e).await {
        Ok(n) => report.audit_pushed += n,
        Err(err) => {
            tracing::warn!(error = %err, "this desk's audit log was not sent to the hub");
            report.audit_error = Some(format!(
                "this desk's audit log was not sent to the hub (it is sent again next time): {err}"
            ));
        }
    }
}

/// Keeps a run's audit failure as the desk's last sync error once the run has otherwise
/// succeeded (a success clears the last error; this one still stands).
pub async fn note_outcome(store: &Store, report: &SyncReport) {
    if let Some(why) = &report.audit_error {
        if let Err(db) = state::set_last_error(store, why).await {
            tracing::error!(error = %db, "could not record why the audit log was not sent");
        }
    }
}
