//! The hub: use cases on the hub store (init, enrolment codes, desks, enrolment) and its axum
//! server over rustls. Tenancy: dealer group → rooftops → desks; every table keyed by (group, id).
//! The hub's private keys (TLS key, the group's data key) live in the state directory, never in
//! PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use dealerdesk_hub_store::audit::{self, HubEvent};
use dealerdesk_hub_store::{desk, enrolment_code, group, hub_staff, rooftop, HubStore};

pub mod desk_audit;
mod error;
pub mod server;
pub mod state;
pub mod sync;

pub use error::HubError;

pub use dealerdesk_sync::{code, pin, seal, seal_aad, tls_provider, EnrolRequest, EnrolResponse};
pub use state::StateDir;

/// The SANs of the hub certificate when `--host` is not given.
pub const DEFAULT_HOSTS: [&str; 2] = ["localhost", "127.0.0.1"];
/// An enrolment code's lifetime when not given.
pub const DEFAULT_CODE_TTL_MINUTES: i64 = 24 * 60;
/// The shortest admin password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// What `hub init` reports.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    pub group_id: Uuid,
    pub admin: String,
    pub fingerprint: String,
}

/// A new enrolment code (shown once; only its hash is stored).
#[derive(Debug, Clone, Serialize)]
pub struct EnrolCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
    pub rooftop: String,
}

/// A desk as listed.
#[derive(Debug, Clone, Serialize)]
pub struct DeskView {
    pub id: Uuid,
    pub name: String,
    pub rooftop: String,
    pub state: &'static str,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
}

fn b64_key(field: &'static str, v: &str) -> Result<[u8; 32], HubError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| HubError::invalid(field, "must be a 32-byte key in base64"))
}

fn name(field: &'static str, v: &str) -> Result<String, HubError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
        return Err(HubError::invalid(
            field,
            "must be 1 to 200 characters, without control characters",
        ));
    }
    Ok(v.to_string())
}

fn hash_password(password: &str) -> Result<String, HubError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HubError::Internal(format!("password hashing failed: {e}")))
}

/// Creates the hub on an empty database: migrates, creates the group and its first admin (audited
/// `init`), and writes the TLS certificate, its key and the group data key into the state
/// directory (0600). A second run on the same database, or into a state directory that already
/// holds keys, is a conflict that changes nothing.
pub async fn init(
    store: &HubStore,
    state: &StateDir,
    group_name: &str,
    admin: &str,
    password: &str,
    hosts: &[String],
    now: DateTime<Utc>,
) -> Result<InitReport, HubError> {
    let group_name = name("group", group_name)?;
    let admin = name("admin", admin)?;
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(HubError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    store.migrate().await?;
    let existing = {
        let mut c = store.pool().acquire().await?;
        group::list(&mut c).await?
    };
    if let Some(g) = existing.first() {
        return Err(HubError::Conflict(format!(
            "this hub database is already initialised (group {} \"{}\")",
            g.id, g.name
        )));
    }
    let hosts: Vec<String> = if hosts.is_empty() {
        DEFAULT_HOSTS.iter().map(|h| h.to_string()).collect()
    } else {
        hosts.to_vec()
    };
    let password_hash = hash_password(password)?;
    let fingerprint = state.generate(&hosts)?;
    let group_id = Uuid::now_v7();
    let result = store
        .transaction(|c| {
            let (group_name, admin, password_hash, fingerprint, hosts) = (
                group_name.clone(),
                admin.clone(),
                password_hash.clone(),
                fingerprint.clone(),
                hosts.clone(),
            );
            Box::pin(async move {
                if !group::list(c).await?.is_empty() {
                    return Err(HubError::Conflict(
                        "this hub database is already initialised".into(),
                    ));
                }
                group::insert(c, group_id, &group_name, now).await?;
                let staff = hub_staff::HubStaffRow {
                    id: Uuid::now_v7(),
                    username: admin.clone(),
                    password_hash: password_hash.clone(),
                    role: "admin".into(),
                    created_at: now,
                };
                hub_staff::insert(c, group_id, &staff).await?;
                let ev = HubEvent {
                    actor: admin.clone(),
                    action: "init",
                    subject: Some(group_id.to_string()),
                    detail: json!({ "group": group_name, "admin": admin,
                                    "fingerprint": fingerprint, "hosts": hosts })
                    .to_string(),
                };
                audit::append(c, group_id, &ev, now).await?;
                Ok(())
            })
        })
        .await;
    if let Err(e) = result {
        state.remove_generated();
        return Err(e);
    }
    Ok(InitReport {
        group_id,
        admin,
        fingerprint,
    })
}

/// An initialised hub: its store and state directory.
#[derive(Clone, Debug)]
pub struct Hub {
    pub store: HubStore,
    pub state: StateDir,
    pub group_id: Uuid,
    /// Woken after every push that stored changes, for the pulls waiting on it (this process
    /// only; a pull that misses it still ends at its timeout with the same page).
    pub news: std::sync::Arc<tokio::sync::Notify>,
}

impl Hub {
    /// Opens the hub `hub init` made on this database, bringing its schema up to this release.
    pub async fn open(store: HubStore, state: StateDir) -> Result<Self, HubError> {
        let groups = {
            let mut c = store.pool().acquire().await?;
            match group::list(&mut c).await {
                Ok(g) => g,
                Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42P01") => vec![],
                Err(e) => return Err(e.into()),
            }
        };
        let g = groups.first().ok_or_else(|| {
            HubError::NotFound("this database holds no hub: run `dealerdesk hub init`".into())
        })?;
        let group_id = g.id;
        // A hub made by an earlier release takes this release's migrations (additive) before it
        // serves: its tables must be what the queries expect.
        store.migrate().await?;
        Ok(Self {
            store,
            state,
            group_id,
            news: std::sync::Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Creates a single-use enrolment code for the rooftop (created if new), valid `ttl`.
    /// `admin` names the hub admin creating it (default: the group's first admin).
    pub async fn enrol_code(
        &self,
        rooftop_name: &str,
        ttl_minutes: i64,
        admin: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<EnrolCode, HubError> {
        let rooftop_name = name("rooftop", rooftop_name)?;
        if !(1..=30 * 24 * 60).contains(&ttl_minutes) {
            return Err(HubError::invalid(
                "ttl-minutes",
                "must be between 1 and 43200 (30 days)",
            ));
        }
        let fingerprint = self.state.fingerprint()?;
        let (code, parsed) = code::generate(&fingerprint).map_err(HubError::Internal)?;
        let expires_at = now + Duration::minutes(ttl_minutes);
        let gid = self.group_id;
        self.store
            .transaction(|c| {
                let rooftop_name = rooftop_name.clone();
                let secret_sha256 = parsed.secret_sha256;
                let admin = admin.map(str::to_string);
                Box::pin(async move {
                    let staff = acting_admin(c, gid, admin.as_deref()).await?;
                    let rid = match rooftop::by_name(c, gid, &rooftop_name).await? {
                        Some(r) => r.id,
                        None => {
                            let id = Uuid::now_v7();
                            rooftop::insert(c, gid, id, &rooftop_name, now).await?;
                            id
                        }
                    };
                    let row = enrolment_code::EnrolmentCodeRow {
                        group_id: gid,
                        id: Uuid::now_v7(),
                        rooftop_id: rid,
                        created_by: staff.id,
                        created_at: now,
                        expires_at,
                        used_at: None,
                        used_by_desk: None,
                    };
                    enrolment_code::insert(c, &row, &secret_sha256).await?;
                    let ev = HubEvent {
                        actor: staff.username.clone(),
                        action: "code_created",
                        subject: Some(row.id.to_string()),
                        detail: json!({ "rooftop": rooftop_name, "expires_at": expires_at })
                            .to_string(),
                    };
                    audit::append(c, gid, &ev, now).await?;
                    Ok::<_, HubError>(())
                })
            })
            .await?;
        Ok(EnrolCode {
            code,
            expires_at,
            rooftop: rooftop_name,
        })
    }

    /// The group's desks.
    pub async fn desks(&self) -> Result<Vec<DeskView>, HubError> {
        let mut c = self.store.pool().acquire().await?;
        Ok(desk::list(&mut c, self.group_id)
            .await?
            .into_iter()
            .map(|d| DeskView {
                id: d.id,
                name: d.name,
                rooftop: d.rooftop,
                state: if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                },
                enrolled_at: d.enrolled_at,
                revoked_at: d.revoked_at,
                revoked_by: d.revoked_by,
            })
            .collect())
    }

    /// Revokes a desk (audited); a desk already revoked is a conflict.
    pub async fn revoke_desk(
        &self,
        desk_id: Uuid,
        admin: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), HubError> {
        let gid = self.group_id;
        self.store
            .transaction(|c| {
                let admin = admin.map(str::to_string);
                Box::pin(async move {
                    let staff = acting_admin(c, gid, admin.as_deref()).await?;
                    let d = desk::get(c, gid, desk_id)
                        .await?
                        .ok_or_else(|| HubError::NotFound(format!("no desk {desk_id}")))?;
                    if !desk::revoke(c, gid, desk_id, staff.id, now).await? {
                        return Err(HubError::Conflict(format!(
                            "desk {desk_id} is already revoked"
                        )));
                    }
                    let ev = HubEvent {
                        actor: staff.username.clone(),
                        action: "desk_revoked",
                        subject: Some(desk_id.to_string()),
                        detail: json!({ "desk": d.name, "rooftop": d.rooftop }).to_string(),
                    };
                    audit::append(c, gid, &ev, now).await?;
                    Ok(())
                })
            })
            .await
    }

    /// Enrols a desk with a code: checks the code (known, unused, unexpired, for this hub's
    /// certificate) and marks it used in the same transaction as the desk is created (of two
    /// desks racing one code exactly one wins), then seals the group data key to the desk.
    pub async fn enrol(
        &self,
        req: &EnrolRequest,
        now: DateTime<Utc>,
    ) -> Result<EnrolResponse, HubError> {
        let parsed = code::parse(&req.code).map_err(|m| HubError::invalid("code", m))?;
        if !code::pin_matches(&parsed.pin, &self.state.fingerprint()?) {
            return Err(HubError::invalid(
                "code",
                "this enrolment code was made by another hub",
            ));
        }
        let desk_name = name("desk_name", &req.desk_name)?;
        let ed = b64_key("ed25519_public", &req.ed25519_public)?;
        ed25519_dalek::VerifyingKey::from_bytes(&ed)
            .map_err(|_| HubError::invalid("ed25519_public", "not an Ed25519 public key"))?;
        let x = b64_key("x25519_public", &req.x25519_public)?;
        let data_key = self.state.data_key()?;
        let gid = self.group_id;
        let desk_id = Uuid::now_v7();
        let rooftop_name = self
            .store
            .transaction(|c| {
                let (secret_sha256, desk_name) = (parsed.secret_sha256, desk_name.clone());
                Box::pin(async move {
                    let code = enrolment_code::by_hash(c, &secret_sha256)
                        .await?
                        .filter(|r| r.group_id == gid)
                        .ok_or_else(|| {
                            HubError::Forbidden("this enrolment code is not known".into())
                        })?;
                    if code.used_at.is_some() {
                        return Err(HubError::Conflict(
                            "this enrolment code has already been used".into(),
                        ));
                    }
                    if code.expires_at <= now {
                        return Err(HubError::Forbidden(
                            "this enrolment code has expired".into(),
                        ));
                    }
                    let roof = rooftop::get(c, gid, code.rooftop_id)
                        .await?
                        .ok_or_else(|| HubError::Internal("the code's rooftop is gone".into()))?;
                    let new = desk::NewDesk {
                        id: desk_id,
                        rooftop_id: roof.id,
                        name: &desk_name,
                        ed25519_public: &ed,
                        x25519_public: &x,
                        enrolled_at: now,
                    };
                    desk::insert(c, gid, &new).await.map_err(|e| {
                        if dealerdesk_hub_store::is_unique_violation(&e) {
                            HubError::Conflict("a desk with this signing key is enrolled".into())
                        } else {
                            e.into()
                        }
                    })?;
                    if !enrolment_code::mark_used(c, gid, code.id, desk_id, now).await? {
                        return Err(HubError::Conflict(
                            "this enrolment code has already been used".into(),
                        ));
                    }
                    let ev = HubEvent {
                        actor: format!("desk:{desk_id}"),
                        action: "desk_enrolled",
                        subject: Some(desk_id.to_string()),
                        detail: json!({ "desk": desk_name, "rooftop": roof.name, "code": code.id })
                            .to_string(),
                    };
                    audit::append(c, gid, &ev, now).await?;
                    Ok(roof.name)
                })
            })
            .await?;
        let sealed = seal::seal(&data_key, &x, &seal_aad(gid, desk_id))
            .map_err(|m| HubError::invalid("x25519_public", m))?;
        Ok(EnrolResponse {
            desk_id,
            group_id: gid,
            rooftop: rooftop_name,
            sealed_group_key: sealed,
        })
    }

    /// Checks the hub's audit chain; the first broken seq, or `None`.
    pub async fn verify_audit(&self) -> Result<Option<i64>, HubError> {
        let mut c = self.store.pool().acquire().await?;
        let rows = audit::list(&mut c, self.group_id).await?;
        Ok(audit::verify(self.group_id, &rows))
    }
}

/// What `hub audit verify` reports.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub group_id: Uuid,
    /// Entries of the hub's own chain.
    pub entries: usize,
    /// Whether every chain holds: the hub's own and every desk's.
    pub ok: bool,
    /// The first entry of the hub's own chain that does not follow from the one before (edited,
    /// removed or reordered).
    pub first_broken_seq: Option<i64>,
    /// Every desk's chain as the hub holds it.
    pub desks: Vec<desk_audit::DeskChainReport>,
}

/// Checks the hub's own audit chain (init, codes, enrolments, revocations, pushes and refusals)
/// and every desk's chain the hub holds, on the database alone: no state directory needed.
pub async fn verify_audit_chain(store: &HubStore) -> Result<AuditReport, HubError> {
    let mut c = store.pool().acquire().await?;
    let g = group::list(&mut c)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            HubError::NotFound("this database holds no hub: run `dealerdesk hub init`".into())
        })?;
    let rows = audit::list(&mut c, g.id).await?;
    drop(c);
    let broken = audit::verify(g.id, &rows);
    let desks = desk_audit::verify_desk_chains(store, g.id).await?;
    Ok(AuditReport {
        group_id: g.id,
        entries: rows.len(),
        ok: broken.is_none() && desks.iter().all(|d| d.ok),
        first_broken_seq: broken,
        desks,
    })
}

/// The hub admin an action is taken as: the one named, or the group's first admin.
async fn acting_admin(
    c: &mut sqlx::PgConnection,
    group_id: Uuid,
    username: Option<&str>,
) -> Result<hub_staff::HubStaffRow, HubError> {
    match username {
        Some(u) => hub_staff::by_username(c, group_id, u).await?,
        None => hub_staff::first_admin(c, group_id).await?,
    }
    .ok_or_else(|| HubError::NotFound("no such hub admin".into()))
}
