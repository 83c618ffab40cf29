//! What the customer links read from other tables (the customer's, the deal's and the
//! contract's belong to their repositories): contact details, the knowledge-check facts, a
//! deal's customer, a contract's input, and the settings issuing reads.

use dealerdesk_rules::ids::{CustomerId, DealId, DocumentId};
use sqlx::SqliteConnection;

use crate::Store;

/// How to reach a customer: given name, phone and e-mail as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerContactRow {
    pub given_name: String,
    pub phone: String,
    pub email: Option<String>,
}

/// A customer's given name, phone and e-mail.
pub async fn customer_contact(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<CustomerContactRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        CustomerContactRow,
        r#"SELECT given_name, phone, email FROM customer WHERE id = ?1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// A customer's given name.
pub async fn customer_given_name(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<String>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT given_name FROM customer WHERE id = ?1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// A customer's e-mail address (`Some(None)`: the customer exists and has none).
pub async fn customer_email(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_scalar!(r#"SELECT email FROM customer WHERE id = ?1"#, customer_id)
        .fetch_optional(store.pool())
        .await
}

/// A customer's phone, e-mail and current address (absent address fields are `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRow {
    pub phone: String,
    pub email: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

/// A customer's phone, e-mail and current address.
pub async fn contact(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<ContactRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        ContactRow,
        r#"SELECT c.phone, c.email, a.line1 AS "line1?: String", a.line2,
                  a.city AS "city?: String", a.state AS "state?: String", a.zip AS "zip?: String"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.id = ?1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// The knowledge-check facts of a customer as stored: the encrypted date of birth and the
/// current ZIP code (`None` without a current address).
pub async fn knowledge_facts(
    conn: &mut SqliteConnection,
    customer_id: &CustomerId,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    let row = sqlx::query!(
        r#"SELECT c.dob_enc, a.zip AS "zip?: String" FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.id = ?1"#,
        customer_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.dob_enc, r.zip)))
}

/// The customer of a deal.
pub async fn deal_customer(store: &Store, deal_id: &DealId) -> Result<Option<String>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_scalar!(r#"SELECT customer_id FROM deal WHERE id = ?1"#, deal_id)
        .fetch_optional(store.pool())
        .await
}

/// The input (JSON) a contract document was made from.
pub async fn contract_input_json(
    store: &Store,
    document_id: &DocumentId,
) -> Result<Option<String>, sqlx::Error> {
    let document_id = document_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT input_json FROM contract_document WHERE id = ?1"#,
        document_id
    )
    .fetch_optional(store.pool())
    .await
}

/// The settings issuing a link reads, in one query: the purpose's default lifetime (`ttl_key`)
/// and the portal's address, as `(key, value)` for those that are set.
pub async fn issue_settings(
    store: &Store,
    ttl_key: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT key, value FROM meta WHERE key IN (?1, 'portal_base_url')"#,
        ttl_key
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(|r| (r.key, r.value)).collect())
}
