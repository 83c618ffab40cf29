//! The audit hash chain every desk keeps, in one place for the desk that writes it and the hub
//! that checks it as it arrives (`crates/store/src/audit.rs` appends with these functions; the
//! hub verifies desks' chains with [`check`]).
//!
//! Each entry's hash is `SHA-256(prev_hash || canonical bytes of the entry)`, hex; the first
//! entry's `prev_hash` is [`GENESIS`]. The canonical bytes are every field, in a fixed order,
//! each as a 4-byte big-endian length followed by its UTF-8 bytes (`0xFFFFFFFF` for an absent
//! value), so no two different entries share bytes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical bytes of one entry (what its hash covers, after the previous hash).
pub fn canonical(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    outcome: &str,
    detail: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let seq_text = seq.to_string();
    for field in [
        Some(seq_text.as_str()),
        Some(at),
        Some(actor),
        Some(action),
        subject,
        Some(outcome),
        detail,
    ] {
        match field {
            Some(v) => {
                out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                out.extend_from_slice(v.as_bytes());
            }
            None => out.extend_from_slice(&u32::MAX.to_be_bytes()),
        }
    }
    out
}

/// The hash of an entry whose canonical bytes are `canonical`, after the entry hashed `prev_hash`.
pub fn chain_hash(prev_hash: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical);
    hex::encode(h.finalize())
}

/// One entry of a desk's audit log, exactly as the desk stores it (and sends it to the hub, and
/// the hub stores it): every field as text, so the hash recomputes from what travelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339 UTC, as written on the desk.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry's fields and `prev_hash` give (equal to `hash` unless it was altered).
    pub fn computed_hash(&self) -> String {
        let bytes = canonical(
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            self.subject.as_deref(),
            &self.outcome,
            self.detail.as_deref(),
        );
        chain_hash(&self.prev_hash, &bytes)
    }
}

/// Where and why a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ChainBreak {
    /// The first entry that does not follow from the one before.
    pub seq: i64,
    /// Why, in words an administrator understands.
    pub reason: String,
}

/// Checks that `entries` continue a chain whose last entry is `after` (its seq and hash; `None`
/// for an empty chain, so the first entry must be #1 on [`GENESIS`]): seqs consecutive from
/// there, each entry linked to the one before, each hash recomputed from the entry's fields.
/// Names the first entry that does not hold.
pub fn check(after: Option<(i64, &str)>, entries: &[AuditEntry]) -> Result<(), ChainBreak> {
    let (mut last_seq, mut last_hash) = after.unwrap_or((0, GENESIS));
    for e in entries {
        let expected = last_seq + 1;
        if e.seq != expected {
            let reason = if e.seq > expected {
                format!(
                    "entry #{expected} is missing (the next entry found is #{})",
                    e.seq
                )
            } else {
                format!(
                    "entry #{} is out of order (entry #{expected} was expected)",
                    e.seq
                )
            };
            return Err(ChainBreak {
                seq: expected,
                reason,
            });
        }
        if e.prev_hash != last_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!(
                    "entry #{} does not link to the entry before it (deleted, reordered or altered)",
                    e.seq
                ),
            });
        }
        if e.computed_hash() != e.hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!(
                    "entry #{} was altered after it was written (its hash does not match)",
                    e.seq
                ),
            });
        }
        last_seq = e.seq;
        last_hash = &e.hash;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sound chain of `n` entries.
    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev_hash = out.last().map_or(GENESIS.to_string(), |e| e.hash.clone());
            let mut e = AuditEntry {
                seq,
                at: format!("2026-12-08T10:00:{:02}Z", seq % 60),
                actor: "staff:sam.sales".into(),
                action: "customer.created".into(),
                subject: Some(format!("c{seq}")),
                outcome: "success".into(),
                detail: None,
                prev_hash,
                hash: String::new(),
            };
            e.hash = e.computed_hash();
            out.push(e);
        }
        out
    }

    #[test]
    fn canonical_bytes_distinguish_absent_from_empty() {
        let a = canonical(1, "t", "a", "x", None, "success", None);
        let b = canonical(1, "t", "a", "x", Some(""), "success", None);
        assert_ne!(a, b, "None and empty string must hash differently");
    }

    #[test]
    fn canonical_bytes_do_not_let_fields_shift() {
        let a = canonical(1, "t", "ab", "c", None, "success", None);
        let b = canonical(1, "t", "a", "bc", None, "success", None);
        assert_ne!(
            chain_hash(GENESIS, &a),
            chain_hash(GENESIS, &b),
            "length prefixes keep fields apart"
        );
    }

    #[test]
    fn a_sound_chain_holds_from_genesis_and_from_any_entry_of_it() {
        let c = chain(5);
        assert_eq!(check(None, &c), Ok(()), "the whole chain");
        assert_eq!(
            check(Some((2, &c[1].hash)), &c[2..]),
            Ok(()),
            "its tail after entry #2"
        );
        assert_eq!(check(Some((5, &c[4].hash)), &[]), Ok(()), "nothing new");
    }

    #[test]
    fn an_altered_missing_or_unlinked_entry_is_named() {
        let c = chain(4);
        let mut altered = c.clone();
        altered[2].detail = Some("edited".into());
        assert_eq!(check(None, &altered).map_err(|b| b.seq), Err(3), "altered");

        let mut gap = c.clone();
        gap.remove(1);
        let b = check(None, &gap).expect_err("a gap");
        assert_eq!(b.seq, 2, "{b}");
        assert!(b.reason.contains("missing"), "{b}");

        // A tail that does not start where the hub's copy ends, or does not link to it.
        assert_eq!(
            check(Some((1, &c[0].hash)), &c[2..]).map_err(|b| b.seq),
            Err(2)
        );
        assert_eq!(
            check(Some((2, &c[0].hash)), &c[2..]).map_err(|b| b.seq),
            Err(3),
            "linked to another entry than #2"
        );
        // Re-hashed after the edit: the entry holds on its own but the next one no longer links.
        let mut rehashed = c.clone();
        rehashed[1].actor = "staff:mallory".into();
        rehashed[1].hash = rehashed[1].computed_hash();
        assert_eq!(check(None, &rehashed).map_err(|b| b.seq), Err(3));
    }
}
