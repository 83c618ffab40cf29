//! The `stipulation` table (a lender's conditions on an application) and its child rows in
//! `stipulation_document` (the files attached to a condition). Every statement that writes
//! either table is here, compile-checked.

use dealerdesk_rules::ids::ApplicationId;
use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// One stored stipulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StipulationRow {
    pub id: String,
    pub code: String,
    pub description: String,
    /// `open`, `received` or `cleared`.
    pub status: String,
    pub cleared_by: Option<String>,
    pub cleared_at: Option<String>,
    pub clear_note: Option<String>,
    pub created_at: String,
}

/// The facts a change to a stipulation is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StipulationHead {
    pub application_id: String,
    pub code: String,
    pub status: String,
}

/// One attached document, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: String,
}

/// One attached document with its bytes and the application its stipulation belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentContent {
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: String,
    pub content: Vec<u8>,
    pub application_id: String,
}

/// What a new document stores.
#[derive(Debug, Clone, Copy)]
pub struct NewDocument<'a> {
    pub stipulation_id: &'a str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
}

/// Adds an open stipulation to an application (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &str,
    application_id: &ApplicationId,
    decision_id: Option<&str>,
    code: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    let application_id = application_id.as_str();
    let s = w.change("stipulation", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO stipulation (id, application_id, decision_id, code, description, status,
              created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?6, ?7, ?8)"#,
        id,
        application_id,
        decision_id,
        code,
        description,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// An application's stipulations, oldest first.
pub async fn for_application(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Vec<StipulationRow>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        StipulationRow,
        r#"SELECT id, code, description, status, cleared_by, cleared_at, clear_note, created_at
           FROM stipulation WHERE application_id = ?1 ORDER BY created_at, id"#,
        application_id
    )
    .fetch_all(conn)
    .await
}

/// A stipulation's documents, oldest first (without their bytes).
pub async fn documents(
    conn: &mut SqliteConnection,
    stipulation_id: &str,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT id, file_name, media_type, size_bytes, sha256, uploaded_by, created_at
           FROM stipulation_document WHERE stipulation_id = ?1 ORDER BY created_at, id"#,
        stipulation_id
    )
    .fetch_all(conn)
    .await
}

/// The application, code and status of a stipulation.
pub async fn head(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<StipulationHead>, sqlx::Error> {
    sqlx::query_as!(
        StipulationHead,
        r#"SELECT application_id, code, status FROM stipulation WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Attaches a document (journaled as `insert`) and marks its stipulation `received`
/// (journaled as `update`).
pub async fn attach(w: &mut Write<'_>, id: &str, d: &NewDocument<'_>) -> Result<(), sqlx::Error> {
    let s = w.change("stipulation_document", id, "insert").await?;
    let size = i64::try_from(d.content.len()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query!(
        r#"INSERT INTO stipulation_document (id, stipulation_id, file_name, media_type, size_bytes,
              sha256, content, uploaded_by, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)"#,
        id,
        d.stipulation_id,
        d.file_name,
        d.media_type,
        size,
        d.sha256,
        d.content,
        d.uploaded_by,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    let s = w.change("stipulation", d.stipulation_id, "update").await?;
    sqlx::query!(
        r#"UPDATE stipulation SET status = 'received', updated_at = ?2, device_id = ?3,
               change_seq = ?4
           WHERE id = ?1"#,
        d.stipulation_id,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Clears a stipulation by `cleared_by` with a note (journaled as `update`).
pub async fn clear(
    w: &mut Write<'_>,
    id: &str,
    cleared_by: &str,
    note: &str,
) -> Result<(), sqlx::Error> {
    let s = w.change("stipulation", id, "update").await?;
    sqlx::query!(
        r#"UPDATE stipulation SET status = 'cleared', cleared_by = ?2, cleared_at = ?3,
               clear_note = ?4, updated_at = ?3, device_id = ?5, change_seq = ?6
           WHERE id = ?1"#,
        id,
        cleared_by,
        s.at,
        note,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// One document with its bytes, and its stipulation's application.
pub async fn document_content(
    store: &Store,
    id: &str,
) -> Result<Option<DocumentContent>, sqlx::Error> {
    sqlx::query_as!(
        DocumentContent,
        r#"SELECT d.id, d.file_name, d.media_type, d.size_bytes, d.sha256, d.uploaded_by,
                  d.created_at, d.content, s.application_id
           FROM stipulation_document d JOIN stipulation s ON s.id = d.stipulation_id
           WHERE d.id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// How many of the latest decision's stipulations are not cleared yet (an earlier, reworked
/// decision's conditions no longer apply).
pub async fn open_count(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<i64, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM stipulation
           WHERE application_id = ?1 AND status <> 'cleared'
             AND decision_id IS (SELECT id FROM application_decision WHERE application_id = ?1
                                 ORDER BY decided_at DESC, id DESC LIMIT 1)"#,
        application_id
    )
    .fetch_one(conn)
    .await
}
