//! `dealerdesk sync …`: this desk's enrolment with a hub.

use std::path::Path;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde_json::json;

use super::{out, CliError, Output};
use dealerdesk_services::auth::Actor;
use dealerdesk_services::sync::enrol;
use dealerdesk_store::{OpenMode, Store};

#[derive(Subcommand, Debug)]
pub enum SyncCommand {
    /// Enrol this desk with the group's hub using a one-time code from `dealerdesk hub
    /// enrol-code`: the desk's keys are made beside its database key and all its PII is
    /// re-encrypted under the group's key.
    Enrol {
        /// The hub's address, https://HOST:PORT.
        #[arg(long, value_name = "URL")]
        hub: String,
        /// The enrolment code the hub's admin created.
        #[arg(long)]
        code: String,
        /// This desk's name on the hub (default: the machine's host name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Whether this desk is enrolled, and with which hub.
    Status,
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "desk".to_string())
}

pub async fn sync(
    path: &Path,
    actor: &Actor,
    cmd: SyncCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    let store = Store::open(path, OpenMode::MustExist).await?;
    match cmd {
        SyncCommand::Enrol { hub, code, name } => {
            let name = name.unwrap_or_else(host_name);
            let (store, r) = enrol::enrol(store, actor, &hub, &code, &name, now).await?;
            store.close().await;
            let text = format!(
                "enrolled as desk {} ({}) of rooftop {} in group {}; {} values re-encrypted under \
                 the group's key; hub certificate {}",
                r.desk_id, r.desk_name, r.rooftop, r.group_id, r.reencrypted, r.fingerprint
            );
            out(&r, text)
        }
        SyncCommand::Status => {
            let e = enrol::load(&store).await;
            store.close().await;
            match e? {
                None => out(
                    json!({ "enrolled": false }),
                    "not enrolled with a hub: this desk works on its own",
                ),
                Some(e) => out(
                    json!({
                        "enrolled": true, "hub": e.hub_url, "desk_id": e.desk_id,
                        "desk_name": e.desk_name, "group_id": e.group_id, "rooftop": e.rooftop,
                        "enrolled_at": e.enrolled_at, "fingerprint": hex::encode(e.fingerprint),
                    }),
                    format!(
                        "enrolled with {} as desk {} ({}) of rooftop {} since {}",
                        e.hub_url, e.desk_id, e.desk_name, e.rooftop, e.enrolled_at
                    ),
                ),
            }
        }
    }
}
