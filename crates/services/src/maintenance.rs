//! Health check, backup and restore of the database file.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::Actor;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome, AuditVerifyReport};
use dealerdesk_store::{self as store, key_beside, key_path_for, OpenMode, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error("{0} already exists; choose a new file name so nothing is overwritten")]
    TargetExists(PathBuf),
    #[error("the backup {path} cannot be restored: {reason}")]
    BadBackup { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MaintenanceError + '_ {
    move |source| MaintenanceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub ok: bool,
    pub database: String,
    pub schema_version: i64,
    pub supported_schema_version: i64,
    pub integrity: Vec<String>,
    pub key_file: String,
    pub key_present: bool,
    pub audit_chain: AuditVerifyReport,
    pub demo: bool,
    pub customers: i64,
    pub staff: i64,
}

/// Checks the schema version, `PRAGMA integrity_check`, the key and the audit chain.
pub async fn doctor(store: &Store) -> Result<DoctorReport, MaintenanceError> {
    let schema_version = store::schema_version(store.pool()).await?;
    let integrity = store::integrity_problems(store.pool()).await?;
    let chain = audit::verify(store).await?;
    let counts = store::read::home::record_counts(store).await?;
    let key_present = store.key_path().exists();
    let supported = store::supported_schema_version();
    Ok(DoctorReport {
        ok: integrity.is_empty() && chain.ok && key_present && schema_version == supported,
        database: store.path().display().to_string(),
        schema_version,
        supported_schema_version: supported,
        integrity,
        key_file: store.key_path().display().to_string(),
        key_present,
        audit_chain: chain,
        demo: store.is_demo().await?,
        customers: counts.0,
        staff: counts.1,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub backup: String,
    pub key_copy: Option<String>,
    pub bytes: u64,
}

/// Writes a consistent copy of the live database with `VACUUM INTO` (safe while the desk is in
/// use) and, unless `without_key`, a 0600 copy of the key beside it: a backup without its key
/// cannot be read, so the two must be kept (and guarded) together.
pub async fn backup(
    store: &Store,
    actor: &Actor,
    dest: &Path,
    without_key: bool,
    now: DateTime<Utc>,
) -> Result<BackupReport, MaintenanceError> {
    let key_dest = key_beside(dest);
    if dest.exists() {
        return Err(MaintenanceError::TargetExists(dest.to_path_buf()));
    }
    if !without_key && key_dest.exists() {
        return Err(MaintenanceError::TargetExists(key_dest));
    }
    let event = AuditEvent::new(actor.name(), "store.backup", AuditOutcome::Success)
        .detail(format!("to {}", dest.display()));
    audit::record(store, now, &event).await?;
    store.vacuum_into(dest).await?;
    let key_copy = if without_key {
        None
    } else {
        copy_private(store.key_path(), &key_dest)?;
        Some(key_dest.display().to_string())
    };
    let bytes = std::fs::metadata(dest).map_err(io(dest))?.len();
    Ok(BackupReport {
        backup: dest.display().to_string(),
        key_copy,
        bytes,
    })
}

fn copy_private(from: &Path, to: &Path) -> Result<(), MaintenanceError> {
    use std::io::Write;
    let bytes = std::fs::read(from).map_err(io(from))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(to).map_err(io(to))?;
    f.write_all(&bytes).map_err(io(to))?;
    f.sync_all().map_err(io(to))
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub restored_from: String,
    pub previous_saved_as: Option<String>,
    pub customers: i64,
}

/// Replaces the database at `db` with the backup at `src`, after checking the backup opens with
/// its key, passes `integrity_check` and has an intact audit chain. The database being replaced
/// is first saved as `<db>.pre-restore-<time>` (with its key), so a restore can be undone.
/// Run it while the desktop app is closed.
pub async fn restore(
    db: &Path,
    src: &Path,
    now: DateTime<Utc>,
) -> Result<RestoreReport, MaintenanceError> {
    let bad = |reason: String| MaintenanceError::BadBackup {
        path: src.to_path_buf(),
        reason,
    };
    let src_key = key_beside(src);
    let key_to_use = if src_key.exists() {
        src_key
    } else {
        key_path_for(db)
    };
    // Check the backup on a scratch copy, so even opening it cannot change the original.
    let scratch_dir = tempdir_near(db)?;
    let scratch = scratch_dir.join("check.db");
    std::fs::copy(src, &scratch).map_err(|e| bad(format!("it cannot be read ({e})")))?;
    let checked = async {
        let s = Store::open_with_key(&scratch, &key_to_use, OpenMode::MustExist)
            .await
            .map_err(|e| bad(e.to_string()))?;
        let problems = store::integrity_problems(s.pool()).await?;
        if !problems.is_empty() {
            return Err(bad(format!("it is damaged ({})", problems.join("; "))));
        }
        let chain = audit::verify(&s).await?;
        if !chain.ok {
            return Err(bad(format!(
                "its audit log is broken: {}",
                chain.reason.unwrap_or_default()
            )));
        }
        let customers = store::read::home::customer_count(&s).await?;
        s.close().await;
        Ok(customers)
    }
    .await;
    let customers = match checked {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&scratch_dir);
            return Err(e);
        }
    };

    let mut previous = None;
    if db.exists() {
        let saved = PathBuf::from(format!(
            "{}.pre-restore-{}",
            db.display(),
            now.format("%Y%m%dT%H%M%SZ")
        ));
        let current = Store::open(db, OpenMode::MustExist).await?;
        current.vacuum_into(&saved).await?;
        copy_private(current.key_path(), &key_beside(&saved))?;
        current.close().await;
        previous = Some(saved.display().to_string());
    }
    // The checked scratch copy (migrated, checkpointed) becomes the database. Stale WAL and
    // shared-memory files of the old database must go, or SQLite would replay them onto it.
    for suffix in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if p.exists() {
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    std::fs::rename(&scratch, db).map_err(io(db))?;
    let db_key = key_path_for(db);
    if key_to_use != db_key {
        let _ = std::fs::remove_file(&db_key);
        copy_private(&key_to_use, &db_key)?;
    }
    let _ = std::fs::remove_dir_all(&scratch_dir);
    let restored = Store::open(db, OpenMode::MustExist).await?;
    let event = AuditEvent::new(Actor::cli().name(), "store.restore", AuditOutcome::Success)
        .detail(format!("from {}", src.display()));
    audit::record(&restored, now, &event).await?;
    restored.close().await;
    Ok(RestoreReport {
        restored_from: src.display().to_string(),
        previous_saved_as: previous,
        customers,
    })
}

/// A private scratch directory on the same filesystem as `db` (so the final rename is atomic).
fn tempdir_near(db: &Path) -> Result<PathBuf, MaintenanceError> {
    let parent = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = parent.join(format!(
        ".dealerdesk-restore-{}",
        dealerdesk_store::crypto::random_token(6)
    ));
    std::fs::create_dir(&dir).map_err(io(&dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
    }
    Ok(dir)
}
