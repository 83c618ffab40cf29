//! Enrolment codes (`enrolment_code`): single-use, expiring; only the code's SHA-256 is stored.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// An enrolment code as stored (without the code itself, which the hub never keeps).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnrolmentCodeRow {
    pub group_id: Uuid,
    pub id: Uuid,
    pub rooftop_id: Uuid,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub used_by_desk: Option<Uuid>,
}

/// Inserts a code by its hash.
pub async fn insert(
    c: &mut PgConnection,
    row: &EnrolmentCodeRow,
    code_sha256: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO enrolment_code (group_id, id, code_sha256, rooftop_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(row.group_id)
    .bind(row.id)
    .bind(code_sha256)
    .bind(row.rooftop_id)
    .bind(row.created_by)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The code with this hash, used or not.
pub async fn by_hash(
    c: &mut PgConnection,
    code_sha256: &[u8],
) -> Result<Option<EnrolmentCodeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT group_id, id, rooftop_id, created_by, created_at, expires_at, used_at, used_by_desk \
         FROM enrolment_code WHERE code_sha256 = $1",
    )
    .bind(code_sha256)
    .fetch_optional(c)
    .await
}

/// Marks the code used by `desk_id` if it is still unused and unexpired at `at`; returns whether
/// it was (the single-use check: of two transactions racing one code, one changes the row).
pub async fn mark_used(
    c: &mut PgConnection,
    group_id: Uuid,
    id: Uuid,
    desk_id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE enrolment_code SET used_at = $3, used_by_desk = $4 \
         WHERE group_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(group_id)
    .bind(id)
    .bind(at)
    .bind(desk_id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
