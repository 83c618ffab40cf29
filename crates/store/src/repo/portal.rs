//! The customer portal's tables: `portal_session` (a customer's session after a link's
//! knowledge check; local, not journaled) and `portal_account` (the customer's portal login
//! with its sealed TOTP secrets). Every statement on them is here, compile-checked.

use dealerdesk_rules::ids::CustomerId;
use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A portal session with what it needs of its link (times in the stored format).
#[derive(Debug, Clone, PartialEq)]
pub struct PortalSessionRow {
    pub id: String,
    pub link_id: String,
    pub customer_id: String,
    pub stage: String,
    pub expires_at: String,
    pub ended_at: Option<String>,
    /// The link's purpose and revocation.
    pub purpose: String,
    pub revoked_at: Option<String>,
}

/// A portal session to open.
#[derive(Debug, Clone)]
pub struct NewPortalSessionRow<'a> {
    pub token_hash: &'a str,
    pub link_id: &'a str,
    pub customer_id: &'a str,
    pub stage: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

/// A portal account's TOTP enrolment state.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountTotpRow {
    pub id: String,
    pub login: String,
    pub totp_pending_enc: Option<String>,
    pub totp_last_step: Option<i64>,
}

/// A portal account's password and the TOTP secret waiting for its first code.
#[derive(Debug, Clone)]
pub struct AccountPasswordRow<'a> {
    pub customer_id: &'a str,
    pub login: &'a str,
    pub password_hash: &'a str,
    pub totp_pending_enc: &'a str,
}

/// The session whose token has this hash, with its link's purpose and revocation.
pub async fn session_by_token_hash(
    store: &Store,
    token_hash: &str,
) -> Result<Option<PortalSessionRow>, sqlx::Error> {
    sqlx::query_as!(
        PortalSessionRow,
        r#"SELECT s.id, s.link_id, s.customer_id, s.stage, s.expires_at, s.ended_at, l.purpose,
                  l.revoked_at
           FROM portal_session s JOIN access_link l ON l.id = s.link_id
           WHERE s.token_hash = ?1"#,
        token_hash
    )
    .fetch_optional(store.pool())
    .await
}

/// Opens a portal session inside the caller's transaction.
pub async fn insert_session(
    conn: &mut SqliteConnection,
    id: &str,
    f: &NewPortalSessionRow<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO portal_session (id, token_hash, link_id, customer_id, stage, created_at,
                                       expires_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
        id,
        f.token_hash,
        f.link_id,
        f.customer_id,
        f.stage,
        f.created_at,
        f.expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens several portal sessions in one statement: `sessions` is a JSON array of `[id,
/// token_hash, link_id, customer_id, stage, created_at, expires_at]`, inserted in order.
pub async fn insert_sessions(
    conn: &mut SqliteConnection,
    sessions: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO portal_session (id, token_hash, link_id, customer_id, stage, created_at, expires_at)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                  value ->> 6
           FROM json_each(?1) ORDER BY key"#,
        sessions
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a session to another step.
pub async fn set_stage(w: &mut Write<'_>, id: &str, stage: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE portal_session SET stage = ?2 WHERE id = ?1"#,
        id,
        stage
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Ends a session that has not ended, with its work done (stage `done`), at `at`.
pub async fn finish(w: &mut Write<'_>, id: &str, at: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE portal_session SET stage = 'done', ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL"#,
        id,
        at
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Ends, at `at`, every session opened through a link and still open.
pub async fn end_for_link(
    conn: &mut SqliteConnection,
    link_id: &str,
    at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE portal_session SET ended_at = ?2 WHERE link_id = ?1 AND ended_at IS NULL"#,
        link_id,
        at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// [`end_for_link`] for several links in one statement: `ended` is a JSON array of `[link_id,
/// at]`.
pub async fn end_for_links(conn: &mut SqliteConnection, ended: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE portal_session SET ended_at = e.value ->> 1
           FROM json_each(?1) AS e
           WHERE portal_session.link_id = e.value ->> 0 AND portal_session.ended_at IS NULL"#,
        ended
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The id of a customer's portal account, if they have one.
pub async fn account_of(
    conn: &mut SqliteConnection,
    customer_id: &CustomerId,
) -> Result<Option<String>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT id FROM portal_account WHERE customer_id = ?1"#,
        customer_id
    )
    .fetch_optional(conn)
    .await
}

/// A customer's portal account's TOTP enrolment state.
pub async fn account_totp(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<AccountTotpRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        AccountTotpRow,
        r#"SELECT id, login, totp_pending_enc, totp_last_step FROM portal_account
           WHERE customer_id = ?1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// Creates the account `id` or sets its password and pending TOTP secret (journaled as `op`,
/// `insert` or `update`).
pub async fn set_password(
    w: &mut Write<'_>,
    id: &str,
    op: &str,
    f: &AccountPasswordRow<'_>,
) -> Result<(), sqlx::Error> {
    let s = w.change("portal_account", id, op).await?;
    sqlx::query!(
        r#"INSERT INTO portal_account (id, customer_id, login, password_hash, totp_pending_enc,
               created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)
           ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash,
               totp_pending_enc = excluded.totp_pending_enc, updated_at = excluded.updated_at,
               device_id = excluded.device_id, change_seq = excluded.change_seq"#,
        id,
        f.customer_id,
        f.login,
        f.password_hash,
        f.totp_pending_enc,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Makes the pending TOTP secret the account's, with the accepted time step (journaled as
/// `update`).
pub async fn confirm_totp(w: &mut Write<'_>, id: &str, step: i64) -> Result<(), sqlx::Error> {
    let s = w.change("portal_account", id, "update").await?;
    sqlx::query!(
        r#"UPDATE portal_account SET totp_secret_enc = totp_pending_enc, totp_pending_enc = NULL,
               totp_last_step = ?2, updated_at = ?3, device_id = ?4, change_seq = ?5
           WHERE id = ?1"#,
        id,
        step,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Re-encrypts every portal account's TOTP secret (and pending secret) under `new`, inside the
/// caller's transaction. Returns the number of secrets re-encrypted.
pub async fn reencrypt(
    conn: &mut SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    use crate::crypto::reseal_opt;
    let rows = sqlx::query!(
        r#"SELECT id, totp_secret_enc, totp_pending_enc FROM portal_account
           WHERE totp_secret_enc IS NOT NULL OR totp_pending_enc IS NOT NULL ORDER BY id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut count = 0;
    for r in rows {
        let ctx = format!("portal_account.totp:{}", r.id);
        let secret = reseal_opt(old, new, r.totp_secret_enc.as_deref(), &ctx)?;
        let pending = reseal_opt(old, new, r.totp_pending_enc.as_deref(), &ctx)?;
        count += u64::from(secret.is_some()) + u64::from(pending.is_some());
        sqlx::query!(
            r#"UPDATE portal_account SET totp_secret_enc = ?2, totp_pending_enc = ?3
               WHERE id = ?1"#,
            r.id,
            secret,
            pending,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(count)
}
