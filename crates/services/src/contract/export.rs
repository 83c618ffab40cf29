//! "Save as…": a contract, credit application or deal jacket written where the user chooses.
//!
//! What is saved is never the authoritative original: a contract or credit application is
//! saved as a recorded COPY ([`super::sign::copy_of`]: stamped COPY, signatures and certificate
//! once sealed), a deal jacket (already a copy) as its recorded bytes. Either way
//! `contract verify` recognises the file. The path is checked here (absolute, an existing
//! folder, a `.pdf` name) whatever the dialog returned; audited as `contract.save_as`.

use dealerdesk_rules::ids::DocumentId;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{document_pdf, get_document, sign, ContractError};
use crate::auth::Actor;
use crate::exports::{self, safe_file_name, SavedFile};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::Store;

/// The file name the save dialog proposes for a document.
pub async fn suggested_file_name(
    store: &Store,
    document_id: &DocumentId,
) -> Result<String, ContractError> {
    let r = get_document(store, document_id).await?;
    let what = match r.kind.as_str() {
        "deal_jacket" => "deal-jacket",
        "credit_application" => "credit-application",
        "lease" => "lease",
        _ => "contract",
    };
    let short: String = r
        .deal_id
        .as_str()
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(safe_file_name(&format!(
        "{what}-{short}-v{}{}.pdf",
        r.version,
        if r.kind == "deal_jacket" { "" } else { "-copy" }
    )))
}

/// Saves document `document_id` at `path` (chosen by the user): a recorded COPY of a contract or
/// credit application, or a jacket's recorded bytes. Any staff member (anyone may print a copy).
pub async fn save_document_as(
    store: &Store,
    actor: &Actor,
    document_id: &DocumentId,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<SavedFile, ContractError> {
    let target = exports::check_save_path(path).map_err(|e| ContractError::NotReady {
        field: "path",
        message: e.0,
    })?;
    let source = get_document(store, document_id).await?;
    let not_written = |e: std::io::Error| ContractError::NotReady {
        field: "path",
        message: format!("the file could not be written there: {e}"),
    };
    // The file is written first (beside its place) and moved into place once the copy is on
    // record: a failed write records nothing, and a failed record leaves no file.
    let (staged, saved_id) = if source.kind == "deal_jacket" {
        let bytes = document_pdf(store, &source.id).await?;
        let staged = exports::stage_at(&target, &bytes).map_err(not_written)?;
        (staged, source.id.clone())
    } else {
        let (copy, staged) = sign::copy_delivered(store, actor, &source.id, now, |bytes| {
            exports::stage_at(&target, bytes).map_err(not_written)
        })
        .await?;
        (staged, copy.record.id)
    };
    let saved = staged.finish().map_err(not_written)?;
    let event = AuditEvent::new(actor.name(), "contract.save_as", AuditOutcome::Success)
        .subject(format!("contract:{saved_id}"))
        .detail(format!(
            "{} of contract:{} saved as {} sha256:{}",
            if saved_id == source.id {
                "jacket"
            } else {
                "COPY"
            },
            source.id,
            saved.path,
            saved.sha256
        ));
    audit::record(store, now, &event).await?;
    Ok(saved)
}
