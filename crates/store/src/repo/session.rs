//! The `session` table: staff sign-in sessions on this desk, found by the SHA-256 of their
//! token. Sessions are local to the desk and are not journaled. Every statement on the table is
//! here, compile-checked.

use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A session as stored (times in the stored format).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: String,
    pub staff_id: String,
    /// `mfa_pending`, `enrolment_pending`, `active`, `locked` or `ended`.
    pub stage: String,
    pub mfa_bypassed: bool,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
}

/// A new session's fields.
#[derive(Debug, Clone)]
pub struct NewSessionRow<'a> {
    pub token_hash: &'a str,
    pub staff_id: &'a str,
    pub stage: &'a str,
    pub mfa_bypassed: bool,
    /// Also its first `last_seen_at`.
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

/// The session whose token has this hash.
pub async fn by_token_hash(
    conn: &mut SqliteConnection,
    token_hash: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as!(
        SessionRow,
        r#"SELECT id, staff_id, stage, mfa_bypassed AS "mfa_bypassed: bool", created_at,
                  last_seen_at, expires_at
           FROM session WHERE token_hash = ?1"#,
        token_hash
    )
    .fetch_optional(conn)
    .await
}

/// Opens a session.
pub async fn insert(w: &mut Write<'_>, id: &str, f: &NewSessionRow<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO session (id, token_hash, staff_id, stage, mfa_bypassed, created_at,
                                last_seen_at, expires_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)"#,
        id,
        f.token_hash,
        f.staff_id,
        f.stage,
        f.mfa_bypassed,
        f.created_at,
        f.expires_at,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Makes a session active, seen at `at`.
pub async fn activate(w: &mut Write<'_>, id: &str, at: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE session SET stage = 'active', last_seen_at = ?2 WHERE id = ?1"#,
        id,
        at
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Locks a session (the idle lock).
pub async fn lock(w: &mut Write<'_>, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"UPDATE session SET stage = 'locked' WHERE id = ?1"#, id)
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Locks the active session whose token has this hash; its staff member's username when there
/// was one.
pub async fn lock_active_by_token_hash(
    w: &mut Write<'_>,
    token_hash: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE session SET stage = 'locked' WHERE token_hash = ?1 AND stage = 'active'
           RETURNING (SELECT username FROM staff WHERE staff.id = session.staff_id)
               AS "username!: String""#,
        token_hash
    )
    .fetch_optional(w.conn())
    .await
}

/// Ends a session that has not ended; its staff member's username when it had not.
pub async fn end(w: &mut Write<'_>, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE session SET stage = 'ended' WHERE id = ?1 AND stage <> 'ended'
           RETURNING (SELECT username FROM staff WHERE staff.id = session.staff_id)
               AS "username!: String""#,
        id
    )
    .fetch_optional(w.conn())
    .await
}

/// Ends every open session of a staff member.
pub async fn end_all_of(w: &mut Write<'_>, staff_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE session SET stage = 'ended' WHERE staff_id = ?1 AND stage <> 'ended'"#,
        staff_id
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Records activity on a session at `at`, outside any write transaction: it is a one-row
/// touch on the read pool, as it was before the store owned it, so a command does not queue
/// for the desk's write connection just to refresh this.
pub async fn touch(store: &Store, id: &str, at: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE session SET last_seen_at = ?2 WHERE id = ?1"#,
        id,
        at
    )
    .execute(store.pool())
    .await?;
    Ok(())
}
