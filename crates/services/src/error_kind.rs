//! Every error that reaches a screen or the command line, classified once.
//!
//! Each domain error type implements [`Classified`]: one exhaustive `match` from each of its
//! variants to an [`ErrorKind`] (no catch-all arm, so a new variant does not compile until it is
//! classified), the input at fault and the message staff read. From the kind alone follow the
//! code the desktop app receives ([`ErrorKind::code`], see `ipc::CommandError`) and the command
//! line's exit code ([`ErrorKind::exit_code`]).
//!
//! The message is the error's own text (written for staff), except for the kinds whose details
//! are for the log only (storage and internal codes): those say one plain sentence per kind, and
//! [`Described::detail`] keeps the details (SQL, paths) for the log and the administrator's
//! command line.
//!
//! | kind                | IPC code             | exit |
//! |---------------------|----------------------|------|
//! | validation          | validation           | 3    |
//! | not_signed_in       | not_signed_in        | 8    |
//! | session_locked      | session_locked       | 8    |
//! | session_expired     | session_expired      | 8    |
//! | forbidden           | forbidden            | 8    |
//! | invalid_credentials | invalid_credentials  | 8    |
//! | account_locked      | account_locked       | 8    |
//! | account_disabled    | account_disabled     | 8    |
//! | mfa_required        | mfa_required         | 8    |
//! | invalid_mfa_code    | invalid_mfa_code     | 8    |
//! | not_found           | not_found            | 4    |
//! | conflict            | conflict             | 7    |
//! | tampered            | conflict             | 6    |
//! | storage             | storage              | 1    |
//! | damaged             | storage              | 6    |
//! | refused             | storage              | 5    |
//! | internal            | internal             | 1    |
//!
//! Exit 0 is success and 2 wrong usage (the argument parser's, not an error kind).

use std::borrow::Cow;

use crate::application::adverse::AdverseError;
use crate::application::star::StarError;
use crate::application::ApplicationError;
use crate::audit_log::AuditLogError;
use crate::auth::AuthError;
use crate::contract::ContractError;
use crate::customer::CustomerError;
use crate::deal::DealError;
use crate::demo::DemoError;
use crate::identity::aamva::LicenceError;
use crate::identity::sanctions::SanctionsError;
use crate::identity::verification::IdentityError;
use crate::ipc::ErrorCode;
use crate::links::LinkError;
use crate::maintenance::MaintenanceError;
use crate::settings::SettingsError;
use crate::sync::SyncError;
use crate::vehicle::VehicleError;
use dealerdesk_pdf::PdfError;
use dealerdesk_rules::finance::FinanceError;
use dealerdesk_store::audit::AuditError;
use dealerdesk_store::crypto::CryptoError;
use dealerdesk_store::StoreError;

/// What kind of failure an error is; the IPC code and the exit code follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is wrong; the field names it.
    Validation,
    NotSignedIn,
    SessionLocked,
    SessionExpired,
    /// The caller's role may not do this.
    Forbidden,
    InvalidCredentials,
    AccountLocked,
    AccountDisabled,
    MfaRequired,
    InvalidMfaCode,
    NotFound,
    /// The thing's state does not allow it (already exists, already decided, wrong state).
    Conflict,
    /// Saved figures fail their fingerprint check (changed outside DealerDesk).
    Tampered,
    /// The database could not be read or written just now.
    Storage,
    /// Stored data is damaged: it cannot be read back or decrypted.
    Damaged,
    /// The database (or its key, or a backup) was refused: not a database, damaged, newer
    /// version, key missing or wrong.
    Refused,
    /// Anything else (a PDF that could not be made).
    Internal,
}

/// The plain sentence of the storage code; the details go to the log.
pub const STORAGE_MESSAGE: &str = "The desk could not read or save data just now. Nothing was changed; try again, and tell your administrator if it keeps happening.";

/// The plain sentence of a refused database or key; the details go to the log.
pub const REFUSED_MESSAGE: &str = "The database or its encryption key cannot be used as it is (missing, damaged, from a newer version, or not a pair). Nothing was changed; tell your administrator.";

/// The plain sentence of stored data that cannot be read back; the details go to the log.
pub const DAMAGED_MESSAGE: &str = "Some saved data cannot be read back (it is damaged or was changed outside DealerDesk). Nothing was changed; tell your administrator.";

/// The plain sentence of the internal code, unless the error has its own.
pub const INTERNAL_MESSAGE: &str =
    "Something went wrong. Nothing was changed; tell your administrator if it keeps happening.";

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::Validation,
        ErrorKind::NotSignedIn,
        ErrorKind::SessionLocked,
        ErrorKind::SessionExpired,
        ErrorKind::Forbidden,
        ErrorKind::InvalidCredentials,
        ErrorKind::AccountLocked,
        ErrorKind::AccountDisabled,
        ErrorKind::MfaRequired,
        ErrorKind::InvalidMfaCode,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Tampered,
        ErrorKind::Storage,
        ErrorKind::Damaged,
        ErrorKind::Refused,
        ErrorKind::Internal,
    ];

    /// The code the desktop app receives (a closed list the UI mirrors).
    pub fn code(self) -> ErrorCode {
        match self {
            ErrorKind::Validation => ErrorCode::Validation,
            ErrorKind::NotSignedIn => ErrorCode::NotSignedIn,
            ErrorKind::SessionLocked => ErrorCode::SessionLocked,
            ErrorKind::SessionExpired => ErrorCode::SessionExpired,
            ErrorKind::Forbidden => ErrorCode::Forbidden,
            ErrorKind::InvalidCredentials => ErrorCode::InvalidCredentials,
            ErrorKind::AccountLocked => ErrorCode::AccountLocked,
            ErrorKind::AccountDisabled => ErrorCode::AccountDisabled,
            ErrorKind::MfaRequired => ErrorCode::MfaRequired,
            ErrorKind::InvalidMfaCode => ErrorCode::InvalidMfaCode,
            ErrorKind::NotFound => ErrorCode::NotFound,
            ErrorKind::Conflict | ErrorKind::Tampered => ErrorCode::Conflict,
            ErrorKind::Storage | ErrorKind::Damaged | ErrorKind::Refused => ErrorCode::Storage,
            ErrorKind::Internal => ErrorCode::Internal,
        }
    }

    /// The command line's exit code (README, "Exit codes").
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Storage | ErrorKind::Internal => 1,
            ErrorKind::Validation => 3,
            ErrorKind::NotFound => 4,
            ErrorKind::Refused => 5,
            ErrorKind::Tampered | ErrorKind::Damaged => 6,
            ErrorKind::Conflict => 7,
            ErrorKind::NotSignedIn
            | ErrorKind::SessionLocked
            | ErrorKind::SessionExpired
            | ErrorKind::Forbidden
            | ErrorKind::InvalidCredentials
            | ErrorKind::AccountLocked
            | ErrorKind::AccountDisabled
            | ErrorKind::MfaRequired
            | ErrorKind::InvalidMfaCode => 8,
        }
    }

    /// Whether the error's own text stays in the log (storage and internal codes).
    pub fn hides_details(self) -> bool {
        matches!(self.code(), ErrorCode::Storage | ErrorCode::Internal)
    }
}

/// An error that knows its kind, the input at fault and what staff read.
pub trait Classified: std::fmt::Display {
    fn kind(&self) -> ErrorKind;
    /// The input at fault, if one is.
    fn field_name(&self) -> Option<Cow<'_, str>> {
        None
    }
    /// The text staff read (kinds that show details): the error's own text by default.
    fn message(&self) -> String {
        self.to_string()
    }
    /// The plain sentence shown for the internal kind.
    fn internal_message(&self) -> &'static str {
        INTERNAL_MESSAGE
    }
}

/// An error as shown: kind, message, field, and the details kept off the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub kind: ErrorKind,
    pub message: String,
    pub field: Option<String>,
    /// The error's own text when the kind hides it (for the log and the CLI's operator).
    pub detail: Option<String>,
}

/// Describes `e` once, for every surface; a hidden detail is logged here.
pub fn describe<E: Classified + ?Sized>(e: &E) -> Described {
    let kind = e.kind();
    if kind.hides_details() {
        let detail = e.to_string();
        tracing::error!(error = %detail, kind = ?kind, "error with hidden details");
        let message = match kind {
            ErrorKind::Refused => REFUSED_MESSAGE,
            ErrorKind::Damaged => DAMAGED_MESSAGE,
            ErrorKind::Internal => e.internal_message(),
            _ => STORAGE_MESSAGE,
        };
        return Described {
            kind,
            message: message.to_string(),
            field: None,
            detail: Some(detail),
        };
    }
    Described {
        kind,
        message: e.message(),
        field: e.field_name().map(Cow::into_owned),
        detail: None,
    }
}

fn some(f: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(f))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ----- the classification, one type at a time -----------------------------------------------

impl Classified for sqlx::Error {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Storage
    }
}

impl Classified for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotADatabase(_)
            | StoreError::Corrupt(_)
            | StoreError::NewerSchema { .. }
            | StoreError::Missing(_)
            | StoreError::KeyMismatch { .. } => ErrorKind::Refused,
            StoreError::Crypto(c) => c.kind(),
            StoreError::Io { .. } | StoreError::Database(_) | StoreError::Migrate(_) => {
                ErrorKind::Storage
            }
        }
    }
}

impl Classified for CryptoError {
    fn kind(&self) -> ErrorKind {
        match self {
            // The key cannot be used: the database cannot be opened with it.
            CryptoError::KeyMissing(_)
            | CryptoError::KeyMalformed(_)
            | CryptoError::KeyPermissions(_)
            | CryptoError::KeyIo { .. } => ErrorKind::Refused,
            CryptoError::Decrypt => ErrorKind::Damaged,
        }
    }
}

impl Classified for AuditError {
    fn kind(&self) -> ErrorKind {
        match self {
            AuditError::BadFilter(_) => ErrorKind::Validation,
            AuditError::Database(_) | AuditError::Io(_) => ErrorKind::Storage,
        }
    }
    fn message(&self) -> String {
        match self {
            AuditError::BadFilter(m) => m.clone(),
            other => other.to_string(),
        }
    }
}

impl Classified for AuditLogError {
    fn kind(&self) -> ErrorKind {
        match self {
            AuditLogError::Forbidden => ErrorKind::Forbidden,
            AuditLogError::Audit(a) => a.kind(),
        }
    }
    fn message(&self) -> String {
        match self {
            AuditLogError::Audit(a) => a.message(),
            other => other.to_string(),
        }
    }
}

impl Classified for PdfError {
    fn kind(&self) -> ErrorKind {
        match self {
            PdfError::UnsupportedCharacter { .. } | PdfError::QrTooLong => ErrorKind::Validation,
            PdfError::Font(_)
            | PdfError::DoesNotFit(_)
            | PdfError::Write(_)
            | PdfError::BadImage { .. } => ErrorKind::Internal,
        }
    }
    fn internal_message(&self) -> &'static str {
        "The document could not be made."
    }
}

impl Classified for LicenceError {
    /// Only an unreadable payload is an error; what is wrong inside a readable one comes back
    /// as the licence's `problems`. The field is the scan box.
    fn kind(&self) -> ErrorKind {
        match self {
            LicenceError::Empty | LicenceError::NoHeader | LicenceError::BadHeader { .. } => {
                ErrorKind::Validation
            }
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        some("payload")
    }
    fn message(&self) -> String {
        format!(
            "{}. Scan the barcode on the back of the licence again.",
            capitalise(&self.to_string())
        )
    }
}

impl Classified for FinanceError {
    fn kind(&self) -> ErrorKind {
        match self {
            FinanceError::Invalid { .. } | FinanceError::NoSolution(_) => ErrorKind::Validation,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            FinanceError::Invalid { field, .. } => some(field),
            FinanceError::NoSolution(_) => some("payments"),
        }
    }
    fn message(&self) -> String {
        match self {
            FinanceError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

impl Classified for AuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            AuthError::InvalidCredentials => ErrorKind::InvalidCredentials,
            AuthError::AccountLocked { .. } => ErrorKind::AccountLocked,
            AuthError::AccountDisabled => ErrorKind::AccountDisabled,
            AuthError::InvalidMfaCode => ErrorKind::InvalidMfaCode,
            AuthError::MfaRequired => ErrorKind::MfaRequired,
            AuthError::NotSignedIn => ErrorKind::NotSignedIn,
            AuthError::SessionExpired => ErrorKind::SessionExpired,
            AuthError::SessionLocked => ErrorKind::SessionLocked,
            AuthError::Forbidden => ErrorKind::Forbidden,
            AuthError::Invalid { .. } => ErrorKind::Validation,
            AuthError::Conflict(_) => ErrorKind::Conflict,
            AuthError::NotFound(_) => ErrorKind::NotFound,
            AuthError::Database(_) => ErrorKind::Storage,
            AuthError::Crypto(c) => c.kind(),
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            AuthError::Invalid { field, .. } => some(field),
            AuthError::InvalidMfaCode => some("code"),
            _ => None,
        }
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            AuthError::NotFound(_) => "That staff member was not found.".to_string(),
            other => other.to_string(),
        }
    }
}

impl Classified for CustomerError {
    fn kind(&self) -> ErrorKind {
        match self {
            CustomerError::Invalid { .. } => ErrorKind::Validation,
            CustomerError::NotFound(_) => ErrorKind::NotFound,
            CustomerError::Forbidden(_) => ErrorKind::Forbidden,
            CustomerError::Database(_) => ErrorKind::Storage,
            CustomerError::Crypto(c) => c.kind(),
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            CustomerError::Invalid { field, .. } => some(field),
            _ => None,
        }
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            CustomerError::NotFound(_) => "That customer was not found.".to_string(),
            other => other.to_string(),
        }
    }
}

impl Classified for VehicleError {
    fn kind(&self) -> ErrorKind {
        match self {
            VehicleError::Invalid { .. } | VehicleError::CheckDigit { .. } => ErrorKind::Validation,
            VehicleError::Conflict(_) => ErrorKind::Conflict,
            VehicleError::NotFound(_) => ErrorKind::NotFound,
            VehicleError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        self.field().map(Cow::Borrowed)
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            VehicleError::NotFound(_) => "That vehicle was not found.".to_string(),
            other => other.to_string(),
        }
    }
}

impl Classified for DealError {
    fn kind(&self) -> ErrorKind {
        match self {
            DealError::Invalid { .. } => ErrorKind::Validation,
            DealError::NotFound { .. } => ErrorKind::NotFound,
            DealError::Forbidden => ErrorKind::Forbidden,
            DealError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        self.field().map(Cow::Borrowed)
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            DealError::NotFound { what, .. } => format!("That {what} was not found."),
            other => other.to_string(),
        }
    }
}

impl Classified for IdentityError {
    fn kind(&self) -> ErrorKind {
        match self {
            IdentityError::Invalid { .. }
            | IdentityError::Barcode(_)
            | IdentityError::NotResolvable(_) => ErrorKind::Validation,
            IdentityError::CustomerNotFound(_)
            | IdentityError::CheckNotFound(_)
            | IdentityError::FlagNotRaised(_)
            | IdentityError::CandidateNotFound(_) => ErrorKind::NotFound,
            IdentityError::Forbidden(_) => ErrorKind::Forbidden,
            IdentityError::AlreadyDecided { .. } | IdentityError::Blocked(_) => ErrorKind::Conflict,
            IdentityError::Database(_) => ErrorKind::Storage,
            IdentityError::Crypto(c) => c.kind(),
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        self.field().map(Cow::Borrowed)
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            IdentityError::CustomerNotFound(_) => "That customer was not found.".to_string(),
            IdentityError::CheckNotFound(_) => "That identity check was not found.".to_string(),
            other => other.to_string(),
        }
    }
}

impl Classified for SanctionsError {
    fn kind(&self) -> ErrorKind {
        match self {
            SanctionsError::BadFile { .. }
            | SanctionsError::EmptyName
            | SanctionsError::BadThreshold => ErrorKind::Validation,
            SanctionsError::NoList => ErrorKind::NotFound,
            SanctionsError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        self.field().map(Cow::Borrowed)
    }
}

impl Classified for LinkError {
    fn kind(&self) -> ErrorKind {
        match self {
            LinkError::Invalid { .. } | LinkError::KnowledgeCheckFailed { .. } => {
                ErrorKind::Validation
            }
            LinkError::IdentityNotVerified | LinkError::RateLimited | LinkError::SessionEnded => {
                ErrorKind::Conflict
            }
            LinkError::CustomerNotFound(_) | LinkError::NotFound(_) | LinkError::Unusable => {
                ErrorKind::NotFound
            }
            LinkError::Forbidden => ErrorKind::Forbidden,
            LinkError::Database(_) => ErrorKind::Storage,
            LinkError::Crypto(c) => c.kind(),
            LinkError::Pdf(p) => p.kind(),
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        self.field().map(Cow::Borrowed)
    }
    fn internal_message(&self) -> &'static str {
        "The handout could not be made."
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            LinkError::CustomerNotFound(_) => "That customer was not found.".to_string(),
            LinkError::NotFound(_) => "That link was not found.".to_string(),
            other => other.to_string(),
        }
    }
}

impl Classified for ApplicationError {
    /// Unmet preconditions and illegal transitions are conflicts with the application's state;
    /// the field names the first thing to fix.
    fn kind(&self) -> ErrorKind {
        match self {
            ApplicationError::Invalid { .. } => ErrorKind::Validation,
            ApplicationError::NotFound { .. } => ErrorKind::NotFound,
            ApplicationError::Forbidden(_) | ApplicationError::RoleCannot { .. } => {
                ErrorKind::Forbidden
            }
            ApplicationError::IllegalTransition { .. } | ApplicationError::Preconditions(_) => {
                ErrorKind::Conflict
            }
            ApplicationError::Identity(i) => i.kind(),
            ApplicationError::Corrupt(_) => ErrorKind::Damaged,
            ApplicationError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            ApplicationError::Identity(i) => i.field_name(),
            other => other.field().map(Cow::Borrowed),
        }
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            ApplicationError::NotFound { what, .. } => format!("That {what} was not found."),
            other => other.to_string(),
        }
    }
}

impl Classified for StarError {
    /// A lender's file that cannot be read or does not fit is the file's fault (validation); an
    /// application in the wrong state is a conflict.
    fn kind(&self) -> ErrorKind {
        match self {
            StarError::Malformed(_)
            | StarError::WrongNamespace { .. }
            | StarError::NotADecision(_)
            | StarError::Missing(_)
            | StarError::Invalid { .. }
            | StarError::NotDecided { .. } => ErrorKind::Validation,
            StarError::UnknownApplication(_) | StarError::NoDecision(_) => ErrorKind::NotFound,
            StarError::NotSubmitted { .. } | StarError::WrongLender { .. } => ErrorKind::Conflict,
            StarError::Forbidden => ErrorKind::Forbidden,
            StarError::Application(a) => a.kind(),
            StarError::Crypto(c) => c.kind(),
            StarError::Database(_) => ErrorKind::Storage,
        }
    }
    /// The file is at fault for what is wrong inside it; a state or a missing record names no
    /// input.
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            StarError::Application(a) => a.field_name(),
            e if e.kind() == ErrorKind::Validation => {
                Some(Cow::Borrowed(e.field().unwrap_or("file")))
            }
            _ => None,
        }
    }
}

impl Classified for AdverseError {
    fn kind(&self) -> ErrorKind {
        match self {
            AdverseError::NotFound(_) => ErrorKind::NotFound,
            AdverseError::Forbidden(_) => ErrorKind::Forbidden,
            AdverseError::AlreadyDelivered { .. } => ErrorKind::Conflict,
            AdverseError::Invalid { .. } => ErrorKind::Validation,
            // Any failure to print the notice is ours, not the input's.
            AdverseError::Pdf(_) => ErrorKind::Internal,
            AdverseError::Corrupt(_) => ErrorKind::Damaged,
            AdverseError::Application(a) => a.kind(),
            AdverseError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            AdverseError::Application(a) => a.field_name(),
            other => other.field().map(Cow::Borrowed),
        }
    }
    fn internal_message(&self) -> &'static str {
        "The notice could not be made."
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            AdverseError::NotFound(_) => "That notice was not found.".to_string(),
            other => other.to_string(),
        }
    }
}

impl Classified for ContractError {
    fn kind(&self) -> ErrorKind {
        match self {
            ContractError::NotFound { .. } => ErrorKind::NotFound,
            ContractError::OptionMissing(_)
            | ContractError::UnknownField(_)
            | ContractError::Signing { .. }
            | ContractError::NotReady { .. } => ErrorKind::Validation,
            ContractError::QuoteTampered => ErrorKind::Tampered,
            ContractError::QuoteDamaged(_) => ErrorKind::Damaged,
            ContractError::Forbidden => ErrorKind::Forbidden,
            ContractError::AlreadySigned { .. } => ErrorKind::Conflict,
            // Any failure to print the contract is ours, not the input's.
            ContractError::Pdf(_) => ErrorKind::Internal,
            ContractError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        self.field().map(Cow::Borrowed)
    }
    fn internal_message(&self) -> &'static str {
        "The contract could not be made."
    }
    /// A missing record is named in words, without its id (the screen has no use for it).
    fn message(&self) -> String {
        match self {
            ContractError::NotFound { what, .. } => format!("That {what} was not found."),
            other => other.to_string(),
        }
    }
}

impl Classified for DemoError {
    fn kind(&self) -> ErrorKind {
        match self {
            DemoError::NotEmpty => ErrorKind::Conflict,
            DemoError::Auth(e) => e.kind(),
            DemoError::Customer(e) => e.kind(),
            DemoError::Deal(e) => e.kind(),
            DemoError::Sanctions(e) => e.kind(),
            DemoError::Application(e) => e.kind(),
            DemoError::Identity(e) => e.kind(),
            DemoError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            DemoError::NotEmpty | DemoError::Database(_) => None,
            DemoError::Auth(e) => e.field_name(),
            DemoError::Customer(e) => e.field_name(),
            DemoError::Deal(e) => e.field_name(),
            DemoError::Sanctions(e) => e.field_name(),
            DemoError::Application(e) => e.field_name(),
            DemoError::Identity(e) => e.field_name(),
        }
    }
}

impl Classified for MaintenanceError {
    fn kind(&self) -> ErrorKind {
        match self {
            MaintenanceError::TargetExists(_) => ErrorKind::Conflict,
            MaintenanceError::BadBackup { .. } => ErrorKind::Refused,
            MaintenanceError::Store(s) => s.kind(),
            MaintenanceError::Audit(a) => a.kind(),
            MaintenanceError::Database(_) | MaintenanceError::Io { .. } => ErrorKind::Storage,
        }
    }
}

impl Classified for SettingsError {
    fn kind(&self) -> ErrorKind {
        match self {
            SettingsError::Invalid { .. } => ErrorKind::Validation,
            SettingsError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            SettingsError::Invalid { field, .. } => some(field),
            SettingsError::Database(_) => None,
        }
    }
}

impl Classified for SyncError {
    fn kind(&self) -> ErrorKind {
        match self {
            SyncError::Invalid { .. } => ErrorKind::Validation,
            SyncError::Forbidden | SyncError::Refused(_) => ErrorKind::Forbidden,
            SyncError::AlreadyEnrolled(_) => ErrorKind::Conflict,
            SyncError::NotEnrolled => ErrorKind::Conflict,
            SyncError::ReviewForbidden => ErrorKind::Forbidden,
            SyncError::NoSuchConflict => ErrorKind::NotFound,
            SyncError::Unreachable { .. } | SyncError::BadAnswer(_) => ErrorKind::Internal,
            SyncError::Keys(_) => ErrorKind::Refused,
            SyncError::Store(s) => s.kind(),
            SyncError::Crypto(c) => c.kind(),
            SyncError::Database(_) => ErrorKind::Storage,
        }
    }
    fn field_name(&self) -> Option<Cow<'_, str>> {
        match self {
            SyncError::Invalid { field, .. } => some(field),
            _ => None,
        }
    }
    fn internal_message(&self) -> &'static str {
        "The hub could not be reached or did not answer as expected. Nothing was changed on this desk; check the hub's address and network, and try again."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::CommandError;

    /// The one table: every kind, its IPC code and its exit code (README, "Exit codes").
    #[test]
    fn every_kind_has_one_code_and_one_exit_code() {
        use ErrorCode as C;
        use ErrorKind as K;
        let table = [
            (K::Validation, C::Validation, 3),
            (K::NotSignedIn, C::NotSignedIn, 8),
            (K::SessionLocked, C::SessionLocked, 8),
            (K::SessionExpired, C::SessionExpired, 8),
            (K::Forbidden, C::Forbidden, 8),
            (K::InvalidCredentials, C::InvalidCredentials, 8),
            (K::AccountLocked, C::AccountLocked, 8),
            (K::AccountDisabled, C::AccountDisabled, 8),
            (K::MfaRequired, C::MfaRequired, 8),
            (K::InvalidMfaCode, C::InvalidMfaCode, 8),
            (K::NotFound, C::NotFound, 4),
            (K::Conflict, C::Conflict, 7),
            (K::Tampered, C::Conflict, 6),
            (K::Storage, C::Storage, 1),
            (K::Damaged, C::Storage, 6),
            (K::Refused, C::Storage, 5),
            (K::Internal, C::Internal, 1),
        ];
        assert_eq!(
            table.map(|(k, _, _)| k),
            ErrorKind::ALL,
            "the table lists every kind, in order"
        );
        for (kind, code, exit) in table {
            assert_eq!(kind.code(), code, "{kind:?}");
            assert_eq!(kind.exit_code(), exit, "{kind:?}");
            assert_ne!(kind.exit_code(), 0, "{kind:?}: an error never exits 0");
            assert_ne!(kind.exit_code(), 2, "{kind:?}: 2 is wrong usage only");
            assert_eq!(
                kind.hides_details(),
                matches!(code, C::Storage | C::Internal),
                "{kind:?}"
            );
        }
        // Every code the UI knows is sent for some kind.
        let all_codes = [
            C::Validation,
            C::NotSignedIn,
            C::SessionLocked,
            C::SessionExpired,
            C::Forbidden,
            C::InvalidCredentials,
            C::AccountLocked,
            C::AccountDisabled,
            C::MfaRequired,
            C::InvalidMfaCode,
            C::NotFound,
            C::Conflict,
            C::Storage,
            C::Internal,
        ];
        for code in all_codes {
            assert!(
                ErrorKind::ALL.iter().any(|k| k.code() == code),
                "{code:?} is reachable"
            );
        }
    }

    fn ipc(e: impl Classified) -> CommandError {
        CommandError::from(e)
    }

    #[test]
    fn a_validation_error_keeps_its_message_and_field() {
        let e = ipc(CustomerError::Invalid {
            field: "address.zip".into(),
            message: "enter a 5-digit ZIP code".into(),
        });
        assert_eq!(
            (e.code, e.message.as_str(), e.field.as_deref()),
            (
                ErrorCode::Validation,
                "enter a 5-digit ZIP code",
                Some("address.zip")
            )
        );
        let e = ipc(AuthError::InvalidMfaCode);
        assert_eq!(e.code, ErrorCode::InvalidMfaCode);
        assert_eq!(e.field.as_deref(), Some("code"));
        assert_eq!(e.message, AuthError::InvalidMfaCode.to_string());
    }

    #[test]
    fn domain_errors_get_their_kind_message_and_field() {
        let e = DealError::NotFound {
            what: "vehicle",
            id: "v-1".into(),
        };
        let d = describe(&e);
        assert_eq!(d.kind, ErrorKind::NotFound);
        assert_eq!(
            d.message, "That vehicle was not found.",
            "a missing record in words, without its id"
        );
        assert_eq!(d.field.as_deref(), Some("vehicle_id"));
        assert_eq!(d.detail, None);

        let d = describe(&ContractError::QuoteTampered);
        assert_eq!(
            (d.kind.code(), d.kind.exit_code()),
            (ErrorCode::Conflict, 6)
        );
        assert!(d.message.contains("save the deal again"), "{}", d.message);

        let d = describe(&ContractError::Forbidden);
        assert_eq!((d.kind, d.kind.exit_code()), (ErrorKind::Forbidden, 8));

        // An identity error inside an application error is classified as itself, field too.
        let d = describe(&ApplicationError::Identity(IdentityError::FlagNotRaised(
            "address_mismatch".into(),
        )));
        assert_eq!(d.kind, ErrorKind::NotFound);
        assert_eq!(d.field.as_deref(), Some("code"));

        // The file is at fault for what is wrong inside it; a missing record names no input.
        let d = describe(&StarError::Missing("the lender".into()));
        assert_eq!(
            (d.kind, d.field.as_deref()),
            (ErrorKind::Validation, Some("file"))
        );
        let d = describe(&StarError::UnknownApplication("a-1".into()));
        assert_eq!((d.kind, d.field), (ErrorKind::NotFound, None));

        let d = describe(&LicenceError::NoHeader);
        assert_eq!(d.field.as_deref(), Some("payload"));
        assert!(d
            .message
            .starts_with("This is not a driver's licence barcode"));
        assert!(d
            .message
            .ends_with("Scan the barcode on the back of the licence again."));

        let d = describe(&FinanceError::Invalid {
            field: "term".into(),
            message: "enter 1 to 96 months".into(),
        });
        assert_eq!(
            d.message, "enter 1 to 96 months",
            "the field is not repeated"
        );
        assert_eq!(d.field.as_deref(), Some("term"));

        let d = describe(&DemoError::NotEmpty);
        assert_eq!(d.kind.exit_code(), 7);
        let d = describe(&AdverseError::AlreadyDelivered {
            method: "mail".into(),
            at: "2026-01-01".into(),
            by: "amy".into(),
        });
        assert_eq!(d.kind, ErrorKind::Conflict);
    }

    #[test]
    fn storage_and_internal_kinds_say_a_plain_sentence_and_keep_the_details() {
        let e = ipc(sqlx::Error::Protocol("SELECT secret FROM x".into()));
        assert_eq!(e.code, ErrorCode::Storage);
        assert_eq!(e.message, STORAGE_MESSAGE);
        assert!(!e.message.contains("SELECT"), "no SQL on screen");
        assert_eq!(e.field, None);

        let refused = StoreError::NotADatabase("/home/amy/desk.db".into());
        let d = describe(&refused);
        assert_eq!((d.kind.code(), d.kind.exit_code()), (ErrorCode::Storage, 5));
        assert_eq!(d.message, REFUSED_MESSAGE, "no path on screen");
        assert!(
            d.detail
                .as_deref()
                .unwrap_or_default()
                .contains("not a DealerDesk database"),
            "the details are kept for the log: {:?}",
            d.detail
        );

        let e = ipc(ContractError::Pdf(PdfError::Write(
            "disk /tmp/x full".into(),
        )));
        assert_eq!(e.code, ErrorCode::Internal);
        assert_eq!(e.message, "The contract could not be made.");
        let e = ipc(LinkError::Pdf(PdfError::Font("DejaVu")));
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::Internal, "The handout could not be made.")
        );
        // A character the font lacks is the input's fault, and says which.
        let e = ipc(LinkError::Pdf(PdfError::UnsupportedCharacter {
            ch: '\u{1F600}',
            code: 0x1F600,
        }));
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("U+1F600"), "{}", e.message);

        let d = describe(&ApplicationError::Corrupt("state 'x'".into()));
        assert_eq!((d.kind.code(), d.kind.exit_code()), (ErrorCode::Storage, 6));
        assert_eq!(d.message, DAMAGED_MESSAGE);
    }
}
