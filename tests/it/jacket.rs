//! The signed credit application and the deal jacket, checked from the outside: every figure of
//! the application and the exact consent text read back from the PDF; the application signed
//! through the same ceremony as a contract and verified; the jacket holding the contract, the
//! application and their certificates, stamped COPY and recorded as a copy; the same input
//! giving the same bytes; bad input refused with typed errors and nothing stored; the table
//! rebuild keeping signed contracts of an older database.

use chrono::Duration;
use dealerdesk_rules::money::Money;
use dealerdesk_services::application::{
    self as app, ApplicationInput, ConsentInput as CreditConsent, EmploymentEntry, HousingStatus,
    Intent, OtherIncome, Reference, ResidenceEntry, CONSENT_TEXTS,
};
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::contract::sign::{
    self, ConsentInput, SignInput, APPLICATION_INTENT_STATEMENT, ESIGN_APPLICATION_DISCLOSURE,
    ESIGN_APPLICATION_DISCLOSURE_VERSION,
};
use dealerdesk_services::contract::{
    self, application_doc, jacket, ContractError, DocumentStatus, RenderMode, SignatureMark, Signer,
};
use dealerdesk_services::customer;
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::Store;

use crate::support::desk::{customer_input, decide, ready, Desk, TEST_CSV};
use crate::support::pdf::{layout_text, line_with, pages_of, pdftotext, signature_png, squeezed};
use crate::support::{cli_actor, code, count, dd, json, now, raw_sql, staff, today};

fn money(s: &str) -> String {
    Money::parse_user(s).expect("money").to_string()
}

fn application_input(deal_id: &str, co: Option<String>) -> ApplicationInput {
    let joint = co.is_some();
    ApplicationInput {
        deal_id: deal_id.into(),
        intent: if joint {
            Intent::Joint
        } else {
            Intent::Individual
        },
        co_applicant_id: co.map(dealerdesk_rules::ids::CustomerId::from),
        residences: vec![
            ResidenceEntry {
                address: "4821 Lakeview Dr Apt 12, Dallas TX 75201".into(),
                since: "2025-06-01".into(),
            },
            ResidenceEntry {
                address: "77 Elm St, Plano TX 75023".into(),
                since: "02/01/2019".into(),
            },
        ],
        employment: vec![
            EmploymentEntry {
                employer: "Parkland Health".into(),
                title: Some("Registered Nurse".into()),
                since: "2020-01-15".into(),
            },
            EmploymentEntry {
                employer: "Baylor Scott & White".into(),
                title: None,
                since: "2016-08-01".into(),
            },
        ],
        gross_monthly_income: "6,250.00".into(),
        other_income: vec![OtherIncome {
            source: "Weekend clinic shifts".into(),
            amount: "412.50".into(),
        }],
        co_applicant_income: if joint { Some("3,100.00".into()) } else { None },
        housing_status: HousingStatus::Rent,
        housing_payment: "1,400.00".into(),
        other_monthly_debts: "350.00".into(),
        references: vec![
            Reference {
                name: "Ana Ruiz".into(),
                phone: "(214) 555-0142".into(),
                relation: "sister".into(),
            },
            Reference {
                name: "Tom Becker".into(),
                phone: "(972) 555-0108".into(),
                relation: "coworker".into(),
            },
        ],
        credit_score: Some(742),
        lender_id: None,
    }
}

async fn spouse(d: &Desk) -> dealerdesk_rules::ids::CustomerId {
    let mut s = customer_input();
    s.given_name = "Luis".into();
    s.middle_name = None;
    s.dob = "11/23/1981".into();
    s.ssn = "345-67-8901".into();
    s.phone = "(214) 555-0199".into();
    s.email = Some("luis@example.com".into());
    customer::create(&d.f.store, &cli_actor(), &s, now(), today())
        .await
        .expect("spouse")
        .id
}

/// A deal with an application (joint when `joint`), consent recorded unless `consent` is false.
async fn with_application(
    joint: bool,
    consent: bool,
) -> (Desk, dealerdesk_rules::ids::ApplicationId) {
    let d = Desk::contract().build().await;
    let co = if joint { Some(spouse(&d).await) } else { None };
    let a = app::create_application(
        &d.f.store,
        &cli_actor(),
        &application_input(d.deal().id.as_str(), co.map(String::from)),
        now(),
    )
    .await
    .expect("application");
    if consent {
        app::record_consent(
            &d.f.store,
            &cli_actor(),
            &a.id,
            &CreditConsent {
                text_version: CONSENT_TEXTS[0].0.into(),
                applicant: true,
                co_applicant: joint,
            },
            now(),
        )
        .await
        .expect("consent");
    }
    (d, a.id)
}

#[tokio::test]
async fn the_credit_application_prints_every_figure_and_the_exact_consent_text() {
    let (d, app_id) = with_application(true, true).await;
    let started = std::time::Instant::now();
    let doc = application_doc::render_for_application(
        &d.f.store,
        &cli_actor(),
        &app_id,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("rendered");
    eprintln!(
        "credit application: {} pages, {} bytes, {:?} (render + store)",
        doc.record.page_count,
        doc.pdf.len(),
        started.elapsed()
    );
    assert_eq!(doc.record.kind, "credit_application");
    assert_eq!(
        doc.record.application_id.as_ref().map(|i| i.as_str()),
        Some(app_id.as_str())
    );
    assert_eq!(doc.record.option_id, None);
    assert!(doc.record.authoritative);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("application.pdf");
    std::fs::write(&file, &doc.pdf).expect("write");
    let pages = pages_of(&file);
    assert_eq!(pages, doc.record.page_count);
    let text = pdftotext(&file, &[]);
    let flat = squeezed(&text);
    for needle in [
        "CREDIT APPLICATION",
        "Joint credit",
        "We intend to apply for joint credit.",
        "Maria Elena Gonzalez",
        "Luis Gonzalez",
        // masked: SSN last four only, date of birth year only
        "•••-••-6789",
        "•••-••-8901",
        "••/••/1984",
        "••/••/1981",
        "(214) 555-0187",
        "maria.gonzalez@example.com",
        "4821 Lakeview Dr, Apt 12, Dallas, TX 75201",
        "4821 Lakeview Dr Apt 12, Dallas TX 75201 since 06/01/2025",
        "77 Elm St, Plano TX 75023 since 02/01/2019",
        "Parkland Health, Registered Nurse since 01/15/2020",
        "Baylor Scott & White since 08/01/2016",
        "Housing Rent",
        "Ana Ruiz (sister) (214) 555-0142",
        "Tom Becker (coworker) (972) 555-0108",
        "2T1BURHE0JC014702",
        "Retail installment sale, option 1 (60 months)",
    ] {
        assert!(flat.contains(needle), "{needle:?} in\n{text}");
    }
    assert!(!flat.contains("123-45-6789") && !flat.contains("123456789"));
    assert!(
        !flat.contains("03/09/1984"),
        "the full date of birth is not printed"
    );
    for (label, figure) in [
        ("Applicant's gross monthly income", "6250.00"),
        ("Other income: Weekend clinic shifts", "412.50"),
        ("Co-applicant's gross monthly income", "3100.00"),
        ("Total monthly income", "9762.50"),
        ("Monthly rent or mortgage payment", "1400.00"),
        ("Other monthly debt payments", "350.00"),
        ("Cash price of the vehicle", "15995.00"),
        ("Optional products", "995.00"),
        ("Taxes and official fees", "1149.69"),
        ("Documentary and dealer fees", "150.00"),
        ("Cash down payment", "2000.00"),
        ("Trade-in allowance", "4000.00"),
        ("Payoff owed on the trade-in", "5500.00"),
        ("Contract rate", "7.49 %"),
        ("Term", "60 months"),
    ] {
        let shown = if figure.contains(' ') {
            figure.to_string()
        } else {
            money(figure)
        };
        line_with(&text, label, &shown);
    }
    let opt = d
        .deal()
        .options
        .iter()
        .find(|o| o.selected)
        .expect("selected");
    line_with(
        &text,
        "Amount financed",
        &money(opt.amount_financed.as_deref().expect("loan")),
    );
    line_with(&text, "Monthly payment", &money(&opt.monthly_payment));
    line_with(
        &text,
        "Annual percentage rate",
        &format!("{} %", opt.apr.as_deref().expect("apr")),
    );
    // The consent: the exact text, its version, who captured it and when.
    assert!(
        flat.contains(&squeezed(CONSENT_TEXTS[0].1)),
        "the exact consent text in\n{text}"
    );
    let recorded = app::get_application(&d.f.store, &cli_actor(), &app_id, now())
        .await
        .expect("application")
        .consent
        .expect("consent");
    assert!(
        flat.contains(&format!(
            "Consent given by the applicant and the co-applicant, recorded {} by {} (text \
version {}, SHA-256 {})",
            now().format("%m/%d/%Y %H:%M UTC"),
            recorded.captured_by,
            CONSENT_TEXTS[0].0,
            sha256_hex(CONSENT_TEXTS[0].1.as_bytes())
        )),
        "{text}"
    );
    let ids: Vec<&str> = doc.record.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["applicant-sign", "co_applicant-sign"]);
    assert_eq!(
        count(
            &d.f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.render'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_credit_application_is_signed_through_the_contract_ceremony_and_verifies() {
    let (d, app_id) = with_application(true, true).await;
    let fiona = Actor::Staff(staff(&d.f.store, "fiona", Role::FinanceManager).await);
    let draft = application_doc::render_for_application(
        &d.f.store,
        &fiona,
        &app_id,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("draft");
    let id = draft.record.id.clone();
    let at = |m: i64| now() + Duration::minutes(m);
    for (signer, name) in [
        (Signer::Buyer, "Maria Elena Gonzalez"),
        (Signer::CoBuyer, "Luis Gonzalez"),
    ] {
        sign::esign_consent(
            &d.f.store,
            &fiona,
            &id,
            &ConsentInput {
                signer,
                signer_name: name.into(),
                device: "desk 2 tablet".into(),
                agreed: true,
                opened_pdf: true,
            },
            at(1),
        )
        .await
        .expect("consent");
    }
    let e = sign::esign_consent(
        &d.f.store,
        &fiona,
        &id,
        &ConsentInput {
            signer: Signer::Dealer,
            signer_name: "x".into(),
            device: "d".into(),
            agreed: true,
            opened_pdf: true,
        },
        at(1),
    )
    .await
    .expect_err("no dealer consent");
    assert_eq!(e.field(), Some("signer"));
    let st = sign::signing_status(&d.f.store, &id).await.expect("status");
    assert_eq!(st.kind, "credit_application");
    assert_eq!(st.intent, APPLICATION_INTENT_STATEMENT);
    assert_eq!(
        st.next_field.as_ref().map(|f| f.id.as_str()),
        Some("applicant-sign")
    );
    let sign_as = |field: &str, name: &str| SignInput {
        field_id: field.into(),
        signer_name: name.into(),
        mark: SignatureMark::Typed { name: name.into() },
        intent_confirmed: true,
        device: "desk 2 tablet".into(),
    };
    let e = sign::sign_field(
        &d.f.store,
        &fiona,
        &id,
        &sign_as("co_applicant-sign", "Luis Gonzalez"),
        at(2),
    )
    .await
    .expect_err("in order");
    assert_eq!(e.field(), Some("field_id"));
    sign::sign_field(
        &d.f.store,
        &fiona,
        &id,
        &sign_as("applicant-sign", "Maria Elena Gonzalez"),
        at(2),
    )
    .await
    .expect("applicant signs");
    let st = sign::sign_field(
        &d.f.store,
        &fiona,
        &id,
        &SignInput {
            mark: SignatureMark::Drawn {
                png: signature_png(),
            },
            ..sign_as("co_applicant-sign", "Luis Gonzalez")
        },
        at(3),
    )
    .await
    .expect("co-applicant signs");
    assert!(st.next_field.is_none());
    let stored_intent: String = sqlx::query_scalar(
        "SELECT statement FROM contract_signing_event WHERE document_id = ?1 AND kind = 'sign' LIMIT 1",
    )
    .bind(id.as_str())
    .fetch_one(d.f.store.pool())
    .await
    .expect("intent");
    assert_eq!(stored_intent, APPLICATION_INTENT_STATEMENT);
    // consent was to the disclosure worded for a credit application, by its version and hash
    let (version, hash): (String, String) = sqlx::query_as(
        "SELECT statement, statement_sha256 FROM contract_signing_event WHERE document_id = ?1 AND kind = 'consent' LIMIT 1",
    )
    .bind(id.as_str())
    .fetch_one(d.f.store.pool())
    .await
    .expect("consent");
    assert_eq!(version, ESIGN_APPLICATION_DISCLOSURE_VERSION);
    assert_eq!(
        hash,
        dealerdesk_store::crypto::sha256_hex(ESIGN_APPLICATION_DISCLOSURE.as_bytes())
    );
    assert!(!ESIGN_APPLICATION_DISCLOSURE.contains("contract"));
    let sealed = sign::seal(&d.f.store, &fiona, &id, at(4))
        .await
        .expect("sealed");
    assert_eq!(sealed.record.status, DocumentStatus::Signed);
    assert_eq!(sealed.record.kind, "credit_application");
    assert_eq!(
        sealed.record.application_id.as_ref().map(|i| i.as_str()),
        Some(app_id.as_str())
    );
    assert_eq!(sealed.record.page_count, draft.record.page_count + 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let text = squeezed(&layout_text(dir.path(), "sealed.pdf", &sealed.pdf));
    assert!(text.contains("CERTIFICATE OF COMPLETION"));
    assert!(text.contains("Credit application no. "));
    assert!(text.contains(ESIGN_APPLICATION_DISCLOSURE_VERSION));
    assert!(
        text.contains(
            "Consent to electronic records and signatures — Luis Gonzalez (co-applicant)"
        ),
        "{text}"
    );
    assert!(text.contains("Signature — Maria Elena Gonzalez (applicant)"));
    assert!(text.contains(&draft.record.sha256));

    let v = contract::verify(&d.f.store, &sealed.pdf).await.expect("v");
    assert!(v.on_record && v.signed);
    assert_eq!(
        v.document_id.as_ref().map(|i| i.as_str()),
        Some(sealed.record.id.as_str())
    );
    let mut bad = sealed.pdf.clone();
    bad[200] ^= 0x01;
    let v = contract::verify(&d.f.store, &bad).await.expect("v");
    assert!(!v.on_record && !v.signed && v.document_id.is_none());

    // A signed application is not printed again as an original; a copy keeps the certificate.
    let e = application_doc::render_for_application(
        &d.f.store,
        &fiona,
        &app_id,
        RenderMode::Original,
        at(5),
    )
    .await
    .expect_err("signed");
    assert!(matches!(e, ContractError::AlreadySigned { .. }), "{e}");
    let copy = sign::copy_of(&d.f.store, &cli_actor(), &sealed.record.id, at(6))
        .await
        .expect("copy");
    assert!(!copy.record.authoritative);
    assert_eq!(copy.record.kind, "credit_application");
    let ct = squeezed(&layout_text(dir.path(), "copy.pdf", &copy.pdf));
    assert!(ct.contains("COPY") && ct.contains("CERTIFICATE OF COMPLETION"));
    let v = contract::verify(&d.f.store, &copy.pdf).await.expect("v");
    assert!(v.on_record && !v.signed);
    // The application's document does not disturb the deal's contract, nor the reverse.
    let c = contract::render_for_deal(
        &d.f.store,
        &fiona,
        &d.deal().id,
        None,
        RenderMode::Original,
        at(7),
    )
    .await
    .expect("contract beside the signed application");
    assert!(c.record.authoritative);
    let still = contract::get_document(&d.f.store, &sealed.record.id)
        .await
        .expect("sealed");
    assert!(still.authoritative && still.status == DocumentStatus::Signed);
    let chain = dealerdesk_store::audit::verify(&d.f.store)
        .await
        .expect("chain");
    assert!(chain.first_broken_seq.is_none());
}

/// Signs and seals the deal's contract (buyer, dealer) and returns the sealed record.
async fn sealed_contract(d: &Desk, fiona: &Actor) -> contract::RenderedDocument {
    let draft = contract::render_for_deal(
        &d.f.store,
        fiona,
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("draft");
    let id = draft.record.id.clone();
    sign::esign_consent(
        &d.f.store,
        fiona,
        &id,
        &ConsentInput {
            signer: Signer::Buyer,
            signer_name: "Maria Elena Gonzalez".into(),
            device: "desk".into(),
            agreed: true,
            opened_pdf: true,
        },
        now(),
    )
    .await
    .expect("consent");
    for f in draft.record.fields.iter() {
        let name = if f.signer == Signer::Dealer {
            "Test fiona"
        } else {
            "Maria Elena Gonzalez"
        };
        sign::sign_field(
            &d.f.store,
            fiona,
            &id,
            &SignInput {
                field_id: f.id.clone(),
                signer_name: name.into(),
                mark: SignatureMark::Typed { name: name.into() },
                intent_confirmed: true,
                device: "desk".into(),
            },
            now(),
        )
        .await
        .expect("signed");
    }
    sign::seal(&d.f.store, fiona, &id, now())
        .await
        .expect("sealed")
}

#[tokio::test]
async fn the_jacket_holds_the_contract_the_application_and_their_certificates_stamped_copy() {
    let (d, app_id) = with_application(false, true).await;
    let fiona = Actor::Staff(staff(&d.f.store, "fiona", Role::FinanceManager).await);
    let sam = Actor::Staff(staff(&d.f.store, "sam", Role::Sales).await);
    let contract = sealed_contract(&d, &fiona).await;
    let app_doc = application_doc::render_for_application(
        &d.f.store,
        &fiona,
        &app_id,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("application");
    let adoc = app_doc.record.id.clone();
    sign::esign_consent(
        &d.f.store,
        &fiona,
        &adoc,
        &ConsentInput {
            signer: Signer::Buyer,
            signer_name: "Maria Elena Gonzalez".into(),
            device: "desk".into(),
            agreed: true,
            opened_pdf: true,
        },
        now(),
    )
    .await
    .expect("consent");
    sign::sign_field(
        &d.f.store,
        &fiona,
        &adoc,
        &SignInput {
            field_id: "applicant-sign".into(),
            signer_name: "Maria Elena Gonzalez".into(),
            mark: SignatureMark::Typed {
                name: "Maria Elena Gonzalez".into(),
            },
            intent_confirmed: true,
            device: "desk".into(),
        },
        now(),
    )
    .await
    .expect("signed");
    let app_sealed = sign::seal(&d.f.store, &fiona, &adoc, now())
        .await
        .expect("sealed");

    let started = std::time::Instant::now();
    let j = jacket::jacket_for_deal(&d.f.store, &sam, &d.deal().id, now())
        .await
        .expect("a salesperson prints the jacket");
    eprintln!(
        "deal jacket: {} pages, {} bytes, {:?} (gather + assemble + store)",
        j.record.page_count,
        j.pdf.len(),
        started.elapsed()
    );
    assert_eq!(j.record.kind, "deal_jacket");
    assert!(!j.record.authoritative);
    assert!(j.missing.is_empty(), "{:?}", j.missing);
    assert_eq!(j.parts.len(), 2);
    assert_eq!(
        j.parts[0].source_id.as_deref(),
        Some(contract.record.id.as_str())
    );
    assert_eq!(
        j.parts[0].source_sha256.as_deref(),
        Some(contract.record.sha256.as_str())
    );
    assert!(j.parts[0].signed && j.parts[1].signed);
    assert_eq!(j.parts[0].first_page, 2);
    assert_eq!(j.parts[0].page_count, contract.record.page_count);
    assert_eq!(j.parts[1].first_page, 2 + contract.record.page_count);
    assert_eq!(j.parts[1].page_count, app_sealed.record.page_count);
    let expected = 1 + contract.record.page_count + app_sealed.record.page_count;
    assert_eq!(j.record.page_count, expected);

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("jacket.pdf");
    std::fs::write(&file, &j.pdf).expect("write");
    assert_eq!(
        pages_of(&file),
        expected,
        "pdfinfo agrees on the page count"
    );
    for page in 1..=expected {
        let p = page.to_string();
        let t = pdftotext(&file, &["-f", &p, "-l", &p]);
        assert!(t.contains("COPY"), "page {page} says COPY:\n{t}");
        assert!(
            t.contains(&format!("sheet {page} of {expected}")),
            "page {page} footer:\n{t}"
        );
    }
    let text = squeezed(&pdftotext(&file, &[]));
    assert!(text.contains("DEAL JACKET"));
    assert!(text.contains("RETAIL INSTALLMENT SALE CONTRACT"));
    assert!(text.contains("CREDIT APPLICATION"));
    assert_eq!(
        text.matches("CERTIFICATE OF COMPLETION").count(),
        2,
        "the contract's and the application's certificates"
    );
    assert!(text.contains(&format!("pages 2–{}", 1 + contract.record.page_count)));
    assert!(text.contains(&format!("On record as {}", contract.record.id)));
    assert!(text.contains(&contract.record.sha256));
    // every contract page is in the jacket: its own "Page N of M" footers are there
    for n in 1..=contract.record.page_count {
        assert!(
            text.contains(&format!("Page {n} of {}", contract.record.page_count)),
            "contract page {n}"
        );
    }

    let v = contract::verify(&d.f.store, &j.pdf).await.expect("v");
    assert!(v.on_record && !v.signed, "a copy on record");
    assert_eq!(
        v.document_id.as_ref().map(|i| i.as_str()),
        Some(j.record.id.as_str())
    );
    let mut bad = j.pdf.clone();
    let i = bad.len() / 2;
    bad[i] = bad[i].wrapping_add(1);
    assert!(
        !contract::verify(&d.f.store, &bad)
            .await
            .expect("v")
            .on_record
    );
    assert_eq!(
        count(
            &d.f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.jacket'"
        )
        .await,
        1
    );
    // A jacket is neither signed nor copied again.
    let e = sign::signing_status(&d.f.store, &j.record.id)
        .await
        .expect_err("not a ceremony document");
    assert_eq!(e.field(), Some("document_id"));
    let e = sign::copy_of(&d.f.store, &sam, &j.record.id, now())
        .await
        .expect_err("no copy of a copy");
    assert_eq!(e.field(), Some("document_id"));
    // The original contract is still the authoritative one.
    let docs = contract::list_for_deal(&d.f.store, &d.deal().id)
        .await
        .expect("list");
    assert_eq!(
        docs.iter()
            .filter(|r| r.authoritative && r.kind == "retail_installment")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_jacket_without_a_signed_application_prints_it_afresh_or_says_what_is_missing() {
    let (d, _app_id) = with_application(false, true).await;
    let fiona = Actor::Staff(staff(&d.f.store, "fiona", Role::FinanceManager).await);
    let draft = contract::render_for_deal(
        &d.f.store,
        &fiona,
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("contract");
    let j = jacket::jacket_for_deal(&d.f.store, &fiona, &d.deal().id, now())
        .await
        .expect("jacket");
    assert_eq!(j.parts.len(), 2);
    assert!(!j.parts[0].signed);
    assert_eq!(j.parts[1].source_id, None, "printed for the jacket");
    assert_eq!(
        j.record.page_count,
        1 + draft.record.page_count + j.parts[1].page_count
    );

    let (d2, _) = with_application(false, false).await;
    contract::render_for_deal(
        &d2.f.store,
        &fiona_of(&d2).await,
        &d2.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("contract");
    let j = jacket::jacket_for_deal(&d2.f.store, &cli_actor(), &d2.deal().id, now())
        .await
        .expect("jacket");
    assert_eq!(j.parts.len(), 1);
    assert_eq!(j.missing.len(), 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let text = squeezed(&layout_text(dir.path(), "j.pdf", &j.pdf));
    assert!(text.contains("NOT IN THIS JACKET"), "{text}");
    assert!(text.contains("consent to obtain a credit report"), "{text}");
}

async fn fiona_of(d: &Desk) -> Actor {
    Actor::Staff(staff(&d.f.store, "fiona", Role::FinanceManager).await)
}

#[tokio::test]
async fn the_same_input_gives_the_same_bytes() {
    let (d, app_id) = with_application(true, true).await;
    let (input, _) = application_doc::application_input(
        &d.f.store,
        &app_id,
        &dealerdesk_rules::ids::DocumentId::from("doc-1"),
        "A1-1",
        now(),
    )
    .await
    .expect("input");
    let a =
        application_doc::render_application(&input, RenderMode::Original, &[], None).expect("a");
    let b =
        application_doc::render_application(&input, RenderMode::Original, &[], None).expect("b");
    assert_eq!(a.bytes, b.bytes);
    let later = application_doc::ApplicationDocInput {
        created: now() + Duration::days(1),
        ..input.clone()
    };
    let c =
        application_doc::render_application(&later, RenderMode::Original, &[], None).expect("c");
    assert_ne!(a.sha256, c.sha256, "the creation time is in the file");

    contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("contract");
    let j1 = jacket::jacket_input(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        &dealerdesk_rules::ids::DocumentId::from("jacket-1"),
        "J1",
        now(),
    )
    .await
    .expect("j1");
    let j2 = jacket::jacket_input(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        &dealerdesk_rules::ids::DocumentId::from("jacket-1"),
        "J1",
        now(),
    )
    .await
    .expect("j2");
    let x = jacket::assemble_jacket(&j1).expect("x");
    let y = jacket::assemble_jacket(&j2).expect("y");
    assert_eq!(x.bytes, y.bytes);
    assert_eq!(
        x.page_count,
        1 + j1.parts.iter().map(|p| p.part.page_count).sum::<u32>()
    );
}

#[tokio::test]
async fn bad_input_gives_typed_errors_and_stores_nothing() {
    let (d, app_id) = with_application(false, false).await;
    let sam = Actor::Staff(staff(&d.f.store, "sam", Role::Sales).await);
    let docs = "SELECT COUNT(*) FROM contract_document";
    let e = application_doc::render_for_application(
        &d.f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::ApplicationId::from("01890000-0000-7000-8000-000000000000"),
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("unknown application");
    assert!(
        matches!(
            e,
            ContractError::NotFound {
                what: "application",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.field(), Some("application_id"));
    let e = application_doc::render_for_application(
        &d.f.store,
        &sam,
        &app_id,
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("sales cannot print the original");
    assert!(matches!(e, ContractError::Forbidden));
    assert_eq!(
        count(
            &d.f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.render' AND outcome = 'denied'"
        )
        .await,
        1
    );
    let e = application_doc::render_for_application(
        &d.f.store,
        &cli_actor(),
        &app_id,
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("no consent");
    assert!(
        matches!(
            e,
            ContractError::NotReady {
                field: "consent",
                ..
            }
        ),
        "{e}"
    );
    let e =
        application_doc::render_for_application(&d.f.store, &sam, &app_id, RenderMode::Copy, now())
            .await
            .expect_err("no consent, no copy either");
    assert_eq!(e.field(), Some("consent"));
    let e = jacket::jacket_for_deal(&d.f.store, &sam, &d.deal().id, now())
        .await
        .expect_err("no contract yet");
    assert!(
        matches!(
            e,
            ContractError::NotReady {
                field: "deal_id",
                ..
            }
        ),
        "{e}"
    );
    let e = jacket::jacket_for_deal(
        &d.f.store,
        &sam,
        &dealerdesk_rules::ids::DealId::from("no-such-deal"),
        now(),
    )
    .await
    .expect_err("unknown deal");
    assert!(
        matches!(e, ContractError::NotFound { what: "deal", .. }),
        "{e}"
    );
    assert_eq!(count(&d.f.store, docs).await, 0, "nothing stored");
    assert_eq!(
        count(
            &d.f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.jacket'"
        )
        .await,
        0
    );
}

/// A database of the previous release, holding a signed and sealed contract with its events,
/// takes the table rebuild on open: every row, event and hash is kept, the signed contract
/// still cannot be changed or deleted, and the new kinds are accepted.
#[tokio::test]
async fn the_table_rebuild_keeps_signed_contracts_of_an_older_database() {
    let d = Desk::contract().build().await;
    let fiona = fiona_of(&d).await;
    let sealed = sealed_contract(&d, &fiona).await;
    let events = count(&d.f.store, "SELECT COUNT(*) FROM contract_signing_event").await;
    let docs = count(&d.f.store, "SELECT COUNT(*) FROM contract_document").await;
    assert!(events > 3 && docs == 2);
    let path = d.f.db_path();
    d.f.store.clone().close().await;
    // Back to the previous release's table, as that release left it.
    let old = include_str!("../../migrations/20261127000002_contracts.sql");
    let start = old
        .find("CREATE TABLE contract_document (")
        .expect("old table");
    let end = old
        .find("-- The e-signature ceremony")
        .expect("end of the old table");
    raw_sql(
        &path,
        &format!(
            "PRAGMA foreign_keys = OFF;
             PRAGMA legacy_alter_table = ON;
             DROP TRIGGER contract_document_bytes_fixed;
             DROP TRIGGER contract_document_signed_immutable;
             DROP TRIGGER contract_document_signed_no_delete;
             DROP INDEX contract_document_sha;
             DROP INDEX contract_document_deal;
             DROP INDEX contract_document_application;
             DROP INDEX contract_document_one_authoritative;
             DROP INDEX contract_document_one_authoritative_application;
             ALTER TABLE contract_document RENAME TO contract_document_rebuilt;
             {}
             INSERT INTO contract_document SELECT id, deal_id, option_id, option_position, kind,
                 version, status, authoritative, quote_sha256, pdf, pdf_sha256, page_count,
                 fields_json, input_json, supersedes_id, rendered_by, signed_at, created_at,
                 updated_at, device_id, change_seq FROM contract_document_rebuilt;
             DROP TABLE contract_document_rebuilt;
             DELETE FROM _sqlx_migrations WHERE version = 20261128000001;",
            &old[start..end]
        ),
    )
    .await;
    let store = Store::open(&path, dealerdesk_store::OpenMode::MustExist)
        .await
        .expect("migrated");
    let sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'contract_document'")
            .fetch_one(store.pool())
            .await
            .expect("schema");
    assert!(sql.contains("credit_application") && sql.contains("deal_jacket"));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM contract_document").await,
        docs
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM contract_signing_event").await,
        events
    );
    let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(store.pool())
        .await
        .expect("fk check");
    assert!(fk.is_empty(), "{fk:?}");
    let v = contract::verify(&store, &sealed.pdf).await.expect("verify");
    assert!(v.on_record && v.signed);
    let draft: Option<String> =
        sqlx::query_scalar("SELECT supersedes_id FROM contract_document WHERE id = ?1")
            .bind(sealed.record.id.as_str())
            .fetch_one(store.pool())
            .await
            .expect("supersedes");
    let st = sign::signing_status(
        &store,
        &dealerdesk_rules::ids::DocumentId::from(
            draft.expect("the sealed contract names its draft").as_str(),
        ),
    )
    .await
    .expect("the draft's events still read");
    assert!(st.next_field.is_none());
    for sql in [
        "UPDATE contract_document SET status = 'void' WHERE status = 'signed'",
        "DELETE FROM contract_document WHERE status = 'signed'",
        "UPDATE contract_document SET pdf = x'00' WHERE status = 'void'",
        "DELETE FROM contract_signing_event",
    ] {
        let e = sqlx::query(sql).execute(store.pool()).await;
        assert!(e.is_err(), "{sql} is refused");
    }
    assert_eq!(
        sqlx::query_scalar::<_, String>(
            "SELECT sha256 FROM (SELECT pdf_sha256 AS sha256 FROM contract_document WHERE id = ?1)"
        )
        .bind(sealed.record.id.as_str())
        .fetch_one(store.pool())
        .await
        .expect("sha"),
        sha256_hex(&sealed.pdf)
    );
    store.close().await;
}

#[tokio::test]
async fn the_cli_renders_the_application_and_prints_the_jacket() {
    let (d, app_id) = with_application(false, true).await;
    let db = d.f.db_path();
    let deal_id = d.deal().id.clone();
    d.f.store.close().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("application.pdf");
    let o = dd(
        &db,
        &[
            "contract",
            "render-application",
            "--application",
            app_id.as_str(),
            "--out",
            a.to_str().expect("path"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    assert_eq!(j["contract"]["kind"], "credit_application");
    let o = dd(
        &db,
        &["contract", "verify", a.to_str().expect("p"), "--json"],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["on_record"], true);
    let jf = dir.path().join("jacket.pdf");
    let o = dd(
        &db,
        &[
            "contract",
            "jacket",
            "--deal",
            deal_id.as_str(),
            "--out",
            jf.to_str().expect("p"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 3, "no contract yet");
    assert_eq!(json(&o)["error"]["field"], "deal_id");
    let c = dir.path().join("contract.pdf");
    let o = dd(
        &db,
        &[
            "contract",
            "render",
            "--deal",
            deal_id.as_str(),
            "--out",
            c.to_str().expect("p"),
        ],
    );
    assert_eq!(code(&o), 0);
    let o = dd(
        &db,
        &[
            "contract",
            "jacket",
            "--deal",
            deal_id.as_str(),
            "--out",
            jf.to_str().expect("p"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    assert_eq!(j["jacket"]["record"]["kind"], "deal_jacket");
    assert_eq!(j["jacket"]["parts"].as_array().map(Vec::len), Some(2));
    let o = dd(
        &db,
        &["contract", "verify", jf.to_str().expect("p"), "--json"],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["signed"], false);
    let o = dd(&db, &["contract", "verify", jf.to_str().expect("p")]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains(": the deal jacket, version") && said.contains("never signed"),
        "verify calls a jacket a jacket: {said}"
    );
    let o = dd(
        &db,
        &[
            "contract",
            "render-application",
            "--application",
            "nope",
            "--out",
            "x.pdf",
            "--json",
        ],
    );
    assert_eq!(code(&o), 4);
    assert_eq!(json(&o)["error"]["field"], "application_id");
}

#[tokio::test]
async fn the_jacket_carries_the_adverse_action_notice_of_a_declined_application() {
    let (f, app_id) = ready(TEST_CSV, 540).await;
    assert_eq!(
        decide(&f.store, &app_id, now()).await,
        app::ApplicationState::Declined
    );
    let deal_id = app::get_application(&f.store, &cli_actor(), &app_id, now())
        .await
        .expect("application")
        .deal_id;
    let contract = contract::render_for_deal(
        &f.store,
        &cli_actor(),
        &deal_id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("contract");
    let j = jacket::jacket_for_deal(&f.store, &cli_actor(), &deal_id, now())
        .await
        .expect("jacket");
    let kinds: Vec<&str> = j.parts.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["contract", "credit_application", "adverse_action_notice"]
    );
    let notice = &j.parts[2];
    let notices = app::adverse::notices_for_application(&f.store, &app_id, now())
        .await
        .expect("notices");
    assert_eq!(notice.source_id.as_deref(), Some(notices[0].id.as_str()));
    assert_eq!(
        j.record.page_count,
        1 + contract.record.page_count + j.parts[1].page_count + notice.page_count
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("jacket.pdf");
    std::fs::write(&file, &j.pdf).expect("write");
    let p = notice.first_page.to_string();
    let page = pdftotext(&file, &["-f", &p, "-l", &p]);
    assert!(page.contains("COPY"), "the notice is stamped COPY:\n{page}");
    assert!(page.contains("Not the authoritative original"));
    let all = squeezed(&pdftotext(&file, &[]));
    assert!(all.contains("Notice of action taken on the credit application"));
    assert_eq!(pages_of(&file), j.record.page_count);
}

#[tokio::test]
async fn save_as_writes_a_recorded_copy_where_asked_and_refuses_a_bad_path() {
    let (d, _) = with_application(false, true).await;
    let fiona = fiona_of(&d).await;
    let sealed = sealed_contract(&d, &fiona).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = contract::export::save_document_as(
        &d.f.store,
        &cli_actor(),
        &sealed.record.id,
        &dir.path().join("Maria contract"),
        now(),
    )
    .await
    .expect("saved");
    assert_eq!(saved.file_name, "Maria contract.pdf");
    let bytes = std::fs::read(dir.path().join("Maria contract.pdf")).expect("written");
    assert_ne!(bytes, sealed.pdf, "never the original itself");
    let v = contract::verify(&d.f.store, &bytes).await.expect("v");
    assert!(v.on_record && !v.signed, "a recorded copy");
    let text = squeezed(&layout_text(dir.path(), "x.pdf", &bytes));
    assert!(text.contains("COPY") && text.contains("CERTIFICATE OF COMPLETION"));
    assert!(
        contract::export::suggested_file_name(&d.f.store, &sealed.record.id)
            .await
            .expect("name")
            .ends_with("-copy.pdf")
    );

    let j = jacket::jacket_for_deal(&d.f.store, &cli_actor(), &d.deal().id, now())
        .await
        .expect("jacket");
    let saved = contract::export::save_document_as(
        &d.f.store,
        &cli_actor(),
        &j.record.id,
        &dir.path().join("jacket.pdf"),
        now(),
    )
    .await
    .expect("jacket saved");
    assert_eq!(
        std::fs::read(&saved.path).expect("read"),
        j.pdf,
        "a jacket is saved as recorded"
    );

    let before = count(&d.f.store, "SELECT COUNT(*) FROM contract_document").await;
    for bad in [
        std::path::PathBuf::from("relative.pdf"),
        dir.path().join("no-such-folder/x.pdf"),
    ] {
        let e = contract::export::save_document_as(
            &d.f.store,
            &cli_actor(),
            &sealed.record.id,
            &bad,
            now(),
        )
        .await
        .expect_err("bad path");
        assert_eq!(e.field(), Some("path"), "{e}");
    }
    assert_eq!(
        count(&d.f.store, "SELECT COUNT(*) FROM contract_document").await,
        before,
        "nothing recorded for a refused path"
    );
    // A path that passes the checks but cannot be written (its temporary file's name is taken
    // by a folder; permissions would not stop root): the copy is not recorded either.
    std::fs::create_dir(dir.path().join(".unwritable.pdf.partial")).expect("blocker");
    let e = contract::export::save_document_as(
        &d.f.store,
        &cli_actor(),
        &sealed.record.id,
        &dir.path().join("unwritable.pdf"),
        now(),
    )
    .await
    .expect_err("the write fails");
    assert_eq!(e.field(), Some("path"), "{e}");
    assert!(e.to_string().contains("could not be written"), "{e}");
    assert!(!dir.path().join("unwritable.pdf").exists());
    assert_eq!(
        count(&d.f.store, "SELECT COUNT(*) FROM contract_document").await,
        before,
        "no copy on record for a file that was not written"
    );
    assert_eq!(
        count(
            &d.f.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.save_as'"
        )
        .await,
        2
    );
}
