//! The error shape every desk command answers with, shared by the desktop shell and the CLI.
//! `code` is a closed list mirrored in the UI (never match on English text); `message` is written
//! for a salesperson and never holds SQL, file paths or PII; `field` names the input at fault.

use serde::Serialize;
use ts_rs::TS;

use crate::application::adverse::AdverseError;
use crate::application::star::StarError;
use crate::application::ApplicationError;
use crate::auth::AuthError;
use crate::contract::ContractError;
use crate::customer::CustomerError;
use crate::deal::DealError;
use crate::identity::aamva::LicenceError;
use crate::identity::verification::IdentityError;
use crate::links::LinkError;
use crate::vehicle::VehicleError;
use dealerdesk_pdf::PdfError;
use dealerdesk_store::audit::AuditError;
use dealerdesk_store::StoreError;

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

/// Database trouble, said plainly; the details go to the log, not the screen.
fn storage(e: &dyn std::fmt::Display) -> CommandError {
    tracing::error!(error = %e, "storage error");
    CommandError::new(
        ErrorCode::Storage,
        "The desk could not read or save data just now. Nothing was changed; try again, and tell your administrator if it keeps happening.",
    )
}

impl From<sqlx::Error> for CommandError {
    fn from(e: sqlx::Error) -> Self {
        storage(&e)
    }
}

impl From<AuthError> for CommandError {
    fn from(e: AuthError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        match e {
            AuthError::InvalidCredentials => Self::new(C::InvalidCredentials, msg),
            AuthError::AccountLocked { .. } => Self::new(C::AccountLocked, msg),
            AuthError::AccountDisabled => Self::new(C::AccountDisabled, msg),
            AuthError::InvalidMfaCode => Self::field(C::InvalidMfaCode, "code", msg),
            AuthError::MfaRequired => Self::new(C::MfaRequired, msg),
            AuthError::NotSignedIn => Self::new(C::NotSignedIn, msg),
            AuthError::SessionExpired => Self::new(C::SessionExpired, msg),
            AuthError::SessionLocked => Self::new(C::SessionLocked, msg),
            AuthError::Forbidden => Self::new(C::Forbidden, msg),
            AuthError::Invalid { field, message } => Self::field(C::Validation, field, message),
            AuthError::Conflict(m) => Self::new(C::Conflict, m),
            AuthError::NotFound(_) => Self::new(C::NotFound, "That staff member was not found."),
            AuthError::Database(d) => storage(&d),
            AuthError::Crypto(c) => storage(&c),
        }
    }
}

impl From<CustomerError> for CommandError {
    fn from(e: CustomerError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        match e {
            CustomerError::Invalid { field, message } => Self::field(C::Validation, field, message),
            CustomerError::NotFound(_) => Self::new(C::NotFound, "That customer was not found."),
            CustomerError::Forbidden(_) => Self::new(C::Forbidden, msg),
            CustomerError::Database(d) => storage(&d),
            CustomerError::Crypto(c) => storage(&c),
        }
    }
}

impl From<VehicleError> for CommandError {
    fn from(e: VehicleError) -> Self {
        use ErrorCode as C;
        let field = e.field().map(str::to_string);
        let msg = e.to_string();
        match e {
            VehicleError::Invalid { field, message } => Self::field(C::Validation, field, message),
            VehicleError::CheckDigit { message } => Self {
                code: C::Validation,
                message,
                field,
            },
            VehicleError::Conflict(_) => Self {
                code: C::Conflict,
                message: msg,
                field,
            },
            VehicleError::NotFound(_) => Self::new(C::NotFound, "That vehicle was not found."),
            VehicleError::Database(d) => storage(&d),
        }
    }
}

impl From<DealError> for CommandError {
    fn from(e: DealError) -> Self {
        use ErrorCode as C;
        let field = e.field().map(str::to_string);
        let msg = e.to_string();
        match e {
            DealError::Invalid { field, message } => Self::field(C::Validation, field, message),
            DealError::NotFound { what, .. } => Self {
                code: C::NotFound,
                message: format!("That {what} was not found."),
                field,
            },
            DealError::Forbidden => Self::new(C::Forbidden, msg),
            DealError::Database(d) => storage(&d),
        }
    }
}

impl From<IdentityError> for CommandError {
    fn from(e: IdentityError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        let field = e.field().map(str::to_string);
        let with_field = |code| match &field {
            Some(f) => Self::field(code, f.clone(), msg.clone()),
            None => Self::new(code, msg.clone()),
        };
        match e {
            IdentityError::Invalid { .. }
            | IdentityError::Barcode(_)
            | IdentityError::NotResolvable(_) => with_field(C::Validation),
            IdentityError::CustomerNotFound(_) => {
                Self::new(C::NotFound, "That customer was not found.")
            }
            IdentityError::CheckNotFound(_) => {
                Self::new(C::NotFound, "That identity check was not found.")
            }
            IdentityError::FlagNotRaised(_) | IdentityError::CandidateNotFound(_) => {
                with_field(C::NotFound)
            }
            IdentityError::Forbidden(_) => Self::new(C::Forbidden, msg),
            IdentityError::AlreadyDecided { .. } | IdentityError::Blocked(_) => {
                Self::new(C::Conflict, msg)
            }
            IdentityError::Database(d) => storage(&d),
            IdentityError::Crypto(c) => storage(&c),
        }
    }
}

impl From<LinkError> for CommandError {
    fn from(e: LinkError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        match e {
            LinkError::Invalid { field, message } => Self::field(C::Validation, field, message),
            LinkError::KnowledgeCheckFailed { .. } => Self::field(C::Validation, "dob", msg),
            LinkError::IdentityNotVerified => Self::new(
                C::Conflict,
                "This customer's identity is not verified yet. Run the identity check (and have a finance manager resolve what it raises) before issuing a link.",
            ),
            LinkError::CustomerNotFound(_) => Self::new(C::NotFound, "That customer was not found."),
            LinkError::NotFound(_) | LinkError::Unusable => {
                Self::new(C::NotFound, "That link was not found.")
            }
            LinkError::Forbidden => Self::new(C::Forbidden, msg),
            LinkError::RateLimited | LinkError::SessionEnded => Self::new(C::Conflict, msg),
            LinkError::Database(d) => storage(&d),
            LinkError::Crypto(c) => storage(&c),
            LinkError::Pdf(p) => match p {
                PdfError::UnsupportedCharacter { .. } | PdfError::QrTooLong => {
                    Self::new(C::Validation, msg)
                }
                _ => {
                    tracing::error!(error = %p, "handout PDF");
                    Self::new(C::Internal, "The handout could not be made.")
                }
            },
        }
    }
}

impl From<ApplicationError> for CommandError {
    /// Unmet preconditions and illegal transitions are conflicts with the application's state;
    /// the field names the first thing to fix.
    fn from(e: ApplicationError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        let field = e.field().map(str::to_string);
        let with_field = |code| match &field {
            Some(f) => Self::field(code, f.clone(), msg.clone()),
            None => Self::new(code, msg.clone()),
        };
        match e {
            ApplicationError::Invalid { .. } => with_field(C::Validation),
            ApplicationError::NotFound { what, .. } => Self {
                code: C::NotFound,
                message: format!("That {what} was not found."),
                field,
            },
            ApplicationError::Forbidden(_) | ApplicationError::RoleCannot { .. } => {
                Self::new(C::Forbidden, msg)
            }
            ApplicationError::IllegalTransition { .. } | ApplicationError::Preconditions(_) => {
                with_field(C::Conflict)
            }
            ApplicationError::Identity(i) => i.into(),
            ApplicationError::Corrupt(c) => storage(&c),
            ApplicationError::Database(d) => storage(&d),
        }
    }
}

impl From<StarError> for CommandError {
    /// A lender's file that cannot be read or does not fit is the file's fault (validation); an
    /// application in the wrong state is a conflict.
    fn from(e: StarError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        let field = e.field().map(str::to_string);
        match e {
            StarError::Application(a) => a.into(),
            StarError::Crypto(c) => storage(&c),
            StarError::Database(d) => storage(&d),
            StarError::Forbidden => Self::new(C::Forbidden, msg),
            StarError::UnknownApplication(_) | StarError::NoDecision(_) => {
                Self::new(C::NotFound, msg)
            }
            StarError::NotSubmitted { .. } | StarError::WrongLender { .. } => {
                Self::new(C::Conflict, msg)
            }
            _ => Self {
                code: C::Validation,
                message: msg,
                field: field.or_else(|| Some("file".into())),
            },
        }
    }
}

impl From<AdverseError> for CommandError {
    fn from(e: AdverseError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        let field = e.field().map(str::to_string);
        match e {
            AdverseError::Application(a) => a.into(),
            AdverseError::NotFound(_) => Self::new(C::NotFound, "That notice was not found."),
            AdverseError::Forbidden(_) => Self::new(C::Forbidden, msg),
            AdverseError::AlreadyDelivered { .. } => Self::new(C::Conflict, msg),
            AdverseError::Invalid { .. } => Self {
                code: C::Validation,
                message: msg,
                field,
            },
            AdverseError::Pdf(p) => {
                tracing::error!(error = %p, "adverse-action notice PDF");
                Self::new(C::Internal, "The notice could not be made.")
            }
            AdverseError::Corrupt(c) => storage(&c),
            AdverseError::Database(d) => storage(&d),
        }
    }
}

impl From<ContractError> for CommandError {
    fn from(e: ContractError) -> Self {
        use ErrorCode as C;
        let msg = e.to_string();
        let field = e.field().map(str::to_string);
        match e {
            ContractError::NotFound { what, .. } => Self {
                code: C::NotFound,
                message: format!("That {what} was not found."),
                field,
            },
            ContractError::Forbidden => Self::new(C::Forbidden, msg),
            ContractError::AlreadySigned { .. } | ContractError::QuoteTampered => {
                Self::new(C::Conflict, msg)
            }
            ContractError::OptionMissing(_)
            | ContractError::UnknownField(_)
            | ContractError::Signing { .. }
            | ContractError::NotReady { .. } => Self {
                code: C::Validation,
                message: msg,
                field,
            },
            ContractError::QuoteDamaged(d) => storage(&d),
            ContractError::Pdf(p) => {
                tracing::error!(error = %p, "contract PDF");
                Self::new(C::Internal, "The contract could not be made.")
            }
            ContractError::Database(d) => storage(&d),
        }
    }
}

impl From<crate::audit_log::AuditLogError> for CommandError {
    fn from(e: crate::audit_log::AuditLogError) -> Self {
        match e {
            crate::audit_log::AuditLogError::Forbidden => {
                Self::new(ErrorCode::Forbidden, e.to_string())
            }
            crate::audit_log::AuditLogError::Audit(a) => a.into(),
        }
    }
}

impl From<AuditError> for CommandError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::BadFilter(m) => Self::new(ErrorCode::Validation, m),
            other => storage(&other),
        }
    }
}

impl From<LicenceError> for CommandError {
    /// Only an unreadable payload is an error; what is wrong inside a readable one comes back
    /// as the licence's `problems`. The field is the scan box.
    fn from(e: LicenceError) -> Self {
        Self::field(
            ErrorCode::Validation,
            "payload",
            format!(
                "{}. Scan the barcode on the back of the licence again.",
                capitalise(&e.to_string())
            ),
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        storage(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
