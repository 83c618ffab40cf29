//! STAR XML exchange with lender networks: an application goes out as a STAR 5
//! `ProcessCreditApplication`; a lender's `ProcessCreditDecision` or `AcknowledgeCreditDecision`
//! comes back and is recorded through the same decision path as the simulator's answers
//! ([`super::submit`]); a recorded decision goes out again as a `ProcessCreditDecision`.
//!
//! **Every STAR element name lives in this module.** The reference is STAR release 5.1.4 (the
//! schemas in `../shared/star/`). Lender networks run different 5.x releases, so the reader
//! accepts the names of later releases where they are known (the header and detail of a decision
//! are `CreditDecisionHeader`/`CreditDecisionDetail` in 5.1.4 and `Header`/`Detail` later; the
//! status is `ApplicationStatusCode` in 5.1.4 and `ApplicationStatus` later): each lookup takes a
//! list of alternative names, listed in the constants below. The writer always writes 5.1.4.
//!
//! What 5.1.4 has no place for, and so is not sent: housing status and payment, other monthly
//! debts, residences before the current one, the reference's relation. The maximum contract rate
//! of a decision (buy rate plus allowed markup) has no element either; it travels as a
//! `FinancingComments` line starting with [`MAX_CONTRACT_RATE_PREFIX`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use dealerdesk_rules::dates::whole_months;
use dealerdesk_rules::ids::{ApplicationId, CustomerId};
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

use super::stips::StipCode;
use super::submit::{decision_action, record_decision_tx, DecisionRecord, LenderDecision};
use super::{
    assist_input, check_actor, rates, state_of, ApplicationDetails, ApplicationError,
    ApplicationState, Intent, Unmet,
};
use crate::auth::{Actor, Permission};
use crate::customer::validate::parse_date;
use crate::deal::OptionTerms;
use dealerdesk_rules::star::xml::{self, Element};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::CryptoError;
use dealerdesk_store::read::application as read_app;
use dealerdesk_store::repo::{credit_application, lender, lender_outbox, rate_sheet};
use dealerdesk_store::{new_id, parse_ts, Store};

/// The STAR 5 namespace.
pub const STAR_NAMESPACE: &str = "http://www.starstandard.org/STAR/5";
/// The release the writer follows.
pub const STAR_RELEASE: &str = "5.1.4";
/// The software named as the creator of every message.
pub const CREATOR_NAME: &str = "DealerDesk";
/// The largest decision file accepted (a decision is a few kilobytes).
pub const MAX_DECISION_BYTES: usize = 2 * 1024 * 1024;
/// How the maximum contract rate travels in a decision's `Financing/FinancingComments`.
pub const MAX_CONTRACT_RATE_PREFIX: &str = "Maximum contract rate: ";

// ----- names of several releases (reader) --------------------------------------------------

const DECISION_ROOTS: &[&str] = &["ProcessCreditDecision", "AcknowledgeCreditDecision"];
const DECISION_DATA_AREAS: &[&str] = &[
    "ProcessCreditDecisionDataArea",
    "AcknowledgeCreditDecisionDataArea",
    "DataArea",
];
const DECISION_NOUN: &[&str] = &["CreditDecision"];
const DECISION_HEADER: &[&str] = &["CreditDecisionHeader", "Header"];
const DECISION_DETAIL: &[&str] = &["CreditDecisionDetail", "Detail"];
const STATUS: &[&str] = &["ApplicationStatusCode", "ApplicationStatus"];
const DOC_GROUP: &[&str] = &["DocumentIdentificationGroup"];
const DOC_ID_ELEMENT: &[&str] = &["DocumentIdentification"];
const DOC_ID: &[&str] = &["DocumentID"];
const FINANCE_PARTY: &[&str] = &["FinanceParty"];
const PARTY_ID: &[&str] = &["PartyID"];
const ORGANIZATION: &[&str] = &["SpecifiedOrganization"];
const COMPANY_NAME: &[&str] = &["CompanyName"];
const APPLICATION_NUMBER: &[&str] = &["ApplicationNumberString", "ApplicationNumber"];
const DECISION: &[&str] = &["Decision"];
const CONDITION_REJECTION: &[&str] = &["ConditionRejection"];
const CONDITION_TEXT: &[&str] = &["ConditionRejectionText"];
const CONDITION_CODE: &[&str] = &["ConditionRejectionReasonCode"];
const DECISION_DATE_TIME: &[&str] = &["DecisionDateTime"];
const FINANCING: &[&str] = &["Financing"];
const APR: &[&str] = &["AnnualPercentageRate"];
const FINANCING_COMMENTS: &[&str] = &["FinancingComments"];
const TERM: &[&str] = &["TermMeasure"];
const FINAL_AMOUNTS: &[&str] = &["FinalFinancingAmounts", "EstimatedFinancingAmounts"];
const APPROVED_AMOUNT: &[&str] = &["ApprovedAmount"];
const TIER_CODE: &[&str] = &["TierCode"];
const TIER_DESCRIPTION: &[&str] = &["TierDescription"];
const STIPULATIONS: &[&str] = &["Stipulations", "Stipulation"];

// ----- errors ----------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum StarError {
    #[error("the file is not readable XML ({0}); ask the lender to send it again")]
    Malformed(String),
    #[error("this is not a STAR 5 message: its namespace is {found}, not {STAR_NAMESPACE}")]
    WrongNamespace { found: String },
    #[error("this is a {0} message, not a lender's credit decision")]
    NotADecision(String),
    #[error("the decision is missing {0}")]
    Missing(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("the lender's status {code} ({meaning}) is not a decision; nothing was recorded")]
    NotDecided { code: String, meaning: String },
    #[error("the decision names application {0}, which is not on this desk")]
    UnknownApplication(String),
    #[error(
        "application {id} is {state}; a lender's decision is recorded only while it is submitted"
    )]
    NotSubmitted { id: String, state: ApplicationState },
    #[error("the decision comes from lender {found}, but application {id} was sent to {expected}")]
    WrongLender {
        id: String,
        found: String,
        expected: String,
    },
    #[error("your role cannot export a credit application (it holds the SSN and date of birth); a finance manager or admin must")]
    Forbidden,
    #[error("application {0} has no lender decision yet")]
    NoDecision(String),
    #[error(transparent)]
    Application(#[from] ApplicationError),
    #[error("the customer's protected data cannot be read: {0}")]
    Crypto(#[from] CryptoError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StarError {
    /// A short code for the audit log and the UI (never the file's content).
    pub fn code(&self) -> &'static str {
        match self {
            StarError::Malformed(_) => "malformed_xml",
            StarError::WrongNamespace { .. } => "wrong_namespace",
            StarError::NotADecision(_) => "not_a_decision",
            StarError::Missing(_) => "missing_element",
            StarError::Invalid { .. } => "invalid_value",
            StarError::NotDecided { .. } => "not_decided",
            StarError::UnknownApplication(_) => "unknown_application",
            StarError::NotSubmitted { .. } => "not_submitted",
            StarError::WrongLender { .. } => "wrong_lender",
            StarError::Forbidden => "forbidden",
            StarError::NoDecision(_) => "no_decision",
            StarError::Application(_) => "application",
            StarError::Crypto(_) => "crypto",
            StarError::Database(_) => "database",
        }
    }

    /// The input field at fault.
    pub fn field(&self) -> Option<&str> {
        match self {
            StarError::Invalid { field, .. } => Some(field),
            StarError::Application(e) => e.field(),
            StarError::Malformed(_)
            | StarError::WrongNamespace { .. }
            | StarError::NotADecision(_)
            | StarError::Missing(_)
            | StarError::NotDecided { .. } => Some("file"),
            StarError::UnknownApplication(_) | StarError::NotSubmitted { .. } => {
                Some("application_id")
            }
            _ => None,
        }
    }
}

fn bad(field: &str, message: impl Into<String>) -> StarError {
    StarError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

// ----- the application, as mapped (no store) ---------------------------------------------

/// The message's envelope (`ApplicationArea`).
#[derive(Debug, Clone, PartialEq)]
pub struct StarEnvelope {
    /// `Sender/SenderNameCode`: the dealership.
    pub sender: String,
    /// `Destination/DestinationNameCode`: the lender's code.
    pub destination: Option<String>,
    pub created: DateTime<Utc>,
    /// `BODID`: unique per message.
    pub bod_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarAddress {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarEmployment {
    pub employer: String,
    pub title: Option<String>,
    pub since: Option<NaiveDate>,
    /// The next job's start; `None` for the current job.
    pub until: Option<NaiveDate>,
    /// Gross monthly income (the current job).
    pub monthly_income: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarReference {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarApplicant {
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub suffix: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Nine digits.
    pub ssn: Option<String>,
    pub address: Option<StarAddress>,
    pub residence_since: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Newest first.
    pub employment: Vec<StarEmployment>,
    /// Monthly, with the source.
    pub other_income: Vec<(String, Decimal)>,
    pub references: Vec<StarReference>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarVehicle {
    pub vin: String,
    pub model_year: i32,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarFinancing {
    pub lease: bool,
    pub joint: bool,
    pub application_date: NaiveDate,
    /// Contract rate, percent (loans).
    pub rate: Option<Decimal>,
    pub money_factor: Option<String>,
    pub term_months: u32,
    pub payment: Decimal,
    pub amount_financed: Decimal,
    /// Cash down.
    pub down_payment: Decimal,
    pub sale_price: Decimal,
    pub rebate: Decimal,
    pub residual: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StarTradeIn {
    pub allowance: Decimal,
    pub payoff: Decimal,
}

/// An application as STAR carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct StarApplication {
    pub envelope: StarEnvelope,
    /// `DocumentID`: the application's id; a decision names it back.
    pub document_id: String,
    pub state: ApplicationState,
    pub lender_code: Option<String>,
    pub lender_name: Option<String>,
    pub dealer_name: String,
    pub applicant: StarApplicant,
    pub co_applicant: Option<StarApplicant>,
    pub vehicle: Option<StarVehicle>,
    pub financing: Option<StarFinancing>,
    pub trade_in: Option<StarTradeIn>,
}

/// `ApplicationStatusCode` (a closed list in 5.1.4) for an application's state.
pub fn application_status_code(state: ApplicationState) -> &'static str {
    match state {
        ApplicationState::Draft | ApplicationState::Ready => "N",
        ApplicationState::Submitted => "P",
        ApplicationState::Approved => "A",
        ApplicationState::Conditional => "C",
        ApplicationState::Countered => "M",
        ApplicationState::Declined => "D",
        ApplicationState::Contracted | ApplicationState::Funded => "B",
        ApplicationState::Withdrawn => "I",
        ApplicationState::Expired => "L",
    }
}

/// The 5.1.4 `ApplicationStatusCode` list with its meanings.
const STATUS_CODES: &[(&str, &str)] = &[
    ("P", "Pending"),
    ("A", "Approved"),
    ("C", "Approved with Conditions"),
    ("D", "Denied"),
    ("B", "Booked"),
    ("N", "New"),
    ("M", "Modified"),
    ("R", "Preliminary"),
    ("I", "Withdrawn"),
    ("L", "Canceled"),
    ("O", "Condition"),
    ("E", "Error"),
    ("RO", "Reopened"),
    ("OT", "Other"),
    ("Pre-Approved", "Pre-Approved"),
    ("More Information Required", "More Information Required"),
    ("Not Submitted", "Not Submitted"),
];

/// The decision a status code means: approved (`A`), conditional (`C`, `O`), countered
/// (`M`, modified terms) or declined (`D`). Any other listed code is not a decision.
pub fn outcome_of_status(code: &str) -> Result<ApplicationState, StarError> {
    let code = code.trim();
    match code {
        "A" => Ok(ApplicationState::Approved),
        "C" | "O" => Ok(ApplicationState::Conditional),
        "M" => Ok(ApplicationState::Countered),
        "D" => Ok(ApplicationState::Declined),
        other => match STATUS_CODES.iter().find(|(c, _)| *c == other) {
            Some((c, meaning)) => Err(StarError::NotDecided {
                code: (*c).to_string(),
                meaning: (*meaning).to_string(),
            }),
            None => Err(bad(
                "ApplicationStatusCode",
                format!(
                    "unknown status code \"{}\"; STAR 5 uses A (approved), C (approved with conditions), M (modified: countered) or D (denied)",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        },
    }
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn amount(name: &str, d: Decimal) -> Element {
    Element::leaf(name, money(d)).attr("currencyID", "USD")
}

fn months(name: &str, n: u32) -> Element {
    Element::leaf(name, n.to_string()).attr("unitCode", "month")
}

fn datetime(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The message's own times: whole seconds.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn date_start(d: NaiveDate) -> String {
    format!("{}T00:00:00", d.format("%Y-%m-%d"))
}

fn application_area(env: &StarEnvelope) -> Element {
    Element::new("ApplicationArea")
        .with(
            Element::new("Sender")
                .with(Element::leaf("CreatorNameCode", CREATOR_NAME))
                .with(Element::leaf("SenderNameCode", env.sender.clone())),
        )
        .with(Element::leaf("CreationDateTime", stamp(env.created)))
        .with(Element::leaf("BODID", env.bod_id.clone()))
        .with(
            Element::new("Destination").with_opt(
                env.destination
                    .as_ref()
                    .map(|d| Element::leaf("DestinationNameCode", d.clone())),
            ),
        )
}

fn organization_party(name: &str, id: Option<&str>, company: Option<&str>) -> Element {
    Element::new(name)
        .with_opt(id.map(|i| Element::leaf("PartyID", i)))
        .with_opt(
            company.map(|c| {
                Element::new("SpecifiedOrganization").with(Element::leaf("CompanyName", c))
            }),
        )
}

fn phone_element(number: &str) -> Element {
    Element::new("TelephoneCommunication")
        .with(Element::leaf("ChannelCode", "Telephone"))
        .with(Element::leaf(
            "CompleteNumber",
            number
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>(),
        ))
}

fn period(name: &str, since: NaiveDate, until: Option<NaiveDate>, today: NaiveDate) -> Element {
    let end = until.unwrap_or(today);
    Element::new(name)
        .with(months("DurationMeasure", whole_months(since, end)))
        .with(Element::leaf("StartDateTime", date_start(since)))
        .with_opt(until.map(|u| Element::leaf("EndDateTime", date_start(u))))
}

fn applicant_element(name: &str, a: &StarApplicant, today: NaiveDate) -> Element {
    let person = Element::new("SpecifiedPerson")
        .with(Element::leaf("GivenName", a.given_name.clone()))
        .with_opt(
            a.middle_name
                .as_ref()
                .map(|m| Element::leaf("MiddleName", m.clone())),
        )
        .with(Element::leaf("FamilyName", a.family_name.clone()))
        .with_opt(
            a.suffix
                .as_ref()
                .map(|s| Element::leaf("NameSuffix", s.clone())),
        )
        .with_opt(
            a.birth_date
                .map(|d| Element::leaf("BirthDate", d.format("%Y-%m-%d").to_string())),
        )
        .with_opt(a.address.as_ref().map(|ad| {
            Element::new("ResidenceAddress")
                .with(Element::leaf("LineOne", ad.line1.clone()))
                .with_opt(
                    ad.line2
                        .as_ref()
                        .map(|l| Element::leaf("LineTwo", l.clone())),
                )
                .with(Element::leaf("CityName", ad.city.clone()))
                .with(Element::leaf("CountryID", "US"))
                .with(Element::leaf("Postcode", ad.zip.clone()))
                .with(Element::leaf(
                    "StateOrProvinceCountrySub-DivisionID",
                    ad.state.clone(),
                ))
        }))
        .with_opt(a.phone.as_deref().map(phone_element))
        .with_opt(a.email.as_ref().map(|e| {
            Element::new("URICommunication")
                .with(Element::leaf("URIID", e.clone()))
                .with(Element::leaf("ChannelCode", "E-Mail"))
        }));
    let party = Element::new("ApplicantParty")
        .with_opt(a.ssn.as_ref().map(|ssn| {
            Element::new("AlternatePartyDocument")
                .with(Element::leaf("DocumentID", ssn.clone()))
                .with(Element::leaf("DocumentType", "NationalId"))
        }))
        .with(person);
    let employment = a.employment.iter().map(|e| {
        Element::new("EmploymentHistory")
            .with(
                Element::new("EmployerParty").with(
                    Element::new("SpecifiedOrganization")
                        .with(Element::leaf("CompanyName", e.employer.clone())),
                ),
            )
            .with(
                Element::new("EmploymentDemographics")
                    .with_opt(e.monthly_income.map(|i| amount("IncomeAmount", i)))
                    .with_opt(
                        e.monthly_income
                            .map(|_| Element::leaf("IncomePeriodCode", "MO")),
                    )
                    .with_opt(
                        e.since
                            .map(|s| period("EmploymentPeriod", s, e.until, today)),
                    )
                    .with(Element::leaf(
                        "EmploymentStatusCode",
                        if e.until.is_none() {
                            "Current"
                        } else {
                            "Previous"
                        },
                    ))
                    .with_opt(
                        e.title
                            .as_ref()
                            .map(|t| Element::leaf("Occupation", t.clone())),
                    ),
            )
    });
    let other_income = if a.other_income.is_empty() {
        None
    } else {
        Some(
            Element::new("OtherIncome")
                .with_all(
                    a.other_income
                        .iter()
                        .map(|(_, amt)| amount("OtherIncomeAmount", *amt)),
                )
                .with(Element::leaf(
                    "IncomeSource",
                    a.other_income
                        .iter()
                        .map(|(s, _)| s.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                )),
        )
    };
    let references = a.references.iter().map(|r| {
        let (given, family) = match r.name.rsplit_once(' ') {
            Some((g, f)) => (Some(g.to_string()), f.to_string()),
            None => (None, r.name.clone()),
        };
        Element::new("ReferencePerson")
            .with_opt(given.map(|g| Element::leaf("GivenName", g)))
            .with(Element::leaf("FamilyName", family))
            .with(phone_element(&r.phone))
    });
    Element::new(name)
        .with_opt(
            a.residence_since
                .map(|s| period("ResidencePeriod", s, None, today)),
        )
        .with(party)
        .with_all(employment)
        .with_opt(other_income)
        .with_all(references)
}

/// The `ProcessCreditApplication` document (pure).
pub fn application_document(a: &StarApplication) -> String {
    let today = a.envelope.created.date_naive();
    let header = Element::new("CreditApplicationHeader")
        .with(Element::leaf("DocumentDateTime", stamp(a.envelope.created)))
        .with(
            Element::new("DocumentIdentificationGroup").with(
                Element::new("DocumentIdentification")
                    .with(Element::leaf("DocumentID", a.document_id.clone())),
            ),
        )
        .with(organization_party(
            "FinanceParty",
            a.lender_code.as_deref(),
            a.lender_name.as_deref(),
        ))
        .with(organization_party(
            "DealerParty",
            None,
            Some(a.dealer_name.as_str()),
        ))
        .with(Element::leaf(
            "ApplicationStatusCode",
            application_status_code(a.state),
        ));
    let vehicle = a.vehicle.as_ref().map(|v| {
        Element::new("CreditVehicle").with(
            Element::new("Vehicle")
                .with(Element::leaf("Model", v.model.clone()))
                .with(Element::leaf("ModelYear", v.model_year.to_string()))
                .with(Element::leaf("MakeString", v.make.clone()))
                .with(Element::leaf(
                    "SaleClassCode",
                    if v.new { "New" } else { "Used" },
                ))
                .with_opt(
                    v.trim
                        .as_ref()
                        .map(|t| Element::leaf("TrimCode", t.clone())),
                )
                .with(Element::leaf("VehicleID", v.vin.clone())),
        )
    });
    let applicants = Element::new("Applicants")
        .with(applicant_element("Applicant", &a.applicant, today))
        .with_opt(
            a.co_applicant
                .as_ref()
                .map(|c| applicant_element("Co-Applicant", c, today)),
        );
    let financing = a.financing.as_ref().map(|f| {
        let trade = a.trade_in.as_ref();
        Element::new("Financing")
            .with(Element::leaf(
                "FinanceTypeString",
                if f.lease { "Lease" } else { "Retail" },
            ))
            .with_opt(
                f.rate
                    .map(|r| Element::leaf("AnnualPercentageRate", r.normalize().to_string())),
            )
            .with(Element::leaf(
                "ApplicationTypeString",
                if f.joint { "Joint" } else { "Individual" },
            ))
            .with(Element::leaf(
                "CreditApplicationDate",
                f.application_date.format("%Y-%m-%d").to_string(),
            ))
            .with_opt(
                f.money_factor
                    .as_ref()
                    .map(|m| Element::leaf("LeaseRateMoneyFactorString", m.clone())),
            )
            .with(Element::leaf(
                "NumberOfPaymentsNumeric",
                f.term_months.to_string(),
            ))
            .with(months("TermMeasure", f.term_months))
            .with(
                Element::new("EstimatedFinancingAmounts")
                    .with(amount("DownPaymentAmount", f.down_payment))
                    .with(amount("PurchasePriceAmount", f.sale_price))
                    .with_opt(f.residual.map(|r| amount("ResidualAmount", r)))
                    .with_opt(trade.map(|t| amount("TradeAllowanceAmount", t.allowance)))
                    .with_opt(
                        trade.map(|t| amount("NetTradeAllowanceAmount", t.allowance - t.payoff)),
                    )
                    .with_opt(
                        trade.map(|t| amount("PriorCreditOrLeaseOwedOnTradeAmount", t.payoff)),
                    )
                    .with_opt(
                        (!f.rebate.is_zero()).then(|| amount("ManufacturerRebateAmount", f.rebate)),
                    )
                    .with(amount("NetAmountFinanced", f.amount_financed))
                    .with(amount("PaymentAmount", f.payment)),
            )
    });
    let trade = a.trade_in.as_ref().map(|t| {
        Element::new("TradeInVehicleCredit")
            .with(Element::leaf("SaleClassCode", "Trade In"))
            .with(Element::leaf("TradeInIndicator", "true"))
            .with(Element::leaf("OwnedTypeCode", "Current"))
            .with(
                Element::new("Financing").with(
                    Element::new("EstimatedFinancingAmounts")
                        .with(amount("TradeAllowanceAmount", t.allowance))
                        .with(amount("NetTradeAllowanceAmount", t.allowance - t.payoff))
                        .with(amount("PriorCreditOrLeaseOwedOnTradeAmount", t.payoff)),
                ),
            )
    });
    let detail = Element::new("CreditApplicationDetail")
        .with_opt(vehicle)
        .with(applicants)
        .with(
            Element::new("ApplicationFinance")
                .with_opt(financing)
                .with_opt(trade),
        );
    Element::new("ProcessCreditApplication")
        .attr("releaseID", STAR_RELEASE)
        .with(application_area(&a.envelope))
        .with(
            Element::new("ProcessCreditApplicationDataArea")
                .with(Element::new("Process"))
                .with(Element::new("CreditApplication").with(header).with(detail)),
        )
        .to_document(STAR_NAMESPACE)
}

// ----- the decision, as mapped (no store) -------------------------------------------------

/// A lender's decision as read from (or written to) STAR.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StarDecision {
    /// `DocumentID`: the application's id.
    pub application_id: ApplicationId,
    /// `FinanceParty/PartyID`: the lender's code.
    pub lender_code: Option<String>,
    pub lender_name: Option<String>,
    /// `ApplicationStatusCode` as the file has it.
    pub status_code: String,
    /// `ApplicationNumberString`: the lender's own reference.
    pub lender_reference: Option<String>,
    /// `Decision/DecisionDateTime`.
    pub decided_at: DateTime<Utc>,
    pub decision: LenderDecision,
}

/// The stipulation code for a lender's text: one of [`StipCode`] when the text is its code, its
/// description, or names it in words ("pay stub", "utility bill", ...); otherwise the text
/// itself (kept as an open condition with that wording).
pub fn stipulation_code(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(c) = StipCode::parse(&t) {
        return c.as_str().to_string();
    }
    if let Some(c) = StipCode::ALL.iter().find(|c| c.description() == t) {
        return c.as_str().to_string();
    }
    let l = t.to_lowercase();
    let by_words: &[(&[&str], StipCode)] = &[
        (
            &[
                "proof of income",
                "pay stub",
                "paystub",
                "income verification",
            ],
            StipCode::ProofOfIncome,
        ),
        (
            &[
                "proof of residence",
                "utility bill",
                "residence verification",
            ],
            StipCode::ProofOfResidence,
        ),
        (&["insurance"], StipCode::ProofOfInsurance),
        (&["reference"], StipCode::References),
        (
            &["licence", "license", "driver's lic", "drivers lic"],
            StipCode::LicenceCopy,
        ),
        (&["bank statement"], StipCode::BankStatement),
    ];
    for (words, code) in by_words {
        if words.iter().any(|w| l.contains(w)) {
            return code.as_str().to_string();
        }
    }
    t.chars().take(200).collect()
}

/// The words a stipulation is sent with: the desk's description for a known code.
fn stipulation_text(code: &str) -> String {
    StipCode::parse(code)
        .map(|c| c.description().to_string())
        .unwrap_or_else(|| code.to_string())
}

fn parse_amount(e: &Element, field: &str) -> Result<Decimal, StarError> {
    match e.get_attr("currencyID") {
        Some("USD") => {}
        Some(other) => {
            return Err(bad(
                field,
                format!("the amount is in {other}; only USD amounts are accepted"),
            ))
        }
        None => return Err(bad(field, "the amount has no currencyID (USD)")),
    }
    let d = Decimal::from_str(e.text.trim())
        .map_err(|_| bad(field, format!("\"{}\" is not an amount", e.text.trim())))?;
    if d.is_sign_negative() {
        return Err(bad(field, "the amount cannot be negative"));
    }
    Ok(d)
}

fn parse_rate(text: &str, field: &str) -> Result<String, StarError> {
    let d = Decimal::from_str(text.trim())
        .map_err(|_| bad(field, format!("\"{}\" is not a percent rate", text.trim())))?;
    if d.is_sign_negative() || d > Decimal::ONE_HUNDRED {
        return Err(bad(field, "a rate is a percent between 0 and 100"));
    }
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    Ok(d.to_string())
}

fn parse_term(e: &Element) -> Result<u32, StarError> {
    let n = Decimal::from_str(e.text.trim())
        .ok()
        .filter(|d| d.fract().is_zero() && !d.is_sign_negative())
        .and_then(|d| u32::try_from(d.mantissa() / 10i128.pow(d.scale())).ok())
        .ok_or_else(|| {
            bad(
                "TermMeasure",
                format!("\"{}\" is not a term", e.text.trim()),
            )
        })?;
    let n = match e.get_attr("unitCode") {
        Some("month") => n,
        Some("year") => n.saturating_mul(12),
        Some(other) => {
            return Err(bad(
                "TermMeasure",
                format!("unitCode \"{other}\": a term is in month (or year)"),
            ))
        }
        None => return Err(bad("TermMeasure", "the term has no unitCode (month)")),
    };
    if !(1..=120).contains(&n) {
        return Err(bad("TermMeasure", "a term between 1 and 120 months"));
    }
    Ok(n)
}

fn parse_datetime(text: &str) -> Result<DateTime<Utc>, StarError> {
    let t = text.trim();
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc()))
        .map_err(|_| {
            bad(
                "DecisionDateTime",
                format!("\"{t}\" is not a date and time like 2026-11-25T15:00:00Z"),
            )
        })
}

/// Reads a lender's `ProcessCreditDecision` or `AcknowledgeCreditDecision` (5.1.4, or a later
/// 5.x release's `Header`/`Detail`/`ApplicationStatus` names). Pure: nothing is stored.
pub fn parse_decision(text: &str) -> Result<StarDecision, StarError> {
    let root = xml::parse(text).map_err(|e| StarError::Malformed(e.0))?;
    match root.ns.as_deref() {
        Some(STAR_NAMESPACE) => {}
        other => {
            return Err(StarError::WrongNamespace {
                found: other.unwrap_or("(none)").to_string(),
            })
        }
    }
    if !DECISION_ROOTS.contains(&root.name.as_str()) {
        return Err(StarError::NotADecision(root.name.clone()));
    }
    let area = root
        .child(DECISION_DATA_AREAS)
        .ok_or_else(|| StarError::Missing(format!("{}DataArea", root.name)))?;
    let mut nouns = area.children_named(DECISION_NOUN);
    let noun = nouns
        .next()
        .ok_or_else(|| StarError::Missing("CreditDecision".into()))?;
    if nouns.next().is_some() {
        return Err(bad(
            "CreditDecision",
            "the file holds several decisions; import one decision per file",
        ));
    }
    let header = noun
        .child(DECISION_HEADER)
        .ok_or_else(|| StarError::Missing("CreditDecisionHeader".into()))?;
    let application_id = header
        .text_at(&[DOC_GROUP, DOC_ID_ELEMENT, DOC_ID])
        .ok_or_else(|| {
            StarError::Missing(
                "CreditDecisionHeader/DocumentIdentificationGroup/DocumentIdentification/DocumentID (the application's id)"
                    .into(),
            )
        })?;
    let finance = header
        .child(FINANCE_PARTY)
        .ok_or_else(|| StarError::Missing("CreditDecisionHeader/FinanceParty".into()))?;
    let status_code = header
        .text_at(&[STATUS])
        .ok_or_else(|| StarError::Missing("CreditDecisionHeader/ApplicationStatusCode".into()))?;
    let outcome = outcome_of_status(&status_code)?;
    let detail = noun
        .child(DECISION_DETAIL)
        .ok_or_else(|| StarError::Missing("CreditDecisionDetail".into()))?;
    let d = detail
        .child(DECISION)
        .ok_or_else(|| StarError::Missing("CreditDecisionDetail/Decision".into()))?;
    let decided_at = parse_datetime(
        &d.text_at(&[DECISION_DATE_TIME])
            .ok_or_else(|| StarError::Missing("Decision/DecisionDateTime".into()))?,
    )?;
    let financing = d.child(FINANCING);
    let buy_rate = match financing.and_then(|f| f.text_at(&[APR])) {
        Some(r) => Some(parse_rate(&r, "AnnualPercentageRate")?),
        None => None,
    };
    let mut max_contract_rate = None;
    if let Some(f) = financing {
        for c in f.children_named(FINANCING_COMMENTS) {
            if let Some(r) = c.text.trim().strip_prefix(MAX_CONTRACT_RATE_PREFIX) {
                max_contract_rate = Some(parse_rate(r.trim_end_matches('%'), "FinancingComments")?);
            }
        }
    }
    let approved_term = match financing.and_then(|f| f.child(TERM)) {
        Some(t) => Some(parse_term(t)?),
        None => None,
    };
    let approved_amount = match financing.and_then(|f| f.path(&[FINAL_AMOUNTS, APPROVED_AMOUNT])) {
        Some(a) => Some(money(parse_amount(a, "ApprovedAmount")?)),
        None => None,
    };
    let tier = d
        .text_at(&[TIER_CODE])
        .or_else(|| d.text_at(&[TIER_DESCRIPTION]))
        .map(|t| t.chars().take(60).collect());
    let mut stipulations = Vec::new();
    for s in d.children_named(STIPULATIONS) {
        let t = s.text.trim();
        if t.is_empty() {
            continue;
        }
        let code = stipulation_code(t);
        if !stipulations.contains(&code) {
            stipulations.push(code);
        }
    }
    let reasons = d
        .children_named(CONDITION_REJECTION)
        .filter_map(|c| {
            c.text_at(&[CONDITION_TEXT])
                .or_else(|| c.text_at(&[CONDITION_CODE]))
        })
        .map(|t| t.chars().take(300).collect::<String>())
        .collect::<Vec<_>>();
    if outcome == ApplicationState::Declined && reasons.is_empty() {
        return Err(StarError::Missing(
            "Decision/ConditionRejection: a decline must give its principal reasons (Regulation B)"
                .into(),
        ));
    }
    if outcome == ApplicationState::Countered
        && approved_amount.is_none()
        && approved_term.is_none()
    {
        return Err(StarError::Missing(
            "Decision/Financing: a counter-offer (status M) must state its terms".into(),
        ));
    }
    Ok(StarDecision {
        application_id: application_id.into(),
        lender_code: finance.text_at(&[PARTY_ID]),
        lender_name: finance.text_at(&[ORGANIZATION, COMPANY_NAME]),
        status_code,
        lender_reference: header.text_at(&[APPLICATION_NUMBER]),
        decided_at,
        decision: LenderDecision {
            outcome,
            tier,
            buy_rate,
            max_contract_rate,
            approved_amount,
            approved_term,
            stipulations,
            reasons,
        },
    })
}

/// `ApplicationStatusCode` for a decision outcome.
fn decision_status_code(outcome: ApplicationState) -> &'static str {
    application_status_code(outcome)
}

/// The `ProcessCreditDecision` document for a decision (pure).
pub fn decision_document(d: &StarDecision, envelope: &StarEnvelope) -> String {
    let x = &d.decision;
    let approved = matches!(
        x.outcome,
        ApplicationState::Approved | ApplicationState::Conditional | ApplicationState::Countered
    );
    let has_terms = x.buy_rate.is_some()
        || x.max_contract_rate.is_some()
        || x.approved_amount.is_some()
        || x.approved_term.is_some();
    let financing = (has_terms || approved).then(|| {
        Element::new("Financing")
            .with(Element::leaf(
                "ApprovedIndicator",
                if approved { "true" } else { "false" },
            ))
            .with_opt(
                x.buy_rate
                    .as_ref()
                    .map(|r| Element::leaf("AnnualPercentageRate", r.clone())),
            )
            .with_opt(x.max_contract_rate.as_ref().map(|r| {
                Element::leaf(
                    "FinancingComments",
                    format!("{MAX_CONTRACT_RATE_PREFIX}{r}"),
                )
            }))
            .with_opt(x.approved_term.map(|t| months("TermMeasure", t)))
            .with_opt(
                x.approved_amount
                    .as_ref()
                    .and_then(|a| Decimal::from_str(a).ok())
                    .map(|a| {
                        Element::new("FinalFinancingAmounts").with(amount("ApprovedAmount", a))
                    }),
            )
    });
    let decision = Element::new("Decision")
        .with_all(x.reasons.iter().map(|r| {
            Element::new("ConditionRejection")
                .with(Element::leaf("ConditionRejectionText", r.clone()))
        }))
        .with(Element::leaf("DecisionDateTime", datetime(d.decided_at)))
        .with_opt(financing)
        .with_opt(
            x.tier
                .as_ref()
                .map(|t| Element::leaf("TierCode", t.clone())),
        )
        .with_all(
            x.stipulations
                .iter()
                .map(|s| Element::leaf("Stipulations", stipulation_text(s))),
        );
    let header = Element::new("CreditDecisionHeader")
        .with(Element::leaf("DocumentDateTime", stamp(envelope.created)))
        .with(
            Element::new("DocumentIdentificationGroup").with(
                Element::new("DocumentIdentification")
                    .with(Element::leaf("DocumentID", d.application_id.clone())),
            ),
        )
        .with(organization_party(
            "FinanceParty",
            d.lender_code.as_deref(),
            d.lender_name.as_deref(),
        ))
        .with(Element::leaf(
            "ApplicationStatusCode",
            decision_status_code(x.outcome),
        ))
        .with_opt(
            d.lender_reference
                .as_ref()
                .map(|r| Element::leaf("ApplicationNumberString", r.clone())),
        );
    Element::new("ProcessCreditDecision")
        .attr("releaseID", STAR_RELEASE)
        .with(application_area(envelope))
        .with(
            Element::new("ProcessCreditDecisionDataArea")
                .with(Element::new("Process"))
                .with(
                    Element::new("CreditDecision")
                        .with(header)
                        .with(Element::new("CreditDecisionDetail").with(decision)),
                ),
        )
        .to_document(STAR_NAMESPACE)
}

// ----- the store -------------------------------------------------------------------------

struct CustomerRow {
    applicant: StarApplicant,
    employer: Option<String>,
    job_title: Option<String>,
}

/// A customer as STAR carries them, with the date of birth and SSN decrypted (the caller has
/// checked the role and audits the export).
async fn star_customer(store: &Store, id: &CustomerId) -> Result<CustomerRow, StarError> {
    let r =
        read_app::star_customer(store, id)
            .await?
            .ok_or_else(|| ApplicationError::NotFound {
                what: "customer",
                id: id.to_string(),
            })?;
    let cipher = store.cipher();
    let dob = cipher.decrypt(&r.dob_enc, &crate::customer::ctx("dob", id.as_str()))?;
    let ssn = cipher.decrypt(&r.ssn_enc, &crate::customer::ctx("ssn", id.as_str()))?;
    let mut conn = store.pool().acquire().await?;
    let address = read_app::current_address(&mut conn, id).await?;
    drop(conn);
    let (address, since) = match address {
        Some(a) => (
            Some(StarAddress {
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                state: a.state,
                zip: a.zip,
            }),
            parse_date(&a.since),
        ),
        None => (None, None),
    };
    let ssn_digits: String = ssn.chars().filter(char::is_ascii_digit).collect();
    Ok(CustomerRow {
        applicant: StarApplicant {
            given_name: r.given_name,
            middle_name: r.middle_name,
            family_name: r.family_name,
            suffix: r.suffix,
            birth_date: parse_date(&dob),
            ssn: (ssn_digits.len() == 9).then_some(ssn_digits),
            address,
            residence_since: since,
            phone: Some(r.phone).filter(|p| !p.trim().is_empty()),
            email: r.email.filter(|e| !e.trim().is_empty()),
            employment: Vec::new(),
            other_income: Vec::new(),
            references: Vec::new(),
        },
        employer: r.employer,
        job_title: r.job_title,
    })
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s.trim()).unwrap_or_default()
}

fn history_of(details: &ApplicationDetails, gross: Decimal, a: &mut StarApplicant) {
    if let Some(since) = details
        .residences
        .first()
        .and_then(|r| parse_date(&r.since))
    {
        a.residence_since = Some(since);
    }
    let mut until = None;
    for (i, e) in details.employment.iter().enumerate() {
        let since = parse_date(&e.since);
        a.employment.push(StarEmployment {
            employer: e.employer.clone(),
            title: e.title.clone(),
            since,
            until,
            monthly_income: (i == 0 && !gross.is_zero()).then_some(gross),
        });
        until = since;
    }
    a.other_income = details
        .other_income
        .iter()
        .map(|o| (o.source.clone(), dec(&o.amount)))
        .collect();
    a.references = details
        .references
        .iter()
        .map(|r| StarReference {
            name: r.name.clone(),
            phone: r.phone.clone(),
        })
        .collect();
}

/// Gathers an application for STAR (no role check, no audit: see [`export_application_xml`]).
async fn gather_application(
    store: &Store,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<StarApplication, StarError> {
    let app = super::load_application(store, None, id, now).await?;
    let mut conn = store.pool().acquire().await?;
    let lender = match &app.lender_id {
        Some(l) => lender::name_of(&mut conn, l)
            .await?
            .map(|r| (r.code, r.name)),
        None => None,
    };
    let deal = read_app::deal_vehicle(&mut conn, &app.deal_id)
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "deal",
            id: app.deal_id.to_string(),
        })?;
    let vehicle = StarVehicle {
        vin: deal.vin,
        model_year: i32::try_from(deal.model_year).unwrap_or(0),
        make: deal.make,
        model: deal.model,
        trim: deal.trim.filter(|t| !t.trim().is_empty()),
        new: deal.condition == "new",
    };
    let terms: Option<OptionTerms> = deal.input_json.and_then(|j| serde_json::from_str(&j).ok());
    let (financing, trade_in) = match &terms {
        Some(t) => {
            let input = assist_input(&mut conn, id).await?;
            let joint = app.intent == Intent::Joint;
            let application_date = app
                .history
                .iter()
                .rev()
                .find(|h| h.action == "submit")
                .map(|h| parse_ts(&h.at).date_naive())
                .unwrap_or_else(|| now.date_naive());
            match t {
                OptionTerms::Loan(l) => {
                    let trade = dec(&l.trade);
                    let payoff = dec(&l.payoff);
                    (
                        Some(StarFinancing {
                            lease: false,
                            joint,
                            application_date,
                            rate: Some(dec(&l.rate)),
                            money_factor: None,
                            term_months: input.term_months,
                            payment: input.payment.amount(),
                            amount_financed: input.amount_financed.amount(),
                            down_payment: dec(&l.down),
                            sale_price: dec(&l.price),
                            rebate: dec(&l.rebate),
                            residual: None,
                        }),
                        (!trade.is_zero() || !payoff.is_zero()).then_some(StarTradeIn {
                            allowance: trade,
                            payoff,
                        }),
                    )
                }
                OptionTerms::Lease(l) => {
                    let trade = dec(&l.trade);
                    let rebate = dec(&l.rebate);
                    (
                        Some(StarFinancing {
                            lease: true,
                            joint,
                            application_date,
                            rate: None,
                            money_factor: l.money_factor.clone(),
                            term_months: input.term_months,
                            payment: input.payment.amount(),
                            amount_financed: input.amount_financed.amount(),
                            down_payment: (dec(&l.cap_reduction) - trade - rebate)
                                .max(Decimal::ZERO),
                            sale_price: dec(&l.agreed_value),
                            rebate,
                            residual: Some(dec(&l.residual)),
                        }),
                        (!trade.is_zero()).then_some(StarTradeIn {
                            allowance: trade,
                            payoff: Decimal::ZERO,
                        }),
                    )
                }
            }
        }
        None => (None, None),
    };
    drop(conn);
    let mut applicant = star_customer(store, &app.customer_id).await?.applicant;
    history_of(&app.details, dec(&app.gross_monthly_income), &mut applicant);
    let co_applicant = match &app.co_applicant_id {
        Some(co) => {
            let c = star_customer(store, co).await?;
            let mut a = c.applicant;
            let income = dec(&app.co_applicant_income);
            if let Some(employer) = c.employer.filter(|e| !e.trim().is_empty()) {
                a.employment.push(StarEmployment {
                    employer,
                    title: c.job_title.filter(|t| !t.trim().is_empty()),
                    since: None,
                    until: None,
                    monthly_income: (!income.is_zero()).then_some(income),
                });
            }
            Some(a)
        }
        None => None,
    };
    let dealer_name = crate::settings::read(store).await?.dealership_name;
    Ok(StarApplication {
        envelope: StarEnvelope {
            sender: dealer_name.clone(),
            destination: lender.as_ref().map(|l| l.0.clone()),
            created: now,
            bod_id: new_id(),
        },
        document_id: app.id.to_string(),
        state: app.state,
        lender_code: lender.as_ref().map(|l| l.0.clone()),
        lender_name: lender.map(|l| l.1),
        dealer_name,
        applicant,
        co_applicant,
        vehicle: Some(vehicle),
        financing,
        trade_in,
    })
}

/// Exports an application as a STAR 5 `ProcessCreditApplication` document. The document holds
/// the applicants' SSN and date of birth in full, so only a finance manager or admin may; every
/// export (and refusal) is audited as `application.export_star`, without any of that data.
pub async fn export_application_xml(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<String, StarError> {
    if !actor.may(Permission::ExchangeStar) {
        let event = AuditEvent::new(
            actor.name(),
            "application.export_star",
            AuditOutcome::Denied,
        )
        .subject(id.to_string());
        audit::record(store, now, &event).await?;
        return Err(StarError::Forbidden);
    }
    let a = gather_application(store, id, now).await?;
    let doc = application_document(&a);
    let event = AuditEvent::new(
        actor.name(),
        "application.export_star",
        AuditOutcome::Success,
    )
    .subject(id.to_string())
    .detail(format!(
        "ProcessCreditApplication (STAR {STAR_RELEASE}) for lender {}, {}",
        a.lender_code.as_deref().unwrap_or("-"),
        if a.co_applicant.is_some() {
            "applicant and co-applicant"
        } else {
            "applicant"
        }
    ));
    audit::record(store, now, &event).await?;
    Ok(doc)
}

/// What an import recorded (derives `TS` for the desktop shell's bindings).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ImportedDecision {
    pub application_id: ApplicationId,
    pub decision_id: String,
    pub outcome: ApplicationState,
    pub lender_code: String,
    pub rate_sheet_version: u32,
    pub tier: Option<String>,
    pub stipulations: Vec<String>,
    pub reasons: Vec<String>,
}

/// Imports a lender's `ProcessCreditDecision` / `AcknowledgeCreditDecision`: finds the
/// application by its document id, checks it is submitted to that lender, and records the
/// decision through the same path as the simulator's (decision row with the rate-sheet version
/// the submission named — or the lender's current sheet —, stipulations, transition, history),
/// with source `star`, in one transaction. Malformed or unreadable files, unknown applications
/// and applications not submitted are typed errors and store nothing (the attempt is audited).
pub async fn import_decision_xml(
    store: &Store,
    actor: &Actor,
    xml: &str,
    now: DateTime<Utc>,
) -> Result<ImportedDecision, StarError> {
    let parsed = if xml.len() > MAX_DECISION_BYTES {
        Err(bad(
            "file",
            format!(
                "the file is {} KiB; a decision file is at most {} KiB",
                xml.len() / 1024,
                MAX_DECISION_BYTES / 1024
            ),
        ))
    } else {
        parse_decision(xml)
    };
    let subject = parsed.as_ref().ok().map(|d| {
        d.application_id
            .as_str()
            .chars()
            .take(80)
            .collect::<String>()
    });
    let result = match parsed {
        Ok(d) => record_imported(store, actor, &d, now).await,
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        let outcome = match e {
            StarError::Application(
                ApplicationError::RoleCannot { .. } | ApplicationError::Forbidden(_),
            ) => AuditOutcome::Denied,
            _ => AuditOutcome::Failure,
        };
        let mut event = AuditEvent::new(actor.name(), "application.import_decision", outcome)
            .detail(format!("STAR decision refused: {}", e.code()));
        if let Some(subject) = subject {
            event = event.subject(subject);
        }
        audit::record(store, now, &event).await?;
    }
    result
}

async fn record_imported(
    store: &Store,
    actor: &Actor,
    d: &StarDecision,
    now: DateTime<Utc>,
) -> Result<ImportedDecision, StarError> {
    let id = &d.application_id;
    let mut w = store.write(now).await?;
    let from = match state_of(w.conn(), id).await {
        Ok((s, _)) => s,
        Err(ApplicationError::NotFound { .. }) => {
            return Err(StarError::UnknownApplication(
                id.as_str().chars().take(80).collect(),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    if from != ApplicationState::Submitted {
        return Err(StarError::NotSubmitted {
            id: id.to_string(),
            state: from,
        });
    }
    let action = decision_action(d.decision.outcome)?;
    check_actor(actor, from, action)?;
    let (lender_id, lender_code) = read_app::application_lender(w.conn(), id)
        .await?
        .ok_or(ApplicationError::Preconditions(vec![Unmet::NoLender]))?;
    if let Some(found) = &d.lender_code {
        if !found.eq_ignore_ascii_case(&lender_code) && *found != lender_id {
            return Err(StarError::WrongLender {
                id: id.to_string(),
                found: found.chars().take(60).collect(),
                expected: lender_code,
            });
        }
    }
    // the submission's rate sheet when the message is still waiting, else the current one
    let waiting = lender_outbox::waiting_for(w.conn(), id, &lender_id).await?;
    let (outbox_id, rate_sheet_id) = match waiting {
        Some((outbox_id, sheet)) => (Some(outbox_id), sheet),
        None => {
            let (sheet, _, _) = rates::current_sheet(w.conn(), &lender_id)
                .await?
                .ok_or(ApplicationError::Preconditions(vec![Unmet::NoRateSheet]))?;
            (None, sheet)
        }
    };
    let version = rate_sheet::version_of(w.conn(), &rate_sheet_id).await?;
    let submitted_at = credit_application::last_submitted_at(w.conn(), id).await?;
    // the lender's time, unless it is in the future or before the submission
    let decided_at = match submitted_at.map(|s| parse_ts(&s)) {
        Some(s) if d.decided_at >= s && d.decided_at <= now => d.decided_at,
        None if d.decided_at <= now => d.decided_at,
        _ => now,
    };
    let mut extra = serde_json::Map::new();
    if let Some(r) = &d.lender_reference {
        extra.insert(
            "lender_reference".into(),
            serde_json::Value::String(r.chars().take(80).collect()),
        );
    }
    let decision_id = record_decision_tx(
        &mut w,
        &DecisionRecord {
            source: "star",
            application_id: id.as_str(),
            from,
            lender_id: &lender_id,
            rate_sheet_id: &rate_sheet_id,
            outbox_id: outbox_id.as_deref(),
            decision: &d.decision,
            extra: (!extra.is_empty()).then_some(extra),
            decided_at,
            note: Some(format!("STAR decision imported by {}", actor.name())),
        },
        now,
    )
    .await?;
    w.audit(
        AuditEvent::new(
            actor.name(),
            "application.import_decision",
            AuditOutcome::Success,
        )
        .subject(id.to_string())
        .detail(format!(
            "STAR {} from {lender_code}: {} ({} stipulation(s), {} reason(s))",
            d.status_code,
            d.decision.outcome,
            d.decision.stipulations.len(),
            d.decision.reasons.len()
        )),
    );
    w.commit().await?;
    Ok(ImportedDecision {
        application_id: id.clone(),
        decision_id,
        outcome: d.decision.outcome,
        lender_code,
        rate_sheet_version: u32::try_from(version).unwrap_or(0),
        tier: d.decision.tier.clone(),
        stipulations: d.decision.stipulations.clone(),
        reasons: d.decision.reasons.clone(),
    })
}

/// The application's latest decision as a STAR [`StarDecision`].
pub async fn latest_decision(
    store: &Store,
    application_id: &ApplicationId,
) -> Result<StarDecision, StarError> {
    let mut conn = store.pool().acquire().await?;
    let r = read_app::latest_decision(&mut conn, application_id).await?;
    let Some(r) = r else {
        state_of(&mut conn, application_id).await?;
        return Err(StarError::NoDecision(application_id.to_string()));
    };
    let json: serde_json::Value = serde_json::from_str(&r.decision_json)
        .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    let decision: LenderDecision = serde_json::from_value(json.clone())
        .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    Ok(StarDecision {
        application_id: application_id.clone(),
        lender_code: Some(r.lender_code),
        lender_name: Some(r.lender_name),
        status_code: decision_status_code(decision.outcome).to_string(),
        lender_reference: json
            .get("lender_reference")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        decided_at: parse_ts(&r.decided_at),
        decision,
    })
}

/// Exports the application's latest decision as a STAR 5 `ProcessCreditDecision` (no PII).
/// Importing a lender's file and exporting the decision again gives the same decision.
pub async fn export_decision_xml(
    store: &Store,
    application_id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<String, StarError> {
    let d = latest_decision(store, application_id).await?;
    let dealer_name = crate::settings::read(store).await?.dealership_name;
    Ok(decision_document(
        &d,
        &StarEnvelope {
            sender: dealer_name,
            destination: None,
            created: now,
            bod_id: new_id(),
        },
    ))
}

// ----- tests -------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn envelope() -> StarEnvelope {
        StarEnvelope {
            sender: "O'Brien & Sons Motors".into(),
            destination: Some("LAKESHORE".into()),
            created: t0(),
            bod_id: "bod-1".into(),
        }
    }

    fn applicant(given: &str, family: &str) -> StarApplicant {
        StarApplicant {
            given_name: given.into(),
            middle_name: None,
            family_name: family.into(),
            suffix: Some("Jr.".into()),
            birth_date: Some(d("1984-03-09")),
            ssn: Some("123456789".into()),
            address: Some(StarAddress {
                line1: "4821 Lakeview Dr".into(),
                line2: Some("Apt <12>".into()),
                city: "Dallas".into(),
                state: "TX".into(),
                zip: "75201".into(),
            }),
            residence_since: Some(d("2025-06-01")),
            phone: Some("(214) 555-0142".into()),
            email: Some("maria@example.com".into()),
            employment: vec![
                StarEmployment {
                    employer: "Smith & Wesson \"Tools\"".into(),
                    title: Some("Nurse".into()),
                    since: Some(d("2024-01-15")),
                    until: None,
                    monthly_income: Some(Decimal::new(625_000, 2)),
                },
                StarEmployment {
                    employer: "Parkland".into(),
                    title: None,
                    since: Some(d("2019-01-15")),
                    until: Some(d("2024-01-15")),
                    monthly_income: None,
                },
            ],
            other_income: vec![("child support".into(), Decimal::new(400, 0))],
            references: vec![StarReference {
                name: "Ana Ruiz".into(),
                phone: "2145550100".into(),
            }],
        }
    }

    fn sample() -> StarApplication {
        StarApplication {
            envelope: envelope(),
            document_id: "app-1".into(),
            state: ApplicationState::Submitted,
            lender_code: Some("LAKESHORE".into()),
            lender_name: Some("Lakeshore Credit Union".into()),
            dealer_name: "O'Brien & Sons Motors".into(),
            applicant: applicant("Seán", "O'Brien"),
            co_applicant: Some(applicant("Luis", "González & Co")),
            vehicle: Some(StarVehicle {
                vin: "2T1BURHE0JC014702".into(),
                model_year: 2018,
                make: "Toyota".into(),
                model: "Corolla".into(),
                trim: Some("LE".into()),
                new: false,
            }),
            financing: Some(StarFinancing {
                lease: false,
                joint: true,
                application_date: d("2026-11-25"),
                rate: Some(Decimal::new(749, 2)),
                money_factor: None,
                term_months: 60,
                payment: Decimal::new(31_234, 2),
                amount_financed: Decimal::new(1_578_969, 2),
                down_payment: Decimal::new(2000, 0),
                sale_price: Decimal::new(15995, 0),
                rebate: Decimal::ZERO,
                residual: None,
            }),
            trade_in: Some(StarTradeIn {
                allowance: Decimal::new(4000, 0),
                payoff: Decimal::new(5500, 0),
            }),
        }
    }

    #[test]
    fn names_with_apostrophes_and_ampersands_are_escaped_and_read_back() {
        let doc = application_document(&sample());
        assert!(
            doc.contains("<FamilyName>O&apos;Brien</FamilyName>"),
            "{doc}"
        );
        assert!(doc.contains("González &amp; Co"));
        assert!(doc.contains("Smith &amp; Wesson &quot;Tools&quot;"));
        assert!(doc.contains("<LineTwo>Apt &lt;12&gt;</LineTwo>"));
        assert!(
            !doc.contains("O'Brien"),
            "raw apostrophes never reach the file"
        );
        let root = xml::parse(&doc).expect("our own output parses");
        let person = root
            .path(&[
                &["ProcessCreditApplicationDataArea"],
                &["CreditApplication"],
                &["CreditApplicationDetail"],
                &["Applicants"],
                &["Applicant"],
                &["ApplicantParty"],
                &["SpecifiedPerson"],
            ])
            .expect("the applicant");
        assert_eq!(
            person.text_at(&[&["FamilyName"]]).as_deref(),
            Some("O'Brien")
        );
        assert_eq!(person.text_at(&[&["GivenName"]]).as_deref(), Some("Seán"));
    }

    #[test]
    fn amounts_carry_usd_and_measures_lower_case_units() {
        let doc = application_document(&sample());
        let root = xml::parse(&doc).expect("parses");
        fn walk(e: &Element, out: &mut Vec<(String, Vec<(String, String)>)>) {
            out.push((e.name.clone(), e.attrs.clone()));
            for c in &e.children {
                walk(c, out);
            }
        }
        let mut all = Vec::new();
        walk(&root, &mut all);
        let amounts: Vec<_> = all.iter().filter(|(n, _)| n.ends_with("Amount")).collect();
        assert!(amounts.len() >= 8, "{amounts:?}");
        for (n, attrs) in &amounts {
            assert!(
                attrs.iter().any(|(k, v)| k == "currencyID" && v == "USD"),
                "{n} lacks USD"
            );
        }
        for (n, attrs) in all.iter().filter(|(n, _)| n.ends_with("Measure")) {
            assert!(
                attrs.iter().any(|(k, v)| k == "unitCode" && v == "month"),
                "{n}: {attrs:?}"
            );
        }
        assert!(doc.contains(
            "<NetTradeAllowanceAmount currencyID=\"USD\">-1500.00</NetTradeAllowanceAmount>"
        ));
        assert!(doc.contains("<AnnualPercentageRate>7.49</AnnualPercentageRate>"));
        // employment since 2024-01-15 up to the export day (2026-11-25): 34 whole months
        assert!(
            doc.contains("<DurationMeasure unitCode=\"month\">34</DurationMeasure>"),
            "{doc}"
        );
    }

    #[test]
    fn status_codes_map_to_outcomes_and_unknown_codes_are_clear_errors() {
        assert_eq!(
            outcome_of_status("A").ok(),
            Some(ApplicationState::Approved)
        );
        assert_eq!(
            outcome_of_status("C").ok(),
            Some(ApplicationState::Conditional)
        );
        assert_eq!(
            outcome_of_status("O").ok(),
            Some(ApplicationState::Conditional)
        );
        assert_eq!(
            outcome_of_status("M").ok(),
            Some(ApplicationState::Countered)
        );
        assert_eq!(
            outcome_of_status(" D ").ok(),
            Some(ApplicationState::Declined)
        );
        match outcome_of_status("P") {
            Err(StarError::NotDecided { meaning, .. }) => assert_eq!(meaning, "Pending"),
            other => panic!("{other:?}"),
        }
        let e = outcome_of_status("APPROVED").expect_err("not a STAR code");
        assert!(
            e.to_string().contains("unknown status code \"APPROVED\""),
            "{e}"
        );
        for s in ApplicationState::ALL {
            assert!(STATUS_CODES
                .iter()
                .any(|(c, _)| *c == application_status_code(*s)));
        }
    }

    #[test]
    fn stipulation_texts_map_to_desk_codes() {
        assert_eq!(stipulation_code("proof_of_income"), "proof_of_income");
        assert_eq!(
            stipulation_code("Most recent PAY STUB with YTD"),
            "proof_of_income"
        );
        assert_eq!(stipulation_code("Utility bill"), "proof_of_residence");
        assert_eq!(stipulation_code("Copy of driver's license"), "licence_copy");
        assert_eq!(stipulation_code("Two bank statements"), "bank_statement");
        assert_eq!(
            stipulation_code("  GAP   waiver signed "),
            "GAP waiver signed"
        );
        for c in StipCode::ALL {
            assert_eq!(stipulation_code(&stipulation_text(c.as_str())), c.as_str());
        }
    }

    fn decision(outcome: ApplicationState) -> StarDecision {
        StarDecision {
            application_id: "app-1".into(),
            lender_code: Some("LAKESHORE".into()),
            lender_name: Some("Lakeshore & Lakes Credit".into()),
            status_code: application_status_code(outcome).into(),
            lender_reference: Some("LS-42".into()),
            decided_at: t0(),
            decision: LenderDecision {
                outcome,
                tier: Some("B".into()),
                buy_rate: Some("6.49".into()),
                max_contract_rate: Some("8.99".into()),
                approved_amount: Some("14500.00".into()),
                approved_term: Some(60),
                stipulations: vec!["proof_of_income".into(), "GAP waiver <signed>".into()],
                reasons: vec!["Value or type of collateral not sufficient".into()],
            },
        }
    }

    #[test]
    fn a_decision_written_reads_back_the_same() {
        for o in [
            ApplicationState::Approved,
            ApplicationState::Conditional,
            ApplicationState::Countered,
            ApplicationState::Declined,
        ] {
            let d = decision(o);
            let doc = decision_document(&d, &envelope());
            let back = parse_decision(&doc).expect("reads back");
            assert_eq!(back, d, "{doc}");
        }
    }

    #[test]
    fn later_release_names_are_read() {
        let doc = format!(
            r#"<AcknowledgeCreditDecision xmlns="{STAR_NAMESPACE}"><AcknowledgeCreditDecisionDataArea>
  <CreditDecision><Header><DocumentIdentificationGroup><DocumentIdentification><DocumentID>app-9</DocumentID>
  </DocumentIdentification></DocumentIdentificationGroup><FinanceParty><PartyID>X</PartyID></FinanceParty>
  <ApplicationStatus>D</ApplicationStatus></Header>
  <Detail><Decision><ConditionRejection><ConditionRejectionReasonCode>R1</ConditionRejectionReasonCode><ConditionRejectionText>Insufficient credit history</ConditionRejectionText></ConditionRejection>
  <DecisionDateTime>2026-11-25T10:00:00-05:00</DecisionDateTime></Decision></Detail></CreditDecision>
</AcknowledgeCreditDecisionDataArea></AcknowledgeCreditDecision>"#
        );
        let d = parse_decision(&doc).expect("reads");
        assert_eq!(d.application_id, "app-9");
        assert_eq!(d.decision.outcome, ApplicationState::Declined);
        assert_eq!(d.decision.reasons, vec!["Insufficient credit history"]);
        assert_eq!(d.decided_at, t0());
    }

    #[test]
    fn bad_decisions_are_typed_errors() {
        let good = decision_document(&decision(ApplicationState::Approved), &envelope());
        assert!(matches!(parse_decision("<x"), Err(StarError::Malformed(_))));
        assert!(matches!(
            parse_decision(&good.replace(STAR_NAMESPACE, "http://example.com/other")),
            Err(StarError::WrongNamespace { .. })
        ));
        assert!(matches!(
            parse_decision(&application_document(&sample())),
            Err(StarError::NotADecision(_))
        ));
        assert!(matches!(
            parse_decision(&good.replace("currencyID=\"USD\"", "currencyID=\"EUR\"")),
            Err(StarError::Invalid { .. })
        ));
        assert!(matches!(
            parse_decision(&good.replace("unitCode=\"month\"", "unitCode=\"fortnight\"")),
            Err(StarError::Invalid { .. })
        ));
        let no_time = good
            .lines()
            .filter(|l| !l.contains("DecisionDateTime"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(matches!(
            parse_decision(&no_time),
            Err(StarError::Missing(_))
        ));
        let declined = decision_document(
            &StarDecision {
                decision: LenderDecision {
                    reasons: Vec::new(),
                    ..decision(ApplicationState::Declined).decision
                },
                ..decision(ApplicationState::Declined)
            },
            &envelope(),
        );
        assert!(matches!(
            parse_decision(&declined),
            Err(StarError::Missing(_))
        ));
    }
}
