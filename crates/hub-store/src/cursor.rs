//! The group's cursor counter (`group_cursor`): cursors handed out in commit order.

use sqlx::PgConnection;
use uuid::Uuid;

/// Takes `n` cursors for the caller's transaction and returns the first; they are
/// `first..first + n`. The counter row stays locked until the transaction ends, so no other
/// transaction takes a cursor until this one has committed or rolled back.
pub async fn take(c: &mut PgConnection, group_id: Uuid, n: i64) -> Result<i64, sqlx::Error> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO group_cursor (group_id, id, last) VALUES ($1, $1, $2) \
         ON CONFLICT (group_id, id) DO UPDATE SET last = group_cursor.last + EXCLUDED.last \
         RETURNING last",
    )
    .bind(group_id)
    .bind(n)
    .fetch_one(c)
    .await?;
    Ok(last - n + 1)
}

/// Locks the group's cursor row until the transaction ends (creating it if new) and returns the
/// last cursor handed out.
pub async fn lock(c: &mut PgConnection, group_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO group_cursor (group_id, id, last) VALUES ($1, $1, 0) \
         ON CONFLICT (group_id, id) DO UPDATE SET last = group_cursor.last RETURNING last",
    )
    .bind(group_id)
    .fetch_one(c)
    .await
}

/// The last cursor of a committed change of the group (0 before the first), without locking:
/// every change at or below it is committed and visible to any statement that starts after this
/// one.
pub async fn committed(c: &mut PgConnection, group_id: Uuid) -> Result<i64, sqlx::Error> {
    Ok(
        sqlx::query_scalar("SELECT last FROM group_cursor WHERE group_id = $1 AND id = $1")
            .bind(group_id)
            .fetch_optional(c)
            .await?
            .unwrap_or(0),
    )
}
