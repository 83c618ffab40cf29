//! The local SQLite store: opening (with refusal of files we must not touch), pragmas,
//! embedded migrations, the encryption key next to the database ([`crypto`]), the change journal
//! and the hash-chained audit log ([`audit`]).
//!
//! This crate knows no use case: it is below the services, which hold the role checks and
//! preconditions, and above the rules, which hold the domain's pure logic.

pub mod audit;
pub mod crypto;
pub mod read;
pub mod rekey;
pub mod repo;
pub mod sync_rows;
mod write;

pub use write::{Stamp, Write};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::crypto::{CryptoError, FieldCipher};
use dealerdesk_sync::wire::Hlc;

/// Every migration in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
const KEY_CHECK_PLAINTEXT: &str = "dealerdesk key check v1";
/// How long a write waits for the write lock (SQLite's busy timeout) and for this desk's one
/// write connection, before it fails with a storage error and changes nothing.
pub const WRITE_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not a DealerDesk database (it is not an SQLite file); it was left untouched")]
    NotADatabase(PathBuf),
    #[error("the database {0} is damaged; it was left untouched. Restore it from a backup (`dealerdesk restore`)")]
    Corrupt(PathBuf),
    #[error("this database was written by a newer version of DealerDesk (schema {found}, this version knows up to {supported}); install the newer version")]
    NewerSchema { found: i64, supported: i64 },
    #[error("no database at {0}; create one with `dealerdesk init`")]
    Missing(PathBuf),
    #[error("the encryption key {key} does not belong to the database {db}")]
    KeyMismatch { key: PathBuf, db: PathBuf },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("could not read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Whether [`Store::open`] may create a new database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    CreateIfMissing,
    MustExist,
}

/// An open DealerDesk database and its key. Cheap to clone (the pool and cipher are shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// One connection for every write transaction ([`Store::begin_write`]): writers queue here
    /// instead of contending for SQLite's lock, and its page cache stays warm (another
    /// connection's write would make SQLite drop it).
    writer: SqlitePool,
    cipher: Arc<FieldCipher>,
    device_id: Arc<str>,
    path: Arc<PathBuf>,
    key_path: Arc<PathBuf>,
}

/// Where the database lives when neither `--db` nor `DEALERDESK_DB` says: the OS data directory
/// (`~/.local/share/dealerdesk/dealerdesk.db` on Linux).
pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("com", "DealerDesk", "dealerdesk")
        .map(|d| d.data_dir().join("dealerdesk.db"))
        .unwrap_or_else(|| PathBuf::from("dealerdesk.db"))
}

/// The key file of the live database: `DEALERDESK_KEY_FILE` if set, else [`key_beside`].
pub fn key_path_for(db: &Path) -> PathBuf {
    match std::env::var_os("DEALERDESK_KEY_FILE") {
        Some(p) => PathBuf::from(p),
        None => key_beside(db),
    }
}

/// `<db>.key`, the key file's default place (also where backups keep their key).
pub fn key_beside(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// UTC time in the stored format (RFC 3339, milliseconds, `Z`), which sorts as text.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a stored time; a malformed stored value reads as the Unix epoch rather than failing
/// a whole screen (and `doctor` reports integrity separately).
pub fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Stored text for an enum that this version does not know (written by a newer version, or
/// changed outside DealerDesk).
#[derive(Debug, thiserror::Error)]
#[error("the stored {what} '{text}' is not one this version of DealerDesk knows")]
pub struct UnknownText {
    pub what: &'static str,
    pub text: String,
}

/// Reads an enum from its stored text with `parse`; text it does not know is a loud error (a
/// decode error of the row), never a default that would misstate the record.
pub fn known<T>(
    what: &'static str,
    text: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    parse(text).ok_or_else(|| {
        sqlx::Error::Decode(Box::new(UnknownText {
            what,
            text: text.to_string(),
        }))
    })
}

/// A new time-ordered id (UUIDv7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The newest schema version this build knows.
pub fn supported_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Store {
    /// Opens (and, with [`OpenMode::CreateIfMissing`], creates) the database at `path`.
    ///
    /// Refuses, without writing a byte: a file that is not SQLite, a damaged file, a database
    /// from a newer DealerDesk, and a key file that does not match the database.
    #[tracing::instrument(skip_all, err, fields(path = %path.display()))]
    pub async fn open(path: &Path, mode: OpenMode) -> Result<Self, StoreError> {
        Self::open_with_key(path, &key_path_for(path), mode).await
    }

    /// [`Store::open`] with an explicit key file.
    pub async fn open_with_key(
        path: &Path,
        key_path: &Path,
        mode: OpenMode,
    ) -> Result<Self, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let exists = match std::fs::metadata(path) {
            Ok(meta) => meta.len() > 0,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io(e)),
        };
        if exists {
            check_header(path)?;
        } else if mode == OpenMode::MustExist {
            return Err(StoreError::Missing(path.to_path_buf()));
        } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }

        let key_path = key_path.to_path_buf();
        let cipher = if exists {
            FieldCipher::load(&key_path)?
        } else {
            match FieldCipher::load(&key_path) {
                Ok(c) => c,
                Err(CryptoError::KeyMissing(_)) => FieldCipher::create(&key_path)?,
                Err(e) => return Err(e.into()),
            }
        };

        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(!exists)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a write the desk reported as saved survives a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(WRITE_WAIT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // A local file does not go stale: checking each connection as it is handed out
            // would cost a round trip to its thread on every query.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(|e| classify_open_error(e, path))?;

        if !exists {
            restrict_permissions(path).map_err(io)?;
        }
        check_schema_not_newer(&pool).await.map_err(|e| match e {
            StoreError::Database(d) => classify_open_error(d, path),
            other => other,
        })?;
        MIGRATOR.run(&pool).await?;
        let cipher = rekey::settle_pending_key(&pool, &key_path, cipher).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // Waiting for this desk's own writer is bounded like waiting for another process's
            // lock, so a stuck write fails the same way in both cases.
            .acquire_timeout(WRITE_WAIT)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| classify_open_error(e, path))?;

        let mut store = Store {
            pool,
            writer,
            cipher: Arc::new(cipher),
            device_id: Arc::from(""),
            path: Arc::new(path.to_path_buf()),
            key_path: Arc::new(key_path),
        };
        store.device_id = Arc::from(store.ensure_identity().await?.as_str());
        Ok(store)
    }

    /// Makes sure the device id and the key check value exist, and that the key opens the check
    /// value (a key from another database is refused before it can write unreadable data).
    async fn ensure_identity(&self) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let check = meta_get(&mut tx, "key_check").await?;
        match check {
            Some(sealed) => {
                let ok = self
                    .cipher
                    .decrypt(&sealed, "meta.key_check")
                    .map(|v| v.as_str() == KEY_CHECK_PLAINTEXT)
                    .unwrap_or(false);
                if !ok {
                    return Err(StoreError::KeyMismatch {
                        key: self.key_path.to_path_buf(),
                        db: self.path.to_path_buf(),
                    });
                }
            }
            None => {
                let sealed = self.cipher.encrypt(KEY_CHECK_PLAINTEXT, "meta.key_check");
                meta_set(&mut tx, "key_check", &sealed).await?;
            }
        }
        let device = match meta_get(&mut tx, "device_id").await? {
            Some(d) => d,
            None => {
                let d = new_id();
                meta_set(&mut tx, "device_id", &d).await?;
                d
            }
        };
        tx.commit().await?;
        Ok(device)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
    pub fn cipher(&self) -> &FieldCipher {
        &self.cipher
    }
    /// The id of this desk, written on every row it changes (for sync).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// read-then-write sequence (the audit chain) never fails half-way on a lock upgrade. Every
    /// write goes through one connection; a caller waits at most [`WRITE_WAIT`] for it.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// Whether this database was filled by `dealerdesk demo` (MFA may be bypassed only there).
    pub async fn is_demo(&self) -> Result<bool, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(meta_get(&mut conn, "demo").await?.as_deref() == Some("1"))
    }

    /// A setting from `meta`, or `default` when unset or unreadable.
    pub async fn setting_u32(&self, key: &str, default: u32) -> Result<u32, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(meta_get(&mut conn, key)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(default))
    }

    pub async fn setting_text(&self, key: &str, default: &str) -> Result<String, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(meta_get(&mut conn, key)
            .await?
            .unwrap_or_else(|| default.to_string()))
    }

    /// Writes a consistent copy of the database to `dest` (`VACUUM INTO`; the file must not
    /// exist).
    pub async fn vacuum_into(&self, dest: &Path) -> Result<(), sqlx::Error> {
        let dest = dest.to_string_lossy();
        let dest = dest.as_ref();
        sqlx::query!(r#"VACUUM INTO ?1"#, dest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checkpoints the WAL into the main file and closes the pool, so the database file alone
    /// is complete (for copying, backup tools and tests that read the file).
    pub async fn close(self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint at close failed; the WAL file keeps the data");
        }
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Reads one `meta` value.
pub async fn meta_get(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT value FROM meta WHERE key = ?1"#, key)
        .fetch_optional(conn)
        .await
}

/// Writes one `meta` value.
pub async fn meta_set(
    conn: &mut SqliteConnection,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO meta (key, value) VALUES (?1, ?2)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value"#,
        key,
        value,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The last reading of this desk's hybrid logical clock: the newer of its last journaled change
/// and the last change it observed from the hub (`sync_state.hlc`). One indexed read, no write:
/// the reading is kept on the change it stamps.
async fn last_hlc(conn: &mut SqliteConnection) -> Result<Option<Hlc>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT (SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1) AS "local?: String",
                  (SELECT hlc FROM sync_state WHERE id = 1) AS "seen?: String""#
    )
    .fetch_one(conn)
    .await?;
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str::<Hlc>(&t).ok());
    Ok(parse(r.local).max(parse(r.seen)))
}

/// The clock reading for a change this desk makes at `now`.
async fn tick_hlc(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<Hlc, sqlx::Error> {
    let desk = uuid::Uuid::parse_str(device_id).unwrap_or_default();
    Ok(Hlc::tick(last_hlc(conn).await?, now, desk))
}

fn hlc_text(h: &Hlc) -> String {
    // Serializing three plain fields cannot fail.
    serde_json::to_string(h).unwrap_or_default()
}

/// Appends to the change journal and returns the new change sequence, to be stored on the row.
/// The change is stamped with the desk's hybrid logical clock, which orders it after every
/// change this desk has made or seen.
pub async fn journal(
    conn: &mut SqliteConnection,
    table: &str,
    row_id: &str,
    op: &str,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let at = ts(now);
    let hlc = hlc_text(&tick_hlc(&mut *conn, device_id, now).await?);
    sqlx::query_scalar!(
        r#"INSERT INTO change_log (table_name, row_id, op, device_id, at, hlc)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq AS "seq!: i64""#,
        table,
        row_id,
        op,
        device_id,
        at,
        hlc,
    )
    .fetch_one(conn)
    .await
}

/// The seq the change journal gives its next row (AUTOINCREMENT's next value). Only meaningful
/// while the caller holds the write lock, for a batch that journals many rows at once with
/// [`journal_batch`].
pub async fn next_journal_seq(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'change_log'), 0),
                      COALESCE((SELECT MAX(seq) FROM change_log), 0)) + 1 AS "seq!: i64""#
    )
    .fetch_one(conn)
    .await
}

/// Appends several `op` changes on `table` to the change journal in one statement: `rows` is a
/// JSON array of `[seq, row_id, at]` (seqs from [`next_journal_seq`]), journaled in order. The
/// clock readings follow one another: one tick at `now`, then the counter counts up.
pub async fn journal_batch(
    conn: &mut SqliteConnection,
    table: &str,
    op: &str,
    rows: &str,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let first = tick_hlc(&mut *conn, device_id, now).await?;
    let desk = first.desk.to_string();
    let counter = i64::from(first.counter);
    sqlx::query!(
        r#"INSERT INTO change_log (seq, table_name, row_id, op, device_id, at, hlc)
           SELECT value ->> 0, ?3, value ->> 1, ?4, ?2, value ->> 2,
                  json_object('wall_ms', ?5, 'counter', ?6 + key, 'desk', ?7)
           FROM json_each(?1) ORDER BY key"#,
        rows,
        device_id,
        table,
        op,
        first.wall_ms,
        counter,
        desk,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens the savepoint `redeem` inside the caller's transaction (a batch runs each request in
/// one when it must find the request at fault).
pub async fn savepoint(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("SAVEPOINT redeem").execute(conn).await?;
    Ok(())
}

/// Keeps what was done since [`savepoint`].
pub async fn release_savepoint(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("RELEASE redeem").execute(conn).await?;
    Ok(())
}

/// Undoes what was done since [`savepoint`] and closes it.
pub async fn rollback_savepoint(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("ROLLBACK TO redeem")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("RELEASE redeem").execute(conn).await?;
    Ok(())
}

/// The database holds names and contact details in clear: only its owner may read it. SQLite
/// creates the -wal and -shm files with the same permissions.
fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match file.read_exact(&mut header) {
        Ok(()) if &header == SQLITE_HEADER => Ok(()),
        _ => Err(StoreError::NotADatabase(path.to_path_buf())),
    }
}

async fn check_schema_not_newer(pool: &SqlitePool) -> Result<(), StoreError> {
    let has_table: Option<String> = sqlx::query_scalar(
        r#"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"#,
    )
    .fetch_optional(pool)
    .await?;
    if has_table.is_none() {
        return Ok(());
    }
    let found: Option<i64> = sqlx::query_scalar(r#"SELECT MAX(version) FROM _sqlx_migrations"#)
        .fetch_one(pool)
        .await?;
    let supported = supported_schema_version();
    match found {
        Some(found) if found > supported || !MIGRATOR.iter().any(|m| m.version == found) => {
            Err(StoreError::NewerSchema { found, supported })
        }
        _ => Ok(()),
    }
}

/// Turns SQLite's "not a database" / "malformed" errors into our refusals.
fn classify_open_error(e: sqlx::Error, path: &Path) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.code().as_deref() {
            Some("26") => return StoreError::NotADatabase(path.to_path_buf()),
            Some("11") => return StoreError::Corrupt(path.to_path_buf()),
            _ => {}
        }
    }
    StoreError::Database(e)
}

/// The newest migration applied to this database.
pub async fn schema_version(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    let v: Option<i64> =
        sqlx::query_scalar(r#"SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1"#)
            .fetch_one(pool)
            .await?;
    Ok(v.unwrap_or(0))
}

/// `PRAGMA integrity_check`: the list of problems, empty when the file is sound.
pub async fn integrity_problems(pool: &SqlitePool) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<String> = sqlx::query_scalar(r#"PRAGMA integrity_check"#)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}
