//! Re-encrypting a desk under a new master key (what enrolment with a hub does with the group's
//! data key): every sealed value moves, nothing is lost, and a crash at either end of the
//! transaction leaves a database that opens under exactly one key.

use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::FieldCipher;
use dealerdesk_store::rekey::{pending_key_path, StopAt};
use dealerdesk_store::{OpenMode, Store};

use crate::support::{fresh, now, today, Fixture};

const GROUP_KEY: [u8; 32] = [42u8; 32];

/// Every customer's (id, SSN, date of birth, SSN blind index) as this store reads them.
async fn customers(
    store: &Store,
    cipher: &FieldCipher,
) -> Vec<(String, Option<String>, Option<String>, String)> {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, ssn_enc, dob_enc, ssn_index FROM customer ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("customers");
    rows.into_iter()
        .map(|(id, ssn, dob, index)| {
            let ssn = cipher
                .decrypt(&ssn, &format!("customer.ssn:{id}"))
                .ok()
                .map(|s| s.to_string());
            let dob = cipher
                .decrypt(&dob, &format!("customer.dob:{id}"))
                .ok()
                .map(|s| s.to_string());
            (id, ssn, dob, index)
        })
        .collect()
}

async fn demo() -> (
    Fixture,
    Vec<(String, Option<String>, Option<String>, String)>,
) {
    let f = fresh().await;
    dealerdesk_services::demo::fill(&f.store, 2026, 60, now(), today())
        .await
        .expect("demo data");
    let before = customers(&f.store, f.store.cipher()).await;
    assert!(before.len() >= 10);
    assert!(before.iter().all(|c| c.1.is_some() && c.2.is_some()));
    (f, before)
}

fn event() -> AuditEvent {
    AuditEvent::new("cli:test", "sync.rekeyed", AuditOutcome::Success)
}

#[tokio::test]
async fn every_sealed_value_moves_to_the_new_key_and_reads_the_same() {
    let (f, before) = demo().await;
    let old = FieldCipher::load(f.store.key_path()).expect("old key");
    let changes_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log")
        .fetch_one(f.store.pool())
        .await
        .expect("count");
    let (store, report) = f
        .store
        .rekey(&GROUP_KEY, None, event(), now())
        .await
        .expect("rekey");
    assert_eq!(report.customers as usize, before.len());
    assert!(
        report.identity_checks > 0 && report.lender_messages > 0,
        "{report:?}"
    );

    let new = FieldCipher::from_master_key(&GROUP_KEY);
    let after = customers(&store, &new).await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&b.0, &b.1, &b.2),
            (&a.0, &a.1, &a.2),
            "the same values under the new key"
        );
        // The blind index is the new key's: a search by SSN still finds the customer.
        let ssn = a.1.as_deref().expect("ssn");
        assert_eq!(a.3, new.blind_index("ssn", ssn));
        assert_ne!(a.3, b.3);
    }
    assert!(
        customers(&store, &old).await.iter().all(|c| c.1.is_none()),
        "the old key opens nothing"
    );
    // The key file holds the new key; no pending key is left; the store reopens under it.
    let on_disk = FieldCipher::load(store.key_path()).expect("key");
    assert_eq!(customers(&store, &on_disk).await, after);
    assert!(!pending_key_path(store.key_path()).exists());
    let report = audit::verify(&store).await.expect("verify");
    assert!(report.ok, "{report:?}");
    let rekeyed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'sync.rekeyed'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(rekeyed, 1);
    let changes_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(
        changes_after, changes_before,
        "not a business change: nothing journaled to sync"
    );
    let path = store.path().to_path_buf();
    store.close().await;
    let reopened = Store::open(&path, OpenMode::MustExist)
        .await
        .expect("reopens");
    assert_eq!(customers(&reopened, &new).await, after);
}

#[tokio::test]
async fn a_crash_before_the_commit_leaves_the_old_key_and_removes_the_new_one_at_open() {
    let (f, before) = demo().await;
    let path = f.db_path();
    let (store, _) = f
        .store
        .rekey_stopping(&GROUP_KEY, None, event(), now(), StopAt::BeforeCommit)
        .await
        .expect("stop");
    let key_path = store.key_path().to_path_buf();
    assert!(pending_key_path(&key_path).exists());
    store.close().await;
    let reopened = Store::open(&path, OpenMode::MustExist)
        .await
        .expect("reopens");
    assert!(
        !pending_key_path(&key_path).exists(),
        "the stale key is removed"
    );
    assert_eq!(customers(&reopened, reopened.cipher()).await, before);
    assert!(audit::verify(&reopened).await.expect("verify").ok);
}

#[tokio::test]
async fn a_crash_after_the_commit_finishes_the_key_swap_at_open() {
    let (f, before) = demo().await;
    let path = f.db_path();
    let (store, _) = f
        .store
        .rekey_stopping(&GROUP_KEY, None, event(), now(), StopAt::BeforeRename)
        .await
        .expect("stop");
    let key_path = store.key_path().to_path_buf();
    store.close().await;
    let reopened = Store::open(&path, OpenMode::MustExist)
        .await
        .expect("reopens under the new key");
    assert!(!pending_key_path(&key_path).exists());
    let new = FieldCipher::from_master_key(&GROUP_KEY);
    let after = customers(&reopened, &new).await;
    assert_eq!(
        before
            .iter()
            .map(|c| (&c.0, &c.1, &c.2))
            .collect::<Vec<_>>(),
        after.iter().map(|c| (&c.0, &c.1, &c.2)).collect::<Vec<_>>()
    );
    assert!(audit::verify(&reopened).await.expect("verify").ok);
}

#[tokio::test]
async fn a_value_that_does_not_open_stops_the_rekey_and_changes_nothing() {
    let (f, before) = demo().await;
    // One customer's SSN was damaged on disk: it cannot be re-sealed honestly.
    let victim = &before[3].0;
    sqlx::query("UPDATE customer SET ssn_enc = 'x1:AAAA' WHERE id = ?1")
        .bind(victim)
        .execute(f.store.pool())
        .await
        .expect("damage");
    let key_path = f.store.key_path().to_path_buf();
    let key_before = std::fs::read(&key_path).expect("key");
    let store = f.store.clone();
    let refused = f.store.rekey(&GROUP_KEY, None, event(), now()).await;
    assert!(refused.is_err(), "a damaged value is refused, not dropped");
    assert_eq!(std::fs::read(&key_path).expect("key"), key_before);
    assert!(!pending_key_path(&key_path).exists());
    let still = customers(&store, store.cipher()).await;
    for (b, s) in before.iter().zip(&still) {
        if &b.0 != victim {
            assert_eq!(b, s, "every other value is as it was, under the old key");
        }
    }
}
