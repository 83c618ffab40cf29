//! `vin check`, `quote loan`, `quote lease` and `apr`: the desk's math from the command line.
//! None of them opens the database, so they work anywhere, without `--db`.

use std::io::Read;
use std::str::FromStr;

use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use super::{out, CliError, ErrorKind, Output};
use dealerdesk_rules::finance::apr::{self, Advance, AprRequest, Interval, PaymentStream};
use dealerdesk_rules::finance::lease::{self, LeaseInput, LeasePricing};
use dealerdesk_rules::finance::loan::{self, LoanInput};
use dealerdesk_rules::finance::Limits;
use dealerdesk_rules::money::{Money, Rate};
use dealerdesk_services::vehicle::vin;

#[derive(Subcommand, Debug)]
pub enum VinCommand {
    /// Check a VIN (49 CFR 565) and decode its model year, manufacturer and plant.
    /// Exits 0 whenever it could answer; problems are listed in errors and warnings.
    Check { vin: String },
}

#[derive(Subcommand, Debug)]
pub enum QuoteCommand {
    /// Price a retail installment sale: payment, Truth in Lending totals, APR and schedule.
    Loan(Box<LoanArgs>),
    /// Price a closed-end lease by Regulation M's progression.
    Lease(Box<LeaseArgs>),
}

/// Limits a quote is checked against; state usury caps and lender terms differ.
#[derive(Args, Debug)]
pub struct LimitArgs {
    /// Highest rate allowed, in percent (the state's usury cap).
    #[arg(long, default_value = "36")]
    max_rate: String,
    /// Longest term allowed, in months.
    #[arg(long, default_value_t = 96)]
    max_term: u32,
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct LoanArgs {
    /// Agreed selling price, e.g. 28500.00.
    #[arg(long)]
    price: String,
    /// Optional products (service contract, GAP, ...).
    #[arg(long, default_value = "0")]
    addons: String,
    /// Sales tax and government fees.
    #[arg(long, default_value = "0")]
    taxes_fees: String,
    /// Dealer fees (documentation, ...).
    #[arg(long, default_value = "0")]
    dealer_fees: String,
    /// Cash down payment.
    #[arg(long, default_value = "0")]
    down: String,
    /// Trade-in allowance.
    #[arg(long, default_value = "0")]
    trade: String,
    /// Payoff owed on the trade-in (above the allowance it is financed as negative equity).
    #[arg(long, default_value = "0")]
    payoff: String,
    /// Rebate applied to the deal.
    #[arg(long, default_value = "0")]
    rebate: String,
    /// Contract rate in percent, e.g. 6.99.
    #[arg(long)]
    rate: String,
    /// Number of monthly payments.
    #[arg(long)]
    term: u32,
    /// Contract date, YYYY-MM-DD (default: today).
    #[arg(long)]
    contract_date: Option<String>,
    /// First payment date, YYYY-MM-DD (default: one month after the contract date).
    #[arg(long)]
    first_payment: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args, Debug)]
#[command(
    allow_negative_numbers = true,
    group(ArgGroup::new("pricing").required(true).args(["lease_rate", "money_factor"]))
)]
pub struct LeaseArgs {
    /// Agreed value of the vehicle.
    #[arg(long)]
    agreed_value: String,
    /// Items paid over the term (service contracts, capitalized fees, prior balances).
    #[arg(long, default_value = "0")]
    capitalized_items: String,
    /// Total capitalized cost reduction (trade and rebate are parts of it).
    #[arg(long, default_value = "0")]
    cap_reduction: String,
    /// Net trade-in allowance applied to the reduction.
    #[arg(long, default_value = "0")]
    trade: String,
    /// Rebate applied to the reduction.
    #[arg(long, default_value = "0")]
    rebate: String,
    /// Residual value at the end of the term.
    #[arg(long)]
    residual: String,
    /// Number of monthly payments.
    #[arg(long)]
    term: u32,
    /// Annual lease rate in percent (constant yield, payments in advance).
    #[arg(long)]
    lease_rate: Option<String>,
    /// Money factor, e.g. 0.00125.
    #[arg(long)]
    money_factor: Option<String>,
    /// Sales/use tax on each monthly payment, in percent.
    #[arg(long, default_value = "0")]
    monthly_tax_rate: String,
    #[arg(long, default_value = "0")]
    security_deposit: String,
    #[arg(long, default_value = "0")]
    title_fee: String,
    #[arg(long, default_value = "0")]
    registration_fee: String,
    /// Acquisition fee paid at signing (put it in --capitalized-items to finance it).
    #[arg(long, default_value = "0")]
    acquisition_fee: String,
    /// Disposition fee charged at turn-in.
    #[arg(long, default_value = "0")]
    disposition_fee: String,
    /// Purchase option price at the end of the term (default: the residual).
    #[arg(long)]
    purchase_option: Option<String>,
    /// Charge per mile over the allowance, e.g. 0.25.
    #[arg(long)]
    excess_mileage_rate: Option<String>,
    /// Miles a year allowed.
    #[arg(long)]
    miles_per_year: Option<u32>,
    #[command(flatten)]
    limits: LimitArgs,
}

fn invalid(field: &str, message: impl std::fmt::Display) -> CliError {
    CliError::at(ErrorKind::Validation, field, message.to_string())
}

fn money(field: &str, value: &str) -> Result<Money, CliError> {
    Money::parse_user(value).map_err(|e| invalid(field, e))
}

fn rate(field: &str, value: &str) -> Result<Rate, CliError> {
    Rate::parse_user(value).map_err(|e| invalid(field, e))
}

fn date(field: &str, value: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(field, "enter a date as YYYY-MM-DD"))
}

fn limits(args: &LimitArgs) -> Result<Limits, CliError> {
    Ok(Limits {
        max_term_months: args.max_term,
        max_rate: rate("max_rate", &args.max_rate)?,
    })
}

/// `vin check`.
pub fn vin(cmd: VinCommand) -> Result<Output, CliError> {
    let VinCommand::Check { vin: input } = cmd;
    let r = vin::decode(&input);
    let mut text = format!(
        "{}: {}\n  check digit: {}\n  model year:  {}\n  maker:       {} ({})",
        r.vin,
        if r.valid { "valid" } else { "INVALID" },
        if r.check_digit_ok { "ok" } else { "WRONG" },
        r.model_year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "-".into()),
        r.manufacturer.unwrap_or("unknown"),
        r.wmi.clone().unwrap_or_default(),
    );
    for e in &r.errors {
        text.push_str(&format!("\n  error:   {e}"));
    }
    for w in &r.warnings {
        text.push_str(&format!("\n  warning: {w}"));
    }
    out(&r, text)
}

/// `quote loan` / `quote lease`.
pub fn quote(cmd: QuoteCommand, today: NaiveDate) -> Result<Output, CliError> {
    match cmd {
        QuoteCommand::Loan(a) => quote_loan(*a, today),
        QuoteCommand::Lease(a) => quote_lease(*a),
    }
}

fn quote_loan(a: LoanArgs, today: NaiveDate) -> Result<Output, CliError> {
    let input = LoanInput {
        price: money("price", &a.price)?,
        addons: money("addons", &a.addons)?,
        taxes_fees: money("taxes_fees", &a.taxes_fees)?,
        dealer_fees: money("dealer_fees", &a.dealer_fees)?,
        down: money("down", &a.down)?,
        trade: money("trade", &a.trade)?,
        payoff: money("payoff", &a.payoff)?,
        rebate: money("rebate", &a.rebate)?,
        rate: rate("rate", &a.rate)?,
        term: a.term,
        contract_date: match &a.contract_date {
            Some(d) => date("contract_date", d)?,
            None => today,
        },
        first_payment: a
            .first_payment
            .as_deref()
            .map(|d| date("first_payment", d))
            .transpose()?,
    };
    let q = loan::quote(&input, &limits(&a.limits)?)?;
    let mut j =
        serde_json::to_value(&q).map_err(|e| CliError::new(ErrorKind::Internal, e.to_string()))?;
    j["apr"] = json!(q.apr.to_plain(4));
    j["apr_display"] = json!(q.apr.to_string());
    let text = format!(
        "amount financed    {:>12}\nmonthly payment    {:>12}  x {} (final {})\nfinance charge     {:>12}\ntotal of payments  {:>12}\ntotal sale price   {:>12}\nAPR                {:>12}\nfirst payment      {:>12}",
        q.amount_financed.to_string(),
        q.monthly_payment.to_string(),
        q.term,
        q.final_payment,
        q.finance_charge.to_string(),
        q.total_of_payments.to_string(),
        q.total_sale_price.to_string(),
        q.apr.to_string(),
        q.first_payment_date.to_string(),
    );
    out(j, text)
}

fn quote_lease(a: LeaseArgs) -> Result<Output, CliError> {
    let pricing = match (&a.lease_rate, &a.money_factor) {
        (Some(r), None) => LeasePricing::LeaseRate(rate("lease_rate", r)?),
        (None, Some(mf)) => {
            let v = Decimal::from_str(mf.trim())
                .map_err(|_| invalid("money_factor", "enter a money factor like 0.00125"))?;
            LeasePricing::MoneyFactor(v)
        }
        _ => {
            return Err(invalid(
                "lease_rate",
                "give either --lease-rate or --money-factor",
            ))
        }
    };
    let input = LeaseInput {
        agreed_value: money("agreed_value", &a.agreed_value)?,
        capitalized_items: money("capitalized_items", &a.capitalized_items)?,
        cap_reduction: money("cap_reduction", &a.cap_reduction)?,
        trade: money("trade", &a.trade)?,
        rebate: money("rebate", &a.rebate)?,
        residual: money("residual", &a.residual)?,
        term: a.term,
        pricing,
        monthly_tax_rate: rate("monthly_tax_rate", &a.monthly_tax_rate)?,
        security_deposit: money("security_deposit", &a.security_deposit)?,
        title_fee: money("title_fee", &a.title_fee)?,
        registration_fee: money("registration_fee", &a.registration_fee)?,
        acquisition_fee: money("acquisition_fee", &a.acquisition_fee)?,
        disposition_fee: money("disposition_fee", &a.disposition_fee)?,
        purchase_option_price: a
            .purchase_option
            .as_deref()
            .map(|v| money("purchase_option", v))
            .transpose()?,
        excess_mileage_rate: a
            .excess_mileage_rate
            .as_deref()
            .map(|v| money("excess_mileage_rate", v))
            .transpose()?,
        mileage_allowance_per_year: a.miles_per_year,
    };
    let q = lease::quote(&input, &limits(&a.limits)?)?;
    let text = format!(
        "gross cap cost         {:>12}\ncap cost reduction   - {:>12}\nadjusted cap cost    = {:>12}\nresidual             - {:>12}\ndepreciation         = {:>12}\nrent charge          + {:>12}\ntotal base payments  = {:>12}\nterm                 / {:>12}\nbase monthly payment = {:>12}\nmonthly tax          + {:>12}\ntotal monthly        = {:>12}\ndue at signing         {:>12}\ntotal of payments      {:>12}\n{}: {}% ({})",
        q.gross_cap_cost.to_string(),
        q.cap_cost_reduction.to_string(),
        q.adjusted_cap_cost.to_string(),
        q.residual.to_string(),
        q.depreciation.to_string(),
        q.rent_charge.to_string(),
        q.total_base_payments.to_string(),
        q.term,
        q.base_monthly_payment.to_string(),
        q.monthly_tax.to_string(),
        q.total_monthly_payment.to_string(),
        q.due_at_signing.to_string(),
        q.total_of_payments.to_string(),
        q.rate_info.label,
        q.rate_info.percent,
        q.rate_info.notice,
    );
    out(&q, text)
}

/// An amount in the `apr` JSON: a decimal string (`"5000.00"`) or a JSON number, read from its
/// text so no float ever holds it.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonAmount {
    Text(String),
    Number(serde_json::Number),
}

impl JsonAmount {
    fn money(&self, field: &str) -> Result<Money, CliError> {
        match self {
            JsonAmount::Text(s) => money(field, s),
            JsonAmount::Number(n) => money(field, &n.to_string()),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonAdvance {
    amount: JsonAmount,
    date: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonPayments {
    amount: JsonAmount,
    count: u32,
    first: String,
    every: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonApr {
    advances: Vec<JsonAdvance>,
    payments: Vec<JsonPayments>,
    /// When the finance charge starts to be earned, if not at the first advance.
    term_start: Option<String>,
}

/// `apr`: one JSON object on standard input.
pub fn apr() -> Result<Output, CliError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        CliError::new(
            ErrorKind::Internal,
            format!("could not read standard input: {e}"),
        )
    })?;
    let input: JsonApr = serde_json::from_str(&text).map_err(|e| {
        invalid(
            "stdin",
            format!("expected {{\"advances\": [...], \"payments\": [...]}} ({e})"),
        )
    })?;
    let mut req = AprRequest::default();
    for (n, a) in input.advances.iter().enumerate() {
        req.advances.push(Advance {
            amount: a.amount.money(&format!("advances[{n}].amount"))?,
            date: date(&format!("advances[{n}].date"), &a.date)?,
        });
    }
    for (n, p) in input.payments.iter().enumerate() {
        let every = match &p.every {
            Some(e) => Some(
                Interval::from_str(e).map_err(|m| invalid(&format!("payments[{n}].every"), m))?,
            ),
            None => None,
        };
        req.payments.push(PaymentStream {
            amount: p.amount.money(&format!("payments[{n}].amount"))?,
            count: p.count,
            first: date(&format!("payments[{n}].first"), &p.first)?,
            every,
        });
    }
    req.term_start = input
        .term_start
        .as_deref()
        .map(|d| date("term_start", d))
        .transpose()?;
    let r = apr::solve(&req)?;
    let j = json!({
        "apr": r.apr.to_plain(4),
        "apr_display": r.apr.to_string(),
        "unit_period": r.unit_period.to_string(),
        "unit_periods_per_year": r.unit_periods_per_year.normalize().to_string(),
        "finance_charge": r.finance_charge,
        "amount_financed": r.amount_financed,
        "total_of_payments": r.total_of_payments,
    });
    let text = format!(
        "APR {} ({} unit period, {} a year)\namount financed   {}\nfinance charge    {}\ntotal of payments {}",
        r.apr,
        r.unit_period,
        r.unit_periods_per_year.normalize(),
        r.amount_financed,
        r.finance_charge,
        r.total_of_payments
    );
    out(j, text)
}
