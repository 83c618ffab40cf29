//! `dealerdesk identity …` (SSN/ITIN rules, licence barcodes: no database needed; checks of a
//! customer, their verification record, resolutions and contact confirmation) and
//! `dealerdesk sanctions …` (import Treasury's list files, screen a name).
//!
//! Exit codes: a check that ran prints its answer and exits 0, even when the answer is "invalid
//! number" or "candidates found" (the answer is data; `valid`, `problems` and `matches` say it).
//! Input the command cannot work with exits 3 (a file that is not a licence barcode or not a
//! sanctions list, a name of only punctuation), a missing file or list exits 4.
//!
//! `identity check` exits 0 whatever the outcome (`effective_outcome` says it); a decision that
//! was already made exits 7; a flag that cannot be resolved with a note exits 3.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use serde_json::json;

use super::{out, CliError, ErrorKind, Output};
use dealerdesk_services::auth::Actor;
use dealerdesk_services::identity::aamva::{self, LicenceError};
use dealerdesk_services::identity::red_flags::FlagCode;
use dealerdesk_services::identity::sanctions::{self, ListFiles, DEFAULT_THRESHOLD};
use dealerdesk_services::identity::ssn::{classify, TaxIdKind};
use dealerdesk_services::identity::verification::{
    self, CheckInput, ContactChannel, DocumentType, VerificationView,
};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::{OpenMode, Store};

#[derive(Subcommand, Debug)]
pub enum IdentityCommand {
    /// Check an SSN or ITIN against the SSA/IRS number rules (no database needed).
    Ssn {
        /// The number, with or without dashes.
        number: String,
    },
    /// Read a driver's licence / ID card barcode payload (AAMVA PDF417 text; no database needed).
    Licence {
        /// File holding the scanned text, or - for standard input.
        #[arg(long, value_name = "PATH|-")]
        file: PathBuf,
    },
    /// Run an identity check of a customer (licence barcode, or a document typed by hand) and
    /// store the verification record.
    Check {
        customer_id: String,
        /// The scanned licence barcode text, or - for standard input.
        #[arg(long, value_name = "PATH|-", conflicts_with_all = ["document_type", "issuer", "number", "expiry"])]
        licence_file: Option<PathBuf>,
        /// Without a barcode: the document's type.
        #[arg(long, value_enum, requires_all = ["issuer", "number", "expiry"])]
        document_type: Option<DocumentType>,
        /// The issuing state (two letters) or country.
        #[arg(long)]
        issuer: Option<String>,
        /// The document number.
        #[arg(long)]
        number: Option<String>,
        /// The expiry date printed on the document.
        #[arg(long)]
        expiry: Option<String>,
        /// The date of birth printed on the document.
        #[arg(long)]
        dob: Option<String>,
        /// The issue date printed on the document.
        #[arg(long)]
        issued: Option<String>,
    },
    /// Show a customer's latest verification record, contact confirmations and what blocks a
    /// credit application.
    Show { customer_id: String },
    /// Resolve a red flag of a check with a note (every flag of that code on the check).
    ResolveFlag {
        record_id: String,
        /// The flag code, e.g. licence_dob_mismatch or phone_shared.
        code: String,
        #[arg(long)]
        note: String,
    },
    /// Clear a sanctions candidate of a check as a false positive.
    ClearCandidate {
        record_id: String,
        ent_num: i64,
        #[arg(long)]
        reason: String,
    },
    /// Confirm a sanctions candidate of a check as a true match (the check fails).
    ConfirmCandidate {
        record_id: String,
        ent_num: i64,
        #[arg(long)]
        reason: String,
    },
    /// Record that contact details were confirmed with the customer, as they are on file now.
    ConfirmContact {
        customer_id: String,
        /// phone, email or address; repeat for several.
        #[arg(long = "channel", value_enum, required = true)]
        channels: Vec<ContactChannel>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SanctionsCommand {
    /// Import Treasury's OFAC list files (SDN or consolidated, same format) as a new list
    /// version. Nothing changes if any file is bad.
    Import {
        /// sdn.csv (or cons_prim.csv).
        #[arg(long, value_name = "PATH")]
        sdn: PathBuf,
        /// add.csv (or cons_add.csv): addresses.
        #[arg(long, value_name = "PATH")]
        add: Option<PathBuf>,
        /// alt.csv (or cons_alt.csv): aliases.
        #[arg(long, value_name = "PATH")]
        alt: Option<PathBuf>,
        /// The date Treasury published the files (YYYY-MM-DD), recorded with the version.
        #[arg(long, value_name = "DATE")]
        published: Option<String>,
    },
    /// Screen a person's full name against the list in force.
    Screen {
        /// Full name, in any order ("Last, First" or "First Middle Last").
        name: String,
        /// Date of birth (YYYY-MM-DD or MM/DD/YYYY), compared with birth years on the list.
        #[arg(long)]
        dob: Option<String>,
        /// Country, compared with the candidates' address countries.
        #[arg(long)]
        country: Option<String>,
        /// Lowest score reported, 0 to 1.
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: f64,
    },
}

fn invalid(field: &str, message: impl Into<String>) -> CliError {
    CliError::at(ErrorKind::Validation, field, message)
}

fn parse_date(field: &str, s: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%m/%d/%Y"))
        .map_err(|_| {
            invalid(
                field,
                format!("\"{s}\" is not a date (YYYY-MM-DD or MM/DD/YYYY)"),
            )
        })
}

fn read_file(field: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().lock().read_to_end(&mut buf).map_err(|e| {
            CliError::new(
                ErrorKind::Internal,
                format!("could not read standard input: {e}"),
            )
        })?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Internal
        };
        CliError::at(kind, field, format!("cannot read {}: {e}", path.display()))
    })
}

/// `identity …`: `ssn` and `licence` are pure checks that open no database; the rest work on
/// the customer's verification records.
pub async fn identity(
    path: &Path,
    actor: &Actor,
    cmd: IdentityCommand,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Output, CliError> {
    match cmd {
        IdentityCommand::Ssn { .. } | IdentityCommand::Licence { .. } => pure(cmd, today),
        cmd => {
            let input = match &cmd {
                IdentityCommand::Check {
                    licence_file: Some(file),
                    ..
                } => {
                    let data = read_file("licence_file", file)?;
                    Some(CheckInput::BarcodeScan {
                        payload: String::from_utf8_lossy(&data).into_owned(),
                    })
                }
                IdentityCommand::Check {
                    licence_file: None,
                    document_type,
                    issuer,
                    number,
                    expiry,
                    dob,
                    issued,
                    ..
                } => Some(CheckInput::ManualEntry {
                    document_type: document_type.ok_or_else(|| CliError::usage(
                        Some("licence_file"),
                        "give --licence-file, or --document-type with --issuer, --number and --expiry",
                    ))?,
                    issuer: issuer.clone().unwrap_or_default(),
                    number: number.clone().unwrap_or_default(),
                    expiry: expiry.clone().unwrap_or_default(),
                    dob: dob.clone(),
                    issued: issued.clone(),
                }),
                _ => None,
            };
            let store = Store::open(path, OpenMode::MustExist).await?;
            let result = records(&store, actor, cmd, input, now, today).await;
            store.close().await;
            result
        }
    }
}

fn record_output(v: VerificationView) -> Result<Output, CliError> {
    let text = verification::render_text(&v);
    out(&v, text.trim_end())
}

async fn records(
    store: &Store,
    actor: &Actor,
    cmd: IdentityCommand,
    input: Option<CheckInput>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Output, CliError> {
    match cmd {
        IdentityCommand::Check { customer_id, .. } => {
            let input = input.ok_or_else(|| CliError::usage(None, "nothing to check"))?;
            let v = verification::run_check(
                store,
                actor,
                &dealerdesk_rules::ids::CustomerId::from(customer_id.as_str()),
                &input,
                now,
                today,
            )
            .await?;
            record_output(v)
        }
        IdentityCommand::Show { customer_id } => {
            let v = verification::latest_verification(
                store,
                actor,
                &dealerdesk_rules::ids::CustomerId::from(customer_id.as_str()),
                now,
            )
            .await?;
            let status = verification::verification_status(
                store,
                &dealerdesk_rules::ids::CustomerId::from(customer_id.as_str()),
            )
            .await?;
            let contacts = verification::contact_status(
                store,
                &dealerdesk_rules::ids::CustomerId::from(customer_id.as_str()),
            )
            .await?;
            let blockers = verification::application_blockers(
                store,
                &dealerdesk_rules::ids::CustomerId::from(customer_id.as_str()),
            )
            .await?;
            let mut text = match &v {
                Some(v) => verification::render_text(v),
                None => "no identity check yet\n".to_string(),
            };
            for c in &contacts {
                text.push_str(&format!(
                    "contact {:<8} {:?}{}\n",
                    c.channel.as_str(),
                    c.state,
                    c.confirmed_at
                        .as_ref()
                        .map(|at| format!(
                            " (confirmed by {} at {at})",
                            c.confirmed_by.clone().unwrap_or_default()
                        ))
                        .unwrap_or_default()
                ));
            }
            if blockers.is_empty() {
                text.push_str("ready for a credit application");
            }
            for b in &blockers {
                text.push_str(&format!("blocks the application: {b}\n"));
            }
            out(
                json!({ "customer_id": customer_id, "status": status, "verification": v,
                        "contacts": contacts, "blockers": blockers }),
                text.trim_end(),
            )
        }
        IdentityCommand::ResolveFlag {
            record_id,
            code,
            note,
        } => {
            let code = FlagCode::parse(&code).ok_or_else(|| {
                invalid(
                    "code",
                    format!(
                        "\"{code}\" is not a flag code; one of {}",
                        FlagCode::ALL
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let v = verification::resolve_flag(
                store,
                actor,
                &dealerdesk_rules::ids::IdentityCheckId::from(record_id.as_str()),
                code,
                &note,
                now,
            )
            .await?;
            record_output(v)
        }
        IdentityCommand::ClearCandidate {
            record_id,
            ent_num,
            reason,
        } => record_output(
            verification::clear_candidate(
                store,
                actor,
                &dealerdesk_rules::ids::IdentityCheckId::from(record_id.as_str()),
                ent_num,
                &reason,
                now,
            )
            .await?,
        ),
        IdentityCommand::ConfirmCandidate {
            record_id,
            ent_num,
            reason,
        } => record_output(
            verification::confirm_candidate(
                store,
                actor,
                &dealerdesk_rules::ids::IdentityCheckId::from(record_id.as_str()),
                ent_num,
                &reason,
                now,
            )
            .await?,
        ),
        IdentityCommand::ConfirmContact {
            customer_id,
            channels,
        } => {
            let contacts = verification::confirm_contact(
                store,
                actor,
                &dealerdesk_rules::ids::CustomerId::from(customer_id.as_str()),
                &channels,
                now,
            )
            .await?;
            let text = contacts
                .iter()
                .map(|c| format!("{:<8} {:?}", c.channel.as_str(), c.state))
                .collect::<Vec<_>>()
                .join("\n");
            out(
                json!({ "customer_id": customer_id, "contacts": contacts }),
                text,
            )
        }
        IdentityCommand::Ssn { .. } | IdentityCommand::Licence { .. } => pure(cmd, today),
    }
}

/// `identity ssn` and `identity licence`: pure checks, no database.
fn pure(cmd: IdentityCommand, today: NaiveDate) -> Result<Output, CliError> {
    match cmd {
        IdentityCommand::Ssn { number } => {
            let (kind, valid, reason) = match classify(&number) {
                Ok((TaxIdKind::Ssn, _)) => ("ssn", true, None),
                Ok((TaxIdKind::Itin, _)) => ("itin", true, None),
                Err(problem) => ("invalid", false, Some(problem.to_string())),
            };
            let text = match &reason {
                None => format!("valid {}", kind.to_uppercase()),
                Some(r) => format!("not a valid SSN or ITIN: {r}"),
            };
            out(
                json!({ "kind": kind, "valid": valid, "reason": reason }),
                text,
            )
        }
        IdentityCommand::Licence { file } => {
            let data = read_file("file", &file)?;
            let licence = aamva::parse(&data, today).map_err(|e| match e {
                LicenceError::Empty | LicenceError::NoHeader | LicenceError::BadHeader { .. } => {
                    invalid("file", e.to_string())
                }
            })?;
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            let date =
                |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
            let mut text = format!(
                "AAMVA version {} ({}), {} {}\nname:     {} {} {}\nborn:     {}\nnumber:   {}\nissued:   {}   expires: {}\naddress:  {}, {}, {} {}",
                licence.aamva_version,
                show(&licence.jurisdiction),
                show(&licence.document_type),
                licence.iin,
                show(&licence.first_name),
                licence.middle_name.clone().unwrap_or_default(),
                show(&licence.last_name),
                date(licence.date_of_birth),
                show(&licence.licence_number),
                date(licence.issue_date),
                date(licence.expiry_date),
                show(&licence.street),
                show(&licence.city),
                show(&licence.state),
                show(&licence.postal_code),
            );
            for p in &licence.problems {
                text.push_str(&format!("\nproblem:  {}", p.message));
            }
            out(&licence, text)
        }
        _ => Err(CliError::new(
            ErrorKind::Internal,
            "not a pure identity check",
        )),
    }
}

/// `sanctions import` and `sanctions screen`.
pub async fn sanctions(
    path: &Path,
    actor: &Actor,
    cmd: SanctionsCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        SanctionsCommand::Import {
            sdn,
            add,
            alt,
            published,
        } => {
            let published = published
                .as_deref()
                .map(|p| parse_date("published", p))
                .transpose()?;
            let sdn_data = read_file("sdn", &sdn)?;
            let alt_data = alt.as_ref().map(|p| read_file("alt", p)).transpose()?;
            let add_data = add.as_ref().map(|p| read_file("add", p)).transpose()?;
            let name = |p: &Path| p.display().to_string();
            let (sdn_name, alt_name, add_name) = (
                name(&sdn),
                alt.as_deref().map(name),
                add.as_deref().map(name),
            );
            let files = ListFiles {
                sdn: (&sdn_name, &sdn_data),
                alt: alt_name.as_deref().zip(alt_data.as_deref()),
                add: add_name.as_deref().zip(add_data.as_deref()),
            };
            let store = Store::open(path, OpenMode::MustExist).await?;
            let result = sanctions::import(&store, actor, &files, published, now).await;
            store.close().await;
            let summary = result?;
            let text = format!(
                "imported sanctions list version {}: {} entries, {} aliases, {} addresses{}",
                summary.list_version,
                summary.entries,
                summary.aliases,
                summary.addresses,
                summary
                    .previous_version
                    .map(|v| format!(" (replaces version {v})"))
                    .unwrap_or_default()
            );
            out(&summary, text)
        }
        SanctionsCommand::Screen {
            name,
            dob,
            country,
            threshold,
        } => {
            let dob = dob.as_deref().map(|d| parse_date("dob", d)).transpose()?;
            let store = Store::open(path, OpenMode::MustExist).await?;
            let result = screen_and_record(
                &store,
                actor,
                &name,
                dob,
                country.as_deref(),
                threshold,
                now,
            )
            .await;
            store.close().await;
            let result = result?;
            let mut text = format!(
                "screened against sanctions list version {}: {}",
                result.list_version,
                if result.matches.is_empty() {
                    "no candidates".to_string()
                } else {
                    format!(
                        "{} candidate(s) — a finance manager must clear or confirm",
                        result.matches.len()
                    )
                }
            );
            for m in &result.matches {
                text.push_str(&format!(
                    "\n  {:.3}  #{:<6} {}{}  [{}]",
                    m.score,
                    m.ent_num,
                    m.name,
                    m.matched_alias
                        .as_ref()
                        .map(|a| format!(" (a.k.a. {a})"))
                        .unwrap_or_default(),
                    m.program.clone().unwrap_or_default()
                ));
            }
            out(&result, text)
        }
    }
}

async fn screen_and_record(
    store: &Store,
    actor: &Actor,
    name: &str,
    dob: Option<NaiveDate>,
    country: Option<&str>,
    threshold: f64,
    now: DateTime<Utc>,
) -> Result<sanctions::ScreenResult, CliError> {
    let list = sanctions::load_current(store).await?;
    let result = list.screen(name, dob, country, threshold)?;
    // The screen is audited without the name (PII): who screened, against which version, and
    // how many candidates came back.
    audit::record(
        store,
        now,
        &AuditEvent::new(actor.name(), "sanctions.screen", AuditOutcome::Success).detail(format!(
            "list version {}: {} candidate(s) at threshold {}",
            result.list_version,
            result.matches.len(),
            threshold
        )),
    )
    .await?;
    Ok(result)
}
