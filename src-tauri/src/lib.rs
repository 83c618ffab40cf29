//! DealerDesk's desktop shell: a Tauri 2 window over the `dealerdesk` core. It only adapts the
//! core to IPC; see `commands.rs`.

pub mod commands;
pub mod state;
pub mod sync;

use std::path::PathBuf;

use dealerdesk_store::{default_db_path, OpenMode, Store};
use tauri::{Manager, Runtime};

pub use state::AppState;

/// The database the app opens: `--db PATH` on the command line, else `DEALERDESK_DB`, else the
/// OS data directory.
pub fn db_path_from_args(args: &[String]) -> PathBuf {
    args.windows(2)
        .find(|w| w[0] == "--db")
        .map(|w| PathBuf::from(&w[1]))
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--db=").map(PathBuf::from))
        })
        .or_else(|| std::env::var_os("DEALERDESK_DB").map(PathBuf::from))
        .unwrap_or_else(default_db_path)
}

/// Opens the store for the app; a refusal becomes the message the window shows.
///
/// Once open, the adverse-action notices owed for decisions recorded before notices existed (a
/// database from an earlier release, or a decision imported by a tool) are created, so the home
/// screen's 30-day countdown covers them. That is idempotent; if it fails the desk still opens
/// and the failure is logged (`dealerdesk application notices --backfill` does the same).
pub async fn open_store(path: &std::path::Path) -> Result<Store, String> {
    let store = Store::open(path, OpenMode::CreateIfMissing)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not open the database");
            e.to_string()
        })?;
    match dealerdesk_services::application::adverse::backfill_notices(&store, chrono::Utc::now())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            created = n,
            "adverse-action notices owed from earlier decisions"
        ),
        Err(e) => tracing::warn!(error = %e, "could not create the adverse-action notices owed"),
    }
    Ok(store)
}

/// Starts the background sync when the store is open and the desk is enrolled with a hub; a
/// desk that is not enrolled starts nothing and works exactly as before.
pub fn start_sync(state: &AppState) {
    let Ok(store) = state.store() else { return };
    let store = store.clone();
    match tauri::async_runtime::block_on(dealerdesk_services::sync::enrol::load(&store)) {
        Ok(Some(_)) => state.sync().start(store),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "could not read this desk's enrolment; no background sync")
        }
    }
}

/// The builder with every command registered (used by `run` and by the mock-runtime tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    use commands::*;
    // Every #[tauri::command] fn of commands.rs, listed by the generator in tests/ipc.rs.
    builder.invoke_handler(include!("handlers.in"))
}

/// Starts the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DEALERDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args: Vec<String> = std::env::args().collect();
    let path = db_path_from_args(&args);
    let store = tauri::async_runtime::block_on(open_store(&path));
    let builder = tauri::Builder::default()
        // A second launch focuses the open window instead of opening the database twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        // The native "Save as…" dialog, used from Rust only (the capability grants none of it).
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            start_sync(&app.state::<AppState>());
            Ok(())
        })
        .manage(AppState::new(store));
    let app = with_commands(builder).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                let state = handle.state::<AppState>();
                tauri::async_runtime::block_on(state.sync().stop());
                if let Ok(store) = state.store() {
                    let store = store.clone();
                    tauri::async_runtime::block_on(store.close());
                }
            }
        }),
        Err(e) => {
            eprintln!("DealerDesk could not start: {e}");
            std::process::exit(1);
        }
    }
}
