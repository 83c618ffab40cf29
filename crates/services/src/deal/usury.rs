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
use dealerdesk_store::{journal, ts, Store};

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
    let rows: Vec<(String, String)> =
        sqlx::query_as(r#"SELECT state, max_rate FROM usury_cap ORDER BY state = '*' DESC, state"#)
            .fetch_all(store.pool())
            .await?;
    Ok(rows
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
    let mut tx = store.begin_write().await?;
    match &rate {
        Some(r) => {
            let op = if cap_of(&mut tx, &key).await?.is_some() {
                "update"
            } else {
                "insert"
            };
            let seq = journal(&mut tx, "usury_cap", &key, op, store.device_id(), now).await?;
            sqlx::query(
                r#"INSERT INTO usury_cap (state, max_rate, created_at, updated_at, device_id, change_seq)
                   VALUES (?1, ?2, ?3, ?3, ?4, ?5)
                   ON CONFLICT (state) DO UPDATE SET max_rate = excluded.max_rate,
                       updated_at = excluded.updated_at, device_id = excluded.device_id,
                       change_seq = excluded.change_seq"#,
            )
            .bind(&key)
            .bind(r)
            .bind(ts(now))
            .bind(store.device_id())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            let gone = sqlx::query(r#"DELETE FROM usury_cap WHERE state = ?1"#)
                .bind(&key)
                .execute(&mut *tx)
                .await?;
            if gone.rows_affected() > 0 {
                journal(&mut tx, "usury_cap", &key, "delete", store.device_id(), now).await?;
            }
        }
    }
    let event = AuditEvent::new(actor.name(), "settings.usury_cap", AuditOutcome::Success).detail(
        format!("{key}={}", rate.clone().unwrap_or_else(|| "removed".into())),
    );
    audit::append(&mut tx, store.cipher(), now, &event).await?;
    tx.commit().await?;
    usury_caps(store).await
}

async fn cap_of(conn: &mut SqliteConnection, key: &str) -> Result<Option<Rate>, sqlx::Error> {
    let text: Option<String> =
        sqlx::query_scalar(r#"SELECT max_rate FROM usury_cap WHERE state = ?1"#)
            .bind(key)
            .fetch_optional(conn)
            .await?;
    Ok(text.and_then(|t| Rate::parse_user(&t).ok()))
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
        let seq = journal(&mut *conn, "usury_cap", state, "insert", device_id, now).await?;
        sqlx::query(
            r#"INSERT INTO usury_cap (state, max_rate, created_at, updated_at, device_id, change_seq)
               VALUES (?1, ?2, ?3, ?3, ?4, ?5)"#,
        )
        .bind(state)
        .bind(rate)
        .bind(ts(now))
        .bind(device_id)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
