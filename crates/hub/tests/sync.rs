//! Push and pull on a real PostgreSQL (DEALERDESK_TEST_DATABASE_URL; scripts/test starts one).

mod common;
use common::{enrolled, hub};

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use dealerdesk_hub::server::{self, Limits};
use dealerdesk_hub::{pin, Hub, HubError};
use dealerdesk_hub_store::change::{self, ChangeRow};
use dealerdesk_hub_store::cursor;
use dealerdesk_sync::wire::{
    self, Change, Hlc, Kind, Op, Outcome, PullPage, PullRequest, PushAnswer, PushBatch, Row, Signed,
};
use ed25519_dalek::SigningKey;
use serde_json::json;
use uuid::Uuid;

/// An enrolled desk: its id and signing key.
struct Desk {
    id: Uuid,
    group: Uuid,
    key: SigningKey,
    seq: i64,
}

async fn desk(hub: &Hub, name: &str) -> Desk {
    let (id, group, key) = enrolled(hub, name).await;
    Desk {
        id,
        group,
        key,
        seq: 0,
    }
}

fn row(id: &str, fields: serde_json::Value) -> Row {
    let mut r = fields.as_object().cloned().unwrap_or_default();
    r.insert("id".into(), json!(id));
    r
}

impl Desk {
    /// The desk's next journal entry on `table`'s row `id`, made at `at`, on the hub version `base`.
    fn change(
        &mut self,
        table: &str,
        id: &str,
        fields: serde_json::Value,
        at: DateTime<Utc>,
        base: Option<i64>,
    ) -> Change {
        self.seq += 1;
        Change {
            seq: self.seq,
            table: table.into(),
            row_id: id.into(),
            op: if base.is_some() {
                Op::Update
            } else {
                Op::Insert
            },
            at,
            hlc: Hlc {
                wall_ms: at.timestamp_millis(),
                counter: 0,
                desk: self.id,
            },
            base,
            row: Some(row(id, fields)),
        }
    }

    fn batch(&self, entries: Vec<Change>, now: DateTime<Utc>) -> Signed {
        let b = PushBatch {
            group_id: self.group,
            desk_id: self.id,
            batch_id: Uuid::now_v7(),
            sent_at: now,
            entries,
        };
        wire::sign(Kind::Push, &self.key, self.id, &b).expect("sign")
    }

    fn pull(&self, after: i64, limit: u32) -> Signed {
        let p = PullRequest {
            group_id: self.group,
            desk_id: self.id,
            request_id: Uuid::now_v7(),
            sent_at: Utc::now(),
            after,
            limit,
            wait_ms: 0,
        };
        wire::sign(Kind::Pull, &self.key, self.id, &p).expect("sign")
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
        "SELECT COUNT(*) FROM hub_audit WHERE action IN ('push_refused', 'pull_refused')",
    )
    .await
}

fn outcomes(a: &PushAnswer) -> Vec<Outcome> {
    a.results.iter().map(|r| r.outcome).collect()
}

#[tokio::test]
async fn a_serial_column_lets_a_reader_skip_a_change_and_the_group_cursor_does_not() {
    let (hub, _dir) = hub().await;
    let pool = hub.store.pool().clone();

    // A plain serial column: transaction 1 takes 1, transaction 2 takes 2 and commits first.
    sqlx::query("CREATE TABLE serial_demo (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)")
        .execute(&pool)
        .await
        .expect("table");
    let mut t1 = pool.begin().await.expect("t1");
    sqlx::query("INSERT INTO serial_demo (v) VALUES ('first')")
        .execute(&mut *t1)
        .await
        .expect("t1 insert");
    let mut t2 = pool.begin().await.expect("t2");
    sqlx::query("INSERT INTO serial_demo (v) VALUES ('second')")
        .execute(&mut *t2)
        .await
        .expect("t2 insert");
    t2.commit().await.expect("t2 commit");
    let read = |after: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM serial_demo WHERE id > $1 ORDER BY id")
                .bind(after)
                .fetch_all(&pool)
                .await
                .expect("read")
        }
    };
    let seen = read(0).await;
    assert_eq!(seen, vec![2], "the reader sees the later row first");
    let reader_cursor = *seen.last().expect("a row");
    t1.commit().await.expect("t1 commit");
    assert_eq!(
        read(reader_cursor).await,
        Vec::<i64>::new(),
        "row 1 committed behind the cursor: skipped"
    );
    assert_eq!(read(0).await, vec![1, 2], "yet it is there");

    // The same interleaving on the group's cursor: transaction 2 cannot take a cursor until
    // transaction 1 has committed, so a reader never passes an uncommitted change.
    let d = desk(&hub, "F&I").await;
    let gid = hub.group_id;
    let stored = |cursor: i64, seq: i64| ChangeRow {
        cursor,
        desk_id: d.id,
        seq,
        table_name: "customer".into(),
        row_id: format!("c{seq}"),
        op: "insert".into(),
        at: Utc::now(),
        hlc_wall: 1,
        hlc_counter: 0,
        row: None,
        base: None,
    };
    let mut t1 = pool.begin().await.expect("t1");
    let c1 = cursor::take(&mut t1, gid, 1).await.expect("take 1");
    change::insert_many(&mut t1, gid, &[stored(c1, 1)], &[None], Utc::now())
        .await
        .expect("insert 1");
    let pool2 = pool.clone();
    let row2 = stored(0, 2);
    let t2 = tokio::spawn(async move {
        let mut t2 = pool2.begin().await.expect("t2");
        let c2 = cursor::take(&mut t2, gid, 1).await.expect("take 2");
        let mut r = row2;
        r.cursor = c2;
        change::insert_many(&mut t2, gid, &[r], &[None], Utc::now())
            .await
            .expect("insert 2");
        t2.commit().await.expect("t2 commit");
        c2
    });
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(
        !t2.is_finished(),
        "transaction 2 waits for transaction 1's cursor"
    );
    let mut c = pool.acquire().await.expect("conn");
    assert!(change::page(&mut c, gid, 0, 10)
        .await
        .expect("page")
        .is_empty());
    t1.commit().await.expect("t1 commit");
    let c2 = t2.await.expect("t2");
    assert!(c2 > c1);
    let all: Vec<i64> = change::page(&mut c, gid, 0, 10)
        .await
        .expect("page")
        .iter()
        .map(|r| r.cursor)
        .collect();
    assert_eq!(all, vec![c1, c2]);
}

#[tokio::test]
async fn a_push_is_answered_entry_by_entry_and_is_idempotent_by_desk_and_seq() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let b = desk(&hub, "F&I").await;
    let now = Utc::now();
    let e1 = a.change("customer", "c1", json!({"first_name": "Ana"}), now, None);
    let e2 = a.change(
        "vehicle",
        "v1",
        json!({"vin": "2T1BURHE0JC014702"}),
        now,
        None,
    );
    let e3 = a.change("session", "s1", json!({}), now, None);
    let first = hub
        .push(&a.batch(vec![e1.clone(), e2.clone(), e3.clone()], now), now)
        .await
        .expect("push");
    assert_eq!(
        outcomes(&first),
        vec![Outcome::Applied, Outcome::Applied, Outcome::Rejected]
    );
    assert!(first.results[2]
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("session"));
    // The answer was lost; the desk sends the same entries again in a new batch.
    let again = hub
        .push(&a.batch(vec![e1, e2], now), now)
        .await
        .expect("push again");
    assert_eq!(
        outcomes(&again),
        vec![Outcome::Duplicate, Outcome::Duplicate]
    );
    assert_eq!(again.results[0].cursor, first.results[0].cursor);
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM hub_change").await, 2);

    // Desk B pulls them in cursor order, in pages; desk A's own changes are not served back.
    let p1: PullPage = hub.pull(&b.pull(0, 1), now).await.expect("pull");
    assert_eq!(p1.changes.len(), 1);
    assert!(p1.more);
    assert_eq!(p1.changes[0].row_id, "c1");
    assert_eq!(
        p1.changes[0].row.as_ref().and_then(|r| r.get("first_name")),
        Some(&json!("Ana"))
    );
    let p2 = hub.pull(&b.pull(p1.next, 10), now).await.expect("pull");
    assert_eq!(
        p2.changes
            .iter()
            .map(|c| c.row_id.as_str())
            .collect::<Vec<_>>(),
        vec!["v1"]
    );
    assert!(!p2.more);
    let own = hub.pull(&a.pull(0, 10), now).await.expect("own pull");
    assert!(own.changes.is_empty());
    assert_eq!(
        own.next, p2.next,
        "the cursor moves past a desk's own changes"
    );
    assert_eq!(hub.verify_audit().await.expect("verify"), None);
}

#[tokio::test]
async fn a_forged_replayed_revoked_or_unknown_push_is_refused_audited_and_stores_nothing() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let now = Utc::now();
    let e = a.change("customer", "c1", json!({"first_name": "Ana"}), now, None);
    let refused = |r: Result<PushAnswer, HubError>| matches!(r, Err(HubError::Forbidden(_)));

    // Forged: the body changed after signing.
    let mut forged = a.batch(vec![e.clone()], now);
    let mut evil = e.clone();
    evil.row = Some(row("c1", json!({"first_name": "Mallory"})));
    let body = PushBatch {
        group_id: a.group,
        desk_id: a.id,
        batch_id: Uuid::now_v7(),
        sent_at: now,
        entries: vec![evil],
    };
    forged.body = B64.encode(serde_json::to_vec(&body).expect("json"));
    assert!(refused(hub.push(&forged, now).await));
    // Signed by another key that claims to be desk A.
    let other = SigningKey::generate(&mut rand::rngs::OsRng);
    let b = PushBatch {
        group_id: a.group,
        desk_id: a.id,
        batch_id: Uuid::now_v7(),
        sent_at: now,
        entries: vec![e.clone()],
    };
    assert!(refused(
        hub.push(
            &wire::sign(Kind::Push, &other, a.id, &b).expect("sign"),
            now
        )
        .await
    ));
    // A desk of another group (or none): unknown here.
    let stranger = Uuid::now_v7();
    let s = PushBatch {
        group_id: Uuid::now_v7(),
        desk_id: stranger,
        batch_id: Uuid::now_v7(),
        sent_at: now,
        entries: vec![e.clone()],
    };
    assert!(refused(
        hub.push(
            &wire::sign(Kind::Push, &other, stranger, &s).expect("sign"),
            now
        )
        .await
    ));
    // Stale: sent an hour ago.
    assert!(refused(
        hub.push(&a.batch(vec![e.clone()], now - Duration::hours(1)), now)
            .await
    ));
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM hub_change").await, 0);
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM hub_batch").await, 0);

    // Replayed: the same signed batch twice.
    let good = a.batch(vec![e.clone()], now);
    assert_eq!(
        outcomes(&hub.push(&good, now).await.expect("push")),
        vec![Outcome::Applied]
    );
    assert!(refused(hub.push(&good, now).await));
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM hub_change").await, 1);

    // Revoked: neither push nor pull.
    hub.revoke_desk(a.id, None, now).await.expect("revoke");
    let e2 = a.change("customer", "c2", json!({"first_name": "Bo"}), now, None);
    assert!(refused(hub.push(&a.batch(vec![e2], now), now).await));
    assert!(matches!(
        hub.pull(&a.pull(0, 10), now).await,
        Err(HubError::Forbidden(_))
    ));
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM hub_change").await, 1);
    assert_eq!(refusals(&hub).await, 7);
    assert_eq!(hub.verify_audit().await.expect("verify"), None);
}

#[tokio::test]
async fn concurrent_changes_are_settled_by_each_domains_rule() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let mut b = desk(&hub, "F&I").await;
    let t = Utc::now();
    let cursor_of = |ans: &PushAnswer| ans.results[0].cursor.expect("cursor");

    // An identity check is a record: sent again identical it is a duplicate, changed it is refused.
    let check = a.change("identity_check", "ic1", json!({"result": "pass"}), t, None);
    hub.push(&a.batch(vec![check.clone()], t), t)
        .await
        .expect("push");
    let same = b.change("identity_check", "ic1", json!({"result": "pass"}), t, None);
    let changed = b.change("identity_check", "ic1", json!({"result": "fail"}), t, None);
    let ans = hub
        .push(&b.batch(vec![same, changed], t), t)
        .await
        .expect("push");
    assert_eq!(outcomes(&ans), vec![Outcome::Duplicate, Outcome::Rejected]);

    // Contact fields: last writer by the clock wins, whatever order the pushes arrive in.
    let first = a.change("customer", "c1", json!({"phone": "555-0100"}), t, None);
    let base = cursor_of(&hub.push(&a.batch(vec![first], t), t).await.expect("push"));
    let later = a.change(
        "customer",
        "c1",
        json!({"phone": "555-0199"}),
        t + Duration::seconds(20),
        Some(base),
    );
    let earlier = b.change(
        "customer",
        "c1",
        json!({"phone": "555-0142"}),
        t + Duration::seconds(10),
        Some(base),
    );
    assert_eq!(
        outcomes(&hub.push(&a.batch(vec![later], t), t).await.expect("push")),
        vec![Outcome::Applied]
    );
    let lost = hub.push(&b.batch(vec![earlier], t), t).await.expect("push");
    assert_eq!(outcomes(&lost), vec![Outcome::Conflict]);
    let current = lost.results[0]
        .current
        .as_ref()
        .expect("the hub's row comes back");
    assert_eq!(
        current.row.as_ref().and_then(|r| r.get("phone")),
        Some(&json!("555-0199"))
    );
    // Both versions stay in the hub's journal for review.
    assert_eq!(
        count(&hub, "SELECT COUNT(*) FROM hub_change WHERE row_id = 'c1'").await,
        2
    );

    // An application: the hub is authoritative; a transition that lost the race is a conflict.
    let submitted = a.change(
        "credit_application",
        "ap1",
        json!({"state": "submitted"}),
        t,
        None,
    );
    let app = cursor_of(
        &hub.push(&a.batch(vec![submitted], t), t)
            .await
            .expect("push"),
    );
    let declined = a.change(
        "credit_application",
        "ap1",
        json!({"state": "declined"}),
        t + Duration::seconds(5),
        Some(app),
    );
    let approved = b.change(
        "credit_application",
        "ap1",
        json!({"state": "approved"}),
        t + Duration::seconds(30),
        Some(app),
    );
    hub.push(&a.batch(vec![declined], t), t)
        .await
        .expect("push");
    let race = hub
        .push(&b.batch(vec![approved], t), t)
        .await
        .expect("push");
    assert_eq!(
        outcomes(&race),
        vec![Outcome::Conflict],
        "a later clock does not beat the state machine"
    );
    assert!(race.results[0]
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("declined"));

    // Not concurrent: a desk that had seen the hub's version moves it on.
    let seen = race.results[0].current.as_ref().expect("current").cursor;
    let next = b.change(
        "credit_application",
        "ap1",
        json!({"state": "expired", "note": "lapsed"}),
        t + Duration::seconds(40),
        Some(seen),
    );
    let moved_on = hub.push(&b.batch(vec![next], t), t).await.expect("push");
    assert_eq!(outcomes(&moved_on), vec![Outcome::Applied]);
    // Not concurrent, but no sequence of steps leads there: an expired application stays so.
    let skipped = b.change(
        "credit_application",
        "ap1",
        json!({"state": "approved"}),
        t + Duration::seconds(50),
        Some(cursor_of(&moved_on)),
    );
    let refused = hub.push(&b.batch(vec![skipped], t), t).await.expect("push");
    assert_eq!(outcomes(&refused), vec![Outcome::Rejected]);
    assert_eq!(
        refused.results[0].reason.as_deref(),
        Some("an application cannot move from expired to approved")
    );
    // A row whose id is not the id the change names is refused.
    let mut wrong = b.change("vehicle", "v1", json!({}), t, None);
    wrong.row = Some(row("v2", json!({})));
    assert_eq!(
        outcomes(&hub.push(&b.batch(vec![wrong], t), t).await.expect("push")),
        vec![Outcome::Rejected]
    );
}

#[tokio::test]
async fn ten_desks_pushing_at_once_lose_and_duplicate_nothing_and_a_puller_sees_each_change_once_in_order(
) {
    let (hub, _dir) = hub().await;
    let reader = desk(&hub, "reader").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let mut d = desk(&hub, &format!("desk {i}")).await;
        let hub = hub.clone();
        tasks.push(tokio::spawn(async move {
            for chunk in 0..5 {
                let now = Utc::now();
                let entries: Vec<Change> = (0..100)
                    .map(|k| {
                        d.change(
                            "vehicle",
                            &format!("d{i}-v{chunk}-{k}"),
                            json!({"n": k}),
                            now,
                            None,
                        )
                    })
                    .collect();
                let ans = hub.push(&d.batch(entries, now), now).await.expect("push");
                assert!(ans.results.iter().all(|r| r.outcome == Outcome::Applied));
            }
        }));
    }
    // Pull while they push: every cursor seen once, increasing, none skipped at the end.
    let mut seen = Vec::new();
    let mut after = 0;
    let mut done = false;
    while !done {
        done = tasks.iter().all(|t| t.is_finished());
        loop {
            let page = hub
                .pull(&reader.pull(after, 1000), Utc::now())
                .await
                .expect("pull");
            seen.extend(page.changes.iter().map(|c| (c.cursor, c.row_id.clone())));
            after = page.next;
            if !page.more {
                break;
            }
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    for t in tasks {
        t.await.expect("pusher");
    }
    let cursors: Vec<i64> = seen.iter().map(|s| s.0).collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "in cursor order, each once"
    );
    let ids: HashSet<&String> = seen.iter().map(|s| &s.1).collect();
    assert_eq!(seen.len(), 5000);
    assert_eq!(ids.len(), 5000);
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM hub_change").await, 5000);
    assert_eq!(
        cursors,
        (1..=5000).collect::<Vec<i64>>(),
        "no gap: nothing skipped"
    );
}

#[tokio::test]
async fn push_and_pull_travel_over_tls_and_a_bad_body_gets_the_error_json() {
    let (hub, _dir) = hub().await;
    let mut a = desk(&hub, "Sales 1").await;
    let b = desk(&hub, "F&I").await;
    let fp = hex::decode(hub.state.fingerprint().expect("fp")).expect("hex");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(
        hub.clone(),
        listener,
        Some(server::tls_acceptor(&hub).expect("tls")),
        Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let now = Utc::now();
    // A batch far over the small routes' 64 KiB limit is taken on the sync route.
    let big = "x".repeat(200 * 1024);
    let e = a.change("customer", "c1", json!({"notes": big}), now, None);
    let body = serde_json::to_string(&a.batch(vec![e], now)).expect("json");
    let r = pin::request(&url, &fp, "POST", wire::PUSH_PATH, Some(&body))
        .await
        .expect("push");
    assert_eq!(r.status, 200, "{}", r.body);
    let ans: PushAnswer = serde_json::from_str(&r.body).expect("answer");
    assert_eq!(outcomes(&ans), vec![Outcome::Applied]);
    let pull = serde_json::to_string(&b.pull(0, 100)).expect("json");
    let r = pin::request(&url, &fp, "POST", wire::PULL_PATH, Some(&pull))
        .await
        .expect("pull");
    let page: PullPage = serde_json::from_str(&r.body).expect("page");
    assert_eq!(page.changes.len(), 1);
    let bad = pin::request(&url, &fp, "POST", wire::PUSH_PATH, Some("{not json"))
        .await
        .expect("bad");
    assert_eq!(bad.status, 400);
    let v: serde_json::Value = serde_json::from_str(&bad.body).expect("error JSON");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("JSON"),
        "{}",
        bad.body
    );
    let bad_enrol = pin::request(&url, &fp, "POST", "/v1/enrol", Some("[]"))
        .await
        .expect("bad");
    assert_eq!(bad_enrol.status, 400);
    assert!(
        serde_json::from_str::<serde_json::Value>(&bad_enrol.body).is_ok(),
        "{}",
        bad_enrol.body
    );
    let _ = stop.send(());
    task.await.expect("server").expect("serve");
}
