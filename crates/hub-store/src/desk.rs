//! Desks (`desk`): the PCs enrolled in a group, their public keys and revocation.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A desk as stored, with its rooftop's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeskRow {
    pub id: Uuid,
    pub rooftop_id: Uuid,
    pub rooftop: String,
    pub name: String,
    pub ed25519_public: Vec<u8>,
    pub x25519_public: Vec<u8>,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
}

/// What a new desk is stored with.
#[derive(Debug, Clone)]
pub struct NewDesk<'a> {
    pub id: Uuid,
    pub rooftop_id: Uuid,
    pub name: &'a str,
    pub ed25519_public: &'a [u8],
    pub x25519_public: &'a [u8],
    pub enrolled_at: DateTime<Utc>,
}

/// Inserts a desk.
pub async fn insert(
    c: &mut PgConnection,
    group_id: Uuid,
    d: &NewDesk<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO desk (group_id, id, rooftop_id, name, ed25519_public, x25519_public, enrolled_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(group_id)
    .bind(d.id)
    .bind(d.rooftop_id)
    .bind(d.name)
    .bind(d.ed25519_public)
    .bind(d.x25519_public)
    .bind(d.enrolled_at)
    .execute(c)
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT d.id, d.rooftop_id, r.name AS rooftop, d.name, d.ed25519_public, \
     d.x25519_public, d.enrolled_at, d.revoked_at, d.revoked_by \
     FROM desk d JOIN rooftop r ON r.group_id = d.group_id AND r.id = d.rooftop_id";

/// The group's desks, in order of enrolment.
pub async fn list(c: &mut PgConnection, group_id: Uuid) -> Result<Vec<DeskRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE d.group_id = $1 ORDER BY d.enrolled_at, d.id"
    ))
    .bind(group_id)
    .fetch_all(c)
    .await
}

/// One desk of the group.
pub async fn get(
    c: &mut PgConnection,
    group_id: Uuid,
    id: Uuid,
) -> Result<Option<DeskRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} WHERE d.group_id = $1 AND d.id = $2"))
        .bind(group_id)
        .bind(id)
        .fetch_optional(c)
        .await
}

/// Marks a desk revoked if it is not already; returns whether a row changed.
pub async fn revoke(
    c: &mut PgConnection,
    group_id: Uuid,
    id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE desk SET revoked_at = $3, revoked_by = $4 \
         WHERE group_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(group_id)
    .bind(id)
    .bind(at)
    .bind(by)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
