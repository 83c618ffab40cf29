//! The `usury_cap` table: the highest APR a deal may carry, per state (`*` for every state
//! without its own). Every statement on the table is here, compile-checked.

use sqlx::SqliteConnection;

use crate::write::{Stamp, Write};
use crate::Store;

/// Every cap as stored, the general one (`*`) first, then by state.
pub async fn all(store: &Store) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows =
        sqlx::query!(r#"SELECT state, max_rate FROM usury_cap ORDER BY state = '*' DESC, state"#)
            .fetch_all(store.pool())
            .await?;
    Ok(rows.into_iter().map(|r| (r.state, r.max_rate)).collect())
}

/// The stored cap (percent, exact text) of `state` or `*`.
pub async fn rate_of(
    conn: &mut SqliteConnection,
    state: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT max_rate FROM usury_cap WHERE state = ?1"#, state)
        .fetch_optional(conn)
        .await
}

/// Sets the cap of `state` (journaled as `insert` or `update`).
pub async fn set(w: &mut Write<'_>, state: &str, max_rate: &str) -> Result<(), sqlx::Error> {
    let op = if rate_of(w.conn(), state).await?.is_some() {
        "update"
    } else {
        "insert"
    };
    let s = w.change("usury_cap", state, op).await?;
    upsert_stamped(w.conn(), state, max_rate, &s).await
}

/// Removes the cap of `state` (journaled as `delete` when there was one); whether there was.
pub async fn remove(w: &mut Write<'_>, state: &str) -> Result<bool, sqlx::Error> {
    let gone = sqlx::query!(r#"DELETE FROM usury_cap WHERE state = ?1"#, state)
        .execute(w.conn())
        .await?
        .rows_affected();
    if gone > 0 {
        w.change("usury_cap", state, "delete").await?;
    }
    Ok(gone > 0)
}

/// Sets a cap already journaled as `s` inside the caller's transaction (the demo's seed).
pub async fn upsert_stamped(
    conn: &mut SqliteConnection,
    state: &str,
    max_rate: &str,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO usury_cap (state, max_rate, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?3, ?4, ?5)
           ON CONFLICT (state) DO UPDATE SET max_rate = excluded.max_rate,
               updated_at = excluded.updated_at, device_id = excluded.device_id,
               change_seq = excluded.change_seq"#,
        state,
        max_rate,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(conn)
    .await?;
    Ok(())
}
