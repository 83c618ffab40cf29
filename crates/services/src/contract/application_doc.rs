//! The signed credit application as a document: a US Letter PDF of a credit application (the
//! applicant and any co-applicant, residence and employment history, income, housing, debts,
//! references, the vehicle and the deal structure, and the recorded credit-report consent with
//! its exact text), stored like a contract and signed through the same ceremony
//! ([`super::sign`]: ESIGN consent, fields in order, seal with a certificate of completion).
//!
//! Printed as a paper form would be, with personal data masked: the SSN shows its last four
//! digits only and the date of birth its year only (`••/••/1984`), as on screen. The document's
//! bytes are kept unencrypted in the database and handed to printers, folders and lenders'
//! jackets, while the full values stay encrypted at rest (design §5); the lender receives the
//! full identity through the application submission itself, not through this print. Only the
//! masked values enter the stored input, so nothing here needs a reveal.
//!
//! The renderer is pure: the same [`ApplicationDocInput`], mode and signatures give the same
//! bytes (the only time in the file is the input's `created`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::render::{certificate_pages, party_text, us_date, usd, vehicle_row, Sheet, BODY, SMALL};
use super::{
    get_document, record_document, void_replaced, AppliedSignature, Certificate, ContractError,
    ContractParty, ContractVehicle, DocumentStatus, NewDocument, Origin, RenderMode, Rendered,
    RenderedDocument, Signer,
};
use crate::application::{self as app, ApplicationError, ApplicationView, CONSENT_TEXTS};
use crate::auth::{Actor, Permission};
use crate::customer::validate::parse_date;
use crate::deal::{self, OptionTerms};
use dealerdesk_pdf::{DocInfo, TextStyle};
use dealerdesk_rules::ids::{ApplicationId, CustomerId, DealId, DocumentId};
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::{mask_digits, sha256_hex, BirthDate};
use dealerdesk_store::read::contract as contract_read;
use dealerdesk_store::repo::contract_document as doc_repo;
use dealerdesk_store::{new_id, Store};

/// Kind of a credit application document in `contract_document`.
pub const KIND: &str = "credit_application";

/// The ECOA / Regulation B §1002.5(d)(2) notice printed where income is asked.
pub const ALIMONY_NOTICE: &str = "Alimony, child support, or separate maintenance income need \
not be revealed if you do not wish to have it considered as a basis for repaying this obligation.";

/// One applicant as the form prints them (masked identifiers only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantBlock {
    pub name: String,
    /// `••/••/1984`.
    pub dob_masked: String,
    /// `•••-••-6789`.
    pub ssn_masked: String,
    pub phone: String,
    pub email: Option<String>,
    pub address: Vec<String>,
}

/// One line of a history or list: what, and the figure or date printed at the right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub label: String,
    pub value: String,
}

/// The credit-report consent as recorded on the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentBlock {
    pub captured_by: String,
    /// RFC 3339 UTC.
    pub at: String,
    pub text_version: String,
    /// The exact text the customer saw.
    pub text: String,
    pub text_sha256: String,
    /// "applicant" or "applicant,co_applicant".
    pub parties: String,
}

/// Everything a credit application document is rendered from: a snapshot of the application
/// at print time. Stored with the document so the ceremony re-renders exactly the same pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDocInput {
    pub document_id: DocumentId,
    pub application_id: ApplicationId,
    /// Printed as the application number.
    pub number: String,
    pub created: DateTime<Utc>,
    pub dealer: ContractParty,
    /// "individual" or "joint".
    pub intent: String,
    pub applicant: ApplicantBlock,
    pub co_applicant: Option<ApplicantBlock>,
    /// Address and "since MM/DD/YYYY", newest first as entered.
    pub residences: Vec<Line>,
    /// Employer (and title) and "since MM/DD/YYYY".
    pub employment: Vec<Line>,
    /// Money as plain decimals ("6250.00").
    pub gross_monthly_income: String,
    pub other_income: Vec<Line>,
    pub co_applicant_income: Option<String>,
    pub total_monthly_income: String,
    /// "Rent", "Own" …
    pub housing_status: String,
    pub housing_payment: String,
    pub other_monthly_debts: String,
    /// Name (relation) and phone.
    pub references: Vec<Line>,
    pub vehicle: ContractVehicle,
    /// The deal structure of the selected option: label and printed figure.
    pub structure_title: String,
    pub structure: Vec<Line>,
    pub consent: ConsentBlock,
}

fn from_app(e: ApplicationError) -> ContractError {
    match e {
        ApplicationError::NotFound { what, id } => ContractError::NotFound { what, id },
        ApplicationError::Database(d) => ContractError::Database(d),
        other => ContractError::QuoteDamaged(other.to_string()),
    }
}

fn line(label: impl Into<String>, value: impl Into<String>) -> Line {
    Line {
        label: label.into(),
        value: value.into(),
    }
}

/// A date as typed (ISO or MM/DD/YYYY) printed MM/DD/YYYY; anything unreadable as typed.
fn since(text: &str) -> String {
    parse_date(text).map_or_else(|| text.trim().to_string(), us_date)
}

/// Ten digits as a US number, "(214) 555-0187"; anything else as stored.
fn phone_text(stored: &str) -> String {
    let digits: String = stored.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.len() {
        11 if digits.starts_with('1') => digits[1..].to_string(),
        _ => digits,
    };
    if digits.len() == 10 {
        format!("({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        stored.trim().to_string()
    }
}

fn plain(text: &str) -> Result<String, ContractError> {
    Money::parse_user(text)
        .map(|m| m.to_plain())
        .map_err(|_| ContractError::QuoteDamaged(format!("the amount {text:?} is not money")))
}

async fn applicant(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<ApplicantBlock, ContractError> {
    let party = super::party(store, customer_id).await?;
    let row = contract_read::applicant(store, customer_id)
        .await?
        .ok_or_else(|| ContractError::NotFound {
            what: "customer",
            id: customer_id.to_string(),
        })?;
    let dob = store
        .cipher()
        .decrypt(
            &row.dob_enc,
            &crate::customer::ctx("dob", customer_id.as_str()),
        )
        .ok()
        .and_then(|d| parse_date(&d))
        .map(BirthDate::new)
        .ok_or_else(|| {
            ContractError::QuoteDamaged("the applicant's date of birth cannot be read".into())
        })?;
    Ok(ApplicantBlock {
        name: party.name,
        dob_masked: dob.masked(),
        ssn_masked: mask_digits(&format!("00000{}", row.ssn_last4)),
        phone: phone_text(&row.phone),
        email: row.email,
        address: party.address,
    })
}

fn housing_word(h: app::HousingStatus) -> &'static str {
    match h {
        app::HousingStatus::Own => "Own (no mortgage)",
        app::HousingStatus::Mortgage => "Own with mortgage",
        app::HousingStatus::Rent => "Rent",
        app::HousingStatus::Family => "Live with family",
        app::HousingStatus::Other => "Other",
    }
}

/// The structure of the deal's selected option (the one the application finances).
fn structure(opt: &deal::DealOptionView) -> Result<(String, Vec<Line>), ContractError> {
    let u = |s: &str| usd(s);
    let label = opt
        .label
        .as_deref()
        .map(|l| format!(" ({})", l.trim()))
        .unwrap_or_default();
    Ok(match &opt.terms {
        OptionTerms::Loan(t) => (
            format!("Retail installment sale, option {}{label}", opt.position),
            vec![
                line("Cash price of the vehicle", u(&t.price)?),
                line("Optional products", u(&t.addons)?),
                line("Taxes and official fees", u(&t.taxes_fees)?),
                line("Documentary and dealer fees", u(&t.dealer_fees)?),
                line("Cash down payment", u(&t.down)?),
                line("Trade-in allowance", u(&t.trade)?),
                line("Payoff owed on the trade-in", u(&t.payoff)?),
                line("Rebate", u(&t.rebate)?),
                line(
                    "Amount financed",
                    opt.amount_financed
                        .as_deref()
                        .map(u)
                        .transpose()?
                        .unwrap_or_default(),
                ),
                line("Contract rate", format!("{} %", t.rate.trim())),
                line(
                    "Annual percentage rate",
                    opt.apr
                        .as_deref()
                        .map(|a| format!("{} %", a.trim()))
                        .unwrap_or_default(),
                ),
                line("Term", format!("{} months", opt.term_months)),
                line("Monthly payment", u(&opt.monthly_payment)?),
            ],
        ),
        OptionTerms::Lease(t) => {
            let rate = match (&t.money_factor, &t.lease_rate) {
                (Some(mf), _) => line("Money factor", mf.trim().to_string()),
                (None, Some(r)) => line("Lease rate", format!("{} %", r.trim())),
                (None, None) => line("Money factor", String::new()),
            };
            (
                format!("Closed-end lease, option {}{label}", opt.position),
                vec![
                    line("Agreed value of the vehicle", u(&t.agreed_value)?),
                    line(
                        "Capitalized items (fees, products)",
                        u(&t.capitalized_items)?,
                    ),
                    line("Capitalized cost reduction", u(&t.cap_reduction)?),
                    line("Trade-in (part of the reduction)", u(&t.trade)?),
                    line("Rebate (part of the reduction)", u(&t.rebate)?),
                    line("Residual value", u(&t.residual)?),
                    rate,
                    line("Term", format!("{} months", opt.term_months)),
                    line(
                        "Amount due at signing",
                        opt.due_at_signing
                            .as_deref()
                            .map(u)
                            .transpose()?
                            .unwrap_or_default(),
                    ),
                    line("Total monthly payment", u(&opt.monthly_payment)?),
                ],
            )
        }
    })
}

/// The snapshot of application `application_id` for document `document_id`. Refuses an
/// application with no recorded credit-report consent (the signed application carries it), a
/// consent whose text no longer matches its recorded hash, and a deal whose saved figures were
/// changed outside DealerDesk.
pub async fn application_input(
    store: &Store,
    application_id: &ApplicationId,
    document_id: &DocumentId,
    number: &str,
    now: DateTime<Utc>,
) -> Result<(ApplicationDocInput, ApplicationView), ContractError> {
    let v = app::load_application(
        store,
        None,
        &ApplicationId::from(application_id.as_str().trim()),
        now,
    )
    .await
    .map_err(from_app)?;
    let c = v.consent.clone().ok_or_else(|| ContractError::NotReady {
        field: "consent",
        message: "record the applicant's consent to obtain a credit report before printing the \
credit application (the signed application carries it)"
            .into(),
    })?;
    let text = CONSENT_TEXTS
        .iter()
        .find(|(version, _)| *version == c.text_version)
        .map(|(_, t)| *t)
        .filter(|t| sha256_hex(t.as_bytes()) == c.text_sha256)
        .ok_or_else(|| {
            ContractError::QuoteDamaged(format!(
                "the recorded consent text {} does not match its recorded SHA-256",
                c.text_version
            ))
        })?;
    let d = deal::get_deal(store, &v.deal_id).await?;
    let opt = d
        .options
        .iter()
        .find(|o| o.selected)
        .or_else(|| d.options.first())
        .ok_or(ContractError::OptionMissing(1))?;
    if !opt.quote_intact {
        return Err(ContractError::QuoteTampered);
    }
    let (structure_title, structure) = structure(opt)?;
    let dealer = store.setting_text("dealership_name", "DealerDesk").await?;
    let co_applicant = match &v.co_applicant_id {
        Some(id) => Some(applicant(store, id).await?),
        None => None,
    };
    let gross = Money::parse_user(&v.gross_monthly_income)
        .map_err(|_| ContractError::QuoteDamaged("the application's income is not money".into()))?;
    let mut total = gross;
    let mut other_income = Vec::new();
    for o in &v.details.other_income {
        let m = Money::parse_user(&o.amount).map_err(|_| {
            ContractError::QuoteDamaged(format!("other income {:?} is not money", o.amount))
        })?;
        total = total + m;
        other_income.push(line(o.source.trim(), m.to_plain()));
    }
    let co_income = if v.co_applicant_id.is_some() {
        let m = Money::parse_user(&v.co_applicant_income).map_err(|_| {
            ContractError::QuoteDamaged("the co-applicant's income is not money".into())
        })?;
        total = total + m;
        Some(m.to_plain())
    } else {
        None
    };
    let input = ApplicationDocInput {
        document_id: document_id.clone(),
        application_id: v.id.clone(),
        number: number.to_string(),
        created: now,
        dealer: ContractParty {
            name: dealer,
            address: Vec::new(),
        },
        intent: v.intent.as_str().to_string(),
        applicant: applicant(store, &v.customer_id).await?,
        co_applicant,
        residences: v
            .details
            .residences
            .iter()
            .map(|r| line(r.address.trim(), format!("since {}", since(&r.since))))
            .collect(),
        employment: v
            .details
            .employment
            .iter()
            .map(|e| {
                let who = match e.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    Some(t) => format!("{}, {t}", e.employer.trim()),
                    None => e.employer.trim().to_string(),
                };
                line(who, format!("since {}", since(&e.since)))
            })
            .collect(),
        gross_monthly_income: gross.to_plain(),
        other_income,
        co_applicant_income: co_income,
        total_monthly_income: total.to_plain(),
        housing_status: housing_word(v.housing_status).to_string(),
        housing_payment: plain(&v.housing_payment)?,
        other_monthly_debts: plain(&v.other_monthly_debts)?,
        references: v
            .details
            .references
            .iter()
            .map(|r| {
                line(
                    format!("{} ({})", r.name.trim(), r.relation.trim()),
                    phone_text(&r.phone),
                )
            })
            .collect(),
        vehicle: super::vehicle_of(store, &d.vehicle_id).await?,
        structure_title,
        structure,
        consent: ConsentBlock {
            captured_by: c.captured_by.clone(),
            at: c.at.clone(),
            text_version: c.text_version.clone(),
            text: text.to_string(),
            text_sha256: c.text_sha256.clone(),
            parties: c.parties.clone(),
        },
    };
    Ok((input, v))
}

/// SHA-256 of the snapshot's content (without the document's own id), kept in the document's
/// `quote_sha256` column like a contract keeps its quote's fingerprint.
pub fn snapshot_sha256(input: &ApplicationDocInput) -> Result<String, ContractError> {
    let bare = ApplicationDocInput {
        document_id: DocumentId::from(String::new()),
        ..input.clone()
    };
    serde_json::to_string(&bare)
        .map(|j| sha256_hex(j.as_bytes()))
        .map_err(|e| ContractError::QuoteDamaged(e.to_string()))
}

fn when(at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| {
            t.with_timezone(&Utc)
                .format("%m/%d/%Y %H:%M UTC")
                .to_string()
        },
    )
}

fn applicant_section(
    s: &mut Sheet<'_>,
    title: &str,
    a: &ApplicantBlock,
) -> Result<(), ContractError> {
    s.heading(title)?;
    s.amount_line(0.0, "Name", a.name.trim(), true)?;
    s.amount_line(0.0, "Date of birth", &a.dob_masked, false)?;
    s.amount_line(0.0, "Social Security number", &a.ssn_masked, false)?;
    s.amount_line(0.0, "Phone", a.phone.trim(), false)?;
    s.amount_line(
        0.0,
        "E-mail",
        a.email.as_deref().map(str::trim).unwrap_or("—"),
        false,
    )?;
    let address = a
        .address
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    s.amount_line(
        0.0,
        "Current address",
        if address.is_empty() { "—" } else { &address },
        false,
    )
}

fn lines(s: &mut Sheet<'_>, items: &[Line], none: &str) -> Result<(), ContractError> {
    if items.is_empty() {
        return s.para(none, BODY);
    }
    for l in items {
        s.amount_line(0.0, &l.label, &l.value, false)?;
    }
    Ok(())
}

/// Renders the credit application document. Signature fields: `applicant-sign` (the
/// applicant, [`Signer::Buyer`] in the ceremony) and, for a joint application,
/// `co_applicant-sign` ([`Signer::CoBuyer`]). There is no dealer countersignature.
pub fn render_application(
    input: &ApplicationDocInput,
    mode: RenderMode,
    signatures: &[AppliedSignature],
    certificate: Option<&Certificate>,
) -> Result<Rendered, ContractError> {
    let dealer = input.dealer.name.trim();
    let info = DocInfo {
        title: "Credit Application".into(),
        subject: format!(
            "Credit application of {} for a {} {} {}",
            input.applicant.name.trim(),
            input.vehicle.year,
            input.vehicle.make,
            input.vehicle.model
        ),
        author: dealer.to_string(),
        document_id: input.document_id.to_string(),
        created: input.created,
    };
    let header = format!(
        "{dealer} · Credit Application · Application no. {}",
        input.number
    );
    let mut s = Sheet::new(info, header, mode, signatures)?;
    let joint = input.co_applicant.is_some();

    s.centered("CREDIT APPLICATION", TextStyle::bold(15.0))?;
    s.centered(
        if joint {
            "Joint credit"
        } else {
            "Individual credit"
        },
        TextStyle::regular(9.0),
    )?;
    s.space(4.0);
    s.para(
        &format!(
            "Application no. {}    Printed: {}",
            input.number,
            input.created.format("%m/%d/%Y")
        ),
        BODY,
    )?;
    s.para(&party_text("Dealer", &input.dealer), BODY)?;
    if joint {
        s.para(
            "We intend to apply for joint credit. Each of us signs below.",
            TextStyle::bold(8.5),
        )?;
    } else {
        s.para(
            "I am applying for individual credit in my own name, relying on my own income or \
assets.",
            BODY,
        )?;
    }

    applicant_section(&mut s, "APPLICANT", &input.applicant)?;
    if let Some(co) = &input.co_applicant {
        applicant_section(&mut s, "CO-APPLICANT", co)?;
    }

    s.heading("RESIDENCE HISTORY (TWO YEARS)")?;
    lines(&mut s, &input.residences, "No residence history given.")?;
    s.amount_line(0.0, "Housing", &input.housing_status, false)?;
    s.amount_line(
        0.0,
        "Monthly rent or mortgage payment",
        &usd(&input.housing_payment)?,
        false,
    )?;

    s.heading("EMPLOYMENT HISTORY (TWO YEARS)")?;
    lines(&mut s, &input.employment, "No employment history given.")?;

    s.heading("INCOME AND DEBTS (MONTHLY)")?;
    s.amount_line(
        0.0,
        "Applicant's gross monthly income",
        &usd(&input.gross_monthly_income)?,
        false,
    )?;
    for o in &input.other_income {
        s.amount_line(
            0.0,
            &format!("Other income: {}", o.label),
            &usd(&o.value)?,
            false,
        )?;
    }
    if let Some(co) = &input.co_applicant_income {
        s.amount_line(0.0, "Co-applicant's gross monthly income", &usd(co)?, false)?;
    }
    s.amount_line(
        0.0,
        "Total monthly income",
        &usd(&input.total_monthly_income)?,
        true,
    )?;
    s.amount_line(
        0.0,
        "Other monthly debt payments",
        &usd(&input.other_monthly_debts)?,
        false,
    )?;
    s.para(ALIMONY_NOTICE, SMALL)?;

    s.heading("REFERENCES")?;
    lines(&mut s, &input.references, "No references given.")?;

    s.heading("VEHICLE AND DEAL STRUCTURE")?;
    vehicle_row(&mut s, &input.vehicle)?;
    s.space(4.0);
    s.para(&input.structure_title, TextStyle::bold(8.5))?;
    lines(&mut s, &input.structure, "No figures saved.")?;

    s.heading("CONSENT TO OBTAIN A CREDIT REPORT")?;
    s.boxed_text(&input.consent.text, TextStyle::regular(9.0), Some(0.95))?;
    s.space(3.0);
    let parties = if input.consent.parties.contains("co_applicant") {
        "the applicant and the co-applicant"
    } else {
        "the applicant"
    };
    s.para(
        &format!(
            "Consent given by {parties}, recorded {} by {} (text version {}, SHA-256 {}).",
            when(&input.consent.at),
            input.consent.captured_by.trim(),
            input.consent.text_version,
            input.consent.text_sha256
        ),
        SMALL,
    )?;

    s.heading("SIGNATURES")?;
    s.para(
        "By signing, each of us certifies that everything stated in this application is true \
and complete, authorizes the dealer and the lenders it submits this application to to verify it, \
and confirms the consent to obtain a credit report above. The dealer may keep this application \
whether or not credit is extended.",
        TextStyle::bold(8.5),
    )?;
    s.signature_line(
        "applicant-sign",
        Signer::Buyer,
        &format!("Applicant signature: {}", input.applicant.name.trim()),
    )?;
    if let Some(co) = &input.co_applicant {
        s.signature_line(
            "co_applicant-sign",
            Signer::CoBuyer,
            &format!("Co-applicant signature: {}", co.name.trim()),
        )?;
    }
    if let Some(c) = certificate {
        certificate_pages(
            &mut s,
            &format!("Credit application no. {}", input.number),
            c,
            |signer| {
                match signer {
                    Signer::Buyer => "applicant",
                    Signer::CoBuyer => "co-applicant",
                    Signer::Dealer => "dealer",
                }
                .to_string()
            },
        )?;
    }
    let (bytes, page_count, fields) = s.finish()?;
    if let Some(unknown) = signatures
        .iter()
        .find(|sig| !fields.iter().any(|f| f.id == sig.field_id))
    {
        return Err(ContractError::UnknownField(unknown.field_id.clone()));
    }
    Ok(Rendered {
        sha256: sha256_hex(&bytes),
        bytes,
        page_count,
        fields,
        kind: KIND,
    })
}

/// Renders the credit application `application_id` as a document, stores the exact bytes as a
/// new version (numbered with the deal's documents) and audits `contract.render`, in one
/// transaction.
///
/// - [`RenderMode::Original`] (finance manager or admin) makes the application's one
///   authoritative document, to be signed through the ceremony; an earlier unsigned original of
///   the same application is voided; a signed one refuses ([`ContractError::AlreadySigned`]).
/// - [`RenderMode::Copy`] (any staff) is stamped COPY and never authoritative.
///
/// Refuses an application without a recorded credit-report consent
/// ([`ContractError::NotReady`], field `consent`); nothing is stored then.
#[tracing::instrument(skip_all, err)]
pub async fn render_for_application(
    store: &Store,
    actor: &Actor,
    application_id: &ApplicationId,
    mode: RenderMode,
    now: DateTime<Utc>,
) -> Result<RenderedDocument, ContractError> {
    let application_id = &ApplicationId::from(application_id.as_str().trim());
    if mode == RenderMode::Original && !actor.may(Permission::PrintOriginal) {
        let event = AuditEvent::new(actor.name(), "contract.render", AuditOutcome::Denied)
            .subject(format!("application:{application_id}"))
            .detail("credit application original refused: role");
        audit::record(store, now, &event).await?;
        return Err(ContractError::Forbidden);
    }
    let deal_id = contract_read::deal_of_application(store, application_id)
        .await?
        .ok_or_else(|| ContractError::NotFound {
            what: "application",
            id: application_id.to_string(),
        })?;
    let version = {
        let mut conn = store.pool().acquire().await?;
        doc_repo::next_version(&mut conn, &DealId::from(deal_id.as_str())).await?
    };
    let id = new_id();
    let number = format!(
        "A{}-{version}",
        application_id
            .as_str()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .skip(20)
            .take(12)
            .collect::<String>()
            .to_uppercase()
    );
    let (input, _) = application_input(
        store,
        application_id,
        &DocumentId::from(id.as_str()),
        &number,
        now,
    )
    .await?;
    let rendered = render_application(&input, mode, &[], None)?;
    let snapshot = snapshot_sha256(&input)?;
    let mut w = store.write(now).await?;
    let mut superseded = None;
    if mode == RenderMode::Original {
        let current = doc_repo::authoritative_application_doc(w.conn(), application_id).await?;
        if let Some(current) = current {
            superseded = Some(void_replaced(w.conn(), store, current, now).await?);
        }
    }
    let fields_json = serde_json::to_string(&rendered.fields)
        .map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    let input_json =
        serde_json::to_string(&input).map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    record_document(
        w.conn(),
        store,
        &NewDocument {
            id: &id,
            origin: Origin {
                deal_id: &deal_id,
                option_id: None,
                option_position: None,
                application_id: Some(application_id.as_str()),
                kind: KIND,
                quote_sha256: &snapshot,
            },
            version,
            status: DocumentStatus::Draft,
            authoritative: mode == RenderMode::Original,
            rendered: (&rendered).into(),
            fields_json: &fields_json,
            input_json: &input_json,
            supersedes: superseded.as_deref(),
            actor,
            signed_at: None,
        },
        now,
    )
    .await?;
    let event = AuditEvent::new(actor.name(), "contract.render", AuditOutcome::Success)
        .subject(format!("contract:{id}"))
        .detail(format!(
            "application:{application_id} deal:{deal_id} credit application v{version} {} {} pages \
sha256:{} snapshot sha256:{snapshot}{}",
            mode.as_str(),
            rendered.page_count,
            rendered.sha256,
            superseded
                .as_deref()
                .map(|s| format!(" supersedes contract:{s}"))
                .unwrap_or_default()
        ));
    w.audit(event);
    w.commit().await?;
    let record = get_document(store, &DocumentId::from(id.as_str())).await?;
    Ok(RenderedDocument {
        record,
        pdf: rendered.bytes,
    })
}

/// The documents of a credit application, newest version first.
pub async fn list_for_application(
    store: &Store,
    application_id: &ApplicationId,
) -> Result<Vec<super::ContractRecord>, ContractError> {
    doc_repo::list_for_application(store, &ApplicationId::from(application_id.as_str().trim()))
        .await?
        .into_iter()
        .map(super::record_from)
        .collect()
}
