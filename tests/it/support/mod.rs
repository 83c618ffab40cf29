//! Shared fixtures: a fresh database in a temp dir, a fixed clock, a valid customer.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dealerdesk_services::auth::{self, Actor, NewStaff, Role, StaffView};
use dealerdesk_services::customer::{AddressInput, CustomerInput};
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

pub fn customer_input() -> CustomerInput {
    CustomerInput {
        given_name: "Maria".into(),
        middle_name: Some("Elena".into()),
        family_name: "Gonzalez".into(),
        suffix: None,
        dob: "03/09/1984".into(),
        ssn: "123-45-6789".into(),
        licence_number: Some("D1234567".into()),
        licence_state: Some("TX".into()),
        phone: "(214) 555-0187".into(),
        email: Some("maria.gonzalez@example.com".into()),
        employer: Some("Parkland Health".into()),
        job_title: Some("Registered Nurse".into()),
        monthly_income: "6,250.00".into(),
        address: AddressInput {
            line1: "4821 Lakeview Dr".into(),
            line2: Some("Apt 12".into()),
            city: "Dallas".into(),
            state: "TX".into(),
            zip: "75201".into(),
            since: "2025-06-01".into(),
        },
        previous_address: Some(AddressInput {
            line1: "77 Elm St".into(),
            line2: None,
            city: "Plano".into(),
            state: "TX".into(),
            zip: "75023".into(),
            since: "2019-02-01".into(),
        }),
    }
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

/// Imports the fictional OFAC fixture list (tests/fixtures/ofac) as the store's current list.
pub async fn import_ofac_fixture(
    store: &Store,
) -> dealerdesk_services::identity::sanctions::ImportSummary {
    use dealerdesk_services::identity::sanctions::{self, ListFiles};
    let read = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/ofac")
                .join(name),
        )
        .expect("fixture exists")
    };
    let (sdn, alt, add) = (read("sdn.csv"), read("alt.csv"), read("add.csv"));
    let files = ListFiles {
        sdn: ("sdn.csv", &sdn),
        alt: Some(("alt.csv", &alt)),
        add: Some(("add.csv", &add)),
    };
    sanctions::import(store, &cli_actor(), &files, None, now())
        .await
        .expect("the fixture imports")
}

/// A customer (from [`customer_input`]) whose identity check came out verified: a sanctions
/// list is loaded and their passport was checked by hand.
pub async fn verified_customer(store: &Store) -> String {
    use dealerdesk_services::identity::sanctions;
    use dealerdesk_services::identity::verification::{
        self, CheckInput, CheckOutcome, DocumentType,
    };
    if sanctions::current_version(store)
        .await
        .expect("list version")
        .is_none()
    {
        import_ofac_fixture(store).await;
    }
    let id = dealerdesk_services::customer::create(
        store,
        &cli_actor(),
        &customer_input(),
        now(),
        today(),
    )
    .await
    .expect("customer")
    .id;
    let passport = CheckInput::ManualEntry {
        document_type: DocumentType::Passport,
        issuer: "USA".into(),
        number: "X12345678".into(),
        expiry: "2031-01-31".into(),
        dob: Some("03/09/1984".into()),
        issued: None,
    };
    let v = verification::run_check(store, &cli_actor(), &id, &passport, now(), today())
        .await
        .expect("check");
    assert_eq!(v.outcome, CheckOutcome::Verified, "{:#?}", v.rules);
    id
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
