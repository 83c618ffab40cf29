//! The `lender` table: the lenders the desk submits to, created and renamed by their rate-sheet
//! imports. Every statement that writes the table is here, compile-checked.

use sqlx::SqliteConnection;

use crate::write::Write;

/// A lender's code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenderName {
    pub code: String,
    pub name: String,
}

/// The id of the lender with this code (upper case, as stored).
pub async fn id_by_code(
    conn: &mut SqliteConnection,
    code: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT id FROM lender WHERE code = ?1"#, code)
        .fetch_optional(conn)
        .await
}

/// Whether an active lender has this id.
pub async fn is_active(conn: &mut SqliteConnection, id: &str) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(r#"SELECT id FROM lender WHERE id = ?1 AND active = 1"#, id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// A lender's code and name.
pub async fn name_of(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<LenderName>, sqlx::Error> {
    sqlx::query_as!(
        LenderName,
        r#"SELECT code, name FROM lender WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Adds an active lender (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &str,
    code: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    let s = w.change("lender", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO lender (id, code, name, active, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6)"#,
        id,
        code,
        name,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Renames a lender (journaled as `update`).
pub async fn rename(w: &mut Write<'_>, id: &str, name: &str) -> Result<(), sqlx::Error> {
    let s = w.change("lender", id, "update").await?;
    sqlx::query!(
        r#"UPDATE lender SET name = ?2, updated_at = ?3, device_id = ?4, change_seq = ?5
           WHERE id = ?1"#,
        id,
        name,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}
