//! `dealerdesk link …` (issue, list, revoke, check temporary access links; their settings; the
//! outbox) and `dealerdesk portal serve` (the customer-facing web server).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde_json::json;

use super::{out, CliError, ErrorKind, Output};
use dealerdesk_rules::ids::{ApplicationId, CustomerId, DocumentId};
use dealerdesk_services::auth::Actor;
use dealerdesk_services::links::outbox::Channel;
use dealerdesk_services::links::{self, IssueLink, LinkPurpose, PurposeTtl};
use dealerdesk_store::{OpenMode, Store};

#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Issue a link for a customer. The URL (holding the token) is printed this once.
    Issue {
        #[arg(long)]
        customer: String,
        /// portal_onboarding, confirm_contact, upload_documents or remote_signing.
        #[arg(long, value_parser = parse_purpose)]
        purpose: LinkPurpose,
        /// Time to expiry, like 30m, 72h or 7d (default: the purpose's setting, else 72h; at most 30d).
        #[arg(long)]
        ttl: Option<String>,
        /// For upload_documents: the credit application whose stipulations the uploads clear.
        #[arg(long)]
        application: Option<String>,
        /// For remote_signing (required): the contract document the customer signs.
        #[arg(long, value_name = "DOCUMENT_ID")]
        document: Option<String>,
        /// Also write the link's QR code as an SVG file.
        #[arg(long, value_name = "PATH")]
        qr: Option<PathBuf>,
        /// Also write the printable one-page handout (PDF): dealership, QR code, URL, expiry.
        #[arg(long, value_name = "FILE.pdf")]
        handout: Option<PathBuf>,
        /// Also queue the link to the customer by e-mail or SMS (`link send-outbox` delivers it).
        #[arg(long, value_parser = parse_channel)]
        send: Option<Channel>,
    },
    /// List links (newest first) and their states.
    List {
        #[arg(long)]
        customer: Option<String>,
    },
    /// Revoke a link (ends any portal session it opened).
    Revoke { id: String },
    /// Whether a link URL or token is valid, without using it up.
    Check {
        #[arg(value_name = "URL-or-token")]
        url_or_token: String,
    },
    /// Show or change the portal address and per-purpose default expiries (admin).
    Settings {
        /// The portal's address as phones on the showroom network reach it.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// A purpose's default expiry, like upload_documents=24h (repeatable).
        #[arg(long, value_name = "PURPOSE=TTL")]
        ttl: Vec<String>,
    },
    /// Send the e-mail and SMS messages that are due, with the file adapter (writes .eml/.txt).
    SendOutbox {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum PortalCommand {
    /// Serve the customer pages on the showroom network.
    Serve {
        #[arg(long, default_value = "0.0.0.0:8080")]
        bind: SocketAddr,
    },
}

fn parse_channel(s: &str) -> Result<Channel, String> {
    Channel::parse(s).ok_or_else(|| "choose email or sms".into())
}

fn parse_purpose(s: &str) -> Result<LinkPurpose, String> {
    LinkPurpose::parse(s).ok_or_else(|| {
        "choose portal_onboarding, confirm_contact, upload_documents or remote_signing".into()
    })
}

pub async fn link(
    path: &Path,
    actor: &Actor,
    cmd: LinkCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    let store = Store::open(path, OpenMode::MustExist).await?;
    let result = run(&store, actor, cmd, now).await;
    store.close().await;
    result
}

async fn run(
    store: &Store,
    actor: &Actor,
    cmd: LinkCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        LinkCommand::Issue {
            customer,
            purpose,
            ttl,
            application,
            document,
            qr,
            handout,
            send,
        } => {
            let ttl_minutes = ttl
                .as_deref()
                .map(links::parse_ttl)
                .transpose()?
                .map(|d| d.num_minutes().clamp(0, i64::from(u32::MAX)) as u32);
            let input = IssueLink {
                customer_id: CustomerId::from(customer),
                purpose,
                ttl_minutes,
                application_id: application.map(ApplicationId::from),
            };
            if let Some(channel) = send {
                // Before issuing: a link whose message cannot be sent would be lost.
                links::outbox::recipient(store, &input.customer_id, channel).await?;
            }
            let issued = match (purpose, document.as_deref()) {
                (LinkPurpose::RemoteSigning, Some(doc)) => {
                    links::issue_remote_signing(
                        store,
                        actor,
                        &input.customer_id,
                        &DocumentId::from(doc),
                        input.ttl_minutes,
                        now,
                    )
                    .await?
                }
                (LinkPurpose::RemoteSigning, None) | (_, None) => {
                    links::issue(store, actor, &input, now).await?
                }
                (_, Some(_)) => {
                    return Err(links::invalid(
                        "document_id",
                        "--document is only for remote_signing links",
                    )
                    .into())
                }
            };
            if let Some(file) = &qr {
                let svg = links::qr_svg(&issued.url)?;
                std::fs::write(file, svg).map_err(|e| {
                    CliError::new(
                        ErrorKind::Internal,
                        format!("cannot write {}: {e}", file.display()),
                    )
                })?;
            }
            if let Some(file) = &handout {
                let pdf = links::handout::handout_for(store, &issued, now).await?;
                std::fs::write(file, pdf).map_err(|e| {
                    CliError::new(
                        ErrorKind::Internal,
                        format!("cannot write {}: {e}", file.display()),
                    )
                })?;
            }
            let queued = match send {
                Some(channel) => {
                    Some(links::outbox::enqueue_link(store, actor, &issued, channel, now).await?)
                }
                None => None,
            };
            let text = format!(
                "{}\n{} link {} for customer {}, expires {}\nthe URL is shown only now{}",
                issued.url,
                purpose.as_str(),
                issued.id,
                issued.customer_id,
                issued.expires_at,
                queued
                    .as_ref()
                    .map(|id| format!("\nqueued as outbox message {id}"))
                    .unwrap_or_default()
            );
            let mut j = json!({ "id": issued.id, "url": issued.url, "expires_at": issued.expires_at, "purpose": issued.purpose });
            if let Some(id) = queued {
                j["outbox_id"] = json!(id);
            }
            out(j, text)
        }
        LinkCommand::List { customer } => {
            let list =
                links::list(store, actor, customer.map(CustomerId::from).as_ref(), now).await?;
            let text = if list.is_empty() {
                "no links".to_string()
            } else {
                list.iter()
                    .map(|l| {
                        format!(
                            "{}  {:<18} {:<9} customer {}  expires {}",
                            l.id,
                            l.purpose.as_str(),
                            l.state.as_str(),
                            l.customer_id,
                            l.expires_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out(json!({ "links": list }), text)
        }
        LinkCommand::Revoke { id } => {
            let l = links::revoke(store, actor, &id, now).await?;
            out(json!({ "link": l }), format!("revoked link {}", l.id))
        }
        LinkCommand::Check { url_or_token } => {
            let c = links::check(store, actor, &url_or_token, now).await?;
            let text = match (c.state, c.purpose) {
                (Some(s), Some(p)) => format!(
                    "{}: {} link, {}",
                    if c.valid { "valid" } else { "not valid" },
                    p.as_str(),
                    s.as_str()
                ),
                _ => "not valid: no such link".to_string(),
            };
            out(&c, text)
        }
        LinkCommand::Settings { base_url, ttl } => {
            let mut ttls = Vec::new();
            for t in &ttl {
                let (p, d) = t.split_once('=').ok_or_else(|| {
                    CliError::from(links::LinkError::Invalid {
                        field: "ttl",
                        message: "give PURPOSE=TTL, like upload_documents=24h".into(),
                    })
                })?;
                let purpose = parse_purpose(p).map_err(|m| {
                    CliError::from(links::LinkError::Invalid {
                        field: "ttl",
                        message: m,
                    })
                })?;
                let d = links::parse_ttl(d)?;
                ttls.push(PurposeTtl {
                    purpose,
                    minutes: d.num_minutes().clamp(0, i64::from(u32::MAX)) as u32,
                });
            }
            let s = if base_url.is_some() || !ttls.is_empty() {
                links::set_settings(store, actor, base_url.as_deref(), &ttls, now).await?
            } else {
                links::settings(store).await?
            };
            let mut text = format!("portal address: {}\n", s.portal_base_url);
            for t in &s.ttl_minutes {
                text.push_str(&format!(
                    "{:<18} expires after {} minutes\n",
                    t.purpose.as_str(),
                    t.minutes
                ));
            }
            out(&s, text.trim_end())
        }
        LinkCommand::SendOutbox { dir } => {
            let sender = links::outbox::FileSender::new(dir);
            let r = links::outbox::deliver_due(store, &sender, now).await?;
            let text = format!(
                "sent {}, failed {} (will retry), gave up {}",
                r.sent, r.retrying, r.gave_up
            );
            out(&r, text)
        }
    }
}

pub async fn portal(path: &Path, cmd: PortalCommand) -> Result<Output, CliError> {
    match cmd {
        PortalCommand::Serve { bind } => {
            let store = Store::open(path, OpenMode::MustExist).await?;
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
                CliError::new(ErrorKind::Internal, format!("cannot listen on {bind}: {e}"))
            })?;
            let config = dealerdesk_portal::PortalConfig::for_store(&store).await?;
            let local = listener.local_addr().unwrap_or(bind);
            eprintln!(
                "portal listening on {local} (links point to {}); Ctrl-C or SIGTERM stops it",
                config.base_url
            );
            if !config.secure_cookies {
                eprintln!("note: plain http (LAN demo): cookies are sent without the Secure flag; serve it behind https for real use");
            }
            // Ctrl-C, or SIGTERM from a service manager: stop taking connections, finish the
            // requests in flight, close the database cleanly (WAL checkpointed).
            // Ctrl-C, or SIGTERM from a service manager: stop taking connections, finish the
            // requests in flight, close the database cleanly (WAL checkpointed).
            let shutdown = super::shutdown_signal();
            dealerdesk_portal::serve(store.clone(), config, listener, shutdown)
                .await
                .map_err(|e| {
                    CliError::new(ErrorKind::Internal, format!("the portal stopped: {e}"))
                })?;
            store.close().await;
            out(json!({ "stopped": true }), "portal stopped")
        }
    }
}
