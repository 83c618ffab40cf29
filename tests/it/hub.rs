//! `dealerdesk hub …` through the binary, on a real PostgreSQL (DEALERDESK_TEST_DATABASE_URL;
//! scripts/test starts one).

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use dealerdesk_hub_store::testing;

use crate::support::{code, json};

pub(crate) fn hub(url: &str, state: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .arg("hub")
        .args(args)
        .env("DEALERDESK_HUB_DATABASE_URL", url)
        .env("DEALERDESK_HUB_STATE_DIR", state)
        .env("DEALERDESK_HUB_ADMIN_PASSWORD", "correct horse battery")
        .stdin(Stdio::null())
        .output()
        .expect("run dealerdesk")
}

pub(crate) async fn database() -> String {
    match testing::fresh_database().await {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn hub_init_codes_desks_and_revocation_through_the_cli() {
    let url = database().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "alice", "--json"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let j = json(&init);
    assert_eq!(j["admin"], "alice");
    let fp = j["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fp.len(), 64);
    assert!(j["group_id"].is_string());

    let again = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "bob", "--json"],
    );
    assert_eq!(code(&again), 7, "{again:?}");
    assert_eq!(
        dealerdesk_hub::StateDir::new(&state).fingerprint().unwrap(),
        fp
    );

    let c = hub(
        &url,
        &state,
        &["enrol-code", "--rooftop", "North", "--json"],
    );
    assert_eq!(code(&c), 0, "{c:?}");
    let c = json(&c);
    let parsed = dealerdesk_hub::code::parse(c["code"].as_str().unwrap()).unwrap();
    assert!(dealerdesk_hub::code::pin_matches(&parsed.pin, &fp));
    assert!(c["expires_at"].is_string());

    let desks = hub(&url, &state, &["desks", "--json"]);
    assert_eq!(code(&desks), 0, "{desks:?}");
    assert_eq!(json(&desks)["desks"], serde_json::json!([]));

    let unknown = hub(
        &url,
        &state,
        &["revoke-desk", "0190aaaa-0000-7000-8000-000000000000"],
    );
    assert_eq!(code(&unknown), 4, "{unknown:?}");

    let plain = hub(
        &url,
        &state,
        &["serve", "--bind", "0.0.0.0:0", "--insecure-http"],
    );
    assert_eq!(code(&plain), 3, "{plain:?}");
    assert!(String::from_utf8_lossy(&plain.stderr).contains("loopback"));
}

#[tokio::test]
async fn hub_serve_answers_over_tls_and_stops_on_sigterm() {
    let url = database().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "alice", "--json"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let fp = hex::decode(json(&init)["fingerprint"].as_str().unwrap()).unwrap();
    let (mut child, base) = serve(&url, &state);
    let health = dealerdesk_hub::pin::request(&base, &fp, "GET", "/v1/health", None).await;
    let other = dealerdesk_hub::pin::request(&base, &[7u8; 32], "GET", "/v1/health", None).await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let health = health.expect("health over TLS");
    assert_eq!(health.status, 200, "{health:?}");
    assert!(other.is_err(), "{other:?}");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn hub_audit_verify_finds_an_edited_entry_and_the_trigger_refuses_plain_edits() {
    let url = database().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "alice", "--json"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let c = hub(
        &url,
        &state,
        &["enrol-code", "--rooftop", "North", "--json"],
    );
    assert_eq!(code(&c), 0, "{c:?}");
    let ok = hub(&url, &state, &["audit", "verify"]);
    assert_eq!(code(&ok), 0, "{ok:?}");
    let j = json(&hub(&url, &state, &["--json", "audit", "verify"]));
    assert_eq!(j["entries"], 2, "{j}");
    assert_eq!(j["ok"], true);

    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let plain = sqlx::query("UPDATE hub_audit SET actor = 'mallory' WHERE seq = 1")
        .execute(&mut db)
        .await;
    assert!(plain.is_err_and(|e| e.to_string().contains("append-only")));
    // Someone who owns the database turns the trigger off and edits the first entry.
    sqlx::query("ALTER TABLE hub_audit DISABLE TRIGGER hub_audit_append_only")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query("UPDATE hub_audit SET actor = 'mallory' WHERE seq = 1")
        .execute(&mut db)
        .await
        .unwrap();
    let broken = hub(&url, &state, &["--json", "audit", "verify"]);
    assert_eq!(code(&broken), 6, "{broken:?}");
    let j = json(&broken);
    assert_eq!(j["ok"], false);
    assert_eq!(j["first_broken_seq"], 1);
}

/// Starts `hub serve` on a free loopback port; the child and its https:// address.
fn serve(url: &str, state: &std::path::Path) -> (std::process::Child, String) {
    serve_on(url, state, "127.0.0.1:0")
}

/// Starts `hub serve` on `bind`; the child and its https:// address.
pub(crate) fn serve_on(
    url: &str,
    state: &std::path::Path,
    bind: &str,
) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .args(["hub", "serve", "--bind", bind])
        .env("DEALERDESK_HUB_DATABASE_URL", url)
        .env("DEALERDESK_HUB_STATE_DIR", state)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    // The line naming the address (log lines may come before it).
    while !line.contains("https://") {
        line.clear();
        if err.read_line(&mut line).expect("a line") == 0 {
            break;
        }
    }
    // The rest of the hub's log goes to the test's output (shown when a test fails).
    std::thread::spawn(move || {
        for l in err.lines().map_while(Result::ok) {
            eprintln!("hub: {l}");
        }
    });
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, base)
}

pub(crate) fn new_code(url: &str, state: &std::path::Path) -> String {
    let c = hub(url, state, &["enrol-code", "--rooftop", "North", "--json"]);
    assert_eq!(code(&c), 0, "{c:?}");
    json(&c)["code"].as_str().expect("code").to_string()
}

#[cfg(unix)]
#[tokio::test]
async fn a_desk_with_data_enrols_through_the_cli_and_reads_its_customers_as_before() {
    use crate::support::dd;
    use std::os::unix::fs::PermissionsExt;
    let url = database().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "alice", "--json"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let (mut child, base) = serve(&url, &state);

    let db = dir.path().join("desk.db");
    assert_eq!(code(&dd(&db, &["init"])), 0);
    assert_eq!(code(&dd(&db, &["demo", "--json"])), 0);
    let before = json(&dd(&db, &["customer", "find", "a", "--json"]));
    assert!(
        before["customers"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "{before}"
    );
    assert_eq!(
        json(&dd(&db, &["sync", "status", "--json"]))["enrolled"],
        false
    );

    // A code made by another hub is refused at the TLS handshake, before any key is written.
    let other_state = dir.path().join("other");
    let other_url = database().await;
    let other = hub(
        &other_url,
        &other_state,
        &["init", "--group", "Other", "--admin", "bob"],
    );
    assert_eq!(code(&other), 0, "{other:?}");
    let foreign = new_code(&other_url, &other_state);
    let refused = dd(
        &db,
        &[
            "sync", "enrol", "--hub", &base, "--code", &foreign, "--name", "F&I",
        ],
    );
    assert_ne!(code(&refused), 0, "{refused:?}");
    let signing = dealerdesk_services::sync::enrol::signing_key_path(&db);
    assert!(!signing.exists(), "no key left behind");

    let code1 = new_code(&url, &state);
    let enrolled = dd(
        &db,
        &[
            "sync", "enrol", "--hub", &base, "--code", &code1, "--name", "F&I", "--json",
        ],
    );
    assert_eq!(code(&enrolled), 0, "{enrolled:?}");
    let e = json(&enrolled);
    assert_eq!(e["rooftop"], "North");
    assert!(e["reencrypted"].as_u64().unwrap_or(0) >= 60, "{e}");
    for p in [
        signing.clone(),
        dealerdesk_services::sync::enrol::sealing_key_path(&db),
    ] {
        let mode = std::fs::metadata(&p)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    // Every customer reads as before (names, masked SSNs), now under the group's key.
    assert_eq!(json(&dd(&db, &["customer", "find", "a", "--json"])), before);
    let status = json(&dd(&db, &["sync", "status", "--json"]));
    assert_eq!(status["enrolled"], true);
    assert_eq!(status["desk_id"], e["desk_id"]);
    assert_eq!(status["hub"], base.trim_end_matches('/'));
    assert_eq!(code(&dd(&db, &["audit", "verify"])), 0);

    // Enrolled already: refused (conflict). A spent code on another desk: refused in words.
    let code2 = new_code(&url, &state);
    let twice = dd(&db, &["sync", "enrol", "--hub", &base, "--code", &code2]);
    assert_eq!(code(&twice), 7, "{twice:?}");
    let db2 = dir.path().join("desk2.db");
    assert_eq!(code(&dd(&db2, &["init"])), 0);
    let spent = dd(&db2, &["sync", "enrol", "--hub", &base, "--code", &code1]);
    assert_eq!(code(&spent), 8, "{spent:?}");
    assert!(
        String::from_utf8_lossy(&spent.stderr).contains("already been used"),
        "{spent:?}"
    );
    assert!(!dealerdesk_services::sync::enrol::signing_key_path(&db2).exists());

    let desks = json(&hub(&url, &state, &["desks", "--json"]));
    assert_eq!(desks["desks"].as_array().map(Vec::len), Some(1), "{desks}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().expect("wait").success());
}
