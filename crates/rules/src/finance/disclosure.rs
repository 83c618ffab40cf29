//! The data of the federal disclosures, for the contract to print: the Truth in Lending
//! "federal box" of a retail installment contract (12 CFR 1026.18) and the segregated Consumer
//! Leasing disclosures of a closed-end vehicle lease (12 CFR 1013.4). Money is serialized as
//! decimal strings, dates as ISO 8601.

use chrono::NaiveDate;
use serde::Serialize;

use super::lease::{DueAtSigning, HowPaid, LeaseQuote, LeaseRateInfo, OtherCharges};
use super::loan::LoanQuote;
use crate::money::Money;

/// Contract terms the math does not decide; the contract supplies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractTerms {
    /// e.g. "If a payment is more than 10 days late, you will be charged 5% of the payment."
    pub late_charge: String,
    /// Whether paying off early can cost a penalty (simple-interest auto contracts: no).
    pub prepayment_penalty: bool,
    /// The property the creditor takes a security interest in, e.g. "the vehicle being purchased".
    pub security_interest: String,
}

/// One line of the payment schedule (§1026.18(g)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentScheduleLine {
    pub number_of_payments: u32,
    pub amount: Money,
    pub first_due: NaiveDate,
    /// "monthly", or "final" for the last payment line.
    pub when_due: String,
}

/// The federal box of a retail installment sale contract (§1026.18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TilaDisclosure {
    /// "The cost of your credit as a yearly rate", percent to two decimals.
    pub annual_percentage_rate: String,
    /// "The dollar amount the credit will cost you."
    pub finance_charge: Money,
    /// "The amount of credit provided to you or on your behalf."
    pub amount_financed: Money,
    /// "The amount you will have paid after you have made all payments as scheduled."
    pub total_of_payments: Money,
    /// "The total cost of your purchase on credit, including your downpayment of $X."
    pub total_sale_price: Money,
    pub downpayment: Money,
    pub payment_schedule: Vec<PaymentScheduleLine>,
    pub late_charge: String,
    /// "If you pay off early, you will not have to pay a penalty" (or "may have to").
    pub prepayment: String,
    pub security_interest: String,
    /// Reference to the contract for non-payment, default and prepayment terms (§1026.18(p)).
    pub contract_reference: String,
}

/// The federal box for a loan quote.
pub fn tila(q: &LoanQuote, terms: &ContractTerms) -> TilaDisclosure {
    let mut schedule = Vec::with_capacity(2);
    if q.term > 1 {
        schedule.push(PaymentScheduleLine {
            number_of_payments: q.term - 1,
            amount: q.monthly_payment,
            first_due: q.first_payment_date,
            when_due: "monthly".into(),
        });
    }
    if let Some(last) = q.schedule.last() {
        schedule.push(PaymentScheduleLine {
            number_of_payments: 1,
            amount: last.payment,
            first_due: last.date,
            when_due: "final".into(),
        });
    }
    TilaDisclosure {
        annual_percentage_rate: q.apr.to_plain(2),
        finance_charge: q.finance_charge,
        amount_financed: q.amount_financed,
        total_of_payments: q.total_of_payments,
        total_sale_price: q.total_sale_price,
        downpayment: q.total_down_payment,
        payment_schedule: schedule,
        late_charge: terms.late_charge.clone(),
        prepayment: if terms.prepayment_penalty {
            "If you pay off early, you may have to pay a penalty.".into()
        } else {
            "If you pay off early, you will not have to pay a penalty.".into()
        },
        security_interest: format!(
            "You are giving a security interest in {}.",
            terms.security_interest
        ),
        contract_reference: "See your contract documents for any additional information about \
nonpayment, default, any required repayment in full before the scheduled date, and \
prepayment refunds and penalties."
            .into(),
    }
}

/// The monthly payments box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaseMonthlyPayments {
    pub first_payment: Money,
    pub following_payments: u32,
    pub payment: Money,
    pub total: Money,
}

/// "Your monthly payment is determined as shown below" (§1013.4(f)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentCalculation {
    pub agreed_value: Money,
    pub gross_capitalized_cost: Money,
    pub capitalized_cost_reduction: Money,
    pub adjusted_capitalized_cost: Money,
    pub residual_value: Money,
    pub depreciation_and_amortized_amounts: Money,
    pub rent_charge: Money,
    pub total_of_base_monthly_payments: Money,
    pub lease_term: u32,
    pub base_monthly_payment: Money,
    pub monthly_sales_use_tax: Money,
    pub total_monthly_payment: Money,
}

/// The segregated disclosures (§1013.3(a)(2), §1013.4(b)–(f)) plus the other lease terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegMSegregated {
    pub amount_due_at_signing: DueAtSigning,
    pub how_paid: HowPaid,
    pub monthly_payments: LeaseMonthlyPayments,
    pub other_charges: OtherCharges,
    pub total_of_payments: Money,
    pub payment_calculation: PaymentCalculation,
}

/// Everything Regulation M asks the lease to show. The rate information sits outside the
/// segregated block: comment 4(s)-1 keeps any lease rate out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegMDisclosure {
    pub segregated: RegMSegregated,
    pub purchase_option_price: Money,
    pub excess_mileage_rate: Option<Money>,
    pub mileage_allowance_per_year: Option<u32>,
    pub early_termination_warning: &'static str,
    pub rate_info: LeaseRateInfo,
}

/// The early-termination notice of §1013.4(g)(2) (vehicle leases).
pub const EARLY_TERMINATION_WARNING: &str = "Early Termination. You may have to pay a substantial \
charge if you end this lease early. The charge may be up to several thousand dollars. The actual \
charge will depend on when the lease is terminated. The earlier you end the lease, the greater \
this charge is likely to be.";

/// The Regulation M disclosure data for a lease quote.
pub fn reg_m(q: &LeaseQuote) -> RegMDisclosure {
    RegMDisclosure {
        segregated: RegMSegregated {
            amount_due_at_signing: q.due_at_signing_items,
            how_paid: q.paid_by,
            monthly_payments: LeaseMonthlyPayments {
                first_payment: q.total_monthly_payment,
                following_payments: q.term.saturating_sub(1),
                payment: q.total_monthly_payment,
                total: q.total_of_monthly_payments,
            },
            other_charges: q.other_charges,
            total_of_payments: q.total_of_payments,
            payment_calculation: PaymentCalculation {
                agreed_value: q.agreed_value,
                gross_capitalized_cost: q.gross_cap_cost,
                capitalized_cost_reduction: q.cap_cost_reduction,
                adjusted_capitalized_cost: q.adjusted_cap_cost,
                residual_value: q.residual,
                depreciation_and_amortized_amounts: q.depreciation,
                rent_charge: q.rent_charge,
                total_of_base_monthly_payments: q.total_base_payments,
                lease_term: q.term,
                base_monthly_payment: q.base_monthly_payment,
                monthly_sales_use_tax: q.monthly_tax,
                total_monthly_payment: q.total_monthly_payment,
            },
        },
        purchase_option_price: q.purchase_option_price,
        excess_mileage_rate: q.excess_mileage_rate,
        mileage_allowance_per_year: q.mileage_allowance_per_year,
        early_termination_warning: EARLY_TERMINATION_WARNING,
        rate_info: q.rate_info.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finance::lease::{self, LeaseInput, LeasePricing};
    use crate::finance::loan::{self, LoanInput};
    use crate::finance::Limits;
    use crate::money::Rate;
    use rust_decimal::Decimal;

    fn money(s: &str) -> Money {
        Money::parse_user(s).expect("a test amount")
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
    }

    #[test]
    fn the_federal_box_carries_the_quote_and_money_as_strings() {
        let q = loan::quote(
            &LoanInput {
                price: money("20000"),
                addons: Money::ZERO,
                taxes_fees: Money::ZERO,
                dealer_fees: Money::ZERO,
                down: money("2000"),
                trade: Money::ZERO,
                payoff: Money::ZERO,
                rebate: Money::ZERO,
                rate: Rate::parse_user("6").expect("a rate"),
                term: 60,
                contract_date: d(2026, 1, 10),
                first_payment: None,
            },
            &Limits::default(),
        )
        .expect("a quote");
        let t = tila(
            &q,
            &ContractTerms {
                late_charge: "5% of the payment after 10 days".into(),
                prepayment_penalty: false,
                security_interest: "the vehicle being purchased".into(),
            },
        );
        assert_eq!(t.annual_percentage_rate, "6.00", "APR to two decimals");
        assert_eq!(
            t.payment_schedule.len(),
            2,
            "59 regular payments and the final one"
        );
        assert_eq!(
            t.payment_schedule[0].number_of_payments, 59,
            "n − 1 regular payments"
        );
        assert_eq!(t.downpayment, money("2000"), "cash down");
        let json = serde_json::to_value(&t).expect("serializes");
        assert_eq!(
            json["amount_financed"], "18000.00",
            "money is a decimal string"
        );
        assert_eq!(
            json["payment_schedule"][0]["first_due"], "2026-02-10",
            "ISO dates"
        );
        assert!(
            t.prepayment.contains("will not"),
            "no prepayment penalty: {}",
            t.prepayment
        );
    }

    #[test]
    fn the_lease_disclosure_keeps_the_rate_out_of_the_segregated_block() {
        let q = lease::quote(
            &LeaseInput {
                agreed_value: money("30000"),
                capitalized_items: Money::ZERO,
                cap_reduction: money("2000"),
                trade: Money::ZERO,
                rebate: Money::ZERO,
                residual: money("18000"),
                term: 36,
                pricing: LeasePricing::MoneyFactor(Decimal::new(150, 5)),
                monthly_tax_rate: Rate::ZERO,
                security_deposit: Money::ZERO,
                title_fee: Money::ZERO,
                registration_fee: Money::ZERO,
                acquisition_fee: money("695"),
                disposition_fee: money("350"),
                purchase_option_price: None,
                excess_mileage_rate: None,
                mileage_allowance_per_year: None,
            },
            &Limits::default(),
        )
        .expect("a quote");
        let r = reg_m(&q);
        let seg = serde_json::to_string(&r.segregated).expect("serializes");
        assert!(
            !seg.contains("rate_info") && !seg.contains(lease::RATE_NOTICE),
            "no lease rate inside the segregated disclosures: {seg}"
        );
        assert_eq!(
            r.rate_info.notice,
            lease::RATE_NOTICE,
            "the notice goes with the rate"
        );
        assert_eq!(
            r.segregated.monthly_payments.following_payments, 35,
            "first payment then 35 more"
        );
        assert_eq!(
            r.segregated.amount_due_at_signing.acquisition_fee,
            money("695"),
            "the acquisition fee is itemized at signing"
        );
    }
}
