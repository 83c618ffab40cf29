//! Where this desk's sync stands: the sync_state row, the hub version of each row it has seen
//! (sync_row_version) and the changes the hub did not take as they were (sync_conflict). Every
//! statement on these tables is here, compile-checked. None of them is journaled: they are this
//! desk's bookkeeping of the sync itself.

use sqlx::SqliteConnection;

use crate::Store;

/// The sync_state row (a desk that never synced reads as all zero).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStateRow {
    pub pushed_seq: i64,
    pub cursor: i64,
    pub hlc: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    pub offline_since: Option<String>,
    pub last_error: Option<String>,
}

/// One entry of the change journal, as the push reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub seq: i64,
    pub table_name: String,
    pub row_id: String,
    pub op: String,
    pub at: String,
    pub hlc: Option<String>,
}

/// A change of this desk the hub did not take as it was, or a hub change this desk could not
/// take, for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRow {
    pub id: String,
    pub seq: i64,
    pub table_name: String,
    pub row_id: String,
    /// `conflict` or `rejected`.
    pub outcome: String,
    pub reason: String,
    pub ours: Option<String>,
    pub theirs: Option<String>,
    pub at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

async fn ensure(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"INSERT OR IGNORE INTO sync_state (id) VALUES (1)"#)
        .execute(conn)
        .await?;
    Ok(())
}

/// The sync state, read inside the caller's transaction.
pub async fn state(conn: &mut SqliteConnection) -> Result<SyncStateRow, sqlx::Error> {
    Ok(sqlx::query_as!(
        SyncStateRow,
        r#"SELECT pushed_seq, cursor, hlc, last_attempt_at, last_success_at, offline_since,
               last_error
           FROM sync_state WHERE id = 1"#
    )
    .fetch_optional(conn)
    .await?
    .unwrap_or_default())
}

/// The sync state, read on its own.
pub async fn read_state(store: &Store) -> Result<SyncStateRow, sqlx::Error> {
    let mut conn = store.pool().acquire().await?;
    state(&mut conn).await
}

/// Every journal entry after `after` has an answer from the hub (or needs none).
pub async fn set_pushed(conn: &mut SqliteConnection, seq: i64) -> Result<(), sqlx::Error> {
    ensure(&mut *conn).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET pushed_seq = MAX(pushed_seq, ?1) WHERE id = 1"#,
        seq
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Every hub change up to `cursor` is applied here.
pub async fn set_cursor(conn: &mut SqliteConnection, cursor: i64) -> Result<(), sqlx::Error> {
    ensure(&mut *conn).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET cursor = MAX(cursor, ?1) WHERE id = 1"#,
        cursor
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the clock reading after a change from the hub was observed (JSON).
pub async fn set_hlc(conn: &mut SqliteConnection, hlc: &str) -> Result<(), sqlx::Error> {
    ensure(&mut *conn).await?;
    sqlx::query!(r#"UPDATE sync_state SET hlc = ?1 WHERE id = 1"#, hlc)
        .execute(conn)
        .await?;
    Ok(())
}

/// The last audit_log seq the hub said it holds (0: none yet).
pub async fn audit_pushed(store: &Store) -> Result<i64, sqlx::Error> {
    let mut conn = store.pool().acquire().await?;
    Ok(
        sqlx::query_scalar!(r#"SELECT audit_pushed_seq FROM sync_state WHERE id = 1"#)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0),
    )
}

/// The hub answered that it holds this desk's audit log up to `seq`: what comes after is sent
/// next. Set to the hub's word, even below the last value (a hub restored from a backup gets the
/// entries it lost again).
pub async fn set_audit_pushed(store: &Store, seq: i64) -> Result<(), sqlx::Error> {
    let mut tx = store.begin_write().await?;
    ensure(&mut tx).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET audit_pushed_seq = ?1 WHERE id = 1"#,
        seq
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Keeps why the last run could not send the audit log, without marking the desk offline (the
/// change sync itself went through).
pub async fn set_last_error(store: &Store, error: &str) -> Result<(), sqlx::Error> {
    let mut tx = store.begin_write().await?;
    ensure(&mut tx).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET last_error = ?1 WHERE id = 1"#,
        error
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A sync run started at `at`.
pub async fn attempted(store: &Store, at: &str) -> Result<(), sqlx::Error> {
    let mut tx = store.begin_write().await?;
    ensure(&mut tx).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET last_attempt_at = ?1 WHERE id = 1"#,
        at
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A sync run reached the hub and finished at `at`: the desk is online.
pub async fn succeeded(store: &Store, at: &str) -> Result<(), sqlx::Error> {
    let mut tx = store.begin_write().await?;
    ensure(&mut tx).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET last_success_at = ?1, offline_since = NULL, last_error = NULL
           WHERE id = 1"#,
        at
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A sync run failed at `at` with `error`: offline since the first failure after a success.
pub async fn failed(store: &Store, at: &str, error: &str) -> Result<(), sqlx::Error> {
    let mut tx = store.begin_write().await?;
    ensure(&mut tx).await?;
    sqlx::query!(
        r#"UPDATE sync_state SET offline_since = COALESCE(offline_since, ?1), last_error = ?2
           WHERE id = 1"#,
        at,
        error
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Up to `limit` journal entries after `after`, in order.
pub async fn journal_after(
    conn: &mut SqliteConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<JournalEntry>, sqlx::Error> {
    sqlx::query_as!(
        JournalEntry,
        r#"SELECT seq AS "seq!: i64", table_name, row_id, op, at, hlc
           FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"#,
        after,
        limit
    )
    .fetch_all(conn)
    .await
}

/// How many journal entries after `after` are on one of `tables` (a JSON array of names).
pub async fn count_after(store: &Store, after: i64, tables: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM change_log
           WHERE seq > ?1 AND table_name IN (SELECT value FROM json_each(?2))"#,
        after,
        tables
    )
    .fetch_one(store.pool())
    .await
}

/// The hub cursors of many rows' versions: `keys` is a JSON array of `[table, row id]`.
pub async fn row_versions(
    conn: &mut SqliteConnection,
    keys: &str,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT v.table_name AS "table_name!: String", v.row_id AS "row_id!: String",
                  v.cursor AS "cursor!: i64"
           FROM json_each(?1) AS k
           JOIN sync_row_version v ON v.table_name = k.value ->> 0 AND v.row_id = k.value ->> 1"#,
        keys
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.table_name, r.row_id, r.cursor))
        .collect())
}

/// Records many rows' hub cursors at once (never moving one back): `rows` is a JSON array of
/// `[table, row id, cursor]`.
pub async fn set_row_versions(conn: &mut SqliteConnection, rows: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO sync_row_version (table_name, row_id, cursor)
           SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1) WHERE true
           ON CONFLICT (table_name, row_id) DO UPDATE SET cursor = MAX(cursor, excluded.cursor)"#,
        rows
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the hub cursor of a row's version (never moving it back).
pub async fn set_row_version(
    conn: &mut SqliteConnection,
    table: &str,
    row_id: &str,
    cursor: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO sync_row_version (table_name, row_id, cursor) VALUES (?1, ?2, ?3)
           ON CONFLICT (table_name, row_id) DO UPDATE SET cursor = MAX(cursor, excluded.cursor)"#,
        table,
        row_id,
        cursor
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a conflict for review.
pub async fn insert_conflict(
    conn: &mut SqliteConnection,
    c: &ConflictRow,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO sync_conflict (id, seq, table_name, row_id, outcome, reason, ours, theirs,
               at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"#,
        c.id,
        c.seq,
        c.table_name,
        c.row_id,
        c.outcome,
        c.reason,
        c.ours,
        c.theirs,
        c.at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Conflicts nobody has resolved yet, newest first (at most `limit`).
pub async fn open_conflicts(store: &Store, limit: i64) -> Result<Vec<ConflictRow>, sqlx::Error> {
    sqlx::query_as!(
        ConflictRow,
        r#"SELECT id, seq, table_name, row_id, outcome, reason, ours, theirs, at, resolved_at,
               resolved_by, resolution
           FROM sync_conflict WHERE resolved_at IS NULL ORDER BY at DESC, id DESC LIMIT ?1"#,
        limit
    )
    .fetch_all(store.pool())
    .await
}

/// How many conflicts nobody has resolved yet.
pub async fn count_open_conflicts(store: &Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM sync_conflict WHERE resolved_at IS NULL"#
    )
    .fetch_one(store.pool())
    .await
}

/// Marks an open conflict reviewed (`by`: the staff member's id, None for the command line);
/// false when there is no open conflict with that id.
pub async fn resolve_conflict(
    conn: &mut SqliteConnection,
    id: &str,
    by: Option<&str>,
    resolution: &str,
    at: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE sync_conflict SET resolved_at = ?2, resolved_by = ?3, resolution = ?4
           WHERE id = ?1 AND resolved_at IS NULL"#,
        id,
        at,
        by,
        resolution
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
