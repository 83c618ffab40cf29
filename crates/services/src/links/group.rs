//! Redemptions in batches: one transaction, one commit.
//!
//! Every redemption writes (the change journal, the link, a portal session, the audit chain), and
//! a write transaction under `synchronous=FULL` ends with an fsync. When many customers redeem at
//! once, one transaction each queues them behind each other's fsync. Instead, the portal's
//! redemption writer (in the portal crate) collects what is queued (at most [`MAX_BATCH`]) and
//! hands it to [`redeem_batch`], which runs the requests in order in ONE `BEGIN IMMEDIATE`
//! transaction and commits once (one fsync for the batch, still `synchronous=FULL`); only then
//! does the writer answer each caller.
//!
//! Inside the transaction the batch runs set-based: one query reads every link of the batch with
//! its customer's knowledge-check facts, the requests are decided in order against that state in
//! memory (each seeing the ones before it), and the journal rows, link updates, sessions and
//! audit entries are written in a few multi-row statements (per-statement round trips to the
//! SQLite worker thread, not SQLite, were most of the cost). A request that cannot be decided
//! (no customer, a key error) fails alone and writes nothing. If a statement fails, the batch is
//! rolled back and run again with each request in its own savepoint, so that a failing request
//! rolls back alone.
//!
//! The semantics are those of one transaction per redemption, in queue order: the first of two
//! redemptions of one token in a batch wins and the second reads the link as redeemed (it is
//! refused, and the refusal is audited); knowledge-check failures count and burn at three; every
//! redemption, failure and refusal is appended to the audit chain in order. No caller is told of
//! a success before the commit that saved it; if the commit fails, every caller of the batch gets
//! the error and nothing of the batch is saved.
//!
//! A single redemption ([`super::redeem`]) is a batch of one.

use dealerdesk_rules::ids::CustomerId;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use subtle::ConstantTimeEq;

use super::{
    facts_from, find_by_token, is_token_shaped, knowledge_facts, knowledge_matches, portal_actor,
    session, state_of, token_hash, KnowledgeAnswer, LinkError, LinkPurpose, LinkView, Redemption,
    MAX_KNOWLEDGE_FAILURES, PORTAL_SESSION_LIFETIME, TOKEN_BYTES,
};
use dealerdesk_store::audit::{AuditEvent, AuditOutcome, ChainHead};
use dealerdesk_store::crypto::random_token;
use dealerdesk_store::repo::{access_link, portal};
use dealerdesk_store::{known, new_id, ts, Stamp, Store};

/// The most redemptions committed together.
pub const MAX_BATCH: usize = 256;

/// One redemption to run: what [`super::redeem`] takes.
#[derive(Debug, Clone)]
pub struct RedeemRequest {
    pub token: String,
    pub answer: KnowledgeAnswer,
    /// The caller's address, for the audit log.
    pub client: String,
    pub now: DateTime<Utc>,
}

/// Runs `requests` in order in one write transaction and commits once. The answers are in the
/// order of the requests, the same as running them one transaction each in that order; they hold
/// only after the commit, so when the transaction cannot be begun or committed every request
/// gets the error and nothing of the batch is saved.
///
/// The batch is first run set-based (a constant number of statements, see [`set_based`]); if a
/// statement fails, that is rolled back and the batch is run again with each request in its own
/// savepoint, so that only the request at fault fails.
///
/// This is what the writer does with each batch; it is public so a test can put chosen requests
/// in one batch.
pub async fn redeem_batch(
    store: &Store,
    requests: &[RedeemRequest],
) -> Vec<Result<Redemption, LinkError>> {
    answers(requests, run_batch(store, requests).await)
}

/// [`redeem_batch`] set-based only (no fallback: a failed statement fails the batch), for tests
/// that hold the two ways to the same answers.
#[doc(hidden)]
pub async fn redeem_batch_set_based(
    store: &Store,
    requests: &[RedeemRequest],
) -> Vec<Result<Redemption, LinkError>> {
    let batch = async {
        let mut tx = store.begin_write().await?;
        let results = set_based(&mut tx, store, requests).await?;
        tx.commit().await?;
        Ok(results)
    };
    answers(requests, batch.await)
}

/// [`redeem_batch`] with each request in its own savepoint, one statement at a time (the
/// fallback), for tests that hold the two ways to the same answers.
#[doc(hidden)]
pub async fn redeem_batch_in_savepoints(
    store: &Store,
    requests: &[RedeemRequest],
) -> Vec<Result<Redemption, LinkError>> {
    answers(requests, in_savepoints(store, requests).await)
}

fn answers(
    requests: &[RedeemRequest],
    batch: Result<Vec<Result<Redemption, LinkError>>, sqlx::Error>,
) -> Vec<Result<Redemption, LinkError>> {
    match batch {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, size = requests.len(), "a batch of redemptions was not saved");
            let message = e.to_string();
            requests
                .iter()
                .map(|_| {
                    Err(LinkError::Database(sqlx::Error::Protocol(format!(
                        "the redemption was not saved: {message}"
                    ))))
                })
                .collect()
        }
    }
}

async fn run_batch(
    store: &Store,
    requests: &[RedeemRequest],
) -> Result<Vec<Result<Redemption, LinkError>>, sqlx::Error> {
    let mut tx = store.begin_write().await?;
    match set_based(&mut tx, store, requests).await {
        Ok(results) => {
            tx.commit().await?;
            return Ok(results);
        }
        Err(e) => {
            // The set-based writes are all or nothing; find the request at fault the slow way.
            tracing::warn!(error = %e, size = requests.len(), "redeeming the batch one savepoint at a time");
            tx.rollback().await?;
        }
    }
    in_savepoints(store, requests).await
}

/// The batch with each request in its own savepoint, one statement at a time: what
/// [`redeem_batch`] falls back to when a set-based write fails (so that only the request at
/// fault fails), and the reference the set-based path is tested against.
async fn in_savepoints(
    store: &Store,
    requests: &[RedeemRequest],
) -> Result<Vec<Result<Redemption, LinkError>>, sqlx::Error> {
    let mut tx = store.begin_write().await?;
    let mut chain = ChainHead::read(&mut tx).await?;
    let mut results = Vec::with_capacity(requests.len());
    for request in requests {
        results.push(in_savepoint(&mut tx, store, &mut chain, request).await?);
    }
    chain.seal(&mut tx, store.cipher()).await?;
    tx.commit().await?;
    Ok(results)
}

/// A link as the batch's query returns it (see [`set_based`]).
#[derive(serde::Deserialize)]
struct LinkRow(
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
);

/// A link as the batch has left it so far.
struct Pending {
    id: String,
    customer_id: String,
    purpose: LinkPurpose,
    expires_at: String,
    opened_at: Option<String>,
    redeemed_at: Option<String>,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    revoke_reason: Option<String>,
    failed_checks: u32,
    updated_at: String,
    change_seq: i64,
    changed: bool,
    /// The customer's encrypted date of birth (`None`: no such customer) and current ZIP.
    dob_enc: Option<String>,
    zip: Option<String>,
}

impl Pending {
    fn view(&self, now: DateTime<Utc>) -> LinkView {
        LinkView {
            id: self.id.clone(),
            customer_id: self.customer_id.clone().into(),
            purpose: self.purpose,
            state: state_of(
                now,
                &self.expires_at,
                self.opened_at.is_some(),
                self.redeemed_at.is_some(),
                self.revoked_at.is_some(),
            ),
            issued_by: String::new(),
            created_at: String::new(),
            expires_at: self.expires_at.clone(),
            opened_at: self.opened_at.clone(),
            redeemed_at: self.redeemed_at.clone(),
            revoked_at: self.revoked_at.clone(),
            revoke_reason: self.revoke_reason.clone(),
            failed_checks: self.failed_checks,
        }
    }
}

/// The batch in a constant number of statements: read every link of the batch (with its
/// customer's knowledge-check facts) at once, run the requests in order against that state in
/// memory (exactly the decisions [`redeem_one`] makes, each request seeing the ones before it),
/// then write the journal rows, the links' new state, the sessions and the audit entries in a
/// few set-based statements. A request whose facts cannot be read (no customer, a key error)
/// gets its error and writes nothing, as its savepoint would have been rolled back. An `Err`
/// means a statement failed: nothing of the batch may be committed.
async fn set_based(
    conn: &mut SqliteConnection,
    store: &Store,
    requests: &[RedeemRequest],
) -> Result<Vec<Result<Redemption, LinkError>>, sqlx::Error> {
    let hashes: Vec<Option<String>> = requests
        .iter()
        .map(|r| is_token_shaped(&r.token).then(|| token_hash(&r.token)))
        .collect();
    let wanted = serde_json::Value::from(hashes.iter().flatten().cloned().collect::<Vec<_>>());
    // One row holding every link as JSON: the rows of a query reach us one message each.
    let found = access_link::batch_with_facts(&mut *conn, &wanted.to_string()).await?;
    let rows: Vec<LinkRow> = serde_json::from_str(found.as_deref().unwrap_or("[]"))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let mut links: HashMap<String, Pending> = HashMap::with_capacity(rows.len());
    for row in rows {
        let LinkRow(
            id,
            customer_id,
            purpose,
            expires_at,
            opened_at,
            redeemed_at,
            revoked_at,
            revoked_by,
            revoke_reason,
            failed,
            updated_at,
            change_seq,
            stored_hash,
            dob_enc,
            zip,
        ) = row;
        links.insert(
            stored_hash,
            Pending {
                id,
                customer_id,
                purpose: known("link purpose", &purpose, LinkPurpose::parse)?,
                expires_at,
                opened_at,
                redeemed_at,
                revoked_at,
                revoked_by,
                revoke_reason,
                failed_checks: failed.clamp(0, i64::from(u32::MAX)) as u32,
                updated_at,
                change_seq,
                changed: false,
                dob_enc,
                zip,
            },
        );
    }
    // The seq AUTOINCREMENT would give the next journal row (the write lock is held).
    let mut next_seq = dealerdesk_store::next_journal_seq(&mut *conn).await?;
    let mut chain = ChainHead::read(conn).await?;

    let device = store.device_id();
    let mut journal_rows = Vec::new();
    let mut sessions = Vec::new();
    let mut ended = Vec::new();
    let mut results = Vec::with_capacity(requests.len());
    for (request, hash) in requests.iter().zip(&hashes) {
        let now = request.now;
        let client = &request.client;
        let found = hash.as_ref().and_then(|h| {
            links
                .get_key_value(h)
                .filter(|(stored, _)| bool::from(stored.as_bytes().ct_eq(h.as_bytes())))
                .map(|(stored, _)| stored.clone())
        });
        let view = found
            .as_ref()
            .and_then(|h| links.get(h))
            .map(|l| l.view(now));
        let (Some(key), Some(view)) = (found, view.filter(|v| v.state.usable())) else {
            let view = hash
                .as_ref()
                .and_then(|h| links.get(h))
                .map(|l| l.view(now));
            chain.stage(now, &refusal(view.as_ref(), client));
            results.push(Err(LinkError::Unusable));
            continue;
        };
        let Some(link) = links.get_mut(&key) else {
            results.push(Err(LinkError::Unusable));
            continue;
        };
        let Some(dob_enc) = link.dob_enc.as_deref() else {
            results.push(Err(LinkError::CustomerNotFound(link.customer_id.clone())));
            continue;
        };
        let facts = match facts_from(
            store,
            &CustomerId::from(link.customer_id.as_str()),
            dob_enc,
            link.zip.as_deref(),
        ) {
            Ok(f) => f,
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        };
        let subject = format!("link:{}", view.id);
        let at = ts(now);
        if !knowledge_matches(&facts, &request.answer) {
            let failures = i64::from(link.failed_checks) + 1;
            let burn = failures >= MAX_KNOWLEDGE_FAILURES;
            let seq = next_seq;
            next_seq += 1;
            journal_rows.push(serde_json::json!([seq, link.id, at]));
            link.failed_checks = failures.clamp(0, i64::from(u32::MAX)) as u32;
            link.updated_at = at.clone();
            link.change_seq = seq;
            link.changed = true;
            if burn {
                link.revoked_at = Some(at.clone());
                link.revoked_by = Some("system".into());
                link.revoke_reason = Some("knowledge_check".into());
            }
            let event = AuditEvent::new(
                portal_actor(client),
                "link.knowledge_check",
                AuditOutcome::Failure,
            )
            .subject(subject.clone())
            .detail(format!("failure {failures} of {MAX_KNOWLEDGE_FAILURES}"));
            chain.stage(now, &event);
            if burn {
                ended.push(serde_json::json!([link.id, at]));
                let event = AuditEvent::new("system", "link.burn", AuditOutcome::Success)
                    .subject(subject)
                    .detail("three failed knowledge checks");
                chain.stage(now, &event);
            }
            results.push(Err(LinkError::KnowledgeCheckFailed {
                remaining: (MAX_KNOWLEDGE_FAILURES - failures).max(0) as u32,
            }));
            continue;
        }
        // The conditional UPDATE of the one-at-a-time path, on the state in memory.
        let consumable = link.redeemed_at.is_none()
            && link.revoked_at.is_none()
            && link.expires_at.as_str() > at.as_str();
        if !consumable {
            results.push(Err(LinkError::Unusable));
            continue;
        }
        let seq = next_seq;
        next_seq += 1;
        journal_rows.push(serde_json::json!([seq, link.id, at]));
        link.redeemed_at = Some(at.clone());
        if link.opened_at.is_none() {
            link.opened_at = Some(at.clone());
        }
        link.updated_at = at.clone();
        link.change_seq = seq;
        link.changed = true;
        let session_token = random_token(TOKEN_BYTES);
        sessions.push(serde_json::json!([
            new_id(),
            token_hash(&session_token),
            link.id,
            link.customer_id,
            session::first_stage(link.purpose),
            at,
            ts(now + PORTAL_SESSION_LIFETIME),
        ]));
        let event = AuditEvent::new(portal_actor(client), "link.redeem", AuditOutcome::Success)
            .subject(subject)
            .detail(format!(
                "customer:{} purpose {}",
                link.customer_id,
                link.purpose.as_str()
            ));
        chain.stage(now, &event);
        results.push(Ok(Redemption {
            link_id: link.id.clone(),
            customer_id: link.customer_id.clone().into(),
            purpose: link.purpose,
            session_token,
        }));
    }

    if !journal_rows.is_empty() {
        dealerdesk_store::journal_batch(
            &mut *conn,
            "access_link",
            "update",
            &serde_json::Value::Array(journal_rows).to_string(),
            device,
            // The clock of the batch: its latest request.
            requests
                .iter()
                .map(|r| r.now)
                .max()
                .unwrap_or_else(Utc::now),
        )
        .await?;
    }
    let updates: Vec<serde_json::Value> = links
        .values()
        .filter(|l| l.changed)
        .map(|l| {
            serde_json::json!([
                l.id,
                l.failed_checks,
                l.updated_at,
                l.change_seq,
                l.opened_at,
                l.redeemed_at,
                l.revoked_at,
                l.revoked_by,
                l.revoke_reason,
            ])
        })
        .collect();
    if !updates.is_empty() {
        access_link::update_batch(
            &mut *conn,
            &serde_json::Value::Array(updates).to_string(),
            device,
        )
        .await?;
    }
    if !ended.is_empty() {
        portal::end_for_links(&mut *conn, &serde_json::Value::Array(ended).to_string()).await?;
    }
    if !sessions.is_empty() {
        portal::insert_sessions(&mut *conn, &serde_json::Value::Array(sessions).to_string())
            .await?;
    }
    chain.seal(conn, store.cipher()).await?;
    Ok(results)
}

/// One request in its own savepoint (the fallback): kept when it ran to an answer (a redemption, a refusal, a
/// counted failure), rolled back when it failed (a database or key error). An `Err` here means
/// the transaction itself is in doubt and the batch must not be committed.
async fn in_savepoint(
    tx: &mut Transaction<'static, Sqlite>,
    store: &Store,
    chain: &mut ChainHead,
    request: &RedeemRequest,
) -> Result<Result<Redemption, LinkError>, sqlx::Error> {
    dealerdesk_store::savepoint(tx).await?;
    let before = chain.clone();
    match redeem_one(tx, store, chain, request).await {
        Ok(answer) => {
            dealerdesk_store::release_savepoint(tx).await?;
            Ok(answer)
        }
        Err(e) => {
            dealerdesk_store::rollback_savepoint(tx).await?;
            *chain = before;
            Ok(Err(e))
        }
    }
}

fn refusal(link: Option<&LinkView>, client: &str) -> AuditEvent {
    let event = AuditEvent::new(portal_actor(client), "link.redeem", AuditOutcome::Failure);
    match link {
        Some(l) => event
            .subject(format!("link:{}", l.id))
            .detail(format!("link {}", l.state.as_str())),
        None => event.detail("unknown or malformed token"),
    }
}

/// One redemption inside the batch's transaction. `Ok` holds the caller's answer and keeps the
/// writes (a refusal and a failed knowledge check are recorded); `Err` rolls the savepoint back.
async fn redeem_one(
    conn: &mut SqliteConnection,
    store: &Store,
    chain: &mut ChainHead,
    request: &RedeemRequest,
) -> Result<Result<Redemption, LinkError>, LinkError> {
    let RedeemRequest {
        token,
        answer,
        client,
        now,
    } = request;
    let now = *now;
    let link = match find_by_token(conn, token, now).await? {
        Some(l) if l.state.usable() => l,
        other => {
            chain
                .append(conn, now, &refusal(other.as_ref(), client))
                .await?;
            return Ok(Err(LinkError::Unusable));
        }
    };
    let facts = knowledge_facts(conn, store, &link.customer_id).await?;
    let right = knowledge_matches(&facts, answer);
    let subject = format!("link:{}", link.id);
    let at = ts(now);
    if !right {
        let failures = i64::from(link.failed_checks) + 1;
        let burn = failures >= MAX_KNOWLEDGE_FAILURES;
        let stamp = Stamp::journal(
            &mut *conn,
            store.device_id(),
            now,
            "access_link",
            &link.id,
            "update",
        )
        .await?;
        access_link::record_failed_check(&mut *conn, &link.id, failures, burn, &stamp).await?;
        let event = AuditEvent::new(
            portal_actor(client),
            "link.knowledge_check",
            AuditOutcome::Failure,
        )
        .subject(subject.clone())
        .detail(format!("failure {failures} of {MAX_KNOWLEDGE_FAILURES}"));
        chain.append(conn, now, &event).await?;
        if burn {
            super::end_sessions(conn, &link.id, now).await?;
            let event = AuditEvent::new("system", "link.burn", AuditOutcome::Success)
                .subject(subject)
                .detail("three failed knowledge checks");
            chain.append(conn, now, &event).await?;
        }
        return Ok(Err(LinkError::KnowledgeCheckFailed {
            remaining: (MAX_KNOWLEDGE_FAILURES - failures).max(0) as u32,
        }));
    }
    let stamp = Stamp::journal(
        &mut *conn,
        store.device_id(),
        now,
        "access_link",
        &link.id,
        "update",
    )
    .await?;
    let consumed = access_link::consume(&mut *conn, &link.id, &stamp).await?;
    if consumed != 1 {
        // Unreachable while the writer holds the write lock (the state was read in this
        // transaction), kept as the guarantee of single use; the savepoint is rolled back.
        return Err(LinkError::Unusable);
    }
    let session_token = random_token(TOKEN_BYTES);
    let stage = session::first_stage(link.purpose);
    portal::insert_session(
        &mut *conn,
        &new_id(),
        &portal::NewPortalSessionRow {
            token_hash: &token_hash(&session_token),
            link_id: &link.id,
            customer_id: link.customer_id.as_str(),
            stage,
            created_at: &at,
            expires_at: &ts(now + PORTAL_SESSION_LIFETIME),
        },
    )
    .await?;
    let event = AuditEvent::new(portal_actor(client), "link.redeem", AuditOutcome::Success)
        .subject(subject)
        .detail(format!(
            "customer:{} purpose {}",
            link.customer_id,
            link.purpose.as_str()
        ));
    chain.append(conn, now, &event).await?;
    Ok(Ok(Redemption {
        link_id: link.id,
        customer_id: link.customer_id,
        purpose: link.purpose,
        session_token,
    }))
}
