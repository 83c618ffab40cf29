//! Desk settings kept in the database (`meta`): the idle-lock time and the dealership's name.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::{Actor, DEFAULT_IDLE_LOCK_MINUTES};
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::{meta_set, Store};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub idle_lock_minutes: u32,
    pub dealership_name: String,
}

pub async fn read(store: &Store) -> Result<Settings, sqlx::Error> {
    Ok(Settings {
        idle_lock_minutes: store
            .setting_u32("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)
            .await?,
        dealership_name: store.setting_text("dealership_name", "DealerDesk").await?,
    })
}

/// Changes the given settings in one transaction with one audit entry, and returns them all.
pub async fn apply(
    store: &Store,
    actor: &Actor,
    idle_lock_minutes: Option<u32>,
    dealership_name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Settings, SettingsError> {
    if let Some(m) = idle_lock_minutes {
        if !(1..=120).contains(&m) {
            return Err(SettingsError::Invalid {
                field: "idle_lock_minutes",
                message: "choose between 1 and 120 minutes".into(),
            });
        }
    }
    let name = dealership_name.map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "));
    if let Some(n) = &name {
        if n.is_empty() || n.chars().count() > 80 || n.chars().any(char::is_control) {
            return Err(SettingsError::Invalid {
                field: "dealership_name",
                message: "enter the dealership's name (up to 80 characters)".into(),
            });
        }
        // The name heads every printed handout and contract: refuse what the font cannot print.
        if let Err(e) = dealerdesk_pdf::text_width(n, dealerdesk_pdf::TextStyle::bold(12.0)) {
            return Err(SettingsError::Invalid {
                field: "dealership_name",
                message: format!("the name cannot be printed: {e}"),
            });
        }
    }
    if idle_lock_minutes.is_some() || name.is_some() {
        let mut w = store.write(now).await?;
        let mut changed = Vec::new();
        if let Some(m) = idle_lock_minutes {
            meta_set(w.conn(), "idle_lock_minutes", &m.to_string()).await?;
            changed.push(format!("idle_lock_minutes={m}"));
        }
        if let Some(n) = &name {
            meta_set(w.conn(), "dealership_name", n).await?;
            changed.push(format!("dealership_name={n}"));
        }
        w.audit(
            AuditEvent::new(actor.name(), "settings.change", AuditOutcome::Success)
                .detail(changed.join(", ")),
        );
        w.commit().await?;
    }
    Ok(read(store).await?)
}
