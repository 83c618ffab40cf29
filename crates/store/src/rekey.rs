//! Re-encrypting the whole desk under a new master key (enrolment with a hub hands the desk the
//! group's data key), in one transaction, with a key-file swap a crash cannot tear:
//!
//! 1. the new key is written to `<key>.new` (0600, synced) beside the key file;
//! 2. one write transaction re-seals every encrypted value table by table (each table's owner
//!    does its own), recomputes the SSN blind index, writes the new key check value, optionally
//!    records the enrolment, and appends the audit entry with the head sealed under the new key;
//! 3. after the commit, `<key>.new` is renamed over the key file (and the directory synced).
//!
//! A crash before the commit leaves the database under the old key and a stale `<key>.new`; a
//! crash after it leaves the database under the new key with the rename undone. Opening the
//! store settles either case by the stored key check value ([`settle_pending_key`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqlitePool;

use crate::audit::{self, AuditEvent, ChainHead};
use crate::crypto::{CryptoError, FieldCipher};
use crate::repo::sync_enrolment::{self, NewEnrolment};
use crate::repo::{customer, identity_check, lender_outbox, link_document, outbox, portal, staff};
use crate::{meta_get, meta_set, OpenMode, Store, StoreError, KEY_CHECK_PLAINTEXT};

/// How many values each table had re-sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RekeyReport {
    pub customers: u64,
    pub staff: u64,
    pub identity_checks: u64,
    pub portal_accounts: u64,
    pub link_documents: u64,
    pub outbox_messages: u64,
    pub lender_messages: u64,
}

impl RekeyReport {
    pub fn total(&self) -> u64 {
        self.customers
            + self.staff
            + self.identity_checks
            + self.portal_accounts
            + self.link_documents
            + self.outbox_messages
            + self.lender_messages
    }
}

/// Where the new key waits while the database is re-encrypted.
pub fn pending_key_path(key_path: &Path) -> PathBuf {
    let mut s = key_path.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

fn sync_parent(path: &Path) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

fn opens(cipher: &FieldCipher, sealed: &str) -> bool {
    cipher
        .decrypt(sealed, "meta.key_check")
        .map(|v| v.as_str() == KEY_CHECK_PLAINTEXT)
        .unwrap_or(false)
}

/// Settles a re-encryption a crash interrupted: when `<key>.new` exists, the stored key check
/// value says which key the database is under. Under the new key, the rename is finished and the
/// new key returned; under the old one, the stale new key is removed. Called by `Store::open`.
pub(crate) async fn settle_pending_key(
    pool: &SqlitePool,
    key_path: &Path,
    current: FieldCipher,
) -> Result<FieldCipher, StoreError> {
    let pending = pending_key_path(key_path);
    if !pending.exists() {
        return Ok(current);
    }
    let new = FieldCipher::load(&pending)?;
    let mut conn = pool.acquire().await?;
    let check = meta_get(&mut conn, "key_check").await?;
    drop(conn);
    let io = |source| StoreError::Io {
        path: pending.clone(),
        source,
    };
    match check {
        Some(sealed) if opens(&new, &sealed) => {
            std::fs::rename(&pending, key_path).map_err(io)?;
            sync_parent(key_path)?;
            tracing::warn!("finished a re-encryption a crash interrupted: the new key is in place");
            Ok(new)
        }
        _ => {
            std::fs::remove_file(&pending).map_err(io)?;
            tracing::warn!("removed the key of a re-encryption that never committed");
            Ok(current)
        }
    }
}

/// Where a re-encryption stops, for the crash tests.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAt {
    Never,
    /// After writing `<key>.new`, before the transaction.
    BeforeCommit,
    /// After the commit, before the rename.
    BeforeRename,
}

impl Store {
    /// Re-encrypts everything this desk holds under `new_master` in one transaction, records
    /// `enrolment` in it when given, appends `event` (the counts become its detail), and
    /// swaps the key file. The store is consumed and returned reopened under the new key: other
    /// clones of it still hold the old key and must not be used afterwards. On any error before
    /// the commit the database and the key file are exactly as they were.
    pub async fn rekey(
        self,
        new_master: &[u8; 32],
        enrolment: Option<&NewEnrolment<'_>>,
        event: AuditEvent,
        now: DateTime<Utc>,
    ) -> Result<(Store, RekeyReport), StoreError> {
        self.rekey_stopping(new_master, enrolment, event, now, StopAt::Never)
            .await
    }

    #[doc(hidden)]
    pub async fn rekey_stopping(
        self,
        new_master: &[u8; 32],
        enrolment: Option<&NewEnrolment<'_>>,
        event: AuditEvent,
        now: DateTime<Utc>,
        stop: StopAt,
    ) -> Result<(Store, RekeyReport), StoreError> {
        let key_path = self.key_path().to_path_buf();
        let pending = pending_key_path(&key_path);
        let new = match FieldCipher::create_with(&pending, new_master) {
            Ok(c) => c,
            Err(CryptoError::KeyIo { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                return Err(StoreError::Io {
                    path: pending,
                    source: std::io::Error::other(
                        "another re-encryption left its key here; reopen the database first",
                    ),
                })
            }
            Err(e) => return Err(e.into()),
        };
        sync_parent(&pending)?;
        if stop == StopAt::BeforeCommit {
            return Ok((self, RekeyReport::default()));
        }
        let result = self.reencrypt_all(&new, enrolment, event, now).await;
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&pending);
                return Err(e);
            }
        };
        if stop == StopAt::BeforeRename {
            return Ok((self, report));
        }
        std::fs::rename(&pending, &key_path).map_err(|source| StoreError::Io {
            path: pending.clone(),
            source,
        })?;
        sync_parent(&key_path)?;
        let path = self.path().to_path_buf();
        self.close().await;
        let reopened = Store::open_with_key(&path, &key_path, OpenMode::MustExist).await?;
        Ok((reopened, report))
    }

    async fn reencrypt_all(
        &self,
        new: &FieldCipher,
        enrolment: Option<&NewEnrolment<'_>>,
        event: AuditEvent,
        now: DateTime<Utc>,
    ) -> Result<RekeyReport, StoreError> {
        let old = self.cipher();
        let mut tx = self.begin_write().await?;
        if !audit::head_seal_holds(&mut tx, old).await? {
            return Err(StoreError::Crypto(CryptoError::Decrypt));
        }
        let report = RekeyReport {
            customers: customer::reencrypt(&mut tx, old, new).await?,
            staff: staff::reencrypt(&mut tx, old, new).await?,
            identity_checks: identity_check::reencrypt(&mut tx, old, new).await?,
            portal_accounts: portal::reencrypt(&mut tx, old, new).await?,
            link_documents: link_document::reencrypt(&mut tx, old, new).await?,
            outbox_messages: outbox::reencrypt(&mut tx, old, new).await?,
            lender_messages: lender_outbox::reencrypt(&mut tx, old, new).await?,
        };
        let check = new.encrypt(KEY_CHECK_PLAINTEXT, "meta.key_check");
        meta_set(&mut tx, "key_check", &check).await?;
        if let Some(e) = enrolment {
            sync_enrolment::insert(&mut tx, e).await?;
        }
        let event = event.detail(serde_json::to_string(&report).unwrap_or_default());
        let mut head = ChainHead::read(&mut tx).await?;
        head.stage(now, &event);
        head.seal(&mut tx, new).await?;
        tx.commit().await?;
        Ok(report)
    }
}
