//! The deal screens' reads: a deal with its customer's name and its vehicle, the deal list with
//! each deal's selected option, and the salesperson check on save.

use sqlx::SqliteConnection;

use dealerdesk_rules::ids::DealId;

use crate::Store;

/// One deal with the names the detail screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealDetailRow {
    pub id: String,
    pub customer_id: String,
    pub vehicle_id: String,
    pub salesperson: Option<String>,
    pub status: String,
    pub usury_state: Option<String>,
    pub max_rate: String,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub given_name: String,
    pub family_name: String,
    pub vin: String,
    pub model_year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
}

/// One row of the deal list: the deal, its customer and vehicle, and its selected option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealListRow {
    pub id: String,
    pub customer_id: String,
    pub vehicle_id: String,
    pub status: String,
    pub salesperson: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub given_name: String,
    pub family_name: String,
    pub model_year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub kind: String,
    pub term_months: i64,
    pub monthly_payment_cents: i64,
    pub amount_financed_cents: Option<i64>,
    pub due_at_signing_cents: Option<i64>,
    pub apr: Option<String>,
    pub option_count: i64,
}

/// What the deal list asks for: exact values when given, and lower-case words that must each
/// appear in the customer's names, the VIN, the make or the model.
#[derive(Debug, Clone, Default)]
pub struct DealQuery<'a> {
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub vehicle_id: Option<&'a str>,
    pub words: Vec<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A live deal with its customer's name and its vehicle.
pub async fn detail(store: &Store, id: &DealId) -> Result<Option<DealDetailRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        DealDetailRow,
        r#"SELECT d.id, d.customer_id, d.vehicle_id, d.salesperson, d.status, d.usury_state, d.max_rate, d.notes,
                  d.created_at, d.updated_at, d.created_by, c.given_name, c.family_name,
                  v.vin, v.model_year, v.make, v.model, v.trim
           FROM deal d JOIN customer c ON c.id = d.customer_id JOIN vehicle v ON v.id = d.vehicle_id
           WHERE d.id = ?1 AND d.deleted_at IS NULL"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// A page of live deals matching `q`, newest first, and how many matched in all.
pub async fn list(
    store: &Store,
    q: &DealQuery<'_>,
) -> Result<(Vec<DealListRow>, i64), sqlx::Error> {
    // The words go in as one JSON array; a deal matches when no word fails to match it.
    let words = serde_json::to_string(&q.words).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let total = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64"
           FROM deal d
           JOIN customer c ON c.id = d.customer_id
           JOIN vehicle v ON v.id = d.vehicle_id
           JOIN deal_option o ON o.deal_id = d.id AND o.selected = 1
           WHERE d.deleted_at IS NULL
             AND (?1 IS NULL OR d.status = ?1)
             AND (?2 IS NULL OR o.kind = ?2)
             AND (?3 IS NULL OR d.customer_id = ?3)
             AND (?4 IS NULL OR d.vehicle_id = ?4)
             AND NOT EXISTS (
                 SELECT 1 FROM json_each(?5) AS w
                 WHERE NOT (instr(lower(c.given_name), w.value) > 0 OR instr(lower(c.family_name), w.value) > 0
                         OR instr(lower(v.vin), w.value) > 0 OR instr(lower(v.make), w.value) > 0
                         OR instr(lower(v.model), w.value) > 0))"#,
        q.status,
        q.kind,
        q.customer_id,
        q.vehicle_id,
        words,
    )
    .fetch_one(store.pool())
    .await?;
    let rows = sqlx::query_as!(
        DealListRow,
        r#"SELECT d.id, d.customer_id, d.vehicle_id, d.status, d.salesperson, d.created_at, d.updated_at,
                  c.given_name, c.family_name, v.model_year, v.make, v.model, v.trim,
                  o.kind, o.term_months, o.monthly_payment_cents, o.amount_financed_cents, o.due_at_signing_cents, o.apr,
                  (SELECT COUNT(*) FROM deal_option x WHERE x.deal_id = d.id) AS "option_count!: i64"
           FROM deal d
           JOIN customer c ON c.id = d.customer_id
           JOIN vehicle v ON v.id = d.vehicle_id
           JOIN deal_option o ON o.deal_id = d.id AND o.selected = 1
           WHERE d.deleted_at IS NULL
             AND (?1 IS NULL OR d.status = ?1)
             AND (?2 IS NULL OR o.kind = ?2)
             AND (?3 IS NULL OR d.customer_id = ?3)
             AND (?4 IS NULL OR d.vehicle_id = ?4)
             AND NOT EXISTS (
                 SELECT 1 FROM json_each(?5) AS w
                 WHERE NOT (instr(lower(c.given_name), w.value) > 0 OR instr(lower(c.family_name), w.value) > 0
                         OR instr(lower(v.vin), w.value) > 0 OR instr(lower(v.make), w.value) > 0
                         OR instr(lower(v.model), w.value) > 0))
           ORDER BY d.created_at DESC, d.id DESC LIMIT ?6 OFFSET ?7"#,
        q.status,
        q.kind,
        q.customer_id,
        q.vehicle_id,
        words,
        q.limit,
        q.offset,
    )
    .fetch_all(store.pool())
    .await?;
    Ok((rows, total))
}

/// The username of an active (not disabled) staff member, if `username` is one.
pub async fn active_staff(
    conn: &mut SqliteConnection,
    username: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT username FROM staff WHERE username = ?1 AND disabled = 0"#,
        username
    )
    .fetch_optional(conn)
    .await
}
