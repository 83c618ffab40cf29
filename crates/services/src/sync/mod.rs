//! Sync with the hub: enrolment (keys, the group data key, re-encryption of this desk's PII) and
//! the sync run (pushing the change journal and the audit log, pulling the group's changes by
//! cursor).
//! A desk that is not enrolled works exactly as before.

pub mod audit;
pub mod enrol;
pub mod run;

use dealerdesk_store::crypto::CryptoError;
use dealerdesk_store::StoreError;

/// What syncing with a hub can fail with, in words a dealership's administrator understands.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("only an admin can enrol this desk with a hub")]
    Forbidden,
    #[error("only a finance manager or an admin can review sync conflicts")]
    ReviewForbidden,
    #[error("there is no open conflict with that id (it may have been reviewed already)")]
    NoSuchConflict,
    #[error("this desk is not enrolled with a hub: it works on its own")]
    NotEnrolled,
    #[error("this desk is already enrolled with the hub at {0}")]
    AlreadyEnrolled(String),
    #[error("the hub at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the hub refused: {0}")]
    Refused(String),
    #[error("the hub's answer could not be read: {0}")]
    BadAnswer(String),
    #[error("this desk's sync key {0}")]
    Keys(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl SyncError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
