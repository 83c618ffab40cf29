//! Rooftops (`rooftop`): a group's dealerships, by name.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A rooftop as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RooftopRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// The rooftop of this name in the group, if any.
pub async fn by_name(
    c: &mut PgConnection,
    group_id: Uuid,
    name: &str,
) -> Result<Option<RooftopRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, created_at FROM rooftop WHERE group_id = $1 AND name = $2")
        .bind(group_id)
        .bind(name)
        .fetch_optional(c)
        .await
}

/// The rooftop by id.
pub async fn get(
    c: &mut PgConnection,
    group_id: Uuid,
    id: Uuid,
) -> Result<Option<RooftopRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, created_at FROM rooftop WHERE group_id = $1 AND id = $2")
        .bind(group_id)
        .bind(id)
        .fetch_optional(c)
        .await
}

/// Inserts a rooftop.
pub async fn insert(
    c: &mut PgConnection,
    group_id: Uuid,
    id: Uuid,
    name: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO rooftop (group_id, id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(group_id)
        .bind(id)
        .bind(name)
        .bind(at)
        .execute(c)
        .await?;
    Ok(())
}
