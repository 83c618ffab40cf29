//! The finance commands run as a desk script would: no database, one JSON object out.

use crate::support::{code, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `dealerdesk` with no database configured at all: these commands must not need one.
fn dd(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .args(args)
        .env_remove("DEALERDESK_DB")
        .env_remove("DEALERDESK_KEY_FILE")
        .env("HOME", "/nonexistent-dealerdesk-home")
        .env("XDG_DATA_HOME", "/nonexistent-dealerdesk-home")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dealerdesk");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("a stdin pipe")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("dealerdesk finishes")
}

#[test]
fn vin_check_answers_with_exit_zero_for_good_and_bad_vins() {
    let good = dd(&["vin", "check", "1HGCM82633A004352", "--json"], None);
    assert_eq!(
        code(&good),
        0,
        "a good VIN: {}",
        String::from_utf8_lossy(&good.stderr)
    );
    let j = json(&good);
    assert_eq!(j["valid"], true, "valid: {j}");
    assert_eq!(j["check_digit_ok"], true, "check digit: {j}");
    assert_eq!(j["model_year"], 2003, "model year: {j}");
    assert_eq!(j["wmi"], "1HG", "WMI: {j}");
    assert_eq!(j["manufacturer"], "Honda", "maker: {j}");

    let typo = dd(&["vin", "check", "1HGCM82643A004352", "--json"], None);
    assert_eq!(code(&typo), 0, "a wrong check digit is still an answer");
    let j = json(&typo);
    assert_eq!(j["valid"], true, "a check-digit mismatch is a warning: {j}");
    assert_eq!(j["check_digit_ok"], false, "flagged: {j}");
    assert_eq!(
        j["warnings"].as_array().map(Vec::len),
        Some(1),
        "one warning: {j}"
    );

    let bad = dd(&["vin", "check", "1HGCM8263", "--json"], None);
    assert_eq!(code(&bad), 0, "a short VIN is still an answer");
    let j = json(&bad);
    assert_eq!(j["valid"], false, "too short is an error: {j}");
    assert_eq!(
        j["model_year"],
        serde_json::Value::Null,
        "nothing decoded: {j}"
    );
}

#[test]
fn apr_reads_appendix_j_example_c1i_from_stdin() {
    let input = r#"{"advances": [{"amount": "5000.00", "date": "1978-01-10"}],
        "payments": [{"amount": "230.00", "count": 24, "first": "1978-02-10", "every": "1 month"}]}"#;
    let o = dd(&["apr", "--json"], Some(input));
    assert_eq!(code(&o), 0, "apr: {}", String::from_utf8_lossy(&o.stdout));
    let j = json(&o);
    assert_eq!(j["apr"], "9.6857", "four decimals: {j}");
    assert_eq!(j["apr_display"], "9.69%", "the disclosed figure: {j}");
    assert_eq!(j["unit_period"], "1 month", "monthly: {j}");
    assert_eq!(j["finance_charge"], "520.00", "24 × 230 − 5000: {j}");
    assert_eq!(j["amount_financed"], "5000.00", "the advance: {j}");
    assert_eq!(j["total_of_payments"], "5520.00", "24 × 230: {j}");
}

#[test]
fn apr_accepts_single_payments_without_an_interval_and_refuses_bad_json() {
    let input = r#"{"advances": [{"amount": 1000, "date": "1978-01-03"}],
        "payments": [{"amount": "1080.00", "count": 1, "first": "1978-09-15"}]}"#;
    let o = dd(&["apr", "--json"], Some(input));
    assert_eq!(
        code(&o),
        0,
        "single payment: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(json(&o)["apr_display"], "11.45%", "App J (c)(5)(i)");

    let o = dd(&["apr", "--json"], Some("{\"advances\": []"));
    assert_eq!(code(&o), 3, "malformed JSON is invalid input");
    let o = dd(
        &["apr", "--json"],
        Some(
            r#"{"advances": [{"amount": "5000", "date": "1978-01-10"}], "payments": [{"amount": "230", "count": 24, "first": "1978-02-10", "every": "fortnightly"}]}"#,
        ),
    );
    assert_eq!(code(&o), 3, "an unknown interval is invalid input");
    assert_eq!(
        json(&o)["error"]["field"],
        "payments[0].every",
        "names the field"
    );
}

#[test]
fn quote_loan_prints_the_federal_box_and_a_schedule_that_ends_at_zero() {
    let o = dd(
        &[
            "quote",
            "loan",
            "--price",
            "28500",
            "--taxes-fees",
            "1900",
            "--down",
            "2000",
            "--trade",
            "8000",
            "--payoff",
            "10000",
            "--rate",
            "6.99",
            "--term",
            "72",
            "--contract-date",
            "2026-03-15",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "quote: {}", String::from_utf8_lossy(&o.stdout));
    let j = json(&o);
    for key in [
        "amount_financed",
        "monthly_payment",
        "final_payment",
        "finance_charge",
        "total_of_payments",
        "total_sale_price",
        "apr",
    ] {
        assert!(j[key].is_string(), "{key} is a decimal string: {j}");
    }
    assert_eq!(
        j["amount_financed"], "30400.00",
        "28500 + 1900 + 2000 negative equity − 2000"
    );
    assert_eq!(j["apr"], "6.9900", "the APR equals the note rate: {j}");
    let schedule = j["schedule"].as_array().expect("a schedule");
    assert_eq!(schedule.len(), 72, "one row per payment");
    assert_eq!(
        schedule[0]["date"], "2026-04-15",
        "one month after the contract"
    );
    assert_eq!(schedule[71]["balance"], "0.00", "paid off exactly");
    for key in ["n", "date", "payment", "interest", "principal", "balance"] {
        assert!(!schedule[0][key].is_null(), "schedule rows have {key}");
    }
}

#[test]
fn quote_loan_bad_input_exits_3_naming_the_field() {
    let cases: [(&[&str], &str); 5] = [
        (&["--price", "-5", "--rate", "5", "--term", "60"], "price"),
        (&["--price", "5000", "--rate", "5", "--term", "0"], "term"),
        (
            &["--price", "5000", "--rate", "5", "--term", "1000"],
            "term",
        ),
        (&["--price", "5000", "--rate", "40", "--term", "60"], "rate"),
        (
            &[
                "--price",
                "5000",
                "--rate",
                "5",
                "--term",
                "60",
                "--contract-date",
                "2026-03-15",
                "--first-payment",
                "2026-03-01",
            ],
            "first_payment",
        ),
    ];
    for (args, field) in cases {
        let mut all = vec!["quote", "loan", "--json"];
        all.extend_from_slice(args);
        let o = dd(&all, None);
        assert_eq!(
            code(&o),
            3,
            "{field}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert_eq!(json(&o)["error"]["field"], field, "the error names {field}");
    }
    let o = dd(
        &[
            "quote",
            "loan",
            "--json",
            "--price",
            "5000",
            "--rate",
            "20",
            "--term",
            "60",
            "--max-rate",
            "18",
        ],
        None,
    );
    assert_eq!(code(&o), 3, "a configurable usury cap is enforced");
}

#[test]
fn quote_lease_prints_the_regulation_m_progression() {
    let o = dd(
        &[
            "quote",
            "lease",
            "--agreed-value",
            "31000",
            "--capitalized-items",
            "895",
            "--cap-reduction",
            "3000",
            "--trade",
            "1000",
            "--rebate",
            "500",
            "--residual",
            "19530",
            "--term",
            "36",
            "--money-factor",
            "0.00125",
            "--monthly-tax-rate",
            "7",
            "--title-fee",
            "75",
            "--registration-fee",
            "200",
            "--disposition-fee",
            "395",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "lease: {}", String::from_utf8_lossy(&o.stdout));
    let j = json(&o);
    assert_eq!(
        j["gross_cap_cost"], "31895.00",
        "agreed value + capitalized items"
    );
    assert_eq!(j["adjusted_cap_cost"], "28895.00", "gross − reduction");
    assert_eq!(j["depreciation"], "9365.00", "adjusted − residual");
    assert_eq!(j["base_monthly_payment"], "320.67", "MF formula");
    assert_eq!(j["monthly_tax"], "22.45", "7 %");
    assert_eq!(j["total_monthly_payment"], "343.12", "base + tax");
    assert_eq!(j["rent_charge"], "2179.12", "36 × 320.67 − 9365");
    assert_eq!(j["due_at_signing"], "3618.12", "3000 + 343.12 + 75 + 200");
    assert_eq!(
        j["total_of_payments"], "16022.32",
        "due + 35 × 343.12 + 395"
    );
    assert_eq!(j["rate_info"]["percent"], "3.0000", "MF × 2400");
    assert!(
        !j.to_string()
            .to_ascii_lowercase()
            .contains("annual percentage rate"),
        "a lease never shows an APR"
    );

    let o = dd(
        &[
            "quote",
            "lease",
            "--json",
            "--agreed-value",
            "20000",
            "--residual",
            "25000",
            "--term",
            "36",
            "--lease-rate",
            "4",
        ],
        None,
    );
    assert_eq!(code(&o), 3, "residual above cap cost");
    assert_eq!(json(&o)["error"]["field"], "residual", "names the residual");
}

/// The CFPB's "Auto Loan Shopping Sheet" (Know Before You Owe, June 2016; OMB 3170-0036),
/// worked example column, rows A–L:
/// A price $20,000; B add-ons +$300; C taxes, title and non-negotiable fees +$1,400;
/// D negotiable fees +$100; E cost before interest = $21,800; F down payment −$3,000;
/// G trade-in −$3,000; H amount to finance = $15,800; I rate 3.5 %; J 48 months;
/// K monthly payment $353.22; L total of payments (J × K) = $16,955 (the sheet rounds to dollars).
/// Source: consumerfinance.gov auto loan shopping sheet, as filed at
/// https.omb.report/icr/201605-3170-009/doc/71016301.
#[test]
fn the_cfpb_auto_loan_shopping_sheet_example_matches_row_by_row() {
    let o = dd(
        &[
            "quote",
            "loan",
            "--price",
            "20000",
            "--addons",
            "300",
            "--taxes-fees",
            "1400",
            "--dealer-fees",
            "100",
            "--down",
            "3000",
            "--trade",
            "3000",
            "--rate",
            "3.5",
            "--term",
            "48",
            "--contract-date",
            "2026-06-09",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "quote: {}", String::from_utf8_lossy(&o.stdout));
    let j = json(&o);
    assert_eq!(j["cash_price"], "21800.00", "row E = A + B + C + D");
    assert_eq!(j["total_down_payment"], "6000.00", "rows F + G");
    assert_eq!(j["amount_financed"], "15800.00", "row H = E − F − G");
    assert_eq!(j["monthly_payment"], "353.22", "row K");
    assert_eq!(j["term"], 48, "row J");
    assert_eq!(
        j["apr"], "3.5000",
        "a regular first period: the APR is the rate (row I)"
    );
    // Row L multiplies J × K; our last payment absorbs the cent rounding of the schedule, so
    // the exact total is within a dollar of 48 × 353.22 = 16,954.56 and rounds to $16,955.
    let total: rust_decimal::Decimal = j["total_of_payments"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a decimal total");
    let sheet = rust_decimal::Decimal::new(1_695_456, 2);
    assert!(
        (total - sheet).abs() < rust_decimal::Decimal::ONE,
        "{total}"
    );
    assert_eq!(total.round(), rust_decimal::Decimal::from(16_955), "row L");
    let finance_charge: rust_decimal::Decimal = j["finance_charge"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a finance charge");
    assert_eq!(
        total - finance_charge,
        rust_decimal::Decimal::from(15_800),
        "total of payments = amount financed + finance charge"
    );
}

/// The Federal Reserve's "Keys to Vehicle Leasing" sample closed-end lease disclosure
/// (federalreserve.gov/pubs/leasing/formce/description.htm and form-page-1.htm): the lines the
/// stored copy gives, run through the desk's full path (quote → Regulation M disclosure):
/// agreed value $21,500.00; gross capitalized cost $22,300.00; capitalized cost reduction
/// $3,500.00 of which a $2,500.00 net trade-in; refundable security deposit $350.00; title
/// $75.00; registration $60.00; disposition fee $400.00; 48 monthly payments; and the form's
/// own arithmetic: "5 = (2 + 3 + 4) − (first monthly payment + security deposit)", "totals of
/// columns 6a and 6b should equal one another". The boxes that depend only on the payment
/// ($256.94 → due at signing $4,241.94, monthly total $12,333.12, total of payments
/// $16,368.12, cash $1,741.94) are pinned by
/// `finance::lease::tests::the_federal_reserve_sample_lease_totals_match_figure_by_figure`.
/// The sample's residual, rent charge and base payment lines are not in the stored copy of the
/// page (only its first part is), so they are not asserted here.
#[test]
fn the_federal_reserve_sample_lease_runs_through_the_regulation_m_disclosure() {
    use dealerdesk_rules::finance::disclosure::reg_m;
    use dealerdesk_rules::finance::lease::{quote, LeaseInput, LeasePricing};
    use dealerdesk_rules::finance::Limits;
    use dealerdesk_rules::money::{Money, Rate};
    let m = |s: &str| Money::parse_user(s).expect("money");
    let q = quote(
        &LeaseInput {
            agreed_value: m("21500"),
            capitalized_items: m("800"),
            cap_reduction: m("3500"),
            trade: m("2500"),
            rebate: Money::ZERO,
            // Residual, money factor and tax rate are ours: the sample's are not in the stored
            // copy. Everything asserted below holds for any of them.
            residual: m("10000"),
            term: 48,
            pricing: LeasePricing::MoneyFactor(rust_decimal::Decimal::new(2, 3)),
            monthly_tax_rate: Rate::parse_user("5").expect("rate"),
            security_deposit: m("350"),
            title_fee: m("75"),
            registration_fee: m("60"),
            acquisition_fee: Money::ZERO,
            disposition_fee: m("400"),
            purchase_option_price: None,
            excess_mileage_rate: None,
            mileage_allowance_per_year: None,
        },
        &Limits::default(),
    )
    .expect("a quote");
    let r = reg_m(&q);
    let s = &r.segregated;
    let calc = &s.payment_calculation;
    assert_eq!(calc.agreed_value, m("21500"), "line 8: agreed value");
    assert_eq!(
        calc.gross_capitalized_cost,
        m("22300"),
        "line 8: gross cap cost"
    );
    assert_eq!(calc.capitalized_cost_reduction, m("3500"), "line 9");
    assert_eq!(calc.adjusted_capitalized_cost, m("18800"), "22,300 − 3,500");
    assert_eq!(
        calc.depreciation_and_amortized_amounts,
        calc.adjusted_capitalized_cost - calc.residual_value,
        "depreciation = adjusted cap cost − residual"
    );
    assert_eq!(
        calc.total_of_base_monthly_payments,
        calc.depreciation_and_amortized_amounts + calc.rent_charge,
        "total of base payments = depreciation + rent charge"
    );
    assert_eq!(
        calc.total_of_base_monthly_payments,
        calc.base_monthly_payment.times(calc.lease_term),
        "÷ lease term = base monthly payment"
    );
    assert_eq!(
        calc.total_monthly_payment,
        calc.base_monthly_payment + calc.monthly_sales_use_tax
    );
    assert_eq!(
        s.monthly_payments.following_payments, 47,
        "first + 47 payments"
    );
    let due = &s.amount_due_at_signing;
    assert_eq!(due.cap_cost_reduction, m("3500"));
    assert_eq!(due.first_monthly_payment, calc.total_monthly_payment);
    assert_eq!(due.security_deposit, m("350"));
    assert_eq!(due.title_fees, m("75"));
    assert_eq!(due.registration_fees, m("60"));
    assert_eq!(
        due.total,
        m("3500") + calc.total_monthly_payment + m("350") + m("75") + m("60"),
        "box 2 itemized (6a)"
    );
    assert_eq!(s.how_paid.net_trade_in_allowance, m("2500"));
    assert_eq!(s.how_paid.total, due.total, "6a and 6b agree");
    assert_eq!(s.other_charges.total, m("400"), "box 4: disposition fee");
    assert_eq!(
        s.total_of_payments,
        due.total + s.monthly_payments.total + s.other_charges.total
            - due.first_monthly_payment
            - due.security_deposit,
        "box 5 = (2 + 3 + 4) − (first monthly payment + security deposit)"
    );
}
