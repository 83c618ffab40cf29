//! What the desktop shell keeps between commands: the open store and the session token.
//! The token lives here, in Rust; the web view never sees it.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use dealerdesk_services::auth::{self, Role, SessionToken, StaffView};
use dealerdesk_services::ipc::{CommandError, ErrorCode};
use dealerdesk_store::Store;

use crate::sync::Syncer;

pub struct AppState {
    store: Result<Store, String>,
    token: Mutex<Option<SessionToken>>,
    sync: Arc<Syncer>,
}

impl AppState {
    /// `store` is the opened database, or why it could not be opened (shown full-screen).
    pub fn new(store: Result<Store, String>) -> Self {
        Self {
            store,
            token: Mutex::new(None),
            sync: Arc::new(Syncer::default()),
        }
    }

    /// The sync runner (its background task runs only on an enrolled desk).
    pub fn sync(&self) -> &Arc<Syncer> {
        &self.sync
    }

    pub fn store(&self) -> Result<&Store, CommandError> {
        self.store
            .as_ref()
            .map_err(|why| CommandError::new(ErrorCode::Storage, why.clone()))
    }

    /// A copy of the current token; the lock is never held across an `.await`.
    pub fn token(&self) -> Option<SessionToken> {
        self.token.lock().map(|t| t.clone()).unwrap_or(None)
    }

    pub fn set_token(&self, token: Option<SessionToken>) {
        if let Ok(mut t) = self.token.lock() {
            *t = token;
        }
    }

    /// The signed-in staff member, if their session is active and their role is in `roles`.
    pub async fn authorize(&self, roles: &[Role], action: &str) -> Result<StaffView, CommandError> {
        let token = self.token();
        let store = self.store()?;
        Ok(auth::authorize(store, token.as_ref(), Utc::now(), roles, action).await?)
    }
}
