//! Retail installment sale quotes: from the deal structure to the amount financed, a payment
//! rounded to the cent with the final payment absorbing the rounding, the finance charge, the
//! totals of the Truth in Lending box, the APR (by Appendix J) and the amortization schedule.
//!
//! Interest accrues by the same actuarial method the APR uses: a month is a unit period at
//! `rate / 12`; an odd first period (first payment more or less than a month after the contract)
//! is whole months at the monthly rate plus the odd days at simple interest, days / 30 of a month
//! (Appendix J (b)(5)(ii)). So the APR equals the contract rate up to cent rounding, and the desk
//! and the lender compute the same numbers.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::apr::{self, Advance, AprRequest, Interval, PaymentStream};
use super::dates::{full_months_back, month_anchor, shift_months};
use super::{non_negative, FinanceError, Limits};
use crate::money::{Money, Rate};

/// The deal as the desk structures it. All amounts are non-negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanInput {
    /// Agreed selling price of the vehicle.
    pub price: Money,
    /// Optional products sold with it (service contract, GAP, ...).
    pub addons: Money,
    /// Sales tax and government fees (title, registration).
    pub taxes_fees: Money,
    /// Dealer fees (documentation, ...).
    pub dealer_fees: Money,
    /// Cash down payment.
    pub down: Money,
    /// Trade-in allowance.
    pub trade: Money,
    /// Payoff owed on the trade-in; above the allowance it is negative equity, financed.
    pub payoff: Money,
    /// Manufacturer rebate applied to the deal.
    pub rebate: Money,
    /// Contract (note) rate.
    pub rate: Rate,
    /// Number of monthly payments.
    pub term: u32,
    pub contract_date: NaiveDate,
    /// Defaults to one month after the contract date.
    pub first_payment: Option<NaiveDate>,
}

/// One line of the amortization schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduleRow {
    pub n: u32,
    pub date: NaiveDate,
    pub payment: Money,
    pub interest: Money,
    pub principal: Money,
    pub balance: Money,
}

/// A priced loan: every figure of the federal box plus the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoanQuote {
    /// Price + add-ons + taxes and fees + dealer fees.
    pub cash_price: Money,
    /// Payoff above the trade allowance, added to the amount financed.
    pub negative_equity: Money,
    /// Cash down + rebate + positive net trade: the Truth in Lending downpayment.
    pub total_down_payment: Money,
    pub amount_financed: Money,
    pub monthly_payment: Money,
    pub final_payment: Money,
    pub finance_charge: Money,
    pub total_of_payments: Money,
    /// Total of payments + downpayment (§1026.18(j)).
    pub total_sale_price: Money,
    /// Unrounded APR in percent.
    pub apr: Rate,
    pub contract_rate: Rate,
    pub term: u32,
    pub contract_date: NaiveDate,
    pub first_payment_date: NaiveDate,
    pub schedule: Vec<ScheduleRow>,
}

/// Latest first payment the desk accepts: three months after the contract (deferred-payment
/// programmes beyond that are not retail installment quotes this desk prices).
const MAX_FIRST_PAYMENT_MONTHS: i64 = 3;

/// Prices a loan. Errors name the field: negative amounts, a zero price, a term of 0 or over the
/// desk's limit, a rate over the usury cap, a first payment not after the contract (or more than
/// three months after it), or a structure that leaves nothing to finance.
pub fn quote(input: &LoanInput, limits: &Limits) -> Result<LoanQuote, FinanceError> {
    let fields = [
        ("price", input.price),
        ("addons", input.addons),
        ("taxes_fees", input.taxes_fees),
        ("dealer_fees", input.dealer_fees),
        ("down", input.down),
        ("trade", input.trade),
        ("payoff", input.payoff),
        ("rebate", input.rebate),
    ];
    for (field, m) in fields {
        non_negative(field, m)?;
    }
    if input.price.is_zero() {
        return Err(FinanceError::invalid(
            "price",
            "the price must be more than zero",
        ));
    }
    limits.check_term("term", input.term)?;
    limits.check_rate("rate", input.rate)?;
    let cash_price = input.price + input.addons + input.taxes_fees + input.dealer_fees;
    let net_trade = input.trade - input.payoff;
    let negative_equity = if net_trade.is_negative() {
        -net_trade
    } else {
        Money::ZERO
    };
    let positive_trade = if net_trade.is_negative() {
        Money::ZERO
    } else {
        net_trade
    };
    let total_down_payment = input.down + input.rebate + positive_trade;
    let amount_financed = cash_price + negative_equity - total_down_payment;
    if amount_financed <= Money::ZERO {
        return Err(FinanceError::invalid(
            "down",
            "the down payment, trade and rebate leave nothing to finance",
        ));
    }
    let first = first_payment_date(input.contract_date, input.first_payment)?;
    let schedule = amortize(
        amount_financed,
        input.rate,
        input.term,
        input.contract_date,
        first,
    )?;
    let monthly_payment = schedule.first().map(|r| r.payment).unwrap_or(Money::ZERO);
    let final_payment = schedule.last().map(|r| r.payment).unwrap_or(Money::ZERO);
    let total_of_payments: Money = schedule.iter().map(|r| r.payment).sum();
    let finance_charge = total_of_payments - amount_financed;

    let mut payments = Vec::with_capacity(2);
    if input.term > 1 {
        payments.push(PaymentStream {
            amount: monthly_payment,
            count: input.term - 1,
            first,
            every: Some(Interval::Months(1)),
        });
    }
    payments.push(PaymentStream {
        amount: final_payment,
        count: 1,
        first: schedule.last().map(|r| r.date).unwrap_or(first),
        every: None,
    });
    let request = AprRequest {
        advances: vec![Advance {
            amount: amount_financed,
            date: input.contract_date,
        }],
        payments,
        term_start: None,
        // A loan's unit period is its month even when the term is one payment.
        unit_period: Some(apr::UnitPeriod::Months(1)),
    };
    let apr = apr::solve_with_guess(&request, Some(input.rate.periodic(12)))?.apr;

    Ok(LoanQuote {
        cash_price,
        negative_equity,
        total_down_payment,
        amount_financed,
        monthly_payment,
        final_payment,
        finance_charge,
        total_of_payments,
        total_sale_price: total_of_payments + total_down_payment,
        apr,
        contract_rate: input.rate,
        term: input.term,
        contract_date: input.contract_date,
        first_payment_date: first,
        schedule,
    })
}

/// The first payment date: as given (after the contract, at most three months later), or one
/// month after the contract date.
pub fn first_payment_date(
    contract: NaiveDate,
    first: Option<NaiveDate>,
) -> Result<NaiveDate, FinanceError> {
    let latest = shift_months(contract, MAX_FIRST_PAYMENT_MONTHS, month_anchor(contract))
        .ok_or_else(|| FinanceError::invalid("contract_date", "the date is out of range"))?;
    match first {
        None => shift_months(contract, 1, month_anchor(contract))
            .ok_or_else(|| FinanceError::invalid("contract_date", "the date is out of range")),
        Some(f) if f <= contract => Err(FinanceError::invalid(
            "first_payment",
            "the first payment must be after the contract date",
        )),
        Some(f) if f > latest => Err(FinanceError::invalid(
            "first_payment",
            "the first payment must be within three months of the contract date",
        )),
        Some(f) => Ok(f),
    }
}

/// The level payment, unrounded: the amount whose `n` monthly payments, the first after `t1`
/// whole months and `f` of a month, have a present value equal to the amount financed.
fn level_payment(principal: Decimal, i: Decimal, n: u32, t1: u32, f: Decimal) -> Decimal {
    if i.is_zero() {
        return principal / Decimal::from(n.max(1));
    }
    let growth = (Decimal::ONE + f * i) * pow(Decimal::ONE + i, t1);
    let v = Decimal::ONE / (Decimal::ONE + i);
    let vn = pow(v, n);
    // P = AF · (1 + f·i)(1 + i)^t1 · (1 − v) / (1 − v^n)
    principal * growth * (Decimal::ONE - v) / (Decimal::ONE - vn)
}

fn pow(mut x: Decimal, mut n: u32) -> Decimal {
    let mut acc = Decimal::ONE;
    while n > 0 {
        if n & 1 == 1 {
            acc *= x;
        }
        n >>= 1;
        if n > 0 {
            x *= x;
        }
    }
    acc
}

/// The amortization schedule: the level payment rounded to the cent (half up), interest
/// rounded to the cent each period, and the final payment equal to what is left plus its
/// interest, so the balance ends at exactly 0.00 and principal sums to the amount financed.
pub fn amortize(
    amount_financed: Money,
    rate: Rate,
    term: u32,
    contract: NaiveDate,
    first: NaiveDate,
) -> Result<Vec<ScheduleRow>, FinanceError> {
    if term == 0 {
        return Err(FinanceError::invalid(
            "term",
            "the term must be at least 1 month",
        ));
    }
    if first <= contract {
        return Err(FinanceError::invalid(
            "first_payment",
            "the first payment must be after the contract date",
        ));
    }
    let i = rate.periodic(12);
    let anchor = month_anchor(first);
    // Odd first period by App J (b)(5)(ii): whole months back from the first payment, the rest
    // in days over 30.
    let (k, reached) = full_months_back(contract, first, anchor);
    let t1 = u32::try_from(k).unwrap_or(0);
    let f = Decimal::from((reached - contract).num_days()) / Decimal::from(30);
    let payment = Money::round(level_payment(amount_financed.amount(), i, term, t1, f));
    if payment <= Money::ZERO {
        return Err(FinanceError::invalid(
            "amount_financed",
            "the amount financed is too small for this term",
        ));
    }
    let first_factor = (Decimal::ONE + f * i) * pow(Decimal::ONE + i, t1) - Decimal::ONE;
    let mut rows = Vec::with_capacity(term as usize);
    let mut balance = amount_financed;
    for n in 1..=term {
        let date = shift_months(first, (n - 1) as i64, anchor)
            .ok_or_else(|| FinanceError::invalid("term", "the schedule runs past the calendar"))?;
        let interest = if n == 1 {
            Money::round(balance.amount() * first_factor)
        } else {
            monthly_interest(balance, rate, i)
        };
        let pay = if n == term {
            balance + interest
        } else {
            payment
        };
        let principal = pay - interest;
        balance = balance - principal;
        rows.push(ScheduleRow {
            n,
            date,
            payment: pay,
            interest,
            principal,
            balance,
        });
    }
    if rows.last().is_some_and(|r| r.payment <= Money::ZERO) {
        return Err(FinanceError::invalid(
            "amount_financed",
            "the amount financed is too small for this term",
        ));
    }
    Ok(rows)
}

/// One month's interest on `balance`, rounded to the cent half away from zero. Computed exactly
/// on integers (cents × rate ÷ 1200), which is both the true value and ten times faster than
/// a 28-digit decimal product; the decimal product is the fallback beyond i128's range.
fn monthly_interest(balance: Money, rate: Rate, i: Decimal) -> Money {
    exact_monthly_interest(balance, rate).unwrap_or_else(|| Money::round(balance.amount() * i))
}

fn exact_monthly_interest(balance: Money, rate: Rate) -> Option<Money> {
    let p = rate.percent();
    let cents = i128::from(balance.cents().ok()?);
    let den = 10i128.checked_pow(p.scale())?.checked_mul(1200)?;
    let num = cents.checked_mul(p.mantissa())?;
    let (q, r) = (num / den, num % den);
    let q = if r.abs() * 2 >= den {
        q + num.signum()
    } else {
        q
    };
    Some(Money::from_cents(i64::try_from(q).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn integer_interest_matches_the_decimal_product() {
        let rate = Rate::parse_user("7.49").expect("a rate");
        for cents in [1i64, 50, 12_345, 3_220_400, 99_999_999] {
            let b = Money::from_cents(cents);
            assert_eq!(
                monthly_interest(b, rate, rate.periodic(12)),
                Money::round(b.amount() * rate.fraction() / Decimal::from(12)),
                "{b}: exact integer interest equals the rounded decimal product"
            );
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
    }

    fn money(s: &str) -> Money {
        Money::parse_user(s).expect("a test amount")
    }

    fn base() -> LoanInput {
        LoanInput {
            price: money("30000"),
            addons: money("1500"),
            taxes_fees: money("2100"),
            dealer_fees: money("499"),
            down: money("3000"),
            trade: money("8000"),
            payoff: money("10000"),
            rebate: money("1000"),
            rate: Rate::parse_user("6.99").expect("a rate"),
            term: 72,
            contract_date: d(2026, 3, 15),
            first_payment: None,
        }
    }

    #[test]
    fn negative_equity_is_financed_and_excluded_from_the_downpayment() {
        let q = quote(&base(), &Limits::default()).expect("a quote");
        assert_eq!(
            q.cash_price,
            money("34099"),
            "price + add-ons + taxes + dealer fees"
        );
        assert_eq!(
            q.negative_equity,
            money("2000"),
            "payoff 10000 − allowance 8000"
        );
        assert_eq!(
            q.total_down_payment,
            money("4000"),
            "cash 3000 + rebate 1000"
        );
        assert_eq!(
            q.amount_financed,
            money("32099"),
            "34099 + 2000 negative equity − 4000 down"
        );
        assert_eq!(
            q.first_payment_date,
            d(2026, 4, 15),
            "one month after the contract"
        );
        assert_eq!(
            q.total_sale_price,
            q.total_of_payments + money("4000"),
            "total sale price is the total of payments plus the downpayment"
        );
    }

    #[test]
    fn a_regular_first_period_loan_pays_the_textbook_payment_and_apr_equals_the_rate() {
        // 20,000 at 6 % for 60 months: the standard annuity payment is 386.66.
        let input = LoanInput {
            price: money("20000"),
            addons: Money::ZERO,
            taxes_fees: Money::ZERO,
            dealer_fees: Money::ZERO,
            down: Money::ZERO,
            trade: Money::ZERO,
            payoff: Money::ZERO,
            rebate: Money::ZERO,
            rate: Rate::parse_user("6").expect("a rate"),
            term: 60,
            contract_date: d(2026, 1, 10),
            first_payment: None,
        };
        let q = quote(&input, &Limits::default()).expect("a quote");
        assert_eq!(
            q.monthly_payment,
            money("386.66"),
            "20000 × 0.005 / (1 − 1.005^−60)"
        );
        assert_eq!(
            q.apr.to_plain(2),
            "6.00",
            "APR equals the note rate: {:?}",
            q.apr
        );
        assert_eq!(q.schedule.len(), 60, "one row per payment");
        assert_eq!(q.schedule[0].interest, money("100"), "20000 × 0.5 %");
        assert_eq!(q.schedule[59].balance, Money::ZERO, "paid off");
    }

    #[test]
    fn a_long_first_period_adds_odd_days_of_simple_interest() {
        let mut input = base();
        input.first_payment = Some(d(2026, 5, 1)); // 1 month and 17 days after Mar 15
        let q = quote(&input, &Limits::default()).expect("a quote");
        let i = input.rate.periodic(12);
        let expected = Money::round(
            q.amount_financed.amount()
                * ((Decimal::ONE + Decimal::from(17) / Decimal::from(30) * i) * (Decimal::ONE + i)
                    - Decimal::ONE),
        );
        assert_eq!(
            q.schedule[0].interest, expected,
            "1 month compounded + 17/30 simple"
        );
        assert_eq!(
            q.apr.to_plain(2),
            "6.99",
            "odd days do not move the APR: {:?}",
            q.apr
        );
        let short = quote(
            &LoanInput {
                first_payment: Some(d(2026, 4, 1)),
                ..base()
            },
            &Limits::default(),
        )
        .expect("a short first period");
        assert!(
            short.monthly_payment < q.monthly_payment,
            "17 days of interest cost less than 47"
        );
    }

    #[test]
    fn bad_input_is_a_field_error() {
        let limits = Limits::default();
        let cases: Vec<(LoanInput, &str)> = vec![
            (
                LoanInput {
                    price: money("-1"),
                    ..base()
                },
                "price",
            ),
            (LoanInput { term: 0, ..base() }, "term"),
            (
                LoanInput {
                    term: 1000,
                    ..base()
                },
                "term",
            ),
            (
                LoanInput {
                    rate: Rate::parse_user("40").expect("a rate"),
                    ..base()
                },
                "rate",
            ),
            (
                LoanInput {
                    first_payment: Some(d(2026, 3, 1)),
                    ..base()
                },
                "first_payment",
            ),
            (
                LoanInput {
                    down: money("50000"),
                    ..base()
                },
                "down",
            ),
        ];
        for (input, field) in cases {
            let err = quote(&input, &limits).expect_err("bad input is refused");
            assert!(
                matches!(&err, FinanceError::Invalid { field: f, .. } if f == field),
                "{field}: {err:?}"
            );
        }
        let strict = Limits {
            max_term_months: 60,
            max_rate: Rate::parse_user("18").expect("a rate"),
        };
        let err = quote(&base(), &strict).expect_err("72 months over a 60-month limit");
        assert!(
            matches!(&err, FinanceError::Invalid { field, .. } if field == "term"),
            "{err:?}"
        );
    }

    #[test]
    fn a_final_payment_on_the_last_day_of_a_short_month_keeps_the_series_day() {
        // Found by the property test: payments due on the 30th end on Jun 30, which is also a
        // month end; measured as a month-end date it gained a day and moved the APR.
        let input = LoanInput {
            price: money("1000"),
            addons: Money::ZERO,
            taxes_fees: Money::ZERO,
            dealer_fees: Money::ZERO,
            down: Money::ZERO,
            trade: Money::ZERO,
            payoff: money("30.68"),
            rebate: money("7.14"),
            rate: Rate::parse_user("23.76").expect("a rate"),
            term: 2,
            contract_date: d(2027, 3, 10),
            first_payment: Some(d(2027, 5, 30)),
        };
        let q = quote(&input, &Limits::default()).expect("a quote");
        assert_eq!(
            q.apr.to_plain(2),
            "23.76",
            "the APR is the note rate: {:?}",
            q.apr
        );
    }

    #[test]
    fn month_end_contracts_pay_on_the_last_day_of_each_month() {
        let input = LoanInput {
            contract_date: d(2026, 1, 31),
            term: 3,
            ..base()
        };
        let q = quote(&input, &Limits::default()).expect("a quote");
        let dates: Vec<NaiveDate> = q.schedule.iter().map(|r| r.date).collect();
        assert_eq!(
            dates,
            vec![d(2026, 2, 28), d(2026, 3, 31), d(2026, 4, 30)],
            "the month-end rule of App J (b)(3)(iv)"
        );
    }

    fn structure() -> impl Strategy<Value = LoanInput> {
        (
            (
                100_000i64..15_000_000,
                0i64..500_000,
                0i64..1_000_000,
                0i64..100_000,
            ),
            (
                0i64..2_000_000,
                0i64..3_000_000,
                0i64..4_000_000,
                0i64..500_000,
            ),
            (0i64..3000, 1u32..=96, 0i64..4000, 10i64..=85),
        )
            .prop_map(
                |(
                    (price, addons, taxes, fees),
                    (down, trade, payoff, rebate),
                    (rate, term, day, odd),
                )| {
                    let contract = d(2024, 1, 1) + chrono::Duration::days(day);
                    LoanInput {
                        price: Money::from_cents(price),
                        addons: Money::from_cents(addons),
                        taxes_fees: Money::from_cents(taxes),
                        dealer_fees: Money::from_cents(fees),
                        down: Money::from_cents(down),
                        trade: Money::from_cents(trade),
                        payoff: Money::from_cents(payoff),
                        rebate: Money::from_cents(rebate),
                        rate: Rate::from_percent(Decimal::new(rate, 2)),
                        term,
                        contract_date: contract,
                        first_payment: Some(contract + chrono::Duration::days(odd)),
                    }
                },
            )
    }

    fn check_identities(q: &LoanQuote) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            q.total_of_payments,
            q.amount_financed + q.finance_charge,
            "total of payments = amount financed + finance charge"
        );
        prop_assert_eq!(
            q.schedule.last().map(|r| r.balance),
            Some(Money::ZERO),
            "the balance ends at exactly 0.00"
        );
        let principal: Money = q.schedule.iter().map(|r| r.principal).sum();
        prop_assert_eq!(
            principal,
            q.amount_financed,
            "principal sums to the amount financed"
        );
        let interest: Money = q.schedule.iter().map(|r| r.interest).sum();
        prop_assert_eq!(
            interest,
            q.finance_charge,
            "interest sums to the finance charge"
        );
        Ok(())
    }

    proptest! {
        // 100,000 random structures through the schedule (the identities live there) ...
        #![proptest_config(ProptestConfig::with_cases(100_000))]
        #[test]
        fn every_generated_schedule_keeps_the_truth_in_lending_identities(
            af_cents in 50_000i64..20_000_000,
            rate in 0i64..3600,
            term in 1u32..=96,
            day in 0i64..4000,
            odd in 10i64..=85,
        ) {
            let af = Money::from_cents(af_cents);
            let contract = d(2024, 1, 1) + chrono::Duration::days(day);
            let first = contract + chrono::Duration::days(odd);
            let rate = Rate::from_percent(Decimal::new(rate, 2));
            let rows = amortize(af, rate, term, contract, first)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let total: Money = rows.iter().map(|r| r.payment).sum();
            let interest: Money = rows.iter().map(|r| r.interest).sum();
            let principal: Money = rows.iter().map(|r| r.principal).sum();
            prop_assert_eq!(rows.len(), term as usize, "one row per payment");
            prop_assert_eq!(total, af + interest, "total of payments = amount financed + finance charge");
            prop_assert_eq!(rows.last().map(|r| r.balance), Some(Money::ZERO), "ends at 0.00");
            prop_assert_eq!(principal, af, "principal sums to the amount financed");
            prop_assert!(rows.iter().all(|r| r.payment > Money::ZERO), "no zero or negative payment");
        }
    }

    proptest! {
        // ... and full quotes, APR solve included, on a smaller sample.
        #![proptest_config(ProptestConfig::with_cases(5_000))]
        #[test]
        fn every_generated_quote_keeps_the_identities_and_an_apr_near_the_rate(input in structure()) {
            match quote(&input, &Limits::default()) {
                Ok(q) => {
                    check_identities(&q)?;
                    // Below a few hundred dollars cent rounding of the interest is itself a
                    // visible share of the finance charge, so only the identities are checked.
                    prop_assume!(q.amount_financed >= Money::from_cents(50_000));
                    let gap = (q.apr.percent() - q.contract_rate.percent()).abs();
                    prop_assert!(
                        gap < Decimal::new(125, 3),
                        "APR {} within 1/8 point of the rate {} (cent rounding only)",
                        q.apr.percent(),
                        q.contract_rate.percent()
                    );
                }
                Err(FinanceError::Invalid { field, .. }) => {
                    prop_assert!(field == "down" || field == "amount_financed", "only a structure with too little to finance is refused: {}", field);
                }
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }
    }
}
