//! Group commit of redemptions.
//!
//! Every redemption writes (the change journal, the link, a portal session, the audit chain), and
//! a write transaction under `synchronous=FULL` ends with an fsync. When many customers redeem at
//! once, one transaction each queues them behind each other's fsync. Instead, one writer task per
//! [`Store`] takes redemption requests from a channel, drains whatever is queued (at most
//! [`MAX_BATCH`]), runs them in order in ONE `BEGIN IMMEDIATE` transaction, each in its own
//! savepoint (a request that fails rolls back alone), commits once (one fsync for the batch,
//! still `synchronous=FULL`), and only then answers each caller.
//!
//! The semantics are those of one transaction per redemption, in queue order: the first of two
//! redemptions of one token in a batch wins and the second reads the link as redeemed (it is
//! refused, and the refusal is audited); knowledge-check failures count and burn at three; every
//! redemption, failure and refusal is appended to the audit chain in order. No caller is told of
//! a success before the commit that saved it; if the commit fails, every caller of the batch gets
//! the error and nothing of the batch is saved.
//!
//! The writer is started on first use in the caller's Tokio runtime, and ends when the last
//! clone of the store is dropped. A caller that gave up before its request was reached (an HTTP
//! client that went away) is skipped, so its link is not consumed for nobody.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot};

use super::{
    find_by_token, knowledge_facts, normalise_zip, portal_actor, session, token_hash,
    KnowledgeAnswer, LinkError, LinkView, Redemption, MAX_KNOWLEDGE_FAILURES,
    PORTAL_SESSION_LIFETIME, TOKEN_BYTES,
};
use crate::audit::{AuditEvent, AuditOutcome, ChainHead};
use crate::crypto::random_token;
use crate::store::{journal, new_id, ts, Store};

/// The most redemptions committed together.
pub const MAX_BATCH: usize = 256;

/// Requests waiting for the writer before callers wait to queue.
const QUEUE_DEPTH: usize = 4096;

/// One redemption to run: what [`super::redeem`] takes.
#[derive(Debug, Clone)]
pub struct RedeemRequest {
    pub token: String,
    pub answer: KnowledgeAnswer,
    /// The caller's address, for the audit log.
    pub client: String,
    pub now: DateTime<Utc>,
}

type Reply = oneshot::Sender<Result<Redemption, LinkError>>;

/// The sending side of a store's redemption writer (held in the [`Store`]).
#[derive(Debug, Clone)]
pub struct RedeemQueue {
    tx: mpsc::Sender<(RedeemRequest, Reply)>,
}

/// Queues a redemption for the store's writer and waits for its answer (after the commit).
pub(super) async fn submit(store: &Store, request: RedeemRequest) -> Result<Redemption, LinkError> {
    if tokio::runtime::Handle::try_current().is_err() {
        // No Tokio runtime to run a writer in: a batch of one, here.
        return one_batch(store, request).await;
    }
    let (reply, answer) = oneshot::channel();
    let mut item = (request, reply);
    // Twice at most: a writer left from a runtime that has shut down is replaced once.
    for _ in 0..2 {
        let queue = writer(store);
        match queue.tx.send(item).await {
            Ok(()) => {
                return answer.await.unwrap_or_else(|_| Err(writer_gone()));
            }
            Err(mpsc::error::SendError(back)) => {
                item = back;
                if let Ok(mut slot) = store.redeem_queue().lock() {
                    if slot.as_ref().is_some_and(|q| q.tx.same_channel(&queue.tx)) {
                        *slot = None;
                    }
                }
            }
        }
    }
    one_batch(store, item.0).await
}

async fn one_batch(store: &Store, request: RedeemRequest) -> Result<Redemption, LinkError> {
    redeem_batch(store, std::slice::from_ref(&request))
        .await
        .pop()
        .unwrap_or_else(|| Err(writer_gone()))
}

fn writer_gone() -> LinkError {
    LinkError::Database(sqlx::Error::WorkerCrashed)
}

/// The store's writer, started if there is none.
fn writer(store: &Store) -> RedeemQueue {
    let mut slot = match store.redeem_queue().lock() {
        Ok(slot) => slot,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(q) = slot.as_ref().filter(|q| !q.tx.is_closed()) {
        return q.clone();
    }
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    // The writer holds a store without the queue slot, so that dropping the last clone of the
    // caller's store closes the channel and ends the writer.
    tokio::spawn(run_writer(store.detached(), rx));
    let queue = RedeemQueue { tx };
    *slot = Some(queue.clone());
    queue
}

async fn run_writer(store: Store, mut rx: mpsc::Receiver<(RedeemRequest, Reply)>) {
    let mut requests = Vec::with_capacity(MAX_BATCH);
    let mut replies = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some((request, reply)) = next.take() {
            // A caller that went away is skipped: its link stays usable.
            if !reply.is_closed() {
                requests.push(request);
                replies.push(reply);
            }
            if requests.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if requests.is_empty() {
            continue;
        }
        let results = redeem_batch(&store, &requests).await;
        for (reply, result) in replies.drain(..).zip(results) {
            // The caller may have gone since; the redemption is saved either way.
            let _ = reply.send(result);
        }
        requests.clear();
    }
}

/// Runs `requests` in order in one write transaction, each in its own savepoint, and commits
/// once. The answers are in the order of the requests; they hold only after the commit, so when
/// the transaction cannot be begun or committed every request gets the error.
///
/// This is what the writer does with each batch; it is public so a test can put chosen requests
/// in one batch.
pub async fn redeem_batch(
    store: &Store,
    requests: &[RedeemRequest],
) -> Vec<Result<Redemption, LinkError>> {
    match run_batch(store, requests).await {
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
    let mut chain = ChainHead::read(&mut tx).await?;
    let mut results = Vec::with_capacity(requests.len());
    for request in requests {
        results.push(in_savepoint(&mut tx, store, &mut chain, request).await?);
    }
    chain.seal(&mut tx, store.cipher()).await?;
    tx.commit().await?;
    Ok(results)
}

/// One request in its own savepoint: kept when it ran to an answer (a redemption, a refusal, a
/// counted failure), rolled back when it failed (a database or key error). An `Err` here means
/// the transaction itself is in doubt and the batch must not be committed.
async fn in_savepoint(
    tx: &mut Transaction<'static, Sqlite>,
    store: &Store,
    chain: &mut ChainHead,
    request: &RedeemRequest,
) -> Result<Result<Redemption, LinkError>, sqlx::Error> {
    sqlx::query("SAVEPOINT redeem").execute(&mut **tx).await?;
    let before = chain.clone();
    match redeem_one(tx, store, chain, request).await {
        Ok(answer) => {
            sqlx::query("RELEASE redeem").execute(&mut **tx).await?;
            Ok(answer)
        }
        Err(e) => {
            sqlx::query("ROLLBACK TO redeem").execute(&mut **tx).await?;
            sqlx::query("RELEASE redeem").execute(&mut **tx).await?;
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
    let given = format!(
        "{}|{}",
        crate::customer::validate::parse_date(&answer.dob)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        normalise_zip(&answer.zip)
    );
    // A customer without a ZIP on file can never pass (an empty answer must not match).
    let right = !facts.ends_with('|') && bool::from(facts.as_bytes().ct_eq(given.as_bytes()));
    let subject = format!("link:{}", link.id);
    let at = ts(now);
    if !right {
        let failures = i64::from(link.failed_checks) + 1;
        let burn = failures >= MAX_KNOWLEDGE_FAILURES;
        let seq = journal(
            conn,
            "access_link",
            &link.id,
            "update",
            store.device_id(),
            now,
        )
        .await?;
        sqlx::query(
            r#"UPDATE access_link SET failed_checks = ?2, updated_at = ?3, device_id = ?4, change_seq = ?5,
                   revoked_at = CASE WHEN ?6 THEN ?3 ELSE revoked_at END,
                   revoked_by = CASE WHEN ?6 THEN 'system' ELSE revoked_by END,
                   revoke_reason = CASE WHEN ?6 THEN 'knowledge_check' ELSE revoke_reason END
               WHERE id = ?1"#,
        )
        .bind(&link.id)
        .bind(failures)
        .bind(&at)
        .bind(store.device_id())
        .bind(seq)
        .bind(burn)
        .execute(&mut *conn)
        .await?;
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
    let seq = journal(
        conn,
        "access_link",
        &link.id,
        "update",
        store.device_id(),
        now,
    )
    .await?;
    let consumed = sqlx::query(
        r#"UPDATE access_link SET redeemed_at = ?2, opened_at = COALESCE(opened_at, ?2), updated_at = ?2,
               device_id = ?3, change_seq = ?4
           WHERE id = ?1 AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > ?2"#,
    )
    .bind(&link.id)
    .bind(&at)
    .bind(store.device_id())
    .bind(seq)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if consumed != 1 {
        // Unreachable while the writer holds the write lock (the state was read in this
        // transaction), kept as the guarantee of single use; the savepoint is rolled back.
        return Err(LinkError::Unusable);
    }
    let session_token = random_token(TOKEN_BYTES);
    let stage = session::first_stage(link.purpose);
    sqlx::query(
        r#"INSERT INTO portal_session (id, token_hash, link_id, customer_id, stage, created_at, expires_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
    )
    .bind(new_id())
    .bind(token_hash(&session_token))
    .bind(&link.id)
    .bind(&link.customer_id)
    .bind(stage)
    .bind(&at)
    .bind(ts(now + PORTAL_SESSION_LIFETIME))
    .execute(&mut *conn)
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
