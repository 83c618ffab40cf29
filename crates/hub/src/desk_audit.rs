//! Every desk's audit chain on the hub: a desk sends the entries after the last one the hub
//! acknowledged (`dealerdesk_sync::wire::AuditBatch`, signed and replay-protected like a push),
//! and the hub takes the message whole only when it continues the chain it holds for that desk:
//! the first entry links to the desk's last stored entry (or to the genesis for entry #1), seqs
//! are consecutive and every hash recomputes. Anything else is refused whole, nothing stored, and
//! the refusal recorded in the hub's own chain (`desk_audit_refused`). An entry sent again as it
//! was is a harmless duplicate; the same seq with another hash is tampering.
//!
//! `hub audit verify` walks every stored chain again from entry #1 ([`verify_desk_chains`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use dealerdesk_hub_store::desk_audit::{self, DeskAuditRow};
use dealerdesk_hub_store::{batch, desk, HubStore};
use dealerdesk_sync::chain::{self, AuditEntry, ChainBreak};
use dealerdesk_sync::wire::{self, AuditAnswer, AuditBatch, Kind, Signed};

use crate::{Hub, HubError};

/// The hub audit action of a refused audit message.
const REFUSED: &str = "desk_audit_refused";

/// How many stored entries `hub audit verify` reads at a time.
const VERIFY_PAGE: i64 = 10_000;

fn entry(r: DeskAuditRow) -> AuditEntry {
    AuditEntry {
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        outcome: r.outcome,
        detail: r.detail,
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

fn row(e: &AuditEntry) -> DeskAuditRow {
    DeskAuditRow {
        seq: e.seq,
        at: e.at.clone(),
        actor: e.actor.clone(),
        action: e.action.clone(),
        subject: e.subject.clone(),
        outcome: e.outcome.clone(),
        detail: e.detail.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

/// Checks an audit message's `entries` against what the hub holds of the desk's chain: its last
/// seq `held` (0: none) and the stored hashes `known` of the seqs from the one before the
/// message's first entry up to `held`. Returns how many entries the hub already holds (the
/// same), which come first; the rest are new and continue the chain.
pub fn check_arrival(
    held: i64,
    known: &HashMap<i64, String>,
    entries: &[AuditEntry],
) -> Result<usize, ChainBreak> {
    let Some(first) = entries.first() else {
        return Ok(0);
    };
    if first.seq < 1 {
        return Err(ChainBreak {
            seq: 1,
            reason: format!("entry #{} is not a seq of an audit log", first.seq),
        });
    }
    if first.seq > held + 1 {
        return Err(ChainBreak {
            seq: held + 1,
            reason: if first.seq == held + 2 {
                format!(
                    "entry #{} is missing (the hub holds this desk's log up to #{held})",
                    held + 1
                )
            } else {
                format!(
                    "entries #{} to #{} are missing (the hub holds this desk's log up to #{held})",
                    held + 1,
                    first.seq - 1
                )
            },
        });
    }
    let mut duplicates = 0;
    for e in entries.iter().take_while(|e| e.seq <= held) {
        if known.get(&e.seq) != Some(&e.hash) {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!(
                    "entry #{} is not the entry #{} the hub already holds: it was changed after \
                     it was sent",
                    e.seq, e.seq
                ),
            });
        }
        duplicates += 1;
    }
    let anchor = match first.seq - 1 {
        0 => None,
        before => {
            let hash = known.get(&before).ok_or_else(|| ChainBreak {
                seq: first.seq,
                reason: format!(
                    "the hub does not hold entry #{before}, which entry #{} follows",
                    first.seq
                ),
            })?;
            Some((before, hash.as_str()))
        }
    };
    chain::check(anchor, entries)?;
    Ok(duplicates)
}

impl Hub {
    /// Takes a signed audit message of an enrolled desk: stored whole when it continues the
    /// desk's chain, refused whole (audited, nothing stored) otherwise. Answers the last seq the
    /// hub holds for the desk.
    pub async fn take_audit(
        &self,
        signed: &Signed,
        now: DateTime<Utc>,
    ) -> Result<AuditAnswer, HubError> {
        let b: AuditBatch = self.verified(Kind::Audit, signed, REFUSED, now).await?;
        if signed.body.len() > wire::MAX_AUDIT_BYTES * 4 / 3 + 4 {
            let why = format!(
                "an audit message holds at most {} MiB",
                wire::MAX_AUDIT_BYTES / (1024 * 1024)
            );
            return Err(self.refuse(b.desk_id, REFUSED, why, now).await);
        }
        if b.entries.len() > wire::MAX_AUDIT_ENTRIES {
            let why = format!(
                "an audit message holds at most {} entries",
                wire::MAX_AUDIT_ENTRIES
            );
            return Err(self.refuse(b.desk_id, REFUSED, why, now).await);
        }
        let gid = self.group_id;
        let b = std::sync::Arc::new(b);
        // Ok(Err(why)): refused, and nothing was written.
        let taken = self
            .store
            .group_serialized(gid, |c| {
                let b = b.clone();
                Box::pin(async move { store_arrival(c, gid, &b, now).await })
            })
            .await?;
        match taken {
            Ok(answer) => Ok(answer),
            Err(why) => Err(self.refuse(b.desk_id, REFUSED, why, now).await),
        }
    }
}

/// Checks the message against the desk's stored chain and stores its new entries; `Err(why)`
/// (with nothing written) when it is refused.
async fn store_arrival(
    c: &mut sqlx::PgConnection,
    gid: Uuid,
    b: &AuditBatch,
    now: DateTime<Utc>,
) -> Result<Result<AuditAnswer, String>, HubError> {
    let held = desk_audit::last(&mut *c, gid, b.desk_id).await?;
    let held_seq = held.as_ref().map_or(0, |(s, _)| *s);
    let mut known = HashMap::new();
    if let (Some(first), Some(last)) = (b.entries.first(), b.entries.last()) {
        let (from, to) = ((first.seq - 1).max(1), last.seq.min(held_seq));
        if from <= to {
            known.extend(desk_audit::hashes(&mut *c, gid, b.desk_id, from, to).await?);
        }
    }
    let duplicates = match check_arrival(held_seq, &known, &b.entries) {
        Ok(n) => n,
        Err(broken) => {
            return Ok(Err(format!(
                "this desk's audit log does not continue the chain the hub holds for it: {}; \
                 nothing of this message was stored",
                broken.reason
            )))
        }
    };
    let n = i32::try_from(b.entries.len()).unwrap_or(i32::MAX);
    if !batch::record(&mut *c, gid, b.desk_id, b.batch_id, n, now).await? {
        return Ok(Err("this audit message was sent before (a replay)".into()));
    }
    let new: Vec<DeskAuditRow> = b.entries[duplicates..].iter().map(row).collect();
    desk_audit::insert_many(&mut *c, gid, b.desk_id, &new, now).await?;
    Ok(Ok(AuditAnswer {
        held: b.entries.last().map_or(held_seq, |e| e.seq.max(held_seq)),
        stored: new.len() as u64,
        duplicates: duplicates as u64,
    }))
}

/// One desk's chain as `hub audit verify` found it.
#[derive(Debug, Clone, Serialize)]
pub struct DeskChainReport {
    pub desk_id: Uuid,
    pub desk_name: String,
    /// Entries the hub holds of the desk's log.
    pub entries: u64,
    pub ok: bool,
    /// The first entry that does not follow from the one before.
    pub first_broken_seq: Option<i64>,
    /// Why, in words.
    pub reason: Option<String>,
}

/// Walks every desk's stored chain of the group from entry #1: every hash recomputed, every link
/// and seq checked. Desks that sent nothing yet read as intact with no entries.
pub async fn verify_desk_chains(
    store: &HubStore,
    group_id: Uuid,
) -> Result<Vec<DeskChainReport>, HubError> {
    let mut c = store.pool().acquire().await?;
    let mut out = Vec::new();
    for d in desk::list(&mut c, group_id).await? {
        let mut report = DeskChainReport {
            desk_id: d.id,
            desk_name: d.name.clone(),
            entries: 0,
            ok: true,
            first_broken_seq: None,
            reason: None,
        };
        let mut anchor: Option<(i64, String)> = None;
        loop {
            let after = anchor.as_ref().map_or(0, |(s, _)| *s);
            let page: Vec<AuditEntry> =
                desk_audit::page(&mut c, group_id, d.id, after, VERIFY_PAGE)
                    .await?
                    .into_iter()
                    .map(entry)
                    .collect();
            let Some(last) = page.last() else { break };
            if let Err(b) = chain::check(anchor.as_ref().map(|(s, h)| (*s, h.as_str())), &page) {
                report.entries += page.iter().take_while(|e| e.seq < b.seq).count() as u64 + 1;
                report.ok = false;
                report.first_broken_seq = Some(b.seq);
                report.reason = Some(b.reason);
                break;
            }
            report.entries += page.len() as u64;
            anchor = Some((last.seq, last.hash.clone()));
        }
        out.push(report);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sound chain of `n` entries, as a desk writes it.
    fn chain_of(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let mut e = AuditEntry {
                seq,
                at: format!("2026-12-08T09:00:{:02}.000000Z", seq % 60),
                actor: "staff:morgan.fi".into(),
                action: "identity.pii_revealed".into(),
                subject: Some(format!("customer:{seq}")),
                outcome: "success".into(),
                detail: Some("{\"field\":\"ssn\"}".into()),
                prev_hash: out
                    .last()
                    .map_or(chain::GENESIS.to_string(), |p| p.hash.clone()),
                hash: String::new(),
            };
            e.hash = e.computed_hash();
            out.push(e);
        }
        out
    }

    /// What the hub holds after storing `entries`: the last seq and every hash.
    fn holding(entries: &[AuditEntry]) -> (i64, HashMap<i64, String>) {
        let held = entries.last().map_or(0, |e| e.seq);
        (
            held,
            entries.iter().map(|e| (e.seq, e.hash.clone())).collect(),
        )
    }

    #[test]
    fn a_desks_first_message_from_entry_one_is_taken() {
        let c = chain_of(3);
        assert_eq!(check_arrival(0, &HashMap::new(), &c), Ok(0));
    }

    #[test]
    fn the_next_message_must_link_to_the_last_entry_the_hub_holds() {
        let c = chain_of(6);
        let (held, known) = holding(&c[..3]);
        assert_eq!(check_arrival(held, &known, &c[3..]), Ok(0), "continues #3");
        // Entries the desk made later, on another chain (the desk's log was rebuilt).
        let other = chain_of(6);
        let mut forked = other[3..].to_vec();
        forked[0].prev_hash = "f".repeat(64);
        forked[0].hash = forked[0].computed_hash();
        let b = check_arrival(held, &known, &forked).expect_err("does not link");
        assert_eq!(b.seq, 4, "{b}");
        // A gap: #4 never arrived.
        let b = check_arrival(held, &known, &c[4..]).expect_err("a gap");
        assert_eq!(b.seq, 4, "{b}");
        assert!(b.reason.contains("missing"), "{b}");
    }

    #[test]
    fn a_resend_is_a_duplicate_and_the_same_seq_with_another_hash_is_tampering() {
        let c = chain_of(5);
        let (held, known) = holding(&c[..3]);
        // The answer to #2..#5 was lost: #2 and #3 again, then the new ones.
        assert_eq!(check_arrival(held, &known, &c[1..]), Ok(2));
        // #3 edited on the desk after the hub took it, and the rest re-hashed to match.
        let mut edited = c[1..].to_vec();
        edited[1].detail = Some("{\"field\":\"dob\"}".into());
        for i in 1..edited.len() {
            edited[i].prev_hash = edited[i - 1].hash.clone();
            edited[i].hash = edited[i].computed_hash();
        }
        let b = check_arrival(held, &known, &edited).expect_err("tampered");
        assert_eq!(b.seq, 3, "{b}");
        assert!(b.reason.contains("already holds"), "{b}");
    }

    #[test]
    fn an_entry_altered_without_its_hash_is_refused() {
        let mut c = chain_of(4);
        c[2].actor = "staff:mallory".into();
        let b = check_arrival(0, &HashMap::new(), &c).expect_err("altered");
        assert_eq!(b.seq, 3, "{b}");
        assert!(b.reason.contains("altered"), "{b}");
    }
}
