//! Enrolling this desk with a hub: the desk makes its keys (an Ed25519 key that signs every push,
//! an X25519 key the group's data key is sealed to), sends the public halves with a one-time code
//! over TLS pinned to the certificate the code names, opens the group key, and re-encrypts all
//! its PII under it in one transaction that also records the enrolment (`Store::rekey`).

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{read_secret, write_secret, CryptoError};
use dealerdesk_store::repo::sync_enrolment::{self, NewEnrolment};
use dealerdesk_store::{ts, Store};
use dealerdesk_sync::{code, pin, seal, seal_aad, EnrolRequest, EnrolResponse};

use super::SyncError;
use crate::auth::{self, Actor};

/// What an enrolment reports.
#[derive(Debug, Clone, Serialize)]
pub struct EnrolReport {
    pub desk_id: Uuid,
    pub group_id: Uuid,
    pub rooftop: String,
    pub desk_name: String,
    /// SHA-256 of the hub certificate's DER (hex): the only certificate this desk trusts.
    pub fingerprint: String,
    /// How many stored values were re-encrypted under the group's key.
    pub reencrypted: u64,
}

/// This desk's enrolment, with the key that signs its pushes.
pub struct Enrolment {
    pub hub_url: String,
    pub fingerprint: [u8; 32],
    pub group_id: Uuid,
    pub desk_id: Uuid,
    pub desk_name: String,
    pub rooftop: String,
    pub enrolled_at: String,
    pub signing_key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("hub_url", &self.hub_url)
            .field("group_id", &self.group_id)
            .field("desk_id", &self.desk_id)
            .field("signing_key", &"<hidden>")
            .finish()
    }
}

/// The file of the desk's signing key, beside the database and its key.
pub fn signing_key_path(db: &Path) -> PathBuf {
    sibling(db, "sync-ed25519.key")
}

/// The file of the desk's sealing key, beside the database and its key.
pub fn sealing_key_path(db: &Path) -> PathBuf {
    sibling(db, "sync-x25519.key")
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

fn check_hub_url(url: &str) -> Result<String, SyncError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").ok_or_else(|| {
        SyncError::invalid("hub", "must start with https:// (the hub only speaks TLS)")
    })?;
    let port_ok = rest
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
    if !port_ok || rest.contains('/') || rest.chars().any(char::is_whitespace) {
        return Err(SyncError::invalid(
            "hub",
            "must be https://HOST:PORT, for example https://hub.lan:8443",
        ));
    }
    Ok(url.to_string())
}

fn check_name(name: &str) -> Result<String, SyncError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(SyncError::invalid(
            "name",
            "must be 1 to 200 characters, without control characters",
        ));
    }
    Ok(name.to_string())
}

/// The hub's words for a refusal (`{error:{message}}`), or the status.
pub(super) fn hub_message(a: &pin::Answer) -> String {
    serde_json::from_str::<serde_json::Value>(&a.body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("it answered with status {}", a.status))
}

/// Enrols this desk with the hub at `hub_url` using a one-time `code` (admin only). The store is
/// consumed and returned reopened under the group's key. If anything fails after the keys were
/// made, they are removed and the desk is exactly as it was; if the hub took the code but the
/// desk could not finish, the code is spent: the admin revokes the half-enrolled desk on the hub
/// and makes a new code.
pub async fn enrol(
    store: Store,
    actor: &Actor,
    hub_url: &str,
    enrolment_code: &str,
    desk_name: &str,
    now: DateTime<Utc>,
) -> Result<(Store, EnrolReport), SyncError> {
    auth::require_admin(actor).map_err(|_| SyncError::Forbidden)?;
    if let Some(e) = sync_enrolment::get(&store).await? {
        return Err(SyncError::AlreadyEnrolled(e.hub_url));
    }
    let hub_url = check_hub_url(hub_url)?;
    let parsed = code::parse(enrolment_code).map_err(|m| SyncError::invalid("code", m))?;
    let desk_name = check_name(desk_name)?;
    let (sign_path, seal_path) = (
        signing_key_path(store.path()),
        sealing_key_path(store.path()),
    );
    for p in [&sign_path, &seal_path] {
        if p.exists() {
            return Err(SyncError::Keys(format!(
                "file {} already exists: this desk is not enrolled, so it is left over; move it \
                 away and enrol again",
                p.display()
            )));
        }
    }
    let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let sealing = x25519_dalek::StaticSecret::random_from_rng(rand::rngs::OsRng);
    let result = async {
        write_secret(&sign_path, &signing.to_bytes())?;
        write_secret(&seal_path, &sealing.to_bytes())?;
        let req = EnrolRequest {
            code: enrolment_code.trim().to_string(),
            desk_name: desk_name.clone(),
            ed25519_public: B64.encode(signing.verifying_key().as_bytes()),
            x25519_public: B64.encode(x25519_dalek::PublicKey::from(&sealing).as_bytes()),
        };
        let body = serde_json::to_string(&req).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        let answer = pin::request(&hub_url, &parsed.pin, "POST", "/v1/enrol", Some(&body))
            .await
            .map_err(|reason| SyncError::Unreachable {
                url: hub_url.clone(),
                reason,
            })?;
        if answer.status != 200 {
            return Err(if answer.status < 500 {
                SyncError::Refused(hub_message(&answer))
            } else {
                SyncError::BadAnswer(hub_message(&answer))
            });
        }
        let enrolled: EnrolResponse =
            serde_json::from_str(&answer.body).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        let group_key = seal::open(
            &enrolled.sealed_group_key,
            &sealing,
            &seal_aad(enrolled.group_id, enrolled.desk_id),
        )
        .map_err(SyncError::BadAnswer)?;
        Ok::<_, SyncError>((enrolled, group_key, answer.fingerprint))
    }
    .await;
    let (enrolled, group_key, fingerprint) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&sign_path);
            let _ = std::fs::remove_file(&seal_path);
            return Err(e);
        }
    };
    let (group_id, desk_id) = (enrolled.group_id.to_string(), enrolled.desk_id.to_string());
    let (at, by) = (ts(now), actor.name());
    let row = NewEnrolment {
        hub_url: &hub_url,
        fingerprint: &fingerprint,
        group_id: &group_id,
        desk_id: &desk_id,
        desk_name: &desk_name,
        rooftop: &enrolled.rooftop,
        enrolled_at: &at,
        enrolled_by: &by,
    };
    let event = AuditEvent::new(by.clone(), "sync.enrolled", AuditOutcome::Success)
        .subject(desk_id.clone());
    let (store, report) = match store.rekey(&group_key, Some(&row), event, now).await {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&sign_path);
            let _ = std::fs::remove_file(&seal_path);
            return Err(e.into());
        }
    };
    Ok((
        store,
        EnrolReport {
            desk_id: enrolled.desk_id,
            group_id: enrolled.group_id,
            rooftop: enrolled.rooftop,
            desk_name,
            fingerprint,
            reencrypted: report.total(),
        },
    ))
}

/// This desk's enrolment and signing key, or None when it is not enrolled.
pub async fn load(store: &Store) -> Result<Option<Enrolment>, SyncError> {
    let Some(row) = sync_enrolment::get(store).await? else {
        return Ok(None);
    };
    let bad = |what: &str| SyncError::Keys(format!("record is damaged ({what})"));
    let mut fingerprint = [0u8; 32];
    hex::decode_to_slice(&row.fingerprint, &mut fingerprint).map_err(|_| bad("fingerprint"))?;
    let secret = read_secret(&signing_key_path(store.path())).map_err(|e| match e {
        CryptoError::KeyMissing(p) => SyncError::Keys(format!(
            "file {} is missing: restore it from the backup of this desk",
            p.display()
        )),
        other => other.into(),
    })?;
    Ok(Some(Enrolment {
        hub_url: row.hub_url,
        fingerprint,
        group_id: Uuid::parse_str(&row.group_id).map_err(|_| bad("group"))?,
        desk_id: Uuid::parse_str(&row.desk_id).map_err(|_| bad("desk"))?,
        desk_name: row.desk_name,
        rooftop: row.rooftop,
        enrolled_at: row.enrolled_at,
        signing_key: ed25519_dalek::SigningKey::from_bytes(&secret),
    }))
}
