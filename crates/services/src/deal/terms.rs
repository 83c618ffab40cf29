//! A deal option's terms as the desk types them (decimal strings, ISO dates), their parsing into
//! the finance module's inputs, and the pricing of one option into the document that is stored
//! and later printed: the normalized input, the limits applied, the full quote and its federal
//! disclosure data, as canonical JSON with its SHA-256.
//!
//! Figures are always recomputed here from the terms: the input types have no place for a
//! payment or an APR, so whatever a screen showed is never what is stored.

use chrono::NaiveDate;
use dealerdesk_store::crypto::sha256_hex;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::str::FromStr;
use ts_rs::TS;

use super::DealError;
use dealerdesk_rules::finance::disclosure::{self, ContractTerms};
use dealerdesk_rules::finance::lease::{self, LeaseInput, LeasePricing};
use dealerdesk_rules::finance::loan::{self, LoanInput};
use dealerdesk_rules::finance::{FinanceError, Limits};
use dealerdesk_rules::money::{Money, Rate};

/// A retail installment sale, as typed. Amounts are decimal strings ("28500.00"), the rate a
/// percent ("6.99"), dates YYYY-MM-DD or MM/DD/YYYY.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoanTerms {
    pub price: String,
    pub addons: String,
    pub taxes_fees: String,
    pub dealer_fees: String,
    pub down: String,
    pub trade: String,
    pub payoff: String,
    pub rebate: String,
    pub rate: String,
    pub term: u32,
    pub contract_date: String,
    /// Defaults to one month after the contract date.
    pub first_payment: Option<String>,
}

/// A closed-end lease, as typed. Exactly one of `lease_rate` (percent) and `money_factor`
/// ("0.00125") prices the rent charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeaseTerms {
    pub agreed_value: String,
    pub capitalized_items: String,
    /// The total reduction; `trade` and `rebate` are parts of it.
    pub cap_reduction: String,
    pub trade: String,
    pub rebate: String,
    pub residual: String,
    pub term: u32,
    pub lease_rate: Option<String>,
    pub money_factor: Option<String>,
    pub monthly_tax_rate: String,
    pub security_deposit: String,
    pub title_fee: String,
    pub registration_fee: String,
    pub acquisition_fee: String,
    pub disposition_fee: String,
    pub purchase_option_price: Option<String>,
    pub excess_mileage_rate: Option<String>,
    pub mileage_allowance_per_year: Option<u32>,
}

/// An option's terms: `{"kind": "loan", "input": {...}}` or `{"kind": "lease", "input": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "input", rename_all = "snake_case")]
pub enum OptionTerms {
    Loan(LoanTerms),
    Lease(LeaseTerms),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum OptionKind {
    Loan,
    Lease,
}

impl OptionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OptionKind::Loan => "loan",
            OptionKind::Lease => "lease",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "loan" => Some(OptionKind::Loan),
            "lease" => Some(OptionKind::Lease),
            _ => None,
        }
    }
}

impl OptionTerms {
    pub fn kind(&self) -> OptionKind {
        match self {
            OptionTerms::Loan(_) => OptionKind::Loan,
            OptionTerms::Lease(_) => OptionKind::Lease,
        }
    }
}

/// The contract terms the federal box states until the contract module supplies the dealer's
/// own: a simple-interest contract without prepayment penalty, secured by the vehicle.
pub fn desk_contract_terms() -> ContractTerms {
    ContractTerms {
        late_charge:
            "If a payment is more than 10 days late, you will be charged 5% of the payment.".into(),
        prepayment_penalty: false,
        security_interest: "the motor vehicle being purchased".into(),
    }
}

/// An option priced: the stored document and the figures copied to columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedOption {
    pub kind: OptionKind,
    /// The terms with every amount and rate in its normal form ("4250.00", "6.99").
    pub terms: OptionTerms,
    /// Canonical JSON of `{kind, input, limits, quote, disclosure}`.
    pub document: String,
    /// Lower-case hex SHA-256 of `document`.
    pub sha256: String,
    pub term_months: u32,
    pub monthly_payment: Money,
    pub amount_financed: Option<Money>,
    pub finance_charge: Option<Money>,
    /// Disclosed APR, two decimals (loans only).
    pub apr: Option<String>,
    pub due_at_signing: Option<Money>,
    pub total_of_payments: Money,
}

fn invalid(prefix: &str, field: &str, message: impl std::fmt::Display) -> DealError {
    DealError::Invalid {
        field: format!("{prefix}{field}"),
        message: message.to_string(),
    }
}

fn money(prefix: &str, field: &str, value: &str) -> Result<Money, DealError> {
    Money::parse_user(value).map_err(|e| invalid(prefix, field, e))
}

fn opt_money(
    prefix: &str,
    field: &str,
    value: &Option<String>,
) -> Result<Option<Money>, DealError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => money(prefix, field, v).map(Some),
        None => Ok(None),
    }
}

fn rate(prefix: &str, field: &str, value: &str) -> Result<Rate, DealError> {
    Rate::parse_user(value).map_err(|e| invalid(prefix, field, e))
}

fn date(prefix: &str, field: &str, value: &str) -> Result<NaiveDate, DealError> {
    crate::customer::validate::parse_date(value)
        .ok_or_else(|| invalid(prefix, field, "enter a date as YYYY-MM-DD or MM/DD/YYYY"))
}

fn finance_error(prefix: &str, e: FinanceError) -> DealError {
    match e {
        FinanceError::Invalid { field, message } => invalid(prefix, &field, message),
        FinanceError::NoSolution(m) => invalid(
            prefix,
            "payments",
            format!("the annual percentage rate could not be computed: {m}"),
        ),
    }
}

/// The usury cap check, with a message that names the cap and the state.
fn check_cap(
    prefix: &str,
    field: &str,
    rate: Rate,
    limits: &Limits,
    state: Option<&str>,
) -> Result<(), DealError> {
    if rate > limits.max_rate {
        return Err(invalid(
            prefix,
            field,
            format!(
                "the rate {rate} is above the {} usury cap{}",
                limits.max_rate,
                state.map(|s| format!(" set for {s}")).unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

fn loan_input(prefix: &str, t: &LoanTerms) -> Result<LoanInput, DealError> {
    Ok(LoanInput {
        price: money(prefix, "price", &t.price)?,
        addons: money(prefix, "addons", &t.addons)?,
        taxes_fees: money(prefix, "taxes_fees", &t.taxes_fees)?,
        dealer_fees: money(prefix, "dealer_fees", &t.dealer_fees)?,
        down: money(prefix, "down", &t.down)?,
        trade: money(prefix, "trade", &t.trade)?,
        payoff: money(prefix, "payoff", &t.payoff)?,
        rebate: money(prefix, "rebate", &t.rebate)?,
        rate: rate(prefix, "rate", &t.rate)?,
        term: t.term,
        contract_date: date(prefix, "contract_date", &t.contract_date)?,
        first_payment: match t.first_payment.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => Some(date(prefix, "first_payment", d)?),
            _ => None,
        },
    })
}

fn lease_input(prefix: &str, t: &LeaseTerms) -> Result<LeaseInput, DealError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let pricing = match (given(&t.lease_rate), given(&t.money_factor)) {
        (Some(r), None) => LeasePricing::LeaseRate(rate(prefix, "lease_rate", &r)?),
        (None, Some(mf)) => {
            let d = Decimal::from_str(&mf).map_err(|_| {
                invalid(prefix, "money_factor", "enter a money factor like 0.00125")
            })?;
            if d.normalize().scale() > 8 {
                return Err(invalid(
                    prefix,
                    "money_factor",
                    "a money factor has at most 8 decimal places",
                ));
            }
            LeasePricing::MoneyFactor(d.normalize())
        }
        (None, None) => {
            return Err(invalid(
                prefix,
                "lease_rate",
                "enter a lease rate or a money factor",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                prefix,
                "money_factor",
                "give a lease rate or a money factor, not both",
            ))
        }
    };
    Ok(LeaseInput {
        agreed_value: money(prefix, "agreed_value", &t.agreed_value)?,
        capitalized_items: money(prefix, "capitalized_items", &t.capitalized_items)?,
        cap_reduction: money(prefix, "cap_reduction", &t.cap_reduction)?,
        trade: money(prefix, "trade", &t.trade)?,
        rebate: money(prefix, "rebate", &t.rebate)?,
        residual: money(prefix, "residual", &t.residual)?,
        term: t.term,
        pricing,
        monthly_tax_rate: rate(prefix, "monthly_tax_rate", &t.monthly_tax_rate)?,
        security_deposit: money(prefix, "security_deposit", &t.security_deposit)?,
        title_fee: money(prefix, "title_fee", &t.title_fee)?,
        registration_fee: money(prefix, "registration_fee", &t.registration_fee)?,
        acquisition_fee: money(prefix, "acquisition_fee", &t.acquisition_fee)?,
        disposition_fee: money(prefix, "disposition_fee", &t.disposition_fee)?,
        purchase_option_price: opt_money(
            prefix,
            "purchase_option_price",
            &t.purchase_option_price,
        )?,
        excess_mileage_rate: opt_money(prefix, "excess_mileage_rate", &t.excess_mileage_rate)?,
        mileage_allowance_per_year: t.mileage_allowance_per_year,
    })
}

fn rate_text(r: Rate) -> String {
    r.percent().normalize().to_string()
}

fn normal_loan(i: &LoanInput) -> LoanTerms {
    LoanTerms {
        price: i.price.to_plain(),
        addons: i.addons.to_plain(),
        taxes_fees: i.taxes_fees.to_plain(),
        dealer_fees: i.dealer_fees.to_plain(),
        down: i.down.to_plain(),
        trade: i.trade.to_plain(),
        payoff: i.payoff.to_plain(),
        rebate: i.rebate.to_plain(),
        rate: rate_text(i.rate),
        term: i.term,
        contract_date: i.contract_date.to_string(),
        first_payment: i.first_payment.map(|d| d.to_string()),
    }
}

fn normal_lease(i: &LeaseInput) -> LeaseTerms {
    let (lease_rate, money_factor) = match i.pricing {
        LeasePricing::LeaseRate(r) => (Some(rate_text(r)), None),
        LeasePricing::MoneyFactor(mf) => (None, Some(mf.normalize().to_string())),
    };
    LeaseTerms {
        agreed_value: i.agreed_value.to_plain(),
        capitalized_items: i.capitalized_items.to_plain(),
        cap_reduction: i.cap_reduction.to_plain(),
        trade: i.trade.to_plain(),
        rebate: i.rebate.to_plain(),
        residual: i.residual.to_plain(),
        term: i.term,
        lease_rate,
        money_factor,
        monthly_tax_rate: rate_text(i.monthly_tax_rate),
        security_deposit: i.security_deposit.to_plain(),
        title_fee: i.title_fee.to_plain(),
        registration_fee: i.registration_fee.to_plain(),
        acquisition_fee: i.acquisition_fee.to_plain(),
        disposition_fee: i.disposition_fee.to_plain(),
        purchase_option_price: i.purchase_option_price.map(|m| m.to_plain()),
        excess_mileage_rate: i.excess_mileage_rate.map(|m| m.to_plain()),
        mileage_allowance_per_year: i.mileage_allowance_per_year,
    }
}

fn to_value(v: impl Serialize) -> Result<Value, DealError> {
    serde_json::to_value(v).map_err(|e| DealError::Invalid {
        field: "options".into(),
        message: format!("the quote could not be recorded: {e}"),
    })
}

/// JSON with object keys sorted at every level and no insignificant whitespace, so the same
/// document always has the same bytes (and hash), whatever map order serde_json was built with.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(*k) {
                    write_canonical(child, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Prices one option under `limits` (the usury cap of `state`). Errors name the field with
/// `prefix` (e.g. `options.1.rate`).
pub fn price_option(
    terms: &OptionTerms,
    limits: &Limits,
    state: Option<&str>,
    prefix: &str,
) -> Result<PricedOption, DealError> {
    let limits_doc = json!({
        "max_rate": rate_text(limits.max_rate),
        "max_term_months": limits.max_term_months,
        "usury_state": state,
    });
    match terms {
        OptionTerms::Loan(t) => {
            let input = loan_input(prefix, t)?;
            check_cap(prefix, "rate", input.rate, limits, state)?;
            let q = loan::quote(&input, limits).map_err(|e| finance_error(prefix, e))?;
            let tila = disclosure::tila(&q, &desk_contract_terms());
            let normal = normal_loan(&input);
            let doc = json!({
                "kind": "loan",
                "input": to_value(&normal)?,
                "limits": limits_doc,
                "quote": to_value(&q)?,
                "disclosure": to_value(&tila)?,
            });
            let document = canonical_json(&doc);
            Ok(PricedOption {
                kind: OptionKind::Loan,
                terms: OptionTerms::Loan(normal),
                sha256: sha256_hex(document.as_bytes()),
                document,
                term_months: q.term,
                monthly_payment: q.monthly_payment,
                amount_financed: Some(q.amount_financed),
                finance_charge: Some(q.finance_charge),
                apr: Some(tila.annual_percentage_rate),
                due_at_signing: None,
                total_of_payments: q.total_of_payments,
            })
        }
        OptionTerms::Lease(t) => {
            let input = lease_input(prefix, t)?;
            match input.pricing {
                LeasePricing::LeaseRate(r) => check_cap(prefix, "lease_rate", r, limits, state)?,
                LeasePricing::MoneyFactor(mf) => check_cap(
                    prefix,
                    "money_factor",
                    Rate::from_percent(mf * Decimal::from(2400)),
                    limits,
                    state,
                )?,
            }
            let q = lease::quote(&input, limits).map_err(|e| finance_error(prefix, e))?;
            let reg_m = disclosure::reg_m(&q);
            let normal = normal_lease(&input);
            let doc = json!({
                "kind": "lease",
                "input": to_value(&normal)?,
                "limits": limits_doc,
                "quote": to_value(&q)?,
                "disclosure": to_value(&reg_m)?,
            });
            let document = canonical_json(&doc);
            Ok(PricedOption {
                kind: OptionKind::Lease,
                terms: OptionTerms::Lease(normal),
                sha256: sha256_hex(document.as_bytes()),
                document,
                term_months: q.term,
                monthly_payment: q.total_monthly_payment,
                amount_financed: None,
                finance_charge: None,
                apr: None,
                due_at_signing: Some(q.due_at_signing),
                total_of_payments: q.total_of_payments,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"z":[{"y":2,"x":"3"}],"c":null}}"#).expect("json");
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"z":[{"x":"3","y":2}]},"b":1}"#
        );
    }

    #[test]
    fn terms_cross_json_with_a_kind_tag() {
        let t: OptionTerms = serde_json::from_value(json!({
            "kind": "lease",
            "input": {
                "agreed_value": "30000", "capitalized_items": "0", "cap_reduction": "0",
                "trade": "0", "rebate": "0", "residual": "18000", "term": 36,
                "lease_rate": null, "money_factor": "0.00125", "monthly_tax_rate": "0",
                "security_deposit": "0", "title_fee": "0", "registration_fee": "0",
                "acquisition_fee": "0", "disposition_fee": "0", "purchase_option_price": null,
                "excess_mileage_rate": null, "mileage_allowance_per_year": null,
                "monthly_payment": "1.00"
            }
        }))
        .expect("lease terms");
        assert_eq!(t.kind(), OptionKind::Lease);
        let p = price_option(&t, &Limits::default(), None, "options.0.").expect("priced");
        assert_eq!(p.sha256, sha256_hex(p.document.as_bytes()));
        assert!(
            p.monthly_payment > Money::from_cents(100),
            "the stray figure is ignored"
        );
    }
}
