//! Figures for the home screen, straight from the store.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use ts_rs::TS;

use dealerdesk_rules::money::Money;
use dealerdesk_store::read::home as read;
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
    let row = read::counts(
        store,
        &ts(now - Duration::days(30)),
        &ts(now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()),
    )
    .await?;
    let first_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .unwrap_or_default();
    let counts = read::customers_by_month(store, &first_month.to_string()).await?;
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
        customers_total: row.customers_total,
        customers_added_30d: row.customers_added,
        vehicles_in_stock: row.vehicles_in_stock,
        inventory_value: Money::from_cents(row.inventory_cents).to_plain(),
        staff_active: row.staff_active,
        audit_entries_today: row.audit_entries,
        customers_by_month,
    })
}
