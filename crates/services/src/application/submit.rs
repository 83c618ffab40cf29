//! Submission and decision: [`submit_application`] puts a signed message (HMAC-SHA256 with a key
//! derived from the store's key) in the `outbox`; [`process_outbox`] hands pending messages to a
//! [`LenderAdapter`] and records the answers. The built-in [`Simulator`] decides by the lender's
//! rate sheet, deterministically from its seed, after a delay, and sometimes counters or adds
//! conditions, so the whole flow runs offline.

use dealerdesk_rules::ids::ApplicationId;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::assist::{assess, AssistInput, LenderSheet, RuleCode};
use super::{
    assist_input, check_actor, invalid, lender_sheets, move_tx, rates, state_of, stips, Action,
    ApplicationError, ApplicationState,
};
use crate::auth::Actor;
use crate::deal::canonical_json;
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::read::application as read_app;
use dealerdesk_store::repo::{credit_application, lender_outbox, rate_sheet};
use dealerdesk_store::{new_id, parse_ts, ts, Store, Write};

/// A lender's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LenderDecision {
    /// `approved`, `conditional`, `countered` or `declined`.
    pub outcome: ApplicationState,
    pub tier: Option<String>,
    /// Percent.
    pub buy_rate: Option<String>,
    /// Highest contract rate allowed (buy rate + markup), percent.
    pub max_contract_rate: Option<String>,
    /// The amount and term approved (a counter's are the lender's terms).
    pub approved_amount: Option<String>,
    pub approved_term: Option<u32>,
    /// Stipulation codes (conditions).
    pub stipulations: Vec<String>,
    /// Principal reasons (declines and counters), in words.
    pub reasons: Vec<String>,
}

/// What the adapter says about one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Delivered; no answer yet.
    Pending,
    Decided(LenderDecision),
}

/// A message to a lender as stored in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: String,
    pub application_id: ApplicationId,
    pub lender_id: String,
    pub rate_sheet_id: String,
    pub payload_json: String,
    pub signature: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("the lender could not be reached: {0}")]
    Unreachable(String),
    #[error("the lender refused the message: {0}")]
    Refused(String),
}

/// The boundary to a lender network. Implementations deliver a signed message and report the
/// answer when there is one; they run no SQL (the outbox is the store's).
pub trait LenderAdapter {
    fn name(&self) -> &str;
    fn deliver(
        &self,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<Delivery, AdapterError>;
}

/// The submitted figures (no PII: a real adapter adds the applicant's details when it sends).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    message_id: String,
    application_id: String,
    lender_id: String,
    rate_sheet_id: String,
    rate_sheet_version: u32,
    submitted_at: String,
    amount_financed: String,
    payment: String,
    term_months: u32,
    model_year: i32,
    vehicle_value: String,
    monthly_income: String,
    housing_payment: String,
    other_debts: String,
    credit_score: Option<u16>,
    contract_rate: Option<String>,
}

impl Payload {
    fn assist_input(&self) -> Option<AssistInput> {
        let m = |s: &str| Money::parse_user(s).ok();
        Some(AssistInput {
            amount_financed: m(&self.amount_financed)?,
            payment: m(&self.payment)?,
            term_months: self.term_months,
            model_year: self.model_year,
            vehicle_value: m(&self.vehicle_value)?,
            monthly_income: m(&self.monthly_income)?,
            housing_payment: m(&self.housing_payment)?,
            other_debts: m(&self.other_debts)?,
            credit_score: self.credit_score,
            contract_rate: match &self.contract_rate {
                Some(r) => Some(r.parse::<Decimal>().ok()?),
                None => None,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SubmitReceipt {
    pub application_id: ApplicationId,
    pub outbox_id: String,
    pub lender_id: String,
    pub rate_sheet_version: u32,
    pub signature: String,
}

/// Submits a ready application to its chosen lender: checks state and role, then every
/// precondition ([`super::submit_blockers`]); writes the signed outbox message and moves the
/// application to `submitted`, in one transaction.
pub async fn submit_application(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<SubmitReceipt, ApplicationError> {
    {
        let mut conn = store.pool().acquire().await?;
        let (from, _) = state_of(&mut conn, id).await?;
        if let Err(e) = check_actor(actor, from, Action::Submit) {
            drop(conn);
            let event = AuditEvent::new(actor.name(), "application.submit", AuditOutcome::Denied)
                .subject(id.to_string())
                .detail(e.to_string());
            audit::record(store, now, &event).await?;
            return Err(e);
        }
    }
    let unmet = super::submit_blockers(store, id, now).await?;
    if !unmet.is_empty() {
        let event = AuditEvent::new(actor.name(), "application.submit", AuditOutcome::Failure)
            .subject(id.to_string())
            .detail(
                unmet
                    .iter()
                    .filter_map(|u| u.field().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(","),
            );
        audit::record(store, now, &event).await?;
        return Err(ApplicationError::Preconditions(unmet));
    }
    write_submission(store, actor, id, now).await
}

/// The submission itself (state and role checked again inside the transaction); the demo
/// generator calls it directly because demo customers have no identity record.
pub(crate) async fn write_submission(
    store: &Store,
    actor: &Actor,
    id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<SubmitReceipt, ApplicationError> {
    let mut w = store.write(now).await?;
    let (from, _) = state_of(w.conn(), id).await?;
    let to = check_actor(actor, from, Action::Submit)?;
    let lender_id = credit_application::lender_of(w.conn(), id).await?;
    let lender_id =
        lender_id.ok_or_else(|| ApplicationError::Preconditions(vec![super::Unmet::NoLender]))?;
    let (sheet_id, version, _) = rates::current_sheet(w.conn(), &lender_id)
        .await?
        .ok_or_else(|| ApplicationError::Preconditions(vec![super::Unmet::NoRateSheet]))?;
    let input = assist_input(w.conn(), id).await?;
    let message_id = new_id();
    let payload = Payload {
        message_id: message_id.clone(),
        application_id: id.to_string(),
        lender_id: lender_id.clone(),
        rate_sheet_id: sheet_id.clone(),
        rate_sheet_version: version,
        submitted_at: ts(now),
        amount_financed: input.amount_financed.to_plain(),
        payment: input.payment.to_plain(),
        term_months: input.term_months,
        model_year: input.model_year,
        vehicle_value: input.vehicle_value.to_plain(),
        monthly_income: input.monthly_income.to_plain(),
        housing_payment: input.housing_payment.to_plain(),
        other_debts: input.other_debts.to_plain(),
        credit_score: input.credit_score,
        contract_rate: input.contract_rate.map(|r| r.normalize().to_string()),
    };
    let value =
        serde_json::to_value(&payload).map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    let text = canonical_json(&value);
    let signature = store.cipher().sign_message(text.as_bytes());
    lender_outbox::insert(
        &mut w,
        &message_id,
        &lender_outbox::NewMessage {
            application_id: id.as_str(),
            lender_id: &lender_id,
            rate_sheet_id: &sheet_id,
            payload_json: &text,
            signature: &signature,
        },
    )
    .await?;
    move_tx(
        &mut w,
        &actor.name(),
        id,
        from,
        to,
        Action::Submit,
        Some(&format!(
            "to lender {lender_id}, rate sheet version {version}"
        )),
        now,
    )
    .await?;
    w.commit().await?;
    Ok(SubmitReceipt {
        application_id: id.clone(),
        outbox_id: message_id,
        lender_id,
        rate_sheet_version: version,
        signature,
    })
}

/// What happened to one outbox message in [`process_outbox`].
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProcessedMessage {
    pub outbox_id: String,
    pub application_id: ApplicationId,
    /// `pending`, `answered`, `rejected` (bad signature or refused) or `error` (try again).
    pub status: String,
    pub outcome: Option<ApplicationState>,
    pub error: Option<String>,
}

/// Delivers every pending outbox message through `adapter` and records the answers: a
/// decision row naming the rate-sheet version, the stipulations, and the move to the decision
/// state. A message whose signature does not verify is rejected, never delivered.
pub async fn process_outbox<A: LenderAdapter + ?Sized>(
    store: &Store,
    adapter: &A,
    now: DateTime<Utc>,
) -> Result<Vec<ProcessedMessage>, ApplicationError> {
    let rows = lender_outbox::waiting(store).await?;
    let mut out = Vec::new();
    for r in rows {
        let msg = OutboxMessage {
            id: r.id,
            application_id: r.application_id.into(),
            lender_id: r.lender_id,
            rate_sheet_id: r.rate_sheet_id,
            payload_json: r.payload_json,
            signature: r.signature,
            created_at: parse_ts(&r.created_at),
        };
        if !store
            .cipher()
            .verify_message(msg.payload_json.as_bytes(), &msg.signature)
        {
            set_status(
                store,
                &msg.id,
                "rejected",
                Some("the signature does not verify"),
                now,
            )
            .await?;
            out.push(ProcessedMessage {
                outbox_id: msg.id,
                application_id: msg.application_id,
                status: "rejected".into(),
                outcome: None,
                error: Some("the signature does not verify".into()),
            });
            continue;
        }
        match adapter.deliver(&msg, now) {
            Ok(Delivery::Pending) => {
                set_status(store, &msg.id, "delivered", None, now).await?;
                out.push(ProcessedMessage {
                    outbox_id: msg.id,
                    application_id: msg.application_id,
                    status: "pending".into(),
                    outcome: None,
                    error: None,
                });
            }
            Ok(Delivery::Decided(decision)) => {
                let outcome = decision.outcome;
                record_decision(store, adapter.name(), &msg, &decision, now).await?;
                out.push(ProcessedMessage {
                    outbox_id: msg.id,
                    application_id: msg.application_id,
                    status: "answered".into(),
                    outcome: Some(outcome),
                    error: None,
                });
            }
            Err(e) => {
                let status = match e {
                    AdapterError::Refused(_) => "rejected",
                    AdapterError::Unreachable(_) => "pending",
                };
                set_status(store, &msg.id, status, Some(&e.to_string()), now).await?;
                out.push(ProcessedMessage {
                    outbox_id: msg.id,
                    application_id: msg.application_id,
                    status: if status == "pending" {
                        "error".into()
                    } else {
                        status.into()
                    },
                    outcome: None,
                    error: Some(e.to_string()),
                });
            }
        }
    }
    Ok(out)
}

async fn set_status(
    store: &Store,
    id: &str,
    status: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApplicationError> {
    let mut w = store.write(now).await?;
    lender_outbox::set_status(&mut w, id, status, error).await?;
    w.commit().await?;
    Ok(())
}

async fn record_decision(
    store: &Store,
    source: &str,
    msg: &OutboxMessage,
    decision: &LenderDecision,
    now: DateTime<Utc>,
) -> Result<(), ApplicationError> {
    let mut w = store.write(now).await?;
    let (from, _) = state_of(w.conn(), &msg.application_id).await?;
    record_decision_tx(
        &mut w,
        &DecisionRecord {
            source,
            application_id: msg.application_id.as_str(),
            from,
            lender_id: &msg.lender_id,
            rate_sheet_id: &msg.rate_sheet_id,
            outbox_id: Some(&msg.id),
            decision,
            extra: None,
            decided_at: now,
            note: None,
        },
        now,
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// A lender's decision to record, from the simulator's outbox or an imported STAR file.
pub(crate) struct DecisionRecord<'a> {
    /// `simulator`, `star`, ... (stored as the decision's source; the move's actor is
    /// `lender:{source}`).
    pub source: &'a str,
    pub application_id: &'a str,
    /// The application's state as read inside the caller's transaction.
    pub from: ApplicationState,
    pub lender_id: &'a str,
    pub rate_sheet_id: &'a str,
    /// The outbox message answered, marked `answered`.
    pub outbox_id: Option<&'a str>,
    pub decision: &'a LenderDecision,
    /// Extra keys kept beside the decision in its stored JSON (e.g. the lender's reference
    /// number from a STAR file); [`LenderDecision`] ignores them when read.
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
    pub decided_at: DateTime<Utc>,
    /// Added to the history note after the rate-sheet version.
    pub note: Option<String>,
}

/// Records a decision inside the caller's transaction: the decision row naming the rate-sheet
/// version, the stipulations (approved and conditional), the move to the decision state, and
/// the outbox message answered. Returns the decision's id.
pub(crate) async fn record_decision_tx(
    w: &mut Write<'_>,
    r: &DecisionRecord<'_>,
    now: DateTime<Utc>,
) -> Result<String, ApplicationError> {
    let decision = r.decision;
    let action = decision_action(decision.outcome)?;
    let from = r.from;
    let to = super::next_state(from, action)
        .ok_or(ApplicationError::IllegalTransition { from, action })?;
    let version = rate_sheet::version_of(w.conn(), r.rate_sheet_id).await?;
    let id = new_id();
    let mut json =
        serde_json::to_value(decision).map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    if let (Some(extra), Some(obj)) = (&r.extra, json.as_object_mut()) {
        for (k, v) in extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let decision_json = canonical_json(&json);
    credit_application::insert_decision(
        w,
        &id,
        &credit_application::DecisionFields {
            application_id: r.application_id,
            lender_id: r.lender_id,
            rate_sheet_id: r.rate_sheet_id,
            rate_sheet_version: version,
            outcome: decision.outcome.as_str(),
            decision_json: &decision_json,
            source: r.source,
            decided_at: &ts(r.decided_at),
        },
    )
    .await?;
    if matches!(
        decision.outcome,
        ApplicationState::Approved | ApplicationState::Conditional
    ) {
        stips::create_tx(
            w,
            &ApplicationId::from(r.application_id),
            Some(&id),
            &decision.stipulations,
        )
        .await?;
    }
    let note = match &r.note {
        Some(n) => format!("rate sheet version {version}; {n}"),
        None => format!("rate sheet version {version}"),
    };
    move_tx(
        w,
        &format!("lender:{}", r.source),
        &ApplicationId::from(r.application_id),
        from,
        to,
        action,
        Some(&note),
        now,
    )
    .await?;
    if let Some(outbox_id) = r.outbox_id {
        lender_outbox::mark_answered(w, outbox_id).await?;
    }
    Ok(id)
}

/// The action a decision outcome takes from `submitted`.
pub(crate) fn decision_action(outcome: ApplicationState) -> Result<Action, ApplicationError> {
    Ok(match outcome {
        ApplicationState::Approved => Action::Approve,
        ApplicationState::Conditional => Action::Condition,
        ApplicationState::Countered => Action::Counter,
        ApplicationState::Declined => Action::Decline,
        other => {
            return Err(invalid(
                "outcome",
                format!(
                    "a lender decision is approved, conditional, countered or declined, not {other}"
                ),
            ))
        }
    })
}

/// The built-in lender simulator: decides by the rate sheet the message names.
///
/// - no score, a score below every tier, no rate for the year/term, no income, or a DTI more
///   than 10 points over: declined, with the reasons;
/// - otherwise LTV, amount, PTI, DTI or term over a limit: countered (the largest amount and
///   term the tier allows);
/// - otherwise approved at the buy rate, conditional when the tier asks for stipulations or the
///   seeded draw (one in four) adds proof of residence.
///
/// The same seed and message give the same answer. The answer comes `delay` after submission.
pub struct Simulator {
    seed: u64,
    delay: Duration,
    sheets: HashMap<String, LenderSheet>,
}

impl Simulator {
    /// A simulator over the given sheets (keyed by their rate-sheet id).
    pub fn new(seed: u64, delay: Duration, sheets: Vec<LenderSheet>) -> Self {
        Self {
            seed,
            delay,
            sheets: sheets
                .into_iter()
                .map(|s| (s.rate_sheet_id.clone(), s))
                .collect(),
        }
    }

    /// Loads every lender's current sheet, plus any older sheet an outbox message names.
    pub async fn load(store: &Store, seed: u64, delay: Duration) -> Result<Self, ApplicationError> {
        let mut conn = store.pool().acquire().await?;
        let mut sheets: HashMap<String, LenderSheet> = lender_sheets(&mut conn)
            .await?
            .into_iter()
            .map(|s| (s.rate_sheet_id.clone(), s))
            .collect();
        for r in read_app::waiting_sheets(&mut conn).await? {
            if sheets.contains_key(&r.sheet_id) {
                continue;
            }
            let sheet: rates::RateSheet = serde_json::from_str(&r.sheet_json)
                .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
            sheets.insert(
                r.sheet_id.clone(),
                LenderSheet {
                    lender_id: r.lender_id,
                    lender_code: r.code,
                    lender_name: r.name,
                    rate_sheet_id: r.sheet_id,
                    rate_sheet_version: u32::try_from(r.version).unwrap_or(0),
                    sheet: sheet.parse()?,
                },
            );
        }
        Ok(Self {
            seed,
            delay,
            sheets,
        })
    }

    /// Decides one submission by a sheet (pure).
    pub fn decide(
        &self,
        message_key: &str,
        input: &AssistInput,
        lender: &LenderSheet,
    ) -> LenderDecision {
        let mut h = Sha256::new();
        h.update(self.seed.to_be_bytes());
        h.update(message_key.as_bytes());
        let digest = h.finalize();
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&digest);
        let mut rng = ChaCha8Rng::from_seed(seed);
        let a = assess(input, lender);
        let fatal = a.failures.iter().any(|f| {
            matches!(
                f.rule,
                RuleCode::NoScore
                    | RuleCode::ScoreBelowTiers
                    | RuleCode::NoRate
                    | RuleCode::NoIncome
            )
        });
        let tier = a
            .tier
            .as_ref()
            .and_then(|name| lender.sheet.tiers.iter().find(|t| &t.name == name));
        let dti_far = a.failures.iter().any(|f| {
            f.rule == RuleCode::Dti
                && f.actual
                    .parse::<Decimal>()
                    .ok()
                    .zip(f.limit.parse::<Decimal>().ok())
                    .is_some_and(|(x, l)| x > l + Decimal::TEN)
        });
        let reasons_of = |codes: &[RuleCode]| -> Vec<String> {
            a.failures
                .iter()
                .filter(|f| codes.is_empty() || codes.contains(&f.rule))
                .map(|f| reason_words(f.rule).to_string())
                .collect()
        };
        let tier = match tier {
            Some(t) if !fatal && !dti_far => t,
            _ => {
                let mut reasons = reasons_of(&[]);
                reasons.dedup();
                return LenderDecision {
                    outcome: ApplicationState::Declined,
                    tier: a.tier.clone(),
                    buy_rate: None,
                    max_contract_rate: None,
                    approved_amount: None,
                    approved_term: None,
                    stipulations: Vec::new(),
                    reasons,
                };
            }
        };
        let structural: Vec<_> = a
            .failures
            .iter()
            .filter(|f| f.rule != RuleCode::Markup)
            .collect();
        if !structural.is_empty() {
            let by_ltv =
                Money::round(tier.max_ltv * input.vehicle_value.amount() / Decimal::ONE_HUNDRED);
            let mut amount = input
                .amount_financed
                .min(by_ltv)
                .min(tier.max_amount_financed);
            let term = input.term_months.min(tier.max_term);
            if a.failures
                .iter()
                .any(|f| matches!(f.rule, RuleCode::Pti | RuleCode::Dti))
            {
                // scale the amount down with the payment the income allows
                let income = input.monthly_income.amount();
                let allowed_payment = (tier.max_pti * income / Decimal::ONE_HUNDRED).min(
                    tier.max_dti * income / Decimal::ONE_HUNDRED
                        - input.housing_payment.amount()
                        - input.other_debts.amount(),
                );
                if input.payment.amount() > Decimal::ZERO && allowed_payment > Decimal::ZERO {
                    let scaled = Money::round(
                        input.amount_financed.amount() * allowed_payment / input.payment.amount(),
                    );
                    amount = amount.min(scaled);
                }
            }
            let mut reasons: Vec<String> = structural.iter().map(|f| f.message.clone()).collect();
            reasons.dedup();
            return LenderDecision {
                outcome: ApplicationState::Countered,
                tier: a.tier.clone(),
                buy_rate: a.buy_rate.clone(),
                max_contract_rate: a.max_contract_rate.clone(),
                approved_amount: Some(amount.to_plain()),
                approved_term: Some(term),
                stipulations: tier.stipulations.clone(),
                reasons,
            };
        }
        let mut stips = tier.stipulations.clone();
        if rng.gen_range(0..4) == 0 && !stips.iter().any(|s| s == "proof_of_residence") {
            stips.push("proof_of_residence".into());
        }
        LenderDecision {
            outcome: if stips.is_empty() {
                ApplicationState::Approved
            } else {
                ApplicationState::Conditional
            },
            tier: a.tier.clone(),
            buy_rate: a.buy_rate.clone(),
            max_contract_rate: a.max_contract_rate.clone(),
            approved_amount: Some(input.amount_financed.to_plain()),
            approved_term: Some(input.term_months),
            stipulations: stips,
            reasons: a.failures.iter().map(|f| f.message.clone()).collect(),
        }
    }
}

/// The adverse-action wording of a failed rule.
pub(crate) fn reason_words(rule: RuleCode) -> &'static str {
    match rule {
        RuleCode::NoScore | RuleCode::ScoreBelowTiers => "Credit score below the program minimum",
        RuleCode::NoRate => "Vehicle or term not eligible for the program",
        RuleCode::Term => "Term requested exceeds the program maximum",
        RuleCode::AmountFinanced => "Amount of credit requested exceeds the program maximum",
        RuleCode::Ltv => "Value or type of collateral not sufficient",
        RuleCode::Pti | RuleCode::NoIncome => "Income insufficient for amount of credit requested",
        RuleCode::Dti => "Excessive obligations in relation to income",
        RuleCode::Markup => "Contract rate exceeds the allowed dealer participation",
    }
}

impl LenderAdapter for Simulator {
    fn name(&self) -> &str {
        "simulator"
    }
    fn deliver(
        &self,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<Delivery, AdapterError> {
        let payload: Payload = serde_json::from_str(&message.payload_json)
            .map_err(|e| AdapterError::Refused(format!("unreadable message: {e}")))?;
        let lender = self
            .sheets
            .get(&payload.rate_sheet_id)
            .ok_or_else(|| AdapterError::Refused("unknown rate sheet".into()))?;
        let input = payload
            .assist_input()
            .ok_or_else(|| AdapterError::Refused("figures are not readable".into()))?;
        if now < message.created_at + self.delay {
            return Ok(Delivery::Pending);
        }
        Ok(Delivery::Decided(self.decide(
            &payload.application_id,
            &input,
            lender,
        )))
    }
}

/// The desk simulator's seed: the same application gets the same answer every time.
pub const DESK_SIMULATOR_SEED: u64 = 2026;
/// How long the built-in simulator takes to answer at the desk, as a lender's system would.
pub const DESK_SIMULATOR_DELAY_SECONDS: i64 = 4;

/// Lets the built-in lender simulator answer what is due in the outbox. This desk has no lender
/// network adapter yet, so the simulator stands in for every lender, offline and in demo mode;
/// a real adapter plugs in through [`LenderAdapter`].
pub async fn poll_simulated_lenders(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<ProcessedMessage>, ApplicationError> {
    let simulator = Simulator::load(
        store,
        DESK_SIMULATOR_SEED,
        Duration::seconds(DESK_SIMULATOR_DELAY_SECONDS),
    )
    .await?;
    process_outbox(store, &simulator, now).await
}
