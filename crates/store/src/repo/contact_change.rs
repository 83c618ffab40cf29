//! The `contact_change` table: contact corrections a customer sent through a link, waiting for
//! (or after) staff review. Every statement on the table is here, compile-checked.

use crate::write::Write;
use crate::Store;
use dealerdesk_rules::ids::CustomerId;

/// A correction as stored (`fields` is the JSON object of the corrected fields).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactChangeRow {
    pub id: String,
    pub customer_id: String,
    pub link_id: String,
    pub fields: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub created_at: String,
}

/// Records a pending correction (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &str,
    customer_id: &CustomerId,
    link_id: &str,
    fields: &str,
) -> Result<(), sqlx::Error> {
    let customer_id = customer_id.as_str();
    let s = w.change("contact_change", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO contact_change (id, customer_id, link_id, fields, status, created_at,
                                       updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?6, ?7)"#,
        id,
        customer_id,
        link_id,
        fields,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// A correction by id.
pub async fn get(store: &Store, id: &str) -> Result<Option<ContactChangeRow>, sqlx::Error> {
    sqlx::query_as!(
        ContactChangeRow,
        r#"SELECT id, customer_id, link_id, fields, status, reviewed_by, reviewed_at, created_at
           FROM contact_change WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// Corrections of one customer, or the pending ones of all, newest first (at most 200).
pub async fn list(
    store: &Store,
    customer_id: Option<&CustomerId>,
) -> Result<Vec<ContactChangeRow>, sqlx::Error> {
    let customer_id = customer_id.map(CustomerId::as_str);
    sqlx::query_as!(
        ContactChangeRow,
        r#"SELECT id, customer_id, link_id, fields, status, reviewed_by, reviewed_at, created_at
           FROM contact_change
           WHERE (?1 IS NULL AND status = 'pending') OR customer_id = ?1
           ORDER BY created_at DESC LIMIT 200"#,
        customer_id
    )
    .fetch_all(store.pool())
    .await
}

/// Records the review of a pending correction: `approved` or `rejected` by `reviewed_by`
/// (journaled as `update`).
pub async fn review(
    w: &mut Write<'_>,
    id: &str,
    status: &str,
    reviewed_by: &str,
) -> Result<(), sqlx::Error> {
    let s = w.change("contact_change", id, "update").await?;
    sqlx::query!(
        r#"UPDATE contact_change SET status = ?2, reviewed_by = ?3, reviewed_at = ?4, updated_at = ?4,
               device_id = ?5, change_seq = ?6 WHERE id = ?1 AND status = 'pending'"#,
        id,
        status,
        reviewed_by,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}
