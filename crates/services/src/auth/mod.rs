//! Staff accounts, roles, passwords (argon2id), TOTP MFA (RFC 6238), sessions, lockout and the
//! idle lock. Every check here runs in Rust on every command; the UI only mirrors it.

mod password;
mod totp;

use chrono::{DateTime, Duration, Utc};
use dealerdesk_store::known;
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};
use ts_rs::TS;

use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{random_token, sha256_hex, CryptoError};
use dealerdesk_store::{journal, new_id, parse_ts, ts, Store};

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

const STAFF_COLUMNS: &str =
    "id, username, display_name, role, totp_secret_enc IS NOT NULL AS mfa_enrolled, disabled, locked_until, created_at";

fn staff_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StaffView, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(StaffView {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: known("staff role", &role, Role::parse)?,
        mfa_enrolled: row.try_get("mfa_enrolled")?,
        disabled: row.try_get("disabled")?,
        locked_until: row.try_get("locked_until")?,
        created_at: row.try_get("created_at")?,
    })
}

async fn staff_by_id(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<StaffView>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = ?1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(staff_from_row).transpose()
}

/// Finds a staff member by id or username.
pub async fn find_staff(store: &Store, id_or_username: &str) -> Result<StaffView, AuthError> {
    let row = sqlx::query(&format!(
        "SELECT {STAFF_COLUMNS} FROM staff WHERE id = ?1 OR username = ?1"
    ))
    .bind(id_or_username.trim())
    .fetch_optional(store.pool())
    .await?;
    match row {
        Some(row) => Ok(staff_from_row(&row)?),
        None => Err(AuthError::NotFound(id_or_username.to_string())),
    }
}

pub async fn staff_count(store: &Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(r#"SELECT COUNT(*) FROM staff"#)
        .fetch_one(store.pool())
        .await
}

pub async fn list_staff(store: &Store, actor: &Actor) -> Result<Vec<StaffView>, AuthError> {
    require_admin(actor)?;
    let rows = sqlx::query(&format!(
        "SELECT {STAFF_COLUMNS} FROM staff ORDER BY disabled, role, username"
    ))
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(staff_from_row).collect::<Result<_, _>>()?)
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
    let rows: Vec<(String, String)> =
        sqlx::query_as(r#"SELECT 'staff:' || username, display_name FROM staff ORDER BY username"#)
            .fetch_all(store.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(actor, name)| StaffName {
            name: actor_label(&actor, Some(&name)),
            actor,
        })
        .collect())
}

async fn insert_staff(
    store: &Store,
    conn: &mut SqliteConnection,
    input: &NewStaff,
    role: Role,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    let (username, display) = validate_new_staff(input)?;
    let taken: Option<String> = sqlx::query_scalar(r#"SELECT id FROM staff WHERE username = ?1"#)
        .bind(&username)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(AuthError::Invalid {
            field: "username",
            message: format!("the username {username} is already taken"),
        });
    }
    let id = new_id();
    let hash = hash_password(&input.password)?;
    let seq = journal(&mut *conn, "staff", &id, "insert", store.device_id(), now).await?;
    sqlx::query(
        r#"INSERT INTO staff (id, username, display_name, role, password_hash, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)"#,
    )
    .bind(&id)
    .bind(&username)
    .bind(&display)
    .bind(role.as_str())
    .bind(&hash)
    .bind(ts(now))
    .bind(store.device_id())
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    staff_by_id(conn, &id)
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
    let mut tx = store.begin_write().await?;
    let staff = insert_staff(store, &mut tx, input, input.role, now).await?;
    let event = AuditEvent::new(actor, "staff.create", AuditOutcome::Success)
        .subject(staff.actor())
        .detail(format!("role {}", staff.role.as_str()));
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    tx.commit().await?;
    Ok(staff)
}

/// Creates the first admin on a new database; refused once any staff account exists.
#[tracing::instrument(skip_all, err)]
pub async fn create_first_admin(
    store: &Store,
    input: &NewStaff,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    let mut tx = store.begin_write().await?;
    let count: i64 = sqlx::query_scalar(r#"SELECT COUNT(*) FROM staff"#)
        .fetch_one(&mut *tx)
        .await?;
    if count > 0 {
        return Err(AuthError::Conflict(
            "an administrator already exists; sign in instead".into(),
        ));
    }
    let staff = insert_staff(store, &mut tx, input, Role::Admin, now).await?;
    let event = AuditEvent::new(
        staff.actor(),
        "staff.create_first_admin",
        AuditOutcome::Success,
    )
    .subject(staff.actor());
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    tx.commit().await?;
    Ok(staff)
}

/// Applies one admin change to a staff row (`SET` clause), journals and audits it.
async fn change_staff(
    store: &Store,
    actor: &str,
    id_or_username: &str,
    set_clause: &str,
    action: &str,
    end_sessions: bool,
    now: DateTime<Utc>,
) -> Result<StaffView, AuthError> {
    let target = find_staff(store, id_or_username).await?;
    let mut tx = store.begin_write().await?;
    let seq = journal(
        &mut tx,
        "staff",
        &target.id,
        "update",
        store.device_id(),
        now,
    )
    .await?;
    sqlx::query(&format!(
        "UPDATE staff SET {set_clause}, updated_at = ?2, device_id = ?3, change_seq = ?4 WHERE id = ?1"
    ))
    .bind(&target.id)
    .bind(ts(now))
    .bind(store.device_id())
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    if end_sessions {
        // A disabled account or a reset MFA ends every open session of that person.
        sqlx::query(
            r#"UPDATE session SET stage = 'ended' WHERE staff_id = ?1 AND stage <> 'ended'"#,
        )
        .bind(&target.id)
        .execute(&mut *tx)
        .await?;
    }
    let event = AuditEvent::new(actor, action, AuditOutcome::Success).subject(target.actor());
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    let updated = staff_by_id(&mut tx, &target.id)
        .await?
        .ok_or_else(|| AuthError::NotFound(target.id.clone()))?;
    tx.commit().await?;
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
            let other_admins: i64 = sqlx::query_scalar(
                r#"SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled = 0 AND id <> ?1"#,
            )
            .bind(&target.id)
            .fetch_one(store.pool())
            .await?;
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
            "disabled = 1",
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
            "disabled = 0",
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
        "totp_secret_enc = NULL, totp_pending_enc = NULL, totp_last_step = NULL",
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
        "locked_until = NULL, failed_attempts = 0",
        "staff.unlock",
        false,
        now,
    )
    .await
}

// ----- sign-in ------------------------------------------------------------------------------

struct Credentials {
    id: String,
    username: String,
    password_hash: String,
    totp_secret_enc: Option<String>,
    locked_until: Option<String>,
    disabled: bool,
}

async fn credentials(
    conn: &mut SqliteConnection,
    by: &str,
    value: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT id, username, password_hash, totp_secret_enc, locked_until, disabled
         FROM staff WHERE {by} = ?1"
    ))
    .bind(value)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Credentials {
            id: r.try_get(0)?,
            username: r.try_get(1)?,
            password_hash: r.try_get(2)?,
            totp_secret_enc: r.try_get(3)?,
            locked_until: r.try_get(4)?,
            disabled: r.try_get(5)?,
        })
    })
    .transpose()
}

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
    let mut tx = store.begin_write().await?;
    let attempts: i64 = sqlx::query_scalar(
        r#"UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts"#,
    )
    .bind(&c.id)
    .fetch_one(&mut *tx)
    .await?;
    let actor = format!("staff:{}", c.username);
    let mut error = if step == "mfa" {
        AuthError::InvalidMfaCode
    } else {
        AuthError::InvalidCredentials
    };
    let event = AuditEvent::new(&actor, format!("auth.{step}"), AuditOutcome::Failure).detail(
        format!("failed attempt {attempts} of {MAX_FAILED_ATTEMPTS}"),
    );
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    if attempts >= MAX_FAILED_ATTEMPTS {
        let until = ts(now + LOCKOUT);
        sqlx::query(r#"UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1"#)
            .bind(&c.id)
            .bind(&until)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            r#"UPDATE session SET stage = 'ended' WHERE staff_id = ?1 AND stage <> 'ended'"#,
        )
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::new(&actor, "auth.lockout", AuditOutcome::Success)
            .detail(format!("locked until {until}"));
        audit::append(&mut tx, store.cipher(), now, &event).await?;
        error = AuthError::AccountLocked { until };
    }
    tx.commit().await?;
    Ok(error)
}

async fn new_session(
    conn: &mut SqliteConnection,
    staff_id: &str,
    stage: &str,
    mfa_bypassed: bool,
    now: DateTime<Utc>,
) -> Result<SessionToken, sqlx::Error> {
    let token = SessionToken(random_token(32));
    sqlx::query(
        r#"INSERT INTO session (id, token_hash, staff_id, stage, mfa_bypassed, created_at, last_seen_at, expires_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)"#,
    )
    .bind(new_id())
    .bind(token.hash())
    .bind(staff_id)
    .bind(stage)
    .bind(mfa_bypassed)
    .bind(ts(now))
    .bind(ts(now + SESSION_LIFETIME))
    .execute(conn)
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
    let found = credentials(&mut conn, "username", &username).await?;
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
    let mut tx = store.begin_write().await?;
    sqlx::query(r#"UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = ?1"#)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
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
        sqlx::query(r#"UPDATE staff SET totp_pending_enc = ?2 WHERE id = ?1"#)
            .bind(&c.id)
            .bind(&sealed)
            .execute(&mut *tx)
            .await?;
        (
            "enrolment_pending",
            "password ok; MFA enrolment required",
            Some(enrolment_for(&totp)?),
        )
    };
    let token = new_session(&mut tx, &c.id, stage, demo, now).await?;
    let event = AuditEvent::new(&actor, "auth.password", AuditOutcome::Success).detail(detail);
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    tx.commit().await?;
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
    let row = sqlx::query(
        r#"SELECT id, staff_id, stage, created_at, last_seen_at, expires_at FROM session WHERE token_hash = ?1"#,
    )
    .bind(token.hash())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            id: r.try_get(0)?,
            staff_id: r.try_get(1)?,
            stage: r.try_get(2)?,
            created_at: parse_ts(&r.try_get::<String, _>(3)?),
            last_seen_at: parse_ts(&r.try_get::<String, _>(4)?),
            expires_at: parse_ts(&r.try_get::<String, _>(5)?),
        })
    })
    .transpose()
}

async fn session_view(store: &Store, token: &SessionToken) -> Result<SessionView, AuthError> {
    let mut conn = store.pool().acquire().await?;
    let row = sqlx::query(
        r#"SELECT staff_id, stage, expires_at, mfa_bypassed FROM session WHERE token_hash = ?1"#,
    )
    .bind(token.hash())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AuthError::NotSignedIn)?;
    let staff_id: String = row.try_get(0)?;
    let stage: String = row.try_get(1)?;
    let staff = staff_by_id(&mut conn, &staff_id)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    Ok(SessionView {
        permissions: Permission::of(staff.role),
        staff,
        locked: stage == "locked",
        expires_at: row.try_get(2)?,
        mfa_bypassed: row.try_get(3)?,
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
    let c = credentials(&mut conn, "id", &session.staff_id)
        .await?
        .ok_or(AuthError::NotSignedIn)?;
    let step_row =
        sqlx::query(r#"SELECT totp_pending_enc, totp_last_step FROM staff WHERE id = ?1"#)
            .bind(&c.id)
            .fetch_one(&mut *conn)
            .await?;
    drop(conn);
    if let Some(until) = locked_until(&c, now) {
        return Err(AuthError::AccountLocked { until });
    }
    let enrolling = expected_stage == "enrolment_pending";
    let (sealed, context) = if enrolling {
        (
            step_row.try_get::<Option<String>, _>(0)?,
            format!("staff.totp_pending:{}", c.id),
        )
    } else {
        (c.totp_secret_enc.clone(), format!("staff.totp:{}", c.id))
    };
    let sealed = sealed.ok_or(AuthError::SessionExpired)?;
    let secret = store.cipher().decrypt(&sealed, &context)?;
    let totp = Totp::from_base32(&secret, &c.username)?;
    let last_step: Option<i64> = step_row.try_get(1)?;
    let Some(step) = totp.matching_step(code, now, last_step) else {
        return Err(register_failure(store, &c, "mfa", now).await?);
    };
    let mut tx = store.begin_write().await?;
    if enrolling {
        let final_sealed = store
            .cipher()
            .encrypt(&secret, &format!("staff.totp:{}", c.id));
        let seq = journal(&mut tx, "staff", &c.id, "update", store.device_id(), now).await?;
        sqlx::query(
            r#"UPDATE staff SET totp_secret_enc = ?2, totp_pending_enc = NULL, updated_at = ?3,
                   device_id = ?4, change_seq = ?5 WHERE id = ?1"#,
        )
        .bind(&c.id)
        .bind(&final_sealed)
        .bind(ts(now))
        .bind(store.device_id())
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(r#"UPDATE staff SET totp_last_step = ?2, failed_attempts = 0 WHERE id = ?1"#)
        .bind(&c.id)
        .bind(step)
        .execute(&mut *tx)
        .await?;
    sqlx::query(r#"UPDATE session SET stage = 'active', last_seen_at = ?2 WHERE id = ?1"#)
        .bind(&session.id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    let action = if enrolling {
        "auth.mfa_enrol"
    } else {
        "auth.mfa"
    };
    let event = AuditEvent::new(
        format!("staff:{}", c.username),
        action,
        AuditOutcome::Success,
    );
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    tx.commit().await?;
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
        let mut tx = store.begin_write().await?;
        sqlx::query(r#"UPDATE session SET stage = 'locked' WHERE id = ?1"#)
            .bind(&session.id)
            .execute(&mut *tx)
            .await?;
        let event = AuditEvent::new(staff.actor(), "session.idle_lock", AuditOutcome::Success);
        audit::append(&mut tx, store.cipher(), now, &event).await?;
        tx.commit().await?;
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
        sqlx::query(r#"UPDATE session SET last_seen_at = ?2 WHERE id = ?1"#)
            .bind(&session.id)
            .bind(ts(now))
            .execute(store.pool())
            .await?;
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
    let mut tx = store.begin_write().await?;
    let staff: Option<String> = sqlx::query_scalar(
        r#"UPDATE session SET stage = 'ended' WHERE id = ?1 AND stage <> 'ended'
           RETURNING (SELECT username FROM staff WHERE staff.id = session.staff_id)"#,
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(username) = staff {
        let event = AuditEvent::new(format!("staff:{username}"), action, AuditOutcome::Success);
        audit::append(&mut tx, store.cipher(), now, &event).await?;
    }
    tx.commit().await?;
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
    let mut tx = store.begin_write().await?;
    let username: Option<String> = sqlx::query_scalar(
        r#"UPDATE session SET stage = 'locked' WHERE token_hash = ?1 AND stage = 'active'
           RETURNING (SELECT username FROM staff WHERE staff.id = session.staff_id)"#,
    )
    .bind(token.hash())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(username) = username {
        let event = AuditEvent::new(
            format!("staff:{username}"),
            "session.lock",
            AuditOutcome::Success,
        );
        audit::append(&mut tx, store.cipher(), now, &event).await?;
    }
    tx.commit().await?;
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
    let c = credentials(&mut conn, "id", &session.staff_id)
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
    let mut tx = store.begin_write().await?;
    sqlx::query(r#"UPDATE session SET stage = 'active', last_seen_at = ?2 WHERE id = ?1"#)
        .bind(&session.id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query(r#"UPDATE staff SET failed_attempts = 0 WHERE id = ?1"#)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(
        format!("staff:{}", c.username),
        "session.unlock",
        AuditOutcome::Success,
    );
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    tx.commit().await?;
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
