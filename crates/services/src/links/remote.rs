//! Remote signing through a `remote_signing` link (issues 6 and 7): the customer, on their own
//! phone or computer after the link's knowledge check, receives the ESIGN consumer disclosure,
//! opens the contract PDF, consents, and signs each of the buyer's fields in order with explicit
//! intent (an adopted typed signature). The ceremony core is [`crate::contract::sign`]; this
//! module only binds it to the portal session, as the customer (never a staff role): the
//! finance manager's countersignature and the seal stay at the desk.
//!
//! Every step is audited: the core audits consent and each signature (`contract.consent`,
//! `contract.sign`, with the device and method), this module the views of the PDF
//! (`portal.contract_view`) and the end of the customer's part (`portal.remote_signing_done`).

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::{CustomerId, DocumentId};

use super::{invalid, LinkError, LinkPurpose, PortalSession};
use crate::auth::Actor;
use crate::contract::sign::{self, ConsentInput, SignInput, SigningStatus};
use crate::contract::{
    self, ContractError, ContractInput, DocumentStatus, FieldKind, SignatureField, SignatureMark,
    Signer,
};
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::read::links as read;
use dealerdesk_store::repo::{access_link, portal};
use dealerdesk_store::{ts, Store};

/// The contract a link was issued for (`None` for links of other purposes). Staff only.
pub async fn link_document(
    store: &Store,
    actor: &Actor,
    link_id: &str,
) -> Result<Option<String>, LinkError> {
    super::require_staff(actor)?;
    let doc = access_link::document_of(store, link_id.trim()).await?;
    doc.ok_or_else(|| LinkError::NotFound(link_id.to_string()))
}

/// Where the customer's remote signing stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSigning {
    pub document_id: DocumentId,
    /// The buyer's name as printed on the contract.
    pub buyer_name: String,
    /// The buyer consented to electronic records and signatures.
    pub consented: bool,
    /// The field the buyer signs next (None when nothing is theirs to sign now).
    pub next_field: Option<SignatureField>,
    /// 1-based position of `next_field` among the buyer's fields, and their number.
    pub position: usize,
    pub buyer_fields: usize,
    /// Every buyer field is signed: the dealership countersigns. (When `next_field` is None
    /// and `done` is false, someone else signs next.)
    pub done: bool,
}

fn from_contract(e: ContractError) -> LinkError {
    match e {
        ContractError::Signing { field, message } => LinkError::Invalid { field, message },
        ContractError::NotFound { .. } => invalid("document_id", "there is no such contract"),
        ContractError::Database(d) => LinkError::Database(d),
        ContractError::Pdf(p) => LinkError::Pdf(p),
        ContractError::Forbidden => LinkError::Forbidden,
        other => invalid("document_id", other.to_string()),
    }
}

fn buyer_fields(st: &SigningStatus) -> Vec<&SignatureField> {
    st.fields
        .iter()
        .filter(|f| f.signer == Signer::Buyer)
        .collect()
}

/// The issuing rules of a remote signing link: the document is the authoritative original of a
/// deal of `customer_id`, in draft or signing state, with buyer fields left to sign.
pub(crate) async fn check_signable_for(
    store: &Store,
    customer_id: &CustomerId,
    document_id: &DocumentId,
) -> Result<(), LinkError> {
    let rec = contract::get_document(store, document_id)
        .await
        .map_err(from_contract)?;
    // The portal's remote ceremony is the buyer's side of a contract; a credit application is
    // signed at the desk, and a deal jacket is a printed copy.
    if !matches!(rec.kind.as_str(), "retail_installment" | "lease") {
        return Err(invalid(
            "document_id",
            "only a retail installment contract or a lease is sent for remote signing",
        ));
    }
    let owner = read::deal_customer(store, &rec.deal_id).await?;
    if owner.as_deref() != Some(customer_id.as_str()) {
        return Err(invalid(
            "document_id",
            "this contract is not this customer's: a remote signing link goes to the deal's buyer",
        ));
    }
    if !rec.authoritative {
        return Err(invalid(
            "document_id",
            "only the original contract is signed, not a copy",
        ));
    }
    match rec.status {
        DocumentStatus::Draft | DocumentStatus::Signing => {}
        DocumentStatus::Signed => {
            return Err(invalid(
                "document_id",
                "this contract is already signed and sealed",
            ))
        }
        DocumentStatus::Void => {
            return Err(invalid(
                "document_id",
                "this contract was replaced by a newer version; send the current one",
            ))
        }
    }
    let st = sign::signing_status(store, document_id)
        .await
        .map_err(from_contract)?;
    if st.fields.iter().any(|f| f.signer == Signer::CoBuyer) {
        // The co-buyer's fields alternate with the buyer's, and the co-buyer would need a link
        // and a knowledge check of their own.
        return Err(invalid(
            "document_id",
            "this contract has a co-buyer: sign it at the desk (remote signing is for a buyer alone)",
        ));
    }
    if !buyer_fields(&st)
        .iter()
        .any(|f| !st.signed_fields.contains(&f.id))
    {
        return Err(invalid(
            "document_id",
            "the buyer has already signed every field of this contract",
        ));
    }
    Ok(())
}

/// The contract a remote signing session signs; [`LinkError::SessionEnded`] when the link has
/// none or the document can no longer be signed (signed or replaced at the desk meanwhile).
async fn bound_document(store: &Store, s: &PortalSession) -> Result<String, LinkError> {
    if s.purpose != LinkPurpose::RemoteSigning {
        return Err(invalid("stage", "this step is not available now"));
    }
    let doc = access_link::document_of(store, &s.link_id).await?;
    doc.flatten().ok_or(LinkError::SessionEnded)
}

async fn buyer_name(store: &Store, document_id: &DocumentId) -> Result<String, LinkError> {
    let input = read::contract_input_json(store, document_id).await?;
    let input = input.ok_or(LinkError::SessionEnded)?;
    let input: ContractInput = serde_json::from_str(&input)
        .map_err(|_| invalid("document_id", "the contract cannot be read"))?;
    Ok(input.buyer.name)
}

fn standing(document_id: DocumentId, buyer_name: String, st: &SigningStatus) -> RemoteSigning {
    let fields = buyer_fields(st);
    let next_field = st.next_field.clone().filter(|f| f.signer == Signer::Buyer);
    let position = next_field
        .as_ref()
        .and_then(|n| fields.iter().position(|f| f.id == n.id))
        .map_or(0, |i| i + 1);
    let done = fields.iter().all(|f| st.signed_fields.contains(&f.id));
    RemoteSigning {
        document_id,
        buyer_name,
        consented: st.consented.contains(&Signer::Buyer),
        done,
        next_field,
        position,
        buyer_fields: fields.len(),
    }
}

/// Where the session's remote signing stands.
pub async fn remote_signing(
    store: &Store,
    session: &PortalSession,
) -> Result<RemoteSigning, LinkError> {
    let doc = DocumentId::from(bound_document(store, session).await?);
    let rec = contract::get_document(store, &doc)
        .await
        .map_err(from_contract)?;
    if !matches!(rec.status, DocumentStatus::Draft | DocumentStatus::Signing) {
        return Err(LinkError::SessionEnded);
    }
    let st = sign::signing_status(store, &doc)
        .await
        .map_err(from_contract)?;
    let name = buyer_name(store, &doc).await?;
    Ok(standing(doc, name, &st))
}

/// The contract as signed so far (the PDF the customer reviews). Audited `portal.contract_view`.
pub async fn remote_pdf(
    store: &Store,
    session: &PortalSession,
    now: DateTime<Utc>,
) -> Result<(String, Vec<u8>), LinkError> {
    let doc = remote_signing(store, session).await?.document_id;
    let pdf = sign::working_pdf(store, &doc)
        .await
        .map_err(from_contract)?;
    let event = AuditEvent::new(
        format!("customer:{}", session.customer_id),
        "portal.contract_view",
        AuditOutcome::Success,
    )
    .subject(format!("contract:{doc}"))
    .detail(format!(
        "link:{} {} bytes sha256:{}",
        session.link_id,
        pdf.len(),
        dealerdesk_store::crypto::sha256_hex(&pdf)
    ));
    audit::record(store, now, &event).await?;
    Ok((doc.into_string(), pdf))
}

fn customer(session: &PortalSession) -> Actor {
    Actor::Customer(session.customer_id.to_string())
}

/// Records a refused customer step (audited `portal.remote_signing_refused`, with the input at
/// fault) and returns the error.
pub async fn refused(
    store: &Store,
    session: &PortalSession,
    step: &str,
    e: LinkError,
    now: DateTime<Utc>,
) -> LinkError {
    let detail = match &e {
        LinkError::Invalid { field, message } => format!("{step}: {field}: {message}"),
        other => format!("{step}: {other}"),
    };
    let event = AuditEvent::new(
        format!("customer:{}", session.customer_id),
        "portal.remote_signing_refused",
        AuditOutcome::Failure,
    )
    .subject(format!("link:{}", session.link_id))
    .detail(detail);
    if let Err(a) = audit::record(store, now, &event).await {
        tracing::error!(error = %a, "could not audit a refused remote signing step");
    }
    e
}

/// The buyer's ESIGN consent, given in the portal after the disclosure and the PDF. A refusal
/// is audited.
pub async fn remote_consent(
    store: &Store,
    session: &PortalSession,
    device: &str,
    agreed: bool,
    opened_pdf: bool,
    now: DateTime<Utc>,
) -> Result<RemoteSigning, LinkError> {
    match consent_inner(store, session, device, agreed, opened_pdf, now).await {
        Err(e @ LinkError::Invalid { .. }) => Err(refused(store, session, "consent", e, now).await),
        other => other,
    }
}

async fn consent_inner(
    store: &Store,
    session: &PortalSession,
    device: &str,
    agreed: bool,
    opened_pdf: bool,
    now: DateTime<Utc>,
) -> Result<RemoteSigning, LinkError> {
    let r = remote_signing(store, session).await?;
    if r.consented {
        return Ok(r);
    }
    let input = ConsentInput {
        signer: Signer::Buyer,
        signer_name: r.buyer_name.clone(),
        device: device.to_string(),
        agreed,
        opened_pdf,
    };
    // The core's wording addresses the desk; the customer reads their own.
    let st = match sign::esign_consent(store, &customer(session), &r.document_id, &input, now).await
    {
        Err(ContractError::Signing {
            field: "agreed", ..
        }) => {
            return Err(invalid(
                "agreed",
                "tick \u{201c}I agree\u{201d} to sign electronically, or call the dealership to sign on paper",
            ))
        }
        Err(ContractError::Signing {
            field: "opened_pdf",
            ..
        }) => {
            return Err(invalid(
                "opened_pdf",
                "open the contract PDF first, then tick that you were able to open it",
            ))
        }
        other => other.map_err(from_contract)?,
    };
    Ok(standing(r.document_id, r.buyer_name, &st))
}

/// Signs the buyer's next field with an adopted typed signature and explicit intent. When the
/// buyer has nothing left to sign, the portal session ends (the dealership countersigns) and
/// `done` is true. A refusal (no intent, out of order, no name …) is audited.
pub async fn remote_sign(
    store: &Store,
    session: &PortalSession,
    field_id: &str,
    typed_name: &str,
    intent_confirmed: bool,
    device: &str,
    now: DateTime<Utc>,
) -> Result<RemoteSigning, LinkError> {
    match sign_inner(
        store,
        session,
        field_id,
        typed_name,
        intent_confirmed,
        device,
        now,
    )
    .await
    {
        Err(e @ LinkError::Invalid { .. }) => Err(refused(store, session, "sign", e, now).await),
        other => other,
    }
}

async fn sign_inner(
    store: &Store,
    session: &PortalSession,
    field_id: &str,
    typed_name: &str,
    intent_confirmed: bool,
    device: &str,
    now: DateTime<Utc>,
) -> Result<RemoteSigning, LinkError> {
    let r = remote_signing(store, session).await?;
    let Some(next) = r.next_field.clone() else {
        return Err(invalid("field_id", "there is nothing left for you to sign"));
    };
    let what = match next.kind {
        FieldKind::Initial => "initials",
        _ => "full name",
    };
    let typed = typed_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if typed.is_empty() {
        return Err(invalid(
            "mark",
            format!("type your {what} to adopt it as your signature"),
        ));
    }
    if typed.chars().count() > 120 || typed.chars().any(char::is_control) {
        return Err(invalid(
            "mark",
            format!("type your {what} only (up to 120 characters)"),
        ));
    }
    if !intent_confirmed {
        return Err(invalid(
            "intent_confirmed",
            "tick the box to confirm that you intend to sign here",
        ));
    }
    if field_id.trim() != next.id {
        return Err(invalid(
            "field_id",
            format!(
                "please sign the places in order: next is \u{201c}{}\u{201d}",
                next.label
            ),
        ));
    }
    let input = SignInput {
        field_id: next.id.clone(),
        signer_name: r.buyer_name.clone(),
        mark: SignatureMark::Typed { name: typed },
        intent_confirmed,
        device: device.to_string(),
    };
    let st = sign::sign_field(store, &customer(session), &r.document_id, &input, now)
        .await
        .map_err(from_contract)?;
    let after = standing(r.document_id, r.buyer_name, &st);
    if after.done {
        let mut w = store.write(now).await?;
        portal::finish(&mut w, &session.id, &ts(now)).await?;
        w.audit(AuditEvent::new(
            format!("customer:{}", session.customer_id),
            "portal.remote_signing_done",
            AuditOutcome::Success,
        )
        .subject(format!("contract:{}", after.document_id))
        .detail(format!(
            "link:{} buyer signed {} fields; waiting for the dealer's countersignature; session ended",
            session.link_id, after.buyer_fields
        )));
        w.commit().await?;
    }
    Ok(after)
}
