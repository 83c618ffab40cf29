//! Stipulations: a lender's conditions as a checklist. Staff attach document files (PDF, JPEG or
//! PNG by their magic bytes, at most [`MAX_DOCUMENT_BYTES`], stored with their SHA-256), and a
//! finance manager clears each with a note. Aging counts whole days since the condition came.

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::ApplicationId;
use dealerdesk_store::known;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{age_days, invalid, ApplicationError, MAX_NOTE_CHARS};
use crate::auth::{Actor, Permission};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::repo::stipulation as repo;
use dealerdesk_store::{new_id, ts, Store, Write};

/// The largest document accepted: 10 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StipCode {
    ProofOfIncome,
    ProofOfResidence,
    ProofOfInsurance,
    References,
    LicenceCopy,
    BankStatement,
}

impl StipCode {
    pub const ALL: &'static [StipCode] = &[
        Self::ProofOfIncome,
        Self::ProofOfResidence,
        Self::ProofOfInsurance,
        Self::References,
        Self::LicenceCopy,
        Self::BankStatement,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProofOfIncome => "proof_of_income",
            Self::ProofOfResidence => "proof_of_residence",
            Self::ProofOfInsurance => "proof_of_insurance",
            Self::References => "references",
            Self::LicenceCopy => "licence_copy",
            Self::BankStatement => "bank_statement",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
    /// What the lender asks for, in the desk's words.
    pub fn description(self) -> &'static str {
        match self {
            Self::ProofOfIncome => {
                "Proof of income: pay stub no more than 30 days old, with year-to-date earnings"
            }
            Self::ProofOfResidence => {
                "Proof of residence: utility bill no more than 30 days old in the applicant's name"
            }
            Self::ProofOfInsurance => "Proof of insurance naming the lender as loss payee",
            Self::References => "Personal references: names and phone numbers, verified by phone",
            Self::LicenceCopy => "Copy of the driver's licence, front and back",
            Self::BankStatement => "Bank statement of the last 2 months",
        }
    }
    /// Whether clearing needs a document on file (references are verified by phone).
    pub fn needs_document(self) -> bool {
        !matches!(self, Self::References)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StipulationStatus {
    Open,
    /// A document is attached, not yet reviewed.
    Received,
    Cleared,
}

impl StipulationStatus {
    /// The value for its stored text; `None` for text this version does not know (read it
    /// with `dealerdesk_store::known`, which makes that a loud error, never a default).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(StipulationStatus::Open),
            "received" => Some(StipulationStatus::Received),
            "cleared" => Some(StipulationStatus::Cleared),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StipulationDocumentView {
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StipulationView {
    pub id: String,
    pub code: String,
    pub description: String,
    pub status: StipulationStatus,
    pub needs_document: bool,
    pub documents: Vec<StipulationDocumentView>,
    pub cleared_by: Option<String>,
    pub cleared_at: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
    /// Whole days open (until cleared).
    pub age_days: u32,
}

/// The media type of a file by its first bytes: PDF, JPEG or PNG, else `None`.
pub fn sniff_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Adds the stipulations of a decision (unknown codes are kept with their code as the text).
pub(crate) async fn create_tx(
    w: &mut Write<'_>,
    app_id: &ApplicationId,
    decision_id: Option<&str>,
    codes: &[String],
) -> Result<(), ApplicationError> {
    for code in codes {
        let description = StipCode::parse(code)
            .map(|c| c.description().to_string())
            .unwrap_or_else(|| code.clone());
        repo::insert(w, &new_id(), app_id, decision_id, code, &description).await?;
    }
    Ok(())
}

pub(crate) async fn list_tx(
    conn: &mut SqliteConnection,
    app_id: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<Vec<StipulationView>, ApplicationError> {
    let rows = repo::for_application(&mut *conn, app_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let docs = repo::documents(&mut *conn, &r.id)
            .await?
            .into_iter()
            .map(doc_view)
            .collect();
        let age = match &r.cleared_at {
            Some(c) => age_days(&r.created_at, dealerdesk_store::parse_ts(c)),
            None => age_days(&r.created_at, now),
        };
        out.push(StipulationView {
            id: r.id,
            needs_document: StipCode::parse(&r.code).is_none_or(StipCode::needs_document),
            code: r.code,
            description: r.description,
            status: known("stipulation status", &r.status, StipulationStatus::parse)?,
            documents: docs,
            cleared_by: r.cleared_by,
            cleared_at: r.cleared_at,
            note: r.clear_note,
            created_at: r.created_at,
            age_days: age,
        });
    }
    Ok(out)
}

fn doc_view(r: repo::DocumentRow) -> StipulationDocumentView {
    StipulationDocumentView {
        id: r.id,
        file_name: r.file_name,
        media_type: r.media_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        uploaded_by: r.uploaded_by,
        uploaded_at: r.created_at,
    }
}

async fn stip_row(
    conn: &mut SqliteConnection,
    stip_id: &str,
) -> Result<(String, String, StipulationStatus), ApplicationError> {
    let r = repo::head(conn, stip_id)
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "stipulation",
            id: stip_id.to_string(),
        })?;
    let status = known("stipulation status", &r.status, StipulationStatus::parse)?;
    Ok((r.application_id, r.code, status))
}

/// Attaches a document to an open stipulation. Refused, storing nothing: empty or over
/// [`MAX_DOCUMENT_BYTES`], not a PDF/JPEG/PNG by its bytes, a cleared stipulation.
pub async fn attach_document(
    store: &Store,
    actor: &Actor,
    stip_id: &str,
    file_name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<StipulationDocumentView, ApplicationError> {
    let name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "file_name",
            "name the file (at most 200 characters)",
        ));
    }
    if bytes.is_empty() {
        return Err(invalid("file", "the file is empty"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(invalid(
            "file",
            format!(
                "the file is {:.1} MiB; the limit is {} MiB",
                bytes.len() as f64 / 1_048_576.0,
                MAX_DOCUMENT_BYTES / 1_048_576
            ),
        ));
    }
    let media_type = sniff_media_type(bytes).ok_or_else(|| {
        invalid(
            "file",
            "only PDF, JPEG or PNG files are accepted (this file's content is none of them)",
        )
    })?;
    let mut w = store.write(now).await?;
    let (app_id, code, status) = stip_row(w.conn(), stip_id).await?;
    if status == StipulationStatus::Cleared {
        return Err(invalid(
            "stipulation",
            "this stipulation is already cleared",
        ));
    }
    let id = new_id();
    let sha = sha256_hex(bytes);
    let uploaded_by = actor.name();
    repo::attach(
        &mut w,
        &id,
        &repo::NewDocument {
            stipulation_id: stip_id,
            file_name: &name,
            media_type,
            sha256: &sha,
            content: bytes,
            uploaded_by: &uploaded_by,
        },
    )
    .await?;
    w.audit(
        AuditEvent::new(actor.name(), "stipulation.attach", AuditOutcome::Success)
            .subject(app_id)
            .detail(format!(
                "{code}: {media_type}, {} bytes, sha256 {sha}",
                bytes.len()
            )),
    );
    w.commit().await?;
    Ok(StipulationDocumentView {
        id,
        file_name: name,
        media_type: media_type.to_string(),
        size_bytes: bytes.len() as i64,
        sha256: sha,
        uploaded_by: actor.name(),
        uploaded_at: ts(now),
    })
}

/// A finance manager (or admin) clears a stipulation with a note; one that needs a document
/// must have one attached.
pub async fn clear_stipulation(
    store: &Store,
    actor: &Actor,
    stip_id: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<StipulationView, ApplicationError> {
    if !actor.may(Permission::ClearStipulations) {
        return Err(ApplicationError::Forbidden("clear stipulations"));
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(invalid("note", "write what was checked"));
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid(
            "note",
            format!("keep it under {MAX_NOTE_CHARS} characters"),
        ));
    }
    let mut w = store.write(now).await?;
    let (app_id, code, status) = stip_row(w.conn(), stip_id).await?;
    if status == StipulationStatus::Cleared {
        return Err(invalid(
            "stipulation",
            "this stipulation is already cleared",
        ));
    }
    if StipCode::parse(&code).is_none_or(StipCode::needs_document)
        && status != StipulationStatus::Received
    {
        return Err(invalid(
            "file",
            "attach the document before clearing this stipulation",
        ));
    }
    repo::clear(&mut w, stip_id, &actor.name(), note).await?;
    w.audit(
        AuditEvent::new(actor.name(), "stipulation.clear", AuditOutcome::Success)
            .subject(app_id.clone())
            .detail(code),
    );
    w.commit().await?;
    let mut conn = store.pool().acquire().await?;
    list_tx(&mut conn, &ApplicationId::from(app_id), now)
        .await?
        .into_iter()
        .find(|s| s.id == stip_id)
        .ok_or_else(|| ApplicationError::NotFound {
            what: "stipulation",
            id: stip_id.to_string(),
        })
}

/// One attached document with its bytes, for viewing or printing. Reading a customer's
/// documents is audited.
pub async fn document_content(
    store: &Store,
    actor: &Actor,
    document_id: &str,
    now: DateTime<Utc>,
) -> Result<(StipulationDocumentView, Vec<u8>), ApplicationError> {
    let r = repo::document_content(store, document_id)
        .await?
        .ok_or_else(|| ApplicationError::NotFound {
            what: "document",
            id: document_id.to_string(),
        })?;
    let bytes = r.content;
    let application_id = r.application_id;
    let view = StipulationDocumentView {
        id: r.id,
        file_name: r.file_name,
        media_type: r.media_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        uploaded_by: r.uploaded_by,
        uploaded_at: r.created_at,
    };
    if sha256_hex(&bytes) != view.sha256 {
        return Err(ApplicationError::Corrupt(format!(
            "document {document_id} does not match its SHA-256"
        )));
    }
    let event = AuditEvent::new(
        actor.name(),
        "stipulation.read_document",
        AuditOutcome::Success,
    )
    .subject(application_id)
    .detail(view.id.clone());
    audit::record(store, now, &event).await?;
    Ok((view, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_typed_by_their_bytes_not_their_names() {
        assert_eq!(sniff_media_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            sniff_media_type(&[0xFF, 0xD8, 0xFF, 0xE1]),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff_media_type(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
            Some("image/png")
        );
        assert_eq!(sniff_media_type(b"GIF89a"), None);
        assert_eq!(
            sniff_media_type(b"%PDF"),
            None,
            "a truncated header is not a PDF"
        );
        assert_eq!(sniff_media_type(&[0x89, b'P', b'N', b'G']), None);
        assert_eq!(sniff_media_type(b""), None);
    }

    #[test]
    fn every_code_round_trips_and_only_references_clear_without_a_document() {
        for c in StipCode::ALL {
            assert_eq!(StipCode::parse(c.as_str()), Some(*c));
            assert!(!c.description().is_empty());
            assert_eq!(c.needs_document(), *c != StipCode::References);
        }
    }
}
