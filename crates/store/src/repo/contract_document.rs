//! The `contract_document` table and its `contract_signing_event` rows (one aggregate): every
//! document printed (contracts, credit applications, copies, sealed versions and deal jackets)
//! as exact PDF bytes, and the e-signature ceremony's events on them. Every statement that
//! writes these rows is here; the schema refuses changing a document's bytes.

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::{ApplicationId, DealId, DocumentId};
use sqlx::SqliteConnection;

use crate::write::Stamp;
use crate::Store;

/// One stored document without its bytes (their length instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: String,
    pub deal_id: String,
    pub option_id: Option<String>,
    pub option_position: Option<i64>,
    pub application_id: Option<String>,
    pub kind: String,
    pub version: i64,
    /// `draft`, `signing`, `signed` or `void`.
    pub status: String,
    pub authoritative: i64,
    pub quote_sha256: String,
    pub pdf_sha256: String,
    pub page_count: i64,
    pub byte_len: i64,
    pub fields_json: String,
    pub rendered_by: String,
    pub signed_at: Option<String>,
    pub created_at: String,
}

/// A document to record, its bytes and JSON already made by the caller.
#[derive(Debug, Clone, Copy)]
pub struct NewDocumentRow<'a> {
    pub id: &'a str,
    pub deal_id: &'a str,
    pub option_id: Option<&'a str>,
    pub option_position: Option<i64>,
    pub application_id: Option<&'a str>,
    pub kind: &'a str,
    pub version: i64,
    pub status: &'a str,
    pub authoritative: bool,
    pub quote_sha256: &'a str,
    pub pdf: &'a [u8],
    pub pdf_sha256: &'a str,
    pub page_count: i64,
    pub fields_json: &'a str,
    pub input_json: &'a str,
    pub supersedes_id: Option<&'a str>,
    pub rendered_by: &'a str,
    pub signed_at: Option<&'a str>,
}

/// One event of a document's signing ceremony.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningEventRow {
    pub seq: i64,
    /// `consent`, `sign` or `seal`.
    pub kind: String,
    pub signer: Option<String>,
    pub signer_name: String,
    pub field_id: Option<String>,
    pub method: String,
    pub mark_text: Option<String>,
    pub mark_png: Option<Vec<u8>>,
    pub device: String,
    pub actor: String,
    pub sha256_before: String,
    pub sha256_after: String,
    pub at: String,
}

/// A signing event to record.
#[derive(Debug, Clone, Copy)]
pub struct NewSigningEvent<'a> {
    pub document_id: &'a str,
    pub seq: i64,
    pub kind: &'a str,
    pub signer: Option<&'a str>,
    pub signer_name: &'a str,
    pub field_id: Option<&'a str>,
    pub method: &'a str,
    pub mark_text: Option<&'a str>,
    pub mark_png: Option<&'a [u8]>,
    pub statement: &'a str,
    pub statement_sha256: &'a str,
    pub device: &'a str,
    pub actor: &'a str,
    pub sha256_before: &'a str,
    pub sha256_after: &'a str,
}

/// Records a document (journaled as `insert` at `now`) inside the caller's write transaction.
pub async fn insert(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: DateTime<Utc>,
    d: &NewDocumentRow<'_>,
) -> Result<(), sqlx::Error> {
    let s = Stamp::journal(
        &mut *conn,
        device_id,
        now,
        "contract_document",
        d.id,
        "insert",
    )
    .await?;
    let authoritative = i64::from(d.authoritative);
    sqlx::query!(
        r#"INSERT INTO contract_document (id, deal_id, option_id, option_position, application_id, kind,
               version, status, authoritative, quote_sha256, pdf, pdf_sha256, page_count, fields_json,
               input_json, supersedes_id, rendered_by, signed_at, created_at, updated_at, device_id,
               change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                   ?19, ?19, ?20, ?21)"#,
        d.id,
        d.deal_id,
        d.option_id,
        d.option_position,
        d.application_id,
        d.kind,
        d.version,
        d.status,
        authoritative,
        d.quote_sha256,
        d.pdf,
        d.pdf_sha256,
        d.page_count,
        d.fields_json,
        d.input_json,
        d.supersedes_id,
        d.rendered_by,
        d.signed_at,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a document's status and whether it is the authoritative one (journaled as `update` at
/// `now`) inside the caller's write transaction. The bytes never change.
pub async fn set_status(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: DateTime<Utc>,
    id: &DocumentId,
    status: &str,
    authoritative: bool,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = Stamp::journal(
        &mut *conn,
        device_id,
        now,
        "contract_document",
        id,
        "update",
    )
    .await?;
    let authoritative = i64::from(authoritative);
    sqlx::query!(
        r#"UPDATE contract_document SET status = ?2, authoritative = ?3, updated_at = ?4, device_id = ?5,
               change_seq = ?6 WHERE id = ?1"#,
        id,
        status,
        authoritative,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The version the next document of a deal gets (1 for its first).
pub async fn next_version(
    conn: &mut SqliteConnection,
    deal_id: &DealId,
) -> Result<i64, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(version), 0) + 1 AS "v!: i64" FROM contract_document WHERE deal_id = ?1"#,
        deal_id
    )
    .fetch_one(conn)
    .await
}

/// The deal's authoritative, not void contract (retail installment or lease), as `(id, status)`.
pub async fn authoritative_contract(
    conn: &mut SqliteConnection,
    deal_id: &DealId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    let row = sqlx::query!(
        r#"SELECT id, status FROM contract_document
           WHERE deal_id = ?1 AND authoritative = 1 AND status <> 'void'
             AND kind IN ('retail_installment', 'lease')"#,
        deal_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.id, r.status)))
}

/// The credit application's authoritative, not void document, as `(id, status)`.
pub async fn authoritative_application_doc(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let application_id = application_id.as_str();
    let row = sqlx::query!(
        r#"SELECT id, status FROM contract_document
           WHERE application_id = ?1 AND authoritative = 1 AND status <> 'void'
             AND kind = 'credit_application'"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.id, r.status)))
}

/// One document by id.
pub async fn get(store: &Store, id: &DocumentId) -> Result<Option<DocumentRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT id, deal_id, option_id, option_position, application_id, kind, version, status,
                  authoritative, quote_sha256, pdf_sha256, page_count, length(pdf) AS "byte_len!: i64",
                  fields_json, rendered_by, signed_at, created_at
           FROM contract_document WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// One document by id and the input it was rendered from (`input_json`).
pub async fn get_with_input(
    conn: &mut SqliteConnection,
    id: &DocumentId,
) -> Result<Option<(DocumentRow, String)>, sqlx::Error> {
    let id = id.as_str();
    let row = sqlx::query!(
        r#"SELECT id, deal_id, option_id, option_position, application_id, kind, version, status,
                  authoritative, quote_sha256, pdf_sha256, page_count, length(pdf) AS "byte_len!: i64",
                  fields_json, rendered_by, signed_at, created_at, input_json
           FROM contract_document WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            DocumentRow {
                id: r.id,
                deal_id: r.deal_id,
                option_id: r.option_id,
                option_position: r.option_position,
                application_id: r.application_id,
                kind: r.kind,
                version: r.version,
                status: r.status,
                authoritative: r.authoritative,
                quote_sha256: r.quote_sha256,
                pdf_sha256: r.pdf_sha256,
                page_count: r.page_count,
                byte_len: r.byte_len,
                fields_json: r.fields_json,
                rendered_by: r.rendered_by,
                signed_at: r.signed_at,
                created_at: r.created_at,
            },
            r.input_json,
        )
    }))
}

/// A document's exact bytes.
pub async fn pdf(store: &Store, id: &DocumentId) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_scalar!(r#"SELECT pdf FROM contract_document WHERE id = ?1"#, id)
        .fetch_optional(store.pool())
        .await
}

/// The draft a sealed document was sealed from (its `supersedes_id`); `None` when there is no
/// such document.
pub async fn supersedes_of(
    conn: &mut SqliteConnection,
    id: &DocumentId,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let id = id.as_str();
    let row = sqlx::query!(
        r#"SELECT supersedes_id FROM contract_document WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.supersedes_id))
}

/// Every document of a deal, newest version first.
pub async fn list_for_deal(
    store: &Store,
    deal_id: &DealId,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT id, deal_id, option_id, option_position, application_id, kind, version, status,
                  authoritative, quote_sha256, pdf_sha256, page_count, length(pdf) AS "byte_len!: i64",
                  fields_json, rendered_by, signed_at, created_at
           FROM contract_document WHERE deal_id = ?1 ORDER BY version DESC"#,
        deal_id
    )
    .fetch_all(store.pool())
    .await
}

/// Every document of a credit application, newest version first.
pub async fn list_for_application(
    store: &Store,
    application_id: &ApplicationId,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT id, deal_id, option_id, option_position, application_id, kind, version, status,
                  authoritative, quote_sha256, pdf_sha256, page_count, length(pdf) AS "byte_len!: i64",
                  fields_json, rendered_by, signed_at, created_at
           FROM contract_document WHERE application_id = ?1 ORDER BY version DESC"#,
        application_id
    )
    .fetch_all(store.pool())
    .await
}

/// The documents whose bytes hash to `sha256`, as `(id, status, pdf)`, signed ones first, then
/// newest version first.
pub async fn by_sha256(
    store: &Store,
    sha256: &str,
) -> Result<Vec<(String, String, Vec<u8>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, status, pdf FROM contract_document WHERE pdf_sha256 = ?1
           ORDER BY (status = 'signed') DESC, version DESC"#,
        sha256
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.status, r.pdf)).collect())
}

/// Records a signing event (journaled as `insert` at `now`) inside the caller's transaction.
pub async fn insert_signing_event(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: DateTime<Utc>,
    e: &NewSigningEvent<'_>,
) -> Result<(), sqlx::Error> {
    let id = crate::new_id();
    let s = Stamp::journal(
        &mut *conn,
        device_id,
        now,
        "contract_signing_event",
        &id,
        "insert",
    )
    .await?;
    sqlx::query!(
        r#"INSERT INTO contract_signing_event (id, document_id, seq, kind, signer, signer_name, field_id, method,
               mark_text, mark_png, statement, statement_sha256, device, actor, sha256_before, sha256_after,
               at, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?17, ?18, ?19)"#,
        id,
        e.document_id,
        e.seq,
        e.kind,
        e.signer,
        e.signer_name,
        e.field_id,
        e.method,
        e.mark_text,
        e.mark_png,
        e.statement,
        e.statement_sha256,
        e.device,
        e.actor,
        e.sha256_before,
        e.sha256_after,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A document's signing events in order.
pub async fn signing_events(
    conn: &mut SqliteConnection,
    document_id: &DocumentId,
) -> Result<Vec<SigningEventRow>, sqlx::Error> {
    let document_id = document_id.as_str();
    sqlx::query_as!(
        SigningEventRow,
        r#"SELECT seq, kind, signer, signer_name, field_id, method, mark_text, mark_png, device, actor,
                  sha256_before, sha256_after, at
           FROM contract_signing_event WHERE document_id = ?1 ORDER BY seq"#,
        document_id
    )
    .fetch_all(conn)
    .await
}
