//! Inventory and saved deals on real SQLite files: validation with field errors, conflicts,
//! audit and journal rows, options recomputed from their terms, usury caps by state, and the
//! CLI's JSON shape.

use crate::support::desk::{corolla, customer_input, Desk};
use crate::support::{cli_actor, code, dd, dd_input, fresh, json, now, staff, today};
use dealerdesk_rules::finance::lease::{self, LeaseInput, LeasePricing};
use dealerdesk_rules::finance::loan::{self, LoanInput};
use dealerdesk_rules::finance::Limits;
use dealerdesk_rules::money::{Money, Rate};
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::deal::{
    self, DealError, DealFilter, DealInput, DealOptionInput, DealStatus, LeaseTerms, LoanTerms,
    OptionKind, OptionTerms,
};
use dealerdesk_services::vehicle::{
    self, VehicleCondition, VehicleError, VehicleFilter, VehicleInput, VehicleStatus,
};
use dealerdesk_store::Store;
use rust_decimal::Decimal;

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect("count query")
}

/// Rows in every table the desk writes, to show a refused write changed nothing.
async fn footprint(store: &Store) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "vehicle",
        "deal",
        "deal_option",
        "usury_cap",
        "change_log",
        "audit_log",
    ] {
        v.push(count(store, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    v
}

fn field(e: &VehicleError) -> String {
    e.field().unwrap_or("-").to_string()
}

#[tokio::test]
async fn vehicles_are_added_edited_listed_and_audited() {
    let f = fresh().await;
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let v = vehicle::add_vehicle(&f.store, &sam, &corolla(), now())
        .await
        .expect("a salesperson may stock a vehicle");
    assert_eq!(v.model_year, 2018, "the year is read from the VIN");
    assert_eq!(v.price, "15995.00");
    assert_eq!(v.status, VehicleStatus::InStock);
    assert_eq!(v.manufacturer.as_deref(), Some("Toyota"));

    let edited = vehicle::update_vehicle(
        &f.store,
        &sam,
        &v.id,
        &VehicleInput {
            mileage: 41_300,
            price: "15495".into(),
            status: Some(VehicleStatus::Sold),
            ..corolla()
        },
        now(),
    )
    .await
    .expect("edited");
    assert_eq!(edited.mileage, 41_300);
    assert_eq!(edited.price, "15495.00");
    assert_eq!(edited.status, VehicleStatus::Sold);

    let new_one = vehicle::add_vehicle(
        &f.store,
        &sam,
        &VehicleInput {
            vin: "1HGCM82633A004352".into(),
            model_year: Some(2003),
            make: "Honda".into(),
            model: "Accord".into(),
            trim: None,
            mileage: 12,
            price: "9000".into(),
            condition: VehicleCondition::New,
            status: None,
            acknowledge_check_digit: false,
        },
        now(),
    )
    .await
    .expect("a second vehicle");
    let all = vehicle::list_vehicles(&f.store, &VehicleFilter::default())
        .await
        .expect("list");
    assert_eq!(all.total, 2);
    let by_text = vehicle::list_vehicles(
        &f.store,
        &VehicleFilter {
            query: Some("accord 2003".into()),
            ..Default::default()
        },
    )
    .await
    .expect("search");
    assert_eq!(
        by_text
            .items
            .iter()
            .map(|v| v.id.clone())
            .collect::<Vec<_>>(),
        vec![new_one.id.clone()]
    );
    let sold = vehicle::list_vehicles(
        &f.store,
        &VehicleFilter {
            status: Some(VehicleStatus::Sold),
            ..Default::default()
        },
    )
    .await
    .expect("by status");
    assert_eq!(sold.total, 1);
    let used = vehicle::list_vehicles(
        &f.store,
        &VehicleFilter {
            condition: Some(VehicleCondition::New),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await
    .expect("by condition");
    assert_eq!(used.items.len(), 1);
    assert_eq!(used.items[0].id, new_one.id);

    assert_eq!(
        count(
            &f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'vehicle.add' AND actor = 'staff:sam'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'vehicle.update'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &f.store,
            &format!(
                "SELECT COUNT(*) FROM change_log WHERE table_name = 'vehicle' AND row_id = '{}'",
                v.id
            )
        )
        .await,
        2,
        "insert and update journaled"
    );
}

#[tokio::test]
async fn bad_vins_duplicates_and_check_digits_are_refused_without_writing() {
    let f = fresh().await;
    let actor = cli_actor();
    vehicle::add_vehicle(&f.store, &actor, &corolla(), now())
        .await
        .expect("first");
    let before = footprint(&f.store).await;

    let short = vehicle::add_vehicle(
        &f.store,
        &actor,
        &VehicleInput {
            vin: "2T1BURHE0JC01470".into(),
            ..corolla()
        },
        now(),
    )
    .await
    .expect_err("16 characters");
    assert_eq!(field(&short), "vin");
    let letter_o = vehicle::add_vehicle(
        &f.store,
        &actor,
        &VehicleInput {
            vin: "2T1BURHE0JC0147O2".into(),
            ..corolla()
        },
        now(),
    )
    .await
    .expect_err("O is not a VIN character");
    assert_eq!(field(&letter_o), "vin");
    let year = vehicle::add_vehicle(
        &f.store,
        &actor,
        &VehicleInput {
            vin: "1HGCM82633A004352".into(),
            model_year: Some(2004),
            ..corolla()
        },
        now(),
    )
    .await
    .expect_err("the VIN says 2003");
    assert_eq!(field(&year), "model_year");

    let dup = vehicle::add_vehicle(
        &f.store,
        &actor,
        &VehicleInput {
            vin: " 2t1burhe0jc014702 ".into(),
            ..corolla()
        },
        now(),
    )
    .await
    .expect_err("the same VIN, typed differently");
    assert!(matches!(dup, VehicleError::Conflict(_)), "{dup:?}");

    // Position 9 should be '0'; '5' is a wrong check digit: a warning staff must acknowledge.
    let wrong = VehicleInput {
        vin: "2T1BURHE5JC014702".into(),
        ..corolla()
    };
    let refused = vehicle::add_vehicle(&f.store, &actor, &wrong, now())
        .await
        .expect_err("unacknowledged");
    assert!(
        matches!(refused, VehicleError::CheckDigit { .. }),
        "{refused:?}"
    );
    assert_eq!(field(&refused), "acknowledge_check_digit");
    assert!(refused.to_string().contains("check digit"), "{refused}");
    assert_eq!(
        footprint(&f.store).await,
        before,
        "nothing written by refusals"
    );

    let accepted = vehicle::add_vehicle(
        &f.store,
        &actor,
        &VehicleInput {
            acknowledge_check_digit: true,
            ..wrong
        },
        now(),
    )
    .await
    .expect("acknowledged");
    assert!(!accepted.check_digit_ok);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'vehicle.add' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(f.store.pool())
    .await
    .expect("audit row");
    assert!(detail.contains("check digit acknowledged"), "{detail}");
}

fn loan_terms(rate: &str) -> LoanTerms {
    LoanTerms {
        price: "15995".into(),
        addons: "995".into(),
        taxes_fees: "1149.69".into(),
        dealer_fees: "150".into(),
        down: "2000".into(),
        trade: "4000".into(),
        payoff: "5500".into(),
        rebate: "0".into(),
        rate: rate.into(),
        term: 60,
        contract_date: "2026-11-25".into(),
        first_payment: None,
    }
}

fn lease_terms(money_factor: &str) -> LeaseTerms {
    LeaseTerms {
        agreed_value: "15995".into(),
        capitalized_items: "695".into(),
        cap_reduction: "2000".into(),
        trade: "0".into(),
        rebate: "500".into(),
        residual: "9100".into(),
        term: 36,
        lease_rate: None,
        money_factor: Some(money_factor.into()),
        monthly_tax_rate: "6.25".into(),
        security_deposit: "0".into(),
        title_fee: "33".into(),
        registration_fee: "75".into(),
        acquisition_fee: "0".into(),
        disposition_fee: "395".into(),
        purchase_option_price: None,
        excess_mileage_rate: Some("0.25".into()),
        mileage_allowance_per_year: Some(12_000),
    }
}

fn m(s: &str) -> Money {
    Money::parse_user(s).expect("money")
}

fn deal_input(d: &Desk, options: Vec<DealOptionInput>) -> DealInput {
    DealInput {
        customer_id: d.customer_id.clone(),
        vehicle_id: d.vehicle_id.clone(),
        salesperson: None,
        status: None,
        notes: None,
        options,
    }
}

fn two_options() -> Vec<DealOptionInput> {
    vec![
        DealOptionInput {
            label: Some("60 months".into()),
            selected: false,
            terms: OptionTerms::Loan(loan_terms("7.49")),
        },
        DealOptionInput {
            label: Some("36 month lease".into()),
            selected: true,
            terms: OptionTerms::Lease(lease_terms("0.00185")),
        },
    ]
}

#[tokio::test]
async fn a_saved_deal_stores_a_fresh_quote_of_each_option_with_its_hash() {
    let d = Desk::builder(customer_input(), corolla()).build().await;
    let store = &d.f.store;
    let sam = Actor::Staff(staff(store, "sam", Role::Sales).await);
    let saved = deal::save_deal(store, &sam, &deal_input(&d, two_options()), now())
        .await
        .expect("saved");
    assert_eq!(saved.status, DealStatus::Open);
    assert_eq!(
        saved.salesperson.as_deref(),
        Some("sam"),
        "defaults to the signed-in staff"
    );
    assert_eq!(
        saved.usury_state.as_deref(),
        Some("TX"),
        "the customer's state"
    );
    assert_eq!(saved.options.len(), 2);

    // The loan option equals a quote of the same inputs computed here, figure by figure.
    let fresh_loan = loan::quote(
        &LoanInput {
            price: m("15995"),
            addons: m("995"),
            taxes_fees: m("1149.69"),
            dealer_fees: m("150"),
            down: m("2000"),
            trade: m("4000"),
            payoff: m("5500"),
            rebate: Money::ZERO,
            rate: Rate::parse_user("7.49").expect("rate"),
            term: 60,
            contract_date: today(),
            first_payment: None,
        },
        &Limits::default(),
    )
    .expect("a loan quote");
    let l = &saved.options[0];
    assert_eq!(l.kind, OptionKind::Loan);
    assert!(!l.selected);
    assert_eq!(l.monthly_payment, fresh_loan.monthly_payment.to_plain());
    assert_eq!(
        l.amount_financed.as_deref(),
        Some(fresh_loan.amount_financed.to_plain().as_str())
    );
    assert_eq!(
        l.finance_charge.as_deref(),
        Some(fresh_loan.finance_charge.to_plain().as_str())
    );
    assert_eq!(l.apr.as_deref(), Some(fresh_loan.apr.to_plain(2).as_str()));
    assert_eq!(l.total_of_payments, fresh_loan.total_of_payments.to_plain());
    assert_eq!(
        l.quote["quote"],
        serde_json::to_value(&fresh_loan).expect("json"),
        "the full stored quote is the fresh quote"
    );
    assert_eq!(
        l.quote["disclosure"]["annual_percentage_rate"],
        fresh_loan.apr.to_plain(2)
    );
    assert!(l.quote_intact);
    assert_eq!(
        l.quote_sha256,
        dealerdesk_store::crypto::sha256_hex(deal::canonical_json(&l.quote).as_bytes())
    );

    let fresh_lease = lease::quote(
        &LeaseInput {
            agreed_value: m("15995"),
            capitalized_items: m("695"),
            cap_reduction: m("2000"),
            trade: Money::ZERO,
            rebate: m("500"),
            residual: m("9100"),
            term: 36,
            pricing: LeasePricing::MoneyFactor(Decimal::new(185, 5)),
            monthly_tax_rate: Rate::parse_user("6.25").expect("rate"),
            security_deposit: Money::ZERO,
            title_fee: m("33"),
            registration_fee: m("75"),
            acquisition_fee: Money::ZERO,
            disposition_fee: m("395"),
            purchase_option_price: None,
            excess_mileage_rate: Some(m("0.25")),
            mileage_allowance_per_year: Some(12_000),
        },
        &Limits::default(),
    )
    .expect("a lease quote");
    let s = &saved.options[1];
    assert_eq!(s.kind, OptionKind::Lease);
    assert!(s.selected);
    assert_eq!(
        s.monthly_payment,
        fresh_lease.total_monthly_payment.to_plain()
    );
    assert_eq!(
        s.due_at_signing.as_deref(),
        Some(fresh_lease.due_at_signing.to_plain().as_str())
    );
    assert_eq!(s.apr, None, "Regulation M: no APR on a lease");
    assert_eq!(
        s.quote["quote"],
        serde_json::to_value(&fresh_lease).expect("json")
    );
    assert_eq!(
        s.quote["disclosure"]["segregated"]["total_of_payments"],
        fresh_lease.total_of_payments.to_plain()
    );

    // Stored integer columns match, and get/list read the same deal back.
    let cents: i64 =
        sqlx::query_scalar("SELECT monthly_payment_cents FROM deal_option WHERE kind = 'loan'")
            .fetch_one(store.pool())
            .await
            .expect("cents");
    assert_eq!(Some(cents), fresh_loan.monthly_payment.cents().ok());
    let again = deal::get_deal(store, &saved.id).await.expect("get");
    assert_eq!(again, saved);
    let page = deal::list_deals(store, &DealFilter::default())
        .await
        .expect("list");
    assert_eq!(page.total, 1);
    assert_eq!(
        page.items[0].kind,
        OptionKind::Lease,
        "the selected option's kind"
    );
    assert_eq!(page.items[0].option_count, 2);
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'deal.save' AND actor = 'staff:sam'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM change_log WHERE table_name IN ('deal', 'deal_option')"
        )
        .await,
        3
    );

    // Someone edits the stored document in the file: the view says it no longer matches.
    sqlx::query("UPDATE deal_option SET quote_json = replace(quote_json, '\"term\":60', '\"term\":61') WHERE kind = 'loan'")
        .execute(store.pool())
        .await
        .expect("tamper");
    let tampered = deal::get_deal(store, &saved.id).await.expect("get");
    assert!(
        !tampered.options[0].quote_intact,
        "the hash exposes the edit"
    );
}

#[tokio::test]
async fn figures_sent_by_a_screen_are_ignored_and_recomputed() {
    let d = Desk::builder(customer_input(), corolla()).build().await;
    let store = &d.f.store;
    let mut raw = serde_json::to_value(deal_input(&d, two_options())).expect("json");
    // A tampered UI sends its own figures alongside the terms.
    raw["options"][0]["monthly_payment"] = "1.00".into();
    raw["options"][0]["terms"]["input"]["monthly_payment"] = "1.00".into();
    raw["options"][0]["terms"]["input"]["apr"] = "0.00".into();
    raw["options"][1]["quote"] = serde_json::json!({ "total_monthly_payment": "2.00" });
    let input: DealInput = serde_json::from_value(raw).expect("extra fields are not an error");
    let saved = deal::save_deal(store, &cli_actor(), &input, now())
        .await
        .expect("saved");
    let honest = deal::price_option(
        &OptionTerms::Loan(loan_terms("7.49")),
        &Limits::default(),
        Some("TX"),
        "",
    )
    .expect("priced");
    assert_eq!(
        saved.options[0].monthly_payment,
        honest.monthly_payment.to_plain()
    );
    assert_ne!(saved.options[0].monthly_payment, "1.00");
    assert_ne!(saved.options[1].monthly_payment, "2.00");
}

#[tokio::test]
async fn the_usury_cap_of_the_customers_state_is_a_field_error() {
    let d = Desk::builder(customer_input(), corolla()).build().await;
    let store = &d.f.store;
    let admin = Actor::Staff(staff(store, "avery", Role::Admin).await);
    let sales = Actor::Staff(staff(store, "sam", Role::Sales).await);
    let denied = deal::set_usury_cap(store, &sales, "TX", Some("18"), now())
        .await
        .expect_err("sales cannot set caps");
    assert!(matches!(denied, DealError::Forbidden));
    deal::set_usury_cap(store, &admin, "TX", Some("18"), now())
        .await
        .expect("admin sets TX");
    deal::set_usury_cap(store, &admin, "default", Some("30"), now())
        .await
        .expect("admin sets the general cap");
    let bad = deal::set_usury_cap(store, &admin, "ZZ", Some("10"), now())
        .await
        .expect_err("not a state");
    assert_eq!(bad.field(), Some("state"));
    let before = footprint(store).await;

    let over = deal::save_deal(
        store,
        &sales,
        &deal_input(
            &d,
            vec![
                DealOptionInput {
                    label: None,
                    selected: true,
                    terms: OptionTerms::Loan(loan_terms("17.99")),
                },
                DealOptionInput {
                    label: None,
                    selected: false,
                    terms: OptionTerms::Loan(loan_terms("18.5")),
                },
            ],
        ),
        now(),
    )
    .await
    .expect_err("18.5 % is above the TX cap");
    assert_eq!(over.field(), Some("options.1.rate"), "{over:?}");
    assert!(over.to_string().contains("TX"), "{over}");
    // A money factor of 0.008 is 19.2 % by the × 2400 convention.
    let lease_over = deal::save_deal(
        store,
        &sales,
        &deal_input(
            &d,
            vec![DealOptionInput {
                label: None,
                selected: true,
                terms: OptionTerms::Lease(lease_terms("0.008")),
            }],
        ),
        now(),
    )
    .await
    .expect_err("the lease-rate equivalent is above the cap");
    assert_eq!(lease_over.field(), Some("options.0.money_factor"));
    assert_eq!(footprint(store).await, before, "store unchanged");

    // Removing the state's cap falls back to the general 30 %.
    deal::set_usury_cap(store, &admin, "TX", None, now())
        .await
        .expect("removed");
    let ok = deal::save_deal(
        store,
        &sales,
        &deal_input(
            &d,
            vec![DealOptionInput {
                label: None,
                selected: true,
                terms: OptionTerms::Loan(loan_terms("18.5")),
            }],
        ),
        now(),
    )
    .await
    .expect("18.5 % is under the general cap");
    assert_eq!(ok.max_rate, "30");
    assert_eq!(
        count(store, "SELECT COUNT(*) FROM audit_log WHERE action = 'settings.usury_cap' AND outcome = 'denied'").await,
        1
    );
}

#[tokio::test]
async fn unknown_references_and_bad_structures_are_refused_without_writing() {
    let d = Desk::builder(customer_input(), corolla()).build().await;
    let store = &d.f.store;
    let before = footprint(store).await;
    let actor = cli_actor();
    let unknown = deal::save_deal(
        store,
        &actor,
        &DealInput {
            customer_id: "no-such-customer".into(),
            ..deal_input(&d, two_options())
        },
        now(),
    )
    .await
    .expect_err("unknown customer");
    assert!(
        matches!(
            &unknown,
            DealError::NotFound {
                what: "customer",
                ..
            }
        ),
        "{unknown:?}"
    );
    assert_eq!(unknown.field(), Some("customer_id"));
    let no_vehicle = deal::save_deal(
        store,
        &actor,
        &DealInput {
            vehicle_id: "nope".into(),
            ..deal_input(&d, two_options())
        },
        now(),
    )
    .await
    .expect_err("unknown vehicle");
    assert!(matches!(
        no_vehicle,
        DealError::NotFound {
            what: "vehicle",
            ..
        }
    ));
    let none = deal::save_deal(store, &actor, &deal_input(&d, vec![]), now())
        .await
        .expect_err("no options");
    assert_eq!(none.field(), Some("options"));
    let mut four = two_options();
    four.extend(two_options());
    for o in &mut four {
        o.selected = false;
    }
    let too_many = deal::save_deal(store, &actor, &deal_input(&d, four), now())
        .await
        .expect_err("four options");
    assert_eq!(too_many.field(), Some("options"));
    let mut both = two_options();
    both[0].selected = true;
    let two_selected = deal::save_deal(store, &actor, &deal_input(&d, both), now())
        .await
        .expect_err("two selected");
    assert_eq!(two_selected.field(), Some("options"));
    let mut bad_money = two_options();
    if let OptionTerms::Lease(t) = &mut bad_money[1].terms {
        t.residual = "lots".into();
    }
    let e = deal::save_deal(store, &actor, &deal_input(&d, bad_money), now())
        .await
        .expect_err("bad residual");
    assert_eq!(e.field(), Some("options.1.residual"));
    let mut over_term = two_options();
    if let OptionTerms::Loan(t) = &mut over_term[0].terms {
        t.term = 120;
    }
    let e = deal::save_deal(store, &actor, &deal_input(&d, over_term), now())
        .await
        .expect_err("term over the limit");
    assert_eq!(e.field(), Some("options.0.term"));
    let unknown_staff = deal::save_deal(
        store,
        &actor,
        &DealInput {
            salesperson: Some("ghost".into()),
            ..deal_input(&d, two_options())
        },
        now(),
    )
    .await
    .expect_err("unknown salesperson");
    assert_eq!(unknown_staff.field(), Some("salesperson"));
    let missing = deal::update_deal(
        store,
        &actor,
        &dealerdesk_rules::ids::DealId::from("nope"),
        &deal_input(&d, two_options()),
        now(),
    )
    .await
    .expect_err("no such deal");
    assert!(matches!(missing, DealError::NotFound { what: "deal", .. }));
    assert_eq!(
        footprint(store).await,
        before,
        "store unchanged after every refusal"
    );
}

#[tokio::test]
async fn an_update_reprices_the_options_and_a_sale_marks_the_vehicle_sold() {
    let d = Desk::builder(customer_input(), corolla()).build().await;
    let store = &d.f.store;
    let actor = cli_actor();
    let saved = deal::save_deal(store, &actor, &deal_input(&d, two_options()), now())
        .await
        .expect("saved");
    let mut options = vec![two_options().remove(0)];
    options[0].terms = OptionTerms::Loan(loan_terms("5.99"));
    let updated = deal::update_deal(
        store,
        &actor,
        &saved.id,
        &DealInput {
            status: Some(DealStatus::Sold),
            ..deal_input(&d, options)
        },
        now(),
    )
    .await
    .expect("updated");
    assert_eq!(updated.options.len(), 1);
    assert!(updated.options[0].selected, "the only option is selected");
    assert_eq!(updated.options[0].apr.as_deref(), Some("5.99"));
    assert_eq!(updated.status, DealStatus::Sold);
    let v = vehicle::get_vehicle(store, &d.vehicle_id)
        .await
        .expect("vehicle");
    assert_eq!(v.status, VehicleStatus::Sold);
    assert_eq!(count(store, "SELECT COUNT(*) FROM deal_option").await, 1);
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM change_log WHERE table_name = 'deal_option' AND op = 'delete'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'deal.update'"
        )
        .await,
        1
    );
    let sold = deal::list_deals(
        store,
        &DealFilter {
            status: Some(DealStatus::Sold),
            query: Some("gonzalez".into()),
            ..Default::default()
        },
    )
    .await
    .expect("filtered");
    assert_eq!(sold.total, 1);
}

#[test]
fn the_demo_has_deals_of_both_kinds_and_the_cli_lists_them_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let demo = dd(&db, &["demo", "--customers", "30", "--json"]);
    assert_eq!(code(&demo), 0, "{}", String::from_utf8_lossy(&demo.stderr));
    assert!(json(&demo)["deals"].as_u64().unwrap_or(0) >= 12);

    let list = dd(&db, &["deal", "list", "--json"]);
    assert_eq!(code(&list), 0, "{}", String::from_utf8_lossy(&list.stderr));
    let j = json(&list);
    let deals = j["deals"].as_array().expect("a deals array");
    assert!(deals.len() >= 12, "{j}");
    for d in deals {
        for key in [
            "id",
            "customer_id",
            "vehicle_id",
            "status",
            "created_at",
            "monthly_payment",
        ] {
            assert!(d[key].is_string(), "{key} in {d}");
        }
        match d["kind"].as_str() {
            Some("loan") => {
                assert!(
                    d["amount_financed"].is_string() && d["apr"].is_string(),
                    "{d}"
                );
            }
            Some("lease") => {
                assert!(d["due_at_signing"].is_string() && d["apr"].is_null(), "{d}");
            }
            other => panic!("kind is loan or lease: {other:?}"),
        }
    }
    let kinds: std::collections::BTreeSet<&str> =
        deals.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 2, "both kinds: {kinds:?}");
    assert!(
        deals
            .iter()
            .any(|d| d["option_count"].as_u64().unwrap_or(0) >= 2),
        "some deals carry several options"
    );

    let id = deals[0]["id"].as_str().expect("id");
    let show = dd(&db, &["deal", "show", id, "--json"]);
    assert_eq!(code(&show), 0);
    let shown = json(&show);
    assert_eq!(shown["deal"]["id"], id);
    assert!(shown["deal"]["options"][0]["quote_sha256"].is_string());
    assert_eq!(code(&dd(&db, &["deal", "show", "nope", "--json"])), 4);

    let vehicles = dd(&db, &["vehicle", "list", "--json", "--limit", "5"]);
    assert_eq!(code(&vehicles), 0);
    assert_eq!(
        json(&vehicles)["vehicles"].as_array().map(Vec::len),
        Some(5)
    );
    let added = dd(
        &db,
        &[
            "vehicle",
            "add",
            "--vin",
            "1HGCM82633A004352",
            "--make",
            "Honda",
            "--model",
            "Accord",
            "--mileage",
            "88000",
            "--price",
            "6500",
            "--condition",
            "used",
            "--json",
        ],
    );
    assert_eq!(
        code(&added),
        0,
        "{}",
        String::from_utf8_lossy(&added.stdout)
    );
    assert_eq!(json(&added)["vehicle"]["model_year"], 2003);
    let dup = dd(
        &db,
        &[
            "vehicle",
            "add",
            "--vin",
            "1HGCM82633A004352",
            "--make",
            "Honda",
            "--model",
            "Accord",
            "--mileage",
            "88000",
            "--price",
            "6500",
            "--condition",
            "used",
            "--json",
        ],
    );
    assert_eq!(code(&dup), 7, "duplicate VIN is a conflict");
    let bad = dd(
        &db,
        &[
            "vehicle",
            "add",
            "--vin",
            "1HGCM82643A004352",
            "--make",
            "Honda",
            "--model",
            "Accord",
            "--mileage",
            "88000",
            "--price",
            "6500",
            "--condition",
            "used",
            "--json",
        ],
    );
    assert_eq!(code(&bad), 3);
    assert_eq!(json(&bad)["error"]["field"], "acknowledge_check_digit");
    let shown = dd(&db, &["vehicle", "show", "1hgcm82633a004352", "--json"]);
    assert_eq!(code(&shown), 0);

    let caps = dd(&db, &["settings", "--usury-cap", "CA=21.5", "--json"]);
    assert_eq!(code(&caps), 0, "{}", String::from_utf8_lossy(&caps.stdout));
    let listed = json(&caps)["usury_caps"].clone();
    assert!(
        listed
            .as_array()
            .expect("caps")
            .iter()
            .any(|c| c["state"] == "CA" && c["max_rate"] == "21.5"),
        "{listed}"
    );
    assert_eq!(code(&dd(&db, &["settings", "--usury-cap", "CA"])), 2);
    assert_eq!(code(&dd(&db, &["settings", "--usury-cap", "CA=abc"])), 3);
    assert_eq!(code(&dd(&db, &["audit", "verify"])), 0);
}

/// The IPC types of inventory and deals generate TypeScript declarations (the lead adds them to
/// `ui/src/lib/api/bindings.ts`); money crosses as strings, never numbers.
#[test]
fn inventory_and_deal_types_have_typescript_declarations() {
    use dealerdesk_services::deal::{DealOptionView, DealPage, DealSummary, DealView, UsuryCap};
    use dealerdesk_services::vehicle::{VehiclePage, VehicleView};
    use ts_rs::{Config, TS};
    let cfg = Config::new().with_large_int("number");
    let decls = [
        VehicleCondition::decl(&cfg),
        VehicleStatus::decl(&cfg),
        VehicleInput::decl(&cfg),
        VehicleView::decl(&cfg),
        VehicleFilter::decl(&cfg),
        VehiclePage::decl(&cfg),
        LoanTerms::decl(&cfg),
        LeaseTerms::decl(&cfg),
        OptionTerms::decl(&cfg),
        OptionKind::decl(&cfg),
        DealStatus::decl(&cfg),
        DealOptionInput::decl(&cfg),
        DealInput::decl(&cfg),
        DealOptionView::decl(&cfg),
        DealView::decl(&cfg),
        DealSummary::decl(&cfg),
        DealFilter::decl(&cfg),
        DealPage::decl(&cfg),
        UsuryCap::decl(&cfg),
    ];
    let all = decls.join("\n");
    assert!(
        all.contains(
            r#"type OptionTerms = { "kind": "loan", "input": LoanTerms } | { "kind": "lease", "input": LeaseTerms };"#
        ),
        "adjacently tagged terms: {all}"
    );
    assert!(all.contains("quote: unknown"), "{all}");
    assert!(
        all.contains("monthly_payment: string"),
        "money is a string: {all}"
    );
    assert!(all.contains("mileage: number"), "{all}");
}

#[test]
fn deal_save_reads_json_prices_it_again_and_names_the_field_at_fault() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("d.db");
    assert_eq!(code(&dd(&db, &["demo", "--customers", "5"])), 0);
    let list = json(&dd(&db, &["deal", "list", "--json", "--limit", "1"]));
    let first = &list["deals"][0];
    let (customer, vehicle) = (
        first["customer_id"].as_str().expect("customer"),
        first["vehicle_id"].as_str().expect("vehicle"),
    );
    let mut input = serde_json::json!({
        "customer_id": customer,
        "vehicle_id": vehicle,
        "salesperson": "sam.sales",
        "status": null,
        "notes": "from a script",
        "options": [{
            "label": "48 months",
            "selected": true,
            "monthly_payment": "1.00",
            "terms": { "kind": "loan", "input": serde_json::to_value(loan_terms("6.49")).expect("json") }
        }]
    });
    let saved = dd_input(
        &db,
        &["deal", "save", "--json"],
        Some(input.to_string().as_bytes()),
    );
    assert_eq!(
        code(&saved),
        0,
        "{}",
        String::from_utf8_lossy(&saved.stdout)
    );
    let d = json(&saved);
    assert_ne!(d["deal"]["options"][0]["monthly_payment"], "1.00");
    assert_eq!(d["deal"]["options"][0]["apr"], "6.49");
    let id = d["deal"]["id"].as_str().expect("id").to_string();

    input["options"][0]["terms"]["input"]["rate"] = "45".into();
    let refused = dd_input(
        &db,
        &["deal", "save", "--id", &id, "--json"],
        Some(input.to_string().as_bytes()),
    );
    assert_eq!(code(&refused), 3);
    assert_eq!(json(&refused)["error"]["field"], "options.0.rate");
    let unchanged = json(&dd(&db, &["deal", "show", &id, "--json"]));
    assert_eq!(
        unchanged["deal"]["options"][0]["apr"], "6.49",
        "the refused edit left the deal as it was"
    );
    assert_eq!(
        code(&dd_input(&db, &["deal", "save"], Some(b"not json"))),
        3
    );
}

/// A database from the release before deals (its schema and a stocked vehicle) takes the deals
/// migration on open and keeps its data.
#[tokio::test]
async fn the_deals_migration_upgrades_a_database_of_the_previous_release() {
    let d = Desk::builder(customer_input(), corolla()).build().await;
    let path = d.f.db_path();
    d.f.store.clone().close().await;
    crate::support::raw_sql(
        &path,
        "DROP TABLE deal_option; DROP TABLE deal; DROP TABLE usury_cap;
         DROP INDEX vehicle_make_model; DROP INDEX vehicle_created;
         DELETE FROM _sqlx_migrations WHERE version = 20261126000003;",
    )
    .await;
    let store = Store::open(&path, dealerdesk_store::OpenMode::MustExist)
        .await
        .expect("the older database opens and migrates");
    let page = vehicle::list_vehicles(&store, &VehicleFilter::default())
        .await
        .expect("inventory");
    assert_eq!(page.total, 1, "the stocked vehicle is still there");
    let saved = deal::save_deal(&store, &cli_actor(), &deal_input(&d, two_options()), now())
        .await
        .expect("deals can be saved after the upgrade");
    assert_eq!(saved.max_rate, "36", "no caps configured: the desk default");
    store.close().await;
}

/// Stored text this version does not know (a newer desk's value, or an edit outside DealerDesk)
/// is a loud error naming the value, never read as a default: a vehicle whose condition is not
/// "new" used to read as used.
#[tokio::test]
async fn unknown_stored_text_is_an_error_not_a_default() {
    let f = fresh().await;
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let v = vehicle::add_vehicle(&f.store, &sam, &corolla(), now())
        .await
        .expect("stocked");
    crate::support::raw_sql(
        f.store.path(),
        &format!(
            "PRAGMA ignore_check_constraints = ON; \
             UPDATE vehicle SET condition = 'certified' WHERE id = '{}';",
            v.id
        ),
    )
    .await;
    let e = vehicle::get_vehicle(&f.store, &v.id)
        .await
        .expect_err("an unknown condition does not read as used");
    assert!(
        e.to_string().contains("vehicle condition 'certified'"),
        "the error names the value: {e}"
    );
    assert!(
        vehicle::list_vehicles(&f.store, &VehicleFilter::default())
            .await
            .is_err(),
        "the list refuses it too, rather than showing the vehicle as used"
    );
}
