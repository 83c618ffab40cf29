//! Staff accounts, roles, passwords (argon2id), TOTP MFA (RFC 6238), sessions, lockout and the
//! idle lock. Every check here runs in Rust on every command; the UI only mirrors it.

mod password;
mod totp;

use chrono::{DateTime, Duration, Utc};
use dealerdesk_store::known;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{random_token, sha256_hex, CryptoError};
use dealerdesk_store::repo::session as session_repo;
use dealerdesk_store::repo::staff::{self as staff_repo, StaffChange};
use dealerdesk_store::{new_id, parse_ts, ts, Store, Write};

pub use password::{check_policy, hash_password, verify_password};
pub use totp::{enrolment_for, totp_code_at, Totp};

/// Failed password or MFA attempts in a row that lock an account.
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// A session ends this long after sign-in, whatever happens.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// Time allowed between the password step and the MFA step.
pub const MFA_STEP_WINDOW: Duration = Duration::minutes(5);
/// Default idle time before the desk locks (setting `idle_lock_minutes`).
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sales,
    FinanceManager,
    Admin,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Sales, Role::FinanceManager, Role::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sales => "sales",
            Role::FinanceManager => "finance_manager",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "sales" => Some(Role::Sales),
            "finance_manager" => Some(Role::FinanceManager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the username or password is not right")]
    InvalidCredentials,
    #[error("this account is locked after too many failed attempts; try again after {until}")]
    AccountLocked { until: String },
    #[error("this account is disabled; ask an administrator")]
    AccountDisabled,
    #[error(
        "that code is not right or has expired; use the current code from your authenticator app"
    )]
    InvalidMfaCode,
    #[error("finish signing in with your authenticator code first")]
    MfaRequired,
    #[error("please sign in")]
    NotSignedIn,
    #[error("your session has ended; please sign in again")]
    SessionExpired,
    #[error("the desk is locked; enter your password to continue")]
    SessionLocked,
    #[error("your role cannot do this")]
    Forbidden,
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("no staff member {0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// A staff member as every screen sees them (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StaffView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub mfa_enrolled: bool,
    pub disabled: bool,
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl StaffView {
    /// The audit actor name, `staff:<username>`.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.username)
    }
}

/// Input for a new staff account.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

/// The bearer secret of a desk session. Held by the desktop shell in Rust, never by the web UI.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(value: String) -> Self {
        Self(value)
    }
    pub fn reveal(&self) -> &str {
        &self.0
    }
    fn hash(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<hidden>)")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionView {
    pub staff: StaffView,
    pub locked: bool,
    pub expires_at: String,
    pub mfa_bypassed: bool,
    /// What this staff member's role may do, so screens offer only that (the services check
    /// each one again when it is done).
    pub permissions: Vec<Permission>,
}

/// An action some roles may take and others not. Each names its roles once ([`Permission::roles`]),
/// and the use case that does it checks [`Actor::may`]; the desk shows what the session's
/// [`SessionView::permissions`] list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Resolve red flags and decide sanctions candidates on an identity check.
    ResolveIdentity,
    /// Reveal a customer's full SSN, licence number or date of birth (audited).
    RevealPii,
    /// Print the original of a contract or credit application (anyone may print a copy).
    PrintOriginal,
    /// Countersign for the dealer and seal a signed document.
    Countersign,
    /// Exchange STAR messages with lender networks.
    ExchangeStar,
    /// Record that an adverse-action notice was delivered.
    DeliverNotices,
    /// Clear a stipulation.
    ClearStipulations,
    /// Import a lender's rate sheet.
    ImportRates,
    /// See the analytics screen.
    ViewAnalytics,
    /// Add, disable, unlock and reset staff accounts.
    ManageStaff,
    /// Read, verify and export the audit log.
    ReadAuditLog,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::ResolveIdentity,
        Permission::RevealPii,
        Permission::PrintOriginal,
        Permission::Countersign,
        Permission::ExchangeStar,
        Permission::DeliverNotices,
        Permission::ClearStipulations,
        Permission::ImportRates,
        Permission::ViewAnalytics,
        Permission::ManageStaff,
        Permission::ReadAuditLog,
    ];

    /// The roles that hold this permission: the finance desk's decisions are a finance
    /// manager's (or an admin's); accounts and the audit log are an admin's.
    pub fn roles(self) -> &'static [Role] {
        const DESK: &[Role] = &[Role::FinanceManager, Role::Admin];
        const ADMIN: &[Role] = &[Role::Admin];
        match self {
            Permission::ResolveIdentity
            | Permission::RevealPii
            | Permission::PrintOriginal
            | Permission::Countersign
            | Permission::ExchangeStar
            | Permission::DeliverNotices
            | Permission::ClearStipulations
            | Permission::ImportRates
            | Permission::ViewAnalytics => DESK,
            Permission::ManageStaff | Permission::ReadAuditLog => ADMIN,
        }
    }

    /// Every permission `role` holds.
    pub fn of(role: Role) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| p.roles().contains(&role))
            .collect()
    }
}

/// What the authenticator app needs to enrol: the secret (for typing), the otpauth URL and a QR
/// code of it as SVG.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MfaEnrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignInOutcome {
    SignedIn { session: SessionView },
    MfaRequired,
    MfaEnrolmentRequired { enrolment: MfaEnrolment },
}

/// A successful password step: the session token (kept by the caller) and what comes next.
#[derive(Debug)]
pub struct SignIn {
    pub token: SessionToken,
    pub outcome: SignInOutcome,
}

// ----- validation ---------------------------------------------------------------------------

fn invalid(field: &'static str, message: impl Into<String>) -> AuthError {
    AuthError::Invalid {
        field,
        message: message.into(),
    }
}

fn validate_new_staff(input: &NewStaff) -> Result<(String, String), AuthError> {
    let username = input.username.trim().to_lowercase();
    if !(3..=32).contains(&username.chars().count())
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(invalid(
            "username",
            "use 3 to 32 letters, digits, dots, dashes or underscores",
        ));
    }
    let display = input.display_name.trim().to_string();
    if display.is_empty() || display.chars().count() > 60 || display.chars().any(char::is_control) {
        return Err(invalid(
            "display_name",
            "enter the person's name (up to 60 characters)",
        ));
    }
    password::check_policy(&input.password, &username).map_err(|m| invalid("password", m))?;
    Ok((username, display))
}

// ----- staff --------------------------------------------------------------------------------

fn staff_from_row(row: staff_repo::StaffRow) -> Result<StaffView, sqlx::Error> {
    Ok(StaffView {
        role: known("staff role", &row.role, Role::parse)?,
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        mfa_enrolled: row.mfa_enrolled,
        disabled: row.disabled,
        locked_until: row.locked_until,
        created_at: row.created_at,
    })
}

async fn staff_by_id(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<StaffView>, sqlx::Error> {
    staff_repo::get(conn, id)
        .await?
        .map(staff_from_row)
        .transpose()
}

/// Finds a staff member by id or username.
pub async fn find_staff(store: &Store, id_or_username: &str) -> Result<StaffView, AuthError> {
    match staff_repo::find(store, id_or_username.trim()).await? {
        Some(row) => Ok(staff_from_row(row)?),
        None => Err(AuthError::NotFound(id_or_username.to_string())),
    }
}

pub async fn staff_count(store: &Store) -> Result<i64, sqlx::Error> {
    let mut conn = store.pool().acquire().await?;
    staff_repo::count(&mut conn).await
}

pub async fn list_staff(store: &Store, actor: &Actor) -> Result<Vec<StaffView>, AuthError> {
    require_admin(actor)?;
    let rows = staff_repo::list(store).await?;
    Ok(rows
        .into_iter()
        .map(staff_from_row)
        .collect::<Result<_, _>>()?)
}

/// A staff member's audit actor name and display name, for screens that show who did what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StaffName {
    /// As the audit log and history record it: `staff:<username>`.
    pub actor: String,
    pub name: String,
}

/// Every staff member's actor name with their display name (disabled staff included: their
/// past actions still show). Names only: no role, state or sign-in facts.
pub async fn staff_directory(store: &Store) -> Result<Vec<StaffName>, AuthError> {
    let rows = staff_repo::directory(store).await?;
    Ok(rows
        .into_iter()
        .map(|(actor, name)| StaffName {
            name: actor_label(&actor, Some(&name)),
            actor,
        })
        .collect())
}

async fn insert_staff(
    w: &mut Write<'_>,
    input: &NewStaff,
    role: Role,
) -> Result<StaffView, AuthError> {
    let (username, display) = validate_new_staff(input)?;
    let taken = staff_repo::id_of_username(w.conn(), &username).await?;
    if taken.is_some() {
        return Err(AuthError::Invalid {
            field: "username",
            message: format!("the username {username} is already taken"),
        });
    }
    let id = new_id();
    let hash = hash_password(&input.password)?;
    staff_repo::insert(
        w,
        &id,
        &staff_repo::NewStaffRow {
            username: &username,
            display_name: &display,
            role: role.as_str(),
            password_hash: &hash,
        },
    )
    .await?;
    staff_by_id(w.conn(), &id)
        .await?
        .ok_or_else(|| AuthError::NotFound(id))
}

/// Adds a staff account; `actor` is who did it (for the audit log).
#[tracing::instrument(skip_all, err)]
pub async fn create_staff(
    store: &Store,
    actor: &Actor,
    input: &NewStaff,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    require_admin(actor)?;
    let actor = &actor.name();
    let mut w = store.write(now).await?;
    let staff = insert_staff(&mut w, input, input.role).await?;
    w.audit(
        AuditEvent::new(actor, "staff.create", AuditOutcome::Success)
            .subject(staff.actor())
            .detail(format!("role {}", staff.role.as_str())),
    );
    w.commit().await?;
    Ok(staff)
}

/// Creates the first admin on a new database; refused once any staff account exists.
#[tracing::instrument(skip_all, err)]
pub async fn create_first_admin(
    store: &Store,
    input: &NewStaff,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    let mut w = store.write(now).await?;
    let count = staff_repo::count(w.conn()).await?;
    if count > 0 {
        return Err(AuthError::Conflict(
            "an administrator already exists; sign in instead".into(),
        ));
    }
    let staff = insert_staff(&mut w, input, Role::Admin).await?;
    w.audit(
        AuditEvent::new(
            staff.actor(),
            "staff.create_first_admin",
            AuditOutcome::Success,
        )
        .subject(staff.actor()),
    );
    w.commit().await?;
    Ok(staff)
}

/// Applies one admin change to a staff row, journals and audits it.
async fn change_staff(
    store: &Store,
    actor: &str,
    id_or_username: &str,
    change: StaffChange,
    action: &str,
    end_sessions: bool,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    let target = find_staff(store, id_or_username).await?;
    let mut w = store.write(now).await?;
    staff_repo::change(&mut w, &target.id, change).await?;
    if end_sessions {
        // A disabled account or a reset MFA ends every open session of that person.
        session_repo::end_all_of(&mut w, &target.id).await?;
    }
    w.audit(AuditEvent::new(actor, action, AuditOutcome::Success).subject(target.actor()));
    let updated = staff_by_id(w.conn(), &target.id)
        .await?
        .ok_or_else(|| AuthError::NotFound(target.id.clone()))?;
    w.commit().await?;
    Ok(updated)
}

pub async fn set_disabled(
    store: &Store,
    actor: &Actor,
    id_or_username: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    require_admin(actor)?;
    let actor = &actor.name();
    if disabled {
        let target = find_staff(store, id_or_username).await?;
        if target.role == Role::Admin {
            let other_admins = staff_repo::other_active_admins(store, &target.id).await?;
            if other_admins == 0 {
                return Err(AuthError::Conflict(
                    "this is the last active administrator; add another admin first".into(),
                ));
            }
        }
        change_staff(
            store,
            actor,
            id_or_username,
            StaffChange::Disable,
            "staff.disable",
            true,
            now,
        )
        .await
    } else {
        change_staff(
            store,
            actor,
            id_or_username,
            StaffChange::Enable,
            "staff.enable",
            false,
            now,
        )
        .await
    }
}

/// Clears a staff member's MFA so they enrol again at next sign-in (lost phone).
pub async fn reset_mfa(
    store: &Store,
    actor: &Actor,
    id_or_username: &str,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    require_admin(actor)?;
    let actor = &actor.name();
    change_staff(
        store,
        actor,
        id_or_username,
        StaffChange::ResetMfa,
        "staff.reset_mfa",
        true,
        now,
    )
    .await
}

/// Lifts a lockout early.
pub async fn unlock_staff(
    store: &Store,
    actor: &Actor,
    id_or_username: &str,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    require_admin(actor)?;
    let actor = &actor.name();
    change_staff(
        store,
        actor,
        id_or_username,
        StaffChange::Unlock,
        "staff.unlock",
        false,
        now,
    )
    .await
}

// ----- sign-in ------------------------------------------------------------------------------

use staff_repo::CredentialsRow as Credentials;

fn locked_until(c: &Credentials, now: DateTime<Utc>) -> Option<String> {
    c.locked_until
        .as_deref()
        .filter(|until| parse_ts(until) > now)
        .map(str::to_string)
}

/// Counts a failed attempt; the fifth in a row locks the account for [`LOCKOUT`].
async fn register_failure(
    store: &Store,
    c: &Credentials,
    step: &str,
    now: DateTime<Utc>,
) -> Result<AuthError, AuthError> {
    let mut w = store.write(now).await?;
    let attempts = staff_repo::count_failure(&mut w, &c.id).await?;
    let actor = format!("staff:{}", c.username);
    let mut error = if step == "mfa" {
        AuthError::InvalidMfaCode
    } else {
        AuthError::InvalidCredentials
    };
    w.audit(
        AuditEvent::new(&actor, format!("auth.{step}"), AuditOutcome::Failure).detail(format!(
            "failed attempt {attempts} of {MAX_FAILED_ATTEMPTS}"
        )),
    );
    if attempts >= MAX_FAILED_ATTEMPTS {
        let until = ts(now + LOCKOUT);
        staff_repo::lock_out(&mut w, &c.id, &until).await?;
        session_repo::end_all_of(&mut w, &c.id).await?;
        w.audit(
            AuditEvent::new(&actor, "auth.lockout", AuditOutcome::Success)
                .detail(format!("locked until {until}")),
        );
        error = AuthError::AccountLocked { until };
    }
    w.commit().await?;
    Ok(error)
}

async fn new_session(
    w: &mut Write<'_>,
    staff_id: &str,
    stage: &str,
    mfa_bypassed: bool,
    now: DateTime<Utc>,
) -> Result<SessionToken, sqlx::Error> {
    let token = SessionToken(random_token(32));
    session_repo::insert(
        w,
        &new_id(),
        &session_repo::NewSessionRow {
            token_hash: &token.hash(),
            staff_id,
            stage,
            mfa_bypassed,
            created_at: &ts(now),
            expires_at: &ts(now + SESSION_LIFETIME),
        },
    )
    .await?;
    Ok(token)
}

/// The password step. On success returns a session token whose session is either active (demo
/// database, MFA bypassed), waiting for the MFA code, or waiting for MFA enrolment.
#[tracing::instrument(skip_all, err)]
pub async fn sign_in(
    store: &Store,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<SignIn, AuthError> {
    let username = username.trim().to_lowercase();
    let mut conn = store.pool().acquire().await?;
    let found = staff_repo::credentials_by_username(&mut conn, &username).await?;
    drop(conn);
    let Some(c) = found else {
        // Spend the same time as a real check so response time does not reveal usernames.
        password::burn_time(password);
        let event = AuditEvent::new(
            format!("unknown:{username}"),
            "auth.password",
            AuditOutcome::Failure,
        )
        .detail("no such username");
        audit::record(store, now, &event).await?;
        return Err(AuthError::InvalidCredentials);
    };
    let actor = format!("staff:{}", c.username);
    if let Some(until) = locked_until(&c, now) {
        let event =
            AuditEvent::new(&actor, "auth.password", AuditOutcome::Denied).detail("account locked");
        audit::record(store, now, &event).await?;
        return Err(AuthError::AccountLocked { until });
    }
    if !verify_password(password, &c.password_hash) {
        return Err(register_failure(store, &c, "password", now).await?);
    }
    if c.disabled {
        let event = AuditEvent::new(&actor, "auth.password", AuditOutcome::Denied)
            .detail("account disabled");
        audit::record(store, now, &event).await?;
        return Err(AuthError::AccountDisabled);
    }
    let demo = store.is_demo().await?;
    let mut w = store.write(now).await?;
    staff_repo::clear_failures_and_lockout(&mut w, &c.id).await?;
    let (stage, detail, enrolment) = if demo {
        ("active", "password ok; MFA bypassed (demo database)", None)
    } else if c.totp_secret_enc.is_some() {
        ("mfa_pending", "password ok; MFA code required", None)
    } else {
        let totp = Totp::generate(&c.username)?;
        let sealed = store.cipher().encrypt(
            &totp.secret_base32(),
            &format!("staff.totp_pending:{}", c.id),
        );
        staff_repo::set_totp_pending(&mut w, &c.id, &sealed).await?;
        (
            "enrolment_pending",
            "password ok; MFA enrolment required",
            Some(enrolment_for(&totp)?),
        )
    };
    let token = new_session(&mut w, &c.id, stage, demo, now).await?;
    w.audit(AuditEvent::new(&actor, "auth.password", AuditOutcome::Success).detail(detail));
    w.commit().await?;
    let outcome = match (stage, enrolment) {
        ("active", _) => SignInOutcome::SignedIn {
            session: session_view(store, &token).await?,
        },
        (_, Some(enrolment)) => SignInOutcome::MfaEnrolmentRequired { enrolment },
        _ => SignInOutcome::MfaRequired,
    };
    Ok(SignIn { token, outcome })
}

struct SessionRow {
    id: String,
    staff_id: String,
    stage: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

async fn session_row(
    conn: &mut SqliteConnection,
    token: &SessionToken,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let row = session_repo::by_token_hash(conn, &token.hash()).await?;
    Ok(row.map(|r| SessionRow {
        id: r.id,
        staff_id: r.staff_id,
        stage: r.stage,
        created_at: parse_ts(&r.created_at),
        last_seen_at: parse_ts(&r.last_seen_at),
        expires_at: parse_ts(&r.expires_at),
    }))
}

async fn session_view(store: &Store, token: &SessionToken) -> Result<SessionView, AuthError> {
    let mut conn = store.pool().acquire().await?;
    let row = session_repo::by_token_hash(&mut conn, &token.hash())
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    let staff = staff_by_id(&mut conn, &row.staff_id)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    Ok(SessionView {
        permissions: Permission::of(staff.role),
        staff,
        locked: row.stage == "locked",
        expires_at: row.expires_at,
        mfa_bypassed: row.mfa_bypassed,
    })
}

/// The second step for an enrolled account: the current TOTP code.
#[tracing::instrument(skip_all, err)]
pub async fn verify_mfa(
    store: &Store,
    token: &SessionToken,
    code: &str,
    now: DateTime<Utc>,
) -> Result<SessionView, AuthError> {
    mfa_step(store, token, code, now, "mfa_pending").await
}

/// Confirms MFA enrolment with the first code from the newly scanned secret.
#[tracing::instrument(skip_all, err)]
pub async fn confirm_enrolment(
    store: &Store,
    token: &SessionToken,
    code: &str,
    now: DateTime<Utc>,
) -> Result<SessionView, AuthError> {
    mfa_step(store, token, code, now, "enrolment_pending").await
}

async fn mfa_step(
    store: &Store,
    token: &SessionToken,
    code: &str,
    now: DateTime<Utc>,
    expected_stage: &str,
) -> Result<SessionView, AuthError> {
    let mut conn = store.pool().acquire().await?;
    let session = session_row(&mut conn, token)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    if session.stage != expected_stage || now - session.created_at > MFA_STEP_WINDOW {
        return Err(AuthError::SessionExpired);
    }
    let c = staff_repo::credentials_by_id(&mut conn, &session.staff_id)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    let (pending_enc, last_step) = staff_repo::totp_state(&mut conn, &c.id).await?;
    drop(conn);
    if let Some(until) = locked_until(&c, now) {
        return Err(AuthError::AccountLocked { until });
    }
    let enrolling = expected_stage == "enrolment_pending";
    let (sealed, context) = if enrolling {
        (pending_enc, format!("staff.totp_pending:{}", c.id))
    } else {
        (c.totp_secret_enc.clone(), format!("staff.totp:{}", c.id))
    };
    let sealed = sealed.ok_or(AuthError::SessionExpired)?;
    let secret = store.cipher().decrypt(&sealed, &context)?;
    let totp = Totp::from_base32(&secret, &c.username)?;
    let Some(step) = totp.matching_step(code, now, last_step) else {
        return Err(register_failure(store, &c, "mfa", now).await?);
    };
    let mut w = store.write(now).await?;
    if enrolling {
        let final_sealed = store
            .cipher()
            .encrypt(&secret, &format!("staff.totp:{}", c.id));
        staff_repo::confirm_totp(&mut w, &c.id, &final_sealed).await?;
    }
    staff_repo::accept_totp_step(&mut w, &c.id, step).await?;
    session_repo::activate(&mut w, &session.id, &ts(now)).await?;
    let action = if enrolling {
        "auth.mfa_enrol"
    } else {
        "auth.mfa"
    };
    w.audit(AuditEvent::new(
        format!("staff:{}", c.username),
        action,
        AuditOutcome::Success,
    ));
    w.commit().await?;
    session_view(store, token).await
}

/// Checks the session behind `token` and that its staff member has one of `allowed` roles.
/// Locks an idle session, ends an expired one, and audits a refusal. `action` names what was
/// attempted (for the audit entry of a refusal).
#[tracing::instrument(skip_all, err, fields(action))]
pub async fn authorize(
    store: &Store,
    token: Option<&SessionToken>,
    now: DateTime<Utc>,
    allowed: &[Role],
    action: &str,
) -> Result<StaffView, AuthError> {
    let token = token.ok_or(AuthError::NotSignedIn)?;
    let mut conn = store.pool().acquire().await?;
    let session = session_row(&mut conn, token)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    match session.stage.as_str() {
        "ended" => return Err(AuthError::NotSignedIn),
        "mfa_pending" | "enrolment_pending" => return Err(AuthError::MfaRequired),
        _ => {}
    }
    if now >= session.expires_at {
        drop(conn);
        end_session(store, &session.id, now, "session.expired").await?;
        return Err(AuthError::SessionExpired);
    }
    if session.stage == "locked" {
        return Err(AuthError::SessionLocked);
    }
    let staff = staff_by_id(&mut conn, &session.staff_id)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    drop(conn);
    if staff.disabled {
        end_session(store, &session.id, now, "session.end_disabled").await?;
        return Err(AuthError::AccountDisabled);
    }
    let idle = Duration::minutes(i64::from(
        store
            .setting_u32("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)
            .await?,
    ));
    if now - session.last_seen_at > idle {
        let mut w = store.write(now).await?;
        session_repo::lock(&mut w, &session.id).await?;
        w.audit(AuditEvent::new(
            staff.actor(),
            "session.idle_lock",
            AuditOutcome::Success,
        ));
        w.commit().await?;
        return Err(AuthError::SessionLocked);
    }
    if !allowed.contains(&staff.role) {
        let event = AuditEvent::new(staff.actor(), action, AuditOutcome::Denied)
            .detail(format!("role {} may not do this", staff.role.as_str()));
        audit::record(store, now, &event).await?;
        return Err(AuthError::Forbidden);
    }
    // Activity is recorded at most every LAST_SEEN_RESOLUTION: the idle lock counts minutes, and
    // a durable write on every command (every keystroke on the deal screen) would cost a disk
    // sync each time.
    if now - session.last_seen_at >= Duration::seconds(LAST_SEEN_RESOLUTION_SECONDS) {
        session_repo::touch(store, &session.id, &ts(now)).await?;
    }
    Ok(staff)
}

/// How stale a session's `last_seen_at` may get before a command refreshes it (seconds). The idle
/// lock may therefore come up to this much earlier than its minutes say.
pub const LAST_SEEN_RESOLUTION_SECONDS: i64 = 15;

async fn end_session(
    store: &Store,
    session_id: &str,
    now: DateTime<Utc>,
    action: &str,
) -> Result<(), AuthError> {
    let mut w = store.write(now).await?;
    if let Some(username) = session_repo::end(&mut w, session_id).await? {
        w.audit(AuditEvent::new(
            format!("staff:{username}"),
            action,
            AuditOutcome::Success,
        ));
    }
    w.commit().await?;
    Ok(())
}

/// The session as it stands, without touching it (for the app's start-up status).
pub async fn current_session(
    store: &Store,
    token: Option<&SessionToken>,
    now: DateTime<Utc>,
) -> Result<Option<SessionView>, AuthError> {
    let Some(token) = token else { return Ok(None) };
    let mut conn = store.pool().acquire().await?;
    let Some(s) = session_row(&mut conn, token).await? else {
        return Ok(None);
    };
    drop(conn);
    if !matches!(s.stage.as_str(), "active" | "locked") || now >= s.expires_at {
        return Ok(None);
    }
    session_view(store, token).await.map(Some)
}

/// Locks the desk now (the UI's idle timer, or the Lock button).
pub async fn lock(
    store: &Store,
    token: Option<&SessionToken>,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let token = token.ok_or(AuthError::NotSignedIn)?;
    let mut w = store.write(now).await?;
    if let Some(username) = session_repo::lock_active_by_token_hash(&mut w, &token.hash()).await? {
        w.audit(AuditEvent::new(
            format!("staff:{username}"),
            "session.lock",
            AuditOutcome::Success,
        ));
    }
    w.commit().await?;
    Ok(())
}

/// Unlocks a locked (or idle) session with the staff member's password. Failures count toward
/// the lockout like sign-in failures.
#[tracing::instrument(skip_all, err)]
pub async fn unlock(
    store: &Store,
    token: Option<&SessionToken>,
    password: &str,
    now: DateTime<Utc>,
) -> Result<SessionView, AuthError> {
    let token = token.ok_or(AuthError::NotSignedIn)?;
    let mut conn = store.pool().acquire().await?;
    let session = session_row(&mut conn, token)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    if !matches!(session.stage.as_str(), "active" | "locked") {
        return Err(AuthError::NotSignedIn);
    }
    if now >= session.expires_at {
        drop(conn);
        end_session(store, &session.id, now, "session.expired").await?;
        return Err(AuthError::SessionExpired);
    }
    let c = staff_repo::credentials_by_id(&mut conn, &session.staff_id)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    drop(conn);
    if let Some(until) = locked_until(&c, now) {
        return Err(AuthError::AccountLocked { until });
    }
    if c.disabled {
        return Err(AuthError::AccountDisabled);
    }
    if !verify_password(password, &c.password_hash) {
        return Err(match register_failure(store, &c, "unlock", now).await? {
            AuthError::AccountLocked { until } => AuthError::AccountLocked { until },
            _ => AuthError::InvalidCredentials,
        });
    }
    let mut w = store.write(now).await?;
    session_repo::activate(&mut w, &session.id, &ts(now)).await?;
    staff_repo::clear_failures(&mut w, &c.id).await?;
    w.audit(AuditEvent::new(
        format!("staff:{}", c.username),
        "session.unlock",
        AuditOutcome::Success,
    ));
    w.commit().await?;
    session_view(store, token).await
}

/// Ends the session.
pub async fn sign_out(
    store: &Store,
    token: Option<&SessionToken>,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let Some(token) = token else { return Ok(()) };
    let mut conn = store.pool().acquire().await?;
    let session = session_row(&mut conn, token).await?;
    drop(conn);
    if let Some(s) = session {
        end_session(store, &s.id, now, "auth.sign_out").await?;
    }
    Ok(())
}

/// Who is doing something: a signed-in staff member (checked by [`authorize`]) or the operator
/// of the command-line tool, who holds the database file and its key and so acts as an admin.
#[derive(Debug, Clone)]
pub enum Actor {
    Staff(StaffView),
    Cli(String),
    /// A customer acting on their own behalf through the portal (after a link's knowledge
    /// check), by customer id. Holds no staff role.
    Customer(String),
}

/// Who an audit or history actor name (`staff:<username>`, `cli:<user>`, `system`, ...) is, in
/// words for a screen: the staff member's display name when the caller found one.
pub fn actor_label(actor: &str, display_name: Option<&str>) -> String {
    if let Some(name) = display_name.map(str::trim).filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    if let Some(user) = actor.strip_prefix("cli:") {
        return format!("{user} (command line)");
    }
    if actor.starts_with("customer:") || actor.starts_with("portal:") {
        return "the customer".to_string();
    }
    if actor == "system" {
        return "DealerDesk".to_string();
    }
    actor.strip_prefix("staff:").unwrap_or(actor).to_string()
}

impl Actor {
    /// The CLI actor, named after the operating-system user.
    pub fn cli() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor::Cli(user)
    }

    /// The name written to the audit log.
    pub fn name(&self) -> String {
        match self {
            Actor::Staff(s) => s.actor(),
            Actor::Cli(user) => format!("cli:{user}"),
            Actor::Customer(id) => format!("customer:{id}"),
        }
    }

    /// Whether this actor holds `permission` (the CLI operator holds every role).
    pub fn may(&self, permission: Permission) -> bool {
        self.has_role(permission.roles())
    }

    /// Whether this actor holds one of `roles` (the CLI operator holds every role).
    pub fn has_role(&self, roles: &[Role]) -> bool {
        match self {
            Actor::Staff(s) => roles.contains(&s.role),
            Actor::Cli(_) => true,
            Actor::Customer(_) => false,
        }
    }
}

/// Who may manage staff accounts and read the audit log: an admin (or the desk's command-line
/// operator, who holds every role). Checked here, whoever calls: the desk, the CLI, later the hub.
pub fn require_admin(actor: &Actor) -> Result<(), AuthError> {
    if actor.may(Permission::ManageStaff) {
        Ok(())
    } else {
        Err(AuthError::Forbidden)
    }
}

#[cfg(test)]
mod actor_label_tests {
    use super::actor_label;

    #[test]
    fn each_kind_of_actor_reads_as_words() {
        assert_eq!(
            actor_label("staff:morgan.fi", Some("Morgan Fi")),
            "Morgan Fi"
        );
        assert_eq!(actor_label("staff:gone", None), "gone");
        assert_eq!(actor_label("cli:demo", None), "demo (command line)");
        assert_eq!(actor_label("portal:10.0.0.7", None), "the customer");
        assert_eq!(actor_label("customer:abc", None), "the customer");
        assert_eq!(actor_label("system", None), "DealerDesk");
        assert_eq!(actor_label("lender:x", Some("  ")), "lender:x");
    }
}
