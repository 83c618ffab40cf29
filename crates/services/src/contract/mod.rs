//! Contracts: the retail installment sale contract or closed-end lease of a saved deal's option,
//! rendered only from the option's stored quote ([`render`]), stored as exact PDF bytes with
//! their SHA-256 and a version ([`render_for_deal`]), and proven later ([`verify`]: is this file
//! exactly a document on record, and is it signed?).
//!
//! Roles: the finance manager (or an admin) prints the original, authoritative contract; any
//! signed-in staff member may print a COPY. Every render is journaled and audited
//! (`contract.render`) in the same transaction as the stored document.
//!
//! A document's bytes never change: the schema refuses an update of the bytes or hash of any
//! document, and any change or deletion of a signed one. A change is a new version.

pub mod application_doc;
pub mod export;
pub mod jacket;
pub mod render;
pub mod sign;

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::{ApplicationId, CustomerId, DealId, DocumentId, VehicleId};
use dealerdesk_rules::names::full_name_of;
use dealerdesk_store::known;
use serde::Serialize;
use ts_rs::TS;

use crate::auth::{Actor, Permission};
use crate::deal::{self, canonical_json, DealError, OptionKind};
use dealerdesk_pdf::PdfError;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::read::contract as contract_read;
use dealerdesk_store::repo::contract_document::{self as doc_repo, DocumentRow, NewDocumentRow};
use dealerdesk_store::{new_id, ts, Store};

pub use render::{
    render, render_with, AppliedSignature, Certificate, CertificateEvent, ContractInput,
    ContractParty, ContractVehicle, FieldKind, FieldRect, RenderMode, Rendered, SignatureField,
    SignatureMark, Signer, HOLDER_NOTICE, REG_M_BOX_TITLE, TILA_BOX_TITLE,
};

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("this deal has no option {0}; choose one of its options (1 to 3)")]
    OptionMissing(u32),
    #[error(
        "the saved figures of this option no longer match their fingerprint (they were changed \
outside DealerDesk); save the deal again before printing a contract"
    )]
    QuoteTampered,
    #[error("the saved figures of this option cannot be read: {0}")]
    QuoteDamaged(String),
    #[error("your role cannot print the original contract; a finance manager or admin must (anyone may print a copy)")]
    Forbidden,
    #[error("this deal's contract {document_id} is already signed; it cannot be printed again as an original")]
    AlreadySigned { document_id: String },
    #[error("the contract has no signature field {0}")]
    UnknownField(String),
    #[error("{message}")]
    Signing {
        field: &'static str,
        message: String,
    },
    #[error("{message}")]
    NotReady {
        field: &'static str,
        message: String,
    },
    #[error("the contract could not be printed: {0}")]
    Pdf(#[from] PdfError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl ContractError {
    /// The input field at fault, for the desk to show the message next to it.
    pub fn field(&self) -> Option<&str> {
        match self {
            ContractError::NotFound { what: "deal", .. } => Some("deal_id"),
            ContractError::OptionMissing(_) => Some("option"),
            ContractError::UnknownField(_) => Some("signatures"),
            ContractError::Signing { field, .. } => Some(field),
            ContractError::NotReady { field, .. } => Some(field),
            ContractError::NotFound {
                what: "application",
                ..
            } => Some("application_id"),
            _ => None,
        }
    }
}

impl From<DealError> for ContractError {
    fn from(e: DealError) -> Self {
        match e {
            DealError::NotFound { what, id } => ContractError::NotFound { what, id },
            DealError::Database(d) => ContractError::Database(d),
            other => ContractError::QuoteDamaged(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Draft,
    Signing,
    Signed,
    Void,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Draft => "draft",
            DocumentStatus::Signing => "signing",
            DocumentStatus::Signed => "signed",
            DocumentStatus::Void => "void",
        }
    }
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(DocumentStatus::Draft),
            "signing" => Some(DocumentStatus::Signing),
            "signed" => Some(DocumentStatus::Signed),
            "void" => Some(DocumentStatus::Void),
            _ => None,
        }
    }
}

/// Where a new document row comes from: its deal and option (a contract) or application (a
/// credit application), its kind, and the hash of the quote, snapshot or manifest it was
/// rendered from.
pub(crate) struct Origin<'a> {
    pub deal_id: &'a str,
    pub option_id: Option<&'a str>,
    pub option_position: Option<u32>,
    pub application_id: Option<&'a str>,
    pub kind: &'a str,
    pub quote_sha256: &'a str,
}

impl<'a> Origin<'a> {
    /// The same origin as a stored document (a copy or a sealed version of it).
    pub fn of(r: &'a ContractRecord) -> Self {
        Self {
            deal_id: r.deal_id.as_str(),
            option_id: r.option_id.as_deref(),
            option_position: r.option_position,
            application_id: r.application_id.as_ref().map(|i| i.as_str()),
            kind: &r.kind,
            quote_sha256: &r.quote_sha256,
        }
    }
}

/// A rendered PDF's bytes, hash and page count.
pub(crate) struct Pdf<'a> {
    pub bytes: &'a [u8],
    pub sha256: &'a str,
    pub page_count: u32,
}

impl<'a> From<&'a Rendered> for Pdf<'a> {
    fn from(r: &'a Rendered) -> Self {
        Self {
            bytes: &r.bytes,
            sha256: &r.sha256,
            page_count: r.page_count,
        }
    }
}

/// A document row to record (see [`record_document`]).
pub(crate) struct NewDocument<'a> {
    pub id: &'a str,
    pub origin: Origin<'a>,
    pub version: i64,
    pub status: DocumentStatus,
    pub authoritative: bool,
    pub rendered: Pdf<'a>,
    pub fields_json: &'a str,
    pub input_json: &'a str,
    pub supersedes: Option<&'a str>,
    pub actor: &'a Actor,
    pub signed_at: Option<DateTime<Utc>>,
}

/// Records a document inside the caller's write transaction: its change-journal row and the
/// document row (contracts, credit applications, copies, sealed versions and jackets alike).
pub(crate) async fn record_document(
    conn: &mut sqlx::SqliteConnection,
    store: &Store,
    d: &NewDocument<'_>,
    now: DateTime<Utc>,
) -> Result<(), ContractError> {
    let signed_at = d.signed_at.map(ts);
    let row = NewDocumentRow {
        id: d.id,
        deal_id: d.origin.deal_id,
        option_id: d.origin.option_id,
        option_position: d.origin.option_position.map(i64::from),
        application_id: d.origin.application_id,
        kind: d.origin.kind,
        version: d.version,
        status: d.status.as_str(),
        authoritative: d.authoritative,
        quote_sha256: d.origin.quote_sha256,
        pdf: d.rendered.bytes,
        pdf_sha256: d.rendered.sha256,
        page_count: i64::from(d.rendered.page_count),
        fields_json: d.fields_json,
        input_json: d.input_json,
        supersedes_id: d.supersedes,
        rendered_by: &d.actor.name(),
        signed_at: signed_at.as_deref(),
    };
    doc_repo::insert(conn, store.device_id(), now, &row).await?;
    Ok(())
}

/// A stored contract document (without its bytes; see [`document_pdf`]).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ContractRecord {
    pub id: DocumentId,
    pub deal_id: DealId,
    /// The deal option a contract was printed from (contracts only).
    pub option_id: Option<String>,
    pub option_position: Option<u32>,
    /// The credit application a credit-application document was printed from.
    pub application_id: Option<ApplicationId>,
    /// "retail_installment", "lease", "credit_application" or "deal_jacket".
    pub kind: String,
    pub version: u32,
    pub status: DocumentStatus,
    /// The one original; copies are false.
    pub authoritative: bool,
    pub quote_sha256: String,
    pub sha256: String,
    pub page_count: u32,
    #[ts(type = "number")]
    pub byte_len: i64,
    pub fields: Vec<SignatureField>,
    pub rendered_by: String,
    pub signed_at: Option<String>,
    pub created_at: String,
}

/// A document just rendered: its record and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedDocument {
    pub record: ContractRecord,
    pub pdf: Vec<u8>,
}

/// What `verify` says about a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VerifyReport {
    /// The file's exact bytes are a document on record.
    pub on_record: bool,
    /// … and that document is signed.
    pub signed: bool,
    pub document_id: Option<DocumentId>,
    /// SHA-256 of the bytes given.
    pub sha256: String,
}

/// A file checked at the desk: what [`verify`] says and, when the file is on record, what the
/// document is in words (see [`describe`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FileCheck {
    #[serde(flatten)]
    #[ts(flatten)]
    pub report: VerifyReport,
    pub what: Option<String>,
}

/// [`verify`], with the document on record described.
pub async fn check_file(store: &Store, bytes: &[u8]) -> Result<FileCheck, ContractError> {
    let report = verify(store, bytes).await?;
    let what = match &report.document_id {
        Some(id) => Some(describe(&get_document(store, id).await?)),
        None => None,
    };
    Ok(FileCheck { report, what })
}

/// A stored document in words ("the signed retail installment contract, version 3", "the deal
/// jacket, version 1: a set of copies, never signed"), for what `verify` found.
fn describe(r: &ContractRecord) -> String {
    let (kind, version, authoritative) = (r.kind.as_str(), r.version, r.authoritative);
    let noun = match kind {
        "retail_installment" => "retail installment contract",
        "lease" => "lease",
        "credit_application" => "credit application",
        "deal_jacket" => "deal jacket",
        other => other,
    };
    if kind == "deal_jacket" {
        format!("the {noun}, version {version}: a set of copies, never signed")
    } else if r.status == DocumentStatus::Signed {
        format!("the signed {noun}, version {version}")
    } else if r.status == DocumentStatus::Void {
        // A draft that was signed, or replaced by a newer version.
        format!("a voided {noun}, version {version}, replaced by a later version")
    } else if !authoritative {
        format!("a COPY (version {version}) of a {noun}, not an original")
    } else {
        format!("the {noun}, version {version}, not signed")
    }
}

/// What a document in the ceremony is rendered from: a contract's input or a credit
/// application's snapshot. Stored as `input_json`; which one is told by the document's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentInput {
    Contract(Box<ContractInput>),
    Application(Box<application_doc::ApplicationDocInput>),
}

impl DocumentInput {
    /// The stored input of a document of `kind`.
    pub fn parse(kind: &str, json: &str) -> Result<Self, ContractError> {
        match kind {
            "retail_installment" | "lease" => serde_json::from_str(json)
                .map(|c| DocumentInput::Contract(Box::new(c)))
                .map_err(|e| ContractError::QuoteDamaged(e.to_string())),
            "credit_application" => serde_json::from_str(json)
                .map(|a| DocumentInput::Application(Box::new(a)))
                .map_err(|e| ContractError::QuoteDamaged(e.to_string())),
            other => Err(ContractError::QuoteDamaged(format!(
                "a {other} document is not rendered from an input"
            ))),
        }
    }

    pub fn to_json(&self) -> Result<String, ContractError> {
        match self {
            DocumentInput::Contract(c) => serde_json::to_string(c),
            DocumentInput::Application(a) => serde_json::to_string(a),
        }
        .map_err(|e| ContractError::QuoteDamaged(e.to_string()))
    }

    /// The same input for the document with id `id` (a sealed version, a copy).
    pub fn with_id(&self, id: &DocumentId) -> Self {
        match self {
            DocumentInput::Contract(c) => DocumentInput::Contract(Box::new(ContractInput {
                document_id: id.clone(),
                ..(**c).clone()
            })),
            DocumentInput::Application(a) => {
                DocumentInput::Application(Box::new(application_doc::ApplicationDocInput {
                    document_id: id.clone(),
                    ..(**a).clone()
                }))
            }
        }
    }

    /// Renders the document with the signatures given and, when sealed, its certificate.
    pub fn render(
        &self,
        mode: RenderMode,
        signatures: &[AppliedSignature],
        certificate: Option<&Certificate>,
    ) -> Result<Rendered, ContractError> {
        match self {
            DocumentInput::Contract(c) => render_with(c, mode, signatures, certificate),
            DocumentInput::Application(a) => {
                application_doc::render_application(a, mode, signatures, certificate)
            }
        }
    }

    /// How the document calls a signer ("buyer", "co-applicant" …).
    pub fn party_word(&self, s: Signer) -> &'static str {
        match (self, s) {
            (DocumentInput::Application(_), Signer::Buyer) => "applicant",
            (DocumentInput::Application(_), Signer::CoBuyer) => "co-applicant",
            (_, Signer::Buyer) => "buyer",
            (_, Signer::CoBuyer) => "co-buyer",
            (_, Signer::Dealer) => "dealer",
        }
    }

    /// "contract" or "credit application", for messages.
    pub fn noun(&self) -> &'static str {
        match self {
            DocumentInput::Contract(_) => "contract",
            DocumentInput::Application(_) => "credit application",
        }
    }
}

/// The parties, vehicle and stored quote of one option of a deal: the input of [`render`].
/// Refuses an option whose stored quote no longer hashes to its fingerprint.
pub async fn contract_input(
    store: &Store,
    deal_id: &DealId,
    option: Option<u32>,
    document_id: &DocumentId,
    contract_number: &str,
    now: DateTime<Utc>,
) -> Result<(ContractInput, deal::DealOptionView), ContractError> {
    let d = deal::get_deal(store, &DealId::from(deal_id.as_str().trim())).await?;
    let opt = match option {
        Some(n) => d.options.iter().find(|o| o.position == n),
        None => d
            .options
            .iter()
            .find(|o| o.selected)
            .or_else(|| d.options.first()),
    }
    .ok_or(ContractError::OptionMissing(option.unwrap_or(1)))?
    .clone();
    if !opt.quote_intact {
        return Err(ContractError::QuoteTampered);
    }
    // The document exactly as stored (the view parsed it; canonical form gives the same bytes,
    // which the fingerprint check above just proved).
    let quote_document = canonical_json(&opt.quote);
    if sha256_hex(quote_document.as_bytes()) != opt.quote_sha256 {
        return Err(ContractError::QuoteTampered);
    }
    let dealer = store.setting_text("dealership_name", "DealerDesk").await?;
    let buyer = party(store, &d.customer_id).await?;
    let co_id = contract_read::co_applicant_of_deal(store, &d.id).await?;
    let co_buyer = match co_id {
        Some(id) => Some(party(store, &CustomerId::from(id.as_str())).await?),
        None => None,
    };
    let vehicle = vehicle_of(store, &d.vehicle_id).await?;
    Ok((
        ContractInput {
            document_id: document_id.clone(),
            contract_number: contract_number.to_string(),
            created: now,
            dealer: ContractParty {
                name: dealer,
                address: Vec::new(),
            },
            buyer,
            co_buyer,
            vehicle,
            quote_document,
        },
        opt,
    ))
}

/// A vehicle as documents describe it.
pub(crate) async fn vehicle_of(
    store: &Store,
    vehicle_id: &VehicleId,
) -> Result<ContractVehicle, ContractError> {
    let v = dealerdesk_store::repo::vehicle::get_any(store, vehicle_id)
        .await?
        .ok_or_else(|| ContractError::NotFound {
            what: "vehicle",
            id: vehicle_id.to_string(),
        })?;
    Ok(ContractVehicle {
        year: v.model_year,
        make: v.make,
        model: v.model,
        trim: v.trim,
        vin: v.vin,
        condition: v.condition,
        odometer: v.mileage,
    })
}

pub(crate) async fn party(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<ContractParty, ContractError> {
    let row = contract_read::party(store, customer_id)
        .await?
        .ok_or_else(|| ContractError::NotFound {
            what: "customer",
            id: customer_id.to_string(),
        })?;
    let name = full_name_of(
        Some(&row.given_name),
        row.middle_name.as_deref(),
        Some(&row.family_name),
        row.suffix.as_deref(),
    );
    let mut address = Vec::new();
    if let Some(l1) = row.line1 {
        address.push(match row.line2.filter(|s| !s.trim().is_empty()) {
            Some(l2) => format!("{l1}, {l2}"),
            None => l1,
        });
        address.push(format!(
            "{}, {} {}",
            row.city.unwrap_or_default(),
            row.state.unwrap_or_default(),
            row.zip.unwrap_or_default()
        ));
    }
    Ok(ContractParty { name, address })
}

pub(crate) fn record_from(row: DocumentRow) -> Result<ContractRecord, ContractError> {
    let fields: Vec<SignatureField> = serde_json::from_str(&row.fields_json)
        .map_err(|e| ContractError::Database(sqlx::Error::Decode(Box::new(e))))?;
    Ok(ContractRecord {
        option_position: row.option_position.and_then(|p| u32::try_from(p).ok()),
        version: u32::try_from(row.version).unwrap_or(0),
        status: known("document status", &row.status, DocumentStatus::parse)?,
        authoritative: row.authoritative == 1,
        page_count: u32::try_from(row.page_count).unwrap_or(0),
        id: DocumentId::from(row.id),
        deal_id: row.deal_id.into(),
        option_id: row.option_id,
        application_id: row.application_id.map(ApplicationId::from),
        kind: row.kind,
        quote_sha256: row.quote_sha256,
        sha256: row.pdf_sha256,
        byte_len: row.byte_len,
        fields,
        rendered_by: row.rendered_by,
        signed_at: row.signed_at,
        created_at: row.created_at,
    })
}

/// Voids the original (`current`: its `id` and `status`) that a new version replaces, in `tx`,
/// and returns its id for the new version's `supersedes_id`. A signed original is never replaced.
pub(crate) async fn void_replaced(
    tx: &mut sqlx::SqliteConnection,
    store: &Store,
    current: (String, String),
    now: DateTime<Utc>,
) -> Result<String, ContractError> {
    let (old_id, status) = current;
    if status == "signed" {
        return Err(ContractError::AlreadySigned {
            document_id: old_id,
        });
    }
    doc_repo::set_status(
        tx,
        store.device_id(),
        now,
        &DocumentId::from(old_id.as_str()),
        DocumentStatus::Void.as_str(),
        false,
    )
    .await?;
    Ok(old_id)
}

/// Renders the contract of a deal's option (`option` is its position 1–3; default the selected
/// option) from its stored quote, stores the exact bytes as a new version and audits
/// `contract.render`, all in one transaction.
///
/// - [`RenderMode::Original`] (finance manager or admin) makes the one authoritative document:
///   an earlier unsigned original of the deal is voided; a signed one refuses
///   ([`ContractError::AlreadySigned`]).
/// - [`RenderMode::Copy`] (any staff) is stamped COPY on every page and is never authoritative.
#[tracing::instrument(skip_all, err)]
pub async fn render_for_deal(
    store: &Store,
    actor: &Actor,
    deal_id: &DealId,
    option: Option<u32>,
    mode: RenderMode,
    now: DateTime<Utc>,
) -> Result<RenderedDocument, ContractError> {
    if mode == RenderMode::Original && !actor.may(Permission::PrintOriginal) {
        let event = AuditEvent::new(actor.name(), "contract.render", AuditOutcome::Denied)
            .subject(format!("deal:{}", deal_id.as_str().trim()))
            .detail("original refused: role");
        audit::record(store, now, &event).await?;
        return Err(ContractError::Forbidden);
    }
    let id = new_id();
    // Read and rendered before the write transaction (rendering takes milliseconds); the
    // UNIQUE (deal_id, version) constraint refuses a concurrent render of the same version.
    let version = {
        let mut conn = store.pool().acquire().await?;
        doc_repo::next_version(&mut conn, &DealId::from(deal_id.as_str().trim())).await?
    };
    let number = format!(
        "{}-{version}",
        deal_id
            .as_str()
            .trim()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .skip(20)
            .take(12)
            .collect::<String>()
            .to_uppercase()
    );
    let (input, opt) = contract_input(
        store,
        deal_id,
        option,
        &DocumentId::from(id.as_str()),
        &number,
        now,
    )
    .await?;
    let rendered = render(&input, mode, &[])?;
    let mut w = store.write(now).await?;
    let mut superseded = None;
    if mode == RenderMode::Original {
        let current =
            doc_repo::authoritative_contract(w.conn(), &DealId::from(deal_id.as_str().trim()))
                .await?;
        if let Some(current) = current {
            superseded = Some(void_replaced(w.conn(), store, current, now).await?);
        }
    }
    let fields_json = serde_json::to_string(&rendered.fields)
        .map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    let input_json =
        serde_json::to_string(&input).map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    record_document(
        w.conn(),
        store,
        &NewDocument {
            id: &id,
            origin: Origin {
                deal_id: deal_id.as_str().trim(),
                option_id: Some(&opt.id),
                option_position: Some(opt.position),
                application_id: None,
                kind: rendered.kind,
                quote_sha256: &opt.quote_sha256,
            },
            version,
            status: DocumentStatus::Draft,
            authoritative: mode == RenderMode::Original,
            rendered: (&rendered).into(),
            fields_json: &fields_json,
            input_json: &input_json,
            supersedes: superseded.as_deref(),
            actor,
            signed_at: None,
        },
        now,
    )
    .await?;
    let kind = match opt.kind {
        OptionKind::Loan => "retail installment contract",
        OptionKind::Lease => "lease",
    };
    let event = AuditEvent::new(actor.name(), "contract.render", AuditOutcome::Success)
        .subject(format!("contract:{id}"))
        .detail(format!(
            "deal:{} option {} {kind} v{version} {} {} pages sha256:{} quote sha256:{}{}",
            deal_id.as_str().trim(),
            opt.position,
            mode.as_str(),
            rendered.page_count,
            rendered.sha256,
            opt.quote_sha256,
            superseded
                .as_deref()
                .map(|s| format!(" supersedes contract:{s}"))
                .unwrap_or_default()
        ));
    w.audit(event);
    w.commit().await?;
    let record = get_document(store, &DocumentId::from(id.as_str())).await?;
    Ok(RenderedDocument {
        record,
        pdf: rendered.bytes,
    })
}

/// One stored document's record.
pub async fn get_document(store: &Store, id: &DocumentId) -> Result<ContractRecord, ContractError> {
    let row = doc_repo::get(store, &DocumentId::from(id.as_str().trim()))
        .await?
        .ok_or_else(|| ContractError::NotFound {
            what: "contract",
            id: id.to_string(),
        })?;
    record_from(row)
}

/// A stored document's exact bytes.
pub async fn document_pdf(store: &Store, id: &DocumentId) -> Result<Vec<u8>, ContractError> {
    doc_repo::pdf(store, &DocumentId::from(id.as_str().trim()))
        .await?
        .ok_or_else(|| ContractError::NotFound {
            what: "contract",
            id: id.to_string(),
        })
}

/// Every document of a deal, newest version first.
pub async fn list_for_deal(
    store: &Store,
    deal_id: &DealId,
) -> Result<Vec<ContractRecord>, ContractError> {
    doc_repo::list_for_deal(store, &DealId::from(deal_id.as_str().trim()))
        .await?
        .into_iter()
        .map(record_from)
        .collect()
}

/// Whether `bytes` are exactly a contract document on record (their SHA-256 equals a stored
/// document's), and whether that document is signed. Changing any byte makes it not on record.
pub async fn verify(store: &Store, bytes: &[u8]) -> Result<VerifyReport, ContractError> {
    let sha256 = sha256_hex(bytes);
    let rows = doc_repo::by_sha256(store, &sha256).await?;
    for (id, status, pdf) in rows {
        // The hash index finds it; the stored bytes themselves must match too.
        if pdf == bytes {
            return Ok(VerifyReport {
                on_record: true,
                signed: status == "signed",
                document_id: Some(id.into()),
                sha256,
            });
        }
    }
    Ok(VerifyReport {
        on_record: false,
        signed: false,
        document_id: None,
        sha256,
    })
}
