//! The `link_document` table: documents customers uploaded through a link (content encrypted
//! as stored, with its SHA-256). Every statement on the table is here, compile-checked.

use crate::write::Write;
use crate::Store;
use dealerdesk_rules::ids::CustomerId;

/// A document as the desk lists it (no content).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkDocumentRow {
    pub id: String,
    pub customer_id: String,
    pub link_id: String,
    pub stipulation_id: Option<String>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

/// A document with its sealed content.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkDocumentDataRow {
    pub id: String,
    pub customer_id: String,
    pub link_id: String,
    pub stipulation_id: Option<String>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
    pub data_enc: String,
}

/// An uploaded document to store.
#[derive(Debug, Clone)]
pub struct NewLinkDocumentRow<'a> {
    pub link_id: &'a str,
    pub customer_id: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub data_enc: &'a str,
}

/// How many documents came through a link.
pub async fn count_for_link(store: &Store, link_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM link_document WHERE link_id = ?1"#,
        link_id
    )
    .fetch_one(store.pool())
    .await
}

/// Stores an uploaded document, bound to no stipulation (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &str,
    f: &NewLinkDocumentRow<'_>,
) -> Result<(), sqlx::Error> {
    let s = w.change("link_document", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO link_document (id, link_id, customer_id, stipulation_id, file_name, content_type,
               size_bytes, sha256, data_enc, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)"#,
        id,
        f.link_id,
        f.customer_id,
        f.file_name,
        f.content_type,
        f.size_bytes,
        f.sha256,
        f.data_enc,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// A customer's documents, newest first.
pub async fn list_for_customer(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Vec<LinkDocumentRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        LinkDocumentRow,
        r#"SELECT id, customer_id, link_id, stipulation_id, file_name, content_type, size_bytes,
                  sha256, created_at
           FROM link_document WHERE customer_id = ?1 ORDER BY created_at DESC"#,
        customer_id
    )
    .fetch_all(store.pool())
    .await
}

/// A document with its sealed content.
pub async fn get_with_data(
    store: &Store,
    id: &str,
) -> Result<Option<LinkDocumentDataRow>, sqlx::Error> {
    sqlx::query_as!(
        LinkDocumentDataRow,
        r#"SELECT id, customer_id, link_id, stipulation_id, file_name, content_type, size_bytes,
                  sha256, created_at, data_enc
           FROM link_document WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// Re-encrypts every uploaded document's data under `new`, inside the caller's transaction.
/// Returns the number of documents.
pub async fn reencrypt(
    conn: &mut sqlx::SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    let rows = sqlx::query!(r#"SELECT id, data_enc FROM link_document ORDER BY id"#)
        .fetch_all(&mut *conn)
        .await?;
    let mut count = 0;
    for r in rows {
        let sealed =
            crate::crypto::reseal(old, new, &r.data_enc, &format!("link_document:{}", r.id))?;
        sqlx::query!(
            r#"UPDATE link_document SET data_enc = ?2 WHERE id = ?1"#,
            r.id,
            sealed,
        )
        .execute(&mut *conn)
        .await?;
        count += 1;
    }
    Ok(count)
}
