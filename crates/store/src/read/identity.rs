//! What identity verification reads from the customer tables: the facts on file (PII as
//! ciphertext), other customers sharing an SSN, phone or e-mail, and the one-read status of the
//! latest check that gates link issuing.

use dealerdesk_rules::ids::CustomerId;
use sqlx::SqliteConnection;

use crate::Store;

/// The identity facts on file for a live customer and their current address (PII sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFileRow {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub dob_enc: String,
    pub ssn_enc: String,
    pub ssn_index: String,
    pub licence_number_enc: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

/// Another customer sharing a fact, with their current home (line 1 and ZIP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherCustomerRow {
    pub id: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub line1: Option<String>,
    pub zip: Option<String>,
}

/// The latest check of a customer in one row: its id (`None` without a check), outcome and
/// fingerprint, its rules `[[status, code], …]`, resolutions `[[kind, target, decision], …]` and
/// candidates `[ent_num, …]` as JSON, and the facts on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestStatusRow {
    pub check_id: Option<String>,
    pub outcome: Option<String>,
    pub facts_fingerprint: Option<String>,
    pub rules_json: Option<String>,
    pub resolutions_json: Option<String>,
    pub candidates_json: Option<String>,
    pub on_file: OnFileRow,
}

/// The facts on file for a live customer.
pub async fn on_file(
    conn: &mut SqliteConnection,
    customer_id: &CustomerId,
) -> Result<Option<OnFileRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        OnFileRow,
        r#"SELECT c.given_name, c.middle_name, c.family_name, c.suffix, c.dob_enc, c.ssn_enc, c.ssn_index,
                  c.licence_number_enc, c.phone, c.email, a.line1 AS "line1?", a.line2, a.city AS "city?",
                  a.state AS "state?", a.zip AS "zip?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.id = ?1 AND c.deleted_at IS NULL"#,
        customer_id
    )
    .fetch_optional(conn)
    .await
}

/// Up to 50 other live customers with this SSN blind index.
pub async fn others_with_ssn_index(
    conn: &mut SqliteConnection,
    ssn_index: &str,
    customer_id: &CustomerId,
) -> Result<Vec<OtherCustomerRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        OtherCustomerRow,
        r#"SELECT c.id, c.given_name, c.middle_name, c.family_name, c.suffix, a.line1 AS "line1?", a.zip AS "zip?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.ssn_index = ?1 AND c.id <> ?2 AND c.deleted_at IS NULL
           ORDER BY c.id LIMIT 50"#,
        ssn_index,
        customer_id
    )
    .fetch_all(conn)
    .await
}

/// The ids of other live customers with this SSN blind index that another desk entered than
/// `device_id` (the same person entered at two desks), at most 50.
pub async fn same_ssn_from_other_desks(
    conn: &mut SqliteConnection,
    ssn_index: &str,
    customer_id: &str,
    device_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT id FROM customer
           WHERE ssn_index = ?1 AND id <> ?2 AND device_id <> ?3 AND deleted_at IS NULL
           ORDER BY id LIMIT 50"#,
        ssn_index,
        customer_id,
        device_id
    )
    .fetch_all(conn)
    .await
}

/// Up to 50 other live customers with this phone number.
pub async fn others_with_phone(
    conn: &mut SqliteConnection,
    phone: &str,
    customer_id: &CustomerId,
) -> Result<Vec<OtherCustomerRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        OtherCustomerRow,
        r#"SELECT c.id, c.given_name, c.middle_name, c.family_name, c.suffix, a.line1 AS "line1?", a.zip AS "zip?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.phone = ?1 AND c.id <> ?2 AND c.deleted_at IS NULL
           ORDER BY c.id LIMIT 50"#,
        phone,
        customer_id
    )
    .fetch_all(conn)
    .await
}

/// Up to 50 other live customers with this e-mail address.
pub async fn others_with_email(
    conn: &mut SqliteConnection,
    email: &str,
    customer_id: &CustomerId,
) -> Result<Vec<OtherCustomerRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        OtherCustomerRow,
        r#"SELECT c.id, c.given_name, c.middle_name, c.family_name, c.suffix, a.line1 AS "line1?", a.zip AS "zip?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.email = ?1 AND c.id <> ?2 AND c.deleted_at IS NULL
           ORDER BY c.id LIMIT 50"#,
        email,
        customer_id
    )
    .fetch_all(conn)
    .await
}

/// The latest check of a live customer and the facts on file, in one read (`None` when there is
/// no such customer).
pub async fn latest_status(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<LatestStatusRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    let row = sqlx::query!(
        r#"SELECT k.id AS "check_id?", k.outcome AS "outcome?", k.facts_fingerprint AS "facts_fingerprint?",
                (SELECT json_group_array(json_array(r.status, r.code))
                   FROM identity_check_rule r WHERE r.check_id = k.id) AS "rules_json?: String",
                (SELECT json_group_array(json_array(x.kind, x.target, x.decision))
                   FROM identity_resolution x WHERE x.check_id = k.id) AS "resolutions_json?: String",
                (SELECT json_group_array(d.ent_num)
                   FROM identity_check_candidate d WHERE d.check_id = k.id) AS "candidates_json?: String",
                c.given_name, c.middle_name, c.family_name, c.suffix, c.dob_enc, c.ssn_enc, c.ssn_index,
                c.licence_number_enc, c.phone, c.email, a.line1 AS "line1?", a.line2, a.city AS "city?",
                a.state AS "state?", a.zip AS "zip?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           LEFT JOIN identity_check k ON k.id = (
               SELECT id FROM identity_check WHERE customer_id = c.id
               ORDER BY checked_at DESC, rowid DESC LIMIT 1)
           WHERE c.id = ?1 AND c.deleted_at IS NULL"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| LatestStatusRow {
        check_id: r.check_id,
        outcome: r.outcome,
        facts_fingerprint: r.facts_fingerprint,
        rules_json: r.rules_json,
        resolutions_json: r.resolutions_json,
        candidates_json: r.candidates_json,
        on_file: OnFileRow {
            given_name: r.given_name,
            middle_name: r.middle_name,
            family_name: r.family_name,
            suffix: r.suffix,
            dob_enc: r.dob_enc,
            ssn_enc: r.ssn_enc,
            ssn_index: r.ssn_index,
            licence_number_enc: r.licence_number_enc,
            phone: r.phone,
            email: r.email,
            line1: r.line1,
            line2: r.line2,
            city: r.city,
            state: r.state,
            zip: r.zip,
        },
    }))
}
