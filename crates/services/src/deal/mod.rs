//! Saved deals: a customer, a vehicle, a salesperson, a status and one to three priced options
//! (loan or lease) side by side, one of them selected.
//!
//! Every option is recomputed here from its terms when the deal is saved: the stored quote is
//! the quote of the stored terms, never a figure a screen sent. Each option keeps its full
//! quote and disclosure data as canonical JSON with a SHA-256 (contracts are printed from it),
//! and its key figures in columns for lists. Rates are checked against the usury cap of the
//! customer's state ([`usury`]).
//!
//! Roles: any signed-in staff member may save and edit deals (salespeople desk their own
//! deals). Saves and edits are journaled and audited (`deal.save`, `deal.update`); marking a deal
//! sold also marks its vehicle sold.

pub mod preview;
pub mod terms;
pub mod usury;

use chrono::{DateTime, Utc};
use dealerdesk_store::known;
use dealerdesk_store::repo::vehicle as vehicle_repo;
use dealerdesk_store::Stamp;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::Actor;
use dealerdesk_rules::ids::{CustomerId, DealId, VehicleId};
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::read::deal::{self as deal_read, DealQuery};
use dealerdesk_store::repo::customer as customer_repo;
use dealerdesk_store::repo::deal::{self as repo, DealFields, DealOptionRow, NewDealOption};
use dealerdesk_store::{new_id, Store};

pub use terms::{
    canonical_json, price_option, LeaseTerms, LoanTerms, OptionKind, OptionTerms, PricedOption,
};
pub use usury::{set_usury_cap, usury_caps, UsuryCap};

/// Most options a deal may carry (a desk's menu shows two to four; three fit the screen).
pub const MAX_OPTIONS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum DealError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("only an administrator can change usury caps")]
    Forbidden,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl DealError {
    /// The input field at fault, for the desk to show the message next to it.
    pub fn field(&self) -> Option<&str> {
        match self {
            DealError::Invalid { field, .. } => Some(field),
            DealError::NotFound {
                what: "customer", ..
            } => Some("customer_id"),
            DealError::NotFound {
                what: "vehicle", ..
            } => Some("vehicle_id"),
            _ => None,
        }
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> DealError {
    DealError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Sold,
    Lost,
}

impl DealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Open => "open",
            DealStatus::Sold => "sold",
            DealStatus::Lost => "lost",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(DealStatus::Open),
            "sold" => Some(DealStatus::Sold),
            "lost" => Some(DealStatus::Lost),
            _ => None,
        }
    }
}

/// One option as the desk sends it: its terms and whether it is the one the customer chose.
/// There is deliberately no place for a payment or an APR: they are computed on save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DealOptionInput {
    /// A short name for the menu ("72 mo with GAP").
    pub label: Option<String>,
    #[serde(default)]
    pub selected: bool,
    pub terms: OptionTerms,
}

/// A deal as the desk saves it. `salesperson` is a staff username (default: the signed-in staff
/// member); `status` defaults to open. With no option marked selected, the first is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DealInput {
    pub customer_id: CustomerId,
    pub vehicle_id: VehicleId,
    pub salesperson: Option<String>,
    pub status: Option<DealStatus>,
    pub notes: Option<String>,
    pub options: Vec<DealOptionInput>,
}

/// One stored option with its figures (money as "4250.00").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DealOptionView {
    pub id: String,
    /// 1 to 3, in the order the desk gave them.
    pub position: u32,
    pub label: Option<String>,
    pub kind: OptionKind,
    pub selected: bool,
    /// The terms as stored (normalized).
    pub terms: OptionTerms,
    pub term_months: u32,
    /// Loans: the regular payment; leases: the total monthly payment.
    pub monthly_payment: String,
    pub amount_financed: Option<String>,
    pub finance_charge: Option<String>,
    /// Disclosed APR, percent with two decimals (loans only).
    pub apr: Option<String>,
    pub due_at_signing: Option<String>,
    pub total_of_payments: String,
    /// The stored document: `{kind, input, limits, quote, disclosure}`.
    #[ts(type = "unknown")]
    pub quote: serde_json::Value,
    pub quote_sha256: String,
    /// The stored document still hashes to `quote_sha256`.
    pub quote_intact: bool,
}

/// A deal as the detail screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DealView {
    pub id: DealId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub vehicle_id: VehicleId,
    /// "2024 Toyota Camry SE".
    pub vehicle_label: String,
    pub vin: String,
    pub salesperson: Option<String>,
    pub status: DealStatus,
    /// The customer's state whose usury cap applied, and the cap (percent).
    pub usury_state: Option<String>,
    pub max_rate: String,
    pub notes: Option<String>,
    pub options: Vec<DealOptionView>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

/// One row of the deal list: the deal and its selected option's key figures.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DealSummary {
    pub id: DealId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub vehicle_id: VehicleId,
    pub vehicle_label: String,
    pub status: DealStatus,
    /// The selected option's kind.
    pub kind: OptionKind,
    pub option_count: u32,
    pub term_months: u32,
    pub monthly_payment: String,
    pub amount_financed: Option<String>,
    pub due_at_signing: Option<String>,
    pub apr: Option<String>,
    pub salesperson: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What the deal list asks for. `query` matches customer name, VIN, make or model.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct DealFilter {
    pub query: Option<String>,
    pub status: Option<DealStatus>,
    pub kind: Option<OptionKind>,
    pub customer_id: Option<CustomerId>,
    pub vehicle_id: Option<VehicleId>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DealPage {
    pub items: Vec<DealSummary>,
    #[ts(type = "number")]
    pub total: i64,
}

/// The validated deal, every option priced.
struct Priced {
    customer_id: CustomerId,
    vehicle_id: VehicleId,
    salesperson: Option<String>,
    status: DealStatus,
    notes: Option<String>,
    usury_state: Option<String>,
    max_rate: String,
    options: Vec<(Option<String>, bool, PricedOption)>,
}

fn cents(field: &str, m: Money) -> Result<i64, DealError> {
    m.cents().map_err(|e| invalid(field, e.to_string()))
}

/// Validates references and prices every option inside the write transaction.
async fn price_deal(
    conn: &mut SqliteConnection,
    actor: &Actor,
    input: &DealInput,
) -> Result<Priced, DealError> {
    if input.options.is_empty() {
        return Err(invalid("options", "add at least one loan or lease option"));
    }
    if input.options.len() > MAX_OPTIONS {
        return Err(invalid(
            "options",
            format!("a deal has at most {MAX_OPTIONS} options"),
        ));
    }
    let selected_count = input.options.iter().filter(|o| o.selected).count();
    if selected_count > 1 {
        return Err(invalid("options", "select one option, not several"));
    }
    let customer_id = CustomerId::from(input.customer_id.as_str().trim());
    let vehicle_id = VehicleId::from(input.vehicle_id.as_str().trim());
    if customer_id.as_str().is_empty() {
        return Err(invalid("customer_id", "choose the customer"));
    }
    if vehicle_id.as_str().is_empty() {
        return Err(invalid("vehicle_id", "choose the vehicle"));
    }
    let customer = customer_repo::current_state_of(&mut *conn, &customer_id).await?;
    let usury_state = customer.ok_or_else(|| DealError::NotFound {
        what: "customer",
        id: customer_id.to_string(),
    })?;
    if !vehicle_repo::is_live(&mut *conn, &vehicle_id).await? {
        return Err(DealError::NotFound {
            what: "vehicle",
            id: vehicle_id.into_string(),
        });
    }
    let salesperson = match input
        .salesperson
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(name) => {
            let found = deal_read::active_staff(&mut *conn, name).await?;
            Some(found.ok_or_else(|| {
                invalid("salesperson", "choose an active staff member's username")
            })?)
        }
        None => match actor {
            Actor::Staff(s) => Some(s.username.clone()),
            Actor::Cli(_) | Actor::Customer(_) => None,
        },
    };
    let notes = input
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(invalid("notes", "notes are at most 2,000 characters"));
    }
    let limits = usury::limits_for(&mut *conn, usury_state.as_deref()).await?;
    let mut options = Vec::with_capacity(input.options.len());
    for (i, o) in input.options.iter().enumerate() {
        let label = o
            .label
            .as_deref()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.chars().count() > 60) {
            return Err(invalid(
                format!("options.{i}.label"),
                "a label is at most 60 characters",
            ));
        }
        let priced = price_option(
            &o.terms,
            &limits,
            usury_state.as_deref(),
            &format!("options.{i}."),
        )?;
        let selected = o.selected || (selected_count == 0 && i == 0);
        options.push((label, selected, priced));
    }
    Ok(Priced {
        customer_id,
        vehicle_id: VehicleId::from(input.vehicle_id.as_str().trim()),
        salesperson,
        status: input.status.unwrap_or(DealStatus::Open),
        notes,
        usury_state,
        max_rate: limits.max_rate.percent().normalize().to_string(),
        options,
    })
}

async fn write_options(
    store: &Store,
    conn: &mut SqliteConnection,
    deal_id: &DealId,
    p: &Priced,
    now: DateTime<Utc>,
) -> Result<(), DealError> {
    let mut inputs = Vec::with_capacity(p.options.len());
    for (i, (_, _, o)) in p.options.iter().enumerate() {
        inputs.push(
            serde_json::to_string(&o.terms)
                .map_err(|e| invalid(format!("options.{i}"), e.to_string()))?,
        );
    }
    let mut rows = Vec::with_capacity(p.options.len());
    for ((label, selected, o), input_json) in p.options.iter().zip(&inputs) {
        rows.push(NewDealOption {
            kind: o.kind.as_str(),
            label: label.as_deref(),
            selected: *selected,
            input_json,
            quote_json: &o.document,
            quote_sha256: &o.sha256,
            term_months: i64::from(o.term_months),
            monthly_payment_cents: cents("monthly_payment", o.monthly_payment)?,
            amount_financed_cents: o
                .amount_financed
                .map(|m| cents("amount_financed", m))
                .transpose()?,
            finance_charge_cents: o
                .finance_charge
                .map(|m| cents("finance_charge", m))
                .transpose()?,
            apr: o.apr.as_deref(),
            due_at_signing_cents: o
                .due_at_signing
                .map(|m| cents("due_at_signing", m))
                .transpose()?,
            total_of_payments_cents: cents("total_of_payments", o.total_of_payments)?,
        });
    }
    repo::replace_options(conn, store.device_id(), now, deal_id, &rows).await?;
    Ok(())
}

fn deal_fields(p: &Priced) -> DealFields<'_> {
    DealFields {
        customer_id: p.customer_id.as_str(),
        vehicle_id: p.vehicle_id.as_str(),
        salesperson: p.salesperson.as_deref(),
        status: p.status.as_str(),
        usury_state: p.usury_state.as_deref(),
        max_rate: &p.max_rate,
        notes: p.notes.as_deref(),
    }
}

/// Marks the deal's vehicle sold when the deal is sold.
async fn sell_vehicle(
    store: &Store,
    conn: &mut SqliteConnection,
    vehicle_id: &VehicleId,
    now: DateTime<Utc>,
) -> Result<(), DealError> {
    let status = vehicle_repo::stored_status(&mut *conn, vehicle_id).await?;
    if status.as_deref() == Some("in_stock") {
        let stamp = Stamp::journal(
            &mut *conn,
            store.device_id(),
            now,
            "vehicle",
            vehicle_id.as_str(),
            "update",
        )
        .await?;
        vehicle_repo::mark_sold(&mut *conn, vehicle_id, &stamp).await?;
    }
    Ok(())
}

fn audit_detail(p: &Priced) -> String {
    let options: Vec<String> = p
        .options
        .iter()
        .map(|(_, selected, o)| {
            format!(
                "{}{} {} mo {} sha256:{}",
                if *selected { "*" } else { "" },
                o.kind.as_str(),
                o.term_months,
                o.monthly_payment.to_plain(),
                &o.sha256[..12.min(o.sha256.len())]
            )
        })
        .collect();
    format!(
        "customer:{} vehicle:{} status {}; cap {}%{}; options: {}",
        p.customer_id,
        p.vehicle_id,
        p.status.as_str(),
        p.max_rate,
        p.usury_state
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default(),
        options.join(", ")
    )
}

/// Saves a new deal, pricing every option from its terms.
#[tracing::instrument(skip_all, err)]
pub async fn save_deal(
    store: &Store,
    actor: &Actor,
    input: &DealInput,
    now: DateTime<Utc>,
) -> Result<DealView, DealError> {
    let mut w = store.write(now).await?;
    let id = DealId::from(new_id());
    let event = insert_rows(store, w.conn(), actor, &id, input, now).await?;
    w.audit(event);
    w.commit().await?;
    get_deal(store, &id).await
}

/// Inserts and audits a deal inside the caller's transaction (the desk, and the demo generator
/// with its own creation times).
pub(crate) async fn insert_tx(
    store: &Store,
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &DealId,
    input: &DealInput,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DealError> {
    let event = insert_rows(store, &mut *conn, actor, id, input, created_at).await?;
    audit::append(conn, store.cipher(), now, &event).await?;
    Ok(())
}

/// Inserts a deal, its options and (when sold) its vehicle's sale, stamped `created_at`; the
/// audit entry to append is returned.
async fn insert_rows(
    store: &Store,
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &DealId,
    input: &DealInput,
    created_at: DateTime<Utc>,
) -> Result<AuditEvent, DealError> {
    let p = price_deal(&mut *conn, actor, input).await?;
    let stamp = Stamp::journal(
        &mut *conn,
        store.device_id(),
        created_at,
        "deal",
        id.as_str(),
        "insert",
    )
    .await?;
    repo::insert_stamped(&mut *conn, id, &deal_fields(&p), &actor.name(), &stamp).await?;
    write_options(store, conn, id, &p, created_at).await?;
    if p.status == DealStatus::Sold {
        sell_vehicle(store, conn, &p.vehicle_id, created_at).await?;
    }
    Ok(
        AuditEvent::new(actor.name(), "deal.save", AuditOutcome::Success)
            .subject(format!("deal:{id}"))
            .detail(audit_detail(&p)),
    )
}

/// Replaces a deal's customer, vehicle, status and options (re-priced from their terms, under
/// the usury cap in force now). A deal marked sold marks its vehicle sold; moving it back to
/// open or lost does not put the vehicle back in stock (do that on the vehicle, deliberately).
#[tracing::instrument(skip_all, err)]
pub async fn update_deal(
    store: &Store,
    actor: &Actor,
    id: &DealId,
    input: &DealInput,
    now: DateTime<Utc>,
) -> Result<DealView, DealError> {
    let mut w = store.write(now).await?;
    if !repo::is_live(w.conn(), id).await? {
        return Err(DealError::NotFound {
            what: "deal",
            id: id.to_string(),
        });
    }
    let p = price_deal(w.conn(), actor, input).await?;
    repo::update(&mut w, id, &deal_fields(&p)).await?;
    write_options(store, w.conn(), id, &p, now).await?;
    if p.status == DealStatus::Sold {
        sell_vehicle(store, w.conn(), &p.vehicle_id, now).await?;
    }
    w.audit(
        AuditEvent::new(actor.name(), "deal.update", AuditOutcome::Success)
            .subject(format!("deal:{id}"))
            .detail(audit_detail(&p)),
    );
    w.commit().await?;
    get_deal(store, id).await
}

fn money_text(cents: Option<i64>) -> Option<String> {
    cents.map(|c| Money::from_cents(c).to_plain())
}

fn vehicle_label(year: i64, make: &str, model: &str, trim: Option<&str>) -> String {
    [
        Some(year.to_string().as_str()),
        Some(make),
        Some(model),
        trim,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

fn customer_name(given: &str, family: &str) -> String {
    format!("{given} {family}")
}

fn option_view(row: DealOptionRow) -> Result<DealOptionView, DealError> {
    let terms: OptionTerms = serde_json::from_str(&row.input_json)
        .map_err(|e| DealError::Database(sqlx::Error::Decode(Box::new(e))))?;
    let quote: serde_json::Value = serde_json::from_str(&row.quote_json)
        .map_err(|e| DealError::Database(sqlx::Error::Decode(Box::new(e))))?;
    Ok(DealOptionView {
        position: u32::try_from(row.position).unwrap_or(0),
        label: row.label,
        kind: known("option kind", &row.kind, OptionKind::parse)?,
        selected: row.selected == 1,
        terms,
        term_months: u32::try_from(row.term_months).unwrap_or(0),
        monthly_payment: Money::from_cents(row.monthly_payment_cents).to_plain(),
        amount_financed: money_text(row.amount_financed_cents),
        finance_charge: money_text(row.finance_charge_cents),
        apr: row.apr,
        due_at_signing: money_text(row.due_at_signing_cents),
        total_of_payments: Money::from_cents(row.total_of_payments_cents).to_plain(),
        quote,
        quote_intact: dealerdesk_store::crypto::sha256_hex(row.quote_json.as_bytes())
            == row.quote_sha256,
        quote_sha256: row.quote_sha256,
        id: row.id,
    })
}

/// One deal with its options.
pub async fn get_deal(store: &Store, id: &DealId) -> Result<DealView, DealError> {
    let row = deal_read::detail(store, id)
        .await?
        .ok_or_else(|| DealError::NotFound {
            what: "deal",
            id: id.to_string(),
        })?;
    let options = repo::options(store, id)
        .await?
        .into_iter()
        .map(option_view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DealView {
        customer_name: customer_name(&row.given_name, &row.family_name),
        vehicle_label: vehicle_label(row.model_year, &row.make, &row.model, row.trim.as_deref()),
        status: known("deal status", &row.status, DealStatus::parse)?,
        id: DealId::from(row.id),
        customer_id: CustomerId::from(row.customer_id),
        vehicle_id: VehicleId::from(row.vehicle_id),
        vin: row.vin,
        salesperson: row.salesperson,
        usury_state: row.usury_state,
        max_rate: row.max_rate,
        notes: row.notes,
        options,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
    })
}

/// A page of deals, newest first, each with its selected option's figures.
pub async fn list_deals(store: &Store, filter: &DealFilter) -> Result<DealPage, DealError> {
    let limit = filter.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid("limit", "show 1 to 200 deals a page"));
    }
    let words = filter
        .query
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .take(8)
        .map(str::to_lowercase)
        .collect();
    let q = DealQuery {
        status: filter.status.map(DealStatus::as_str),
        kind: filter.kind.map(OptionKind::as_str),
        customer_id: filter.customer_id.as_ref().map(|i| i.as_str().trim()),
        vehicle_id: filter.vehicle_id.as_ref().map(|i| i.as_str().trim()),
        words,
        limit: i64::from(limit),
        offset: i64::from(filter.offset.unwrap_or(0)),
    };
    let (rows, total) = deal_read::list(store, &q).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            Ok(DealSummary {
                customer_name: customer_name(&row.given_name, &row.family_name),
                vehicle_label: vehicle_label(
                    row.model_year,
                    &row.make,
                    &row.model,
                    row.trim.as_deref(),
                ),
                status: known("deal status", &row.status, DealStatus::parse)?,
                kind: known("option kind", &row.kind, OptionKind::parse)?,
                option_count: u32::try_from(row.option_count).unwrap_or(0),
                term_months: u32::try_from(row.term_months).unwrap_or(0),
                monthly_payment: Money::from_cents(row.monthly_payment_cents).to_plain(),
                amount_financed: money_text(row.amount_financed_cents),
                due_at_signing: money_text(row.due_at_signing_cents),
                apr: row.apr,
                salesperson: row.salesperson,
                id: DealId::from(row.id),
                customer_id: CustomerId::from(row.customer_id),
                vehicle_id: VehicleId::from(row.vehicle_id),
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(DealPage { items, total })
}
