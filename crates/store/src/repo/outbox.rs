//! The `outbox` table: e-mail and SMS messages waiting for delivery (subject and body encrypted
//! as stored). Every statement on the table is here, compile-checked.

use crate::write::Write;
use crate::Store;

/// A message to queue (the insert makes it `pending` with no attempts, stamped now).
#[derive(Debug, Clone)]
pub struct NewOutboxRow<'a> {
    /// `email` or `sms`.
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject_enc: Option<&'a str>,
    pub body_enc: &'a str,
    pub customer_id: Option<&'a str>,
    pub link_id: Option<&'a str>,
    /// UTC, in the stored format.
    pub next_attempt_at: &'a str,
}

/// A queued message as the desk lists it (no subject or body).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxListRow {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub link_id: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
}

/// A message that is due, with its sealed subject and body.
#[derive(Debug, Clone, PartialEq)]
pub struct DueOutboxRow {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject_enc: Option<String>,
    pub body_enc: String,
    pub attempts: i64,
    pub created_at: String,
}

/// What one delivery attempt left on a message.
#[derive(Debug, Clone)]
pub struct OutboxAttempt<'a> {
    /// `pending`, `sent` or `failed`.
    pub status: &'a str,
    pub attempts: i64,
    pub next_attempt_at: &'a str,
    pub last_error: Option<&'a str>,
}

/// Queues a message (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &str,
    row: &NewOutboxRow<'_>,
) -> Result<(), sqlx::Error> {
    let s = w.change("outbox", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO outbox (id, channel, recipient, subject_enc, body_enc, customer_id, link_id, status,
               attempts, next_attempt_at, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?9, ?9, ?10, ?11)"#,
        id,
        row.channel,
        row.recipient,
        row.subject_enc,
        row.body_enc,
        row.customer_id,
        row.link_id,
        row.next_attempt_at,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The newest 200 messages.
pub async fn newest(store: &Store) -> Result<Vec<OutboxListRow>, sqlx::Error> {
    sqlx::query_as!(
        OutboxListRow,
        r#"SELECT id, channel, recipient, link_id, status, attempts, next_attempt_at, last_error,
                  sent_at, created_at
           FROM outbox ORDER BY created_at DESC LIMIT 200"#,
    )
    .fetch_all(store.pool())
    .await
}

/// Up to 100 pending messages due at `now` (stored format), the longest-waiting first.
pub async fn due(store: &Store, now: &str) -> Result<Vec<DueOutboxRow>, sqlx::Error> {
    sqlx::query_as!(
        DueOutboxRow,
        r#"SELECT id, channel, recipient, subject_enc, body_enc, attempts, created_at FROM outbox
           WHERE status = 'pending' AND next_attempt_at <= ?1
           ORDER BY next_attempt_at, id LIMIT 100"#,
        now,
    )
    .fetch_all(store.pool())
    .await
}

/// Records a delivery attempt (journaled as `update`); a `sent` message keeps the time it went.
pub async fn record_attempt(
    w: &mut Write<'_>,
    id: &str,
    a: &OutboxAttempt<'_>,
) -> Result<(), sqlx::Error> {
    let s = w.change("outbox", id, "update").await?;
    sqlx::query!(
        r#"UPDATE outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5,
               sent_at = CASE WHEN ?2 = 'sent' THEN ?6 ELSE sent_at END,
               updated_at = ?6, device_id = ?7, change_seq = ?8
           WHERE id = ?1"#,
        id,
        a.status,
        a.attempts,
        a.next_attempt_at,
        a.last_error,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Re-encrypts every queued message's subject and body under `new`, inside the caller's
/// transaction. Returns the number of messages.
pub async fn reencrypt(
    conn: &mut sqlx::SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    use crate::crypto::{reseal, reseal_opt};
    let rows = sqlx::query!(r#"SELECT id, subject_enc, body_enc FROM outbox ORDER BY id"#)
        .fetch_all(&mut *conn)
        .await?;
    let mut count = 0;
    for r in rows {
        let subject = reseal_opt(
            old,
            new,
            r.subject_enc.as_deref(),
            &format!("outbox.subject:{}", r.id),
        )?;
        let body = reseal(old, new, &r.body_enc, &format!("outbox.body:{}", r.id))?;
        sqlx::query!(
            r#"UPDATE outbox SET subject_enc = ?2, body_enc = ?3 WHERE id = ?1"#,
            r.id,
            subject,
            body,
        )
        .execute(&mut *conn)
        .await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ts, OpenMode};
    use chrono::Utc;

    #[tokio::test]
    async fn a_queued_message_is_pending_stamped_and_due() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("desk.db"), OpenMode::CreateIfMissing)
            .await
            .expect("store");
        let now = Utc::now();
        let at = ts(now);
        let mut w = store.write(now).await.expect("write");
        insert(
            &mut w,
            "o-1",
            &NewOutboxRow {
                channel: "email",
                recipient: "pat@example.com",
                subject_enc: Some("sealed-subject"),
                body_enc: "sealed-body",
                customer_id: None,
                link_id: None,
                next_attempt_at: &at,
            },
        )
        .await
        .expect("insert");
        w.commit().await.expect("commit");

        let listed = newest(&store).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (
                listed[0].status.as_str(),
                listed[0].attempts,
                listed[0].created_at.as_str()
            ),
            ("pending", 0, at.as_str())
        );
        let due_now = due(&store, &at).await.expect("due");
        assert_eq!(due_now.len(), 1);
        assert_eq!(due_now[0].body_enc, "sealed-body");
        let (device, seq): (String, i64) =
            sqlx::query_as("SELECT device_id, change_seq FROM outbox WHERE id = 'o-1'")
                .fetch_one(store.pool())
                .await
                .expect("stamp");
        let journaled: i64 = sqlx::query_scalar(
            "SELECT seq FROM change_log WHERE table_name = 'outbox' AND row_id = 'o-1' AND op = 'insert'",
        )
        .fetch_one(store.pool())
        .await
        .expect("journal");
        assert_eq!((device.as_str(), seq), (store.device_id(), journaled));
    }
}
