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

use dealerdesk_rules::ids::VehicleId;
use dealerdesk_rules::money::Money;
use dealerdesk_store::repo::vehicle::{self as repo, VehicleFields};
use dealerdesk_store::{new_id, Stamp};

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
) -> Result<VehicleId, sqlx::Error> {
    let id = VehicleId::from(new_id());
    let stamp =
        Stamp::journal(&mut *conn, device_id, now, "vehicle", id.as_str(), "insert").await?;
    let fields = VehicleFields {
        vin: &v.vin,
        model_year: i64::from(v.model_year),
        make: &v.make,
        model: &v.model,
        trim: v.trim.as_deref(),
        mileage: v.mileage,
        price_cents: v.price.cents().unwrap_or(0),
        condition: if v.used { "used" } else { "new" },
        status: "in_stock",
    };
    repo::insert_stamped(conn, &id, &fields, &stamp).await?;
    Ok(id)
}
