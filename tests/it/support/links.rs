//! Access-link fixtures: a customer links may be issued for, and the issue request.

use dealerdesk_services::links::{IssueLink, LinkPurpose};
use dealerdesk_store::Store;

/// Links are issued only for verified customers: this one was checked and came out verified.
pub async fn customer_id(store: &Store) -> String {
    super::desk::verified_customer(store).await.into_string()
}

/// A link for `purpose` to customer `customer_id`, with the purpose's default lifetime.
pub fn issue_input(customer_id: &str, purpose: LinkPurpose) -> IssueLink {
    IssueLink {
        customer_id: customer_id.into(),
        purpose,
        ttl_minutes: None,
        application_id: None,
    }
}
