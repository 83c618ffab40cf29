//! Batches a desk has sent (`hub_batch`), so a replayed batch is refused.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Records a batch; false when the desk sent this batch id before (a replay).
pub async fn record(
    c: &mut PgConnection,
    group_id: Uuid,
    desk_id: Uuid,
    id: Uuid,
    entries: i32,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO hub_batch (group_id, desk_id, id, entries, received_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(group_id)
    .bind(desk_id)
    .bind(id)
    .bind(entries)
    .bind(at)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
