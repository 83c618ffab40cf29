//! What desks and the hub say to each other after enrolment: a desk pushes its change journal in
//! signed batches and pulls the group's changes by cursor.
//!
//! Signing: the exact bytes signed travel (base64) inside a [`Signed`] envelope, so neither side
//! needs a canonical JSON form. The signature covers a domain label, the message kind and the
//! bytes; the body names the group, the desk, a fresh request id and the time it was sent, so a
//! batch cannot be replayed as another kind, to another group or later than [`MAX_SKEW_SECONDS`].
//! A push is idempotent by (desk, seq) whatever happens to the network.

use std::cmp::Ordering;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a desk pushes.
pub const PUSH_PATH: &str = "/v1/sync/push";
/// Where a desk pulls.
pub const PULL_PATH: &str = "/v1/sync/pull";
/// Where a desk sends its audit log's tail.
pub const AUDIT_PATH: &str = "/v1/sync/audit";
/// The most entries one push batch carries.
pub const MAX_BATCH_ENTRIES: usize = 1000;
/// The most changes one pull page returns.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// The largest signed message the hub reads (a full batch of customer rows fits many times).
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;
/// The most audit entries one audit message carries.
pub const MAX_AUDIT_ENTRIES: usize = 1000;
/// The largest audit message body (before base64), so it stays well inside
/// [`MAX_MESSAGE_BYTES`] once signed.
pub const MAX_AUDIT_BYTES: usize = 4 * 1024 * 1024;
/// How far a message's `sent_at` may be from the receiver's clock.
pub const MAX_SKEW_SECONDS: i64 = 600;

/// Which message a signature is for (part of what is signed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Push,
    Pull,
    /// A desk's audit entries ([`AuditBatch`]).
    Audit,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Kind::Push => b"push",
            Kind::Pull => b"pull",
            Kind::Audit => b"audit",
        }
    }
}

fn signed_bytes(kind: Kind, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 32);
    m.extend_from_slice(b"dealerdesk/sync/v1\0");
    m.extend_from_slice(kind.label());
    m.push(0);
    m.extend_from_slice(body);
    m
}

/// A message signed by a desk's Ed25519 key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signed {
    /// The desk that claims to have signed (used to find its public key).
    pub desk_id: Uuid,
    /// The JSON body, base64.
    pub body: String,
    /// Ed25519 signature, base64.
    pub signature: String,
}

/// Why a signed message is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not base64, not JSON of the expected shape, or too large.
    #[error("the message is malformed: {0}")]
    Malformed(String),
    #[error("the message's signature does not verify")]
    BadSignature,
    /// The body names another desk or group than the envelope and the key.
    #[error("the message names another desk or group than its signer")]
    WrongSender,
    /// `sent_at` too far from now.
    #[error("the message was sent more than {MAX_SKEW_SECONDS} seconds from the hub's clock")]
    Stale,
}

/// Signs `body` as a `kind` message of `desk_id`.
pub fn sign<T: Serialize>(
    kind: Kind,
    key: &SigningKey,
    desk_id: Uuid,
    body: &T,
) -> Result<Signed, serde_json::Error> {
    let bytes = serde_json::to_vec(body)?;
    let signature = key.sign(&signed_bytes(kind, &bytes));
    Ok(Signed {
        desk_id,
        body: B64.encode(&bytes),
        signature: B64.encode(signature.to_bytes()),
    })
}

/// The header every signed body carries.
pub trait Addressed {
    fn group_id(&self) -> Uuid;
    fn desk_id(&self) -> Uuid;
    fn sent_at(&self) -> DateTime<Utc>;
}

/// Verifies `signed` with the desk's key and reads its body; checks that the body names the same
/// desk as the envelope and the expected group, and that it was sent within the skew of `now`.
pub fn verify<T: DeserializeOwned + Addressed>(
    kind: Kind,
    signed: &Signed,
    key: &VerifyingKey,
    group_id: Uuid,
    now: DateTime<Utc>,
) -> Result<T, WireError> {
    if signed.body.len() > MAX_MESSAGE_BYTES * 4 / 3 + 4 {
        return Err(WireError::Malformed("too large".into()));
    }
    let bytes = B64
        .decode(&signed.body)
        .map_err(|_| WireError::Malformed("the body is not base64".into()))?;
    let sig: [u8; 64] = B64
        .decode(&signed.signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| WireError::Malformed("the signature is not 64 bytes of base64".into()))?;
    key.verify(&signed_bytes(kind, &bytes), &Signature::from_bytes(&sig))
        .map_err(|_| WireError::BadSignature)?;
    let body: T =
        serde_json::from_slice(&bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    if body.desk_id() != signed.desk_id || body.group_id() != group_id {
        return Err(WireError::WrongSender);
    }
    if (now - body.sent_at()).num_seconds().abs() > MAX_SKEW_SECONDS {
        return Err(WireError::Stale);
    }
    Ok(body)
}

/// A hybrid logical clock reading: wall-clock milliseconds, a counter for events within one
/// millisecond (or while the wall clock lags a remote reading), and the desk as the tie-break.
/// Readings order totally; a desk's next reading is always above every reading it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
    pub desk: Uuid,
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, self.desk).cmp(&(other.wall_ms, other.counter, other.desk))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hlc {
    /// The reading for a local event at `now` after the last reading `last` of this desk.
    pub fn tick(last: Option<Hlc>, now: DateTime<Utc>, desk: Uuid) -> Hlc {
        let wall = now.timestamp_millis();
        match last {
            Some(l) if l.wall_ms >= wall => Hlc {
                wall_ms: l.wall_ms,
                counter: l.counter.saturating_add(1),
                desk,
            },
            _ => Hlc {
                wall_ms: wall,
                counter: 0,
                desk,
            },
        }
    }

    /// The desk's clock after it has seen `remote`: never below it, so the next local event is
    /// ordered after everything it could have been caused by.
    pub fn observe(last: Option<Hlc>, remote: Hlc, now: DateTime<Utc>, desk: Uuid) -> Hlc {
        let wall = now.timestamp_millis();
        let l = last.unwrap_or(Hlc {
            wall_ms: i64::MIN,
            counter: 0,
            desk,
        });
        let top = wall.max(l.wall_ms).max(remote.wall_ms);
        let counter = if top == l.wall_ms && top == remote.wall_ms {
            l.counter.max(remote.counter).saturating_add(1)
        } else if top == l.wall_ms {
            l.counter.saturating_add(1)
        } else if top == remote.wall_ms {
            remote.counter.saturating_add(1)
        } else {
            0
        };
        Hlc {
            wall_ms: top,
            counter,
            desk,
        }
    }
}

/// What a change did to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Insert,
    Update,
    Delete,
}

/// A row as column name → value, exactly as the desk stores it (PII columns stay ciphertext under
/// the group key; money stays integer cents).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// One entry of a desk's change journal, with the row as it is when pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The desk's journal sequence: unique per desk, increasing.
    pub seq: i64,
    pub table: String,
    pub row_id: String,
    pub op: Op,
    /// When the desk made the change (its wall clock).
    pub at: DateTime<Utc>,
    pub hlc: Hlc,
    /// The hub cursor of the row version this desk had seen when it made the change (None: it had
    /// seen none), so the hub can tell a concurrent change from a later one.
    pub base: Option<i64>,
    /// The row; None only when the row no longer exists on the desk.
    pub row: Option<Row>,
}

/// A push: a batch of journal entries in sequence order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushBatch {
    pub group_id: Uuid,
    pub desk_id: Uuid,
    /// Fresh per attempt; the hub refuses a batch id it has seen (a replay).
    pub batch_id: Uuid,
    pub sent_at: DateTime<Utc>,
    pub entries: Vec<Change>,
}

impl Addressed for PushBatch {
    fn group_id(&self) -> Uuid {
        self.group_id
    }
    fn desk_id(&self) -> Uuid {
        self.desk_id
    }
    fn sent_at(&self) -> DateTime<Utc> {
        self.sent_at
    }
}

/// What became of one pushed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stored now, at `cursor`.
    Applied,
    /// Stored before (same desk and seq): nothing changed.
    Duplicate,
    /// Lost to a concurrent change by the domain's rule; `current` is the hub's row.
    Conflict,
    /// Refused (unknown table, malformed row, a change an append-only record cannot take).
    Rejected,
}

/// The hub's answer for one entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryResult {
    pub seq: i64,
    pub outcome: Outcome,
    /// The hub cursor of the stored change (applied, duplicate).
    pub cursor: Option<i64>,
    /// Why, in words staff understand (conflict, rejected).
    pub reason: Option<String>,
    /// The hub's current version of the row (conflict).
    pub current: Option<RemoteChange>,
}

/// The hub's answer to a push: one result per entry, in the batch's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushAnswer {
    pub results: Vec<EntryResult>,
}

/// A pull: the changes of the group after `after`, at most `limit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    pub group_id: Uuid,
    pub desk_id: Uuid,
    pub request_id: Uuid,
    pub sent_at: DateTime<Utc>,
    pub after: i64,
    pub limit: u32,
    /// When nothing is waiting, how long the hub may hold the request open for the next change
    /// (a long poll; at most [`MAX_PULL_WAIT_MS`]). Only the speed depends on it: the answer is
    /// the same page either way.
    #[serde(default)]
    pub wait_ms: u32,
}

/// The longest a pull waits for a change.
pub const MAX_PULL_WAIT_MS: u32 = 20_000;

impl Addressed for PullRequest {
    fn group_id(&self) -> Uuid {
        self.group_id
    }
    fn desk_id(&self) -> Uuid {
        self.desk_id
    }
    fn sent_at(&self) -> DateTime<Utc> {
        self.sent_at
    }
}

/// A change as the hub serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteChange {
    /// The group's cursor: changes are served in cursor order, and a cursor is only handed out
    /// once every change below it is committed, so a reader never skips one.
    pub cursor: i64,
    /// The desk that made the change.
    pub desk_id: Uuid,
    pub seq: i64,
    pub table: String,
    pub row_id: String,
    pub op: Op,
    pub at: DateTime<Utc>,
    pub hlc: Hlc,
    pub row: Option<Row>,
    /// The cursor of the version the desk had seen when it made the change (None: none), so a
    /// desk can tell a change made on top of its own version from one that raced it.
    #[serde(default)]
    pub base: Option<i64>,
}

/// One page of a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullPage {
    pub changes: Vec<RemoteChange>,
    /// Where the next pull starts (the last cursor served, or `after` when none).
    pub next: i64,
    /// Whether more changes wait after `next`.
    pub more: bool,
}

/// A desk's audit entries after the last one the hub acknowledged, in seq order, at most
/// [`MAX_AUDIT_ENTRIES`] and [`MAX_AUDIT_BYTES`]. Signed as [`Kind::Audit`] and replay-protected
/// by `batch_id` like a [`PushBatch`]. The hub takes the message whole or not at all: every entry
/// must continue the chain it holds for the desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditBatch {
    pub group_id: Uuid,
    pub desk_id: Uuid,
    /// Fresh per attempt; the hub refuses an id it has seen (a replay).
    pub batch_id: Uuid,
    pub sent_at: DateTime<Utc>,
    pub entries: Vec<crate::chain::AuditEntry>,
}

impl Addressed for AuditBatch {
    fn group_id(&self) -> Uuid {
        self.group_id
    }
    fn desk_id(&self) -> Uuid {
        self.desk_id
    }
    fn sent_at(&self) -> DateTime<Utc> {
        self.sent_at
    }
}

/// The hub's answer to an audit message it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnswer {
    /// The last seq of this desk's chain the hub now holds (0: none): the desk sends what comes
    /// after it next time.
    pub held: i64,
    /// Entries stored now.
    pub stored: u64,
    /// Entries the hub already held, the same (a harmless resend).
    pub duplicates: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn batch(group: Uuid, desk: Uuid, now: DateTime<Utc>) -> PushBatch {
        PushBatch {
            group_id: group,
            desk_id: desk,
            batch_id: Uuid::now_v7(),
            sent_at: now,
            entries: vec![],
        }
    }

    #[test]
    fn a_signed_batch_verifies_only_as_itself() {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let other = SigningKey::generate(&mut rand::rngs::OsRng);
        let (g, d, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let s = sign(Kind::Push, &key, d, &batch(g, d, now)).expect("sign");
        let vk = key.verifying_key();
        assert!(verify::<PushBatch>(Kind::Push, &s, &vk, g, now).is_ok());
        // Another key, another kind, another group, too late, a tampered body.
        assert_eq!(
            verify::<PushBatch>(Kind::Push, &s, &other.verifying_key(), g, now),
            Err(WireError::BadSignature)
        );
        assert_eq!(
            verify::<PushBatch>(Kind::Pull, &s, &vk, g, now),
            Err(WireError::BadSignature)
        );
        assert_eq!(
            verify::<PushBatch>(Kind::Audit, &s, &vk, g, now),
            Err(WireError::BadSignature),
            "a push is not an audit message"
        );
        assert_eq!(
            verify::<PushBatch>(Kind::Push, &s, &vk, Uuid::now_v7(), now),
            Err(WireError::WrongSender)
        );
        assert_eq!(
            verify::<PushBatch>(Kind::Push, &s, &vk, g, now + Duration::minutes(11)),
            Err(WireError::Stale)
        );
        let mut forged = s.clone();
        forged.body =
            B64.encode(serde_json::to_vec(&batch(g, d, now + Duration::seconds(1))).expect("json"));
        assert_eq!(
            verify::<PushBatch>(Kind::Push, &forged, &vk, g, now),
            Err(WireError::BadSignature)
        );
        // Signed by the desk, but the envelope claims another desk.
        let mut claimed = s;
        claimed.desk_id = Uuid::now_v7();
        assert_eq!(
            verify::<PushBatch>(Kind::Push, &claimed, &vk, g, now),
            Err(WireError::WrongSender)
        );
    }

    #[test]
    fn the_clock_moves_forward_past_everything_it_has_seen() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let t = Utc::now();
        let first = Hlc::tick(None, t, a);
        // Same millisecond, or a wall clock that went back: the counter moves on.
        let second = Hlc::tick(Some(first), t - Duration::seconds(5), a);
        assert!(second > first);
        // A remote reading from a desk whose clock runs an hour ahead.
        let remote = Hlc::tick(None, t + Duration::hours(1), b);
        let seen = Hlc::observe(Some(second), remote, t, a);
        assert!(seen > remote && seen > second);
        assert!(Hlc::tick(Some(seen), t, a) > remote);
        // Equal wall and counter: the desk breaks the tie, so readings never compare equal.
        let x = Hlc {
            wall_ms: 1,
            counter: 0,
            desk: a,
        };
        let y = Hlc {
            wall_ms: 1,
            counter: 0,
            desk: b,
        };
        assert_ne!(x.cmp(&y), Ordering::Equal);
    }
}
