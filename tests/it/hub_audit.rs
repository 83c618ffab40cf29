//! Every desk's audit chain reaches the hub, which checks it as it arrives, through the binary on
//! a real PostgreSQL (DEALERDESK_TEST_DATABASE_URL; scripts/test starts one): two desks' chains
//! verify intact on the hub, a chain tampered on the desk is refused (audited, nothing of it
//! stored) while the change journal still syncs, and a desk's entry edited on the hub is named by
//! `hub audit verify`.

use std::path::Path;
use std::process::Command;

use sqlx::Connection;

use crate::hub::{database, hub, new_code, serve_on};
use crate::support::{code, dd, json};

/// A hub with its server, and its database URL and state directory.
struct Hub {
    url: String,
    state: std::path::PathBuf,
    base: String,
    server: std::process::Child,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.server.id().to_string()])
            .status();
        let _ = self.server.wait();
    }
}

async fn start_hub(dir: &Path) -> Hub {
    let url = database().await;
    let state = dir.join("state");
    let init = hub(
        &url,
        &state,
        &["init", "--group", "Valley", "--admin", "alice"],
    );
    assert_eq!(code(&init), 0, "{init:?}");
    let (server, base) = serve_on(&url, &state, "127.0.0.1:0");
    Hub {
        url,
        state,
        base,
        server,
    }
}

/// A new desk enrolled with the hub as `name`, with a staff member added (audited).
fn enrolled_desk(h: &Hub, dir: &Path, file: &str, name: &str) -> std::path::PathBuf {
    let db = dir.join(file);
    assert_eq!(code(&dd(&db, &["init"])), 0);
    add_staff(&db, "sam.sales");
    let c = new_code(&h.url, &h.state);
    let e = dd(
        &db,
        &[
            "sync", "enrol", "--hub", &h.base, "--code", &c, "--name", name,
        ],
    );
    assert_eq!(code(&e), 0, "{e:?}");
    db
}

fn add_staff(db: &Path, user: &str) {
    let s = dd(
        db,
        &[
            "staff",
            "add",
            user,
            "--name",
            "Sam Patel",
            "--role",
            "sales",
        ],
    );
    assert_eq!(code(&s), 0, "{s:?}");
}

fn sync_now(db: &Path) -> serde_json::Value {
    let o = dd(db, &["sync", "now", "--json"]);
    assert_eq!(code(&o), 0, "{o:?}");
    json(&o)
}

async fn desk_sql(db: &Path) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the desk's file")
}

/// How many entries the desk's audit log holds.
async fn desk_entries(db: &Path) -> i64 {
    let mut c = desk_sql(db).await;
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut c)
        .await
        .expect("count")
}

async fn hub_sql(h: &Hub) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(&h.url).await.expect("connect")
}

/// How many entries of the desk's chain the hub holds.
async fn hub_entries(h: &Hub, desk_id: &str) -> i64 {
    let mut c = hub_sql(h).await;
    sqlx::query_scalar("SELECT COUNT(*) FROM hub_desk_audit WHERE desk_id::text = $1")
        .bind(desk_id)
        .fetch_one(&mut c)
        .await
        .expect("count")
}

fn desk_id(db: &Path) -> String {
    let st = json(&dd(db, &["sync", "status", "--json"]));
    st["desk_id"].as_str().expect("desk id").to_string()
}

/// `hub audit verify --json`: its exit code and report.
fn verify(h: &Hub) -> (i32, serde_json::Value) {
    let o = hub(&h.url, &h.state, &["--json", "audit", "verify"]);
    (code(&o), json(&o))
}

#[tokio::test]
async fn two_desks_audit_chains_reach_the_hub_and_verify_intact_with_their_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start_hub(dir.path()).await;
    let a = enrolled_desk(&h, dir.path(), "a.db", "Floor");
    let b = enrolled_desk(&h, dir.path(), "b.db", "F&I");

    let sa = sync_now(&a);
    let sb = sync_now(&b);
    let (na, nb) = (desk_entries(&a).await, desk_entries(&b).await);
    assert!(
        na >= 2 && nb >= 2,
        "each desk audited its set-up: {na}, {nb}"
    );
    assert_eq!(
        sa["audit_pushed"].as_i64(),
        Some(na),
        "all of A's log: {sa}"
    );
    assert_eq!(
        sb["audit_pushed"].as_i64(),
        Some(nb),
        "all of B's log: {sb}"
    );
    assert_eq!(sa["audit_error"], serde_json::Value::Null, "{sa}");
    for field in ["pushed", "pulled", "conflicts", "cursor"] {
        assert!(sa[field].is_number(), "sync now keeps {field}: {sa}");
    }

    // Later entries follow in the next run, and only they.
    add_staff(&a, "riley.sales");
    let again = sync_now(&a);
    assert_eq!(
        again["audit_pushed"].as_i64(),
        Some(desk_entries(&a).await - na)
    );
    assert_eq!(sync_now(&a)["audit_pushed"], 0, "nothing left to send");

    let (exit, report) = verify(&h);
    assert_eq!(exit, 0, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    let desks: Vec<(String, i64, bool)> = report["desks"]
        .as_array()
        .expect("desks")
        .iter()
        .map(|d| {
            (
                d["desk_name"].as_str().unwrap_or_default().to_string(),
                d["entries"].as_i64().unwrap_or(-1),
                d["ok"] == true,
            )
        })
        .collect();
    assert_eq!(
        desks,
        vec![
            ("Floor".to_string(), desk_entries(&a).await, true),
            ("F&I".to_string(), nb, true)
        ]
    );
    let text = hub(&h.url, &h.state, &["audit", "verify"]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains(&format!("({}) audit chain intact: {nb} entries", "F&I")),
        "{out}"
    );
}

#[tokio::test]
async fn a_chain_tampered_on_the_desk_is_refused_audited_and_nothing_stored_while_changes_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start_hub(dir.path()).await;
    let a = enrolled_desk(&h, dir.path(), "a.db", "Floor");
    sync_now(&a);
    let id = desk_id(&a);
    let held = hub_entries(&h, &id).await;
    assert_eq!(held, desk_entries(&a).await);

    // New entries and a change to sync; then someone with the file edits the newest entry.
    add_staff(&a, "riley.sales");
    let vehicle = dd(
        &a,
        &[
            "vehicle",
            "add",
            "--vin",
            "1HGCM82633A004352",
            "--make",
            "Honda",
            "--model",
            "Accord",
            "--mileage",
            "88000",
            "--price",
            "6995.00",
            "--condition",
            "used",
        ],
    );
    assert_eq!(code(&vehicle), 0, "{vehicle:?}");
    {
        let mut c = desk_sql(&a).await;
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .expect("drop the trigger");
        sqlx::query(
            "UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = (SELECT MAX(seq) FROM audit_log)",
        )
        .execute(&mut c)
        .await
        .expect("tamper");
    }

    let run = sync_now(&a);
    assert!(
        run["pushed"].as_u64().unwrap_or(0) >= 1,
        "the vehicle went: {run}"
    );
    assert_eq!(run["audit_pushed"], 0, "{run}");
    let why = run["audit_error"].as_str().unwrap_or_default();
    assert!(
        why.contains("refused") && why.contains("was altered after it was written"),
        "{run}"
    );
    assert_eq!(
        hub_entries(&h, &id).await,
        held,
        "nothing of that message stored"
    );

    // The journal reached the hub; the refusal is in the hub's own chain, which holds.
    let mut pg = hub_sql(&h).await;
    let vehicles: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM hub_change WHERE table_name = 'vehicle'")
            .fetch_one(&mut pg)
            .await
            .expect("count");
    assert_eq!(vehicles, 1);
    let refusals: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT subject, detail FROM hub_audit WHERE action = 'desk_audit_refused'")
            .fetch_all(&mut pg)
            .await
            .expect("refusals");
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].0.as_deref(), Some(id.as_str()));
    assert!(refusals[0].1.contains("altered"), "{refusals:?}");
    let (exit, report) = verify(&h);
    assert_eq!(exit, 0, "what the hub holds is intact: {report}");

    // The desk says why, and keeps sending (and being refused) until the log is put right.
    let status = json(&dd(&a, &["sync", "status", "--json"]));
    assert!(
        status["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("audit log was not sent")),
        "{status}"
    );
    assert_eq!(status["offline_since"], serde_json::Value::Null, "{status}");
    assert_eq!(sync_now(&a)["audit_pushed"], 0);
    assert_eq!(hub_entries(&h, &id).await, held);
}

#[tokio::test]
async fn a_desk_entry_edited_on_the_hub_is_named_by_hub_audit_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start_hub(dir.path()).await;
    let a = enrolled_desk(&h, dir.path(), "a.db", "Floor");
    sync_now(&a);
    let id = desk_id(&a);
    assert!(hub_entries(&h, &id).await >= 2);

    let mut pg = hub_sql(&h).await;
    let plain = sqlx::query("UPDATE hub_desk_audit SET actor = 'cli:mallory' WHERE seq = 2")
        .execute(&mut pg)
        .await;
    assert!(
        plain.is_err_and(|e| e.to_string().contains("append-only")),
        "the trigger refuses a plain edit"
    );
    sqlx::query("ALTER TABLE hub_desk_audit DISABLE TRIGGER hub_desk_audit_append_only")
        .execute(&mut pg)
        .await
        .expect("disable");
    sqlx::query("UPDATE hub_desk_audit SET actor = 'cli:mallory' WHERE seq = 2")
        .execute(&mut pg)
        .await
        .expect("tamper");

    let (exit, report) = verify(&h);
    assert_eq!(exit, 6, "{report}");
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(
        report["first_broken_seq"],
        serde_json::Value::Null,
        "the hub's own holds"
    );
    let d = &report["desks"][0];
    assert_eq!(d["desk_id"], id.as_str(), "{report}");
    assert_eq!(d["ok"], false, "{report}");
    assert_eq!(d["first_broken_seq"], 2, "{report}");
    let text = hub(&h.url, &h.state, &["audit", "verify"]);
    assert_eq!(code(&text), 6);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains(&format!("desk {id} (Floor) audit chain BROKEN at entry #2")),
        "{out}"
    );
}
