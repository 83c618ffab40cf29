//! Vehicles and VINs: the 49 CFR 565 check digit, VIN decoding ([`vin`]) and the inventory
//! ([`inventory`]: add, edit, show, list).

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

pub mod inventory;

pub use dealerdesk_rules::vehicle::{
    check_digit, check_digit_ok, decode_vin, vin, VinError, VinReport, VIN_ALPHABET,
};
pub use inventory::{
    add_vehicle, find_by_vin, get_vehicle, list_vehicles, update_vehicle, VehicleCondition,
    VehicleError, VehicleFilter, VehicleInput, VehiclePage, VehicleStatus, VehicleView,
};

use dealerdesk_rules::money::Money;
use dealerdesk_store::{journal, new_id, ts};

/// A vehicle to stock.
#[derive(Debug, Clone)]
pub struct NewVehicle {
    pub vin: String,
    pub model_year: i32,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub mileage: i64,
    pub price: Money,
    pub used: bool,
}

/// Inserts a vehicle inside the caller's transaction (the demo generator's bulk load; the desk
/// uses [`add_vehicle`], which validates and audits).
pub async fn insert_tx(
    conn: &mut SqliteConnection,
    device_id: &str,
    v: &NewVehicle,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let seq = journal(&mut *conn, "vehicle", &id, "insert", device_id, now).await?;
    sqlx::query(
        r#"INSERT INTO vehicle (id, vin, model_year, make, model, trim, mileage, price_cents, condition, status,
                                created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'in_stock', ?10, ?10, ?11, ?12)"#,
    )
    .bind(&id)
    .bind(&v.vin)
    .bind(v.model_year)
    .bind(&v.make)
    .bind(&v.model)
    .bind(&v.trim)
    .bind(v.mileage)
    .bind(v.price.cents().unwrap_or(0))
    .bind(if v.used { "used" } else { "new" })
    .bind(ts(now))
    .bind(device_id)
    .bind(seq)
    .execute(conn)
    .await?;
    Ok(id)
}
