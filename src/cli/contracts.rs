//! `dealerdesk contract render|verify`: print a deal's contract from its stored quote to a PDF
//! file, and tell whether a PDF file is exactly a contract document on record.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::Subcommand;
use dealerdesk_rules::ids::{ApplicationId, DealId};
use serde_json::json;

use super::{out, CliError, ErrorKind, Output};
use dealerdesk_services::auth::Actor;
use dealerdesk_services::contract::sign::{self, ConsentInput, SignInput, SigningStatus};
use dealerdesk_services::contract::{self, RenderMode, SignatureMark, Signer};
use dealerdesk_store::{OpenMode, Store};

#[derive(Subcommand, Debug)]
pub enum ContractCommand {
    /// Render the contract of a saved deal (retail installment contract for a loan option,
    /// lease for a lease option) from its stored quote, record it, and write the PDF.
    Render {
        #[arg(long)]
        deal: String,
        /// The option's position, 1 to 3 (default: the selected option).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3))]
        option: Option<u32>,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// A copy stamped COPY on every page, instead of the one authoritative original.
        #[arg(long)]
        copy: bool,
    },
    /// Whether FILE is exactly a contract document on record, and whether it is signed
    /// (exit 6 when it is not on record).
    Verify {
        #[arg(value_name = "FILE.pdf")]
        file: PathBuf,
    },
    /// A deal's contract documents, newest version first.
    List {
        #[arg(long)]
        deal: String,
    },
    /// Where a document's signing stands: fields, the next one, consents, events.
    Status { document: String },
    /// Record a consumer signer's ESIGN consent (after they read the disclosure and opened a
    /// sample PDF).
    Consent {
        document: String,
        /// Who consents (on a credit application: buyer = the applicant, co-buyer = the
        /// co-applicant).
        #[arg(long, value_enum)]
        signer: Signer,
        /// The signer's full name.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "dealerdesk cli")]
        device: String,
        /// The signer agreed to electronic records and signatures.
        #[arg(long)]
        agree: bool,
        /// The signer opened the sample PDF.
        #[arg(long)]
        opened_pdf: bool,
    },
    /// Sign the next field, with the signer's explicit intent: a typed signature or a PNG.
    Sign {
        document: String,
        #[arg(long)]
        field: String,
        /// The signer's full name.
        #[arg(long)]
        name: String,
        /// The signature to adopt, as typed (default: the name).
        #[arg(long, conflicts_with = "png")]
        typed: Option<String>,
        /// A drawn signature as a PNG file.
        #[arg(long, value_name = "FILE.png")]
        png: Option<PathBuf>,
        /// The signer confirmed they intend to sign here.
        #[arg(long)]
        intent: bool,
        #[arg(long, default_value = "dealerdesk cli")]
        device: String,
    },
    /// Write a COPY of a stored document (stamped COPY on every page; a signed contract's copy
    /// keeps its signatures and certificate). The copy is recorded, never authoritative.
    Copy {
        document: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
    /// Render a credit application (applicant, history, income, debts, references, vehicle,
    /// deal structure and the recorded credit-report consent) as a document to sign through
    /// the ceremony, record it, and write the PDF.
    RenderApplication {
        #[arg(long)]
        application: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// A copy stamped COPY on every page, instead of the authoritative original.
        #[arg(long)]
        copy: bool,
    },
    /// Print the deal jacket: a cover with the contents, the contract (signed and sealed when
    /// it is, with its certificate), the credit application and the disclosures on record, as
    /// one PDF stamped COPY and recorded as a copy.
    Jacket {
        #[arg(long)]
        deal: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
    /// Seal a fully signed document (certificate of completion appended) and write the signed PDF.
    Seal {
        document: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| {
        CliError::at(
            ErrorKind::Internal,
            "out",
            format!("could not write {}: {e}", path.display()),
        )
    })
}

/// `contract ...`.
pub async fn contract(
    path: &Path,
    actor: &Actor,
    cmd: ContractCommand,
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
    cmd: ContractCommand,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    match cmd {
        ContractCommand::Render {
            deal,
            option,
            out: file,
            copy,
        } => {
            let mode = if copy {
                RenderMode::Copy
            } else {
                RenderMode::Original
            };
            let doc = contract::render_for_deal(
                store,
                actor,
                &DealId::from(deal.as_str()),
                option,
                mode,
                now,
            )
            .await?;
            write_file(&file, &doc.pdf)?;
            let r = &doc.record;
            let text = format!(
                "wrote {} ({}, {} pages, {} bytes)\n  contract {} version {} of deal {} option {}{}\n  sha256 {}",
                file.display(),
                if r.kind == "lease" {
                    "closed-end lease"
                } else {
                    "retail installment sale contract"
                },
                r.page_count,
                r.byte_len,
                r.id,
                r.version,
                r.deal_id,
                r.option_position.unwrap_or(0),
                if r.authoritative {
                    ", the authoritative original"
                } else {
                    ", a COPY"
                },
                r.sha256
            );
            out(json!({ "contract": r, "file": file }), text)
        }
        ContractCommand::Verify { file } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                CliError::at(
                    ErrorKind::NotFound,
                    "file",
                    format!("could not read {}: {e}", file.display()),
                )
            })?;
            let check = contract::check_file(store, &bytes).await?;
            let report = check.report;
            let text = match (&report.document_id, &check.what) {
                (Some(id), Some(what)) => format!(
                    "{}: on record, exactly (document {id}): {what}\n  sha256 {}",
                    file.display(),
                    report.sha256
                ),
                _ => format!(
                    "{}: NOT on record: no contract document has exactly these bytes\n  sha256 {}",
                    file.display(),
                    report.sha256
                ),
            };
            let mut o = out(&report, text)?;
            if !report.on_record {
                o.exit = 6;
            }
            Ok(o)
        }
        ContractCommand::List { deal } => {
            let docs = contract::list_for_deal(store, &DealId::from(deal.as_str())).await?;
            let text = docs
                .iter()
                .map(|r| {
                    format!(
                        "{}  v{:<3} {:<18} {:<7} {:<9} {:<8}  {} pages  sha256 {}",
                        r.id,
                        r.version,
                        r.kind,
                        r.status.as_str(),
                        if r.authoritative { "original" } else { "copy" },
                        r.option_position
                            .map(|p| format!("option {p}"))
                            .unwrap_or_default(),
                        r.page_count,
                        &r.sha256[..16.min(r.sha256.len())]
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let text = if text.is_empty() {
                "no contract documents for this deal".to_string()
            } else {
                text
            };
            out(json!({ "contracts": docs }), text)
        }
        ContractCommand::Status { document } => {
            let st = sign::signing_status(
                store,
                &dealerdesk_rules::ids::DocumentId::from(document.as_str()),
            )
            .await?;
            let text = status_text(&st);
            out(json!({ "signing": st }), text)
        }
        ContractCommand::Consent {
            document,
            signer,
            name,
            device,
            agree,
            opened_pdf,
        } => {
            let st = sign::esign_consent(
                store,
                actor,
                &dealerdesk_rules::ids::DocumentId::from(document.as_str()),
                &ConsentInput {
                    signer,
                    signer_name: name,
                    device,
                    agreed: agree,
                    opened_pdf,
                },
                now,
            )
            .await?;
            let text = status_text(&st);
            out(json!({ "signing": st }), text)
        }
        ContractCommand::Sign {
            document,
            field,
            name,
            typed,
            png,
            intent,
            device,
        } => {
            let mark = match png {
                Some(p) => SignatureMark::Drawn {
                    png: std::fs::read(&p).map_err(|e| {
                        CliError::at(
                            ErrorKind::NotFound,
                            "png",
                            format!("could not read {}: {e}", p.display()),
                        )
                    })?,
                },
                None => SignatureMark::Typed {
                    name: typed.unwrap_or_else(|| name.clone()),
                },
            };
            let st = sign::sign_field(
                store,
                actor,
                &dealerdesk_rules::ids::DocumentId::from(document.as_str()),
                &SignInput {
                    field_id: field,
                    signer_name: name,
                    mark,
                    intent_confirmed: intent,
                    device,
                },
                now,
            )
            .await?;
            let text = status_text(&st);
            out(json!({ "signing": st }), text)
        }
        ContractCommand::Copy {
            document,
            out: file,
        } => {
            let doc = sign::copy_of(
                store,
                actor,
                &dealerdesk_rules::ids::DocumentId::from(document.as_str()),
                now,
            )
            .await?;
            write_file(&file, &doc.pdf)?;
            let r = &doc.record;
            let text = format!(
                "wrote a COPY of {document} to {} (recorded as {}, {} pages)\n  sha256 {}",
                file.display(),
                r.id,
                r.page_count,
                r.sha256
            );
            out(json!({ "contract": r, "file": file }), text)
        }
        ContractCommand::RenderApplication {
            application,
            out: file,
            copy,
        } => {
            let mode = if copy {
                RenderMode::Copy
            } else {
                RenderMode::Original
            };
            let doc = contract::application_doc::render_for_application(
                store,
                actor,
                &ApplicationId::from(application.as_str()),
                mode,
                now,
            )
            .await?;
            write_file(&file, &doc.pdf)?;
            let r = &doc.record;
            let text = format!(
                "wrote {} (credit application, {} pages, {} bytes)\n  document {} version {} of deal {}{}\n  sha256 {}\n  sign it with `contract consent|sign|seal {}`",
                file.display(),
                r.page_count,
                r.byte_len,
                r.id,
                r.version,
                r.deal_id,
                if r.authoritative {
                    ", the authoritative original"
                } else {
                    ", a COPY"
                },
                r.sha256,
                r.id
            );
            out(json!({ "contract": r, "file": file }), text)
        }
        ContractCommand::Jacket { deal, out: file } => {
            let j =
                contract::jacket::jacket_for_deal(store, actor, &DealId::from(deal.as_str()), now)
                    .await?;
            write_file(&file, &j.pdf)?;
            let mut text = format!(
                "wrote {} (deal jacket {}, a COPY, {} pages)\n",
                file.display(),
                j.record.id,
                j.record.page_count
            );
            for p in &j.parts {
                text.push_str(&format!(
                    "  p{:<3} {} ({} pages)\n",
                    p.first_page, p.title, p.page_count
                ));
            }
            for m in &j.missing {
                text.push_str(&format!("  missing: {}: {}\n", m.title, m.reason));
            }
            text.push_str(&format!("  sha256 {}", j.record.sha256));
            out(json!({ "jacket": j.report(), "file": file }), text)
        }
        ContractCommand::Seal {
            document,
            out: file,
        } => {
            let doc = sign::seal(
                store,
                actor,
                &dealerdesk_rules::ids::DocumentId::from(document.as_str()),
                now,
            )
            .await?;
            write_file(&file, &doc.pdf)?;
            let r = &doc.record;
            let text = format!(
                "sealed: wrote {} (signed contract {} version {}, {} pages with the certificate of completion)\n  sha256 {}",
                file.display(),
                r.id,
                r.version,
                r.page_count,
                r.sha256
            );
            out(json!({ "contract": r, "file": file }), text)
        }
    }
}

fn status_text(st: &SigningStatus) -> String {
    let mut text = format!(
        "{} {}  {}\n",
        if st.kind == "credit_application" {
            "credit application"
        } else {
            "contract"
        },
        st.document_id,
        st.status.as_str()
    );
    for f in &st.fields {
        text.push_str(&format!(
            "  [{}] {:<20} page {}  {}\n",
            if st.signed_fields.contains(&f.id) {
                "x"
            } else {
                " "
            },
            f.id,
            f.page,
            f.label
        ));
    }
    text.push_str(&match &st.next_field {
        Some(f) => format!("next: {} ({})", f.id, f.label),
        None => "every field is signed: seal it with `contract seal`".to_string(),
    });
    text.push_str(&format!("\nworking sha256 {}", st.working_sha256));
    text
}
