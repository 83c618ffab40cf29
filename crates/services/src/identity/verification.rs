//! The verification record: one identity check of a customer (Customer Identification Program,
//! OFAC screen, FTC Red Flags), stored with who ran it, when, the document and how it was read,
//! every rule's result, the sanctions list version and its candidates, and the outcome.
//!
//! Outcome rule, at check time and after resolutions:
//! - `failed` when a rule fails outright (the document has expired, the SSN/ITIN on file is not a
//!   valid number) or a finance manager has confirmed a sanctions candidate as a true match;
//! - otherwise `needs_review` while any red flag is unresolved, any sanctions candidate is neither
//!   cleared nor confirmed, or the name could not be screened (no list loaded: import one and
//!   check again — that flag cannot be resolved with a note);
//! - otherwise `verified`.
//!
//! A check is never edited: flags are resolved and candidates cleared or confirmed by adding
//! resolution rows (finance manager or admin, each with a note, each audited), and the effective
//! outcome is computed from the check and its resolutions. A resolution of a flag code covers
//! every flag of that code on the check (the phone shared with two other customers is one
//! question for the desk).
//!
//! The check also keeps a keyed fingerprint of the identity facts it checked (name, date of
//! birth, SSN, current address): when any of them is edited later, the check is *stale* and no
//! longer verifies the customer (see [`verification_status`]).
//!
//! Contact confirmation (phone, e-mail, address confirmed with the customer by a staff member on
//! a date) lives here too: a keyed fingerprint of each confirmed value is stored, never the value,
//! so a later edit shows as "changed since confirmation".

use dealerdesk_rules::ids::{CustomerId, IdentityCheckId};
use dealerdesk_store::known;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::aamva::{self, Licence, LicenceError, ProblemCode};
use super::red_flags::{
    self, street_key, Entered, FlagCode, OtherCustomer, RedFlag, SsnIssueJudgement, SsnIssued,
};
use super::sanctions::{self, Candidate, SanctionsError, DEFAULT_THRESHOLD};
use super::ssn::{classify, TaxIdKind};
use crate::auth::{Actor, Permission};
use crate::customer::validate::{parse_date, US_STATES};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{mask_digits, CryptoError};
use dealerdesk_store::read::identity::{self as identity_read, OnFileRow};
use dealerdesk_store::repo::customer as customer_repo;
use dealerdesk_store::repo::identity_check::{
    self as check_repo, NewCandidate, NewCheck, NewResolution, NewRule,
};
use dealerdesk_store::{new_id, Store};

/// A licence issued within this many days of the check is flagged.
pub const RECENT_ISSUE_DAYS: i64 = 30;
/// The longest note or reason kept with a resolution.
pub const MAX_NOTE_CHARS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The scanned text is not a licence barcode at all (a readable barcode with problems is not
    /// an error: its problems become a red flag).
    #[error("the licence barcode could not be read: {0}")]
    Barcode(#[from] LicenceError),
    #[error("no customer {0}")]
    CustomerNotFound(String),
    #[error("no identity check {0}")]
    CheckNotFound(String),
    #[error("your role cannot {0}; a finance manager or admin must")]
    Forbidden(&'static str),
    #[error("this check did not raise the flag {0}")]
    FlagNotRaised(String),
    #[error("{0}")]
    NotResolvable(String),
    #[error("this check has no sanctions candidate {0}")]
    CandidateNotFound(i64),
    #[error("{what} was already decided ({decision}) by {by} at {at}")]
    AlreadyDecided {
        what: String,
        decision: String,
        by: String,
        at: String,
    },
    #[error("{0}")]
    Blocked(IdentityBlock),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl IdentityError {
    /// The input field at fault, for the UI and the CLI's `field`.
    pub fn field(&self) -> Option<&str> {
        match self {
            IdentityError::Invalid { field, .. } => Some(field),
            IdentityError::Barcode(_) => Some("payload"),
            IdentityError::FlagNotRaised(_) | IdentityError::NotResolvable(_) => Some("code"),
            IdentityError::CandidateNotFound(_) => Some("ent_num"),
            _ => None,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> IdentityError {
    IdentityError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

// ----- types crossing IPC -------------------------------------------------------------------

/// The kind of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    DriversLicence,
    StateId,
    Passport,
    Other,
}

impl DocumentType {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::DriversLicence => "drivers_licence",
            DocumentType::StateId => "state_id",
            DocumentType::Passport => "passport",
            DocumentType::Other => "other",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "drivers_licence" => Some(DocumentType::DriversLicence),
            "state_id" => Some(DocumentType::StateId),
            "passport" => Some(DocumentType::Passport),
            "other" => Some(DocumentType::Other),
            _ => None,
        }
    }
}

/// How the document was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckMethod {
    BarcodeScan,
    ManualEntry,
}

impl CheckMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckMethod::BarcodeScan => "barcode_scan",
            CheckMethod::ManualEntry => "manual_entry",
        }
    }
}

/// What the desk gives to run a check: the scanned barcode text, or the document typed by hand.
/// Dates are YYYY-MM-DD or MM/DD/YYYY.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum CheckInput {
    BarcodeScan {
        /// The AAMVA PDF417 text as the scanner typed it.
        payload: String,
    },
    ManualEntry {
        document_type: DocumentType,
        /// The issuing state (two letters) or country.
        issuer: String,
        number: String,
        expiry: String,
        /// The date of birth printed on the document, compared with the one on file.
        dob: Option<String>,
        /// The issue date printed on the document.
        issued: Option<String>,
    },
}

/// How one rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    Pass,
    /// A red flag: a finance manager resolves it with a note.
    Flag,
    /// Fails the check outright (expired document, invalid SSN/ITIN); a new check is needed.
    Fail,
    /// The facts to judge by were not there (no e-mail on file, no issue date on the document).
    NotChecked,
}

impl RuleStatus {
    fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Pass => "pass",
            RuleStatus::Flag => "flag",
            RuleStatus::Fail => "fail",
            RuleStatus::NotChecked => "not_checked",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "pass" => Some(RuleStatus::Pass),
            "flag" => Some(RuleStatus::Flag),
            "fail" => Some(RuleStatus::Fail),
            "not_checked" => Some(RuleStatus::NotChecked),
            _ => None,
        }
    }
}

/// A finance manager's decision on a flag or a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// A red flag looked into and resolved.
    Resolved,
    /// A sanctions candidate cleared as a false positive.
    Cleared,
    /// A sanctions candidate confirmed as a true match: the check fails.
    Confirmed,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Resolved => "resolved",
            Decision::Cleared => "cleared",
            Decision::Confirmed => "confirmed",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "resolved" => Some(Decision::Resolved),
            "cleared" => Some(Decision::Cleared),
            "confirmed" => Some(Decision::Confirmed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ResolutionView {
    pub decision: Decision,
    pub note: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// One rule's result. `rule` is a stable key (`dob_matches`, `sanctions`, …); `code` is the flag
/// code when the rule flagged or failed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RuleResultView {
    pub rule: String,
    pub status: RuleStatus,
    pub code: Option<FlagCode>,
    pub reason: String,
    /// Whether a finance manager can resolve this flag with a note (flags only; sanctions
    /// candidates are cleared or confirmed one by one instead).
    pub resolvable: bool,
    pub resolution: Option<ResolutionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CandidateView {
    #[ts(type = "number")]
    pub ent_num: i64,
    pub name: String,
    /// 0 to 1, three decimals.
    pub score: f64,
    pub program: Option<String>,
    pub sdn_type: Option<String>,
    pub matched_alias: Option<String>,
    pub dob_matches: Option<bool>,
    pub country_matches: Option<bool>,
    pub decision: Option<ResolutionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SanctionsScreenView {
    /// `None`: no list was loaded, the name was not screened.
    #[ts(type = "number | null")]
    pub list_version: Option<i64>,
    pub list_id: Option<String>,
    pub threshold: Option<f64>,
    pub top_score: Option<f64>,
    pub candidates: Vec<CandidateView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DocumentView {
    pub document_type: DocumentType,
    pub issuer: Option<String>,
    /// Only ever masked (`••••4567`); the full number is kept encrypted.
    pub number_masked: Option<String>,
    pub expiry: Option<String>,
}

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Verified,
    NeedsReview,
    Failed,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Verified => "verified",
            CheckOutcome::NeedsReview => "needs_review",
            CheckOutcome::Failed => "failed",
        }
    }
}

/// Where a customer stands, for the deal checklist and the application gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    NotChecked,
    Verified,
    NeedsReview,
    Failed,
}

/// One contact channel that can be confirmed with the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Phone,
    Email,
    Address,
}

impl ContactChannel {
    pub const ALL: &'static [ContactChannel] = &[
        ContactChannel::Phone,
        ContactChannel::Email,
        ContactChannel::Address,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ContactChannel::Phone => "phone",
            ContactChannel::Email => "email",
            ContactChannel::Address => "address",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    Confirmed,
    Unconfirmed,
    /// Confirmed once, edited since: confirm again.
    ChangedSinceConfirmation,
    /// Nothing on file to confirm (no e-mail).
    NotOnFile,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ContactStatusView {
    pub channel: ContactChannel,
    pub state: ContactState,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

/// A verification record as the desk shows and prints it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VerificationView {
    pub id: IdentityCheckId,
    pub customer_id: CustomerId,
    pub checked_at: String,
    pub checked_by: String,
    pub method: CheckMethod,
    pub document: DocumentView,
    /// `ssn`, `itin` or `invalid`: the number on file at check time.
    pub tax_id_kind: String,
    pub rules: Vec<RuleResultView>,
    pub sanctions: SanctionsScreenView,
    /// The outcome when the check ran.
    pub outcome: CheckOutcome,
    /// The outcome with resolutions and candidate decisions applied.
    pub effective_outcome: CheckOutcome,
    /// The customer's name, date of birth, SSN or address changed after the check.
    pub stale: bool,
    /// Where the customer stands now (see [`verification_status`]).
    pub status: VerificationStatus,
    pub contacts: Vec<ContactStatusView>,
}

/// What stands between a customer and a credit application.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    /// No identity check has been run.
    NotChecked,
    /// The customer's identity details changed after the latest check.
    Stale,
    /// The latest check failed (reasons say why).
    Failed { reasons: Vec<String> },
    /// Red flags still to resolve.
    OpenFlags { codes: Vec<FlagCode> },
    /// Sanctions candidates still to clear or confirm.
    UndecidedCandidates {
        #[ts(type = "Array<number>")]
        ent_nums: Vec<i64>,
    },
    /// The name was not screened (no sanctions list loaded): import one and check again.
    NotScreened,
    /// A contact channel not confirmed with the customer, or changed since.
    ContactNotConfirmed {
        channel: ContactChannel,
        state: ContactState,
    },
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blocker::NotChecked => f.write_str("identity not checked yet"),
            Blocker::Stale => f.write_str(
                "the customer's identity details changed after the last check; check again",
            ),
            Blocker::Failed { reasons } => {
                write!(f, "the identity check failed: {}", reasons.join("; "))
            }
            Blocker::OpenFlags { codes } => write!(
                f,
                "red flags to resolve: {}",
                codes
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Blocker::UndecidedCandidates { ent_nums } => write!(
                f,
                "sanctions candidates to clear or confirm: {}",
                ent_nums
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Blocker::NotScreened => f.write_str(
                "the name was not screened against a sanctions list; import one and check again",
            ),
            Blocker::ContactNotConfirmed { channel, state } => write!(
                f,
                "the {} is {}",
                match channel {
                    ContactChannel::Phone => "phone number",
                    ContactChannel::Email => "e-mail address",
                    ContactChannel::Address => "address",
                },
                match state {
                    ContactState::ChangedSinceConfirmation => "changed since it was confirmed",
                    _ => "not confirmed with the customer",
                }
            ),
        }
    }
}

/// Why a customer cannot start a credit application yet.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct IdentityBlock {
    pub blockers: Vec<Blocker>,
}

impl std::fmt::Display for IdentityBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.blockers.iter().map(ToString::to_string).collect();
        write!(
            f,
            "not ready for a credit application: {}",
            parts.join("; ")
        )
    }
}

// ----- the customer as checked --------------------------------------------------------------

/// The customer's identity facts, decrypted for the check (never returned to a caller).
struct OnFile {
    given: String,
    middle: Option<String>,
    family: String,
    suffix: Option<String>,
    dob: Option<NaiveDate>,
    ssn: String,
    ssn_index: String,
    licence_number: Option<String>,
    phone: String,
    email: Option<String>,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
}

impl OnFile {
    fn full_name(&self) -> String {
        dealerdesk_rules::names::full_name(
            &self.given,
            self.middle.as_deref(),
            &self.family,
            self.suffix.as_deref(),
        )
    }

    /// The address as one comparable string (USPS abbreviations, case, ZIP+4 ignored).
    fn address_key(&self) -> String {
        let up = |s: &Option<String>| {
            s.as_deref()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase()
        };
        let zip5: String = self
            .zip
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .take(5)
            .collect();
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            street_key(self.line1.as_deref().unwrap_or("")),
            street_key(self.line2.as_deref().unwrap_or("")),
            up(&self.city),
            up(&self.state),
            zip5
        )
    }

    /// Keyed fingerprint of what an identity check checks.
    fn facts_fingerprint(&self, store: &Store) -> String {
        let text = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.given.to_uppercase(),
            self.middle.as_deref().unwrap_or("").to_uppercase(),
            self.family.to_uppercase(),
            self.suffix.as_deref().unwrap_or("").to_uppercase(),
            self.dob.map(|d| d.to_string()).unwrap_or_default(),
            self.ssn_index,
            self.address_key()
        );
        store.cipher().blind_index("identity.facts", &text)
    }

    fn contact_fingerprint(&self, store: &Store, channel: ContactChannel) -> Option<String> {
        let value = match channel {
            ContactChannel::Phone => Some(self.phone.clone()),
            ContactChannel::Email => self.email.as_ref().map(|e| e.trim().to_lowercase()),
            ContactChannel::Address => self.line1.as_ref().map(|_| self.address_key()),
        }?;
        Some(
            store
                .cipher()
                .blind_index(&format!("contact.{}", channel.as_str()), &value),
        )
    }
}

async fn load_on_file(
    store: &Store,
    conn: &mut SqliteConnection,
    customer_id: &CustomerId,
) -> Result<OnFile, IdentityError> {
    let row = identity_read::on_file(conn, customer_id)
        .await?
        .ok_or_else(|| IdentityError::CustomerNotFound(customer_id.to_string()))?;
    on_file_from_row(store, row, customer_id)
}

/// The facts on file from their stored row (PII decrypted).
fn on_file_from_row(
    store: &Store,
    row: OnFileRow,
    customer_id: &CustomerId,
) -> Result<OnFile, IdentityError> {
    let cipher = store.cipher();
    let dob_text = cipher.decrypt(&row.dob_enc, &format!("customer.dob:{customer_id}"))?;
    let ssn = cipher.decrypt(&row.ssn_enc, &format!("customer.ssn:{customer_id}"))?;
    let licence_number = match &row.licence_number_enc {
        Some(sealed) => Some(
            cipher
                .decrypt(sealed, &format!("customer.licence_number:{customer_id}"))?
                .to_string(),
        ),
        None => None,
    };
    Ok(OnFile {
        given: row.given_name,
        middle: row.middle_name,
        family: row.family_name,
        suffix: row.suffix,
        dob: parse_date(&dob_text),
        ssn: ssn.to_string(),
        ssn_index: row.ssn_index,
        licence_number,
        phone: row.phone,
        email: row.email,
        line1: row.line1,
        line2: row.line2,
        city: row.city,
        state: row.state,
        zip: row.zip,
    })
}

/// Which fact another customer shares.
#[derive(Clone, Copy)]
enum Shared {
    SsnIndex,
    Phone,
    Email,
}

/// Other customers who share `what` (equal to `value`). A customer at the same current address
/// (a spouse, a co-applicant at home) counts as related.
async fn others_sharing(
    conn: &mut SqliteConnection,
    what: Shared,
    value: &str,
    customer_id: &CustomerId,
    me: &OnFile,
) -> Result<Vec<OtherCustomer>, sqlx::Error> {
    let rows = match what {
        Shared::SsnIndex => identity_read::others_with_ssn_index(conn, value, customer_id).await?,
        Shared::Phone => identity_read::others_with_phone(conn, value, customer_id).await?,
        Shared::Email => identity_read::others_with_email(conn, value, customer_id).await?,
    };
    let zip5 = |z: Option<&str>| -> String {
        z.unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .take(5)
            .collect()
    };
    let my_home = me
        .line1
        .as_deref()
        .map(|l| (street_key(l), zip5(me.zip.as_deref())));
    Ok(rows
        .into_iter()
        .map(|r| {
            let home = r
                .line1
                .as_deref()
                .map(|l| (street_key(l), zip5(r.zip.as_deref())));
            let name = [
                Some(r.given_name),
                r.middle_name,
                Some(r.family_name),
                r.suffix,
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            OtherCustomer {
                customer_id: r.id,
                full_name: name,
                related: home.is_some() && home == my_home,
            }
        })
        .collect())
}

// ----- the document -------------------------------------------------------------------------

/// The document as the rules see it: a scanned licence, or one built from what was typed.
struct Document {
    method: CheckMethod,
    document_type: DocumentType,
    issuer: Option<String>,
    number: Option<String>,
    licence: Licence,
}

fn read_document(input: &CheckInput, today: NaiveDate) -> Result<Document, IdentityError> {
    match input {
        CheckInput::BarcodeScan { payload } => {
            let licence = aamva::parse_str(payload, today)?;
            let document_type = match licence.document_type.as_deref() {
                Some("DL") => DocumentType::DriversLicence,
                Some("ID") => DocumentType::StateId,
                _ => DocumentType::Other,
            };
            Ok(Document {
                method: CheckMethod::BarcodeScan,
                document_type,
                issuer: licence.jurisdiction.clone(),
                number: licence.licence_number.clone(),
                licence,
            })
        }
        CheckInput::ManualEntry {
            document_type,
            issuer,
            number,
            expiry,
            dob,
            issued,
        } => {
            let issuer = issuer.split_whitespace().collect::<Vec<_>>().join(" ");
            if issuer.is_empty() || issuer.chars().count() > 40 {
                return Err(invalid(
                    "issuer",
                    "enter the state (two letters) or country that issued the document",
                ));
            }
            let issuer = if issuer.len() == 2 {
                issuer.to_uppercase()
            } else {
                issuer
            };
            if matches!(
                document_type,
                DocumentType::DriversLicence | DocumentType::StateId
            ) && !US_STATES.contains(&issuer.as_str())
            {
                return Err(invalid(
                    "issuer",
                    "a US licence or state ID: choose the issuing state (two letters, like TX)",
                ));
            }
            let number = number.replace([' ', '-'], "").to_uppercase();
            if !(4..=25).contains(&number.len())
                || !number.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(invalid(
                    "number",
                    "a document number has 4 to 25 letters and digits",
                ));
            }
            let expiry = parse_date(expiry)
                .ok_or_else(|| invalid("expiry", "enter the expiry date as MM/DD/YYYY"))?;
            let date = |field: &str, label: &str, v: &Option<String>| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        parse_date(s).ok_or_else(|| {
                            invalid(field, format!("enter the {label} as MM/DD/YYYY"))
                        })
                    })
                    .transpose()
            };
            let dob = date("dob", "date of birth", dob)?;
            let issued = date("issued", "issue date", issued)?;
            if let Some(i) = issued {
                if i > today {
                    return Err(invalid("issued", "the issue date is in the future"));
                }
                if i > expiry {
                    return Err(invalid("issued", "the issue date is after the expiry date"));
                }
            }
            let licence = Licence {
                aamva_version: 0,
                jurisdiction_version: None,
                iin: String::new(),
                jurisdiction: Some(issuer.clone()),
                document_type: None,
                first_name: None,
                middle_name: None,
                last_name: None,
                suffix: None,
                date_of_birth: dob,
                expiry_date: Some(expiry),
                issue_date: issued,
                licence_number: Some(number.clone()),
                sex: None,
                street: None,
                street2: None,
                city: None,
                state: None,
                postal_code: None,
                country: None,
                problems: Vec::new(),
            };
            Ok(Document {
                method: CheckMethod::ManualEntry,
                document_type: *document_type,
                issuer: Some(issuer),
                number: Some(number),
                licence,
            })
        }
    }
}

// ----- rules --------------------------------------------------------------------------------

struct RuleRow {
    rule: &'static str,
    status: RuleStatus,
    code: Option<FlagCode>,
    reason: String,
}

/// Codes that fail a check outright.
fn fails(code: FlagCode) -> bool {
    matches!(code, FlagCode::LicenceExpired | FlagCode::SsnInvalid)
}

/// Codes a finance manager may resolve with a note.
fn resolvable(code: FlagCode) -> bool {
    !fails(code)
        && !matches!(
            code,
            FlagCode::SanctionsCandidate | FlagCode::SanctionsNotScreened
        )
}

struct RuleFacts<'a> {
    doc: &'a Document,
    on_file: &'a OnFile,
    flags: &'a [RedFlag],
    ssn_issue: &'a SsnIssueJudgement,
    tax_id: &'a Result<TaxIdKind, String>,
    screened: Option<(i64, f64)>,
}

/// Every rule's result, in a fixed order: the flags [`red_flags::evaluate`] raised, and a pass
/// or "not checked" (with why) for each rule that raised none.
fn rule_rows(f: &RuleFacts<'_>) -> Vec<RuleRow> {
    let mut rows = Vec::new();
    let l = &f.doc.licence;
    let manual = f.doc.method == CheckMethod::ManualEntry;
    let mut rule = |rule: &'static str, code: FlagCode, otherwise: (RuleStatus, String)| {
        let raised: Vec<&RedFlag> = f.flags.iter().filter(|fl| fl.code == code).collect();
        if raised.is_empty() {
            rows.push(RuleRow {
                rule,
                status: otherwise.0,
                code: None,
                reason: otherwise.1,
            });
        }
        for fl in raised {
            rows.push(RuleRow {
                rule,
                status: if fails(code) {
                    RuleStatus::Fail
                } else {
                    RuleStatus::Flag
                },
                code: Some(code),
                reason: fl.reason.clone(),
            });
        }
    };
    let pass = |s: &str| (RuleStatus::Pass, s.to_string());
    let skip = |s: &str| (RuleStatus::NotChecked, s.to_string());

    rule(
        "document_readable",
        FlagCode::DocumentProblems,
        if manual {
            skip("typed by hand: no barcode to read")
        } else {
            pass("the barcode was read without problems")
        },
    );
    rule(
        "document_current",
        FlagCode::LicenceExpired,
        match l.expiry_date {
            Some(exp) => pass(&format!("valid through {exp}")),
            None => skip("the document gives no expiry date"),
        },
    );
    rule(
        "document_number_matches",
        FlagCode::DocumentNumberMismatch,
        match (
            &f.doc.number,
            &f.on_file.licence_number,
            f.doc.document_type,
        ) {
            (_, _, DocumentType::Passport | DocumentType::Other) => {
                skip("not a licence or state ID")
            }
            (None, _, _) => skip("the document gives no number"),
            (_, None, _) => skip("no licence number on file"),
            (Some(_), Some(_), _) => pass("the document number matches the licence number on file"),
        },
    );
    rule(
        "document_issue_date",
        FlagCode::LicenceIssuedRecently,
        match l.issue_date {
            Some(d) => pass(&format!(
                "issued on {d}, more than {RECENT_ISSUE_DAYS} days ago"
            )),
            None => skip("the document gives no issue date"),
        },
    );
    rule(
        "dob_matches",
        FlagCode::LicenceDobMismatch,
        match (l.date_of_birth, f.on_file.dob) {
            (Some(_), Some(_)) => pass("the date of birth matches the one on file"),
            (None, _) => skip("the document gives no date of birth"),
            (_, None) => skip("no date of birth on file"),
        },
    );
    rule(
        "name_matches",
        FlagCode::LicenceNameMismatch,
        if l.last_name.is_some() {
            pass("the name matches the one on file")
        } else {
            skip("the document gives no name to compare")
        },
    );
    rule(
        "address_matches",
        FlagCode::AddressMismatch,
        if l.street.is_some() || l.postal_code.is_some() || l.state.is_some() {
            pass("the address matches the one on file")
        } else {
            skip("the document gives no address to compare")
        },
    );
    rule(
        "ssn_valid",
        FlagCode::SsnInvalid,
        match f.tax_id {
            Ok(TaxIdKind::Ssn) => pass("the number on file is a valid SSN"),
            Ok(TaxIdKind::Itin) => pass("the number on file is a valid ITIN"),
            Err(_) => skip("the number on file could not be classified"),
        },
    );
    rule(
        "ssn_issue",
        FlagCode::SsnIssuedBeforeBirth,
        match f.ssn_issue {
            SsnIssueJudgement::Judged { .. } => pass("the SSN was issued after the date of birth"),
            SsnIssueJudgement::AfterRandomization => pass(
                "the SSN's area was only assigned after 2011-06-25; it cannot predate the birth",
            ),
            SsnIssueJudgement::NotJudgeable { reason } => skip(reason),
        },
    );
    rule(
        "ssn_unique",
        FlagCode::SsnOnOtherCustomer,
        pass("no other customer has this SSN under another name"),
    );
    rule(
        "phone_unique",
        FlagCode::PhoneShared,
        pass("no unrelated customer has this phone number"),
    );
    rule(
        "email_unique",
        FlagCode::EmailShared,
        if f.on_file.email.is_some() {
            pass("no unrelated customer has this e-mail address")
        } else {
            skip("no e-mail address on file")
        },
    );
    let screen_flags: Vec<&RedFlag> = f
        .flags
        .iter()
        .filter(|fl| {
            matches!(
                fl.code,
                FlagCode::SanctionsCandidate | FlagCode::SanctionsNotScreened
            )
        })
        .collect();
    if screen_flags.is_empty() {
        let (status, reason) = match f.screened {
            Some((version, threshold)) => pass(&format!(
                "screened against sanctions list version {version} at threshold {threshold}: no candidates"
            )),
            None => skip("not screened"),
        };
        rows.push(RuleRow {
            rule: "sanctions",
            status,
            code: None,
            reason,
        });
    }
    for fl in screen_flags {
        rows.push(RuleRow {
            rule: "sanctions",
            status: RuleStatus::Flag,
            code: Some(fl.code),
            reason: fl.reason.clone(),
        });
    }
    rows
}

fn outcome_of(
    rules: &[(RuleStatus, Option<FlagCode>)],
    resolved: &[FlagCode],
    candidates: &[Option<Decision>],
) -> CheckOutcome {
    if rules.iter().any(|(s, _)| *s == RuleStatus::Fail)
        || candidates.contains(&Some(Decision::Confirmed))
    {
        return CheckOutcome::Failed;
    }
    let open_flag = rules.iter().any(|(s, c)| {
        *s == RuleStatus::Flag
            && match c {
                Some(FlagCode::SanctionsCandidate) => false,
                Some(code) => !resolved.contains(code),
                None => true,
            }
    });
    if open_flag || candidates.iter().any(Option::is_none) {
        CheckOutcome::NeedsReview
    } else {
        CheckOutcome::Verified
    }
}

/// Which parts of two dates of birth differ, without either date.
fn dob_mismatch_reason(card: NaiveDate, file: NaiveDate) -> String {
    use chrono::Datelike;
    let mut parts = Vec::new();
    if card.month() != file.month() {
        parts.push("month");
    }
    if card.day() != file.day() {
        parts.push("day");
    }
    if card.year() != file.year() {
        parts.push("year");
    }
    format!(
        "the date of birth on the document differs from the one on file (the {} {}); check the document and ask the customer",
        parts.join(" and "),
        if parts.len() > 1 { "differ" } else { "differs" }
    )
}

fn normalised_number(n: &str) -> String {
    n.chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// A licence or state ID whose number differs from the licence number on file (masked both).
fn number_mismatch(doc: &Document, on_file: &OnFile) -> Option<String> {
    if !matches!(
        doc.document_type,
        DocumentType::DriversLicence | DocumentType::StateId
    ) {
        return None;
    }
    let (seen, kept) = (doc.number.as_deref()?, on_file.licence_number.as_deref()?);
    if normalised_number(seen) == normalised_number(kept) {
        return None;
    }
    Some(format!(
        "the document number ({}) differs from the licence number on file ({}); a new or replaced licence, or not the customer's",
        mask_digits(seen),
        mask_digits(kept)
    ))
}

fn milli(score: f64) -> i64 {
    (score.clamp(0.0, 1.0) * 1000.0).round() as i64
}

// ----- running a check ----------------------------------------------------------------------

/// Runs an identity check of a customer and stores it as one verification record. Any role may
/// run a check (the salesperson scans the licence); `today` is the desk's local date.
#[tracing::instrument(skip_all, err, fields(method))]
pub async fn run_check(
    store: &Store,
    actor: &Actor,
    customer_id: &CustomerId,
    input: &CheckInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<VerificationView, IdentityError> {
    let doc = read_document(input, today)?;
    tracing::Span::current().record("method", doc.method.as_str());

    let mut conn = store.pool().acquire().await?;
    let on_file = load_on_file(store, &mut conn, customer_id).await?;
    let same_ssn = others_sharing(
        &mut conn,
        Shared::SsnIndex,
        &on_file.ssn_index,
        customer_id,
        &on_file,
    )
    .await?;
    let same_phone = others_sharing(
        &mut conn,
        Shared::Phone,
        &on_file.phone,
        customer_id,
        &on_file,
    )
    .await?;
    let same_email = match &on_file.email {
        Some(e) => others_sharing(&mut conn, Shared::Email, e, customer_id, &on_file).await?,
        None => Vec::new(),
    };
    drop(conn);

    let screen = match sanctions::load_current_shared(store).await {
        Ok(list) => match list.screen(&on_file.full_name(), on_file.dob, None, DEFAULT_THRESHOLD) {
            Ok(r) => Some(r),
            Err(SanctionsError::Database(e)) => return Err(e.into()),
            // A name with no letters cannot happen for a validated customer; treat as unscreened.
            Err(_) => None,
        },
        Err(SanctionsError::Database(e)) => return Err(e.into()),
        Err(_) => None,
    };
    let candidates: Vec<Candidate> = screen
        .as_ref()
        .map(|s| s.matches.clone())
        .unwrap_or_default();

    let entered = Entered {
        given_name: on_file.given.clone(),
        family_name: on_file.family.clone(),
        dob: on_file.dob,
        street: on_file.line1.clone(),
        city: on_file.city.clone(),
        state: on_file.state.clone(),
        zip: on_file.zip.clone(),
        ssn: Some(on_file.ssn.clone()),
    };
    let report = red_flags::evaluate(&red_flags::Facts {
        today,
        entered: &entered,
        licence: Some(&doc.licence),
        ssn_issued: SsnIssued::Unknown,
        same_ssn: &same_ssn,
        same_phone: &same_phone,
        same_email: &same_email,
        sanctions: &candidates,
        recent_issue_days: RECENT_ISSUE_DAYS,
    });
    let mut flags = report.flags;
    // The rule's reason names both dates; the record keeps only which parts differ (dates of
    // birth are PII, encrypted at rest and masked on screen).
    if let (Some(card), Some(file)) = (doc.licence.date_of_birth, on_file.dob) {
        for fl in flags
            .iter_mut()
            .filter(|fl| fl.code == FlagCode::LicenceDobMismatch)
        {
            fl.reason = dob_mismatch_reason(card, file);
        }
    }
    if let Some(reason) = number_mismatch(&doc, &on_file) {
        flags.push(RedFlag {
            code: FlagCode::DocumentNumberMismatch,
            reason,
        });
    }
    let problems: Vec<&str> = doc
        .licence
        .problems
        .iter()
        .filter(|p| p.code != ProblemCode::Expired)
        .map(|p| p.message.as_str())
        .collect();
    if !problems.is_empty() {
        flags.push(RedFlag {
            code: FlagCode::DocumentProblems,
            reason: format!(
                "the barcode was read with problems ({}); compare the card itself with what is on file",
                problems.join("; ")
            ),
        });
    }
    if screen.is_none() {
        flags.push(RedFlag {
            code: FlagCode::SanctionsNotScreened,
            reason: "no sanctions list loaded: the name was not screened. Import Treasury's list \
                     (`dealerdesk sanctions import`) and run the check again"
                .into(),
        });
    }
    let tax_id = classify(&on_file.ssn)
        .map(|(k, _)| k)
        .map_err(|e| e.to_string());
    let rows = rule_rows(&RuleFacts {
        doc: &doc,
        on_file: &on_file,
        flags: &flags,
        ssn_issue: &report.ssn_issue,
        tax_id: &tax_id,
        screened: screen.as_ref().map(|s| (s.list_version, s.threshold)),
    });
    let outcome = outcome_of(
        &rows.iter().map(|r| (r.status, r.code)).collect::<Vec<_>>(),
        &[],
        &vec![None; candidates.len()],
    );

    let id = IdentityCheckId::from(new_id());
    let cipher = store.cipher();
    let number_masked = doc.number.as_deref().map(mask_digits);
    let number_enc = doc
        .number
        .as_deref()
        .map(|n| cipher.encrypt(n, &format!("identity_check.document_number:{id}")));
    let expiry = doc.licence.expiry_date.map(|d| d.to_string());
    let fingerprint = on_file.facts_fingerprint(store);
    let actor_name = actor.name();
    let check = NewCheck {
        id: id.as_str(),
        customer_id: customer_id.as_str(),
        checked_by: &actor_name,
        method: doc.method.as_str(),
        document_type: doc.document_type.as_str(),
        document_issuer: doc.issuer.as_deref(),
        document_number_masked: number_masked.as_deref(),
        document_number_enc: number_enc.as_deref(),
        document_expiry: expiry.as_deref(),
        tax_id_kind: match &tax_id {
            Ok(TaxIdKind::Ssn) => "ssn",
            Ok(TaxIdKind::Itin) => "itin",
            Err(_) => "invalid",
        },
        sanctions_list_id: screen.as_ref().map(|s| s.list_id.as_str()),
        sanctions_list_version: screen.as_ref().map(|s| s.list_version),
        sanctions_threshold_milli: screen.as_ref().map(|s| milli(s.threshold)),
        sanctions_top_score_milli: screen
            .as_ref()
            .and_then(|s| s.matches.iter().map(|m| milli(m.score)).max()),
        facts_fingerprint: &fingerprint,
        outcome: outcome.as_str(),
    };
    let rule_rows: Vec<NewRule> = rows
        .iter()
        .map(|r| NewRule {
            rule: r.rule,
            status: r.status.as_str(),
            code: r.code.map(FlagCode::as_str),
            reason: &r.reason,
        })
        .collect();
    let candidate_rows: Vec<NewCandidate> = candidates
        .iter()
        .map(|c| NewCandidate {
            ent_num: c.ent_num,
            name: &c.name,
            score_milli: milli(c.score),
            program: c.program.as_deref(),
            sdn_type: c.sdn_type.as_deref(),
            matched_alias: c.matched_alias.as_deref(),
            dob_matches: c.dob_matches,
            country_matches: c.country_matches,
        })
        .collect();
    let mut w = store.write(now).await?;
    check_repo::insert(&mut w, &check, &rule_rows, &candidate_rows).await?;
    let mut codes: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.code.map(FlagCode::as_str))
        .collect();
    codes.dedup();
    let event = AuditEvent::new(actor.name(), "identity.check", AuditOutcome::Success)
        .subject(format!("customer:{customer_id}"))
        .detail(format!(
            "check {id}: {} of a {}; outcome {}; flags [{}]; {}",
            doc.method.as_str(),
            doc.document_type.as_str(),
            outcome.as_str(),
            codes.join(", "),
            match &screen {
                Some(s) => format!(
                    "sanctions list version {}: {} candidate(s)",
                    s.list_version,
                    s.matches.len()
                ),
                None => "no sanctions list loaded".to_string(),
            }
        ));
    w.audit(event);
    w.commit().await?;
    load_view(store, &id).await
}

// ----- reading records ----------------------------------------------------------------------

/// Loads a record with its resolutions, staleness and the customer's contact status.
async fn load_view(
    store: &Store,
    check_id: &IdentityCheckId,
) -> Result<VerificationView, IdentityError> {
    let row = check_repo::get(store, check_id)
        .await?
        .ok_or_else(|| IdentityError::CheckNotFound(check_id.to_string()))?;
    let customer_id = row.customer_id.clone();

    let mut resolutions: HashMap<(String, String), ResolutionView> = HashMap::new();
    for r in check_repo::resolutions(store, check_id).await? {
        resolutions.insert(
            (r.kind, r.target),
            ResolutionView {
                decision: known("decision", &r.decision, Decision::parse)?,
                note: r.note,
                decided_by: r.decided_by,
                decided_at: r.decided_at,
            },
        );
    }

    let rules = check_repo::rules(store, check_id)
        .await?
        .into_iter()
        .map(|r| {
            let status = known("rule status", &r.status, RuleStatus::parse)?;
            let code = r
                .code
                .map(|c| known("red flag code", &c, FlagCode::parse))
                .transpose()?;
            let can_resolve = status == RuleStatus::Flag && code.is_some_and(resolvable);
            Ok(RuleResultView {
                rule: r.rule,
                status,
                code,
                reason: r.reason,
                resolvable: can_resolve,
                resolution: code
                    .filter(|_| can_resolve)
                    .and_then(|c| resolutions.get(&("flag".to_string(), c.as_str().to_string())))
                    .cloned(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;

    let candidates: Vec<CandidateView> = check_repo::candidates(store, check_id)
        .await?
        .into_iter()
        .map(|r| CandidateView {
            ent_num: r.ent_num,
            name: r.name,
            score: r.score_milli as f64 / 1000.0,
            program: r.program,
            sdn_type: r.sdn_type,
            matched_alias: r.matched_alias,
            dob_matches: r.dob_matches,
            country_matches: r.country_matches,
            decision: resolutions
                .get(&("candidate".to_string(), r.ent_num.to_string()))
                .cloned(),
        })
        .collect();

    let resolved: Vec<FlagCode> = rules
        .iter()
        .filter(|r| r.resolution.is_some())
        .filter_map(|r| r.code)
        .collect();
    let outcome = match row.outcome.as_str() {
        "verified" => CheckOutcome::Verified,
        "failed" => CheckOutcome::Failed,
        _ => CheckOutcome::NeedsReview,
    };
    let effective = outcome_of(
        &rules.iter().map(|r| (r.status, r.code)).collect::<Vec<_>>(),
        &resolved,
        &candidates
            .iter()
            .map(|c| c.decision.as_ref().map(|d| d.decision))
            .collect::<Vec<_>>(),
    );

    let mut conn = store.pool().acquire().await?;
    let on_file = load_on_file(store, &mut conn, &CustomerId::from(customer_id.as_str())).await?;
    drop(conn);
    let stale = row.facts_fingerprint != on_file.facts_fingerprint(store);
    let contacts = contacts_of(store, &CustomerId::from(customer_id.as_str()), &on_file).await?;
    let milli_f = |v: Option<i64>| v.map(|m| m as f64 / 1000.0);
    Ok(VerificationView {
        id: IdentityCheckId::from(row.id),
        customer_id: CustomerId::from(customer_id),
        checked_at: row.checked_at,
        checked_by: row.checked_by,
        method: if row.method == "barcode_scan" {
            CheckMethod::BarcodeScan
        } else {
            CheckMethod::ManualEntry
        },
        document: DocumentView {
            document_type: known("document type", &row.document_type, DocumentType::parse)?,
            issuer: row.document_issuer,
            number_masked: row.document_number_masked,
            expiry: row.document_expiry,
        },
        tax_id_kind: row.tax_id_kind,
        rules,
        sanctions: SanctionsScreenView {
            list_version: row.sanctions_list_version,
            list_id: row.sanctions_list_id,
            threshold: milli_f(row.sanctions_threshold_milli),
            top_score: milli_f(row.sanctions_top_score_milli),
            candidates,
        },
        outcome,
        effective_outcome: effective,
        stale,
        status: status_of(effective, stale),
        contacts,
    })
}

/// A stale check no longer verifies the customer; a failed or unfinished one stays as it is.
fn status_of(effective: CheckOutcome, stale: bool) -> VerificationStatus {
    match effective {
        CheckOutcome::Verified if stale => VerificationStatus::NeedsReview,
        CheckOutcome::Verified => VerificationStatus::Verified,
        CheckOutcome::NeedsReview => VerificationStatus::NeedsReview,
        CheckOutcome::Failed => VerificationStatus::Failed,
    }
}

async fn latest_id(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<String>, IdentityError> {
    if !customer_repo::is_live(store, customer_id).await? {
        return Err(IdentityError::CustomerNotFound(customer_id.to_string()));
    }
    Ok(check_repo::latest_id(store, customer_id).await?)
}

/// The customer's latest verification record, if any (the read is audited).
#[tracing::instrument(skip_all, err)]
pub async fn latest_verification(
    store: &Store,
    actor: &Actor,
    customer_id: &CustomerId,
    now: DateTime<Utc>,
) -> Result<Option<VerificationView>, IdentityError> {
    let Some(id) = latest_id(store, customer_id).await? else {
        return Ok(None);
    };
    let view = load_view(store, &IdentityCheckId::from(id.as_str())).await?;
    let event = AuditEvent::new(actor.name(), "identity.view", AuditOutcome::Success)
        .subject(format!("identity_check:{id}"));
    audit::record(store, now, &event).await?;
    Ok(Some(view))
}

/// One verification record by its id (the read is audited).
#[tracing::instrument(skip_all, err)]
pub async fn get_verification(
    store: &Store,
    actor: &Actor,
    check_id: &IdentityCheckId,
    now: DateTime<Utc>,
) -> Result<VerificationView, IdentityError> {
    let view = load_view(store, check_id).await?;
    let event = AuditEvent::new(actor.name(), "identity.view", AuditOutcome::Success)
        .subject(format!("identity_check:{check_id}"));
    audit::record(store, now, &event).await?;
    Ok(view)
}

/// Where the customer stands: the latest check's effective outcome (`NotChecked` without one; a
/// verified check made stale by an edit of name, date of birth, SSN or address needs review).
///
/// One read: the latest check with its rules, resolutions and candidates (as JSON) and the facts
/// on file for staleness. This gates link issuing, which has a 1 ms budget; the full
/// [`VerificationView`] takes a dozen queries and the contact details.
pub async fn verification_status(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<VerificationStatus, IdentityError> {
    let row = identity_read::latest_status(store, customer_id)
        .await?
        .ok_or_else(|| IdentityError::CustomerNotFound(customer_id.to_string()))?;
    if row.check_id.is_none() {
        return Ok(VerificationStatus::NotChecked);
    }
    let fingerprint = row
        .facts_fingerprint
        .clone()
        .ok_or_else(|| sqlx::Error::Decode("the check has no facts fingerprint".into()))?;
    let json = |v: &Option<String>| v.clone().unwrap_or_else(|| "[]".into());
    let decode = |e: serde_json::Error| IdentityError::Database(sqlx::Error::Decode(Box::new(e)));
    let rules: Vec<(String, Option<String>)> =
        serde_json::from_str(&json(&row.rules_json)).map_err(decode)?;
    let resolutions: Vec<(String, String, String)> =
        serde_json::from_str(&json(&row.resolutions_json)).map_err(decode)?;
    let candidates: Vec<i64> = serde_json::from_str(&json(&row.candidates_json)).map_err(decode)?;
    let resolutions: Vec<(String, String, Decision)> = resolutions
        .into_iter()
        .map(|(k, t, d)| Ok((k, t, known("decision", &d, Decision::parse)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let decision_of = |kind: &str, target: &str| {
        resolutions
            .iter()
            .find(|(k, t, _)| k == kind && t == target)
            .map(|(_, _, d)| *d)
    };
    let rules: Vec<(RuleStatus, Option<FlagCode>)> = rules
        .iter()
        .map(|(status, code)| {
            Ok((
                known("rule status", status, RuleStatus::parse)?,
                code.as_deref()
                    .map(|c| known("red flag code", c, FlagCode::parse))
                    .transpose()?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let resolved: Vec<FlagCode> = rules
        .iter()
        .filter(|(status, _)| *status == RuleStatus::Flag)
        .filter_map(|(_, code)| *code)
        .filter(|code| resolvable(*code) && decision_of("flag", code.as_str()).is_some())
        .collect();
    let decisions: Vec<Option<Decision>> = candidates
        .iter()
        .map(|ent| decision_of("candidate", &ent.to_string()))
        .collect();
    let effective = outcome_of(&rules, &resolved, &decisions);
    let on_file = on_file_from_row(store, row.on_file, customer_id)?;
    let stale = fingerprint != on_file.facts_fingerprint(store);
    Ok(status_of(effective, stale))
}

/// Everything that stands between the customer and a credit application: the identity check
/// (run, current, not failed, flags resolved, candidates decided, name screened) and the
/// contact details confirmed with the customer. Empty when nothing does.
pub async fn application_blockers(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Vec<Blocker>, IdentityError> {
    let mut blockers = Vec::new();
    match latest_id(store, customer_id).await? {
        None => blockers.push(Blocker::NotChecked),
        Some(id) => {
            let v = load_view(store, &IdentityCheckId::from(id.as_str())).await?;
            if v.stale {
                blockers.push(Blocker::Stale);
            }
            if v.effective_outcome == CheckOutcome::Failed {
                let mut reasons: Vec<String> = v
                    .rules
                    .iter()
                    .filter(|r| r.status == RuleStatus::Fail)
                    .map(|r| r.reason.clone())
                    .collect();
                for c in &v.sanctions.candidates {
                    if c.decision.as_ref().map(|d| d.decision) == Some(Decision::Confirmed) {
                        reasons.push(format!(
                            "confirmed sanctions match: entry {} {}",
                            c.ent_num, c.name
                        ));
                    }
                }
                blockers.push(Blocker::Failed { reasons });
            }
            let mut open: Vec<FlagCode> = v
                .rules
                .iter()
                .filter(|r| r.resolvable && r.resolution.is_none())
                .filter_map(|r| r.code)
                .collect();
            open.dedup();
            if !open.is_empty() {
                blockers.push(Blocker::OpenFlags { codes: open });
            }
            let undecided: Vec<i64> = v
                .sanctions
                .candidates
                .iter()
                .filter(|c| c.decision.is_none())
                .map(|c| c.ent_num)
                .collect();
            if !undecided.is_empty() {
                blockers.push(Blocker::UndecidedCandidates {
                    ent_nums: undecided,
                });
            }
            if v.sanctions.list_version.is_none() {
                blockers.push(Blocker::NotScreened);
            }
        }
    }
    for c in contact_status(store, customer_id).await? {
        if matches!(
            c.state,
            ContactState::Unconfirmed | ContactState::ChangedSinceConfirmation
        ) {
            blockers.push(Blocker::ContactNotConfirmed {
                channel: c.channel,
                state: c.state,
            });
        }
    }
    Ok(blockers)
}

/// The gate a credit application passes first: `Err(IdentityError::Blocked(..))` lists what
/// blocks it.
pub async fn can_start_application(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<(), IdentityError> {
    let blockers = application_blockers(store, customer_id).await?;
    if blockers.is_empty() {
        Ok(())
    } else {
        Err(IdentityError::Blocked(IdentityBlock { blockers }))
    }
}

// ----- resolving ----------------------------------------------------------------------------

fn note(field: &str, text: &str) -> Result<String, IdentityError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(field, "write what was checked and why it is fine"));
    }
    if t.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid(
            field,
            format!("keep it under {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(t.to_string())
}

/// Refuses (and audits the refusal of) anyone but a finance manager or admin.
async fn require_manager(
    store: &Store,
    actor: &Actor,
    action: &str,
    check_id: &IdentityCheckId,
    what: &'static str,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    if actor.may(Permission::ResolveIdentity) {
        return Ok(());
    }
    let event = AuditEvent::new(actor.name(), action, AuditOutcome::Denied)
        .subject(format!("identity_check:{check_id}"))
        .detail("only a finance manager or admin may decide");
    audit::record(store, now, &event).await?;
    Err(IdentityError::Forbidden(what))
}

#[allow(clippy::too_many_arguments)]
async fn insert_resolution(
    store: &Store,
    actor: &Actor,
    check_id: &IdentityCheckId,
    kind: &str,
    target: &str,
    what: String,
    decision: Decision,
    note: &str,
    action: &str,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    let mut w = store.write(now).await?;
    if let Some(r) = check_repo::resolution_of(w.conn(), check_id, kind, target).await? {
        return Err(IdentityError::AlreadyDecided {
            what,
            decision: r.decision,
            by: r.decided_by,
            at: r.decided_at,
        });
    }
    let actor_name = actor.name();
    check_repo::insert_resolution(
        &mut w,
        &NewResolution {
            check_id: check_id.as_str(),
            kind,
            target,
            decision: decision.as_str(),
            note,
            decided_by: &actor_name,
        },
    )
    .await?;
    // The note is free text and may name people or numbers: the audit keeps only its length.
    let event = AuditEvent::new(actor.name(), action, AuditOutcome::Success)
        .subject(format!("identity_check:{check_id}"))
        .detail(format!(
            "{detail}; note of {} characters",
            note.chars().count()
        ));
    w.audit(event);
    w.commit().await?;
    Ok(())
}

/// Resolves a raised red flag (every flag of that code on the check) with a note. Finance
/// manager or admin only; failing flags (expired document, invalid SSN) and sanctions flags
/// cannot be resolved this way.
#[tracing::instrument(skip_all, err)]
pub async fn resolve_flag(
    store: &Store,
    actor: &Actor,
    check_id: &IdentityCheckId,
    code: FlagCode,
    note_text: &str,
    now: DateTime<Utc>,
) -> Result<VerificationView, IdentityError> {
    require_manager(
        store,
        actor,
        "identity.resolve_flag",
        check_id,
        "resolve red flags",
        now,
    )
    .await?;
    let note = note("note", note_text)?;
    let view = load_view(store, check_id).await?;
    let raised: Vec<&RuleResultView> = view.rules.iter().filter(|r| r.code == Some(code)).collect();
    if raised.is_empty() {
        return Err(IdentityError::FlagNotRaised(code.as_str().to_string()));
    }
    if !resolvable(code) {
        return Err(IdentityError::NotResolvable(match code {
            FlagCode::SanctionsCandidate => {
                "clear or confirm each sanctions candidate instead".to_string()
            }
            FlagCode::SanctionsNotScreened => {
                "the name was not screened: import a sanctions list and run a new check".to_string()
            }
            _ => format!(
                "{} fails the check; correct the document or the customer's details and run a new check",
                code.as_str()
            ),
        }));
    }
    insert_resolution(
        store,
        actor,
        check_id,
        "flag",
        code.as_str(),
        format!("the flag {}", code.as_str()),
        Decision::Resolved,
        &note,
        "identity.resolve_flag",
        format!("flag {} resolved", code.as_str()),
        now,
    )
    .await?;
    load_view(store, check_id).await
}

/// What a finance manager decides about a sanctions candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CandidateDecision {
    /// A false positive: not the listed person.
    Clear,
    /// A true match: no deal; the check fails.
    Confirm,
}

/// Clears or confirms one sanctions candidate of a check, with a mandatory reason. Finance
/// manager or admin only.
#[tracing::instrument(skip_all, err)]
pub async fn decide_candidate(
    store: &Store,
    actor: &Actor,
    check_id: &IdentityCheckId,
    ent_num: i64,
    decision: CandidateDecision,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<VerificationView, IdentityError> {
    let action = match decision {
        CandidateDecision::Clear => "identity.clear_candidate",
        CandidateDecision::Confirm => "identity.confirm_candidate",
    };
    require_manager(
        store,
        actor,
        action,
        check_id,
        "clear or confirm sanctions candidates",
        now,
    )
    .await?;
    let reason = note("reason", reason)?;
    let view = load_view(store, check_id).await?;
    if !view
        .sanctions
        .candidates
        .iter()
        .any(|c| c.ent_num == ent_num)
    {
        return Err(IdentityError::CandidateNotFound(ent_num));
    }
    let (d, word) = match decision {
        CandidateDecision::Clear => (Decision::Cleared, "cleared"),
        CandidateDecision::Confirm => (Decision::Confirmed, "confirmed"),
    };
    insert_resolution(
        store,
        actor,
        check_id,
        "candidate",
        &ent_num.to_string(),
        format!("sanctions candidate {ent_num}"),
        d,
        &reason,
        action,
        format!(
            "candidate {ent_num} on sanctions list version {} {word}",
            view.sanctions
                .list_version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into())
        ),
        now,
    )
    .await?;
    load_view(store, check_id).await
}

/// [`decide_candidate`] with [`CandidateDecision::Clear`].
pub async fn clear_candidate(
    store: &Store,
    actor: &Actor,
    check_id: &IdentityCheckId,
    ent_num: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<VerificationView, IdentityError> {
    decide_candidate(
        store,
        actor,
        check_id,
        ent_num,
        CandidateDecision::Clear,
        reason,
        now,
    )
    .await
}

/// [`decide_candidate`] with [`CandidateDecision::Confirm`].
pub async fn confirm_candidate(
    store: &Store,
    actor: &Actor,
    check_id: &IdentityCheckId,
    ent_num: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<VerificationView, IdentityError> {
    decide_candidate(
        store,
        actor,
        check_id,
        ent_num,
        CandidateDecision::Confirm,
        reason,
        now,
    )
    .await
}

// ----- contact confirmation -----------------------------------------------------------------

async fn contacts_of(
    store: &Store,
    customer_id: &CustomerId,
    on_file: &OnFile,
) -> Result<Vec<ContactStatusView>, IdentityError> {
    let mut stored: HashMap<String, (String, String, String)> = HashMap::new();
    for r in check_repo::contact_confirmations(store, customer_id).await? {
        stored.insert(r.channel, (r.fingerprint, r.confirmed_by, r.confirmed_at));
    }
    Ok(ContactChannel::ALL
        .iter()
        .map(|&channel| {
            let current = on_file.contact_fingerprint(store, channel);
            let confirmed = stored.get(channel.as_str());
            let state = match (&current, confirmed) {
                (None, _) => ContactState::NotOnFile,
                (Some(_), None) => ContactState::Unconfirmed,
                (Some(now), Some((fp, _, _))) if now == fp => ContactState::Confirmed,
                (Some(_), Some(_)) => ContactState::ChangedSinceConfirmation,
            };
            ContactStatusView {
                channel,
                state,
                confirmed_by: confirmed.map(|c| c.1.clone()),
                confirmed_at: confirmed.map(|c| c.2.clone()),
            }
        })
        .collect())
}

/// Each contact channel of the customer: confirmed, unconfirmed, changed since confirmation, or
/// not on file.
pub async fn contact_status(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Vec<ContactStatusView>, IdentityError> {
    let mut conn = store.pool().acquire().await?;
    let on_file = load_on_file(store, &mut conn, customer_id).await?;
    drop(conn);
    contacts_of(store, customer_id, &on_file).await
}

/// Records that the staff member confirmed these channels with the customer, as they are on file
/// now. Any role may (the salesperson confirms contact details). Audited.
#[tracing::instrument(skip_all, err)]
pub async fn confirm_contact(
    store: &Store,
    actor: &Actor,
    customer_id: &CustomerId,
    channels: &[ContactChannel],
    now: DateTime<Utc>,
) -> Result<Vec<ContactStatusView>, IdentityError> {
    if channels.is_empty() {
        return Err(invalid(
            "channels",
            "choose what was confirmed: phone, e-mail or address",
        ));
    }
    let mut w = store.write(now).await?;
    let on_file = load_on_file(store, w.conn(), customer_id).await?;
    let actor_name = actor.name();
    let mut done: Vec<&str> = Vec::new();
    for &channel in channels {
        if done.contains(&channel.as_str()) {
            continue;
        }
        let fingerprint = on_file.contact_fingerprint(store, channel).ok_or_else(|| {
            invalid(
                "channels",
                format!("there is no {} on file to confirm", channel.as_str()),
            )
        })?;
        check_repo::confirm_contact(
            &mut w,
            customer_id,
            channel.as_str(),
            &fingerprint,
            &actor_name,
        )
        .await?;
        done.push(channel.as_str());
    }
    let event = AuditEvent::new(
        actor.name(),
        "identity.confirm_contact",
        AuditOutcome::Success,
    )
    .subject(format!("customer:{customer_id}"))
    .detail(format!("confirmed {}", done.join(", ")));
    w.audit(event);
    w.commit().await?;
    contacts_of(store, customer_id, &on_file).await
}

// ----- printing -----------------------------------------------------------------------------

/// The record as plain text, for printing into the deal jacket. Holds no full PII (document
/// number masked; the SSN only as its kind).
pub fn render_text(v: &VerificationView) -> String {
    let mut out = String::new();
    let label = |o: CheckOutcome| match o {
        CheckOutcome::Verified => "VERIFIED",
        CheckOutcome::NeedsReview => "NEEDS REVIEW",
        CheckOutcome::Failed => "FAILED",
    };
    out.push_str("IDENTITY VERIFICATION RECORD\n");
    out.push_str(&format!("record:      {}\n", v.id));
    out.push_str(&format!("customer:    {}\n", v.customer_id));
    out.push_str(&format!(
        "checked at:  {} by {}\n",
        v.checked_at, v.checked_by
    ));
    out.push_str(&format!(
        "document:    {} issued by {}, number {}, expires {} ({})\n",
        v.document.document_type.as_str().replace('_', " "),
        v.document.issuer.as_deref().unwrap_or("-"),
        v.document.number_masked.as_deref().unwrap_or("-"),
        v.document.expiry.as_deref().unwrap_or("-"),
        v.method.as_str().replace('_', " ")
    ));
    out.push_str(&format!("tax id:      {}\n", v.tax_id_kind.to_uppercase()));
    out.push_str(&format!(
        "sanctions:   {}\n",
        match v.sanctions.list_version {
            Some(n) => format!(
                "list version {n}, {} candidate(s), top score {}",
                v.sanctions.candidates.len(),
                v.sanctions
                    .top_score
                    .map(|s| format!("{s:.3}"))
                    .unwrap_or_else(|| "-".into())
            ),
            None => "NOT SCREENED (no list loaded)".to_string(),
        }
    ));
    out.push_str("rules:\n");
    for r in &v.rules {
        out.push_str(&format!(
            "  [{:<11}] {:<20} {}\n",
            r.status.as_str(),
            r.rule,
            r.reason
        ));
        if let Some(res) = &r.resolution {
            out.push_str(&format!(
                "                resolved by {} at {}: {}\n",
                res.decided_by, res.decided_at, res.note
            ));
        }
    }
    for c in &v.sanctions.candidates {
        out.push_str(&format!(
            "  candidate #{} {} score {:.3}{} [{}]: {}\n",
            c.ent_num,
            c.name,
            c.score,
            c.matched_alias
                .as_ref()
                .map(|a| format!(" (alias {a})"))
                .unwrap_or_default(),
            c.program.as_deref().unwrap_or("-"),
            match &c.decision {
                Some(d) => format!(
                    "{} by {} at {}: {}",
                    d.decision.as_str(),
                    d.decided_by,
                    d.decided_at,
                    d.note
                ),
                None => "undecided".to_string(),
            }
        ));
    }
    out.push_str(&format!(
        "outcome:     {} at check time; now {}{}\n",
        label(v.outcome),
        label(v.effective_outcome),
        if v.stale {
            " (STALE: identity details changed since)"
        } else {
            ""
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_rule_fails_then_reviews_then_verifies() {
        use FlagCode as F;
        use RuleStatus as S;
        let pass = (S::Pass, None);
        assert_eq!(
            outcome_of(&[pass], &[], &[]),
            CheckOutcome::Verified,
            "nothing raised"
        );
        assert_eq!(
            outcome_of(&[pass, (S::Flag, Some(F::PhoneShared))], &[], &[]),
            CheckOutcome::NeedsReview,
            "an open flag"
        );
        assert_eq!(
            outcome_of(&[(S::Flag, Some(F::PhoneShared))], &[F::PhoneShared], &[]),
            CheckOutcome::Verified,
            "the flag resolved"
        );
        assert_eq!(
            outcome_of(&[(S::Flag, Some(F::SanctionsCandidate))], &[], &[None]),
            CheckOutcome::NeedsReview,
            "an undecided candidate"
        );
        assert_eq!(
            outcome_of(
                &[(S::Flag, Some(F::SanctionsCandidate))],
                &[],
                &[Some(Decision::Cleared)]
            ),
            CheckOutcome::Verified,
            "the candidate cleared"
        );
        assert_eq!(
            outcome_of(&[pass], &[], &[Some(Decision::Confirmed)]),
            CheckOutcome::Failed,
            "a confirmed match fails"
        );
        assert_eq!(
            outcome_of(
                &[(S::Fail, Some(F::LicenceExpired))],
                &[F::LicenceExpired],
                &[]
            ),
            CheckOutcome::Failed,
            "a failing rule cannot be resolved away"
        );
        assert_eq!(
            outcome_of(&[(S::Flag, Some(F::SanctionsNotScreened))], &[], &[]),
            CheckOutcome::NeedsReview,
            "not screened needs review"
        );
    }

    #[test]
    fn failing_and_sanctions_flags_are_not_resolvable_with_a_note() {
        for code in FlagCode::ALL {
            let expected = !matches!(
                code,
                FlagCode::LicenceExpired
                    | FlagCode::SsnInvalid
                    | FlagCode::SanctionsCandidate
                    | FlagCode::SanctionsNotScreened
            );
            assert_eq!(resolvable(*code), expected, "{code:?}");
        }
    }

    #[test]
    fn manual_entry_is_validated_field_by_field() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let input = |issuer: &str, number: &str, expiry: &str, issued: Option<&str>| {
            CheckInput::ManualEntry {
                document_type: DocumentType::DriversLicence,
                issuer: issuer.into(),
                number: number.into(),
                expiry: expiry.into(),
                dob: None,
                issued: issued.map(str::to_string),
            }
        };
        let field = |i: CheckInput| match read_document(&i, today) {
            Err(IdentityError::Invalid { field, .. }) => field,
            other => panic!("expected invalid, got {:?}", other.map(|d| d.number)),
        };
        assert_eq!(field(input("ZZ", "D1234567", "2030-01-01", None)), "issuer");
        assert_eq!(field(input("TX", "D1", "2030-01-01", None)), "number");
        assert_eq!(field(input("TX", "D1234567", "someday", None)), "expiry");
        assert_eq!(
            field(input("TX", "D1234567", "2030-01-01", Some("2027-01-01"))),
            "issued"
        );
        let ok =
            read_document(&input("tx", "d-123 4567", "01/01/2030", None), today).expect("valid");
        assert_eq!(ok.issuer.as_deref(), Some("TX"));
        assert_eq!(ok.number.as_deref(), Some("D1234567"));
        assert_eq!(ok.licence.expiry_date, NaiveDate::from_ymd_opt(2030, 1, 1));
    }

    #[test]
    fn every_ipc_type_generates_typescript() {
        use ts_rs::{Config, TS};
        let cfg = Config::new().with_large_int("number");
        let decls = [
            FlagCode::decl(&cfg),
            DocumentType::decl(&cfg),
            CheckMethod::decl(&cfg),
            CheckInput::decl(&cfg),
            RuleStatus::decl(&cfg),
            Decision::decl(&cfg),
            ResolutionView::decl(&cfg),
            RuleResultView::decl(&cfg),
            CandidateView::decl(&cfg),
            SanctionsScreenView::decl(&cfg),
            DocumentView::decl(&cfg),
            CheckOutcome::decl(&cfg),
            VerificationStatus::decl(&cfg),
            ContactChannel::decl(&cfg),
            ContactState::decl(&cfg),
            ContactStatusView::decl(&cfg),
            VerificationView::decl(&cfg),
            Blocker::decl(&cfg),
            IdentityBlock::decl(&cfg),
            CandidateDecision::decl(&cfg),
        ];
        let all = decls.join("\n");
        assert!(
            all.contains(r#""method": "barcode_scan""#)
                || all.contains(r#"method: "barcode_scan""#),
            "the tagged input: {all}"
        );
        assert!(all.contains("ent_num: number"), "{all}");
        assert!(!all.contains("bigint"), "{all}");
    }

    #[test]
    fn a_dob_mismatch_names_the_parts_not_the_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        let r = dob_mismatch_reason(d(1984, 3, 10), d(1984, 3, 9));
        assert!(r.contains("the day differs"), "{r}");
        assert!(!r.contains("1984") && !r.contains("10"), "{r}");
        let r = dob_mismatch_reason(d(1985, 4, 9), d(1984, 3, 9));
        assert!(r.contains("the month and year differ"), "{r}");
    }

    #[test]
    fn scores_are_kept_as_thousandths() {
        assert_eq!(milli(0.9456), 946);
        assert_eq!(milli(1.2), 1000);
        assert_eq!(milli(-0.1), 0);
    }

    #[test]
    fn the_printed_record_says_stale_and_not_screened() {
        let v = VerificationView {
            id: "r1".into(),
            customer_id: "c1".into(),
            checked_at: "2026-11-25T15:00:00.000Z".into(),
            checked_by: "staff:fm".into(),
            method: CheckMethod::ManualEntry,
            document: DocumentView {
                document_type: DocumentType::Passport,
                issuer: Some("USA".into()),
                number_masked: Some("•••••4567".into()),
                expiry: Some("2030-01-01".into()),
            },
            tax_id_kind: "ssn".into(),
            rules: vec![],
            sanctions: SanctionsScreenView {
                list_version: None,
                list_id: None,
                threshold: None,
                top_score: None,
                candidates: vec![],
            },
            outcome: CheckOutcome::NeedsReview,
            effective_outcome: CheckOutcome::NeedsReview,
            stale: true,
            status: VerificationStatus::NeedsReview,
            contacts: vec![],
        };
        let text = render_text(&v);
        assert!(text.contains("NOT SCREENED"), "{text}");
        assert!(text.contains("STALE"), "{text}");
        assert!(text.contains("•••••4567"), "{text}");
    }
}
