//! Figures for the home screen, straight from the store.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;
use ts_rs::TS;

use dealerdesk_rules::money::Money;
use dealerdesk_store::{ts, Store};

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MonthCount {
    /// `YYYY-MM`
    pub month: String,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HomeFigures {
    #[ts(type = "number")]
    pub customers_total: i64,
    #[ts(type = "number")]
    pub customers_added_30d: i64,
    #[ts(type = "number")]
    pub vehicles_in_stock: i64,
    /// Sum of asking prices of vehicles in stock, "1234567.00".
    pub inventory_value: String,
    #[ts(type = "number")]
    pub staff_active: i64,
    #[ts(type = "number")]
    pub audit_entries_today: i64,
    /// New customers in each of the last 12 months, oldest first (months with none included).
    pub customers_by_month: Vec<MonthCount>,
}

pub async fn figures(store: &Store, now: DateTime<Utc>) -> Result<HomeFigures, sqlx::Error> {
    let pool = store.pool();
    let row = sqlx::query(
        r#"SELECT
             (SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL),
             (SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL AND created_at >= ?1),
             (SELECT COUNT(*) FROM vehicle WHERE status = 'in_stock' AND deleted_at IS NULL),
             (SELECT COALESCE(SUM(price_cents), 0) FROM vehicle WHERE status = 'in_stock' AND deleted_at IS NULL),
             (SELECT COUNT(*) FROM staff WHERE disabled = 0),
             (SELECT COUNT(*) FROM audit_log WHERE at >= ?2)"#,
    )
    .bind(ts(now - Duration::days(30)))
    .bind(ts(now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
    .fetch_one(pool)
    .await?;
    let first_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .unwrap_or_default();
    let counts: Vec<(String, i64)> = sqlx::query(
        r#"SELECT substr(created_at, 1, 7) AS month, COUNT(*) FROM customer
           WHERE deleted_at IS NULL AND created_at >= ?1 GROUP BY month ORDER BY month"#,
    )
    .bind(first_month.to_string())
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let customers_by_month = (0..12)
        .filter_map(|i| first_month.checked_add_months(Months::new(i)))
        .map(|m| {
            let key = m.format("%Y-%m").to_string();
            let count = counts
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(0, |(_, c)| *c);
            MonthCount { month: key, count }
        })
        .collect();
    Ok(HomeFigures {
        customers_total: row.try_get(0)?,
        customers_added_30d: row.try_get(1)?,
        vehicles_in_stock: row.try_get(2)?,
        inventory_value: Money::from_cents(row.try_get(3)?).to_plain(),
        staff_active: row.try_get(4)?,
        audit_entries_today: row.try_get(5)?,
        customers_by_month,
    })
}
