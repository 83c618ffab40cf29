//! Contracts printed from saved deals, checked from the outside: every disclosed figure read
//! back from the PDF with `pdftotext -layout` equals the deal's stored quote; the Holder notice
//! and the Regulation M segregation are there; the same input gives the same bytes; a tampered
//! quote is refused; `verify` knows exactly the bytes on record; the CLI renders and verifies.

use std::path::Path;
use std::process::Command;

use dealerdesk_rules::money::Money;
use dealerdesk_services::application::{
    self as app, ApplicationInput, EmploymentEntry, HousingStatus, Intent, Reference,
    ResidenceEntry,
};
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::contract::{
    self, AppliedSignature, ContractError, FieldKind, RenderMode, SignatureMark, Signer,
    HOLDER_NOTICE, REG_M_BOX_TITLE,
};
use dealerdesk_services::customer;
use dealerdesk_services::deal;
use serde_json::Value;

use crate::support::desk::{customer_input, Desk};
use crate::support::pdf::{layout_text, line_with, pages_of, pdftotext, signature_png, squeezed};
use crate::support::{cli_actor, code, count, dd, json, now, raw_sql, staff, today};

fn usd(v: &Value) -> String {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("money is a string: {v}"));
    Money::parse_user(s).expect("stored money").to_string()
}

/// The text in reading order (poppler's block detection): the paragraphs of each boxed cell
/// stay together, where `-layout` interleaves the columns line by line.
fn reading_text(file: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg(file)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    squeezed(&String::from_utf8(o.stdout).expect("utf-8"))
}

#[tokio::test]
async fn every_figure_of_the_retail_installment_contract_is_the_stored_quote() {
    let d = Desk::contract().build().await;
    let finance = Actor::Staff(staff(&d.f.store, "fiona", Role::FinanceManager).await);
    let doc = contract::render_for_deal(
        &d.f.store,
        &finance,
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("rendered");
    assert_eq!(doc.record.kind, "retail_installment");
    assert_eq!(doc.record.option_position, Some(1), "the selected option");
    assert!(doc.record.authoritative);
    assert_eq!(doc.record.version, 1);

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("risc.pdf");
    std::fs::write(&file, &doc.pdf).expect("write");
    let text = pdftotext(&file, &[]);
    let q = &d.deal().options[0].quote;
    let t = &q["disclosure"];

    // The federal box: all five figures side by side on one line, in the statutory order.
    let apr = format!("{} %", t["annual_percentage_rate"].as_str().expect("apr"));
    let figures = [
        apr.clone(),
        usd(&t["finance_charge"]),
        usd(&t["amount_financed"]),
        usd(&t["total_of_payments"]),
        usd(&t["total_sale_price"]),
    ];
    let line = text
        .lines()
        .find(|l| l.contains(&apr))
        .unwrap_or_else(|| panic!("APR {apr} printed:\n{text}"));
    let mut at = 0;
    for f in &figures {
        let pos = line[at..]
            .find(f.as_str())
            .unwrap_or_else(|| panic!("{f} in the federal box line {line:?}"));
        at += pos + f.len();
    }
    let flat = squeezed(&text);
    let reading = reading_text(&file);
    for desc in [
        "ANNUAL PERCENTAGE RATE".to_string(),
        "The cost of your credit as a yearly rate.".to_string(),
        "FINANCE CHARGE".to_string(),
        "The dollar amount the credit will cost you.".to_string(),
        "Amount Financed".to_string(),
        "The amount of credit provided to you or on your behalf.".to_string(),
        "Total of Payments".to_string(),
        "The amount you will have paid after you have made all payments as scheduled.".to_string(),
        "Total Sale Price".to_string(),
        format!(
            "The total cost of your purchase on credit, including your downpayment of {}.",
            usd(&t["downpayment"])
        ),
    ] {
        assert!(reading.contains(&desc), "{desc:?} in {reading}");
    }

    // The payment schedule: count, amount and first due date of each line.
    let schedule = t["payment_schedule"].as_array().expect("schedule");
    assert_eq!(schedule.len(), 2);
    for s in schedule {
        let date =
            chrono::NaiveDate::parse_from_str(s["first_due"].as_str().expect("date"), "%Y-%m-%d")
                .expect("iso date")
                .format("%m/%d/%Y")
                .to_string();
        let l = line_with(&text, &date, &usd(&s["amount"]));
        assert!(
            l.trim_start()
                .starts_with(&s["number_of_payments"].as_u64().expect("n").to_string()),
            "{l}"
        );
    }
    assert_eq!(
        schedule[0]["number_of_payments"].as_u64().map(|n| n + 1),
        Some(60)
    );

    // The itemization of the amount financed.
    let input = &q["input"];
    line_with(&text, "Cash price of the vehicle", &usd(&input["price"]));
    line_with(&text, "Optional products", &usd(&input["addons"]));
    line_with(&text, "Taxes and official fees", &usd(&input["taxes_fees"]));
    line_with(&text, "Documentary and dealer", &usd(&input["dealer_fees"]));
    line_with(&text, "Total cash price", &usd(&q["quote"]["cash_price"]));
    line_with(&text, "Gross trade-in allowance", &usd(&input["trade"]));
    line_with(&text, "Less payoff on the trade-in", &usd(&input["payoff"]));
    line_with(&text, "Cash downpayment", &usd(&input["down"]));
    line_with(
        &text,
        "Total downpayment",
        &usd(&q["quote"]["total_down_payment"]),
    );
    line_with(
        &text,
        "(negative equity)",
        &usd(&q["quote"]["negative_equity"]),
    );
    line_with(&text, "Amount Financed (5", &usd(&t["amount_financed"]));
    assert!(flat.contains(t["late_charge"].as_str().expect("late")));
    assert!(flat.contains(t["prepayment"].as_str().expect("prepayment")));

    // Parties and vehicle.
    assert!(flat.contains("Seller-Creditor: Lakeside Motors"), "{flat}");
    assert!(flat.contains("Buyer: Maria Elena Gonzalez"), "{flat}");
    assert!(flat.contains("4821 Lakeview Dr, Apt 12"), "{flat}");
    assert!(flat.contains("2T1BURHE0JC014702") && flat.contains("Used"));
    assert!(!flat.contains("Co-Buyer:"), "no co-applicant, no co-buyer");

    // The Holder notice verbatim, bold, 10 point.
    assert!(flat.contains(HOLDER_NOTICE), "Holder notice verbatim");

    // Letter pages with "Page N of M"; fields on real pages.
    let pages = pages_of(&file);
    assert_eq!(pages, doc.record.page_count);
    assert!(flat.contains(&format!("Page {pages} of {pages}")));
    let ids: Vec<&str> = doc.record.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "buyer-initial-1",
            "buyer-initial-2",
            "buyer-initial-3",
            "buyer-sign",
            "dealer-sign"
        ]
    );
    for f in &doc.record.fields {
        assert!(f.page >= 1 && f.page <= pages, "{f:?}");
        assert!(f.rect.x >= 0.0 && f.rect.x + f.rect.width <= 612.0, "{f:?}");
        assert!(
            f.rect.y >= 54.0 && f.rect.y + f.rect.height <= 792.0 - 54.0,
            "{f:?}"
        );
    }
    assert!(
        !flat.contains("COPY Not the authoritative"),
        "the original is not a copy"
    );

    // Stored and audited.
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.render' AND subject = ?1 AND detail LIKE ?2",
    )
    .bind(format!("contract:{}", doc.record.id))
    .bind(format!("%sha256:{}%", doc.record.sha256))
    .fetch_one(d.f.store.pool())
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    assert_eq!(
        contract::document_pdf(&d.f.store, &doc.record.id)
            .await
            .expect("bytes"),
        doc.pdf
    );
}

#[tokio::test]
async fn the_lease_segregates_the_reg_m_disclosures_with_the_itemization_and_payment_calculation() {
    let d = Desk::contract().build().await;
    let doc = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        Some(2),
        RenderMode::Original,
        now(),
    )
    .await
    .expect("rendered");
    assert_eq!(doc.record.kind, "lease");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = layout_text(dir.path(), "lease.pdf", &doc.pdf);
    let reading = reading_text(&dir.path().join("lease.pdf"));
    let r = &d.deal().options[1].quote["disclosure"];
    let g = &r["segregated"];

    // The segregated section (12 CFR 1013.3(a)(2): 1013.4(b)-(f)): from its title to the lease
    // rate note that follows the frame.
    let start = reading.find(REG_M_BOX_TITLE).expect("box title");
    let rate_label = r["rate_info"]["label"].as_str().expect("rate label");
    let end = reading[start..]
        .find(rate_label)
        .map(|i| start + i)
        .expect("the lease rate after the segregated section");
    let boxed = &reading[start..end];
    let mp = &g["monthly_payments"];
    for needle in [
        "Amount Due at Lease Signing or Delivery".to_string(),
        usd(&g["amount_due_at_signing"]["total"]),
        "Monthly Payments".to_string(),
        format!(
            "Your first monthly payment of {}",
            usd(&mp["first_payment"])
        ),
        format!(
            "followed by {} payments of {}",
            mp["following_payments"].as_u64().expect("n"),
            usd(&mp["payment"])
        ),
        format!(
            "The total of your monthly payments is {}",
            usd(&mp["total"])
        ),
        "Other Charges".to_string(),
        usd(&g["other_charges"]["disposition_fee"]),
        "Total of Payments".to_string(),
        usd(&g["total_of_payments"]),
    ] {
        assert!(boxed.contains(&needle), "{needle:?} in the box: {boxed}");
    }
    // 1013.4(b) itemization and 1013.4(f) payment calculation belong to the segregated section
    for inside in [
        "Itemization of Amount Due at Lease Signing",
        "Gross capitalized cost",
        "Adjusted capitalized cost",
        "Residual value",
        "Rent charge",
        "Depreciation and any amortized amounts",
        "Base monthly payment",
    ] {
        assert!(
            boxed.contains(inside),
            "{inside:?} is part of the segregated disclosures: {boxed}"
        );
    }
    // what 1013.4(b)-(f) does not ask for stays outside it
    for outside in [
        "money factor",
        rate_label,
        "Early Termination",
        "Excess Mileage",
        "Purchase Option",
        "HOLDER",
    ] {
        assert!(
            !boxed.to_lowercase().contains(&outside.to_lowercase()),
            "{outside:?} must stay out of the segregated disclosures: {boxed}"
        );
    }
    assert_eq!(mp["following_payments"].as_u64(), Some(35));

    // The itemization of the amount due at signing, line by line.
    let due = &g["amount_due_at_signing"];
    line_with(
        &text,
        "Capitalized cost reduction  ",
        &usd(&due["cap_cost_reduction"]),
    );
    line_with(
        &text,
        "First monthly payment",
        &usd(&due["first_monthly_payment"]),
    );
    line_with(&text, "Title fees", &usd(&due["title_fees"]));
    line_with(&text, "Registration fees", &usd(&due["registration_fees"]));
    line_with(
        &text,
        "Rebates and noncash credits",
        &usd(&g["how_paid"]["rebates_and_noncash_credits"]),
    );
    line_with(
        &text,
        "Amount to be paid in cash",
        &usd(&g["how_paid"]["cash"]),
    );

    // Every line of the payment calculation.
    let pc = &g["payment_calculation"];
    for (label, key) in [
        ("Agreed value of the vehicle", "agreed_value"),
        ("Gross capitalized cost", "gross_capitalized_cost"),
        (
            "Capitalized cost reduction (rebate",
            "capitalized_cost_reduction",
        ),
        ("Adjusted capitalized cost", "adjusted_capitalized_cost"),
        ("Residual value", "residual_value"),
        (
            "Depreciation and any amortized amounts",
            "depreciation_and_amortized_amounts",
        ),
        ("Rent charge (the amount", "rent_charge"),
        (
            "Total of base monthly payments",
            "total_of_base_monthly_payments",
        ),
        ("Base monthly payment", "base_monthly_payment"),
        ("Monthly sales/use tax", "monthly_sales_use_tax"),
        ("Total monthly payment", "total_monthly_payment"),
    ] {
        line_with(&text, label, &usd(&pc[key]));
    }
    line_with(
        &text,
        "Lease term (number of months",
        &format!("{} months", pc["lease_term"].as_u64().expect("term")),
    );
    let flat = squeezed(&text);
    assert!(flat.contains(r["early_termination_warning"].as_str().expect("warning")));
    assert!(flat.contains("Excessive Wear and Use"));
    assert!(
        flat.contains("You will be charged $0.25 for each mile"),
        "{flat}"
    );
    assert!(flat.contains(&format!(
        "purchase the vehicle at the end of the lease term for {}",
        usd(&r["purchase_option_price"])
    )));
    assert!(flat.contains("Lessee: Maria Elena Gonzalez"));
}

fn input_for_render() -> contract::ContractInput {
    contract::ContractInput {
        document_id: "01900000-0000-7000-8000-000000000001".into(),
        contract_number: "TEST-1".into(),
        created: now(),
        dealer: contract::ContractParty {
            name: "Lakeside Motors".into(),
            address: vec!["1 Lake Rd".into(), "Dallas, TX 75201".into()],
        },
        buyer: contract::ContractParty {
            name: "Maria Gonzalez".into(),
            address: vec![],
        },
        co_buyer: Some(contract::ContractParty {
            name: "Luis Gonzalez".into(),
            address: vec![],
        }),
        vehicle: contract::ContractVehicle {
            year: 2018,
            make: "Toyota".into(),
            model: "Corolla".into(),
            trim: None,
            vin: "2T1BURHE0JC014702".into(),
            condition: "used".into(),
            odometer: 41_250,
        },
        quote_document: String::new(),
    }
}

#[tokio::test]
async fn the_same_input_gives_the_same_bytes_and_a_copy_says_copy_on_every_page() {
    let d = Desk::contract().build().await;
    for opt in &d.deal().options {
        let input = contract::ContractInput {
            quote_document: deal::canonical_json(&opt.quote),
            ..input_for_render()
        };
        let a = contract::render(&input, RenderMode::Original, &[]).expect("render");
        let b = contract::render(&input, RenderMode::Original, &[]).expect("render again");
        assert_eq!(a.bytes, b.bytes, "deterministic bytes");
        assert_eq!(a.sha256, b.sha256);
        assert!(a.bytes.len() < 300 * 1024, "{} bytes", a.bytes.len());
        let copy = contract::render(&input, RenderMode::Copy, &[]).expect("copy");
        assert_ne!(copy.bytes, a.bytes);
        assert_eq!(
            copy.page_count, a.page_count,
            "the stamp does not move the text"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("copy.pdf");
        std::fs::write(&file, &copy.bytes).expect("write");
        for page in 1..=copy.page_count {
            let p = page.to_string();
            let text = pdftotext(&file, &["-f", &p, "-l", &p]);
            assert!(text.contains("COPY"), "page {page} says COPY: {text}");
        }
        // The co-buyer signs and initials too.
        let signers: Vec<Signer> = a.fields.iter().map(|f| f.signer).collect();
        assert!(signers.contains(&Signer::CoBuyer));
        assert!(a
            .fields
            .iter()
            .any(|f| f.id == "co_buyer-initial-1" && f.kind == FieldKind::Initial));
    }
}

#[tokio::test]
async fn typed_signatures_are_drawn_into_their_fields_and_unknown_fields_are_refused() {
    let d = Desk::contract().build().await;
    let input = contract::ContractInput {
        quote_document: deal::canonical_json(&d.deal().options[0].quote),
        ..input_for_render()
    };
    let sig = |id: &str, name: &str| AppliedSignature {
        field_id: id.into(),
        mark: SignatureMark::Typed { name: name.into() },
        signed_at: "2026-11-25 15:02 UTC".into(),
    };
    let signed = contract::render(
        &input,
        RenderMode::Original,
        &[
            sig("buyer-initial-1", "Maria Gonzalez"),
            sig("buyer-sign", "Maria Gonzalez"),
        ],
    )
    .expect("signed render");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = squeezed(&layout_text(dir.path(), "s.pdf", &signed.bytes));
    assert!(text.contains("Maria Gonzalez 2026-11-25 Signed electronically 2026-11-25 15:02 UTC Buyer signature: Maria Gonzalez"), "{text}");
    assert!(text.contains("MG Signed electronically"), "{text}");
    let unsigned = contract::render(&input, RenderMode::Original, &[]).expect("render");
    assert_eq!(
        unsigned.fields, signed.fields,
        "signing does not move fields"
    );
    let e = contract::render(&input, RenderMode::Original, &[sig("nobody-sign", "X")])
        .expect_err("unknown field");
    assert!(matches!(e, ContractError::UnknownField(_)), "{e}");
    let e = contract::render(
        &input,
        RenderMode::Original,
        &[AppliedSignature {
            field_id: "buyer-sign".into(),
            mark: SignatureMark::Drawn { png: vec![1, 2, 3] },
            signed_at: "now".into(),
        }],
    )
    .expect_err("not a PNG");
    assert_eq!(e.field(), Some("mark"));

    // A drawn signature: a PNG with transparency, embedded as an image with its soft mask.
    let drawn = |field: &str| AppliedSignature {
        field_id: field.into(),
        mark: SignatureMark::Drawn {
            png: signature_png(),
        },
        signed_at: "2026-11-25 15:03 UTC".into(),
    };
    let with_image = contract::render(
        &input,
        RenderMode::Original,
        &[
            sig("buyer-initial-1", "Maria Gonzalez"),
            drawn("buyer-sign"),
        ],
    )
    .expect("drawn signature");
    let again = contract::render(
        &input,
        RenderMode::Original,
        &[
            sig("buyer-initial-1", "Maria Gonzalez"),
            drawn("buyer-sign"),
        ],
    )
    .expect("again");
    assert_eq!(
        with_image.bytes, again.bytes,
        "images keep the bytes deterministic"
    );
    let file = dir.path().join("drawn.pdf");
    std::fs::write(&file, &with_image.bytes).expect("write");
    let o = Command::new("pdfimages")
        .arg("-list")
        .arg(&file)
        .output()
        .expect("pdfimages");
    let list = String::from_utf8_lossy(&o.stdout).to_string();
    let page = with_image
        .fields
        .iter()
        .find(|f| f.id == "buyer-sign")
        .map(|f| f.page)
        .expect("field");
    let rows: Vec<&str> = list.lines().skip(2).collect();
    assert!(
        rows.iter()
            .any(|l| l.split_whitespace().next() == Some(&page.to_string())
                && l.contains("image")
                && l.contains("240")),
        "the signature image on page {page}: {list}"
    );
    assert!(rows.iter().any(|l| l.contains("smask")), "{list}");
}

#[tokio::test]
async fn a_tampered_stored_quote_or_a_missing_option_is_refused_and_nothing_is_stored() {
    let d = Desk::contract().build().await;
    let e = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        Some(3),
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("no option 3");
    assert!(matches!(e, ContractError::OptionMissing(3)), "{e}");
    assert_eq!(e.field(), Some("option"));
    let e = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::DealId::from("no-such-deal"),
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("no deal");
    assert_eq!(e.field(), Some("deal_id"));

    raw_sql(
        &d.f.db_path(),
        &format!(
            "UPDATE deal_option SET quote_json = replace(quote_json, '\"amount_financed\":\"', '\"amount_financed\":\"1') WHERE deal_id = '{}' AND position = 1",
            d.deal().id
        ),
    )
    .await;
    let e = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        Some(1),
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("tampered");
    assert!(matches!(e, ContractError::QuoteTampered), "{e}");
    assert!(e.to_string().contains("save the deal again"));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contract_document")
        .fetch_one(d.f.store.pool())
        .await
        .expect("count");
    assert_eq!(stored, 0);
    // The untouched lease option still prints.
    contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        Some(2),
        RenderMode::Original,
        now(),
    )
    .await
    .expect("the lease is intact");
}

#[tokio::test]
async fn verify_knows_exactly_the_bytes_on_record_and_signed_documents_cannot_change() {
    let d = Desk::contract().build().await;
    let sales = Actor::Staff(staff(&d.f.store, "sam", Role::Sales).await);
    let e = contract::render_for_deal(
        &d.f.store,
        &sales,
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("sales cannot print the original");
    assert!(matches!(e, ContractError::Forbidden));
    let copy = contract::render_for_deal(
        &d.f.store,
        &sales,
        &d.deal().id,
        None,
        RenderMode::Copy,
        now(),
    )
    .await
    .expect("sales may print a copy");
    assert!(!copy.record.authoritative);

    let first = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("original");
    let second = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("a new version");
    assert_eq!((first.record.version, second.record.version), (2, 3));
    let first_now = contract::get_document(&d.f.store, &first.record.id)
        .await
        .expect("first");
    assert_eq!(
        first_now.status,
        contract::DocumentStatus::Void,
        "superseded"
    );
    assert!(!first_now.authoritative);
    assert_eq!(
        count(
            &d.f.store,
            "SELECT COUNT(*) FROM contract_document WHERE authoritative = 1"
        )
        .await,
        1,
        "one authoritative document"
    );

    let ok = contract::verify(&d.f.store, &second.pdf)
        .await
        .expect("verify");
    assert!(ok.on_record && !ok.signed);
    assert_eq!(
        ok.document_id.as_ref().map(|i| i.as_str()),
        Some(second.record.id.as_str())
    );
    assert_eq!(ok.sha256, second.record.sha256);
    let mut tampered = second.pdf.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x01;
    let bad = contract::verify(&d.f.store, &tampered)
        .await
        .expect("verify");
    assert!(!bad.on_record && !bad.signed && bad.document_id.is_none());

    // The bytes of any document are fixed; a signed document cannot change or go away.
    let path = d.f.db_path();
    let try_sql = |sql: String| {
        let path = path.clone();
        async move {
            use sqlx::ConnectOptions;
            let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .connect()
                .await
                .expect("raw connection");
            sqlx::raw_sql(&sql).execute(&mut conn).await.map(|_| ())
        }
    };
    let id = &second.record.id;
    let e = try_sql(format!(
        "UPDATE contract_document SET pdf = x'00' WHERE id = '{id}'"
    ))
    .await
    .expect_err("bytes are fixed");
    assert!(e.to_string().contains("cannot be changed"), "{e}");
    try_sql(format!(
        "UPDATE contract_document SET status = 'signed', signed_at = '2026-11-25T15:10:00Z' WHERE id = '{id}'"
    ))
    .await
    .expect("signing is a status change");
    let e = try_sql(format!(
        "UPDATE contract_document SET status = 'void' WHERE id = '{id}'"
    ))
    .await
    .expect_err("signed is final");
    assert!(
        e.to_string().contains("signed contract cannot be changed"),
        "{e}"
    );
    let e = try_sql(format!("DELETE FROM contract_document WHERE id = '{id}'"))
        .await
        .expect_err("signed stays");
    assert!(e.to_string().contains("cannot be deleted"), "{e}");
    let signed = contract::verify(&d.f.store, &second.pdf)
        .await
        .expect("verify");
    assert!(signed.on_record && signed.signed);
    let e = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect_err("already signed");
    assert!(matches!(e, ContractError::AlreadySigned { .. }), "{e}");
}

#[tokio::test]
async fn a_co_applicant_on_the_deals_application_is_the_co_buyer() {
    let d = Desk::contract().build().await;
    let mut spouse = customer_input();
    spouse.given_name = "Luis".into();
    spouse.middle_name = None;
    spouse.ssn = "345-67-8901".into();
    spouse.phone = "(214) 555-0199".into();
    spouse.email = Some("luis@example.com".into());
    let co = customer::create(&d.f.store, &cli_actor(), &spouse, now(), today())
        .await
        .expect("spouse")
        .id;
    app::create_application(
        &d.f.store,
        &cli_actor(),
        &ApplicationInput {
            deal_id: d.deal().id.clone(),
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
            references: vec![Reference {
                name: "Ana Ruiz".into(),
                phone: "(214) 555-0142".into(),
                relation: "sister".into(),
            }],
            credit_score: Some(742),
            lender_id: None,
        },
        now(),
    )
    .await
    .expect("joint application");
    let doc = contract::render_for_deal(
        &d.f.store,
        &cli_actor(),
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("rendered");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = squeezed(&layout_text(dir.path(), "joint.pdf", &doc.pdf));
    assert!(text.contains("Co-Buyer: Luis Gonzalez"), "{text}");
    assert!(text.contains("Co-buyer signature: Luis Gonzalez"), "{text}");
    let ids: Vec<&str> = doc.record.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "buyer-initial-1",
            "co_buyer-initial-1",
            "buyer-initial-2",
            "co_buyer-initial-2",
            "buyer-initial-3",
            "co_buyer-initial-3",
            "buyer-sign",
            "co_buyer-sign",
            "dealer-sign"
        ]
    );
    let _ = &d.customer_id;
}

#[tokio::test]
async fn the_cli_renders_a_contract_and_verifies_the_file() {
    let d = Desk::contract().build().await;
    let db = d.f.db_path();
    let deal_id = d.deal().id.clone();
    let out = d.f.dir.path().join("contract.pdf");
    let copy = d.f.dir.path().join("copy.pdf");
    d.f.store.close().await;
    let o = dd(
        &db,
        &[
            "contract",
            "render",
            "--deal",
            deal_id.as_str(),
            "--out",
            out.to_str().expect("path"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let bytes = std::fs::read(&out).expect("written");
    assert_eq!(
        j["contract"]["sha256"].as_str(),
        Some(dealerdesk_store::crypto::sha256_hex(&bytes).as_str())
    );
    assert_eq!(j["contract"]["kind"], "retail_installment");
    assert_eq!(j["contract"]["authoritative"], true);

    let o = dd(
        &db,
        &["contract", "verify", out.to_str().expect("path"), "--json"],
    );
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["on_record"], true);
    assert_eq!(v["signed"], false);
    assert_eq!(v["document_id"], j["contract"]["id"]);
    assert_eq!(v["sha256"], j["contract"]["sha256"]);
    assert_eq!(
        v.as_object().map(|o| o.len()),
        Some(4),
        "exactly on_record, signed, document_id, sha256: {v}"
    );

    let mut tampered = bytes.clone();
    let i = tampered.len() - 10;
    tampered[i] = tampered[i].wrapping_add(1);
    std::fs::write(&out, &tampered).expect("tamper");
    let o = dd(
        &db,
        &["contract", "verify", out.to_str().expect("path"), "--json"],
    );
    let v = json(&o);
    assert_eq!(v["on_record"], false);
    assert_eq!(v["document_id"], Value::Null);
    assert_eq!(code(&o), 6, "a file not on record is a failed check");

    let o = dd(
        &db,
        &[
            "contract",
            "render",
            "--deal",
            deal_id.as_str(),
            "--option",
            "2",
            "--copy",
            "--out",
            copy.to_str().expect("path"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    assert_eq!(j["contract"]["kind"], "lease");
    assert_eq!(j["contract"]["authoritative"], false);

    let o = dd(
        &db,
        &[
            "contract",
            "render",
            "--deal",
            deal_id.as_str(),
            "--option",
            "3",
            "--out",
            "x.pdf",
            "--json",
        ],
    );
    assert_eq!(code(&o), 3);
    assert_eq!(json(&o)["error"]["field"], "option");
}

#[tokio::test]
async fn the_signing_ceremony_consents_signs_in_order_with_intent_and_seals_a_verifiable_contract()
{
    use dealerdesk_services::contract::sign::{
        self, ConsentInput, SignInput, ESIGN_DISCLOSURE_VERSION,
    };
    let d = Desk::contract().build().await;
    let fiona = Actor::Staff(staff(&d.f.store, "fiona", Role::FinanceManager).await);
    let sam = Actor::Staff(staff(&d.f.store, "sam", Role::Sales).await);
    let draft = contract::render_for_deal(
        &d.f.store,
        &fiona,
        &d.deal().id,
        None,
        RenderMode::Original,
        now(),
    )
    .await
    .expect("draft");
    let id = draft.record.id.clone();
    let device = "desk 2 tablet";
    let typed = |field: &str, intent: bool| SignInput {
        field_id: field.into(),
        signer_name: "Maria Elena Gonzalez".into(),
        mark: SignatureMark::Typed {
            name: "Maria Elena Gonzalez".into(),
        },
        intent_confirmed: intent,
        device: device.into(),
    };
    let at = |minutes: i64| now() + chrono::Duration::minutes(minutes);

    // No signature before consent; no consent without agreement and the PDF test.
    let e = sign::sign_field(
        &d.f.store,
        &sam,
        &id,
        &typed("buyer-initial-1", true),
        at(1),
    )
    .await
    .expect_err("consent first");
    assert_eq!(e.field(), Some("signer"), "{e}");
    let consent = |agreed: bool, opened: bool| ConsentInput {
        signer: Signer::Buyer,
        signer_name: "Maria Elena Gonzalez".into(),
        device: device.into(),
        agreed,
        opened_pdf: opened,
    };
    let e = sign::esign_consent(&d.f.store, &sam, &id, &consent(false, true), at(1))
        .await
        .expect_err("must agree");
    assert_eq!(e.field(), Some("agreed"));
    let e = sign::esign_consent(&d.f.store, &sam, &id, &consent(true, false), at(1))
        .await
        .expect_err("must open the PDF");
    assert_eq!(e.field(), Some("opened_pdf"));
    let st = sign::esign_consent(&d.f.store, &sam, &id, &consent(true, true), at(1))
        .await
        .expect("consent");
    assert_eq!(st.status, contract::DocumentStatus::Signing);
    assert_eq!(st.consented, vec![Signer::Buyer]);
    assert_eq!(
        st.working_sha256, draft.record.sha256,
        "consent changes no byte"
    );

    // In order, with intent, and the countersignature is the finance manager's.
    let e = sign::sign_field(&d.f.store, &sam, &id, &typed("buyer-sign", true), at(2))
        .await
        .expect_err("out of order");
    assert!(e.to_string().contains("next is buyer-initial-1"), "{e}");
    let e = sign::sign_field(
        &d.f.store,
        &sam,
        &id,
        &typed("buyer-initial-1", false),
        at(2),
    )
    .await
    .expect_err("intent");
    assert_eq!(e.field(), Some("intent_confirmed"));
    let mut before = draft.record.sha256.clone();
    for (i, field) in [
        "buyer-initial-1",
        "buyer-initial-2",
        "buyer-initial-3",
        "buyer-sign",
    ]
    .iter()
    .enumerate()
    {
        let st = sign::sign_field(&d.f.store, &sam, &id, &typed(field, true), at(2 + i as i64))
            .await
            .expect("signed");
        let last = st.events.last().expect("event");
        assert_eq!(last.field_id.as_deref(), Some(*field));
        assert_eq!(
            last.sha256_before, before,
            "each event chains from the last"
        );
        assert_ne!(
            last.sha256_after, before,
            "a signature changes the document"
        );
        assert_eq!(last.method, "typed");
        assert_eq!(last.device, device);
        before = last.sha256_after.clone();
    }
    let dealer = SignInput {
        field_id: "dealer-sign".into(),
        signer_name: "Test fiona".into(),
        mark: SignatureMark::Typed {
            name: "Test fiona".into(),
        },
        intent_confirmed: true,
        device: "desk 2".into(),
    };
    let e = sign::sign_field(&d.f.store, &sam, &id, &dealer, at(8))
        .await
        .expect_err("sales cannot countersign");
    assert!(e.to_string().contains("finance manager"), "{e}");
    let e = sign::seal(&d.f.store, &fiona, &id, at(8))
        .await
        .expect_err("not complete");
    assert!(e.to_string().contains("not every field is signed"), "{e}");
    let st = sign::sign_field(&d.f.store, &fiona, &id, &dealer, at(9))
        .await
        .expect("countersigned");
    assert!(st.next_field.is_none());
    let working = sign::working_pdf(&d.f.store, &id).await.expect("working");
    assert_eq!(
        dealerdesk_store::crypto::sha256_hex(&working),
        st.working_sha256
    );

    // Sealed: a new signed version with the certificate; the draft is voided, not changed.
    let sealed = sign::seal(&d.f.store, &fiona, &id, at(10))
        .await
        .expect("sealed");
    assert_eq!(sealed.record.status, contract::DocumentStatus::Signed);
    assert!(sealed.record.authoritative);
    assert_eq!(sealed.record.version, 2);
    assert_eq!(
        sealed.record.page_count,
        draft.record.page_count + 1,
        "certificate page"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let text = squeezed(&layout_text(dir.path(), "sealed.pdf", &sealed.pdf));
    assert!(text.contains("CERTIFICATE OF COMPLETION"));
    assert!(text.contains(ESIGN_DISCLOSURE_VERSION));
    assert!(
        text.contains(&draft.record.sha256),
        "the unsigned document's hash"
    );
    assert!(
        text.contains(
            "Consent to electronic records and signatures — Maria Elena Gonzalez (buyer)"
        ),
        "{text}"
    );
    assert!(text.contains("Field: dealer-sign."));
    assert!(text.contains(&st.working_sha256), "the last event's hash");
    assert!(
        text.contains("Maria Elena Gonzalez 2026-11-25 Signed electronically 2026-11-25 15:05 UTC"),
        "{text}"
    );

    let v = contract::verify(&d.f.store, &sealed.pdf)
        .await
        .expect("verify");
    assert!(v.on_record && v.signed);
    assert_eq!(
        v.document_id.as_ref().map(|i| i.as_str()),
        Some(sealed.record.id.as_str())
    );
    let v = contract::verify(&d.f.store, &draft.pdf)
        .await
        .expect("verify draft");
    assert!(
        v.on_record && !v.signed,
        "the unsigned draft is on record, not signed"
    );
    let mut bad = sealed.pdf.clone();
    bad[100] ^= 0x20;
    assert!(
        !contract::verify(&d.f.store, &bad)
            .await
            .expect("verify")
            .on_record
    );

    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'contract.seal' AND detail LIKE ?1",
    )
    .bind(format!("%sha256:{}", sealed.record.sha256))
    .fetch_one(d.f.store.pool())
    .await
    .expect("audit");
    assert_eq!(audited, 1, "the sealed hash is in the audit chain");
    let chain = dealerdesk_store::audit::verify(&d.f.store)
        .await
        .expect("chain");
    assert!(chain.first_broken_seq.is_none(), "{chain:?}");
    assert_eq!(
        count(&d.f.store, "SELECT COUNT(*) FROM contract_signing_event").await,
        7,
        "consent, five signatures, seal"
    );
    let e = sign::sign_field(&d.f.store, &fiona, &id, &dealer, at(11))
        .await
        .expect_err("the draft is void");
    assert_eq!(e.field(), Some("document_id"));
    let e = contract::render_for_deal(
        &d.f.store,
        &fiona,
        &d.deal().id,
        None,
        RenderMode::Original,
        at(12),
    )
    .await
    .expect_err("a signed contract is not printed again as an original");
    assert!(matches!(e, ContractError::AlreadySigned { .. }));
    let copy = contract::render_for_deal(
        &d.f.store,
        &sam,
        &d.deal().id,
        None,
        RenderMode::Copy,
        at(12),
    )
    .await
    .expect("a copy is fine");
    assert!(!copy.record.authoritative);

    // A copy of the signed contract: signatures and certificate, COPY on every page.
    let signed_copy = sign::copy_of(&d.f.store, &sam, &sealed.record.id, at(13))
        .await
        .expect("copy of the signed contract");
    assert_eq!(signed_copy.record.page_count, sealed.record.page_count);
    assert!(!signed_copy.record.authoritative);
    let file = dir.path().join("signed-copy.pdf");
    std::fs::write(&file, &signed_copy.pdf).expect("write");
    for page in 1..=signed_copy.record.page_count {
        let p = page.to_string();
        assert!(
            pdftotext(&file, &["-f", &p, "-l", &p]).contains("COPY"),
            "page {page}"
        );
    }
    let copy_text = squeezed(&pdftotext(&file, &[]));
    assert!(copy_text.contains("CERTIFICATE OF COMPLETION"));
    assert!(copy_text.contains("Maria Elena Gonzalez 2026-11-25 Signed electronically"));
    let v = contract::verify(&d.f.store, &signed_copy.pdf)
        .await
        .expect("verify copy");
    assert!(
        v.on_record && !v.signed,
        "a copy is on record but is not the signed original"
    );
}

#[tokio::test]
async fn the_cli_runs_a_whole_ceremony_and_verify_says_signed() {
    let d = Desk::contract().build().await;
    let db = d.f.db_path();
    let deal_id = d.deal().id.clone();
    let dir = d.f.dir.path().to_path_buf();
    let png = dir.join("sig.png");
    std::fs::write(&png, signature_png()).expect("png");
    d.f.store.close().await;
    let p = |name: &str| dir.join(name).to_str().expect("path").to_string();
    let o = dd(
        &db,
        &[
            "contract",
            "render",
            "--deal",
            deal_id.as_str(),
            "--out",
            &p("draft.pdf"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let id = json(&o)["contract"]["id"].as_str().expect("id").to_string();
    let o = dd(
        &db,
        &["contract", "list", "--deal", deal_id.as_str(), "--json"],
    );
    assert_eq!(json(&o)["contracts"][0]["id"], id.as_str());

    let o = dd(
        &db,
        &[
            "contract",
            "consent",
            &id,
            "--signer",
            "buyer",
            "--name",
            "Maria Elena Gonzalez",
            "--json",
        ],
    );
    assert_eq!(code(&o), 3, "no consent without --agree");
    assert_eq!(json(&o)["error"]["field"], "agreed");
    let o = dd(
        &db,
        &[
            "contract",
            "consent",
            &id,
            "--signer",
            "buyer",
            "--name",
            "Maria Elena Gonzalez",
            "--agree",
            "--opened-pdf",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    loop {
        let o = dd(&db, &["contract", "status", &id, "--json"]);
        let st = json(&o);
        let Some(field) = st["signing"]["next_field"]["id"]
            .as_str()
            .map(str::to_string)
        else {
            break;
        };
        let mut args = vec![
            "contract",
            "sign",
            id.as_str(),
            "--field",
            field.as_str(),
            "--intent",
            "--json",
        ];
        let png_path = p("sig.png");
        if field.starts_with("dealer") {
            args.extend(["--name", "Fiona Finance"]);
        } else {
            args.extend(["--name", "Maria Elena Gonzalez"]);
        }
        if field == "buyer-sign" {
            args.extend(["--png", png_path.as_str()]);
        }
        let o = dd(&db, &args);
        assert_eq!(
            code(&o),
            0,
            "{field}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let o = dd(
        &db,
        &["contract", "seal", &id, "--out", &p("signed.pdf"), "--json"],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let sealed = json(&o);
    assert_eq!(sealed["contract"]["status"], "signed");
    let o = dd(&db, &["contract", "verify", &p("signed.pdf"), "--json"]);
    let v = json(&o);
    assert_eq!(
        (v["on_record"].clone(), v["signed"].clone()),
        (Value::Bool(true), Value::Bool(true))
    );
    assert_eq!(v["document_id"], sealed["contract"]["id"]);
    let o = dd(&db, &["contract", "verify", &p("draft.pdf"), "--json"]);
    let v = json(&o);
    assert_eq!(
        (v["on_record"].clone(), v["signed"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
    let sealed_id = sealed["contract"]["id"].as_str().expect("id").to_string();
    let o = dd(
        &db,
        &[
            "contract",
            "copy",
            &sealed_id,
            "--out",
            &p("copy.pdf"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["contract"]["authoritative"], false);
    let o = dd(&db, &["contract", "verify", &p("copy.pdf"), "--json"]);
    assert_eq!(
        json(&o)["signed"],
        false,
        "a copy is not the signed original"
    );
    // Without --json, verify says what the file is in words.
    let says = |file: &str| {
        String::from_utf8_lossy(&dd(&db, &["contract", "verify", &p(file)]).stdout).to_string()
    };
    assert!(
        says("signed.pdf").contains("on record, exactly (document")
            && says("signed.pdf").contains("): the signed retail installment contract, version 2"),
        "{}",
        says("signed.pdf")
    );
    assert!(
        says("copy.pdf").contains(": a COPY (version 3) of a retail installment contract"),
        "{}",
        says("copy.pdf")
    );
    assert!(
        says("draft.pdf").contains(": a voided retail installment contract, version 1"),
        "{}",
        says("draft.pdf")
    );
    let o = dd(&db, &["audit", "verify", "--json"]);
    assert_eq!(code(&o), 0, "the audit chain holds");
}
