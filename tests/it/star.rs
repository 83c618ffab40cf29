//! STAR 5 XML exchange on real database files: every exported application validates against the
//! STAR 5.1.4 schemas with `../shared/star/validate` (xmllint), lenders' decision files are
//! recorded through the decision path (outcomes, stipulations, reasons), a decision round-trips
//! import → export, bad files leave the store unchanged, and no PII reaches the audit log.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use dealerdesk_services::application::star::{self, StarError};
use dealerdesk_services::application::{self as app, ApplicationFilter, ApplicationState, Intent};
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_store::Store;

use crate::support::desk::{
    add_customer, application_input, consent, customer_input, ready_application, Desk, TEST_CSV,
};
use crate::support::{cli_actor, code, dd, fresh, json, now, rows, staff, today};

// ----- the validator -------------------------------------------------------------------------

/// The shared STAR validator (`../shared/star/validate`, beside the repository) when it is
/// there, else the project's copy of it and its schemas (`tests/fixtures/star/`, the same files
/// with their licences), so a clone anywhere validates against the same STAR 5.1.4 schemas.
fn validator() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/star/validate");
    let ours = root.join("tests/fixtures/star/validate");
    let script = if shared.exists() { shared } else { ours };
    assert!(
        script.exists(),
        "the STAR validator is missing at {}",
        script.display()
    );
    let xmllint = Command::new("xmllint").arg("--version").output();
    assert!(
        xmllint.is_ok_and(|o| o.status.success()),
        "xmllint is missing: install libxml2-utils (the STAR check is not skipped)"
    );
    script
}

#[test]
fn the_projects_copy_of_the_star_schemas_is_the_shared_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/star");
    if !shared.exists() {
        // a clone without the shared folder beside it uses the copy alone
        return;
    }
    let ours = root.join("tests/fixtures/star");
    let mut files = vec![PathBuf::from("validate")];
    let mut dirs = vec![PathBuf::from("schemas")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(shared.join(&d)).expect("read schemas") {
            let e = e.expect("entry");
            let rel = d.join(e.file_name());
            if e.path().is_dir() {
                dirs.push(rel);
            } else {
                files.push(rel);
            }
        }
    }
    assert!(files.len() > 30, "{} schema files", files.len());
    for f in files {
        assert_eq!(
            std::fs::read(shared.join(&f)).expect("shared file"),
            std::fs::read(ours.join(&f)).unwrap_or_default(),
            "tests/fixtures/star/{} differs from ../shared/star",
            f.display()
        );
    }
}

/// Fails unless `xml` validates against the STAR 5.1.4 schemas.
fn assert_valid(xml: &str, what: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).expect("write");
    let o = Command::new(validator())
        .arg(&file)
        .output()
        .expect("the validator runs");
    assert!(
        o.status.success(),
        "{what} does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&o.stderr)
    );
}

// ----- a lender's files ----------------------------------------------------------------------

/// A decision file as a lender's system would send it (written by hand, not by our writer).
fn lender_file(root: &str, app_id: &str, status: &str, decision: &str) -> String {
    let verb = if root.starts_with("Process") {
        "<Process/>"
    } else {
        "<Acknowledge/>"
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="http://www.starstandard.org/STAR/5" releaseID="5.1.4">
  <ApplicationArea>
    <Sender><CreatorNameCode>Test Bank LOS</CreatorNameCode><SenderNameCode>TB</SenderNameCode></Sender>
    <CreationDateTime>2026-11-25T15:30:00Z</CreationDateTime>
    <BODID>tb-0001</BODID>
    <Destination><DestinationNameCode>Lakeside Motors</DestinationNameCode></Destination>
  </ApplicationArea>
  <{root}DataArea>
    {verb}
    <CreditDecision>
      <CreditDecisionHeader>
        <DocumentDateTime>2026-11-25T15:30:00Z</DocumentDateTime>
        <DocumentIdentificationGroup>
          <DocumentIdentification><DocumentID>{app_id}</DocumentID></DocumentIdentification>
        </DocumentIdentificationGroup>
        <FinanceParty>
          <PartyID>TESTBANK</PartyID>
          <SpecifiedOrganization><CompanyName>Test Bank</CompanyName></SpecifiedOrganization>
        </FinanceParty>
        <ApplicationStatusCode>{status}</ApplicationStatusCode>
        <ApplicationNumberString>TB-2026-0042</ApplicationNumberString>
      </CreditDecisionHeader>
      <CreditDecisionDetail>
        <Decision>
          {decision}
        </Decision>
      </CreditDecisionDetail>
    </CreditDecision>
  </{root}DataArea>
</{root}>
"#
    )
}

const DECIDED: &str = "<DecisionDateTime>2026-11-25T15:20:00Z</DecisionDateTime>";

fn conditional_file(app_id: &str) -> String {
    lender_file(
        "ProcessCreditDecision",
        app_id,
        "C",
        &format!(
            r#"{DECIDED}
          <Financing>
            <ApprovedIndicator>true</ApprovedIndicator>
            <AnnualPercentageRate>5.49</AnnualPercentageRate>
            <TermMeasure unitCode="month">60</TermMeasure>
            <FinalFinancingAmounts><ApprovedAmount currencyID="USD">13789.69</ApprovedAmount></FinalFinancingAmounts>
          </Financing>
          <TierCode>Gold</TierCode>
          <Stipulations>Proof of income: most recent pay stub with year-to-date earnings</Stipulations>
          <Stipulations>Proof of insurance</Stipulations>
          <Stipulations>Signed GAP waiver &amp; O'Brien's "fine print"</Stipulations>"#
        ),
    )
}

fn approved_file(app_id: &str) -> String {
    lender_file(
        "AcknowledgeCreditDecision",
        app_id,
        "A",
        &format!(
            r#"{DECIDED}
          <Financing>
            <ApprovedIndicator>true</ApprovedIndicator>
            <AnnualPercentageRate>5.49</AnnualPercentageRate>
            <TermMeasure unitCode="month">60</TermMeasure>
            <FinalFinancingAmounts><ApprovedAmount currencyID="USD">13789.69</ApprovedAmount></FinalFinancingAmounts>
          </Financing>
          <TierCode>Gold</TierCode>"#
        ),
    )
}

fn countered_file(app_id: &str) -> String {
    lender_file(
        "ProcessCreditDecision",
        app_id,
        "M",
        &format!(
            r#"<ConditionRejection><ConditionRejectionText>LTV 128% over the 125% maximum</ConditionRejectionText></ConditionRejection>
          {DECIDED}
          <Financing>
            <ApprovedIndicator>true</ApprovedIndicator>
            <AnnualPercentageRate>9.99</AnnualPercentageRate>
            <TermMeasure unitCode="month">48</TermMeasure>
            <FinalFinancingAmounts><ApprovedAmount currencyID="USD">12000.00</ApprovedAmount></FinalFinancingAmounts>
          </Financing>
          <TierCode>Silver</TierCode>
          <Stipulations>Proof of residence: utility bill</Stipulations>"#
        ),
    )
}

fn declined_file(app_id: &str) -> String {
    lender_file(
        "ProcessCreditDecision",
        app_id,
        "D",
        &format!(
            r#"<ConditionRejection><ConditionRejectionReasonCode>R05</ConditionRejectionReasonCode><ConditionRejectionText>Excessive obligations in relation to income</ConditionRejectionText></ConditionRejection>
          <ConditionRejection><ConditionRejectionReasonCode>R11</ConditionRejectionReasonCode><ConditionRejectionText>Limited credit experience</ConditionRejectionText></ConditionRejection>
          {DECIDED}"#
        ),
    )
}

// ----- the store ----------------------------------------------------------------------------

/// When the lender's files are imported: after their decision time.
fn later() -> DateTime<Utc> {
    now() + Duration::hours(1)
}

/// A verified applicant's application, submitted to the test lender.
async fn submitted(store: &Store) -> (Desk<()>, dealerdesk_rules::ids::ApplicationId) {
    let d = Desk::applicant(true).build_in(store).await;
    let id = ready_application(store, &d).await;
    app::submit_application(store, &cli_actor(), &id, now())
        .await
        .expect("submitted");
    (d, id)
}

#[derive(Debug, PartialEq)]
struct Snapshot {
    states: Vec<(String, String)>,
    decisions: i64,
    stipulations: i64,
    history: i64,
    outbox: Vec<String>,
}

async fn snapshot(store: &Store) -> Snapshot {
    Snapshot {
        states: sqlx::query_as("SELECT id, state FROM credit_application ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("states"),
        decisions: rows(store, "application_decision").await,
        stipulations: rows(store, "stipulation").await,
        history: rows(store, "application_history").await,
        outbox: sqlx::query_scalar("SELECT status FROM lender_outbox ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("outbox"),
    }
}

async fn audit_text(store: &Store) -> String {
    sqlx::query_scalar::<_, String>(
        "SELECT group_concat(actor || ' ' || action || ' ' || COALESCE(subject, '') || ' ' || outcome || ' ' || COALESCE(detail, ''), char(10)) FROM audit_log",
    )
    .fetch_one(store.pool())
    .await
    .expect("audit")
}

// ----- export --------------------------------------------------------------------------------

#[tokio::test]
async fn a_full_joint_application_exports_schema_valid_star_xml_audited_without_pii() {
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let mut spouse = customer_input();
    spouse.given_name = "Seán".into();
    spouse.middle_name = None;
    spouse.family_name = "O'Brien".into();
    spouse.ssn = "345-67-8901".into();
    spouse.dob = "07/04/1986".into();
    spouse.phone = "(214) 555-0199".into();
    spouse.email = Some("sean@example.com".into());
    spouse.employer = Some("Smith & Wesson <Tools>".into());
    let co = add_customer(&f.store, &spouse).await;
    let mut input = application_input(d.deal().id.as_str(), d.lender.clone());
    input.intent = Intent::Joint;
    input.co_applicant_id = Some(co.clone());
    input.co_applicant_income = Some("3,100.00".into());
    let a = app::create_application(&f.store, &cli_actor(), &input, now())
        .await
        .expect("joint application");
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);

    // sales cannot: the document holds SSNs and dates of birth
    assert!(matches!(
        star::export_application_xml(&f.store, &sam, &a.id, now()).await,
        Err(StarError::Forbidden)
    ));
    let doc = star::export_application_xml(&f.store, &fiona, &a.id, now())
        .await
        .expect("exported");
    assert_valid(&doc, "the full application");
    for part in [
        "<ProcessCreditApplication xmlns=\"http://www.starstandard.org/STAR/5\"",
        &format!("<DocumentID>{}</DocumentID>", a.id),
        "<PartyID>TESTBANK</PartyID>",
        "<CompanyName>Test Bank</CompanyName>",
        "<ApplicationStatusCode>N</ApplicationStatusCode>",
        "<Co-Applicant>",
        "<DocumentID>123456789</DocumentID>",
        "<DocumentID>345678901</DocumentID>",
        "<DocumentType>NationalId</DocumentType>",
        "<BirthDate>1984-03-09</BirthDate>",
        "<BirthDate>1986-07-04</BirthDate>",
        "<FamilyName>O&apos;Brien</FamilyName>",
        "<CompanyName>Smith &amp; Wesson &lt;Tools&gt;</CompanyName>",
        "<CompanyName>Parkland Health</CompanyName>",
        "<IncomeAmount currencyID=\"USD\">6250.00</IncomeAmount>",
        "<IncomeAmount currencyID=\"USD\">3100.00</IncomeAmount>",
        "<OtherIncomeAmount currencyID=\"USD\">400.00</OtherIncomeAmount>",
        "<IncomeSource>child support</IncomeSource>",
        "<URIID>maria.gonzalez@example.com</URIID>",
        "<CompleteNumber>2145550187</CompleteNumber>",
        "<VehicleID>2T1BURHE0JC014702</VehicleID>",
        "<SaleClassCode>Used</SaleClassCode>",
        "<MakeString>Toyota</MakeString>",
        "<AnnualPercentageRate>7.49</AnnualPercentageRate>",
        "<TermMeasure unitCode=\"month\">60</TermMeasure>",
        "<DownPaymentAmount currencyID=\"USD\">2000.00</DownPaymentAmount>",
        "<PurchasePriceAmount currencyID=\"USD\">15995.00</PurchasePriceAmount>",
        "<ApplicationTypeString>Joint</ApplicationTypeString>",
        "<TradeInVehicleCredit>",
        "<TradeAllowanceAmount currencyID=\"USD\">4000.00</TradeAllowanceAmount>",
        "<PriorCreditOrLeaseOwedOnTradeAmount currencyID=\"USD\">5500.00</PriorCreditOrLeaseOwedOnTradeAmount>",
        "<NetTradeAllowanceAmount currencyID=\"USD\">-1500.00</NetTradeAllowanceAmount>",
        "<ResidencePeriod>",
        "<EmploymentPeriod>",
    ] {
        assert!(doc.contains(part), "{part} missing:\n{doc}");
    }
    // an individual draft with no lender chosen yet and no other income still validates
    let mut bare = application_input(d.deal().id.as_str(), None);
    bare.other_income.clear();
    bare.references.clear();
    let b = app::create_application(&f.store, &cli_actor(), &bare, now())
        .await
        .expect("bare application");
    let bare_doc = star::export_application_xml(&f.store, &fiona, &b.id, now())
        .await
        .expect("exported");
    assert_valid(&bare_doc, "an application without a lender");
    assert!(!bare_doc.contains("<Co-Applicant>") && !bare_doc.contains("<OtherIncome>"));

    // the amount financed and payment are the deal's stored figures
    let input = {
        let mut conn = f.store.pool().acquire().await.expect("conn");
        app::assist_input(&mut conn, &a.id).await.expect("input")
    };
    assert!(doc.contains(&format!(
        "<NetAmountFinanced currencyID=\"USD\">{}</NetAmountFinanced>",
        input.amount_financed.to_plain()
    )));
    assert!(doc.contains(&format!(
        "<PaymentAmount currencyID=\"USD\">{}</PaymentAmount>",
        input.payment.to_plain()
    )));

    // audited, both the refusal and the export, with no SSN or date of birth
    let audit = audit_text(&f.store).await;
    assert!(
        audit.lines().any(|l| l.contains("application.export_star")
            && l.contains(a.id.as_str())
            && l.contains("success")),
        "{audit}"
    );
    assert!(
        audit
            .lines()
            .any(|l| l.contains("application.export_star") && l.contains("denied")),
        "{audit}"
    );
    for pii in [
        "123456789",
        "123-45-6789",
        "345678901",
        "345-67-8901",
        "1984-03-09",
        "03/09/1984",
        "1986-07-04",
        "07/04/1986",
    ] {
        assert!(!audit.contains(pii), "{pii} in the audit log");
    }
    assert!(doc.contains("<GivenName>Seán</GivenName>") && !co.as_str().is_empty());
}

#[tokio::test]
async fn every_demo_application_and_decision_exports_schema_valid() {
    let f = fresh().await;
    dealerdesk_services::demo::fill(&f.store, 2026, 60, now(), today())
        .await
        .expect("demo");
    let page = app::list_applications(&f.store, &ApplicationFilter::default())
        .await
        .expect("list");
    assert!(page.items.len() >= 5);
    let mut decisions = 0;
    for a in &page.items {
        let doc = star::export_application_xml(&f.store, &cli_actor(), &a.id, now())
            .await
            .expect("exports");
        assert_valid(&doc, &format!("demo application {} ({})", a.id, a.state));
        match star::export_decision_xml(&f.store, &a.id, now()).await {
            Ok(d) => {
                decisions += 1;
                assert_valid(&d, &format!("the decision of {}", a.id));
                let back = star::parse_decision(&d).expect("our decision reads back");
                assert_eq!(back.application_id, a.id);
            }
            Err(StarError::NoDecision(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(decisions >= 3, "the demo has decided applications");
}

// ----- import ------------------------------------------------------------------------------

#[tokio::test]
async fn a_conditional_decision_creates_its_stipulations_and_round_trips() {
    let f = fresh().await;
    let (_, id) = submitted(&f.store).await;
    let file = conditional_file(id.as_str());
    assert_valid(&file, "the lender's conditional file");
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);

    let before = snapshot(&f.store).await;
    assert!(matches!(
        star::import_decision_xml(&f.store, &sam, &file, later()).await,
        Err(StarError::Application(
            app::ApplicationError::RoleCannot { .. }
        ))
    ));
    assert_eq!(
        snapshot(&f.store).await,
        before,
        "a refused import stores nothing"
    );

    let r = star::import_decision_xml(&f.store, &fiona, &file, later())
        .await
        .expect("imported");
    assert_eq!(r.outcome, ApplicationState::Conditional);
    assert_eq!(r.lender_code, "TESTBANK");
    assert_eq!(r.rate_sheet_version, 1);
    assert_eq!(r.tier.as_deref(), Some("Gold"));
    let custom = "Signed GAP waiver & O'Brien's \"fine print\"";
    assert_eq!(
        r.stipulations,
        vec!["proof_of_income", "proof_of_insurance", custom]
    );

    let a = app::get_application(&f.store, &cli_actor(), &id, later())
        .await
        .expect("app");
    assert_eq!(a.state, ApplicationState::Conditional);
    let d = a.decisions.last().expect("a decision");
    assert_eq!(d.source, "star");
    assert_eq!(d.rate_sheet_version, 1);
    assert_eq!(
        d.decided_at, "2026-11-25T15:20:00.000Z",
        "the lender's time"
    );
    assert_eq!(d.decision.buy_rate.as_deref(), Some("5.49"));
    assert_eq!(d.decision.approved_amount.as_deref(), Some("13789.69"));
    assert_eq!(d.decision.approved_term, Some(60));
    let mut codes: Vec<&str> = a.stipulations.iter().map(|s| s.code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, vec![custom, "proof_of_income", "proof_of_insurance"]);
    assert!(a.stipulations.iter().any(|s| s.description == custom));
    let last = a.history.last().expect("history");
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("condition", "lender:star")
    );
    let outbox: Vec<String> = sqlx::query_scalar("SELECT status FROM lender_outbox")
        .fetch_all(f.store.pool())
        .await
        .expect("outbox");
    assert_eq!(outbox, vec!["answered"], "the submission is answered");

    // import -> export: the same decision, field by field
    let exported = star::export_decision_xml(&f.store, &id, later())
        .await
        .expect("exported");
    assert_valid(&exported, "the exported decision");
    let a_in = star::parse_decision(&file).expect("in");
    let a_out = star::parse_decision(&exported).expect("out");
    assert_eq!(a_out.application_id, a_in.application_id);
    assert_eq!(a_out.lender_code, a_in.lender_code);
    assert_eq!(a_out.lender_name, a_in.lender_name);
    assert_eq!(a_out.status_code, a_in.status_code);
    assert_eq!(a_out.lender_reference, a_in.lender_reference);
    assert_eq!(a_out.decided_at, a_in.decided_at);
    assert_eq!(a_out.decision.outcome, a_in.decision.outcome);
    assert_eq!(a_out.decision.tier, a_in.decision.tier);
    assert_eq!(a_out.decision.buy_rate, a_in.decision.buy_rate);
    assert_eq!(
        a_out.decision.max_contract_rate,
        a_in.decision.max_contract_rate
    );
    assert_eq!(
        a_out.decision.approved_amount,
        a_in.decision.approved_amount
    );
    assert_eq!(a_out.decision.approved_term, a_in.decision.approved_term);
    assert_eq!(a_out.decision.stipulations, a_in.decision.stipulations);
    assert_eq!(a_out.decision.reasons, a_in.decision.reasons);
    assert_eq!(a_out, a_in, "nothing else differs either");

    // the same file again: the application is no longer submitted; nothing changes
    let before = snapshot(&f.store).await;
    assert!(matches!(
        star::import_decision_xml(&f.store, &fiona, &file, later()).await,
        Err(StarError::NotSubmitted {
            state: ApplicationState::Conditional,
            ..
        })
    ));
    assert_eq!(snapshot(&f.store).await, before);
    let audit = audit_text(&f.store).await;
    assert!(audit.contains("application.import_decision"), "{audit}");
    assert!(!audit.contains("123456789") && !audit.contains("1984-03-09"));
}

#[tokio::test]
async fn approved_countered_and_declined_decisions_are_recorded() {
    for (file_of, outcome, stips, reasons) in [
        (
            approved_file as fn(&str) -> String,
            ApplicationState::Approved,
            0usize,
            0usize,
        ),
        (countered_file, ApplicationState::Countered, 0, 1),
        (declined_file, ApplicationState::Declined, 0, 2),
    ] {
        let f = fresh().await;
        let (_, id) = submitted(&f.store).await;
        let file = file_of(id.as_str());
        assert_valid(&file, &format!("the lender's {outcome} file"));
        let r = star::import_decision_xml(&f.store, &cli_actor(), &file, later())
            .await
            .expect("imported");
        assert_eq!(r.outcome, outcome);
        let a = app::get_application(&f.store, &cli_actor(), &id, later())
            .await
            .expect("app");
        assert_eq!(a.state, outcome);
        assert_eq!(a.stipulations.len(), stips, "{outcome}");
        let d = a.decisions.last().expect("decision");
        assert_eq!(d.decision.reasons.len(), reasons, "{outcome}");
        match outcome {
            ApplicationState::Declined => assert_eq!(
                d.decision.reasons,
                vec![
                    "Excessive obligations in relation to income",
                    "Limited credit experience"
                ]
            ),
            ApplicationState::Countered => {
                assert_eq!(d.decision.approved_amount.as_deref(), Some("12000.00"));
                assert_eq!(d.decision.approved_term, Some(48));
                assert_eq!(d.decision.tier.as_deref(), Some("Silver"));
                // the counter's condition waits until the customer takes it
                assert_eq!(d.decision.stipulations, vec!["proof_of_residence"]);
                let a = app::transition(
                    &f.store,
                    &cli_actor(),
                    &id,
                    app::Action::AcceptCounter,
                    None,
                    later(),
                )
                .await
                .expect("accepted");
                assert_eq!(a.stipulations.len(), 1);
            }
            _ => {}
        }
        let exported = star::export_decision_xml(&f.store, &id, later())
            .await
            .expect("exported");
        assert_valid(&exported, &format!("the exported {outcome} decision"));
        assert_eq!(
            star::parse_decision(&exported).expect("reads"),
            star::parse_decision(&file).expect("reads"),
            "{outcome} round-trips"
        );
    }
}

#[tokio::test]
async fn bad_files_unknown_applications_and_wrong_states_store_nothing() {
    let f = fresh().await;
    let (d, id) = submitted(&f.store).await;
    let good = conditional_file(id.as_str());
    let before = snapshot(&f.store).await;
    let cases: Vec<(&str, String)> = vec![
        ("malformed", good[..good.len() / 2].to_string()),
        ("not xml", "lender says yes".to_string()),
        (
            "wrong namespace",
            good.replace(
                "http://www.starstandard.org/STAR/5",
                "http://www.starstandard.org/STAR/4",
            ),
        ),
        (
            "no namespace",
            good.replace(" xmlns=\"http://www.starstandard.org/STAR/5\"", ""),
        ),
        (
            "unknown application",
            conditional_file("no-such-application"),
        ),
        (
            "unknown status",
            good.replace(
                ">C</ApplicationStatusCode>",
                ">APPROVED</ApplicationStatusCode>",
            ),
        ),
        (
            "pending is not a decision",
            good.replace(">C</ApplicationStatusCode>", ">P</ApplicationStatusCode>"),
        ),
        ("no currency", good.replace(" currencyID=\"USD\"", "")),
        (
            "capitalised unit",
            good.replace("unitCode=\"month\"", "unitCode=\"Month\""),
        ),
        (
            "another lender",
            good.replace(
                "<PartyID>TESTBANK</PartyID>",
                "<PartyID>otherbank</PartyID>",
            ),
        ),
        ("an application message", {
            star::export_application_xml(&f.store, &cli_actor(), &id, now())
                .await
                .expect("export")
        }),
        (
            "too large",
            format!("{good}{}", " ".repeat(star::MAX_DECISION_BYTES)),
        ),
        (
            "external entity",
            good.replacen(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
                1,
            ),
        ),
    ];
    let before_audit = rows(&f.store, "audit_log").await;
    for (what, file) in &cases {
        let e = star::import_decision_xml(&f.store, &cli_actor(), file, later())
            .await
            .expect_err(what);
        let expected = match *what {
            "malformed" | "not xml" | "external entity" => matches!(e, StarError::Malformed(_)),
            "wrong namespace" | "no namespace" => matches!(e, StarError::WrongNamespace { .. }),
            "unknown application" => matches!(e, StarError::UnknownApplication(_)),
            "pending is not a decision" => matches!(e, StarError::NotDecided { .. }),
            "another lender" => matches!(e, StarError::WrongLender { .. }),
            "an application message" => matches!(e, StarError::NotADecision(_)),
            _ => matches!(e, StarError::Invalid { .. }),
        };
        assert!(expected, "{what}: {e:?}");
        assert!(!e.to_string().is_empty());
        assert_eq!(snapshot(&f.store).await, before, "{what} stored nothing");
    }
    // each refusal is audited (and nothing else is written)
    assert_eq!(
        rows(&f.store, "audit_log").await,
        before_audit + i64::try_from(cases.len()).unwrap_or(0)
    );

    // a ready (not submitted) application
    let other = {
        let mut input = application_input(d.deal().id.as_str(), d.lender.clone());
        input.credit_score = Some(700);
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
            app::Action::MarkReady,
            None,
            now(),
        )
        .await
        .expect("ready");
        a.id
    };
    let before = snapshot(&f.store).await;
    assert!(matches!(
        star::import_decision_xml(
            &f.store,
            &cli_actor(),
            &conditional_file(other.as_str()),
            later()
        )
        .await,
        Err(StarError::NotSubmitted {
            state: ApplicationState::Ready,
            ..
        })
    ));
    assert_eq!(snapshot(&f.store).await, before);
}

// ----- CLI ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_cli_exports_to_stdout_and_imports_a_decision_file() {
    let f = fresh().await;
    let (_, id) = submitted(&f.store).await;
    let db = f.db_path();
    f.store.close().await;

    let o = dd(&db, &["application", "export-star", id.as_str()]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let xml = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_valid(&xml, "the CLI export");
    assert!(xml.contains("<ApplicationStatusCode>P</ApplicationStatusCode>"));

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("app.xml");
    let o = dd(
        &db,
        &[
            "application",
            "export-star",
            id.as_str(),
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code(&o), 0);
    assert_valid(&std::fs::read_to_string(&out).expect("written"), "--out");

    let file = dir.path().join("decision.xml");
    std::fs::write(&file, declined_file(id.as_str())).expect("write");
    let o = dd(
        &db,
        &[
            "--json",
            "application",
            "import-decision",
            file.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let j = json(&o);
    assert_eq!(j["outcome"], "declined");
    assert_eq!(j["reasons"].as_array().map(Vec::len), Some(2));

    // again: not submitted any more
    let o = dd(
        &db,
        &[
            "--json",
            "application",
            "import-decision",
            file.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code(&o), 7);
    assert!(json(&o)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("declined"));
    let o = dd(&db, &["application", "export-decision", id.as_str()]);
    assert_eq!(code(&o), 0);
    assert_valid(
        &String::from_utf8_lossy(&o.stdout),
        "the CLI decision export",
    );
    // the rate-sheet import the lender network also needs
    let csv = dir.path().join("rates.csv");
    std::fs::write(&csv, TEST_CSV).expect("write");
    let o = dd(
        &db,
        &[
            "--json",
            "lender",
            "import-rates",
            csv.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["version"], 2);
    let o = dd(&db, &["application", "export-star", "nope"]);
    assert_eq!(code(&o), 4);
    let o = dd(
        &db,
        &["application", "import-decision", "/nonexistent/file.xml"],
    );
    assert_eq!(code(&o), 4);
}
