//! Command wiring, role checks and error mapping through Tauri's mock runtime (no display).

use dealerdesk_desktop::{with_commands, AppState};
use dealerdesk_services::auth::{self, NewStaff, Role};
use dealerdesk_store::{meta_set, OpenMode, Store};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

const PASSWORD: &str = "correct horse battery staple";

struct Desk {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

/// A desk on a fresh database with one staff member of each role (demo flag set so sign-in
/// needs no TOTP here; MFA itself is tested in the core and end to end).
fn desk() -> Desk {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.db");
    let store = tauri::async_runtime::block_on(async {
        let store = Store::open(&path, OpenMode::CreateIfMissing)
            .await
            .expect("store");
        let mut conn = store.pool().acquire().await.expect("conn");
        meta_set(&mut conn, "demo", "1").await.expect("demo");
        drop(conn);
        for (u, role) in [
            ("sam", Role::Sales),
            ("morgan", Role::FinanceManager),
            ("avery", Role::Admin),
        ] {
            let input = NewStaff {
                username: u.into(),
                display_name: u.into(),
                role,
                password: PASSWORD.into(),
            };
            auth::create_staff(
                &store,
                &auth::Actor::Cli("test".into()),
                &input,
                chrono::Utc::now(),
            )
            .await
            .expect("staff");
        }
        store
    });
    let app = with_commands(mock_builder())
        .manage(AppState::new(Ok(store)))
        .build(mock_context(noop_assets()))
        .expect("mock app");
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    Desk {
        _dir: dir,
        _app: app,
        window,
    }
}

fn invoke(d: &Desk, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        &d.window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("json response"))
}

fn sign_in(d: &Desk, who: &str) {
    let r = invoke(
        d,
        "sign_in",
        json!({ "username": who, "password": PASSWORD }),
    )
    .expect("signed in");
    assert_eq!(r["kind"], "signed_in", "{r}");
}

fn customer_input() -> Value {
    json!({
        "given_name": "Maria", "middle_name": null, "family_name": "Gonzalez", "suffix": null,
        "dob": "03/09/1984", "ssn": "123-45-6789", "licence_number": null, "licence_state": null,
        "phone": "(214) 555-0187", "email": "maria@example.com", "employer": null, "job_title": null,
        "monthly_income": "6250", "previous_address": null,
        "address": { "line1": "4821 Lakeview Dr", "line2": null, "city": "Dallas", "state": "TX", "zip": "75201", "since": "2020-06-01" }
    })
}

#[test]
fn every_command_refuses_callers_who_are_not_signed_in() {
    let d = desk();
    let status = invoke(&d, "app_status", json!({})).expect("status is public");
    assert_eq!(status["demo"], true);
    assert_eq!(status["session"], Value::Null);
    for (cmd, body) in [
        ("home_figures", json!({})),
        ("search_customers", json!({ "query": "x", "limit": 5 })),
        ("list_customers", json!({ "offset": 0, "limit": 5 })),
        ("get_customer", json!({ "id": "x" })),
        ("create_customer", json!({ "input": customer_input() })),
        ("reveal_pii", json!({ "customer_id": "x", "field": "ssn" })),
        (
            "list_audit",
            json!({ "filter": { "limit": 5, "offset": 0 } }),
        ),
        ("verify_audit", json!({})),
        ("list_staff", json!({})),
        ("session_heartbeat", json!({})),
    ] {
        let err = invoke(&d, cmd, body).expect_err(cmd);
        assert_eq!(err["code"], "not_signed_in", "{cmd}: {err}");
    }
}

#[test]
fn sales_staff_cannot_use_admin_commands_or_reveal_pii() {
    let d = desk();
    sign_in(&d, "sam");
    let c = invoke(&d, "create_customer", json!({ "input": customer_input() }))
        .expect("sales may add customers");
    let id = c["id"].as_str().expect("id").to_string();
    assert_eq!(c["ssn_masked"], "•••-••-6789");
    for (cmd, body) in [
        ("list_staff", json!({})),
        (
            "list_audit",
            json!({ "filter": { "limit": 5, "offset": 0 } }),
        ),
        ("verify_audit", json!({})),
        (
            "add_staff",
            json!({ "input": { "username": "x1y", "display_name": "X", "role": "admin", "password": PASSWORD } }),
        ),
        ("reveal_pii", json!({ "customer_id": id, "field": "ssn" })),
    ] {
        let err = invoke(&d, cmd, body).expect_err(cmd);
        assert_eq!(err["code"], "forbidden", "{cmd}: {err}");
    }
}

#[test]
fn a_finance_manager_reveals_pii_and_an_admin_reads_the_audit_log() {
    let d = desk();
    sign_in(&d, "morgan");
    let c = invoke(&d, "create_customer", json!({ "input": customer_input() })).expect("created");
    let ssn = invoke(
        &d,
        "reveal_pii",
        json!({ "customer_id": c["id"], "field": "ssn" }),
    )
    .expect("reveal");
    assert_eq!(ssn, "123-45-6789");
    invoke(&d, "sign_out", json!({})).expect("signed out");
    sign_in(&d, "avery");
    let page = invoke(
        &d,
        "list_audit",
        json!({ "filter": { "action": "reveal", "limit": 10, "offset": 0 } }),
    )
    .expect("audit");
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["actor"], "staff:morgan");
    let report = invoke(&d, "verify_audit", json!({})).expect("verify");
    assert_eq!(report["ok"], true);
}

#[test]
fn validation_errors_arrive_with_the_field_at_fault() {
    let d = desk();
    sign_in(&d, "sam");
    let mut input = customer_input();
    input["address"]["zip"] = json!("7520");
    let err = invoke(&d, "create_customer", json!({ "input": input })).expect_err("invalid");
    assert_eq!(err["code"], "validation");
    assert_eq!(err["field"], "address.zip");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("ZIP")),
        "{err}"
    );
    let bad_shape = invoke(
        &d,
        "create_customer",
        json!({ "input": { "given_name": 5 } }),
    )
    .expect_err("bad shape");
    assert!(
        bad_shape.is_string() || bad_shape.is_object(),
        "a malformed request is refused: {bad_shape}"
    );
}

#[test]
fn wrong_password_and_lock_map_to_their_codes() {
    let d = desk();
    let err = invoke(
        &d,
        "sign_in",
        json!({ "username": "sam", "password": "nope nope nope" }),
    )
    .expect_err("wrong");
    assert_eq!(err["code"], "invalid_credentials");
    sign_in(&d, "sam");
    invoke(&d, "lock_session", json!({})).expect("locked");
    let locked = invoke(&d, "home_figures", json!({})).expect_err("locked desk");
    assert_eq!(locked["code"], "session_locked");
    let status = invoke(&d, "app_status", json!({})).expect("status");
    assert_eq!(
        status["session"]["locked"], true,
        "the UI learns the desk is locked"
    );
    invoke(&d, "unlock_session", json!({ "password": PASSWORD })).expect("unlocked");
    let figures = invoke(&d, "home_figures", json!({})).expect("figures");
    assert_eq!(figures["staff_active"], 3);
}

#[test]
fn search_and_detail_round_trip_through_ipc() {
    let d = desk();
    sign_in(&d, "sam");
    let c = invoke(&d, "create_customer", json!({ "input": customer_input() })).expect("created");
    let found = invoke(
        &d,
        "search_customers",
        json!({ "query": "gonz", "limit": 10 }),
    )
    .expect("search");
    assert_eq!(found[0]["id"], c["id"]);
    let detail = invoke(&d, "get_customer", json!({ "id": c["id"] })).expect("detail");
    assert_eq!(detail["full_name"], "Maria Gonzalez");
    let missing = invoke(&d, "get_customer", json!({ "id": "nope" })).expect_err("missing");
    assert_eq!(missing["code"], "not_found");
}

#[test]
fn the_capability_grants_exactly_the_registered_commands() {
    let names = include_str!("../src/command_names.in");
    let commands: Vec<String> = names
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|s| format!("allow-{}", s.replace('_', "-")))
        .collect();
    let cap: Value = serde_json::from_str(include_str!("../capabilities/default.json"))
        .expect("capability json");
    let granted: Vec<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    assert_eq!(
        granted, commands,
        "no plugin or core permission beyond our own commands"
    );
    // Every name in the list is a real command (a typo would be "command not found").
    let d = desk();
    for name in names.split('"').skip(1).step_by(2) {
        if let Err(e) = invoke(&d, name, json!({})) {
            let text = e.to_string();
            assert!(!text.contains("not found"), "{name} is registered: {text}");
        }
    }
}

async fn notice_count(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM adverse_action_notice")
        .fetch_one(store.pool())
        .await
        .expect("count")
}

/// Opening the desk creates the adverse-action notices owed for decisions recorded before
/// notices existed: a demo database taken back to the release before notices (the table and its
/// migration removed) gets every one on open, with the same due dates; opening again adds none.
#[test]
fn opening_the_desk_creates_the_adverse_action_notices_owed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.db");
    tauri::async_runtime::block_on(async {
        let now = chrono::Utc::now();
        let store = Store::open(&path, OpenMode::CreateIfMissing)
            .await
            .expect("store");
        dealerdesk_services::demo::fill(&store, 20261126, 250, now, now.date_naive())
            .await
            .expect("demo");
        let owed = notice_count(&store).await;
        assert!(owed >= 1, "the demo declines at least one application");
        let due: Vec<String> =
            sqlx::query_scalar("SELECT due_date FROM adverse_action_notice ORDER BY decision_id")
                .fetch_all(store.pool())
                .await
                .expect("due dates");
        sqlx::raw_sql(
            "DROP TABLE adverse_action_notice;
             DELETE FROM _sqlx_migrations WHERE version = 20261127000001;",
        )
        .execute(store.pool())
        .await
        .expect("as the release before notices");
        store.close().await;

        let store = dealerdesk_desktop::open_store(&path).await.expect("opens");
        assert_eq!(notice_count(&store).await, owed);
        let again: Vec<String> =
            sqlx::query_scalar("SELECT due_date FROM adverse_action_notice ORDER BY decision_id")
                .fetch_all(store.pool())
                .await
                .expect("due dates");
        assert_eq!(
            again, due,
            "30 days from each decision, not from the upgrade"
        );
        store.close().await;
        let store = dealerdesk_desktop::open_store(&path)
            .await
            .expect("opens again");
        assert_eq!(notice_count(&store).await, owed);
        store.close().await;
    });
}

#[test]
fn the_application_document_jacket_and_save_as_commands_check_roles_and_map_errors() {
    let d = desk();
    for (cmd, body) in [
        (
            "render_application_document",
            json!({ "application_id": "x", "mode": "copy" }),
        ),
        (
            "print_deal_jacket",
            json!({ "deal_id": "x", "open": false }),
        ),
        ("save_document_as", json!({ "document_id": "x" })),
    ] {
        let err = invoke(&d, cmd, body).expect_err(cmd);
        assert_eq!(err["code"], "not_signed_in", "{cmd}: {err}");
    }
    sign_in(&d, "sam");
    let err = invoke(
        &d,
        "render_application_document",
        json!({ "application_id": "nope", "mode": "original" }),
    )
    .expect_err("sales cannot print the original");
    assert_eq!(err["code"], "forbidden", "{err}");
    let err = invoke(
        &d,
        "render_application_document",
        json!({ "application_id": "nope", "mode": "copy" }),
    )
    .expect_err("unknown application");
    assert_eq!(err["code"], "not_found", "{err}");
    assert_eq!(err["field"], "application_id", "{err}");
    let err = invoke(
        &d,
        "print_deal_jacket",
        json!({ "deal_id": "nope", "open": false }),
    )
    .expect_err("unknown deal");
    assert_eq!(err["code"], "not_found", "{err}");
    // The document is looked up before any dialog is shown.
    let err = invoke(&d, "save_document_as", json!({ "document_id": "nope" }))
        .expect_err("unknown document");
    assert_eq!(err["code"], "not_found", "{err}");
    let docs = invoke(
        &d,
        "list_application_documents",
        json!({ "application_id": "nope" }),
    )
    .expect("an empty list");
    assert_eq!(docs, json!([]));
}

#[test]
fn a_desk_that_is_not_enrolled_says_so_and_conflicts_are_for_finance_and_admins() {
    let d = desk();
    for cmd in [
        "sync_status",
        "sync_now",
        "sync_conflicts",
        "resolve_sync_conflict",
    ] {
        let body = if cmd == "resolve_sync_conflict" {
            json!({ "id": "x", "note": "" })
        } else {
            json!({})
        };
        let err = invoke(&d, cmd, body).expect_err(cmd);
        assert_eq!(err["code"], "not_signed_in", "{cmd}: {err}");
    }

    sign_in(&d, "sam");
    let st = invoke(&d, "sync_status", json!({})).expect("status for any role");
    assert_eq!(st["status"]["enrolled"], false, "{st}");
    assert_eq!(st["status"]["waiting"], 0, "{st}");
    assert_eq!(st["enrolment"], Value::Null, "{st}");
    assert_eq!(st["running"], false, "{st}");
    let err = invoke(&d, "sync_now", json!({})).expect_err("not enrolled");
    assert_eq!(err["code"], "conflict", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not enrolled"),
        "{err}"
    );
    let err = invoke(&d, "sync_conflicts", json!({})).expect_err("sales");
    assert_eq!(err["code"], "forbidden", "{err}");
    let err = invoke(
        &d,
        "resolve_sync_conflict",
        json!({ "id": "x", "note": "" }),
    )
    .expect_err("sales");
    assert_eq!(err["code"], "forbidden", "{err}");

    invoke(&d, "sign_out", json!({})).expect("sign out");
    sign_in(&d, "morgan");
    let list = invoke(&d, "sync_conflicts", json!({})).expect("finance manager");
    assert_eq!(list, json!([]));
    let err = invoke(
        &d,
        "resolve_sync_conflict",
        json!({ "id": "x", "note": "" }),
    )
    .expect_err("no such conflict");
    assert_eq!(err["code"], "not_found", "{err}");
    let long = "n".repeat(501);
    let err = invoke(
        &d,
        "resolve_sync_conflict",
        json!({ "id": "x", "note": long }),
    )
    .expect_err("too long");
    assert_eq!(err["code"], "validation", "{err}");
    assert_eq!(err["field"], "note", "{err}");
}
