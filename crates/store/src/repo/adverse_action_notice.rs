//! The `adverse_action_notice` table: the notices owed to applicants after a decline or a
//! counter-offer not taken, each a snapshot taken when it arose. Every statement that writes the
//! table is here, compile-checked.

use dealerdesk_rules::ids::{ApplicationId, NoticeId};
use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// One stored notice (JSON lists as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    pub id: String,
    pub application_id: String,
    pub decision_id: String,
    /// `declined` or `counter_not_accepted`.
    pub kind: String,
    pub customer_id: String,
    pub applicant_name: String,
    pub applicant_address: String,
    pub action_taken: String,
    pub reasons_json: String,
    pub credit_score: Option<i64>,
    pub score_range_low: i64,
    pub score_range_high: i64,
    pub key_factors_json: String,
    pub score_date: Option<String>,
    pub bureau_name: String,
    pub bureau_address: String,
    pub bureau_phone: String,
    pub dealer_name: String,
    pub dealer_address: String,
    pub lender_id: Option<String>,
    pub lender_name: String,
    pub lender_address: Option<String>,
    pub agency_name: String,
    pub agency_address: String,
    pub decided_at: String,
    pub due_date: String,
    pub delivered_at: Option<String>,
    pub delivery_method: Option<String>,
    pub delivered_by: Option<String>,
    pub outbox_id: Option<String>,
    pub pdf_sha256: Option<String>,
    pub created_at: String,
}

/// A notice as the lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDueRow {
    pub id: String,
    pub application_id: String,
    pub customer_id: String,
    pub applicant_name: String,
    pub kind: String,
    pub lender_name: String,
    pub decided_at: String,
    pub due_date: String,
    pub delivered_at: Option<String>,
    pub delivery_method: Option<String>,
}

/// A decision that owes a notice and has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedRow {
    pub decision_id: String,
    pub application_id: String,
    pub outcome: String,
}

/// What a new notice stores (JSON lists already encoded).
#[derive(Debug, Clone, Copy)]
pub struct NewNotice<'a> {
    pub application_id: &'a str,
    pub decision_id: &'a str,
    pub kind: &'a str,
    pub customer_id: &'a str,
    pub applicant_name: &'a str,
    pub applicant_address: &'a str,
    pub action_taken: &'a str,
    pub reasons_json: &'a str,
    pub credit_score: Option<i64>,
    pub score_range_low: i64,
    pub score_range_high: i64,
    pub key_factors_json: &'a str,
    pub score_date: Option<&'a str>,
    pub bureau_name: &'a str,
    pub bureau_address: &'a str,
    pub bureau_phone: &'a str,
    pub dealer_name: &'a str,
    pub dealer_address: &'a str,
    pub lender_id: &'a str,
    pub lender_name: &'a str,
    pub lender_address: Option<&'a str>,
    pub agency_name: &'a str,
    pub agency_address: &'a str,
    pub decided_at: &'a str,
    pub due_date: &'a str,
    pub pdf_sha256: Option<&'a str>,
}

/// The bureau and dealership address a pending notice is refreshed with.
#[derive(Debug, Clone, Copy)]
pub struct NoticeSettingsFields<'a> {
    pub bureau_name: &'a str,
    pub bureau_address: &'a str,
    pub bureau_phone: &'a str,
    pub dealer_address: &'a str,
    pub pdf_sha256: Option<&'a str>,
}

/// The notice made for a decision, if any.
pub async fn id_for_decision(
    conn: &mut SqliteConnection,
    decision_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT id FROM adverse_action_notice WHERE decision_id = ?1"#,
        decision_id
    )
    .fetch_optional(conn)
    .await
}

/// Adds a notice (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &NoticeId,
    n: &NewNotice<'_>,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("adverse_action_notice", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO adverse_action_notice (id, application_id, decision_id, kind, customer_id,
              applicant_name, applicant_address, action_taken, reasons_json, credit_score,
              score_range_low, score_range_high, key_factors_json, score_date, bureau_name,
              bureau_address, bureau_phone, dealer_name, dealer_address, lender_id, lender_name,
              lender_address, agency_name, agency_address, decided_at, due_date, pdf_sha256,
              created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                   ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?28, ?29, ?30)"#,
        id,
        n.application_id,
        n.decision_id,
        n.kind,
        n.customer_id,
        n.applicant_name,
        n.applicant_address,
        n.action_taken,
        n.reasons_json,
        n.credit_score,
        n.score_range_low,
        n.score_range_high,
        n.key_factors_json,
        n.score_date,
        n.bureau_name,
        n.bureau_address,
        n.bureau_phone,
        n.dealer_name,
        n.dealer_address,
        n.lender_id,
        n.lender_name,
        n.lender_address,
        n.agency_name,
        n.agency_address,
        n.decided_at,
        n.due_date,
        n.pdf_sha256,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Every decision that owes a notice and has none: declined, or a counter the application
/// left by withdrawal, expiry or rework; oldest first.
pub async fn owed(store: &Store) -> Result<Vec<OwedRow>, sqlx::Error> {
    sqlx::query_as!(
        OwedRow,
        r#"SELECT d.id AS decision_id, d.application_id, d.outcome FROM application_decision d
           WHERE NOT EXISTS (SELECT 1 FROM adverse_action_notice n WHERE n.decision_id = d.id)
             AND (d.outcome = 'declined'
                  OR (d.outcome = 'countered' AND (
                        SELECT h.action FROM application_history h
                        WHERE h.application_id = d.application_id AND h.from_state = 'countered'
                          AND h.at >= d.decided_at
                        ORDER BY h.seq LIMIT 1) IN ('withdraw', 'expire', 'rework')))
           ORDER BY d.decided_at, d.id"#
    )
    .fetch_all(store.pool())
    .await
}

/// One notice.
pub async fn get(store: &Store, id: &NoticeId) -> Result<Option<NoticeRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        NoticeRow,
        r#"SELECT id, application_id, decision_id, kind, customer_id, applicant_name,
                  applicant_address, action_taken, reasons_json, credit_score, score_range_low,
                  score_range_high, key_factors_json, score_date, bureau_name, bureau_address,
                  bureau_phone, dealer_name, dealer_address, lender_id, lender_name,
                  lender_address, agency_name, agency_address, decided_at, due_date, delivered_at,
                  delivery_method, delivered_by, outbox_id, pdf_sha256, created_at
           FROM adverse_action_notice WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// A notice by its id, or an application's latest notice by the application's id.
pub async fn find(store: &Store, key: &str) -> Result<Option<NoticeRow>, sqlx::Error> {
    sqlx::query_as!(
        NoticeRow,
        r#"SELECT id, application_id, decision_id, kind, customer_id, applicant_name,
                  applicant_address, action_taken, reasons_json, credit_score, score_range_low,
                  score_range_high, key_factors_json, score_date, bureau_name, bureau_address,
                  bureau_phone, dealer_name, dealer_address, lender_id, lender_name,
                  lender_address, agency_name, agency_address, decided_at, due_date, delivered_at,
                  delivery_method, delivered_by, outbox_id, pdf_sha256, created_at
           FROM adverse_action_notice WHERE id = ?1 OR application_id = ?1
           ORDER BY (id = ?1) DESC, decided_at DESC, id DESC LIMIT 1"#,
        key
    )
    .fetch_optional(store.pool())
    .await
}

/// An application's notices, oldest first.
pub async fn for_application(
    store: &Store,
    application_id: &ApplicationId,
) -> Result<Vec<NoticeRow>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        NoticeRow,
        r#"SELECT id, application_id, decision_id, kind, customer_id, applicant_name,
                  applicant_address, action_taken, reasons_json, credit_score, score_range_low,
                  score_range_high, key_factors_json, score_date, bureau_name, bureau_address,
                  bureau_phone, dealer_name, dealer_address, lender_id, lender_name,
                  lender_address, agency_name, agency_address, decided_at, due_date, delivered_at,
                  delivery_method, delivered_by, outbox_id, pdf_sha256, created_at
           FROM adverse_action_notice WHERE application_id = ?1 ORDER BY decided_at, id"#,
        application_id
    )
    .fetch_all(store.pool())
    .await
}

/// Every notice not yet delivered (inside the caller's transaction).
pub async fn undelivered(conn: &mut SqliteConnection) -> Result<Vec<NoticeRow>, sqlx::Error> {
    sqlx::query_as!(
        NoticeRow,
        r#"SELECT id, application_id, decision_id, kind, customer_id, applicant_name,
                  applicant_address, action_taken, reasons_json, credit_score, score_range_low,
                  score_range_high, key_factors_json, score_date, bureau_name, bureau_address,
                  bureau_phone, dealer_name, dealer_address, lender_id, lender_name,
                  lender_address, agency_name, agency_address, decided_at, due_date, delivered_at,
                  delivery_method, delivered_by, outbox_id, pdf_sha256, created_at
           FROM adverse_action_notice WHERE delivered_at IS NULL"#
    )
    .fetch_all(conn)
    .await
}

/// Notices (all, or only those not yet delivered): the soonest due first, delivered ones last.
pub async fn list(store: &Store, pending_only: bool) -> Result<Vec<NoticeDueRow>, sqlx::Error> {
    let pending_only = i64::from(pending_only);
    sqlx::query_as!(
        NoticeDueRow,
        r#"SELECT id, application_id, customer_id, applicant_name, kind, lender_name, decided_at,
                  due_date, delivered_at, delivery_method
           FROM adverse_action_notice
           WHERE (?1 = 0 OR delivered_at IS NULL)
           ORDER BY (delivered_at IS NOT NULL), due_date, decided_at, id"#,
        pending_only
    )
    .fetch_all(store.pool())
    .await
}

/// Stores the hash of the notice's PDF as first printed (journaled as `update`).
pub async fn set_pdf_sha256(
    w: &mut Write<'_>,
    id: &NoticeId,
    sha: &str,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("adverse_action_notice", id, "update").await?;
    sqlx::query!(
        r#"UPDATE adverse_action_notice SET pdf_sha256 = ?2, updated_at = ?3, device_id = ?4,
               change_seq = ?5
           WHERE id = ?1"#,
        id,
        sha,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Marks a notice delivered by `method` (journaled as `update`); whether it was still
/// undelivered (nothing changes when it was not).
pub async fn mark_delivered(
    w: &mut Write<'_>,
    id: &NoticeId,
    method: &str,
    delivered_by: &str,
    outbox_id: Option<&str>,
    pdf_sha256: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let id = id.as_str();
    let s = w.change("adverse_action_notice", id, "update").await?;
    let changed = sqlx::query!(
        r#"UPDATE adverse_action_notice SET delivered_at = ?2, delivery_method = ?3,
               delivered_by = ?4, outbox_id = ?5, pdf_sha256 = COALESCE(?6, pdf_sha256),
               updated_at = ?2, device_id = ?7, change_seq = ?8
           WHERE id = ?1 AND delivered_at IS NULL"#,
        id,
        s.at,
        method,
        delivered_by,
        outbox_id,
        pdf_sha256,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Gives an undelivered notice the current bureau and dealership address (journaled as
/// `update`).
pub async fn refresh_settings(
    w: &mut Write<'_>,
    id: &NoticeId,
    f: &NoticeSettingsFields<'_>,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("adverse_action_notice", id, "update").await?;
    sqlx::query!(
        r#"UPDATE adverse_action_notice SET bureau_name = ?2, bureau_address = ?3,
               bureau_phone = ?4, dealer_address = ?5, pdf_sha256 = ?6, updated_at = ?7,
               device_id = ?8, change_seq = ?9
           WHERE id = ?1 AND delivered_at IS NULL"#,
        id,
        f.bureau_name,
        f.bureau_address,
        f.bureau_phone,
        f.dealer_address,
        f.pdf_sha256,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}
