//! Remote signing of a contract through a `remote_signing` access link: the issuing rules (one
//! signable contract of this customer), the customer's ceremony in a real headless Chromium
//! (knowledge check → ESIGN disclosure and the PDF → consent → each buyer field with intent →
//! done), the countersignature and seal at the desk, and the refusals over plain HTTP.

use std::time::{Duration, Instant};

use dealerdesk_portal::LinkLimiter;
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::contract::sign::{self, SignInput};
use dealerdesk_services::contract::{self, RenderMode, SignatureMark, Signer};
use dealerdesk_services::deal::{self, DealInput, DealOptionInput, OptionTerms};
use dealerdesk_services::links::{self, LinkError, LinkPurpose, LinkState};
use dealerdesk_services::vehicle::{self, VehicleCondition, VehicleInput};
use dealerdesk_store::Store;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::desk::{customer_input, loan_terms, verified_customer};
use crate::support::links::issue_input;
use crate::support::web::{chromium, csrf_in, serve, start, Browser, Server};
use crate::support::{cli_actor, fresh, now, staff, Fixture};

struct Signing {
    f: Fixture,
    customer_id: dealerdesk_rules::ids::CustomerId,
    deal_id: String,
    document_id: dealerdesk_rules::ids::DocumentId,
    fiona: Actor,
}

/// A verified customer, a deal with a loan, and its contract printed as the original draft.
async fn signing_desk() -> Signing {
    let f = fresh().await;
    dealerdesk_services::settings::apply(
        &f.store,
        &cli_actor(),
        None,
        Some("Lakeside Motors"),
        now(),
    )
    .await
    .expect("dealership name");
    let customer_id = verified_customer(&f.store).await;
    let deal_id = deal_for(&f.store, customer_id.as_str(), "2T1BURHE0JC014702").await;
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let draft = contract::render_for_deal(
        &f.store,
        &fiona,
        &dealerdesk_rules::ids::DealId::from(deal_id.as_str()),
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("draft");
    Signing {
        f,
        customer_id,
        deal_id,
        document_id: draft.record.id,
        fiona,
    }
}

async fn deal_for(store: &Store, customer_id: &str, vin: &str) -> String {
    let v = vehicle::add_vehicle(
        store,
        &cli_actor(),
        &VehicleInput {
            vin: vin.into(),
            model_year: None,
            make: "Toyota".into(),
            model: "Corolla".into(),
            trim: Some("LE".into()),
            mileage: 41_250,
            price: "15,995.00".into(),
            condition: VehicleCondition::Used,
            status: None,
            acknowledge_check_digit: false,
        },
        now(),
    )
    .await
    .expect("vehicle");
    deal::save_deal(
        store,
        &cli_actor(),
        &DealInput {
            customer_id: dealerdesk_rules::ids::CustomerId::from(customer_id),
            vehicle_id: v.id,
            salesperson: None,
            status: None,
            notes: None,
            options: vec![DealOptionInput {
                label: Some("60 months".into()),
                selected: true,
                terms: OptionTerms::Loan(loan_terms()),
            }],
        },
        now(),
    )
    .await
    .expect("deal")
    .id
    .into_string()
}

/// A second verified customer (another person: a duplicate of Maria would need review).
async fn other_verified_customer(store: &Store) -> dealerdesk_rules::ids::CustomerId {
    use dealerdesk_services::identity::verification::{
        self, CheckInput, CheckOutcome, DocumentType,
    };
    let mut input = customer_input();
    input.given_name = "James".into();
    input.middle_name = None;
    input.family_name = "Okafor".into();
    input.ssn = "345-67-8912".into();
    input.licence_number = Some("D7654321".into());
    input.phone = "(214) 555-0142".into();
    input.email = Some("james.okafor@example.com".into());
    input.address.line1 = "12 Oak Lawn Ave".into();
    input.previous_address = None;
    let id = dealerdesk_services::customer::create(
        store,
        &cli_actor(),
        &input,
        now(),
        crate::support::today(),
    )
    .await
    .expect("customer")
    .id;
    let passport = CheckInput::ManualEntry {
        document_type: DocumentType::Passport,
        issuer: "USA".into(),
        number: "Y87654321".into(),
        expiry: "2031-01-31".into(),
        dob: Some("03/09/1984".into()),
        issued: None,
    };
    let v = verification::run_check(
        store,
        &cli_actor(),
        &id,
        &passport,
        now(),
        crate::support::today(),
    )
    .await
    .expect("check");
    assert_eq!(v.outcome, CheckOutcome::Verified, "{:#?}", v.rules);
    id
}

fn field_of(e: &LinkError) -> Option<&str> {
    e.field()
}

async fn buyer_field_ids(store: &Store, document_id: &str) -> Vec<String> {
    sign::signing_status(store, &dealerdesk_rules::ids::DocumentId::from(document_id))
        .await
        .expect("status")
        .fields
        .iter()
        .filter(|f| f.signer == Signer::Buyer)
        .map(|f| f.id.clone())
        .collect()
}

async fn post_form(
    s: &Server,
    cookie: &str,
    path: &str,
    form: Vec<(String, String)>,
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    s.post(path, cookie, &pairs).await
}

async fn count(store: &Store, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

/// The finance manager countersigns at the desk and seals; `verify` says signed.
async fn countersign_and_seal(d: &Signing) -> contract::RenderedDocument {
    let st = sign::signing_status(&d.f.store, &d.document_id)
        .await
        .expect("status");
    let next = st.next_field.expect("the dealer's field is left");
    assert_eq!(
        next.signer,
        Signer::Dealer,
        "only the dealer's field is left"
    );
    sign::sign_field(
        &d.f.store,
        &d.fiona,
        &d.document_id,
        &SignInput {
            field_id: next.id.clone(),
            signer_name: "Fiona Finance".into(),
            mark: SignatureMark::Typed {
                name: "Fiona Finance".into(),
            },
            intent_confirmed: true,
            device: "desk 2".into(),
        },
        now(),
    )
    .await
    .expect("countersigned");
    let sealed = sign::seal(&d.f.store, &d.fiona, &d.document_id, now())
        .await
        .expect("sealed");
    let v = contract::verify(&d.f.store, &sealed.pdf)
        .await
        .expect("verify");
    assert!(v.on_record && v.signed, "{v:?}");
    assert_eq!(
        v.document_id.as_ref().map(|i| i.as_str()),
        Some(sealed.record.id.as_str())
    );
    sealed
}

#[tokio::test]
async fn a_remote_signing_link_is_bound_to_one_signable_contract_of_the_customer() {
    let d = signing_desk().await;
    let store = &d.f.store;
    let sam = Actor::Staff(staff(store, "sam", Role::Sales).await);

    // Without a document: refused, for the plain issue call and an empty id alike.
    let e = links::issue(
        store,
        &sam,
        &issue_input(d.customer_id.as_str(), LinkPurpose::RemoteSigning),
        now(),
    )
    .await
    .expect_err("needs a document");
    assert_eq!(field_of(&e), Some("document_id"), "{e}");
    let e = links::issue_remote_signing(
        store,
        &sam,
        &d.customer_id,
        &dealerdesk_rules::ids::DocumentId::from(" "),
        None,
        now(),
    )
    .await
    .expect_err("needs a document");
    assert_eq!(field_of(&e), Some("document_id"), "{e}");
    let e = links::issue_remote_signing(
        store,
        &sam,
        &d.customer_id,
        &dealerdesk_rules::ids::DocumentId::from("nope"),
        None,
        now(),
    )
    .await
    .expect_err("no such document");
    assert_eq!(field_of(&e), Some("document_id"), "{e}");

    // Another (verified) customer cannot be sent this customer's contract.
    let other = other_verified_customer(store).await;
    let e = links::issue_remote_signing(store, &sam, &other, &d.document_id, None, now())
        .await
        .expect_err("another customer's contract");
    assert_eq!(field_of(&e), Some("document_id"), "{e}");
    assert!(e.to_string().contains("not this customer's"), "{e}");
    // … nor can a customer who does not exist, nor can a role that issues no links.
    let e = links::issue_remote_signing(
        store,
        &sam,
        &dealerdesk_rules::ids::CustomerId::from("nobody"),
        &d.document_id,
        None,
        now(),
    )
    .await
    .expect_err("no customer");
    assert!(matches!(e, LinkError::CustomerNotFound(_)), "{e}");
    let e = links::issue_remote_signing(
        store,
        &Actor::Customer(d.customer_id.to_string()),
        &d.customer_id,
        &d.document_id,
        None,
        now(),
    )
    .await
    .expect_err("a customer issues nothing");
    assert!(matches!(e, LinkError::Forbidden), "{e}");
    let e =
        links::issue_remote_signing(store, &sam, &d.customer_id, &d.document_id, Some(1), now())
            .await
            .expect_err("ttl");
    assert_eq!(field_of(&e), Some("ttl"), "{e}");
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM access_link WHERE purpose = ?1",
            "remote_signing"
        )
        .await,
        0,
        "nothing issued by a refusal"
    );

    // A deal jacket (a printed copy of the deal's documents) is not sent for signing.
    let jacket = contract::jacket::jacket_for_deal(
        store,
        &sam,
        &dealerdesk_rules::ids::DealId::from(d.deal_id.as_str()),
        now(),
    )
    .await
    .expect("jacket");
    let e =
        links::issue_remote_signing(store, &sam, &d.customer_id, &jacket.record.id, None, now())
            .await
            .expect_err("a jacket");
    assert_eq!(field_of(&e), Some("document_id"), "{e}");
    assert!(
        e.to_string()
            .contains("retail installment contract or a lease"),
        "{e}"
    );

    // The buyer's draft: issued, bound, audited; other purposes still issue unbound.
    let issued =
        links::issue_remote_signing(store, &sam, &d.customer_id, &d.document_id, None, now())
            .await
            .expect("issued");
    assert_eq!(issued.purpose, LinkPurpose::RemoteSigning);
    assert_eq!(issued.customer_id, d.customer_id);
    let bound: Option<String> =
        sqlx::query_scalar("SELECT document_id FROM access_link WHERE id = ?1")
            .bind(&issued.id)
            .fetch_one(store.pool())
            .await
            .expect("row");
    assert_eq!(bound.as_deref(), Some(d.document_id.as_str()));
    assert_eq!(
        links::remote::link_document(store, &sam, &issued.id)
            .await
            .expect("bound"),
        Some(d.document_id.to_string())
    );
    let plain = links::issue(
        store,
        &sam,
        &issue_input(d.customer_id.as_str(), LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("other purposes unchanged");
    let unbound: Option<String> =
        sqlx::query_scalar("SELECT document_id FROM access_link WHERE id = ?1")
            .bind(&plain.id)
            .fetch_one(store.pool())
            .await
            .expect("row");
    assert_eq!(unbound, None);
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'link.issue' AND subject = ?1",
            &format!("link:{}", issued.id)
        )
        .await,
        1
    );

    // Signed at the desk meanwhile: the signed copy and the voided draft are both refused.
    let buyer = dealerdesk_services::contract::sign::ConsentInput {
        signer: Signer::Buyer,
        signer_name: "Maria Elena Gonzalez".into(),
        device: "desk 2 tablet".into(),
        agreed: true,
        opened_pdf: true,
    };
    sign::esign_consent(store, &sam, &d.document_id, &buyer, now())
        .await
        .expect("consent");
    for id in buyer_field_ids(store, d.document_id.as_str()).await {
        sign::sign_field(
            store,
            &sam,
            &d.document_id,
            &SignInput {
                field_id: id,
                signer_name: "Maria Elena Gonzalez".into(),
                mark: SignatureMark::Typed {
                    name: "Maria Elena Gonzalez".into(),
                },
                intent_confirmed: true,
                device: "desk 2 tablet".into(),
            },
            now(),
        )
        .await
        .expect("signed");
    }
    let e = links::issue_remote_signing(store, &sam, &d.customer_id, &d.document_id, None, now())
        .await
        .expect_err("the buyer has signed everything");
    assert!(e.to_string().contains("already signed every field"), "{e}");
    let sealed = countersign_and_seal(&d).await;
    for id in [&d.document_id, &sealed.record.id] {
        let e = links::issue_remote_signing(store, &sam, &d.customer_id, id, None, now())
            .await
            .expect_err("signed or void");
        assert_eq!(field_of(&e), Some("document_id"), "{e}");
    }
    let _ = d.deal_id;
}

#[tokio::test]
async fn a_contract_with_a_co_buyer_is_signed_at_the_desk_not_remotely() {
    use dealerdesk_services::application::{
        self as app, ApplicationInput, EmploymentEntry, HousingStatus, Intent, ResidenceEntry,
    };
    let d = signing_desk().await;
    let store = &d.f.store;
    let co = other_verified_customer(store).await;
    app::create_application(
        store,
        &cli_actor(),
        &ApplicationInput {
            deal_id: d.deal_id.clone().into(),
            intent: Intent::Joint,
            co_applicant_id: Some(co.clone()),
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
            other_income: vec![],
            co_applicant_income: Some("3,100.00".into()),
            housing_status: HousingStatus::Rent,
            housing_payment: "1,400.00".into(),
            other_monthly_debts: "350.00".into(),
            references: vec![],
            credit_score: Some(742),
            lender_id: None,
        },
        now(),
    )
    .await
    .expect("joint application");
    let joint = contract::render_for_deal(
        store,
        &d.fiona,
        &dealerdesk_rules::ids::DealId::from(d.deal_id.as_str()),
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("joint contract");
    assert!(joint
        .record
        .fields
        .iter()
        .any(|f| f.signer == Signer::CoBuyer));
    let e = links::issue_remote_signing(
        store,
        &cli_actor(),
        &d.customer_id,
        &joint.record.id,
        None,
        now(),
    )
    .await
    .expect_err("a co-buyer's contract");
    assert_eq!(field_of(&e), Some("document_id"), "{e}");
    assert!(e.to_string().contains("co-buyer"), "{e}");
}

#[tokio::test]
async fn a_link_for_another_customers_deal_is_refused_even_with_a_deal_of_their_own() {
    let d = signing_desk().await;
    let store = &d.f.store;
    let other = other_verified_customer(store).await;
    let other_deal = deal_for(store, other.as_str(), "1HGCM82633A004352").await;
    let other_doc = contract::render_for_deal(
        store,
        &d.fiona,
        &dealerdesk_rules::ids::DealId::from(other_deal.as_str()),
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("their draft");
    // Each customer's own contract issues; the crossed pairs do not.
    for (cid, doc, ok) in [
        (&d.customer_id, &d.document_id, true),
        (&other, &other_doc.record.id, true),
        (&d.customer_id, &other_doc.record.id, false),
        (&other, &d.document_id, false),
    ] {
        let r = links::issue_remote_signing(store, &cli_actor(), cid, doc, None, now()).await;
        assert_eq!(r.is_ok(), ok, "{cid} {doc}: {r:?}");
    }
}

/// Fetches `path` with the browser's own cookies (the page's CSP allows no script fetches):
/// status, content type, disposition and the first 5 bytes.
fn fetch(b: &mut Browser, base: &str, path: &str) -> Value {
    let cookies = b.page("Network.getCookies", json!({ "urls": [base] }));
    let cookie = cookies["cookies"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    format!(
                        "{}={}",
                        c["name"].as_str().unwrap_or(""),
                        c["value"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let url = format!("{base}{path}");
    tokio::runtime::Handle::current().block_on(async move {
        let r = reqwest::Client::new()
            .get(url)
            .header("cookie", cookie)
            .header("user-agent", "HeadlessChrome")
            .send()
            .await
            .expect("GET the PDF");
        let header = |n: &str| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let (status, kind, disposition) = (
            r.status().as_u16(),
            header("content-type"),
            header("content-disposition"),
        );
        let bytes = r.bytes().await.expect("body");
        json!({
            "status": status,
            "type": kind,
            "disposition": disposition,
            "head": String::from_utf8_lossy(&bytes[..bytes.len().min(5)]),
            "len": bytes.len(),
        })
    })
}

/// Runs `js` (which submits a form) and waits for a page at `path` whose text has `expect`.
fn submit_and_wait(b: &mut Browser, js: &str, path: &str, expect: &str) -> String {
    b.eval(js);
    let start = Instant::now();
    loop {
        let text = b.wait_for(path);
        if text.contains(expect) {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waiting for {expect:?} at {path}: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_signs_remotely_in_chromium_and_the_desk_countersigns_and_seals() {
    let exe =
        chromium().expect("Chromium is not installed: run scripts/setup (apt install chromium)");
    let d = signing_desk().await;
    let store = d.f.store.clone();
    let issued = links::issue_remote_signing(
        &store,
        &cli_actor(),
        &d.customer_id,
        &d.document_id,
        None,
        now(),
    )
    .await
    .expect("issued");
    let token = links::token_from(&issued.url).expect("token").to_string();
    let fields = buyer_field_ids(&store, d.document_id.as_str()).await;
    assert!(fields.len() >= 2, "{fields:?}");
    let (base, _stop) = serve(&store).await;
    let dir = d.f.dir.path().to_path_buf();
    let n = fields.len();

    let run = tokio::task::spawn_blocking(move || {
        let mut b = Browser::launch(&exe, &dir);
        b.navigate(&format!("{base}/l/{token}"));
        let text = b.wait_for("/verify");
        assert!(text.contains("review and sign your documents"), "{text}");
        assert!(!text.contains("Maria"), "nothing personal before the check");
        b.fill_and_click(
            &[("dob", "03/09/1984"), ("zip", "75201")],
            "button[type=submit]",
        );
        let text = b.wait_for("/portal");
        assert!(
            text.contains("Consent to electronic records and signatures"),
            "{text}"
        );
        assert!(
            text.contains(
                "you have the right to receive this contract and its disclosures on paper"
            ),
            "the ESIGN disclosure: {text}"
        );
        assert!(text.contains("Maria Elena Gonzalez"), "{text}");
        assert_eq!(b.eval("document.scripts.length"), json!(0), "no JavaScript");
        let weight = b.eval("document.documentElement.outerHTML.length");
        assert!(weight.as_u64().unwrap_or(u64::MAX) < 100 * 1024);
        // Accessible: every input has a label.
        assert_eq!(
            b.eval("[...document.querySelectorAll('input:not([type=hidden])')].every(i => i.labels && i.labels.length > 0)"),
            json!(true)
        );

        // The PDF link works: a PDF, inline; the download is an attachment.
        let href = b.eval("document.querySelector('a[href$=\".pdf\"]').getAttribute('href')");
        let pdf = fetch(&mut b, &base, href.as_str().expect("pdf link"));
        assert_eq!(pdf["status"], json!(200), "{pdf}");
        assert_eq!(pdf["type"], json!("application/pdf"), "{pdf}");
        assert_eq!(pdf["head"], json!("%PDF-"), "{pdf}");
        assert!(
            pdf["disposition"]
                .as_str()
                .unwrap_or("")
                .starts_with("inline; filename=\"contract-"),
            "{pdf}"
        );
        let dl = fetch(&mut b, &base, "/portal/contract/download");
        assert!(
            dl["disposition"]
                .as_str()
                .unwrap_or("")
                .starts_with("attachment;"),
            "{dl}"
        );

        // "I agree" without the PDF box: the error is next to that box, nothing recorded.
        let text = submit_and_wait(
            &mut b,
            "document.getElementById('agreed').checked = true; document.querySelector('button[type=submit]').click(); true",
            "/portal/consent",
            "open the contract PDF first",
        );
        assert!(text.contains("Consent to electronic records"), "{text}");
        assert_eq!(
            b.eval("document.querySelector('.error').nextElementSibling.getAttribute('for')"),
            json!("opened_pdf")
        );
        submit_and_wait(
            &mut b,
            "document.getElementById('opened_pdf').checked = true; document.getElementById('agreed').checked = true; document.querySelector('button[type=submit]').click(); true",
            "/portal",
            &format!("Sign 1 of {n}"),
        );

        // Each buyer field in order, with intent; the first try forgets the intent box.
        let text = submit_and_wait(
            &mut b,
            "document.getElementById('mark').value = 'MEG'; document.querySelector('button[type=submit]').click(); true",
            "/portal/sign",
            "confirm that you intend to sign here",
        );
        assert!(text.contains(&format!("Sign 1 of {n}")), "{text}");
        for i in 1..=n {
            let mark = if i == n {
                "Maria Elena Gonzalez"
            } else {
                "MEG"
            };
            let expect = if i == n {
                "Thank you, you have signed".to_string()
            } else {
                format!("Sign {} of {n}", i + 1)
            };
            let path = if i == n { "/portal/sign" } else { "/portal" };
            let text = submit_and_wait(
                &mut b,
                &format!(
                    "document.getElementById('mark').value = {}; document.getElementById('intent').checked = true; document.querySelector('button[type=submit]').click(); true",
                    json!(mark)
                ),
                path,
                &expect,
            );
            if i == n {
                assert!(text.contains("will countersign"), "{text}");
            } else {
                assert!(text.contains("I intend to sign this contract"), "{text}");
            }
        }

        // The session has ended and the link is used: the generic page.
        b.navigate(&format!("{base}/portal"));
        let text = b.wait_for("/portal");
        assert!(text.contains("This link cannot be used"), "{text}");
        b.navigate(&format!("{base}/l/{token}"));
        let text = b.wait_for(&format!("/l/{token}"));
        assert!(text.contains("This link cannot be used"), "{text}");
    });
    tokio::time::timeout(Duration::from_secs(150), run)
        .await
        .expect("the remote ceremony finishes within 150 s")
        .expect("remote ceremony");

    // The events record the remote device and the method; the customer is the actor.
    let st = sign::signing_status(&store, &d.document_id)
        .await
        .expect("status");
    let consent = st
        .events
        .iter()
        .find(|e| e.kind == "consent")
        .expect("consent");
    assert!(
        consent
            .device
            .starts_with("remote link from 127.0.0.1, HeadlessChrome"),
        "{consent:?}"
    );
    assert_eq!(consent.actor, format!("customer:{}", d.customer_id));
    let signs: Vec<_> = st.events.iter().filter(|e| e.kind == "sign").collect();
    assert_eq!(signs.len(), n);
    for (e, id) in signs.iter().zip(&fields) {
        assert_eq!(e.field_id.as_deref(), Some(id.as_str()));
        assert_eq!(e.method, "typed");
        assert_eq!(e.signer, Some(Signer::Buyer));
        assert_eq!(e.signer_name, "Maria Elena Gonzalez");
        assert!(e.device.contains("HeadlessChrome"), "{e:?}");
        assert_eq!(e.actor, format!("customer:{}", d.customer_id));
    }
    assert_eq!(
        links::get(&store, &issued.id, now())
            .await
            .expect("link")
            .state,
        LinkState::Redeemed
    );
    for action in [
        "link.redeem",
        "portal.contract_view",
        "contract.consent",
        "contract.sign",
        "portal.remote_signing_done",
    ] {
        assert!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE action = ?1",
                action
            )
            .await
                >= 1,
            "{action} audited"
        );
    }

    // At the desk: the finance manager countersigns and seals; verify says signed.
    let sealed = countersign_and_seal(&d).await;
    assert!(sealed.record.signed_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_over_http_intent_order_csrf_and_a_used_link() {
    let d = signing_desk().await;
    let store = &d.f.store;
    let issued = links::issue_remote_signing(
        store,
        &cli_actor(),
        &d.customer_id,
        &d.document_id,
        None,
        now(),
    )
    .await
    .expect("issued");
    let token = links::token_from(&issued.url).expect("token").to_string();
    let fields = buyer_field_ids(store, d.document_id.as_str()).await;
    let s = start(store, LinkLimiter::default()).await;
    let generic = s
        .get(&format!("/l/{}", links::generate_token()), None)
        .await
        .text()
        .await
        .expect("generic page");
    let cookie = s.redeem(&token).await;
    let events = || async {
        sign::signing_status(store, &d.document_id)
            .await
            .expect("status")
            .events
            .len()
    };

    let page = s.get("/portal", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.expect("body");
    assert!(body.contains("CONSENT TO ELECTRONIC RECORDS AND SIGNATURES"));
    assert!(
        !body.contains("<script") && !body.contains("style="),
        "{body}"
    );
    let csrf = csrf_in(&body);

    // The PDF: right type, inline and attachment dispositions, the working document's bytes.
    let r = s.get("/portal/contract.pdf", Some(&cookie)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .starts_with("inline; filename="));
    let bytes = r.bytes().await.expect("pdf");
    assert!(bytes.starts_with(b"%PDF"));
    assert_eq!(
        bytes.as_ref(),
        sign::working_pdf(store, &d.document_id)
            .await
            .expect("working")
            .as_slice()
    );
    assert!(s.get("/portal/contract.pdf", None).await.status() == StatusCode::NOT_FOUND);

    // A CSRF-less consent, and signing before consent: refused, nothing recorded.
    let consent = [("opened_pdf", "yes"), ("agreed", "yes")];
    let r = s.post("/portal/consent", &cookie, &consent).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let sign_form = |field: &str, intent: bool, with_csrf: bool| {
        let mut f = vec![
            ("field_id".to_string(), field.to_string()),
            ("mark".to_string(), "MEG".to_string()),
        ];
        if intent {
            f.push(("intent".into(), "yes".into()));
        }
        if with_csrf {
            f.push(("csrf".into(), csrf.clone()));
        }
        f
    };
    let post = |path: &'static str, form: Vec<(String, String)>| post_form(&s, &cookie, path, form);
    let r = post("/portal/sign", sign_form(&fields[0], true, true)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("must consent"));
    assert_eq!(events().await, 0);
    let r = s
        .post(
            "/portal/consent",
            &cookie,
            &[("csrf", csrf.as_str()), ("agreed", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("open the contract PDF first"));
    assert_eq!(events().await, 0);
    let r = s
        .post(
            "/portal/consent",
            &cookie,
            &[
                ("csrf", csrf.as_str()),
                ("opened_pdf", "yes"),
                ("agreed", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(events().await, 1);

    // Without the intent box, out of order, the dealer's field, without CSRF: all refused.
    let r = post("/portal/sign", sign_form(&fields[0], false, true)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("confirm that you intend to sign here"));
    let r = post("/portal/sign", sign_form(&fields[1], true, true)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("in order"));
    let r = post("/portal/sign", sign_form("dealer-sign", true, true)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post("/portal/sign", sign_form(&fields[0], true, false)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .client
        .post(format!("{}/portal/sign", s.base))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .form(&sign_form(&fields[0], true, true))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a cross-origin post");
    assert_eq!(events().await, 1, "nothing signed by a refusal");
    let r = post("/portal/sign", sign_form(&fields[0], true, true)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(events().await, 2, "consent and the first field only");
    let refusals: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'portal.remote_signing_refused' ORDER BY seq",
    )
    .fetch_all(store.pool())
    .await
    .expect("audit");
    for step in [
        "consent: csrf",
        "sign: signer",
        "consent: opened_pdf",
        "sign: intent_confirmed",
        "sign: field_id",
        "sign: csrf",
    ] {
        assert!(
            refusals.iter().any(|r| r.starts_with(step)),
            "{step} audited: {refusals:#?}"
        );
    }

    // The rest in order; the last ends the session; the link is used: the generic page.
    for (i, f) in fields.iter().enumerate().skip(1) {
        let r = post("/portal/sign", sign_form(f, true, true)).await;
        if i + 1 == fields.len() {
            assert_eq!(r.status(), StatusCode::OK);
            assert!(r.text().await.expect("body").contains("will countersign"));
        } else {
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
    let r = s.get("/portal", Some(&cookie)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.text().await.expect("body"), generic);
    let r = post("/portal/sign", sign_form("dealer-sign", true, true)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = s.get(&format!("/l/{token}"), None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.text().await.expect("body"), generic);
    assert_eq!(events().await, 1 + fields.len());
    countersign_and_seal(&d).await;
}

#[tokio::test]
async fn the_cli_issues_a_remote_signing_link_for_a_contract() {
    use crate::support::{code, json};
    let d = signing_desk().await;
    let db = d.f.db_path();
    d.f.store.close().await;
    let dd = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env_remove("DEALERDESK_DB")
            .env_remove("DEALERDESK_KEY_FILE")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run dealerdesk")
    };
    let base = [
        "link",
        "issue",
        "--customer",
        d.customer_id.as_str(),
        "--purpose",
        "remote_signing",
    ];
    let o = dd(&[&base[..], &["--json"]].concat());
    assert_ne!(code(&o), 0, "a remote signing link needs --document");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(said.contains("choose the contract"), "{said}");
    let o = dd(&[&base[..], &["--document", "nope", "--json"]].concat());
    assert_ne!(code(&o), 0);
    let o = dd(&[
        "link",
        "issue",
        "--customer",
        d.customer_id.as_str(),
        "--purpose",
        "confirm_contact",
        "--document",
        d.document_id.as_str(),
    ]);
    assert_ne!(code(&o), 0, "--document only for remote_signing");
    let o = dd(&[&base[..], &["--document", d.document_id.as_str(), "--json"]].concat());
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let issued = json(&o);
    assert_eq!(issued["purpose"], "remote_signing");
    assert!(issued["url"].as_str().expect("url").contains("/l/"));
}
