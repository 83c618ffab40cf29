//! The portal's redemption writer: group commit of redemptions arriving together.
//!
//! One writer task per portal takes redemption requests from a channel, drains whatever is
//! queued (at most [`MAX_BATCH`]) and hands the batch to [`links::redeem_batch`], which runs the
//! requests in order in one write transaction and commits once; only then is each caller
//! answered. A crowd of phones redeeming at once therefore shares one fsync instead of queueing
//! behind each other's.
//!
//! The writer is started on first use in the caller's (multi-threaded) Tokio runtime, and ends
//! when the last clone of its [`RedeemWriter`] is dropped; on a current-thread runtime each
//! redemption is a batch of one. A caller that gave up before its request was reached (an HTTP
//! client that went away) is skipped, so its link is not consumed for nobody.

use std::sync::{Arc, Mutex};

use dealerdesk_services::links::{self, LinkError, RedeemRequest, Redemption, MAX_BATCH};
use dealerdesk_store::Store;
use tokio::sync::{mpsc, oneshot};

/// How many times the writer yields to let a burst of callers reach the queue.
const MAX_YIELDS: usize = 2;

/// Requests waiting for the writer before callers wait to queue.
const QUEUE_DEPTH: usize = 4096;

type Reply = oneshot::Sender<Result<Redemption, LinkError>>;
type Item = (RedeemRequest, Reply);

/// The redemption writer of one store, shared by the portal's handlers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RedeemWriter {
    store: Store,
    /// The running writer's channel, started on first use.
    slot: Arc<Mutex<Option<mpsc::Sender<Item>>>>,
}

impl RedeemWriter {
    /// A writer for `store`; its task starts with the first redemption.
    pub fn new(store: Store) -> Self {
        RedeemWriter {
            store,
            slot: Arc::default(),
        }
    }

    /// Queues a redemption and waits for its answer, which comes after the commit that saved it.
    pub async fn redeem(&self, request: RedeemRequest) -> Result<Redemption, LinkError> {
        // A writer needs a multi-threaded Tokio runtime: one spawned on a current-thread runtime
        // runs only while that runtime is driven, and a caller on another runtime would wait for
        // it. Without one, the request is a batch of one, here (still one transaction).
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if !multi_thread {
            return links::redeem_one(&self.store, &request).await;
        }
        let (reply, answer) = oneshot::channel();
        let mut item = (request, reply);
        // Twice at most: a writer left from a runtime that has shut down is replaced once.
        for _ in 0..2 {
            let tx = self.sender();
            match tx.send(item).await {
                Ok(()) => return answer.await.unwrap_or_else(|_| Err(writer_gone())),
                Err(mpsc::error::SendError(back)) => {
                    item = back;
                    let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
                    if slot.as_ref().is_some_and(|q| q.same_channel(&tx)) {
                        *slot = None;
                    }
                }
            }
        }
        links::redeem_one(&self.store, &item.0).await
    }

    /// The running writer's channel, started if there is none.
    fn sender(&self) -> mpsc::Sender<Item> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = slot.as_ref().filter(|tx| !tx.is_closed()) {
            return tx.clone();
        }
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        // The task holds the store but not the slot, so dropping the last clone of this writer
        // closes the channel and ends the task.
        tokio::spawn(run_writer(self.store.clone(), rx));
        *slot = Some(tx.clone());
        tx
    }
}

fn writer_gone() -> LinkError {
    LinkError::Database(sqlx::Error::WorkerCrashed)
}

/// Adds a queued request to the batch, unless its caller went away (its link stays usable).
fn take(requests: &mut Vec<RedeemRequest>, replies: &mut Vec<Reply>, (request, reply): Item) {
    if !reply.is_closed() {
        requests.push(request);
        replies.push(reply);
    }
}

/// Moves what is queued into the batch (up to [`MAX_BATCH`]); how many requests it took off.
fn drain(
    rx: &mut mpsc::Receiver<Item>,
    requests: &mut Vec<RedeemRequest>,
    replies: &mut Vec<Reply>,
) -> usize {
    let mut arrived = 0;
    while requests.len() < MAX_BATCH {
        let Ok(item) = rx.try_recv() else { break };
        take(requests, replies, item);
        arrived += 1;
    }
    arrived
}

async fn run_writer(store: Store, mut rx: mpsc::Receiver<Item>) {
    let mut requests = Vec::with_capacity(MAX_BATCH);
    let mut replies = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        take(&mut requests, &mut replies, first);
        // Drain the queue; while a burst is still arriving (callers that are already running
        // reach the queue when we yield), keep collecting, so that it is one batch rather than
        // a batch of one and then the rest. No timer: a lone request waits a yield or two.
        drain(&mut rx, &mut requests, &mut replies);
        for _ in 0..MAX_YIELDS {
            if requests.len() >= MAX_BATCH {
                break;
            }
            tokio::task::yield_now().await;
            if drain(&mut rx, &mut requests, &mut replies) == 0 {
                break;
            }
        }
        if requests.is_empty() {
            continue;
        }
        let results = links::redeem_batch(&store, &requests).await;
        for (reply, result) in replies.drain(..).zip(results) {
            // The caller may have gone since; the redemption is saved either way.
            let _ = reply.send(result);
        }
        requests.clear();
    }
}
