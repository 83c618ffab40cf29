//! Background sync with the hub, for an enrolled desk. While the hub answers, the task keeps a
//! long poll open (the hub answers it as soon as another desk's change arrives, or after 15 s)
//! and cuts it short when this desk has changes to send (checked twice a second), so a change
//! reaches the other desks within about a second. While the hub cannot be reached it retries
//! after 15 s, then 30 s, then every 60 s. One run at a time: the background task and the
//! header's "Sync now" share one lock; "Sync now" cuts a waiting long poll short and runs at once.
//! A desk that is not enrolled starts no task.
//!
//! Stopping is safe at any await point: a sync run is resumable by construction (see
//! `dealerdesk_services::sync::run`), and a write dropped before its commit saves nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use dealerdesk_services::sync::run::{self, SyncReport};
use dealerdesk_services::sync::SyncError;
use dealerdesk_store::Store;
use tokio::sync::watch;

/// The wait after the first failed run.
pub const EVERY: Duration = Duration::from_secs(15);
/// How long the hub may hold a pull open while nothing happens.
pub const LONG_POLL_MS: u32 = 15_000;
/// The shortest round of the background loop when a round found nothing to do.
const MIN_ROUND: Duration = Duration::from_secs(1);
/// How often a waiting long poll checks for local changes to send.
const LOCAL_CHECK: Duration = Duration::from_millis(500);
/// The longest wait between runs while the hub cannot be reached.
pub const AT_MOST: Duration = Duration::from_secs(60);
/// How long the app waits at exit for a run to notice the stop.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The wait before the next run after `failures` failed runs in a row: 15 s while runs work
/// and after the first failure, then 30 s, then 60 s.
pub fn next_delay(failures: u32) -> Duration {
    match failures {
        0 | 1 => EVERY,
        2 => EVERY * 2,
        _ => AT_MOST,
    }
}

/// Clears the running flag when a run ends, also when it is cancelled mid-way.
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// The desk's sync runner, kept in `AppState`.
pub struct Syncer {
    /// Held for the whole of a run.
    run: tokio::sync::Mutex<()>,
    running: AtomicBool,
    stop: watch::Sender<bool>,
    task: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    /// "Sync now": cuts the background long poll short.
    kick: tokio::sync::Notify,
}

impl Default for Syncer {
    fn default() -> Self {
        Self {
            run: tokio::sync::Mutex::new(()),
            running: AtomicBool::new(false),
            stop: watch::channel(false).0,
            task: Mutex::new(None),
            kick: tokio::sync::Notify::new(),
        }
    }
}

impl Syncer {
    /// Whether a run is going on right now.
    pub fn running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// One run; waits for a run already going on to finish first (a waiting long poll is cut
    /// short for it).
    pub async fn run_once(&self, store: &Store) -> Result<SyncReport, SyncError> {
        // A permit is kept if no poll is waiting yet; a stale one only cuts a poll short.
        self.kick.notify_one();
        let _one = self.run.lock().await;
        self.running.store(true, Ordering::SeqCst);
        let _flag = Running(&self.running);
        run::sync_now(store, Utc::now()).await
    }

    /// A run whose pull waits for news; the wait ends early (cleanly, between transactions) when
    /// this desk has changes to send or "Sync now" is asked for.
    async fn run_waiting(&self, store: &Store) -> Result<SyncReport, SyncError> {
        let _one = self.run.lock().await;
        let local = async {
            loop {
                tokio::time::sleep(LOCAL_CHECK).await;
                if run::waiting(store).await.is_ok_and(|n| n > 0) {
                    return;
                }
            }
        };
        let interrupt = async {
            tokio::select! {
                _ = local => {}
                _ = self.kick.notified() => {}
            }
        };
        run::sync_waiting(store, Utc::now(), LONG_POLL_MS, interrupt).await
    }

    /// Starts the background task (at most once, and never after `stop`).
    pub fn start(self: &std::sync::Arc<Self>, store: Store) {
        let Ok(mut task) = self.task.lock() else {
            return;
        };
        if task.is_some() || *self.stop.borrow() {
            return;
        }
        let me = std::sync::Arc::clone(self);
        let mut stop = self.stop.subscribe();
        *task = Some(tauri::async_runtime::spawn(async move {
            let mut delay = Duration::ZERO;
            let mut failures = 0u32;
            let mut first = true;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => break,
                }
                // Online: wait on the hub for news; otherwise one plain run.
                let began = std::time::Instant::now();
                // The first run is a plain one, so the header knows where sync stands at once.
                let outcome = if failures == 0 && !first {
                    tokio::select! {
                        r = me.run_waiting(&store) => r,
                        _ = stop.changed() => break,
                    }
                } else {
                    tokio::select! {
                        r = me.run_once(&store) => r,
                        _ = stop.changed() => break,
                    }
                };
                first = false;
                // Idle: nothing moved and nothing waits (an interrupted wait leaves changes waiting).
                let idle = matches!(&outcome, Ok(r) if r.pushed == 0 && r.pulled == 0)
                    && run::waiting(&store).await.is_ok_and(|n| n == 0);
                let ok = match outcome {
                    Ok(_) => true,
                    Err(e) => {
                        tracing::warn!(error = %e, "background sync failed; retrying later");
                        false
                    }
                };
                failures = if ok { 0 } else { failures.saturating_add(1) };
                // A hub that answers a long poll at once with nothing (an older hub) is asked
                // again after a second, not in a tight loop.
                delay = if !ok {
                    next_delay(failures)
                } else if idle && began.elapsed() < MIN_ROUND {
                    MIN_ROUND
                } else {
                    Duration::ZERO
                };
            }
        }));
    }

    /// Stops the background task and waits briefly for it (the app is exiting).
    pub async fn stop(&self) {
        // `send_replace`: the flag is kept even with no task listening (a desk never enrolled).
        self.stop.send_replace(true);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
                tracing::warn!("the background sync did not stop in time");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_to_a_minute_after_failures() {
        let s = Duration::from_secs;
        assert_eq!(next_delay(0), s(15));
        assert_eq!(next_delay(1), s(15));
        assert_eq!(next_delay(2), s(30));
        assert_eq!(next_delay(3), s(60));
        assert_eq!(next_delay(40), s(60));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn stops_without_waiting_out_its_delay_and_does_not_start_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(
            &dir.path().join("desk.db"),
            dealerdesk_store::OpenMode::CreateIfMissing,
        )
        .await
        .expect("store");
        let syncer = std::sync::Arc::new(Syncer::default());
        // Not enrolled: the first run fails at once and the task then waits 15 s.
        syncer.start(store.clone());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = std::time::Instant::now();
        syncer.stop().await;
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert!(!syncer.running());
        syncer.start(store.clone());
        assert!(syncer.task.lock().map(|t| t.is_none()).unwrap_or(false));
        assert!(matches!(
            syncer.run_once(&store).await,
            Err(SyncError::NotEnrolled)
        ));
        store.close().await;
    }
}
