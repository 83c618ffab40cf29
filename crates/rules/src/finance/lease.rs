//! Closed-end vehicle lease quotes in the order Regulation M's segregated disclosures show them
//! (12 CFR 1013.4): gross capitalized cost, capitalized cost reduction, adjusted capitalized cost,
//! residual value, depreciation and amortized amounts, rent charge, total of base payments, base
//! monthly payment, monthly tax, total monthly payment; then the amount due at signing (itemized,
//! and how it is paid), other charges and the total of payments.
//!
//! Two ways to price the rent charge:
//! - a money factor, by the industry formula: base payment = depreciation / term
//!   + (adjusted cap cost + residual) × money factor;
//! - an annual lease rate, by the constant-yield (actuarial) method with payments in advance:
//!   the base payments, due at the start of each month, and the residual at the end, discounted
//!   at rate / 12, equal the adjusted capitalized cost.
//!
//! Regulation M does not define a lease rate and forbids calling one an "annual percentage
//! rate" (§1013.4(s)); a rate shown must carry [`RATE_NOTICE`] and stays out of the segregated
//! disclosures (comment 4(s)-1).

use rust_decimal::Decimal;
use serde::Serialize;

use super::{non_negative, FinanceError, Limits};
use crate::money::{Money, Rate};

/// The notice §1013.4(s) requires next to any percentage rate shown for a lease.
pub const RATE_NOTICE: &str =
    "This percentage may not measure the overall cost of financing this lease.";

/// How the rent charge is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeasePricing {
    /// An annual rate, priced by constant yield with payments in advance.
    LeaseRate(Rate),
    /// A money factor (e.g. `0.00125`).
    MoneyFactor(Decimal),
}

/// The lease as the desk structures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseInput {
    /// Agreed value of the vehicle (its negotiated price).
    pub agreed_value: Money,
    /// Items paid over the term: service contracts, capitalized fees, prior balances.
    pub capitalized_items: Money,
    /// Total capitalized cost reduction; `trade` and `rebate` say how part of it is paid.
    pub cap_reduction: Money,
    /// Net trade-in allowance applied to the reduction.
    pub trade: Money,
    /// Rebates and noncash credits applied to the reduction.
    pub rebate: Money,
    pub residual: Money,
    /// Number of monthly payments.
    pub term: u32,
    pub pricing: LeasePricing,
    /// Sales/use tax on each monthly payment, in percent.
    pub monthly_tax_rate: Rate,
    pub security_deposit: Money,
    pub title_fee: Money,
    pub registration_fee: Money,
    /// Acquisition fee paid at signing (put it in `capitalized_items` to finance it instead).
    pub acquisition_fee: Money,
    /// Charged at turn-in if the lessee does not buy the vehicle.
    pub disposition_fee: Money,
    /// Purchase option price at the end of the term; defaults to the residual.
    pub purchase_option_price: Option<Money>,
    /// Excess mileage charge per mile, and the miles a year allowed.
    pub excess_mileage_rate: Option<Money>,
    pub mileage_allowance_per_year: Option<u32>,
}

/// Itemization of the amount due at lease signing or delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DueAtSigning {
    pub cap_cost_reduction: Money,
    pub first_monthly_payment: Money,
    pub security_deposit: Money,
    pub title_fees: Money,
    pub registration_fees: Money,
    pub acquisition_fee: Money,
    pub total: Money,
}

/// How the amount due at signing is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HowPaid {
    pub net_trade_in_allowance: Money,
    pub rebates_and_noncash_credits: Money,
    pub cash: Money,
    pub total: Money,
}

/// Other charges, not part of the monthly payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OtherCharges {
    pub disposition_fee: Money,
    pub total: Money,
}

/// A percentage rate for the lease, with the notice Regulation M requires beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaseRateInfo {
    /// What the figure is (never "APR").
    pub label: String,
    /// Percent, four decimals.
    pub percent: String,
    pub notice: &'static str,
}

/// A priced lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaseQuote {
    pub agreed_value: Money,
    pub capitalized_items: Money,
    pub gross_cap_cost: Money,
    pub cap_cost_reduction: Money,
    pub adjusted_cap_cost: Money,
    pub residual: Money,
    pub depreciation: Money,
    pub rent_charge: Money,
    pub total_base_payments: Money,
    pub term: u32,
    pub base_monthly_payment: Money,
    pub monthly_tax: Money,
    pub total_monthly_payment: Money,
    pub total_of_monthly_payments: Money,
    pub due_at_signing: Money,
    pub due_at_signing_items: DueAtSigning,
    pub paid_by: HowPaid,
    pub other_charges: OtherCharges,
    pub total_of_payments: Money,
    pub purchase_option_price: Money,
    pub excess_mileage_rate: Option<Money>,
    pub mileage_allowance_per_year: Option<u32>,
    /// The money factor used (given, or implied by the lease rate: rate / 2400).
    pub money_factor: String,
    /// The money factor × 2400 (or the lease rate given), labelled with the §1013.4(s) notice.
    pub rate_info: LeaseRateInfo,
}

/// Prices a lease. Errors name the field: negative amounts, a term of 0 or over the limit, a
/// rate or money factor above the cap, trade plus rebate above the cap cost reduction, a
/// reduction above the gross cap cost, or a residual of zero or above the adjusted cap cost.
pub fn quote(input: &LeaseInput, limits: &Limits) -> Result<LeaseQuote, FinanceError> {
    let amounts = [
        ("agreed_value", input.agreed_value),
        ("capitalized_items", input.capitalized_items),
        ("cap_reduction", input.cap_reduction),
        ("trade", input.trade),
        ("rebate", input.rebate),
        ("residual", input.residual),
        ("security_deposit", input.security_deposit),
        ("title_fee", input.title_fee),
        ("registration_fee", input.registration_fee),
        ("acquisition_fee", input.acquisition_fee),
        ("disposition_fee", input.disposition_fee),
    ];
    for (field, m) in amounts {
        non_negative(field, m)?;
    }
    if input.agreed_value.is_zero() {
        return Err(FinanceError::invalid(
            "agreed_value",
            "the agreed value must be more than zero",
        ));
    }
    limits.check_term("term", input.term)?;
    limits.check_rate("monthly_tax_rate", input.monthly_tax_rate)?;
    if input.trade + input.rebate > input.cap_reduction {
        return Err(FinanceError::invalid(
            "cap_reduction",
            "the cap cost reduction is the total: it must include the trade and the rebate",
        ));
    }
    let gross_cap_cost = input.agreed_value + input.capitalized_items;
    if input.cap_reduction > gross_cap_cost {
        return Err(FinanceError::invalid(
            "cap_reduction",
            "the cap cost reduction cannot exceed the gross capitalized cost",
        ));
    }
    let adjusted_cap_cost = gross_cap_cost - input.cap_reduction;
    if input.residual.is_zero() {
        return Err(FinanceError::invalid(
            "residual",
            "the residual must be more than zero",
        ));
    }
    if input.residual > adjusted_cap_cost {
        return Err(FinanceError::invalid(
            "residual",
            "the residual cannot be above the adjusted capitalized cost",
        ));
    }
    let depreciation = adjusted_cap_cost - input.residual;
    let n = Decimal::from(input.term);
    let adj = adjusted_cap_cost.amount();
    let rv = input.residual.amount();

    let (base_exact, money_factor, rate_info) = match input.pricing {
        LeasePricing::MoneyFactor(mf) => {
            if mf.is_sign_negative() && !mf.is_zero() {
                return Err(FinanceError::invalid(
                    "money_factor",
                    "the money factor cannot be negative",
                ));
            }
            let equivalent = Rate::from_percent(mf * Decimal::from(2400));
            limits
                .check_rate("money_factor", equivalent)
                .map_err(|e| match e {
                    FinanceError::Invalid { field, message } => FinanceError::Invalid {
                        field,
                        message: format!("{message} (money factor × 2400)"),
                    },
                    other => other,
                })?;
            let base = depreciation.amount() / n + (adj + rv) * mf;
            (
                base,
                mf,
                LeaseRateInfo {
                    label: "Money factor × 2400".into(),
                    percent: equivalent.to_plain(4),
                    notice: RATE_NOTICE,
                },
            )
        }
        LeasePricing::LeaseRate(rate) => {
            limits.check_rate("lease_rate", rate)?;
            let i = rate.periodic(12);
            let base = if i.is_zero() {
                depreciation.amount() / n
            } else {
                // Payments in advance: adj = P·(1 − vⁿ)/(1 − v) + RV·vⁿ.
                let v = Decimal::ONE / (Decimal::ONE + i);
                let mut vn = Decimal::ONE;
                for _ in 0..input.term {
                    vn *= v;
                }
                (adj - rv * vn) * (Decimal::ONE - v) / (Decimal::ONE - vn)
            };
            (
                base,
                rate.percent() / Decimal::from(2400),
                LeaseRateInfo {
                    label: "Lease rate used to compute the rent charge".into(),
                    percent: rate.to_plain(4),
                    notice: RATE_NOTICE,
                },
            )
        }
    };
    let base_monthly_payment = Money::round(base_exact);
    let total_base_payments = base_monthly_payment.times(input.term);
    // The rent charge is what the base payments collect beyond depreciation, so the form's
    // arithmetic (depreciation + rent charge = total of base payments) holds to the cent.
    let rent_charge = total_base_payments - depreciation;
    let monthly_tax =
        Money::round(base_monthly_payment.amount() * input.monthly_tax_rate.fraction());
    let total_monthly_payment = base_monthly_payment + monthly_tax;
    let totals = LeaseTotals::assemble(&SigningItems {
        total_monthly_payment,
        term: input.term,
        cap_cost_reduction: input.cap_reduction,
        security_deposit: input.security_deposit,
        title_fees: input.title_fee,
        registration_fees: input.registration_fee,
        acquisition_fee: input.acquisition_fee,
        net_trade_in_allowance: input.trade,
        rebates: input.rebate,
        disposition_fee: input.disposition_fee,
    });
    Ok(LeaseQuote {
        agreed_value: input.agreed_value,
        capitalized_items: input.capitalized_items,
        gross_cap_cost,
        cap_cost_reduction: input.cap_reduction,
        adjusted_cap_cost,
        residual: input.residual,
        depreciation,
        rent_charge,
        total_base_payments,
        term: input.term,
        base_monthly_payment,
        monthly_tax,
        total_monthly_payment,
        total_of_monthly_payments: totals.total_of_monthly_payments,
        due_at_signing: totals.due.total,
        due_at_signing_items: totals.due,
        paid_by: totals.paid_by,
        other_charges: totals.other,
        total_of_payments: totals.total_of_payments,
        purchase_option_price: input.purchase_option_price.unwrap_or(input.residual),
        excess_mileage_rate: input.excess_mileage_rate,
        mileage_allowance_per_year: input.mileage_allowance_per_year,
        money_factor: money_factor.round_dp(8).normalize().to_string(),
        rate_info,
    })
}

/// What is paid at signing and the charges around the monthly payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningItems {
    pub total_monthly_payment: Money,
    pub term: u32,
    pub cap_cost_reduction: Money,
    pub security_deposit: Money,
    pub title_fees: Money,
    pub registration_fees: Money,
    pub acquisition_fee: Money,
    pub net_trade_in_allowance: Money,
    pub rebates: Money,
    pub disposition_fee: Money,
}

/// The top boxes of the Regulation M form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTotals {
    pub due: DueAtSigning,
    pub paid_by: HowPaid,
    pub total_of_monthly_payments: Money,
    pub other: OtherCharges,
    pub total_of_payments: Money,
}

impl LeaseTotals {
    /// Amount due at signing (first payment in advance, reduction, deposit, fees), how it is
    /// paid (trade, rebates, the rest in cash), and the total of payments: due at signing +
    /// all monthly payments + other charges − the first monthly payment (already counted at
    /// signing) − the refundable security deposit (§1013.4(e)).
    pub fn assemble(items: &SigningItems) -> LeaseTotals {
        let first = if items.term > 0 {
            items.total_monthly_payment
        } else {
            Money::ZERO
        };
        let due_total = items.cap_cost_reduction
            + first
            + items.security_deposit
            + items.title_fees
            + items.registration_fees
            + items.acquisition_fee;
        let due = DueAtSigning {
            cap_cost_reduction: items.cap_cost_reduction,
            first_monthly_payment: first,
            security_deposit: items.security_deposit,
            title_fees: items.title_fees,
            registration_fees: items.registration_fees,
            acquisition_fee: items.acquisition_fee,
            total: due_total,
        };
        let paid_by = HowPaid {
            net_trade_in_allowance: items.net_trade_in_allowance,
            rebates_and_noncash_credits: items.rebates,
            cash: due_total - items.net_trade_in_allowance - items.rebates,
            total: due_total,
        };
        let total_of_monthly_payments = items.total_monthly_payment.times(items.term);
        let other = OtherCharges {
            disposition_fee: items.disposition_fee,
            total: items.disposition_fee,
        };
        let total_of_payments =
            due_total + total_of_monthly_payments + other.total - first - items.security_deposit;
        LeaseTotals {
            due,
            paid_by,
            total_of_monthly_payments,
            other,
            total_of_payments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(s: &str) -> Money {
        Money::parse_user(s).expect("a test amount")
    }

    fn base() -> LeaseInput {
        LeaseInput {
            agreed_value: money("31000"),
            capitalized_items: money("895"),
            cap_reduction: money("3000"),
            trade: money("1000"),
            rebate: money("500"),
            residual: money("19530"),
            term: 36,
            pricing: LeasePricing::MoneyFactor(Decimal::new(125, 5)),
            monthly_tax_rate: Rate::parse_user("7").expect("a rate"),
            security_deposit: money("0"),
            title_fee: money("75"),
            registration_fee: money("200"),
            acquisition_fee: Money::ZERO,
            disposition_fee: money("395"),
            purchase_option_price: None,
            excess_mileage_rate: Some(money("0.25")),
            mileage_allowance_per_year: Some(12000),
        }
    }

    #[test]
    fn the_federal_reserve_sample_lease_totals_match_figure_by_figure() {
        // "Keys to Vehicle Leasing" sample form: 48 monthly payments of $256.94, cap cost
        // reduction $3,500 (of which a $2,500 net trade-in), refundable security deposit $350,
        // title $75, registration $60, disposition fee $400.
        let t = LeaseTotals::assemble(&SigningItems {
            total_monthly_payment: money("256.94"),
            term: 48,
            cap_cost_reduction: money("3500"),
            security_deposit: money("350"),
            title_fees: money("75"),
            registration_fees: money("60"),
            acquisition_fee: Money::ZERO,
            net_trade_in_allowance: money("2500"),
            rebates: Money::ZERO,
            disposition_fee: money("400"),
        });
        assert_eq!(
            t.due.total,
            money("4241.94"),
            "box 2: amount due at signing"
        );
        assert_eq!(
            t.total_of_monthly_payments,
            money("12333.12"),
            "box 3: total of monthly payments"
        );
        assert_eq!(t.other.total, money("400"), "box 4: other charges");
        assert_eq!(
            t.total_of_payments,
            money("16368.12"),
            "box 5: total of payments"
        );
        assert_eq!(t.paid_by.cash, money("1741.94"), "6b: amount paid in cash");
        assert_eq!(t.paid_by.total, t.due.total, "6a and 6b totals agree");
    }

    #[test]
    fn the_federal_reserve_sample_cap_cost_progression_matches() {
        // Sample form lines 8–9: agreed value $21,500, gross capitalized cost $22,300,
        // capitalized cost reduction $3,500. The sample's residual and rent are not used here.
        let input = LeaseInput {
            agreed_value: money("21500"),
            capitalized_items: money("800"),
            cap_reduction: money("3500"),
            trade: money("2500"),
            rebate: Money::ZERO,
            residual: money("10000"),
            term: 48,
            security_deposit: money("350"),
            title_fee: money("75"),
            registration_fee: money("60"),
            disposition_fee: money("400"),
            ..base()
        };
        let q = quote(&input, &Limits::default()).expect("a quote");
        assert_eq!(
            q.gross_cap_cost,
            money("22300"),
            "line 8: gross capitalized cost"
        );
        assert_eq!(
            q.cap_cost_reduction,
            money("3500"),
            "line 9: cap cost reduction"
        );
        assert_eq!(q.adjusted_cap_cost, money("18800"), "22,300 − 3,500");
    }

    #[test]
    fn money_factor_pricing_follows_the_industry_formula() {
        let q = quote(&base(), &Limits::default()).expect("a quote");
        assert_eq!(
            q.gross_cap_cost,
            money("31895"),
            "agreed value + capitalized items"
        );
        assert_eq!(q.adjusted_cap_cost, money("28895"), "gross − reduction");
        assert_eq!(q.depreciation, money("9365"), "adjusted − residual");
        // 9365/36 + (28895 + 19530) × 0.00125 = 260.1389 + 60.53125 = 320.67
        assert_eq!(
            q.base_monthly_payment,
            money("320.67"),
            "depreciation/term + (adj+res)×MF"
        );
        assert_eq!(q.monthly_tax, money("22.45"), "7 % of 320.67 = 22.4469");
        assert_eq!(q.total_monthly_payment, money("343.12"), "base + tax");
        assert_eq!(
            q.rent_charge,
            q.total_base_payments - q.depreciation,
            "rent charge = total base payments − depreciation"
        );
        assert_eq!(q.rate_info.percent, "3.0000", "0.00125 × 2400");
        assert_eq!(
            q.rate_info.notice, RATE_NOTICE,
            "the §1013.4(s) notice goes with it"
        );
        assert!(
            !q.rate_info.label.to_ascii_lowercase().contains("apr")
                && !q
                    .rate_info
                    .label
                    .to_ascii_lowercase()
                    .contains("annual percentage"),
            "a lease rate is never called an APR: {}",
            q.rate_info.label
        );
        assert_eq!(
            q.purchase_option_price, q.residual,
            "defaults to the residual"
        );
        assert_eq!(
            q.due_at_signing,
            money("3000") + q.total_monthly_payment + money("275"),
            "reduction + first payment + title + registration"
        );
        assert_eq!(
            q.total_of_payments,
            q.due_at_signing + q.total_monthly_payment.times(36) + money("395")
                - q.total_monthly_payment,
            "Reg M total of payments"
        );
        assert_eq!(
            q.paid_by.cash,
            q.due_at_signing - money("1500"),
            "trade and rebate pay part"
        );
    }

    #[test]
    fn constant_yield_pricing_discounts_payments_in_advance() {
        let mut input = base();
        input.pricing = LeasePricing::LeaseRate(Rate::parse_user("3").expect("a rate"));
        let q = quote(&input, &Limits::default()).expect("a quote");
        // Check the payment against its definition: PV of 36 payments in advance plus the
        // residual at month 36, at 0.25 % a month, equals the adjusted cap cost (to a cent's
        // worth of rounding).
        let i = Decimal::new(25, 4);
        let v = Decimal::ONE / (Decimal::ONE + i);
        let mut pv = Decimal::ZERO;
        let mut vk = Decimal::ONE;
        for _ in 0..36 {
            pv += q.base_monthly_payment.amount() * vk;
            vk *= v;
        }
        pv += q.residual.amount() * vk;
        let gap = (pv - q.adjusted_cap_cost.amount()).abs();
        assert!(
            gap < Decimal::new(20, 2),
            "PV {pv} matches {} within rounding",
            q.adjusted_cap_cost
        );
        assert_eq!(
            q.rent_charge,
            q.total_base_payments - q.depreciation,
            "the identity holds"
        );
    }

    #[test]
    fn bad_lease_input_is_a_field_error() {
        let limits = Limits::default();
        let cases: Vec<(LeaseInput, &str)> = vec![
            (
                LeaseInput {
                    residual: money("40000"),
                    ..base()
                },
                "residual",
            ),
            (LeaseInput { term: 0, ..base() }, "term"),
            (
                LeaseInput {
                    trade: money("5000"),
                    ..base()
                },
                "cap_reduction",
            ),
            (
                LeaseInput {
                    pricing: LeasePricing::MoneyFactor(Decimal::new(2, 2)),
                    ..base()
                },
                "money_factor",
            ),
            (
                LeaseInput {
                    agreed_value: money("-5"),
                    ..base()
                },
                "agreed_value",
            ),
        ];
        for (input, field) in cases {
            let err = quote(&input, &limits).expect_err("bad input is refused");
            assert!(
                matches!(&err, FinanceError::Invalid { field: f, .. } if f == field),
                "{field}: {err:?}"
            );
        }
    }
}
