//! Live pricing for the deal screen: one option priced exactly as saving it would price it (same
//! parsing, same usury cap for the customer's state, same document), with nothing stored. The
//! desk calls this on every keystroke, so it reads one row and does no writing.

use serde::Serialize;
use ts_rs::TS;

use super::terms::{price_option, OptionKind, OptionTerms};
use super::{usury, DealError, MAX_OPTIONS};
use dealerdesk_rules::ids::CustomerId;
use dealerdesk_store::Store;

/// One option's figures as the desk shows them while typing (money as "4250.00").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct OptionQuote {
    pub kind: OptionKind,
    pub term_months: u32,
    /// Loans: the regular payment; leases: the total monthly payment.
    pub monthly_payment: String,
    pub amount_financed: Option<String>,
    pub finance_charge: Option<String>,
    /// Disclosed APR, percent with two decimals (loans only).
    pub apr: Option<String>,
    pub due_at_signing: Option<String>,
    pub total_of_payments: String,
    /// The state whose usury cap applied (the customer's), and the cap in percent.
    pub usury_state: Option<String>,
    pub max_rate: String,
    /// The document a save would store: `{kind, input, limits, quote, disclosure}`.
    #[ts(type = "unknown")]
    pub quote: serde_json::Value,
}

/// Prices `terms` as option `index` (0-based, for error field names `options.N.field`) of a
/// deal for `customer_id` (none yet: the desk's general cap applies).
pub async fn quote_option(
    store: &Store,
    terms: &OptionTerms,
    customer_id: Option<&CustomerId>,
    index: usize,
) -> Result<OptionQuote, DealError> {
    if index >= MAX_OPTIONS {
        return Err(DealError::Invalid {
            field: "options".into(),
            message: format!("a deal has at most {MAX_OPTIONS} options"),
        });
    }
    let mut conn = store.pool().acquire().await?;
    let state = match customer_id
        .map(|c| c.as_str().trim())
        .filter(|c| !c.is_empty())
    {
        Some(id) => {
            let found = dealerdesk_store::repo::customer::current_state_of(
                &mut conn,
                &CustomerId::from(id),
            )
            .await?;
            found.ok_or_else(|| DealError::NotFound {
                what: "customer",
                id: id.to_string(),
            })?
        }
        None => None,
    };
    let limits = usury::limits_for(&mut conn, state.as_deref()).await?;
    let priced = price_option(
        terms,
        &limits,
        state.as_deref(),
        &format!("options.{index}."),
    )?;
    let quote = serde_json::from_str(&priced.document).map_err(|e| DealError::Invalid {
        field: format!("options.{index}"),
        message: e.to_string(),
    })?;
    Ok(OptionQuote {
        kind: priced.kind,
        term_months: priced.term_months,
        monthly_payment: priced.monthly_payment.to_plain(),
        amount_financed: priced.amount_financed.map(|m| m.to_plain()),
        finance_charge: priced.finance_charge.map(|m| m.to_plain()),
        apr: priced.apr,
        due_at_signing: priced.due_at_signing.map(|m| m.to_plain()),
        total_of_payments: priced.total_of_payments.to_plain(),
        usury_state: state,
        max_rate: limits.max_rate.percent().normalize().to_string(),
        quote,
    })
}
