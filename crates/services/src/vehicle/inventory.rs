//! Inventory: add, edit, show and list the vehicles on the lot.
//!
//! Rules checked in Rust, each error naming its input field for the desk:
//! - `vin`: 17 characters from the VIN alphabet (errors). A wrong check digit is only a warning:
//!   some imported and older vehicles carry one, so it is accepted when the input says
//!   `acknowledge_check_digit: true`, and refused with [`VehicleError::CheckDigit`] otherwise.
//! - `model_year`: 1981 (the first 17-character VINs) to next year. Left empty, it is taken from
//!   the VIN (position 10). Entered, it must agree with the VIN's year: a mismatch is an error,
//!   not a warning, because the year code is how the lender and the title office read the VIN
//!   (the 30-year cycle of the code is allowed for: 1995 and 2025 share a code).
//! - `mileage`: 0 to 999,999 (a six-digit odometer); a new vehicle has at most 1,000 miles.
//! - `price`: 0 to $5,000,000, whole cents.
//! - `make`, `model`: required, 1–40 characters; `trim` optional, up to 40.
//! - The same VIN twice is a [`VehicleError::Conflict`].
//!
//! Roles: any signed-in staff member may add and edit inventory (salespeople stock trade-ins and
//! correct mileage on the lot); every add and edit is journaled and audited (`vehicle.add`,
//! `vehicle.update`).

use chrono::{DateTime, Datelike, Utc};
use dealerdesk_store::known;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::vin;
use crate::auth::Actor;
use dealerdesk_rules::ids::VehicleId;
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::repo::vehicle::{self as repo, VehicleFields, VehicleQuery, VehicleRow};
use dealerdesk_store::{new_id, Store};

/// Most miles a vehicle sold as new may show (dealer trades and demo drives included).
pub const NEW_MAX_MILES: i64 = 1_000;
/// Most miles any vehicle may show: a six-digit odometer.
pub const MAX_MILES: i64 = 999_999;
/// Highest asking price the desk accepts, in dollars.
pub const MAX_PRICE_DOLLARS: i64 = 5_000_000;
/// Earliest model year with a 17-character VIN (49 CFR 565, model year 1981).
pub const FIRST_MODEL_YEAR: i32 = 1981;

#[derive(Debug, thiserror::Error)]
pub enum VehicleError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The VIN's check digit is wrong and the input did not acknowledge it.
    #[error("{message}")]
    CheckDigit { message: String },
    #[error("a vehicle with VIN {0} is already in inventory")]
    Conflict(String),
    #[error("no vehicle {0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl VehicleError {
    /// The input field at fault, for the desk to show the message next to it.
    pub fn field(&self) -> Option<&str> {
        match self {
            VehicleError::Invalid { field, .. } => Some(field),
            VehicleError::CheckDigit { .. } => Some("acknowledge_check_digit"),
            VehicleError::Conflict(_) => Some("vin"),
            _ => None,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> VehicleError {
    VehicleError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum VehicleCondition {
    New,
    Used,
}

impl VehicleCondition {
    pub fn as_str(self) -> &'static str {
        match self {
            VehicleCondition::New => "new",
            VehicleCondition::Used => "used",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(VehicleCondition::New),
            "used" => Some(VehicleCondition::Used),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    InStock,
    Sold,
}

impl VehicleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VehicleStatus::InStock => "in_stock",
            VehicleStatus::Sold => "sold",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "in_stock" => Some(VehicleStatus::InStock),
            "sold" => Some(VehicleStatus::Sold),
            _ => None,
        }
    }
}

/// A vehicle as typed at the desk, for adding or editing. `price` is a decimal string like
/// "28500.00"; `model_year` may be left out to take it from the VIN; `status` left out is
/// "in stock" for a new vehicle and unchanged for an edit.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct VehicleInput {
    pub vin: String,
    pub model_year: Option<i32>,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    #[ts(type = "number")]
    pub mileage: i64,
    pub price: String,
    pub condition: VehicleCondition,
    pub status: Option<VehicleStatus>,
    /// Staff confirm a VIN whose check digit is wrong (imported or older vehicles).
    #[serde(default)]
    pub acknowledge_check_digit: bool,
}

/// A vehicle as the inventory screens show it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VehicleView {
    pub id: VehicleId,
    pub vin: String,
    pub model_year: i32,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    #[ts(type = "number")]
    pub mileage: i64,
    /// Asking price, "28500.00".
    pub price: String,
    pub condition: VehicleCondition,
    pub status: VehicleStatus,
    pub check_digit_ok: bool,
    /// The manufacturer decoded from the VIN, when the desk knows its WMI.
    pub manufacturer: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What the inventory list asks for. `query` matches every word against VIN, make, model and
/// trim (substring, case-insensitive) or the model year (a four-digit word).
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct VehicleFilter {
    pub query: Option<String>,
    pub status: Option<VehicleStatus>,
    pub condition: Option<VehicleCondition>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VehiclePage {
    pub items: Vec<VehicleView>,
    #[ts(type = "number")]
    pub total: i64,
}

/// A validated vehicle.
struct Valid {
    vin: String,
    model_year: i32,
    make: String,
    model: String,
    trim: Option<String>,
    mileage: i64,
    price: Money,
    condition: VehicleCondition,
    check_digit_ok: bool,
}

fn text(
    field: &str,
    value: &str,
    required: bool,
    label: &str,
) -> Result<Option<String>, VehicleError> {
    let cleaned = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return if required {
            Err(invalid(field, format!("enter the {label}")))
        } else {
            Ok(None)
        };
    }
    if cleaned.chars().count() > 40 || cleaned.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("the {label} is at most 40 characters"),
        ));
    }
    Ok(Some(cleaned))
}

/// Validates a vehicle; `now` bounds the model year (next year's models are on sale).
fn validate(input: &VehicleInput, now: DateTime<Utc>) -> Result<Valid, VehicleError> {
    let report = vin::decode(&input.vin);
    if let Some(first) = report.errors.first() {
        return Err(invalid("vin", first.clone()));
    }
    if !report.check_digit_ok && !input.acknowledge_check_digit {
        let warning = report
            .warnings
            .first()
            .cloned()
            .unwrap_or_else(|| "the check digit (position 9) is wrong".into());
        return Err(VehicleError::CheckDigit {
            message: format!(
                "{warning}. If the VIN on the vehicle really reads so, confirm it (acknowledge the check digit) to save it"
            ),
        });
    }
    let latest = now.year() + 1;
    let model_year = match (input.model_year, report.model_year) {
        (None, Some(y)) => y,
        (None, None) => {
            return Err(invalid(
                "model_year",
                "enter the model year (the VIN does not give one)",
            ))
        }
        (Some(entered), Some(decoded)) if (entered - decoded) % 30 != 0 => {
            return Err(invalid(
                "model_year",
                format!(
                    "the VIN says model year {decoded} (position 10 is '{}'): check the year or the VIN",
                    report.vin.chars().nth(9).unwrap_or('?')
                ),
            ))
        }
        (Some(entered), _) => entered,
    };
    if !(FIRST_MODEL_YEAR..=latest).contains(&model_year) {
        return Err(invalid(
            "model_year",
            format!("the model year is between {FIRST_MODEL_YEAR} and {latest}"),
        ));
    }
    let make = text("make", &input.make, true, "make")?.unwrap_or_default();
    let model = text("model", &input.model, true, "model")?.unwrap_or_default();
    let trim = text("trim", input.trim.as_deref().unwrap_or(""), false, "trim")?;
    if input.mileage < 0 {
        return Err(invalid("mileage", "the mileage cannot be negative"));
    }
    if input.mileage > MAX_MILES {
        return Err(invalid(
            "mileage",
            format!("the mileage is at most {MAX_MILES}"),
        ));
    }
    if input.condition == VehicleCondition::New && input.mileage > NEW_MAX_MILES {
        return Err(invalid(
            "mileage",
            format!("a new vehicle has at most {NEW_MAX_MILES} miles; list it as used"),
        ));
    }
    let price = Money::parse_user(&input.price).map_err(|e| invalid("price", e.to_string()))?;
    if price.is_negative() {
        return Err(invalid("price", "the price cannot be negative"));
    }
    if price > Money::from_cents(MAX_PRICE_DOLLARS * 100) {
        return Err(invalid(
            "price",
            format!(
                "the price is at most {}",
                Money::from_cents(MAX_PRICE_DOLLARS * 100)
            ),
        ));
    }
    Ok(Valid {
        vin: report.vin,
        model_year,
        make,
        model,
        trim,
        mileage: input.mileage,
        price,
        condition: input.condition,
        check_digit_ok: report.check_digit_ok,
    })
}

fn detail(v: &Valid) -> String {
    let mut d = format!("VIN {} {} {} {}", v.vin, v.model_year, v.make, v.model);
    if !v.check_digit_ok {
        d.push_str("; wrong check digit acknowledged");
    }
    d
}

async fn vin_taken(
    conn: &mut sqlx::SqliteConnection,
    vin: &str,
    except: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let other = repo::holder_of_vin(conn, vin).await?;
    Ok(other.is_some_and(|id| Some(id.as_str()) != except))
}

/// The stored fields of a validated vehicle.
fn fields<'a>(v: &'a Valid, status: VehicleStatus) -> Result<VehicleFields<'a>, VehicleError> {
    Ok(VehicleFields {
        vin: &v.vin,
        model_year: i64::from(v.model_year),
        make: &v.make,
        model: &v.model,
        trim: v.trim.as_deref(),
        mileage: v.mileage,
        price_cents: v
            .price
            .cents()
            .map_err(|e| invalid("price", e.to_string()))?,
        condition: v.condition.as_str(),
        status: status.as_str(),
    })
}

/// Adds a vehicle to inventory.
#[tracing::instrument(skip_all, err)]
pub async fn add_vehicle(
    store: &Store,
    actor: &Actor,
    input: &VehicleInput,
    now: DateTime<Utc>,
) -> Result<VehicleView, VehicleError> {
    let v = validate(input, now)?;
    let status = input.status.unwrap_or(VehicleStatus::InStock);
    let id = VehicleId::from(new_id());
    let mut w = store.write(now).await?;
    if vin_taken(w.conn(), &v.vin, None).await? {
        return Err(VehicleError::Conflict(v.vin));
    }
    repo::insert(&mut w, &id, &fields(&v, status)?).await?;
    w.audit(
        AuditEvent::new(actor.name(), "vehicle.add", AuditOutcome::Success)
            .subject(format!("vehicle:{id}"))
            .detail(detail(&v)),
    );
    w.commit().await?;
    get_vehicle(store, &id).await
}

/// Edits a vehicle (every field; `status: None` keeps the stored status).
#[tracing::instrument(skip_all, err)]
pub async fn update_vehicle(
    store: &Store,
    actor: &Actor,
    id: &VehicleId,
    input: &VehicleInput,
    now: DateTime<Utc>,
) -> Result<VehicleView, VehicleError> {
    let v = validate(input, now)?;
    let mut w = store.write(now).await?;
    let stored = repo::status_of(w.conn(), id)
        .await?
        .ok_or_else(|| VehicleError::NotFound(id.to_string()))?;
    if vin_taken(w.conn(), &v.vin, Some(id.as_str())).await? {
        return Err(VehicleError::Conflict(v.vin));
    }
    let status = match input.status {
        Some(s) => s,
        None => known("vehicle status", &stored, VehicleStatus::parse)?,
    };
    repo::update(&mut w, id, &fields(&v, status)?).await?;
    w.audit(
        AuditEvent::new(actor.name(), "vehicle.update", AuditOutcome::Success)
            .subject(format!("vehicle:{id}"))
            .detail(detail(&v)),
    );
    w.commit().await?;
    get_vehicle(store, id).await
}

fn view(row: VehicleRow) -> Result<VehicleView, sqlx::Error> {
    let report = vin::decode(&row.vin);
    Ok(VehicleView {
        id: VehicleId::from(row.id),
        model_year: i32::try_from(row.model_year).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        make: row.make,
        model: row.model,
        trim: row.trim,
        mileage: row.mileage,
        price: Money::from_cents(row.price_cents).to_plain(),
        condition: known("vehicle condition", &row.condition, VehicleCondition::parse)?,
        status: known("vehicle status", &row.status, VehicleStatus::parse)?,
        check_digit_ok: report.check_digit_ok,
        manufacturer: report.manufacturer.map(str::to_string),
        vin: row.vin,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One vehicle.
pub async fn get_vehicle(store: &Store, id: &VehicleId) -> Result<VehicleView, VehicleError> {
    let row = repo::get(store, id)
        .await?
        .ok_or_else(|| VehicleError::NotFound(id.to_string()))?;
    Ok(view(row)?)
}

/// One vehicle by its VIN (trimmed, any case).
pub async fn find_by_vin(store: &Store, vin_text: &str) -> Result<VehicleView, VehicleError> {
    let vin_text = vin_text.trim().to_ascii_uppercase();
    let row = repo::get_by_vin(store, &vin_text)
        .await?
        .ok_or(VehicleError::NotFound(vin_text))?;
    Ok(view(row)?)
}

/// A page of inventory, newest first, with the total that matched.
pub async fn list_vehicles(
    store: &Store,
    filter: &VehicleFilter,
) -> Result<VehiclePage, VehicleError> {
    let limit = filter.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid("limit", "show 1 to 200 vehicles a page"));
    }
    let words: Vec<String> = filter
        .query
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .take(8)
        .map(str::to_lowercase)
        .collect();
    let query = VehicleQuery {
        status: filter.status.map(VehicleStatus::as_str),
        condition: filter.condition.map(VehicleCondition::as_str),
        words,
        limit: i64::from(limit),
        offset: i64::from(filter.offset.unwrap_or(0)),
    };
    let (rows, total) = repo::list(store, &query).await?;
    let items = rows.into_iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(VehiclePage { items, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
            .single()
            .expect("a time")
    }

    fn input() -> VehicleInput {
        VehicleInput {
            vin: "2T1BURHE0JC014702".into(),
            model_year: None,
            make: "Toyota".into(),
            model: "Corolla".into(),
            trim: Some("LE".into()),
            mileage: 41_000,
            price: "15995".into(),
            condition: VehicleCondition::Used,
            status: None,
            acknowledge_check_digit: false,
        }
    }

    fn field_of(r: Result<Valid, VehicleError>) -> String {
        match r {
            Err(e) => e.field().unwrap_or("-").to_string(),
            Ok(_) => "ok".into(),
        }
    }

    #[test]
    fn the_model_year_comes_from_the_vin_and_must_agree_with_it() {
        let v = validate(&input(), now()).expect("valid");
        assert_eq!(v.model_year, 2018, "position 10 'J' with a letter at 7");
        let wrong = VehicleInput {
            model_year: Some(2019),
            ..input()
        };
        assert_eq!(field_of(validate(&wrong, now())), "model_year");
        let cycle = VehicleInput {
            model_year: Some(1988),
            ..input()
        };
        assert!(
            validate(&cycle, now()).is_ok(),
            "1988 shares the year code J (30-year cycle)"
        );
    }

    #[test]
    fn bad_inputs_name_their_field() {
        let cases: Vec<(VehicleInput, &str)> = vec![
            (
                VehicleInput {
                    vin: "2T1BURHE0JC01470".into(),
                    ..input()
                },
                "vin",
            ),
            (
                VehicleInput {
                    vin: "2T1BURHE0JC01470I".into(),
                    ..input()
                },
                "vin",
            ),
            (
                VehicleInput {
                    vin: "2T1BURHE1JC014702".into(),
                    ..input()
                },
                "acknowledge_check_digit",
            ),
            (
                VehicleInput {
                    make: "  ".into(),
                    ..input()
                },
                "make",
            ),
            (
                VehicleInput {
                    model: "x".repeat(41),
                    ..input()
                },
                "model",
            ),
            (
                VehicleInput {
                    mileage: -1,
                    ..input()
                },
                "mileage",
            ),
            (
                VehicleInput {
                    condition: VehicleCondition::New,
                    ..input()
                },
                "mileage",
            ),
            (
                VehicleInput {
                    price: "-5".into(),
                    ..input()
                },
                "price",
            ),
            (
                VehicleInput {
                    price: "9000000".into(),
                    ..input()
                },
                "price",
            ),
            (
                VehicleInput {
                    price: "12.345".into(),
                    ..input()
                },
                "price",
            ),
        ];
        for (i, field) in cases {
            assert_eq!(field_of(validate(&i, now())), field, "{i:?}");
        }
        let acknowledged = VehicleInput {
            vin: "2T1BURHE1JC014702".into(),
            acknowledge_check_digit: true,
            ..input()
        };
        let v = validate(&acknowledged, now()).expect("an acknowledged check digit is accepted");
        assert!(!v.check_digit_ok);
    }
}
