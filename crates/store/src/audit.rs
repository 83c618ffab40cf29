//! The append-only, hash-chained audit log.
//!
//! Each entry's hash is `SHA-256(prev_hash || canonical bytes of the entry)`; the first entry's
//! `prev_hash` is 64 zeros. The canonical bytes are every field, in a fixed order, each as a
//! 4-byte big-endian length followed by its UTF-8 bytes (`0xFFFFFFFF` for an absent value), so no
//! two different entries share bytes (`dealerdesk_sync::chain`, shared with the hub, which checks
//! an enrolled desk's chain as it arrives). The chain's head (last seq and hash) is also sealed
//! with a key kept outside the database, which catches deletion of the newest entries — something
//! a plain chain cannot see.
//!
//! Appends happen inside the caller's `BEGIN IMMEDIATE` transaction, so the business change and
//! its audit entry commit together or not at all.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection, SqlitePool};
use ts_rs::TS;

use crate::crypto::FieldCipher;
use crate::{meta_get, meta_set, ts, Store};

// The chain's bytes and hashes are shared with the hub, which checks each desk's chain as it
// arrives: one definition in the sync crate.
use dealerdesk_sync::chain::{canonical, chain_hash, AuditEntry, GENESIS};
const HEAD_KEY: &str = "audit_head";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("the filter is not valid: {0}")]
    BadFilter(String),
}

/// How a recorded action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    /// Refused by a role or session check.
    Denied,
    /// Attempted and failed (wrong password, invalid input).
    Failure,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failure => "failure",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "denied" => Some(Self::Denied),
            "failure" => Some(Self::Failure),
            _ => None,
        }
    }
}

/// What to record. `actor` is `staff:<username>`, `cli:<os user>` or `system`; `detail` never
/// holds PII values (field names, yes; values, no).
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(actor: impl Into<String>, action: impl Into<String>, outcome: AuditOutcome) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            subject: None,
            outcome,
            detail: None,
        }
    }
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// One stored entry, as shown on the admin screen and exported.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AuditEntryView {
    #[ts(type = "number")]
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
    pub hash: String,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Inclusive lower bound, RFC 3339 or YYYY-MM-DD.
    pub since: Option<String>,
    /// Exclusive upper bound, RFC 3339 or YYYY-MM-DD.
    pub until: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    #[ts(type = "number")]
    pub total: i64,
}

/// Result of walking the chain.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AuditVerifyReport {
    pub ok: bool,
    #[ts(type = "number")]
    pub entries: i64,
    #[ts(type = "number | null")]
    pub first_broken_seq: Option<i64>,
    pub reason: Option<String>,
}

/// Inserts the staged entries, given as one JSON array (`?1`) of rows in column order.
macro_rules! insert_staged_sql {
    () => {
        "INSERT INTO audit_log (seq, at, actor, action, subject, outcome, detail, prev_hash, hash)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8
         FROM json_each(?1) ORDER BY key"
    };
}

fn head_bytes(seq: i64, hash: &str) -> Vec<u8> {
    format!("{seq}:{hash}").into_bytes()
}

/// Appends one entry inside the caller's write transaction and returns its seq.
pub async fn append(
    conn: &mut SqliteConnection,
    cipher: &FieldCipher,
    now: DateTime<Utc>,
    event: &AuditEvent,
) -> Result<i64, sqlx::Error> {
    let mut head = ChainHead::read(conn).await?;
    let seq = head.stage(now, event);
    head.seal(conn, cipher).await?;
    Ok(seq)
}

/// The chain's head (last seq and hash), read once and carried through several appends in one
/// write transaction, so a batch reads the previous hash once and writes the sealed head once.
///
/// Use it only inside a write transaction (`BEGIN IMMEDIATE`), call [`ChainHead::seal`] before
/// committing, and if a savepoint holding some of its appends is rolled back, put back the copy
/// taken before them. The entries written are exactly those [`append`] writes.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainHead {
    seq: i64,
    hash: String,
    /// Appended to since the head was read or sealed.
    unsealed: bool,
    /// Entries computed by [`ChainHead::stage`], not yet inserted.
    staged: Vec<serde_json::Value>,
}

impl ChainHead {
    /// Reads the head of the chain (the genesis when the log is empty).
    pub async fn read(conn: &mut SqliteConnection) -> Result<Self, sqlx::Error> {
        let last: Option<(i64, String)> = sqlx::query_as(Self::QUERY)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(Self::from_last(last))
    }

    /// The query [`ChainHead::read`] runs: the last entry's seq and hash, or no row. A caller
    /// may end its own statements with it to save a round trip, and pass what it returns to
    /// [`ChainHead::from_last`].
    pub const QUERY: &'static str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";

    /// The head from the last entry's seq and hash (the genesis when the log is empty).
    pub fn from_last(last: Option<(i64, String)>) -> Self {
        let (seq, hash) = last.unwrap_or_else(|| (0, GENESIS.to_string()));
        Self {
            seq,
            hash,
            unsealed: false,
            staged: Vec::new(),
        }
    }

    /// Appends one entry after this head and moves the head to it; returns its seq. The sealed
    /// head in `meta` is written by [`ChainHead::seal`].
    pub async fn append(
        &mut self,
        conn: &mut SqliteConnection,
        now: DateTime<Utc>,
        event: &AuditEvent,
    ) -> Result<i64, sqlx::Error> {
        let seq = self.stage(now, event);
        self.flush(conn).await?;
        Ok(seq)
    }

    /// Computes the next entry after this head and moves the head to it, without writing it:
    /// [`ChainHead::flush`] inserts every staged entry in one statement. Returns its seq.
    pub fn stage(&mut self, now: DateTime<Utc>, event: &AuditEvent) -> i64 {
        let seq = self.seq + 1;
        let at = ts(now);
        let bytes = canonical(
            seq,
            &at,
            &event.actor,
            &event.action,
            event.subject.as_deref(),
            event.outcome.as_str(),
            event.detail.as_deref(),
        );
        let hash = chain_hash(&self.hash, &bytes);
        self.staged.push(serde_json::json!([
            seq,
            at,
            event.actor,
            event.action,
            event.subject,
            event.outcome.as_str(),
            event.detail,
            self.hash,
            hash,
        ]));
        self.seq = seq;
        self.hash = hash;
        self.unsealed = true;
        seq
    }

    /// Inserts the entries staged by [`ChainHead::stage`], in one statement.
    pub async fn flush(&mut self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        if self.staged.is_empty() {
            return Ok(());
        }
        let rows = serde_json::Value::Array(std::mem::take(&mut self.staged)).to_string();
        sqlx::query(insert_staged_sql!())
            .bind(rows)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Writes the sealed head to `meta` if anything was appended since it was read or sealed.
    pub async fn seal(
        &mut self,
        conn: &mut SqliteConnection,
        cipher: &FieldCipher,
    ) -> Result<(), sqlx::Error> {
        if !self.unsealed {
            return self.flush(conn).await;
        }
        let seal = cipher.seal(&head_bytes(self.seq, &self.hash));
        let head = format!("{}:{}:{seal}", self.seq, self.hash);
        if self.staged.is_empty() {
            meta_set(conn, HEAD_KEY, &head).await?;
        } else {
            // The staged entries and the sealed head in one round trip to the database thread
            // (each costs about as much as the writes themselves).
            let rows = serde_json::Value::Array(std::mem::take(&mut self.staged)).to_string();
            sqlx::query(concat!(
                insert_staged_sql!(),
                "; INSERT INTO meta (key, value) VALUES (?2, ?3)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            ))
            .bind(rows)
            .bind(HEAD_KEY)
            .bind(head)
            .execute(&mut *conn)
            .await?;
        }
        self.unsealed = false;
        Ok(())
    }
}

/// Records an event on its own (for events with no business write, such as a failed sign-in or
/// a PII read).
pub async fn record(
    store: &Store,
    now: DateTime<Utc>,
    event: &AuditEvent,
) -> Result<i64, sqlx::Error> {
    let mut tx = store.begin_write().await?;
    let seq = append(&mut tx, store.cipher(), now, event).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Walks the whole chain and checks every hash, the seq order, the links and the sealed head.
/// Names the first entry that does not hold.
pub async fn verify(store: &Store) -> Result<AuditVerifyReport, AuditError> {
    use futures_util::TryStreamExt;
    let mut conn = store.pool().acquire().await?;
    let head = meta_get(&mut conn, HEAD_KEY).await?;
    let mut rows = sqlx::query(
        r#"SELECT seq, at, actor, action, subject, outcome, detail, prev_hash, hash
           FROM audit_log ORDER BY seq"#,
    )
    .fetch(&mut *conn);
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut count = 0i64;
    let broken = |seq: i64, count: i64, reason: String| AuditVerifyReport {
        ok: false,
        entries: count,
        first_broken_seq: Some(seq),
        reason: Some(reason),
    };
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.try_get(0)?;
        let at: String = row.try_get(1)?;
        let actor: String = row.try_get(2)?;
        let action: String = row.try_get(3)?;
        let subject: Option<String> = row.try_get(4)?;
        let outcome: String = row.try_get(5)?;
        let detail: Option<String> = row.try_get(6)?;
        let prev_hash: String = row.try_get(7)?;
        let hash: String = row.try_get(8)?;
        count += 1;
        if seq != expected_seq {
            return Ok(broken(
                expected_seq,
                count,
                format!("entry #{expected_seq} is missing (next entry found is #{seq})"),
            ));
        }
        if prev_hash != expected_prev {
            return Ok(broken(
                seq,
                count,
                format!("entry #{seq} does not link to the entry before it (deleted, reordered or altered)"),
            ));
        }
        let bytes = canonical(
            seq,
            &at,
            &actor,
            &action,
            subject.as_deref(),
            &outcome,
            detail.as_deref(),
        );
        if chain_hash(&prev_hash, &bytes) != hash {
            return Ok(broken(
                seq,
                count,
                format!("entry #{seq} was altered after it was written (its hash does not match)"),
            ));
        }
        expected_prev = hash;
        expected_seq += 1;
    }
    drop(rows);
    let last_seq = expected_seq - 1;
    match head {
        None if last_seq == 0 => {}
        None => {
            return Ok(broken(
                last_seq,
                count,
                "the chain's sealed head is missing".into(),
            ));
        }
        Some(head) => {
            let mut parts = head.splitn(3, ':');
            let (Some(seq), Some(hash), Some(seal)) = (parts.next(), parts.next(), parts.next())
            else {
                return Ok(broken(
                    last_seq.max(1),
                    count,
                    "the chain's sealed head is unreadable".into(),
                ));
            };
            let head_seq: i64 = seq.parse().unwrap_or(-1);
            if !store
                .cipher()
                .verify_seal(&head_bytes(head_seq, hash), seal)
            {
                return Ok(broken(
                    last_seq.max(1),
                    count,
                    "the chain's head seal was altered".into(),
                ));
            }
            if head_seq != last_seq || hash != expected_prev {
                let first = (last_seq + 1).min(head_seq.max(1));
                return Ok(broken(
                    first,
                    count,
                    format!("the log ends at entry #{last_seq} but entry #{head_seq} was written: entries were deleted from the end"),
                ));
            }
        }
    }
    Ok(AuditVerifyReport {
        ok: true,
        entries: count,
        first_broken_seq: None,
        reason: None,
    })
}

/// Normalises a filter bound: `YYYY-MM-DD` becomes midnight UTC.
fn bound(value: &Option<String>, name: &str) -> Result<Option<String>, AuditError> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let t = d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| AuditError::BadFilter(name.into()))?;
        return Ok(Some(ts(t)));
    }
    DateTime::parse_from_rfc3339(v)
        .map(|t| Some(ts(t.with_timezone(&Utc))))
        .map_err(|_| AuditError::BadFilter(format!("{name} must be a date like 2026-11-25")))
}

/// A page of entries, newest first, matching the filter.
pub async fn list(pool: &SqlitePool, filter: &AuditFilter) -> Result<AuditPage, AuditError> {
    let since = bound(&filter.since, "since")?;
    let until = bound(&filter.until, "until")?;
    let like = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                format!(
                    "%{}%",
                    v.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )
            })
    };
    let actor = like(&filter.actor);
    let action = like(&filter.action);
    let outcome = filter.outcome.map(AuditOutcome::as_str);
    let limit = filter.limit.clamp(1, 1000) as i64;
    const WHERE: &str = r#"WHERE (?1 IS NULL OR actor LIKE ?1 ESCAPE '\')
          AND (?2 IS NULL OR action LIKE ?2 ESCAPE '\')
          AND (?3 IS NULL OR outcome = ?3)
          AND (?4 IS NULL OR at >= ?4)
          AND (?5 IS NULL OR at < ?5)"#;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log {WHERE}"))
        .bind(&actor)
        .bind(&action)
        .bind(outcome)
        .bind(&since)
        .bind(&until)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT seq, at, actor, action, subject, outcome, detail, hash FROM audit_log {WHERE}
         ORDER BY seq DESC LIMIT ?6 OFFSET ?7"
    ))
    .bind(&actor)
    .bind(&action)
    .bind(outcome)
    .bind(&since)
    .bind(&until)
    .bind(limit)
    .bind(filter.offset as i64)
    .fetch_all(pool)
    .await?;
    let items = rows.iter().map(entry_from_row).collect::<Result<_, _>>()?;
    Ok(AuditPage { items, total })
}

fn entry_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEntryView, sqlx::Error> {
    let outcome: String = row.try_get("outcome")?;
    Ok(AuditEntryView {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        outcome: crate::known("audit outcome", &outcome, AuditOutcome::parse)?,
        detail: row.try_get("detail")?,
        hash: row.try_get("hash")?,
    })
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

/// Streams every entry, oldest first, with its prev_hash, so the export itself can be re-verified.
pub async fn export(
    pool: &SqlitePool,
    format: ExportFormat,
    out: &mut dyn std::io::Write,
) -> Result<u64, AuditError> {
    use futures_util::TryStreamExt;
    enum Sink<'a> {
        Csv(Box<csv::Writer<&'a mut dyn std::io::Write>>),
        Jsonl(&'a mut dyn std::io::Write),
    }
    let mut sink = match format {
        ExportFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
        ExportFormat::Jsonl => Sink::Jsonl(out),
    };
    let mut rows = sqlx::query(
        r#"SELECT seq, at, actor, action, subject, outcome, detail, prev_hash, hash
           FROM audit_log ORDER BY seq"#,
    )
    .fetch(pool);
    let mut n = 0u64;
    while let Some(row) = rows.try_next().await? {
        let line = stored_entry(&row)?;
        match &mut sink {
            Sink::Csv(w) => w.serialize(&line).map_err(std::io::Error::other)?,
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut **w, &line).map_err(std::io::Error::other)?;
                w.write_all(b"\n")?;
            }
        }
        n += 1;
    }
    match sink {
        Sink::Csv(mut w) => w.flush()?,
        Sink::Jsonl(w) => w.flush()?,
    }
    Ok(n)
}

/// An `audit_log` row read as `SELECT seq, at, actor, action, subject, outcome, detail,
/// prev_hash, hash`, exactly as stored.
fn stored_entry(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        seq: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        subject: row.try_get(4)?,
        outcome: row.try_get(5)?,
        detail: row.try_get(6)?,
        prev_hash: row.try_get(7)?,
        hash: row.try_get(8)?,
    })
}

/// The entries after `after`, oldest first, exactly as stored: at most `limit` of them, and no
/// more than `max_bytes` of JSON between them (always at least one when any waits), for the
/// desk's audit message to the hub.
pub async fn tail(
    pool: &SqlitePool,
    after: i64,
    limit: u32,
    max_bytes: usize,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query(
        r#"SELECT seq, at, actor, action, subject, outcome, detail, prev_hash, hash
           FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"#,
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut bytes = 0usize;
    for row in rows {
        let e = stored_entry(&row)?;
        // The entry as it travels, plus a comma.
        let size = serde_json::to_vec(&e).map(|v| v.len() + 1).unwrap_or(0);
        if !out.is_empty() && bytes + size > max_bytes {
            break;
        }
        bytes += size;
        out.push(e);
    }
    Ok(out)
}

/// Whether the chain's sealed head in `meta` holds under `cipher` (true when the log has no head
/// yet). Re-encryption checks this with the old key before sealing the head with the new one, so
/// a broken head is never made to look sound.
pub async fn head_seal_holds(
    conn: &mut SqliteConnection,
    cipher: &FieldCipher,
) -> Result<bool, sqlx::Error> {
    let Some(head) = meta_get(conn, HEAD_KEY).await? else {
        return Ok(true);
    };
    let mut parts = head.splitn(3, ':');
    let (Some(seq), Some(hash), Some(seal)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(false);
    };
    let Ok(seq) = seq.parse::<i64>() else {
        return Ok(false);
    };
    Ok(cipher.verify_seal(&head_bytes(seq, hash), seal))
}
