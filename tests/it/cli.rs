//! The `dealerdesk` binary, run as an operator would, on real files.

use crate::support::{code, dd, json};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn init_demo_doctor_and_audit_verify_all_succeed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    let init = dd(&db, &["init"]);
    assert_eq!(
        code(&init),
        0,
        "init: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let demo = dd(&db, &["demo", "--json"]);
    assert_eq!(
        code(&demo),
        0,
        "demo: {}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let report = json(&demo);
    assert!(
        report["customers"].as_u64().unwrap_or(0) >= 200,
        "at least 200 customers: {report}"
    );
    let roles: Vec<&str> = report["staff"]
        .as_array()
        .expect("staff")
        .iter()
        .filter_map(|s| s["role"].as_str())
        .collect();
    for role in ["sales", "finance_manager", "admin"] {
        assert!(roles.contains(&role), "a {role} account: {roles:?}");
    }
    let doctor = dd(&db, &["doctor", "--json"]);
    assert_eq!(
        code(&doctor),
        0,
        "doctor: {}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    let d = json(&doctor);
    assert_eq!(d["ok"], true);
    assert_eq!(d["integrity"].as_array().map(Vec::len), Some(0));
    assert_eq!(d["audit_chain"]["ok"], true);
    assert_eq!(code(&dd(&db, &["audit", "verify"])), 0);
    let again = dd(&db, &["demo"]);
    assert_eq!(code(&again), 7, "demo refuses a database that has data");
}

#[test]
fn customers_can_be_added_found_and_shown_from_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["init"])), 0);
    let add = dd(
        &db,
        &[
            "customer",
            "add",
            "--json",
            "--given",
            "Ana",
            "--family",
            "Diaz",
            "--dob",
            "07/04/1990",
            "--ssn",
            "234-56-7891",
            "--phone",
            "214 555 0199",
            "--income",
            "5100",
            "--line1",
            "1 Main St",
            "--city",
            "Dallas",
            "--state",
            "TX",
            "--zip",
            "75201",
            "--since",
            "2020-01-01",
        ],
    );
    assert_eq!(code(&add), 0, "{}", String::from_utf8_lossy(&add.stdout));
    let id = json(&add)["customer"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let found = json(&dd(&db, &["customer", "find", "diaz", "--json"]));
    assert_eq!(found["customers"][0]["id"], id.as_str());
    let shown = dd(&db, &["customer", "show", &id]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("•••-••-7891") && !text.contains("234-56"),
        "masked: {text}"
    );
    let revealed = json(&dd(
        &db,
        &["customer", "show", &id, "--reveal", "ssn", "--json"],
    ));
    assert_eq!(
        revealed["value"], "234-56-7891",
        "the operator may reveal, audited"
    );
}

#[test]
fn bad_input_gives_exit_3_and_names_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["init"])), 0);
    let o = dd(
        &db,
        &[
            "customer",
            "add",
            "--json",
            "--given",
            "Ana",
            "--family",
            "Diaz",
            "--dob",
            "07/04/1990",
            "--ssn",
            "666-12-3456",
            "--phone",
            "214 555 0199",
            "--income",
            "5100",
            "--line1",
            "1 Main St",
            "--city",
            "Dallas",
            "--state",
            "TX",
            "--zip",
            "75201",
            "--since",
            "2020-01-01",
        ],
    );
    assert_eq!(code(&o), 3);
    assert_eq!(json(&o)["error"]["field"], "ssn");
    let usage = dd(&db, &["customer", "add"]);
    assert_eq!(code(&usage), 2, "missing arguments are a usage error");
}

/// Any size of demo builds: on a small lot a cheap car with a big trade and down payment once
/// left nothing to finance and `demo --customers 40` failed.
#[test]
fn the_demo_builds_at_any_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    for n in ["1", "7", "40", "75"] {
        let db = dir.path().join(format!("demo-{n}.db"));
        let o = dd(&db, &["demo", "--customers", n, "--json"]);
        assert_eq!(
            code(&o),
            0,
            "{n} customers: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let report = json(&o);
        assert_eq!(report["customers"].to_string(), n);
        assert!(report["deals"].as_u64().unwrap_or(0) >= 1, "{n}: {report}");
    }
}

#[test]
fn a_tampered_audit_log_fails_verify_with_exit_6_naming_the_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["demo", "--customers", "5"])), 0);
    let rt = tokio::runtime::Runtime::new().expect("rt");
    rt.block_on(crate::support::raw_sql(
        &db,
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = detail || ' ' WHERE seq = 2;",
    ));
    let o = dd(&db, &["audit", "verify"]);
    assert_eq!(code(&o), 6);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("#2"), "names entry 2: {text}");
    assert_eq!(
        code(&dd(&db, &["doctor"])),
        6,
        "doctor reports the broken chain too"
    );
}

#[test]
fn a_non_database_file_is_refused_with_exit_5() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    std::fs::write(&db, b"spreadsheet,not,a,database\n").expect("write");
    let o = dd(&db, &["doctor"]);
    assert_eq!(code(&o), 5);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a DealerDesk database"));
    assert_eq!(
        std::fs::read(&db).expect("read"),
        b"spreadsheet,not,a,database\n"
    );
}

/// The CLI and the desk app say the same thing about the same error: the message the app shows,
/// and the exit code of the error's kind (one table); what the app keeps for its log is the
/// CLI's `detail`.
#[test]
fn the_cli_prints_the_message_the_desk_app_shows_with_its_kinds_exit_code() {
    use dealerdesk_services::deal::DealError;
    use dealerdesk_services::error_kind::{describe, ErrorKind};
    use dealerdesk_services::ipc::{CommandError, ErrorCode};
    use dealerdesk_store::StoreError;

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["init"])), 0);
    let o = dd(&db, &["deal", "show", "nope", "--json"]);
    let app = CommandError::from(DealError::NotFound {
        what: "deal",
        id: "nope".into(),
    });
    assert_eq!(app.code, ErrorCode::NotFound);
    assert_eq!(code(&o), i32::from(ErrorKind::NotFound.exit_code()));
    assert_eq!(json(&o)["error"]["message"], app.message.as_str());
    assert_eq!(json(&o)["error"]["detail"], serde_json::Value::Null);

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").expect("write");
    let o = dd(&junk, &["doctor", "--json"]);
    let refused = describe(&StoreError::NotADatabase(junk.clone()));
    assert_eq!(refused.kind, ErrorKind::Refused);
    assert_eq!(code(&o), 5);
    let e = &json(&o)["error"];
    assert_eq!(
        e["message"],
        refused.message.as_str(),
        "the app's plain sentence"
    );
    assert!(
        e["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("not a DealerDesk database"),
        "the operator still reads what is wrong: {e}"
    );

    let help = dd(&db, &["--help"]);
    let help = String::from_utf8_lossy(&help.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for kind in ErrorKind::ALL {
        assert!(
            help.contains(&format!(" {} ", kind.exit_code())),
            "--help lists exit {} ({kind:?}): {help}",
            kind.exit_code()
        );
    }
}

#[test]
fn backup_and_restore_round_trip_and_keep_the_replaced_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    let bak = dir.path().join("backup.db");
    assert_eq!(code(&dd(&db, &["demo", "--customers", "20"])), 0);
    let b = dd(&db, &["backup", bak.to_str().expect("path")]);
    assert_eq!(code(&b), 0, "{}", String::from_utf8_lossy(&b.stderr));
    assert!(
        bak.exists() && dir.path().join("backup.db.key").exists(),
        "backup and its key"
    );
    assert_eq!(
        code(&dd(&db, &["backup", bak.to_str().expect("path")])),
        7,
        "never overwrites"
    );
    // Change the live database after the backup.
    let add = dd(
        &db,
        &[
            "customer",
            "add",
            "--given",
            "Late",
            "--family",
            "Arrival",
            "--dob",
            "01/02/1980",
            "--ssn",
            "345-67-8912",
            "--phone",
            "214 555 0111",
            "--income",
            "1",
            "--line1",
            "1 Main St",
            "--city",
            "Dallas",
            "--state",
            "TX",
            "--zip",
            "75201",
            "--since",
            "2020-01-01",
        ],
    );
    assert_eq!(code(&add), 0);
    let r = dd(&db, &["restore", bak.to_str().expect("path"), "--json"]);
    assert_eq!(code(&r), 0, "{}", String::from_utf8_lossy(&r.stdout));
    let report = json(&r);
    assert_eq!(report["customers"], 20);
    let saved = report["previous_saved_as"]
        .as_str()
        .expect("saved")
        .to_string();
    assert!(Path::new(&saved).exists(), "the replaced database was kept");
    let found = json(&dd(&db, &["customer", "find", "arrival", "--json"]));
    assert_eq!(
        found["customers"].as_array().map(Vec::len),
        Some(0),
        "restored to the backup's state"
    );
    assert_eq!(
        code(&dd(&db, &["doctor"])),
        0,
        "restored database is healthy"
    );
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, b"junk").expect("write");
    assert_eq!(
        code(&dd(&db, &["restore", bad.to_str().expect("path")])),
        5,
        "a bad backup is refused"
    );
    assert_eq!(
        code(&dd(&db, &["doctor"])),
        0,
        "and the database is untouched"
    );
}

#[test]
fn audit_export_writes_csv_and_jsonl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["demo", "--customers", "3"])), 0);
    let csv = dd(&db, &["audit", "export", "--format", "csv"]);
    assert_eq!(code(&csv), 0);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("seq,at,actor,action"), "{text}");
    let out = dir.path().join("audit.jsonl");
    assert_eq!(
        code(&dd(
            &db,
            &[
                "audit",
                "export",
                "--format",
                "jsonl",
                "-o",
                out.to_str().expect("p")
            ]
        )),
        0
    );
    let lines = std::fs::read_to_string(&out).expect("read");
    assert!(lines
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert_eq!(
        lines.lines().count(),
        text.lines().count() - 1,
        "same entries in both formats"
    );
}

#[test]
fn staff_can_be_added_listed_disabled_and_reset_from_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["init"])), 0);
    let add = dd(
        &db,
        &[
            "staff", "add", "boss", "--name", "The Boss", "--role", "admin", "--json",
        ],
    );
    assert_eq!(code(&add), 0, "{}", String::from_utf8_lossy(&add.stdout));
    assert!(
        json(&add)["password"]
            .as_str()
            .is_some_and(|p| p.len() >= 12),
        "a generated password"
    );
    assert_eq!(
        code(&dd(
            &db,
            &["staff", "add", "amy", "--name", "Amy", "--role", "sales"]
        )),
        0
    );
    assert_eq!(
        code(&dd(
            &db,
            &["staff", "add", "amy", "--name", "Amy", "--role", "sales"]
        )),
        3,
        "duplicate username"
    );
    assert_eq!(code(&dd(&db, &["staff", "disable", "amy"])), 0);
    assert_eq!(code(&dd(&db, &["staff", "reset-mfa", "amy"])), 0);
    let list = json(&dd(&db, &["staff", "list", "--json"]));
    let amy = list["staff"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["username"] == "amy")
        .cloned()
        .expect("amy");
    assert_eq!(amy["disabled"], true);
    assert_eq!(
        code(&dd(&db, &["staff", "disable", "nobody"])),
        4,
        "unknown staff: not found"
    );
}

#[test]
fn settings_change_the_idle_lock_and_are_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd(&db, &["init"])), 0);
    let shown = json(&dd(&db, &["settings", "--json"]));
    assert_eq!(shown["idle_lock_minutes"], 10, "default is 10 minutes");
    let changed = json(&dd(
        &db,
        &[
            "settings",
            "--idle-lock-minutes",
            "5",
            "--dealership-name",
            "Lakeside  Motors",
            "--json",
        ],
    ));
    assert_eq!(changed["idle_lock_minutes"], 5);
    assert_eq!(changed["dealership_name"], "Lakeside Motors");
    assert_eq!(
        code(&dd(&db, &["settings", "--idle-lock-minutes", "0"])),
        2,
        "out of range is refused"
    );
    let log = String::from_utf8_lossy(&dd(&db, &["audit", "export"]).stdout).to_string();
    assert!(log.contains("settings.change"), "the change is audited");
}

/// `portal serve` stops cleanly on SIGTERM (what a service manager sends), not only on Ctrl-C:
/// it answers until then, exits 0 and says it stopped.
#[cfg(unix)]
#[test]
fn the_portal_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("p.db");
    assert_eq!(code(&dd(&db, &["demo", "--customers", "3"])), 0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .args(["--db"])
        .arg(&db)
        .args(["portal", "serve", "--bind", "127.0.0.1:0"])
        .env_remove("DEALERDESK_DB")
        .env_remove("DEALERDESK_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portal starts");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    err.read_line(&mut line).expect("first line");
    let addr = line
        .split_whitespace()
        .nth(3)
        .expect("portal listening on ADDR")
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connects");
    s.write_all(b"GET /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("request");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("response");
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("exits");
    assert!(out.status.success(), "exit {:?}", out.status);
    assert!(String::from_utf8_lossy(&out.stdout).contains("portal stopped"));
}
