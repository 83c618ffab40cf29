//! The home screen's figures and the health check's record counts.

use crate::Store;

/// The home screen's counts and the stock's value.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeCountsRow {
    pub customers_total: i64,
    pub customers_added: i64,
    pub vehicles_in_stock: i64,
    pub inventory_cents: i64,
    pub staff_active: i64,
    pub audit_entries: i64,
}

/// Live customers (in all, and created at or after `added_since`), vehicles in stock and their
/// asking prices, staff not disabled, and audit entries at or after `audit_since` (stored times).
pub async fn counts(
    store: &Store,
    added_since: &str,
    audit_since: &str,
) -> Result<HomeCountsRow, sqlx::Error> {
    sqlx::query_as!(
        HomeCountsRow,
        r#"SELECT
             (SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL) AS "customers_total!: i64",
             (SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL AND created_at >= ?1)
                 AS "customers_added!: i64",
             (SELECT COUNT(*) FROM vehicle WHERE status = 'in_stock' AND deleted_at IS NULL)
                 AS "vehicles_in_stock!: i64",
             (SELECT COALESCE(SUM(price_cents), 0) FROM vehicle
                 WHERE status = 'in_stock' AND deleted_at IS NULL) AS "inventory_cents!: i64",
             (SELECT COUNT(*) FROM staff WHERE disabled = 0) AS "staff_active!: i64",
             (SELECT COUNT(*) FROM audit_log WHERE at >= ?2) AS "audit_entries!: i64""#,
        added_since,
        audit_since,
    )
    .fetch_one(store.pool())
    .await
}

/// Live customers created at or after `since` per month (`YYYY-MM`), oldest first; months
/// with none are absent.
pub async fn customers_by_month(
    store: &Store,
    since: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT substr(created_at, 1, 7) AS "month!: String", COUNT(*) AS "n!: i64"
           FROM customer
           WHERE deleted_at IS NULL AND created_at >= ?1 GROUP BY 1 ORDER BY 1"#,
        since
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(|r| (r.month, r.n)).collect())
}

/// Customers (deleted ones included) and staff accounts in the database.
pub async fn record_counts(store: &Store) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT (SELECT COUNT(*) FROM customer) AS "customers!: i64",
                  (SELECT COUNT(*) FROM staff) AS "staff!: i64""#
    )
    .fetch_one(store.pool())
    .await?;
    Ok((r.customers, r.staff))
}

/// Customers (deleted ones included) in the database.
pub async fn customer_count(store: &Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM customer"#)
        .fetch_one(store.pool())
        .await
}
