//! Rate limiting of link use, per token and per client, kept in memory.
//!
//! In memory is enough here: the portal is one process on one desk, a restart is rare and only
//! forgets recent counts, and the real protections do not depend on it (a token is 256 random
//! bits; three wrong knowledge answers burn the link in the database). Fixed windows; the map is
//! swept of stale keys when it grows, so a flood of distinct keys cannot exhaust memory.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use dealerdesk_services::links::LinkError;

/// Keys beyond which stale windows are swept.
const SWEEP_AT: usize = 10_000;

/// At most `limit` hits per key in each `window`.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit on `key` and says whether it is within the limit.
    pub fn allow(&self, key: &str, now: DateTime<Utc>) -> bool {
        self.count(key, now) <= self.limit
    }

    /// Counts a hit on `key` and returns the hits in the current window, this one included.
    fn count(&self, key: &str, now: DateTime<Utc>) -> u32 {
        // A poisoned lock only means another thread panicked mid-update; the counts are still
        // usable.
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() >= SWEEP_AT {
            let window = self.window;
            hits.retain(|_, (start, _)| now - *start < window);
        }
        let entry = hits.entry(key.to_string()).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }
}

/// The portal's two limits: attempts on one token (from anywhere) and attempts from one client
/// (on any token).
#[derive(Debug)]
pub struct LinkLimiter {
    pub per_token: RateLimiter,
    pub per_client: RateLimiter,
}

impl Default for LinkLimiter {
    /// 10 attempts per token and 30 per client in 10 minutes.
    fn default() -> Self {
        Self::new(10, 30, Duration::minutes(10))
    }
}

impl LinkLimiter {
    pub fn new(per_token: u32, per_client: u32, window: Duration) -> Self {
        Self {
            per_token: RateLimiter::new(per_token, window),
            per_client: RateLimiter::new(per_client, window),
        }
    }

    /// Counts an attempt with `token` from `client`; refused if either limit is reached. The
    /// token is keyed by its hash, so raw tokens are not kept in memory.
    pub fn check(&self, token: &str, client: &str, now: DateTime<Utc>) -> Result<(), LinkError> {
        match self.attempt(token, client, now) {
            Attempt::Allowed => Ok(()),
            Attempt::Refused { .. } => Err(LinkError::RateLimited),
        }
    }

    /// [`LinkLimiter::check`], saying also whether this is the first refusal of its window (the
    /// one worth an audit entry: recording every refused hit would let a flood fill the log).
    pub fn attempt(&self, token: &str, client: &str, now: DateTime<Utc>) -> Attempt {
        let by_client = self.per_client.count(client, now);
        let by_token = self
            .per_token
            .count(&dealerdesk_services::links::token_hash(token), now);
        let client_over = by_client > self.per_client.limit;
        let token_over = by_token > self.per_token.limit;
        if !client_over && !token_over {
            return Attempt::Allowed;
        }
        Attempt::Refused {
            first: (client_over && by_client == self.per_client.limit + 1)
                || (token_over && by_token == self.per_token.limit + 1),
            limit: if token_over {
                "per token"
            } else {
                "per client"
            },
        }
    }
}

/// The outcome of one attempt under a [`LinkLimiter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    Refused {
        /// The first refusal of this window for the key.
        first: bool,
        /// Which limit refused it: `per token` or `per client`.
        limit: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_limited_within_its_window_and_free_after() {
        let r = RateLimiter::new(3, Duration::minutes(1));
        let t0 = Utc::now();
        assert!((0..3).all(|_| r.allow("a", t0)));
        assert!(!r.allow("a", t0), "fourth hit refused");
        assert!(r.allow("b", t0), "other keys unaffected");
        assert!(r.allow("a", t0 + Duration::minutes(1)), "new window");
    }
}
