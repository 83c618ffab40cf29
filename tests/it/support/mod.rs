//! Shared fixtures: a fresh database in a temp dir, a fixed clock, staff, SQL straight on the
//! store and the CLI run as a process. The dealership's data, PDFs, access links and the portal
//! over HTTP have their own modules.

pub mod desk;
pub mod links;
pub mod pdf;
pub mod relay;
pub mod web;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dealerdesk_services::auth::{self, Actor, NewStaff, Role, StaffView};
use dealerdesk_store::{OpenMode, Store};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

pub struct Fixture {
    pub dir: TempDir,
    pub store: Store,
}

impl Fixture {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("desk.db")
    }
}

pub async fn fresh() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("desk.db"), OpenMode::CreateIfMissing)
        .await
        .expect("a new database opens");
    Fixture { dir, store }
}

/// 2026-11-25 15:00 UTC, a Wednesday afternoon at the desk.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
        .single()
        .expect("valid time")
}

pub fn today() -> NaiveDate {
    now().date_naive()
}

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn staff(store: &Store, username: &str, role: Role) -> StaffView {
    auth::create_staff(
        store,
        &cli_actor(),
        &NewStaff {
            username: username.into(),
            display_name: format!("Test {username}"),
            role,
            password: PASSWORD.into(),
        },
        now(),
    )
    .await
    .expect("staff created")
}

pub fn cli_actor() -> Actor {
    Actor::Cli("test".into())
}

/// Runs SQL on the database file directly, as someone with the file (not the app) would.
pub async fn raw_sql(path: &std::path::Path, sql: &str) {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .expect("raw connection");
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .expect("raw sql runs");
}

/// The one number `sql` (a `SELECT COUNT(*) ...`) answers.
pub async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

/// The rows in `table`.
pub async fn rows(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .expect("count")
}

/// Parses a CLI run's stdout as the one JSON object `--json` promises.
pub fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}): {} / {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// A CLI run's exit code.
pub fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exit code")
}

/// Runs the `dealerdesk` binary on database `db` (ignoring any database or key file the
/// environment names), with nothing on stdin.
pub fn dd(db: &Path, args: &[&str]) -> Output {
    dd_input(db, args, None)
}

/// [`dd`], with `stdin` piped in when given.
pub fn dd_input(db: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("DEALERDESK_DB")
        .env_remove("DEALERDESK_KEY_FILE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dealerdesk");
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(data).expect("write stdin");
    }
    child.wait_with_output().expect("dealerdesk finishes")
}
