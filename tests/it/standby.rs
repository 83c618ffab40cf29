//! The hub's PostgreSQL with a synchronous streaming standby: the primary crashes in the middle
//! of a desk's push, the standby is promoted, the database's address moves to it, and the same
//! hub process carries on against it. Every change the hub acknowledged before the crash is on
//! the promoted server, nothing is stored twice, and both desks end with the same rows.
//!
//! The test starts its own primary and standby (`scripts/pg start` and `scripts/pg standby`) in
//! a temporary directory, not the shared test server, and stops them however it ends.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dealerdesk_hub_store::testing::TEST_DATABASE_URL;
use dealerdesk_store::sync_rows;
use sqlx::Connection;

use crate::hub::{hub, new_code, serve_on};
use crate::support::relay::Relay;
use crate::support::{code, dd, json};
use crate::sync::{assert_converged, free_port, sync_once, synced_entries};

/// `scripts/pg` with `args`.
fn pg(args: &[&str]) -> Output {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg"))
        .args(args)
        .output()
        .expect("run scripts/pg")
}

/// The URL `scripts/pg start` or `standby` printed, or the test fails with the script's words.
fn url_of(o: &Output) -> String {
    assert!(o.status.success(), "scripts/pg failed: {o:?}");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The loopback address of a `postgres://postgres@127.0.0.1:PORT/postgres` URL.
fn addr_of(url: &str) -> SocketAddr {
    url.split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|hostport| hostport.parse().ok())
        .unwrap_or_else(|| panic!("no address in {url}"))
}

/// A primary and its synchronous standby in a temporary directory, stopped when dropped (a
/// crashed primary is already down: its stop fails, which is fine).
struct Clusters {
    dir: tempfile::TempDir,
}

impl Clusters {
    fn primary(&self) -> PathBuf {
        self.dir.path().join("primary")
    }
    fn standby(&self) -> PathBuf {
        self.dir.path().join("standby")
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        for d in [self.standby(), self.primary()] {
            if d.join("data").exists() {
                let _ = pg(&["stop", &d.to_string_lossy()]);
            }
        }
    }
}

/// The `hub serve` process, killed when dropped (a failed assert must not leave it running).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// The desk's journal position: every entry up to it has the hub's answer.
async fn pushed_seq(db: &Path) -> i64 {
    let mut c = read_only(db).await;
    let seq: i64 = sqlx::query_scalar("SELECT pushed_seq FROM sync_state WHERE id = 1")
        .fetch_optional(&mut c)
        .await
        .expect("sync state")
        .unwrap_or(0);
    let _ = c.close().await;
    seq
}

/// The seqs of the desk's journal entries of synced tables, up to `upto`, in order.
async fn synced_seqs(db: &Path, upto: i64) -> Vec<i64> {
    let mut c = read_only(db).await;
    let seqs = sqlx::query_scalar(
        "SELECT seq FROM change_log WHERE seq <= ?1 \
         AND table_name IN (SELECT value FROM json_each(?2)) ORDER BY seq",
    )
    .bind(upto)
    .bind(sync_rows::synced_tables_json())
    .fetch_all(&mut c)
    .await
    .expect("journal");
    let _ = c.close().await;
    seqs
}

/// A read-only connection to a desk's file, beside the sync that is writing it.
async fn read_only(db: &Path) -> sqlx::SqliteConnection {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .busy_timeout(Duration::from_secs(5));
    sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("open the desk read-only")
}

/// Whether a push's transaction is open on the server: it has taken its cursors from the
/// group's counter row (a row lock held until it commits), and has not committed yet.
async fn push_open(c: &mut sqlx::PgConnection) -> bool {
    sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'group_cursor'::regclass \
         AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid())",
    )
    .fetch_one(c)
    .await
    .unwrap_or(false)
}

/// Syncs the desk again and again until a run succeeds after `failed_over` was set; the failed
/// runs' words. Bounded: a hub that never recovers fails the test.
async fn sync_through(db: PathBuf, failed_over: Arc<AtomicBool>) -> Vec<String> {
    let mut failures = Vec::new();
    let started = Instant::now();
    loop {
        let after_failover = failed_over.load(SeqCst);
        match sync_once(&db).await {
            Ok(_) if after_failover => return failures,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => {
                failures.push(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{} never finished a sync after the failover: {failures:?}",
            db.display()
        );
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promoted_synchronous_standby_holds_every_acknowledged_change_and_the_hub_carries_on() {
    if std::env::var_os(TEST_DATABASE_URL).is_none() {
        println!(
            "skipped: {TEST_DATABASE_URL} is not set (this test needs PostgreSQL: run \
             scripts/test, or scripts/pg start DIR and export the URL it prints)"
        );
        return;
    }
    let started = Instant::now();
    // The primary and its synchronous standby, and the database's one address in front of them.
    let clusters = Clusters {
        dir: tempfile::Builder::new()
            .prefix("pg-standby-")
            .tempdir()
            .expect("tempdir"),
    };
    let (primary, standby) = (clusters.primary(), clusters.standby());
    let primary_url = url_of(&pg(&["start", &primary.to_string_lossy()]));
    let standby_url = url_of(&pg(&[
        "standby",
        &primary.to_string_lossy(),
        &standby.to_string_lossy(),
    ]));
    let relay = Relay::start(addr_of(&primary_url)).await;
    let url = format!("postgres://postgres@{}/postgres", relay.addr);

    // The hub, on that address; desk A with a few thousand changes to send, desk B empty.
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Standby", "--admin", "al"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let (child, base) = serve_on(&url, &state, &format!("127.0.0.1:{}", free_port()));
    let mut server = Server(child);
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    assert_eq!(code(&dd(&a, &["demo", "--customers", "2000"])), 0);
    assert_eq!(code(&dd(&b, &["init"])), 0);
    for (db, name) in [(&a, "A"), (&b, "B")] {
        let c = new_code(&url, &state);
        let e = dd(
            db,
            &[
                "sync", "enrol", "--hub", &base, "--code", &c, "--name", name,
            ],
        );
        assert_eq!(code(&e), 0, "{e:?}");
    }
    let desk_a = json(&dd(&a, &["sync", "status", "--json"]))["desk_id"]
        .as_str()
        .expect("desk id")
        .to_string();
    let total = synced_entries(&a).await;
    assert!(total >= 3_000, "{total} changes to sync");

    // Both desks sync in a loop: A pushes its batches while B pulls them.
    let failed_over = Arc::new(AtomicBool::new(false));
    let syncing_a = tokio::spawn(sync_through(a.clone(), failed_over.clone()));
    let syncing_b = tokio::spawn(sync_through(b.clone(), failed_over.clone()));

    // Some of A's batches are acknowledged, and the next push's transaction is open on the
    // primary: the primary crashes there.
    let mut watch = sqlx::PgConnection::connect(&primary_url)
        .await
        .expect("the primary");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(
            Instant::now() < deadline,
            "A never had a batch acknowledged"
        );
        if pushed_seq(&a).await > 0 && push_open(&mut watch).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let crash = pg(&["crash", &primary.to_string_lossy()]);
    assert!(crash.status.success(), "{crash:?}");
    drop(watch);
    // What the hub acknowledged to A before the crash: nothing new can be acknowledged until
    // the address points at a server again (an answer already on its way may still land, and
    // what it acknowledges was on the standby before the primary answered the hub).
    let acked = pushed_seq(&a).await;
    let acked_seqs = synced_seqs(&a, acked).await;
    assert!(
        !acked_seqs.is_empty() && (acked_seqs.len() as i64) < total,
        "the crash came in the middle of A's sync: {} of {total} acknowledged",
        acked_seqs.len()
    );
    let promote = pg(&["promote", &standby.to_string_lossy()]);
    assert!(promote.status.success(), "{promote:?}");
    relay.point_at(addr_of(&standby_url));
    failed_over.store(true, SeqCst);
    let failover_at = started.elapsed();

    // Both desks finish against the promoted server, through the same hub process.
    let failures_a = syncing_a.await.expect("A's sync loop");
    let failures_b = syncing_b.await.expect("B's sync loop");
    println!(
        "crashed with {} of {total} of A's changes acknowledged, at {failover_at:?}; failed runs \
         A {} B {}: {:?}",
        acked_seqs.len(),
        failures_a.len(),
        failures_b.len(),
        failures_a.first().or(failures_b.first())
    );
    assert!(
        !failures_a.is_empty(),
        "the push in flight at the crash failed (and was sent again)"
    );
    assert!(
        server.0.try_wait().expect("the hub's status").is_none(),
        "the hub process carried on (it was not restarted)"
    );
    sync_once(&b).await.expect("B takes the rest");
    sync_once(&a).await.expect("A has nothing left");
    assert_eq!(
        json(&dd(&a, &["sync", "status", "--json"]))["waiting"],
        0,
        "A sent everything"
    );

    // On the promoted server: every change acknowledged before the crash, each once; in all,
    // A's whole journal of synced tables exactly once.
    let mut promoted = sqlx::PgConnection::connect(&standby_url)
        .await
        .expect("the promoted server");
    let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&mut promoted)
        .await
        .expect("recovery state");
    assert!(!in_recovery, "the standby was promoted");
    let held: Vec<i64> = sqlx::query_scalar(
        "SELECT seq FROM hub_change WHERE desk_id = $1::uuid AND seq <= $2 ORDER BY seq",
    )
    .bind(&desk_a)
    .bind(acked)
    .fetch_all(&mut promoted)
    .await
    .expect("A's changes");
    assert_eq!(
        held, acked_seqs,
        "every change acknowledged before the crash is on the promoted server, once"
    );
    let (stored, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT seq) FROM hub_change WHERE desk_id = $1::uuid",
    )
    .bind(&desk_a)
    .fetch_one(&mut promoted)
    .await
    .expect("count");
    assert_eq!(
        (stored, distinct),
        (total, total),
        "A's journal is on the hub exactly once: nothing lost, nothing doubled"
    );
    let _ = promoted.close().await;
    assert_converged(&a, &b).await;
    let verified = hub(&url, &state, &["audit", "verify"]);
    assert_eq!(
        code(&verified),
        0,
        "the hub's audit chain holds: {verified:?}"
    );
    drop(server);
    println!("standby test took {:?}", started.elapsed());
}
