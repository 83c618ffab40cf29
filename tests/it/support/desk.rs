//! The dealership a test works on: customers, vehicles, deals, lenders and applications, and
//! [`Desk`], set up by [`DeskBuilder`].

use chrono::{DateTime, Duration, Utc};
use dealerdesk_services::application::{
    self as app, Action, ApplicationInput, ApplicationState, ConsentInput, EmploymentEntry,
    HousingStatus, Intent, RateSheet, Reference, ResidenceEntry, Simulator, CONSENT_TEXTS,
};
use dealerdesk_services::customer::{self, AddressInput, CustomerInput};
use dealerdesk_services::deal::{
    self, DealInput, DealOptionInput, DealView, LeaseTerms, LoanTerms, OptionTerms,
};
use dealerdesk_services::identity::aamva::build_payload;
use dealerdesk_services::identity::verification::{self as verify, CheckInput, ContactChannel};
use dealerdesk_services::vehicle::{self, VehicleCondition, VehicleInput};
use dealerdesk_store::Store;

use super::{cli_actor, fresh, now, today, Fixture};

// ----- customers ------------------------------------------------------------------------------

/// Maria Elena Gonzalez of Dallas, a nurse: a complete, valid customer.
pub fn customer_input() -> CustomerInput {
    CustomerInput {
        given_name: "Maria".into(),
        middle_name: Some("Elena".into()),
        family_name: "Gonzalez".into(),
        suffix: None,
        dob: "03/09/1984".into(),
        ssn: "123-45-6789".into(),
        licence_number: Some("D1234567".into()),
        licence_state: Some("TX".into()),
        phone: "(214) 555-0187".into(),
        email: Some("maria.gonzalez@example.com".into()),
        employer: Some("Parkland Health".into()),
        job_title: Some("Registered Nurse".into()),
        monthly_income: "6,250.00".into(),
        address: AddressInput {
            line1: "4821 Lakeview Dr".into(),
            line2: Some("Apt 12".into()),
            city: "Dallas".into(),
            state: "TX".into(),
            zip: "75201".into(),
            since: "2025-06-01".into(),
        },
        previous_address: Some(AddressInput {
            line1: "77 Elm St".into(),
            line2: None,
            city: "Plano".into(),
            state: "TX".into(),
            zip: "75023".into(),
            since: "2019-02-01".into(),
        }),
    }
}

/// Imports the fictional OFAC fixture list (tests/fixtures/ofac) as the store's current list.
pub async fn import_ofac_fixture(
    store: &Store,
) -> dealerdesk_services::identity::sanctions::ImportSummary {
    use dealerdesk_services::identity::sanctions::{self, ListFiles};
    let read = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/ofac")
                .join(name),
        )
        .expect("fixture exists")
    };
    let (sdn, alt, add) = (read("sdn.csv"), read("alt.csv"), read("add.csv"));
    let files = ListFiles {
        sdn: ("sdn.csv", &sdn),
        alt: Some(("alt.csv", &alt)),
        add: Some(("add.csv", &add)),
    };
    sanctions::import(store, &cli_actor(), &files, None, now())
        .await
        .expect("the fixture imports")
}

/// A customer (from [`customer_input`]) whose identity check came out verified: a sanctions
/// list is loaded and their passport was checked by hand.
pub async fn verified_customer(store: &Store) -> dealerdesk_rules::ids::CustomerId {
    use dealerdesk_services::identity::sanctions;
    use dealerdesk_services::identity::verification::{
        self, CheckInput, CheckOutcome, DocumentType,
    };
    if sanctions::current_version(store)
        .await
        .expect("list version")
        .is_none()
    {
        import_ofac_fixture(store).await;
    }
    let id = dealerdesk_services::customer::create(
        store,
        &cli_actor(),
        &customer_input(),
        now(),
        today(),
    )
    .await
    .expect("customer")
    .id;
    let passport = CheckInput::ManualEntry {
        document_type: DocumentType::Passport,
        issuer: "USA".into(),
        number: "X12345678".into(),
        expiry: "2031-01-31".into(),
        dob: Some("03/09/1984".into()),
        issued: None,
    };
    let v = verification::run_check(store, &cli_actor(), &id, &passport, now(), today())
        .await
        .expect("check");
    assert_eq!(v.outcome, CheckOutcome::Verified, "{:#?}", v.rules);
    id
}

/// Maria's Texas licence as `customer_input()` has her; `changes` replace elements by id.
pub fn licence(changes: &[(&str, &str)]) -> String {
    let mut elements: Vec<(&str, &str)> = vec![
        ("DAQ", "D1234567"),
        ("DCS", "GONZALEZ"),
        ("DAC", "MARIA"),
        ("DAD", "ELENA"),
        ("DBD", "01152024"),
        ("DBB", "03091984"),
        ("DBA", "03092030"),
        ("DBC", "2"),
        ("DAG", "4821 LAKEVIEW DRIVE"),
        ("DAI", "DALLAS"),
        ("DAJ", "TX"),
        ("DAK", "752010000"),
        ("DCG", "USA"),
    ];
    for (id, v) in changes {
        if let Some(e) = elements.iter_mut().find(|e| e.0 == *id) {
            e.1 = v;
        }
    }
    build_payload("ANSI ", "636015", 10, 1, &[("DL", &elements)])
}

/// Adds the customer `input` describes; returns their id.
pub async fn add_customer(
    store: &Store,
    input: &CustomerInput,
) -> dealerdesk_rules::ids::CustomerId {
    customer::create(store, &cli_actor(), input, now(), today())
        .await
        .expect("customer created")
        .id
}

/// Runs the identity check of customer `id` on the licence barcode `payload` and confirms
/// their contacts (all channels, or phone and address when they have no e-mail).
pub async fn check(store: &Store, id: &dealerdesk_rules::ids::CustomerId, payload: String) {
    verify::run_check(
        store,
        &cli_actor(),
        id,
        &CheckInput::BarcodeScan { payload },
        now(),
        today(),
    )
    .await
    .expect("the check runs");
    if verify::confirm_contact(store, &cli_actor(), id, ContactChannel::ALL, now())
        .await
        .is_err()
    {
        verify::confirm_contact(
            store,
            &cli_actor(),
            id,
            &[ContactChannel::Phone, ContactChannel::Address],
            now(),
        )
        .await
        .expect("contacts confirmed");
    }
}

// ----- vehicles and deals ---------------------------------------------------------------------

/// A used 2018 Toyota Corolla LE at $15,995.00, whose published VIN's check digit verifies.
pub fn corolla() -> VehicleInput {
    VehicleInput {
        vin: "2T1BURHE0JC014702".into(),
        model_year: None,
        make: "Toyota".into(),
        model: "Corolla".into(),
        trim: Some("LE".into()),
        mileage: 41_250,
        price: "15,995.00".into(),
        condition: VehicleCondition::Used,
        status: None,
        acknowledge_check_digit: false,
    }
}

/// A 60-month loan on the Corolla at 7.49 %, with add-ons, a trade-in and its payoff.
pub fn loan_terms() -> LoanTerms {
    LoanTerms {
        price: "15995".into(),
        addons: "995".into(),
        taxes_fees: "1149.69".into(),
        dealer_fees: "150".into(),
        down: "2000".into(),
        trade: "4000".into(),
        payoff: "5500".into(),
        rebate: "0".into(),
        rate: "7.49".into(),
        term: 60,
        contract_date: "2026-11-25".into(),
        first_payment: None,
    }
}

/// A 36-month lease of the Corolla at money factor 0.00185.
fn lease_terms() -> LeaseTerms {
    LeaseTerms {
        agreed_value: "15995".into(),
        capitalized_items: "695".into(),
        cap_reduction: "2000".into(),
        trade: "0".into(),
        rebate: "500".into(),
        residual: "9100".into(),
        term: 36,
        lease_rate: None,
        money_factor: Some("0.00185".into()),
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

// ----- lenders --------------------------------------------------------------------------------

/// The test bank's rate sheet: Gold (scores 700-850, two term bands) and Silver (600-699).
pub const TEST_CSV: &str = "\
lender_code,lender_name,effective_date,max_markup,fees,tier,min_score,max_score,max_term,max_ltv,max_pti,max_dti,max_amount_financed,stipulations,term_min,term_max,year_min,year_max,buy_rate
testbank,Test Bank,2026-11-01,2.5,Lender fee=395.00,Gold,700,850,72,125,20,50,60000.00,proof_of_income|references,12,60,2015,2027,5.49
testbank,Test Bank,2026-11-01,2.5,Lender fee=395.00,Gold,700,850,72,125,20,50,60000.00,proof_of_income|references,61,72,2015,2027,5.99
testbank,Test Bank,2026-11-01,2.5,Lender fee=395.00,Silver,600,699,60,110,15,45,30000.00,proof_of_income|proof_of_residence,12,60,2015,2027,9.99
";

// ----- the desk -------------------------------------------------------------------------------

/// A dealership set up for a test: a customer, a vehicle and what else its [`DeskBuilder`] asked
/// for.
pub struct Desk<F = Fixture> {
    /// The fresh database the desk was built in ([`DeskBuilder::build`]), or `()` when it was
    /// built in a store the test holds ([`DeskBuilder::build_in`]).
    pub f: F,
    /// The customer [`Desk::builder`] was given.
    pub customer_id: dealerdesk_rules::ids::CustomerId,
    /// The vehicle [`Desk::builder`] was given.
    pub vehicle_id: dealerdesk_rules::ids::VehicleId,
    /// The lender whose rate sheet was imported, if one was.
    pub lender: Option<String>,
    deal: Option<DealView>,
}

impl Desk {
    /// Starts a desk with the customer `customer` and the vehicle `vehicle`.
    pub fn builder(customer: CustomerInput, vehicle: VehicleInput) -> DeskBuilder {
        DeskBuilder {
            customer,
            vehicle,
            dealership_name: None,
            sanctions: false,
            rate_sheet: None,
            identity_check: None,
            deal: None,
        }
    }

    /// Maria applying for credit: the sanctions list, the test lender's sheet and a loan deal on
    /// the Corolla; her identity checked (and verified) when `verified`.
    pub fn applicant(verified: bool) -> DeskBuilder {
        let b = Desk::builder(customer_input(), corolla())
            .sanctions()
            .rate_sheet(TEST_CSV);
        let b = if verified {
            b.identity_check(licence(&[]))
        } else {
            b
        };
        b.loan_deal()
    }

    /// The contract desk: Maria, the Corolla and a deal with a loan (option 1, selected) and a
    /// lease (option 2), at "Lakeside Motors".
    pub fn contract() -> DeskBuilder {
        Desk::builder(customer_input(), corolla())
            .dealership_name("Lakeside Motors")
            .loan_and_lease_deal()
    }
}

impl<F> Desk<F> {
    /// The saved deal (the builder must have been asked for one).
    pub fn deal(&self) -> &DealView {
        self.deal.as_ref().expect("the desk was built with a deal")
    }
}

/// Which deal a [`DeskBuilder`] saves.
enum DealKind {
    Loan,
    LoanAndLease,
}

/// Sets up a [`Desk`], always in this order (tests count the audit entries and rows it leaves):
/// the dealership name, the sanctions list, the rate sheet, the customer, their identity check,
/// the vehicle, the deal.
pub struct DeskBuilder {
    customer: CustomerInput,
    vehicle: VehicleInput,
    dealership_name: Option<String>,
    sanctions: bool,
    rate_sheet: Option<String>,
    identity_check: Option<String>,
    deal: Option<DealKind>,
}

impl DeskBuilder {
    /// Sets the dealership's name (the settings a contract prints).
    pub fn dealership_name(mut self, name: &str) -> Self {
        self.dealership_name = Some(name.into());
        self
    }

    /// Imports the fictional OFAC list ([`import_ofac_fixture`]).
    pub fn sanctions(mut self) -> Self {
        self.sanctions = true;
        self
    }

    /// Imports the rate sheet `csv` (e.g. [`TEST_CSV`]); its lender is [`Desk::lender`].
    pub fn rate_sheet(mut self, csv: &str) -> Self {
        self.rate_sheet = Some(csv.into());
        self
    }

    /// Checks the customer's identity on the licence barcode `payload` and confirms their
    /// contacts ([`check`]); `licence(&[])` is Maria's own.
    pub fn identity_check(mut self, payload: String) -> Self {
        self.identity_check = Some(payload);
        self
    }

    /// Saves a deal of the customer and the vehicle with one option, a loan ([`loan_terms`]),
    /// selected and without a label.
    pub fn loan_deal(mut self) -> Self {
        self.deal = Some(DealKind::Loan);
        self
    }

    /// Saves a deal of the customer and the vehicle with a loan ([`loan_terms`], option 1,
    /// "60 months", selected) and a lease (option 2, "36 month lease").
    pub fn loan_and_lease_deal(mut self) -> Self {
        self.deal = Some(DealKind::LoanAndLease);
        self
    }

    /// Builds the desk in a fresh database, which it holds as [`Desk::f`].
    pub async fn build(self) -> Desk {
        let f = fresh().await;
        let d = self.build_in(&f.store).await;
        Desk {
            f,
            customer_id: d.customer_id,
            vehicle_id: d.vehicle_id,
            lender: d.lender,
            deal: d.deal,
        }
    }

    /// Builds the desk in `store`.
    pub async fn build_in(self, store: &Store) -> Desk<()> {
        if let Some(name) = &self.dealership_name {
            dealerdesk_services::settings::apply(store, &cli_actor(), None, Some(name), now())
                .await
                .expect("dealership name");
        }
        if self.sanctions {
            import_ofac_fixture(store).await;
        }
        let lender = match &self.rate_sheet {
            Some(csv) => {
                let sheet = RateSheet::from_csv(csv).expect("the CSV reads");
                let imported = app::import_rate_sheet(store, &cli_actor(), &sheet, now())
                    .await
                    .expect("imports");
                Some(imported.lender_id)
            }
            None => None,
        };
        let customer_id = add_customer(store, &self.customer).await;
        if let Some(payload) = self.identity_check {
            check(store, &customer_id, payload).await;
        }
        let vehicle_id = vehicle::add_vehicle(store, &cli_actor(), &self.vehicle, now())
            .await
            .expect("vehicle")
            .id;
        let options = match self.deal {
            None => vec![],
            Some(DealKind::Loan) => vec![DealOptionInput {
                label: None,
                selected: true,
                terms: OptionTerms::Loan(loan_terms()),
            }],
            Some(DealKind::LoanAndLease) => vec![
                DealOptionInput {
                    label: Some("60 months".into()),
                    selected: true,
                    terms: OptionTerms::Loan(loan_terms()),
                },
                DealOptionInput {
                    label: Some("36 month lease".into()),
                    selected: false,
                    terms: OptionTerms::Lease(lease_terms()),
                },
            ],
        };
        let deal = if options.is_empty() {
            None
        } else {
            let input = DealInput {
                customer_id: customer_id.clone(),
                vehicle_id: vehicle_id.clone(),
                salesperson: None,
                status: None,
                notes: None,
                options,
            };
            Some(
                deal::save_deal(store, &cli_actor(), &input, now())
                    .await
                    .expect("deal saved"),
            )
        };
        Desk {
            f: (),
            customer_id,
            vehicle_id,
            lender,
            deal,
        }
    }
}

// ----- applications ---------------------------------------------------------------------------

/// Maria's individual application for `deal_id`: two years of addresses, her employer, income,
/// rent, a reference and a score of 742; sent to `lender_id` if given.
pub fn application_input(deal_id: &str, lender_id: Option<String>) -> ApplicationInput {
    ApplicationInput {
        deal_id: deal_id.into(),
        intent: Intent::Individual,
        co_applicant_id: None,
        residences: vec![
            ResidenceEntry {
                address: "4821 Lakeview Dr Apt 12, Dallas TX".into(),
                since: "2025-06-01".into(),
            },
            ResidenceEntry {
                address: "77 Elm St, Plano TX".into(),
                since: "02/01/2019".into(),
            },
        ],
        employment: vec![EmploymentEntry {
            employer: "Parkland Health".into(),
            title: Some("Registered Nurse".into()),
            since: "2020-01-15".into(),
        }],
        gross_monthly_income: "6,250.00".into(),
        other_income: vec![app::OtherIncome {
            source: "child support".into(),
            amount: "400".into(),
        }],
        co_applicant_income: None,
        housing_status: HousingStatus::Rent,
        housing_payment: "1,400.00".into(),
        other_monthly_debts: "350.00".into(),
        references: vec![Reference {
            name: "Ana Ruiz".into(),
            phone: "(214) 555-0142".into(),
            relation: "sister".into(),
        }],
        credit_score: Some(742),
        lender_id,
    }
}

/// The applicant's consent to the current credit-check text.
pub fn consent() -> ConsentInput {
    ConsentInput {
        text_version: CONSENT_TEXTS[0].0.into(),
        applicant: true,
        co_applicant: false,
    }
}

/// The desk's deal's application ([`application_input`], to the desk's lender), consented and
/// marked ready.
pub async fn ready_application<F>(
    store: &Store,
    d: &Desk<F>,
) -> dealerdesk_rules::ids::ApplicationId {
    let a = app::create_application(
        store,
        &cli_actor(),
        &application_input(d.deal().id.as_str(), d.lender.clone()),
        now(),
    )
    .await
    .expect("created");
    app::record_consent(store, &cli_actor(), &a.id, &consent(), now())
        .await
        .expect("consent");
    app::transition(store, &cli_actor(), &a.id, Action::MarkReady, None, now())
        .await
        .expect("ready");
    a.id
}

/// A verified Maria with a deal and a ready application at `csv`'s lender with `score`.
pub async fn ready(csv: &str, score: u16) -> (Fixture, dealerdesk_rules::ids::ApplicationId) {
    let d = Desk::builder(customer_input(), corolla())
        .sanctions()
        .rate_sheet(csv)
        .identity_check(licence(&[]))
        .loan_deal()
        .build()
        .await;
    let f = &d.f;
    let mut input = application_input(d.deal().id.as_str(), d.lender.clone());
    input.credit_score = Some(score);
    let a = app::create_application(&f.store, &cli_actor(), &input, now())
        .await
        .expect("created");
    app::record_consent(&f.store, &cli_actor(), &a.id, &consent(), now())
        .await
        .expect("consent");
    app::transition(
        &f.store,
        &cli_actor(),
        &a.id,
        Action::MarkReady,
        None,
        now(),
    )
    .await
    .expect("ready");
    (d.f, a.id)
}

/// Submits and lets the simulator answer at `at`.
pub async fn decide(
    store: &Store,
    id: &dealerdesk_rules::ids::ApplicationId,
    at: DateTime<Utc>,
) -> ApplicationState {
    app::submit_application(store, &cli_actor(), id, at)
        .await
        .expect("submitted");
    let sim = Simulator::load(store, 3, Duration::zero())
        .await
        .expect("sim");
    let r = app::process_outbox(store, &sim, at).await.expect("runs");
    r.iter()
        .find(|m| m.application_id == *id)
        .and_then(|m| m.outcome)
        .expect("decided")
}
