//! The hub's audit chain (`hub_audit`): hub actions, hash-chained per group like the desk's log.
//!
//! Each entry's hash is `SHA-256(prev_hash || canonical bytes)`, hex; the first entry's
//! `prev_hash` is 64 zeros. The canonical bytes are the fields in a fixed order, each as a 4-byte
//! big-endian length and its UTF-8 bytes (`0xFFFFFFFF` for an absent value). Appending reads the
//! group's head inside the caller's SERIALIZABLE transaction, so two concurrent appends cannot
//! both take the same `seq` (one is retried).

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HubAuditRow {
    pub id: Uuid,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What an entry records: who did what to which subject, with a JSON detail.
#[derive(Debug, Clone)]
pub struct HubEvent {
    pub actor: String,
    pub action: &'static str,
    pub subject: Option<String>,
    pub detail: String,
}

fn push(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(s) => {
            buf.extend_from_slice(&(s.len() as u32).to_be_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
        None => buf.extend_from_slice(&u32::MAX.to_be_bytes()),
    }
}

/// The hash of an entry given the previous one's.
pub fn entry_hash(group_id: Uuid, row: &HubAuditRow) -> String {
    let mut buf = Vec::new();
    push(&mut buf, Some(&group_id.to_string()));
    push(&mut buf, Some(&row.id.to_string()));
    push(&mut buf, Some(&row.seq.to_string()));
    push(
        &mut buf,
        Some(&row.at.to_rfc3339_opts(SecondsFormat::Micros, true)),
    );
    push(&mut buf, Some(&row.actor));
    push(&mut buf, Some(&row.action));
    push(&mut buf, row.subject.as_deref());
    push(&mut buf, Some(&row.detail));
    let mut h = Sha256::new();
    h.update(row.prev_hash.as_bytes());
    h.update(&buf);
    hex::encode(h.finalize())
}

/// Appends an entry to the group's chain inside the caller's transaction.
pub async fn append(
    c: &mut PgConnection,
    group_id: Uuid,
    event: &HubEvent,
    at: DateTime<Utc>,
) -> Result<HubAuditRow, sqlx::Error> {
    // One writer at a time per group: the group's cursor row is the chain's lock (held to the
    // end of the transaction), so two appends never read the same head.
    crate::cursor::lock(c, group_id).await?;
    let head: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, hash FROM hub_audit WHERE group_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(group_id)
    .fetch_optional(&mut *c)
    .await?;
    let (seq, prev_hash) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    // PostgreSQL keeps microseconds: hash what will be read back.
    let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    let mut row = HubAuditRow {
        id: Uuid::now_v7(),
        seq,
        at,
        actor: event.actor.clone(),
        action: event.action.to_string(),
        subject: event.subject.clone(),
        detail: event.detail.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(group_id, &row);
    sqlx::query(
        "INSERT INTO hub_audit (group_id, id, seq, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(group_id)
    .bind(row.id)
    .bind(row.seq)
    .bind(row.at)
    .bind(&row.actor)
    .bind(&row.action)
    .bind(&row.subject)
    .bind(&row.detail)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(c)
    .await?;
    Ok(row)
}

/// The group's chain, oldest first.
pub async fn list(c: &mut PgConnection, group_id: Uuid) -> Result<Vec<HubAuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, seq, at, actor, action, subject, detail, prev_hash, hash \
         FROM hub_audit WHERE group_id = $1 ORDER BY seq",
    )
    .bind(group_id)
    .fetch_all(c)
    .await
}

/// Checks the chain: seqs 1..n without gaps, each `prev_hash` the previous `hash`, each hash
/// recomputed. Returns the first broken seq, or `None` when the chain holds.
pub fn verify(group_id: Uuid, rows: &[HubAuditRow]) -> Option<i64> {
    let mut prev = GENESIS.to_string();
    for (i, row) in rows.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if row.seq != expected_seq || row.prev_hash != prev || entry_hash(group_id, row) != row.hash
        {
            return Some(expected_seq);
        }
        prev = row.hash.clone();
    }
    None
}
