//! The `dealerdesk` command-line tool: the same core services as the desktop app, for set-up,
//! support and scripting. Every subcommand has `--help`; `--json` prints one JSON object.
//!
//! Exit codes (one table: an error's kind gives its exit code, `ErrorKind::exit_code`):
//! - 0 success
//! - 1 the database could not be read or written just now, or an unexpected failure
//! - 2 wrong usage (unknown flag, missing argument)
//! - 3 invalid input (the message names the field)
//! - 4 not found
//! - 5 the database was refused (not a database, damaged, newer version, key missing or wrong;
//!   a backup that cannot be restored)
//! - 6 a check failed (`audit verify` found a broken chain, `doctor` found a problem, saved
//!   figures fail their fingerprint, stored data cannot be read back)
//! - 7 conflict (the thing already exists, is already decided, is in the wrong state, or the
//!   database is not empty)
//! - 8 not allowed (the role or the sign-in does not permit it)

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{Local, Utc};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use serde_json::json;

use dealerdesk_rules::ids::CustomerId;
use dealerdesk_services::audit_log;
use dealerdesk_services::auth::{self, Actor, NewStaff, Role};
use dealerdesk_services::customer::{
    self, validate::format_phone, AddressInput, CustomerInput, PiiField,
};
use dealerdesk_services::demo;
use dealerdesk_services::error_kind::{describe, Classified, ErrorKind};
use dealerdesk_services::maintenance;
use dealerdesk_services::settings;
use dealerdesk_store::audit::ExportFormat;
use dealerdesk_store::{default_db_path, OpenMode, Store};

mod applications;
mod contracts;
mod deals;
mod finance;
mod hub;
mod identity;
mod links;
mod sync;

#[derive(Parser, Debug)]
#[command(
    name = "dealerdesk",
    version,
    about = "DealerDesk: the dealership finance desk, from the command line",
    after_help = "Exit codes: 0 ok, 1 storage or unexpected failure, 2 wrong usage, 3 invalid input, \
4 not found, 5 database refused, 6 a check failed, 7 conflict, 8 not allowed."
)]
pub struct Cli {
    /// Database file (default: the OS data directory, e.g. ~/.local/share/dealerdesk/dealerdesk.db).
    #[arg(long, global = true, env = "DEALERDESK_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the database and its encryption key (does nothing to an existing one).
    Init,
    /// Fill a new, empty database with the demo dealership (staff, vehicles, customers).
    Demo {
        /// Seed of the generator: the same seed gives the same people and cars.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// How many customers to create.
        #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
        customers: u32,
        /// Load data: this many extra copies of the demo's credit applications (for timing the
        /// pipeline screen with thousands of rows).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=200_000))]
        pipeline_copies: u32,
    },
    /// Staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Customers.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the database (and its key) to PATH while the desk runs.
    Backup {
        path: PathBuf,
        /// Do not copy the key file beside the backup (keep the key elsewhere yourself).
        #[arg(long)]
        without_key: bool,
    },
    /// Replace the database with a checked backup (close the desktop app first).
    Restore { path: PathBuf },
    /// Check the schema version, file integrity, key and audit chain.
    Doctor,
    /// Identity: SSN/ITIN rules and licence barcodes (no database needed); checks of a customer,
    /// their verification record, resolutions and contact confirmation.
    #[command(subcommand)]
    Identity(identity::IdentityCommand),
    /// OFAC sanctions lists: import Treasury's files, screen a name.
    #[command(subcommand)]
    Sanctions(identity::SanctionsCommand),
    /// Inventory: add, list and show vehicles.
    #[command(subcommand)]
    Vehicle(deals::VehicleCommand),
    /// Saved deals: list, show, save from JSON.
    #[command(subcommand)]
    Deal(deals::DealCommand),
    /// Contracts: render a deal's retail installment contract or lease, verify a PDF file.
    #[command(subcommand)]
    Contract(contracts::ContractCommand),
    /// Credit applications: list, show (with history and decision assist).
    #[command(subcommand)]
    Application(applications::ApplicationCommand),
    /// Lenders and their rate sheets: list, import (CSV or JSON), export (JSON).
    #[command(subcommand)]
    Lender(applications::LenderCommand),
    /// VINs: check digit and decoding (no database needed).
    #[command(subcommand)]
    Vin(finance::VinCommand),
    /// Loan and lease quotes (no database needed).
    #[command(subcommand)]
    Quote(finance::QuoteCommand),
    /// APR by Regulation Z Appendix J from one JSON object on standard input (no database needed).
    Apr,
    /// Temporary access links for customers: issue, list, revoke, check.
    #[command(subcommand)]
    Link(links::LinkCommand),
    /// The customer-facing web server that link URLs and QR codes open.
    #[command(subcommand)]
    Portal(links::PortalCommand),
    /// The hub (PostgreSQL): set-up, enrolment codes, desks and the server.
    #[command(subcommand)]
    Hub(hub::HubCommand),
    /// This desk's enrolment with the group's hub.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Show the desk's settings, or change them (each change is audited).
    Settings {
        /// Minutes without activity before the desk locks (1 to 120; default 10).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=120))]
        idle_lock_minutes: Option<u32>,
        /// The dealership's name, shown on screens and printouts.
        #[arg(long)]
        dealership_name: Option<String>,
        /// Set a usury cap: STATE=PERCENT (e.g. TX=18), or default=PERCENT for states without
        /// their own. Repeatable.
        #[arg(long, value_name = "STATE=PCT")]
        usury_cap: Vec<String>,
        /// Remove a state's usury cap (it then falls back to the default cap). Repeatable.
        #[arg(long, value_name = "STATE")]
        clear_usury_cap: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum StaffCommand {
    /// Add a staff member. Prints a generated first password once unless --password-stdin.
    Add {
        username: String,
        /// Full name as shown on screen.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List staff members.
    List,
    /// Disable an account (ends its sessions).
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Clear MFA so the person enrols again at next sign-in (lost phone).
    ResetMfa { username: String },
    /// Lift a lockout after failed sign-ins.
    Unlock { username: String },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Sales,
    FinanceManager,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Sales => Role::Sales,
            RoleArg::FinanceManager => Role::FinanceManager,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum CustomerCommand {
    /// Add a customer.
    Add(Box<CustomerArgs>),
    /// Search by name, phone, e-mail or the last 4 of the SSN.
    Find {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Show one customer (PII masked), or reveal one PII field (audited).
    Show {
        id: String,
        #[arg(long, value_enum)]
        reveal: Option<PiiField>,
    },
}

#[derive(Args, Debug)]
pub struct CustomerArgs {
    #[arg(long)]
    given: String,
    #[arg(long)]
    middle: Option<String>,
    #[arg(long)]
    family: String,
    #[arg(long)]
    suffix: Option<String>,
    /// Date of birth, MM/DD/YYYY or YYYY-MM-DD.
    #[arg(long)]
    dob: String,
    /// SSN or ITIN.
    #[arg(long)]
    ssn: String,
    #[arg(long)]
    licence: Option<String>,
    #[arg(long)]
    licence_state: Option<String>,
    #[arg(long)]
    phone: String,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    employer: Option<String>,
    #[arg(long)]
    job_title: Option<String>,
    /// Gross monthly income, e.g. 4250.00.
    #[arg(long)]
    income: String,
    #[arg(long)]
    line1: String,
    #[arg(long)]
    line2: Option<String>,
    #[arg(long)]
    city: String,
    #[arg(long)]
    state: String,
    #[arg(long)]
    zip: String,
    /// Date moved in, MM/DD/YYYY or YYYY-MM-DD.
    #[arg(long)]
    since: String,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 0 if intact, 6 naming the first broken entry.
    Verify,
    /// Export every entry, oldest first.
    Export {
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Write to a file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// A failure with its exit code: the exit code follows from the error's kind
/// (`ErrorKind::exit_code`, one table for every command), except 2 for wrong usage.
#[derive(Debug)]
pub struct CliError {
    pub exit: u8,
    /// The same message the desktop app shows.
    pub message: String,
    pub field: Option<String>,
    /// What the desktop app keeps for its log (storage and internal kinds): printed for the
    /// administrator on the line after the message.
    pub detail: Option<String>,
}

impl CliError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            exit: kind.exit_code(),
            message: message.into(),
            field: None,
            detail: None,
        }
    }

    fn at(kind: ErrorKind, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(kind, message)
        }
    }

    /// Wrong usage of the command (exit 2), as the argument parser reports its own.
    fn usage(field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            exit: EXIT_USAGE,
            message: message.into(),
            field: field.map(str::to_string),
            detail: None,
        }
    }

    /// The text form: the field first when the message does not already start with it.
    fn text(&self) -> String {
        let mut text = match &self.field {
            Some(f) if !self.message.starts_with(&format!("{f}:")) => {
                format!("{f}: {}", self.message)
            }
            _ => self.message.clone(),
        };
        if let Some(d) = &self.detail {
            text.push_str(&format!("\ndetails: {d}"));
        }
        text
    }
}

/// The exit code of wrong usage (unknown flag, missing argument), as clap uses it.
const EXIT_USAGE: u8 = 2;

/// Every classified error leaves the CLI the same way: the kind's exit code, the message the
/// desktop app shows, the field and (for storage and internal kinds) the details.
impl<E: Classified> From<E> for CliError {
    fn from(e: E) -> Self {
        let d = describe(&e);
        Self {
            exit: d.kind.exit_code(),
            message: d.message,
            field: d.field,
            detail: d.detail,
        }
    }
}

/// What a command prints: a JSON value (for `--json`) and its text form.
struct Output {
    json: serde_json::Value,
    text: String,
    exit: u8,
}

fn out(json: impl Serialize, text: impl Into<String>) -> Result<Output, CliError> {
    Ok(Output {
        json: serde_json::to_value(json)
            .map_err(|e| CliError::new(ErrorKind::Internal, e.to_string()))?,
        text: text.into(),
        exit: 0,
    })
}

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(output) => {
            if json {
                print_line(&output.json.to_string());
            } else if !output.text.is_empty() {
                print_line(&output.text);
            }
            ExitCode::from(output.exit)
        }
        Err(e) => {
            if json {
                print_line(
                    &json!({ "error": { "exit_code": e.exit, "message": e.message, "field": e.field, "detail": e.detail } })
                        .to_string(),
                );
            } else {
                eprintln!("error: {}", e.text());
            }
            ExitCode::from(e.exit)
        }
    }
}

/// Prints to stdout; a closed pipe (`dealerdesk ... | head`) is not an error worth a panic.
fn print_line(text: &str) {
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    let _ = writeln!(w, "{text}").and_then(|()| w.flush());
}

async fn run(cli: Cli) -> Result<Output, CliError> {
    let path = cli.db.clone().unwrap_or_else(default_db_path);
    let now = Utc::now();
    let today = Local::now().date_naive();
    let actor = Actor::cli();
    match cli.command {
        Command::Init => {
            let existed = path.exists();
            let store = Store::open(&path, OpenMode::CreateIfMissing).await?;
            let staff = auth::staff_count(&store).await?;
            let text = format!(
                "{} {}\nkey file: {} (keep it private and backed up: without it the PII cannot be read)\n{}",
                if existed { "database ready:" } else { "created database" },
                store.path().display(),
                store.key_path().display(),
                if staff == 0 {
                    "next: add the first admin with `dealerdesk staff add NAME --name \"Full Name\" --role admin`, or start the desktop app"
                } else {
                    ""
                }
            );
            let j = json!({ "database": store.path(), "key_file": store.key_path(), "created": !existed, "staff": staff });
            store.close().await;
            out(j, text.trim_end())
        }
        Command::Demo {
            seed,
            customers,
            pipeline_copies,
        } => {
            let store = Store::open(&path, OpenMode::CreateIfMissing).await?;
            let mut report = demo::fill(&store, seed, customers as usize, now, today).await?;
            report.applications += dealerdesk_services::application::demo::replicate_applications(
                &store,
                pipeline_copies,
                seed,
                now,
            )
            .await? as usize;
            let mut text = format!(
                "demo dealership \"Lakeside Motors\" created in {}: {} customers, {} vehicles, {} deals, {} credit applications.\nStaff passwords (shown only now; MFA is bypassed on this demo database):\n",
                store.path().display(),
                report.customers,
                report.vehicles,
                report.deals,
                report.applications
            );
            for s in &report.staff {
                text.push_str(&format!(
                    "  {:<14} {:<16} {:<16} {}\n",
                    s.username,
                    s.role.as_str(),
                    s.display_name,
                    s.password
                ));
            }
            store.close().await;
            out(&report, text.trim_end())
        }
        Command::Staff(cmd) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = staff(&store, &actor, cmd, now).await;
            store.close().await;
            result
        }
        Command::Customer(cmd) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = customer_cmd(&store, &actor, cmd, now, today).await;
            store.close().await;
            result
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let report = audit_log::verify(&store, &actor).await?;
            store.close().await;
            let text = match (&report.first_broken_seq, &report.reason) {
                (Some(seq), Some(reason)) => {
                    format!("audit chain BROKEN at entry #{seq}: {reason}")
                }
                _ => format!("audit chain intact: {} entries", report.entries),
            };
            let exit = if report.ok { 0 } else { 6 };
            let mut o = out(&report, text)?;
            o.exit = exit;
            Ok(o)
        }
        Command::Audit(AuditCommand::Export { format, output }) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let count = match &output {
                Some(file) => {
                    let f = std::fs::File::create(file).map_err(|e| {
                        CliError::new(
                            ErrorKind::Internal,
                            format!("cannot write {}: {e}", file.display()),
                        )
                    })?;
                    let mut w = std::io::BufWriter::new(f);
                    audit_log::export(&store, &actor, format, &mut w).await?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = stdout.lock();
                    let n = audit_log::export(&store, &actor, format, &mut w).await?;
                    w.flush()
                        .map_err(|e| CliError::new(ErrorKind::Internal, e.to_string()))?;
                    n
                }
            };
            store.close().await;
            // The entries themselves went to the output; the summary goes to stderr so stdout
            // stays a clean CSV/JSONL stream.
            eprintln!("exported {count} audit entries");
            Ok(Output {
                json: json!({ "exported": count }),
                text: String::new(),
                exit: 0,
            })
            .map(|o| {
                if output.is_none() {
                    Output {
                        json: serde_json::Value::Null,
                        ..o
                    }
                } else {
                    o
                }
            })
        }
        Command::Backup {
            path: dest,
            without_key,
        } => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let report = maintenance::backup(&store, &actor, &dest, without_key, now).await?;
            store.close().await;
            let text = format!(
                "backup written: {} ({} bytes){}",
                report.backup,
                report.bytes,
                report
                    .key_copy
                    .as_ref()
                    .map(|k| format!("\nkey copied to {k}: keep the two together and private"))
                    .unwrap_or_else(|| "\nthe key was NOT copied: the backup can only be restored with the current key".into())
            );
            out(&report, text)
        }
        Command::Restore { path: src } => {
            let report = maintenance::restore(&path, &src, now).await?;
            let text = format!(
                "restored {} ({} customers){}",
                report.restored_from,
                report.customers,
                report
                    .previous_saved_as
                    .as_ref()
                    .map(|p| format!("\nthe database it replaced was saved as {p}"))
                    .unwrap_or_default()
            );
            out(&report, text)
        }
        Command::Settings {
            idle_lock_minutes,
            dealership_name,
            usury_cap,
            clear_usury_cap,
        } => {
            let caps = deals::parse_caps(&usury_cap)?;
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = async {
                let report = settings::apply(
                    &store,
                    &actor,
                    idle_lock_minutes,
                    dealership_name.as_deref(),
                    now,
                )
                .await?;
                for (state, pct) in &caps {
                    dealerdesk_services::deal::set_usury_cap(&store, &actor, state, Some(pct), now)
                        .await?;
                }
                for state in &clear_usury_cap {
                    dealerdesk_services::deal::set_usury_cap(&store, &actor, state, None, now)
                        .await?;
                }
                let caps = dealerdesk_services::deal::usury_caps(&store).await?;
                Ok::<_, CliError>((report, caps))
            }
            .await;
            store.close().await;
            let (report, caps) = result?;
            let mut text = format!(
                "dealership name:   {}\nidle lock minutes: {}\nusury caps:        {}",
                report.dealership_name,
                report.idle_lock_minutes,
                if caps.is_empty() {
                    "none set (36% applies)".to_string()
                } else {
                    caps.iter()
                        .map(|c| {
                            format!(
                                "{}={}%",
                                if c.state == "*" { "default" } else { &c.state },
                                c.max_rate
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            text.truncate(text.trim_end().len());
            let mut j = serde_json::to_value(&report)
                .map_err(|e| CliError::new(ErrorKind::Internal, e.to_string()))?;
            j["usury_caps"] = json!(caps);
            out(j, text)
        }
        Command::Vehicle(cmd) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = deals::vehicle(&store, &actor, cmd, now).await;
            store.close().await;
            result
        }
        Command::Deal(cmd) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = deals::deal(&store, &actor, cmd, now).await;
            store.close().await;
            result
        }
        Command::Contract(cmd) => contracts::contract(&path, &actor, cmd, now).await,
        Command::Link(cmd) => links::link(&path, &actor, cmd, now).await,
        Command::Portal(cmd) => links::portal(&path, cmd).await,
        Command::Application(cmd) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = applications::application(&store, &actor, cmd, now).await;
            store.close().await;
            result
        }
        Command::Lender(cmd) => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let result = applications::lender(&store, &actor, cmd, now).await;
            store.close().await;
            result
        }
        Command::Vin(cmd) => finance::vin(cmd),
        Command::Quote(cmd) => finance::quote(cmd, today),
        Command::Apr => finance::apr(),
        Command::Identity(cmd) => identity::identity(&path, &actor, cmd, now, today).await,
        Command::Sanctions(cmd) => identity::sanctions(&path, &actor, cmd, now).await,
        Command::Hub(cmd) => hub::hub(cmd, now).await,
        Command::Sync(cmd) => sync::sync(&path, &actor, cmd, now).await,
        Command::Doctor => {
            let store = Store::open(&path, OpenMode::MustExist).await?;
            let report = maintenance::doctor(&store).await?;
            store.close().await;
            let text = format!(
                "database:      {}\nschema:        {} (this version knows {})\nintegrity:     {}\nkey file:      {} ({})\naudit chain:   {}\ndemo database: {}\ncustomers:     {}\nstaff:         {}\n{}",
                report.database,
                report.schema_version,
                report.supported_schema_version,
                if report.integrity.is_empty() { "ok".to_string() } else { report.integrity.join("; ") },
                report.key_file,
                if report.key_present { "present" } else { "MISSING" },
                if report.audit_chain.ok {
                    format!("intact ({} entries)", report.audit_chain.entries)
                } else {
                    format!("BROKEN: {}", report.audit_chain.reason.clone().unwrap_or_default())
                },
                if report.demo { "yes" } else { "no" },
                report.customers,
                report.staff,
                if report.ok { "all checks passed" } else { "PROBLEMS FOUND" }
            );
            let exit = if report.ok { 0 } else { 6 };
            let mut o = out(&report, text)?;
            o.exit = exit;
            Ok(o)
        }
    }
}

fn staff_text(s: &auth::StaffView) -> String {
    format!(
        "{:<16} {:<22} {:<16} mfa:{:<4} {}",
        s.username,
        s.display_name,
        s.role.as_str(),
        if s.mfa_enrolled { "yes" } else { "no" },
        if s.disabled {
            "disabled".to_string()
        } else if let Some(until) = &s.locked_until {
            format!("locked until {until}")
        } else {
            "active".to_string()
        }
    )
}

async fn staff(
    store: &Store,
    actor: &Actor,
    cmd: StaffCommand,
    now: chrono::DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        StaffCommand::Add {
            username,
            name,
            role,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                    CliError::new(
                        ErrorKind::Internal,
                        format!("could not read the password: {e}"),
                    )
                })?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (dealerdesk_store::crypto::random_token(12), true)
            };
            let input = NewStaff {
                username,
                display_name: name,
                role: role.into(),
                password: password.clone(),
            };
            let s = auth::create_staff(store, actor, &input, now).await?;
            let mut text = format!("added {}", staff_text(&s));
            let mut j = json!({ "staff": s });
            if generated {
                text.push_str(&format!("\nfirst password (shown only now): {password}\nMFA enrolment happens at first sign-in."));
                j["password"] = json!(password);
            }
            out(j, text)
        }
        StaffCommand::List => {
            let list = auth::list_staff(store, actor).await?;
            let text = list.iter().map(staff_text).collect::<Vec<_>>().join("\n");
            out(json!({ "staff": list }), text)
        }
        StaffCommand::Disable { username } => {
            let s = auth::set_disabled(store, actor, &username, true, now).await?;
            out(json!({ "staff": s }), format!("disabled {}", s.username))
        }
        StaffCommand::Enable { username } => {
            let s = auth::set_disabled(store, actor, &username, false, now).await?;
            out(json!({ "staff": s }), format!("enabled {}", s.username))
        }
        StaffCommand::ResetMfa { username } => {
            let s = auth::reset_mfa(store, actor, &username, now).await?;
            out(
                json!({ "staff": s }),
                format!(
                    "MFA reset for {}: they enrol again at next sign-in",
                    s.username
                ),
            )
        }
        StaffCommand::Unlock { username } => {
            let s = auth::unlock_staff(store, actor, &username, now).await?;
            out(json!({ "staff": s }), format!("unlocked {}", s.username))
        }
    }
}

async fn customer_cmd(
    store: &Store,
    actor: &Actor,
    cmd: CustomerCommand,
    now: chrono::DateTime<Utc>,
    today: chrono::NaiveDate,
) -> Result<Output, CliError> {
    match cmd {
        CustomerCommand::Add(a) => {
            let a = *a;
            let input = CustomerInput {
                given_name: a.given,
                middle_name: a.middle,
                family_name: a.family,
                suffix: a.suffix,
                dob: a.dob,
                ssn: a.ssn,
                licence_number: a.licence,
                licence_state: a.licence_state,
                phone: a.phone,
                email: a.email,
                employer: a.employer,
                job_title: a.job_title,
                monthly_income: a.income,
                address: AddressInput {
                    line1: a.line1,
                    line2: a.line2,
                    city: a.city,
                    state: a.state,
                    zip: a.zip,
                    since: a.since,
                },
                previous_address: None,
            };
            let c = customer::create(store, actor, &input, now, today).await?;
            let text = format!("added customer {} ({})", c.full_name, c.id);
            out(json!({ "customer": c }), text)
        }
        CustomerCommand::Find { query, limit } => {
            let found = customer::search(store, &query, limit).await?;
            let text = if found.is_empty() {
                "no customers found".to_string()
            } else {
                found
                    .iter()
                    .map(|c| {
                        format!(
                            "{}  {:<28} {:<15} {:<12} {}",
                            c.id,
                            c.full_name,
                            format_phone(&c.phone),
                            c.ssn_masked,
                            c.email.clone().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out(json!({ "customers": found }), text)
        }
        CustomerCommand::Show {
            id,
            reveal: Some(field),
        } => {
            let value =
                customer::reveal_pii(store, actor, &CustomerId::from(id.as_str()), field, now)
                    .await?;
            out(
                json!({ "id": id, "field": field, "value": value }),
                value.clone(),
            )
        }
        CustomerCommand::Show { id, reveal: None } => {
            let c = customer::get(store, actor, &CustomerId::from(id.as_str()), now, today).await?;
            let mut text = format!(
                "{}\n  id:        {}\n  born:      {} (age {})\n  SSN:       {}\n  licence:   {}\n  phone:     {}\n  e-mail:    {}\n  employer:  {} {}\n  income:    {} a month\n",
                c.full_name,
                c.id,
                c.dob_masked,
                c.age,
                c.ssn_masked,
                c.licence_masked.clone().map(|l| format!("{l} ({})", c.licence_state.clone().unwrap_or_default())).unwrap_or_else(|| "-".into()),
                format_phone(&c.phone),
                c.email.clone().unwrap_or_else(|| "-".into()),
                c.employer.clone().unwrap_or_else(|| "-".into()),
                c.job_title.clone().map(|t| format!("({t})")).unwrap_or_default(),
                dealerdesk_rules::money::Money::parse_user(&c.monthly_income).map(|m| m.to_string()).unwrap_or(c.monthly_income.clone()),
            );
            for a in &c.addresses {
                text.push_str(&format!(
                    "  {}: {}{}, {}, {} {} (since {}, {} months)\n",
                    if a.current { "address " } else { "previous" },
                    a.line1,
                    a.line2
                        .clone()
                        .map(|l| format!(", {l}"))
                        .unwrap_or_default(),
                    a.city,
                    a.state,
                    a.zip,
                    a.since,
                    a.months_at_address
                ));
            }
            out(json!({ "customer": c }), text.trim_end())
        }
    }
}

/// Ctrl-C, or SIGTERM from a service manager.
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
