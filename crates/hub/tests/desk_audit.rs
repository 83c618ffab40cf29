//! Desks' audit chains arriving at the hub, on a real PostgreSQL (DEALERDESK_TEST_DATABASE_URL;
//! scripts/test starts one): a message that continues the desk's chain is stored, anything else
//! is refused whole, audited in the hub's own chain, and leaves nothing stored.

mod common;
use common::{enrolled, hub};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use dealerdesk_hub::{Hub, HubError};
use dealerdesk_sync::chain::{AuditEntry, GENESIS};
use dealerdesk_sync::wire::{self, AuditAnswer, AuditBatch, Kind, Signed};
use ed25519_dalek::SigningKey;
use uuid::Uuid;

/// An enrolled desk and the audit log it keeps.
struct Desk {
    id: Uuid,
    group: Uuid,
    key: SigningKey,
    log: Vec<AuditEntry>,
}

async fn desk(hub: &Hub, name: &str) -> Desk {
    let (id, group, key) = enrolled(hub, name).await;
    Desk {
        id,
        group,
        key,
        log: Vec::new(),
    }
}

impl Desk {
    /// Appends `n` entries to the desk's log, as the desk's store does.
    fn record(&mut self, n: usize) {
        for _ in 0..n {
            let seq = self.log.len() as i64 + 1;
            let mut e = AuditEntry {
                seq,
                at: format!("2026-12-08T09:{:02}:00.000000Z", seq % 60),
                actor: "staff:morgan.fi".into(),
                action: "identity.pii_revealed".into(),
                subject: Some(format!("customer:c{seq}")),
                outcome: "success".into(),
                detail: Some(r#"{"field":"ssn"}"#.into()),
                prev_hash: self
                    .log
                    .last()
                    .map_or(GENESIS.to_string(), |p| p.hash.clone()),
                hash: String::new(),
            };
            e.hash = e.computed_hash();
            self.log.push(e);
        }
    }

    /// The desk's entries `from..=to` (by seq), signed as one audit message.
    fn message(&self, from: i64, to: i64, now: DateTime<Utc>) -> Signed {
        let entries = self.log[(from - 1) as usize..to as usize].to_vec();
        self.sign(entries, now)
    }

    fn sign(&self, entries: Vec<AuditEntry>, now: DateTime<Utc>) -> Signed {
        let b = AuditBatch {
            group_id: self.group,
            desk_id: self.id,
            batch_id: Uuid::now_v7(),
            sent_at: now,
            entries,
        };
        wire::sign(Kind::Audit, &self.key, self.id, &b).expect("sign")
    }
}

async fn count(hub: &Hub, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(hub.store.pool())
        .await
        .expect("count")
}

async fn refusals(hub: &Hub) -> i64 {
    count(
        hub,
        "SELECT COUNT(*) FROM hub_audit WHERE action = 'desk_audit_refused'",
    )
    .await
}

async fn stored(hub: &Hub, d: &Desk) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM hub_desk_audit WHERE desk_id = $1")
        .bind(d.id)
        .fetch_one(hub.store.pool())
        .await
        .expect("count")
}

fn refused_saying(r: Result<AuditAnswer, HubError>, words: &str) -> bool {
    match r {
        Err(HubError::Forbidden(why)) => {
            assert!(why.contains(words), "refused, but why: {why}");
            true
        }
        other => panic!("expected a refusal about {words:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_desks_chain_is_stored_message_by_message_and_a_resend_is_a_harmless_duplicate() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let mut b = desk(&hub, "F&I").await;
    let now = Utc::now();
    a.record(5);
    b.record(2);
    let first = hub
        .take_audit(&a.message(1, 3, now), now)
        .await
        .expect("take");
    assert_eq!(
        first,
        AuditAnswer {
            held: 3,
            stored: 3,
            duplicates: 0
        }
    );
    // The answer was lost: the desk sends #2..#5 again.
    let again = hub
        .take_audit(&a.message(2, 5, now), now)
        .await
        .expect("take");
    assert_eq!(
        again,
        AuditAnswer {
            held: 5,
            stored: 2,
            duplicates: 2
        }
    );
    // Each desk's chain is its own, from #1.
    let other = hub
        .take_audit(&b.message(1, 2, now), now)
        .await
        .expect("take");
    assert_eq!(other.held, 2);
    // Nothing new: the answer says where the hub stands.
    let nothing = hub
        .take_audit(&a.sign(vec![], now), now)
        .await
        .expect("take");
    assert_eq!(nothing.held, 5);
    assert_eq!((stored(&hub, &a).await, stored(&hub, &b).await), (5, 2));

    let report = dealerdesk_hub::verify_audit_chain(&hub.store)
        .await
        .expect("verify");
    assert!(report.ok, "{report:?}");
    let counts: Vec<(String, u64, bool)> = report
        .desks
        .iter()
        .map(|d| (d.desk_name.clone(), d.entries, d.ok))
        .collect();
    assert_eq!(
        counts,
        vec![("Sales 1".into(), 5, true), ("F&I".into(), 2, true)]
    );
    assert_eq!(refusals(&hub).await, 0);
}

#[tokio::test]
async fn a_tampered_chain_entry_is_refused_audited_and_nothing_stored() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let now = Utc::now();
    a.record(6);
    hub.take_audit(&a.message(1, 3, now), now)
        .await
        .expect("take");

    // #5 edited on the desk after it was written (its hash no longer recomputes): the whole
    // message is refused, #4 with it.
    let mut edited = a.log[3..6].to_vec();
    edited[1].detail = Some(r#"{"field":"dob"}"#.into());
    assert!(refused_saying(
        hub.take_audit(&a.sign(edited, now), now).await,
        "entry #5 was altered"
    ));
    // #2, already held, sent again with other content and every later hash recomputed.
    let mut rewritten = a.log[1..6].to_vec();
    rewritten[0].actor = "staff:mallory".into();
    for i in 0..rewritten.len() {
        if i > 0 {
            rewritten[i].prev_hash = rewritten[i - 1].hash.clone();
        }
        rewritten[i].hash = rewritten[i].computed_hash();
    }
    assert!(refused_saying(
        hub.take_audit(&a.sign(rewritten, now), now).await,
        "entry #2 is not the entry #2 the hub already holds"
    ));
    // A gap (#4 left out), and entries out of order.
    assert!(refused_saying(
        hub.take_audit(&a.message(5, 6, now), now).await,
        "entry #4 is missing"
    ));
    let mut shuffled = a.log[3..6].to_vec();
    shuffled.swap(0, 1);
    assert!(refused_saying(
        hub.take_audit(&a.sign(shuffled, now), now).await,
        "does not continue"
    ));
    assert_eq!(stored(&hub, &a).await, 3, "nothing of a refused message");
    assert_eq!(refusals(&hub).await, 4);
    // The refusals are in the hub's own chain, which still holds, and name the desk.
    let subjects: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT subject FROM hub_audit WHERE action = 'desk_audit_refused' ORDER BY seq",
    )
    .fetch_all(hub.store.pool())
    .await
    .expect("subjects");
    assert!(subjects
        .iter()
        .all(|s| s.as_deref() == Some(&a.id.to_string())));
    assert_eq!(hub.verify_audit().await.expect("verify"), None);

    // The desk's own entries, as they are, still go through.
    let ok = hub
        .take_audit(&a.message(4, 6, now), now)
        .await
        .expect("take");
    assert_eq!(ok.held, 6);
}

#[tokio::test]
async fn a_forged_replayed_stale_or_oversized_audit_message_is_refused_and_stores_nothing() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let now = Utc::now();
    a.record(wire::MAX_AUDIT_ENTRIES + 1);

    // Forged: the body replaced after signing.
    let mut forged = a.message(1, 2, now);
    let other_body = AuditBatch {
        group_id: a.group,
        desk_id: a.id,
        batch_id: Uuid::now_v7(),
        sent_at: now,
        entries: a.log[..1].to_vec(),
    };
    forged.body = B64.encode(serde_json::to_vec(&other_body).expect("json"));
    assert!(refused_saying(
        hub.take_audit(&forged, now).await,
        "signature"
    ));
    // Signed by another key claiming to be the desk.
    let other = SigningKey::generate(&mut rand::rngs::OsRng);
    let claimed = wire::sign(Kind::Audit, &other, a.id, &other_body).expect("sign");
    assert!(refused_saying(
        hub.take_audit(&claimed, now).await,
        "signature"
    ));
    // A push signature does not make an audit message.
    let as_push = wire::sign(Kind::Push, &a.key, a.id, &other_body).expect("sign");
    assert!(refused_saying(
        hub.take_audit(&as_push, now).await,
        "signature"
    ));
    // Stale, and more entries than a message may carry.
    assert!(refused_saying(
        hub.take_audit(&a.message(1, 2, now - Duration::hours(1)), now)
            .await,
        "seconds"
    ));
    let too_many = a.message(1, wire::MAX_AUDIT_ENTRIES as i64 + 1, now);
    assert!(refused_saying(
        hub.take_audit(&too_many, now).await,
        "at most 1000 entries"
    ));
    assert_eq!(stored(&hub, &a).await, 0);

    // Replayed: the same signed message twice.
    let good = a.message(1, 2, now);
    hub.take_audit(&good, now).await.expect("take");
    assert!(refused_saying(hub.take_audit(&good, now).await, "replay"));
    assert_eq!(stored(&hub, &a).await, 2);

    // Revoked: refused.
    hub.revoke_desk(a.id, None, now).await.expect("revoke");
    assert!(refused_saying(
        hub.take_audit(&a.message(3, 4, now), now).await,
        "revoked"
    ));
    assert_eq!(stored(&hub, &a).await, 2);
    assert_eq!(refusals(&hub).await, 7);
    assert_eq!(hub.verify_audit().await.expect("verify"), None);
}
