//! The `staff` table: desk accounts, their password hashes, sealed TOTP secrets and lockout
//! counters. Every statement on the table is here, compile-checked. The sign-in bookkeeping
//! (failed attempts, lockout, last TOTP step, pending secret) is local to this desk and is not
//! journaled; account changes are.

use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A staff member as screens see them (no secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub mfa_enrolled: bool,
    pub disabled: bool,
    pub locked_until: Option<String>,
    pub created_at: String,
}

/// What the sign-in steps check.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialsRow {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub totp_secret_enc: Option<String>,
    pub locked_until: Option<String>,
    pub disabled: bool,
}

/// A new account's fields.
#[derive(Debug, Clone)]
pub struct NewStaffRow<'a> {
    /// Lower case.
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

/// An administrator's change to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    Disable,
    Enable,
    /// Clears the TOTP secret (and a pending one, and the last step): enrol again.
    ResetMfa,
    /// Lifts a lockout.
    Unlock,
}

/// A staff member by id.
pub async fn get(conn: &mut SqliteConnection, id: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query_as!(
        StaffRow,
        r#"SELECT id, username, display_name, role,
                  totp_secret_enc IS NOT NULL AS "mfa_enrolled!: bool", disabled AS "disabled: bool",
                  locked_until, created_at
           FROM staff WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// A staff member by id or username.
pub async fn find(store: &Store, id_or_username: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query_as!(
        StaffRow,
        r#"SELECT id, username, display_name, role,
                  totp_secret_enc IS NOT NULL AS "mfa_enrolled!: bool", disabled AS "disabled: bool",
                  locked_until, created_at
           FROM staff WHERE id = ?1 OR username = ?1"#,
        id_or_username
    )
    .fetch_optional(store.pool())
    .await
}

/// Every staff member: active first, then by role and username.
pub async fn list(store: &Store) -> Result<Vec<StaffRow>, sqlx::Error> {
    sqlx::query_as!(
        StaffRow,
        r#"SELECT id, username, display_name, role,
                  totp_secret_enc IS NOT NULL AS "mfa_enrolled!: bool", disabled AS "disabled: bool",
                  locked_until, created_at
           FROM staff ORDER BY disabled, role, username"#
    )
    .fetch_all(store.pool())
    .await
}

/// Every staff member's actor name (`staff:<username>`) and display name, by username.
pub async fn directory(store: &Store) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT 'staff:' || username AS "actor!: String", display_name FROM staff
           ORDER BY username"#
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.actor, r.display_name))
        .collect())
}

/// How many staff accounts exist.
pub async fn count(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM staff"#)
        .fetch_one(conn)
        .await
}

/// How many admins other than `id` are not disabled.
pub async fn other_active_admins(store: &Store, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM staff
           WHERE role = 'admin' AND disabled = 0 AND id <> ?1"#,
        id
    )
    .fetch_one(store.pool())
    .await
}

/// The id of the account with this username, if any.
pub async fn id_of_username(
    conn: &mut SqliteConnection,
    username: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT id FROM staff WHERE username = ?1"#, username)
        .fetch_optional(conn)
        .await
}

/// The sign-in facts of the account with this id.
pub async fn credentials_by_id(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<CredentialsRow>, sqlx::Error> {
    sqlx::query_as!(
        CredentialsRow,
        r#"SELECT id, username, password_hash, totp_secret_enc, locked_until,
                  disabled AS "disabled: bool"
           FROM staff WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// The sign-in facts of the account with this username.
pub async fn credentials_by_username(
    conn: &mut SqliteConnection,
    username: &str,
) -> Result<Option<CredentialsRow>, sqlx::Error> {
    sqlx::query_as!(
        CredentialsRow,
        r#"SELECT id, username, password_hash, totp_secret_enc, locked_until,
                  disabled AS "disabled: bool"
           FROM staff WHERE username = ?1"#,
        username
    )
    .fetch_optional(conn)
    .await
}

/// The sealed pending TOTP secret and the last accepted time step of an account (an error
/// when there is no such account).
pub async fn totp_state(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<(Option<String>, Option<i64>), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT totp_pending_enc, totp_last_step FROM staff WHERE id = ?1"#,
        id
    )
    .fetch_one(conn)
    .await?;
    Ok((r.totp_pending_enc, r.totp_last_step))
}

/// Adds an account (journaled as `insert`).
pub async fn insert(w: &mut Write<'_>, id: &str, f: &NewStaffRow<'_>) -> Result<(), sqlx::Error> {
    let s = w.change("staff", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO staff (id, username, display_name, role, password_hash, created_at,
                              updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)"#,
        id,
        f.username,
        f.display_name,
        f.role,
        f.password_hash,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Applies an administrator's change to an account (journaled as `update`).
pub async fn change(w: &mut Write<'_>, id: &str, change: StaffChange) -> Result<(), sqlx::Error> {
    let s = w.change("staff", id, "update").await?;
    let (at, device, seq) = (&s.at, &s.device_id, s.seq);
    let conn = w.conn();
    match change {
        StaffChange::Disable | StaffChange::Enable => {
            let disabled = i64::from(matches!(change, StaffChange::Disable));
            sqlx::query!(
                r#"UPDATE staff SET disabled = ?5, updated_at = ?2, device_id = ?3, change_seq = ?4
               WHERE id = ?1"#,
                id,
                at,
                device,
                seq,
                disabled
            )
            .execute(conn)
            .await?
        }
        StaffChange::ResetMfa => {
            sqlx::query!(
                r#"UPDATE staff SET totp_secret_enc = NULL, totp_pending_enc = NULL,
                   totp_last_step = NULL, updated_at = ?2, device_id = ?3, change_seq = ?4
               WHERE id = ?1"#,
                id,
                at,
                device,
                seq
            )
            .execute(conn)
            .await?
        }
        StaffChange::Unlock => {
            sqlx::query!(
                r#"UPDATE staff SET locked_until = NULL, failed_attempts = 0, updated_at = ?2,
                   device_id = ?3, change_seq = ?4
               WHERE id = ?1"#,
                id,
                at,
                device,
                seq
            )
            .execute(conn)
            .await?
        }
    };
    Ok(())
}

/// Makes the confirmed TOTP secret the account's and drops the pending one (journaled as
/// `update`).
pub async fn confirm_totp(
    w: &mut Write<'_>,
    id: &str,
    totp_secret_enc: &str,
) -> Result<(), sqlx::Error> {
    let s = w.change("staff", id, "update").await?;
    sqlx::query!(
        r#"UPDATE staff SET totp_secret_enc = ?2, totp_pending_enc = NULL, updated_at = ?3,
               device_id = ?4, change_seq = ?5 WHERE id = ?1"#,
        id,
        totp_secret_enc,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Records the accepted TOTP time step and clears the failure count (not journaled).
pub async fn accept_totp_step(w: &mut Write<'_>, id: &str, step: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE staff SET totp_last_step = ?2, failed_attempts = 0 WHERE id = ?1"#,
        id,
        step
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Stores a sealed TOTP secret waiting for its first code (not journaled).
pub async fn set_totp_pending(
    w: &mut Write<'_>,
    id: &str,
    totp_pending_enc: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE staff SET totp_pending_enc = ?2 WHERE id = ?1"#,
        id,
        totp_pending_enc
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Counts one more failed attempt (not journaled); the count now.
pub async fn count_failure(w: &mut Write<'_>, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE id = ?1
           RETURNING failed_attempts"#,
        id
    )
    .fetch_one(w.conn())
    .await
}

/// Locks the account until `until` (stored format) and clears the failure count (not
/// journaled).
pub async fn lock_out(w: &mut Write<'_>, id: &str, until: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1"#,
        id,
        until
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Clears the failure count and any lockout after a good password (not journaled).
pub async fn clear_failures_and_lockout(w: &mut Write<'_>, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = ?1"#,
        id
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Clears the failure count (not journaled).
pub async fn clear_failures(w: &mut Write<'_>, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"UPDATE staff SET failed_attempts = 0 WHERE id = ?1"#, id)
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Re-encrypts every staff member's TOTP secret (and pending secret) under `new`, inside the
/// caller's transaction. Returns the number of secrets re-encrypted.
pub async fn reencrypt(
    conn: &mut SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    use crate::crypto::reseal_opt;
    let rows = sqlx::query!(
        r#"SELECT id, totp_secret_enc, totp_pending_enc FROM staff
           WHERE totp_secret_enc IS NOT NULL OR totp_pending_enc IS NOT NULL ORDER BY id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut count = 0;
    for r in rows {
        let secret = reseal_opt(
            old,
            new,
            r.totp_secret_enc.as_deref(),
            &format!("staff.totp:{}", r.id),
        )?;
        let pending = reseal_opt(
            old,
            new,
            r.totp_pending_enc.as_deref(),
            &format!("staff.totp_pending:{}", r.id),
        )?;
        count += u64::from(secret.is_some()) + u64::from(pending.is_some());
        sqlx::query!(
            r#"UPDATE staff SET totp_secret_enc = ?2, totp_pending_enc = ?3 WHERE id = ?1"#,
            r.id,
            secret,
            pending,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(count)
}
