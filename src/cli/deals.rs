//! `vehicle add|list|show` and `deal list|show|save`: inventory and saved deals from the
//! command line, over the same core services as the desk.

use std::io::Read;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use super::{out, CliError, ErrorKind, Output};
use dealerdesk_rules::ids::{CustomerId, DealId, VehicleId};
use dealerdesk_rules::money::Money;
use dealerdesk_services::auth::Actor;
use dealerdesk_services::deal::{self, DealFilter, DealInput, DealStatus, DealView, OptionKind};
use dealerdesk_services::vehicle::{
    self, VehicleCondition, VehicleError, VehicleFilter, VehicleInput, VehicleStatus, VehicleView,
};
use dealerdesk_store::Store;

#[derive(Subcommand, Debug)]
pub enum VehicleCommand {
    /// Add a vehicle to inventory (the model year is read from the VIN when not given).
    Add(Box<VehicleArgs>),
    /// List inventory, newest first.
    List {
        /// Words matched against VIN, make, model, trim and model year.
        #[arg(long)]
        query: Option<String>,
        #[arg(long, value_enum)]
        status: Option<VehicleStatus>,
        #[arg(long, value_enum)]
        condition: Option<VehicleCondition>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show one vehicle by id or VIN.
    Show { id_or_vin: String },
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct VehicleArgs {
    #[arg(long)]
    vin: String,
    /// Model year (default: decoded from the VIN).
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    make: String,
    #[arg(long)]
    model: String,
    #[arg(long)]
    trim: Option<String>,
    #[arg(long)]
    mileage: i64,
    /// Asking price, e.g. 28500.00.
    #[arg(long)]
    price: String,
    #[arg(long, value_enum)]
    condition: VehicleCondition,
    /// Accept a VIN whose check digit is wrong (after checking the VIN on the vehicle).
    #[arg(long)]
    acknowledge_check_digit: bool,
}

#[derive(Subcommand, Debug)]
pub enum DealCommand {
    /// List saved deals, newest first, with the selected option's figures.
    List {
        /// Words matched against customer name, VIN, make and model.
        #[arg(long)]
        query: Option<String>,
        #[arg(long, value_enum)]
        status: Option<DealStatus>,
        /// The selected option's kind.
        #[arg(long, value_enum)]
        kind: Option<OptionKind>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show one deal with every option, its stored quote and hash.
    Show { id: String },
    /// Save a deal from one JSON object (the desk's DealInput) on standard input; every option
    /// is priced again here. With --id, replace that deal.
    Save {
        #[arg(long)]
        id: Option<String>,
    },
}

fn vehicle_line(v: &VehicleView) -> String {
    format!(
        "{}  {}  {:<4} {:<32} {:>9} mi  {:>12}  {:<4} {}{}",
        v.id,
        v.vin,
        v.model_year,
        format!(
            "{} {}{}",
            v.make,
            v.model,
            v.trim.as_ref().map(|t| format!(" {t}")).unwrap_or_default()
        ),
        v.mileage,
        Money::parse_user(&v.price)
            .map(|m| m.to_string())
            .unwrap_or_else(|_| v.price.clone()),
        v.condition.as_str(),
        v.status.as_str(),
        if v.check_digit_ok {
            ""
        } else {
            "  (check digit acknowledged)"
        }
    )
}

/// `vehicle ...`.
pub async fn vehicle(
    store: &Store,
    actor: &Actor,
    cmd: VehicleCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        VehicleCommand::Add(a) => {
            let a = *a;
            let input = VehicleInput {
                vin: a.vin,
                model_year: a.year,
                make: a.make,
                model: a.model,
                trim: a.trim,
                mileage: a.mileage,
                price: a.price,
                condition: a.condition,
                status: None,
                acknowledge_check_digit: a.acknowledge_check_digit,
            };
            let v = vehicle::add_vehicle(store, actor, &input, now).await?;
            let text = format!("added {}", vehicle_line(&v));
            out(json!({ "vehicle": v }), text)
        }
        VehicleCommand::List {
            query,
            status,
            condition,
            limit,
            offset,
        } => {
            let page = vehicle::list_vehicles(
                store,
                &VehicleFilter {
                    query,
                    status,
                    condition,
                    limit: Some(limit),
                    offset: Some(offset),
                },
            )
            .await?;
            let mut text = page
                .items
                .iter()
                .map(vehicle_line)
                .collect::<Vec<_>>()
                .join("\n");
            text.push_str(&format!(
                "{}{} of {} vehicles",
                if text.is_empty() { "" } else { "\n" },
                page.items.len(),
                page.total
            ));
            out(json!({ "vehicles": page.items, "total": page.total }), text)
        }
        VehicleCommand::Show { id_or_vin } => {
            let v = match vehicle::get_vehicle(store, &VehicleId::from(id_or_vin.as_str())).await {
                Err(VehicleError::NotFound(_)) => vehicle::find_by_vin(store, &id_or_vin).await?,
                other => other?,
            };
            let text = vehicle_line(&v);
            out(json!({ "vehicle": v }), text)
        }
    }
}

fn deal_text(d: &DealView) -> String {
    let mut text = format!(
        "deal {}  {}\n  customer:    {} ({})\n  vehicle:     {} VIN {}\n  salesperson: {}\n  usury cap:   {}%{}\n",
        d.id,
        d.status.as_str(),
        d.customer_name,
        d.customer_id,
        d.vehicle_label,
        d.vin,
        d.salesperson.clone().unwrap_or_else(|| "-".into()),
        d.max_rate,
        d.usury_state
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default(),
    );
    for o in &d.options {
        let money = |s: &str| {
            Money::parse_user(s)
                .map(|m| m.to_string())
                .unwrap_or_else(|_| s.to_string())
        };
        text.push_str(&format!(
            "  {} option {}: {:<5} {} months at {} a month{}{}{}  sha256 {}{}\n",
            if o.selected { "*" } else { " " },
            o.position,
            o.kind.as_str(),
            o.term_months,
            money(&o.monthly_payment),
            o.amount_financed
                .as_deref()
                .map(|a| format!(", amount financed {}", money(a)))
                .unwrap_or_default(),
            o.apr
                .as_deref()
                .map(|a| format!(", APR {a}%"))
                .unwrap_or_default(),
            o.due_at_signing
                .as_deref()
                .map(|a| format!(", {} due at signing", money(a)))
                .unwrap_or_default(),
            &o.quote_sha256[..16.min(o.quote_sha256.len())],
            if o.quote_intact { "" } else { " (TAMPERED)" }
        ));
    }
    text.trim_end().to_string()
}

/// `deal ...`.
pub async fn deal(
    store: &Store,
    actor: &Actor,
    cmd: DealCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        DealCommand::List {
            query,
            status,
            kind,
            customer,
            limit,
            offset,
        } => {
            let page = deal::list_deals(
                store,
                &DealFilter {
                    query,
                    status,
                    kind,
                    customer_id: customer.map(CustomerId::from),
                    vehicle_id: None,
                    limit: Some(limit),
                    offset: Some(offset),
                },
            )
            .await?;
            let mut text = page
                .items
                .iter()
                .map(|d| {
                    format!(
                        "{}  {:<5} {:<5} {:<24} {:<30} {:>3} mo {:>10}{}",
                        d.id,
                        d.status.as_str(),
                        d.kind.as_str(),
                        d.customer_name,
                        d.vehicle_label,
                        d.term_months,
                        d.monthly_payment,
                        d.apr
                            .as_deref()
                            .map(|a| format!("  APR {a}%"))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            text.push_str(&format!(
                "{}{} of {} deals",
                if text.is_empty() { "" } else { "\n" },
                page.items.len(),
                page.total
            ));
            out(json!({ "deals": page.items, "total": page.total }), text)
        }
        DealCommand::Show { id } => {
            let d = deal::get_deal(store, &DealId::from(id.as_str())).await?;
            let text = deal_text(&d);
            out(json!({ "deal": d }), text)
        }
        DealCommand::Save { id } => {
            let mut raw = String::new();
            std::io::stdin().read_to_string(&mut raw).map_err(|e| {
                CliError::new(
                    ErrorKind::Internal,
                    format!("could not read standard input: {e}"),
                )
            })?;
            let input: DealInput = serde_json::from_str(&raw).map_err(|e| {
                CliError::new(
                    ErrorKind::Validation,
                    format!("the deal is not valid JSON for a deal: {e}"),
                )
            })?;
            let d = match id {
                Some(id) => {
                    deal::update_deal(store, actor, &DealId::from(id.as_str()), &input, now).await?
                }
                None => deal::save_deal(store, actor, &input, now).await?,
            };
            let text = format!("saved {}", deal_text(&d));
            out(json!({ "deal": d }), text)
        }
    }
}

/// Parses `--usury-cap STATE=PCT` arguments (values are checked when applied).
pub fn parse_caps(args: &[String]) -> Result<Vec<(String, String)>, CliError> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(s, p)| (s.trim().to_string(), p.trim().to_string()))
                .filter(|(s, p)| !s.is_empty() && !p.is_empty())
                .ok_or_else(|| {
                    CliError::usage(
                        Some("usury_cap"),
                        format!("--usury-cap takes STATE=PERCENT, like TX=18 (got {a})"),
                    )
                })
        })
        .collect()
}
