//! The `credit_application` table and its child rows: `application_history` (every state
//! change, in order) and `application_decision` (the lenders' answers). Every statement that
//! writes the three tables is here, compile-checked.

use dealerdesk_rules::ids::ApplicationId;
use sqlx::SqliteConnection;

use crate::write::{Stamp, Write};
use crate::Store;

/// What a create or an edit sets: every field a person enters, already validated by the caller.
#[derive(Debug, Clone, Copy)]
pub struct ApplicationFields<'a> {
    pub deal_id: &'a str,
    pub customer_id: &'a str,
    pub co_applicant_id: Option<&'a str>,
    /// `individual` or `joint`.
    pub intent: &'a str,
    pub details_json: &'a str,
    pub gross_monthly_income_cents: i64,
    pub other_monthly_income_cents: i64,
    pub co_applicant_income_cents: i64,
    pub housing_status: &'a str,
    pub housing_payment_cents: i64,
    pub other_debts_cents: i64,
    pub credit_score: Option<i64>,
    pub lender_id: Option<&'a str>,
}

/// The state of a live application and its co-applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRow {
    pub state: String,
    pub co_applicant_id: Option<String>,
}

/// What submission checks on a live application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitFacts {
    pub customer_id: String,
    pub co_applicant_id: Option<String>,
    pub consent_at: Option<String>,
    pub consent_parties: Option<String>,
    pub lender_id: Option<String>,
    pub credit_score: Option<i64>,
    pub details_json: String,
    pub gross_monthly_income_cents: i64,
}

/// The credit-report consent a staff member captured.
#[derive(Debug, Clone, Copy)]
pub struct Consent<'a> {
    pub consent_by: &'a str,
    pub text_version: &'a str,
    pub text_sha256: &'a str,
    pub parties: &'a str,
}

/// One state change to append to an application's history.
#[derive(Debug, Clone, Copy)]
pub struct HistoryFields<'a> {
    pub from_state: Option<&'a str>,
    pub to_state: &'a str,
    pub action: &'a str,
    pub actor: &'a str,
    pub note: Option<&'a str>,
}

/// A lender's answer to store.
#[derive(Debug, Clone, Copy)]
pub struct DecisionFields<'a> {
    pub application_id: &'a str,
    pub lender_id: &'a str,
    pub rate_sheet_id: &'a str,
    pub rate_sheet_version: i64,
    /// `approved`, `conditional`, `countered` or `declined`.
    pub outcome: &'a str,
    pub decision_json: &'a str,
    pub source: &'a str,
    /// UTC, in the stored format.
    pub decided_at: &'a str,
}

/// Starts a draft application (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &ApplicationId,
    f: &ApplicationFields<'_>,
    created_by: &str,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("credit_application", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO credit_application (id, deal_id, customer_id, co_applicant_id, intent, state,
              details_json, gross_monthly_income_cents, other_monthly_income_cents,
              co_applicant_income_cents, housing_status, housing_payment_cents, other_debts_cents,
              credit_score, lender_id, created_at, updated_at, created_by, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15,
                   ?16, ?17, ?18)"#,
        id,
        f.deal_id,
        f.customer_id,
        f.co_applicant_id,
        f.intent,
        f.details_json,
        f.gross_monthly_income_cents,
        f.other_monthly_income_cents,
        f.co_applicant_income_cents,
        f.housing_status,
        f.housing_payment_cents,
        f.other_debts_cents,
        f.credit_score,
        f.lender_id,
        s.at,
        created_by,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Replaces every entered field (journaled as `update`); the consent is kept only when the
/// co-applicant is unchanged.
pub async fn update(
    w: &mut Write<'_>,
    id: &ApplicationId,
    f: &ApplicationFields<'_>,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("credit_application", id, "update").await?;
    sqlx::query!(
        r#"UPDATE credit_application SET deal_id = ?2, customer_id = ?3, co_applicant_id = ?4,
              intent = ?5, details_json = ?6, gross_monthly_income_cents = ?7,
              other_monthly_income_cents = ?8, co_applicant_income_cents = ?9,
              housing_status = ?10, housing_payment_cents = ?11, other_debts_cents = ?12,
              credit_score = ?13, lender_id = ?14, updated_at = ?15, device_id = ?16,
              change_seq = ?17,
              consent_parties = CASE WHEN co_applicant_id IS ?4 THEN consent_parties ELSE NULL END,
              consent_at = CASE WHEN co_applicant_id IS ?4 THEN consent_at ELSE NULL END,
              consent_by = CASE WHEN co_applicant_id IS ?4 THEN consent_by ELSE NULL END,
              consent_text_version = CASE WHEN co_applicant_id IS ?4 THEN consent_text_version ELSE NULL END,
              consent_text_sha256 = CASE WHEN co_applicant_id IS ?4 THEN consent_text_sha256 ELSE NULL END
           WHERE id = ?1"#,
        id,
        f.deal_id,
        f.customer_id,
        f.co_applicant_id,
        f.intent,
        f.details_json,
        f.gross_monthly_income_cents,
        f.other_monthly_income_cents,
        f.co_applicant_income_cents,
        f.housing_status,
        f.housing_payment_cents,
        f.other_debts_cents,
        f.credit_score,
        f.lender_id,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Records the credit-report consent (journaled as `update`).
pub async fn set_consent(
    w: &mut Write<'_>,
    id: &ApplicationId,
    c: &Consent<'_>,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("credit_application", id, "update").await?;
    sqlx::query!(
        r#"UPDATE credit_application SET consent_by = ?2, consent_at = ?3,
              consent_text_version = ?4, consent_text_sha256 = ?5, consent_parties = ?6,
              updated_at = ?3, device_id = ?7, change_seq = ?8
           WHERE id = ?1"#,
        id,
        c.consent_by,
        s.at,
        c.text_version,
        c.text_sha256,
        c.parties,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Moves an application from state `from` to `to` (journaled as `update`); whether it was in
/// `from` (nothing else changes when it was not).
pub async fn move_state(
    w: &mut Write<'_>,
    id: &ApplicationId,
    from: &str,
    to: &str,
) -> Result<bool, sqlx::Error> {
    let id = id.as_str();
    let s = w.change("credit_application", id, "update").await?;
    let changed = sqlx::query!(
        r#"UPDATE credit_application SET state = ?3, updated_at = ?4, device_id = ?5,
               change_seq = ?6
           WHERE id = ?1 AND state = ?2"#,
        id,
        from,
        to,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The state and co-applicant of a live application.
pub async fn state_of(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<Option<StateRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        StateRow,
        r#"SELECT state, co_applicant_id FROM credit_application
           WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// The lender an application names (an error when there is no such application).
pub async fn lender_of(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<Option<String>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_scalar!(
        r#"SELECT lender_id FROM credit_application WHERE id = ?1"#,
        id
    )
    .fetch_one(conn)
    .await
}

/// The details JSON and gross monthly income of an application (an error when there is none).
pub async fn completeness_of(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<(String, i64), sqlx::Error> {
    let id = id.as_str();
    let r = sqlx::query!(
        r#"SELECT details_json, gross_monthly_income_cents FROM credit_application WHERE id = ?1"#,
        id
    )
    .fetch_one(conn)
    .await?;
    Ok((r.details_json, r.gross_monthly_income_cents))
}

/// What submission checks on a live application.
pub async fn submit_facts(
    store: &Store,
    id: &ApplicationId,
) -> Result<Option<SubmitFacts>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        SubmitFacts,
        r#"SELECT customer_id, co_applicant_id, consent_at, consent_parties, lender_id,
                  credit_score, details_json, gross_monthly_income_cents
           FROM credit_application WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// The ids of every live application, in id order.
pub async fn live_ids(store: &Store) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT id FROM credit_application WHERE deleted_at IS NULL ORDER BY id"#)
        .fetch_all(store.pool())
        .await
}

/// Copies application `source` as `id` with its history, as journaled in `s` inside the
/// caller's transaction (the demo's load data): started at `created_at`, last changed at
/// `updated_at`. The copies keep the source's desk.
pub async fn copy_stamped(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
    source: &ApplicationId,
    created_at: &str,
    updated_at: &str,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    let source = source.as_str();
    let id = id.as_str();
    sqlx::query!(
        r#"INSERT INTO credit_application
             (id, deal_id, customer_id, co_applicant_id, intent, state, details_json,
              gross_monthly_income_cents, other_monthly_income_cents, co_applicant_income_cents,
              housing_status, housing_payment_cents, other_debts_cents, credit_score, lender_id,
              consent_by, consent_at, consent_text_version, consent_text_sha256, consent_parties,
              created_at, updated_at, created_by, device_id, change_seq)
           SELECT ?1, deal_id, customer_id, co_applicant_id, intent, state, details_json,
              gross_monthly_income_cents, other_monthly_income_cents, co_applicant_income_cents,
              housing_status, housing_payment_cents, other_debts_cents, credit_score, lender_id,
              consent_by, consent_at, consent_text_version, consent_text_sha256, consent_parties,
              ?2, ?3, created_by, device_id, ?4
           FROM credit_application WHERE id = ?5"#,
        id,
        created_at,
        updated_at,
        s.seq,
        source,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"INSERT INTO application_history
             (id, application_id, seq, from_state, to_state, action, actor, at, note,
              created_at, updated_at, device_id, change_seq)
           SELECT lower(hex(randomblob(16))), ?1, seq, from_state, to_state, action, actor, ?2,
              note, ?2, ?2, device_id, ?3
           FROM application_history WHERE application_id = ?4"#,
        id,
        updated_at,
        s.seq,
        source,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ----- application_history -------------------------------------------------------------------

/// Appends a state change to an application's history (journaled as `insert`).
pub async fn append_history(
    w: &mut Write<'_>,
    id: &str,
    application_id: &ApplicationId,
    h: &HistoryFields<'_>,
) -> Result<(), sqlx::Error> {
    let application_id = application_id.as_str();
    let next = sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(seq), 0) + 1 AS "n!: i64" FROM application_history
           WHERE application_id = ?1"#,
        application_id
    )
    .fetch_one(w.conn())
    .await?;
    let s = w.change("application_history", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO application_history (id, application_id, seq, from_state, to_state, action,
              actor, at, note, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?8, ?10, ?11)"#,
        id,
        application_id,
        next,
        h.from_state,
        h.to_state,
        h.action,
        h.actor,
        s.at,
        h.note,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// When the application was last submitted, if ever.
pub async fn last_submitted_at(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Option<String>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT MAX(at) AS "at?: String" FROM application_history
           WHERE application_id = ?1 AND action = 'submit'"#,
        application_id
    )
    .fetch_one(conn)
    .await
}

/// When the application was last submitted at or before `at`, if it was.
pub async fn submitted_at_or_before(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
    at: &str,
) -> Result<Option<String>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT at FROM application_history
           WHERE application_id = ?1 AND action = 'submit' AND at <= ?2
           ORDER BY seq DESC LIMIT 1"#,
        application_id,
        at,
    )
    .fetch_optional(conn)
    .await
}

// ----- application_decision ------------------------------------------------------------------

/// Records a lender's answer (journaled as `insert`).
pub async fn insert_decision(
    w: &mut Write<'_>,
    id: &str,
    d: &DecisionFields<'_>,
) -> Result<(), sqlx::Error> {
    let s = w.change("application_decision", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO application_decision (id, application_id, lender_id, rate_sheet_id,
              rate_sheet_version, outcome, decision_json, source, decided_at, created_at,
              updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)"#,
        id,
        d.application_id,
        d.lender_id,
        d.rate_sheet_id,
        d.rate_sheet_version,
        d.outcome,
        d.decision_json,
        d.source,
        d.decided_at,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The id and JSON of an application's latest decision.
pub async fn latest_decision(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let application_id = application_id.as_str();
    let r = sqlx::query!(
        r#"SELECT id, decision_json FROM application_decision WHERE application_id = ?1
           ORDER BY decided_at DESC, id DESC LIMIT 1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.id, r.decision_json)))
}
