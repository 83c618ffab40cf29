//! The outbox: e-mail and SMS messages carrying a link, rendered from templates and kept in
//! SQLite until a [`Sender`] delivers them. Offline, they simply wait; a failed send is retried
//! with exponential backoff (1 min, 2, 4 … capped at 6 h; given up after 8 attempts). Because
//! the outbox is a table, it survives restarts. Delivery is at least once: a crash between a
//! send and its bookkeeping sends that message again.
//!
//! Subject and body are encrypted at rest: they hold the link's URL (a bearer token) and the
//! customer's name.

use dealerdesk_rules::ids::CustomerId;
use std::future::Future;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::{invalid, require_staff, IssuedLink, LinkError};
use crate::auth::Actor;
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::known;
use dealerdesk_store::read::links as read;
use dealerdesk_store::repo::outbox::{self as repo, NewOutboxRow, OutboxAttempt};
use dealerdesk_store::{new_id, parse_ts, ts, Store};

/// Attempts before a message is given up (status `failed`).
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "email" | "e-mail" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// One message handed to a [`Sender`].
#[derive(Clone)]
pub struct OutboundMessage {
    pub id: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for OutboundMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundMessage")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("body", &"<hidden>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

/// Delivers messages: SMTP, an SMS gateway, or [`FileSender`] for the demo.
pub trait Sender {
    fn send(&self, message: &OutboundMessage)
        -> impl Future<Output = Result<(), SendError>> + Send;
}

/// Writes each message as a file: `<id>.eml` (RFC 5322, text/plain) or `<id>.txt` (SMS), mode
/// 0600, written to a temporary name and renamed, so a reader never sees half a message.
#[derive(Debug, Clone)]
pub struct FileSender {
    dir: PathBuf,
}

impl FileSender {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn write(&self, m: &OutboundMessage) -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(&self.dir)?;
        let (name, text) = match m.channel {
            Channel::Email => (
                format!("{}.eml", m.id),
                format!(
                    "From: DealerDesk <no-reply@dealerdesk.invalid>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{}@dealerdesk.invalid>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
                    m.recipient,
                    m.subject.as_deref().unwrap_or(""),
                    m.created_at.to_rfc2822(),
                    m.id,
                    m.body.replace('\n', "\r\n")
                ),
            ),
            Channel::Sms => (
                format!("{}.txt", m.id),
                format!("To: {}\n\n{}\n", m.recipient, m.body),
            ),
        };
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, self.dir.join(name))
    }
}

impl Sender for FileSender {
    fn send(
        &self,
        message: &OutboundMessage,
    ) -> impl Future<Output = Result<(), SendError>> + Send {
        let result = self
            .write(message)
            .map_err(|e| SendError(format!("could not write the message file: {e}")));
        std::future::ready(result)
    }
}

/// Wait before the next attempt after `attempts` failed ones: 1 min × 2^(attempts−1), at most 6 h.
pub fn backoff(attempts: u32) -> Duration {
    let exp = attempts.saturating_sub(1).min(16);
    Duration::minutes(1i64 << exp).min(Duration::hours(6))
}

/// The rendered message of a link.
fn render(
    channel: Channel,
    dealership: &str,
    given_name: &str,
    link: &IssuedLink,
) -> (Option<String>, String) {
    let expires = parse_ts(&link.expires_at)
        .format("%b %-d, %Y %H:%M UTC")
        .to_string();
    let what = link.purpose.describe();
    match channel {
        Channel::Email => (
            Some(format!("{dealership}: your secure link")),
            format!(
                "Hello {given_name},\n\nUse this link to {what}:\n\n{url}\n\nIt works once and expires {expires}. \
You will be asked for your date of birth and ZIP code. Do not forward this message: anyone with the link \
could use it. If you did not expect it, call {dealership}.\n\n{dealership}",
                url = link.url
            ),
        ),
        Channel::Sms => (
            None,
            format!(
                "{dealership}: {given_name}, use this link to {what}: {url} (works once, expires {expires}). Do not share it.",
                url = link.url
            ),
        ),
    }
}

/// The customer's given name and address on `channel`; refused when they have none (check it
/// before issuing a link you mean to send, so the URL is not lost).
pub async fn recipient(
    store: &Store,
    customer_id: &CustomerId,
    channel: Channel,
) -> Result<(String, String), LinkError> {
    let contact = read::customer_contact(store, &CustomerId::from(customer_id.as_str().trim()))
        .await?
        .ok_or_else(|| LinkError::CustomerNotFound(customer_id.to_string()))?;
    let (given, phone, email) = (contact.given_name, contact.phone, contact.email);
    let to = match channel {
        Channel::Email => email.ok_or_else(|| {
            invalid(
                "channel",
                "the customer has no e-mail address; send an SMS or show the QR code",
            )
        })?,
        Channel::Sms => phone,
    };
    Ok((given, to))
}

/// Renders a link's message for the customer's e-mail or phone and queues it. Call right after
/// [`super::issue`], which is the only time the URL exists.
pub async fn enqueue_link(
    store: &Store,
    actor: &Actor,
    link: &IssuedLink,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<String, LinkError> {
    require_staff(actor)?;
    let (given, recipient) = recipient(store, &link.customer_id, channel).await?;
    let dealership = store.setting_text("dealership_name", "DealerDesk").await?;
    let (subject, body) = render(channel, &dealership, &given, link);
    let id = new_id();
    let cipher = store.cipher();
    let subject_enc = subject
        .as_deref()
        .map(|s| cipher.encrypt(s, &format!("outbox.subject:{id}")));
    let body_enc = cipher.encrypt(&body, &format!("outbox.body:{id}"));
    let at = ts(now);
    let mut w = store.write(now).await?;
    repo::insert(
        &mut w,
        &id,
        &NewOutboxRow {
            channel: channel.as_str(),
            recipient: &recipient,
            subject_enc: subject_enc.as_deref(),
            body_enc: &body_enc,
            customer_id: Some(link.customer_id.as_str()),
            link_id: Some(&link.id),
            next_attempt_at: &at,
        },
    )
    .await?;
    w.audit(
        AuditEvent::new(actor.name(), "outbox.enqueue", AuditOutcome::Success)
            .subject(format!("link:{}", link.id))
            .detail(format!("{} message outbox:{id}", channel.as_str())),
    );
    w.commit().await?;
    Ok(id)
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retrying: u32,
    pub gave_up: u32,
}

/// A queued message as the desk lists it (no body).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct OutboxView {
    pub id: String,
    pub channel: Channel,
    pub recipient: String,
    pub link_id: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
}

/// The newest 200 messages.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<OutboxView>, LinkError> {
    require_staff(actor)?;
    let rows = repo::newest(store).await?;
    rows.into_iter()
        .map(|r| {
            Ok(OutboxView {
                channel: known("outbox channel", &r.channel, Channel::parse)?,
                attempts: r.attempts.clamp(0, i64::from(u32::MAX)) as u32,
                id: r.id,
                recipient: r.recipient,
                link_id: r.link_id,
                status: r.status,
                next_attempt_at: r.next_attempt_at,
                last_error: r.last_error,
                sent_at: r.sent_at,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// Sends every message that is due (at most 100 per run) and records each outcome.
pub async fn deliver_due<S: Sender>(
    store: &Store,
    sender: &S,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, LinkError> {
    let rows = repo::due(store, &ts(now)).await?;
    let cipher = store.cipher();
    let mut report = DeliveryReport::default();
    for r in rows {
        let id = r.id;
        let channel = r.channel;
        let attempts = r.attempts + 1;
        // A channel the schema does not allow can only come from a damaged or edited file. Such
        // a message is never guessed onto another channel: it is marked failed, audited, and the
        // run goes on with the other messages.
        let Some(parsed) = Channel::parse(&channel) else {
            report.gave_up += 1;
            let error = format!("unknown channel {channel:?} in the store: not sent");
            let next_at = ts(now);
            let mut w = store.write(now).await?;
            repo::record_attempt(
                &mut w,
                &id,
                &OutboxAttempt {
                    status: "failed",
                    attempts,
                    next_attempt_at: &next_at,
                    last_error: Some(&error),
                },
            )
            .await?;
            w.audit(
                AuditEvent::new("system", "outbox.send", AuditOutcome::Failure)
                    .subject(format!("outbox:{id}"))
                    .detail(format!("attempt {attempts} failed: {error}")),
            );
            w.commit().await?;
            continue;
        };
        let message = OutboundMessage {
            channel: parsed,
            recipient: r.recipient,
            subject: r
                .subject_enc
                .map(|s| cipher.decrypt(&s, &format!("outbox.subject:{id}")))
                .transpose()?
                .map(|s| s.to_string()),
            body: cipher
                .decrypt(&r.body_enc, &format!("outbox.body:{id}"))?
                .to_string(),
            created_at: parse_ts(&r.created_at),
            id: id.clone(),
        };
        let result = sender.send(&message).await;
        let (status, next, error) = match &result {
            Ok(()) => {
                report.sent += 1;
                ("sent", now, None)
            }
            Err(e) if attempts >= MAX_ATTEMPTS => {
                report.gave_up += 1;
                ("failed", now, Some(e.to_string()))
            }
            Err(e) => {
                report.retrying += 1;
                (
                    "pending",
                    now + backoff(attempts.clamp(0, i64::from(u32::MAX)) as u32),
                    Some(e.to_string()),
                )
            }
        };
        let next_at = ts(next);
        let mut w = store.write(now).await?;
        repo::record_attempt(
            &mut w,
            &id,
            &OutboxAttempt {
                status,
                attempts,
                next_attempt_at: &next_at,
                last_error: error.as_deref(),
            },
        )
        .await?;
        let outcome = if result.is_ok() {
            AuditOutcome::Success
        } else {
            AuditOutcome::Failure
        };
        w.audit(
            AuditEvent::new("system", "outbox.send", outcome)
                .subject(format!("outbox:{id}"))
                .detail(format!("{channel} attempt {attempts} {status}")),
        );
        w.commit().await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(4), Duration::minutes(8));
        assert_eq!(backoff(20), Duration::hours(6));
        assert_eq!(backoff(0), Duration::minutes(1));
    }
}
