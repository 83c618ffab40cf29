//! Typed ids for the main entities: a `CustomerId` cannot be passed where a `DealId` is wanted.
//!
//! Each id is a newtype over the text id the store makes today (`dealerdesk_store::new_id()`,
//! wrapped with `XxxId::from(new_id())`). Nothing about the text is checked: an unknown id still
//! gives "not found" from the service that looks it up. On the wire an id is its plain string
//! (`#[serde(transparent)]`), and TypeScript sees it as an alias of `string`
//! (`export type CustomerId = string;`), so IPC arguments and views keep their JSON shape.
//!
//! Typed: customers, vehicles, deals, credit applications, identity checks, contract documents
//! and adverse-action notices. Ids of other rows (links, stipulations, staff, sessions, lenders,
//! decisions, lender messages) are still bare strings.
//!
//! Where they are used: the services' functions take them, and the views and inputs the services
//! hand out or accept hold them in every field naming one of these entities (`ApplicationView`'s
//! `customer_id` and `deal_id`, `ContractRecord::application_id`, `NoticeDue::id`, link and portal
//! views' `customer_id` …). An id does not read as a `&str` by itself: ask for `as_str()` (to
//! bind, format into an audit subject or an AEAD context, trim user input) or `into_string()`.
//!
//! The store and the ids: this crate may not depend on sqlx, so the ids carry no `sqlx::Type`.
//! All store functions taking these ids (repos and read models) take the typed id and bind
//! `id.as_str()`; the store's row structs keep `String` fields, and the services convert them
//! (`CustomerId::from(row.id)`). The ids of other rows are still `&str`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id's text, as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == &other.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

ids! {
    /// A customer (`customer.id`).
    CustomerId;
    /// A vehicle in stock (`vehicle.id`).
    VehicleId;
    /// A deal (`deal.id`).
    DealId;
    /// A credit application (`credit_application.id`).
    ApplicationId;
    /// An identity check (`identity_check.id`).
    IdentityCheckId;
    /// A contract document (`contract_document.id`).
    DocumentId;
    /// An adverse action notice (`adverse_notice.id`).
    NoticeId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_plain_string_on_the_wire_and_in_typescript() {
        let id = CustomerId::from("c-1".to_string());
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"c-1\""));
        let back: Result<CustomerId, _> = serde_json::from_str("\"c-1\"");
        assert_eq!(back.ok(), Some(id.clone()));
        assert_eq!(id.as_str(), "c-1");
        assert_eq!(id, "c-1");
        assert_eq!(id.to_string(), "c-1");
        let cfg = ts_rs::Config::new();
        assert_eq!(CustomerId::decl(&cfg).trim(), "type CustomerId = string;");
    }
}
