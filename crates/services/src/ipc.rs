//! The error shape every desk command answers with, shared by the desktop shell and the CLI.
//! `code` is a closed list mirrored in the UI (never match on English text); `message` is written
//! for a salesperson and never holds SQL, file paths or PII; `field` names the input at fault.

use serde::Serialize;
use ts_rs::TS;

use crate::error_kind::{describe, Classified};

// The closed list of codes the UI knows; every error gets one from its kind
// (`error_kind::ErrorKind::code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    NotSignedIn,
    SessionLocked,
    SessionExpired,
    Forbidden,
    InvalidCredentials,
    AccountLocked,
    AccountDisabled,
    MfaRequired,
    InvalidMfaCode,
    NotFound,
    Conflict,
    Storage,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }
    pub fn field(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }
}

/// Every classified error crosses IPC the same way: its kind's code, its own message (the plain
/// sentence for storage and internal kinds, whose details go to the log) and its field.
impl<E: Classified> From<E> for CommandError {
    fn from(e: E) -> Self {
        let d = describe(&e);
        Self {
            code: d.kind.code(),
            message: d.message,
            field: d.field,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::CustomerError;

    #[test]
    fn errors_serialise_as_code_message_field() {
        let e: CommandError = CustomerError::Invalid {
            field: "address.zip".into(),
            message: "enter a 5-digit ZIP code".into(),
        }
        .into();
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["code"], "validation");
        assert_eq!(json["field"], "address.zip");
        assert_eq!(json["message"], "enter a 5-digit ZIP code");
    }

    #[test]
    fn storage_errors_hide_sql() {
        let e: CommandError = sqlx::Error::Protocol("SELECT secret FROM x".into()).into();
        assert_eq!(e.code, ErrorCode::Storage);
        assert!(!e.message.contains("SELECT"), "no SQL on screen");
    }
}

/// What the desktop app needs at start-up and after every sign-in change.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AppStatus {
    /// A demo database: the UI shows the DEMO banner on every screen.
    pub demo: bool,
    /// No staff account exists yet: the UI offers to create the first admin.
    pub needs_first_admin: bool,
    pub idle_lock_minutes: u32,
    pub dealership_name: String,
    pub session: Option<crate::auth::SessionView>,
}

/// Reads the app status for the session behind `token` (if any), without touching the session.
pub async fn app_status(
    store: &dealerdesk_store::Store,
    token: Option<&crate::auth::SessionToken>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AppStatus, CommandError> {
    Ok(AppStatus {
        demo: store.is_demo().await?,
        needs_first_admin: crate::auth::staff_count(store).await? == 0,
        idle_lock_minutes: store
            .setting_u32("idle_lock_minutes", crate::auth::DEFAULT_IDLE_LOCK_MINUTES)
            .await?,
        dealership_name: store.setting_text("dealership_name", "DealerDesk").await?,
        session: crate::auth::current_session(store, token, now).await?,
    })
}
