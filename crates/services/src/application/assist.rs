//! Decision assist: for each lender, the deal's PTI, DTI and LTV (exact decimals), the credit
//! tier, buy rate and allowed markup, the stipulations the tier asks for, and every rule that
//! fails with how far off it is, in words. Pure functions: no store, no clock.
//!
//! - PTI = payment ÷ gross monthly income × 100
//! - DTI = (housing payment + other monthly debts + payment) ÷ gross monthly income × 100
//! - LTV = amount financed ÷ vehicle value × 100
//!
//! A figure exactly at a lender's maximum passes; one cent over fails. Percentages are shown
//! rounded to two decimals (half away from zero) but compared unrounded.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use ts_rs::TS;

use super::rates::ParsedSheet;
use dealerdesk_rules::money::Money;

/// The figures of one application and its deal that lenders judge.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistInput {
    pub amount_financed: Money,
    pub payment: Money,
    pub term_months: u32,
    pub model_year: i32,
    /// What the lender lends against (the vehicle's price).
    pub vehicle_value: Money,
    /// Everyone's gross monthly income on the application (applicant, other, co-applicant).
    pub monthly_income: Money,
    pub housing_payment: Money,
    pub other_debts: Money,
    pub credit_score: Option<u16>,
    /// The deal's contract rate, percent (loans); `None` for a lease.
    pub contract_rate: Option<Decimal>,
}

/// A lender's sheet to judge against.
#[derive(Debug, Clone)]
pub struct LenderSheet {
    pub lender_id: String,
    pub lender_code: String,
    pub lender_name: String,
    pub rate_sheet_id: String,
    pub rate_sheet_version: u32,
    pub sheet: ParsedSheet,
}

/// Which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RuleCode {
    NoScore,
    ScoreBelowTiers,
    NoRate,
    Term,
    AmountFinanced,
    Ltv,
    Pti,
    Dti,
    Markup,
    NoIncome,
}

/// A rule the deal does not meet, with the figure, the limit and the fix in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RuleFailure {
    pub rule: RuleCode,
    pub actual: String,
    pub limit: String,
    /// "LTV 128% > 125% max: add $1,450.00 down"
    pub message: String,
}

/// One lender's row in the decision-assist table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LenderAssessment {
    pub lender_id: String,
    pub lender_code: String,
    pub lender_name: String,
    pub rate_sheet_id: String,
    pub rate_sheet_version: u32,
    /// Percent, two decimals; `None` without income / value.
    pub pti: Option<String>,
    pub dti: Option<String>,
    pub ltv: Option<String>,
    pub tier: Option<String>,
    /// Percent, exact.
    pub buy_rate: Option<String>,
    /// Points the contract rate may exceed the buy rate.
    pub max_markup: String,
    /// The deal's markup over the buy rate, points (loans).
    pub markup: Option<String>,
    /// Highest contract rate the lender allows (buy rate + max markup).
    pub max_contract_rate: Option<String>,
    pub fees: String,
    pub stipulations: Vec<String>,
    pub failures: Vec<RuleFailure>,
    /// No rule fails.
    pub eligible: bool,
}

fn pct(d: Decimal) -> String {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// Rounds a dollar shortfall up to the next cent (so following the advice really passes).
fn up_to_cent(d: Decimal) -> Money {
    Money::round(d.round_dp_with_strategy(2, RoundingStrategy::AwayFromZero))
}

/// Judges the deal against one lender's sheet.
pub fn assess(input: &AssistInput, lender: &LenderSheet) -> LenderAssessment {
    let hundred = Decimal::ONE_HUNDRED;
    let sheet = &lender.sheet;
    let income = input.monthly_income.amount();
    let value = input.vehicle_value.amount();
    let debts = input.housing_payment.amount() + input.other_debts.amount();
    let payment = input.payment.amount();
    let financed = input.amount_financed.amount();
    let positive_income = income > Decimal::ZERO;
    let pti = positive_income.then(|| payment * hundred / income);
    let dti = positive_income.then(|| (debts + payment) * hundred / income);
    let ltv = (value > Decimal::ZERO).then(|| financed * hundred / value);

    let mut failures = Vec::new();
    let tier = match input.credit_score {
        None => {
            failures.push(RuleFailure {
                rule: RuleCode::NoScore,
                actual: "-".into(),
                limit: sheet.lowest_score().to_string(),
                message: "no credit score entered: enter the score from the report".into(),
            });
            None
        }
        Some(score) => {
            let t = sheet.tier_for(score);
            if t.is_none() {
                let lowest = sheet.lowest_score();
                failures.push(RuleFailure {
                    rule: RuleCode::ScoreBelowTiers,
                    actual: score.to_string(),
                    limit: lowest.to_string(),
                    message: if score < lowest {
                        format!("score {score} < {lowest} min: below this lender's lowest tier")
                    } else {
                        format!("score {score} falls in no tier of this lender")
                    },
                });
            }
            t
        }
    };
    let mut buy_rate = None;
    if let Some(t) = tier {
        if input.term_months > t.max_term {
            failures.push(RuleFailure {
                rule: RuleCode::Term,
                actual: input.term_months.to_string(),
                limit: t.max_term.to_string(),
                message: format!(
                    "term {} months > {} max: shorten by {} months",
                    input.term_months,
                    t.max_term,
                    input.term_months - t.max_term
                ),
            });
        }
        buy_rate = t.buy_rate(input.term_months, input.model_year);
        if buy_rate.is_none() {
            failures.push(RuleFailure {
                rule: RuleCode::NoRate,
                actual: format!("{} / {} months", input.model_year, input.term_months),
                limit: "-".into(),
                message: format!(
                    "no {} buy rate for a {} model year at {} months",
                    t.name, input.model_year, input.term_months
                ),
            });
        }
        if input.amount_financed > t.max_amount_financed {
            let over = input.amount_financed - t.max_amount_financed;
            failures.push(RuleFailure {
                rule: RuleCode::AmountFinanced,
                actual: input.amount_financed.to_plain(),
                limit: t.max_amount_financed.to_plain(),
                message: format!(
                    "amount financed {} > {} max: add {} down",
                    input.amount_financed, t.max_amount_financed, over
                ),
            });
        }
        if let Some(ltv) = ltv {
            // exact: financed × 100 ≤ max_ltv × value
            if financed * hundred > t.max_ltv * value {
                let allowed = t.max_ltv * value / hundred;
                let need = up_to_cent(financed - allowed);
                failures.push(RuleFailure {
                    rule: RuleCode::Ltv,
                    actual: pct(ltv),
                    limit: pct(t.max_ltv),
                    message: format!(
                        "LTV {}% > {}% max: add {} down",
                        pct(ltv),
                        pct(t.max_ltv),
                        need
                    ),
                });
            }
        }
        if !positive_income {
            failures.push(RuleFailure {
                rule: RuleCode::NoIncome,
                actual: "0.00".into(),
                limit: "-".into(),
                message: "no income entered: PTI and DTI cannot be worked out".into(),
            });
        }
        if let Some(pti) = pti {
            if payment * hundred > t.max_pti * income {
                let allowed = t.max_pti * income / hundred;
                let cut = up_to_cent(payment - allowed);
                failures.push(RuleFailure {
                    rule: RuleCode::Pti,
                    actual: pct(pti),
                    limit: pct(t.max_pti),
                    message: format!(
                        "PTI {}% > {}% max: lower the payment by {} a month",
                        pct(pti),
                        pct(t.max_pti),
                        cut
                    ),
                });
            }
        }
        if let Some(dti) = dti {
            if (debts + payment) * hundred > t.max_dti * income {
                let allowed = t.max_dti * income / hundred;
                let cut = up_to_cent(debts + payment - allowed);
                failures.push(RuleFailure {
                    rule: RuleCode::Dti,
                    actual: pct(dti),
                    limit: pct(t.max_dti),
                    message: format!(
                        "DTI {}% > {}% max: cut monthly debts or the payment by {}",
                        pct(dti),
                        pct(t.max_dti),
                        cut
                    ),
                });
            }
        }
    }
    let markup = match (buy_rate, input.contract_rate) {
        (Some(b), Some(c)) => Some(c - b),
        _ => None,
    };
    if let (Some(m), Some(b)) = (markup, buy_rate) {
        if m > sheet.max_markup {
            failures.push(RuleFailure {
                rule: RuleCode::Markup,
                actual: pct(m),
                limit: pct(sheet.max_markup),
                message: format!(
                    "markup {} points > {} max: lower the contract rate to {}%",
                    pct(m),
                    pct(sheet.max_markup),
                    pct(b + sheet.max_markup)
                ),
            });
        }
    }
    LenderAssessment {
        lender_id: lender.lender_id.clone(),
        lender_code: lender.lender_code.clone(),
        lender_name: lender.lender_name.clone(),
        rate_sheet_id: lender.rate_sheet_id.clone(),
        rate_sheet_version: lender.rate_sheet_version,
        pti: pti.map(pct),
        dti: dti.map(pct),
        ltv: ltv.map(pct),
        tier: tier.map(|t| t.name.clone()),
        buy_rate: buy_rate.map(|b| b.normalize().to_string()),
        max_markup: sheet.max_markup.normalize().to_string(),
        markup: markup.map(pct),
        max_contract_rate: buy_rate.map(|b| (b + sheet.max_markup).normalize().to_string()),
        fees: sheet.fees_total.to_plain(),
        stipulations: tier.map(|t| t.stipulations.clone()).unwrap_or_default(),
        eligible: failures.is_empty(),
        failures,
    }
}

/// Judges the deal against every lender, best first: eligible lenders by lowest buy rate, then
/// the others by fewest failing rules (ties by name).
pub fn assess_all(input: &AssistInput, lenders: &[LenderSheet]) -> Vec<LenderAssessment> {
    let mut rows: Vec<(Option<Decimal>, LenderAssessment)> = lenders
        .iter()
        .map(|l| {
            let a = assess(input, l);
            let rate = a.buy_rate.as_deref().and_then(|b| b.parse().ok());
            (rate, a)
        })
        .collect();
    rows.sort_by(|(ra, a), (rb, b)| {
        b.eligible
            .cmp(&a.eligible)
            .then(a.failures.len().cmp(&b.failures.len()))
            .then_with(|| match (ra, rb) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.lender_name.cmp(&b.lender_name))
    });
    rows.into_iter().map(|(_, a)| a).collect()
}
