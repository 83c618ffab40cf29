//! Deal-math timings the issue sets targets for: a loan quote including its APR solve and a
//! lease quote (≤ 20 µs each), and a full 84-month schedule (≤ 50 µs).

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dealerdesk_rules::finance::lease::{self, LeaseInput, LeasePricing};
use dealerdesk_rules::finance::loan::{self, LoanInput};
use dealerdesk_rules::finance::Limits;
use dealerdesk_rules::money::{Money, Rate};
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn loan_input() -> LoanInput {
    LoanInput {
        price: Money::from_cents(3_250_000),
        addons: Money::from_cents(189_500),
        taxes_fees: Money::from_cents(231_000),
        dealer_fees: Money::from_cents(49_900),
        down: Money::from_cents(300_000),
        trade: Money::from_cents(900_000),
        payoff: Money::from_cents(1_100_000),
        rebate: Money::from_cents(100_000),
        rate: Rate::from_percent(Decimal::new(749, 2)),
        term: 84,
        contract_date: date(2026, 3, 15),
        first_payment: Some(date(2026, 4, 29)),
    }
}

fn lease_input(pricing: LeasePricing) -> LeaseInput {
    LeaseInput {
        agreed_value: Money::from_cents(3_100_000),
        capitalized_items: Money::from_cents(89_500),
        cap_reduction: Money::from_cents(300_000),
        trade: Money::from_cents(100_000),
        rebate: Money::from_cents(50_000),
        residual: Money::from_cents(1_953_000),
        term: 36,
        pricing,
        monthly_tax_rate: Rate::from_percent(Decimal::from(7)),
        security_deposit: Money::ZERO,
        title_fee: Money::from_cents(7_500),
        registration_fee: Money::from_cents(20_000),
        acquisition_fee: Money::ZERO,
        disposition_fee: Money::from_cents(39_500),
        purchase_option_price: None,
        excess_mileage_rate: None,
        mileage_allowance_per_year: Some(12_000),
    }
}

fn benches(c: &mut Criterion) {
    let limits = Limits::default();
    let loan = loan_input();
    c.bench_function("loan quote, 84 months, odd first period, with APR", |b| {
        b.iter(|| loan::quote(black_box(&loan), &limits))
    });
    let mf = lease_input(LeasePricing::MoneyFactor(Decimal::new(125, 5)));
    c.bench_function("lease quote, money factor", |b| {
        b.iter(|| lease::quote(black_box(&mf), &limits))
    });
    let lr = lease_input(LeasePricing::LeaseRate(Rate::from_percent(Decimal::from(
        3,
    ))));
    c.bench_function("lease quote, constant yield", |b| {
        b.iter(|| lease::quote(black_box(&lr), &limits))
    });
    c.bench_function("84-month schedule", |b| {
        b.iter(|| {
            loan::amortize(
                black_box(Money::from_cents(3_220_400)),
                Rate::from_percent(Decimal::new(749, 2)),
                84,
                date(2026, 3, 15),
                date(2026, 4, 15),
            )
        })
    });
}

criterion_group!(finance, benches);
criterion_main!(finance);
