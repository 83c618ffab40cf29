//! The `deal` table and its `deal_option` rows (one aggregate): a customer, a vehicle, a status
//! and one to three priced options. Every statement that writes these rows is here; the
//! services price the options and hand over the figures.

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::DealId;
use sqlx::SqliteConnection;

use crate::write::{Stamp, Write};
use crate::Store;

/// What a deal write sets (validated and priced by the caller).
#[derive(Debug, Clone, Copy)]
pub struct DealFields<'a> {
    pub customer_id: &'a str,
    pub vehicle_id: &'a str,
    pub salesperson: Option<&'a str>,
    /// `open`, `sold` or `lost`.
    pub status: &'a str,
    pub usury_state: Option<&'a str>,
    pub max_rate: &'a str,
    pub notes: Option<&'a str>,
}

/// One option to store, with its figures in cents.
#[derive(Debug, Clone, Copy)]
pub struct NewDealOption<'a> {
    /// `loan` or `lease`.
    pub kind: &'a str,
    pub label: Option<&'a str>,
    pub selected: bool,
    pub input_json: &'a str,
    pub quote_json: &'a str,
    pub quote_sha256: &'a str,
    pub term_months: i64,
    pub monthly_payment_cents: i64,
    pub amount_financed_cents: Option<i64>,
    pub finance_charge_cents: Option<i64>,
    pub apr: Option<&'a str>,
    pub due_at_signing_cents: Option<i64>,
    pub total_of_payments_cents: i64,
}

/// One stored option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealOptionRow {
    pub id: String,
    pub deal_id: String,
    pub position: i64,
    pub kind: String,
    pub label: Option<String>,
    pub selected: i64,
    pub input_json: String,
    pub quote_json: String,
    pub quote_sha256: String,
    pub term_months: i64,
    pub monthly_payment_cents: i64,
    pub amount_financed_cents: Option<i64>,
    pub finance_charge_cents: Option<i64>,
    pub apr: Option<String>,
    pub due_at_signing_cents: Option<i64>,
    pub total_of_payments_cents: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Whether a live deal has this id.
pub async fn is_live(conn: &mut SqliteConnection, id: &DealId) -> Result<bool, sqlx::Error> {
    let id = id.as_str();
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM deal WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Adds a deal already journaled as `s` inside the caller's transaction (the demo stamps its
/// deals with their own creation times).
pub async fn insert_stamped(
    conn: &mut SqliteConnection,
    id: &DealId,
    d: &DealFields<'_>,
    created_by: &str,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    sqlx::query!(
        r#"INSERT INTO deal (id, customer_id, vehicle_id, salesperson, status, usury_state, max_rate, notes,
                             created_at, updated_at, created_by, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12)"#,
        id,
        d.customer_id,
        d.vehicle_id,
        d.salesperson,
        d.status,
        d.usury_state,
        d.max_rate,
        d.notes,
        s.at,
        created_by,
        s.device_id,
        s.seq,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a deal's fields (journaled as `update`).
pub async fn update(w: &mut Write<'_>, id: &DealId, d: &DealFields<'_>) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("deal", id, "update").await?;
    sqlx::query!(
        r#"UPDATE deal SET customer_id = ?2, vehicle_id = ?3, salesperson = ?4, status = ?5, usury_state = ?6,
               max_rate = ?7, notes = ?8, updated_at = ?9, device_id = ?10, change_seq = ?11
           WHERE id = ?1"#,
        id,
        d.customer_id,
        d.vehicle_id,
        d.salesperson,
        d.status,
        d.usury_state,
        d.max_rate,
        d.notes,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Replaces every option of a deal (the old ones journaled as `delete`, the new ones as
/// `insert`, in positions 1, 2, 3 in the order given), at `now` inside the caller's transaction.
pub async fn replace_options(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: DateTime<Utc>,
    deal_id: &DealId,
    options: &[NewDealOption<'_>],
) -> Result<(), sqlx::Error> {
    let deal_id = deal_id.as_str();
    let old = sqlx::query_scalar!(
        r#"DELETE FROM deal_option WHERE deal_id = ?1 RETURNING id"#,
        deal_id
    )
    .fetch_all(&mut *conn)
    .await?;
    for id in old {
        Stamp::journal(&mut *conn, device_id, now, "deal_option", &id, "delete").await?;
    }
    for (i, o) in options.iter().enumerate() {
        let id = crate::new_id();
        let s = Stamp::journal(&mut *conn, device_id, now, "deal_option", &id, "insert").await?;
        let position = i as i64 + 1;
        let selected = i64::from(o.selected);
        sqlx::query!(
            r#"INSERT INTO deal_option (id, deal_id, position, kind, label, selected, input_json, quote_json,
                   quote_sha256, term_months, monthly_payment_cents, amount_financed_cents, finance_charge_cents,
                   apr, due_at_signing_cents, total_of_payments_cents, created_at, updated_at, device_id, change_seq)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?19)"#,
            id,
            deal_id,
            position,
            o.kind,
            o.label,
            selected,
            o.input_json,
            o.quote_json,
            o.quote_sha256,
            o.term_months,
            o.monthly_payment_cents,
            o.amount_financed_cents,
            o.finance_charge_cents,
            o.apr,
            o.due_at_signing_cents,
            o.total_of_payments_cents,
            s.at,
            s.device_id,
            s.seq,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A deal's options in position order.
pub async fn options(store: &Store, deal_id: &DealId) -> Result<Vec<DealOptionRow>, sqlx::Error> {
    let deal_id = deal_id.as_str();
    sqlx::query_as!(
        DealOptionRow,
        r#"SELECT id, deal_id, position, kind, label, selected, input_json, quote_json, quote_sha256,
                  term_months, monthly_payment_cents, amount_financed_cents, finance_charge_cents, apr,
                  due_at_signing_cents, total_of_payments_cents, created_at, updated_at
           FROM deal_option WHERE deal_id = ?1 ORDER BY position"#,
        deal_id
    )
    .fetch_all(store.pool())
    .await
}
