//! The e-signature ceremony core (in store on the desk or a tablet; remote signing through a
//! link calls the same functions):
//!
//! 1. each consumer signer (buyer, co-buyer) receives the ESIGN Act §7001(c) consumer
//!    disclosure and consents, having shown they can open a PDF ([`esign_consent`]);
//! 2. every signature and initial field is signed in the order the contract lays them out,
//!    with explicit intent, by an adopted typed signature (or a drawn one, once images are
//!    drawn) ([`sign_field`]); the dealer's countersignature is the finance manager's;
//! 3. [`seal`] renders the signed contract with a certificate of completion page listing every
//!    event, stores it as a new, signed, immutable version (the draft is voided, never changed)
//!    and puts its SHA-256 in the audit chain.
//!
//! Every event records the signer, time, device, method, the staff member hosting the
//! ceremony, and the document's SHA-256 before and after. Rendering is deterministic, so each
//! intermediate document can be re-created from the stored input and the events, and its hash
//! checked.

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::DocumentId;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{
    get_document, record_document, record_from, AppliedSignature, Certificate, CertificateEvent,
    ContractError, ContractRecord, DocumentInput, DocumentStatus, NewDocument, Origin, RenderMode,
    Rendered, RenderedDocument, SignatureField, SignatureMark, Signer,
};
use crate::auth::{Actor, Permission};
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::repo::contract_document::{self as doc_repo, NewSigningEvent};
use dealerdesk_store::{new_id, ts, Store};

/// Version of the consumer disclosure below; a new wording gets a new version.
pub const ESIGN_DISCLOSURE_VERSION: &str = "esign-consumer-disclosure-2026-11";

/// The ESIGN Act §7001(c)(1) consumer disclosure shown before consent.
pub const ESIGN_DISCLOSURE: &str = "CONSENT TO ELECTRONIC RECORDS AND SIGNATURES. \
Before you agree, please read this. (1) Paper copy: you have the right to receive this contract \
and its disclosures on paper instead of electronically. Ask us and we will print them; paper \
copies are free of charge. (2) Withdrawing consent: you may withdraw your consent at any time \
before you sign by telling the finance manager, and afterwards by writing to the dealership; \
withdrawing consent does not affect the validity of anything already signed electronically, \
and after you withdraw we will give you any further documents on paper. (3) Scope: your consent \
applies only to this transaction: this contract, its federal disclosures and the notices given \
with it. (4) After you consent you may still request a paper copy of any electronic record, free \
of charge, by asking us in person, by phone or in writing; tell us in writing if your e-mail or \
mailing address changes. (5) Hardware and software: to access and keep these records you need \
a device with a current web browser or PDF reader able to open PDF files, and either a printer \
or storage to keep a copy. By consenting you confirm that you were able to open the sample PDF \
shown to you, which shows you can access the records in the form we will use.";

/// Version of [`ESIGN_APPLICATION_DISCLOSURE`].
pub const ESIGN_APPLICATION_DISCLOSURE_VERSION: &str =
    "esign-consumer-disclosure-credit-application-2026-11";

/// The same ESIGN Act §7001(c)(1) disclosure, worded for a credit application (the contract's
/// version speaks of "this contract and its federal disclosures").
pub const ESIGN_APPLICATION_DISCLOSURE: &str = "CONSENT TO ELECTRONIC RECORDS AND SIGNATURES. \
Before you agree, please read this. (1) Paper copy: you have the right to receive this credit \
application on paper instead of electronically. Ask us and we will print it; paper copies are \
free of charge. (2) Withdrawing consent: you may withdraw your consent at any time before you \
sign by telling the finance manager, and afterwards by writing to the dealership; withdrawing \
consent does not affect the validity of anything already signed electronically, and after you \
withdraw we will give you any further documents on paper. (3) Scope: your consent applies only \
to this credit application and the notices given with it. (4) After you consent you may still \
request a paper copy of any electronic record, free of charge, by asking us in person, by phone \
or in writing; tell us in writing if your e-mail or mailing address changes. (5) Hardware and \
software: to access and keep these records you need a device with a current web browser or PDF \
reader able to open PDF files, and either a printer or storage to keep a copy. By consenting you \
confirm that you were able to open the sample PDF shown to you, which shows you can access the \
records in the form we will use.";

/// The ESIGN disclosure (version, text) shown before consent to sign a document of `kind`.
pub fn disclosure(kind: &str) -> (&'static str, &'static str) {
    if kind == "credit_application" {
        (
            ESIGN_APPLICATION_DISCLOSURE_VERSION,
            ESIGN_APPLICATION_DISCLOSURE,
        )
    } else {
        (ESIGN_DISCLOSURE_VERSION, ESIGN_DISCLOSURE)
    }
}

/// What a signer confirms at each field.
pub const INTENT_STATEMENT: &str = "I intend to sign this contract with the signature I \
adopted here, and I agree that my electronic signature is the legal equivalent of my \
handwritten signature.";

/// What a signer confirms at each field of a credit application.
pub const APPLICATION_INTENT_STATEMENT: &str = "I intend to sign this credit application with \
the signature I adopted here, I certify that the information in it is true and complete, and I \
agree that my electronic signature is the legal equivalent of my handwritten signature.";

/// The intent statement shown at the fields of a document of `kind`.
pub fn intent_statement(kind: &str) -> &'static str {
    if kind == "credit_application" {
        APPLICATION_INTENT_STATEMENT
    } else {
        INTENT_STATEMENT
    }
}

/// Largest drawn-signature image accepted.
pub const MAX_SIGNATURE_PNG_BYTES: usize = 512 * 1024;

/// A consumer signer's consent to electronic records and signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "EsignConsentInput")]
pub struct ConsentInput {
    pub signer: Signer,
    /// The signer's name as they confirm it.
    pub signer_name: String,
    /// The device the ceremony runs on ("desk 2 tablet", a browser user agent …).
    pub device: String,
    /// They agreed to electronic records and signatures after reading the disclosure.
    pub agreed: bool,
    /// They opened the sample PDF (showing they can access the records).
    pub opened_pdf: bool,
}

/// One field signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInput {
    pub field_id: String,
    pub signer_name: String,
    pub mark: SignatureMark,
    /// The signer confirmed [`INTENT_STATEMENT`] at this field.
    pub intent_confirmed: bool,
    pub device: String,
}

/// One event of the ceremony.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SigningEvent {
    pub seq: u32,
    /// "consent", "sign" or "seal".
    pub kind: String,
    pub signer: Option<Signer>,
    pub signer_name: String,
    pub field_id: Option<String>,
    /// "esign_consent", "typed", "drawn" or "seal".
    pub method: String,
    pub device: String,
    pub actor: String,
    pub sha256_before: String,
    pub sha256_after: String,
    pub at: String,
}

/// Where a document's ceremony stands.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SigningStatus {
    pub document_id: DocumentId,
    /// "retail_installment", "lease" or "credit_application".
    pub kind: String,
    /// The intent statement the signer confirms at each field of this document.
    pub intent: String,
    /// The ESIGN disclosure shown before consent to sign this document, and its version.
    pub disclosure: String,
    pub disclosure_version: String,
    pub status: DocumentStatus,
    pub fields: Vec<SignatureField>,
    pub signed_fields: Vec<String>,
    /// The field to sign next (None when all are signed).
    pub next_field: Option<SignatureField>,
    pub consented: Vec<Signer>,
    pub events: Vec<SigningEvent>,
    /// SHA-256 of the document with the signatures given so far.
    pub working_sha256: String,
}

struct EventRow {
    view: SigningEvent,
    mark_text: Option<String>,
    mark_png: Option<Vec<u8>>,
}

struct Loaded {
    rec: ContractRecord,
    input: DocumentInput,
    events: Vec<EventRow>,
}

fn signing(field: &'static str, message: impl Into<String>) -> ContractError {
    ContractError::Signing {
        field,
        message: message.into(),
    }
}

fn parse_signer(s: &str) -> Option<Signer> {
    match s {
        "buyer" => Some(Signer::Buyer),
        "co_buyer" => Some(Signer::CoBuyer),
        "dealer" => Some(Signer::Dealer),
        _ => None,
    }
}

async fn load(
    conn: &mut SqliteConnection,
    document_id: &DocumentId,
) -> Result<Loaded, ContractError> {
    let (row, input_json) =
        doc_repo::get_with_input(&mut *conn, &DocumentId::from(document_id.as_str().trim()))
            .await?
            .ok_or_else(|| ContractError::NotFound {
                what: "contract",
                id: document_id.to_string(),
            })?;
    let rec = record_from(row)?;
    if rec.kind == "deal_jacket" {
        return Err(signing(
            "document_id",
            "a deal jacket is a printed COPY of the deal's documents; it is not signed or copied \
again (print the jacket again from the deal)",
        ));
    }
    let input = DocumentInput::parse(&rec.kind, &input_json)?;
    let events = doc_repo::signing_events(&mut *conn, &rec.id)
        .await?
        .into_iter()
        .map(|r| EventRow {
            view: SigningEvent {
                seq: u32::try_from(r.seq).unwrap_or(0),
                kind: r.kind,
                signer: r.signer.as_deref().and_then(parse_signer),
                signer_name: r.signer_name,
                field_id: r.field_id,
                method: r.method,
                device: r.device,
                actor: r.actor,
                sha256_before: r.sha256_before,
                sha256_after: r.sha256_after,
                at: r.at,
            },
            mark_text: r.mark_text,
            mark_png: r.mark_png,
        })
        .collect();
    Ok(Loaded { rec, input, events })
}

/// "2026-11-25 15:02 UTC", as printed under a signature.
fn signed_at_text(at: &str) -> String {
    match DateTime::parse_from_rfc3339(at) {
        Ok(t) => t
            .with_timezone(&Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => at.to_string(),
    }
}

impl Loaded {
    fn applied(&self) -> Vec<AppliedSignature> {
        self.events
            .iter()
            .filter(|e| e.view.kind == "sign")
            .filter_map(|e| {
                let mark = match (&e.mark_text, &e.mark_png) {
                    (_, Some(png)) => SignatureMark::Drawn { png: png.clone() },
                    (Some(name), None) => SignatureMark::Typed { name: name.clone() },
                    (None, None) => return None,
                };
                Some(AppliedSignature {
                    field_id: e.view.field_id.clone()?,
                    mark,
                    signed_at: signed_at_text(&e.view.at),
                })
            })
            .collect()
    }

    fn signed_fields(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.view.kind == "sign")
            .filter_map(|e| e.view.field_id.clone())
            .collect()
    }

    fn next_field(&self) -> Option<SignatureField> {
        let signed = self.signed_fields();
        self.rec
            .fields
            .iter()
            .find(|f| !signed.contains(&f.id))
            .cloned()
    }

    fn consented(&self) -> Vec<Signer> {
        self.events
            .iter()
            .filter(|e| e.view.kind == "consent")
            .filter_map(|e| e.view.signer)
            .collect()
    }

    /// The document with the signatures given so far: its bytes re-rendered from the stored
    /// input. With none given, it must be exactly the stored draft.
    fn working(&self) -> Result<(Vec<u8>, String), ContractError> {
        let r = self
            .input
            .render(RenderMode::Original, &self.applied(), None)?;
        if self.signed_fields().is_empty() && r.sha256 != self.rec.sha256 {
            return Err(ContractError::QuoteDamaged(format!(
                "the stored {} no longer re-renders to its recorded bytes",
                self.input.noun()
            )));
        }
        Ok((r.bytes, r.sha256))
    }

    fn status(&self, working_sha256: String) -> SigningStatus {
        SigningStatus {
            document_id: self.rec.id.clone(),
            kind: self.rec.kind.clone(),
            intent: intent_statement(&self.rec.kind).to_string(),
            disclosure: disclosure(&self.rec.kind).1.to_string(),
            disclosure_version: disclosure(&self.rec.kind).0.to_string(),
            status: self.rec.status,
            fields: self.rec.fields.clone(),
            signed_fields: self.signed_fields(),
            next_field: self.next_field(),
            consented: self.consented(),
            events: self.events.iter().map(|e| e.view.clone()).collect(),
            working_sha256,
        }
    }

    /// The certificate of completion of this (draft) document's ceremony.
    fn certificate(&self) -> Certificate {
        Certificate {
            draft_document_id: self.rec.id.clone(),
            draft_sha256: self.rec.sha256.clone(),
            disclosure: disclosure(&self.rec.kind).0.to_string(),
            events: self
                .events
                .iter()
                .filter_map(|e| {
                    Some(CertificateEvent {
                        seq: e.view.seq,
                        at: e.view.at.clone(),
                        kind: e.view.kind.clone(),
                        signer: e.view.signer?,
                        signer_name: e.view.signer_name.clone(),
                        method: e.view.method.clone(),
                        field_id: e.view.field_id.clone(),
                        device: e.view.device.clone(),
                        actor: e.view.actor.clone(),
                        sha256_before: e.view.sha256_before.clone(),
                        sha256_after: e.view.sha256_after.clone(),
                    })
                })
                .collect(),
        }
    }

    fn signable(&self) -> Result<(), ContractError> {
        if !self.rec.authoritative {
            return Err(signing(
                "document_id",
                "only the authoritative original is signed, not a copy",
            ));
        }
        match self.rec.status {
            DocumentStatus::Draft | DocumentStatus::Signing => Ok(()),
            DocumentStatus::Signed => Err(signing(
                "document_id",
                format!("this {} is already signed and sealed", self.input.noun()),
            )),
            DocumentStatus::Void => Err(signing(
                "document_id",
                format!(
                    "this {} was replaced by a newer version; sign the current one",
                    self.input.noun()
                ),
            )),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    store: &Store,
    conn: &mut SqliteConnection,
    l: &Loaded,
    kind: &str,
    signer: Option<Signer>,
    signer_name: &str,
    field_id: Option<&str>,
    method: &str,
    mark: Option<&SignatureMark>,
    statement: &str,
    statement_sha256: &str,
    device: &str,
    actor: &Actor,
    before: &str,
    after: &str,
    now: DateTime<Utc>,
) -> Result<(), ContractError> {
    let seq = l.events.len() as i64 + 1;
    let (mark_text, mark_png) = match mark {
        Some(SignatureMark::Typed { name }) => (Some(name.trim().to_string()), None),
        Some(SignatureMark::Drawn { png }) => (None, Some(png.clone())),
        None => (None, None),
    };
    let actor_name = actor.name();
    let event = NewSigningEvent {
        document_id: l.rec.id.as_str(),
        seq,
        kind,
        signer: signer.map(Signer::as_str),
        signer_name: signer_name.trim(),
        field_id,
        method,
        mark_text: mark_text.as_deref(),
        mark_png: mark_png.as_deref(),
        statement,
        statement_sha256,
        device: device.trim(),
        actor: &actor_name,
        sha256_before: before,
        sha256_after: after,
    };
    doc_repo::insert_signing_event(conn, store.device_id(), now, &event).await?;
    Ok(())
}

async fn set_status(
    store: &Store,
    conn: &mut SqliteConnection,
    id: &DocumentId,
    status: DocumentStatus,
    authoritative: bool,
    now: DateTime<Utc>,
) -> Result<(), ContractError> {
    doc_repo::set_status(
        conn,
        store.device_id(),
        now,
        id,
        status.as_str(),
        authoritative,
    )
    .await?;
    Ok(())
}

fn check_device_and_name(name: &str, device: &str) -> Result<(), ContractError> {
    if name.trim().is_empty() || name.chars().count() > 120 {
        return Err(signing(
            "signer_name",
            "enter the signer's full name (up to 120 characters)",
        ));
    }
    if device.trim().is_empty() || device.chars().count() > 300 {
        return Err(signing(
            "device",
            "name the device the signer uses (up to 300 characters)",
        ));
    }
    Ok(())
}

/// Where a document's ceremony stands: its fields, which are signed, the next one, consents,
/// events and the SHA-256 of the document as signed so far.
pub async fn signing_status(
    store: &Store,
    document_id: &DocumentId,
) -> Result<SigningStatus, ContractError> {
    let mut conn = store.pool().acquire().await?;
    let l = load(&mut conn, document_id).await?;
    let (_, sha) = l.working()?;
    Ok(l.status(sha))
}

/// The document with the signatures given so far (what the signer sees before the next field).
pub async fn working_pdf(
    store: &Store,
    document_id: &DocumentId,
) -> Result<Vec<u8>, ContractError> {
    let mut conn = store.pool().acquire().await?;
    let l = load(&mut conn, document_id).await?;
    Ok(l.working()?.0)
}

/// Records a consumer signer's consent to electronic records and signatures, after the ESIGN
/// disclosure ([`ESIGN_DISCLOSURE`]) and their opening a sample PDF. The document moves to
/// `signing`. Audited as `contract.consent`.
#[tracing::instrument(skip_all, err)]
pub async fn esign_consent(
    store: &Store,
    actor: &Actor,
    document_id: &DocumentId,
    input: &ConsentInput,
    now: DateTime<Utc>,
) -> Result<SigningStatus, ContractError> {
    check_device_and_name(&input.signer_name, &input.device)?;
    if input.signer == Signer::Dealer {
        return Err(signing(
            "signer",
            "the dealer does not give consumer consent; the finance manager countersigns",
        ));
    }
    if !input.agreed {
        return Err(signing(
            "agreed",
            "the signer did not agree to sign electronically; print the contract on paper instead",
        ));
    }
    if !input.opened_pdf {
        return Err(signing(
            "opened_pdf",
            "show the signer the sample PDF first: consent requires that they can open it",
        ));
    }
    let mut w = store.write(now).await?;
    let l = load(w.conn(), document_id).await?;
    l.signable()?;
    if !l.rec.fields.iter().any(|f| f.signer == input.signer) {
        return Err(signing(
            "signer",
            format!(
                "this {} has no {} to sign it",
                l.input.noun(),
                l.input.party_word(input.signer)
            ),
        ));
    }
    if l.consented().contains(&input.signer) {
        return Err(signing(
            "signer",
            format!(
                "the {} has already consented",
                l.input.party_word(input.signer)
            ),
        ));
    }
    let (_, sha) = l.working()?;
    let (version, text) = disclosure(&l.rec.kind);
    insert_event(
        store,
        w.conn(),
        &l,
        "consent",
        Some(input.signer),
        &input.signer_name,
        None,
        "esign_consent",
        None,
        version,
        &sha256_hex(text.as_bytes()),
        &input.device,
        actor,
        &sha,
        &sha,
        now,
    )
    .await?;
    if l.rec.status == DocumentStatus::Draft {
        set_status(
            store,
            w.conn(),
            &l.rec.id,
            DocumentStatus::Signing,
            true,
            now,
        )
        .await?;
    }
    let event = AuditEvent::new(actor.name(), "contract.consent", AuditOutcome::Success)
        .subject(format!("contract:{}", l.rec.id))
        .detail(format!(
            "{} consented ({version}) on {}; document sha256:{sha}",
            l.input.party_word(input.signer),
            input.device.trim()
        ));
    w.audit(event);
    let l = load(w.conn(), document_id).await?;
    w.commit().await?;
    Ok(l.status(sha))
}

/// Signs the next field with explicit intent. Fields are signed in the contract's order; a
/// consumer signs only after their consent; the dealer countersignature needs a finance manager
/// or admin. Records the document's SHA-256 before and after. Audited as `contract.sign`.
#[tracing::instrument(skip_all, err)]
pub async fn sign_field(
    store: &Store,
    actor: &Actor,
    document_id: &DocumentId,
    input: &SignInput,
    now: DateTime<Utc>,
) -> Result<SigningStatus, ContractError> {
    check_device_and_name(&input.signer_name, &input.device)?;
    if !input.intent_confirmed {
        return Err(signing(
            "intent_confirmed",
            "the signer must confirm they intend to sign at this field",
        ));
    }
    match &input.mark {
        SignatureMark::Typed { name } if name.trim().is_empty() => {
            return Err(signing("mark", "type the signature to adopt"))
        }
        SignatureMark::Drawn { png } if png.is_empty() || png.len() > MAX_SIGNATURE_PNG_BYTES => {
            return Err(signing(
                "mark",
                "draw the signature again (the image is empty or too large)",
            ))
        }
        _ => {}
    }
    let mut w = store.write(now).await?;
    let l = load(w.conn(), document_id).await?;
    l.signable()?;
    let next = l
        .next_field()
        .ok_or_else(|| signing("field_id", "every field is signed; seal the contract"))?;
    if input.field_id.trim() != next.id {
        return Err(signing(
            "field_id",
            format!(
                "sign the fields in order: next is {} ({})",
                next.id, next.label
            ),
        ));
    }
    match next.signer {
        Signer::Dealer => {
            if !actor.may(Permission::Countersign) {
                return Err(signing(
                    "field_id",
                    "the dealer countersignature is the finance manager's (or an admin's)",
                ));
            }
        }
        consumer => {
            if !l.consented().contains(&consumer) {
                return Err(signing(
                    "signer",
                    format!(
                        "the {} must consent to electronic signatures first",
                        l.input.party_word(consumer)
                    ),
                ));
            }
        }
    }
    let (_, before) = l.working()?;
    let mut applied = l.applied();
    applied.push(AppliedSignature {
        field_id: next.id.clone(),
        mark: input.mark.clone(),
        signed_at: signed_at_text(&ts(now)),
    });
    let after = l.input.render(RenderMode::Original, &applied, None)?.sha256;
    let intent = intent_statement(&l.rec.kind);
    let method = match input.mark {
        SignatureMark::Typed { .. } => "typed",
        SignatureMark::Drawn { .. } => "drawn",
    };
    insert_event(
        store,
        w.conn(),
        &l,
        "sign",
        Some(next.signer),
        &input.signer_name,
        Some(&next.id),
        method,
        Some(&input.mark),
        intent,
        &sha256_hex(intent.as_bytes()),
        &input.device,
        actor,
        &before,
        &after,
        now,
    )
    .await?;
    let event = AuditEvent::new(actor.name(), "contract.sign", AuditOutcome::Success)
        .subject(format!("contract:{}", l.rec.id))
        .detail(format!(
            "{} {} field {} ({method}) on {}; sha256 before:{before} after:{after}",
            l.input.party_word(next.signer),
            input.signer_name.trim(),
            next.id,
            input.device.trim()
        ));
    w.audit(event);
    let l = load(w.conn(), document_id).await?;
    w.commit().await?;
    Ok(l.status(after))
}

/// Seals a fully signed contract: renders it with every signature and a certificate of
/// completion page, stores it as a new signed, authoritative version (the draft is voided,
/// never changed), records the seal event and audits `contract.seal` with the sealed file's
/// SHA-256 (so the hash is in the audit chain). Finance manager or admin.
#[tracing::instrument(skip_all, err)]
pub async fn seal(
    store: &Store,
    actor: &Actor,
    document_id: &DocumentId,
    now: DateTime<Utc>,
) -> Result<RenderedDocument, ContractError> {
    if !actor.may(Permission::Countersign) {
        return Err(ContractError::Forbidden);
    }
    let mut w = store.write(now).await?;
    let l = load(w.conn(), document_id).await?;
    l.signable()?;
    if let Some(next) = l.next_field() {
        return Err(signing(
            "document_id",
            format!("not every field is signed yet: next is {}", next.label),
        ));
    }
    let (_, before) = l.working()?;
    let certificate = l.certificate();
    let id = DocumentId::from(new_id());
    let sealed_input = l.input.with_id(&id);
    let sealed = sealed_input.render(RenderMode::Original, &l.applied(), Some(&certificate))?;
    let version = doc_repo::next_version(w.conn(), &l.rec.deal_id).await?;
    insert_event(
        store,
        w.conn(),
        &l,
        "seal",
        None,
        &actor.name(),
        None,
        "seal",
        None,
        &format!("sealed as contract:{id}"),
        &sha256_hex(id.as_str().as_bytes()),
        "desk",
        actor,
        &before,
        &sealed.sha256,
        now,
    )
    .await?;
    set_status(store, w.conn(), &l.rec.id, DocumentStatus::Void, false, now).await?;
    let fields_json = serde_json::to_string(&sealed.fields)
        .map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    let input_json = sealed_input.to_json()?;
    record_document(
        w.conn(),
        store,
        &NewDocument {
            id: id.as_str(),
            origin: Origin::of(&l.rec),
            version,
            status: DocumentStatus::Signed,
            authoritative: true,
            rendered: (&sealed).into(),
            fields_json: &fields_json,
            input_json: &input_json,
            supersedes: Some(l.rec.id.as_str()),
            actor,
            signed_at: Some(now),
        },
        now,
    )
    .await?;
    let event = AuditEvent::new(actor.name(), "contract.seal", AuditOutcome::Success)
        .subject(format!("contract:{id}"))
        .detail(format!(
            "deal:{} {} v{version} signed and sealed from contract:{} ({} events, {} pages) sha256:{}",
            l.rec.deal_id,
            l.rec.kind,
            l.rec.id,
            certificate.events.len(),
            sealed.page_count,
            sealed.sha256
        ));
    w.audit(event);
    w.commit().await?;
    let record = get_document(store, &DocumentId::from(id.as_str())).await?;
    Ok(RenderedDocument {
        record,
        pdf: sealed.bytes,
    })
}

/// A printed or exported copy of a stored document, stamped COPY on every page: of a sealed
/// contract with its signatures and certificate, of a document being signed with the
/// signatures so far. The copy is recorded (never authoritative, never signed) so `verify`
/// recognises it, and audited as `contract.copy`. Any staff member.
#[tracing::instrument(skip_all, err)]
pub async fn copy_of(
    store: &Store,
    actor: &Actor,
    document_id: &DocumentId,
    now: DateTime<Utc>,
) -> Result<RenderedDocument, ContractError> {
    Ok(copy_delivered(store, actor, document_id, now, |_| Ok(()))
        .await?
        .0)
}

/// [`copy_of`], with `deliver` given the copy's bytes inside the transaction that records it,
/// before the commit: when it fails, the copy is not recorded (a "Save as…" that could not
/// write the file leaves no copy on record).
pub(crate) async fn copy_delivered<T>(
    store: &Store,
    actor: &Actor,
    document_id: &DocumentId,
    now: DateTime<Utc>,
    deliver: impl FnOnce(&[u8]) -> Result<T, ContractError>,
) -> Result<(RenderedDocument, T), ContractError> {
    let id = DocumentId::from(new_id());
    let (source, input, copy) = render_copy(store, document_id, &id).await?;
    let input_json = input.to_json()?;
    let mut w = store.write(now).await?;
    let version = doc_repo::next_version(w.conn(), &source.deal_id).await?;
    let fields_json = serde_json::to_string(&copy.fields)
        .map_err(|e| ContractError::QuoteDamaged(e.to_string()))?;
    record_document(
        w.conn(),
        store,
        &NewDocument {
            id: id.as_str(),
            origin: Origin::of(&source),
            version,
            status: DocumentStatus::Draft,
            authoritative: false,
            rendered: (&copy).into(),
            fields_json: &fields_json,
            input_json: &input_json,
            supersedes: None,
            actor,
            signed_at: None,
        },
        now,
    )
    .await?;
    let event = AuditEvent::new(actor.name(), "contract.copy", AuditOutcome::Success)
        .subject(format!("contract:{id}"))
        .detail(format!(
            "COPY of contract:{} ({} {}) v{version} sha256:{}",
            source.id,
            source.kind,
            source.status.as_str(),
            copy.sha256
        ));
    w.audit(event);
    let delivered = deliver(&copy.bytes)?;
    w.commit().await?;
    let record = get_document(store, &DocumentId::from(id.as_str())).await?;
    Ok((
        RenderedDocument {
            record,
            pdf: copy.bytes,
        },
        delivered,
    ))
}

/// A COPY of a stored document rendered (not recorded) as document `copy_id`: a sealed
/// document with its signatures and certificate, a document being signed with the signatures
/// so far. Returns the source's record, the copy's input and the rendered copy. The deal jacket uses it for its
/// parts; [`copy_of`] records it.
pub(crate) async fn render_copy(
    store: &Store,
    document_id: &DocumentId,
    copy_id: &DocumentId,
) -> Result<(ContractRecord, DocumentInput, Rendered), ContractError> {
    let mut conn = store.pool().acquire().await?;
    let source = load(&mut conn, document_id).await?;
    // A sealed document's signatures and events belong to the draft it was sealed from.
    let (signed_from, certificate) = if source.rec.status == DocumentStatus::Signed {
        let draft_id = doc_repo::supersedes_of(&mut conn, &source.rec.id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        let draft_id = draft_id.ok_or_else(|| {
            ContractError::QuoteDamaged("the signed document does not name its draft".into())
        })?;
        let draft = load(&mut conn, &DocumentId::from(draft_id.as_str())).await?;
        let cert = draft.certificate();
        (draft, Some(cert))
    } else {
        (load(&mut conn, document_id).await?, None)
    };
    drop(conn);
    let input = source.input.with_id(copy_id);
    let copy = input.render(
        RenderMode::Copy,
        &signed_from.applied(),
        certificate.as_ref(),
    )?;
    Ok((source.rec, input, copy))
}

/// The words the ceremony shows, so the screen never holds its own copy of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CeremonyTexts {
    pub disclosure: String,
    pub disclosure_version: String,
    pub intent: String,
    /// Largest drawn signature accepted, bytes.
    #[ts(type = "number")]
    pub max_signature_png_bytes: u64,
}

pub fn ceremony_texts() -> CeremonyTexts {
    CeremonyTexts {
        disclosure: ESIGN_DISCLOSURE.into(),
        disclosure_version: ESIGN_DISCLOSURE_VERSION.into(),
        intent: INTENT_STATEMENT.into(),
        max_signature_png_bytes: u64::try_from(MAX_SIGNATURE_PNG_BYTES).unwrap_or(u64::MAX),
    }
}
