//! Temporary access links: a bearer URL that opens the customer's side of the desk (portal
//! onboarding, contact confirmation, document upload, later remote signing) on their phone.
//!
//! A link is a secret to someone's finances, so:
//! - its token is 256 bits from the OS CSPRNG, base64url (43 characters); only its SHA-256 is
//!   stored, and the URL is shown once, when the link is issued;
//! - it expires (72 h by default, per purpose, at most 30 days), is single use, and can be revoked;
//! - redeeming it takes a knowledge check (date of birth and ZIP code); three failures burn it;
//! - invalid, expired, used and revoked tokens all give the customer the same answer
//!   ([`LinkError::Unusable`]); hashes are compared in constant time;
//! - every issue, view, redemption, failure and revocation is in the audit chain (never the token).
//!
//! State is computed from the stored times, in this order: revoked, redeemed, expired, opened,
//! issued.

pub mod desk;
pub mod group;
pub mod handout;
pub mod outbox;
pub mod remote;
mod session;

use chrono::{DateTime, Duration, Utc};
use dealerdesk_rules::ids::{ApplicationId, CustomerId, DocumentId};
use dealerdesk_store::known;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use subtle::ConstantTimeEq;
use ts_rs::TS;

use crate::auth::{Actor, Role};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{random_token, sha256_hex, CryptoError};
use dealerdesk_store::read::links as read;
use dealerdesk_store::repo::access_link as link_repo;
use dealerdesk_store::repo::portal as portal_repo;
use dealerdesk_store::{meta_set, new_id, parse_ts, ts, Store};

pub use group::{
    redeem_batch, redeem_batch_in_savepoints, redeem_batch_set_based, RedeemRequest, MAX_BATCH,
};
pub use session::{
    confirm_contact, confirm_totp, contact_details, enrolment, list_contact_changes,
    list_documents, open_document, portal_session, review_contact_change, set_password,
    upload_document, ContactChangeView, ContactCorrection, ContactDetails, DocumentView,
    PortalSession, MAX_UPLOAD_BYTES,
};

/// Bytes of randomness in a token (256 bits).
pub const TOKEN_BYTES: usize = 32;
/// Length of a token: 32 bytes in base64url without padding.
pub const TOKEN_LEN: usize = 43;
/// Expiry when neither the issuer nor an admin setting says otherwise.
pub const DEFAULT_TTL: Duration = Duration::hours(72);
/// The longest a link may live.
pub const MAX_TTL: Duration = Duration::days(30);
/// The shortest a link may live.
pub const MIN_TTL: Duration = Duration::minutes(5);
/// Failed knowledge checks that burn a link.
pub const MAX_KNOWLEDGE_FAILURES: i64 = 3;
/// How long the customer's portal session lasts after redemption.
pub const PORTAL_SESSION_LIFETIME: Duration = Duration::minutes(30);

/// Roles that may issue, list, check and revoke links (the CLI operator may too).
pub const STAFF_ROLES: &[Role] = &[Role::Sales, Role::FinanceManager, Role::Admin];

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("no customer {0}")]
    CustomerNotFound(String),
    #[error("the customer's identity has not been verified; verify it before issuing a link")]
    IdentityNotVerified,
    #[error("no link {0}")]
    NotFound(String),
    #[error("your role cannot do this")]
    Forbidden,
    /// The one answer a customer gets for an unknown, malformed, expired, used or revoked link.
    #[error("this link cannot be used; ask the dealership for a new one")]
    Unusable,
    #[error("the date of birth or ZIP code does not match; {remaining} tries left")]
    KnowledgeCheckFailed { remaining: u32 },
    #[error("too many attempts; wait a few minutes and try again")]
    RateLimited,
    #[error("your session has ended; open your link again or ask the dealership for a new one")]
    SessionEnded,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The printable handout could not be made (e.g. a character the font lacks).
    #[error("the handout could not be made: {0}")]
    Pdf(#[from] dealerdesk_pdf::PdfError),
}

impl LinkError {
    /// The input at fault, for the UI to show the message next to it.
    pub fn field(&self) -> Option<&str> {
        match self {
            LinkError::Invalid { field, .. } => Some(field),
            LinkError::KnowledgeCheckFailed { .. } => Some("dob"),
            _ => None,
        }
    }
}

pub fn invalid(field: &'static str, message: impl Into<String>) -> LinkError {
    LinkError::Invalid {
        field,
        message: message.into(),
    }
}

/// What a link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    PortalOnboarding,
    ConfirmContact,
    UploadDocuments,
    RemoteSigning,
}

impl LinkPurpose {
    pub const ALL: &'static [LinkPurpose] = &[
        LinkPurpose::PortalOnboarding,
        LinkPurpose::ConfirmContact,
        LinkPurpose::UploadDocuments,
        LinkPurpose::RemoteSigning,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::PortalOnboarding => "portal_onboarding",
            LinkPurpose::ConfirmContact => "confirm_contact",
            LinkPurpose::UploadDocuments => "upload_documents",
            LinkPurpose::RemoteSigning => "remote_signing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s.trim().replace('-', "_"))
    }
    /// What the customer is asked to do, in a sentence fragment ("set up your online account").
    pub fn describe(self) -> &'static str {
        match self {
            LinkPurpose::PortalOnboarding => "set up your online finance account",
            LinkPurpose::ConfirmContact => "confirm your phone, e-mail and address",
            LinkPurpose::UploadDocuments => "upload the documents your lender asked for",
            LinkPurpose::RemoteSigning => "review and sign your documents",
        }
    }
    fn ttl_key(self) -> String {
        format!("link_ttl_minutes.{}", self.as_str())
    }
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Issued,
    Opened,
    Redeemed,
    Expired,
    Revoked,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Issued => "issued",
            LinkState::Opened => "opened",
            LinkState::Redeemed => "redeemed",
            LinkState::Expired => "expired",
            LinkState::Revoked => "revoked",
        }
    }
    /// Whether a link in this state can still be redeemed.
    pub fn usable(self) -> bool {
        matches!(self, LinkState::Issued | LinkState::Opened)
    }
}

/// What the desk asks for when issuing a link.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct IssueLink {
    pub customer_id: CustomerId,
    pub purpose: LinkPurpose,
    /// Minutes until expiry; `null` takes the purpose's default (admin setting, else 72 h).
    pub ttl_minutes: Option<u32>,
    /// For `upload_documents`: the credit application whose stipulations the uploads clear.
    pub application_id: Option<ApplicationId>,
}

/// A newly issued link. `url` holds the token and is shown only this once.
#[derive(Clone, PartialEq, Serialize, TS)]
pub struct IssuedLink {
    pub id: String,
    pub url: String,
    pub expires_at: String,
    pub purpose: LinkPurpose,
    pub customer_id: CustomerId,
}

impl std::fmt::Debug for IssuedLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedLink")
            .field("id", &self.id)
            .field("url", &"<hidden>")
            .field("expires_at", &self.expires_at)
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// A link as the desk lists it (no token, no hash).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LinkView {
    pub id: String,
    pub customer_id: CustomerId,
    pub purpose: LinkPurpose,
    pub state: LinkState,
    pub issued_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub opened_at: Option<String>,
    pub redeemed_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `staff` or `knowledge_check` (burned after three failed checks).
    pub revoke_reason: Option<String>,
    pub failed_checks: u32,
}

/// The answer of a staff check of a token, which does not consume it. `state` is `null` for a
/// malformed or unknown token.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LinkCheck {
    pub valid: bool,
    pub state: Option<LinkState>,
    pub purpose: Option<LinkPurpose>,
}

/// Admin settings of links.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LinkSettings {
    /// The portal's address as the customer's phone reaches it, e.g. `http://desk-3:8080`.
    pub portal_base_url: String,
    pub ttl_minutes: Vec<PurposeTtl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PurposeTtl {
    pub purpose: LinkPurpose,
    pub minutes: u32,
}

/// The customer's answers to the knowledge check.
#[derive(Debug, Clone)]
pub struct KnowledgeAnswer {
    /// MM/DD/YYYY or YYYY-MM-DD.
    pub dob: String,
    /// 5 digits (ZIP+4 accepted, its first 5 digits compared).
    pub zip: String,
}

/// A link the customer opened (not yet redeemed).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedLink {
    pub link_id: String,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
}

/// A successful redemption: the portal session the customer continues in.
pub struct Redemption {
    pub link_id: String,
    pub customer_id: CustomerId,
    pub purpose: LinkPurpose,
    /// The portal session's bearer token (for the cookie). Only its hash is stored.
    pub session_token: String,
}

impl std::fmt::Debug for Redemption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redemption")
            .field("link_id", &self.link_id)
            .field("purpose", &self.purpose)
            .field("session_token", &"<hidden>")
            .finish()
    }
}

// ----- tokens -------------------------------------------------------------------------------

/// A new link token: 256 bits from the OS CSPRNG, base64url without padding.
pub fn generate_token() -> String {
    random_token(TOKEN_BYTES)
}

/// Whether `s` has the shape of a token (43 base64url characters).
pub fn is_token_shaped(s: &str) -> bool {
    s.len() == TOKEN_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The token in a link URL (`…/l/<token>`, with or without query or fragment) or a bare token;
/// `None` when it is not token-shaped.
pub fn token_from(url_or_token: &str) -> Option<&str> {
    let s = url_or_token.trim();
    let s = s.split(['?', '#']).next().unwrap_or(s);
    let last = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
    is_token_shaped(last).then_some(last)
}

pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Parses a TTL like `72h`, `30m`, `7d` or `1d12h`.
pub fn parse_ttl(text: &str) -> Result<Duration, LinkError> {
    let bad = || {
        invalid(
            "ttl",
            "give the expiry as minutes, hours or days, like 30m, 72h or 7d",
        )
    };
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::zero();
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        if n > 1_000_000 {
            return Err(bad());
        }
        digits.clear();
        total += match c {
            'm' => Duration::minutes(n),
            'h' => Duration::hours(n),
            'd' => Duration::days(n),
            _ => return Err(bad()),
        };
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    check_ttl(total)?;
    Ok(total)
}

fn check_ttl(ttl: Duration) -> Result<(), LinkError> {
    if ttl < MIN_TTL || ttl > MAX_TTL {
        return Err(invalid("ttl", "a link lives between 5 minutes and 30 days"));
    }
    Ok(())
}

// ----- settings -----------------------------------------------------------------------------

/// `http://<this machine's host name>:8080`, the portal's address when no admin has set one.
pub fn default_base_url() -> String {
    static DEFAULT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(host_base_url).clone()
}

fn host_base_url() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
        .unwrap_or_else(|| "localhost".into());
    format!("http://{host}:8080")
}

pub async fn settings(store: &Store) -> Result<LinkSettings, LinkError> {
    let portal_base_url = store
        .setting_text("portal_base_url", &default_base_url())
        .await?;
    let default = DEFAULT_TTL.num_minutes() as u32;
    let mut ttl_minutes = Vec::new();
    for p in LinkPurpose::ALL {
        ttl_minutes.push(PurposeTtl {
            purpose: *p,
            minutes: store.setting_u32(&p.ttl_key(), default).await?,
        });
    }
    Ok(LinkSettings {
        portal_base_url,
        ttl_minutes,
    })
}

/// Changes the portal address and/or per-purpose default expiries (admins only; audited).
pub async fn set_settings(
    store: &Store,
    actor: &Actor,
    portal_base_url: Option<&str>,
    ttl: &[PurposeTtl],
    now: DateTime<Utc>,
) -> Result<LinkSettings, LinkError> {
    if !actor.has_role(&[Role::Admin]) {
        let event = AuditEvent::new(actor.name(), "link.settings", AuditOutcome::Denied);
        audit::record(store, now, &event).await?;
        return Err(LinkError::Forbidden);
    }
    let url = portal_base_url.map(|u| u.trim().trim_end_matches('/').to_string());
    if let Some(u) = &url {
        let rest = u
            .strip_prefix("http://")
            .or_else(|| u.strip_prefix("https://"));
        let ok = rest.is_some_and(|r| {
            !r.is_empty()
                && r.len() < 200
                && r.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '/' | '[' | ']')
                })
        });
        if !ok {
            return Err(invalid(
                "portal_base_url",
                "give the portal's address like http://desk-3.local:8080 or https://portal.example.com",
            ));
        }
    }
    for t in ttl {
        check_ttl(Duration::minutes(i64::from(t.minutes)))?;
    }
    let mut w = store.write(now).await?;
    let mut changed = Vec::new();
    if let Some(u) = &url {
        meta_set(w.conn(), "portal_base_url", u).await?;
        changed.push(format!("portal_base_url={u}"));
    }
    for t in ttl {
        meta_set(w.conn(), &t.purpose.ttl_key(), &t.minutes.to_string()).await?;
        changed.push(format!("{}={}", t.purpose.ttl_key(), t.minutes));
    }
    w.audit(
        AuditEvent::new(actor.name(), "link.settings", AuditOutcome::Success)
            .detail(changed.join(", ")),
    );
    w.commit().await?;
    settings(store).await
}

// ----- staff side ---------------------------------------------------------------------------

/// Links may be issued only for a customer whose identity is verified: the latest identity
/// check came out verified (flags resolved, candidates cleared) and nothing it checked has been
/// edited since.
pub async fn identity_gate(store: &Store, customer_id: &CustomerId) -> Result<(), LinkError> {
    use crate::identity::verification::{self, IdentityError, VerificationStatus};
    match verification::verification_status(store, customer_id).await {
        Ok(VerificationStatus::Verified) => Ok(()),
        Ok(_) => Err(LinkError::IdentityNotVerified),
        Err(IdentityError::CustomerNotFound(id)) => Err(LinkError::CustomerNotFound(id)),
        Err(IdentityError::Database(e)) => Err(LinkError::Database(e)),
        Err(IdentityError::Crypto(e)) => Err(LinkError::Crypto(e)),
        Err(other) => Err(invalid("customer_id", other.to_string())),
    }
}

fn require_staff(actor: &Actor) -> Result<(), LinkError> {
    if actor.has_role(STAFF_ROLES) {
        Ok(())
    } else {
        Err(LinkError::Forbidden)
    }
}

/// Issues a link. The returned URL carries the token and is never shown again. A
/// `remote_signing` link is bound to a contract document: issue it with
/// [`issue_remote_signing`] (here it is refused, field `document_id`).
#[tracing::instrument(skip_all, err, fields(purpose = input.purpose.as_str()))]
pub async fn issue(
    store: &Store,
    actor: &Actor,
    input: &IssueLink,
    now: DateTime<Utc>,
) -> Result<IssuedLink, LinkError> {
    require_staff(actor)?;
    if input.purpose == LinkPurpose::RemoteSigning {
        return Err(invalid(
            "document_id",
            "a remote signing link is sent for one contract: choose the contract to sign",
        ));
    }
    // The gate and the settings are independent reads: each is a round trip to a database
    // thread, so they run side by side (issuing has a 1 ms budget).
    let customer_id = CustomerId::from(input.customer_id.as_str().trim());
    let (gate, settings) = tokio::join!(
        identity_gate(store, &customer_id),
        IssueSettings::read(store, input.purpose)
    );
    gate?;
    issue_checked(store, actor, input, None, settings?, now).await
}

/// Issues a `remote_signing` link bound to one contract document: the authoritative original of
/// a deal of this customer (the buyer), in `draft` or `signing` state, with buyer fields still to
/// sign. Refusals are [`LinkError::Invalid`] with field `document_id` (no such document, another
/// customer's, signed, void, a copy, nothing left for the buyer to sign) or the usual issuing
/// errors (role, identity not verified, TTL). `ttl_minutes` as in [`IssueLink`].
#[tracing::instrument(skip_all, err)]
pub async fn issue_remote_signing(
    store: &Store,
    actor: &Actor,
    customer_id: &CustomerId,
    document_id: &DocumentId,
    ttl_minutes: Option<u32>,
    now: DateTime<Utc>,
) -> Result<IssuedLink, LinkError> {
    require_staff(actor)?;
    let customer_id = customer_id.as_str().trim();
    let document_id = document_id.as_str().trim();
    if document_id.is_empty() {
        return Err(invalid(
            "document_id",
            "a remote signing link is sent for one contract: choose the contract to sign",
        ));
    }
    identity_gate(store, &CustomerId::from(customer_id)).await?;
    remote::check_signable_for(
        store,
        &CustomerId::from(customer_id),
        &DocumentId::from(document_id),
    )
    .await?;
    let settings = IssueSettings::read(store, LinkPurpose::RemoteSigning).await?;
    let input = IssueLink {
        customer_id: CustomerId::from(customer_id),
        purpose: LinkPurpose::RemoteSigning,
        ttl_minutes,
        application_id: None,
    };
    issue_checked(store, actor, &input, Some(document_id), settings, now).await
}

/// The settings issuing reads: the purpose's default lifetime and the portal's address.
struct IssueSettings {
    default_ttl: Duration,
    base_url: String,
}

impl IssueSettings {
    /// Both settings in one read.
    async fn read(store: &Store, purpose: LinkPurpose) -> Result<Self, LinkError> {
        let rows = read::issue_settings(store, &purpose.ttl_key()).await?;
        let setting = |key: &str| rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        Ok(Self {
            default_ttl: setting(&purpose.ttl_key())
                .and_then(|v| v.parse::<i64>().ok())
                .map(Duration::minutes)
                .unwrap_or(DEFAULT_TTL),
            base_url: setting("portal_base_url")
                .map(str::to_string)
                .unwrap_or_else(default_base_url),
        })
    }
}

/// Issues a link whose customer (and document) were checked.
async fn issue_checked(
    store: &Store,
    actor: &Actor,
    input: &IssueLink,
    document_id: Option<&str>,
    settings: IssueSettings,
    now: DateTime<Utc>,
) -> Result<IssuedLink, LinkError> {
    let customer_id = input.customer_id.as_str().trim();
    let ttl = input
        .ttl_minutes
        .map(|m| Duration::minutes(i64::from(m)))
        .unwrap_or(settings.default_ttl);
    check_ttl(ttl)?;
    let application_id = input
        .application_id
        .as_ref()
        .map(|i| i.as_str())
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let base = settings.base_url;
    let token = generate_token();
    let id = new_id();
    let expires_at = now + ttl;
    let event = AuditEvent::new(actor.name(), "link.issue", AuditOutcome::Success)
        .subject(format!("link:{id}"))
        .detail(format!(
            "customer:{customer_id} purpose {} expires {}{}",
            input.purpose.as_str(),
            ts(expires_at),
            document_id
                .map(|d| format!(" contract:{d}"))
                .unwrap_or_default()
        ));
    let issued_by = actor.name();
    let expires = ts(expires_at);
    let hash = token_hash(&token);
    link_repo::issue(
        store,
        now,
        &id,
        &link_repo::NewLinkRow {
            token_hash: &hash,
            customer_id,
            purpose: input.purpose.as_str(),
            application_id,
            issued_by: &issued_by,
            expires_at: &expires,
            document_id,
        },
        &event,
    )
    .await?;
    Ok(IssuedLink {
        url: format!("{}/l/{token}", base.trim_end_matches('/')),
        id,
        expires_at: ts(expires_at),
        purpose: input.purpose,
        customer_id: CustomerId::from(customer_id),
    })
}

fn state_of(
    now: DateTime<Utc>,
    expires_at: &str,
    opened: bool,
    redeemed: bool,
    revoked: bool,
) -> LinkState {
    if revoked {
        LinkState::Revoked
    } else if redeemed {
        LinkState::Redeemed
    } else if now >= parse_ts(expires_at) {
        LinkState::Expired
    } else if opened {
        LinkState::Opened
    } else {
        LinkState::Issued
    }
}

fn link_from_row(row: link_repo::LinkRow, now: DateTime<Utc>) -> Result<LinkView, sqlx::Error> {
    Ok(LinkView {
        purpose: known("link purpose", &row.purpose, LinkPurpose::parse)?,
        state: state_of(
            now,
            &row.expires_at,
            row.opened_at.is_some(),
            row.redeemed_at.is_some(),
            row.revoked_at.is_some(),
        ),
        id: row.id,
        customer_id: row.customer_id.into(),
        issued_by: row.issued_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        opened_at: row.opened_at,
        redeemed_at: row.redeemed_at,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
        failed_checks: row.failed_checks.clamp(0, i64::from(u32::MAX)) as u32,
    })
}

/// Links, newest first (at most 500), of one customer or of all.
pub async fn list(
    store: &Store,
    actor: &Actor,
    customer_id: Option<&CustomerId>,
    now: DateTime<Utc>,
) -> Result<Vec<LinkView>, LinkError> {
    require_staff(actor)?;
    let rows = link_repo::list(
        store,
        customer_id
            .map(|c| CustomerId::from(c.as_str().trim()))
            .as_ref(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| link_from_row(r, now))
        .collect::<Result<_, _>>()?)
}

/// One link by id.
pub async fn get(store: &Store, id: &str, now: DateTime<Utc>) -> Result<LinkView, LinkError> {
    let row = link_repo::get(store, id.trim())
        .await?
        .ok_or_else(|| LinkError::NotFound(id.to_string()))?;
    Ok(link_from_row(row, now)?)
}

/// Ends every portal session opened through a link.
async fn end_sessions(
    conn: &mut SqliteConnection,
    link_id: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    portal_repo::end_for_link(conn, link_id, &ts(now)).await
}

/// Revokes a link (and ends any portal session it opened). Revoking a revoked link changes
/// nothing and is not an error.
#[tracing::instrument(skip_all, err)]
pub async fn revoke(
    store: &Store,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, LinkError> {
    require_staff(actor)?;
    let id = id.trim();
    let mut w = store.write(now).await?;
    let exists = link_repo::revoked_at(w.conn(), id).await?;
    match exists {
        None => return Err(LinkError::NotFound(id.to_string())),
        Some(Some(_)) => {
            drop(w);
            return get(store, id, now).await;
        }
        Some(None) => {}
    }
    link_repo::revoke(&mut w, id, &actor.name()).await?;
    end_sessions(w.conn(), id, now).await?;
    w.audit(
        AuditEvent::new(actor.name(), "link.revoke", AuditOutcome::Success)
            .subject(format!("link:{id}")),
    );
    w.commit().await?;
    get(store, id, now).await
}

/// Finds a link by token (constant-time confirmation of the stored hash).
async fn find_by_token(
    conn: &mut SqliteConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<LinkView>, sqlx::Error> {
    if !is_token_shaped(token) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let Some(row) = link_repo::by_token_hash(conn, &hash).await? else {
        return Ok(None);
    };
    if !bool::from(row.token_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    Ok(Some(link_from_row(row, now)?))
}

/// Staff check of a link URL or token, without consuming it (audited).
pub async fn check(
    store: &Store,
    actor: &Actor,
    url_or_token: &str,
    now: DateTime<Utc>,
) -> Result<LinkCheck, LinkError> {
    require_staff(actor)?;
    let found = match token_from(url_or_token) {
        Some(token) => {
            let mut conn = store.pool().acquire().await?;
            find_by_token(&mut conn, token, now).await?
        }
        None => None,
    };
    let mut event = AuditEvent::new(actor.name(), "link.check", AuditOutcome::Success);
    event = match &found {
        Some(l) => event
            .subject(format!("link:{}", l.id))
            .detail(format!("state {}", l.state.as_str())),
        None => event.detail("no such link"),
    };
    audit::record(store, now, &event).await?;
    Ok(LinkCheck {
        valid: found.as_ref().is_some_and(|l| l.state.usable()),
        state: found.as_ref().map(|l| l.state),
        purpose: found.as_ref().map(|l| l.purpose),
    })
}

// ----- customer side ------------------------------------------------------------------------

fn portal_actor(client: &str) -> String {
    format!("portal:{client}")
}

/// The audit entry of a customer-side refusal.
fn refusal_event(action: &str, link: Option<&LinkView>, client: &str) -> AuditEvent {
    let event = AuditEvent::new(portal_actor(client), action, AuditOutcome::Failure);
    match link {
        Some(l) => event
            .subject(format!("link:{}", l.id))
            .detail(format!("link {}", l.state.as_str())),
        None => event.detail("unknown or malformed token"),
    }
}

/// The customer opened a link (scanned the QR code): records the view and marks the link
/// opened. Does not consume it. `client` is the caller's address, for the audit log.
pub async fn open(
    store: &Store,
    token: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<OpenedLink, LinkError> {
    let mut w = store.write(now).await?;
    let link = match find_by_token(w.conn(), token, now).await? {
        Some(l) if l.state.usable() => l,
        other => {
            w.audit(refusal_event("link.view", other.as_ref(), client));
            w.commit().await?;
            return Err(LinkError::Unusable);
        }
    };
    if link.opened_at.is_none() {
        link_repo::mark_opened(&mut w, &link.id).await?;
    }
    w.audit(
        AuditEvent::new(portal_actor(client), "link.view", AuditOutcome::Success)
            .subject(format!("link:{}", link.id)),
    );
    w.commit().await?;
    Ok(OpenedLink {
        link_id: link.id,
        purpose: link.purpose,
        expires_at: parse_ts(&link.expires_at),
    })
}

/// Whether a token is usable now, without recording anything (the portal re-checks the pending
/// link on each page; the view itself was recorded by [`open`]).
pub async fn peek(store: &Store, token: &str, now: DateTime<Utc>) -> Result<OpenedLink, LinkError> {
    let mut conn = store.pool().acquire().await?;
    match find_by_token(&mut conn, token, now).await? {
        Some(l) if l.state.usable() => Ok(OpenedLink {
            expires_at: parse_ts(&l.expires_at),
            link_id: l.id,
            purpose: l.purpose,
        }),
        _ => Err(LinkError::Unusable),
    }
}

fn normalise_zip(zip: &str) -> String {
    zip.trim().chars().take(5).collect()
}

/// The knowledge-check facts of a customer: "YYYY-MM-DD|ZIP5".
async fn knowledge_facts(
    conn: &mut SqliteConnection,
    store: &Store,
    customer_id: &CustomerId,
) -> Result<String, LinkError> {
    let (dob_enc, zip) = read::knowledge_facts(conn, customer_id)
        .await?
        .ok_or_else(|| LinkError::CustomerNotFound(customer_id.to_string()))?;
    facts_from(store, customer_id, &dob_enc, zip.as_deref())
}

/// The knowledge-check facts from the stored (encrypted) date of birth and current ZIP code.
fn facts_from(
    store: &Store,
    customer_id: &CustomerId,
    dob_enc: &str,
    zip: Option<&str>,
) -> Result<String, LinkError> {
    let dob = store
        .cipher()
        .decrypt(dob_enc, &crate::customer::ctx("dob", customer_id.as_str()))?;
    Ok(format!(
        "{}|{}",
        dob.as_str(),
        normalise_zip(zip.unwrap_or(""))
    ))
}

/// Whether the customer's answer matches the facts (compared in constant time). A customer
/// without a ZIP on file can never pass (an empty answer must not match).
fn knowledge_matches(facts: &str, answer: &KnowledgeAnswer) -> bool {
    let given = format!(
        "{}|{}",
        crate::customer::validate::parse_date(&answer.dob)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        normalise_zip(&answer.zip)
    );
    !facts.ends_with('|') && bool::from(facts.as_bytes().ct_eq(given.as_bytes()))
}

/// Redeems a link: the knowledge check and the single-use consumption happen in one write
/// transaction (`BEGIN IMMEDIATE`), and the consumption is a conditional `UPDATE` (not yet
/// redeemed, not revoked, not expired), so of many concurrent redemptions exactly one succeeds.
/// A wrong answer counts toward the burn (three burn the link).
///
/// This is a batch of one ([`redeem_batch`]). The customer portal commits redemptions arriving
/// together in one transaction through its redemption writer, with the same answers.
#[tracing::instrument(skip_all, err)]
pub async fn redeem(
    store: &Store,
    token: &str,
    answer: &KnowledgeAnswer,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Redemption, LinkError> {
    let request = RedeemRequest {
        token: token.to_string(),
        answer: answer.clone(),
        client: client.to_string(),
        now,
    };
    redeem_one(store, &request).await
}

/// One [`RedeemRequest`] as a batch of one (its own transaction and commit).
pub async fn redeem_one(store: &Store, request: &RedeemRequest) -> Result<Redemption, LinkError> {
    redeem_batch(store, std::slice::from_ref(request))
        .await
        .pop()
        .unwrap_or(Err(LinkError::Database(sqlx::Error::WorkerCrashed)))
}

// ----- QR code ------------------------------------------------------------------------------

/// A QR code of `url` as SVG: vector, so it stays crisp on screen and on paper. Error
/// correction level M; a quiet zone is included.
pub fn qr_svg(url: &str) -> Result<String, LinkError> {
    use qrcode::render::svg;
    use qrcode::{EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|_| invalid("url", "this address is too long for a QR code"))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// The printable handout for a link whose URL the desk is still showing (the URL exists only on
/// that screen: the store keeps its hash). Only a usable link of this desk gets one; printing
/// is audited (`link.handout`).
pub async fn handout_for_url(
    store: &Store,
    actor: &Actor,
    url: &str,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, LinkError> {
    require_staff(actor)?;
    let found = match token_from(url) {
        Some(token) => {
            let mut conn = store.pool().acquire().await?;
            find_by_token(&mut conn, token, now).await?
        }
        None => None,
    };
    let view = match found {
        Some(v) if v.state.usable() => v,
        _ => return Err(LinkError::Unusable),
    };
    let link = IssuedLink {
        id: view.id.clone(),
        url: url.trim().to_string(),
        expires_at: view.expires_at.clone(),
        purpose: view.purpose,
        customer_id: view.customer_id.clone(),
    };
    let pdf = handout::handout_for(store, &link, now).await?;
    let mut w = store.write(now).await?;
    w.audit(
        AuditEvent::new(actor.name(), "link.handout", AuditOutcome::Success)
            .subject(&view.id)
            .detail(format!("purpose {}", view.purpose.as_str())),
    );
    w.commit().await?;
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_base64url_characters() {
        let t = generate_token();
        assert_eq!(t.len(), TOKEN_LEN);
        assert!(is_token_shaped(&t));
        assert!(!is_token_shaped(&t[1..]));
        assert!(!is_token_shaped(&format!("{}=", &t[1..])));
    }

    #[test]
    fn the_token_is_found_in_a_url_or_alone() {
        let t = generate_token();
        assert_eq!(token_from(&t), Some(t.as_str()));
        assert_eq!(
            token_from(&format!("http://desk:8080/l/{t}")),
            Some(t.as_str())
        );
        assert_eq!(
            token_from(&format!("http://desk:8080/l/{t}/?x=1#y")),
            Some(t.as_str())
        );
        assert_eq!(token_from("http://desk:8080/l/short"), None);
        assert_eq!(token_from(""), None);
        assert_eq!(token_from(&format!("{}!", &t[1..])), None);
    }

    #[test]
    fn ttl_parses_units_and_is_bounded() {
        assert_eq!(parse_ttl("72h").ok(), Some(Duration::hours(72)));
        assert_eq!(parse_ttl("30m").ok(), Some(Duration::minutes(30)));
        assert_eq!(parse_ttl("1d12h").ok(), Some(Duration::hours(36)));
        assert_eq!(parse_ttl("30d").ok(), Some(Duration::days(30)));
        for bad in ["", "31d", "4m", "h", "12", "5x", "-1h", "99999999999h"] {
            assert!(parse_ttl(bad).is_err(), "{bad:?} refused");
        }
    }

    #[test]
    fn state_precedence() {
        let now = Utc::now();
        let future = ts(now + Duration::hours(1));
        let past = ts(now - Duration::hours(1));
        assert_eq!(
            state_of(now, &future, false, false, false),
            LinkState::Issued
        );
        assert_eq!(
            state_of(now, &future, true, false, false),
            LinkState::Opened
        );
        assert_eq!(state_of(now, &past, true, false, false), LinkState::Expired);
        assert_eq!(state_of(now, &past, true, true, false), LinkState::Redeemed);
        assert_eq!(state_of(now, &past, true, true, true), LinkState::Revoked);
    }

    #[test]
    fn qr_code_is_an_svg() {
        let svg = qr_svg("http://desk:8080/l/abc").expect("qr");
        assert!(svg.contains("<svg"));
    }
}
