//! The customer's side after a redemption: the portal session and what each purpose lets the
//! customer do (create a portal login with TOTP, confirm or correct contact details, upload
//! documents), and the staff side of their results (approve a correction, list documents).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use dealerdesk_rules::ids::CustomerId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{invalid, require_staff, token_hash, LinkError, LinkPurpose};
use crate::auth::{check_policy, enrolment_for, hash_password, Actor, MfaEnrolment, Totp};
use crate::customer::{self, validate, AddressInput, CustomerUpdate};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::read::links as read;
use dealerdesk_store::repo::{contact_change, link_document, portal};
use dealerdesk_store::{new_id, parse_ts, ts, Store};

/// The largest document a customer may upload (8 MiB).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Documents one portal session may upload.
const MAX_UPLOADS_PER_SESSION: i64 = 20;

/// A live portal session (the customer passed the knowledge check).
#[derive(Debug, Clone, PartialEq)]
pub struct PortalSession {
    pub id: String,
    pub link_id: String,
    pub customer_id: CustomerId,
    pub purpose: LinkPurpose,
    /// `password`, `totp`, `contact`, `upload`, `signing` or `done`.
    pub stage: String,
}

pub(crate) fn first_stage(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::PortalOnboarding => "password",
        LinkPurpose::ConfirmContact => "contact",
        LinkPurpose::UploadDocuments => "upload",
        LinkPurpose::RemoteSigning => "signing",
    }
}

fn customer_actor(s: &PortalSession) -> String {
    format!("customer:{}", s.customer_id)
}

/// The session behind a portal cookie; [`LinkError::SessionEnded`] when it is unknown, ended,
/// expired, or its link was revoked.
pub async fn portal_session(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<PortalSession, LinkError> {
    if !super::is_token_shaped(token) {
        return Err(LinkError::SessionEnded);
    }
    let row = portal::session_by_token_hash(store, &token_hash(token))
        .await?
        .ok_or(LinkError::SessionEnded)?;
    if row.ended_at.is_some() || row.revoked_at.is_some() || now >= parse_ts(&row.expires_at) {
        return Err(LinkError::SessionEnded);
    }
    Ok(PortalSession {
        purpose: LinkPurpose::parse(&row.purpose).ok_or(LinkError::SessionEnded)?,
        id: row.id,
        link_id: row.link_id,
        customer_id: row.customer_id.into(),
        stage: row.stage,
    })
}

fn require(s: &PortalSession, purpose: LinkPurpose, stages: &[&str]) -> Result<(), LinkError> {
    if s.purpose == purpose && stages.contains(&s.stage.as_str()) {
        Ok(())
    } else {
        Err(invalid("stage", "this step is not available now"))
    }
}

// ----- portal onboarding --------------------------------------------------------------------

fn totp_ctx(account_id: &str) -> String {
    format!("portal_account.totp:{account_id}")
}

/// The login of a customer's portal account: their e-mail, else their customer id.
async fn login_for(store: &Store, customer_id: &CustomerId) -> Result<String, LinkError> {
    let email = read::customer_email(store, customer_id).await?;
    let email = email.ok_or_else(|| LinkError::CustomerNotFound(customer_id.to_string()))?;
    Ok(email.unwrap_or_else(|| customer_id.to_string()))
}

/// Step 1 of onboarding: sets the portal password (argon2id, the staff password policy) and
/// starts TOTP enrolment. Returns what the authenticator app needs.
pub async fn set_password(
    store: &Store,
    session: &PortalSession,
    password: &str,
    now: DateTime<Utc>,
) -> Result<MfaEnrolment, LinkError> {
    require(
        session,
        LinkPurpose::PortalOnboarding,
        &["password", "totp"],
    )?;
    let login = login_for(store, &session.customer_id).await?;
    let local = login.split('@').next().unwrap_or(&login).to_lowercase();
    check_policy(password, &local).map_err(|m| invalid("password", m))?;
    let hash =
        hash_password(password).map_err(|_| invalid("password", "this password cannot be used"))?;
    let totp =
        Totp::generate(&login).map_err(|_| invalid("password", "could not start enrolment"))?;
    let mut w = store.write(now).await?;
    let existing = portal::account_of(w.conn(), &session.customer_id).await?;
    let (id, op) = match existing {
        Some(id) => (id, "update"),
        None => (new_id(), "insert"),
    };
    let pending = store
        .cipher()
        .encrypt(&totp.secret_base32(), &totp_ctx(&id));
    portal::set_password(
        &mut w,
        &id,
        op,
        &portal::AccountPasswordRow {
            customer_id: session.customer_id.as_str(),
            login: &login,
            password_hash: &hash,
            totp_pending_enc: &pending,
        },
    )
    .await?;
    portal::set_stage(&mut w, &session.id, "totp").await?;
    w.audit(
        AuditEvent::new(
            customer_actor(session),
            "portal.set_password",
            AuditOutcome::Success,
        )
        .subject(format!("link:{}", session.link_id)),
    );
    w.commit().await?;
    enrolment_for(&totp).map_err(|_| invalid("code", "could not start enrolment"))
}

/// The pending TOTP enrolment again (the page was reloaded).
pub async fn enrolment(store: &Store, session: &PortalSession) -> Result<MfaEnrolment, LinkError> {
    require(session, LinkPurpose::PortalOnboarding, &["totp"])?;
    let row = portal::account_totp(store, &session.customer_id)
        .await?
        .ok_or_else(|| invalid("stage", "set a password first"))?;
    let (id, login) = (row.id, row.login);
    let pending = row
        .totp_pending_enc
        .ok_or_else(|| invalid("stage", "set a password first"))?;
    let secret = store.cipher().decrypt(&pending, &totp_ctx(&id))?;
    let totp =
        Totp::from_base32(&secret, &login).map_err(|_| invalid("code", "enrolment failed"))?;
    enrolment_for(&totp).map_err(|_| invalid("code", "enrolment failed"))
}

/// Step 2 of onboarding: the first code from the authenticator app confirms the enrolment.
pub async fn confirm_totp(
    store: &Store,
    session: &PortalSession,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), LinkError> {
    require(session, LinkPurpose::PortalOnboarding, &["totp"])?;
    let row = portal::account_totp(store, &session.customer_id)
        .await?
        .ok_or_else(|| invalid("stage", "set a password first"))?;
    let (id, login, last) = (row.id, row.login, row.totp_last_step);
    let pending = row
        .totp_pending_enc
        .ok_or_else(|| invalid("stage", "set a password first"))?;
    let secret = store.cipher().decrypt(&pending, &totp_ctx(&id))?;
    let totp =
        Totp::from_base32(&secret, &login).map_err(|_| invalid("code", "enrolment failed"))?;
    let Some(step) = totp.matching_step(code, now, last) else {
        let event = AuditEvent::new(
            customer_actor(session),
            "portal.mfa_enrol",
            AuditOutcome::Failure,
        )
        .subject(format!("link:{}", session.link_id))
        .detail("wrong code");
        audit::record(store, now, &event).await?;
        return Err(invalid(
            "code",
            "that code is not right; enter the 6-digit code your authenticator app shows now",
        ));
    };
    let mut w = store.write(now).await?;
    portal::confirm_totp(&mut w, &id, step).await?;
    portal::set_stage(&mut w, &session.id, "done").await?;
    w.audit(
        AuditEvent::new(
            customer_actor(session),
            "portal.mfa_enrol",
            AuditOutcome::Success,
        )
        .subject(format!("link:{}", session.link_id)),
    );
    w.commit().await?;
    Ok(())
}

// ----- confirm contact ----------------------------------------------------------------------

/// Phone, e-mail and current address, as the customer confirms or corrects them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ContactDetails {
    pub phone: String,
    pub email: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
}

/// A correction as typed by the customer.
pub type ContactCorrection = ContactDetails;

/// The customer's contact details (shown only after the knowledge check; audited).
pub async fn contact_details(
    store: &Store,
    session: &PortalSession,
    now: DateTime<Utc>,
) -> Result<ContactDetails, LinkError> {
    require(session, LinkPurpose::ConfirmContact, &["contact", "done"])?;
    let details = load_contact(store, &session.customer_id).await?;
    let event = AuditEvent::new(
        customer_actor(session),
        "portal.contact_view",
        AuditOutcome::Success,
    )
    .subject(format!("link:{}", session.link_id));
    audit::record(store, now, &event).await?;
    Ok(details)
}

async fn load_contact(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<ContactDetails, LinkError> {
    let row = read::contact(store, customer_id)
        .await?
        .ok_or_else(|| LinkError::CustomerNotFound(customer_id.to_string()))?;
    Ok(ContactDetails {
        phone: row.phone,
        email: row.email,
        line1: row.line1.unwrap_or_default(),
        line2: row.line2,
        city: row.city.unwrap_or_default(),
        state: row.state.unwrap_or_default(),
        zip: row.zip.unwrap_or_default(),
    })
}

fn clean(value: &str, field: &'static str, label: &str, max: usize) -> Result<String, LinkError> {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(invalid(field, format!("the {label} is too long")));
    }
    Ok(v)
}

fn validate_correction(c: &ContactCorrection) -> Result<ContactDetails, LinkError> {
    let phone = validate::phone(&c.phone).map_err(|_| {
        invalid(
            "phone",
            "enter a 10-digit US phone number, like (555) 123-4567",
        )
    })?;
    let email = match c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(e) => {
            let e = e.to_lowercase();
            let ok = e.len() <= 254
                && !e.contains(char::is_whitespace)
                && e.split_once('@').is_some_and(|(l, d)| {
                    !l.is_empty()
                        && d.contains('.')
                        && !d.contains('@')
                        && !d.starts_with('.')
                        && !d.ends_with('.')
                });
            if !ok {
                return Err(invalid(
                    "email",
                    "enter an e-mail address like name@example.com",
                ));
            }
            Some(e)
        }
    };
    let line1 = clean(&c.line1, "line1", "street address", 80)?;
    if line1.is_empty() {
        return Err(invalid("line1", "enter the street address"));
    }
    let line2 = c
        .line2
        .as_deref()
        .map(|l| clean(l, "line2", "second address line", 80))
        .transpose()?
        .filter(|l| !l.is_empty());
    let city = clean(&c.city, "city", "city", 60)?;
    if city.is_empty() {
        return Err(invalid("city", "enter the city"));
    }
    let state = c.state.trim().to_uppercase();
    if !validate::US_STATES.contains(&state.as_str()) {
        return Err(invalid("state", "choose a US state (two letters, like TX)"));
    }
    let zip = c.zip.trim().to_string();
    let zip_ok = (zip.len() == 5 && zip.chars().all(|ch| ch.is_ascii_digit()))
        || (zip.len() == 10
            && zip.as_bytes()[5] == b'-'
            && zip
                .chars()
                .enumerate()
                .all(|(i, ch)| i == 5 || ch.is_ascii_digit()));
    if !zip_ok || zip.starts_with("00000") {
        return Err(invalid("zip", "enter a 5-digit ZIP code"));
    }
    Ok(ContactDetails {
        phone,
        email,
        line1,
        line2,
        city,
        state,
        zip,
    })
}

/// The customer confirms their details (`None`) or sends a correction, which waits for staff
/// approval. Returns the correction's id.
pub async fn confirm_contact(
    store: &Store,
    session: &PortalSession,
    correction: Option<&ContactCorrection>,
    now: DateTime<Utc>,
) -> Result<Option<String>, LinkError> {
    require(session, LinkPurpose::ConfirmContact, &["contact"])?;
    let subject = format!("link:{}", session.link_id);
    let valid = correction.map(validate_correction).transpose()?;
    let current = load_contact(store, &session.customer_id).await?;
    let valid = valid.filter(|v| *v != current);
    let mut w = store.write(now).await?;
    let id = match &valid {
        None => {
            w.audit(
                AuditEvent::new(
                    customer_actor(session),
                    "portal.contact_confirm",
                    AuditOutcome::Success,
                )
                .subject(subject),
            );
            None
        }
        Some(v) => {
            let id = new_id();
            let fields =
                serde_json::to_string(v).map_err(|_| invalid("phone", "could not save"))?;
            contact_change::insert(&mut w, &id, &session.customer_id, &session.link_id, &fields)
                .await?;
            let changed: Vec<&str> = [
                ("phone", v.phone != current.phone),
                ("email", v.email != current.email),
                (
                    "address",
                    (&v.line1, &v.line2, &v.city, &v.state, &v.zip)
                        != (
                            &current.line1,
                            &current.line2,
                            &current.city,
                            &current.state,
                            &current.zip,
                        ),
                ),
            ]
            .into_iter()
            .filter_map(|(n, c)| c.then_some(n))
            .collect();
            w.audit(
                AuditEvent::new(
                    customer_actor(session),
                    "portal.contact_correction",
                    AuditOutcome::Success,
                )
                .subject(subject)
                .detail(format!("contact_change:{id} fields {}", changed.join(", "))),
            );
            Some(id)
        }
    };
    portal::set_stage(&mut w, &session.id, "done").await?;
    w.commit().await?;
    Ok(id)
}

/// A correction waiting for (or after) staff review.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ContactChangeView {
    pub id: String,
    pub customer_id: CustomerId,
    pub link_id: String,
    pub proposed: ContactDetails,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub created_at: String,
}

fn change_from_row(row: contact_change::ContactChangeRow) -> Result<ContactChangeView, LinkError> {
    Ok(ContactChangeView {
        proposed: serde_json::from_str(&row.fields)
            .map_err(|_| invalid("fields", "a stored correction is unreadable"))?,
        id: row.id,
        customer_id: row.customer_id.into(),
        link_id: row.link_id,
        status: row.status,
        reviewed_by: row.reviewed_by,
        reviewed_at: row.reviewed_at,
        created_at: row.created_at,
    })
}

/// Corrections of one customer, or pending ones of all, newest first.
pub async fn list_contact_changes(
    store: &Store,
    actor: &Actor,
    customer_id: Option<&CustomerId>,
) -> Result<Vec<ContactChangeView>, LinkError> {
    require_staff(actor)?;
    let rows = contact_change::list(store, customer_id).await?;
    rows.into_iter().map(change_from_row).collect()
}

/// Approves (applies to the customer record) or rejects a correction.
pub async fn review_contact_change(
    store: &Store,
    actor: &Actor,
    id: &str,
    approve: bool,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<ContactChangeView, LinkError> {
    require_staff(actor)?;
    let row = contact_change::get(store, id.trim())
        .await?
        .ok_or_else(|| LinkError::NotFound(id.to_string()))?;
    let change = change_from_row(row)?;
    if change.status != "pending" {
        return Err(invalid(
            "status",
            format!("this correction was already {}", change.status),
        ));
    }
    if approve {
        let c = customer::get(store, actor, &change.customer_id, now, today)
            .await
            .map_err(customer_error)?;
        let p = &change.proposed;
        let current = c.addresses.iter().find(|a| a.current);
        let previous = c.addresses.iter().find(|a| !a.current);
        let update = CustomerUpdate {
            given_name: c.given_name.clone(),
            middle_name: c.middle_name.clone(),
            family_name: c.family_name.clone(),
            suffix: c.suffix.clone(),
            dob: None,
            ssn: None,
            licence_number: None,
            licence_state: c.licence_state.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            employer: c.employer.clone(),
            job_title: c.job_title.clone(),
            monthly_income: c.monthly_income.clone(),
            address: AddressInput {
                line1: p.line1.clone(),
                line2: p.line2.clone(),
                city: p.city.clone(),
                state: p.state.clone(),
                zip: p.zip.clone(),
                since: current
                    .map(|a| a.since.clone())
                    .unwrap_or_else(|| today.to_string()),
            },
            previous_address: previous.map(|a| AddressInput {
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                state: a.state.clone(),
                zip: a.zip.clone(),
                since: a.since.clone(),
            }),
        };
        customer::update(store, actor, &change.customer_id, &update, now, today)
            .await
            .map_err(customer_error)?;
    }
    let status = if approve { "approved" } else { "rejected" };
    let mut w = store.write(now).await?;
    contact_change::review(&mut w, &change.id, status, &actor.name()).await?;
    w.audit(
        AuditEvent::new(
            actor.name(),
            format!(
                "contact_change.{}",
                if approve { "approve" } else { "reject" }
            ),
            AuditOutcome::Success,
        )
        .subject(format!("customer:{}", change.customer_id))
        .detail(format!("contact_change:{}", change.id)),
    );
    w.commit().await?;
    let row = contact_change::get(store, &change.id)
        .await?
        .ok_or(LinkError::Database(sqlx::Error::RowNotFound))?;
    change_from_row(row)
}

fn customer_error(e: customer::CustomerError) -> LinkError {
    match e {
        customer::CustomerError::NotFound(id) => LinkError::CustomerNotFound(id),
        customer::CustomerError::Invalid { message, .. } => invalid("fields", message),
        customer::CustomerError::Database(d) => LinkError::Database(d),
        customer::CustomerError::Crypto(c) => LinkError::Crypto(c),
        customer::CustomerError::Forbidden(_) => LinkError::Forbidden,
    }
}

// ----- documents ----------------------------------------------------------------------------

/// An uploaded document as the desk lists it (no content).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DocumentView {
    pub id: String,
    pub customer_id: CustomerId,
    pub link_id: String,
    pub stipulation_id: Option<String>,
    pub file_name: String,
    pub content_type: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

/// The type of a document from its first bytes (the name and the browser's claim are ignored).
pub fn sniff_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "document".into()
    } else {
        cleaned
    }
}

/// Stores one uploaded document (encrypted, with its SHA-256). Refuses, storing nothing: an
/// empty or oversized file, and any type but JPEG, PNG or PDF (judged by content).
pub async fn upload_document(
    store: &Store,
    session: &PortalSession,
    file_name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<DocumentView, LinkError> {
    require(session, LinkPurpose::UploadDocuments, &["upload"])?;
    let subject = format!("link:{}", session.link_id);
    let refused = |reason: &str| {
        AuditEvent::new(
            customer_actor(session),
            "portal.upload",
            AuditOutcome::Failure,
        )
        .subject(subject.clone())
        .detail(reason.to_string())
    };
    if bytes.is_empty() {
        audit::record(store, now, &refused("empty file")).await?;
        return Err(invalid("file", "choose a file to upload"));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        audit::record(store, now, &refused("file too large")).await?;
        return Err(invalid(
            "file",
            "the file is larger than 8 MB; take a smaller photo or scan",
        ));
    }
    let Some(content_type) = sniff_type(bytes) else {
        audit::record(store, now, &refused("type not allowed")).await?;
        return Err(invalid("file", "upload a photo (JPEG or PNG) or a PDF"));
    };
    let count = link_document::count_for_link(store, &session.link_id).await?;
    if count >= MAX_UPLOADS_PER_SESSION {
        return Err(invalid(
            "file",
            "that is as many documents as one link can take",
        ));
    }
    let id = new_id();
    let sha = sha256_hex(bytes);
    let sealed = store
        .cipher()
        .encrypt(&B64.encode(bytes), &format!("link_document:{id}"));
    let name = clean_file_name(file_name);
    let mut w = store.write(now).await?;
    link_document::insert(
        &mut w,
        &id,
        &link_document::NewLinkDocumentRow {
            link_id: &session.link_id,
            customer_id: session.customer_id.as_str(),
            file_name: &name,
            content_type,
            size_bytes: bytes.len() as i64,
            sha256: &sha,
            data_enc: &sealed,
        },
    )
    .await?;
    w.audit(
        AuditEvent::new(
            customer_actor(session),
            "portal.upload",
            AuditOutcome::Success,
        )
        .subject(subject)
        .detail(format!(
            "document:{id} {content_type} {} bytes sha256 {sha}",
            bytes.len()
        )),
    );
    w.commit().await?;
    Ok(DocumentView {
        id,
        customer_id: session.customer_id.clone(),
        link_id: session.link_id.clone(),
        stipulation_id: None,
        file_name: name,
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256: sha,
        created_at: ts(now),
    })
}

/// Documents a customer uploaded, newest first.
pub async fn list_documents(
    store: &Store,
    actor: &Actor,
    customer_id: &CustomerId,
) -> Result<Vec<DocumentView>, LinkError> {
    require_staff(actor)?;
    let rows =
        link_document::list_for_customer(store, &CustomerId::from(customer_id.as_str().trim()))
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| DocumentView {
            id: r.id,
            customer_id: r.customer_id.into(),
            link_id: r.link_id,
            stipulation_id: r.stipulation_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            created_at: r.created_at,
        })
        .collect())
}

/// A document's bytes for the desk (decrypted; checked against its SHA-256; audited).
pub async fn open_document(
    store: &Store,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(DocumentView, Vec<u8>), LinkError> {
    require_staff(actor)?;
    let row = link_document::get_with_data(store, id.trim())
        .await?
        .ok_or_else(|| LinkError::NotFound(id.to_string()))?;
    let view = DocumentView {
        id: row.id,
        customer_id: row.customer_id.into(),
        link_id: row.link_id,
        stipulation_id: row.stipulation_id,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        created_at: row.created_at,
    };
    let sealed = row.data_enc;
    let encoded = store
        .cipher()
        .decrypt(&sealed, &format!("link_document:{}", view.id))?;
    let bytes = B64
        .decode(encoded.as_bytes())
        .map_err(|_| dealerdesk_store::crypto::CryptoError::Decrypt)?;
    if sha256_hex(&bytes) != view.sha256 {
        return Err(dealerdesk_store::crypto::CryptoError::Decrypt.into());
    }
    let event = AuditEvent::new(actor.name(), "document.open", AuditOutcome::Success)
        .subject(format!("customer:{}", view.customer_id))
        .detail(format!("document:{}", view.id));
    audit::record(store, now, &event).await?;
    Ok((view, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_judged_by_content() {
        assert_eq!(sniff_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_type(b"MZ\x90\x00"), None);
        assert_eq!(sniff_type(b"<html>"), None);
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\x\\pay\nstub.pdf"), "paystub.pdf");
        assert_eq!(clean_file_name(""), "document");
    }
}
