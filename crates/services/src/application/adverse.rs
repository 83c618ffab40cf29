//! Adverse-action notices: ECOA / Regulation B (12 CFR 1002.9) and FCRA §615(a)
//! (15 U.S.C. 1681m(a), with the score disclosure of §609(f), 1681g(f)).
//!
//! A notice arises when an application is **declined**, or when a **counter-offer is not
//! accepted** (the application leaves `countered` by rework, withdrawal or expiry). It is created
//! in the same transaction as that transition ([`on_transition_tx`], called from
//! [`super::move_tx`], so every path that records a decline gets one: the desk, the simulator,
//! future imports), once per lender decision.
//!
//! The notice's content is a snapshot taken when it arises: the applicant's name and address,
//! the creditors (the dealership, which arranged the credit, and the lender), the federal agency
//! for the dealership (the FTC), the principal reasons in words, the credit score used with its
//! range, key factors and date, and the consumer reporting agency's contact. It is due 30 days
//! after the decision; [`pending_notices`] drives the home-screen timer until the notice is
//! [`mark_delivered`] (print, e-mail through the outbox, or mail).
//!
//! The PDF ([`render_pdf`]) and the e-mail text ([`notice_text`]) are made from the same
//! blocks; the same notice gives the same PDF bytes.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dealerdesk_rules::ids::{ApplicationId, CustomerId, NoticeId};
use dealerdesk_rules::names::full_name_of;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::submit::{reason_words, LenderDecision};
use super::{assist::RuleCode, ApplicationError, ApplicationState};
use crate::auth::{Actor, Permission};
use dealerdesk_pdf::{Align, DocInfo, Document, PdfError, TextStyle};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::read::application as read_app;
use dealerdesk_store::repo::adverse_action_notice::{self as notice_repo, NoticeRow};
use dealerdesk_store::repo::credit_application;
use dealerdesk_store::repo::outbox::{self, NewOutboxRow};
use dealerdesk_store::{meta_get, meta_set, new_id, parse_ts, ts, Store, Write};

/// Days from the decision to the notice's due date (Reg B §1002.9(a)(1)).
pub const NOTICE_DAYS: i64 = 30;
/// At most this many principal reasons (Reg B comment 9(b)(2)-1: more than four is not helpful).
pub const MAX_REASONS: usize = 4;
/// At most this many key factors (FCRA §609(f)(1)(C)).
pub const MAX_KEY_FACTORS: usize = 4;
/// The range of the credit scores the desk records.
pub const SCORE_RANGE: (u16, u16) = (300, 850);

/// The statement of §1002.9(b)(1), word for word, up to the agency's name and address.
pub const ECOA_STATEMENT: &str = "The Federal Equal Credit Opportunity Act prohibits creditors \
from discriminating against credit applicants on the basis of race, color, religion, national \
origin, sex, marital status, age (provided the applicant has the capacity to enter into a binding \
contract); because all or part of the applicant's income derives from any public assistance \
program; or because the applicant has in good faith exercised any right under the Consumer Credit \
Protection Act. The Federal agency that administers compliance with this law concerning this \
creditor is";

/// The agency Regulation B appendix A names for creditors without another regulator (a motor
/// vehicle dealer): the FTC.
pub const FTC_NAME: &str = "Federal Trade Commission, Consumer Response Center";
pub const FTC_ADDRESS: &str = "600 Pennsylvania Avenue NW, Washington, DC 20580";

/// Clearly fictional default for the consumer reporting agency until the desk sets its own.
pub const DEMO_BUREAU_NAME: &str = "Sample Credit Bureau (DEMO - not a real agency)";
pub const DEMO_BUREAU_ADDRESS: &str = "P.O. Box 0000, Anytown, ZZ 00000";
pub const DEMO_BUREAU_PHONE: &str = "1-800-555-0199";
/// Shown on notices until the dealership's address is set.
pub const NO_DEALER_ADDRESS: &str = "(dealership address not set: add it in the settings)";

const KEY_BUREAU_NAME: &str = "adverse_bureau_name";
const KEY_BUREAU_ADDRESS: &str = "adverse_bureau_address";
const KEY_BUREAU_PHONE: &str = "adverse_bureau_phone";
const KEY_DEALER_ADDRESS: &str = "dealership_address";

/// Roles that may mark a notice delivered (a legal record).

#[derive(Debug, thiserror::Error)]
pub enum AdverseError {
    #[error("no adverse-action notice {0}")]
    NotFound(String),
    #[error("your role cannot {0}; a finance manager or admin must")]
    Forbidden(&'static str),
    #[error("this notice was already delivered ({method} on {at} by {by}); it cannot be delivered twice")]
    AlreadyDelivered {
        method: String,
        at: String,
        by: String,
    },
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("the notice cannot be printed: {0}")]
    Pdf(#[from] PdfError),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Application(#[from] ApplicationError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl AdverseError {
    /// The input field at fault, for the UI and the CLI's `field`.
    pub fn field(&self) -> Option<&str> {
        match self {
            AdverseError::Invalid { field, .. } => Some(field),
            AdverseError::Application(e) => e.field(),
            _ => None,
        }
    }
}

fn corrupt(e: impl std::fmt::Display) -> AdverseError {
    AdverseError::Corrupt(e.to_string())
}

/// Why the notice is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The lender declined the application.
    Declined,
    /// The lender countered and the customer did not take the counter-offer.
    CounterNotAccepted,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declined => "declined",
            Self::CounterNotAccepted => "counter_not_accepted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "declined" => Some(Self::Declined),
            "counter_not_accepted" => Some(Self::CounterNotAccepted),
            _ => None,
        }
    }
}

/// How the notice reached the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// Printed and handed over at the desk.
    Print,
    /// E-mailed (queued in the outbox).
    Email,
    /// Posted.
    Mail,
}

impl DeliveryMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Print => "print",
            Self::Email => "email",
            Self::Mail => "mail",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "print" => Some(Self::Print),
            "email" => Some(Self::Email),
            "mail" => Some(Self::Mail),
            _ => None,
        }
    }
}

/// A name and a postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NoticeParty {
    pub name: String,
    pub address: Option<String>,
}

/// The consumer reporting agency whose report (and score) was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Bureau {
    pub name: String,
    pub address: String,
    /// Toll-free number.
    pub phone: String,
}

/// The FCRA §615(a) / §609(f) score disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScoreDisclosure {
    /// `None` when no score was used.
    pub score: Option<u16>,
    pub range_low: u16,
    pub range_high: u16,
    /// Up to four, most important first.
    pub key_factors: Vec<String>,
    /// ISO date the score was obtained.
    pub date: Option<String>,
}

/// A notice as data.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct NoticeView {
    pub id: NoticeId,
    pub application_id: ApplicationId,
    pub decision_id: String,
    pub kind: NoticeKind,
    pub customer_id: CustomerId,
    pub applicant_name: String,
    pub applicant_address: Vec<String>,
    /// The statement of the action taken, in words.
    pub action_taken: String,
    /// Up to four principal reasons, in words. Empty: the notice tells the applicant how to ask
    /// for them (§1002.9(a)(2)(ii)).
    pub reasons: Vec<String>,
    pub score: ScoreDisclosure,
    pub bureau: Bureau,
    /// The dealership (arranged the credit).
    pub dealer: NoticeParty,
    /// The lender that decided.
    pub lender: NoticeParty,
    /// The federal agency administering ECOA compliance for the dealership.
    pub agency: NoticeParty,
    pub decided_at: String,
    /// ISO date: the decision's date + 30 days.
    pub due_date: String,
    /// Negative when overdue; counted from today's UTC date.
    #[ts(type = "number")]
    pub days_remaining: i64,
    pub overdue: bool,
    pub delivered_at: Option<String>,
    pub delivery_method: Option<DeliveryMethod>,
    pub delivered_by: Option<String>,
    pub outbox_id: Option<String>,
    pub pdf_sha256: Option<String>,
    pub created_at: String,
}

/// One row of the notice list and the home-screen timer.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct NoticeDue {
    pub id: NoticeId,
    pub application_id: ApplicationId,
    pub customer_id: CustomerId,
    pub applicant_name: String,
    pub kind: NoticeKind,
    pub lender_name: String,
    pub decided_at: String,
    pub due_date: String,
    #[ts(type = "number")]
    pub days_remaining: i64,
    pub overdue: bool,
    pub delivered_at: Option<String>,
    pub delivery_method: Option<DeliveryMethod>,
}

/// The home-screen figure: notices still owed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct NoticeTimer {
    pub pending: u32,
    pub overdue: u32,
    /// The soonest due date among pending notices.
    pub oldest_due_date: Option<String>,
    /// Days left on that one (negative when overdue).
    #[ts(type = "number | null")]
    pub days_remaining: Option<i64>,
}

/// The settings notices draw on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NoticeSettings {
    pub bureau: Bureau,
    /// The dealership's postal address, one line.
    pub dealership_address: String,
}

// ----- wording ---------------------------------------------------------------------------------

/// The adverse-action wording of a lender reason: a decision-assist message ("LTV 130% > 125%
/// max: add $1,000.00 down") becomes the reason in words; words already are kept.
pub fn reason_in_words(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let l = t.to_ascii_lowercase();
    let rule = if l.starts_with("ltv ") {
        Some(RuleCode::Ltv)
    } else if l.starts_with("pti ") {
        Some(RuleCode::Pti)
    } else if l.starts_with("dti ") {
        Some(RuleCode::Dti)
    } else if l.starts_with("term ") {
        Some(RuleCode::Term)
    } else if l.starts_with("amount financed ") {
        Some(RuleCode::AmountFinanced)
    } else if l.starts_with("no income") {
        Some(RuleCode::NoIncome)
    } else if l.starts_with("no ") && l.contains("buy rate") {
        Some(RuleCode::NoRate)
    } else if l.starts_with("score ") {
        Some(RuleCode::ScoreBelowTiers)
    } else if l.starts_with("markup ") {
        Some(RuleCode::Markup)
    } else {
        None
    };
    rule.map(|r| reason_words(r).to_string()).unwrap_or(t)
}

/// Up to four distinct principal reasons, in words, in the lender's order.
pub fn principal_reasons(reasons: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in reasons {
        let w = reason_in_words(r);
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    out.truncate(MAX_REASONS);
    out
}

/// Key factors for a score drawn by the built-in lender simulator (demo and offline desks have
/// no bureau to report them). Real lender answers carry the bureau's own factors.
pub fn simulated_key_factors(score: u16) -> Vec<String> {
    let f: &[&str] = match score {
        0..=579 => &[
            "Serious delinquency, derogatory public record or collection filed",
            "Number of accounts with delinquency",
            "Proportion of balances to credit limits on revolving accounts is too high",
            "Length of time accounts have been established",
        ],
        580..=669 => &[
            "Proportion of balances to credit limits on revolving accounts is too high",
            "Too many inquiries in the last 12 months",
            "Length of time accounts have been established",
            "Too few accounts currently paid as agreed",
        ],
        670..=739 => &[
            "Proportion of balances to credit limits on revolving accounts is too high",
            "Length of time accounts have been established",
            "Too many inquiries in the last 12 months",
        ],
        _ => &[
            "Length of time accounts have been established",
            "Too few installment loans",
        ],
    };
    f.iter().map(|s| s.to_string()).collect()
}

fn money_words(amount: &str) -> String {
    match amount.parse::<rust_decimal::Decimal>() {
        Ok(d) => dealerdesk_rules::money::Money::round(d).to_string(),
        Err(_) => amount.to_string(),
    }
}

fn action_taken(kind: NoticeKind, lender: &str, d: &LenderDecision) -> String {
    match kind {
        NoticeKind::Declined => format!(
            "Your application for credit to finance the purchase of a vehicle has been declined. \
             The application was submitted by the dealership to {lender}, which did not approve it."
        ),
        NoticeKind::CounterNotAccepted => {
            let offer = match (&d.approved_amount, d.approved_term) {
                (Some(a), Some(t)) => {
                    format!(" ({} financed over {t} months)", money_words(a))
                }
                (Some(a), None) => format!(" ({} financed)", money_words(a)),
                _ => String::new(),
            };
            format!(
                "Your application for credit to finance the purchase of a vehicle was not approved \
                 on the terms you requested. {lender} offered credit on other terms{offer}, which \
                 you did not accept."
            )
        }
    }
}

// ----- creation --------------------------------------------------------------------------------

async fn setting(
    conn: &mut SqliteConnection,
    key: &str,
    default: &str,
) -> Result<String, sqlx::Error> {
    Ok(meta_get(conn, key)
        .await?
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string()))
}

async fn settings_tx(conn: &mut SqliteConnection) -> Result<NoticeSettings, sqlx::Error> {
    Ok(NoticeSettings {
        bureau: Bureau {
            name: setting(conn, KEY_BUREAU_NAME, DEMO_BUREAU_NAME).await?,
            address: setting(conn, KEY_BUREAU_ADDRESS, DEMO_BUREAU_ADDRESS).await?,
            phone: setting(conn, KEY_BUREAU_PHONE, DEMO_BUREAU_PHONE).await?,
        },
        dealership_address: setting(conn, KEY_DEALER_ADDRESS, NO_DEALER_ADDRESS).await?,
    })
}

/// Creates the notice a transition calls for, inside the transition's transaction: a move to
/// `declined`, or out of `countered` without accepting (rework, withdraw, expire). Returns the
/// notice id when one is owed (an existing one for the same decision is returned, not doubled).
pub(crate) async fn on_transition_tx(
    w: &mut Write<'_>,
    app_id: &ApplicationId,
    from: ApplicationState,
    to: ApplicationState,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApplicationError> {
    use ApplicationState as S;
    let kind = match (from, to) {
        (_, S::Declined) => NoticeKind::Declined,
        (S::Countered, S::Withdrawn | S::Expired | S::Draft) => NoticeKind::CounterNotAccepted,
        _ => return Ok(None),
    };
    let wanted = match kind {
        NoticeKind::Declined => "declined",
        NoticeKind::CounterNotAccepted => "countered",
    };
    let decision = read_app::latest_decision(w.conn(), app_id).await?;
    let Some(decision) = decision else {
        return Err(super::invalid(
            "decision",
            "record the lender's decision before the application is moved to declined (an adverse-action notice needs it)",
        ));
    };
    let outcome = decision.outcome;
    if outcome != wanted {
        return Err(ApplicationError::Corrupt(format!(
            "the latest decision is {outcome}, not {wanted}"
        )));
    }
    create_for_decision_tx(w, app_id, &decision.id, kind, now).await
}

/// Creates the notice for one decision (declined, or a counter not taken), unless it exists:
/// then its id is returned.
async fn create_for_decision_tx(
    w: &mut Write<'_>,
    app_id: &ApplicationId,
    decision_id: &str,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApplicationError> {
    let decision_id = decision_id.to_string();
    let existing = notice_repo::id_for_decision(w.conn(), &decision_id).await?;
    if existing.is_some() {
        return Ok(existing);
    }
    let decision = read_app::decision(w.conn(), &decision_id).await?;
    let d: LenderDecision = serde_json::from_str(&decision.decision_json)
        .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    let decided_at = decision.decided_at;
    let source = decision.source;
    let lender_id = decision.lender_id;
    let lender_name = decision.lender_name;

    let app = read_app::applicant(w.conn(), app_id).await?;
    let customer_id = app.customer_id.clone();
    let name = full_name_of(
        Some(app.given_name.as_str()),
        app.middle_name.as_deref(),
        Some(app.family_name.as_str()),
        app.suffix.as_deref(),
    );
    let address =
        match read_app::current_address(w.conn(), &CustomerId::from(customer_id.as_str())).await? {
            Some(a) => {
                let mut lines = vec![a.line1];
                if let Some(l2) = a.line2.filter(|s| !s.trim().is_empty()) {
                    lines.push(l2);
                }
                lines.push(format!("{}, {} {}", a.city, a.state, a.zip));
                lines
            }
            None => Vec::new(),
        };
    let score = app.credit_score.and_then(|s| u16::try_from(s).ok());
    let submitted =
        credit_application::submitted_at_or_before(w.conn(), app_id, &decided_at).await?;
    let score_date = score.map(|_| {
        parse_ts(submitted.as_deref().unwrap_or(&decided_at))
            .date_naive()
            .to_string()
    });
    let key_factors = match score {
        Some(s) if source == "simulator" => simulated_key_factors(s),
        _ => Vec::new(),
    };
    let reasons = principal_reasons(&d.reasons);
    let settings = settings_tx(w.conn()).await?;
    let dealer_name = setting(w.conn(), "dealership_name", "DealerDesk").await?;
    let lender_address = meta_get(w.conn(), &format!("lender_address.{lender_id}"))
        .await?
        .filter(|a| !a.trim().is_empty());
    let decided_date = parse_ts(&decided_at).date_naive();
    let due = decided_date + Duration::days(NOTICE_DAYS);
    let id = NoticeId::from(new_id());
    let mut view = NoticeView {
        id: id.clone(),
        application_id: app_id.clone(),
        decision_id: decision_id.clone(),
        kind,
        customer_id: customer_id.clone().into(),
        applicant_name: name,
        applicant_address: address,
        action_taken: action_taken(kind, &lender_name, &d),
        reasons,
        score: ScoreDisclosure {
            score,
            range_low: SCORE_RANGE.0,
            range_high: SCORE_RANGE.1,
            key_factors,
            date: score_date,
        },
        bureau: settings.bureau,
        dealer: NoticeParty {
            name: dealer_name,
            address: Some(settings.dealership_address),
        },
        lender: NoticeParty {
            name: lender_name,
            address: lender_address,
        },
        agency: NoticeParty {
            name: FTC_NAME.into(),
            address: Some(FTC_ADDRESS.into()),
        },
        decided_at,
        due_date: due.to_string(),
        days_remaining: 0,
        overdue: false,
        delivered_at: None,
        delivery_method: None,
        delivered_by: None,
        outbox_id: None,
        pdf_sha256: None,
        created_at: ts(now),
    };
    // A name the font cannot print must not stop the decision being recorded: the hash is then
    // written when the notice is first printed.
    view.pdf_sha256 = render_pdf(&view).ok().map(|b| sha256_hex(&b));
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let applicant_address = json(&view.applicant_address);
    let reasons_json = json(&view.reasons);
    let key_factors_json = json(&view.score.key_factors);
    notice_repo::insert(
        w,
        &id,
        &notice_repo::NewNotice {
            application_id: app_id.as_str(),
            decision_id: &decision_id,
            kind: kind.as_str(),
            customer_id: &customer_id,
            applicant_name: &view.applicant_name,
            applicant_address: &applicant_address,
            action_taken: &view.action_taken,
            reasons_json: &reasons_json,
            credit_score: score.map(i64::from),
            score_range_low: i64::from(SCORE_RANGE.0),
            score_range_high: i64::from(SCORE_RANGE.1),
            key_factors_json: &key_factors_json,
            score_date: view.score.date.as_deref(),
            bureau_name: &view.bureau.name,
            bureau_address: &view.bureau.address,
            bureau_phone: &view.bureau.phone,
            dealer_name: &view.dealer.name,
            dealer_address: view.dealer.address.as_deref().unwrap_or(NO_DEALER_ADDRESS),
            lender_id: &lender_id,
            lender_name: &view.lender.name,
            lender_address: view.lender.address.as_deref(),
            agency_name: &view.agency.name,
            agency_address: view.agency.address.as_deref().unwrap_or(FTC_ADDRESS),
            decided_at: &view.decided_at,
            due_date: &view.due_date,
            pdf_sha256: view.pdf_sha256.as_deref(),
        },
    )
    .await?;
    w.audit(
        AuditEvent::new("system", "adverse_notice.create", AuditOutcome::Success)
            .subject(format!("adverse_notice:{id}"))
            .detail(format!(
                "application {app_id}, {}, due {}",
                kind.as_str(),
                view.due_date
            )),
    );
    Ok(Some(id.into_string()))
}

/// Creates the notices owed for decisions recorded before this desk made them (a database
/// upgraded from an earlier release, or decisions imported in bulk): every declined decision,
/// and every counter the application left other than by its acceptance. Safe to run at every
/// start: a decision that has its notice is skipped. Returns how many were created.
pub async fn backfill_notices(store: &Store, now: DateTime<Utc>) -> Result<usize, AdverseError> {
    let owed = notice_repo::owed(store).await?;
    let mut created = 0;
    for r in owed {
        let kind = if r.outcome == "declined" {
            NoticeKind::Declined
        } else {
            NoticeKind::CounterNotAccepted
        };
        let mut w = store.write(now).await?;
        if create_for_decision_tx(
            &mut w,
            &ApplicationId::from(r.application_id.as_str()),
            &r.decision_id,
            kind,
            now,
        )
        .await?
        .is_some()
        {
            created += 1;
        }
        w.commit().await?;
    }
    Ok(created)
}

// ----- reading ---------------------------------------------------------------------------------

fn days_left(due: &str, now: DateTime<Utc>) -> i64 {
    match NaiveDate::parse_from_str(due, "%Y-%m-%d") {
        Ok(d) => (d - now.date_naive()).num_days(),
        Err(_) => 0,
    }
}

fn json_list(s: &str) -> Result<Vec<String>, AdverseError> {
    serde_json::from_str(s).map_err(corrupt)
}

fn view_of(r: NoticeRow, now: DateTime<Utc>) -> Result<NoticeView, AdverseError> {
    let kind = r.kind;
    let days = days_left(&r.due_date, now);
    let u16_of = |v: i64| u16::try_from(v).map_err(corrupt);
    Ok(NoticeView {
        id: NoticeId::from(r.id),
        application_id: ApplicationId::from(r.application_id),
        decision_id: r.decision_id,
        kind: NoticeKind::parse(&kind).ok_or_else(|| corrupt(format!("notice kind {kind}")))?,
        customer_id: r.customer_id.into(),
        applicant_name: r.applicant_name,
        applicant_address: json_list(&r.applicant_address)?,
        action_taken: r.action_taken,
        reasons: json_list(&r.reasons_json)?,
        score: ScoreDisclosure {
            score: r.credit_score.map(u16_of).transpose()?,
            range_low: u16_of(r.score_range_low)?,
            range_high: u16_of(r.score_range_high)?,
            key_factors: json_list(&r.key_factors_json)?,
            date: r.score_date,
        },
        bureau: Bureau {
            name: r.bureau_name,
            address: r.bureau_address,
            phone: r.bureau_phone,
        },
        dealer: NoticeParty {
            name: r.dealer_name,
            address: Some(r.dealer_address),
        },
        lender: NoticeParty {
            name: r.lender_name,
            address: r.lender_address,
        },
        agency: NoticeParty {
            name: r.agency_name,
            address: Some(r.agency_address),
        },
        decided_at: r.decided_at,
        due_date: r.due_date,
        days_remaining: days,
        overdue: r.delivered_at.is_none() && days < 0,
        delivered_at: r.delivered_at,
        delivery_method: r.delivery_method.as_deref().and_then(DeliveryMethod::parse),
        delivered_by: r.delivered_by,
        outbox_id: r.outbox_id,
        pdf_sha256: r.pdf_sha256,
        created_at: r.created_at,
    })
}

/// One notice.
pub async fn get_notice(
    store: &Store,
    id: &NoticeId,
    now: DateTime<Utc>,
) -> Result<NoticeView, AdverseError> {
    let r = notice_repo::get(store, &NoticeId::from(id.as_str().trim()))
        .await?
        .ok_or_else(|| AdverseError::NotFound(id.as_str().trim().to_string()))?;
    view_of(r, now)
}

/// A notice by its id, or an application's latest notice by the application's id.
pub async fn find_notice(
    store: &Store,
    notice_or_application_id: &str,
    now: DateTime<Utc>,
) -> Result<NoticeView, AdverseError> {
    let key = notice_or_application_id.trim();
    let r = notice_repo::find(store, key)
        .await?
        .ok_or_else(|| AdverseError::NotFound(key.to_string()))?;
    view_of(r, now)
}

/// An application's notices, oldest first.
pub async fn notices_for_application(
    store: &Store,
    application_id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeView>, AdverseError> {
    notice_repo::for_application(store, &ApplicationId::from(application_id.as_str().trim()))
        .await?
        .into_iter()
        .map(|r| view_of(r, now))
        .collect()
}

/// Notices (all, or only those not yet delivered): the soonest due first, delivered ones last.
pub async fn list_notices(
    store: &Store,
    pending_only: bool,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeDue>, AdverseError> {
    notice_repo::list(store, pending_only)
        .await?
        .into_iter()
        .map(|r| {
            let kind = r.kind;
            let days = days_left(&r.due_date, now);
            Ok(NoticeDue {
                id: r.id.into(),
                application_id: r.application_id.into(),
                customer_id: r.customer_id.into(),
                applicant_name: r.applicant_name,
                kind: NoticeKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("notice kind {kind}")))?,
                lender_name: r.lender_name,
                decided_at: r.decided_at,
                due_date: r.due_date,
                days_remaining: days,
                overdue: r.delivered_at.is_none() && days < 0,
                delivered_at: r.delivered_at,
                delivery_method: r.delivery_method.as_deref().and_then(DeliveryMethod::parse),
            })
        })
        .collect()
}

/// Notices not yet delivered, the soonest due (most urgent) first: the home-screen timer.
pub async fn pending_notices(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeDue>, AdverseError> {
    list_notices(store, true, now).await
}

/// How many notices are owed, how many overdue, and the soonest due date.
pub async fn notice_timer(store: &Store, now: DateTime<Utc>) -> Result<NoticeTimer, AdverseError> {
    let pending = pending_notices(store, now).await?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(NoticeTimer {
        pending: count(pending.len()),
        overdue: count(pending.iter().filter(|n| n.overdue).count()),
        oldest_due_date: pending.first().map(|n| n.due_date.clone()),
        days_remaining: pending.first().map(|n| n.days_remaining),
    })
}

// ----- printing and delivery -------------------------------------------------------------------

/// The notice as PDF bytes, audited (`adverse_notice.print`). Any signed-in role may print it.
pub async fn notice_pdf(
    store: &Store,
    actor: &Actor,
    id: &NoticeId,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, AdverseError> {
    let notice = get_notice(store, id, now).await?;
    let pdf = render_pdf(&notice)?;
    let sha = sha256_hex(&pdf);
    let mut w = store.write(now).await?;
    if notice.pdf_sha256.is_none() {
        notice_repo::set_pdf_sha256(&mut w, &notice.id, &sha).await?;
    }
    w.audit(
        AuditEvent::new(actor.name(), "adverse_notice.print", AuditOutcome::Success)
            .subject(format!("adverse_notice:{}", notice.id))
            .detail(format!(
                "application {}, sha256 {sha}",
                notice.application_id
            )),
    );
    w.commit().await?;
    Ok(pdf)
}

/// Records that the notice reached the applicant. E-mail queues the notice's text in the
/// outbox to the customer's address in the same transaction. Finance manager or admin; a
/// notice is delivered once.
pub async fn mark_delivered(
    store: &Store,
    actor: &Actor,
    id: &NoticeId,
    method: DeliveryMethod,
    now: DateTime<Utc>,
) -> Result<NoticeView, AdverseError> {
    if !actor.may(Permission::DeliverNotices) {
        let event = AuditEvent::new(actor.name(), "adverse_notice.deliver", AuditOutcome::Denied)
            .subject(format!("adverse_notice:{}", id.as_str().trim()))
            .detail(method.as_str().to_string());
        audit::record(store, now, &event).await?;
        return Err(AdverseError::Forbidden(
            "mark an adverse-action notice delivered",
        ));
    }
    let notice = get_notice(store, id, now).await?;
    if let (Some(at), Some(m)) = (&notice.delivered_at, notice.delivery_method) {
        return Err(AdverseError::AlreadyDelivered {
            method: m.as_str().into(),
            at: at.clone(),
            by: notice.delivered_by.clone().unwrap_or_default(),
        });
    }
    if notice.bureau.name == DEMO_BUREAU_NAME && !store.is_demo().await? {
        return Err(AdverseError::Invalid {
            field: "bureau",
            message: "this notice still names the demo credit bureau: set your consumer reporting \
                      agency in the settings first (undelivered notices take it over)"
                .into(),
        });
    }
    if method == DeliveryMethod::Mail && notice.applicant_address.is_empty() {
        return Err(AdverseError::Invalid {
            field: "method",
            message: "the notice has no postal address for the applicant; hand it over printed or e-mail it".into(),
        });
    }
    let pdf_sha = match render_pdf(&notice) {
        Ok(b) => Some(sha256_hex(&b)),
        Err(e) if method != DeliveryMethod::Email => return Err(e.into()),
        Err(_) => notice.pdf_sha256.clone(),
    };
    let email: Option<String> = if method == DeliveryMethod::Email {
        let e = read_app::customer_email(store, &notice.customer_id)
            .await?
            .flatten();
        Some(
            e.filter(|e| !e.trim().is_empty())
                .ok_or_else(|| AdverseError::Invalid {
                    field: "method",
                    message: "the customer has no e-mail address; print or mail the notice".into(),
                })?,
        )
    } else {
        None
    };
    let mut w = store.write(now).await?;
    let outbox_id = match &email {
        Some(to) => {
            let oid = new_id();
            let cipher = store.cipher();
            let subject = format!(
                "{}: notice of action taken on your credit application",
                notice.dealer.name
            );
            let body = notice_text(&notice);
            let subject_enc = cipher.encrypt(&subject, &format!("outbox.subject:{oid}"));
            let body_enc = cipher.encrypt(&body, &format!("outbox.body:{oid}"));
            let queued_at = ts(now);
            outbox::insert(
                &mut w,
                &oid,
                &NewOutboxRow {
                    channel: "email",
                    recipient: to.trim(),
                    subject_enc: Some(&subject_enc),
                    body_enc: &body_enc,
                    customer_id: Some(notice.customer_id.as_str()),
                    link_id: None,
                    next_attempt_at: &queued_at,
                },
            )
            .await?;
            w.audit(
                AuditEvent::new(actor.name(), "outbox.enqueue", AuditOutcome::Success)
                    .subject(format!("adverse_notice:{}", notice.id))
                    .detail(format!("email message outbox:{oid}")),
            );
            Some(oid)
        }
        None => None,
    };
    let delivered_by = actor.name();
    let changed = notice_repo::mark_delivered(
        &mut w,
        &notice.id,
        method.as_str(),
        &delivered_by,
        outbox_id.as_deref(),
        pdf_sha.as_deref(),
    )
    .await?;
    if !changed {
        drop(w);
        let again = get_notice(store, &notice.id, now).await?;
        return Err(AdverseError::AlreadyDelivered {
            method: again
                .delivery_method
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
            at: again.delivered_at.unwrap_or_default(),
            by: again.delivered_by.unwrap_or_default(),
        });
    }
    w.audit(
        AuditEvent::new(
            actor.name(),
            "adverse_notice.deliver",
            AuditOutcome::Success,
        )
        .subject(format!("adverse_notice:{}", notice.id))
        .detail(format!(
            "application {}, {}{}",
            notice.application_id,
            method.as_str(),
            pdf_sha
                .as_deref()
                .map(|s| format!(", sha256 {s}"))
                .unwrap_or_default()
        )),
    );
    w.commit().await?;
    get_notice(store, &notice.id, now).await
}

// ----- settings --------------------------------------------------------------------------------

/// The bureau and dealership address notices use (fictional demo defaults until set).
pub async fn notice_settings(store: &Store) -> Result<NoticeSettings, AdverseError> {
    let mut conn = store.pool().acquire().await?;
    Ok(settings_tx(&mut conn).await?)
}

fn setting_text(field: &'static str, v: &str, max: usize) -> Result<String, AdverseError> {
    let t = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() || t.chars().count() > max {
        return Err(AdverseError::Invalid {
            field,
            message: format!("fill this in (up to {max} characters)"),
        });
    }
    // printed on every notice: refuse what the font cannot print
    dealerdesk_pdf::text_width(&t, TextStyle::regular(10.0)).map_err(|e| {
        AdverseError::Invalid {
            field,
            message: format!("cannot be printed: {e}"),
        }
    })?;
    Ok(t)
}

/// Sets the consumer reporting agency and the dealership's address for notices created from
/// now on (finance manager or admin; audited). Notices already created keep their snapshot.
pub async fn set_notice_settings(
    store: &Store,
    actor: &Actor,
    input: &NoticeSettings,
    now: DateTime<Utc>,
) -> Result<NoticeSettings, AdverseError> {
    if !actor.may(Permission::DeliverNotices) {
        return Err(AdverseError::Forbidden(
            "change the adverse-action notice settings",
        ));
    }
    let name = setting_text("bureau.name", &input.bureau.name, 120)?;
    let address = setting_text("bureau.address", &input.bureau.address, 200)?;
    let phone = setting_text("bureau.phone", &input.bureau.phone, 30)?;
    if phone.chars().filter(char::is_ascii_digit).count() < 10 {
        return Err(AdverseError::Invalid {
            field: "bureau.phone",
            message: "the bureau's toll-free number, like 1-800-555-0199".into(),
        });
    }
    let dealer = setting_text("dealership_address", &input.dealership_address, 200)?;
    let mut w = store.write(now).await?;
    meta_set(w.conn(), KEY_BUREAU_NAME, &name).await?;
    meta_set(w.conn(), KEY_BUREAU_ADDRESS, &address).await?;
    meta_set(w.conn(), KEY_BUREAU_PHONE, &phone).await?;
    meta_set(w.conn(), KEY_DEALER_ADDRESS, &dealer).await?;
    // Notices not yet delivered take the new bureau and address (a notice must never go out
    // naming the demo bureau); delivered ones keep what they said.
    let pending = notice_repo::undelivered(w.conn()).await?;
    let mut refreshed = 0;
    for r in pending {
        let mut n = view_of(r, now)?;
        n.bureau = Bureau {
            name: name.clone(),
            address: address.clone(),
            phone: phone.clone(),
        };
        n.dealer.address = Some(dealer.clone());
        let sha = render_pdf(&n).ok().map(|b| sha256_hex(&b));
        notice_repo::refresh_settings(
            &mut w,
            &n.id,
            &notice_repo::NoticeSettingsFields {
                bureau_name: &name,
                bureau_address: &address,
                bureau_phone: &phone,
                dealer_address: &dealer,
                pdf_sha256: sha.as_deref(),
            },
        )
        .await?;
        refreshed += 1;
    }
    w.audit(
        AuditEvent::new(actor.name(), "settings.change", AuditOutcome::Success).detail(format!(
            "adverse-action notices: bureau {name}, {address}, {phone}; dealership address {dealer}; \
             {refreshed} undelivered notice(s) updated"
        )),
    );
    w.commit().await?;
    notice_settings(store).await
}

// ----- the document ----------------------------------------------------------------------------

enum Block {
    Title(String),
    Heading(String),
    Text(String),
    Strong(String),
    Item(String),
    Small(String),
    Gap,
}

fn fmt_date(iso: &str) -> String {
    NaiveDate::parse_from_str(iso.get(..10).unwrap_or(iso), "%Y-%m-%d")
        .map(|d| d.format("%B %-d, %Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

fn party_line(p: &NoticeParty) -> String {
    match p.address.as_deref().filter(|a| !a.trim().is_empty()) {
        Some(a) => format!("{}, {a}", p.name),
        None => p.name.clone(),
    }
}

fn blocks(n: &NoticeView) -> Vec<Block> {
    use Block::*;
    let mut b = vec![
        Title("Notice of Action Taken on Your Credit Application".into()),
        Gap,
        Text(format!("Date: {}", fmt_date(&n.created_at))),
        Gap,
        Strong(n.applicant_name.clone()),
    ];
    for l in &n.applicant_address {
        b.push(Text(l.clone()));
    }
    b.push(Gap);
    b.push(Heading("Creditors".into()));
    b.push(Text(format!("Dealer: {}", party_line(&n.dealer))));
    b.push(Text(format!("Lender: {}", party_line(&n.lender))));
    b.push(Small(format!(
        "Application {}, decided {}. This notice is given by the dealer on behalf of both creditors.",
        n.application_id,
        fmt_date(&n.decided_at)
    )));
    b.push(Gap);
    b.push(Heading("Action taken".into()));
    b.push(Text(n.action_taken.clone()));
    b.push(Gap);
    b.push(Heading("Principal reasons for this action".into()));
    if n.reasons.is_empty() {
        b.push(Text(format!(
            "You have the right to a statement of the specific reasons for this action. To get it, \
             contact {} at the address above within 60 days of the date of this notice; we will \
             give you the reasons within 30 days of receiving your request.",
            n.dealer.name
        )));
    } else {
        for r in &n.reasons {
            b.push(Item(r.clone()));
        }
    }
    b.push(Gap);
    b.push(Heading(
        "Your credit score and the consumer reporting agency".into(),
    ));
    b.push(Text(
        "Our decision was based in whole or in part on information in a consumer report from \
         the consumer reporting agency named below."
            .into(),
    ));
    b.push(Strong(n.bureau.name.clone()));
    b.push(Text(n.bureau.address.clone()));
    b.push(Text(format!("Toll-free: {}", n.bureau.phone)));
    b.push(Text(
        "The consumer reporting agency did not make this decision and cannot explain why it was \
         made. Under the Fair Credit Reporting Act you have the right to a free copy of your \
         report from the consumer reporting agency if you ask for it within 60 days after you \
         receive this notice, and the right to dispute with the agency any information in the \
         report that is inaccurate or incomplete."
            .into(),
    ));
    b.push(Gap);
    match n.score.score {
        Some(score) => {
            b.push(Text(
                "We also obtained your credit score from this consumer reporting agency and used \
                 it in making our decision. A credit score is a number that reflects the \
                 information in your consumer report; it can change as that information changes."
                    .into(),
            ));
            b.push(Strong(format!("Your credit score: {score}")));
            if let Some(d) = &n.score.date {
                b.push(Text(format!("Date of the score: {}", fmt_date(d))));
            }
            b.push(Text(format!(
                "Scores range from a low of {} to a high of {}.",
                n.score.range_low, n.score.range_high
            )));
            if n.score.key_factors.is_empty() {
                b.push(Text(
                    "Key factors that adversely affected your credit score: none were reported \
                     with the score."
                        .into(),
                ));
            } else {
                b.push(Text(
                    "Key factors that adversely affected your credit score:".into(),
                ));
                for f in n.score.key_factors.iter().take(MAX_KEY_FACTORS) {
                    b.push(Item(f.clone()));
                }
            }
        }
        None => b.push(Text(
            "No credit score was used in making this decision.".into(),
        )),
    }
    b.push(Gap);
    b.push(Heading(
        "Notice under the Equal Credit Opportunity Act".into(),
    ));
    b.push(Text(format!("{ECOA_STATEMENT} {}.", party_line(&n.agency))));
    b.push(Gap);
    b.push(Small(format!(
        "{}. Notice {}.",
        party_line(&n.dealer),
        n.id
    )));
    b
}

/// The notice as plain text (the e-mail body).
pub fn notice_text(n: &NoticeView) -> String {
    let mut out = String::new();
    for b in blocks(n) {
        match b {
            Block::Title(t) => {
                out.push_str(&t.to_uppercase());
                out.push('\n');
            }
            Block::Heading(t) => {
                out.push_str(&t);
                out.push('\n');
                out.push_str(&"-".repeat(t.chars().count()));
                out.push('\n');
            }
            Block::Text(t) | Block::Strong(t) | Block::Small(t) => {
                out.push_str(&t);
                out.push('\n');
            }
            Block::Item(t) => {
                out.push_str("  - ");
                out.push_str(&t);
                out.push('\n');
            }
            Block::Gap => out.push('\n'),
        }
    }
    out
}

/// The notice as a US Letter PDF. Deterministic: the only time in the file is the notice's
/// creation time.
pub fn render_pdf(n: &NoticeView) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new(DocInfo {
        title: "Notice of Action Taken on Your Credit Application".into(),
        subject: format!("Adverse action notice for application {}", n.application_id),
        author: n.dealer.name.clone(),
        document_id: format!("adverse-notice-{}", n.id),
        created: parse_ts(&n.created_at),
    })?;
    doc.paragraph(&n.dealer.name, TextStyle::bold(15.0), Align::Left)?;
    if let Some(a) = n.dealer.address.as_deref().filter(|a| !a.trim().is_empty()) {
        doc.paragraph(a, TextStyle::regular(9.0).with_grey(0.3), Align::Left)?;
    }
    doc.space(3.0);
    doc.rule(1.0);
    doc.space(8.0);
    let body = TextStyle::regular(9.5);
    for b in blocks(n) {
        match b {
            Block::Title(t) => {
                doc.paragraph(&t, TextStyle::bold(13.0), Align::Left)?;
            }
            Block::Heading(t) => {
                doc.ensure(40.0)?;
                doc.paragraph(&t, TextStyle::bold(10.5), Align::Left)?;
                doc.space(1.0);
            }
            Block::Text(t) => {
                doc.paragraph(&t, body, Align::Left)?;
            }
            Block::Strong(t) => {
                doc.paragraph(&t, TextStyle::bold(9.5), Align::Left)?;
            }
            Block::Small(t) => {
                doc.paragraph(&t, TextStyle::regular(8.5).with_grey(0.3), Align::Left)?;
            }
            Block::Item(t) => {
                let indent = 14.0;
                let x = doc.left();
                let w = doc.content_width();
                doc.ensure(body.size * body.leading)?;
                let top = doc.cursor();
                doc.text_at(x + 2.0, top + body.size * 0.95, "-", body)?;
                doc.paragraph_in(x + indent, w - indent, &t, body, Align::Left)?;
            }
            Block::Gap => doc.space(6.0),
        }
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assist_messages_become_reasons_in_words() {
        assert_eq!(
            reason_in_words("LTV 130% > 125% max: add $1,000.00 down"),
            "Value or type of collateral not sufficient"
        );
        assert_eq!(
            reason_in_words("PTI 25% > 20% max: lower the payment by $50.00 a month"),
            "Income insufficient for amount of credit requested"
        );
        assert_eq!(
            reason_in_words("Credit score below the program minimum"),
            "Credit score below the program minimum"
        );
        let r = principal_reasons(&[
            "LTV 130% > 125% max: add $1,000.00 down".into(),
            "Value or type of collateral not sufficient".into(),
            "PTI 25% > 20% max: x".into(),
            "DTI 60% > 50% max: x".into(),
            "term 84 months > 72 max: shorten by 12 months".into(),
            "amount financed $60,000.00 > $50,000.00 max: add $10,000.00 down".into(),
        ]);
        assert_eq!(r.len(), MAX_REASONS, "{r:?}");
        assert_eq!(r[0], "Value or type of collateral not sufficient");
    }

    #[test]
    fn simulated_key_factors_are_at_most_four() {
        for s in [300, 579, 580, 669, 670, 739, 740, 850] {
            let f = simulated_key_factors(s);
            assert!(!f.is_empty() && f.len() <= MAX_KEY_FACTORS, "{s}: {f:?}");
        }
    }

    #[test]
    fn the_ecoa_statement_is_the_regulations() {
        assert!(ECOA_STATEMENT.starts_with(
            "The Federal Equal Credit Opportunity Act prohibits creditors from discriminating"
        ));
        assert!(ECOA_STATEMENT.ends_with("concerning this creditor is"));
    }
}
