//! Test support: a fresh PostgreSQL database per test on the server `scripts/test` starts.

use sqlx::{Connection, PgConnection};

/// The variable naming the test server (`scripts/test` sets it; `scripts/pg start DIR` prints a URL).
pub const TEST_DATABASE_URL: &str = "DEALERDESK_TEST_DATABASE_URL";

/// Creates `hub_test_<random>` on the server named by `DEALERDESK_TEST_DATABASE_URL` and returns
/// its URL. Errs (so the test fails, never silently passes) when the variable is unset.
pub async fn fresh_database() -> Result<String, String> {
    let base = std::env::var(TEST_DATABASE_URL).map_err(|_| {
        format!(
            "{TEST_DATABASE_URL} is not set: run scripts/test, or start a server with \
             `scripts/pg start DIR` and export {TEST_DATABASE_URL}=<the URL it prints>"
        )
    })?;
    let name = format!("hub_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&base)
        .await
        .map_err(|e| format!("cannot connect to {base}: {e}"))?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .map_err(|e| format!("cannot create {name}: {e}"))?;
    let _ = admin.close().await;
    let (prefix, _) = base
        .rsplit_once('/')
        .ok_or_else(|| format!("{TEST_DATABASE_URL} has no database name: {base}"))?;
    Ok(format!("{prefix}/{name}"))
}
