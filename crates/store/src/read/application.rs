//! Reads about credit applications that join other tables: the application screen and list,
//! the figures lenders judge, the lenders and their current sheets, the applicant's name and
//! address for notices and STAR messages.

use dealerdesk_rules::ids::{ApplicationId, CustomerId, DealId};
use sqlx::SqliteConnection;

use crate::Store;

/// One application with its applicant's, co-applicant's, lender's and creator's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDetail {
    pub id: String,
    pub deal_id: String,
    pub customer_id: String,
    pub co_applicant_id: Option<String>,
    pub intent: String,
    pub state: String,
    pub details_json: String,
    pub gross_monthly_income_cents: i64,
    pub other_monthly_income_cents: i64,
    pub co_applicant_income_cents: i64,
    pub housing_status: String,
    pub housing_payment_cents: i64,
    pub other_debts_cents: i64,
    pub credit_score: Option<i64>,
    pub lender_id: Option<String>,
    pub consent_by: Option<String>,
    pub consent_at: Option<String>,
    pub consent_text_version: Option<String>,
    pub consent_text_sha256: Option<String>,
    pub consent_parties: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub given_name: String,
    pub family_name: String,
    pub co_given: Option<String>,
    pub co_family: Option<String>,
    pub lender_name: Option<String>,
    pub created_by_display: Option<String>,
}

/// One state change with the display name of the staff member who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub from_state: Option<String>,
    pub to_state: String,
    pub action: String,
    pub actor: String,
    pub at: String,
    pub note: Option<String>,
    pub display_name: Option<String>,
}

/// One decision with its lender's code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: String,
    pub lender_id: String,
    pub lender_code: String,
    pub lender_name: String,
    pub rate_sheet_version: i64,
    pub outcome: String,
    pub source: String,
    pub decided_at: String,
    pub decision_json: String,
}

/// One row of the applications list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub id: String,
    pub state: String,
    pub customer_id: String,
    pub deal_id: String,
    pub lender_id: Option<String>,
    pub credit_score: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub given_name: String,
    pub family_name: String,
    pub lender_name: Option<String>,
    pub open_stips: i64,
}

/// The figures lenders judge: the application's, its deal's selected option's (absent when
/// none is selected) and the vehicle's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistRow {
    pub gross_monthly_income_cents: i64,
    pub other_monthly_income_cents: i64,
    pub co_applicant_income_cents: i64,
    pub housing_payment_cents: i64,
    pub other_debts_cents: i64,
    pub credit_score: Option<i64>,
    pub kind: Option<String>,
    pub term_months: Option<i64>,
    pub monthly_payment_cents: Option<i64>,
    pub amount_financed_cents: Option<i64>,
    pub input_json: Option<String>,
    pub model_year: i64,
    pub price_cents: i64,
}

/// A lender with one of its sheets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenderSheetRow {
    pub lender_id: String,
    pub code: String,
    pub name: String,
    pub sheet_id: String,
    pub version: i64,
    pub sheet_json: String,
}

/// A lender with its current sheet, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenderRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub active: i64,
    pub sheet_id: Option<String>,
    pub version: Option<i64>,
    pub effective_date: Option<String>,
}

/// The applicant of an application, by name parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantRow {
    pub customer_id: String,
    pub credit_score: Option<i64>,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
}

/// A customer's current address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRow {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub since: String,
}

/// A customer as a STAR message carries them (date of birth and SSN as stored, encrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarCustomerRow {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub dob_enc: String,
    pub ssn_enc: String,
    pub phone: String,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub job_title: Option<String>,
}

/// A deal's vehicle and selected option (absent when none is selected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealVehicleRow {
    pub kind: Option<String>,
    pub input_json: Option<String>,
    pub vin: String,
    pub model_year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub condition: String,
}

/// A saved deal with a selected option, as the demo applications use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDealRow {
    pub id: String,
    pub employer: Option<String>,
    pub monthly_payment_cents: i64,
    pub address: Option<String>,
}

/// A live application with the names around it.
pub async fn detail(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<Option<ApplicationDetail>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        ApplicationDetail,
        r#"SELECT a.id, a.deal_id, a.customer_id, a.co_applicant_id, a.intent, a.state,
                  a.details_json, a.gross_monthly_income_cents, a.other_monthly_income_cents,
                  a.co_applicant_income_cents, a.housing_status, a.housing_payment_cents,
                  a.other_debts_cents, a.credit_score, a.lender_id, a.consent_by, a.consent_at,
                  a.consent_text_version, a.consent_text_sha256, a.consent_parties, a.created_at,
                  a.updated_at, a.created_by, c.given_name, c.family_name,
                  k.given_name AS "co_given?", k.family_name AS "co_family?",
                  l.name AS "lender_name?", s.display_name AS "created_by_display?"
           FROM credit_application a
           JOIN customer c ON c.id = a.customer_id
           LEFT JOIN customer k ON k.id = a.co_applicant_id
           LEFT JOIN lender l ON l.id = a.lender_id
           LEFT JOIN staff s ON 'staff:' || s.username = a.created_by
           WHERE a.id = ?1 AND a.deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// An application's history, in order, with the staff members' display names.
pub async fn history(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        HistoryRow,
        r#"SELECT h.from_state, h.to_state, h.action, h.actor, h.at, h.note,
                  s.display_name AS "display_name?"
           FROM application_history h
           LEFT JOIN staff s ON 'staff:' || s.username = h.actor
           WHERE h.application_id = ?1 ORDER BY h.seq"#,
        application_id
    )
    .fetch_all(conn)
    .await
}

/// An application's decisions, oldest first, with their lenders.
pub async fn decisions(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Vec<DecisionRow>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        DecisionRow,
        r#"SELECT d.id, d.lender_id, l.code AS lender_code, l.name AS lender_name,
                  d.rate_sheet_version, d.outcome, d.source, d.decided_at, d.decision_json
           FROM application_decision d JOIN lender l ON l.id = d.lender_id
           WHERE d.application_id = ?1 ORDER BY d.decided_at, d.id"#,
        application_id
    )
    .fetch_all(conn)
    .await
}

/// An application's latest decision with its lender.
pub async fn latest_decision(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Option<DecisionRow>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        DecisionRow,
        r#"SELECT d.id, d.lender_id, l.code AS lender_code, l.name AS lender_name,
                  d.rate_sheet_version, d.outcome, d.source, d.decided_at, d.decision_json
           FROM application_decision d JOIN lender l ON l.id = d.lender_id
           WHERE d.application_id = ?1 ORDER BY d.decided_at DESC, d.id DESC LIMIT 1"#,
        application_id
    )
    .fetch_optional(conn)
    .await
}

/// One decision with its lender (an error when there is no such decision).
pub async fn decision(conn: &mut SqliteConnection, id: &str) -> Result<DecisionRow, sqlx::Error> {
    sqlx::query_as!(
        DecisionRow,
        r#"SELECT d.id, d.lender_id, l.code AS lender_code, l.name AS lender_name,
                  d.rate_sheet_version, d.outcome, d.source, d.decided_at, d.decision_json
           FROM application_decision d JOIN lender l ON l.id = d.lender_id WHERE d.id = ?1"#,
        id
    )
    .fetch_one(conn)
    .await
}

/// A page of live applications (of one state and customer when given), most recently changed
/// first, and how many there are in all.
pub async fn page(
    store: &Store,
    state: Option<&str>,
    customer_id: Option<&CustomerId>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SummaryRow>, i64), sqlx::Error> {
    let customer_id = customer_id.map(CustomerId::as_str);
    let total = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM credit_application
           WHERE deleted_at IS NULL AND (?1 IS NULL OR state = ?1)
             AND (?2 IS NULL OR customer_id = ?2)"#,
        state,
        customer_id,
    )
    .fetch_one(store.pool())
    .await?;
    let rows = sqlx::query_as!(
        SummaryRow,
        r#"SELECT a.id, a.state, a.customer_id, a.deal_id, a.lender_id, a.credit_score,
                  a.created_at, a.updated_at, c.given_name, c.family_name,
                  l.name AS "lender_name?",
                  (SELECT COUNT(*) FROM stipulation s
                   WHERE s.application_id = a.id AND s.status <> 'cleared'
                     AND s.decision_id IS (SELECT d.id FROM application_decision d
                                           WHERE d.application_id = a.id
                                           ORDER BY d.decided_at DESC, d.id DESC LIMIT 1))
                      AS "open_stips!: i64"
           FROM credit_application a
           JOIN customer c ON c.id = a.customer_id
           LEFT JOIN lender l ON l.id = a.lender_id
           WHERE a.deleted_at IS NULL AND (?1 IS NULL OR a.state = ?1)
             AND (?2 IS NULL OR a.customer_id = ?2)
           ORDER BY a.updated_at DESC, a.id DESC LIMIT ?3 OFFSET ?4"#,
        state,
        customer_id,
        limit,
        offset,
    )
    .fetch_all(store.pool())
    .await?;
    Ok((rows, total))
}

/// The figures lenders judge for an application.
pub async fn assist(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<Option<AssistRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        AssistRow,
        r#"SELECT a.gross_monthly_income_cents, a.other_monthly_income_cents,
                  a.co_applicant_income_cents, a.housing_payment_cents, a.other_debts_cents,
                  a.credit_score, o.kind AS "kind?", o.term_months AS "term_months?",
                  o.monthly_payment_cents AS "monthly_payment_cents?",
                  o.amount_financed_cents AS "amount_financed_cents?",
                  o.input_json AS "input_json?", v.model_year, v.price_cents
           FROM credit_application a
           JOIN deal d ON d.id = a.deal_id
           JOIN vehicle v ON v.id = d.vehicle_id
           LEFT JOIN deal_option o ON o.deal_id = d.id AND o.selected = 1
           WHERE a.id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Every active lender with its current sheet, by name.
pub async fn current_sheets(
    conn: &mut SqliteConnection,
) -> Result<Vec<LenderSheetRow>, sqlx::Error> {
    sqlx::query_as!(
        LenderSheetRow,
        r#"SELECT l.id AS lender_id, l.code, l.name, r.id AS sheet_id, r.version, r.sheet_json
           FROM lender l JOIN rate_sheet r ON r.lender_id = l.id
           WHERE l.active = 1
             AND r.version = (SELECT MAX(version) FROM rate_sheet WHERE lender_id = l.id)
           ORDER BY l.name"#
    )
    .fetch_all(conn)
    .await
}

/// The sheets that messages still waiting for an answer name, with their lenders.
pub async fn waiting_sheets(
    conn: &mut SqliteConnection,
) -> Result<Vec<LenderSheetRow>, sqlx::Error> {
    sqlx::query_as!(
        LenderSheetRow,
        r#"SELECT DISTINCT l.id AS lender_id, l.code, l.name, r.id AS sheet_id, r.version,
                  r.sheet_json
           FROM lender_outbox o JOIN rate_sheet r ON r.id = o.rate_sheet_id
           JOIN lender l ON l.id = r.lender_id
           WHERE o.status IN ('pending', 'delivered')"#
    )
    .fetch_all(conn)
    .await
}

/// Every lender with its current sheet, by name.
pub async fn lenders(store: &Store) -> Result<Vec<LenderRow>, sqlx::Error> {
    sqlx::query_as!(
        LenderRow,
        r#"SELECT l.id, l.code, l.name, l.active, r.id AS "sheet_id?", r.version AS "version?",
                  r.effective_date AS "effective_date?"
           FROM lender l
           LEFT JOIN rate_sheet r ON r.lender_id = l.id
                AND r.version = (SELECT MAX(version) FROM rate_sheet WHERE lender_id = l.id)
           ORDER BY l.name"#
    )
    .fetch_all(store.pool())
    .await
}

/// The applicant of an application (an error when there is no such application).
pub async fn applicant(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<ApplicantRow, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_as!(
        ApplicantRow,
        r#"SELECT a.customer_id, a.credit_score, c.given_name, c.middle_name, c.family_name,
                  c.suffix
           FROM credit_application a JOIN customer c ON c.id = a.customer_id WHERE a.id = ?1"#,
        application_id
    )
    .fetch_one(conn)
    .await
}

/// A customer's current address.
pub async fn current_address(
    conn: &mut SqliteConnection,
    customer_id: &CustomerId,
) -> Result<Option<AddressRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        AddressRow,
        r#"SELECT line1, line2, city, state, zip, since FROM customer_address
           WHERE customer_id = ?1 AND kind = 'current'"#,
        customer_id
    )
    .fetch_optional(conn)
    .await
}

/// A customer as a STAR message carries them.
pub async fn star_customer(
    store: &Store,
    id: &CustomerId,
) -> Result<Option<StarCustomerRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        StarCustomerRow,
        r#"SELECT given_name, middle_name, family_name, suffix, dob_enc, ssn_enc, phone, email,
                  employer, job_title
           FROM customer WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// A customer's e-mail address: `None` when there is no such customer, `Some(None)` when they
/// have none.
pub async fn customer_email(
    store: &Store,
    id: &CustomerId,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_scalar!(r#"SELECT email FROM customer WHERE id = ?1"#, id)
        .fetch_optional(store.pool())
        .await
}

/// The lender an application names, by id and code.
pub async fn application_lender(
    conn: &mut SqliteConnection,
    application_id: &ApplicationId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let application_id = application_id.as_str();
    let r = sqlx::query!(
        r#"SELECT l.id, l.code FROM credit_application a JOIN lender l ON l.id = a.lender_id
           WHERE a.id = ?1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.id, r.code)))
}

/// A deal's vehicle and selected option.
pub async fn deal_vehicle(
    conn: &mut SqliteConnection,
    deal_id: &DealId,
) -> Result<Option<DealVehicleRow>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_as!(
        DealVehicleRow,
        r#"SELECT o.kind AS "kind?", o.input_json AS "input_json?", v.vin, v.model_year, v.make,
                  v.model, v.trim, v.condition
           FROM deal d JOIN vehicle v ON v.id = d.vehicle_id
           LEFT JOIN deal_option o ON o.deal_id = d.id AND o.selected = 1
           WHERE d.id = ?1"#,
        deal_id
    )
    .fetch_optional(conn)
    .await
}

/// The customer of a live deal.
pub async fn deal_customer(
    conn: &mut SqliteConnection,
    deal_id: &DealId,
) -> Result<Option<String>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT customer_id FROM deal WHERE id = ?1 AND deleted_at IS NULL"#,
        deal_id
    )
    .fetch_optional(conn)
    .await
}

/// Whether a live customer has this id.
pub async fn customer_is_live(
    conn: &mut SqliteConnection,
    id: &CustomerId,
) -> Result<bool, sqlx::Error> {
    let id = id.as_str();
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM customer WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Every live deal with a selected option, oldest first, with its customer's employer and
/// current address (one line).
pub async fn demo_deals(store: &Store) -> Result<Vec<DemoDealRow>, sqlx::Error> {
    sqlx::query_as!(
        DemoDealRow,
        r#"SELECT d.id, c.employer, o.monthly_payment_cents,
                  (SELECT line1 || ', ' || city || ' ' || state FROM customer_address a
                   WHERE a.customer_id = c.id AND a.kind = 'current') AS "address?: String"
           FROM deal d JOIN customer c ON c.id = d.customer_id
           JOIN deal_option o ON o.deal_id = d.id AND o.selected = 1
           WHERE d.deleted_at IS NULL ORDER BY d.created_at, d.id"#
    )
    .fetch_all(store.pool())
    .await
}
