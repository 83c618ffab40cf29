//! The `lender_outbox` table: signed messages to lenders and where each stands. Every statement
//! that writes the table is here, compile-checked.

use dealerdesk_rules::ids::ApplicationId;
use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A message still to be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRow {
    pub id: String,
    pub application_id: String,
    pub lender_id: String,
    pub rate_sheet_id: String,
    pub payload_json: String,
    pub signature: String,
    pub created_at: String,
}

/// What a new submission stores.
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    pub application_id: &'a str,
    pub lender_id: &'a str,
    pub rate_sheet_id: &'a str,
    pub payload_json: &'a str,
    pub signature: &'a str,
}

/// Queues a `submit` message (journaled as `insert`).
pub async fn insert(w: &mut Write<'_>, id: &str, m: &NewMessage<'_>) -> Result<(), sqlx::Error> {
    let s = w.change("lender_outbox", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO lender_outbox (id, application_id, lender_id, rate_sheet_id, kind,
              payload_json, signature, status, attempts, created_at, updated_at, device_id,
              change_seq)
           VALUES (?1, ?2, ?3, ?4, 'submit', ?5, ?6, 'pending', 0, ?7, ?7, ?8, ?9)"#,
        id,
        m.application_id,
        m.lender_id,
        m.rate_sheet_id,
        m.payload_json,
        m.signature,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Every message not yet answered (`pending` or `delivered`), oldest first.
pub async fn waiting(store: &Store) -> Result<Vec<PendingRow>, sqlx::Error> {
    sqlx::query_as!(
        PendingRow,
        r#"SELECT id, application_id, lender_id, rate_sheet_id, payload_json, signature, created_at
           FROM lender_outbox WHERE status IN ('pending', 'delivered') ORDER BY created_at, id"#
    )
    .fetch_all(store.pool())
    .await
}

/// Records one delivery attempt: the new status and error (journaled as `update`).
pub async fn set_status(
    w: &mut Write<'_>,
    id: &str,
    status: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let s = w.change("lender_outbox", id, "update").await?;
    sqlx::query!(
        r#"UPDATE lender_outbox SET status = ?2, last_error = ?3, attempts = attempts + 1,
               updated_at = ?4, device_id = ?5, change_seq = ?6
           WHERE id = ?1"#,
        id,
        status,
        error,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Marks a message answered (journaled as `update`).
pub async fn mark_answered(w: &mut Write<'_>, id: &str) -> Result<(), sqlx::Error> {
    let s = w.change("lender_outbox", id, "update").await?;
    sqlx::query!(
        r#"UPDATE lender_outbox SET status = 'answered', attempts = attempts + 1, updated_at = ?2,
               device_id = ?3, change_seq = ?4
           WHERE id = ?1"#,
        id,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The newest waiting message of an application to a lender: its id and rate sheet.
pub async fn waiting_for(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
    lender_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let application_id = application_id.as_str();
    let row = sqlx::query!(
        r#"SELECT id, rate_sheet_id FROM lender_outbox
           WHERE application_id = ?1 AND lender_id = ?2 AND status IN ('pending', 'delivered')
           ORDER BY created_at DESC, id DESC LIMIT 1"#,
        application_id,
        lender_id,
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.id, r.rate_sheet_id)))
}

/// Signs every lender message again under `new`, inside the caller's transaction. A message
/// whose signature does not verify under `old` keeps it, so it still reads as altered. Returns
/// the number of messages signed again.
pub async fn reencrypt(
    conn: &mut SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    let rows = sqlx::query!(r#"SELECT id, payload_json, signature FROM lender_outbox ORDER BY id"#)
        .fetch_all(&mut *conn)
        .await?;
    let mut count = 0;
    for r in rows {
        if !old.verify_message(r.payload_json.as_bytes(), &r.signature) {
            continue;
        }
        let signature = new.sign_message(r.payload_json.as_bytes());
        sqlx::query!(
            r#"UPDATE lender_outbox SET signature = ?2 WHERE id = ?1"#,
            r.id,
            signature,
        )
        .execute(&mut *conn)
        .await?;
        count += 1;
    }
    Ok(count)
}
