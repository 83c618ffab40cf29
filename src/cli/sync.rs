//! `dealerdesk sync …`: this desk's enrolment with a hub, and syncing with it.

use std::path::Path;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde_json::json;

use super::{out, CliError, Output};
use dealerdesk_services::auth::Actor;
use dealerdesk_services::sync::{enrol, run};
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
    /// Whether this desk is enrolled and with which hub, how many changes wait to be sent, and
    /// whether the hub was reachable at the last try.
    Status,
    /// Sync once now: send every change waiting, then take every change of the group.
    Now,
    /// The conflicts waiting for review: changes of this desk another desk's replaced, or the hub
    /// refused (secrets shown as "(encrypted)").
    Conflicts {
        /// At most this many, newest first.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Mark a conflict reviewed (finance manager or admin; audited). The hub's version stays; to
    /// bring this desk's back, make the change again.
    Review {
        /// The conflict's id, from `sync conflicts`.
        id: String,
        /// What was decided, in your words.
        #[arg(long, default_value = "")]
        note: String,
    },
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
            let st = run::status(&store).await;
            store.close().await;
            let (e, st) = (e?, st?);
            match e {
                None => out(
                    json!({ "enrolled": false }),
                    "not enrolled with a hub: this desk works on its own",
                ),
                Some(e) => {
                    let line = match (&st.offline_since, st.waiting) {
                        (Some(since), n) => format!(
                            "offline since {since} ({n} changes waiting): {}",
                            st.last_error
                                .as_deref()
                                .unwrap_or("the hub could not be reached")
                        ),
                        (None, 0) => "synced".to_string(),
                        (None, n) => format!("{n} changes waiting"),
                    };
                    out(
                        json!({
                            "enrolled": true, "hub": e.hub_url, "desk_id": e.desk_id,
                            "desk_name": e.desk_name, "group_id": e.group_id,
                            "rooftop": e.rooftop, "enrolled_at": e.enrolled_at,
                            "fingerprint": hex::encode(e.fingerprint),
                            "waiting": st.waiting, "cursor": st.cursor,
                            "last_attempt_at": st.last_attempt_at,
                            "last_success_at": st.last_success_at,
                            "offline_since": st.offline_since, "last_error": st.last_error,
                            "open_conflicts": st.open_conflicts,
                        }),
                        format!(
                            "enrolled with {} as desk {} ({}) of rooftop {} since {}\n{line}; \
                             {} conflicts to review",
                            e.hub_url,
                            e.desk_id,
                            e.desk_name,
                            e.rooftop,
                            e.enrolled_at,
                            st.open_conflicts
                        ),
                    )
                }
            }
        }
        SyncCommand::Now => {
            let r = run::sync_now(&store, now).await;
            store.close().await;
            let r = r?;
            let mut text = format!(
                "sent {} changes, took {} from the group, {} conflicts to review; at cursor {}; \
                 {} audit entries sent",
                r.pushed, r.pulled, r.conflicts, r.cursor, r.audit_pushed
            );
            if let Some(why) = &r.audit_error {
                text.push_str(&format!("\n{why}"));
            }
            out(&r, text)
        }
        SyncCommand::Conflicts { limit } => {
            let c = run::conflicts_for(&store, actor, limit).await;
            store.close().await;
            let c = c?;
            let mut text = format!("{} conflicts to review", c.len());
            for v in &c {
                text.push_str(&format!(
                    "\n{} {} {} ({}): {}",
                    v.at, v.outcome, v.record, v.row_id, v.reason
                ));
                for f in &v.fields {
                    text.push_str(&format!(
                        "\n    {}: this desk {} / hub {}",
                        f.field, f.ours, f.theirs
                    ));
                }
            }
            out(json!({ "conflicts": c }), text)
        }
        SyncCommand::Review { id, note } => {
            let r = run::resolve(&store, actor, &id, &note, now).await;
            store.close().await;
            r?;
            out(
                json!({ "reviewed": id }),
                format!("conflict {id} marked reviewed"),
            )
        }
    }
}
