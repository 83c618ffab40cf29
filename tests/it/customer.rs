use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::customer::{self, CustomerError, CustomerUpdate, PiiField};

use crate::support::desk::customer_input;
use crate::support::{cli_actor, fresh, now, staff, today};

fn update_from_input() -> CustomerUpdate {
    let i = customer_input();
    CustomerUpdate {
        given_name: i.given_name,
        middle_name: i.middle_name,
        family_name: i.family_name,
        suffix: i.suffix,
        dob: None,
        ssn: None,
        licence_number: None,
        licence_state: None,
        phone: i.phone,
        email: i.email,
        employer: i.employer,
        job_title: i.job_title,
        monthly_income: i.monthly_income,
        address: i.address,
        previous_address: i.previous_address,
    }
}

async fn count(store: &dealerdesk_store::Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn a_customer_is_created_and_shown_with_pii_masked() {
    let f = fresh().await;
    let c = customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    assert_eq!(c.full_name, "Maria Elena Gonzalez");
    assert_eq!(c.ssn_masked, "•••-••-6789");
    assert_eq!(c.dob_masked, "••/••/1984");
    assert_eq!(c.age, 42);
    assert_eq!(c.licence_masked.as_deref(), Some("••••4567"));
    assert_eq!(c.phone, "2145550187", "stored as digits");
    assert_eq!(c.monthly_income, "6250.00");
    assert_eq!(c.addresses.len(), 2);
    assert!(c.addresses[0].current, "current address first");
    assert_eq!(c.addresses[0].months_at_address, 17);
    let json = serde_json::to_string(&c).expect("json");
    assert!(
        !json.contains("6789") || json.contains("•••-••-6789"),
        "only the masked SSN crosses IPC"
    );
    assert!(
        !json.contains("123456789") && !json.contains("123-45"),
        "never the full SSN"
    );
    assert!(
        !json.contains("1984-03-09") && !json.contains("D1234567"),
        "never the full DOB or licence"
    );
}

#[tokio::test]
async fn grep_of_the_database_file_finds_no_stored_pii() {
    let f = fresh().await;
    customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    let path = f.db_path();
    f.store.close().await;
    let db = std::fs::read(&path).expect("read db");
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap_or_default();
    let hay = [db, wal].concat();
    for needle in [
        "123456789",
        "123-45-6789",
        "1984-03-09",
        "03/09/1984",
        "D1234567",
    ] {
        assert!(
            !hay.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} must not appear in the database file"
        );
    }
    assert!(
        hay.windows(8).any(|w| w == b"Gonzalez"),
        "sanity: clear-text fields are in the file, so the search above was real"
    );
}

#[tokio::test]
async fn invalid_input_names_the_field_and_writes_nothing() {
    let f = fresh().await;
    type Mutation = Box<dyn Fn(&mut dealerdesk_services::customer::CustomerInput)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("family_name", Box::new(|c| c.family_name = "  ".into())),
        ("dob", Box::new(|c| c.dob = "02/30/1990".into())),
        ("dob", Box::new(|c| c.dob = "01/01/2015".into())),
        ("ssn", Box::new(|c| c.ssn = "666-12-3456".into())),
        ("phone", Box::new(|c| c.phone = "555-0187".into())),
        ("email", Box::new(|c| c.email = Some("maria@".into()))),
        (
            "monthly_income",
            Box::new(|c| c.monthly_income = "lots".into()),
        ),
        ("address.zip", Box::new(|c| c.address.zip = "7520".into())),
        ("address.state", Box::new(|c| c.address.state = "XX".into())),
        (
            "previous_address.since",
            Box::new(|c| {
                if let Some(p) = c.previous_address.as_mut() {
                    p.since = "2026-01-01".into();
                }
            }),
        ),
        ("licence_state", Box::new(|c| c.licence_state = None)),
    ];
    for (field, mutate) in cases {
        let mut input = customer_input();
        mutate(&mut input);
        let r = customer::create(&f.store, &cli_actor(), &input, now(), today()).await;
        match r {
            Err(CustomerError::Invalid {
                field: got,
                message,
            }) => {
                assert_eq!(got, field, "message was: {message}");
                assert!(!message.is_empty());
            }
            other => panic!("{field}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(
        count(&f.store, "SELECT COUNT(*) FROM customer").await,
        0,
        "nothing half-written"
    );
    assert_eq!(
        count(&f.store, "SELECT COUNT(*) FROM customer_address").await,
        0
    );
    assert_eq!(count(&f.store, "SELECT COUNT(*) FROM change_log").await, 0);
}

#[tokio::test]
async fn an_edit_keeps_pii_that_was_left_blank_and_journals_the_change() {
    let f = fresh().await;
    let c = customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    let mut u = update_from_input();
    u.family_name = "Gonzalez-Reyes".into();
    u.phone = "972-555-0142".into();
    u.previous_address = None;
    let after = customer::update(&f.store, &cli_actor(), &c.id, &u, now(), today())
        .await
        .expect("updated");
    assert_eq!(after.family_name, "Gonzalez-Reyes");
    assert_eq!(after.ssn_masked, "•••-••-6789", "SSN kept");
    assert_eq!(
        after.licence_masked.as_deref(),
        Some("••••4567"),
        "licence kept"
    );
    assert_eq!(after.addresses.len(), 1, "previous address removed");
    let ssn = customer::reveal_pii(&f.store, &cli_actor(), &c.id, PiiField::Ssn, now())
        .await
        .expect("reveal");
    assert_eq!(ssn, "123-45-6789", "the kept SSN still decrypts");
    let journal = count(
        &f.store,
        &format!(
            "SELECT COUNT(*) FROM change_log WHERE row_id = '{}' AND op = 'update'",
            c.id
        ),
    )
    .await;
    assert_eq!(journal, 1, "the edit is in the change journal for sync");
    let changed_seq: i64 = sqlx::query_scalar("SELECT change_seq FROM customer WHERE id = ?1")
        .bind(c.id.as_str())
        .fetch_one(f.store.pool())
        .await
        .expect("seq");
    let last_seq: i64 = count(
        &f.store,
        "SELECT MAX(seq) FROM change_log WHERE table_name = 'customer'",
    )
    .await;
    assert_eq!(
        changed_seq, last_seq,
        "the row carries its latest change sequence"
    );
}

#[tokio::test]
async fn an_edit_with_bad_input_changes_nothing() {
    let f = fresh().await;
    let c = customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    let mut u = update_from_input();
    u.family_name = "Changed".into();
    u.ssn = Some("000-00-0000".into());
    let r = customer::update(&f.store, &cli_actor(), &c.id, &u, now(), today()).await;
    assert!(
        matches!(r, Err(CustomerError::Invalid { ref field, .. }) if field == "ssn"),
        "{r:?}"
    );
    let name: String = sqlx::query_scalar("SELECT family_name FROM customer WHERE id = ?1")
        .bind(c.id.as_str())
        .fetch_one(f.store.pool())
        .await
        .expect("name");
    assert_eq!(name, "Gonzalez", "the bad edit left the row as it was");
}

#[tokio::test]
async fn only_finance_managers_and_admins_may_reveal_pii_and_every_attempt_is_audited() {
    let f = fresh().await;
    let c = customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let fi = Actor::Staff(staff(&f.store, "morgan", Role::FinanceManager).await);
    let r = customer::reveal_pii(&f.store, &sales, &c.id, PiiField::Ssn, now()).await;
    assert!(matches!(r, Err(CustomerError::Forbidden(_))), "{r:?}");
    let dob = customer::reveal_pii(&f.store, &fi, &c.id, PiiField::Dob, now())
        .await
        .expect("reveal");
    assert_eq!(dob, "03/09/1984");
    let lic = customer::reveal_pii(&f.store, &fi, &c.id, PiiField::LicenceNumber, now())
        .await
        .expect("reveal");
    assert_eq!(lic, "D1234567");
    let denied = count(&f.store, "SELECT COUNT(*) FROM audit_log WHERE action = 'customer.reveal_pii' AND outcome = 'denied' AND actor = 'staff:sam'").await;
    let allowed = count(&f.store, "SELECT COUNT(*) FROM audit_log WHERE action = 'customer.reveal_pii' AND outcome = 'success' AND actor = 'staff:morgan'").await;
    assert_eq!(
        (denied, allowed),
        (1, 2),
        "each reveal and refusal is recorded"
    );
    let detail: String = sqlx::query_scalar(
        "SELECT group_concat(detail) FROM audit_log WHERE action = 'customer.reveal_pii'",
    )
    .fetch_one(f.store.pool())
    .await
    .expect("details");
    assert!(
        !detail.contains("1984") && !detail.contains("D123"),
        "the audit log names the field, not the value"
    );
}

#[tokio::test]
async fn viewing_a_customer_is_recorded_as_a_read() {
    let f = fresh().await;
    let c = customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    customer::get(&f.store, &cli_actor(), &c.id, now(), today())
        .await
        .expect("view");
    let reads = count(&f.store, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'customer.view' AND subject = 'customer:{}'", c.id)).await;
    assert_eq!(reads, 1);
    let missing = customer::get(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::CustomerId::from("no-such-id"),
        now(),
        today(),
    )
    .await;
    assert!(
        matches!(missing, Err(CustomerError::NotFound(_))),
        "{missing:?}"
    );
}

#[tokio::test]
async fn search_finds_by_name_phone_email_and_ssn_last_four() {
    let f = fresh().await;
    let c = customer::create(&f.store, &cli_actor(), &customer_input(), now(), today())
        .await
        .expect("created");
    let mut other = customer_input();
    other.given_name = "Mario".into();
    other.middle_name = None;
    other.family_name = "Rossi".into();
    other.ssn = "234-56-7890".into();
    other.phone = "972-555-0100".into();
    other.email = Some("mario@example.net".into());
    customer::create(&f.store, &cli_actor(), &other, now(), today())
        .await
        .expect("created");
    for q in [
        "gonz",
        "Maria Gonzalez",
        "maria gonz",
        "(214) 555-01",
        "2145550187",
        "maria.gonzalez@example",
        "6789",
        "elena",
    ] {
        let found = customer::search(&f.store, q, 20).await.expect("search");
        assert_eq!(found.len(), 1, "query {q:?} finds exactly Maria: {found:?}");
        assert_eq!(found[0].id, c.id, "query {q:?}");
        assert_eq!(found[0].ssn_masked, "•••-••-6789");
    }
    let both = customer::search(&f.store, "mari", 20)
        .await
        .expect("search");
    assert_eq!(both.len(), 2, "prefix matches Maria and Mario");
    assert!(both[0].full_name < both[1].full_name, "sorted by name");
    assert!(
        customer::search(&f.store, "\"OR NEAR(", 20).await.is_ok(),
        "FTS syntax typed by a person is harmless"
    );
    assert!(customer::search(&f.store, "zzzz", 20)
        .await
        .expect("search")
        .is_empty());
    let page = customer::list(&f.store, 0, 1).await.expect("list");
    assert_eq!((page.total, page.items.len()), (2, 1), "paged");
}
