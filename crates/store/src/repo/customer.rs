//! The `customer` table and its `customer_address` rows (one aggregate): people who buy, with
//! their PII stored as ciphertext (`*_enc`) and blind indexes that the services compute. Every
//! statement that writes these rows is here; rows are stamped through a [`Write`].

use sqlx::SqliteConnection;

use dealerdesk_rules::ids::CustomerId;

use crate::write::{Stamp, Write};
use crate::Store;

/// One live customer as the detail screen reads it (PII as stored: ciphertext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub id: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub dob_enc: String,
    pub ssn_last4: String,
    pub licence_number_enc: Option<String>,
    pub licence_state: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub job_title: Option<String>,
    pub monthly_income_cents: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// The sealed PII fields of one live customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerPiiRow {
    pub dob_enc: String,
    pub ssn_enc: String,
    pub licence_number_enc: Option<String>,
}

/// One address of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRow {
    /// `current` or `previous`.
    pub kind: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// ISO date.
    pub since: String,
}

/// What an insert sets: validated fields, PII already sealed and indexed by the caller.
#[derive(Debug, Clone, Copy)]
pub struct NewCustomer<'a> {
    pub given_name: &'a str,
    pub middle_name: Option<&'a str>,
    pub family_name: &'a str,
    pub suffix: Option<&'a str>,
    pub dob_enc: &'a str,
    pub ssn_enc: &'a str,
    pub licence_number_enc: Option<&'a str>,
    pub licence_state: Option<&'a str>,
    pub ssn_last4: &'a str,
    pub ssn_index: &'a str,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub employer: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub monthly_income_cents: i64,
    pub created_by: &'a str,
}

/// What an edit sets; a `None` PII field keeps its stored value.
#[derive(Debug, Clone, Copy)]
pub struct CustomerEdit<'a> {
    pub given_name: &'a str,
    pub middle_name: Option<&'a str>,
    pub family_name: &'a str,
    pub suffix: Option<&'a str>,
    pub dob_enc: Option<&'a str>,
    pub ssn_enc: Option<&'a str>,
    pub ssn_last4: Option<&'a str>,
    pub ssn_index: Option<&'a str>,
    pub licence_number_enc: Option<&'a str>,
    pub licence_state: Option<&'a str>,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub employer: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub monthly_income_cents: i64,
}

/// What an address write sets.
#[derive(Debug, Clone, Copy)]
pub struct AddressFields<'a> {
    pub line1: &'a str,
    pub line2: Option<&'a str>,
    pub city: &'a str,
    pub state: &'a str,
    pub zip: &'a str,
    /// ISO date.
    pub since: &'a str,
}

/// Adds a customer already journaled as `s` inside the caller's transaction (the bulk load
/// stamps each row with its own time; see [`Stamp::journal`]).
pub async fn insert_stamped(
    conn: &mut SqliteConnection,
    id: &CustomerId,
    c: &NewCustomer<'_>,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    sqlx::query!(
        r#"INSERT INTO customer (id, given_name, middle_name, family_name, suffix, dob_enc, ssn_enc,
                licence_number_enc, licence_state, ssn_last4, ssn_index, phone, email, employer, job_title,
                monthly_income_cents, created_at, updated_at, created_by, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?19, ?20)"#,
        id,
        c.given_name,
        c.middle_name,
        c.family_name,
        c.suffix,
        c.dob_enc,
        c.ssn_enc,
        c.licence_number_enc,
        c.licence_state,
        c.ssn_last4,
        c.ssn_index,
        c.phone,
        c.email,
        c.employer,
        c.job_title,
        c.monthly_income_cents,
        s.at,
        c.created_by,
        s.device_id,
        s.seq,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored licence state of a live customer (`None` when there is no such customer).
pub async fn licence_state_of(
    conn: &mut SqliteConnection,
    id: &CustomerId,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let id = id.as_str();
    let row = sqlx::query!(
        r#"SELECT licence_state FROM customer WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.licence_state))
}

/// Edits a customer (journaled as `update`).
pub async fn update(
    w: &mut Write<'_>,
    id: &CustomerId,
    c: &CustomerEdit<'_>,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("customer", id, "update").await?;
    sqlx::query!(
        r#"UPDATE customer SET given_name = ?2, middle_name = ?3, family_name = ?4, suffix = ?5,
               dob_enc = COALESCE(?6, dob_enc), ssn_enc = COALESCE(?7, ssn_enc),
               ssn_last4 = COALESCE(?8, ssn_last4), ssn_index = COALESCE(?9, ssn_index),
               licence_number_enc = COALESCE(?10, licence_number_enc), licence_state = ?11,
               phone = ?12, email = ?13, employer = ?14, job_title = ?15, monthly_income_cents = ?16,
               updated_at = ?17, device_id = ?18, change_seq = ?19
           WHERE id = ?1"#,
        id,
        c.given_name,
        c.middle_name,
        c.family_name,
        c.suffix,
        c.dob_enc,
        c.ssn_enc,
        c.ssn_last4,
        c.ssn_index,
        c.licence_number_enc,
        c.licence_state,
        c.phone,
        c.email,
        c.employer,
        c.job_title,
        c.monthly_income_cents,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Sets a customer's address of `kind` (inserted or updated in place), journaled with the
/// stamp's time inside the caller's transaction.
pub async fn put_address(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: chrono::DateTime<chrono::Utc>,
    customer_id: &CustomerId,
    kind: &str,
    a: &AddressFields<'_>,
) -> Result<(), sqlx::Error> {
    let customer_id = customer_id.as_str();
    let existing = sqlx::query_scalar!(
        r#"SELECT id FROM customer_address WHERE customer_id = ?1 AND kind = ?2"#,
        customer_id,
        kind
    )
    .fetch_optional(&mut *conn)
    .await?;
    let (id, op) = match existing {
        Some(id) => (id, "update"),
        None => (crate::new_id(), "insert"),
    };
    let s = Stamp::journal(&mut *conn, device_id, now, "customer_address", &id, op).await?;
    sqlx::query!(
        r#"INSERT INTO customer_address (id, customer_id, kind, line1, line2, city, state, zip, since,
                                         created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)
           ON CONFLICT (id) DO UPDATE SET line1 = excluded.line1, line2 = excluded.line2,
               city = excluded.city, state = excluded.state, zip = excluded.zip, since = excluded.since,
               updated_at = excluded.updated_at, device_id = excluded.device_id, change_seq = excluded.change_seq"#,
        id,
        customer_id,
        kind,
        a.line1,
        a.line2,
        a.city,
        a.state,
        a.zip,
        a.since,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a customer's previous address, if any (journaled as `delete`).
pub async fn delete_previous_address(
    w: &mut Write<'_>,
    customer_id: &CustomerId,
) -> Result<(), sqlx::Error> {
    let customer_id = customer_id.as_str();
    let gone = sqlx::query_scalar!(
        r#"DELETE FROM customer_address WHERE customer_id = ?1 AND kind = 'previous' RETURNING id"#,
        customer_id
    )
    .fetch_optional(w.conn())
    .await?;
    if let Some(gone) = gone {
        w.change("customer_address", &gone, "delete").await?;
    }
    Ok(())
}

/// A live customer by id.
pub async fn get(store: &Store, id: &CustomerId) -> Result<Option<CustomerRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        CustomerRow,
        r#"SELECT id, given_name, middle_name, family_name, suffix, dob_enc, ssn_last4, licence_number_enc,
                  licence_state, phone, email, employer, job_title, monthly_income_cents, created_at, updated_at
           FROM customer WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// The sealed PII of a live customer.
pub async fn pii(store: &Store, id: &CustomerId) -> Result<Option<CustomerPiiRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        CustomerPiiRow,
        r#"SELECT dob_enc, ssn_enc, licence_number_enc
           FROM customer WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// A customer's addresses, the current one first.
pub async fn addresses(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Vec<AddressRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        AddressRow,
        r#"SELECT kind, line1, line2, city, state, zip, since FROM customer_address
           WHERE customer_id = ?1 ORDER BY kind = 'current' DESC"#,
        customer_id
    )
    .fetch_all(store.pool())
    .await
}

/// One row of a customer result list: the customer and the city and state of the current
/// address (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSummaryRow {
    pub id: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub ssn_last4: String,
    pub created_at: String,
    pub city: Option<String>,
    pub state: Option<String>,
}

/// Up to `limit` live customers that the FTS5 query `fts` matches, in no particular order (FTS5
/// streams matches and stops at the limit, which keeps common names fast on a million rows).
pub async fn search(
    store: &Store,
    fts: &str,
    limit: i64,
) -> Result<Vec<CustomerSummaryRow>, sqlx::Error> {
    sqlx::query_as!(
        CustomerSummaryRow,
        r#"SELECT c.id, c.given_name, c.middle_name, c.family_name, c.suffix, c.phone,
                  c.email, c.ssn_last4, c.created_at, a.city AS "city?", a.state AS "state?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.rid IN (SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?1 LIMIT ?2)
             AND c.deleted_at IS NULL"#,
        fts,
        limit
    )
    .fetch_all(store.pool())
    .await
}

/// How many live customers there are.
pub async fn count_live(store: &Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM customer WHERE deleted_at IS NULL"#)
        .fetch_one(store.pool())
        .await
}

/// A page of live customers in name order.
pub async fn list(
    store: &Store,
    limit: i64,
    offset: i64,
) -> Result<Vec<CustomerSummaryRow>, sqlx::Error> {
    sqlx::query_as!(
        CustomerSummaryRow,
        r#"SELECT c.id, c.given_name, c.middle_name, c.family_name, c.suffix, c.phone,
                  c.email, c.ssn_last4, c.created_at, a.city AS "city?", a.state AS "state?"
           FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.deleted_at IS NULL
           ORDER BY c.family_name, c.given_name LIMIT ?1 OFFSET ?2"#,
        limit,
        offset
    )
    .fetch_all(store.pool())
    .await
}

/// The state of a live customer's current address: `None` when there is no such customer,
/// `Some(None)` when they have no current address.
pub async fn current_state_of(
    conn: &mut SqliteConnection,
    id: &CustomerId,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let id = id.as_str();
    let row = sqlx::query!(
        r#"SELECT a.state AS "state?" FROM customer c
           LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'
           WHERE c.id = ?1 AND c.deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.state))
}

/// Whether a live customer has this id.
pub async fn is_live(store: &Store, id: &CustomerId) -> Result<bool, sqlx::Error> {
    let id = id.as_str();
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM customer WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(found.is_some())
}

/// Re-encrypts every customer's date of birth, SSN and licence number under `new` and recomputes
/// the SSN blind index, inside the caller's transaction (not journaled: not a business change).
/// Returns the number of customers.
pub async fn reencrypt(
    conn: &mut SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    use crate::crypto::{reseal, reseal_opt};
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", dob_enc, ssn_enc, licence_number_enc FROM customer ORDER BY rid"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut count = 0;
    for r in rows {
        let ctx = |field: &str| format!("customer.{field}:{}", r.id);
        let dob = reseal(old, new, &r.dob_enc, &ctx("dob"))?;
        let ssn_plain = old.decrypt(&r.ssn_enc, &ctx("ssn"))?;
        let ssn = new.encrypt(&ssn_plain, &ctx("ssn"));
        let ssn_index = new.blind_index("ssn", &ssn_plain);
        let licence = reseal_opt(
            old,
            new,
            r.licence_number_enc.as_deref(),
            &ctx("licence_number"),
        )?;
        sqlx::query!(
            r#"UPDATE customer SET dob_enc = ?2, ssn_enc = ?3, licence_number_enc = ?4,
                   ssn_index = ?5
               WHERE id = ?1"#,
            r.id,
            dob,
            ssn,
            licence,
            ssn_index,
        )
        .execute(&mut *conn)
        .await?;
        count += 1;
    }
    Ok(count)
}
