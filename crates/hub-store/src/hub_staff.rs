//! The hub's staff (`hub_staff`): the group's hub administrators and their argon2id hashes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A hub staff account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HubStaffRow {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts a staff account (`role` is checked by the table: `admin`).
pub async fn insert(
    c: &mut PgConnection,
    group_id: Uuid,
    row: &HubStaffRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO hub_staff (group_id, id, username, password_hash, role, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(group_id)
    .bind(row.id)
    .bind(&row.username)
    .bind(&row.password_hash)
    .bind(&row.role)
    .bind(row.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The account of this username in the group, if any.
pub async fn by_username(
    c: &mut PgConnection,
    group_id: Uuid,
    username: &str,
) -> Result<Option<HubStaffRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, password_hash, role, created_at FROM hub_staff \
         WHERE group_id = $1 AND username = $2",
    )
    .bind(group_id)
    .bind(username)
    .fetch_optional(c)
    .await
}

/// The group's first admin (the one `hub init` made), if any.
pub async fn first_admin(
    c: &mut PgConnection,
    group_id: Uuid,
) -> Result<Option<HubStaffRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, password_hash, role, created_at FROM hub_staff \
         WHERE group_id = $1 AND role = 'admin' ORDER BY created_at, id LIMIT 1",
    )
    .bind(group_id)
    .fetch_optional(c)
    .await
}
