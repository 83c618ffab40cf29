//! The demo dealership: a seeded generator (not a checked-in file) that fills an empty database
//! with staff for each role, a vehicle inventory with valid VINs and realistic customers spread
//! over the past year, and saved deals (loan and lease options side by side) over them. The same
//! seed always gives the same people, cars and deals.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::auth::{self, Actor, AuthError, NewStaff, Role};
use crate::customer::{self, AddressInput, CustomerError, CustomerInput};
use crate::deal::{
    self, DealError, DealInput, DealOptionInput, DealStatus, LeaseTerms, LoanTerms, OptionTerms,
};
use crate::vehicle::{self, NewVehicle, VIN_ALPHABET};
use dealerdesk_rules::ids::{CustomerId, DealId, VehicleId};
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::random_token;
use dealerdesk_store::{meta_set, Store};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "demo data only goes into a new, empty database; this one already has staff or customers"
    )]
    NotEmpty,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Customer(#[from] CustomerError),
    #[error(transparent)]
    Deal(#[from] DealError),
    #[error(transparent)]
    Sanctions(#[from] crate::identity::sanctions::SanctionsError),
    #[error(transparent)]
    Application(#[from] crate::application::ApplicationError),
    #[error(transparent)]
    Identity(#[from] crate::identity::verification::IdentityError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoCredential {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub customers: usize,
    pub vehicles: usize,
    pub deals: usize,
    pub applications: usize,
    pub staff: Vec<DemoCredential>,
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Luis",
    "Emily",
    "Steven",
    "Donna",
    "Andrew",
    "Michelle",
    "Kenneth",
    "Carol",
    "Joshua",
    "Amanda",
    "Kevin",
    "Melissa",
    "Brian",
    "Deborah",
    "Juan",
    "Stephanie",
    "Minh",
    "Rebecca",
    "Jose",
    "Laura",
    "Wei",
    "Sharon",
    "Darnell",
    "Cynthia",
    "Ahmed",
    "Kathleen",
    "Raj",
    "Amy",
    "Tyrone",
    "Angela",
    "Diego",
    "Maria",
    "Priya",
    "Keisha",
    "Hiroshi",
    "Olga",
    "Andre",
    "Fatima",
    "Mateo",
    "Ana",
    "Jamal",
    "Mei",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "O'Connor",
    "Patel",
    "Kim",
    "Chen",
    "Washington",
    "Okafor",
    "Novak",
    "Schmidt",
    "Ali",
    "Tanaka",
];
const STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "Pine St",
    "Lakeview Dr",
    "Sunset Blvd",
    "Park Ave",
    "Washington St",
    "Highland Ave",
    "Meadow Ln",
    "Ridge Rd",
    "Church St",
    "Mill Rd",
    "Forest Dr",
    "Willow Way",
    "Hillcrest Dr",
    "River Rd",
    "Spring St",
];
/// (city, state, ZIP prefix, area code)
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Dallas", "TX", "752", "214"),
    ("Plano", "TX", "750", "972"),
    ("Fort Worth", "TX", "761", "817"),
    ("Arlington", "TX", "760", "682"),
    ("Irving", "TX", "750", "469"),
    ("Garland", "TX", "750", "972"),
    ("Denton", "TX", "762", "940"),
    ("McKinney", "TX", "750", "469"),
    ("Frisco", "TX", "750", "214"),
    ("Mesquite", "TX", "751", "972"),
    ("Shreveport", "LA", "711", "318"),
    ("Norman", "OK", "730", "405"),
];
const EMPLOYERS: &[(&str, &str)] = &[
    ("Parkland Health", "Registered Nurse"),
    ("Texas Instruments", "Test Engineer"),
    ("Dallas ISD", "Teacher"),
    ("Southwest Airlines", "Flight Attendant"),
    ("AT&T", "Network Technician"),
    ("Walmart", "Store Manager"),
    ("City of Dallas", "Firefighter"),
    ("Baylor Scott & White", "Medical Assistant"),
    ("Lockheed Martin", "Machinist"),
    ("Home Depot", "Sales Associate"),
    ("Self-employed", "Contractor"),
    ("Tyler Technologies", "Software Developer"),
    ("Kroger", "Pharmacist"),
    ("UPS", "Driver"),
    ("Texas Health Resources", "Billing Specialist"),
    ("Retired", "Retired"),
];
/// (model, base price in dollars)
type Models = &'static [(&'static str, i64)];
/// (WMI, make, models)
const MAKES: &[(&str, &str, Models)] = &[
    (
        "1HG",
        "Honda",
        &[("Accord", 29_500), ("Civic", 24_800), ("CR-V", 32_400)],
    ),
    (
        "JTD",
        "Toyota",
        &[("Camry", 28_900), ("Corolla", 22_950), ("RAV4", 31_500)],
    ),
    ("1FT", "Ford", &[("F-150", 41_200), ("Ranger", 34_100)]),
    ("1FM", "Ford", &[("Explorer", 39_800), ("Escape", 29_300)]),
    (
        "1G1",
        "Chevrolet",
        &[("Malibu", 26_100), ("Equinox", 29_700)],
    ),
    ("3GC", "Chevrolet", &[("Silverado 1500", 44_300)]),
    ("KNM", "Nissan", &[("Rogue", 30_900)]),
    ("5XY", "Kia", &[("Sorento", 33_700), ("Telluride", 39_900)]),
    ("5NP", "Hyundai", &[("Elantra", 22_400), ("Sonata", 27_500)]),
    ("5YJ", "Tesla", &[("Model 3", 42_490), ("Model Y", 46_990)]),
];
const TRIMS: &[&str] = &["Base", "LX", "Sport", "EX", "XLE", "Limited", "Touring"];
/// Model-year codes (position 10) for 2018–2027.
const YEAR_CODES: &[(i32, char)] = &[
    (2018, 'J'),
    (2019, 'K'),
    (2020, 'L'),
    (2021, 'M'),
    (2022, 'N'),
    (2023, 'P'),
    (2024, 'R'),
    (2025, 'S'),
    (2026, 'T'),
    (2027, 'V'),
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    items.choose(rng).unwrap_or(&items[0])
}

/// A random SSN that passes the issuance rules (never an advertising number).
fn ssn(rng: &mut ChaCha8Rng) -> String {
    loop {
        let area = rng.gen_range(1..=899);
        if area == 666 {
            continue;
        }
        let group = rng.gen_range(1..=99);
        let serial = rng.gen_range(1..=9999);
        let s = format!("{area:03}{group:02}{serial:04}");
        if crate::identity::ssn::classify(&s).is_ok() {
            return s;
        }
    }
}

/// `n` customers, each with the time it was entered (spread over the last year, busier lately).
pub fn customers(
    rng: &mut ChaCha8Rng,
    n: usize,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Vec<(CustomerInput, DateTime<Utc>)> {
    (0..n)
        .map(|i| {
            let given = *pick(rng, FIRST);
            let family = *pick(rng, LAST);
            let (city, state, zip3, area) = *pick(rng, CITIES);
            let age_days = rng.gen_range(19 * 365..75 * 365);
            let dob = today - Duration::days(age_days);
            let months_here = rng.gen_range(3..180);
            let since = today - Duration::days(months_here * 30);
            let previous = (months_here < 24).then(|| {
                let (pcity, pstate, pzip3, _) = *pick(rng, CITIES);
                AddressInput {
                    line1: format!("{} {}", rng.gen_range(100..9999), pick(rng, STREETS)),
                    line2: None,
                    city: pcity.into(),
                    state: pstate.into(),
                    zip: format!("{pzip3}{:02}", rng.gen_range(1..99)),
                    since: (since - Duration::days(rng.gen_range(400..2000))).to_string(),
                }
            });
            let (employer, title) = *pick(rng, EMPLOYERS);
            let income = rng.gen_range(50..300) * 50;
            let email_domain = *pick(rng, &["example.com", "example.net", "example.org"]);
            let has_licence = rng.gen_bool(0.85);
            // Newer customers are more frequent: square the uniform draw toward "recent".
            let u: f64 = rng.gen();
            let age_of_record = Duration::minutes((u * u * 365.0 * 24.0 * 60.0) as i64);
            let input = CustomerInput {
                given_name: given.into(),
                middle_name: rng.gen_bool(0.4).then(|| pick(rng, FIRST).to_string()),
                family_name: family.into(),
                suffix: rng.gen_bool(0.04).then(|| "Jr.".to_string()),
                dob: dob.to_string(),
                ssn: ssn(rng),
                licence_number: has_licence.then(|| {
                    format!(
                        "{}{:07}",
                        state.chars().next().unwrap_or('D'),
                        rng.gen_range(1_000_000..9_999_999)
                    )
                }),
                licence_state: has_licence.then(|| state.to_string()),
                phone: format!(
                    "{area}{}{:04}",
                    rng.gen_range(200..999),
                    rng.gen_range(0..9999)
                ),
                email: rng.gen_bool(0.9).then(|| {
                    format!(
                        "{}.{}{}@{email_domain}",
                        given.to_lowercase(),
                        family.to_lowercase().replace('\'', ""),
                        i % 97
                    )
                }),
                employer: Some(employer.into()),
                job_title: Some(title.into()),
                monthly_income: Money::from_cents(income * 100).to_plain(),
                address: AddressInput {
                    line1: format!("{} {}", rng.gen_range(100..9999), pick(rng, STREETS)),
                    line2: rng
                        .gen_bool(0.15)
                        .then(|| format!("Apt {}", rng.gen_range(1..400))),
                    city: city.into(),
                    state: state.into(),
                    zip: format!("{zip3}{:02}", rng.gen_range(1..99)),
                    since: since.to_string(),
                },
                previous_address: previous,
            };
            (input, now - age_of_record)
        })
        .collect()
}

/// A vehicle with a VIN whose check digit is right.
pub fn vehicle(rng: &mut ChaCha8Rng, serial: u32) -> NewVehicle {
    let (wmi, make, models) = *pick(rng, MAKES);
    let (model, base) = *pick(rng, models);
    let used = rng.gen_bool(0.45);
    let (year, code) = if used {
        *pick(rng, &YEAR_CODES[..7])
    } else {
        *pick(rng, &YEAR_CODES[8..])
    };
    let alphabet: Vec<char> = VIN_ALPHABET.chars().collect();
    let letters: Vec<char> = alphabet
        .iter()
        .copied()
        .filter(char::is_ascii_alphabetic)
        .collect();
    let mut vin: Vec<char> = wmi.chars().collect();
    for _ in 0..3 {
        vin.push(*pick(rng, &alphabet));
    }
    // Position 7 is a letter for model years from 2010, which resolves the 30-year year-code cycle.
    vin.push(*pick(rng, &letters));
    vin.push(*pick(rng, &alphabet));
    vin.push('0');
    vin.push(code);
    vin.push(*pick(rng, &letters));
    vin.extend(format!("{:06}", 100_000 + serial).chars());
    let text: String = vin.iter().collect();
    let check = vehicle::check_digit(&text).unwrap_or('0');
    vin[8] = check;
    let age = 2026 - year;
    let price = if used {
        base * (100 - (age as i64 * 9).min(60)) / 100
    } else {
        base + rng.gen_range(0..4000)
    };
    NewVehicle {
        vin: vin.into_iter().collect(),
        model_year: year,
        make: make.into(),
        model: model.into(),
        trim: Some(pick(rng, TRIMS).to_string()),
        mileage: if used {
            rng.gen_range(8_000..95_000)
        } else {
            rng.gen_range(3..60)
        },
        price: Money::from_cents((price / 100 * 100 - 5) * 100),
        used,
    }
}

/// Whether the demo's lenders are here already (the first demo rate sheet's lender).
async fn has_group_data(store: &Store) -> Result<bool, DemoError> {
    let Some(sheet) = crate::application::demo::demo_rate_sheets(Utc::now())
        .into_iter()
        .next()
    else {
        return Ok(false);
    };
    let mut conn = store.pool().acquire().await?;
    let code = sheet.lender_code.trim().to_uppercase();
    Ok(dealerdesk_store::repo::lender::id_by_code(&mut conn, &code)
        .await?
        .is_some())
}

/// Seeds only what a dealer group shares (the demo's usury caps, lenders and rate sheets) into
/// an empty desk: the desk that publishes them to the group's other desks in the sync
/// benchmark and tests.
pub async fn seed_group(store: &Store, now: DateTime<Utc>) -> Result<(), DemoError> {
    let actor = Actor::Cli("demo".into());
    let mut w = store.write(now).await?;
    deal::usury::seed_demo(w.conn(), store.device_id(), now).await?;
    w.commit().await?;
    crate::application::demo::seed_lenders(store, &actor, now).await?;
    Ok(())
}

/// Fills an empty database with the demo dealership and marks it as a demo database (the only
/// kind where MFA may be bypassed).
#[tracing::instrument(skip_all, err)]
pub async fn fill(
    store: &Store,
    seed: u64,
    customer_count: usize,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<DemoReport, DemoError> {
    let existing = dealerdesk_store::read::demo::people_count(store).await?;
    if existing > 0 {
        return Err(DemoError::NotEmpty);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let actor = Actor::Cli("demo".into());
    // A desk of a group that already holds the demo's lenders and usury caps (synced from the
    // group's other desks) keeps them: seeding them again would make a second lender of the
    // same code, which the group's desks refuse.
    let group_data = !has_group_data(store).await?;
    {
        let mut w = store.write(now).await?;
        meta_set(w.conn(), "demo", "1").await?;
        meta_set(w.conn(), "dealership_name", "Lakeside Motors").await?;
        if group_data {
            deal::usury::seed_demo(w.conn(), store.device_id(), now).await?;
        }
        w.audit(
            AuditEvent::new(actor.name(), "demo.fill", AuditOutcome::Success)
                .detail(format!("seed {seed}, {customer_count} customers")),
        );
        w.commit().await?;
    }
    let mut staff = Vec::new();
    for (username, name, role) in [
        ("avery.admin", "Avery Brooks", Role::Admin),
        ("morgan.fi", "Morgan Reyes", Role::FinanceManager),
        ("sam.sales", "Sam Patel", Role::Sales),
        ("jordan.sales", "Jordan Lee", Role::Sales),
    ] {
        // Passwords come from the OS CSPRNG, not the seeded generator: they guard real access.
        let password = random_token(12);
        let input = NewStaff {
            username: username.into(),
            display_name: name.into(),
            role,
            password: password.clone(),
        };
        auth::create_staff(store, &actor, &input, now).await?;
        staff.push(DemoCredential {
            username: username.into(),
            display_name: name.into(),
            role,
            password,
        });
    }
    let vehicles: Vec<NewVehicle> = (0..48).map(|i| vehicle(&mut rng, i)).collect();
    let mut vehicle_ids = Vec::with_capacity(vehicles.len());
    {
        let mut tx = store.begin_write().await?;
        for v in &vehicles {
            vehicle_ids.push(vehicle::insert_tx(&mut tx, store.device_id(), v, now).await?);
        }
        tx.commit().await?;
    }
    let people = customers(&mut rng, customer_count, now, today);
    let mut customer_ids = Vec::with_capacity(people.len());
    for chunk in people.chunks(5_000) {
        let (inputs, times): (Vec<_>, Vec<_>) = chunk.iter().cloned().unzip();
        customer_ids
            .extend(customer::create_many(store, &actor, &inputs, &times, now, today).await?);
    }
    let deal_count = DEMO_DEALS.min(customer_ids.len());
    {
        let mut tx = store.begin_write().await?;
        for k in 0..deal_count {
            let who = rng.gen_range(0..customer_ids.len());
            let customer_id = customer_ids[who].clone();
            let known_since = people.get(who).map(|(_, at)| *at).unwrap_or(now);
            let (input, created_at) = demo_deal(
                &mut rng,
                k,
                customer_id,
                known_since,
                &vehicle_ids[k],
                &vehicles[k],
                now,
            );
            let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
                uuid::NoContext,
                created_at.timestamp().max(0) as u64,
                created_at.timestamp_subsec_nanos(),
            ))
            .to_string();
            let id = DealId::from(id);
            deal::insert_tx(store, &mut tx, &actor, &id, &input, created_at, now).await?;
        }
        tx.commit().await?;
    }
    demo_sanctions_list(store, &actor, &mut rng, people.first().map(|(c, _)| c), now).await?;
    demo_identity_checks(store, &actor, &people, &customer_ids, now, today).await?;
    if group_data {
        crate::application::demo::seed_lenders(store, &actor, now).await?;
    }
    let applications =
        crate::application::demo::seed_applications(store, &actor, seed, now).await?;
    Ok(DemoReport {
        customers: customer_count,
        vehicles: vehicles.len(),
        deals: deal_count,
        applications,
        staff,
    })
}

/// Runs the identity check (a passport typed by hand) for every customer a demo deal was desked
/// for, so the demo's customers can get access links and credit applications the way real ones
/// do. The first customer shares a name with a (fictional) listed person: their check needs a
/// finance manager to clear the candidate.
async fn demo_identity_checks(
    store: &Store,
    actor: &Actor,
    people: &[(CustomerInput, DateTime<Utc>)],
    ids: &[CustomerId],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<(), DemoError> {
    use crate::identity::verification::{self, CheckInput, DocumentType};
    let with_deals = dealerdesk_store::read::demo::customers_with_deals(store).await?;
    for (k, id) in with_deals.iter().enumerate() {
        let Some((person, _)) = ids
            .iter()
            .position(|i| i.as_str() == id)
            .and_then(|at| people.get(at))
        else {
            continue;
        };
        let passport = CheckInput::ManualEntry {
            document_type: DocumentType::Passport,
            issuer: "USA".into(),
            number: format!("5{:08}", 31_000_000 + k * 7_919),
            expiry: (today + Duration::days(900 + 30 * k as i64))
                .format("%Y-%m-%d")
                .to_string(),
            dob: Some(person.dob.clone()),
            issued: None,
        };
        verification::run_check(
            store,
            actor,
            &CustomerId::from(id.as_str()),
            &passport,
            now,
            today,
        )
        .await?;
    }
    Ok(())
}

/// Loads a full-size, clearly fictional sanctions list (see `sanctions::synthetic`) so identity
/// checks screen names offline in the demo. One listed entry shares the first demo customer's
/// name with another birth year, so the demo shows a potential match for a finance manager to
/// clear.
async fn demo_sanctions_list(
    store: &Store,
    actor: &Actor,
    rng: &mut ChaCha8Rng,
    lookalike: Option<&CustomerInput>,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    use crate::identity::sanctions::{self, synthetic, ListFiles};
    let mut list = synthetic::generate(synthetic::FULL_SIZE, rng);
    if let Some(c) = lookalike {
        // The generator ends the SDN file with the DOS end-of-file mark; add before it.
        list.sdn.pop();
        list.sdn.push_str(&format!(
            "9999,\"{}, {}\",\"individual\",\"DEMO\",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"-0- \",\"DOB 1958; demo entry, not a real listing.\"\r\n\u{1a}",
            c.family_name.to_uppercase(),
            c.given_name
        ));
    }
    let files = ListFiles {
        sdn: ("demo-sdn.csv", list.sdn.as_bytes()),
        alt: Some(("demo-alt.csv", list.alt.as_bytes())),
        add: Some(("demo-add.csv", list.add.as_bytes())),
    };
    sanctions::import(store, actor, &files, None, now).await?;
    Ok(())
}

/// How many saved deals the demo desk starts with (fewer if there are fewer customers).
pub const DEMO_DEALS: usize = 16;

fn plain(dollars: i64) -> String {
    Money::from_cents(dollars * 100).to_plain()
}

/// One demo deal on vehicle `k`, desked some time after the customer was entered: one to three
/// options; a used car is financed, a new one is leased or financed (alternating), with further
/// options of either kind.
fn demo_deal(
    rng: &mut ChaCha8Rng,
    k: usize,
    customer_id: CustomerId,
    customer_since: DateTime<Utc>,
    vehicle_id: &VehicleId,
    v: &NewVehicle,
    now: DateTime<Utc>,
) -> (DealInput, DateTime<Utc>) {
    let window = (now - customer_since).num_minutes().clamp(2, 60 * 24 * 45);
    let created_at = now - Duration::minutes(rng.gen_range(1..window));
    let contract_date = created_at.date_naive().to_string();
    let price = v.price.cents().unwrap_or(0) / 100;
    let option_count = rng.gen_range(1..=3);
    let mut options = Vec::with_capacity(option_count);
    for i in 0..option_count {
        let lease = !v.used
            && if i == 0 {
                k % 2 == 1
            } else {
                rng.gen_bool(0.5)
            };
        let terms = if lease {
            let term = *pick(rng, &[24u32, 36, 39]);
            let residual_pct = match term {
                24 => rng.gen_range(62..68),
                36 => rng.gen_range(55..61),
                _ => rng.gen_range(52..58),
            };
            let reduction = rng.gen_range(0..=8) * 500;
            let rebate = if reduction >= 500 && rng.gen_bool(0.3) {
                500
            } else {
                0
            };
            OptionTerms::Lease(LeaseTerms {
                agreed_value: plain(price),
                capitalized_items: plain(695),
                cap_reduction: plain(reduction),
                trade: plain(0),
                rebate: plain(rebate),
                residual: plain(price * residual_pct / 100),
                term,
                lease_rate: None,
                money_factor: Some(format!("0.00{}", rng.gen_range(110..300))),
                monthly_tax_rate: "6.25".into(),
                security_deposit: plain(0),
                title_fee: plain(33),
                registration_fee: plain(rng.gen_range(50..120)),
                acquisition_fee: plain(0),
                disposition_fee: plain(395),
                purchase_option_price: None,
                excess_mileage_rate: Some("0.25".into()),
                mileage_allowance_per_year: Some(*pick(rng, &[10_000u32, 12_000, 15_000])),
            })
        } else {
            let trade = if rng.gen_bool(0.4) {
                rng.gen_range(2..=10) * 1000
            } else {
                0
            };
            let payoff = if trade > 0 && rng.gen_bool(0.5) {
                trade + rng.gen_range(-2..=3) * 1000
            } else {
                0
            };
            let addons = *pick(rng, &[0i64, 0, 995, 1_795, 2_490]);
            let taxes_fees = price * 625 / 10_000 + 150;
            let payoff = payoff.max(0);
            // On a cheap car a big trade and down payment would leave nothing to finance: the
            // down payment stops where a quarter of the price is still financed.
            let room = price + addons + taxes_fees + 150 + payoff - trade - price / 4;
            let down = (rng.gen_range(0..=10) * 500).min(room.max(0) / 500 * 500);
            OptionTerms::Loan(LoanTerms {
                price: plain(price),
                addons: plain(addons),
                taxes_fees: plain(taxes_fees),
                dealer_fees: plain(150),
                down: plain(down),
                trade: plain(trade),
                payoff: plain(payoff),
                rebate: plain(0),
                rate: format!("{}.{:02}", rng.gen_range(2..=13), rng.gen_range(0..100)),
                term: *pick(rng, &[36u32, 48, 60, 72]),
                contract_date: contract_date.clone(),
                first_payment: None,
            })
        };
        options.push(DealOptionInput {
            label: None,
            selected: false,
            terms,
        });
    }
    let chosen = rng.gen_range(0..option_count);
    if let Some(o) = options.get_mut(chosen) {
        o.selected = true;
    }
    let status = match rng.gen_range(0..10) {
        0..=5 => DealStatus::Open,
        6..=7 => DealStatus::Sold,
        _ => DealStatus::Lost,
    };
    let input = DealInput {
        customer_id,
        vehicle_id: vehicle_id.clone(),
        salesperson: Some((*pick(rng, &["sam.sales", "jordan.sales"])).to_string()),
        status: Some(status),
        notes: None,
        options,
    };
    (input, created_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_vins_have_valid_check_digits() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for i in 0..200 {
            let v = vehicle(&mut rng, i);
            assert_eq!(vehicle::check_digit_ok(&v.vin), Ok(true), "{}", v.vin);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_customers() {
        let now = Utc::now();
        let today = now.date_naive();
        let a = customers(&mut ChaCha8Rng::seed_from_u64(1), 5, now, today);
        let b = customers(&mut ChaCha8Rng::seed_from_u64(1), 5, now, today);
        let names = |v: &[(CustomerInput, DateTime<Utc>)]| {
            v.iter()
                .map(|(c, _)| c.family_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
    }
}
