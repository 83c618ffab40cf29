//! Issuing a link from the desk screen in one step: check that every chosen channel has a
//! recipient (so the URL, shown only once, is never lost to a failed send), issue the link,
//! draw its QR code and queue the messages.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::outbox::{self, Channel};
use super::{issue, qr_svg, IssueLink, IssuedLink, LinkError};
use crate::auth::Actor;
use crate::store::Store;

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
    let mut channels: Vec<Channel> = Vec::new();
    for ch in send {
        if !channels.contains(ch) {
            outbox::recipient(store, &input.customer_id, *ch).await?;
            channels.push(*ch);
        }
    }
    let link = issue(store, actor, input, now).await?;
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
