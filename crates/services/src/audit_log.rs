//! Reading the audit log: listing, verifying the chain and exporting it are for admins (and the
//! desk's command-line operator), checked here for every caller. The log itself, its hash chain
//! and its storage are in the store (`dealerdesk_store::audit`).

use dealerdesk_store::audit::{
    self, AuditError, AuditFilter, AuditPage, AuditVerifyReport, ExportFormat,
};
use dealerdesk_store::Store;

use crate::auth::{Actor, Permission};

#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    #[error("only an admin may read the audit log")]
    Forbidden,
    #[error(transparent)]
    Audit(#[from] AuditError),
}

fn admin(actor: &Actor) -> Result<(), AuditLogError> {
    if actor.may(Permission::ReadAuditLog) {
        Ok(())
    } else {
        Err(AuditLogError::Forbidden)
    }
}

/// A page of entries, newest first, by the filter.
pub async fn list(
    store: &Store,
    actor: &Actor,
    filter: &AuditFilter,
) -> Result<AuditPage, AuditLogError> {
    admin(actor)?;
    Ok(audit::list(store.pool(), filter).await?)
}

/// Recomputes the whole chain and checks it against the sealed head.
pub async fn verify(store: &Store, actor: &Actor) -> Result<AuditVerifyReport, AuditLogError> {
    admin(actor)?;
    Ok(audit::verify(store).await?)
}

/// Streams every entry, oldest first, with the hashes that let the export be verified again.
pub async fn export(
    store: &Store,
    actor: &Actor,
    format: ExportFormat,
    out: &mut dyn std::io::Write,
) -> Result<u64, AuditLogError> {
    admin(actor)?;
    Ok(audit::export(store.pool(), format, out).await?)
}
