//! The `rate_sheet` table: every imported version of a lender's rate sheet (canonical JSON and
//! its SHA-256). Every statement that writes the table is here, compile-checked.

use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A stored sheet: its id, version and JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub id: String,
    pub version: i64,
    pub sheet_json: String,
}

/// What an import stores.
#[derive(Debug, Clone, Copy)]
pub struct NewSheet<'a> {
    pub lender_id: &'a str,
    pub version: i64,
    pub effective_date: &'a str,
    pub sheet_json: &'a str,
    pub sheet_sha256: &'a str,
    pub imported_by: &'a str,
}

/// The version the next import of a lender's sheet gets.
pub async fn next_version(
    conn: &mut SqliteConnection,
    lender_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(version), 0) + 1 AS "v!: i64" FROM rate_sheet WHERE lender_id = ?1"#,
        lender_id
    )
    .fetch_one(conn)
    .await
}

/// Adds a sheet version (journaled as `insert`).
pub async fn insert(w: &mut Write<'_>, id: &str, n: &NewSheet<'_>) -> Result<(), sqlx::Error> {
    let s = w.change("rate_sheet", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO rate_sheet (id, lender_id, version, effective_date, sheet_json, sheet_sha256,
              imported_by, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)"#,
        id,
        n.lender_id,
        n.version,
        n.effective_date,
        n.sheet_json,
        n.sheet_sha256,
        n.imported_by,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// A lender's newest sheet.
pub async fn current(
    conn: &mut SqliteConnection,
    lender_id: &str,
) -> Result<Option<SheetRow>, sqlx::Error> {
    sqlx::query_as!(
        SheetRow,
        r#"SELECT id, version, sheet_json FROM rate_sheet WHERE lender_id = ?1
           ORDER BY version DESC LIMIT 1"#,
        lender_id
    )
    .fetch_optional(conn)
    .await
}

/// The version of a sheet (an error when there is no such sheet).
pub async fn version_of(conn: &mut SqliteConnection, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT version FROM rate_sheet WHERE id = ?1"#, id)
        .fetch_one(conn)
        .await
}

/// A lender's sheet by the lender's id or code (any case), the newest or the given version.
pub async fn for_export(
    store: &Store,
    lender_code_or_id: &str,
    version: Option<i64>,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT r.version, r.sheet_json FROM rate_sheet r JOIN lender l ON l.id = r.lender_id
           WHERE (l.id = ?1 OR l.code = upper(?1)) AND (?2 IS NULL OR r.version = ?2)
           ORDER BY r.version DESC LIMIT 1"#,
        lender_code_or_id,
        version,
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| (r.version, r.sheet_json)))
}
