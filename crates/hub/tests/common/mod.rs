//! What the hub's tests on PostgreSQL share: a fresh hub, and a desk enrolled with it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::Utc;
use dealerdesk_hub::{EnrolRequest, Hub, StateDir};
use dealerdesk_hub_store::{testing, HubStore};
use ed25519_dalek::SigningKey;
use uuid::Uuid;
use x25519_dalek::{PublicKey, StaticSecret};

/// A hub initialised on a fresh database (DEALERDESK_TEST_DATABASE_URL), with its state
/// directory (kept alive by the returned guard).
pub async fn hub() -> (Hub, tempfile::TempDir) {
    let url = testing::fresh_database()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = HubStore::connect(&url).await.expect("connect");
    let dir = tempfile::tempdir().expect("tmp");
    let state = StateDir::new(dir.path().join("state"));
    dealerdesk_hub::init(
        &store,
        &state,
        "Valley Motors",
        "alice",
        "correct horse battery",
        &[],
        Utc::now(),
    )
    .await
    .expect("init");
    (Hub::open(store, state).await.expect("open"), dir)
}

/// A desk enrolled at the rooftop "North" under `name`: (desk id, group id, signing key).
pub async fn enrolled(hub: &Hub, name: &str) -> (Uuid, Uuid, SigningKey) {
    let code = hub
        .enrol_code("North", 60, None, Utc::now())
        .await
        .expect("code");
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let x = StaticSecret::random_from_rng(rand::rngs::OsRng);
    let req = EnrolRequest {
        code: code.code,
        desk_name: name.into(),
        ed25519_public: B64.encode(key.verifying_key().as_bytes()),
        x25519_public: B64.encode(PublicKey::from(&x).as_bytes()),
    };
    let answer = hub.enrol(&req, Utc::now()).await.expect("enrol");
    (answer.desk_id, answer.group_id, key)
}
