//! Crash safety: a writer process is killed with SIGKILL at random moments while it saves
//! customers; afterwards the file passes `integrity_check`, the audit chain is intact, and every
//! customer the writer reported as committed is there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dealerdesk_services::auth::Actor;
use dealerdesk_services::customer;
use dealerdesk_store::{integrity_problems, OpenMode, Store};
use rand::{Rng, SeedableRng};

/// Runs in the child process only (started by the test below with DEALERDESK_CRASH_DB set).
#[tokio::test]
#[ignore = "child process of sigkill_during_writes_loses_nothing_committed"]
async fn crash_child_writer() {
    let Some(path) = std::env::var_os("DEALERDESK_CRASH_DB") else {
        return;
    };
    let store = Store::open(std::path::Path::new(&path), OpenMode::CreateIfMissing)
        .await
        .expect("open");
    let actor = Actor::Cli("crash-test".into());
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(std::process::id() as u64);
    loop {
        let people = dealerdesk_services::demo::customers(&mut rng, 1, now, today);
        let c = customer::create(&store, &actor, &people[0].0, now, today)
            .await
            .expect("create");
        // Printed only after the commit returned: this customer must survive the kill.
        println!("committed {}", c.id);
    }
}

#[tokio::test]
async fn sigkill_during_writes_loses_nothing_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    Store::open(&db, OpenMode::CreateIfMissing)
        .await
        .expect("create")
        .close()
        .await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut committed = Vec::new();
    for _round in 0..6 {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "crash::crash_child_writer",
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("DEALERDESK_CRASH_DB", &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer");
        let stdout = child.stdout.take().expect("stdout");
        let kill_after = Duration::from_millis(rng.gen_range(150..900));
        let reader = std::thread::spawn(move || {
            let mut ids = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(id) = line.strip_prefix("committed ") {
                    ids.push(id.to_string());
                }
            }
            ids
        });
        let started = Instant::now();
        while started.elapsed() < kill_after {
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
        child.wait().expect("reaped");
        let ids = reader.join().expect("reader");
        committed.extend(ids);
    }
    assert!(
        committed.len() > 5,
        "enough writes happened to make the test meaningful: {}",
        committed.len()
    );
    let store = Store::open(&db, OpenMode::MustExist)
        .await
        .expect("reopens after kills");
    let problems = integrity_problems(store.pool())
        .await
        .expect("integrity_check");
    assert!(problems.is_empty(), "integrity_check: {problems:?}");
    for id in &committed {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM customer WHERE id = ?1")
            .bind(id)
            .fetch_optional(store.pool())
            .await
            .expect("query");
        assert!(
            found.is_some(),
            "customer {id} was reported committed and must be present"
        );
    }
    let chain = dealerdesk_store::audit::verify(&store)
        .await
        .expect("verify");
    assert!(chain.ok, "the audit chain survives the kills: {chain:?}");
    sqlx::query("INSERT INTO customer_fts (customer_fts) VALUES ('integrity-check')")
        .execute(store.pool())
        .await
        .expect("the full-text index matches the table");
}
