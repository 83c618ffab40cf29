//! `application list|show|export-star|import-decision|export-decision|notices|notice|
//! notice-delivered|notice-settings` and
//! `lender list|import-rates|export-rates`.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use dealerdesk_rules::ids::{ApplicationId, CustomerId};
use serde_json::json;
use std::path::PathBuf;

use super::{out, CliError, ErrorKind, Output};
use dealerdesk_services::application::adverse::{self, DeliveryMethod, NoticeDue};
use dealerdesk_services::application::star;
use dealerdesk_services::application::{self, ApplicationFilter, ApplicationState, RateSheet};
use dealerdesk_services::auth::Actor;
use dealerdesk_store::Store;

#[derive(Subcommand, Debug)]
pub enum ApplicationCommand {
    /// List credit applications, most recently changed first.
    List {
        /// Only applications in this state.
        #[arg(long, value_enum)]
        state: Option<ApplicationState>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show one application with its history, decisions, stipulations and the decision-assist
    /// table (every lender, best first).
    Show { id: String },
    /// Print the application as a STAR 5 `ProcessCreditApplication` XML document (it holds the
    /// applicants' SSN and date of birth: finance manager or admin; audited).
    ExportStar {
        id: String,
        /// Write the document to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Record a lender's STAR `ProcessCreditDecision` / `AcknowledgeCreditDecision` file for the
    /// submitted application it names.
    ImportDecision { file: PathBuf },
    /// Print the application's latest decision as a STAR 5 `ProcessCreditDecision`.
    ExportDecision {
        id: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Adverse-action notices (declines and counter-offers not taken), the soonest due first.
    Notices {
        /// Only notices not yet delivered (the 30-day timer).
        #[arg(long)]
        pending: bool,
        /// First create the notices owed for decisions recorded before this release.
        #[arg(long)]
        backfill: bool,
    },
    /// Write an adverse-action notice as PDF (by notice id, or an application's latest notice).
    Notice {
        /// Notice id or application id.
        id: String,
        /// The PDF file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Show, or set, the consumer reporting agency and the dealership address that notices
    /// print (setting takes all four; undelivered notices take them over).
    NoticeSettings {
        #[arg(long, requires_all = ["bureau_address", "bureau_phone", "dealership_address"])]
        bureau_name: Option<String>,
        #[arg(long, requires = "bureau_name")]
        bureau_address: Option<String>,
        /// Toll-free number.
        #[arg(long, requires = "bureau_name")]
        bureau_phone: Option<String>,
        #[arg(long, requires = "bureau_name")]
        dealership_address: Option<String>,
    },
    /// Record that an adverse-action notice reached the applicant (email queues it in the outbox).
    NoticeDelivered {
        /// Notice id or application id.
        id: String,
        #[arg(long, value_enum)]
        method: DeliveryMethod,
    },
}

#[derive(Subcommand, Debug)]
pub enum LenderCommand {
    /// List lenders with their current rate-sheet version.
    List,
    /// Import a rate sheet (CSV or JSON) as the lender's next version.
    ImportRates { file: PathBuf },
    /// Print a lender's rate sheet as JSON (the current version unless --version).
    ExportRates {
        /// Lender code or id.
        lender: String,
        #[arg(long)]
        version: Option<u32>,
    },
}

fn read_file(file: &std::path::Path) -> Result<String, CliError> {
    std::fs::read_to_string(file).map_err(|e| {
        CliError::at(
            if e.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::NotFound
            } else {
                ErrorKind::Validation
            },
            "file",
            format!("could not read {}: {e}", file.display()),
        )
    })
}

/// An XML document to standard output, or to `out` with a one-line summary.
fn xml_output(
    id: &str,
    kind: &str,
    doc: String,
    out_file: Option<PathBuf>,
) -> Result<Output, CliError> {
    match out_file {
        None => out(
            json!({ "application_id": id, "kind": kind, "xml": doc }),
            doc.trim_end(),
        ),
        Some(file) => {
            std::fs::write(&file, doc.as_bytes()).map_err(|e| {
                CliError::new(
                    ErrorKind::Internal,
                    format!("cannot write {}: {e}", file.display()),
                )
            })?;
            out(
                json!({ "application_id": id, "kind": kind, "file": file, "bytes": doc.len() }),
                format!(
                    "wrote {kind} for {id} to {} ({} bytes)",
                    file.display(),
                    doc.len()
                ),
            )
        }
    }
}

fn due_line(n: &NoticeDue) -> String {
    let when = match (&n.delivered_at, n.delivery_method) {
        (Some(at), Some(m)) => format!("delivered ({}) {at}", m.as_str()),
        _ if n.overdue => format!("OVERDUE by {} day(s)", -n.days_remaining),
        _ => format!("{} day(s) left", n.days_remaining),
    };
    format!(
        "{}  due {}  {:<22} {:<24} {:<20} {}",
        n.id,
        n.due_date,
        when,
        n.applicant_name,
        n.kind.as_str(),
        n.application_id
    )
}

/// `application ...`.
pub async fn application(
    store: &Store,
    actor: &Actor,
    cmd: ApplicationCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        ApplicationCommand::ExportStar { id, out: out_file } => {
            let doc =
                star::export_application_xml(store, actor, &ApplicationId::from(id.as_str()), now)
                    .await?;
            xml_output(&id, "ProcessCreditApplication", doc, out_file)
        }
        ApplicationCommand::ExportDecision { id, out: out_file } => {
            let doc =
                star::export_decision_xml(store, &ApplicationId::from(id.as_str()), now).await?;
            xml_output(&id, "ProcessCreditDecision", doc, out_file)
        }
        ApplicationCommand::ImportDecision { file } => {
            let text = read_file(&file)?;
            let r = star::import_decision_xml(store, actor, &text, now).await?;
            let mut msg = format!(
                "application {}: {} by {} (rate sheet version {}{})",
                r.application_id,
                r.outcome,
                r.lender_code,
                r.rate_sheet_version,
                r.tier
                    .as_deref()
                    .map(|t| format!(", tier {t}"))
                    .unwrap_or_default()
            );
            for s in &r.stipulations {
                msg.push_str(&format!("\n  stipulation: {s}"));
            }
            for s in &r.reasons {
                msg.push_str(&format!("\n  reason: {s}"));
            }
            out(&r, msg)
        }
        ApplicationCommand::List {
            state,
            customer,
            limit,
            offset,
        } => {
            let page = application::list_applications(
                store,
                &ApplicationFilter {
                    state,
                    customer_id: customer.map(CustomerId::from),
                    limit: Some(limit),
                    offset: Some(offset),
                },
            )
            .await?;
            let mut text = page
                .items
                .iter()
                .map(|a| {
                    format!(
                        "{}  {:<11} {:<24} {:<40} {}",
                        a.id,
                        a.state.as_str(),
                        a.customer_name,
                        a.lender.clone().unwrap_or_else(|| "-".into()),
                        a.updated_at
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            text.push_str(&format!(
                "{}{} of {} applications",
                if text.is_empty() { "" } else { "\n" },
                page.items.len(),
                page.total
            ));
            out(
                json!({ "applications": page.items, "total": page.total }),
                text,
            )
        }
        ApplicationCommand::Show { id } => {
            let app =
                application::get_application(store, actor, &ApplicationId::from(id.as_str()), now)
                    .await?;
            let assist =
                application::decision_assist(store, &ApplicationId::from(id.as_str())).await?;
            let mut text = format!(
                "application {}  {}\n  applicant: {} ({})\n  deal:      {}\n  lender:    {}\n  score:     {}\n  consent:   {}\n  history:\n",
                app.id,
                app.state.as_str(),
                app.customer_name,
                app.customer_id,
                app.deal_id,
                app.lender_name.clone().unwrap_or_else(|| "-".into()),
                app.credit_score.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                app.consent
                    .as_ref()
                    .map(|c| format!("{} by {} at {}", c.text_version, c.captured_by, c.at))
                    .unwrap_or_else(|| "not captured".into()),
            );
            for h in &app.history {
                text.push_str(&format!(
                    "    {}  {:<14} -> {:<11} {}{}\n",
                    h.at,
                    h.action,
                    h.to_state.as_str(),
                    h.actor,
                    h.note
                        .as_deref()
                        .map(|n| format!("  ({n})"))
                        .unwrap_or_default()
                ));
            }
            if !app.stipulations.is_empty() {
                text.push_str("  stipulations:\n");
                for s in &app.stipulations {
                    text.push_str(&format!(
                        "    {:<9} {:<20} {} day(s)  {}\n",
                        format!("{:?}", s.status).to_lowercase(),
                        s.code,
                        s.age_days,
                        s.description
                    ));
                }
            }
            text.push_str("  decision assist (best first):\n");
            for a in &assist {
                text.push_str(&format!(
                    "    {:<44} tier {:<10} buy {:>6}  PTI {:>6}  DTI {:>6}  LTV {:>7}  {}\n",
                    a.lender_name,
                    a.tier.clone().unwrap_or_else(|| "-".into()),
                    a.buy_rate.clone().unwrap_or_else(|| "-".into()),
                    a.pti.clone().unwrap_or_else(|| "-".into()),
                    a.dti.clone().unwrap_or_else(|| "-".into()),
                    a.ltv.clone().unwrap_or_else(|| "-".into()),
                    if a.eligible {
                        "eligible".to_string()
                    } else {
                        a.failures
                            .iter()
                            .map(|f| f.message.clone())
                            .collect::<Vec<_>>()
                            .join("; ")
                    }
                ));
            }
            let notices =
                adverse::notices_for_application(store, &ApplicationId::from(id.as_str()), now)
                    .await?;
            for n in &notices {
                text.push_str(&format!(
                    "  adverse-action notice {} ({}): due {}, {}\n",
                    n.id,
                    n.kind.as_str(),
                    n.due_date,
                    match (&n.delivered_at, n.delivery_method) {
                        (Some(at), Some(m)) => format!("delivered ({}) {at}", m.as_str()),
                        _ if n.overdue => "OVERDUE".to_string(),
                        _ => format!("{} day(s) left", n.days_remaining),
                    }
                ));
            }
            out(
                json!({ "application": app, "decision_assist": assist, "adverse_notices": notices }),
                text.trim_end(),
            )
        }
        ApplicationCommand::Notices { pending, backfill } => {
            let backfilled = if backfill {
                Some(adverse::backfill_notices(store, now).await?)
            } else {
                None
            };
            let notices = adverse::list_notices(store, pending, now).await?;
            let timer = adverse::notice_timer(store, now).await?;
            let mut text = notices.iter().map(due_line).collect::<Vec<_>>().join("\n");
            text.push_str(&format!(
                "{}{} notice(s); {} pending, {} overdue",
                if text.is_empty() { "" } else { "\n" },
                notices.len(),
                timer.pending,
                timer.overdue
            ));
            if let Some(b) = backfilled {
                text.push_str(&format!("; {b} created by the backfill"));
            }
            out(
                json!({ "notices": notices, "timer": timer, "backfilled": backfilled }),
                text,
            )
        }
        ApplicationCommand::Notice { id, out: file } => {
            let notice = adverse::find_notice(store, &id, now).await?;
            let pdf = adverse::notice_pdf(store, actor, &notice.id, now).await?;
            std::fs::write(&file, &pdf).map_err(|e| {
                CliError::at(
                    ErrorKind::Internal,
                    "out",
                    format!("cannot write {}: {e}", file.display()),
                )
            })?;
            let notice = adverse::get_notice(store, &notice.id, now).await?;
            let text = format!(
                "wrote {} ({} bytes, sha256 {})\n{}",
                file.display(),
                pdf.len(),
                dealerdesk_store::crypto::sha256_hex(&pdf),
                adverse::notice_text(&notice).trim_end()
            );
            out(
                json!({ "notice": notice, "file": file, "bytes": pdf.len(), "sha256": dealerdesk_store::crypto::sha256_hex(&pdf) }),
                text,
            )
        }
        ApplicationCommand::NoticeSettings {
            bureau_name,
            bureau_address,
            bureau_phone,
            dealership_address,
        } => {
            let settings = match (
                bureau_name,
                bureau_address,
                bureau_phone,
                dealership_address,
            ) {
                (Some(name), Some(address), Some(phone), Some(dealer)) => {
                    let input = adverse::NoticeSettings {
                        bureau: adverse::Bureau {
                            name,
                            address,
                            phone,
                        },
                        dealership_address: dealer,
                    };
                    adverse::set_notice_settings(store, actor, &input, now).await?
                }
                _ => adverse::notice_settings(store).await?,
            };
            let text = format!(
                "credit bureau:      {}\n                    {}\n                    {}\ndealership address: {}",
                settings.bureau.name,
                settings.bureau.address,
                settings.bureau.phone,
                settings.dealership_address
            );
            out(&settings, text)
        }
        ApplicationCommand::NoticeDelivered { id, method } => {
            let notice = adverse::find_notice(store, &id, now).await?;
            let n = adverse::mark_delivered(store, actor, &notice.id, method, now).await?;
            let text = format!(
                "notice {} for application {} delivered by {}{}",
                n.id,
                n.application_id,
                method.as_str(),
                n.outbox_id
                    .as_deref()
                    .map(|o| format!(" (queued as outbox message {o})"))
                    .unwrap_or_default()
            );
            out(json!({ "notice": n }), text)
        }
    }
}

/// `lender ...`.
pub async fn lender(
    store: &Store,
    actor: &Actor,
    cmd: LenderCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        LenderCommand::List => {
            let lenders = application::list_lenders(store).await?;
            let text = lenders
                .iter()
                .map(|l| {
                    format!(
                        "{}  {:<14} {:<44} version {}",
                        l.id,
                        l.code,
                        l.name,
                        l.rate_sheet_version
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "-".into())
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out(json!({ "lenders": lenders }), text)
        }
        LenderCommand::ImportRates { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                CliError::at(
                    if e.kind() == std::io::ErrorKind::NotFound {
                        ErrorKind::NotFound
                    } else {
                        ErrorKind::Validation
                    },
                    "file",
                    format!("could not read {}: {e}", file.display()),
                )
            })?;
            let sheet = RateSheet::from_text(&text)?;
            let r = application::import_rate_sheet(store, actor, &sheet, now).await?;
            let msg = format!(
                "imported {} rate sheet version {}: {} tiers, {} rate cells (sha256 {})",
                r.lender_code, r.version, r.tiers, r.rate_cells, r.sha256
            );
            out(&r, msg)
        }
        LenderCommand::ExportRates { lender, version } => {
            let (v, text) = application::export_rate_sheet(store, &lender, version).await?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| CliError::new(ErrorKind::Internal, e.to_string()))?;
            out(json!({ "version": v, "rate_sheet": value }), text)
        }
    }
}
