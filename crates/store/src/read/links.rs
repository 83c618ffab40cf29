//! What the customer links read from the customer's record (its tables belong to the customer
//! repository): contact details and the knowledge-check facts.

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
    customer_id: &str,
) -> Result<Option<CustomerContactRow>, sqlx::Error> {
    sqlx::query_as!(
        CustomerContactRow,
        r#"SELECT given_name, phone, email FROM customer WHERE id = ?1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}
