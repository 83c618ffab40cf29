//! What the demo generator reads back while it fills a database.

use crate::Store;

/// Staff accounts plus customers in the database (zero for an empty desk).
pub async fn people_count(store: &Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT (SELECT COUNT(*) FROM staff) + (SELECT COUNT(*) FROM customer) AS "n!: i64""#
    )
    .fetch_one(store.pool())
    .await
}

/// The customers who have a deal, by id.
pub async fn customers_with_deals(store: &Store) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT DISTINCT customer_id FROM deal ORDER BY customer_id"#)
        .fetch_all(store.pool())
        .await
}
