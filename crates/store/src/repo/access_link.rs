//! The `access_link` table: temporary customer links, stored by the SHA-256 of their token.
//! Every statement on the table is here, compile-checked, except the issuing write, which is
//! several statements in one round trip (see [`issue`]).

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::CustomerId;
use sqlx::SqliteConnection;

use crate::audit::{AuditEvent, ChainHead};
use crate::write::{Stamp, Write};
use crate::{ts, Store};

/// A link as stored (times in the stored format).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub id: String,
    pub customer_id: String,
    pub purpose: String,
    pub issued_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub opened_at: Option<String>,
    pub redeemed_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    pub failed_checks: i64,
    pub token_hash: String,
}

/// A link to issue.
#[derive(Debug, Clone)]
pub struct NewLinkRow<'a> {
    pub token_hash: &'a str,
    pub customer_id: &'a str,
    pub purpose: &'a str,
    pub application_id: Option<&'a str>,
    pub issued_by: &'a str,
    pub expires_at: &'a str,
    /// The contract a `remote_signing` link is bound to.
    pub document_id: Option<&'a str>,
}

/// Links, newest first (at most 500), of one customer or of all.
pub async fn list(
    store: &Store,
    customer_id: Option<&CustomerId>,
) -> Result<Vec<LinkRow>, sqlx::Error> {
    let customer_id = customer_id.map(CustomerId::as_str);
    sqlx::query_as!(
        LinkRow,
        r#"SELECT id, customer_id, purpose, issued_by, created_at, expires_at, opened_at,
                  redeemed_at, revoked_at, revoke_reason, failed_checks, token_hash
           FROM access_link WHERE ?1 IS NULL OR customer_id = ?1
           ORDER BY created_at DESC, id DESC LIMIT 500"#,
        customer_id
    )
    .fetch_all(store.pool())
    .await
}

/// A link by id.
pub async fn get(store: &Store, id: &str) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as!(
        LinkRow,
        r#"SELECT id, customer_id, purpose, issued_by, created_at, expires_at, opened_at,
                  redeemed_at, revoked_at, revoke_reason, failed_checks, token_hash
           FROM access_link WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// The link whose token has this hash.
pub async fn by_token_hash(
    conn: &mut SqliteConnection,
    token_hash: &str,
) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as!(
        LinkRow,
        r#"SELECT id, customer_id, purpose, issued_by, created_at, expires_at, opened_at,
                  redeemed_at, revoked_at, revoke_reason, failed_checks, token_hash
           FROM access_link WHERE token_hash = ?1"#,
        token_hash
    )
    .fetch_optional(conn)
    .await
}

/// When a link was revoked (`Some(None)`: it exists and is not revoked).
pub async fn revoked_at(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT revoked_at FROM access_link WHERE id = ?1"#, id)
        .fetch_optional(conn)
        .await
}

/// The contract a link is bound to (`Some(None)`: the link exists and is bound to none).
pub async fn document_of(store: &Store, id: &str) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT document_id FROM access_link WHERE id = ?1"#, id)
        .fetch_optional(store.pool())
        .await
}

/// Issues a link at `now` and appends `event` to the audit chain, in one write transaction:
/// the journal row, the link and the read of the chain's head go in one round trip to the
/// database thread (issuing has a 1 ms budget), and the link's `change_seq` is the journal
/// row's seq (its rowid). Several statements in one call cannot be a compile-checked macro,
/// hence the runtime query.
pub async fn issue(
    store: &Store,
    now: DateTime<Utc>,
    id: &str,
    link: &NewLinkRow<'_>,
    event: &AuditEvent,
) -> Result<(), sqlx::Error> {
    static WRITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            r#"INSERT INTO change_log (table_name, row_id, op, device_id, at)
               VALUES ('access_link', ?1, 'insert', ?9, ?8);
               INSERT INTO access_link (id, token_hash, customer_id, purpose, application_id,
                   issued_by, expires_at, created_at, updated_at, device_id, change_seq, document_id)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, last_insert_rowid(), ?10);
               {}"#,
            ChainHead::QUERY
        )
    });
    let mut tx = store.begin_write().await?;
    let last: Option<(i64, String)> = sqlx::query_as(&WRITE)
        .bind(id)
        .bind(link.token_hash)
        .bind(link.customer_id)
        .bind(link.purpose)
        .bind(link.application_id)
        .bind(link.issued_by)
        .bind(link.expires_at)
        .bind(ts(now))
        .bind(store.device_id())
        .bind(link.document_id)
        .fetch_optional(&mut *tx)
        .await?;
    let mut chain = ChainHead::from_last(last);
    chain.stage(now, event);
    chain.seal(&mut tx, store.cipher()).await?;
    tx.commit().await
}

/// Revokes a link that is not revoked, by `revoked_by` (journaled as `update`).
pub async fn revoke(w: &mut Write<'_>, id: &str, revoked_by: &str) -> Result<(), sqlx::Error> {
    let s = w.change("access_link", id, "update").await?;
    sqlx::query!(
        r#"UPDATE access_link SET revoked_at = ?2, revoked_by = ?3, revoke_reason = 'staff',
               updated_at = ?2, device_id = ?4, change_seq = ?5
           WHERE id = ?1 AND revoked_at IS NULL"#,
        id,
        s.at,
        revoked_by,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Marks a link opened (journaled as `update`).
pub async fn mark_opened(w: &mut Write<'_>, id: &str) -> Result<(), sqlx::Error> {
    let s = w.change("access_link", id, "update").await?;
    sqlx::query!(
        r#"UPDATE access_link SET opened_at = ?2, updated_at = ?2, device_id = ?3, change_seq = ?4
           WHERE id = ?1 AND opened_at IS NULL"#,
        id,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Records a failed knowledge check as journaled in `s`: `failures` in all, and when `burn`,
/// the link revoked by the system.
pub async fn record_failed_check(
    conn: &mut SqliteConnection,
    id: &str,
    failures: i64,
    burn: bool,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE access_link SET failed_checks = ?2, updated_at = ?3, device_id = ?4, change_seq = ?5,
               revoked_at = CASE WHEN ?6 THEN ?3 ELSE revoked_at END,
               revoked_by = CASE WHEN ?6 THEN 'system' ELSE revoked_by END,
               revoke_reason = CASE WHEN ?6 THEN 'knowledge_check' ELSE revoke_reason END
           WHERE id = ?1"#,
        id,
        failures,
        s.at,
        s.device_id,
        s.seq,
        burn,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Consumes a link as journaled in `s`, when it is not redeemed, not revoked and not expired:
/// how many rows changed (1 or 0).
pub async fn consume(conn: &mut SqliteConnection, id: &str, s: &Stamp) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE access_link SET redeemed_at = ?2, opened_at = COALESCE(opened_at, ?2), updated_at = ?2,
               device_id = ?3, change_seq = ?4
           WHERE id = ?1 AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > ?2"#,
        id,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Every link whose token hash is in `token_hashes` (a JSON array), with its customer's
/// encrypted date of birth and current ZIP, as one JSON array of arrays (the rows of a query
/// reach the caller one message each): `[id, customer_id, purpose, expires_at, opened_at,
/// redeemed_at, revoked_at, revoked_by, revoke_reason, failed_checks, updated_at, change_seq,
/// token_hash, dob_enc, zip]`. Reads the customer tables: the batch redemption needs it all in
/// one statement.
pub async fn batch_with_facts(
    conn: &mut SqliteConnection,
    token_hashes: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT json_group_array(json_array(l.id, l.customer_id, l.purpose, l.expires_at,
                  l.opened_at, l.redeemed_at, l.revoked_at, l.revoked_by, l.revoke_reason,
                  l.failed_checks, l.updated_at, l.change_seq, l.token_hash, c.dob_enc, a.zip))
                  AS "links?: String"
           FROM access_link l
           LEFT JOIN customer c ON c.id = l.customer_id
           LEFT JOIN customer_address a ON a.customer_id = l.customer_id AND a.kind = 'current'
           WHERE l.token_hash IN (SELECT value FROM json_each(?1))"#,
        token_hashes
    )
    .fetch_one(conn)
    .await
}

/// Writes the new state of several links in one statement, already journaled: `updates` is a
/// JSON array of `[id, failed_checks, updated_at, change_seq, opened_at, redeemed_at,
/// revoked_at, revoked_by, revoke_reason]`.
pub async fn update_batch(
    conn: &mut SqliteConnection,
    updates: &str,
    device_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE access_link SET failed_checks = u.value ->> 1, updated_at = u.value ->> 2,
               device_id = ?2, change_seq = u.value ->> 3, opened_at = u.value ->> 4,
               redeemed_at = u.value ->> 5, revoked_at = u.value ->> 6,
               revoked_by = u.value ->> 7, revoke_reason = u.value ->> 8
           FROM json_each(?1) AS u
           WHERE access_link.id = u.value ->> 0"#,
        updates,
        device_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
