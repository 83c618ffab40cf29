//! The dealer group (`dealer_group`): the tenant every other hub row belongs to.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A dealer group as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts the group.
pub async fn insert(
    c: &mut PgConnection,
    id: Uuid,
    name: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dealer_group (group_id, id, name, created_at) VALUES ($1, $1, $2, $3)",
    )
    .bind(id)
    .bind(name)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// Every group, oldest first (this slice's hub holds one).
pub async fn list(c: &mut PgConnection) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, created_at FROM dealer_group ORDER BY created_at, id")
        .fetch_all(c)
        .await
}
