//! `dealerdesk hub …`: the hub's set-up and server (PostgreSQL; the files kept outside it live
//! in the state directory).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;
use uuid::Uuid;

use dealerdesk_hub::server::{self, Limits};
use dealerdesk_hub::{Hub, HubError, StateDir};
use dealerdesk_hub_store::HubStore;

use super::{out, CliError, Output};

/// Where the hub keeps its data: every hub subcommand takes these.
#[derive(Args, Debug)]
pub struct HubConn {
    /// The hub's PostgreSQL database (postgres://USER@HOST:PORT/DB).
    #[arg(long, env = "DEALERDESK_HUB_DATABASE_URL", value_name = "URL")]
    database_url: String,
    /// The directory of the files kept outside PostgreSQL (TLS certificate and key, the group's
    /// data key), each 0600.
    #[arg(long, env = "DEALERDESK_HUB_STATE_DIR", value_name = "DIR")]
    state_dir: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum HubCommand {
    /// Create the hub on an empty database: the group, its first admin (password from
    /// DEALERDESK_HUB_ADMIN_PASSWORD or a prompt), the TLS certificate and the group's data key.
    Init {
        #[command(flatten)]
        conn: HubConn,
        /// The dealer group's name.
        #[arg(long)]
        group: String,
        /// The first admin's username.
        #[arg(long)]
        admin: String,
        /// A name or address the certificate is valid for (repeat; default localhost and 127.0.0.1).
        #[arg(long = "host", value_name = "HOST")]
        hosts: Vec<String>,
    },
    /// Create a single-use enrolment code for a rooftop (created if new).
    EnrolCode {
        #[command(flatten)]
        conn: HubConn,
        /// The rooftop (dealership) the desk belongs to.
        #[arg(long)]
        rooftop: String,
        /// Minutes until the code expires.
        #[arg(long, default_value_t = dealerdesk_hub::DEFAULT_CODE_TTL_MINUTES)]
        ttl_minutes: i64,
        /// The hub admin creating it (default: the first admin).
        #[arg(long = "as", value_name = "USERNAME")]
        as_admin: Option<String>,
    },
    /// List the group's desks.
    Desks {
        #[command(flatten)]
        conn: HubConn,
    },
    /// Revoke a desk (audited).
    RevokeDesk {
        #[command(flatten)]
        conn: HubConn,
        desk_id: Uuid,
        /// The hub admin revoking it (default: the first admin).
        #[arg(long = "as", value_name = "USERNAME")]
        as_admin: Option<String>,
    },
    /// The hub's audit chain.
    #[command(subcommand)]
    Audit(HubAuditCommand),
    /// Serve the hub over TLS with the state directory's certificate.
    Serve {
        #[command(flatten)]
        conn: HubConn,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        bind: SocketAddr,
        /// Serve plain HTTP (refused unless the bind address is loopback).
        #[arg(long)]
        insecure_http: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum HubAuditCommand {
    /// Check the hub's own hash chain and every desk's chain the hub holds (exit 6, naming the
    /// chain and its first broken entry, when one was tampered with).
    Verify {
        /// The hub's PostgreSQL database (postgres://USER@HOST:PORT/DB).
        #[arg(long, env = "DEALERDESK_HUB_DATABASE_URL", value_name = "URL")]
        database_url: String,
    },
}

/// A hub error leaves the CLI with its kind's exit code (README "exit codes").
fn fail(e: HubError) -> CliError {
    CliError {
        exit: e.exit_code(),
        field: e.field().map(str::to_string),
        message: e.to_string(),
        detail: None,
    }
}

async fn connect(database_url: &str) -> Result<HubStore, CliError> {
    HubStore::connect(database_url).await.map_err(|e| {
        fail(HubError::Database(e)).with_message_prefix("cannot connect to the hub database")
    })
}

impl CliError {
    fn with_message_prefix(mut self, prefix: &str) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

async fn open(conn: &HubConn) -> Result<Hub, CliError> {
    let store = connect(&conn.database_url).await?;
    Hub::open(store, StateDir::new(&conn.state_dir))
        .await
        .map_err(fail)
}

fn admin_password() -> Result<String, CliError> {
    if let Ok(p) = std::env::var("DEALERDESK_HUB_ADMIN_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("hub admin password: ").map_err(|e| {
            fail(HubError::invalid(
                "password",
                format!("cannot read it: {e}"),
            ))
        });
    }
    Err(fail(HubError::invalid(
        "password",
        "set DEALERDESK_HUB_ADMIN_PASSWORD or run on a terminal to be asked",
    )))
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs a `hub` subcommand.
pub async fn hub(cmd: HubCommand, now: DateTime<Utc>) -> Result<Output, CliError> {
    match cmd {
        HubCommand::Init {
            conn,
            group,
            admin,
            hosts,
        } => {
            let password = zeroize::Zeroizing::new(admin_password()?);
            let store = connect(&conn.database_url).await?;
            let state = StateDir::new(&conn.state_dir);
            let result =
                dealerdesk_hub::init(&store, &state, &group, &admin, &password, &hosts, now).await;
            store.close().await;
            let r = result.map_err(fail)?;
            let text = format!(
                "hub initialised: group {} , admin {}\ncertificate fingerprint (SHA-256): {}",
                r.group_id, r.admin, r.fingerprint
            );
            out(&r, text)
        }
        HubCommand::EnrolCode {
            conn,
            rooftop,
            ttl_minutes,
            as_admin,
        } => {
            let hub = open(&conn).await?;
            let result = hub
                .enrol_code(&rooftop, ttl_minutes, as_admin.as_deref(), now)
                .await;
            hub.store.close().await;
            let c = result.map_err(fail)?;
            let text = format!(
                "enrolment code for {} (single use, expires {}):\n{}",
                c.rooftop,
                time(c.expires_at),
                c.code
            );
            out(
                json!({ "code": c.code, "expires_at": time(c.expires_at), "rooftop": c.rooftop }),
                text,
            )
        }
        HubCommand::Audit(HubAuditCommand::Verify { database_url }) => {
            let store = connect(&database_url).await?;
            let result = dealerdesk_hub::verify_audit_chain(&store).await;
            store.close().await;
            let report = result.map_err(fail)?;
            let mut text = match report.first_broken_seq {
                Some(seq) => format!("hub audit chain BROKEN at entry #{seq}"),
                None => format!("hub audit chain intact: {} entries", report.entries),
            };
            for d in &report.desks {
                text.push('\n');
                text.push_str(&match (d.first_broken_seq, &d.reason) {
                    (Some(seq), reason) => format!(
                        "desk {} ({}) audit chain BROKEN at entry #{seq}: {}",
                        d.desk_id,
                        d.desk_name,
                        reason
                            .as_deref()
                            .unwrap_or("it does not follow from the one before")
                    ),
                    (None, _) => format!(
                        "desk {} ({}) audit chain intact: {} entries",
                        d.desk_id, d.desk_name, d.entries
                    ),
                });
            }
            let exit = if report.ok { 0 } else { 6 };
            let mut o = out(&report, text)?;
            o.exit = exit;
            Ok(o)
        }
        HubCommand::Desks { conn } => {
            let hub = open(&conn).await?;
            let result = hub.desks().await;
            hub.store.close().await;
            let desks = result.map_err(fail)?;
            let text = if desks.is_empty() {
                "no desks enrolled".to_string()
            } else {
                desks
                    .iter()
                    .map(|d| {
                        format!(
                            "{}  {:8} {:20} {}  enrolled {}",
                            d.id,
                            d.state,
                            d.rooftop,
                            d.name,
                            time(d.enrolled_at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out(json!({ "desks": desks }), text)
        }
        HubCommand::RevokeDesk {
            conn,
            desk_id,
            as_admin,
        } => {
            let hub = open(&conn).await?;
            let result = hub.revoke_desk(desk_id, as_admin.as_deref(), now).await;
            hub.store.close().await;
            result.map_err(fail)?;
            out(
                json!({ "desk_id": desk_id, "state": "revoked" }),
                format!("desk {desk_id} revoked"),
            )
        }
        HubCommand::Serve {
            conn,
            bind,
            insecure_http,
        } => {
            server::check_bind(&bind, insecure_http).map_err(fail)?;
            let hub = open(&conn).await?;
            let tls = if insecure_http {
                None
            } else {
                Some(server::tls_acceptor(&hub).map_err(fail)?)
            };
            let fingerprint = hub.state.fingerprint().map_err(fail)?;
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
                fail(HubError::invalid(
                    "bind",
                    format!("cannot listen on {bind}: {e}"),
                ))
            })?;
            let local = listener.local_addr().unwrap_or(bind);
            let scheme = if insecure_http { "http" } else { "https" };
            eprintln!(
                "hub listening on {scheme}://{local} (certificate SHA-256 {fingerprint}); Ctrl-C or SIGTERM stops it"
            );
            let store = hub.store.clone();
            let result = server::serve(
                hub,
                listener,
                tls,
                Limits::default(),
                super::shutdown_signal(),
            )
            .await;
            store.close().await;
            result.map_err(fail)?;
            out(json!({ "stopped": true }), "hub stopped")
        }
    }
}
