//! The `vehicle` table: the dealership's inventory. Every statement that reads or writes the
//! table's rows is here, compile-checked against the schema (the query data is in `.sqlx/`).
//! Rows are stamped through a [`Write`]; reads give typed rows, and the services turn them into
//! views (enum text read with [`crate::known`]).

use dealerdesk_rules::ids::VehicleId;
use sqlx::SqliteConnection;

use crate::write::{Stamp, Write};
use crate::Store;

/// One stored vehicle (live or deleted rows alike; the reads below return live rows only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRow {
    pub id: String,
    pub vin: String,
    pub model_year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub mileage: i64,
    pub price_cents: i64,
    /// `new` or `used`.
    pub condition: String,
    /// `in_stock` or `sold`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What a write sets: every field a person edits, already validated by the caller.
#[derive(Debug, Clone, Copy)]
pub struct VehicleFields<'a> {
    pub vin: &'a str,
    pub model_year: i64,
    pub make: &'a str,
    pub model: &'a str,
    pub trim: Option<&'a str>,
    pub mileage: i64,
    pub price_cents: i64,
    pub condition: &'a str,
    pub status: &'a str,
}

/// What the inventory list asks for: exact status and condition when given, and words that must
/// each appear in the VIN, make, model or trim (case-insensitive), or equal the model year.
#[derive(Debug, Clone, Default)]
pub struct VehicleQuery<'a> {
    pub status: Option<&'a str>,
    pub condition: Option<&'a str>,
    /// Lower-case words.
    pub words: Vec<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Adds a vehicle (journaled as `insert`).
pub async fn insert(
    w: &mut Write<'_>,
    id: &VehicleId,
    f: &VehicleFields<'_>,
) -> Result<(), sqlx::Error> {
    let s = w.change("vehicle", id.as_str(), "insert").await?;
    insert_stamped(w.conn(), id, f, &s).await
}

/// Adds a vehicle already journaled as `s` inside the caller's transaction (the demo's bulk
/// load; everything else uses [`insert`]).
pub async fn insert_stamped(
    conn: &mut SqliteConnection,
    id: &VehicleId,
    f: &VehicleFields<'_>,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    sqlx::query!(
        r#"INSERT INTO vehicle (id, vin, model_year, make, model, trim, mileage, price_cents,
                                condition, status, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)"#,
        id,
        f.vin,
        f.model_year,
        f.make,
        f.model,
        f.trim,
        f.mileage,
        f.price_cents,
        f.condition,
        f.status,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces every field of a vehicle (journaled as `update`).
pub async fn update(
    w: &mut Write<'_>,
    id: &VehicleId,
    f: &VehicleFields<'_>,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    let s = w.change("vehicle", id, "update").await?;
    sqlx::query!(
        r#"UPDATE vehicle SET vin = ?2, model_year = ?3, make = ?4, model = ?5, trim = ?6,
               mileage = ?7, price_cents = ?8, condition = ?9, status = ?10, updated_at = ?11,
               device_id = ?12, change_seq = ?13
           WHERE id = ?1"#,
        id,
        f.vin,
        f.model_year,
        f.make,
        f.model,
        f.trim,
        f.mileage,
        f.price_cents,
        f.condition,
        f.status,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The id of the vehicle (live or deleted) that holds `vin`, if any: a VIN is unique in the table.
pub async fn holder_of_vin(
    conn: &mut SqliteConnection,
    vin: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT id FROM vehicle WHERE vin = ?1"#, vin)
        .fetch_optional(conn)
        .await
}

/// The stored status of a live vehicle.
pub async fn status_of(
    conn: &mut SqliteConnection,
    id: &VehicleId,
) -> Result<Option<String>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_scalar!(
        r#"SELECT status FROM vehicle WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// The stored status of a vehicle, deleted or not.
pub async fn stored_status(
    conn: &mut SqliteConnection,
    id: &VehicleId,
) -> Result<Option<String>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_scalar!(r#"SELECT status FROM vehicle WHERE id = ?1"#, id)
        .fetch_optional(conn)
        .await
}

/// Whether a live vehicle has this id.
pub async fn is_live(conn: &mut SqliteConnection, id: &VehicleId) -> Result<bool, sqlx::Error> {
    let id = id.as_str();
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM vehicle WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Marks a vehicle sold, as journaled in `s` inside the caller's transaction (a deal that is
/// sold sells its vehicle in the deal's own transaction).
pub async fn mark_sold(
    conn: &mut SqliteConnection,
    id: &VehicleId,
    s: &Stamp,
) -> Result<(), sqlx::Error> {
    let id = id.as_str();
    sqlx::query!(
        r#"UPDATE vehicle SET status = 'sold', updated_at = ?2, device_id = ?3, change_seq = ?4
           WHERE id = ?1"#,
        id,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A vehicle by id, deleted or not (a document names the vehicle it was made for).
pub async fn get_any(store: &Store, id: &VehicleId) -> Result<Option<VehicleRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        VehicleRow,
        r#"SELECT id, vin, model_year, make, model, trim, mileage, price_cents, condition, status,
                  created_at, updated_at
           FROM vehicle WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// A live vehicle by id.
pub async fn get(store: &Store, id: &VehicleId) -> Result<Option<VehicleRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        VehicleRow,
        r#"SELECT id, vin, model_year, make, model, trim, mileage, price_cents, condition, status,
                  created_at, updated_at
           FROM vehicle WHERE id = ?1 AND deleted_at IS NULL"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// A live vehicle by its VIN (as stored: upper case).
pub async fn get_by_vin(store: &Store, vin: &str) -> Result<Option<VehicleRow>, sqlx::Error> {
    sqlx::query_as!(
        VehicleRow,
        r#"SELECT id, vin, model_year, make, model, trim, mileage, price_cents, condition, status,
                  created_at, updated_at
           FROM vehicle WHERE vin = ?1 AND deleted_at IS NULL"#,
        vin
    )
    .fetch_optional(store.pool())
    .await
}

/// A page of live vehicles matching `q`, newest first, and how many matched in all.
pub async fn list(
    store: &Store,
    q: &VehicleQuery<'_>,
) -> Result<(Vec<VehicleRow>, i64), sqlx::Error> {
    // The words go in as one JSON array; a vehicle matches when no word fails to match it.
    let words = serde_json::to_string(&q.words).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let total = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM vehicle
           WHERE deleted_at IS NULL
             AND (?1 IS NULL OR status = ?1)
             AND (?2 IS NULL OR condition = ?2)
             AND NOT EXISTS (
                 SELECT 1 FROM json_each(?3) AS w
                 WHERE NOT (instr(lower(vin), w.value) > 0 OR instr(lower(make), w.value) > 0
                         OR instr(lower(model), w.value) > 0
                         OR instr(lower(COALESCE(trim, '')), w.value) > 0
                         OR (length(w.value) = 4 AND w.value GLOB '[0-9][0-9][0-9][0-9]'
                             AND CAST(model_year AS TEXT) = w.value)))"#,
        q.status,
        q.condition,
        words,
    )
    .fetch_one(store.pool())
    .await?;
    let rows = sqlx::query_as!(
        VehicleRow,
        r#"SELECT id, vin, model_year, make, model, trim, mileage, price_cents, condition, status,
                  created_at, updated_at
           FROM vehicle
           WHERE deleted_at IS NULL
             AND (?1 IS NULL OR status = ?1)
             AND (?2 IS NULL OR condition = ?2)
             AND NOT EXISTS (
                 SELECT 1 FROM json_each(?3) AS w
                 WHERE NOT (instr(lower(vin), w.value) > 0 OR instr(lower(make), w.value) > 0
                         OR instr(lower(model), w.value) > 0
                         OR instr(lower(COALESCE(trim, '')), w.value) > 0
                         OR (length(w.value) = 4 AND w.value GLOB '[0-9][0-9][0-9][0-9]'
                             AND CAST(model_year AS TEXT) = w.value)))
           ORDER BY created_at DESC, id DESC
           LIMIT ?4 OFFSET ?5"#,
        q.status,
        q.condition,
        words,
        q.limit,
        q.offset,
    )
    .fetch_all(store.pool())
    .await?;
    Ok((rows, total))
}
