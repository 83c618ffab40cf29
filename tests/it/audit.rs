use dealerdesk_store::audit::{self, AuditEvent, AuditFilter, AuditOutcome, ExportFormat};

use crate::support::{fresh, now, raw_sql, Fixture};

async fn with_entries(n: usize) -> Fixture {
    let f = fresh().await;
    for i in 0..n {
        let e = AuditEvent::new(
            "staff:amy",
            format!("test.action{i}"),
            AuditOutcome::Success,
        )
        .subject(format!("customer:{i}"));
        audit::record(&f.store, now(), &e).await.expect("recorded");
    }
    f
}

/// Tampering as someone with the file would: drop the append-only triggers, then change rows.
async fn tamper(f: &Fixture, sql: &str) {
    raw_sql(
        &f.db_path(),
        &format!("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"),
    )
    .await;
}

#[tokio::test]
async fn an_intact_chain_verifies() {
    let f = with_entries(10).await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert!(r.ok, "fresh chain is intact: {r:?}");
    assert_eq!(r.entries, 10);
}

#[tokio::test]
async fn the_application_cannot_update_or_delete_entries() {
    let f = with_entries(2).await;
    let upd = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        .execute(f.store.pool())
        .await;
    assert!(upd.is_err(), "UPDATE is refused by a trigger");
    let del = sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(f.store.pool())
        .await;
    assert!(del.is_err(), "DELETE is refused by a trigger");
}

#[tokio::test]
async fn flipping_one_byte_of_an_entry_is_caught_at_that_entry() {
    let f = with_entries(10).await;
    // "staff:amy" -> "staff:amz" in entry 4.
    tamper(&f, "UPDATE audit_log SET actor = 'staff:amz' WHERE seq = 4").await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert!(!r.ok, "a changed byte must break the chain");
    assert_eq!(
        r.first_broken_seq,
        Some(4),
        "names the altered entry: {r:?}"
    );
}

#[tokio::test]
async fn flipping_a_byte_of_the_stored_hash_is_caught() {
    let f = with_entries(5).await;
    tamper(&f, "UPDATE audit_log SET hash = substr(hash, 1, 63) || CASE substr(hash, 64, 1) WHEN '0' THEN '1' ELSE '0' END WHERE seq = 2").await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert_eq!(r.first_broken_seq, Some(2), "{r:?}");
}

#[tokio::test]
async fn deleting_a_row_is_caught() {
    let f = with_entries(10).await;
    tamper(&f, "DELETE FROM audit_log WHERE seq = 6").await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert!(!r.ok);
    assert_eq!(
        r.first_broken_seq,
        Some(6),
        "names the missing entry: {r:?}"
    );
}

#[tokio::test]
async fn deleting_the_newest_rows_is_caught_by_the_sealed_head() {
    let f = with_entries(10).await;
    tamper(&f, "DELETE FROM audit_log WHERE seq >= 9").await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert!(!r.ok, "truncation must be detected: {r:?}");
    assert_eq!(r.first_broken_seq, Some(9), "{r:?}");
}

#[tokio::test]
async fn swapping_two_rows_is_caught() {
    let f = with_entries(10).await;
    // Swap the contents of entries 3 and 7, keeping their seq numbers.
    tamper(
        &f,
        "CREATE TEMP TABLE s AS SELECT * FROM audit_log WHERE seq IN (3, 7);
         UPDATE audit_log SET at = (SELECT at FROM s WHERE seq = 10 - audit_log.seq),
                              action = (SELECT action FROM s WHERE seq = 10 - audit_log.seq),
                              subject = (SELECT subject FROM s WHERE seq = 10 - audit_log.seq),
                              prev_hash = (SELECT prev_hash FROM s WHERE seq = 10 - audit_log.seq),
                              hash = (SELECT hash FROM s WHERE seq = 10 - audit_log.seq)
         WHERE seq IN (3, 7);",
    )
    .await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert!(!r.ok);
    assert_eq!(
        r.first_broken_seq,
        Some(3),
        "the first swapped entry is named: {r:?}"
    );
}

#[tokio::test]
async fn renumbering_rows_to_reorder_them_is_caught() {
    let f = with_entries(6).await;
    tamper(&f, "UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 100;").await;
    let r = audit::verify(&f.store).await.expect("verify");
    assert!(!r.ok);
    assert_eq!(r.first_broken_seq, Some(2), "{r:?}");
}

#[tokio::test]
async fn the_list_filters_by_actor_action_and_outcome_newest_first() {
    let f = with_entries(5).await;
    audit::record(
        &f.store,
        now(),
        &AuditEvent::new("staff:bob", "auth.password", AuditOutcome::Failure),
    )
    .await
    .expect("recorded");
    let all = audit::list(
        f.store.pool(),
        &AuditFilter {
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(all.total, 6);
    assert_eq!(all.items[0].seq, 6, "newest first");
    let failures = audit::list(
        f.store.pool(),
        &AuditFilter {
            outcome: Some(AuditOutcome::Failure),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(failures.total, 1);
    assert_eq!(failures.items[0].actor, "staff:bob");
    let by_action = audit::list(
        f.store.pool(),
        &AuditFilter {
            action: Some("action3".into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(by_action.total, 1, "substring match on action");
    let bad = audit::list(
        f.store.pool(),
        &AuditFilter {
            since: Some("yesterday".into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await;
    assert!(
        bad.is_err(),
        "an unreadable date is a clear error, not an empty list"
    );
}

#[tokio::test]
async fn exports_carry_every_entry_with_its_hashes() {
    let f = with_entries(3).await;
    let mut jsonl = Vec::new();
    let n = audit::export(f.store.pool(), ExportFormat::Jsonl, &mut jsonl)
        .await
        .expect("export");
    assert_eq!(n, 3);
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[1]["prev_hash"], lines[0]["hash"],
        "the export shows the chain"
    );
    let mut csv = Vec::new();
    audit::export(f.store.pool(), ExportFormat::Csv, &mut csv)
        .await
        .expect("export");
    let text = String::from_utf8(csv).expect("utf8");
    assert!(
        text.starts_with("seq,at,actor,action,subject,outcome,detail,prev_hash,hash"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "header + 3 rows");
}
