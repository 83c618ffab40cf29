//! Credit applications: the applicant (the deal's customer) and an optional co-applicant, two
//! years of residence and employment history, income, housing and debts, references, explicit
//! credit-report consent, the deal whose selected option is the structure, and the state machine
//!
//! `draft → ready → submitted → decisioned(approved | conditional | countered | declined) →
//! contracted → funded`, plus `withdrawn` and `expired`.
//!
//! The states and the transition table are `dealerdesk_rules::application`'s (re-exported here).
//! Every transition is checked here ([`check_transition`]: state and role; then the action's
//! preconditions), stored in `application_history`, journalled and audited in one transaction.

pub mod adverse;
pub mod analytics;
pub mod assist;
pub mod demo;
pub mod rates;
pub mod star;
pub mod stips;
pub mod submit;

use chrono::{DateTime, Months, NaiveDate, Utc};
use dealerdesk_rules::dates::whole_months;
use dealerdesk_rules::ids::{ApplicationId, CustomerId, DealId};
use dealerdesk_store::known;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use std::str::FromStr;
use ts_rs::TS;

use crate::auth::{Actor, Role};
use crate::customer::validate::parse_date;
use crate::deal::canonical_json;
use crate::identity::verification::{self as identity, Blocker, IdentityError};
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::read::application as app_read;
use dealerdesk_store::repo::{credit_application as app_repo, lender};
use dealerdesk_store::{new_id, parse_ts, Store, Write};

pub use assist::{
    assess, assess_all, AssistInput, LenderAssessment, LenderSheet, RuleCode, RuleFailure,
};
pub use rates::{
    export_rate_sheet, import_rate_sheet, list_lenders, CreditTier, LenderFee, LenderView,
    RateCell, RateImport, RateSheet,
};
pub use stips::{
    attach_document, clear_stipulation, document_content, StipCode, StipulationDocumentView,
    StipulationStatus, StipulationView, MAX_DOCUMENT_BYTES,
};
pub use submit::{
    poll_simulated_lenders, process_outbox, submit_application, Delivery, LenderAdapter,
    LenderDecision, OutboxMessage, ProcessedMessage, Simulator, SubmitReceipt,
};

/// The version of the credit-report consent text the desk shows, and the text itself. A new
/// wording gets a new version; consents keep the version (and the text's SHA-256) they were given
/// under.
pub const CONSENT_TEXTS: &[(&str, &str)] = &[(
    "credit-consent-2026-11",
    "By signing below, you authorize the dealer and the lenders to which the dealer submits your \
application to obtain your consumer credit report and to verify the information in this \
application, now and for any update, renewal or extension of credit.",
)];

/// Longest note on a transition or stipulation.
pub const MAX_NOTE_CHARS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("your role cannot {0}; a finance manager or admin must")]
    Forbidden(&'static str),
    #[error("an application that is {from} cannot be {action}")]
    IllegalTransition {
        from: ApplicationState,
        action: Action,
    },
    #[error("a {role} cannot {action} an application that is {from}")]
    RoleCannot {
        role: &'static str,
        action: Action,
        from: ApplicationState,
    },
    #[error("{}", unmet_text(.0))]
    Preconditions(Vec<Unmet>),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

fn unmet_text(u: &[Unmet]) -> String {
    format!(
        "not yet: {}",
        u.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    )
}

impl ApplicationError {
    /// The input field at fault, for the UI and the CLI's `field`.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApplicationError::Invalid { field, .. } => Some(field),
            ApplicationError::NotFound { what: "deal", .. } => Some("deal_id"),
            ApplicationError::NotFound {
                what: "co-applicant",
                ..
            } => Some("co_applicant_id"),
            ApplicationError::NotFound { what: "lender", .. } => Some("lender_id"),
            ApplicationError::Preconditions(u) => u.first().and_then(Unmet::field),
            _ => None,
        }
    }
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApplicationError {
    ApplicationError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

// ----- the state machine ---------------------------------------------------------------------

// The states, the actions and the transition table are pure rules (the hub checks synced moves
// against the same table); who may take a step, and what it needs, are decided here.
pub use dealerdesk_rules::application::{action_between, next_state, Action, ApplicationState};

/// A history entry's action in words: the transition's, "started" for the creation, else the
/// recorded word.
fn action_label(action: &str) -> String {
    Action::ALL
        .iter()
        .find(|a| a.as_str() == action)
        .map(|a| a.to_string())
        .unwrap_or_else(|| match action {
            "create" | "created" => "started".to_string(),
            other => other.replace('_', " "),
        })
}

/// Who may take `action` from `from` (a legal transition).
pub fn roles_for(action: Action, from: ApplicationState) -> &'static [Role] {
    const ALL: &[Role] = &[Role::Sales, Role::FinanceManager, Role::Admin];
    const DESK: &[Role] = &[Role::FinanceManager, Role::Admin];
    match action {
        Action::MarkReady | Action::Reopen => ALL,
        Action::Withdraw if matches!(from, ApplicationState::Draft | ApplicationState::Ready) => {
            ALL
        }
        _ => DESK,
    }
}

/// The order moves are offered in: the step that moves the application on first, the ones that
/// end it last.
const OFFERED: &[Action] = &[
    Action::MarkReady,
    Action::Submit,
    Action::Reopen,
    Action::Approve,
    Action::Condition,
    Action::Counter,
    Action::Decline,
    Action::AcceptCounter,
    Action::Contract,
    Action::Fund,
    Action::Rework,
    Action::Expire,
    Action::Withdraw,
];

/// The moves `actor` may make from `from`: legal in the state machine and allowed to the role
/// (not the action's preconditions, which are checked when it is taken).
pub fn actions_for(actor: &Actor, from: ApplicationState) -> Vec<Action> {
    OFFERED
        .iter()
        .copied()
        .filter(|a| check_actor(actor, from, *a).is_ok())
        .collect()
}

/// Checks state and role (not the action's preconditions): the state the action leads to.
pub fn check_transition(
    from: ApplicationState,
    action: Action,
    role: Role,
) -> Result<ApplicationState, ApplicationError> {
    let to =
        next_state(from, action).ok_or(ApplicationError::IllegalTransition { from, action })?;
    if !roles_for(action, from).contains(&role) {
        return Err(ApplicationError::RoleCannot {
            role: role.as_str(),
            action,
            from,
        });
    }
    Ok(to)
}

fn check_actor(
    actor: &Actor,
    from: ApplicationState,
    action: Action,
) -> Result<ApplicationState, ApplicationError> {
    match actor {
        Actor::Staff(s) => check_transition(from, action, s.role),
        Actor::Cli(_) => check_transition(from, action, Role::Admin),
        Actor::Customer(_) => Err(ApplicationError::Forbidden(
            "change a credit application's state",
        )),
    }
}

/// A precondition an action still needs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unmet {
    /// Credit-report consent not captured.
    NoConsent,
    /// The consent does not cover the co-applicant added since.
    ConsentMissingCoApplicant,
    /// The applicant's or co-applicant's identity gate does not pass.
    Identity {
        party: Party,
        customer_id: String,
        blockers: Vec<Blocker>,
    },
    NoLender,
    /// The lender has no rate sheet to decide by.
    NoRateSheet,
    NoCreditScore,
    /// Something the application must say before it is complete.
    Incomplete {
        field: String,
        message: String,
    },
    /// Stipulations not yet cleared.
    OpenStipulations {
        count: u32,
    },
}

impl Unmet {
    pub fn field(&self) -> Option<&str> {
        match self {
            Unmet::NoConsent | Unmet::ConsentMissingCoApplicant => Some("consent"),
            Unmet::NoLender | Unmet::NoRateSheet => Some("lender_id"),
            Unmet::NoCreditScore => Some("credit_score"),
            Unmet::Incomplete { field, .. } => Some(field),
            Unmet::Identity { party, .. } => Some(match party {
                Party::Applicant => "customer_id",
                Party::CoApplicant => "co_applicant_id",
            }),
            Unmet::OpenStipulations { .. } => Some("stipulations"),
        }
    }
}

impl std::fmt::Display for Unmet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unmet::NoConsent => f.write_str("capture the credit-report consent"),
            Unmet::ConsentMissingCoApplicant => {
                f.write_str("capture the co-applicant's credit-report consent")
            }
            Unmet::Identity {
                party, blockers, ..
            } => write!(
                f,
                "{}'s identity: {}",
                match party {
                    Party::Applicant => "the applicant",
                    Party::CoApplicant => "the co-applicant",
                },
                blockers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Unmet::NoLender => f.write_str("choose a lender"),
            Unmet::NoRateSheet => f.write_str("the lender has no rate sheet; import one"),
            Unmet::NoCreditScore => f.write_str("enter the credit score"),
            Unmet::Incomplete { field, message } => write!(f, "{field}: {message}"),
            Unmet::OpenStipulations { count } => {
                write!(f, "{count} stipulation(s) still to clear")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Applicant,
    CoApplicant,
}

// ----- the application's data -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Individual,
    Joint,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Individual => "individual",
            Intent::Joint => "joint",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HousingStatus {
    Own,
    Mortgage,
    Rent,
    Family,
    Other,
}

impl HousingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Mortgage => "mortgage",
            Self::Rent => "rent",
            Self::Family => "family",
            Self::Other => "other",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "own" => Some(HousingStatus::Own),
            "mortgage" => Some(HousingStatus::Mortgage),
            "rent" => Some(HousingStatus::Rent),
            "family" => Some(HousingStatus::Family),
            "other" => Some(HousingStatus::Other),
            _ => None,
        }
    }
}

/// One address lived at, from `since` (ISO or MM/DD/YYYY) until the next entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResidenceEntry {
    pub address: String,
    pub since: String,
}

/// One job, from `since` until the next entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EmploymentEntry {
    pub employer: String,
    pub title: Option<String>,
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OtherIncome {
    pub source: String,
    /// Monthly, dollars.
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reference {
    pub name: String,
    pub phone: String,
    pub relation: String,
}

/// What the desk types (money as decimal strings, dates as ISO or MM/DD/YYYY). A draft may be
/// incomplete; [`Action::MarkReady`] checks completeness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApplicationInput {
    pub deal_id: DealId,
    pub intent: Intent,
    pub co_applicant_id: Option<CustomerId>,
    /// Newest first or in any order; together they must reach back 24 months.
    pub residences: Vec<ResidenceEntry>,
    pub employment: Vec<EmploymentEntry>,
    pub gross_monthly_income: String,
    #[serde(default)]
    pub other_income: Vec<OtherIncome>,
    /// The co-applicant's gross monthly income (joint applications).
    pub co_applicant_income: Option<String>,
    pub housing_status: HousingStatus,
    pub housing_payment: String,
    pub other_monthly_debts: String,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The score from the report (entered by the desk or drawn by the simulator).
    pub credit_score: Option<u16>,
    pub lender_id: Option<String>,
}

/// The parts of the application kept as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApplicationDetails {
    pub residences: Vec<ResidenceEntry>,
    pub employment: Vec<EmploymentEntry>,
    pub other_income: Vec<OtherIncome>,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentView {
    /// The staff member (or CLI user) who captured it.
    pub captured_by: String,
    pub at: String,
    pub text_version: String,
    pub text_sha256: String,
    /// `applicant` or `applicant,co_applicant`.
    pub parties: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HistoryEntry {
    pub from_state: Option<ApplicationState>,
    pub to_state: ApplicationState,
    pub action: String,
    /// What happened, in words ("submitted", "approved with conditions").
    pub action_label: String,
    /// As recorded (`staff:<username>`, ...).
    pub actor: String,
    /// Who that is, in words: the staff member's name.
    pub actor_name: String,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DecisionView {
    pub id: String,
    pub lender_id: String,
    pub lender_name: String,
    pub rate_sheet_version: u32,
    pub outcome: ApplicationState,
    pub source: String,
    pub decided_at: String,
    pub decision: LenderDecision,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub state: ApplicationState,
    /// `decisioned` for the four decision states.
    pub phase: String,
    pub deal_id: DealId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub intent: Intent,
    pub co_applicant_id: Option<CustomerId>,
    pub co_applicant_name: Option<String>,
    pub details: ApplicationDetails,
    pub gross_monthly_income: String,
    pub other_monthly_income: String,
    pub co_applicant_income: String,
    pub housing_status: HousingStatus,
    pub housing_payment: String,
    pub other_monthly_debts: String,
    pub credit_score: Option<u16>,
    pub lender_id: Option<String>,
    pub lender_name: Option<String>,
    pub consent: Option<ConsentView>,
    pub history: Vec<HistoryEntry>,
    pub decisions: Vec<DecisionView>,
    pub stipulations: Vec<StipulationView>,
    /// The latest decision's stipulations not cleared yet.
    pub open_stipulations: u32,
    /// Approved or conditional with every stipulation cleared: the contract can be printed.
    pub ready_to_contract: bool,
    pub created_at: String,
    pub updated_at: String,
    /// As recorded (`staff:<username>`, ...).
    pub created_by: String,
    /// Who started it, in words: the staff member's name.
    pub created_by_name: String,
    /// The moves the state machine allows from this state to the user who asked, in the order
    /// the screen offers them (the main step first). Preconditions are checked when one is taken.
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApplicationSummary {
    pub id: ApplicationId,
    pub state: ApplicationState,
    pub phase: String,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub deal_id: DealId,
    pub lender_id: Option<String>,
    /// The lender's name.
    pub lender: Option<String>,
    pub credit_score: Option<u16>,
    pub open_stipulations: u32,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ApplicationFilter {
    pub state: Option<ApplicationState>,
    pub customer_id: Option<CustomerId>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApplicationPage {
    pub items: Vec<ApplicationSummary>,
    #[ts(type = "number")]
    pub total: i64,
}

/// Consent as captured at the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConsentInput {
    /// One of [`CONSENT_TEXTS`]' versions: the wording the customer saw.
    pub text_version: String,
    /// The applicant agreed (must be true).
    pub applicant: bool,
    /// The co-applicant agreed (required when there is one).
    pub co_applicant: bool,
}

/// The validated, normalized input.
struct Normalized {
    deal_id: String,
    customer_id: String,
    intent: Intent,
    co_applicant_id: Option<String>,
    details: ApplicationDetails,
    gross: Money,
    other: Money,
    co_income: Money,
    housing_status: HousingStatus,
    housing_payment: Money,
    debts: Money,
    credit_score: Option<u16>,
    lender_id: Option<String>,
}

fn money_field(field: &str, v: &str) -> Result<Money, ApplicationError> {
    let m = Money::parse_user(v).map_err(|e| invalid(field, e.to_string()))?;
    if m.is_negative() {
        return Err(invalid(field, "cannot be negative"));
    }
    Ok(m)
}

fn text_field(field: &str, v: &str, max: usize) -> Result<String, ApplicationError> {
    let t = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err(invalid(field, "fill this in"));
    }
    if t.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    Ok(t)
}

fn date_field(field: &str, v: &str, today: NaiveDate) -> Result<NaiveDate, ApplicationError> {
    let d = parse_date(v.trim()).ok_or_else(|| invalid(field, "a date like 06/01/2024"))?;
    if d > today {
        return Err(invalid(field, "cannot be in the future"));
    }
    Ok(d)
}

async fn normalize(
    conn: &mut SqliteConnection,
    input: &ApplicationInput,
    today: NaiveDate,
) -> Result<Normalized, ApplicationError> {
    let deal_id = input.deal_id.as_str().trim().to_string();
    let customer_id = app_read::deal_customer(&mut *conn, &DealId::from(deal_id.as_str()))
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "deal",
            id: deal_id.clone(),
        })?;
    let co_applicant_id = input
        .co_applicant_id
        .as_ref()
        .map(|c| c.as_str().trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    match (input.intent, &co_applicant_id) {
        (Intent::Joint, None) => {
            return Err(invalid(
                "co_applicant_id",
                "a joint application needs the co-applicant",
            ))
        }
        (Intent::Individual, Some(_)) => {
            return Err(invalid(
                "intent",
                "with a co-applicant the intent is joint; remove the co-applicant for an individual application",
            ))
        }
        _ => {}
    }
    if let Some(co) = &co_applicant_id {
        if *co == customer_id {
            return Err(invalid(
                "co_applicant_id",
                "the co-applicant is another person than the applicant",
            ));
        }
        if !app_read::customer_is_live(&mut *conn, &CustomerId::from(co.as_str())).await? {
            return Err(ApplicationError::NotFound {
                what: "co-applicant",
                id: co.clone(),
            });
        }
    }
    if input.residences.len() > 10 || input.employment.len() > 10 {
        return Err(invalid("residences", "at most 10 entries each"));
    }
    let mut residences = Vec::new();
    for (i, r) in input.residences.iter().enumerate() {
        let since = date_field(&format!("residences.{i}.since"), &r.since, today)?;
        residences.push(ResidenceEntry {
            address: text_field(&format!("residences.{i}.address"), &r.address, 200)?,
            since: since.to_string(),
        });
    }
    residences.sort_by(|a, b| b.since.cmp(&a.since));
    let mut employment = Vec::new();
    for (i, e) in input.employment.iter().enumerate() {
        let since = date_field(&format!("employment.{i}.since"), &e.since, today)?;
        employment.push(EmploymentEntry {
            employer: text_field(&format!("employment.{i}.employer"), &e.employer, 120)?,
            title: match e.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => Some(text_field(&format!("employment.{i}.title"), t, 120)?),
                None => None,
            },
            since: since.to_string(),
        });
    }
    employment.sort_by(|a, b| b.since.cmp(&a.since));
    let mut other_income = Vec::new();
    let mut other = Money::ZERO;
    for (i, o) in input.other_income.iter().enumerate() {
        let amount = money_field(&format!("other_income.{i}.amount"), &o.amount)?;
        other = other + amount;
        other_income.push(OtherIncome {
            source: text_field(&format!("other_income.{i}.source"), &o.source, 120)?,
            amount: amount.to_plain(),
        });
    }
    let mut references = Vec::new();
    for (i, r) in input.references.iter().enumerate() {
        let phone = crate::customer::validate::phone(&r.phone)
            .map_err(|e| invalid(format!("references.{i}.phone"), e.to_string()))?;
        references.push(Reference {
            name: text_field(&format!("references.{i}.name"), &r.name, 120)?,
            phone,
            relation: text_field(&format!("references.{i}.relation"), &r.relation, 60)?,
        });
    }
    if let Some(s) = input.credit_score {
        if !(300..=850).contains(&s) {
            return Err(invalid("credit_score", "a score between 300 and 850"));
        }
    }
    let lender_id = input
        .lender_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(l) = &lender_id {
        if !lender::is_active(&mut *conn, l).await? {
            return Err(ApplicationError::NotFound {
                what: "lender",
                id: l.clone(),
            });
        }
    }
    let co_income = match input.co_applicant_income.as_deref() {
        Some(v) if !v.trim().is_empty() => money_field("co_applicant_income", v)?,
        _ => Money::ZERO,
    };
    if co_applicant_id.is_none() && !co_income.is_zero() {
        return Err(invalid(
            "co_applicant_income",
            "co-applicant income needs a co-applicant",
        ));
    }
    Ok(Normalized {
        deal_id,
        customer_id,
        intent: input.intent,
        co_applicant_id,
        details: ApplicationDetails {
            residences,
            employment,
            other_income,
            references,
        },
        gross: money_field("gross_monthly_income", &input.gross_monthly_income)?,
        other,
        co_income,
        housing_status: input.housing_status,
        housing_payment: money_field("housing_payment", &input.housing_payment)?,
        debts: money_field("other_monthly_debts", &input.other_monthly_debts)?,
        credit_score: input.credit_score,
        lender_id,
    })
}

/// What keeps a saved application from being complete: history covering 24 months, income.
pub fn completeness(details: &ApplicationDetails, gross: Money, today: NaiveDate) -> Vec<Unmet> {
    let mut out = Vec::new();
    let two_years_ago = today
        .checked_sub_months(Months::new(24))
        .unwrap_or(NaiveDate::MIN);
    let coverage = |field: &str, sinces: Vec<&str>, what: &str, out: &mut Vec<Unmet>| {
        let earliest = sinces
            .iter()
            .filter_map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .min();
        match earliest {
            None => out.push(Unmet::Incomplete {
                field: field.into(),
                message: format!("add the {what} of the last two years"),
            }),
            Some(d) if whole_months(d, today) < 24 => {
                let months = whole_months(d, today);
                out.push(Unmet::Incomplete {
                    field: field.into(),
                    message: format!(
                        "the {what} covers {months} months; add entries back to {two_years_ago} (24 months)"
                    ),
                })
            }
            _ => {}
        }
    };
    coverage(
        "residences",
        details
            .residences
            .iter()
            .map(|r| r.since.as_str())
            .collect(),
        "residence history",
        &mut out,
    );
    coverage(
        "employment",
        details
            .employment
            .iter()
            .map(|e| e.since.as_str())
            .collect(),
        "employment history",
        &mut out,
    );
    if gross.is_zero() {
        out.push(Unmet::Incomplete {
            field: "gross_monthly_income".into(),
            message: "enter the gross monthly income".into(),
        });
    }
    out
}

fn cents(field: &str, m: Money) -> Result<i64, ApplicationError> {
    m.cents().map_err(|e| invalid(field, e.to_string()))
}

fn details_json(d: &ApplicationDetails) -> Result<String, ApplicationError> {
    let v = serde_json::to_value(d).map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    Ok(canonical_json(&v))
}

/// What a create or an edit stores, from the checked input and its details JSON.
fn fields<'a>(
    n: &'a Normalized,
    details_json: &'a str,
) -> Result<app_repo::ApplicationFields<'a>, ApplicationError> {
    Ok(app_repo::ApplicationFields {
        deal_id: &n.deal_id,
        customer_id: &n.customer_id,
        co_applicant_id: n.co_applicant_id.as_deref(),
        intent: n.intent.as_str(),
        details_json,
        gross_monthly_income_cents: cents("gross_monthly_income", n.gross)?,
        other_monthly_income_cents: cents("other_income", n.other)?,
        co_applicant_income_cents: cents("co_applicant_income", n.co_income)?,
        housing_status: n.housing_status.as_str(),
        housing_payment_cents: cents("housing_payment", n.housing_payment)?,
        other_debts_cents: cents("other_monthly_debts", n.debts)?,
        credit_score: n.credit_score.map(i64::from),
        lender_id: n.lender_id.as_deref(),
    })
}

/// Starts a draft application for a deal (its customer is the applicant).
pub async fn create_application(
    store: &Store,
    actor: &Actor,
    input: &ApplicationInput,
    now: DateTime<Utc>,
) -> Result<ApplicationView, ApplicationError> {
    let mut w = store.write(now).await?;
    let n = normalize(w.conn(), input, now.date_naive()).await?;
    let id = ApplicationId::from(new_id());
    let details = details_json(&n.details)?;
    app_repo::insert(&mut w, &id, &fields(&n, &details)?, &actor.name()).await?;
    history_tx(
        &mut w,
        &id,
        None,
        ApplicationState::Draft,
        "create",
        &actor.name(),
        None,
    )
    .await?;
    w.audit(
        AuditEvent::new(actor.name(), "application.create", AuditOutcome::Success)
            .subject(id.clone())
            .detail(format!("deal {}, {}", n.deal_id, n.intent.as_str())),
    );
    w.commit().await?;
    get_application(store, actor, &id, now).await
}

/// Replaces a draft's data (a ready application is reopened first). Consent stays if the
/// parties are unchanged.
pub async fn update_application(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    input: &ApplicationInput,
    now: DateTime<Utc>,
) -> Result<ApplicationView, ApplicationError> {
    let mut w = store.write(now).await?;
    let (state, _) = state_of(w.conn(), id).await?;
    if state != ApplicationState::Draft {
        return Err(invalid(
            "state",
            format!("only a draft can be edited; this application is {state} (reopen or rework it first)"),
        ));
    }
    let n = normalize(w.conn(), input, now.date_naive()).await?;
    let details = details_json(&n.details)?;
    app_repo::update(&mut w, id, &fields(&n, &details)?).await?;
    w.audit(
        AuditEvent::new(actor.name(), "application.update", AuditOutcome::Success)
            .subject(id.to_string()),
    );
    w.commit().await?;
    get_application(store, actor, id, now).await
}

/// Records the customer's (and co-applicant's) consent to obtain a credit report: who captured
/// it, when, and the exact text version. Only before submission.
pub async fn record_consent(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    consent: &ConsentInput,
    now: DateTime<Utc>,
) -> Result<ApplicationView, ApplicationError> {
    let (_, text) = CONSENT_TEXTS
        .iter()
        .find(|(v, _)| *v == consent.text_version.trim())
        .ok_or_else(|| {
            invalid(
                "text_version",
                format!(
                    "unknown consent text; the current one is {}",
                    CONSENT_TEXTS.last().map(|c| c.0).unwrap_or("-")
                ),
            )
        })?;
    if !consent.applicant {
        return Err(invalid("applicant", "the applicant has to agree"));
    }
    let mut w = store.write(now).await?;
    let (state, co) = state_of(w.conn(), id).await?;
    if !matches!(state, ApplicationState::Draft | ApplicationState::Ready) {
        return Err(invalid(
            "state",
            format!("consent is captured before submission; this application is {state}"),
        ));
    }
    if co.is_some() && !consent.co_applicant {
        return Err(invalid("co_applicant", "the co-applicant has to agree too"));
    }
    let parties = if co.is_some() {
        "applicant,co_applicant"
    } else {
        "applicant"
    };
    let text_sha256 = sha256_hex(text.as_bytes());
    app_repo::set_consent(
        &mut w,
        id,
        &app_repo::Consent {
            consent_by: &actor.name(),
            text_version: consent.text_version.trim(),
            text_sha256: &text_sha256,
            parties,
        },
    )
    .await?;
    w.audit(
        AuditEvent::new(actor.name(), "application.consent", AuditOutcome::Success)
            .subject(id.to_string())
            .detail(format!("{} ({parties})", consent.text_version.trim())),
    );
    w.commit().await?;
    get_application(store, actor, id, now).await
}

pub(crate) async fn state_of(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<(ApplicationState, Option<String>), ApplicationError> {
    let row = app_repo::state_of(conn, id)
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "application",
            id: id.to_string(),
        })?;
    let s = row.state;
    let state = ApplicationState::parse(&s)
        .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {s}")))?;
    Ok((state, row.co_applicant_id))
}

pub(crate) async fn history_tx(
    w: &mut Write<'_>,
    app_id: &ApplicationId,
    from: Option<ApplicationState>,
    to: ApplicationState,
    action: &str,
    actor: &str,
    note: Option<&str>,
) -> Result<(), ApplicationError> {
    app_repo::append_history(
        w,
        &new_id(),
        app_id,
        &app_repo::HistoryFields {
            from_state: from.map(|s| s.as_str()),
            to_state: to.as_str(),
            action,
            actor,
            note,
        },
    )
    .await?;
    Ok(())
}

/// Moves the application to `to` inside the caller's transaction: state, history, journal, audit.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn move_tx(
    w: &mut Write<'_>,
    actor: &str,
    app_id: &ApplicationId,
    from: ApplicationState,
    to: ApplicationState,
    action: Action,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApplicationError> {
    if !app_repo::move_state(w, app_id, from.as_str(), to.as_str()).await? {
        return Err(ApplicationError::IllegalTransition { from, action });
    }
    history_tx(w, app_id, Some(from), to, action.as_str(), actor, note).await?;
    w.audit(
        AuditEvent::new(
            actor.to_string(),
            format!("application.{}", action.as_str()),
            AuditOutcome::Success,
        )
        .subject(app_id.to_string())
        .detail(format!("{from} -> {to}")),
    );
    // a decline, or a counter-offer not taken, owes the applicant a notice: same transaction
    adverse::on_transition_tx(w, app_id, from, to, now).await?;
    Ok(())
}

fn clean_note(note: Option<&str>) -> Result<Option<String>, ApplicationError> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(n) if n.chars().count() > MAX_NOTE_CHARS => Err(invalid(
            "note",
            format!("keep it under {MAX_NOTE_CHARS} characters"),
        )),
        Some(n) => Ok(Some(n.to_string())),
    }
}

/// Takes an action that needs no lender message: mark ready, reopen, accept a counter, rework,
/// contract, fund, withdraw, expire. Submitting goes through [`submit_application`]; decisions
/// come from the lender through [`process_outbox`].
pub async fn transition(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    action: Action,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ApplicationView, ApplicationError> {
    if matches!(
        action,
        Action::Submit | Action::Approve | Action::Condition | Action::Counter | Action::Decline
    ) {
        return Err(invalid(
            "action",
            "submissions and lender decisions go through the lender outbox",
        ));
    }
    let note = clean_note(note)?;
    let mut w = store.write(now).await?;
    let (from, _) = state_of(w.conn(), id).await?;
    let to = match check_actor(actor, from, action) {
        Ok(to) => to,
        Err(e) => {
            drop(w);
            let event = AuditEvent::new(
                actor.name(),
                format!("application.{}", action.as_str()),
                AuditOutcome::Denied,
            )
            .subject(id.to_string())
            .detail(e.to_string());
            audit::record(store, now, &event).await?;
            return Err(e);
        }
    };
    let unmet = match action {
        Action::MarkReady => {
            let (details_json, gross) = app_repo::completeness_of(w.conn(), id).await?;
            let details: ApplicationDetails = serde_json::from_str(&details_json)
                .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
            completeness(&details, Money::from_cents(gross), now.date_naive())
        }
        Action::Contract => {
            // the latest decision's conditions (an earlier, reworked decision's no longer apply)
            let open = open_stipulations(w.conn(), id).await?;
            if open > 0 {
                vec![Unmet::OpenStipulations { count: open }]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    };
    if !unmet.is_empty() {
        return Err(ApplicationError::Preconditions(unmet));
    }
    if action == Action::AcceptCounter {
        // the counter's conditions become the checklist once the customer takes it
        if let Some((decision_id, decision_json)) = app_repo::latest_decision(w.conn(), id).await? {
            let decision: LenderDecision = serde_json::from_str(&decision_json)
                .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
            stips::create_tx(&mut w, id, Some(&decision_id), &decision.stipulations).await?;
        }
    }
    move_tx(
        &mut w,
        &actor.name(),
        id,
        from,
        to,
        action,
        note.as_deref(),
        now,
    )
    .await?;
    w.commit().await?;
    get_application(store, actor, id, now).await
}

/// Everything [`Action::Submit`] still needs, beyond state and role: consent (covering the
/// co-applicant), both identity gates, a lender with a rate sheet, a score, completeness.
pub async fn submit_blockers(
    store: &Store,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<Vec<Unmet>, ApplicationError> {
    let row =
        app_repo::submit_facts(store, id)
            .await?
            .ok_or_else(|| ApplicationError::NotFound {
                what: "application",
                id: id.to_string(),
            })?;
    let customer_id = row.customer_id;
    let co = row.co_applicant_id;
    let mut unmet = Vec::new();
    if row.consent_at.is_none() {
        unmet.push(Unmet::NoConsent);
    } else if co.is_some() && row.consent_parties.as_deref() != Some("applicant,co_applicant") {
        unmet.push(Unmet::ConsentMissingCoApplicant);
    }
    let blockers =
        identity::application_blockers(store, &CustomerId::from(customer_id.as_str())).await?;
    if !blockers.is_empty() {
        unmet.push(Unmet::Identity {
            party: Party::Applicant,
            customer_id: customer_id.clone(),
            blockers,
        });
    }
    if let Some(co) = &co {
        let blockers =
            identity::application_blockers(store, &CustomerId::from(co.as_str())).await?;
        if !blockers.is_empty() {
            unmet.push(Unmet::Identity {
                party: Party::CoApplicant,
                customer_id: co.clone(),
                blockers,
            });
        }
    }
    match row.lender_id {
        None => unmet.push(Unmet::NoLender),
        Some(l) => {
            let mut conn = store.pool().acquire().await?;
            if rates::current_sheet(&mut conn, &l).await?.is_none() {
                unmet.push(Unmet::NoRateSheet);
            }
        }
    }
    if row.credit_score.is_none() {
        unmet.push(Unmet::NoCreditScore);
    }
    let details: ApplicationDetails = serde_json::from_str(&row.details_json)
        .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    unmet.extend(completeness(
        &details,
        Money::from_cents(row.gross_monthly_income_cents),
        now.date_naive(),
    ));
    Ok(unmet)
}

// ----- reading -----------------------------------------------------------------------------

/// A name as lists show it: given and family name (the full name's rule, without the middle
/// name and suffix).
fn name_of(given: Option<String>, family: Option<String>) -> String {
    dealerdesk_rules::names::full_name_of(given.as_deref(), None, family.as_deref(), None)
}

/// How many of the latest decision's stipulations are not cleared yet (an earlier, reworked
/// decision's conditions no longer apply). Contracting waits for none.
async fn open_stipulations(
    conn: &mut sqlx::SqliteConnection,
    id: &ApplicationId,
) -> Result<u32, ApplicationError> {
    let open = dealerdesk_store::repo::stipulation::open_count(conn, id).await?;
    Ok(u32::try_from(open).unwrap_or(u32::MAX))
}

/// One application with its history, decisions and stipulations, and the moves `actor` may make
/// from its state.
pub async fn get_application(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<ApplicationView, ApplicationError> {
    load_application(store, Some(actor), id, now).await
}

/// [`get_application`] for a document or a message built from it, which offers no moves
/// (`actions` is empty without an actor).
pub(crate) async fn load_application(
    store: &Store,
    actor: Option<&Actor>,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<ApplicationView, ApplicationError> {
    let mut conn = store.pool().acquire().await?;
    let r = app_read::detail(&mut conn, id)
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "application",
            id: id.to_string(),
        })?;
    let state_text = &r.state;
    let state = ApplicationState::parse(state_text)
        .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {state_text}")))?;
    let details: ApplicationDetails = serde_json::from_str(&r.details_json)
        .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    let consent = r.consent_at.clone().map(|at| ConsentView {
        captured_by: r.consent_by.clone().unwrap_or_default(),
        at,
        text_version: r.consent_text_version.clone().unwrap_or_default(),
        text_sha256: r.consent_text_sha256.clone().unwrap_or_default(),
        parties: r.consent_parties.clone().unwrap_or_default(),
    });
    let history = app_read::history(&mut conn, id)
        .await?
        .into_iter()
        .map(|h| {
            let to = h.to_state;
            Ok(HistoryEntry {
                from_state: h
                    .from_state
                    .map(|s| known("application state", &s, ApplicationState::parse))
                    .transpose()?,
                to_state: ApplicationState::parse(&to)
                    .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {to}")))?,
                action_label: action_label(&h.action),
                action: h.action,
                actor_name: crate::auth::actor_label(&h.actor, h.display_name.as_deref()),
                actor: h.actor,
                at: h.at,
                note: h.note,
            })
        })
        .collect::<Result<Vec<_>, ApplicationError>>()?;
    let decisions = app_read::decisions(&mut conn, id)
        .await?
        .into_iter()
        .map(|d| {
            let outcome = d.outcome;
            Ok(DecisionView {
                id: d.id,
                lender_id: d.lender_id,
                lender_name: d.lender_name,
                rate_sheet_version: u32::try_from(d.rate_sheet_version).unwrap_or(0),
                outcome: ApplicationState::parse(&outcome).ok_or_else(|| {
                    ApplicationError::Corrupt(format!("unknown outcome {outcome}"))
                })?,
                source: d.source,
                decided_at: d.decided_at,
                decision: serde_json::from_str(&d.decision_json)
                    .map_err(|e| ApplicationError::Corrupt(e.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>, ApplicationError>>()?;
    let stipulations = stips::list_tx(&mut conn, id, now).await?;
    let open = open_stipulations(&mut conn, id).await?;
    let co_id = r.co_applicant_id.map(CustomerId::from);
    Ok(ApplicationView {
        id: ApplicationId::from(r.id),
        state,
        phase: state.phase().to_string(),
        deal_id: r.deal_id.into(),
        customer_id: r.customer_id.into(),
        customer_name: name_of(Some(r.given_name), Some(r.family_name)),
        intent: if r.intent == "joint" {
            Intent::Joint
        } else {
            Intent::Individual
        },
        co_applicant_name: co_id.as_ref().map(|_| name_of(r.co_given, r.co_family)),
        co_applicant_id: co_id,
        details,
        gross_monthly_income: Money::from_cents(r.gross_monthly_income_cents).to_plain(),
        other_monthly_income: Money::from_cents(r.other_monthly_income_cents).to_plain(),
        co_applicant_income: Money::from_cents(r.co_applicant_income_cents).to_plain(),
        housing_status: known("housing status", &r.housing_status, HousingStatus::parse)?,
        housing_payment: Money::from_cents(r.housing_payment_cents).to_plain(),
        other_monthly_debts: Money::from_cents(r.other_debts_cents).to_plain(),
        credit_score: r.credit_score.and_then(|s| u16::try_from(s).ok()),
        lender_id: r.lender_id,
        lender_name: r.lender_name,
        consent,
        history,
        decisions,
        stipulations,
        open_stipulations: open,
        ready_to_contract: matches!(
            state,
            ApplicationState::Approved | ApplicationState::Conditional
        ) && open == 0,
        created_at: r.created_at,
        updated_at: r.updated_at,
        created_by_name: crate::auth::actor_label(&r.created_by, r.created_by_display.as_deref()),
        created_by: r.created_by,
        actions: actor.map(|a| actions_for(a, state)).unwrap_or_default(),
    })
}

/// A page of applications, most recently changed first.
pub async fn list_applications(
    store: &Store,
    filter: &ApplicationFilter,
) -> Result<ApplicationPage, ApplicationError> {
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(invalid("limit", "between 1 and 1000"));
    }
    let offset = filter.offset.unwrap_or(0);
    let state = filter.state.map(|s| s.as_str());
    let customer = filter.customer_id.clone();
    let (rows, total) = app_read::page(
        store,
        state,
        customer.as_ref(),
        i64::from(limit),
        i64::from(offset),
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let s = r.state;
            let state = ApplicationState::parse(&s)
                .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {s}")))?;
            Ok(ApplicationSummary {
                id: ApplicationId::from(r.id),
                state,
                phase: state.phase().to_string(),
                customer_id: r.customer_id.into(),
                customer_name: name_of(Some(r.given_name), Some(r.family_name)),
                deal_id: r.deal_id.into(),
                lender_id: r.lender_id,
                lender: r.lender_name,
                credit_score: r.credit_score.and_then(|s| u16::try_from(s).ok()),
                open_stipulations: u32::try_from(r.open_stips).unwrap_or(0),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect::<Result<Vec<_>, ApplicationError>>()?;
    Ok(ApplicationPage { items, total })
}

/// The figures the lenders judge, from the application, its deal's selected option and the
/// vehicle.
pub async fn assist_input(
    conn: &mut SqliteConnection,
    id: &ApplicationId,
) -> Result<AssistInput, ApplicationError> {
    let r = app_read::assist(conn, id)
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "application",
            id: id.to_string(),
        })?;
    let Some(kind) = r.kind.clone() else {
        return Err(invalid("deal_id", "the deal has no selected option"));
    };
    // the selected option's columns are present whenever its kind is
    let option = |v: Option<i64>| {
        v.ok_or_else(|| {
            ApplicationError::Corrupt("the deal's selected option is incomplete".into())
        })
    };
    let input: serde_json::Value = match r.input_json.as_deref() {
        Some(j) => serde_json::from_str(j).unwrap_or_default(),
        None => {
            return Err(ApplicationError::Corrupt(
                "the deal's selected option is incomplete".into(),
            ))
        }
    };
    let dec = |key: &str| -> Decimal {
        input
            .get("input")
            .and_then(|i| i.get(key))
            .or_else(|| input.get(key))
            .and_then(|v| v.as_str())
            .and_then(|s| Decimal::from_str(s.trim()).ok())
            .unwrap_or_default()
    };
    let (amount_financed, contract_rate) = if kind == "lease" {
        let adjusted = dec("agreed_value") + dec("capitalized_items")
            - dec("cap_reduction")
            - dec("trade")
            - dec("rebate");
        (Money::round(adjusted.max(Decimal::ZERO)), None)
    } else {
        (
            Money::from_cents(r.amount_financed_cents.unwrap_or(0)),
            Some(dec("rate")),
        )
    };
    Ok(AssistInput {
        amount_financed,
        payment: Money::from_cents(option(r.monthly_payment_cents)?),
        term_months: u32::try_from(option(r.term_months)?).unwrap_or(0),
        model_year: i32::try_from(r.model_year).unwrap_or(0),
        vehicle_value: Money::from_cents(r.price_cents),
        monthly_income: Money::from_cents(
            r.gross_monthly_income_cents
                + r.other_monthly_income_cents
                + r.co_applicant_income_cents,
        ),
        housing_payment: Money::from_cents(r.housing_payment_cents),
        other_debts: Money::from_cents(r.other_debts_cents),
        credit_score: r.credit_score.and_then(|s| u16::try_from(s).ok()),
        contract_rate,
    })
}

/// Every active lender's current sheet, parsed.
pub async fn lender_sheets(
    conn: &mut SqliteConnection,
) -> Result<Vec<LenderSheet>, ApplicationError> {
    app_read::current_sheets(conn)
        .await?
        .into_iter()
        .map(lender_sheet)
        .collect()
}

/// A stored lender sheet, parsed.
pub(crate) fn lender_sheet(
    r: dealerdesk_store::read::application::LenderSheetRow,
) -> Result<LenderSheet, ApplicationError> {
    let sheet: RateSheet = serde_json::from_str(&r.sheet_json)
        .map_err(|e| ApplicationError::Corrupt(format!("stored rate sheet: {e}")))?;
    Ok(LenderSheet {
        lender_id: r.lender_id,
        lender_code: r.code,
        lender_name: r.name,
        rate_sheet_id: r.sheet_id,
        rate_sheet_version: u32::try_from(r.version).unwrap_or(0),
        sheet: sheet.parse()?,
    })
}

/// The decision-assist table for an application: every active lender, best first.
pub async fn decision_assist(
    store: &Store,
    id: &ApplicationId,
) -> Result<Vec<LenderAssessment>, ApplicationError> {
    let mut conn = store.pool().acquire().await?;
    let input = assist_input(&mut conn, id).await?;
    let sheets = lender_sheets(&mut conn).await?;
    Ok(assess_all(&input, &sheets))
}

/// Whole days from `from` (stored time) to `now`.
pub(crate) fn age_days(from: &str, now: DateTime<Utc>) -> u32 {
    u32::try_from((now - parse_ts(from)).num_days().max(0)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn details(residence: &[&str], jobs: &[&str]) -> ApplicationDetails {
        ApplicationDetails {
            residences: residence
                .iter()
                .map(|s| ResidenceEntry {
                    address: "1 Main St".into(),
                    since: s.to_string(),
                })
                .collect(),
            employment: jobs
                .iter()
                .map(|s| EmploymentEntry {
                    employer: "Acme".into(),
                    title: None,
                    since: s.to_string(),
                })
                .collect(),
            other_income: Vec::new(),
            references: Vec::new(),
        }
    }

    #[test]
    fn history_must_reach_back_exactly_24_months() {
        let today = d("2026-11-25");
        let income = Money::from_cents(500_000);
        assert!(
            completeness(&details(&["2024-11-25"], &["2024-11-25"]), income, today).is_empty(),
            "exactly 24 months is enough"
        );
        let short = completeness(&details(&["2024-11-26"], &["2020-01-01"]), income, today);
        assert_eq!(short.len(), 1, "{short:?}");
        assert_eq!(short[0].field(), Some("residences"));
        assert!(short[0].to_string().contains("23 months"), "{}", short[0]);
        // Two years from a leap day are complete on the last day of February, as the customer
        // screen and the STAR message count them.
        assert!(
            completeness(
                &details(&["2024-02-29"], &["2024-02-29"]),
                income,
                d("2026-02-28")
            )
            .is_empty(),
            "24 whole months since 2024-02-29 on 2026-02-28"
        );
        let none = completeness(&details(&[], &[]), Money::ZERO, today);
        let fields: Vec<_> = none.iter().filter_map(Unmet::field).collect();
        assert_eq!(
            fields,
            vec!["residences", "employment", "gross_monthly_income"]
        );
    }
}
