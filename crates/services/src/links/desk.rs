//! Issuing a link from the desk screen in one step: check that every chosen channel has a
//! recipient (so the URL, shown only once, is never lost to a failed send), issue the link,
//! draw its QR code and queue the messages.

use chrono::{DateTime, Utc};
use dealerdesk_rules::ids::{CustomerId, DocumentId};
use serde::Serialize;
use ts_rs::TS;

use super::outbox::{self, Channel};
use super::{issue, issue_remote_signing, qr_svg, IssueLink, IssuedLink, LinkError};
use crate::auth::Actor;
use dealerdesk_store::Store;

/// A link just issued at the desk: the link (its URL shown this once), its QR code as SVG and
/// the channels it was queued on.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DeskLink {
    pub link: IssuedLink,
    pub qr_svg: String,
    pub queued: Vec<Channel>,
}

pub async fn issue_at_desk(
    store: &Store,
    actor: &Actor,
    input: &IssueLink,
    send: &[Channel],
    now: DateTime<Utc>,
) -> Result<DeskLink, LinkError> {
    let channels = recipients(store, &input.customer_id, send).await?;
    let link = issue(store, actor, input, now).await?;
    deliver(store, actor, link, channels, now).await
}

/// A `remote_signing` link for one contract document, issued at the desk like [`issue_at_desk`].
pub async fn issue_remote_signing_at_desk(
    store: &Store,
    actor: &Actor,
    customer_id: &CustomerId,
    document_id: &DocumentId,
    ttl_minutes: Option<u32>,
    send: &[Channel],
    now: DateTime<Utc>,
) -> Result<DeskLink, LinkError> {
    let channels = recipients(store, customer_id, send).await?;
    let link =
        issue_remote_signing(store, actor, customer_id, document_id, ttl_minutes, now).await?;
    deliver(store, actor, link, channels, now).await
}

/// Each chosen channel once, after checking the customer has an address for it.
async fn recipients(
    store: &Store,
    customer_id: &CustomerId,
    send: &[Channel],
) -> Result<Vec<Channel>, LinkError> {
    let mut channels: Vec<Channel> = Vec::new();
    for ch in send {
        if !channels.contains(ch) {
            outbox::recipient(store, customer_id, *ch).await?;
            channels.push(*ch);
        }
    }
    Ok(channels)
}

async fn deliver(
    store: &Store,
    actor: &Actor,
    link: IssuedLink,
    channels: Vec<Channel>,
    now: DateTime<Utc>,
) -> Result<DeskLink, LinkError> {
    let qr_svg = qr_svg(&link.url)?;
    for ch in &channels {
        outbox::enqueue_link(store, actor, &link, *ch, now).await?;
    }
    Ok(DeskLink {
        link,
        qr_svg,
        queued: channels,
    })
}
