//! What the documents of a deal read from other tables: a customer as a party (name and current
//! address), the applicant's contact block, and the deal's credit applications.

use crate::Store;
use dealerdesk_rules::ids::{ApplicationId, CustomerId, DealId};

/// A customer as a party to a document: names and current address (any part may be missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyRow {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

/// The applicant's details a credit application document prints (date of birth as stored:
/// ciphertext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantRow {
    pub dob_enc: String,
    pub ssn_last4: String,
    pub phone: String,
    pub email: Option<String>,
}

/// A customer (deleted or not: a document names who it was made for) as a party.
pub async fn party(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<PartyRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        PartyRow,
        r#"SELECT c.given_name, c.middle_name, c.family_name, c.suffix,
                  a.line1 AS "line1?", a.line2, a.city AS "city?", a.state AS "state?", a.zip AS "zip?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.id = ?1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// A live customer's details for the credit application document.
pub async fn applicant(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<ApplicantRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        ApplicantRow,
        r#"SELECT dob_enc, ssn_last4, phone, email FROM customer WHERE id = ?1 AND deleted_at IS NULL"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// The co-applicant of the deal's newest live application that is still going (not withdrawn,
/// expired or declined) and has one.
pub async fn co_applicant_of_deal(
    store: &Store,
    deal_id: &DealId,
) -> Result<Option<String>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    let row = sqlx::query!(
        r#"SELECT co_applicant_id AS "co_applicant_id!" FROM credit_application
           WHERE deal_id = ?1 AND deleted_at IS NULL AND co_applicant_id IS NOT NULL
             AND state NOT IN ('withdrawn', 'expired', 'declined')
           ORDER BY created_at DESC, id DESC LIMIT 1"#,
        deal_id
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| r.co_applicant_id))
}

/// The deal of a live credit application.
pub async fn deal_of_application(
    store: &Store,
    application_id: &ApplicationId,
) -> Result<Option<String>, sqlx::Error> {
    let application_id = application_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT deal_id FROM credit_application WHERE id = ?1 AND deleted_at IS NULL"#,
        application_id
    )
    .fetch_optional(store.pool())
    .await
}

/// The deal's newest live credit application that is not withdrawn or expired.
pub async fn current_application_of_deal(
    store: &Store,
    deal_id: &DealId,
) -> Result<Option<String>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT id FROM credit_application
           WHERE deal_id = ?1 AND deleted_at IS NULL AND state NOT IN ('withdrawn', 'expired')
           ORDER BY created_at DESC, id DESC LIMIT 1"#,
        deal_id
    )
    .fetch_optional(store.pool())
    .await
}

/// Every live credit application of the deal, oldest first.
pub async fn applications_of_deal(
    store: &Store,
    deal_id: &DealId,
) -> Result<Vec<String>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT id FROM credit_application WHERE deal_id = ?1 AND deleted_at IS NULL
           ORDER BY created_at, id"#,
        deal_id
    )
    .fetch_all(store.pool())
    .await
}
