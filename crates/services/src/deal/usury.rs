//! Usury caps by state: the highest contract rate (or lease-rate equivalent, money factor × 2400)
//! a deal may carry, looked up by the customer's current address state. A state without a row
//! falls back to the desk's general cap (`*`), and with no general cap to 36 %
//! ([`Limits::default`]).
//!
//! The caps are settings, not law shipped in code: state retail-installment limits differ by
//! vehicle age, amount and licence, and change. The demo database seeds a few illustrative values
//! (see [`DEMO_CAPS`]); a real desk sets its own with `dealerdesk settings --usury-cap TX=18`.
//! Only an administrator may change them; every change is journaled and audited
//! (`settings.usury_cap`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::DealError;
use crate::auth::{Actor, Role};
use crate::customer::validate::US_STATES;
use dealerdesk_rules::finance::Limits;
use dealerdesk_rules::money::Rate;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::repo::usury_cap as repo;
use dealerdesk_store::{Stamp, Store};

/// Illustrative caps the demo dealership starts with. DEMO VALUES ONLY, not legal advice: they
/// show the mechanism (a general cap and a few stricter states), nothing more.
pub const DEMO_CAPS: &[(&str, &str)] = &[("*", "36"), ("TX", "18"), ("FL", "18"), ("NY", "16")];

/// One configured cap. `state` is a USPS code or `*` for the general cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UsuryCap {
    pub state: String,
    /// Percent, exact ("18", "21.5").
    pub max_rate: String,
}

/// Every configured cap, the general one (`*`) first.
pub async fn usury_caps(store: &Store) -> Result<Vec<UsuryCap>, DealError> {
    Ok(repo::all(store)
        .await?
        .into_iter()
        .map(|(state, max_rate)| UsuryCap { state, max_rate })
        .collect())
}

/// Normalizes a state argument: `*` / `default` for the general cap, else a USPS code.
fn state_key(state: &str) -> Result<String, DealError> {
    let s = state.trim().to_ascii_uppercase();
    if s == "*" || s == "DEFAULT" {
        return Ok("*".into());
    }
    if US_STATES.contains(&s.as_str()) {
        return Ok(s);
    }
    Err(DealError::Invalid {
        field: "state".into(),
        message: "choose a US state (two letters, like TX) or `default`".into(),
    })
}

/// Sets (`Some`) or removes (`None`) the cap of a state, or of `default`/`*`. Administrators
/// only; audited either way.
pub async fn set_usury_cap(
    store: &Store,
    actor: &Actor,
    state: &str,
    max_rate: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<UsuryCap>, DealError> {
    let key = state_key(state)?;
    if !actor.has_role(&[Role::Admin]) {
        let event = AuditEvent::new(actor.name(), "settings.usury_cap", AuditOutcome::Denied)
            .detail(format!("state {key}"));
        audit::record(store, now, &event).await?;
        return Err(DealError::Forbidden);
    }
    let rate = match max_rate {
        Some(text) => {
            let r = Rate::parse_user(text).map_err(|e| DealError::Invalid {
                field: "max_rate".into(),
                message: e.to_string(),
            })?;
            if r.percent() <= rust_decimal::Decimal::ZERO
                || r.percent() >= rust_decimal::Decimal::ONE_HUNDRED
            {
                return Err(DealError::Invalid {
                    field: "max_rate".into(),
                    message: "a usury cap is more than 0 % and less than 100 %".into(),
                });
            }
            Some(r.percent().normalize().to_string())
        }
        None => None,
    };
    let mut w = store.write(now).await?;
    match &rate {
        Some(r) => repo::set(&mut w, &key, r).await?,
        None => {
            repo::remove(&mut w, &key).await?;
        }
    }
    w.audit(
        AuditEvent::new(actor.name(), "settings.usury_cap", AuditOutcome::Success).detail(format!(
            "{key}={}",
            rate.clone().unwrap_or_else(|| "removed".into())
        )),
    );
    w.commit().await?;
    usury_caps(store).await
}

/// The cap of `key`; a stored cap that does not read as a rate is an error, never "no cap" (a
/// deal must not be quoted past a limit because its text was damaged).
async fn cap_of(conn: &mut SqliteConnection, key: &str) -> Result<Option<Rate>, sqlx::Error> {
    repo::rate_of(conn, key)
        .await?
        .map(|t| Rate::parse_user(&t).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// The limits a deal for a customer in `state` is quoted under.
pub async fn limits_for(
    conn: &mut SqliteConnection,
    state: Option<&str>,
) -> Result<Limits, sqlx::Error> {
    let mut limits = Limits::default();
    let state_cap = match state {
        Some(s) => cap_of(&mut *conn, s).await?,
        None => None,
    };
    let cap = match state_cap {
        Some(c) => Some(c),
        None => cap_of(&mut *conn, "*").await?,
    };
    if let Some(c) = cap {
        limits.max_rate = c;
    }
    Ok(limits)
}

/// Seeds [`DEMO_CAPS`] inside the demo generator's transaction.
pub(crate) async fn seed_demo(
    conn: &mut SqliteConnection,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for (state, rate) in DEMO_CAPS {
        let s = Stamp::journal(&mut *conn, device_id, now, "usury_cap", state, "insert").await?;
        repo::upsert_stamped(&mut *conn, state, rate, &s).await?;
    }
    Ok(())
}
